// Port forwarding with kubegen's own client (runtime/src/stream/port-forward.ts) through a real
// kube-apiserver v1.36 to the test kubelet, whose /portForward is the kubelet's own streaming code
// (k8s.io/cri-streaming): the API server passes the WebSocket upgrade through to it. One control
// plane for this file and one pod running an HTTP server and a TCP echo server on 127.0.0.1 (the
// test kubelet dials the pod's ports on loopback, as a kubelet does inside the pod's network).
// Covered: HTTP through a local listener, many concurrent connections on two ports, 64 MiB both
// ways byte-exact through the echo server, a caller's own connection (dialPort), the pod's error
// channel (nothing listens: PortForwardError, the other connections go on), a missing pod (404),
// a pod that is not running, RBAC (403 for the `limited` user), close() and abort (listeners gone,
// connections ended, no socket left), a connection dropped by a proxy the test controls
// (NetworkError for that connection), and no token in any error.
import { createHash, randomBytes } from "node:crypto";
import http from "node:http";
import net from "node:net";
import { once } from "node:events";
import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ApiError,
  dialPort,
  isForbidden,
  isNetworkError,
  isNotFound,
  loadConfig,
  newRestConfig,
  portForward,
  PortForwardError,
  RequestBuildError,
  RestClient,
  type ForwardedPort,
  type RestConfig,
} from "@kubegen/runtime";
import { startControlPlane, type ControlPlane } from "@kubegen/runtime/testing";
import { startDroppingProxy } from "../../helpers/connect-proxy.js";
import { eventually } from "../../helpers/eventually.js";
import { createTestPod, errorCollector, tcpHandles } from "../../helpers/test-pods.js";
import { findAssetsWithKubelet } from "../../helpers/streaming-checker.js";

const assets = findAssetsWithKubelet();
const ci = process.env.CI === "true";
if (!assets.found && !ci) console.warn(`skipping the port-forward integration test: ${assets.reason}`);

const T = 90_000; // per test: generous, for a 2-core machine that is busy elsewhere too

/** One HTTP request to a local port; resolves with the status and body. */
function get(port: number, path: string, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, path, method: body ? "POST" : "GET", agent: false }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** Sends `bytes` random bytes to an echo server and resolves with the hashes sent and received. */
async function echo(conn: NodeJS.ReadWriteStream & { destroy(): void }, bytes: number): Promise<{ sent: string; received: string }> {
  const sent = createHash("sha256");
  const received = createHash("sha256");
  let got = 0;
  const all = new Promise<void>((resolve, reject) => {
    conn.on("data", (c: Buffer) => {
      received.update(c);
      got += c.length;
      if (got >= bytes) resolve();
    });
    conn.on("error", reject);
    conn.on("end", () => (got >= bytes ? resolve() : reject(new Error(`the echo ended after ${got} of ${bytes} bytes`))));
  });
  const chunk = 1 << 20;
  for (let off = 0; off < bytes; off += chunk) {
    const part = randomBytes(Math.min(chunk, bytes - off));
    sent.update(part);
    if (!conn.write(part)) await once(conn as NodeJS.EventEmitter, "drain");
  }
  await all;
  conn.destroy();
  return { sent: sent.digest("hex"), received: received.digest("hex") };
}

describe.skipIf(!assets.found && !ci)("port-forward through kube-apiserver and the test kubelet", () => {
  let cp: ControlPlane;
  let admin: RestConfig;
  let rc: RestClient;
  const ns = `pf-${randomBytes(4).toString("hex")}`;
  const pod = "servers";
  // Below Linux's ephemeral range (32768+), where other processes' connections may hold a port.
  const httpPort = 20_000 + Math.floor(Math.random() * 6_000);
  const echoPort = httpPort + 6_000;
  const closedPort = httpPort - 8_000; // nothing listens there
  const { errors, caught } = errorCollector(); // every error seen, checked for secrets at the end
  const target = { namespace: ns, name: pod };

  beforeAll(async () => {
    if (!assets.found) throw new Error(`the port-forward integration test needs (CI=true, so this is a failure): ${assets.reason}`);
    cp = await startControlPlane({ assets: assets.assets, kubelet: true, readyTimeoutMs: 90_000, log: () => {} });
    admin = newRestConfig(cp.server, { caData: cp.caPem, bearerToken: cp.adminToken, warningHandler: null });
    rc = new RestClient(admin);
    await rc.request({ version: "v1", resource: "namespaces", verb: "create", body: { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } } });
    const servers = [
      "const net=require('net'),http=require('http');",
      `http.createServer((q,s)=>{let n=0;q.on('data',(c)=>n+=c.length);q.on('end',()=>s.end('hi '+q.method+' '+q.url+' '+n))}).listen(${httpPort},'127.0.0.1');`,
      `net.createServer((c)=>{c.on('error',()=>{});c.pipe(c)}).listen(${echoPort},'127.0.0.1',()=>console.log('started'));`,
    ].join("");
    const at = { rc, namespace: ns, nodeName: cp.kubelet!.nodeName };
    await createTestPod(at, pod, { command: [process.execPath, "-e", servers] }, { restartPolicy: "Never" });
    await createTestPod(at, "finished", { command: ["true"] }, { restartPolicy: "Never" }, "none");
    // the servers listen once the process printed; wait until one connection goes through
    await eventually("the pod's servers listening", 30_000, async () => {
      const conn = await dialPort(rc, { ...target, port: httpPort });
      conn.end("GET /ready HTTP/1.0\r\n\r\n");
      let text = "";
      for await (const c of conn) text += (c as Buffer).toString();
      return text.includes("hi GET /ready") ? true : undefined;
    });
  }, 180_000);

  afterAll(async () => {
    rc?.close();
    await cp?.stop();
  }, 60_000);

  it("HTTP through a local listener on a free port", { timeout: T }, async () => {
    const fwd = await portForward(admin, { ...target, ports: [{ local: 0, remote: httpPort }] });
    try {
      expect(fwd.ports).toHaveLength(1);
      const p = fwd.ports[0]!;
      expect(p).toMatchObject({ address: "127.0.0.1", remote: httpPort });
      expect(p.local).toBeGreaterThan(0);
      expect(await get(p.local, "/a/b?c=d")).toEqual({ status: 200, body: "hi GET /a/b?c=d 0" });
      expect(await get(p.local, "/post", "x".repeat(100_000))).toEqual({ status: 200, body: "hi POST /post 100000" });
    } finally {
      await fwd.close();
    }
  });

  it("a local port already in use: rejects with EADDRINUSE, and no listener is left", { timeout: T }, async () => {
    const busy = net.createServer().listen(0, "127.0.0.1");
    await once(busy, "listening");
    const taken = (busy.address() as net.AddressInfo).port;
    try {
      const listeners = (): number => process.getActiveResourcesInfo().filter((r) => r === "TCPServerWrap").length;
      const before = listeners();
      const err = await caught(portForward(rc, { ...target, ports: [{ local: 0, remote: httpPort }, { local: taken, remote: echoPort }] }));
      expect((err as NodeJS.ErrnoException).code).toBe("EADDRINUSE");
      // the first listener was closed again (a failed listen's handle goes a moment later)
      await eventually("no listener left", 5_000, async () => (listeners() <= before ? true : undefined)); // <=: an earlier test's closed listener may still be counted in `before`
    } finally {
      busy.close();
    }
  });

  it("two ports at once, 24 concurrent connections", { timeout: T }, async () => {
    const fwd = await portForward(rc, { ...target, ports: [{ remote: httpPort, local: 0 }, { remote: echoPort, local: 0 }] });
    try {
      const [h, e] = fwd.ports as [ForwardedPort, ForwardedPort];
      expect(e.remote).toBe(echoPort);
      const requests = Array.from({ length: 16 }, (_, i) => get(h.local, `/r${i}`));
      const echoes = Array.from({ length: 8 }, async () => echo(net.connect(e.local, "127.0.0.1"), 256 * 1024));
      const answers = await Promise.all(requests);
      expect(answers.map((a) => a.body)).toEqual(Array.from({ length: 16 }, (_, i) => `hi GET /r${i} 0`));
      for (const r of await Promise.all(echoes)) expect(r.received).toBe(r.sent);
    } finally {
      await fwd.close();
    }
  });

  it("64 MiB each way through the echo server, byte-exact", { timeout: 180_000 }, async () => {
    const fwd = await portForward(rc, { ...target, ports: [{ local: 0, remote: echoPort }] });
    try {
      const started = Date.now();
      const r = await echo(net.connect(fwd.ports[0]!.local, "127.0.0.1"), 64 << 20);
      expect(r.received).toBe(r.sent);
      console.log(`port-forward: 64 MiB echoed in ${Date.now() - started} ms`);
    } finally {
      await fwd.close();
    }
  });

  it("dialPort: the caller's own connection as a Duplex, ending when the pod side closes", { timeout: T }, async () => {
    const conn = await dialPort(admin, { ...target, port: httpPort });
    conn.write("GET /raw HTTP/1.0\r\nHost: x\r\n\r\n");
    let text = "";
    for await (const c of conn) text += (c as Buffer).toString();
    expect(text).toMatch(/^HTTP\/1\.[01] 200 OK\r\n/);
    expect(text.endsWith("hi GET /raw 0")).toBe(true);
  });

  it("nothing listening in the pod: a PortForwardError from the error channel; the forwarder goes on", { timeout: T }, async () => {
    const seen: Array<{ err: unknown; port: ForwardedPort }> = [];
    const fwd = await portForward(rc, {
      ...target,
      ports: [{ local: 0, remote: closedPort }, { local: 0, remote: httpPort }],
      onError: (err, port) => void seen.push({ err, port }),
    });
    try {
      const sock = net.connect(fwd.ports[0]!.local, "127.0.0.1");
      sock.on("error", () => {});
      sock.resume();
      await once(sock, "close");
      await eventually("the error reported", 30_000, async () => (seen.length > 0 ? true : undefined));
      const { err, port } = seen[0]!;
      errors.push(err);
      expect(err).toBeInstanceOf(PortForwardError);
      expect(err).toMatchObject({ namespace: ns, pod, port: closedPort });
      expect((err as Error).message).toMatch(new RegExp(`error forwarding port ${closedPort} to pod ${pod}.*connect`));
      expect(port.remote).toBe(closedPort);
      expect((await get(fwd.ports[1]!.local, "/still")).body).toBe("hi GET /still 0");
      // the Duplex form reports it too
      const conn = await dialPort(rc, { ...target, port: closedPort });
      conn.resume();
      const e2 = await caught(once(conn, "close").then(() => Promise.reject(conn.errored)));
      expect(e2).toBeInstanceOf(PortForwardError);
    } finally {
      await fwd.close();
    }
  });

  it("a missing pod is a 404 ApiError; a pod that is not running is refused; RBAC denial is a 403", { timeout: T }, async () => {
    const missing = await caught(portForward(rc, { namespace: ns, name: "nope", ports: [httpPort] }));
    expect(missing).toBeInstanceOf(ApiError);
    expect(isNotFound(missing)).toBe(true);
    const dialMissing = await caught(dialPort(rc, { namespace: ns, name: "nope", port: httpPort }));
    expect(isNotFound(dialMissing)).toBe(true);

    await eventually("pod finished completed", 60_000, async () => {
      const p = await rc.request<any>({ version: "v1", resource: "pods", namespace: ns, name: "finished", verb: "get" });
      return p.status?.phase === "Succeeded" ? p : undefined;
    });
    const notRunning = await caught(portForward(rc, { namespace: ns, name: "finished", ports: [{ local: 0, remote: httpPort }] }));
    expect(notRunning).toBeInstanceOf(RequestBuildError);
    expect((notRunning as Error).message).toContain("is not running (phase Succeeded)");

    const limited = await loadConfig({ kubeconfigPath: cp.kubeconfigPath, context: "limited" });
    const denied = await caught(dialPort(limited, { ...target, port: httpPort }));
    expect(isForbidden(denied)).toBe(true);
    expect((denied as Error).message).toMatch(/User "kubegen-limited" cannot (get|create) resource "pods\/portforward"/);
  });

  it("close() and abort: the listeners go, open connections end, no socket is left", { timeout: T }, async () => {
    const before = tcpHandles();
    const fwd = await portForward(rc, { ...target, ports: [{ local: 0, remote: echoPort }] });
    const local = fwd.ports[0]!.local;
    const sock = net.connect(local, "127.0.0.1");
    sock.on("error", () => {});
    sock.write("abc");
    await once(sock, "data");
    expect(fwd.connections).toBe(1);
    await fwd.close();
    await fwd.done;
    if (!sock.destroyed) await once(sock, "close");
    const refused = await caught(new Promise((resolve, reject) => net.connect(local, "127.0.0.1").on("connect", resolve).on("error", reject)));
    expect((refused as NodeJS.ErrnoException).code).toBe("ECONNREFUSED");

    const ac = new AbortController();
    const fwd2 = await portForward(rc, { ...target, ports: [{ local: 0, remote: echoPort }], signal: ac.signal });
    const sock2 = net.connect(fwd2.ports[0]!.local, "127.0.0.1");
    sock2.on("error", () => {});
    sock2.write("abc");
    await once(sock2, "data");
    ac.abort();
    await fwd2.done;
    if (!sock2.destroyed) await once(sock2, "close");
    expect(fwd2.connections).toBe(0);
    await eventually("sockets closed", 10_000, async () => (tcpHandles() <= before ? true : undefined));
  });

  it("the connection dropped by a proxy: a NetworkError for that connection, the local socket closed", { timeout: T }, async () => {
    const proxy = await startDroppingProxy();
    try {
      const config = { ...admin, proxyUrl: proxy.url };
      const conn = await dialPort(config, { ...target, port: echoPort });
      conn.write("abc");
      await once(conn, "data");
      expect(proxy.tunnels.size).toBeGreaterThanOrEqual(2); // it went through the proxy
      conn.on("error", () => {}); // kept in conn.errored
      const closed = new Promise((r) => conn.once("close", r));
      proxy.dropAll();
      await closed;
      const err = conn.errored;
      errors.push(err);
      expect(isNetworkError(err)).toBe(true);
      expect((err as Error).message).toMatch(/the port-forward connection broke \(WebSocket close code 1006\)/);

      const seen: unknown[] = [];
      const fwd = await portForward(config, { ...target, ports: [{ local: 0, remote: echoPort }], onError: (e) => void seen.push(e) });
      try {
        const sock = net.connect(fwd.ports[0]!.local, "127.0.0.1");
        sock.on("error", () => {});
        sock.write("abc");
        await once(sock, "data");
        proxy.dropAll();
        if (!sock.destroyed) await once(sock, "close");
        await eventually("the error reported", 10_000, async () => (seen.length > 0 ? true : undefined));
        expect(isNetworkError(seen[0])).toBe(true);
        errors.push(...seen);
        await eventually("the connection gone", 10_000, async () => (fwd.connections === 0 ? true : undefined));
      } finally {
        await fwd.close();
      }
    } finally {
      proxy.close();
    }
  });

  it("no error carries the token", () => {
    expect(errors.length).toBeGreaterThan(0);
    for (const err of errors) {
      for (const text of [String(err), JSON.stringify(err), inspect(err, { depth: 5 })]) {
        expect(text).not.toContain(cp.adminToken);
        expect(text).not.toContain(cp.limitedToken);
      }
    }
  });
});
