// ApiError and the reason predicates of apimachinery pkg/api/errors/errors.go.
// An ApiError always carries a full metav1.Status: the server's own when the
// response body is one, or one synthesised from the HTTP code the way
// NewGenericServerResponse does when it is not. The Status is redacted when
// the error is built (a hostile or buggy server may echo the caller's token in
// its message, reason, causes or name), so every text an ApiError exposes is
// safe to log.

import type { Status } from "../meta/types.js";
import { findInChain } from "./network-error.js";
import { KubegenError, redactUrl, redactValue } from "./redact.js";

/** Where a failed request went, for messages and synthesised Statuses. */
export interface RequestContext {
  /** HTTP method, upper case. */
  method?: string;
  /** Request URL or path (no credentials). */
  url?: string;
  /** Group of the resource, `""` for core. */
  group?: string;
  /** Plural resource name, e.g. `configmaps`. */
  resource?: string;
  /** Object name, when the request targets one. */
  name?: string;
}

/**
 * An API-level failure: a non-2xx response or a watch ERROR event. `status` is
 * the parsed Status, as a redacted copy: every string in it has known secrets
 * and credential-like text replaced by `<redacted>` (see errors/redact.ts).
 * `JSON.stringify(err)` and `util.inspect(err)` show the message, code,
 * reason, Status, method and URL, never request headers.
 */
export class ApiError extends KubegenError {
  override readonly name = "ApiError";
  /** The Status the server sent, or one synthesised from the HTTP response (redacted). */
  readonly status: Status;
  /** HTTP method of the request (when known). */
  readonly method: string | undefined;
  /** URL of the request (when known), without userinfo and redacted. */
  readonly url: string | undefined;

  constructor(status: Status, context: RequestContext = {}, options?: { cause?: unknown }) {
    const safe = redactValue(status);
    super(safe.message || `the server responded with ${safe.code ?? "an"} ${safe.reason ?? ""}`.trim(), options);
    this.status = safe;
    this.method = context.method;
    this.url = context.url === undefined ? undefined : redactUrl(context.url);
  }

  /** Fields for toJSON() and util.inspect(). */
  protected override describe(): Record<string, unknown> {
    return { code: this.code, reason: this.reason, status: this.status, method: this.method, url: this.url };
  }

  /** The HTTP code (Status.code), 0 when unknown. */
  get code(): number {
    return this.status.code ?? 0;
  }

  /** The machine-readable reason (Status.reason), `""` when unknown. */
  get reason(): string {
    return this.status.reason ?? "";
  }

  /** Status.details.causes, or an empty list. */
  get causes(): NonNullable<NonNullable<Status["details"]>["causes"]> {
    return this.status.details?.causes ?? [];
  }

  /** Status.details.retryAfterSeconds, when the server asked for a delay. */
  get retryAfterSeconds(): number | undefined {
    return this.status.details?.retryAfterSeconds;
  }
}

/** StatusReason → HTTP code (apimachinery pkg/apis/meta/v1/types.go). */
export const STATUS_REASON_CODES: Readonly<Record<string, number>> = {
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  AlreadyExists: 409,
  Conflict: 409,
  Gone: 410,
  Invalid: 422,
  ServerTimeout: 500,
  StorageReadError: 500,
  Timeout: 504,
  TooManyRequests: 429,
  BadRequest: 400,
  MethodNotAllowed: 405,
  NotAcceptable: 406,
  RequestEntityTooLarge: 413,
  UnsupportedMediaType: 415,
  InternalError: 500,
  Expired: 410,
  ServiceUnavailable: 503,
};

/** Whether a parsed JSON value looks like a metav1.Status. */
export function isStatus(value: unknown): value is Status {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as { kind?: unknown }).kind === "Status" &&
    typeof (value as { status?: unknown }).status === "string"
  );
}

/**
 * Builds the Status apimachinery's NewGenericServerResponse builds for an
 * HTTP response whose body is not a Status. `serverMessage` is the (already
 * trimmed and redacted) response text; `retryAfterSeconds` comes from the
 * Retry-After header.
 */
export function genericServerResponseStatus(
  code: number,
  context: RequestContext,
  serverMessage: string,
  retryAfterSeconds?: number,
  isUnexpected = true,
): Status {
  const method = (context.method ?? "GET").toUpperCase();
  let reason = "";
  let message = `the server responded with the status code ${code} but did not return more information`;
  switch (code) {
    case 409:
      reason = method === "POST" ? "AlreadyExists" : "Conflict";
      message = "the server reported a conflict";
      break;
    case 404:
      reason = "NotFound";
      message = "the server could not find the requested resource";
      break;
    case 400:
      reason = "BadRequest";
      message = "the server rejected our request for an unknown reason";
      break;
    case 401:
      reason = "Unauthorized";
      message = "the server has asked for the client to provide credentials";
      break;
    case 403:
      reason = "Forbidden";
      message = serverMessage;
      break;
    case 406:
      reason = "NotAcceptable";
      message =
        serverMessage && serverMessage !== "unknown"
          ? serverMessage
          : "the server was unable to respond with a content type that the client supports";
      break;
    case 415:
      reason = "UnsupportedMediaType";
      message = serverMessage;
      break;
    case 405:
      reason = "MethodNotAllowed";
      message = "the server does not allow this method on the requested resource";
      break;
    case 422:
      reason = "Invalid";
      message = "the server rejected our request due to an error in our request";
      break;
    case 503:
      reason = "ServiceUnavailable";
      message = "the server is currently unable to handle the request";
      break;
    case 504:
      reason = "Timeout";
      message = "the server was unable to return a response in the time allotted, but may still be processing the request";
      break;
    case 429:
      reason = "TooManyRequests";
      message = "the server has received too many requests and has asked us to try again later";
      break;
    default:
      if (code >= 500) {
        reason = "InternalError";
        message = `an error on the server (${JSON.stringify(serverMessage)}) has prevented the request from succeeding`;
      }
  }
  if (context.resource) {
    const qualified = context.group ? `${context.resource}.${context.group}` : context.resource;
    message += context.name
      ? ` (${method.toLowerCase()} ${qualified} ${context.name})`
      : ` (${method.toLowerCase()} ${qualified})`;
  }
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    code,
    reason,
    message,
    details: {
      ...(context.group ? { group: context.group } : {}),
      ...(context.resource ? { kind: context.resource } : {}),
      ...(context.name ? { name: context.name } : {}),
      ...(isUnexpected ? { causes: [{ reason: "UnexpectedServerResponse", message: serverMessage }] } : {}),
      ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
    },
  };
}

/** The Status of the first ApiError in `err`'s cause chain, if any. */
export function statusOf(err: unknown): Status | undefined {
  const found = findInChain(err, (e) => e instanceof ApiError) as ApiError | undefined;
  return found?.status;
}

/** The Status reason of `err` (`""` when it is not an ApiError or has none); apimachinery ReasonForError. */
export function reasonForError(err: unknown): string {
  return statusOf(err)?.reason ?? "";
}

function reasonOrCode(err: unknown, reason: string, code: number): boolean {
  const s = statusOf(err);
  if (!s) return false;
  const r = s.reason ?? "";
  if (r === reason) return true;
  // apimachinery: fall back to the code only when the reason is not a known one.
  return !(r in STATUS_REASON_CODES) && s.code === code;
}

function reasonOnly(err: unknown, reason: string): boolean {
  return statusOf(err)?.reason === reason;
}

/** 404 NotFound (reason, or code when the reason is unknown). */
export const isNotFound = (err: unknown): boolean => reasonOrCode(err, "NotFound", 404);
/** 409 AlreadyExists (reason only). */
export const isAlreadyExists = (err: unknown): boolean => reasonOnly(err, "AlreadyExists");
/** 409 Conflict (reason, or code when the reason is unknown; AlreadyExists is not a Conflict). */
export const isConflict = (err: unknown): boolean => reasonOrCode(err, "Conflict", 409);
/** 422 Invalid (reason, or code when the reason is unknown); see `ApiError.causes` for the fields. */
export const isInvalid = (err: unknown): boolean => reasonOrCode(err, "Invalid", 422);
/** 403 Forbidden (reason, or code when the reason is unknown). */
export const isForbidden = (err: unknown): boolean => reasonOrCode(err, "Forbidden", 403);
/** 401 Unauthorized (reason, or code when the reason is unknown). */
export const isUnauthorized = (err: unknown): boolean => reasonOrCode(err, "Unauthorized", 401);
/** 400 BadRequest (reason, or code when the reason is unknown). */
export const isBadRequest = (err: unknown): boolean => reasonOrCode(err, "BadRequest", 400);
/** 410 Gone (reason, or code when the reason is unknown; `Expired` is not `Gone`, see {@link isResourceExpired}). */
export const isGone = (err: unknown): boolean => reasonOrCode(err, "Gone", 410);
/** 410 Expired: a resourceVersion or continue token too old (reason only). */
export const isResourceExpired = (err: unknown): boolean => reasonOnly(err, "Expired");
/** 429 TooManyRequests (reason or code, either suffices). */
export const isTooManyRequests = (err: unknown): boolean => {
  const s = statusOf(err);
  return !!s && (s.reason === "TooManyRequests" || s.code === 429);
};
/** 413 RequestEntityTooLarge (reason or code, either suffices). */
export const isRequestEntityTooLarge = (err: unknown): boolean => {
  const s = statusOf(err);
  return !!s && (s.reason === "RequestEntityTooLarge" || s.code === 413);
};
/** ServerTimeout: the server could not finish in time and asks for a retry (reason only). */
export const isServerTimeout = (err: unknown): boolean => reasonOnly(err, "ServerTimeout");
/** 504 Timeout (reason, or code when the reason is unknown). */
export const isTimeout = (err: unknown): boolean => reasonOrCode(err, "Timeout", 504);
/** 500 InternalError (reason, or code when the reason is unknown). */
export const isInternalError = (err: unknown): boolean => reasonOrCode(err, "InternalError", 500);
/** 503 ServiceUnavailable (reason, or code when the reason is unknown). */
export const isServiceUnavailable = (err: unknown): boolean => reasonOrCode(err, "ServiceUnavailable", 503);
/** 405 MethodNotAllowed (reason, or code when the reason is unknown). */
export const isMethodNotSupported = (err: unknown): boolean => reasonOrCode(err, "MethodNotAllowed", 405);
/** 406 NotAcceptable (reason, or code when the reason is unknown). */
export const isNotAcceptable = (err: unknown): boolean => reasonOrCode(err, "NotAcceptable", 406);
/** 415 UnsupportedMediaType (reason, or code when the reason is unknown). */
export const isUnsupportedMediaType = (err: unknown): boolean => reasonOrCode(err, "UnsupportedMediaType", 415);
/** The server answered with something that is not a Status (cause `UnexpectedServerResponse`). */
export const isUnexpectedServerError = (err: unknown): boolean => hasStatusCause(err, "UnexpectedServerResponse");

/** Whether the error's Status lists a cause of the given type (e.g. `FieldValueInvalid`). */
export function hasStatusCause(err: unknown, causeType: string): boolean {
  return (statusOf(err)?.details?.causes ?? []).some((c) => c.reason === causeType);
}

/**
 * Seconds the server suggests waiting before retrying, or undefined when it
 * made no suggestion (apimachinery SuggestsClientDelay): a ServerTimeout
 * reason always suggests (possibly 0 s); otherwise only a positive
 * `details.retryAfterSeconds` does. Needs `details` on the Status.
 */
export function suggestsClientDelay(err: unknown): number | undefined {
  const s = statusOf(err);
  if (!s?.details) return undefined;
  if (s.reason === "ServerTimeout") return s.details.retryAfterSeconds ?? 0;
  const after = s.details.retryAfterSeconds ?? 0;
  return after > 0 ? after : undefined;
}
