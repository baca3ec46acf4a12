// The two review documents the API server sends to webhooks, read and answered as data:
// AdmissionReview (admission.k8s.io/v1) for validating and mutating admission, and
// ConversionReview (apiextensions.k8s.io/v1) for CRD version conversion. Reading checks what
// the server always sends (apiVersion, kind, a request with a uid) and names what is wrong;
// answering builds the response the server expects, with the request's uid. No I/O here: the
// server (server.ts) owns bodies, timeouts and errors.

import type { KubernetesObject } from "../meta/types.js";
import { jsonPatch } from "./json-patch.js";

export const ADMISSION_API_VERSION = "admission.k8s.io/v1";
export const CONVERSION_API_VERSION = "apiextensions.k8s.io/v1";

/** Who asked (authentication.k8s.io/v1 UserInfo). */
export interface UserInfo {
  readonly username?: string;
  readonly uid?: string;
  readonly groups?: readonly string[];
  readonly extra?: { readonly [key: string]: readonly string[] };
}

/** An admission request (admission.k8s.io/v1 AdmissionRequest), its objects typed as `T`. */
export interface AdmissionRequest<T = KubernetesObject> {
  readonly uid: string;
  readonly kind: { readonly group: string; readonly version: string; readonly kind: string };
  readonly resource: { readonly group: string; readonly version: string; readonly resource: string };
  readonly subResource?: string;
  readonly requestKind?: { readonly group: string; readonly version: string; readonly kind: string };
  readonly requestResource?: { readonly group: string; readonly version: string; readonly resource: string };
  readonly requestSubResource?: string;
  readonly name?: string;
  readonly namespace?: string;
  readonly operation: "CREATE" | "UPDATE" | "DELETE" | "CONNECT";
  readonly userInfo: UserInfo;
  /** The object as it would be stored (absent for DELETE). */
  readonly object?: T;
  /** The object before the change (UPDATE and DELETE). */
  readonly oldObject?: T;
  readonly dryRun?: boolean;
  /** The operation's options (CreateOptions, UpdateOptions, DeleteOptions...). */
  readonly options?: unknown;
}

/** What a validating handler decides. Build it with {@link allow} and {@link deny}. */
export type AdmissionVerdict =
  | { readonly allowed: true; readonly warnings?: readonly string[] }
  | { readonly allowed: false; readonly message: string; readonly code?: number; readonly reason?: string; readonly warnings?: readonly string[] };

/** Admit the request, with warnings the client shows its user. */
export function allow(...warnings: string[]): AdmissionVerdict {
  return warnings.length > 0 ? { allowed: true, warnings } : { allowed: true };
}

/** Refuse the request: the API server answers its client with `code` (default 403) and `message`. */
export function deny(message: string, code = 403): AdmissionVerdict {
  return { allowed: false, message, code };
}

/** A conversion request (apiextensions.k8s.io/v1 ConversionRequest). */
export interface ConversionRequest {
  readonly uid: string;
  readonly desiredAPIVersion: string;
  readonly objects: readonly KubernetesObject[];
}

/** A review as read: the request, or what is wrong with the document. */
export type Read<R> = { readonly request: R } | { readonly problem: string };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function readReview(body: unknown, apiVersion: string, kind: string): Read<Record<string, unknown>> {
  if (!isRecord(body)) return { problem: `expected a ${kind} object` };
  if (body.apiVersion !== apiVersion || body.kind !== kind) {
    return { problem: `expected apiVersion ${apiVersion} and kind ${kind}, got ${JSON.stringify(body.apiVersion)} and ${JSON.stringify(body.kind)}` };
  }
  const request = body.request;
  if (!isRecord(request)) return { problem: `${kind} has no request` };
  if (typeof request.uid !== "string" || request.uid === "") return { problem: `${kind} request has no uid` };
  return { request };
}

/** Reads an AdmissionReview body (parsed JSON). */
export function readAdmissionReview(body: unknown): Read<AdmissionRequest<unknown>> {
  const read = readReview(body, ADMISSION_API_VERSION, "AdmissionReview");
  if ("problem" in read) return read;
  const r = read.request;
  if (typeof r.operation !== "string") return { problem: "AdmissionReview request has no operation" };
  if (r.object !== undefined && r.object !== null && !isRecord(r.object)) return { problem: "AdmissionReview request.object is not an object" };
  return { request: r as unknown as AdmissionRequest<unknown> };
}

/** Reads a ConversionReview body (parsed JSON). */
export function readConversionReview(body: unknown): Read<ConversionRequest> {
  const read = readReview(body, CONVERSION_API_VERSION, "ConversionReview");
  if ("problem" in read) return read;
  const r = read.request;
  if (typeof r.desiredAPIVersion !== "string" || r.desiredAPIVersion === "") return { problem: "ConversionReview request has no desiredAPIVersion" };
  if (!Array.isArray(r.objects) || !r.objects.every(isRecord)) return { problem: "ConversionReview request.objects is not a list of objects" };
  return { request: r as unknown as ConversionRequest };
}

/** The AdmissionReview answering `uid` with `verdict`, and for a mutation the patch from `before` to `after`. */
export function admissionReview(uid: string, verdict: AdmissionVerdict, mutation?: { before: unknown; after: unknown }): object {
  const response: Record<string, unknown> = { uid, allowed: verdict.allowed };
  if (verdict.warnings?.length) response.warnings = verdict.warnings;
  if (!verdict.allowed) {
    const code = verdict.code ?? 403;
    response.status = { status: "Failure", message: verdict.message, code, ...(verdict.reason ? { reason: verdict.reason } : {}) };
  } else if (mutation) {
    const ops = jsonPatch(mutation.before, mutation.after);
    if (ops.length > 0) {
      response.patchType = "JSONPatch";
      response.patch = Buffer.from(JSON.stringify(ops)).toString("base64");
    }
  }
  return { apiVersion: ADMISSION_API_VERSION, kind: "AdmissionReview", response };
}

/** The ConversionReview answering `uid`: the converted objects, or the failure's message. */
export function conversionReview(uid: string, outcome: { objects: readonly KubernetesObject[] } | { failure: string }): object {
  const response =
    "objects" in outcome
      ? { uid, convertedObjects: outcome.objects, result: { status: "Success" } }
      : { uid, convertedObjects: [], result: { status: "Failure", message: outcome.failure } };
  return { apiVersion: CONVERSION_API_VERSION, kind: "ConversionReview", response };
}
