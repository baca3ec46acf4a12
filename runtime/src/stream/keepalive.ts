// Keep-alive pings for the streaming WebSockets (exec, attach, cp over exec,
// port-forward), as client-go's WebSocket executor keeps them
// (tools/remotecommand/websocket.go: a ping every 5 s, and a read deadline of
// 12 ping periods after which a silent server counts as gone). It owns:
//   - the ping timer: one unref'd interval per socket, so an idle session
//     stays open through proxies and load balancers that close idle
//     connections, and a finished session never keeps the process alive;
//   - liveness: any frame from the server (a pong, or any message the owner
//     reports with heard()) resets the count; a tick that finds more than
//     12 pings unanswered calls `onDead` once, so a dead peer is found
//     after 12 to 13 intervals instead of when TCP gives up;
//   - backpressure: while the owner has paused the socket (its reader is
//     slow), nothing is read, pongs included, so missed pings are not
//     counted: a slow reader is not a dead server.
// The owner ends the session on `onDead` and calls stop() when it ends.

import { NetworkError } from "../errors/network-error.js";
import { RequestBuildError } from "../rest/build-request.js";
import type { WebSocketClient } from "./ws-client.js";

/** How often a streaming session pings the server by default, in ms (client-go's WebSocket executor pings every 5 s). */
export const DEFAULT_STREAM_PING_MS = 5_000;
/** Pings without any answer after which a connection counts as dead (client-go waits 12 periods). */
export const MISSED_PINGS = 12;
/** The longest interval setInterval takes (2^31 - 1 ms). */
const MAX_INTERVAL_MS = 2 ** 31 - 1;

/** A running keep-alive of one socket. */
export interface KeepAlive {
  /** The server sent a frame: it is alive. */
  heard(): void;
  /** Stops pinging and forgets the socket (idempotent). */
  stop(): void;
}

/** How a keep-alive runs. */
export interface KeepAliveOptions {
  /** How often to ping, in ms; 0 sends none (and never calls onDead). */
  intervalMs: number;
  /** Whether the owner has paused reading the socket now (missed pings are not counted then). */
  paused?: () => boolean;
  /** More than {@link MISSED_PINGS} pings went unanswered: the owner ends the session. Called at most once. */
  onDead: () => void;
}

/** Checks a `pingIntervalMs` option: undefined is the default; else a whole number of ms, 0 (none) or more. */
export function pingIntervalOf(value: number | undefined, what: string): number {
  if (value === undefined) return DEFAULT_STREAM_PING_MS;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > MAX_INTERVAL_MS) {
    throw new RequestBuildError(`${what}: pingIntervalMs must be an integer from 0 to ${MAX_INTERVAL_MS}, not ${String(value)}`);
  }
  return value;
}

/** Starts pinging `ws` every `intervalMs` (see the module's note). */
export function keepAlive(ws: WebSocketClient, options: KeepAliveOptions): KeepAlive {
  const every = options.intervalMs;
  if (!(every > 0)) return { heard: () => {}, stop: () => {} };
  let unanswered = 0;
  let timer: NodeJS.Timeout | undefined;
  const heard = (): void => void (unanswered = 0);
  const stop = (): void => {
    if (timer) clearInterval(timer);
    timer = undefined;
    ws.off("pong", heard);
  };
  const tick = (): void => {
    if (ws.readyState !== 1) return stop(); // closing or closed: its owner is ending it
    if (options.paused?.()) unanswered = 0; // nothing is read while paused: no answer could be seen
    else if (++unanswered > MISSED_PINGS) {
      stop();
      return options.onDead();
    }
    ws.ping();
  };
  ws.on("pong", heard);
  timer = setInterval(tick, every);
  timer.unref();
  return { heard, stop };
}

/** The NetworkError of a connection whose server answered none of {@link MISSED_PINGS} pings (`url` has no credentials). */
export function deadPeerError(url: string): NetworkError {
  return new NetworkError(`GET ${url}: no answer to ${MISSED_PINGS} keep-alive pings; the connection is dead`, {
    method: "GET",
    url,
    code: "ETIMEDOUT",
    cause: undefined,
  });
}
