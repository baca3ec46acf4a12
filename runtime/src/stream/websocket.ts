// The WebSocket dialer for streaming subresources (exec, attach; later
// port-forward): opens a WebSocket to the API server with exactly the
// configuration of the REST transport (transport.ts upgradeOptions: the
// credential of the moment, impersonation, User-Agent, the CA, client
// certificate and TLS server name, the proxy), and turns every way a
// handshake can fail into the runtime's errors:
//   - a non-101 answer -> ApiError from the server's Status (403 without
//     pods/exec, 404 for a missing pod, 400 for bad parameters), after one
//     retry when a 401 rotated the credential (exec plugin, token file,
//     oidc), as transport.ts does for requests;
//   - a connection, TLS or proxy failure, or a bad handshake answer ->
//     NetworkError (redacted, with the cause chained);
//   - an abort -> the signal's reason (as RestClient reports aborts), with
//     the socket destroyed.
// It mirrors what client-go tools/remotecommand/websocket.go does with
// gorilla's dialer. The WebSocket protocol itself (handshake checks, frames)
// is ws-client.ts's; running the channel protocol over it is stream/exec.ts's.

import type { IncomingMessage } from "node:http";
import type { RequestContext } from "../errors/api-error.js";
import { NetworkError } from "../errors/network-error.js";
import { redact } from "../errors/redact.js";
import { apiErrorFromResponse } from "../rest/rest-client.js";
import type { HttpRequest, Transport, UpgradeOptions } from "../transport/transport.js";
import { connectWebSocket, type WebSocketClient } from "./ws-client.js";

/** How to dial one streaming request. */
export interface DialOptions {
  /** Subprotocols to offer, preferred first. */
  protocols: readonly string[];
  /** Aborts the handshake (the socket is destroyed; the dial rejects with the signal's reason). */
  signal?: AbortSignal | undefined;
  /** For messages and ApiError contexts (resource, name). */
  context?: Omit<RequestContext, "url" | "method">;
  /** The largest message accepted from the server (default 32 MiB). */
  maxPayload?: number;
}

/** An open WebSocket and what was negotiated. */
export interface DialedSocket {
  /** The socket, open and paused. */
  ws: WebSocketClient;
  /** The subprotocol the server chose. */
  protocol: string;
  /** The request URL (no credentials), for messages. */
  url: string;
  /** Secrets to redact from later error texts. */
  secrets: string[];
  /**
   * Hands the socket's events to their real handlers. Until then the socket
   * is paused, and messages, errors and the close that arrive anyway are
   * kept; they are replayed, in order, to `handlers` first. The socket stays
   * paused: the caller resumes it when it is ready for more.
   */
  takeOver(handlers: SocketHandlers): void;
}

/** The events of an open socket that a session handles. */
export interface SocketHandlers {
  message(data: Buffer, isBinary: boolean): void;
  error(err: Error): void;
  close(code: number): void;
}

type Early = { kind: "message"; data: Buffer; isBinary: boolean } | { kind: "error"; err: Error } | { kind: "close"; code: number };

/**
 * Keeps a just-opened socket's events until a session takes it over: the
 * socket opens paused, but an error or the close can come before the code
 * awaiting the dial runs again.
 */
function holdEvents(ws: WebSocketClient): (handlers: SocketHandlers) => void {
  const early: Early[] = [];
  const onMessage = (data: Buffer, isBinary: boolean): void => void early.push({ kind: "message", data, isBinary });
  const onError = (err: Error): void => void early.push({ kind: "error", err });
  const onClose = (code: number): void => void early.push({ kind: "close", code });
  ws.on("message", onMessage);
  ws.on("error", onError);
  ws.on("close", onClose);
  ws.pause();
  return (handlers) => {
    ws.off("message", onMessage);
    ws.off("error", onError);
    ws.off("close", onClose);
    ws.on("message", handlers.message);
    ws.on("error", handlers.error);
    ws.on("close", handlers.close);
    for (const e of early) {
      if (e.kind === "message") handlers.message(e.data, e.isBinary);
      else if (e.kind === "error") handlers.error(e.err);
      else handlers.close(e.code);
    }
  };
}

type Handshake =
  | { kind: "open"; ws: WebSocketClient; takeOver: (h: SocketHandlers) => void }
  | { kind: "refused"; res: IncomingMessage };

/**
 * Opens a WebSocket for `req` (a GET path and query below the server URL)
 * through `transport`. Resolves once the server answered 101 with one of the
 * offered subprotocols.
 */
export async function dialWebSocket(
  transport: Transport,
  req: Pick<HttpRequest, "path" | "query">,
  options: DialOptions,
): Promise<DialedSocket> {
  const { signal } = options;
  let authRetried = false;
  for (;;) {
    signal?.throwIfAborted();
    const up = await transport.upgradeOptions(req, signal);
    const url = up.url.toString();
    const ctx: RequestContext = { method: "GET", url, ...options.context };
    const shake = await handshake(up, options);
    if (shake.kind === "open") {
      return { ws: shake.ws, protocol: shake.ws.protocol, url, secrets: up.secrets, takeOver: shake.takeOver };
    }
    const { res } = shake;
    const stop = (): void => void res.destroy();
    signal?.addEventListener("abort", stop, { once: true });
    try {
      if (res.statusCode === 401 && !authRetried) {
        let rotated = false;
        try {
          rotated = await transport.authenticator.afterUnauthorized(up.auth, signal);
        } catch (err) {
          if (signal?.aborted) throw signal.reason;
          rotated = false;
        }
        if (rotated) {
          authRetried = true;
          res.resume();
          continue;
        }
      }
      const err = await apiErrorFromResponse(res, ctx, up.secrets);
      if (signal?.aborted) throw signal.reason;
      throw err;
    } finally {
      signal?.removeEventListener("abort", stop);
      res.destroy();
    }
  }
}

async function handshake(up: UpgradeOptions, options: DialOptions): Promise<Handshake> {
  const { signal } = options;
  const url = up.url.toString();
  try {
    const shake = await connectWebSocket(up.url, {
      protocols: options.protocols,
      agent: up.agent,
      headers: up.headers,
      maxPayload: options.maxPayload ?? 32 * 1024 * 1024,
      signal,
    });
    return shake.kind === "open" ? { ...shake, takeOver: holdEvents(shake.ws) } : shake;
  } catch (err) {
    if (signal?.aborted) throw signal.reason;
    const e = err as NodeJS.ErrnoException; // a bad handshake is a WebSocketError, code EPROTO
    throw new NetworkError(`GET ${url}: ${redact(e.message, up.secrets)}`, {
      method: "GET",
      url,
      code: e.code ?? "ECONNRESET",
      cause: err,
    });
  }
}
