// exec and attach with kubegen's own client (runtime/src/stream) through a real kube-apiserver
// v1.36 and the test kubelet (startControlPlane({ kubelet: true }); one control plane for this
// file). The API server translates v5.channel.k8s.io to SPDY for the kubelet, so this is the path
// a real cluster takes. Covered: stdout, stdin with the v5 close, stderr apart, exit codes (also
// of a killed process), the server's InternalError for a missing command, 404 for a missing pod,
// a missing container, TTY with resize, attach, RBAC denial (403) for the `limited` user and an
// impersonated one, client-certificate auth from the kubeconfig, abort mid-stream (no socket
// left), a connection dropped by a proxy the test controls (NetworkError, no hanging stream),
// 1 GiB of stdout in bounded memory, keep-alive pings answered over an idle session, and no token
// or key in any error.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Writable } from "node:stream";
import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  ApiError,
  attachPod,
  execCapture,
  execPod,
  ExitCodeError,
  isForbidden,
  isNetworkError,
  isNotFound,
  loadConfig,
  newRestConfig,
  RestClient,
  type RestConfig,
} from "@kubegen/runtime";
import { startControlPlane, type ControlPlane } from "@kubegen/runtime/testing";
import { PROTOCOL_V5 } from "../../../runtime/src/stream/channel-protocol.js";
import { WebSocketClient } from "../../../runtime/src/stream/ws-client.js";
import { startDroppingProxy } from "../../helpers/connect-proxy.js";
import { eventually } from "../../helpers/eventually.js";
import { createTestPod, errorCollector, tcpHandles } from "../../helpers/test-pods.js";
import { findAssetsWithKubelet } from "../../helpers/streaming-checker.js";

const assets = findAssetsWithKubelet();
const ci = process.env.CI === "true";
if (!assets.found && !ci) console.warn(`skipping the exec/attach integration test: ${assets.reason}`);

const T = 90_000; // per test: generous, for a 2-core machine that is busy elsewhere too


/** Resolves with everything `stream` emitted once `text` appears in it. */
function waitForText(stream: NodeJS.ReadableStream, text: string | RegExp, timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = "";
    const timer = setTimeout(() => {
      stream.off("data", onData);
      reject(new Error(`no ${String(text)} within ${timeoutMs} ms; got ${JSON.stringify(seen)}`));
    }, timeoutMs);
    const onData = (c: Buffer | string): void => {
      seen += c.toString();
      if (typeof text === "string" ? seen.includes(text) : text.test(seen)) {
        clearTimeout(timer);
        stream.off("data", onData);
        resolve(seen);
      }
    };
    stream.on("data", onData);
  });
}

describe.skipIf(!assets.found && !ci)("exec and attach through kube-apiserver and the test kubelet", () => {
  let cp: ControlPlane;
  let admin: RestConfig;
  let rc: RestClient;
  const ns = `exec-${randomBytes(4).toString("hex")}`;
  const pod = "main";
  const { errors, caught } = errorCollector(); // every error seen, checked for secrets at the end
  const fileStart = Date.now();
  const target = <E extends object>(extra: E): E & { namespace: string; name: string } => ({ namespace: ns, name: pod, ...extra });
  const fresh = (): RestConfig => newRestConfig(cp.server, { caData: cp.caPem, bearerToken: cp.adminToken, warningHandler: null });
  const createPod = (name: string, container: Record<string, unknown>): Promise<void> =>
    createTestPod({ rc, namespace: ns, nodeName: cp.kubelet!.nodeName }, name, container);

  beforeAll(async () => {
    if (!assets.found) {
      throw new Error(`the exec/attach integration test needs (CI=true, so this is a failure): ${assets.reason}`);
    }
    cp = await startControlPlane({ assets: assets.assets, kubelet: true, readyTimeoutMs: 90_000, log: () => {} });
    admin = fresh();
    rc = new RestClient(admin);
    await rc.request({ version: "v1", resource: "namespaces", verb: "create", body: { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } } });
    await createPod(pod, { name: "main", command: ["sh", "-c", "echo started; cat"], stdin: true });
    console.log(`exec test: control plane with kubelet and a running pod in ${Date.now() - fileStart} ms`);
  }, 180_000);

  afterAll(async () => {
    rc?.close();
    await cp?.stop();
    console.log(`exec test: whole file ${Date.now() - fileStart} ms`);
  }, 60_000);

  it("exec echo hello: stdout, exit 0, over v5", { timeout: T }, async () => {
    expect(await execCapture(admin, target({ command: ["echo", "hello"] }))).toEqual({ stdout: "hello\n", stderr: "", exitCode: 0 });
    const s = await execPod(rc, target({ command: ["echo", "hi"], stdout: true }));
    expect(s.protocol).toBe(PROTOCOL_V5);
    const out: Buffer[] = [];
    for await (const c of s.stdout!) out.push(c as Buffer);
    await s.done;
    expect(Buffer.concat(out).toString()).toBe("hi\n");
    expect(s.closed).toBe(true);
  });

  it("stdin round trip through cat: ending stdin (the v5 close) ends the command", { timeout: T }, async () => {
    const text = `line one\n${"x".repeat(100_000)}\nlast`;
    expect(await execCapture(rc, target({ command: ["cat"], stdin: text }))).toEqual({ stdout: text, stderr: "", exitCode: 0 });
    // the Writable form
    const s = await execPod(rc, target({ command: ["cat"], stdin: true, stdout: true }));
    const got = waitForText(s.stdout!, "ping\n");
    s.stdin!.write("ping\n");
    await got;
    s.stdin!.end();
    await s.done;
  });

  it("stderr is kept apart from stdout", { timeout: T }, async () => {
    const r = await execCapture(rc, target({ command: ["sh", "-c", "echo out; echo err >&2; echo out2"] }));
    expect(r).toEqual({ stdout: "out\nout2\n", stderr: "err\n", exitCode: 0 });
  });

  it("sh -c 'exit 3': ExitCodeError with exitCode 3", { timeout: T }, async () => {
    const s = await execPod(rc, target({ command: ["sh", "-c", "exit 3"], stdout: new PassThrough() }));
    const err = await caught(s.done);
    expect(err).toBeInstanceOf(ExitCodeError);
    expect((err as ExitCodeError).exitCode).toBe(3);
    expect((err as ExitCodeError).message).toBe("command terminated with exit code 3");
    expect((err as ExitCodeError).status.reason).toBe("NonZeroExitCode");
    expect((await execCapture(rc, target({ command: ["sh", "-c", "echo a; exit 3"] }))).exitCode).toBe(3);
  });

  it("a missing command: ApiError with the server's InternalError message", { timeout: T }, async () => {
    const s = await execPod(rc, target({ command: ["kubegen-no-such-command"], stdout: true }));
    s.stdout!.resume();
    const err = await caught(s.done);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).reason).toBe("InternalError");
    expect((err as ApiError).code).toBe(500);
    expect((err as ApiError).message).toContain('exec: "kubegen-no-such-command": executable file not found in $PATH');
  });

  it("a missing pod: 404 ApiError from the handshake", { timeout: T }, async () => {
    const err = await caught(execPod(rc, { namespace: ns, name: "no-such-pod", command: ["true"], stdout: true }));
    expect(err).toBeInstanceOf(ApiError);
    expect(isNotFound(err)).toBe(true);
    expect((err as ApiError).message).toBe('pods "no-such-pod" not found');
  });

  it("a missing container: an ApiError naming it", { timeout: T }, async () => {
    const err = await caught(execPod(rc, target({ container: "nope", command: ["true"], stdout: true })));
    expect(err).toBeInstanceOf(ApiError);
    console.log(`exec test: missing container -> ${(err as ApiError).code} ${(err as ApiError).reason}: ${(err as ApiError).message}`);
    expect((err as ApiError).code).toBe(400);
    expect((err as ApiError).message).toContain("nope");
  });

  it("TTY with resize: stty size follows the sizes sent on channel 4", { timeout: T }, async () => {
    const s = await execPod(
      rc,
      target({
        command: ["sh", "-c", "while read a; do stty size; done"],
        tty: true,
        stdin: true,
        stdout: true,
        terminalSize: { width: 101, height: 33 },
      }),
    );
    let out = "";
    s.stdout!.on("data", (c: Buffer) => (out += c.toString()));
    // The size reaches the kubelet on its own stream, stdin on another: ask again until it shows.
    const sizeBecomes = async (want: string): Promise<void> => {
      for (let i = 0; i < 100; i++) {
        const from = out.length;
        s.stdin!.write("go\n");
        await eventually("an stty answer", 30_000, async () => (/\d+ \d+\r\n/.test(out.slice(from)) ? true : undefined));
        if (out.slice(from).includes(`${want}\r\n`)) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`stty size never printed ${want}: ${JSON.stringify(out)}`);
    };
    await sizeBecomes("33 101");
    s.resize({ width: 120, height: 40 });
    await sizeBecomes("40 120");
    s.stdin!.write("\x04"); // ^D: EOF on a terminal, so `read` fails and the loop ends
    await s.done;
    expect(out).toMatch(/33 101\r\n[\s\S]*40 120\r\n/);
  });

  it("attach to a container running cat with stdin: true", { timeout: T }, async () => {
    const word = `attached-${randomBytes(3).toString("hex")}`;
    const s = await attachPod(rc, target({ container: "main", stdin: true, stdout: true, stderr: true }));
    s.stderr!.resume();
    const seen = waitForText(s.stdout!, word);
    s.stdin!.write(`${word}\n`);
    expect(await seen).toContain(word);
    s.close(); // detach
    await s.done;
    expect(s.closed).toBe(true);
    // the container still runs
    expect(await execCapture(rc, target({ command: ["echo", "still"] }))).toMatchObject({ stdout: "still\n" });
  });

  it("the limited user gets a typed 403; so does an impersonated user; a client certificate works", { timeout: T }, async () => {
    const limited = await loadConfig({ kubeconfigPath: cp.kubeconfigPath, context: "limited" });
    const err = await caught(execPod(limited, target({ command: ["true"], stdout: true })));
    expect(err).toBeInstanceOf(ApiError);
    expect(isForbidden(err)).toBe(true);
    // a WebSocket upgrade is a GET: RBAC checks `get` on pods/exec first (and `create` since 1.35)
    expect((err as ApiError).message).toMatch(/User "kubegen-limited" cannot (get|create) resource "pods\/exec"/);

    const imp = newRestConfig(cp.server, { caData: cp.caPem, bearerToken: cp.adminToken, impersonate: { user: "kubegen-nobody" } });
    const err2 = await caught(execPod(imp, target({ command: ["true"], stdout: true })));
    expect(isForbidden(err2)).toBe(true);
    expect((err2 as ApiError).message).toContain('User "kubegen-nobody"');

    const certAdmin = await loadConfig({ kubeconfigPath: cp.kubeconfigPath, context: "admin" });
    expect(certAdmin.bearerToken).toBeUndefined();
    expect(await execCapture(certAdmin, target({ command: ["echo", "cert"] }))).toEqual({ stdout: "cert\n", stderr: "", exitCode: 0 });
  });

  it("an exec credential plugin and a token file authenticate the WebSocket too", { timeout: T }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "kubegen-exec-auth-"));
    try {
      const plugin = join(dir, "plugin.sh");
      const cred = { apiVersion: "client.authentication.k8s.io/v1", kind: "ExecCredential", status: { token: cp.adminToken } };
      writeFileSync(plugin, `#!/bin/sh\ncat <<'EOF'\n${JSON.stringify(cred)}\nEOF\n`, { mode: 0o700 });
      const viaPlugin = newRestConfig(cp.server, {
        caData: cp.caPem,
        warningHandler: null,
        exec: { command: plugin, apiVersion: "client.authentication.k8s.io/v1", interactiveMode: "Never" },
      });
      expect(await execCapture(viaPlugin, target({ command: ["echo", "plugin"] }))).toMatchObject({ stdout: "plugin\n" });
      const tokenFile = join(dir, "token");
      writeFileSync(tokenFile, cp.adminToken, { mode: 0o600 });
      const viaFile = newRestConfig(cp.server, { caData: cp.caPem, warningHandler: null, bearerTokenFile: tokenFile });
      expect(await execCapture(viaFile, target({ command: ["echo", "file"] }))).toMatchObject({ stdout: "file\n" });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("abort mid-stream: rejects with the AbortError and leaves no socket open", { timeout: T }, async () => {
    const config = fresh(); // its own transport: no pooled sockets
    const before = tcpHandles();
    const ac = new AbortController();
    const s = await execPod(config, target({ command: ["sh", "-c", "echo ready; sleep 60"], stdout: true, signal: ac.signal }));
    s.stdout!.on("error", () => {});
    await waitForText(s.stdout!, "ready");
    expect(tcpHandles()).toBeGreaterThan(before);
    const stdoutClosed = new Promise((r) => s.stdout!.once("close", r));
    ac.abort();
    const err = await caught(s.done);
    expect((err as Error).name).toBe("AbortError");
    expect(s.closed).toBe(true);
    await stdoutClosed;
    await eventually("the socket released", 5_000, async () => (tcpHandles() <= before ? true : undefined));
    // and an abort before connecting never dials
    const err2 = await caught(execPod(config, target({ command: ["true"], stdout: true, signal: AbortSignal.abort() })));
    expect((err2 as Error).name).toBe("AbortError");
  });

  it("a process killed mid-stream: ExitCodeError 137, the output before it kept", { timeout: T }, async () => {
    const r = await execCapture(rc, target({ command: ["sh", "-c", "echo x; kill -9 $$"] }));
    expect(r).toEqual({ stdout: "x\n", stderr: "", exitCode: 137 });
  });

  it("the connection dropped by a proxy: NetworkError, no hanging stream", { timeout: T }, async () => {
    const proxy = await startDroppingProxy();
    try {
      const config = fresh();
      config.proxyUrl = proxy.url;
      const s = await execPod(config, target({ command: ["sh", "-c", "echo ready; sleep 60"], stdout: true, stderr: new PassThrough() }));
      expect(proxy.tunnels.size).toBe(2); // it went through the proxy
      const errored = new Promise<unknown>((r) => s.stdout!.once("error", r));
      await waitForText(s.stdout!, "ready");
      proxy.dropAll();
      const err = await caught(s.done);
      expect(isNetworkError(err)).toBe(true);
      expect((err as Error).message).toContain("closed before the command's status arrived");
      expect(await errored).toBe(err); // a Readable with an error listener gets the error
      expect(s.closed).toBe(true);
    } finally {
      proxy.close();
    }
  });

  it("an idle session is kept alive: pings every 200 ms are answered, the command finishes normally", { timeout: T }, async () => {
    const pings = vi.spyOn(WebSocketClient.prototype, "ping");
    try {
      // 4 s of silence is 20 intervals: without answers the session would end after 12 or 13
      const r = await execCapture(rc, target({ command: ["sh", "-c", "sleep 4; echo done"], pingIntervalMs: 200 }));
      expect(r).toEqual({ stdout: "done\n", stderr: "", exitCode: 0 });
      expect(pings.mock.calls.length).toBeGreaterThan(12);
    } finally {
      pings.mockRestore();
    }
  });

  it("1 GiB of stdout streams in bounded memory (a slow reader holds the server back)", { timeout: 360_000 }, async () => {
    const size = 1024 * 1024 * 1024;
    let got = 0;
    let chunks = 0;
    const slow = new Writable({
      highWaterMark: 64 * 1024,
      write(chunk: Buffer, _enc, cb) {
        got += chunk.length;
        // every fourth chunk waits for a timer: slower than the server, so backpressure must hold
        if (++chunks % 4 === 0) setTimeout(cb, 1);
        else cb();
      },
    });
    let drains = 0; // 'drain' follows only a write() that returned false: the session waited
    slow.on("drain", () => drains++);
    global.gc?.();
    const base = process.memoryUsage();
    let peakRss = base.rss;
    let peakBuffers = base.arrayBuffers;
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      peakRss = Math.max(peakRss, m.rss);
      peakBuffers = Math.max(peakBuffers, m.arrayBuffers);
    }, 50);
    const t0 = Date.now();
    try {
      const s = await execPod(rc, target({ command: ["head", "-c", String(size), "/dev/zero"], stdout: slow }));
      await s.done;
    } finally {
      clearInterval(sampler);
    }
    const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
    console.log(
      `exec test: 1 GiB stdout in ${Date.now() - t0} ms; peak RSS growth ${mb(peakRss - base.rss)} MiB, ` +
        `peak ArrayBuffer growth ${mb(peakBuffers - base.arrayBuffers)} MiB (RSS before ${mb(base.rss)} MiB), ${drains} drains`,
    );
    expect(got).toBe(size); // `done` waits until the Writable took every chunk
    expect(drains).toBeGreaterThan(0);
    expect(peakBuffers - base.arrayBuffers).toBeLessThan(64 * 1024 * 1024);
  });

  it("no token or key appears in any error's message, JSON or inspect output", () => {
    expect(errors.length).toBeGreaterThanOrEqual(8);
    const keyLines = cp.clientKey.split("\n").filter((l) => l.length > 20 && !l.startsWith("-----"));
    for (const err of errors) {
      expect(err).toBeInstanceOf(Error);
      for (const text of [(err as Error).message, String((err as Error).stack), JSON.stringify(err), inspect(err, { depth: 8 })]) {
        expect(text).not.toContain(cp.adminToken);
        expect(text).not.toContain(cp.limitedToken);
        for (const l of keyLines) expect(text).not.toContain(l);
      }
    }
  });
});
