// exec and attach: a session over the channel protocol (channel-protocol.ts)
// on a WebSocket from websocket.ts (client-go tools/remotecommand:
// websocket.go's executor, resize.go; kubectl's exec/attach stream wiring).
//
// The contract a session keeps:
//   - Output (channels 1 and 2) goes to the caller's Writable, or to a
//     Readable the session returns. Backpressure holds end to end: when a
//     destination's write() returns false (or a returned Readable is not
//     read), the socket is paused until it drains, so the server (and the
//     command) wait instead of memory growing.
//   - Input: a caller's Readable is read no faster than the socket drains
//     (reading pauses while more than 256 KiB is unsent); `stdin: true`
//     returns a Writable whose write callbacks wait the same way. The end of
//     stdin sends the v5 close signal `[255, 0]`, so the command sees EOF.
//     On v4 (the fallback protocol) there is no such signal: the command
//     sees EOF only when the session ends.
//   - `done` resolves on the server's Success status; rejects with an
//     ExitCodeError (`exitCode`) for a NonZeroExitCode status, an ApiError
//     for any other Failure status (e.g. the InternalError of a missing
//     command), a NetworkError when the connection ends before a status
//     arrives, the signal's reason (or abort()'s) on abort, and the error of
//     a caller's stream that fails. It settles only once the socket is closed
//     and, after a status, once the caller's Writables have processed every
//     chunk written to them (write callbacks; and 'finish' with endOutputs).
//   - What happens to streams when the session ends:
//       * returned Readables end (push(null)) after a status; on any other
//         end they are destroyed, with the error only if they have an
//         'error' listener (as Node's IncomingMessage does), so a stream
//         nobody reads never crashes the process and a reader never hangs;
//       * a returned stdin Writable is destroyed (later writes fail quietly);
//       * the caller's Writables are never destroyed, and are ended only
//         when `endOutputs: true` and a status arrived (like
//         `pipe(dest, { end: false })` by default, so process.stdout is safe);
//       * the caller's stdin Readable is paused and released, never destroyed.
//   - Keep-alive (keepalive.ts, as client-go's WebSocket executor): the
//     session pings the server every `pingIntervalMs` (default 5 s), so an
//     idle session survives proxies that close idle connections; any frame
//     from the server counts as an answer, and when 12 pings in a row get
//     none (while the session reads), `done` rejects with a NetworkError
//     (ETIMEDOUT). The timer is unref'd and stops when the session ends.

import { Readable, Writable } from "node:stream";
import { ApiError, type RequestContext } from "../errors/api-error.js";
import { NetworkError, findInChain } from "../errors/network-error.js";
import { KubegenError, redact, redactValue } from "../errors/redact.js";
import type { RestConfig } from "../config/rest-config.js";
import type { Status } from "../meta/types.js";
import { RestClient } from "../rest/rest-client.js";
import type { RequestExecutor } from "../rest/resource-client.js";
import { Transport } from "../transport/transport.js";
import {
  buildStreamRequest,
  StreamChannel,
  CHANNEL_PROTOCOLS,
  decodeFrame,
  encodeClose,
  encodeFrame,
  encodeResize,
  parseStatus,
  supportsClose,
  type StatusOutcome,
  type StreamFlags,
  type TerminalSize,
} from "./channel-protocol.js";
import { DEFAULT_STREAM_PING_MS, deadPeerError, keepAlive, pingIntervalOf, type KeepAlive } from "./keepalive.js";
import { dialWebSocket, type DialedSocket } from "./websocket.js";
import type { WebSocketClient } from "./ws-client.js";

/** What a session can be opened through: a RestClient (its transport), a Transport, or a RestConfig. */
export type StreamTarget = RestClient | Transport | RestConfig | { readonly transport: Transport };

/** Options shared by exec and attach (the PodAttachOptions fields, plus the streams). */
export interface PodStreamOptions {
  /** The pod's namespace. */
  namespace: string;
  /** The pod's name. */
  name: string;
  /** The container; the server picks the default one when omitted. */
  container?: string;
  /** A Readable to send as stdin, or `true` for a Writable on the session (`session.stdin`). */
  stdin?: Readable | boolean;
  /** A Writable for stdout, or `true` for a Readable on the session (`session.stdout`). */
  stdout?: Writable | boolean;
  /** A Writable for stderr, or `true` for a Readable on the session. With `tty` the server merges stderr into stdout. */
  stderr?: Writable | boolean;
  /** Run on a pseudo-terminal (resize with `session.resize()`). */
  tty?: boolean;
  /** A terminal size sent as soon as the session opens (with `tty`). */
  terminalSize?: TerminalSize;
  /** Aborts the session at any stage: the socket is closed and `done` (or the open) rejects with the reason. */
  signal?: AbortSignal;
  /** End the caller's stdout/stderr Writables when the server's status arrives (default false). */
  endOutputs?: boolean;
  /**
   * How often to ping the server, in ms (default 5000, as client-go; 0 sends none). Any frame
   * from the server answers; after 12 pings with no answer `done` rejects with a NetworkError.
   */
  pingIntervalMs?: number;
}

/** Options of {@link execPod}: a command (argv; no shell) and the streams. */
export interface PodExecStreamOptions extends PodStreamOptions {
  /** The command and its arguments, one word each, e.g. `["sh", "-c", "echo hi"]`. */
  command: readonly string[];
}

/** Options of {@link attachPod}: the streams of the container's main process. */
export type PodAttachStreamOptions = PodStreamOptions;

/** An open exec or attach session. */
export interface PodStreamSession {
  /** The negotiated subprotocol (`v5.channel.k8s.io`, or `v4.channel.k8s.io` from older servers). */
  readonly protocol: string;
  /** With `stdin: true`: write here, `end()` to close stdin. */
  readonly stdin: Writable | undefined;
  /** With `stdout: true`: the command's stdout. Read it, or the command stalls. */
  readonly stdout: Readable | undefined;
  /** With `stderr: true`: the command's stderr. Read it, or the command stalls. */
  readonly stderr: Readable | undefined;
  /**
   * Settles when the session is over: its socket closed and, after a status,
   * every chunk taken by the caller's Writables (see the module's contract).
   * Never an unhandled rejection.
   */
  readonly done: Promise<void>;
  /** True once the WebSocket is closed. */
  readonly closed: boolean;
  /** Sends a terminal size (channel 4). Ignored once the session is over. */
  resize(size: TerminalSize): void;
  /**
   * Ends the session from this side without waiting for a status (detaching
   * from an attach): the socket is closed gracefully, returned Readables end
   * and `done` resolves. The command itself is not stopped by exec's close.
   */
  close(): void;
  /** Closes the socket now; `done` rejects with `reason` (default: an AbortError DOMException). */
  abort(reason?: unknown): void;
}

/**
 * The command exited with a non-zero code (the server's NonZeroExitCode
 * status; client-go exec.CodeExitError). `status` is the server's Status (redacted).
 */
export class ExitCodeError extends KubegenError {
  override readonly name = "ExitCodeError";
  /** The command's exit code. */
  readonly exitCode: number;
  /** The Status the server sent. */
  readonly status: Status;
  readonly namespace: string;
  readonly pod: string;
  readonly container: string | undefined;

  constructor(exitCode: number, status: Status, where: { namespace: string; name: string; container?: string | undefined }) {
    super(`command terminated with exit code ${exitCode}`);
    this.exitCode = exitCode;
    this.status = redactValue(status);
    this.namespace = where.namespace;
    this.pod = where.name;
    this.container = where.container;
  }

  protected override describe(): Record<string, unknown> {
    return { exitCode: this.exitCode, namespace: this.namespace, pod: this.pod, container: this.container, status: this.status };
  }
}

/** Whether `err` is (or wraps) an {@link ExitCodeError}. */
export function isExitCodeError(err: unknown): err is ExitCodeError {
  return findInChain(err, (e) => e instanceof ExitCodeError) !== undefined;
}

/** {@link execCapture} stopped because the output exceeded its `maxBytes`. */
export class OutputLimitError extends KubegenError {
  override readonly name = "OutputLimitError";
  /** The limit, in bytes (stdout and stderr together). */
  readonly maxBytes: number;

  constructor(maxBytes: number) {
    super(`exec output exceeded ${maxBytes} bytes; the session was closed`);
    this.maxBytes = maxBytes;
  }

  protected override describe(): Record<string, unknown> {
    return { maxBytes: this.maxBytes };
  }
}

const transports = new WeakMap<RestConfig, Transport>();

/** The transport of a target; a RestConfig gets one transport, kept as long as the config lives. Internal (logs.ts, cp.ts use it; not in the package index). */
export function transportOf(target: StreamTarget | RequestExecutor): Transport {
  if (target instanceof Transport) return target;
  if (target instanceof RestClient) return target.transport;
  const t = (target as { transport?: unknown }).transport;
  if (t instanceof Transport) return t;
  if (typeof (target as RestConfig).server === "string") {
    const config = target as RestConfig;
    let tr = transports.get(config);
    if (!tr) transports.set(config, (tr = new Transport(config)));
    return tr;
  }
  throw new TypeError(
    "exec, attach, port-forward, logs and cp need a RestClient, a Transport or a RestConfig (a real API server); this client has no transport (fake clients do not implement them)",
  );
}

/**
 * Runs a command in a container (`pods/exec` over WebSocket) and resolves
 * once the server accepted it (101) with the open session; `session.done`
 * tells how the command ended. Rejects with an ApiError when the server
 * refuses (403 without `create` on `pods/exec`, 404 for a missing pod, 400
 * for a bad container or options), a NetworkError when it cannot be reached,
 * a RequestBuildError for bad names or no stream requested, and the signal's
 * reason on abort.
 *
 * ```ts
 * const s = await execPod(client, { namespace: "default", name: "web", command: ["ls", "/"], stdout: process.stdout });
 * await s.done; // ExitCodeError (err.exitCode) when ls fails
 * ```
 */
export async function execPod(target: StreamTarget | RequestExecutor, options: PodExecStreamOptions): Promise<PodStreamSession> {
  return open(target, "exec", options, options.command);
}

/**
 * Attaches to the main process of a running container (`pods/attach`): its
 * stdin (the container needs `stdin: true`), stdout and stderr. Same session,
 * errors and contract as {@link execPod}.
 */
export async function attachPod(target: StreamTarget | RequestExecutor, options: PodAttachStreamOptions): Promise<PodStreamSession> {
  return open(target, "attach", options);
}

/** Options of {@link execCapture}. */
export interface ExecCaptureOptions extends Omit<PodExecStreamOptions, "stdin" | "stdout" | "stderr" | "endOutputs"> {
  /** Sent as stdin, then closed. */
  stdin?: string | Uint8Array | Readable;
  /** The most output kept (stdout and stderr together); beyond it the session is closed with an OutputLimitError. Default 16 MiB. */
  maxBytes?: number;
}

/** What {@link execCapture} returns. */
export interface ExecCaptureResult {
  /** stdout, decoded as UTF-8. */
  stdout: string;
  /** stderr, decoded as UTF-8 (empty with `tty`: the server merges it into stdout). */
  stderr: string;
  /** The command's exit code (0, or the code of the NonZeroExitCode status). */
  exitCode: number;
}

/** The default output bound of {@link execCapture}. */
export const DEFAULT_CAPTURE_MAX_BYTES = 16 * 1024 * 1024;

/**
 * Runs a short command and collects its output: resolves with stdout,
 * stderr and the exit code (a non-zero exit is a result, not an error).
 * Rejects as {@link execPod} does for everything else, and with an
 * OutputLimitError when the output exceeds `maxBytes`.
 */
export async function execCapture(target: StreamTarget | RequestExecutor, options: ExecCaptureOptions): Promise<ExecCaptureResult> {
  const { stdin, maxBytes = DEFAULT_CAPTURE_MAX_BYTES, ...rest } = options;
  const parts: Record<"stdout" | "stderr", Buffer[]> = { stdout: [], stderr: [] };
  let total = 0;
  let session: PodStreamSession | undefined;
  const sink = (which: "stdout" | "stderr"): Writable =>
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        total += chunk.length;
        if (total > maxBytes) session?.abort(new OutputLimitError(maxBytes));
        else parts[which].push(chunk);
        cb();
      },
    });
  const input = stdin === undefined ? undefined : stdin instanceof Readable ? stdin : Readable.from([Buffer.from(stdin)]);
  session = await execPod(target, {
    ...rest,
    stdout: sink("stdout"),
    ...(options.tty ? {} : { stderr: sink("stderr") }),
    ...(input ? { stdin: input } : {}),
  });
  let exitCode = 0;
  try {
    await session.done;
  } catch (err) {
    if (!(err instanceof ExitCodeError)) throw err;
    exitCode = err.exitCode;
  }
  return {
    stdout: Buffer.concat(parts.stdout).toString("utf8"),
    stderr: Buffer.concat(parts.stderr).toString("utf8"),
    exitCode,
  };
}

async function open(
  target: StreamTarget | RequestExecutor,
  subresource: "exec" | "attach",
  options: PodStreamOptions,
  command?: readonly string[],
): Promise<PodStreamSession> {
  const transport = transportOf(target);
  const flags: StreamFlags = { stdin: !!options.stdin, stdout: !!options.stdout, stderr: !!options.stderr, tty: !!options.tty };
  const req = buildStreamRequest(subresource, options, flags, command);
  pingIntervalOf(options.pingIntervalMs, subresource); // a bad interval fails before any dial
  options.signal?.throwIfAborted();
  const context = { group: "", resource: "pods", name: options.name };
  const dialed = await dialWebSocket(transport, req, {
    protocols: CHANNEL_PROTOCOLS,
    ...(options.signal ? { signal: options.signal } : {}),
    context,
  });
  return new Session(dialed, options, { method: "GET", url: dialed.url, ...context });
}

/** Bytes of stdin queued in the socket beyond which reading waits. */
const STDIN_HIGH_WATER = 256 * 1024;
/** The largest stdin message. */
const STDIN_FRAME = 32 * 1024;
/** The most channel-3 bytes kept (a Status is far smaller). */
const MAX_STATUS_BYTES = 1 << 20;
/** How long a graceful close may take before the socket is destroyed. */
const CLOSE_GRACE_MS = 2_000;

/** One destination of output: write() false means "call onDrain when ready for more". */
interface Output {
  write(data: Buffer, onDrain: () => void): boolean;
  /** The server's data is complete (a status arrived); resolves once the destination accepted it all. */
  end(): Promise<void>;
  /** The session ended without a status. */
  fail(err: unknown): void;
  release(): void;
}

/** Output into a Readable the session owns and returns. */
function readableOutput(): { readable: Readable; output: Output } {
  let waiting: (() => void) | undefined;
  const readable = new Readable({
    read() {
      const w = waiting;
      waiting = undefined;
      w?.();
    },
  });
  const output: Output = {
    write(data, onDrain) {
      if (readable.destroyed || readable.readableEnded) return true; // the reader gave up: drop
      if (readable.push(data)) return true;
      waiting = onDrain;
      return false;
    },
    end: async () => void (readable.destroyed || readable.push(null)),
    fail: (err) => {
      if (readable.destroyed) return;
      readable.destroy(readable.listenerCount("error") > 0 && err instanceof Error ? err : undefined);
    },
    release: () => {
      waiting = undefined;
    },
  };
  return { readable, output };
}

/**
 * Output into the caller's Writable (never destroyed; ended only on request).
 * Every write carries a callback, so the end can wait until the Writable has
 * processed all of it (a slow Writable still holds chunks when the status arrives).
 */
function writableOutput(w: Writable, endOnStatus: boolean, onError: (err: Error) => void): Output {
  let pending: (() => void) | undefined;
  let unfinished = 0;
  let allWritten: (() => void) | undefined;
  const ready = (): void => {
    const p = pending;
    pending = undefined;
    w.off("drain", ready);
    w.off("close", ready);
    p?.();
  };
  const written = (): void => {
    unfinished--;
    if (unfinished === 0) allWritten?.();
  };
  const error = (err: Error): void => onError(err);
  w.on("error", error);
  const gone = (): boolean => w.destroyed || w.writableEnded;
  return {
    write(data, onDrain) {
      if (gone()) return true;
      unfinished++;
      if (w.write(data, written)) return true;
      pending = onDrain;
      w.on("drain", ready);
      w.on("close", ready); // a destination closed while full never drains
      return false;
    },
    end: async () => {
      if (unfinished > 0 && !gone()) {
        await new Promise<void>((resolve) => {
          allWritten = resolve;
          w.once("close", resolve); // destroyed meanwhile: its callbacks may never run
        });
      }
      if (endOnStatus && !gone()) {
        await new Promise<void>((resolve) => {
          w.once("close", resolve);
          w.once("error", () => resolve());
          w.end(resolve);
        });
      }
    },
    fail: () => {},
    release: () => {
      pending = undefined;
      w.off("drain", ready);
      w.off("close", ready);
      w.off("error", error);
    },
  };
}

type Result = { ok: true } | { ok: false; error: unknown };

class Session implements PodStreamSession {
  readonly protocol: string;
  readonly stdin: Writable | undefined;
  readonly stdout: Readable | undefined;
  readonly stderr: Readable | undefined;
  readonly done: Promise<void>;

  readonly #ws: WebSocketClient;
  readonly #ctx: RequestContext;
  readonly #where: { namespace: string; name: string; container?: string | undefined };
  readonly #secrets: string[];
  readonly #outputs = new Map<number, Output>();
  readonly #blocked = new Set<Output>();
  readonly #signal: AbortSignal | undefined;
  #status: Buffer[] = [];
  #statusBytes = 0;
  #result: Result | undefined;
  #lastError: Error | undefined;
  #stdinClosed = false;
  #releaseStdin: (() => void) | undefined;
  #deliver!: (r: Result) => void;
  #graceTimer: NodeJS.Timeout | undefined;
  readonly #keepAlive: KeepAlive;
  #flushed: Promise<void> = Promise.resolve();

  constructor(dialed: DialedSocket, options: PodStreamOptions, ctx: RequestContext) {
    this.#ws = dialed.ws;
    this.protocol = dialed.protocol;
    this.#ctx = ctx;
    this.#secrets = dialed.secrets;
    this.#where = { namespace: options.namespace, name: options.name, container: options.container };
    this.#signal = options.signal;
    this.done = new Promise<void>((resolve, reject) => {
      this.#deliver = (r) => (r.ok ? resolve() : reject(r.error));
    });
    this.done.catch(() => {}); // a caller who never looks at `done` must not crash the process

    const fail = (err: Error): void => this.#fail(err);
    const wire = (channel: number, opt: Writable | boolean | undefined): Readable | undefined => {
      if (!opt) return undefined;
      if (opt === true) {
        const { readable, output } = readableOutput();
        this.#outputs.set(channel, output);
        return readable;
      }
      this.#outputs.set(channel, writableOutput(opt, !!options.endOutputs, fail));
      return undefined;
    };
    this.stdout = wire(StreamChannel.stdout, options.stdout);
    this.stderr = wire(StreamChannel.stderr, options.stderr);
    this.stdin = options.stdin === true ? this.#stdinWritable() : undefined;

    if (this.#signal) {
      if (this.#signal.aborted) queueMicrotask(() => this.#onAbort());
      else this.#signal.addEventListener("abort", this.#onAbort, { once: true });
    }
    if (options.stdin && options.stdin !== true) this.#readStdin(options.stdin);
    if (options.terminalSize) this.resize(options.terminalSize);
    this.#keepAlive = keepAlive(this.#ws, {
      intervalMs: options.pingIntervalMs ?? DEFAULT_STREAM_PING_MS, // checked before the dial
      paused: () => this.#blocked.size > 0,
      onDead: () => this.#fail(deadPeerError(this.#ctx.url ?? "")),
    });
    dialed.takeOver({
      message: (data) => this.#onMessage(data),
      error: (err) => {
        this.#lastError = err;
      },
      close: (code) => this.#onClose(code),
    });
    if (this.#blocked.size === 0 && !this.#result) this.#ws.resume();
  }

  get closed(): boolean {
    return this.#ws.readyState === 3; // WebSocket.CLOSED
  }

  resize(size: TerminalSize): void {
    const frame = encodeResize(size); // validates even when ignored
    if (this.#result || this.#ws.readyState !== 1) return;
    this.#ws.send(frame);
  }

  close(): void {
    this.#settle({ ok: true }, true);
  }

  abort(reason?: unknown): void {
    this.#fail(reason ?? new DOMException("This operation was aborted", "AbortError"));
  }

  readonly #onAbort = (): void => {
    this.#fail(this.#signal!.reason);
  };

  // ---- input

  /** Sends `data` on channel 0 in frames; `flushed` runs once the last frame left the socket. */
  #send(data: Buffer, flushed: () => void): void {
    const ws = this.#ws;
    if (this.#result || ws.readyState !== 1 || data.length === 0) return flushed();
    for (let off = 0; off < data.length; off += STDIN_FRAME) {
      const last = off + STDIN_FRAME >= data.length;
      ws.send(encodeFrame(StreamChannel.stdin, data.subarray(off, off + STDIN_FRAME)), { binary: true }, last ? () => flushed() : undefined);
    }
  }

  #closeStdin(): void {
    if (this.#stdinClosed || this.#result) return;
    this.#stdinClosed = true;
    // v4 has no half-close: the command sees EOF when the session ends
    if (supportsClose(this.protocol) && this.#ws.readyState === 1) this.#ws.send(encodeClose(StreamChannel.stdin));
  }

  #stdinWritable(): Writable {
    return new Writable({
      write: (chunk: Buffer | string, _enc, cb) => {
        let called = false;
        const once = (): void => {
          if (!called) {
            called = true;
            cb();
          }
        };
        if (this.#result) return cb(); // the session is over: dropped (the Writable is destroyed right after)
        this.#send(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk), once);
        if (this.#ws.bufferedAmount < STDIN_HIGH_WATER) once();
      },
      final: (cb) => {
        this.#closeStdin();
        cb();
      },
    });
  }

  #readStdin(src: Readable): void {
    let pausedByUs = false;
    const onData = (chunk: Buffer | string): void => {
      if (this.#result) return;
      this.#send(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk), () => {
        if (pausedByUs && !this.#result && this.#ws.bufferedAmount < STDIN_HIGH_WATER) {
          pausedByUs = false;
          src.resume();
        }
      });
      if (this.#ws.bufferedAmount >= STDIN_HIGH_WATER) {
        pausedByUs = true;
        src.pause();
      }
    };
    const onEnd = (): void => this.#closeStdin();
    const onError = (err: Error): void => this.#fail(err);
    src.on("data", onData);
    src.once("end", onEnd);
    src.once("error", onError);
    this.#releaseStdin = () => {
      src.off("data", onData);
      src.off("end", onEnd);
      src.off("error", onError);
      src.pause();
    };
  }

  // ---- output

  #onMessage(buf: Buffer): void {
    this.#keepAlive.heard();
    if (this.#result) return;
    const frame = decodeFrame(buf);
    if (!frame) return;
    if (frame.channel === StreamChannel.error) {
      this.#statusBytes += frame.data.length;
      if (this.#statusBytes > MAX_STATUS_BYTES) return this.#fail(this.#protocolError("the status on channel 3 is larger than 1 MiB"));
      this.#status.push(Buffer.from(frame.data));
      const outcome = parseStatus(Buffer.concat(this.#status));
      if (outcome) this.#finish(outcome);
      return; // not yet whole JSON: wait for more, or for the close
    }
    const out = this.#outputs.get(frame.channel);
    if (!out || frame.data.length === 0) return; // the empty open frame, or a channel not asked for
    if (!out.write(frame.data, () => this.#unblock(out))) {
      this.#blocked.add(out);
      this.#ws.pause();
    }
  }

  #unblock(out: Output): void {
    this.#blocked.delete(out);
    if (this.#blocked.size === 0 && !this.#result) this.#ws.resume();
  }

  // ---- the end

  #protocolError(what: string): NetworkError {
    const url = this.#ctx.url ?? "";
    return new NetworkError(`GET ${url}: ${what}`, { method: "GET", url, code: "EPROTO", cause: undefined });
  }

  /** A status arrived: outputs end, the socket closes gracefully. */
  #finish(outcome: StatusOutcome): void {
    let result: Result;
    if (outcome.kind === "success") result = { ok: true };
    else if (outcome.kind === "exit") result = { ok: false, error: new ExitCodeError(outcome.exitCode, outcome.status, this.#where) };
    else result = { ok: false, error: new ApiError(outcome.status, this.#ctx) };
    this.#settle(result, true);
  }

  #fail(error: unknown): void {
    this.#settle({ ok: false, error }, false);
  }

  #settle(result: Result, graceful: boolean): void {
    if (this.#result) return;
    this.#result = result;
    this.#keepAlive.stop();
    this.#signal?.removeEventListener("abort", this.#onAbort);
    this.#releaseStdin?.();
    this.stdin?.destroy();
    const ends: Array<Promise<void>> = [];
    for (const out of this.#outputs.values()) {
      out.release();
      if (graceful) ends.push(out.end());
      else out.fail(result.ok ? undefined : result.error);
    }
    this.#flushed = Promise.all(ends).then(() => {});
    this.#blocked.clear();
    const ws = this.#ws;
    if (ws.readyState === 3) return this.#deliverWhenFlushed();
    if (graceful && ws.readyState === 1) {
      ws.resume();
      ws.close(1000);
      this.#graceTimer = setTimeout(() => ws.terminate(), CLOSE_GRACE_MS);
      this.#graceTimer.unref();
    } else {
      ws.terminate();
    }
  }

  #onClose(code: number): void {
    this.#keepAlive.stop();
    if (this.#graceTimer) clearTimeout(this.#graceTimer);
    if (!this.#result) {
      if (this.#status.length > 0) {
        const outcome = parseStatus(Buffer.concat(this.#status));
        if (outcome) this.#finish(outcome);
        else this.#fail(this.#protocolError("the status on channel 3 is not a Status"));
      } else {
        const url = this.#ctx.url ?? "";
        const cause = this.#lastError;
        const why = cause ? `: ${redact(cause.message, this.#secrets)}` : "";
        this.#fail(
          new NetworkError(`GET ${url}: the connection closed before the command's status arrived (WebSocket close code ${code})${why}`, {
            method: "GET",
            url,
            code: (cause as NodeJS.ErrnoException | undefined)?.code ?? (code === 1006 ? "ECONNRESET" : "ERR_STREAM_PREMATURE_CLOSE"),
            cause,
          }),
        );
      }
    }
    this.#deliverWhenFlushed();
  }

  /** `done` settles once the socket is closed and the caller's Writables took all output. */
  #deliverWhenFlushed(): void {
    const result = this.#result!;
    void this.#flushed.then(() => this.#deliver(result));
  }
}
