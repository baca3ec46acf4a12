// Error constructors of apimachinery pkg/api/errors/errors.go (NewNotFound,
// NewAlreadyExists, NewConflict, NewInvalid, ...) and the field errors of
// pkg/util/validation/field/errors.go that NewInvalid aggregates. Each returns
// an ApiError whose Status is the one a real kube-apiserver sends for the same
// failure (messages, reasons, details and codes checked against v1.36), so
// fakes, listers and users' own code fail the way the server does.

import type { Status, StatusDetails } from "../meta/types.js";
import { ApiError } from "./api-error.js";

/** A resource of a group (`schema.GroupResource`); `group` is `""` for the core group. */
export interface GroupResource {
  readonly group: string;
  /** Plural resource name, e.g. `deployments` (or `pods/binding` for a subresource). */
  readonly resource: string;
}

/** A kind of a group (`schema.GroupKind`); `group` is `""` for the core group. */
export interface GroupKind {
  readonly group: string;
  readonly kind: string;
}

/** `deployments.apps`, or `pods` for the core group (GroupResource.String). */
export function qualifiedResource(gr: GroupResource): string {
  return gr.group ? `${gr.resource}.${gr.group}` : gr.resource;
}

/** `Deployment.apps`, or `Pod` for the core group (GroupKind.String). */
export function qualifiedKind(gk: GroupKind): string {
  return gk.group ? `${gk.kind}.${gk.group}` : gk.kind;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function failure(code: number, reason: string | undefined, message: string, details?: StatusDetails): ApiError {
  const status: Status = {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    ...(reason ? { reason } : {}),
    ...(details ? { details } : {}),
    code,
  };
  return new ApiError(status);
}

function resourceDetails(gr: GroupResource, name?: string): StatusDetails {
  return {
    ...(name ? { name } : {}),
    ...(gr.group ? { group: gr.group } : {}),
    kind: gr.resource,
  };
}

/** 404 NotFound: `pods "x" not found`, `deployments.apps "x" not found`. */
export function newNotFound(gr: GroupResource, name: string): ApiError {
  return failure(404, "NotFound", `${qualifiedResource(gr)} ${JSON.stringify(name)} not found`, resourceDetails(gr, name));
}

/** 409 AlreadyExists: `pods "x" already exists`. */
export function newAlreadyExists(gr: GroupResource, name: string): ApiError {
  return failure(409, "AlreadyExists", `${qualifiedResource(gr)} ${JSON.stringify(name)} already exists`, resourceDetails(gr, name));
}

/** The message of an optimistic-concurrency failure (apimachinery OptimisticLockErrorMsg). */
export const OPTIMISTIC_LOCK_ERROR_MSG = "the object has been modified; please apply your changes to the latest version and try again";

/**
 * 409 Conflict: `Operation cannot be fulfilled on pods "x": <err>`. Without
 * `err`, the optimistic-lock message the server sends for a stale
 * resourceVersion.
 */
export function newConflict(gr: GroupResource, name: string, err: unknown = OPTIMISTIC_LOCK_ERROR_MSG): ApiError {
  return failure(
    409,
    "Conflict",
    `Operation cannot be fulfilled on ${qualifiedResource(gr)} ${JSON.stringify(name)}: ${messageOf(err)}`,
    resourceDetails(gr, name),
  );
}

/** 410 Gone with the given message (older servers' reason for a compacted resourceVersion). */
export function newGone(message: string): ApiError {
  return failure(410, "Gone", message);
}

/** 410 Expired: a resourceVersion or continue token is too old, e.g. `too old resource version: 5 (10)`. */
export function newResourceExpired(message: string): ApiError {
  return failure(410, "Expired", message);
}

/** 400 BadRequest with the given message (no details, like the server). */
export function newBadRequest(message: string): ApiError {
  return failure(400, "BadRequest", message);
}

/** 405 MethodNotAllowed: `<action> is not supported on resources of kind "pods"`. */
export function newMethodNotSupported(gr: GroupResource, action: string): ApiError {
  return failure(
    405,
    "MethodNotAllowed",
    `${action} is not supported on resources of kind ${JSON.stringify(qualifiedResource(gr))}`,
    resourceDetails(gr),
  );
}

/** 403 Forbidden: `pods "x" is forbidden: <err>` (or `pods is forbidden: ...` without a name). */
export function newForbidden(gr: GroupResource, name: string, err: unknown): ApiError {
  const msg = messageOf(err);
  const message = !gr.resource
    ? `forbidden: ${msg}`
    : name
      ? `${qualifiedResource(gr)} ${JSON.stringify(name)} is forbidden: ${msg}`
      : `${qualifiedResource(gr)} is forbidden: ${msg}`;
  return failure(403, "Forbidden", message, resourceDetails(gr, name));
}

/** 401 Unauthorized with the given message (`not authorized` when empty). */
export function newUnauthorized(message: string): ApiError {
  return failure(401, "Unauthorized", message || "not authorized");
}

/** 429 TooManyRequests, e.g. an eviction blocked by a PodDisruptionBudget. */
export function newTooManyRequests(message: string, retryAfterSeconds = 0): ApiError {
  return failure(429, "TooManyRequests", message, retryAfterSeconds > 0 ? { retryAfterSeconds } : {});
}

/** 500 InternalError: `Internal error occurred: <err>`. */
export function newInternalError(err: unknown): ApiError {
  const msg = messageOf(err);
  return failure(500, "InternalError", `Internal error occurred: ${msg}`, { causes: [{ message: msg }] });
}

/** 503 ServiceUnavailable with the given message. */
export function newServiceUnavailable(message: string): ApiError {
  return failure(503, "ServiceUnavailable", message);
}

/** 504 Timeout: `Timeout: <message>`. */
export function newTimeoutError(message: string, retryAfterSeconds = 0): ApiError {
  return failure(504, "Timeout", `Timeout: ${message}`, retryAfterSeconds > 0 ? { retryAfterSeconds } : {});
}

/** 500 ServerTimeout: the server asks the client to retry `operation` on the resource. */
export function newServerTimeout(gr: GroupResource, operation: string, retryAfterSeconds = 0): ApiError {
  return failure(
    500,
    "ServerTimeout",
    `The ${operation} operation against ${qualifiedResource(gr)} could not be completed at this time, please try again.`,
    { ...(gr.group ? { group: gr.group } : {}), kind: gr.resource, name: operation, ...(retryAfterSeconds > 0 ? { retryAfterSeconds } : {}) },
  );
}

/** Field error types (pkg/util/validation/field ErrorType), as Status cause reasons. */
export type FieldErrorType =
  | "FieldValueNotFound"
  | "FieldValueRequired"
  | "FieldValueDuplicate"
  | "FieldValueInvalid"
  | "FieldValueNotSupported"
  | "FieldValueForbidden"
  | "FieldValueTooLong"
  | "FieldValueTooMany"
  | "InternalError"
  | "FieldValueTypeInvalid";

const FIELD_ERROR_TEXT: Record<FieldErrorType, string> = {
  FieldValueNotFound: "Not found",
  FieldValueRequired: "Required value",
  FieldValueDuplicate: "Duplicate value",
  FieldValueInvalid: "Invalid value",
  FieldValueNotSupported: "Unsupported value",
  FieldValueForbidden: "Forbidden",
  FieldValueTooLong: "Too long",
  FieldValueTooMany: "Too many",
  InternalError: "Internal error",
  FieldValueTypeInvalid: "Invalid value",
};

/** Types whose message carries no bad value (field.Error.ErrorBody). */
const VALUELESS = new Set<FieldErrorType>(["FieldValueRequired", "FieldValueForbidden", "FieldValueTooLong", "InternalError"]);

/** One validation failure (`field.Error`): the field path, what is wrong and (optionally) the bad value. */
export interface FieldError {
  readonly type: FieldErrorType;
  /** The field path, e.g. `spec.replicas` or `metadata.name`. */
  readonly field: string;
  readonly badValue?: unknown;
  readonly detail?: string;
}

function formatBadValue(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (v === null || v === undefined) return "null";
  if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") return String(v);
  return JSON.stringify(v);
}

/** The part of a field error after the field path: `Invalid value: -1: must be >= 0` (field.Error.ErrorBody). */
export function fieldErrorBody(e: FieldError): string {
  let s = FIELD_ERROR_TEXT[e.type];
  if (!VALUELESS.has(e.type) && "badValue" in e) s += `: ${formatBadValue(e.badValue)}`;
  if (e.detail) s += `: ${e.detail}`;
  return s;
}

/** `spec.replicas: Invalid value: -1: must be >= 0` (field.Error.Error). */
export function fieldErrorString(e: FieldError): string {
  return `${e.field}: ${fieldErrorBody(e)}`;
}

/** A required field is missing. */
export const fieldRequired = (field: string, detail?: string): FieldError => ({
  type: "FieldValueRequired",
  field,
  ...(detail ? { detail } : {}),
});
/** A field has an invalid value. */
export const fieldInvalid = (field: string, badValue: unknown, detail?: string): FieldError => ({
  type: "FieldValueInvalid",
  field,
  badValue,
  ...(detail ? { detail } : {}),
});
/** A field has a value outside an enumeration. */
export const fieldNotSupported = (field: string, badValue: unknown, validValues: readonly string[] = []): FieldError => ({
  type: "FieldValueNotSupported",
  field,
  badValue,
  ...(validValues.length ? { detail: `supported values: ${validValues.map((v) => JSON.stringify(v)).join(", ")}` } : {}),
});
/** A field may not be set (or changed). */
export const fieldForbidden = (field: string, detail: string): FieldError => ({ type: "FieldValueForbidden", field, detail });
/** A value appears twice where it must be unique. */
export const fieldDuplicate = (field: string, badValue: unknown): FieldError => ({ type: "FieldValueDuplicate", field, badValue });
/** A referenced value does not exist. */
export const fieldNotFound = (field: string, badValue: unknown): FieldError => ({ type: "FieldValueNotFound", field, badValue });

/**
 * 422 Invalid: `Deployment.apps "x" is invalid: spec.replicas: Invalid value: -1: ...`,
 * one Status cause per field error (several errors are listed as `[a, b]`).
 */
export function newInvalid(gk: GroupKind, name: string, errors: readonly FieldError[]): ApiError {
  const causes = errors.map((e) => ({ reason: e.type, message: fieldErrorBody(e), field: e.field }));
  const texts = [...new Set(errors.map(fieldErrorString))];
  const base = `${qualifiedKind(gk)} ${JSON.stringify(name)} is invalid`;
  const message = texts.length === 0 ? base : texts.length === 1 ? `${base}: ${texts[0]}` : `${base}: [${texts.join(", ")}]`;
  return failure(422, "Invalid", message, {
    ...(name ? { name } : {}),
    ...(gk.group ? { group: gk.group } : {}),
    kind: gk.kind,
    causes,
  });
}
