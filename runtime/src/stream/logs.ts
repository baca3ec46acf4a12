// Pod logs as a stream: GET pods/{name}/log through the REST transport
// (client-go rest/request.go Stream, as used by kubectl's `logs -f`
// (kubectl pkg/polymorphichelpers/logsforobject.go)). The request is built
// by buildRequest (no I/O, names through its path-segment escaping, the query
// through URLSearchParams in Transport.url) and sent by the RestClient, so
// auth, TLS, proxies and redaction are the transport's.
//
// The contract:
//   - streamPodLogs resolves once the server answered 2xx, with a Readable of
//     the log bytes; it rejects with an ApiError when the server refuses (404
//     for a missing pod, 400 for a bad container or options), a NetworkError
//     when the server cannot be reached, a RequestBuildError for bad names or
//     options (before any I/O), and the signal's reason when aborted before
//     the answer.
//   - The Readable ends ('end') when the server ends the body: at once
//     without `follow`, when the container ends with `follow`, or when
//     `limitBytes` is reached.
//   - Aborting the signal after the answer ends the Readable quietly (like an
//     aborted watch) and destroys the connection: no socket is left.
//     Destroying the Readable does the same.
//   - A connection that fails mid-body destroys the Readable with a
//     NetworkError (cause chained): `for await` rethrows it, an 'error'
//     listener receives it (as with any Node stream, listen for 'error' when
//     reading with 'data').
//   - Backpressure: the response is read no faster than the Readable is.

import type { IncomingMessage } from "node:http";
import { Readable } from "node:stream";
import { NetworkError } from "../errors/network-error.js";
import type { LogOptions } from "../meta/options.js";
import { RequestBuildError, type RequestSpec } from "../rest/build-request.js";
import { RestClient } from "../rest/rest-client.js";
import type { RequestExecutor } from "../rest/resource-client.js";
import { transportOf, type StreamTarget } from "./exec.js";

/** Options of {@link streamPodLogs}: which pod, and the core/v1 PodLogOptions fields. */
export interface PodLogStreamOptions extends Omit<LogOptions, "sinceTime" | "timeoutMs"> {
  /** The pod's namespace. */
  namespace: string;
  /** The pod's name. */
  name: string;
  /** Only lines newer than this time (a Date, or an RFC 3339 string). Not with `sinceSeconds`. */
  sinceTime?: string | Date;
}

/** The query of a pod log request (PodLogOptions names); throws a RequestBuildError for bad values. No I/O. */
export function podLogQuery(options: Omit<PodLogStreamOptions, "namespace" | "name" | "signal">): Record<string, string> {
  const q: Record<string, string> = {};
  const count = (key: "tailLines" | "limitBytes" | "sinceSeconds", min: number): void => {
    const v = options[key];
    if (v === undefined) return;
    if (!Number.isSafeInteger(v) || v < min) throw new RequestBuildError(`pod logs: ${key} must be an integer >= ${min}, not ${String(v)}`);
    q[key] = String(v);
  };
  if (options.container !== undefined) {
    if (options.container === "") throw new RequestBuildError("pod logs: container may not be empty (omit it for the default container)");
    q.container = options.container;
  }
  if (options.follow) q.follow = "true";
  if (options.previous) q.previous = "true";
  if (options.timestamps) q.timestamps = "true";
  count("sinceSeconds", 1);
  count("tailLines", 0);
  count("limitBytes", 1);
  if (options.sinceTime !== undefined) {
    if (options.sinceSeconds !== undefined) throw new RequestBuildError("pod logs: sinceSeconds and sinceTime are mutually exclusive");
    const t = options.sinceTime instanceof Date ? options.sinceTime : new Date(options.sinceTime);
    if (Number.isNaN(t.getTime())) throw new RequestBuildError(`pod logs: sinceTime ${JSON.stringify(String(options.sinceTime))} is not a valid time`);
    // the server parses RFC 3339 (seconds precision is what PodLogOptions keeps)
    q.sinceTime = t.toISOString().replace(/\.\d{3}Z$/, "Z");
  }
  if (options.stream !== undefined) q.stream = options.stream;
  if (options.insecureSkipTLSVerifyBackend) q.insecureSkipTLSVerifyBackend = "true";
  return q;
}

/** The RequestSpec of a pod log request (no I/O). */
export function podLogRequest(options: PodLogStreamOptions): RequestSpec {
  const { namespace, name, signal, ...rest } = options;
  return {
    verb: "get",
    version: "v1",
    resource: "pods",
    namespace,
    name,
    subresource: "log",
    query: podLogQuery(rest),
    accept: "*/*",
    ...(signal ? { signal } : {}),
  };
}

/**
 * Streams a container's log (`GET pods/{name}/log`). Resolves with a Readable
 * once the server answered; see the module's contract for how it ends.
 *
 * ```ts
 * const logs = await streamPodLogs(client, { namespace: "default", name: "web", follow: true, signal });
 * for await (const chunk of logs) process.stdout.write(chunk);
 * ```
 */
export async function streamPodLogs(target: StreamTarget | RequestExecutor, options: PodLogStreamOptions): Promise<Readable> {
  if (!options.namespace) throw new RequestBuildError("pod logs: a namespace is required");
  const spec = podLogRequest(options);
  const client = target instanceof RestClient ? target : clientFor(target);
  options.signal?.throwIfAborted();
  // The transport sends the body as an IncomingMessage (gzip decoded when needed).
  const res = (await client.stream(spec)) as IncomingMessage;
  return wrap(res, options.signal, client.transport.url(client.build(spec)).toString());
}

const clients = new WeakMap<object, RestClient>();

/** The RestClient of a non-RestClient target (one per transport). Internal (proxy.ts uses it; not in the package index). */
export function clientFor(target: StreamTarget | RequestExecutor): RestClient {
  const transport = transportOf(target);
  let c = clients.get(transport);
  if (!c) clients.set(transport, (c = new RestClient(transport.config, { transport })));
  return c;
}

/** A Readable the caller owns over the response: quiet end on abort, NetworkError on a broken body. */
function wrap(res: IncomingMessage, signal: AbortSignal | undefined, url: string): Readable {
  let settled = false;
  const out = new Readable({
    read() {
      res.resume();
    },
    destroy(err, cb) {
      cleanup();
      if (!res.destroyed) res.destroy();
      cb(err);
    },
  });
  const onData = (chunk: Buffer): void => {
    if (!out.push(chunk)) res.pause();
  };
  const onEnd = (): void => {
    if (settled) return;
    settled = true;
    cleanup();
    out.push(null);
  };
  const onError = (err: Error): void => {
    if (settled) return;
    if (signal?.aborted) return onAbort();
    settled = true;
    cleanup();
    out.destroy(
      new NetworkError(`GET ${url}: the log stream failed: ${err.message}`, {
        method: "GET",
        url,
        code: (err as NodeJS.ErrnoException).code,
        cause: err,
      }),
    );
  };
  const onClose = (): void => {
    // closed without 'end' and without an error: the connection went away
    if (!settled && !res.complete) onError(Object.assign(new Error("the connection closed before the log ended"), { code: "ECONNRESET" }));
  };
  const onAbort = (): void => {
    if (settled) return;
    settled = true;
    cleanup();
    res.destroy();
    out.push(null);
  };
  function cleanup(): void {
    res.off("data", onData);
    res.off("end", onEnd);
    res.off("close", onClose);
    signal?.removeEventListener("abort", onAbort);
    // keep an error listener on res: a late socket error must not crash the process
  }
  res.on("error", onError);
  res.on("data", onData);
  res.on("end", onEnd);
  res.on("close", onClose);
  if (signal?.aborted) onAbort();
  else signal?.addEventListener("abort", onAbort, { once: true });
  return out;
}
