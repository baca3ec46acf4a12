// HTTP/2 in the transport (transport/http2.ts) against loopback servers of Node's own: one
// connection carries concurrent requests; the server's stream limit opens a second one; GOAWAY
// lets streams in flight finish while new ones go to a new connection; a destroyed body or an
// aborted request resets only its stream; a connection that dies fails its streams with
// ECONNRESET (which the transport retries); an unanswered ping closes the connection; a server
// that offers only HTTP/1.1 by ALPN gets HTTP/1.1, as does `http2: false`.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import https from "node:https";
import http2 from "node:http2";
import net, { type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { newRestConfig, RestClient } from "@kubegen/runtime";
import { Http2Pool, type H2Timers } from "../../../runtime/src/transport/http2.js";

const T = 30_000;

let dir: string;
let ca: string;
let cert: string;
let key: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "kubegen-h2-"));
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2"];
  const openssl = (args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
  openssl(["req", "-x509", ...ec, "-keyout", "ca.key", "-out", "ca.crt", "-subj", "/CN=kubegen-h2-ca", "-addext", "basicConstraints=critical,CA:TRUE",
    "-addext", "keyUsage=critical,keyCertSign,cRLSign,digitalSignature"]);
  openssl(["req", "-x509", ...ec, "-keyout", "srv.key", "-out", "srv.crt", "-subj", "/CN=server", "-CA", "ca.crt", "-CAkey", "ca.key",
    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-addext", "extendedKeyUsage=serverAuth"]);
  ca = readFileSync(join(dir, "ca.crt"), "utf8");
  cert = readFileSync(join(dir, "srv.crt"), "utf8");
  key = readFileSync(join(dir, "srv.key"), "utf8");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

interface H2Server {
  url: URL;
  /** Server sessions, in connection order. */
  sessions: http2.ServerHttp2Session[];
  /** Streams of `/hang` requests, kept open for the test to write to. */
  hanging: http2.ServerHttp2Stream[];
  /** Paths of every request, in arrival order. */
  paths: string[];
}

/** An HTTP/2 server: `/hang` answers 200 and keeps the stream open; anything else answers its path as JSON. */
async function h2Server(settings: http2.Settings = {}, allowHTTP1 = false): Promise<H2Server> {
  const sessions: http2.ServerHttp2Session[] = [];
  const hanging: http2.ServerHttp2Stream[] = [];
  const paths: string[] = [];
  const srv = http2.createSecureServer({ cert, key, settings, allowHTTP1 });
  srv.on("session", (s) => sessions.push(s));
  srv.on("stream", (stream, headers) => {
    const path = String(headers[":path"]);
    paths.push(path);
    if (path.startsWith("/refuse-once") && !paths.slice(0, -1).includes(path)) {
      stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
      return;
    }
    if (path.startsWith("/hang")) {
      stream.respond({ ":status": 200, "content-type": "text/plain" });
      stream.write("open\n");
      hanging.push(stream);
      return;
    }
    stream.respond({ ":status": 200, "content-type": "application/json", warning: '299 - "careful"' });
    stream.end(JSON.stringify({ path }));
  });
  // HTTP/1.1 clients of an allowHTTP1 server (HTTP/2 streams are answered above)
  srv.on("request", (req, res) => {
    if (req.httpVersionMajor === 1) res.end(JSON.stringify({ path: req.url }));
  });
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  cleanups.push(() => {
    for (const s of sessions) s.destroy();
    srv.close();
  });
  return { url: new URL(`https://127.0.0.1:${(srv.address() as AddressInfo).port}`), sessions, hanging, paths };
}

/** A TCP relay in front of `target` that can stop passing bytes (a blackholed connection). */
async function relay(target: URL): Promise<{ url: URL; blackhole(): void }> {
  const pairs: net.Socket[] = [];
  const srv = net.createServer((inbound) => {
    const outbound = net.connect(Number(target.port), target.hostname);
    inbound.pipe(outbound).pipe(inbound);
    pairs.push(inbound, outbound);
  });
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  cleanups.push(() => {
    for (const s of pairs) s.destroy();
    srv.close();
  });
  return {
    url: new URL(`https://127.0.0.1:${(srv.address() as AddressInfo).port}`),
    blackhole: () => {
      for (const s of pairs) {
        s.unpipe();
        s.pause();
      }
    },
  };
}

function pool(url: URL, timers?: H2Timers): Http2Pool {
  const p = new Http2Pool(url, { ca }, timers);
  cleanups.push(() => p.close());
  return p;
}

async function text(res: NodeJS.ReadableStream): Promise<string> {
  let out = "";
  for await (const chunk of res) out += String(chunk);
  return out;
}

async function firstChunk(res: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    res.once("data", (c) => resolve(String(c)));
    res.once("error", reject);
  });
}

const get = (p: Http2Pool, path: string, signal?: AbortSignal) => p.request("GET", path, { "user-agent": "t", connection: "keep-alive" }, undefined, signal);

describe("Http2Pool", () => {
  it("multiplexes concurrent requests over one connection, and answers with status, headers and body", { timeout: T }, async () => {
    const srv = await h2Server();
    const p = pool(srv.url);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => get(p, `/r/${i}`)));
    const bodies = await Promise.all(results.map((r) => (r === "http1" ? "http1" : text(r))));
    expect(bodies).toEqual(Array.from({ length: 20 }, (_, i) => JSON.stringify({ path: `/r/${i}` })));
    const res = results[0]!;
    if (res === "http1") throw new Error("no HTTP/2");
    expect([res.statusCode, res.httpVersion, res.headers["content-type"], res.headers.warning]).toEqual([200, "2.0", "application/json", '299 - "careful"']);
    expect(Object.keys(res.headers).some((k) => k.startsWith(":"))).toBe(false);
    expect(srv.sessions).toHaveLength(1);
    await vi.waitFor(() => expect(p.stats).toEqual({ connections: 1, streams: 0 }));
  });

  it("opens a second connection when the server's stream limit is reached by streams that stay open", { timeout: T }, async () => {
    const srv = await h2Server({ maxConcurrentStreams: 2 });
    const p = pool(srv.url);
    // the first request learns the server's SETTINGS
    await text((await get(p, "/warm")) as NodeJS.ReadableStream);
    const watches = [await get(p, "/hang/1"), await get(p, "/hang/2")];
    expect(p.stats).toEqual({ connections: 1, streams: 2 });
    const third = await get(p, "/after");
    expect(await text(third as NodeJS.ReadableStream)).toBe(JSON.stringify({ path: "/after" }));
    expect(srv.sessions).toHaveLength(2);
    for (const w of watches) (w as NodeJS.ReadableStream & { destroy(): void }).destroy();
  });

  it("never sends more streams than the server allows, even for a burst that arrives before the connection is up", { timeout: T }, async () => {
    const srv = await h2Server({ maxConcurrentStreams: 10 });
    const p = pool(srv.url);
    // every request holds its stream until all have been sent: 50 streams need 5 connections
    const burst = Array.from({ length: 50 }, (_, i) => get(p, `/hang/${i}`));
    const all = await Promise.all(burst);
    expect(all.every((r) => r !== "http1" && r.statusCode === 200)).toBe(true);
    expect(srv.sessions).toHaveLength(5);
    expect(p.stats).toEqual({ connections: 5, streams: 50 });
    for (const r of all) (r as NodeJS.ReadableStream & { destroy(): void }).destroy();
  });

  it("after GOAWAY, a stream in flight goes on and new requests use a new connection", { timeout: T }, async () => {
    const srv = await h2Server();
    const p = pool(srv.url);
    const watch = (await get(p, "/hang/w")) as NodeJS.ReadableStream;
    expect(await firstChunk(watch)).toBe("open\n");
    srv.sessions[0]!.goaway();
    await new Promise((r) => setTimeout(r, 50));
    const next = await get(p, "/next");
    expect(await text(next as NodeJS.ReadableStream)).toBe(JSON.stringify({ path: "/next" }));
    expect(srv.sessions).toHaveLength(2);
    // the old stream still carries data
    const more = firstChunk(watch);
    srv.hanging[0]!.write("event\n");
    expect(await more).toBe("event\n");
  });

  it("destroying one body, or aborting one request, resets only that stream", { timeout: T }, async () => {
    const srv = await h2Server();
    const p = pool(srv.url);
    const a = (await get(p, "/hang/a")) as NodeJS.ReadableStream & { destroy(): void };
    const b = (await get(p, "/hang/b")) as NodeJS.ReadableStream;
    await firstChunk(a);
    await firstChunk(b);
    const reset = new Promise((r) => srv.hanging[0]!.once("close", r));
    a.destroy();
    await reset;
    expect(srv.hanging[0]!.rstCode).toBe(http2.constants.NGHTTP2_CANCEL);
    const more = firstChunk(b);
    srv.hanging[1]!.write("still here\n");
    expect(await more).toBe("still here\n");
    // an abort while waiting for the response rejects with the signal's reason
    const ac = new AbortController();
    const slow = p.request("GET", "/never", {}, undefined, ac.signal);
    ac.abort(new Error("caller gave up"));
    await expect(slow).rejects.toThrow("caller gave up");
    expect(srv.sessions).toHaveLength(1);
  });

  it("sends a refused (unprocessed) stream again, even a POST, and answers once", { timeout: T }, async () => {
    const srv = await h2Server();
    const p = pool(srv.url);
    const res = await p.request("POST", "/refuse-once/a", { "content-type": "application/json" }, '{"x":1}', undefined);
    expect(await text(res as NodeJS.ReadableStream)).toBe(JSON.stringify({ path: "/refuse-once/a" }));
    expect(srv.paths.filter((x) => x === "/refuse-once/a")).toHaveLength(2);
  });

  it("a connection that dies fails the bodies in flight with ECONNRESET, and the next request connects again", { timeout: T }, async () => {
    const srv = await h2Server();
    const p = pool(srv.url);
    const watch = (await get(p, "/hang/w")) as NodeJS.ReadableStream;
    await firstChunk(watch);
    const ended = new Promise<NodeJS.ErrnoException>((r) => watch.once("error", r));
    srv.sessions[0]!.destroy();
    expect((await ended).code).toBe("ECONNRESET");
    // the next request opens a new connection
    expect(await text((await get(p, "/again")) as NodeJS.ReadableStream)).toBe(JSON.stringify({ path: "/again" }));
  });

  it("closes a connection whose ping goes unanswered (30 s, then 15 s), ending its streams", { timeout: T }, async () => {
    const srv = await h2Server();
    const front = await relay(srv.url);
    const intervals: Array<() => void> = [];
    const timeouts: Array<{ fn: () => void; ms: number }> = [];
    const timers: H2Timers = {
      setInterval: (fn) => (intervals.push(fn), { unref: () => undefined }),
      clearInterval: () => undefined,
      setTimeout: (fn, ms) => (timeouts.push({ fn, ms }), { unref: () => undefined }),
      clearTimeout: () => undefined,
    };
    const p = new Http2Pool(front.url, { ca, servername: "localhost" }, timers);
    cleanups.push(() => p.close());
    const watch = (await get(p, "/hang/w")) as NodeJS.ReadableStream;
    await firstChunk(watch);
    const ended = new Promise<NodeJS.ErrnoException>((r) => watch.once("error", r));
    front.blackhole();
    intervals[0]!(); // 30 s passed: ping
    const deadline = timeouts.find((t) => t.ms === 15_000)!;
    deadline.fn(); // 15 s passed without an answer
    expect((await ended).code).toBe("ECONNRESET");
    expect(p.stats.connections).toBe(0);
  });

  it("gives up on a connection that is not ready within 10 s (a dead route), and the next request dials again", { timeout: T }, async () => {
    let accepted = 0;
    const silent = net.createServer(() => void accepted++); // takes the TCP connection, never answers TLS
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    cleanups.push(() => silent.close());
    const timeouts: Array<{ fn: () => void; ms: number }> = [];
    const timers: H2Timers = {
      setInterval: () => ({ unref: () => undefined }),
      clearInterval: () => undefined,
      setTimeout: (fn, ms) => (timeouts.push({ fn, ms }), { unref: () => undefined }),
      clearTimeout: () => undefined,
    };
    const p = new Http2Pool(new URL(`https://127.0.0.1:${(silent.address() as AddressInfo).port}`), { ca }, timers);
    cleanups.push(() => p.close());
    const first = get(p, "/x");
    await vi.waitFor(() => expect(accepted).toBe(1));
    timeouts.find((t) => t.ms === 10_000)!.fn();
    await expect(first).rejects.toMatchObject({ code: "ETIMEDOUT" });
    void get(p, "/y").catch(() => undefined);
    await vi.waitFor(() => expect(accepted).toBe(2));
  });

  it("a server that offers only HTTP/1.1 by ALPN gets 'http1'", { timeout: T }, async () => {
    const srv = https.createServer({ cert, key }, (_, res) => res.end("h1"));
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    cleanups.push(() => srv.close());
    const p = pool(new URL(`https://127.0.0.1:${(srv.address() as AddressInfo).port}`));
    expect(await get(p, "/")).toBe("http1");
    expect(p.http1).toBe(true);
  });
});

describe("the transport over HTTP/2", () => {
  const client = (url: URL, http2?: boolean) => {
    const config = newRestConfig(url.toString(), { caData: ca, qps: -1, ...(http2 === undefined ? {} : { http2 }) });
    const c = new RestClient(config);
    cleanups.push(() => c.close());
    return c;
  };

  it("uses HTTP/2 by default when the server offers it, HTTP/1.1 when it does not, and HTTP/1.1 with http2: false", { timeout: T }, async () => {
    const h2 = await h2Server({}, true);
    const byDefault = client(h2.url);
    await byDefault.request({ version: "v1", resource: "pods", verb: "list" });
    expect(byDefault.transport.connections).toMatchObject({ http2: 1, http1: 0 });

    const h1 = https.createServer({ cert, key }, (req, res) => res.end(JSON.stringify({ path: req.url, version: req.httpVersion })));
    await new Promise<void>((r) => h1.listen(0, "127.0.0.1", r));
    cleanups.push(() => h1.close());
    const h1url = new URL(`https://127.0.0.1:${(h1.address() as AddressInfo).port}`);

    const over2 = client(h2.url, true);
    expect(await over2.request({ version: "v1", resource: "pods", verb: "list" })).toEqual({ path: "/api/v1/pods" });
    expect(over2.transport.connections).toMatchObject({ http2: 1, http1: 0 });

    const fallback = client(h1url);
    expect(await fallback.request({ version: "v1", resource: "pods", verb: "list" })).toEqual({ path: "/api/v1/pods", version: "1.1" });
    expect(fallback.transport.connections).toMatchObject({ http2: 0, http1: 1 });

    const off = client(h2.url, false);
    await off.request({ version: "v1", resource: "pods", verb: "list" });
    expect(off.transport.connections).toMatchObject({ http2: 0, http1: 1 });
  });
});
