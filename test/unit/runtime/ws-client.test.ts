// UNIT tier: the WebSocket client of the streaming subresources (runtime/src/stream/ws-client.ts)
// against the `ws` package's server on loopback (handshake, payload sizes both ways, fragments,
// ping/pong, closing, backpressure) and against raw HTTP/TCP servers writing crafted bytes: bad
// handshake answers, frames the RFC forbids, frames split at every byte. What kube-apiserver does
// is tested through exec and port-forward in test/integration/runtime.
import { createHash, randomBytes } from "node:crypto";
import { once } from "node:events";
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isNetworkError, newRestConfig } from "@kubegen/runtime";
import { fakeServer, type Fake, type ServerSocket } from "../../helpers/fake-websocket-server.js";
import { dialWebSocket } from "../../../runtime/src/stream/websocket.js";
import { connectWebSocket, WebSocketClient, WebSocketError } from "../../../runtime/src/stream/ws-client.js";
import { Transport } from "../../../runtime/src/transport/transport.js";

const T = 30_000;
const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: () => boolean, ms = 5_000): Promise<void> {
  for (const end = Date.now() + ms; !what();) {
    if (Date.now() > end) throw new Error("timed out");
    await sleep(5);
  }
}

async function openWs(url: string, protocols: string[] = ["p1"], maxPayload?: number): Promise<WebSocketClient> {
  const shake = await connectWebSocket(new URL(url), { protocols, ...(maxPayload ? { maxPayload } : {}) });
  if (shake.kind !== "open") throw new Error(`refused: ${shake.res.statusCode}`);
  return shake.ws;
}

/** Collects a client's events. */
function record(ws: WebSocketClient) {
  const messages: Array<{ data: Buffer; binary: boolean }> = [];
  const errors: Error[] = [];
  const pongs: Buffer[] = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on("close", (code, reason) => resolve({ code, reason })),
  );
  ws.on("message", (data, binary) => messages.push({ data, binary }));
  ws.on("error", (err) => errors.push(err));
  ws.on("pong", (data) => pongs.push(data));
  return { messages, errors, pongs, closed };
}

/** Client frames as a raw server reads them (unmasked). */
function decodeClientFrames(buf: Buffer): Array<{ opcode: number; fin: boolean; masked: boolean; data: Buffer }> {
  const out = [];
  let at = 0;
  while (at + 2 <= buf.length) {
    const b0 = buf[at]!;
    const b1 = buf[at + 1]!;
    let n = b1 & 0x7f;
    let p = at + 2;
    if (n === 126) {
      n = buf.readUInt16BE(p);
      p += 2;
    } else if (n === 127) {
      n = Number(buf.readBigUInt64BE(p));
      p += 8;
    }
    const masked = (b1 & 0x80) !== 0;
    const mask = masked ? buf.subarray(p, p + 4) : Buffer.alloc(4);
    if (masked) p += 4;
    if (p + n > buf.length) break;
    const data = Buffer.from(buf.subarray(p, p + n));
    for (let i = 0; i < n; i++) data[i]! ^= mask[i & 3]!;
    out.push({ opcode: b0 & 0x0f, fin: (b0 & 0x80) !== 0, masked, data });
    at = p + n;
  }
  return out;
}

/** A server frame (unmasked unless `mask`), with a chosen length encoding. */
function serverFrame(
  opcode: number,
  data: Buffer | string,
  opts: { fin?: boolean; rsv?: number; mask?: boolean; len?: 7 | 16 | 64 } = {},
): Buffer {
  const payload = Buffer.from(data);
  const n = payload.length;
  const len = opts.len ?? (n < 126 ? 7 : n < 65536 ? 16 : 64);
  const head = Buffer.alloc(2 + (len === 16 ? 2 : len === 64 ? 8 : 0));
  head[0] = ((opts.fin ?? true) ? 0x80 : 0) | ((opts.rsv ?? 0) << 4) | opcode;
  head[1] = (opts.mask ? 0x80 : 0) | (len === 7 ? n : len === 16 ? 126 : 127);
  if (len === 16) head.writeUInt16BE(n, 2);
  if (len === 64) head.writeBigUInt64BE(BigInt(n), 2);
  if (!opts.mask) return Buffer.concat([head, payload]);
  const mask = randomBytes(4);
  const masked = Buffer.from(payload);
  for (let i = 0; i < n; i++) masked[i]! ^= mask[i & 3]!;
  return Buffer.concat([head, mask, masked]);
}

interface Raw {
  url: string;
  /** Answers each upgrade request: the raw response (bytes after it go out in the same write when `after` is set). */
  answer: (req: http.IncomingMessage, socket: Socket) => void;
  /** Bytes each connection received after its handshake. */
  received: Buffer[];
  close(): Promise<void>;
}

/** A raw HTTP server that answers upgrades with whatever the test writes. */
async function rawServer(): Promise<Raw> {
  const server = http.createServer();
  const sockets = new Set<Socket>();
  const raw: Raw = {
    url: "",
    answer: () => {},
    received: [],
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  server.on("upgrade", (req: http.IncomingMessage, socket: Socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    const got: Buffer[] = [];
    raw.received = got;
    socket.on("data", (d: Buffer) => got.push(d));
    socket.on("error", () => {});
    socket.on("end", () => socket.end()); // an upgraded socket is half-open: close when the client does
    socket.on("close", () => sockets.delete(socket));
    raw.answer(req, socket);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  raw.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return raw;
}

const acceptOf = (req: http.IncomingMessage) =>
  createHash("sha1")
    .update(req.headers["sec-websocket-key"] + GUID)
    .digest("base64");

function switching(req: http.IncomingMessage, extra: Record<string, string | undefined> = {}): string {
  const headers: Record<string, string | undefined> = {
    Upgrade: "websocket",
    Connection: "Upgrade",
    "Sec-WebSocket-Accept": acceptOf(req),
    "Sec-WebSocket-Protocol": "p1",
    ...extra,
  };
  const lines = Object.entries(headers).flatMap(([k, v]) => (v === undefined ? [] : [`${k}: ${v}`]));
  return `HTTP/1.1 101 Switching Protocols\r\n${lines.join("\r\n")}\r\n\r\n`;
}

describe("ws-client against the ws package's server", () => {
  let fake: Fake;
  beforeAll(async () => {
    fake = await fakeServer(["p1", "p2"]);
  });
  afterAll(() => fake.close());

  it(
    "handshakes with the offered subprotocols and headers; the server's choice is `protocol`",
    { timeout: T },
    async () => {
      fake.accept = ["p2"];
      fake.script = () => {};
      try {
        const shake = await connectWebSocket(new URL(fake.url + "/x?y=1"), {
          protocols: ["p1", "p2"],
          headers: { authorization: "Bearer t0k", "user-agent": "ua/1" },
        });
        expect(shake.kind).toBe("open");
        const ws = (shake as { ws: WebSocketClient }).ws;
        expect(ws.protocol).toBe("p2");
        expect(ws.readyState).toBe(1);
        const req = fake.requests.at(-1)!;
        expect(req.url).toBe("/x?y=1");
        expect(req.headers["sec-websocket-protocol"]).toBe("p1,p2");
        expect(req.headers["sec-websocket-version"]).toBe("13");
        expect(req.headers.connection).toMatch(/upgrade/i);
        expect(req.headers.upgrade).toBe("websocket");
        expect(Buffer.from(req.headers["sec-websocket-key"]!, "base64")).toHaveLength(16);
        expect(req.headers.authorization).toBe("Bearer t0k");
        expect(req.headers["user-agent"]).toBe("ua/1");
        expect(req.headers["sec-websocket-extensions"]).toBeUndefined();
        const { closed } = record(ws);
        ws.terminate();
        expect((await closed).code).toBe(1006);
        expect(ws.readyState).toBe(3);
      } finally {
        fake.accept = ["p1", "p2"];
      }
    },
  );

  it("a fresh key per connection; no subprotocol offered and none chosen is fine", { timeout: T }, async () => {
    fake.script = () => {};
    const a = await openWs(fake.url, []);
    const b = await openWs(fake.url, []);
    expect(a.protocol).toBe("");
    const [ka, kb] = fake.requests.slice(-2).map((r) => r.headers["sec-websocket-key"]);
    expect(ka).not.toBe(kb);
    expect(fake.requests.at(-1)!.headers["sec-websocket-protocol"]).toBeUndefined();
    a.terminate();
    b.terminate();
  });

  it(
    "a server that accepts none of the offered subprotocols fails the handshake (EPROTO)",
    { timeout: T },
    async () => {
      fake.accept = [];
      try {
        const err = await connectWebSocket(new URL(fake.url), { protocols: ["p1"] }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(WebSocketError);
        expect((err as WebSocketError).code).toBe("EPROTO");
        expect((err as Error).message).toMatch(/chose none of the subprotocols p1/);
      } finally {
        fake.accept = ["p1", "p2"];
      }
    },
  );

  it("a non-101 answer is handed back with its body unread", { timeout: T }, async () => {
    fake.refuse = () => ({ status: 403, body: '{"kind":"Status","code":403}' });
    try {
      const shake = await connectWebSocket(new URL(fake.url), { protocols: ["p1"] });
      expect(shake.kind).toBe("refused");
      const res = (shake as { res: http.IncomingMessage }).res;
      expect(res.statusCode).toBe(403);
      let body = "";
      for await (const c of res) body += c;
      expect(body).toBe('{"kind":"Status","code":403}');
    } finally {
      fake.refuse = undefined;
    }
  });

  const sizes = [0, 1, 125, 126, 65535, 65536, 10 * 1024 * 1024];
  it.each(sizes)("a %d-byte binary and text message arrives byte-exact both ways", { timeout: T }, async (size) => {
    const got: Array<{ data: Buffer; binary: boolean }> = [];
    fake.script = (sws: ServerSocket) =>
      sws.on("message", (data: Buffer, binary: boolean) => {
        got.push({ data: Buffer.from(data), binary });
        sws.send(data, { binary });
      });
    const ws = await openWs(fake.url);
    const r = record(ws);
    ws.resume();
    const bin = randomBytes(size);
    const text = "é".repeat(size >> 1) + "a".repeat(size & 1); // 2 bytes per é: `size` bytes of UTF-8
    const sent: Array<Error | undefined> = [];
    ws.send(bin, { binary: true }, (err) => sent.push(err));
    ws.send(text, undefined, (err) => sent.push(err));
    await until(() => r.messages.length === 2, 20_000);
    expect(sent).toEqual([undefined, undefined]);
    expect(got.map((m) => m.binary)).toEqual([true, false]);
    expect(got[0]!.data.equals(bin)).toBe(true);
    expect(got[1]!.data.toString()).toBe(text);
    expect(r.messages[0]!.binary).toBe(true);
    expect(r.messages[0]!.data.equals(bin)).toBe(true);
    expect(r.messages[1]!.binary).toBe(false);
    expect(r.messages[1]!.data.toString()).toBe(text);
    expect(r.errors).toEqual([]);
    ws.close(1000);
    expect((await r.closed).code).toBe(1000);
  });

  it("reassembles fragmented messages, with a ping between fragments", { timeout: T }, async () => {
    const euro = Buffer.from("€"); // 3 bytes: split over two fragments
    let serverPongs = 0;
    fake.script = (sws: ServerSocket) => {
      sws.on("pong", () => serverPongs++);
      sws.send(Buffer.concat([Buffer.from("a"), euro.subarray(0, 1)]), { binary: false, fin: false });
      sws.ping("mid");
      sws.send(euro.subarray(1), { binary: false, fin: false });
      sws.send("", { binary: false, fin: false });
      sws.send("z", { binary: false, fin: true });
      sws.send(Buffer.from([1, 2]), { binary: true, fin: false });
      sws.send(Buffer.from([3]), { binary: true, fin: true });
    };
    const ws = await openWs(fake.url);
    const r = record(ws);
    ws.resume();
    await until(() => r.messages.length === 2 && serverPongs === 1);
    expect(r.messages[0]).toEqual({ data: Buffer.from("a€z"), binary: false });
    expect(r.messages[1]).toEqual({ data: Buffer.from([1, 2, 3]), binary: true });
    ws.terminate();
  });

  it(
    "ping/pong both ways: the server's pings are answered with their payload; ours raise 'pong'",
    { timeout: T },
    async () => {
      const serverGot: string[] = [];
      fake.script = (sws: ServerSocket) => {
        sws.on("ping", (d: Buffer) => serverGot.push(`ping:${d}`));
        sws.on("pong", (d: Buffer) => serverGot.push(`pong:${d}`));
        sws.ping("from-server");
      };
      const ws = await openWs(fake.url);
      const r = record(ws);
      ws.resume();
      ws.ping(Buffer.from("from-client"));
      ws.ping();
      await until(() => r.pongs.length === 2 && serverGot.length === 3);
      expect(r.pongs.map(String)).toEqual(["from-client", ""]);
      expect(serverGot.sort()).toEqual(["ping:", "ping:from-client", "pong:from-server"]);
      ws.terminate();
    },
  );

  it("the server's close is echoed with its code: 1000 with a reason, 1005 with none", { timeout: T }, async () => {
    for (const [code, want] of [
      [1000, 1000],
      [undefined, 1005],
      [4001, 4001],
    ] as const) {
      let serverSaw: number | undefined;
      fake.script = (sws: ServerSocket) => {
        sws.on("close", (c: number) => (serverSaw = c));
        if (code === undefined) sws.close();
        else sws.close(code, "bye");
      };
      const ws = await openWs(fake.url);
      const r = record(ws);
      ws.resume();
      const c = await r.closed;
      expect(c.code).toBe(want);
      expect(c.reason).toBe(code === undefined ? "" : "bye");
      await until(() => serverSaw !== undefined);
      expect(serverSaw).toBe(want); // our echo carried the same code (none for 1005)
      expect(ws.readyState).toBe(3);
      expect(r.errors).toEqual([]);
    }
  });

  it(
    "close(1000) from the client: the server sees 1000 and answers; sending afterwards fails",
    { timeout: T },
    async () => {
      let serverSaw: number | undefined;
      fake.script = (sws: ServerSocket) => sws.on("close", (c: number) => (serverSaw = c));
      const ws = await openWs(fake.url);
      const r = record(ws);
      ws.resume();
      ws.close(1000);
      expect(ws.readyState).toBe(2);
      const err = await new Promise((resolve) => ws.send(Buffer.from("late"), undefined, resolve));
      expect((err as Error).message).toMatch(/not open/);
      expect((await r.closed).code).toBe(1000);
      expect(serverSaw).toBe(1000);
    },
  );

  it("a connection dropped without a close frame closes with 1006", { timeout: T }, async () => {
    fake.script = (sws: ServerSocket) => {
      sws.send("last words");
      setTimeout(() => (sws as unknown as { _socket: Socket })._socket.destroy(), 20);
    };
    const ws = await openWs(fake.url);
    const r = record(ws);
    ws.resume();
    expect((await r.closed).code).toBe(1006);
    expect(r.messages.map((m) => String(m.data))).toEqual(["last words"]);
  });

  it(
    "pause() stops 'message' at once and the server's socket stops draining; resume() delivers the rest in order",
    { timeout: T },
    async () => {
      const N = 512;
      const size = 64 * 1024; // 32 MiB in all: far more than the kernel buffers of a loopback connection
      let server: ServerSocket | undefined;
      fake.script = (sws: ServerSocket) => {
        server = sws;
        for (let i = 0; i < N; i++) {
          const m = Buffer.alloc(size, i & 0xff);
          m.writeUInt32BE(i, 0);
          sws.send(m);
        }
      };
      const ws = await openWs(fake.url);
      const seen: number[] = [];
      ws.on("message", (d) => {
        seen.push(d.readUInt32BE(0));
        if (seen.length === 3) ws.pause();
      });
      ws.resume();
      await until(() => seen.length === 3);
      await sleep(300);
      expect(seen).toHaveLength(3); // nothing more while paused, though whole frames were read already
      const stuck = server!.bufferedAmount;
      expect(stuck).toBeGreaterThan(8 * 1024 * 1024);
      await sleep(200);
      expect(server!.bufferedAmount).toBe(stuck); // TCP pushes back: the server cannot write more
      ws.resume();
      await until(() => seen.length === N, 20_000);
      expect(seen).toEqual([...Array(N).keys()]);
      await until(() => server!.bufferedAmount === 0);
      ws.terminate();
    },
  );

  it(
    "send() calls back once written; bufferedAmount counts what the socket has not flushed",
    { timeout: T },
    async () => {
      let server: ServerSocket | undefined;
      let got = 0;
      fake.script = (sws: ServerSocket) => {
        server = sws;
        (sws as unknown as { _socket: Socket })._socket.pause(); // reads nothing for now
        sws.on("message", (d: Buffer) => (got += d.length));
      };
      const ws = await openWs(fake.url);
      ws.resume();
      await until(() => server !== undefined);
      const chunk = randomBytes(1024 * 1024);
      let called = 0;
      for (let i = 0; i < 32; i++) ws.send(chunk, { binary: true }, () => called++);
      await sleep(300);
      expect(ws.bufferedAmount).toBeGreaterThan(8 * 1024 * 1024);
      expect(called).toBeLessThan(32);
      (server as unknown as { _socket: Socket })._socket.resume();
      await until(() => called === 32 && got === 32 * chunk.length, 20_000);
      expect(ws.bufferedAmount).toBe(0);
      ws.terminate();
    },
  );

  it(
    "dialWebSocket maps a server that chose no subprotocol to a NetworkError with code EPROTO",
    { timeout: T },
    async () => {
      fake.accept = [];
      try {
        const transport = new Transport(newRestConfig(fake.url, { warningHandler: null }));
        const err = await dialWebSocket(transport, { path: "/p", query: [] }, { protocols: ["p1"] }).catch(
          (e: unknown) => e,
        );
        expect(isNetworkError(err)).toBe(true);
        expect((err as { code?: string }).code).toBe("EPROTO");
        expect((err as Error).cause).toBeInstanceOf(WebSocketError);
      } finally {
        fake.accept = ["p1", "p2"];
      }
    },
  );
});

describe("ws-client against raw servers (crafted handshakes and frames)", () => {
  let raw: Raw;
  beforeAll(async () => {
    raw = await rawServer();
  });
  afterAll(() => raw.close());

  it.each([
    [
      "a wrong Sec-WebSocket-Accept",
      { "Sec-WebSocket-Accept": "bm90IHRoZSByaWdodCBvbmU=" },
      /wrong Sec-WebSocket-Accept/,
    ],
    ["a subprotocol not offered", { "Sec-WebSocket-Protocol": "p9" }, /not offered: p9/],
    ["no subprotocol", { "Sec-WebSocket-Protocol": undefined }, /chose none/],
    ["an extension", { "Sec-WebSocket-Extensions": "permessage-deflate" }, /extension/],
    ["another upgrade", { Upgrade: "h2c" }, /did not upgrade/],
    ["no Connection: Upgrade", { Connection: undefined }, /did not upgrade/],
  ])("a 101 with %s fails the handshake with EPROTO", { timeout: T }, async (_what, extra, message) => {
    raw.answer = (req, socket) => socket.write(switching(req, extra));
    const err = await connectWebSocket(new URL(raw.url), { protocols: ["p1"] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WebSocketError);
    expect((err as WebSocketError).code).toBe("EPROTO");
    expect((err as Error).message).toMatch(message);
  });

  it("does not follow redirects: a 302 is handed back", { timeout: T }, async () => {
    raw.answer = (_req, socket) =>
      socket.end("HTTP/1.1 302 Found\r\nLocation: http://example.invalid/\r\nContent-Length: 0\r\n\r\n");
    const shake = await connectWebSocket(new URL(raw.url), { protocols: ["p1"] });
    expect(shake.kind).toBe("refused");
    expect((shake as { res: http.IncomingMessage }).res.statusCode).toBe(302);
  });

  it("an abort during a handshake that never answers rejects with the reason", { timeout: T }, async () => {
    raw.answer = () => {};
    const ac = new AbortController();
    const p = connectWebSocket(new URL(raw.url), { protocols: ["p1"], signal: ac.signal });
    await sleep(50);
    ac.abort(new Error("stop it"));
    await expect(p).rejects.toThrow("stop it");
  });

  it("frames in the same write as the 101 (the head) are the first frames", { timeout: T }, async () => {
    raw.answer = (req, socket) =>
      socket.write(Buffer.concat([Buffer.from(switching(req)), serverFrame(2, "one"), serverFrame(1, "two")]));
    const ws = await openWs(raw.url);
    const r = record(ws);
    await sleep(50);
    expect(r.messages).toEqual([]); // paused until resume()
    ws.resume();
    await until(() => r.messages.length === 2);
    expect(r.messages).toEqual([
      { data: Buffer.from("one"), binary: true },
      { data: Buffer.from("two"), binary: false },
    ]);
    ws.terminate();
  });

  it("pause() in a 'message' handler holds the frames already read in the same chunk", { timeout: T }, async () => {
    const frames = Array.from({ length: 100 }, (_, i) => serverFrame(2, `m${i}`));
    raw.answer = (req, socket) => socket.write(Buffer.concat([Buffer.from(switching(req)), ...frames]));
    const ws = await openWs(raw.url);
    const seen: string[] = [];
    ws.on("message", (d) => {
      seen.push(String(d));
      if (seen.length % 10 === 1) ws.pause();
    });
    ws.resume();
    await sleep(100);
    expect(seen).toEqual(["m0"]);
    for (let n = 1; n <= 10; n++) {
      ws.resume();
      await until(() => seen.length === Math.min(100, n * 10 + 1));
      await sleep(20);
      expect(seen).toHaveLength(Math.min(100, n * 10 + 1));
    }
    expect(seen).toEqual(frames.map((_, i) => `m${i}`));
    ws.terminate();
  });

  it(
    "frames split at every byte boundary are parsed: all length forms, fragments, ping, close",
    { timeout: T },
    async () => {
      const big = randomBytes(70_000);
      const mid = randomBytes(300);
      const frames = [
        serverFrame(1, "hé", { fin: false }),
        serverFrame(9, "pp"),
        serverFrame(0, "llo"),
        serverFrame(2, mid),
        serverFrame(2, "sixty-four", { len: 64 }),
        serverFrame(2, "sixteen", { len: 16 }),
      ];
      const bigFrame = serverFrame(2, big);
      const close = serverFrame(8, Buffer.concat([Buffer.from([0x03, 0xe8]), Buffer.from("done")]));
      raw.answer = async (req, socket) => {
        socket.write(switching(req));
        const write = (b: Buffer) => new Promise<void>((r) => socket.write(b, () => setTimeout(r, 1)));
        for (const f of frames) for (let i = 0; i < f.length; i++) await write(f.subarray(i, i + 1));
        for (let i = 0; i < 10; i++) await write(bigFrame.subarray(i, i + 1)); // the 64-bit header, byte by byte
        for (let i = 10; i < bigFrame.length; i += 9_973) await write(bigFrame.subarray(i, i + 9_973));
        for (let i = 0; i < close.length; i++) await write(close.subarray(i, i + 1));
      };
      const ws = await openWs(raw.url);
      const r = record(ws);
      ws.resume();
      const c = await r.closed;
      expect(c).toEqual({ code: 1000, reason: "done" });
      expect(r.errors).toEqual([]);
      expect(r.messages.map((m) => m.binary)).toEqual([false, true, true, true, true]);
      expect(r.messages[0]!.data.toString()).toBe("héllo");
      expect(r.messages[1]!.data.equals(mid)).toBe(true);
      expect(r.messages[2]!.data.toString()).toBe("sixty-four");
      expect(r.messages[3]!.data.toString()).toBe("sixteen");
      expect(r.messages[4]!.data.equals(big)).toBe(true);
      const sent = decodeClientFrames(Buffer.concat(raw.received));
      expect(sent.every((f) => f.masked && f.fin)).toBe(true);
      expect(sent.map((f) => [f.opcode, f.data.toString("latin1")])).toEqual([
        [10, "pp"],
        [8, "\x03\xe8"],
      ]);
    },
  );

  it.each([
    ["a masked frame", serverFrame(2, "abc", { mask: true }), 1002],
    ["a reserved bit", serverFrame(2, "abc", { rsv: 4 }), 1002],
    ["an unknown opcode", serverFrame(3, "abc"), 1002],
    ["a control frame over 125 bytes", serverFrame(9, Buffer.alloc(126), { len: 16 }), 1002],
    ["a fragmented control frame", serverFrame(9, "x", { fin: false }), 1002],
    ["a continuation with no message", serverFrame(0, "x"), 1002],
    [
      "a new message inside a fragmented one",
      Buffer.concat([serverFrame(2, "a", { fin: false }), serverFrame(2, "b")]),
      1002,
    ],
    ["a close frame of 1 byte", serverFrame(8, Buffer.from([3])), 1002],
    ["an invalid close code", serverFrame(8, Buffer.from([0x03, 0xed])), 1002],
    ["invalid UTF-8 text", serverFrame(1, Buffer.from([0x61, 0xc3, 0x28])), 1007],
    [
      "invalid UTF-8 across fragments",
      Buffer.concat([serverFrame(1, Buffer.from([0xe2, 0x82]), { fin: false }), serverFrame(0, "x")]),
      1007,
    ],
    ["a message over maxPayload", serverFrame(2, Buffer.alloc(1001)).subarray(0, 4), 1009],
    [
      "fragments over maxPayload",
      Buffer.concat([serverFrame(2, Buffer.alloc(600), { fin: false }), serverFrame(0, Buffer.alloc(600))]),
      1009,
    ],
    ["a 64-bit length beyond 2^53", Buffer.from([0x82, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), 1009],
  ])(
    "%s fails the connection: close frame with the code, error event, close 1006",
    { timeout: T },
    async (_what, bytes, code) => {
      raw.answer = (req, socket) =>
        socket.write(Buffer.concat([Buffer.from(switching(req)), serverFrame(2, "before"), bytes]));
      const ws = await openWs(raw.url, ["p1"], 1000);
      const r = record(ws);
      ws.resume();
      const c = await r.closed;
      expect(c.code).toBe(1006);
      expect(r.messages.map((m) => String(m.data))).toEqual(["before"]);
      expect(r.errors).toHaveLength(1);
      expect(r.errors[0]).toBeInstanceOf(WebSocketError);
      expect(r.errors[0]).toMatchObject({ code: "EPROTO", closeCode: code });
      const sent = decodeClientFrames(Buffer.concat(raw.received));
      expect(sent).toHaveLength(1);
      expect(sent[0]!.opcode).toBe(8);
      expect(sent[0]!.data.readUInt16BE(0)).toBe(code);
    },
  );

  it("a close frame without a code closes with 1005, echoed without a code", { timeout: T }, async () => {
    raw.answer = (req, socket) => {
      socket.write(Buffer.concat([Buffer.from(switching(req)), serverFrame(8, "")]));
      socket.on("data", () => socket.end());
    };
    const ws = await openWs(raw.url);
    const r = record(ws);
    ws.resume();
    expect((await r.closed).code).toBe(1005);
    const sent = decodeClientFrames(Buffer.concat(raw.received));
    expect(sent.map((f) => [f.opcode, f.data.length])).toEqual([[8, 0]]);
  });

  it("every client frame has a fresh mask", { timeout: T }, async () => {
    raw.answer = (req, socket) => socket.write(switching(req));
    const ws = await openWs(raw.url);
    ws.resume();
    for (let i = 0; i < 50; i++) ws.send(Buffer.from("same"));
    await until(() => Buffer.concat(raw.received).length >= 50 * 10);
    const all = Buffer.concat(raw.received);
    const masks = new Set<string>();
    for (let i = 0; i < 50; i++) masks.add(all.subarray(i * 10 + 2, i * 10 + 6).toString("hex"));
    expect(masks.size).toBe(50);
    expect(decodeClientFrames(all).every((f) => f.data.toString() === "same")).toBe(true);
    ws.terminate();
  });
});
