// Response compression through the transport (transport/compression.ts; Go
// net/http's transparent gzip, client-go DisableCompression) against a
// loopback HTTP server that records the Accept-Encoding of each request and
// answers per path: gzip JSON, a corrupt gzip body, an empty gzip body, a
// gzip Status error, and gzip streams (watch events, log lines) that the test
// writes one flushed piece at a time.
//
// Incremental delivery is shown by order, not by time: the server writes the
// second piece only after the client has received the first.
import http from "node:http";
import type { AddressInfo } from "node:net";
import zlib from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { ApiError, isNetworkError, NetworkError, newRestConfig, RestClient, type RestConfig } from "@kubegen/runtime";
import { GunzipIncomingMessage } from "../../../runtime/src/transport/compression.js";

const T = 30_000; // per-test limit: generous for a loaded 2-core machine

interface Server {
  url: string;
  acceptEncoding: Array<string | undefined>;
  /** Open gzip streams (/watch, /logs), in arrival order: write a piece and flush it. */
  streams: Array<{ send(text: string): void; end(): void; reset(): void }>;
}

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

const big = { kind: "ConfigMapList", items: Array.from({ length: 2000 }, (_, i) => ({ metadata: { name: `cm-${i}` }, data: { k: "v".repeat(50) } })) };

async function server(): Promise<Server> {
  const s: Server = { url: "", acceptEncoding: [], streams: [] };
  const srv = http.createServer((req, res) => {
    s.acceptEncoding.push(req.headers["accept-encoding"]);
    req.resume();
    const gz = { "content-type": "application/json", "content-encoding": "gzip" };
    switch (req.url?.split("?")[0]) {
      case "/plain":
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ plain: true }));
        return;
      case "/big": {
        const body = zlib.gzipSync(JSON.stringify(big));
        res.writeHead(200, { ...gz, "content-length": String(body.length) });
        res.end(body);
        return;
      }
      case "/corrupt":
        res.writeHead(200, gz);
        res.end(Buffer.concat([zlib.gzipSync("{}").subarray(0, 10), Buffer.from("this is not deflate data at all")]));
        return;
      case "/truncated":
        res.writeHead(200, gz);
        res.end(zlib.gzipSync(JSON.stringify(big)).subarray(0, 2000));
        return;
      case "/empty":
        res.writeHead(200, gz);
        res.end();
        return;
      case "/missing": {
        const status = { kind: "Status", apiVersion: "v1", status: "Failure", reason: "NotFound", code: 404, message: 'things "x" not found' };
        res.writeHead(404, gz);
        res.end(zlib.gzipSync(JSON.stringify(status)));
        return;
      }
      case "/watch":
      case "/logs": {
        res.writeHead(200, { ...gz, "content-type": req.url.startsWith("/watch") ? "application/json" : "text/plain" });
        res.flushHeaders(); // as the API server does for watches and followed logs
        const z = zlib.createGzip();
        z.pipe(res);
        s.streams.push({
          send: (text) => {
            z.write(text);
            z.flush(zlib.constants.Z_SYNC_FLUSH);
          },
          end: () => z.end(),
          reset: () => res.socket?.destroy(),
        });
        return;
      }
      default:
        res.writeHead(404);
        res.end();
    }
  });
  const sockets = new Set<import("node:net").Socket>();
  srv.on("connection", (c) => {
    sockets.add(c);
    c.on("close", () => sockets.delete(c));
  });
  await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve));
  cleanups.push(() => {
    srv.close();
    for (const c of sockets) c.destroy();
  });
  s.url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
  return s;
}

function client(s: Server, extra: Partial<RestConfig> = {}): RestClient {
  const rc = new RestClient(newRestConfig(s.url, { qps: -1, warningHandler: null, ...extra }));
  cleanups.push(() => rc.close());
  return rc;
}

async function until(what: string, cond: () => boolean, attempts = 500): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting until ${what}`);
}

describe("Accept-Encoding", () => {
  it(
    "is gzip by default, absent with disableCompression, and a caller's own value is kept",
    async () => {
      const s = await server();
      await client(s).request({ path: "/plain" });
      await client(s, { disableCompression: true }).request({ path: "/plain" });
      await client(s).request({ path: "/plain", headers: { "Accept-Encoding": "identity" } });
      expect(s.acceptEncoding).toEqual(["gzip", undefined, "identity"]);
    },
    T,
  );

  it(
    "is sent on watches and streams too",
    async () => {
      const s = await server();
      const rc = client(s);
      const w = rc.watch({ path: "/watch" });
      const first = w.next();
      await until("the watch reached the server", () => s.streams.length === 1);
      s.streams[0]!.end();
      expect((await first).done).toBe(true);
      const logs = await rc.stream({ path: "/logs" });
      s.streams[1]!.end();
      logs.resume();
      await new Promise((r) => logs.once("end", r));
      expect(s.acceptEncoding).toEqual(["gzip", "gzip"]);
    },
    T,
  );
});

describe("gzip responses", () => {
  it(
    "decode transparently; the decoded response drops Content-Encoding and Content-Length",
    async () => {
      const s = await server();
      const rc = client(s);
      expect(await rc.request({ path: "/big" })).toEqual(big);
      const raw = await rc.requestRaw({ path: "/big" });
      expect(raw.headers["content-encoding"]).toBeUndefined();
      expect(raw.headers["content-length"]).toBeUndefined();
      expect(JSON.parse(raw.body.toString("utf8"))).toEqual(big);
    },
    T,
  );

  it(
    "are decoded even when compression is disabled (the server sent gzip anyway), but not for a caller's own Accept-Encoding",
    async () => {
      const s = await server();
      expect(await client(s, { disableCompression: true }).request({ path: "/big" })).toEqual(big);
      const raw = await client(s).requestRaw({ path: "/big", headers: { "accept-encoding": "gzip" } });
      expect(raw.headers["content-encoding"]).toBe("gzip");
      expect(JSON.parse(zlib.gunzipSync(raw.body).toString("utf8"))).toEqual(big);
    },
    T,
  );

  it(
    "an empty gzip body is an empty body",
    async () => {
      const s = await server();
      expect(await client(s).request({ path: "/empty" })).toBeUndefined();
    },
    T,
  );

  it(
    "a gzip error body still becomes an ApiError with the server's Status",
    async () => {
      const s = await server();
      const err = await client(s).request({ path: "/missing" }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApiError);
      expect((err as ApiError).status).toMatchObject({ reason: "NotFound", code: 404, message: 'things "x" not found' });
    },
    T,
  );

  it(
    "a corrupt or truncated body is a NetworkError, not a crash, and the client stays usable",
    async () => {
      const s = await server();
      const rc = client(s);
      for (const path of ["/corrupt", "/truncated"]) {
        const err = await rc.request({ path }).catch((e: unknown) => e);
        expect(isNetworkError(err)).toBe(true);
        expect((err as Error).message).toContain("reading the response failed");
        const inner = (err as { cause?: unknown }).cause;
        expect(inner).toBeInstanceOf(NetworkError);
        expect((inner as NetworkError).message).toMatch(new RegExp(`GET ${s.url}${path}: the gzip-encoded response body cannot be decoded`));
        expect((inner as NetworkError).code).toMatch(/^Z_/);
      }
      // a watch whose body is corrupt fails with the NetworkError too
      const w = rc.watch({ path: "/corrupt" });
      const werr = await w.next().catch((e: unknown) => e);
      expect(werr).toBeInstanceOf(NetworkError);
      expect(await rc.request({ path: "/plain" })).toEqual({ plain: true });
    },
    T,
  );

  it(
    "the transport's response keeps the socket and counts the compressed bytes",
    async () => {
      const s = await server();
      const rc = client(s);
      const res = await rc.transport.send({ method: "GET", path: "/big", query: [], headers: {} });
      expect(res).toBeInstanceOf(GunzipIncomingMessage);
      expect(res.statusCode).toBe(200);
      expect(res.socket).toBeTruthy();
      let decoded = 0;
      for await (const chunk of res) decoded += (chunk as Buffer).length;
      const compressed = (res as GunzipIncomingMessage).compressedBytes;
      expect(decoded).toBe(Buffer.byteLength(JSON.stringify(big)));
      expect(compressed).toBeGreaterThan(0);
      expect(compressed).toBeLessThan(decoded / 5);
    },
    T,
  );
});

describe("gzip streams", () => {
  it(
    "watch events arrive one by one, each before the server sends the next",
    async () => {
      const s = await server();
      const w = client(s).watch<{ n: number }>({ path: "/watch" });
      const first = w.next();
      await until("the watch reached the server", () => s.streams.length === 1);
      const stream = s.streams[0]!;
      for (let n = 1; n <= 3; n++) {
        const next = n === 1 ? first : w.next();
        stream.send(JSON.stringify({ type: "ADDED", object: { n } }) + "\n");
        expect((await next).value).toEqual({ type: "ADDED", object: { n } });
      }
      // an event split across two flushes is assembled
      const split = JSON.stringify({ type: "MODIFIED", object: { n: 4 } });
      const next = w.next();
      stream.send(split.slice(0, 10));
      stream.send(split.slice(10) + "\n");
      expect((await next).value).toEqual({ type: "MODIFIED", object: { n: 4 } });
      stream.end();
      expect((await w.next()).done).toBe(true);
    },
    T,
  );

  it(
    "a dropped connection ends a gzip watch quietly, as an uncompressed one",
    async () => {
      const s = await server();
      const w = client(s).watch<{ n: number }>({ path: "/watch" });
      const first = w.next();
      await until("the watch reached the server", () => s.streams.length === 1);
      s.streams[0]!.send(JSON.stringify({ type: "ADDED", object: { n: 1 } }) + "\n");
      expect((await first).value).toMatchObject({ type: "ADDED" });
      const end = w.next();
      s.streams[0]!.reset();
      expect((await end).done).toBe(true);
    },
    T,
  );

  it(
    "log lines stream incrementally",
    async () => {
      const s = await server();
      const logs = await client(s).stream({ path: "/logs" });
      await until("the stream reached the server", () => s.streams.length === 1);
      const it = logs[Symbol.asyncIterator]();
      for (const line of ["one\n", "two\n", "three\n"]) {
        const next = it.next();
        s.streams[0]!.send(line);
        expect(String((await next).value)).toBe(line);
      }
      s.streams[0]!.end();
      expect((await it.next()).done).toBe(true);
    },
    T,
  );
});
