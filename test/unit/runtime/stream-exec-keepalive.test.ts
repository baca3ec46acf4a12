// UNIT tier: the keep-alive pings of exec and attach sessions (runtime/src/stream/keepalive.ts,
// used by exec.ts and port-forward.ts) against a FAKE, local WebSocket server (the `ws` package's
// server, which answers pings by itself). It checks what a real server cannot be made to do on
// demand: a server that stops answering, one that answers only with data frames, a session whose
// reader is slow while the server is silent. Intervals are small; the assertions are on counts
// and outcomes with wide margins, not on exact timings. That the real kube-apiserver and kubelet
// answer pings is tested in test/integration/runtime/exec.test.ts.
import type { Socket } from "node:net";
import { PassThrough } from "node:stream";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { attachPod, DEFAULT_STREAM_PING_MS, execCapture, execPod, isNetworkError, newRestConfig, RequestBuildError } from "@kubegen/runtime";
import { fakeServer, type Fake, type ServerSocket } from "../../helpers/fake-websocket-server.js";
import { PROTOCOL_V4, PROTOCOL_V5 } from "../../../runtime/src/stream/channel-protocol.js";

const T = 30_000;
const TOKEN = "unit-token-keepalive-0123456789";
const frame = (ch: number, data: string | Buffer = "") => Buffer.concat([Buffer.from([ch]), Buffer.from(data)]);
const success = JSON.stringify({ metadata: {}, status: "Success" });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Stops the fake server reading its socket: it answers no ping (and sees no close) from then on. */
const deafen = (ws: ServerSocket) => (ws as unknown as { _socket: Socket })._socket.pause();
const hear = (ws: ServerSocket) => (ws as unknown as { _socket: Socket })._socket.resume();

/** Waits until `cond` holds, or fails after `ms`. */
async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** Whether a promise has settled, without waiting for it. */
async function settled(p: Promise<unknown>): Promise<boolean> {
  const marker = Symbol();
  const r = await Promise.race([p.then(() => true, () => true), Promise.resolve(marker)]);
  return r !== marker;
}

describe("exec/attach keep-alive against a fake WebSocket server (unit)", () => {
  let fake: Fake;
  beforeAll(async () => {
    fake = await fakeServer([PROTOCOL_V5, PROTOCOL_V4]);
  });
  afterAll(() => fake.close());
  afterEach(() => {
    vi.restoreAllMocks();
    fake.script = () => {};
  });
  const config = () => newRestConfig(fake.url, { bearerToken: TOKEN, warningHandler: null });

  it("defaults to a ping every 5 s, as client-go", () => {
    expect(DEFAULT_STREAM_PING_MS).toBe(5_000);
  });

  it("pings at the interval; a server that answers keeps an idle session open for many intervals", { timeout: T }, async () => {
    let pings = 0;
    let server: ServerSocket | undefined;
    fake.script = (ws) => {
      server = ws;
      ws.on("ping", () => pings++);
    };
    const s = await execPod(config(), { namespace: "ns", name: "p", command: ["sleep", "1000"], stdout: new PassThrough(), pingIntervalMs: 10 });
    // far more pings than the 12 a silent server is allowed, however slowly this machine runs them
    await until(() => pings >= 40 || s.closed, 20_000, "40 pings");
    expect(s.closed).toBe(false);
    expect(await settled(s.done)).toBe(false);
    server!.send(frame(3, success));
    server!.close(1000);
    await s.done;
    expect(s.closed).toBe(true);
  });

  it("a server that stops answering and sends nothing: done rejects with a NetworkError after about 12 intervals", { timeout: T }, async () => {
    fake.script = (ws) => deafen(ws);
    const every = 20;
    const started = Date.now();
    const s = await attachPod(config(), { namespace: "ns", name: "p", stdout: true, pingIntervalMs: every });
    s.stdout!.resume();
    const err = await s.done.catch((e: unknown) => e);
    const took = Date.now() - started;
    expect(isNetworkError(err)).toBe(true);
    expect((err as NodeJS.ErrnoException).code).toBe("ETIMEDOUT");
    expect((err as Error).message).toContain("no answer to 12 keep-alive pings");
    expect((err as Error).message).not.toContain(TOKEN);
    expect(took).toBeGreaterThanOrEqual(12 * every);
    expect(s.closed).toBe(true); // the socket is released
  });

  it("any frame from the server counts: data without pongs keeps the session open", { timeout: T }, async () => {
    let server: ServerSocket | undefined;
    let sent = 0;
    let ticker: NodeJS.Timeout | undefined;
    fake.script = (ws) => {
      server = ws;
      deafen(ws); // never reads a ping, so never answers one
      ticker = setInterval(() => {
        sent++;
        ws.send(frame(1, "."));
      }, 40);
    };
    const out: Buffer[] = [];
    const s = await execPod(config(), { namespace: "ns", name: "p", command: ["x"], stdout: true, pingIntervalMs: 20 });
    s.stdout!.on("data", (c: Buffer) => out.push(c));
    // 30 frames at 40 ms: about 60 ping intervals, five times the 12 a silent server gets
    await until(() => sent >= 30 || s.closed, 20_000, "30 frames");
    clearInterval(ticker);
    expect(s.closed).toBe(false);
    hear(server!);
    server!.send(frame(3, success));
    server!.close(1000);
    await s.done;
    expect(Buffer.concat(out).length).toBeGreaterThanOrEqual(30);
  });

  it("a slow reader is not a dead server: missed pings count only while the session reads", { timeout: T }, async () => {
    let server: ServerSocket | undefined;
    fake.script = (ws) => {
      server = ws;
      for (let i = 0; i < 40; i++) ws.send(frame(1, Buffer.alloc(8 * 1024, 97))); // more than the Readable buffers
      deafen(ws);
    };
    const every = 10;
    const s = await execPod(config(), { namespace: "ns", name: "p", command: ["x"], stdout: true, pingIntervalMs: every });
    s.stdout!.on("error", () => {});
    await until(() => server !== undefined, 5_000, "the connection");
    await sleep(every * 12 * 5); // five times the silence allowed, while nobody reads
    expect(s.closed).toBe(false);
    expect(await settled(s.done)).toBe(false);
    s.stdout!.resume(); // reads again: the server is still silent, so now it counts
    const err = await s.done.catch((e: unknown) => e);
    expect(isNetworkError(err)).toBe(true);
    expect((err as Error).message).toContain("no answer to 12 keep-alive pings");
  });

  it("pingIntervalMs 0 sends no ping and starts no timer; a silent server is then not dropped", { timeout: T }, async () => {
    const intervals = vi.spyOn(globalThis, "setInterval");
    let pings = 0;
    let server: ServerSocket | undefined;
    fake.script = (ws) => {
      server = ws;
      ws.on("ping", () => pings++);
    };
    const s = await execPod(config(), { namespace: "ns", name: "p", command: ["x"], stdout: new PassThrough(), pingIntervalMs: 0 });
    await sleep(300);
    expect(pings).toBe(0);
    expect(intervals).not.toHaveBeenCalled();
    expect(s.closed).toBe(false);
    server!.send(frame(3, success));
    server!.close(1000);
    await s.done;
  });

  it("once a session ends, its ping timer is cleared (unref'd meanwhile), however it ended", { timeout: T }, async () => {
    const intervals = vi.spyOn(globalThis, "setInterval");
    const cleared = vi.spyOn(globalThis, "clearInterval");
    const timers = () => intervals.mock.results.map((r) => r.value as NodeJS.Timeout);
    const allCleared = () => timers().every((t) => cleared.mock.calls.some(([c]) => c === t));

    // a status
    fake.script = (ws) => {
      setTimeout(() => {
        ws.send(frame(1, "hi"));
        ws.send(frame(3, success));
        ws.close(1000);
      }, 50);
    };
    const r = await execCapture(config(), { namespace: "ns", name: "p", command: ["x"], pingIntervalMs: 10 });
    expect(r.stdout).toBe("hi");
    expect(timers().length).toBe(1);
    expect(timers()[0]!.hasRef()).toBe(false);
    expect(allCleared()).toBe(true);

    // a dropped connection
    fake.script = (ws) => void setTimeout(() => (ws as unknown as { _socket: Socket })._socket.destroy(), 50);
    const dropped = await execPod(config(), { namespace: "ns", name: "p", command: ["x"], stdout: true, pingIntervalMs: 10 });
    dropped.stdout!.on("error", () => {});
    expect(isNetworkError(await dropped.done.catch((e: unknown) => e))).toBe(true);

    // abort, and a dead server
    fake.script = () => {};
    const aborted = await execPod(config(), { namespace: "ns", name: "p", command: ["x"], stdout: new PassThrough(), pingIntervalMs: 10 });
    aborted.abort();
    await aborted.done.catch(() => {});
    fake.script = (ws) => deafen(ws);
    const dead = await execPod(config(), { namespace: "ns", name: "p", command: ["x"], stdout: new PassThrough(), pingIntervalMs: 10 });
    expect(isNetworkError(await dead.done.catch((e: unknown) => e))).toBe(true);

    expect(timers().length).toBe(4);
    expect(allCleared()).toBe(true);
  });

  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])("refuses pingIntervalMs %s before dialing", async (bad) => {
    const before = fake.requests.length;
    const err = await execPod(config(), { namespace: "ns", name: "p", command: ["x"], stdout: true, pingIntervalMs: bad }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RequestBuildError);
    expect((err as Error).message).toMatch(/pingIntervalMs/);
    expect(fake.requests.length).toBe(before);
  });
});
