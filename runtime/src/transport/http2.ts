// HTTP/2 to the API server, as client-go's Go transport speaks it over TLS: every request and
// watch of one transport and TLS identity multiplexes over one connection, and a second one is
// opened only when the server's stream limit is reached (kube-apiserver allows 100 streams per
// connection). It owns, for one origin and one set of TLS options:
//   - the sessions: a TLS connection offering `h2` and `http/1.1` by ALPN; a server (or a TLS
//     terminating proxy) that picks HTTP/1.1 makes the pool answer "http1" from then on, and the
//     transport sends through its https.Agent instead,
//   - placement: a new stream goes to the first session that is not going away (GOAWAY, close)
//     and has a free stream slot (the server's SETTINGS_MAX_CONCURRENT_STREAMS; Node would
//     otherwise queue the stream behind watches that never end),
//   - health: a session with streams open is pinged every 30 s, and at once when we cancel one
//     of its streams (an abort, or a watch given up as silent), and destroyed when no answer
//     comes within 15 s (client-go's ReadIdleTimeout and PingTimeout), so a dead connection ends
//     its watches instead of hanging them; a new connection must be ready within 10 s; an idle
//     session closes after 90 s,
//   - responses as http.IncomingMessage (H2IncomingMessage), so everything above the transport
//     reads HTTP/1.1 and HTTP/2 alike; an aborted request or a destroyed body resets its stream
//     only.
// A stream the server refused unprocessed (REFUSED_STREAM, as GOAWAY's streams past its last
// one), or that never left because its session closed meanwhile, is sent again on another
// connection, whatever the method (up to 3 tries). Any other stream that fails before its
// response rejects with code ECONNRESET, which the transport retries as it does a reset
// HTTP/1.1 connection (GET and watches only).

import http from "node:http";
import http2 from "node:http2";
import tls from "node:tls";

/** client-go's HTTP/2 health check: ping after this long (ms)... */
export const H2_PING_INTERVAL_MS = 30_000;
/** ...and close the connection when the ping is not answered within this (ms). */
export const H2_PING_TIMEOUT_MS = 15_000;
/** A new connection must be ready (TCP, TLS, the server's SETTINGS) within this (ms), as Go's TLSHandshakeTimeout. */
export const H2_CONNECT_TIMEOUT_MS = 10_000;
/** An HTTP/2 connection without streams closes after this long (ms), as Go's IdleConnTimeout. */
export const H2_IDLE_TIMEOUT_MS = 90_000;
/** Streams per connection before the server's SETTINGS arrive (RFC 9113 recommends at least 100). */
const DEFAULT_MAX_STREAMS = 100;
/** Flow-control windows: the default 64 KiB would hold a large LIST to a crawl. */
const STREAM_WINDOW = 4 * 1024 * 1024;
const SESSION_WINDOW = 16 * 1024 * 1024;

/** Headers HTTP/2 forbids (RFC 9113 8.2.2); the transport's are HTTP/1.1 shaped. */
const CONNECTION_HEADERS = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "host"]);

/** Timers the pool uses (a test may pass fake ones). */
export interface H2Timers {
  setInterval(fn: () => void, ms: number): { unref(): unknown };
  clearInterval(t: unknown): void;
  setTimeout(fn: () => void, ms: number): { unref(): unknown };
  clearTimeout(t: unknown): void;
}

const realTimers: H2Timers = {
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (t) => clearInterval(t as NodeJS.Timeout),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (t) => clearTimeout(t as NodeJS.Timeout),
};

interface Session {
  readonly h2: http2.ClientHttp2Session;
  active: number;
  /** No new streams: GOAWAY arrived, or the pool retired it. */
  closing: boolean;
  idleTimer: { unref(): unknown } | undefined;
  pingTimer: { unref(): unknown } | undefined;
  /** A ping is out and not answered yet. */
  pinging: boolean;
}

/** What {@link Http2Pool.request} resolves with: the response, or "http1" when the server does not speak HTTP/2. */
export type H2Result = http.IncomingMessage | "http1";

/** The HTTP/2 connections of one transport to one origin with one TLS identity. */
export class Http2Pool {
  readonly #origin: URL;
  readonly #tls: tls.ConnectionOptions;
  readonly #timers: H2Timers;
  readonly #sessions: Session[] = [];
  #connecting: Promise<Session | "http1"> | undefined;
  #http1 = false;
  #retired = false;

  constructor(origin: URL, tlsOptions: tls.ConnectionOptions, timers: H2Timers = realTimers) {
    this.#origin = origin;
    this.#tls = tlsOptions;
    this.#timers = timers;
  }

  /** True once the server answered ALPN with HTTP/1.1 (or nothing). */
  get http1(): boolean {
    return this.#http1;
  }

  /** Open connections, and streams on them (for diagnostics and tests). */
  get stats(): { connections: number; streams: number } {
    const live = this.#sessions.filter((s) => !s.h2.destroyed);
    return { connections: live.length, streams: live.reduce((n, s) => n + s.active, 0) };
  }

  /**
   * Sends one request. `headers` are HTTP/1.1 shaped (lower-case names); `path` includes the
   * query. Rejects with the signal's reason on abort, with the TLS or socket error when the
   * connection cannot be made, and with an ECONNRESET error when the stream died before its
   * response.
   */
  async request(
    method: string,
    path: string,
    headers: Record<string, string | string[]>,
    body: string | Buffer | undefined,
    signal: AbortSignal | undefined,
  ): Promise<H2Result> {
    const h2Headers: http2.OutgoingHttpHeaders = { ":method": method, ":path": path };
    for (const [k, v] of Object.entries(headers)) if (!CONNECTION_HEADERS.has(k)) h2Headers[k] = v;
    // A stream the server never processed (its session went away before the stream was sent, or
    // GOAWAY refused it) is safe to send again, whatever the method: up to 3 tries.
    for (let attempt = 1; ; attempt++) {
      const result = await this.#attempt(h2Headers, body, signal);
      if (result !== "unprocessed") return result;
      if (attempt >= 3) throw reset(new Error("the HTTP/2 stream was refused 3 times"));
    }
  }

  async #attempt(
    h2Headers: http2.OutgoingHttpHeaders,
    body: string | Buffer | undefined,
    signal: AbortSignal | undefined,
  ): Promise<H2Result | "unprocessed"> {
    signal?.throwIfAborted();
    const reserved = this.#session(); // holds a stream slot from here on: release it unless a stream takes it
    let session: Session | "http1";
    try {
      session = await untilAborted(reserved, signal);
    } catch (err) {
      reserved.then((s) => s !== "http1" && this.#closed(s), () => {});
      throw err;
    }
    if (session === "http1") return "http1";
    let stream: http2.ClientHttp2Stream;
    try {
      signal?.throwIfAborted();
      stream = session.h2.request(h2Headers, { endStream: body === undefined });
    } catch (err) {
      this.#closed(session);
      if (signal?.aborted) throw signal.reason;
      this.#goingAway(session); // it closed between choosing it and now: nothing was sent
      return "unprocessed";
    }
    const held = session;
    stream.once("close", () => {
      this.#closed(held);
      // a stream we cancelled (an abort, or a watch given up as silent) may mean a dead
      // connection: ask now rather than at the next health check
      if (stream.rstCode === http2.constants.NGHTTP2_CANCEL) this.#ping(held);
    });
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        stream.close(http2.constants.NGHTTP2_CANCEL);
        reject(signal!.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      const settle = (): void => signal?.removeEventListener("abort", onAbort);
      const failed = (err: unknown): void => {
        settle();
        if (stream.rstCode === http2.constants.NGHTTP2_REFUSED_STREAM) resolve("unprocessed");
        else reject(reset(err));
      };
      stream.once("response", (responseHeaders) => {
        settle();
        const res = new H2IncomingMessage(stream, responseHeaders);
        if (signal) {
          // as Node's http.request with a signal: aborting later destroys the body
          const destroy = (): void => void res.destroy(signal.reason as Error);
          signal.addEventListener("abort", destroy, { once: true });
          res.once("close", () => signal.removeEventListener("abort", destroy));
        }
        resolve(res);
      });
      stream.once("error", failed);
      stream.once("close", () => failed(new Error(`HTTP/2 stream closed before its response (code ${stream.rstCode})`)));
      if (body !== undefined) stream.end(body);
    });
  }

  /** No new streams: sessions close once their streams end (a TLS rotation retires the pool). */
  retire(): void {
    this.#retired = true;
    for (const s of this.#sessions) this.#goingAway(s);
  }

  /** Destroys every session now (streams in flight end with an error). */
  close(): void {
    this.#retired = true;
    for (const s of [...this.#sessions]) s.h2.destroy();
  }

  /**
   * A session with a stream slot reserved for the caller (released by #closed): requests that
   * waited for one connect each look again once it is up, and those beyond its slots wait for
   * the next connect.
   */
  async #session(): Promise<Session | "http1"> {
    for (;;) {
      if (this.#http1) return "http1";
      const free = this.#sessions.find((s) => !s.closing && !s.h2.destroyed && s.active < maxStreams(s));
      if (free) {
        this.#reserve(free);
        return free;
      }
      if (this.#retired) throw reset(new Error("the HTTP/2 connection pool was closed"));
      // one connect at a time
      await (this.#connecting ??= this.#connect().finally(() => (this.#connecting = undefined)));
    }
  }

  #connect(): Promise<Session | "http1"> {
    return new Promise((resolve, reject) => {
      const port = Number(this.#origin.port) || 443;
      const socket = tls.connect({
        ...this.#tls,
        host: this.#origin.hostname.replace(/^\[|\]$/g, ""),
        port,
        ALPNProtocols: ["h2", "http/1.1"],
        ...(this.#tls.servername === undefined && !isIp(this.#origin.hostname) ? { servername: this.#origin.hostname } : {}),
      });
      socket.setNoDelay(true); // as Node's http.Agent sockets: no Nagle delay on small frames
      // a connection into a dead route never fails by itself: give up, so the next request dials again
      const timer = this.#timers.setTimeout(() => {
        const err = Object.assign(new Error(`HTTP/2 connection to ${this.#origin.host} not ready within ${H2_CONNECT_TIMEOUT_MS} ms`), { code: "ETIMEDOUT" });
        socket.destroy(err);
        h2?.destroy();
        reject(err);
      }, H2_CONNECT_TIMEOUT_MS);
      timer.unref();
      let h2: http2.ClientHttp2Session | undefined;
      const fail = (err: unknown): void => {
        this.#timers.clearTimeout(timer);
        reject(err);
      };
      socket.once("error", fail);
      socket.once("secureConnect", () => {
        socket.off("error", fail);
        if (socket.alpnProtocol !== "h2") {
          this.#timers.clearTimeout(timer);
          this.#http1 = true;
          socket.destroy();
          resolve("http1");
          return;
        }
        const connected = http2.connect(this.#origin, {
          createConnection: () => socket,
          settings: { enablePush: false, initialWindowSize: STREAM_WINDOW },
        });
        h2 = connected;
        connected.setLocalWindowSize(SESSION_WINDOW);
        const session: Session = { h2: connected, active: 0, closing: false, idleTimer: undefined, pingTimer: undefined, pinging: false };
        // goaway: streams the server took go on; new ones go elsewhere
        connected.on("goaway", () => this.#goingAway(session));
        connected.on("error", () => {}); // reported through its streams; the session is dropped on close
        // usable once the server's SETTINGS (its stream limit) arrived: streams sent before
        // could exceed it, and kube-apiserver closes a connection that does
        connected.once("remoteSettings", () => {
          this.#timers.clearTimeout(timer);
          this.#sessions.push(session);
          connected.once("close", () => this.#forget(session));
          this.#watchHealth(session);
          this.#idle(session);
          resolve(session);
        });
        connected.once("close", () => fail(reset(new Error("the HTTP/2 connection closed before the server's settings arrived"))));
      });
    });
  }

  #reserve(s: Session): void {
    s.active++;
    if (s.idleTimer) this.#timers.clearTimeout(s.idleTimer);
    s.idleTimer = undefined;
  }

  #closed(s: Session): void {
    s.active--;
    if (s.active === 0) {
      if (s.closing) s.h2.close();
      else this.#idle(s);
    }
  }

  #idle(s: Session): void {
    s.idleTimer = this.#timers.setTimeout(() => this.#goingAway(s), H2_IDLE_TIMEOUT_MS);
    s.idleTimer.unref();
  }

  #goingAway(s: Session): void {
    s.closing = true;
    if (s.active === 0) s.h2.close();
  }

  #watchHealth(s: Session): void {
    s.pingTimer = this.#timers.setInterval(() => {
      if (s.active > 0) this.#ping(s);
    }, H2_PING_INTERVAL_MS);
    s.pingTimer.unref();
  }

  /** Pings `s` (unless a ping is out already) and destroys it when no answer comes within the ping timeout. */
  #ping(s: Session): void {
    if (s.pinging || s.h2.destroyed) return;
    s.pinging = true;
    let answered = false;
    const deadline = this.#timers.setTimeout(() => {
      if (!answered) s.h2.destroy(Object.assign(new Error("HTTP/2 ping not answered"), { code: "ETIMEDOUT" }));
    }, H2_PING_TIMEOUT_MS);
    deadline.unref();
    s.h2.ping((err) => {
      answered = !err;
      s.pinging = false;
      this.#timers.clearTimeout(deadline);
    });
  }

  #forget(s: Session): void {
    if (s.pingTimer) this.#timers.clearInterval(s.pingTimer);
    if (s.idleTimer) this.#timers.clearTimeout(s.idleTimer);
    const i = this.#sessions.indexOf(s);
    if (i >= 0) this.#sessions.splice(i, 1);
  }
}

/** `promise`, or the signal's reason as soon as it aborts (the promise still settles unobserved). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (err: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(err);
      },
    );
  });
}

function maxStreams(s: Session): number {
  return s.h2.remoteSettings.maxConcurrentStreams ?? DEFAULT_MAX_STREAMS;
}

function isIp(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(":") || host.startsWith("[");
}

/** An error the transport retries like a reset connection, keeping the cause. */
function reset(cause: unknown): Error {
  const err = new Error((cause as Error)?.message ?? String(cause), { cause }) as NodeJS.ErrnoException;
  err.code = "ECONNRESET";
  return err;
}

/**
 * An HTTP/2 response as an http.IncomingMessage: status, headers (pseudo-headers left out) and
 * the body of its stream, with backpressure. Destroying it resets the stream; a stream that
 * ends without END_STREAM (reset, or its connection gone) destroys it with an ECONNRESET error,
 * as a cut HTTP/1.1 body does.
 */
export class H2IncomingMessage extends http.IncomingMessage {
  readonly #stream: http2.ClientHttp2Stream;
  #ended = false;

  constructor(stream: http2.ClientHttp2Stream, responseHeaders: http2.IncomingHttpHeaders & http2.IncomingHttpStatusHeader) {
    super(undefined as never);
    this.#stream = stream;
    this.httpVersion = "2.0";
    this.httpVersionMajor = 2;
    this.httpVersionMinor = 0;
    this.statusCode = Number(responseHeaders[":status"] ?? 0);
    this.statusMessage = http.STATUS_CODES[this.statusCode] ?? "";
    const headers: http.IncomingHttpHeaders = {};
    const raw: string[] = [];
    for (const [k, v] of Object.entries(responseHeaders)) {
      if (k.startsWith(":") || v === undefined) continue;
      headers[k] = v as string & string[];
      for (const one of Array.isArray(v) ? v : [String(v)]) raw.push(k, one);
    }
    this.headers = headers;
    this.rawHeaders = raw;
    stream.on("data", (chunk: Buffer) => {
      if (!this.push(chunk)) stream.pause();
    });
    stream.once("end", () => {
      // a connection that died ends its streams' readable side too, with a reset code (CANCEL):
      // that is no END_STREAM (a stream read after it closed normally has code 0)
      if (stream.rstCode) {
        this.destroy(Object.assign(new Error("aborted: the HTTP/2 connection closed"), { code: "ECONNRESET" }));
        return;
      }
      this.#ended = true;
      this.complete = true;
      this.push(null);
    });
    stream.once("error", (err) => this.destroy(reset(err)));
    stream.once("close", () => {
      if (!this.#ended && !this.destroyed) this.destroy(Object.assign(new Error("aborted"), { code: "ECONNRESET" }));
    });
    stream.pause();
  }

  override _read(): void {
    this.#stream.resume();
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    if (!this.#stream.closed) this.#stream.close(http2.constants.NGHTTP2_CANCEL);
    // as Node's IncomingMessage: the error is emitted only to a reader listening for it
    callback(this.listenerCount("error") > 0 ? err : null);
  }
}
