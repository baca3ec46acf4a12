// NetworkError: a failure below HTTP (DNS, connect, TLS, reset, timeout, abort
// during transfer). API-level failures are ApiError (api-error.ts).

/** A transport failure: the request did not get a complete HTTP response. `cause` is the underlying error. */
export class NetworkError extends Error {
  override readonly name = "NetworkError";
  /** HTTP method of the failed request. */
  readonly method: string;
  /** URL of the failed request (no credentials). */
  readonly url: string;
  /** Node's error code when there is one (`ECONNREFUSED`, `ECONNRESET`, `ETIMEDOUT`, ...). */
  readonly code: string | undefined;

  constructor(message: string, init: { method: string; url: string; code?: string | undefined; cause: unknown }) {
    super(message, { cause: init.cause });
    this.method = init.method;
    this.url = init.url;
    this.code = init.code;
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
