// RestClient: executes RequestSpecs over a Transport (client-go rest/client.go
// RESTClient and rest/request.go Do/Stream/Watch). Three ways to run a request:
//   request<T>()  JSON in, JSON out; non-2xx (or a Failure Status) -> ApiError
//   stream()      the response body as a Node Readable (pod logs, follow=true)
//   watch<T>()    an async iterable of WatchEvent<T>
// Generic on purpose: typed resource clients are thin layers over it.
// Errors it builds are redacted (errors/redact.ts): ApiError and NetworkError
// redact themselves, and no error quotes a response body that the redactor
// has not seen whole (JSON.parse's messages quote a fragment of the text).

import type { IncomingMessage } from "node:http";
import type { Readable } from "node:stream";
import type { RestConfig } from "../config/rest-config.js";
import {
  ApiError,
  genericServerResponseStatus,
  isStatus,
  type RequestContext,
} from "../errors/api-error.js";
import { NetworkError } from "../errors/network-error.js";
import { redact } from "../errors/redact.js";
import type { Status } from "../meta/types.js";
import { Transport, parseRetryAfter, type HttpRequest, type RequestKind } from "../transport/transport.js";
import { decodeWatchEvents, type WatchEvent } from "../watch/decoder.js";
import { buildRequest, type RequestSpec } from "./build-request.js";

/** A fully read response. */
export interface RawResponse {
  status: number;
  headers: IncomingMessage["headers"];
  body: Buffer;
}

/** Per-call controls beyond the spec. */
/** Callbacks for one watch request (informers use them to tell "connecting" from "watching"). */
export interface WatchResponseHooks {
  /** Called once, when the server's 2xx answer to the watch arrives (before any event). */
  onResponse?(): void;
}

export interface CallOptions {
  /** Retry budget (default 10; 0 disables retries). */
  maxRetries?: number;
}

/** The most a non-Status error body contributes to a message (client-go maxUnstructuredResponseTextBytes). */
const MAX_ERROR_TEXT = 2048;
/** The most of an error body that is read at all. */
const MAX_ERROR_BODY = 1 << 20;

/** Executes requests against one API server. Reuse one per config: it owns the connection pool and rate limiter. */
export class RestClient {
  readonly config: RestConfig;
  readonly transport: Transport;

  constructor(config: RestConfig, options: { transport?: Transport } = {}) {
    this.config = config;
    this.transport = options.transport ?? new Transport(config);
  }

  /** Same as `new RestClient(config)`. */
  static forConfig(config: RestConfig): RestClient {
    return new RestClient(config);
  }

  /** Builds the HTTP request for a spec without sending it. */
  build(spec: RequestSpec): HttpRequest {
    return buildRequest(spec);
  }

  /**
   * Sends a request and decodes the JSON response. An empty body resolves to
   * undefined. Non-2xx responses, and 2xx responses whose body is a Failure
   * Status, reject with an ApiError; transport failures with a NetworkError;
   * an abort with the signal's reason.
   */
  async request<T = unknown>(spec: RequestSpec, options: CallOptions = {}): Promise<T> {
    const raw = await this.requestRaw(spec, options);
    if (raw.body.length === 0) return undefined as T;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.body.toString("utf8"));
    } catch {
      // JSON.parse's message quotes a piece of the body, which may be part of
      // a secret too short to recognise: the cause says only where it failed.
      const type = String(raw.headers["content-type"] ?? "no content type");
      throw new Error(redact(`${spec.verb ?? spec.method ?? "GET"} ${spec.path ?? spec.resource ?? ""}: response is not JSON`), {
        cause: new SyntaxError(redact(`the ${raw.body.length}-byte response body (${type}) is not valid JSON`)),
      });
    }
    if (isStatus(parsed) && parsed.status !== "Success") {
      throw new ApiError({ ...parsed, code: parsed.code || raw.status }, contextOf(spec, buildRequest(spec).method));
    }
    return parsed as T;
  }

  /** Sends a request and returns the whole body as bytes; non-2xx rejects with an ApiError. */
  async requestRaw(spec: RequestSpec, options: CallOptions = {}): Promise<RawResponse> {
    const req = buildRequest(spec);
    const res = await this.#send(req, spec, "do", options);
    const ctx = contextOf(spec, req.method, this.transport.url(req).toString());
    if (!ok(res)) throw await this.#errorFrom(res, ctx);
    let body: Buffer;
    try {
      body = await readAll(res, Number.POSITIVE_INFINITY);
    } catch (err) {
      if (signalOf(spec)?.aborted) throw signalOf(spec)!.reason;
      throw new NetworkError(`${req.method} ${ctx.url}: reading the response failed: ${(err as Error).message}`, {
        method: req.method,
        url: ctx.url ?? req.path,
        code: (err as NodeJS.ErrnoException).code,
        cause: err,
      });
    }
    return { status: res.statusCode ?? 0, headers: res.headers, body };
  }

  /**
   * Sends a request and returns the response body unread, as a Node Readable
   * (also an async iterable of Buffer chunks), e.g. pod logs with `follow`.
   * Not rate-retried on transport errors; the config timeout does not apply.
   * Destroy the stream (or abort the signal) to stop early.
   */
  async stream(spec: RequestSpec, options: CallOptions = {}): Promise<Readable> {
    const req = buildRequest(spec);
    const res = await this.#send(req, spec, "stream", options);
    if (!ok(res)) throw await this.#errorFrom(res, contextOf(spec, req.method, this.transport.url(req).toString()));
    return res;
  }

  /**
   * Starts a watch (`verb` defaults to `watch`) and yields its events. ERROR
   * events and non-2xx responses throw an ApiError (a compacted
   * resourceVersion gives 410 Expired). The iteration ends when the server
   * closes the stream (e.g. after `timeoutSeconds`), when the connection
   * drops, or when the caller's signal aborts; breaking out of the loop closes
   * the connection. Watches are not rate limited.
   */
  async *watch<T = unknown>(
    spec: RequestSpec,
    options: CallOptions & WatchResponseHooks = {},
  ): AsyncGenerator<WatchEvent<T>, void, undefined> {
    const req = buildRequest({ ...spec, verb: spec.verb ?? "watch" });
    const signal = signalOf(spec);
    let res: IncomingMessage;
    try {
      res = await this.#send(req, spec, "watch", options);
    } catch (err) {
      if (signal?.aborted) return;
      throw err;
    }
    const ctx = contextOf(spec, req.method, this.transport.url(req).toString());
    if (!ok(res)) throw await this.#errorFrom(res, ctx);
    options.onResponse?.();
    try {
      yield* decodeWatchEvents<T>(res, { method: req.method, ...(ctx.url ? { url: ctx.url } : {}) });
    } catch (err) {
      if (signal?.aborted) return;
      // client-go StreamWatcher: unexpected EOF / reset / timeout end the watch quietly
      const code = (err as NodeJS.ErrnoException)?.code;
      if (!(err instanceof ApiError) && (code === "ECONNRESET" || code === "ERR_STREAM_PREMATURE_CLOSE" || code === "ETIMEDOUT" || (err as Error)?.message === "aborted")) {
        return;
      }
      throw err;
    } finally {
      res.destroy();
    }
  }

  /** Closes pooled connections. */
  close(): void {
    this.transport.close();
  }

  #send(req: HttpRequest, spec: RequestSpec, kind: RequestKind, options: CallOptions): Promise<IncomingMessage> {
    const signal = signalOf(spec);
    const timeoutMs = spec.options?.timeoutMs;
    return this.transport.send(req, {
      kind,
      ...(signal ? { signal } : {}),
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      ...(options.maxRetries !== undefined ? { maxRetries: options.maxRetries } : {}),
    });
  }

  #errorFrom(res: IncomingMessage, ctx: RequestContext): Promise<ApiError> {
    return apiErrorFromResponse(res, ctx, this.transport.authenticator.secrets());
  }
}

/**
 * The ApiError for a non-2xx response (its body is read, at most 1 MiB): the
 * server's Status when the body is one, else a Status synthesised from the
 * code as apimachinery's NewGenericServerResponse does, quoting a short
 * textual body with `secrets` (and every registered secret) redacted. Used
 * by RestClient and by the WebSocket dialer for a refused upgrade.
 */
export async function apiErrorFromResponse(res: IncomingMessage, ctx: RequestContext, secrets: Iterable<string> = []): Promise<ApiError> {
  const code = res.statusCode ?? 0;
  let body: Buffer;
  try {
    body = await readAll(res, MAX_ERROR_BODY);
  } catch {
    body = Buffer.alloc(0);
  }
  const text = body.toString("utf8");
  try {
    const parsed: unknown = JSON.parse(text);
    if (isStatus(parsed) && parsed.status !== "Success") {
      const status: Status = { ...parsed, code: parsed.code || code };
      return new ApiError(status, ctx);
    }
  } catch {
    // not JSON: fall through to a synthesised Status
  }
  const type = String(res.headers["content-type"] ?? "");
  const textual = type === "" || /^(text\/|application\/(json|yaml|xml))/.test(type);
  const trimmed = text.trim();
  const message = textual && trimmed.length <= MAX_ERROR_TEXT ? redact(trimmed, secrets) : "";
  return new ApiError(genericServerResponseStatus(code, ctx, message, parseRetryAfter(res.headers["retry-after"])), ctx);
}

function ok(res: IncomingMessage): boolean {
  const s = res.statusCode ?? 0;
  return s >= 200 && s <= 206;
}

function signalOf(spec: RequestSpec): AbortSignal | undefined {
  return spec.signal ?? spec.options?.signal;
}

function contextOf(spec: RequestSpec, method: string, url?: string): RequestContext {
  const ctx: RequestContext = { method };
  if (url) ctx.url = url;
  if (spec.resource) {
    ctx.resource = spec.resource;
    ctx.group = spec.group ?? "";
  }
  if (spec.name) ctx.name = spec.name;
  return ctx;
}

async function readAll(stream: AsyncIterable<Buffer | string>, limit: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const b = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    parts.push(b);
    size += b.length;
    if (size > limit) break;
  }
  return Buffer.concat(parts, size);
}
