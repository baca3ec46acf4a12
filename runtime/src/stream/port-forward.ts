// Port forwarding (pods/portforward) over WebSocket, in the protocol the
// kubelet's streaming server speaks for a WebSocket request (k8s.io/cri-streaming
// portforward/websocket.go), which kube-apiserver passes through to it:
//   - one WebSocket per forwarded connection, offering `v4.channel.k8s.io`
//     (binary frames: one channel byte, then the payload), with the pod port
//     in the query (`?ports=8080`; the API server hands it on as `port`);
//   - per port two channels, data (0) and error (1); the server opens each
//     with the port as 2 bytes, little-endian, then data flows both ways on
//     channel 0, and a failure inside the pod (nothing listens there) arrives
//     as text on channel 1 before the server closes the socket;
//   - no half-close: the pod's side sees EOF only when the connection ends.
// kubectl and client-go speak SPDY, or SPDY tunnelled in WebSocket (KEP-4006);
// this older protocol needs no SPDY framing and carries the same bytes.
// It owns:
//   - dialPort(): one connection to a pod port as a Node Duplex, with
//     backpressure both ways and WebSocket pings that keep it alive through
//     idle-closing proxies and find a dead peer;
//   - portForward(): local TCP listeners (one per port), each accepted
//     connection forwarded over its own WebSocket; errors of a connection go
//     to `onError` and close only that connection; close() or the signal
//     stops the listeners and ends every connection.
// Dialing (auth, TLS, proxy, 401 retry, handshake errors) is websocket.ts's.

import { once, setMaxListeners } from "node:events";
import { createServer, type Server, type Socket } from "node:net";
import { Duplex, pipeline } from "node:stream";
import type { RequestContext } from "../errors/api-error.js";
import { NetworkError } from "../errors/network-error.js";
import { KubegenError, redact } from "../errors/redact.js";
import { RequestBuildError, resourcePath } from "../rest/build-request.js";
import type { RequestExecutor } from "../rest/resource-client.js";
import type { HttpRequest } from "../transport/transport.js";
import { PROTOCOL_V4, decodeFrame, encodeFrame } from "./channel-protocol.js";
import { transportOf, type StreamTarget } from "./exec.js";
import { clientFor } from "./logs.js";
import { dialWebSocket } from "./websocket.js";
import { DEFAULT_STREAM_PING_MS, deadPeerError, keepAlive, pingIntervalOf, type KeepAlive } from "./keepalive.js";
import type { WebSocketClient } from "./ws-client.js";

/** The channels of the one port a connection carries. */
const DATA_CHANNEL = 0;
const ERROR_CHANNEL = 1;
/** The largest data message sent. */
const FRAME_BYTES = 32 * 1024;
/** Bytes queued in the socket beyond which writes wait for it to drain. */
const HIGH_WATER = 256 * 1024;
/** The most error-channel bytes kept (the kubelet's message is one line). */
const MAX_ERROR_BYTES = 64 * 1024;
/** How often a connection pings the server by default (client-go's WebSocket executor pings every 5 s; keepalive.ts). */
export const DEFAULT_PORT_FORWARD_PING_MS = DEFAULT_STREAM_PING_MS;

/** Which pod, and how one connection behaves. */
export interface PortStreamOptions {
  /** The pod's namespace. */
  namespace: string;
  /** The pod's name. */
  name: string;
  /** The port inside the pod, 1 to 65535. */
  port: number;
  /** Ends the connection (and a pending dial): the Duplex is destroyed with the reason. */
  signal?: AbortSignal | undefined;
  /** How often to ping the server, in ms (default 5000; 0 sends none). After 12 unanswered pings the Duplex is destroyed with a NetworkError. */
  pingIntervalMs?: number | undefined;
}

/**
 * The pod refused or dropped a forwarded connection: the kubelet's message from
 * the error channel (e.g. nothing listens on the port inside the pod).
 */
export class PortForwardError extends KubegenError {
  override readonly name = "PortForwardError";
  readonly namespace: string;
  readonly pod: string;
  /** The pod port. */
  readonly port: number;

  constructor(message: string, where: { namespace: string; name: string; port: number }) {
    super(message);
    this.namespace = where.namespace;
    this.pod = where.name;
    this.port = where.port;
  }

  protected override describe(): Record<string, unknown> {
    return { namespace: this.namespace, pod: this.pod, port: this.port };
  }
}

function checkPort(port: unknown, what: string, allowZero: boolean): number {
  const min = allowZero ? 0 : 1;
  if (typeof port !== "number" || !Number.isInteger(port) || port < min || port > 65535) {
    throw new RequestBuildError(`port-forward: ${what} must be an integer from ${min} to 65535, not ${String(port)}`);
  }
  return port;
}

/** The request for pods/portforward of one or more ports (the names of PodPortForwardOptions). */
export function buildPortForwardRequest(
  target: { namespace: string; name: string },
  ports: readonly number[],
): Pick<HttpRequest, "method" | "path" | "query"> {
  if (!target.namespace) throw new RequestBuildError("port-forward: a namespace is required");
  if (!target.name) throw new RequestBuildError("port-forward: the pod name may not be empty");
  if (ports.length === 0) throw new RequestBuildError(`port-forward ${target.name}: at least one port is required`);
  const query: Array<[string, string]> = ports.map((p) => ["ports", String(checkPort(p, "a pod port", false))]);
  const path = resourcePath({ version: "v1", resource: "pods", namespace: target.namespace, name: target.name, subresource: "portforward" });
  return { method: "GET", path, query };
}

/** The port a channel's first two bytes name (little-endian). */
export function decodePortHeader(data: Uint8Array): number {
  return data[0]! | (data[1]! << 8);
}

/**
 * Opens one connection to a port of a pod (`pods/portforward`): resolves, once
 * the server accepted the upgrade, with a Duplex carrying the bytes. Rejects as
 * execPod does (ApiError when the server refuses: 403 without `create` on
 * `pods/portforward`, 404 for a missing pod; NetworkError; the signal's reason).
 * The Duplex is destroyed with a PortForwardError when the pod side fails, and
 * ends when the pod side closes. Ending its writable side sends nothing (the
 * protocol has no half-close); destroying it closes the connection.
 *
 * ```ts
 * const conn = await dialPort(client, { namespace: "default", name: "web", port: 8080 });
 * await pipeline(localSocket, conn, localSocket); // or any Duplex of your own
 * ```
 */
export async function dialPort(target: StreamTarget | RequestExecutor, options: PortStreamOptions): Promise<Duplex> {
  const req = buildPortForwardRequest(options, [options.port]);
  pingIntervalOf(options.pingIntervalMs, "port-forward");
  const transport = transportOf(target);
  options.signal?.throwIfAborted();
  const context = { group: "", resource: "pods", name: options.name };
  const dialed = await dialWebSocket(transport, req, {
    protocols: [PROTOCOL_V4],
    ...(options.signal ? { signal: options.signal } : {}),
    context,
  });
  const stream = new PortStream(dialed.ws, options, { method: "GET", url: dialed.url, ...context }, dialed.secrets);
  dialed.takeOver({
    message: (data) => stream.onMessage(data),
    error: (err) => stream.onSocketError(err),
    close: (code) => stream.onClose(code),
  });
  stream.start();
  return stream;
}

/** One forwarded connection: channel 0 as a Duplex, channel 1 read for the pod's error. */
class PortStream extends Duplex {
  readonly #ws: WebSocketClient;
  readonly #where: { namespace: string; name: string; port: number };
  readonly #ctx: RequestContext;
  readonly #secrets: string[];
  readonly #signal: AbortSignal | undefined;
  /** Header bytes still expected per channel (the port, 2 bytes each). */
  readonly #header = new Map<number, Buffer>([
    [DATA_CHANNEL, Buffer.alloc(0)],
    [ERROR_CHANNEL, Buffer.alloc(0)],
  ]);
  #errorText: Buffer[] = [];
  #errorBytes = 0;
  #socketError: Error | undefined;
  #paused = false;
  #closed = false;
  readonly #keepAlive: KeepAlive;

  constructor(ws: WebSocketClient, options: PortStreamOptions, ctx: RequestContext, secrets: string[]) {
    super({ allowHalfOpen: true });
    this.#ws = ws;
    this.#where = { namespace: options.namespace, name: options.name, port: options.port };
    this.#ctx = ctx;
    this.#secrets = secrets;
    this.#signal = options.signal;
    if (this.#signal) this.#signal.addEventListener("abort", this.#onAbort, { once: true });
    this.#keepAlive = keepAlive(ws, {
      intervalMs: options.pingIntervalMs ?? DEFAULT_STREAM_PING_MS, // checked before the dial
      paused: () => this.#paused,
      onDead: () => void this.destroy(deadPeerError(this.#ctx.url ?? "")),
    });
  }

  readonly #onAbort = (): void => void this.destroy(this.#signal!.reason as Error);

  #networkError(what: string, code: string, cause?: Error): NetworkError {
    const url = this.#ctx.url ?? "";
    return new NetworkError(`GET ${url}: ${what}`, { method: "GET", url, code, cause });
  }

  onMessage(buf: Buffer): void {
    this.#keepAlive.heard();
    if (this.destroyed) return;
    const frame = decodeFrame(buf);
    if (!frame) return;
    let data = frame.data;
    const header = this.#header.get(frame.channel);
    if (header) {
      // the channel's first 2 bytes name the port
      const have = Buffer.concat([header, data.subarray(0, 2 - header.length)]);
      data = data.subarray(2 - header.length);
      if (have.length < 2) return void this.#header.set(frame.channel, have);
      this.#header.delete(frame.channel);
      const port = decodePortHeader(have);
      if (port !== this.#where.port) {
        return void this.destroy(this.#networkError(`the server opened port ${port} instead of ${this.#where.port}`, "EPROTO"));
      }
    }
    if (data.length === 0) return;
    if (frame.channel === ERROR_CHANNEL) {
      this.#errorBytes += data.length;
      if (this.#errorBytes <= MAX_ERROR_BYTES) this.#errorText.push(Buffer.from(data));
      return;
    }
    if (frame.channel !== DATA_CHANNEL) return;
    if (!this.push(data) && !this.#paused) {
      this.#paused = true;
      this.#ws.pause();
    }
  }

  /** Lets the socket flow, unless the messages replayed at takeover already filled the buffer. */
  start(): void {
    if (!this.#paused && !this.#closed) this.#ws.resume();
  }

  onSocketError(err: Error): void {
    this.#socketError = err;
  }

  onClose(code: number): void {
    this.#closed = true;
    this.#keepAlive.stop();
    if (this.destroyed) return;
    const text = Buffer.concat(this.#errorText).toString("utf8").trim();
    if (text) return void this.destroy(new PortForwardError(redact(text, this.#secrets), this.#where));
    if (code !== 1000 && code !== 1005) {
      // no close handshake (1006: the connection dropped) or the server's error code
      const cause = this.#socketError;
      const why = cause ? `: ${redact(cause.message, this.#secrets)}` : "";
      const errno = (cause as NodeJS.ErrnoException | undefined)?.code ?? "ECONNRESET";
      return void this.destroy(this.#networkError(`the port-forward connection broke (WebSocket close code ${code})${why}`, errno, cause));
    }
    this.push(null);
  }

  override _read(): void {
    if (this.#paused) {
      this.#paused = false;
      if (!this.#closed) this.#ws.resume();
    }
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const ws = this.#ws;
    if (this.#closed || ws.readyState !== 1) return callback(); // the pod side is gone: nothing to deliver to
    let called = false;
    const done = (err?: Error): void => {
      if (called) return;
      called = true;
      callback(err && !this.#closed ? this.#networkError(`sending to the pod failed: ${err.message}`, "EPIPE", err) : null);
    };
    for (let off = 0; off < chunk.length; off += FRAME_BYTES) {
      const last = off + FRAME_BYTES >= chunk.length;
      ws.send(encodeFrame(DATA_CHANNEL, chunk.subarray(off, off + FRAME_BYTES)), { binary: true }, last ? done : undefined);
    }
    if (ws.bufferedAmount < HIGH_WATER) done();
  }

  override _final(callback: (error?: Error | null) => void): void {
    callback(); // no half-close in this protocol: the pod sees EOF when the connection ends
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    this.#keepAlive.stop();
    this.#signal?.removeEventListener("abort", this.#onAbort);
    const ws = this.#ws;
    if (ws.readyState === 1) {
      ws.resume();
      ws.close(1000);
      setTimeout(() => ws.terminate(), 2_000).unref();
    } else if (ws.readyState !== 3) {
      ws.terminate();
    }
    callback(err);
  }
}

/** A pod port and the local port it is served on (`local: 0` or omitted: any free port). */
export interface PortMapping {
  local?: number;
  remote: number;
}

/** Options of {@link portForward}. */
export interface PortForwardOptions {
  /** The pod's namespace. */
  namespace: string;
  /** The pod's name. */
  name: string;
  /** Pod ports (`8080`: served locally on 8080) or mappings (`{ local: 0, remote: 8080 }`: any free local port). */
  ports: ReadonlyArray<number | PortMapping>;
  /** The local address the listeners bind (default `127.0.0.1`, as kubectl's default `localhost`). */
  address?: string;
  /** Stops forwarding: as close(). */
  signal?: AbortSignal;
  /** A connection failed (PortForwardError from the pod, ApiError, NetworkError); that connection is closed, the others go on. Default: a line on stderr. */
  onError?: (err: unknown, port: ForwardedPort) => void;
  /** How often each connection pings the server, in ms (default 5000; 0 sends none). A connection with 12 pings unanswered is closed with a NetworkError. */
  pingIntervalMs?: number;
}

/** One listener: where it listens and the pod port it forwards to. */
export interface ForwardedPort {
  address: string;
  local: number;
  remote: number;
}

/** Running port forwarding. */
export interface PortForwarder {
  /** The listeners, in the order of `ports`, with the local ports bound. */
  readonly ports: readonly ForwardedPort[];
  /** Connections being forwarded now. */
  readonly connections: number;
  /** Settles (resolves) once forwarding stopped: close() or the signal. */
  readonly done: Promise<void>;
  /** Stops the listeners and ends every connection; resolves when all are closed. */
  close(): Promise<void>;
}

/**
 * Forwards local TCP ports to ports of a pod (`kubectl port-forward`): one
 * listener per port, every accepted connection over its own WebSocket (see
 * dialPort). Checks first that the pod exists and is Running (ApiError,
 * or a RequestBuildError naming its phase); then resolves once every listener
 * is bound (a busy local port rejects, with nothing left listening).
 */
export async function portForward(target: StreamTarget | RequestExecutor, options: PortForwardOptions): Promise<PortForwarder> {
  const mappings = options.ports.map((p) =>
    typeof p === "number"
      ? { local: checkPort(p, "a pod port", false), remote: p }
      : { local: checkPort(p.local ?? 0, "a local port", true), remote: checkPort(p.remote, "a pod port", false) },
  );
  buildPortForwardRequest(options, mappings.map((m) => m.remote)); // validates names and ports
  pingIntervalOf(options.pingIntervalMs, "port-forward");
  options.signal?.throwIfAborted();
  const pod = await clientFor(target).request<{ status?: { phase?: string } }>({
    verb: "get",
    version: "v1",
    resource: "pods",
    namespace: options.namespace,
    name: options.name,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const phase = pod.status?.phase ?? "Unknown";
  if (phase !== "Running") {
    throw new RequestBuildError(`port-forward ${options.namespace}/${options.name}: the pod is not running (phase ${phase})`);
  }
  const forwarder = new Forwarder(target, options);
  try {
    for (const m of mappings) await forwarder.listen(m.local, m.remote);
  } catch (err) {
    await forwarder.close();
    throw err;
  }
  return forwarder;
}

class Forwarder implements PortForwarder {
  readonly ports: ForwardedPort[] = [];
  readonly done: Promise<void>;
  readonly #target: StreamTarget | RequestExecutor;
  readonly #options: PortForwardOptions;
  readonly #servers: Server[] = [];
  readonly #sockets = new Set<Socket>();
  readonly #stop = new AbortController();
  #closing: Promise<void> | undefined;
  #resolveDone!: () => void;

  constructor(target: StreamTarget | RequestExecutor, options: PortForwardOptions) {
    this.#target = target;
    this.#options = options;
    this.done = new Promise((resolve) => (this.#resolveDone = resolve));
    setMaxListeners(Infinity, this.#stop.signal); // every open connection listens to it
    options.signal?.addEventListener("abort", this.#onAbort, { once: true });
  }

  readonly #onAbort = (): void => void this.close();

  get connections(): number {
    return this.#sockets.size;
  }

  async listen(local: number, remote: number): Promise<void> {
    const port: ForwardedPort = { address: this.#options.address ?? "127.0.0.1", local, remote };
    const server = createServer({ allowHalfOpen: true, pauseOnConnect: true }, (socket) => this.#forward(socket, port));
    this.#servers.push(server);
    server.listen({ host: port.address, port: local });
    await once(server, "listening"); // rejects with the listen error (EADDRINUSE...)
    server.on("error", (err) => this.#report(err, port)); // a failed accept later: reported, the listener stays
    const bound = server.address();
    if (typeof bound === "object" && bound) port.local = bound.port;
    this.ports.push(port);
  }

  #report(err: unknown, port: ForwardedPort): void {
    if (this.#stop.signal.aborted) return;
    if (this.#options.onError) this.#options.onError(err, port);
    else console.warn(`port-forward ${this.#options.namespace}/${this.#options.name} ${port.local} -> ${port.remote}: ${err instanceof Error ? err.message : String(err)}`);
  }

  #forward(socket: Socket, port: ForwardedPort): void {
    if (this.#closing) return void socket.destroy();
    this.#sockets.add(socket);
    socket.once("close", () => this.#sockets.delete(socket));
    const report = (err: unknown): void => this.#report(err, port);
    socket.on("error", () => {}); // a local reset is the local client's business; pipeline() ends the pair
    dialPort(this.#target, {
      namespace: this.#options.namespace,
      name: this.#options.name,
      port: port.remote,
      signal: this.#stop.signal,
      pingIntervalMs: this.#options.pingIntervalMs,
    }).then(
      (remote) => {
        // only the pod side's failures are reported: a local client that resets is its own business
        pipeline(socket, remote, socket, () => {
          if (remote.errored) report(remote.errored);
          socket.destroy();
          remote.destroy();
        });
        socket.resume();
      },
      (err: unknown) => {
        report(err);
        socket.destroy();
      },
    );
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#options.signal?.removeEventListener("abort", this.#onAbort);
      this.#stop.abort(new DOMException("port forwarding was stopped", "AbortError"));
      for (const s of this.#sockets) s.destroy();
      await Promise.all(this.#servers.map((s) => (s.listening ? new Promise<void>((resolve) => s.close(() => resolve())) : undefined)));
      this.#resolveDone();
    })();
    return this.#closing;
  }
}
