// A small WebSocket client (RFC 6455) for the streaming subresources (exec,
// attach, port-forward, cp over exec); websocket.ts dials with it. It owns:
//   - the opening handshake (connectWebSocket): a GET over http(s).request
//     with the caller's agent (TLS settings, CA, client certificate, server
//     name, proxy) and headers; the answer must be a 101 with the right
//     Sec-WebSocket-Accept, one of the offered subprotocols (one there must
//     be when any were offered) and no extension. Redirects are not followed:
//     any other answer is handed back unread, for the caller to read its
//     Status. A bad handshake rejects with a WebSocketError (code EPROTO);
//   - the frames of an open connection (WebSocketClient): every client frame
//     masked with fresh random bytes, server messages reassembled from their
//     fragments, pings answered, the closing handshake, and anything the RFC
//     forbids (a masked server frame, reserved bits, unknown opcodes, a long
//     or fragmented control frame, invalid UTF-8 text, a message over
//     maxPayload) failing the connection with 1002, 1007 or 1009;
//   - backpressure: send() calls back once its frame is written and
//     bufferedAmount counts what is not; pause() stops reading the socket (no
//     'message' until resume()), so TCP pushes back on the server.
// No compression and no server side: streaming to the API server needs neither.

import { isUtf8 } from "node:buffer";
import { createHash, randomBytes, randomFillSync } from "node:crypto";
import { EventEmitter } from "node:events";
import http, { type IncomingMessage } from "node:http";
import https from "node:https";
import type { Socket } from "node:net";

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

/** A handshake or framing the RFC does not allow. `closeCode` is the close code sent for a framing error. */
export class WebSocketError extends Error {
  override readonly name = "WebSocketError";
  readonly code = "EPROTO";
  readonly closeCode: number | undefined;

  constructor(message: string, closeCode?: number) {
    super(message);
    this.closeCode = closeCode;
  }
}

/** How to open a WebSocket. */
export interface WebSocketConnectOptions {
  /** Subprotocols to offer, preferred first. */
  protocols: readonly string[];
  /** The agent that opens the connection (TLS settings and proxy included). */
  agent?: http.Agent | undefined;
  /** More request headers (Authorization, User-Agent...). */
  headers?: Record<string, string | string[]> | undefined;
  /** The largest message accepted from the server (default 32 MiB). */
  maxPayload?: number | undefined;
  /** Aborts the handshake: the request is destroyed and the promise rejects with the reason. */
  signal?: AbortSignal | undefined;
}

/** How a handshake ended: an open socket, or the server's non-101 answer (its body unread). */
export type WebSocketHandshake = { kind: "open"; ws: WebSocketClient } | { kind: "refused"; res: IncomingMessage };

/**
 * Opens a WebSocket to `url` (http: or https:). Resolves with the open
 * socket (paused: call resume() to receive), or with the response when the
 * server answered anything but 101. Rejects with the request's error
 * (connection, TLS, proxy), a WebSocketError for a bad 101, or the signal's
 * reason.
 */
export function connectWebSocket(url: URL, options: WebSocketConnectOptions): Promise<WebSocketHandshake> {
  const { protocols, signal } = options;
  const key = randomBytes(16).toString("base64");
  const headers: Record<string, string | string[]> = {
    ...options.headers,
    connection: "Upgrade",
    upgrade: "websocket",
    "sec-websocket-version": "13",
    "sec-websocket-key": key,
  };
  if (protocols.length > 0) headers["sec-websocket-protocol"] = protocols.join(",");
  return new Promise((resolve, reject) => {
    signal?.throwIfAborted();
    const req = (url.protocol === "https:" ? https : http).request(url, {
      method: "GET",
      headers,
      ...(options.agent ? { agent: options.agent } : {}),
    });
    let settled = false;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener("abort", onAbort);
      fn();
    };
    const onAbort = (): void =>
      settle(() => {
        req.destroy();
        reject(signal!.reason);
      });
    signal?.addEventListener("abort", onAbort, { once: true });
    req.on("error", (err) => settle(() => reject(err))); // after settling: a destroyed request's error is nobody's
    req.on("response", (res) =>
      settle(() => {
        if (res.statusCode !== 101) return resolve({ kind: "refused", res });
        req.destroy();
        reject(new WebSocketError("WebSocket handshake: the server did not upgrade"));
      }),
    );
    req.on("upgrade", (res: IncomingMessage, socket: Socket, head: Buffer) =>
      settle(() => {
        const chosen = res.headers["sec-websocket-protocol"];
        const error = handshakeError(res, key, protocols);
        if (error) {
          socket.destroy();
          return reject(new WebSocketError(`WebSocket handshake: ${error}`));
        }
        resolve({ kind: "open", ws: new WebSocketClient(socket, head, chosen ?? "", options.maxPayload) });
      }),
    );
    req.end();
  });
}

/** What is wrong with a 101 answer, if anything (as ws checks it, and Connection: Upgrade through Node's parser). */
function handshakeError(res: IncomingMessage, key: string, offered: readonly string[]): string | undefined {
  const h = res.headers;
  const chosen = h["sec-websocket-protocol"];
  if (res.statusCode !== 101 || h.upgrade?.toLowerCase() !== "websocket") return "the server did not upgrade";
  const accept = createHash("sha1")
    .update(key + GUID)
    .digest("base64");
  if (h["sec-websocket-accept"] !== accept) return "the server sent a wrong Sec-WebSocket-Accept";
  if (chosen === undefined) {
    if (offered.length > 0) return `the server chose none of the subprotocols ${offered.join(", ")}`;
  } else if (!offered.includes(chosen)) {
    return `the server chose a subprotocol that was not offered: ${chosen}`;
  }
  if (h["sec-websocket-extensions"] !== undefined) return "the server accepted an extension that was not offered";
  return undefined;
}

/** The events of a {@link WebSocketClient}. */
export interface WebSocketEvents {
  /** A whole message: a Buffer for text messages too (valid UTF-8 then). */
  message: [data: Buffer, isBinary: boolean];
  pong: [data: Buffer];
  /** A socket error, or a framing error of the server's (WebSocketError) that failed the connection. */
  error: [err: Error];
  /** The connection is closed: the server's close code, 1005 when its close frame had none, 1006 when there was none. */
  close: [code: number, reason: string];
}

/** Fresh mask words from crypto, taken 4 bytes at a time. */
const masks = new Int32Array(2048);
let maskAt = masks.length;

/** A masked client frame (FIN set) of `opcode` carrying `payload`. */
function frameOf(opcode: number, payload: Buffer): Buffer {
  const n = payload.length;
  const head = n < 126 ? 6 : n < 65536 ? 8 : 14; // with the 4 mask bytes
  const pad = -head & 3; // the mask and the payload start on 4-byte boundaries
  const whole = Buffer.allocUnsafeSlow(pad + head + n);
  const out = whole.subarray(pad);
  out[0] = 0x80 | opcode;
  out[1] = 0x80 | (head === 6 ? n : head === 8 ? 126 : 127);
  if (head === 8) out.writeUInt16BE(n, 2);
  if (head === 14) {
    out.writeUInt32BE(Math.floor(n / 2 ** 32), 2);
    out.writeUInt32BE(n >>> 0, 6);
  }
  if (maskAt === masks.length) {
    randomFillSync(masks);
    maskAt = 0;
  }
  const mask = masks[maskAt++]!;
  new Int32Array(whole.buffer, pad + head - 4, 1)[0] = mask;
  payload.copy(out, head);
  const words = new Int32Array(whole.buffer, pad + head, n >>> 2);
  for (let i = 0; i < words.length; i++) words[i]! ^= mask;
  for (let i = n & ~3; i < n; i++) out[head + i]! ^= out[head - 4 + (i & 3)]!;
  return out;
}

function validCloseCode(code: number): boolean {
  return (
    (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) || (code >= 3000 && code <= 4999)
  );
}

/**
 * An open client WebSocket over an upgraded socket (made by
 * {@link connectWebSocket}). It starts paused. `readyState` is 1 (open), 2
 * (closing) or 3 (closed, after the 'close' event).
 */
export class WebSocketClient extends EventEmitter<WebSocketEvents> {
  /** The subprotocol the server chose ("" when none was offered). */
  readonly protocol: string;
  readonly #socket: Socket;
  readonly #maxPayload: number;
  #state = OPEN;
  /** Bytes read and not yet parsed, oldest first. */
  #chunks: Buffer[] = [];
  #buffered = 0;
  /** The frame whose payload is awaited: its opcode, FIN bit and length (-1: reading a header). */
  #opcode = 0;
  #fin = true;
  #length = -1;
  /** The fragments of the message being reassembled (its opcode; 0 when none). */
  #fragments: Buffer[] = [];
  #fragmentBytes = 0;
  #messageOpcode = 0;
  #reading = true;
  #paused = true;
  #parsing = false;
  #closeSent = false;
  #closeCode = 1006;
  #closeReason = "";

  constructor(socket: Socket, head: Buffer, protocol: string, maxPayload = 32 * 1024 * 1024) {
    super();
    this.protocol = protocol;
    this.#socket = socket;
    this.#maxPayload = maxPayload;
    socket.setTimeout?.(0); // an agent's idle timeout is not the session's
    socket.setNoDelay?.(true);
    socket.pause();
    if (head.length > 0) socket.unshift(head);
    socket.on("data", this.#onData);
    socket.on("end", () => {
      this.#state = CLOSING;
      socket.end();
    });
    socket.on("error", (err) => {
      this.#state = CLOSING;
      if (this.listenerCount("error") > 0) this.emit("error", err);
    });
    socket.on("close", () => {
      this.#state = CLOSING;
      this.#parse(true); // what was read is delivered, paused or not (as ws does)
      this.#reading = false;
      this.#chunks = [];
      this.#state = CLOSED;
      this.emit("close", this.#closeCode, this.#closeReason);
    });
  }

  /** 1 open, 2 closing, 3 closed. */
  get readyState(): number {
    return this.#state;
  }

  /** Bytes handed to send() (or ping, close) and not yet written to the socket. */
  get bufferedAmount(): number {
    return this.#socket.writableLength;
  }

  /**
   * Sends a message: binary for a Buffer (unless `binary: false`), text for a
   * string. `cb` runs once the frame is written, with an error when the
   * socket failed or is no longer open.
   */
  send(data: Buffer | string, options?: { binary?: boolean }, cb?: (err?: Error) => void): void {
    const binary = options?.binary ?? typeof data !== "string";
    this.#write(binary ? 2 : 1, typeof data === "string" ? Buffer.from(data) : data, cb);
  }

  /** Sends a ping (the server answers with a pong: the 'pong' event). */
  ping(data: Buffer = Buffer.alloc(0)): void {
    this.#write(9, data);
  }

  /** Stops reading: no 'message' until resume(), and the socket is not read, so TCP pushes back. */
  pause(): void {
    this.#paused = true;
    if (this.#reading) this.#socket.pause(); // once closing, the socket is drained to see its end
  }

  /** Reads again: messages already read are delivered first (on the next tick). */
  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    if (this.#buffered > 0) process.nextTick(() => this.#parse(false));
    if (this.#reading) this.#socket.resume();
  }

  /**
   * Starts the closing handshake: sends a close frame with `code` (none when
   * undefined) and waits for the server's, which ends the connection.
   */
  close(code?: number): void {
    if (this.#state !== OPEN) return;
    this.#state = CLOSING;
    this.#sendClose(code);
  }

  /** Destroys the socket now ('close' follows, with 1006 unless a close frame came). */
  terminate(): void {
    this.#reading = false;
    this.#chunks = [];
    this.#buffered = 0;
    if (this.#state === OPEN) this.#state = CLOSING;
    this.#socket.destroy();
  }

  #write(opcode: number, payload: Buffer, cb?: (err?: Error) => void): void {
    if (this.#state !== OPEN) {
      if (cb) process.nextTick(cb, new Error(`WebSocket is not open: readyState ${this.#state}`));
      return;
    }
    this.#socket.write(frameOf(opcode, payload), cb && ((err) => cb(err ?? undefined)));
  }

  #sendClose(code: number | undefined): void {
    if (this.#closeSent) return;
    this.#closeSent = true;
    const payload = Buffer.alloc(code === undefined ? 0 : 2);
    if (code !== undefined) payload.writeUInt16BE(code, 0);
    if (this.#socket.writable) this.#socket.write(frameOf(8, payload));
  }

  readonly #onData = (chunk: Buffer): void => {
    if (!this.#reading) return;
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    this.#parse(false);
  };

  /** Parses and dispatches whole frames while not paused (or `all`, once the socket is gone). */
  #parse(all: boolean): void {
    if (this.#parsing) return;
    this.#parsing = true;
    try {
      while (this.#reading && (all || !this.#paused) && this.#frame());
    } finally {
      this.#parsing = false;
    }
  }

  /** The byte `i` bytes ahead. */
  #peek(i: number): number {
    for (const c of this.#chunks) {
      if (i < c.length) return c[i]!;
      i -= c.length;
    }
    return 0;
  }

  /** Takes the next `n` bytes (a view when they lie in one chunk). */
  #take(n: number): Buffer {
    if (n === 0) return Buffer.alloc(0);
    this.#buffered -= n;
    const first = this.#chunks[0]!;
    if (first.length >= n) {
      if (first.length === n) this.#chunks.shift();
      else this.#chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    for (let at = 0; at < n;) {
      const c = this.#chunks[0]!;
      const k = Math.min(c.length, n - at);
      c.copy(out, at, 0, k);
      at += k;
      if (k === c.length) this.#chunks.shift();
      else this.#chunks[0] = c.subarray(k);
    }
    return out;
  }

  /** Reads one frame (false: more bytes are needed) and acts on it. */
  #frame(): boolean {
    if (this.#length < 0) {
      if (this.#buffered < 2) return false;
      const b0 = this.#peek(0);
      const b1 = this.#peek(1);
      const opcode = b0 & 0x0f;
      const control = opcode >= 8;
      const fin = (b0 & 0x80) !== 0;
      let n = b1 & 0x7f;
      if (b0 & 0x70) return this.#fail(1002, "a frame with reserved bits set");
      if (b1 & 0x80) return this.#fail(1002, "a masked frame from the server");
      if ((opcode > 2 && opcode < 8) || opcode > 10) return this.#fail(1002, `unknown opcode ${opcode}`);
      if (control && (!fin || n > 125)) return this.#fail(1002, "a fragmented or long control frame");
      if (opcode === 0 && this.#messageOpcode === 0) return this.#fail(1002, "a continuation frame with no message");
      if ((opcode === 1 || opcode === 2) && this.#messageOpcode !== 0) {
        return this.#fail(1002, "a new message inside a fragmented one");
      }
      const head = n === 126 ? 4 : n === 127 ? 10 : 2;
      if (this.#buffered < head) return false;
      const h = this.#take(head);
      if (n === 126) n = h.readUInt16BE(2);
      else if (n === 127) n = h.readUInt32BE(2) * 2 ** 32 + h.readUInt32BE(6);
      if (!control && this.#fragmentBytes + n > this.#maxPayload) {
        return this.#fail(1009, `a message larger than ${this.#maxPayload} bytes`);
      }
      this.#opcode = opcode;
      this.#fin = fin;
      this.#length = n;
    }
    if (this.#buffered < this.#length) return false;
    const data = this.#take(this.#length);
    this.#length = -1;
    const opcode = this.#opcode;
    if (opcode === 8) return this.#onClose(data);
    if (opcode === 9) {
      this.#write(10, data);
      return true;
    }
    if (opcode === 10) {
      this.emit("pong", data);
      return true;
    }
    if (opcode !== 0) this.#messageOpcode = opcode;
    if (!this.#fin) {
      if (data.length > 0) this.#fragments.push(data);
      this.#fragmentBytes += data.length;
      return true;
    }
    const parts = this.#fragments;
    const message = parts.length === 0 ? data : Buffer.concat([...parts, data]);
    const binary = this.#messageOpcode === 2;
    this.#fragments = [];
    this.#fragmentBytes = 0;
    this.#messageOpcode = 0;
    if (!binary && !isUtf8(message)) return this.#fail(1007, "a text message that is not UTF-8");
    this.emit("message", message, binary);
    return true;
  }

  /** The server's close frame: answered with the same code, then the socket ends. */
  #onClose(data: Buffer): boolean {
    if (data.length === 1) return this.#fail(1002, "a close frame of 1 byte");
    const code = data.length >= 2 ? data.readUInt16BE(0) : 1005;
    if (data.length >= 2 && !validCloseCode(code)) return this.#fail(1002, `invalid close code ${code}`);
    const reason = data.subarray(2);
    if (!isUtf8(reason)) return this.#fail(1007, "a close reason that is not UTF-8");
    this.#closeCode = code;
    this.#closeReason = reason.toString();
    this.#stopReading();
    this.#state = CLOSING;
    this.#sendClose(code === 1005 ? undefined : code);
    this.#socket.end();
    return false;
  }

  /** Discards what comes next, but keeps the socket flowing so its end is seen. */
  #stopReading(): void {
    this.#reading = false;
    this.#chunks = [];
    this.#buffered = 0;
    this.#socket.resume();
  }

  /** Fails the connection: a close frame with `code`, the socket ended (destroyed if the server does not close it), an error event. */
  #fail(code: number, what: string): boolean {
    this.#stopReading();
    this.#sendClose(code);
    this.#state = CLOSING;
    this.#socket.end();
    setTimeout(() => this.#socket.destroy(), 2_000).unref();
    const err = new WebSocketError(`WebSocket protocol error: the server sent ${what}`, code);
    if (this.listenerCount("error") > 0) this.emit("error", err);
    return false;
  }
}
