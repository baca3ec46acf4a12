// NetworkError: a failure below HTTP (DNS, connect, TLS, reset, timeout, abort
// during transfer). API-level failures are ApiError (api-error.ts). Like every
// runtime error it is redacted when built (errors/redact.ts): its message, its
// URL and the underlying error it wraps.

import { KubegenError, redactUrl } from "./redact.js";

/**
 * A transport failure: the request did not get a complete HTTP response.
 * `cause` is the underlying error (kept, but redacted in place).
 * `JSON.stringify(err)` and `util.inspect(err)` show the message, code, method,
 * URL and cause, never request headers.
 */
export class NetworkError extends KubegenError {
  override readonly name = "NetworkError";
  /** HTTP method of the failed request. */
  readonly method: string;
  /** URL of the failed request, without userinfo and redacted. */
  readonly url: string;
  /** Node's error code when there is one (`ECONNREFUSED`, `ECONNRESET`, `ETIMEDOUT`, ...). */
  readonly code: string | undefined;

  constructor(message: string, init: { method: string; url: string; code?: string | undefined; cause: unknown }) {
    super(message, { cause: init.cause });
    this.method = init.method;
    this.url = redactUrl(init.url);
    this.code = init.code;
  }

  /** Fields for toJSON() and util.inspect(). */
  protected override describe(): Record<string, unknown> {
    return { code: this.code, method: this.method, url: this.url };
  }
}

/** Whether `err` is (or wraps) a {@link NetworkError}. */
export function isNetworkError(err: unknown): err is NetworkError {
  return findInChain(err, (e) => e instanceof NetworkError) !== undefined;
}

/** Walks `err` and its `cause` chain (at most 16 links) and returns the first link `pred` accepts. */
export function findInChain(err: unknown, pred: (e: unknown) => boolean): unknown {
  let cur: unknown = err;
  for (let i = 0; i < 16 && cur != null; i++) {
    if (pred(cur)) return cur;
    cur = typeof cur === "object" ? (cur as { cause?: unknown }).cause : undefined;
  }
  return undefined;
}
