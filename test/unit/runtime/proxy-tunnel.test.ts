// RestClient through real proxies on loopback: a small CONNECT proxy
// (node:http `connect`, plus absolute-form forwarding for http targets; also
// served over TLS) and a small SOCKS5 server (node:net, RFC 1928 with RFC 1929
// username/password). Both count tunnels and record the target they were
// asked for. The API side is an HTTPS server with a certificate from a test
// CA (made with openssl) for `kube.test`, 127.0.0.1 and this machine's
// non-loopback address.
//
// Loopback targets are never proxied by the environment rules, so the
// environment tests address the server as `kube.test`, a name the client
// never resolves: the proxies map it to 127.0.0.1 themselves. Explicit proxy
// URLs apply to loopback too, so those tests may use 127.0.0.1.
//
// No test relies on a default timeout or on elapsed time: each sets its own
// limit, and failures are immediate answers from the proxies.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import type { AddressInfo } from "node:net";
import { networkInterfaces, tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { isNetworkError, NetworkError, newRestConfig, RestClient, type RestConfig } from "@kubegen/runtime";
import { ProxyError } from "../../../runtime/src/transport/proxy-error.js";

const T = 30_000; // per-test limit: generous for a loaded 2-core machine
const CANARY = "canary-pw-51d0e7";
const USER = "kubegen-user";
const PASS = "s3cret-pass";

// ---- certificates -------------------------------------------------------------

interface Pki {
  dir: string;
  caPem: string;
  wrongCaPem: string;
  serverCert: string;
  serverKey: string;
}

/** A test CA, a second unrelated CA, and a serving certificate for kube.test, localhost and `ips`. */
function makePki(ips: string[]): Pki {
  const dir = mkdtempSync(join(tmpdir(), "kubegen-proxy-pki-"));
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2"];
  const openssl = (args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
  for (const ca of ["ca", "wrong-ca"]) {
    openssl(["req", "-x509", ...ec, "-keyout", `${ca}.key`, "-out", `${ca}.crt`, "-subj", `/CN=kubegen-${ca}`,
      "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign,digitalSignature"]);
  }
  const san = ["DNS:kube.test", "DNS:localhost", ...ips.map((ip) => `IP:${ip}`)].join(",");
  openssl(["req", "-x509", ...ec, "-keyout", "server.key", "-out", "server.crt", "-subj", "/CN=kube.test",
    "-CA", "ca.crt", "-CAkey", "ca.key", "-addext", `subjectAltName=${san}`, "-addext", "extendedKeyUsage=serverAuth"]);
  const read = (f: string) => readFileSync(join(dir, f), "utf8");
  return { dir, caPem: read("ca.crt"), wrongCaPem: read("wrong-ca.crt"), serverCert: read("server.crt"), serverKey: read("server.key") };
}

/** This machine's first non-loopback IPv4 address, if it has one. */
function externalIPv4(): string | undefined {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
  }
  return undefined;
}

// ---- servers ------------------------------------------------------------------

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** Closes `server` and destroys every socket it accepted (tunnels outlive http's own tracking). */
function track(server: net.Server): Set<net.Socket> {
  const sockets = new Set<net.Socket>();
  const add = (s: net.Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  };
  server.on("connection", add);
  server.on("secureConnection", add);
  cleanups.push(() => {
    server.close();
    for (const s of sockets) s.destroy();
  });
  return sockets;
}

async function listen(server: net.Server, host = "127.0.0.1"): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return (server.address() as AddressInfo).port;
}

/**
 * Where the proxies connect for a requested host: kube.test and loopback names
 * go to 127.0.0.1, IP addresses to themselves, anything else nowhere.
 */
function proxyResolve(host: string): string | undefined {
  const h = host.replace(/^\[(.*)\]$/, "$1");
  if (h === "kube.test" || h === "localhost" || h === "::1" || h.startsWith("127.")) return "127.0.0.1";
  return net.isIP(h) ? h : undefined;
}

interface ApiServer {
  port: number;
  requests: Array<{ url: string; host: string | undefined }>;
}

/** The API side: an HTTPS (or plain HTTP) server answering every request with JSON. */
async function apiServer(pki: Pki, options: { plain?: boolean; host?: string } = {}): Promise<ApiServer> {
  const requests: ApiServer["requests"] = [];
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    requests.push({ url: req.url ?? "", host: req.headers.host });
    req.resume();
    req.on("end", () => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ kind: "Thing", path: req.url, host: req.headers.host }));
    });
  };
  const server = options.plain ? http.createServer(handler) : https.createServer({ cert: pki.serverCert, key: pki.serverKey }, handler);
  server.keepAliveTimeout = 120_000;
  track(server);
  return { port: await listen(server, options.host), requests };
}

interface ConnectProxy {
  url: string;
  /** CONNECT targets, one per tunnel opened. */
  tunnels: string[];
  /** Absolute-form request URLs forwarded (http targets). */
  forwarded: string[];
  /** The Proxy-Authorization header of each request, decoded. */
  auth: Array<string | undefined>;
}

/** A CONNECT proxy (over TLS when `tls` is given) that may require Basic credentials. */
async function connectProxy(options: { credentials?: string; tls?: { cert: string; key: string } } = {}): Promise<ConnectProxy> {
  const p: ConnectProxy = { url: "", tunnels: [], forwarded: [], auth: [] };
  const server = options.tls ? https.createServer(options.tls) : http.createServer();
  const authorized = (req: http.IncomingMessage): boolean => {
    const header = req.headers["proxy-authorization"];
    const decoded = header?.startsWith("Basic ") ? Buffer.from(header.slice(6), "base64").toString() : undefined;
    p.auth.push(decoded);
    return !options.credentials || decoded === options.credentials;
  };
  server.on("connect", (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    socket.on("error", () => socket.destroy());
    if (!authorized(req)) {
      socket.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const target = req.url ?? "";
    const colon = target.lastIndexOf(":");
    const ip = proxyResolve(target.slice(0, colon));
    if (!ip) {
      socket.end("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    p.tunnels.push(target);
    const up = net.connect(Number(target.slice(colon + 1)), ip, () => {
      socket.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      if (head.length) up.write(head);
      up.pipe(socket);
      socket.pipe(up);
    });
    up.on("error", () => socket.destroy());
    socket.on("close", () => up.destroy());
  });
  server.on("request", (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (!authorized(req)) {
      res.writeHead(407, { "proxy-authenticate": 'Basic realm="test"' }).end();
      return;
    }
    const target = new URL(req.url ?? "");
    p.forwarded.push(req.url ?? "");
    const headers = { ...req.headers };
    delete headers["proxy-authorization"];
    const up = http.request(
      { host: proxyResolve(target.hostname), port: target.port, path: target.pathname + target.search, method: req.method, headers },
      (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      },
    );
    up.on("error", () => res.destroy());
    req.pipe(up);
  });
  track(server);
  const port = await listen(server);
  p.url = `${options.tls ? "https" : "http"}://127.0.0.1:${port}`;
  return p;
}

interface SocksServer {
  port: number;
  /** TCP connections accepted. */
  connections: () => number;
  /** CONNECT requests, with the address type the client sent. */
  requests: Array<{ atyp: "ipv4" | "ipv6" | "domain"; host: string; port: number }>;
  /** User names offered in RFC 1929 sub-negotiations. */
  users: string[];
}

/** Reads exact byte counts from a socket. */
function byteReader(socket: net.Socket): { read: (n: number) => Promise<Buffer>; rest: () => Buffer } {
  let buffer = Buffer.alloc(0);
  let want: { n: number; resolve: (b: Buffer) => void; reject: (e: Error) => void } | undefined;
  let ended = false;
  const pump = () => {
    if (!want) return;
    if (buffer.length >= want.n) {
      const w = want;
      want = undefined;
      const out = buffer.subarray(0, w.n);
      buffer = buffer.subarray(w.n);
      w.resolve(out);
    } else if (ended) {
      const w = want;
      want = undefined;
      w.reject(new Error("closed"));
    }
  };
  const onData = (c: Buffer) => {
    buffer = Buffer.concat([buffer, c]);
    pump();
  };
  socket.on("data", onData);
  socket.on("close", () => {
    ended = true;
    pump();
  });
  return {
    read: (n) => new Promise((resolve, reject) => {
      want = { n, resolve, reject };
      pump();
    }),
    rest: () => {
      socket.off("data", onData);
      return buffer;
    },
  };
}

/** A SOCKS5 server (RFC 1928 CONNECT, RFC 1929 username/password when `credentials` is set). */
async function socksServer(options: { credentials?: { user: string; pass: string }; deny?: string[] } = {}): Promise<SocksServer> {
  let connections = 0;
  const requests: SocksServer["requests"] = [];
  const users: string[] = [];
  const reply = (code: number) => Buffer.from([5, code, 0, 1, 0, 0, 0, 0, 0, 0]);
  const serve = async (sock: net.Socket) => {
    const { read, rest } = byteReader(sock);
    const [ver, n] = await read(2);
    if (ver !== 5) return sock.destroy();
    const methods = [...(await read(n!))];
    if (options.credentials) {
      if (!methods.includes(2)) return void sock.end(Buffer.from([5, 0xff]));
      sock.write(Buffer.from([5, 2]));
      const [authVer, ulen] = await read(2);
      const user = (await read(ulen!)).toString();
      const [plen] = await read(1);
      const pass = (await read(plen!)).toString();
      users.push(user);
      const ok = authVer === 1 && user === options.credentials.user && pass === options.credentials.pass;
      sock.write(Buffer.from([1, ok ? 0 : 1]));
      if (!ok) return void sock.end();
    } else {
      if (!methods.includes(0)) return void sock.end(Buffer.from([5, 0xff]));
      sock.write(Buffer.from([5, 0]));
    }
    const [, cmd, , atyp] = await read(4);
    let host: string;
    let kind: "ipv4" | "ipv6" | "domain";
    if (atyp === 1) {
      host = [...(await read(4))].join(".");
      kind = "ipv4";
    } else if (atyp === 4) {
      const b = await read(16);
      host = new URL(`http://[${Array.from({ length: 8 }, (_, i) => b.readUInt16BE(2 * i).toString(16)).join(":")}]/`).hostname.slice(1, -1);
      kind = "ipv6";
    } else if (atyp === 3) {
      const [len] = await read(1);
      host = (await read(len!)).toString();
      kind = "domain";
    } else return void sock.end(reply(8));
    const port = (await read(2)).readUInt16BE(0);
    requests.push({ atyp: kind, host, port });
    if (cmd !== 1) return void sock.end(reply(7));
    if (options.deny?.includes(host)) return void sock.end(reply(2));
    const ip = proxyResolve(host);
    if (!ip) return void sock.end(reply(4));
    const up = net.connect(port, ip);
    let connected = false;
    up.once("connect", () => {
      connected = true;
      sock.write(reply(0));
      const early = rest();
      if (early.length) up.write(early);
      up.pipe(sock);
      sock.pipe(up);
    });
    up.on("error", (err: NodeJS.ErrnoException) => {
      if (!connected) sock.end(reply(err.code === "ECONNREFUSED" ? 5 : 1));
      else sock.destroy();
    });
    sock.on("close", () => up.destroy());
  };
  const server = net.createServer((sock) => {
    connections++;
    sock.on("error", () => sock.destroy());
    serve(sock).catch(() => sock.destroy());
  });
  track(server);
  return { port: await listen(server), connections: () => connections, requests, users };
}

// ---- helpers ------------------------------------------------------------------

let pki: Pki;
const external = externalIPv4();
beforeAll(() => {
  pki = makePki(["127.0.0.1", ...(external ? [external] : [])]);
});
afterAll(() => rmSync(pki.dir, { recursive: true, force: true }));

/** A RestClient for `server` with the test CA; the environment is `{}` unless the test passes one. */
function client(server: string, fields: Partial<RestConfig> = {}): RestClient {
  const rc = new RestClient(newRestConfig(server, { caData: pki.caPem, qps: -1, warningHandler: null, proxyEnv: {}, ...fields }));
  cleanups.push(() => rc.close());
  return rc;
}

async function failure(rc: RestClient): Promise<NetworkError> {
  const err = await rc.request({ path: "/api" }, { maxRetries: 0 }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isNetworkError(err)).toBe(true);
  return err as NetworkError;
}

function proxyErrorOf(err: unknown): ProxyError {
  expect(err).toBeInstanceOf(NetworkError);
  const cause = (err as Error).cause;
  expect(cause).toBeInstanceOf(ProxyError);
  return cause as ProxyError;
}

/** Every way an error could be printed or serialised, joined. */
function everyRendering(err: unknown): string {
  const e = err as Error;
  return [String(e), e.message, e.stack, JSON.stringify(e), JSON.stringify({ ...e }), inspect(e, { depth: 10, showHidden: true })].join("\n");
}

const list = (rc: RestClient) => rc.request<{ kind: string; path: string; host: string }>({ version: "v1", resource: "pods", namespace: "default", verb: "list" });

// ---- CONNECT ------------------------------------------------------------------

describe("HTTPS through a CONNECT proxy", () => {
  it("tunnels through an explicit proxyUrl even to a loopback server, TLS verified against the CA", async () => {
    const api = await apiServer(pki);
    const proxy = await connectProxy();
    const rc = client(`https://127.0.0.1:${api.port}`, { proxyUrl: proxy.url });
    expect(rc.transport.proxy).toBe(proxy.url);
    expect(await list(rc)).toMatchObject({ kind: "Thing", path: "/api/v1/namespaces/default/pods" });
    await list(rc); // the pooled tunnel is reused
    expect(proxy.tunnels).toEqual([`127.0.0.1:${api.port}`]);
    expect(api.requests).toHaveLength(2);
  }, T);

  it("follows HTTPS_PROXY for a non-loopback name the client never resolves", async () => {
    const api = await apiServer(pki);
    const proxy = await connectProxy();
    const rc = client(`https://kube.test:${api.port}`, { proxyEnv: { HTTPS_PROXY: proxy.url } });
    expect(await list(rc)).toMatchObject({ kind: "Thing", host: `kube.test:${api.port}` });
    expect(proxy.tunnels).toEqual([`kube.test:${api.port}`]);
  }, T);

  it("a value without a scheme is an http:// proxy; the lower-case name works, the upper-case one wins", async () => {
    const api = await apiServer(pki);
    const upper = await connectProxy();
    const lower = await connectProxy();
    const rc = client(`https://kube.test:${api.port}`, {
      proxyEnv: { HTTPS_PROXY: upper.url.replace("http://", ""), https_proxy: lower.url },
    });
    await list(rc);
    expect([upper.tunnels.length, lower.tunnels.length]).toEqual([1, 0]);
    const rc2 = client(`https://kube.test:${api.port}`, { proxyEnv: { https_proxy: lower.url } });
    await list(rc2);
    expect(lower.tunnels).toEqual([`kube.test:${api.port}`]);
  }, T);

  it("fails with a TLS error when the server's certificate is not from the configured CA", async () => {
    const api = await apiServer(pki);
    const proxy = await connectProxy();
    const rc = client(`https://kube.test:${api.port}`, { caData: pki.wrongCaPem, proxyEnv: { HTTPS_PROXY: proxy.url } });
    const err = await failure(rc);
    expect(proxy.tunnels).toHaveLength(1); // the tunnel opened; TLS inside it failed
    expect(api.requests).toHaveLength(0);
    expect(err.code).toBe("UNABLE_TO_VERIFY_LEAF_SIGNATURE");
  }, T);

  it("verifies the server name inside the tunnel (tlsServerName that the certificate does not name)", async () => {
    const api = await apiServer(pki);
    const proxy = await connectProxy();
    const rc = client(`https://kube.test:${api.port}`, { tlsServerName: "other.test", proxyEnv: { HTTPS_PROXY: proxy.url } });
    expect((await failure(rc)).code).toBe("ERR_TLS_CERT_ALTNAME_INVALID");
    const ok = client(`https://127.0.0.1:${api.port}`, { tlsServerName: "kube.test", proxyUrl: proxy.url });
    await expect(list(ok)).resolves.toMatchObject({ kind: "Thing" });
  }, T);

  it("NO_PROXY bypasses the proxy: the client then resolves kube.test itself and fails", async () => {
    const api = await apiServer(pki);
    const proxy = await connectProxy();
    const rc = client(`https://kube.test:${api.port}`, {
      proxyEnv: { HTTPS_PROXY: proxy.url, NO_PROXY: "example.org,.test" },
      timeoutMs: 20_000, // bounds a slow resolver; the answer is normally immediate
    });
    expect(rc.transport.proxy).toBeUndefined();
    const err = await failure(rc);
    expect(err.code === "ENOTFOUND" || err.code === "EAI_AGAIN" || err.code === "ETIMEDOUT").toBe(true);
    expect(proxy.tunnels).toHaveLength(0);
    expect(proxy.auth).toHaveLength(0);
  }, T);

  it.skipIf(!external)("NO_PROXY with a CIDR bypasses the proxy for a reachable non-loopback address", async () => {
    const api = await apiServer(pki, { host: external! });
    const proxy = await connectProxy();
    const server = `https://${external}:${api.port}`;
    await list(client(server, { proxyEnv: { HTTPS_PROXY: proxy.url } }));
    expect(proxy.tunnels).toEqual([`${external}:${api.port}`]);
    const cidr = `${external!.split(".").slice(0, 3).join(".")}.0/24`;
    await list(client(server, { proxyEnv: { HTTPS_PROXY: proxy.url, NO_PROXY: `kube.test,${cidr}` } }));
    await list(client(server, { proxyEnv: { HTTPS_PROXY: proxy.url, no_proxy: `${external}:${api.port}` } }));
    expect(proxy.tunnels).toHaveLength(1); // still only the first
    expect(api.requests).toHaveLength(3);
  }, T);

  it("proxyUrl wins over the environment", async () => {
    const api = await apiServer(pki);
    const envProxy = await connectProxy();
    const socks = await socksServer();
    const rc = client(`https://kube.test:${api.port}`, {
      proxyUrl: `socks5h://127.0.0.1:${socks.port}`,
      proxyEnv: { HTTPS_PROXY: envProxy.url, NO_PROXY: "kube.test" },
    });
    await list(rc);
    expect(socks.requests).toEqual([{ atyp: "domain", host: "kube.test", port: api.port }]);
    expect(envProxy.tunnels).toHaveLength(0);
  }, T);

  it("sends the URL's credentials as Proxy-Authorization; a 407 is a clear error without the password", async () => {
    const api = await apiServer(pki);
    const proxy = await connectProxy({ credentials: `${USER}:${PASS}` });
    const good = client(`https://kube.test:${api.port}`, { proxyEnv: { HTTPS_PROXY: `http://${USER}:${PASS}@127.0.0.1:${new URL(proxy.url).port}` } });
    await list(good);
    expect(proxy.auth).toEqual([`${USER}:${PASS}`]);

    const badUrl = `http://${USER}:${CANARY}@127.0.0.1:${new URL(proxy.url).port}`;
    const bad = client(`https://kube.test:${api.port}`, { proxyUrl: badUrl });
    const err = await failure(bad);
    const cause = proxyErrorOf(err);
    expect(cause.code).toBe("ERR_PROXY_AUTH");
    expect(cause.statusCode).toBe(407);
    expect(err.message).toContain(`proxy ${proxy.url}: rejected the credentials in the proxy URL (HTTP 407 Proxy Authentication Required)`);
    expect(everyRendering(err)).not.toContain(CANARY);
    expect(everyRendering(err)).not.toContain(USER);
    expect(everyRendering(err)).not.toContain(Buffer.from(`${USER}:${CANARY}`).toString("base64"));

    const none = client(`https://kube.test:${api.port}`, { proxyUrl: proxy.url });
    expect((await failure(none)).message).toMatch(/requires authentication \(HTTP 407 .*\); put a user name and password in the proxy URL/);
    expect(proxy.tunnels).toHaveLength(1);
  }, T);

  it("reports a proxy that cannot reach the server as refused, naming the target", async () => {
    const proxy = await connectProxy();
    const rc = client("https://unreachable.test:6443", { proxyEnv: { HTTPS_PROXY: proxy.url } });
    const err = await failure(rc);
    expect(proxyErrorOf(err)).toMatchObject({ code: "ERR_PROXY_REFUSED", statusCode: 502 });
    expect(err.message).toContain(`proxy ${proxy.url}: refused to CONNECT to unreachable.test:6443: HTTP 502 Bad Gateway`);
  }, T);

  it("names the proxy when it cannot be reached", async () => {
    const closed = net.createServer();
    const port = await listen(closed);
    await new Promise<void>((r) => closed.close(() => r()));
    const rc = client("https://kube.test:6443", { proxyEnv: { HTTPS_PROXY: `127.0.0.1:${port}` } });
    const err = await failure(rc);
    expect(err.code).toBe("ECONNREFUSED");
    expect(err.message).toContain(`proxy http://127.0.0.1:${port}: connect ECONNREFUSED`);
  }, T);

  it("tunnels through an https:// proxy (TLS to the proxy, then TLS to the server inside)", async () => {
    const api = await apiServer(pki);
    const proxy = await connectProxy({ tls: { cert: pki.serverCert, key: pki.serverKey } });
    const rc = client(`https://kube.test:${api.port}`, { proxyEnv: { HTTPS_PROXY: proxy.url } });
    expect(await list(rc)).toMatchObject({ kind: "Thing" });
    expect(proxy.tunnels).toEqual([`kube.test:${api.port}`]);
    // the proxy's own certificate is verified too
    const untrusted = client(`https://kube.test:${api.port}`, { caData: pki.wrongCaPem, proxyEnv: { HTTPS_PROXY: proxy.url } });
    const err = await failure(untrusted);
    expect(err.code).toBe("UNABLE_TO_VERIFY_LEAF_SIGNATURE");
    expect(err.message).toContain(`proxy ${proxy.url}:`);
    expect(proxy.tunnels).toHaveLength(1);
  }, T);

  it("sends http targets to HTTP_PROXY in absolute form, with Proxy-Authorization", async () => {
    const api = await apiServer(pki, { plain: true });
    const proxy = await connectProxy({ credentials: `${USER}:${PASS}` });
    const proxyUrl = `http://${USER}:${PASS}@127.0.0.1:${new URL(proxy.url).port}`;
    const rc = client(`http://kube.test:${api.port}`, { proxyEnv: { HTTP_PROXY: proxyUrl, HTTPS_PROXY: "http://unused.invalid:1" } });
    expect(await list(rc)).toMatchObject({ kind: "Thing", host: `kube.test:${api.port}` });
    expect(proxy.forwarded).toEqual([`http://kube.test:${api.port}/api/v1/namespaces/default/pods`]);
    expect(proxy.tunnels).toHaveLength(0);
    expect(proxy.auth).toEqual([`${USER}:${PASS}`]);
  }, T);
});

// ---- SOCKS5 -------------------------------------------------------------------

describe("HTTPS through a SOCKS5 proxy", () => {
  it("socks5h: sends the host name for the proxy to resolve; TLS verified for that name", async () => {
    const api = await apiServer(pki);
    const socks = await socksServer();
    const rc = client(`https://kube.test:${api.port}`, { proxyUrl: `socks5h://127.0.0.1:${socks.port}` });
    expect(await list(rc)).toMatchObject({ kind: "Thing", host: `kube.test:${api.port}` });
    await list(rc); // pooled: one tunnel for both
    expect(socks.requests).toEqual([{ atyp: "domain", host: "kube.test", port: api.port }]);
    expect(socks.connections()).toBe(1);
  }, T);

  it("socks5: sends the host name for the proxy to resolve, as Go's net/http does; an IP literal goes as an address", async () => {
    const api = await apiServer(pki);
    const socks = await socksServer();
    const rc = client(`https://kube.test:${api.port}`, { proxyUrl: `socks5://127.0.0.1:${socks.port}` });
    await list(rc);
    expect(socks.requests).toEqual([{ atyp: "domain", host: "kube.test", port: api.port }]);

    const ip = client(`https://127.0.0.1:${api.port}`, { proxyUrl: `socks5h://127.0.0.1:${socks.port}` });
    await list(ip);
    expect(socks.requests[1]).toEqual({ atyp: "ipv4", host: "127.0.0.1", port: api.port });
  }, T);

  it("takes a SOCKS proxy from HTTPS_PROXY, as Go does", async () => {
    const api = await apiServer(pki);
    const socks = await socksServer();
    const rc = client(`https://kube.test:${api.port}`, { proxyEnv: { HTTPS_PROXY: `socks5h://127.0.0.1:${socks.port}` } });
    await list(rc);
    expect(socks.requests).toEqual([{ atyp: "domain", host: "kube.test", port: api.port }]);
    const bypass = client(`https://kube.test:${api.port}`, {
      proxyEnv: { HTTPS_PROXY: `socks5h://127.0.0.1:${socks.port}`, NO_PROXY: "kube.test" },
      timeoutMs: 20_000,
    });
    await failure(bypass);
    expect(socks.connections()).toBe(1);
  }, T);

  it("fails with a TLS error through the tunnel when the CA is wrong", async () => {
    const api = await apiServer(pki);
    const socks = await socksServer();
    const rc = client(`https://kube.test:${api.port}`, { caData: pki.wrongCaPem, proxyUrl: `socks5h://127.0.0.1:${socks.port}` });
    expect((await failure(rc)).code).toBe("UNABLE_TO_VERIFY_LEAF_SIGNATURE");
    expect(socks.requests).toHaveLength(1);
    expect(api.requests).toHaveLength(0);
  }, T);

  it("authenticates with the URL's user name and password (RFC 1929)", async () => {
    const api = await apiServer(pki);
    const socks = await socksServer({ credentials: { user: USER, pass: PASS } });
    const rc = client(`https://kube.test:${api.port}`, {
      proxyUrl: `socks5h://${encodeURIComponent(USER)}:${encodeURIComponent(PASS)}@127.0.0.1:${socks.port}`,
    });
    await list(rc);
    expect(socks.users).toEqual([USER]);
    expect(socks.requests).toEqual([{ atyp: "domain", host: "kube.test", port: api.port }]);
  }, T);

  it("bad credentials give a clear error that never shows them", async () => {
    const socks = await socksServer({ credentials: { user: USER, pass: PASS } });
    const rc = client("https://kube.test:6443", { proxyUrl: `socks5h://${USER}:${CANARY}@127.0.0.1:${socks.port}` });
    const err = await failure(rc);
    const cause = proxyErrorOf(err);
    expect(cause.code).toBe("ERR_PROXY_AUTH");
    expect(err.code).toBe("ERR_PROXY_AUTH");
    expect(err.message).toContain(
      `SOCKS5 proxy socks5h://127.0.0.1:${socks.port}: rejected the user name and password from the proxy URL (RFC 1929 status 1)`,
    );
    expect(everyRendering(err)).not.toContain(CANARY);
    expect(everyRendering(err)).not.toContain(USER);
    expect(socks.requests).toHaveLength(0);

    const none = client("https://kube.test:6443", { proxyUrl: `socks5h://127.0.0.1:${socks.port}` });
    expect((await failure(none)).message).toContain("requires authentication (put a user name and password in the proxy URL)");
  }, T);

  it.each([
    ["a denied target", "denied.test", 2, "connection not allowed by ruleset"],
    ["a name the proxy cannot resolve", "nowhere.test", 4, "host unreachable"],
  ])("reports %s with the reply code's meaning", async (_what, host, code, text) => {
    const socks = await socksServer({ deny: ["denied.test"] });
    const rc = client(`https://${host}:6443`, { proxyUrl: `socks5h://127.0.0.1:${socks.port}` });
    const err = await failure(rc);
    expect(proxyErrorOf(err)).toMatchObject({ code: "ERR_PROXY_REFUSED", socksReply: code });
    expect(err.message).toContain(`SOCKS5 proxy socks5h://127.0.0.1:${socks.port}: cannot connect to the API server: ${text} (SOCKS5 reply ${code})`);
  }, T);

  it("reports a refused connection behind the proxy", async () => {
    const closed = net.createServer();
    const port = await listen(closed);
    await new Promise<void>((r) => closed.close(() => r()));
    const socks = await socksServer();
    const rc = client(`https://kube.test:${port}`, { proxyUrl: `socks5h://127.0.0.1:${socks.port}` });
    const err = await failure(rc);
    expect(proxyErrorOf(err)).toMatchObject({ code: "ERR_PROXY_REFUSED", socksReply: 5 });
    expect(err.message).toContain("connection refused (SOCKS5 reply 5)");
  }, T);

  it("reports a server that does not speak SOCKS5", async () => {
    const api = await apiServer(pki, { plain: true });
    const rc = client("https://kube.test:6443", { proxyUrl: `socks5h://127.0.0.1:${api.port}` });
    const err = await failure(rc);
    // an HTTP server answers the binary greeting with "HTTP/1.1 400": version byte 'H' (72)
    expect(proxyErrorOf(err).code).toBe("ERR_PROXY_PROTOCOL");
    expect(err.message).toContain("is not a SOCKS5 proxy (it answered version 72)");
  }, T);

  it("carries plain HTTP to an http target through the tunnel", async () => {
    const api = await apiServer(pki, { plain: true });
    const socks = await socksServer();
    const rc = client(`http://kube.test:${api.port}`, { proxyEnv: { HTTP_PROXY: `socks5h://127.0.0.1:${socks.port}` } });
    expect(await list(rc)).toMatchObject({ kind: "Thing", path: "/api/v1/namespaces/default/pods" });
    expect(socks.requests).toEqual([{ atyp: "domain", host: "kube.test", port: api.port }]);
  }, T);
});
