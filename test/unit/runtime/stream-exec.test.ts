// UNIT tier: the exec/attach channel protocol (runtime/src/stream) against a FAKE, local
// WebSocket server (the `ws` package's server on loopback HTTP). It checks framing edge cases
// the real server rarely produces on demand: an empty first frame, a status split over
// messages, text messages, the v4 fallback (no stdin close signal), a refused upgrade, a
// connection dropped before the status, a handshake that never answers (abort), a 401 that a
// rotated token file answers, and the pure request/frame/status functions. Server behaviour
// itself (what kube-apiserver sends) is tested in test/integration/runtime/exec.test.ts.
import type { Socket } from "node:net";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Readable, Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ApiError,
  attachPod,
  execCapture,
  execPod,
  ExitCodeError,
  isNetworkError,
  newRestConfig,
  RequestBuildError,
  RestClient,
} from "@kubegen/runtime";
import { fakeServer, type Fake, type ServerSocket } from "../../helpers/fake-websocket-server.js";
import { buildStreamRequest, encodeResize, parseStatus, PROTOCOL_V4, PROTOCOL_V5, StreamChannel } from "../../../runtime/src/stream/channel-protocol.js";

const T = 30_000;

const frame = (ch: number, data: string | Buffer = "") => Buffer.concat([Buffer.from([ch]), Buffer.from(data)]);
const success = JSON.stringify({ metadata: {}, status: "Success" });
const exit = (n: number) =>
  JSON.stringify({
    metadata: {},
    status: "Failure",
    message: `command terminated with non-zero exit code: command terminated with exit code ${n}`,
    reason: "NonZeroExitCode",
    details: { causes: [{ reason: "ExitCode", message: String(n) }] },
  });

describe("stream protocol: pure functions", () => {
  it("builds the exec request with PodExecOptions names, one command per word, escaped names", () => {
    const r = buildStreamRequest(
      "exec",
      { namespace: "ns-1", name: "web", container: "main" },
      { stdin: true, stdout: true, stderr: false, tty: false },
      ["sh", "-c", "echo a;b & c=d"],
    );
    expect(r).toEqual({
      method: "GET",
      path: "/api/v1/namespaces/ns-1/pods/web/exec",
      query: [
        ["container", "main"],
        ["stdin", "true"],
        ["stdout", "true"],
        ["command", "sh"],
        ["command", "-c"],
        ["command", "echo a;b & c=d"],
      ],
    });
    const rc = new RestClient(newRestConfig("https://h:6443"));
    expect(rc.transport.url(r).search).toBe(
      "?container=main&stdin=true&stdout=true&command=sh&command=-c&command=echo+a%3Bb+%26+c%3Dd",
    );
  });

  it.each([
    [{ namespace: "ns", name: "a/b" }, /invalid name/],
    [{ namespace: "..", name: "a" }, /invalid namespace/],
    [{ namespace: "ns", name: "" }, /may not be empty/],
    [{ namespace: "ns", name: "a", container: "" }, /container name may not be empty/],
  ])("rejects bad names %j", (target, msg) => {
    expect(() => buildStreamRequest("exec", target, { stdin: false, stdout: true, stderr: false, tty: false }, ["x"])).toThrow(msg);
  });

  it("rejects an empty command and a request without streams", () => {
    const t = { namespace: "ns", name: "p" };
    expect(() => buildStreamRequest("exec", t, { stdin: false, stdout: true, stderr: false, tty: false }, [])).toThrow(RequestBuildError);
    expect(() => buildStreamRequest("attach", t, { stdin: false, stdout: false, stderr: false, tty: false })).toThrow(
      /at least one of stdin, stdout and stderr/,
    );
  });

  it("encodes resize as {Width,Height} on channel 4 and validates sizes", () => {
    expect(encodeResize({ width: 101, height: 33 }).toString("latin1")).toBe('\x04{"Width":101,"Height":33}');
    expect(() => encodeResize({ width: -1, height: 2 })).toThrow(RangeError);
  });

  it("reads statuses: success, exit code, other failures, garbage", () => {
    expect(parseStatus(Buffer.from(success))).toEqual({ kind: "success" });
    expect(parseStatus(Buffer.from(exit(5)))).toMatchObject({ kind: "exit", exitCode: 5 });
    expect(parseStatus(Buffer.from('{"status":"Failure","reason":"InternalError","message":"boom"}'))).toMatchObject({
      kind: "failure",
      status: { code: 500, message: "boom" },
    });
    expect(parseStatus(Buffer.from('{"status":"Failure","reason":"NonZeroExitCode"}'))).toMatchObject({ kind: "failure" });
    expect(parseStatus(Buffer.from('{"stat'))).toBeUndefined();
    expect(parseStatus(Buffer.from("[1]"))).toBeUndefined();
  });
});

describe("stream sessions against a fake WebSocket server (unit)", () => {
  let fake: Fake;
  beforeAll(async () => {
    fake = await fakeServer([PROTOCOL_V5, PROTOCOL_V4]);
  });
  afterAll(() => fake.close());
  const config = () => newRestConfig(fake.url, { bearerToken: "unit-token-0123456789abcdef", warningHandler: null });

  it("accepts an empty first frame, split and text frames, a status in two pieces", { timeout: T }, async () => {
    fake.accept = [PROTOCOL_V5, PROTOCOL_V4];
    fake.script = (ws) => {
      ws.send(frame(1)); // the open frame: empty
      ws.send(frame(1, "hel"));
      ws.send(frame(1, "lo\n"));
      ws.send(frame(2, "warn\n"), { binary: false }); // a text message: same framing
      ws.send(frame(9, "ignored")); // a channel nobody asked for
      const s = Buffer.from(exit(7));
      ws.send(frame(3, s.subarray(0, 10)));
      setTimeout(() => {
        ws.send(frame(3, s.subarray(10)));
        ws.close(1000);
      }, 20);
    };
    const r = await execCapture(config(), { namespace: "ns", name: "p", command: ["x"] });
    expect(r).toEqual({ stdout: "hello\n", stderr: "warn\n", exitCode: 7 });
    const req = fake.requests.at(-1)!;
    expect(req.headers.authorization).toBe("Bearer unit-token-0123456789abcdef");
    expect(req.headers["sec-websocket-protocol"]).toBe("v5.channel.k8s.io, v4.channel.k8s.io".replace(", ", ","));
    expect(req.url).toBe("/api/v1/namespaces/ns/pods/p/exec?stdout=true&stderr=true&command=x");
  });

  it("v5: ending stdin sends [255, 0]; resize goes to channel 4", { timeout: T }, async () => {
    const seen: Buffer[] = [];
    fake.script = (ws) => {
      ws.on("message", (d: Buffer) => {
        seen.push(Buffer.from(d));
        if (d[0] === StreamChannel.close) {
          ws.send(frame(3, success));
          ws.close(1000);
        }
      });
    };
    const s = await execPod(config(), { namespace: "ns", name: "p", command: ["cat"], stdin: true, tty: true, stdout: true });
    expect(s.protocol).toBe(PROTOCOL_V5);
    s.resize({ width: 80, height: 24 });
    s.stdin!.write("abc");
    s.stdin!.end();
    s.stdout!.resume();
    await s.done;
    expect(s.closed).toBe(true);
    expect(seen.map((b) => b.toString("latin1"))).toEqual(['\x04{"Width":80,"Height":24}', "\x00abc", "\xff\x00"]);
  });

  it("falls back to v4 (no close signal) when the server offers only v4", { timeout: T }, async () => {
    fake.accept = [PROTOCOL_V4];
    const seen: Buffer[] = [];
    fake.script = (ws) => {
      ws.on("message", (d: Buffer) => {
        seen.push(Buffer.from(d));
        ws.send(frame(3, success));
        ws.close(1000);
      });
    };
    try {
      const s = await execPod(config(), {
        namespace: "ns",
        name: "p",
        command: ["cat"],
        stdin: Readable.from([Buffer.from("in")]),
        stdout: new PassThrough(),
      });
      expect(s.protocol).toBe(PROTOCOL_V4);
      await s.done;
      expect(seen.map((b) => b.toString("latin1"))).toEqual(["\x00in"]);
    } finally {
      fake.accept = [PROTOCOL_V5, PROTOCOL_V4];
    }
  });

  it("a refused upgrade is an ApiError from the Status body, with no token in it", { timeout: T }, async () => {
    fake.refuse = () => ({
      status: 403,
      body: JSON.stringify({
        kind: "Status",
        apiVersion: "v1",
        status: "Failure",
        reason: "Forbidden",
        code: 403,
        message: 'pods "p" is forbidden: token unit-token-0123456789abcdef cannot create pods/exec',
      }),
    });
    try {
      const err = await execPod(config(), { namespace: "ns", name: "p", command: ["x"], stdout: true }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApiError);
      expect((err as ApiError).code).toBe(403);
      expect(JSON.stringify(err)).not.toContain("unit-token-0123456789abcdef");
      expect((err as ApiError).message).toContain("forbidden");
    } finally {
      fake.refuse = undefined;
    }
  });

  it("a 401 answered by a rotated token file is retried once with the new token", { timeout: T }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "kubegen-stream-"));
    const file = join(dir, "token");
    writeFileSync(file, "old-token-aaaaaaaaaaaa");
    let refused = 0;
    fake.refuse = (req) => {
      if (req.headers.authorization === "Bearer old-token-aaaaaaaaaaaa") {
        refused++;
        writeFileSync(file, "new-token-bbbbbbbbbbbb");
        return { status: 401, body: '{"kind":"Status","status":"Failure","reason":"Unauthorized","code":401}' };
      }
      return undefined;
    };
    fake.script = (ws) => {
      ws.send(frame(1, "ok"));
      ws.send(frame(3, success));
      ws.close(1000);
    };
    try {
      const r = await execCapture(newRestConfig(fake.url, { bearerTokenFile: file, warningHandler: null }), {
        namespace: "ns",
        name: "p",
        command: ["x"],
      });
      expect(r.stdout).toBe("ok");
      expect(refused).toBe(1);
    } finally {
      fake.refuse = undefined;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a connection dropped before the status: NetworkError, returned streams destroyed", { timeout: T }, async () => {
    fake.script = (ws) => {
      ws.send(frame(1, "partial"));
      setTimeout(() => (ws as unknown as { _socket: Socket })._socket.destroy(), 30);
    };
    const s = await attachPod(config(), { namespace: "ns", name: "p", stdout: true });
    const chunks: Buffer[] = [];
    s.stdout!.on("data", (c: Buffer) => chunks.push(c));
    s.stdout!.on("error", () => {});
    const closed = new Promise((r) => s.stdout!.once("close", r));
    const err = await s.done.catch((e: unknown) => e);
    expect(isNetworkError(err)).toBe(true);
    expect((err as Error).message).toMatch(/closed before the command's status arrived/);
    await closed;
    expect(Buffer.concat(chunks).toString()).toBe("partial");
    expect(s.closed).toBe(true);
  });

  it("aborting a handshake the server never answers rejects with the reason and leaves no socket", { timeout: T }, async () => {
    fake.refuse = () => "hang";
    try {
      const ac = new AbortController();
      const before = new Set(fake.sockets);
      const p = execPod(config(), { namespace: "ns", name: "p", command: ["x"], stdout: true, signal: ac.signal });
      p.catch(() => {});
      let mine: Socket[] = [];
      for (let i = 0; i < 100 && mine.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 20));
        mine = [...fake.sockets].filter((s) => !before.has(s));
      }
      expect(mine).toHaveLength(1);
      ac.abort();
      const err = await p.catch((e: unknown) => e);
      expect((err as Error).name).toBe("AbortError");
      for (let i = 0; i < 100 && fake.sockets.has(mine[0]!); i++) await new Promise((r) => setTimeout(r, 20));
      expect(fake.sockets.has(mine[0]!)).toBe(false);
    } finally {
      fake.refuse = undefined;
    }
  });

  it("done waits until a slow caller Writable took every chunk; endOutputs ends it", { timeout: T }, async () => {
    fake.script = (ws) => {
      for (let i = 0; i < 50; i++) ws.send(frame(1, Buffer.alloc(10_000, 97)));
      ws.send(frame(3, success));
      ws.close(1000);
    };
    let got = 0;
    const slow = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _enc, cb) {
        got += chunk.length;
        setTimeout(cb, 2);
      },
    });
    const s = await execPod(config(), { namespace: "ns", name: "p", command: ["x"], stdout: slow, endOutputs: true });
    await s.done;
    expect(got).toBe(500_000);
    expect(slow.writableFinished).toBe(true);
  });

  it("a caller's stdout that fails ends the session with its error", { timeout: T }, async () => {
    fake.script = (ws) => {
      ws.send(frame(1, "data"));
    };
    const broken = new PassThrough();
    const s = await execPod(config(), { namespace: "ns", name: "p", command: ["x"], stdout: broken });
    broken.on("error", () => {});
    broken.destroy(new Error("disk full"));
    const err = await s.done.catch((e: unknown) => e);
    expect((err as Error).message).toBe("disk full");
    expect(s.closed).toBe(true);
  });

  it("an exit code is an ExitCodeError from execPod's done", { timeout: T }, async () => {
    fake.script = (ws) => {
      ws.send(frame(3, exit(3)));
      ws.close(1000);
    };
    const s = await execPod(config(), { namespace: "ns", name: "p", command: ["x"], stdout: new PassThrough() });
    const err = await s.done.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExitCodeError);
    expect((err as ExitCodeError).exitCode).toBe(3);
    expect((err as Error).message).toBe("command terminated with exit code 3");
  });
});
