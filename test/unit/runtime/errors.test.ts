// ApiError predicates with apimachinery's matching rules, synthesised Statuses, redaction.
import { describe, expect, it } from "vitest";
import {
  ApiError,
  genericServerResponseStatus,
  isAlreadyExists,
  isBadRequest,
  isConflict,
  isForbidden,
  isGone,
  isInternalError,
  isInvalid,
  isMethodNotSupported,
  isNotFound,
  isResourceExpired,
  isServerTimeout,
  isServiceUnavailable,
  isTimeout,
  isTooManyRequests,
  isUnauthorized,
  isUnsupportedMediaType,
  NetworkError,
  redact,
  redactHeaders,
  suggestsClientDelay,
  type Status,
} from "@kubegen/runtime";

const err = (reason: string, code: number, details?: Status["details"]) =>
  new ApiError({ kind: "Status", apiVersion: "v1", status: "Failure", reason, code, message: `m ${reason}`, ...(details ? { details } : {}) });

const predicates = {
  isNotFound,
  isAlreadyExists,
  isConflict,
  isInvalid,
  isForbidden,
  isUnauthorized,
  isBadRequest,
  isGone,
  isResourceExpired,
  isTooManyRequests,
  isServerTimeout,
  isTimeout,
  isInternalError,
  isServiceUnavailable,
  isMethodNotSupported,
  isUnsupportedMediaType,
};
type P = keyof typeof predicates;

// [reason, code, predicates that must be true (all others false)]
const table: Array<[string, number, P[]]> = [
  ["NotFound", 404, ["isNotFound"]],
  ["", 404, ["isNotFound"]], // unknown reason: code decides
  ["SomethingNew", 404, ["isNotFound"]],
  ["AlreadyExists", 409, ["isAlreadyExists"]], // known reason: not a Conflict
  ["Conflict", 409, ["isConflict"]],
  ["", 409, ["isConflict"]],
  ["Invalid", 422, ["isInvalid"]],
  ["", 422, ["isInvalid"]],
  ["Forbidden", 403, ["isForbidden"]],
  ["Unauthorized", 401, ["isUnauthorized"]],
  ["BadRequest", 400, ["isBadRequest"]],
  ["Gone", 410, ["isGone"]],
  ["Expired", 410, ["isResourceExpired"]], // Expired is known: not Gone
  ["", 410, ["isGone"]],
  ["TooManyRequests", 429, ["isTooManyRequests"]],
  ["InternalError", 429, ["isTooManyRequests", "isInternalError"]], // 429 matches by code regardless
  ["ServerTimeout", 500, ["isServerTimeout"]],
  ["", 500, ["isInternalError"]],
  ["Timeout", 504, ["isTimeout"]],
  ["", 504, ["isTimeout"]],
  ["ServiceUnavailable", 503, ["isServiceUnavailable"]],
  ["MethodNotAllowed", 405, ["isMethodNotSupported"]],
  ["UnsupportedMediaType", 415, ["isUnsupportedMediaType"]],
  ["NotFound", 500, ["isNotFound"]], // reason wins over code
];

describe("ApiError predicates", () => {
  it.each(table)("reason %j code %i", (reason, code, yes) => {
    const e = err(reason, code);
    for (const [name, pred] of Object.entries(predicates)) expect([name, pred(e)]).toEqual([name, yes.includes(name as P)]);
  });

  it("unwraps cause chains and is false for other errors", () => {
    const wrapped = new Error("outer", { cause: new Error("mid", { cause: err("NotFound", 404) }) });
    expect(isNotFound(wrapped)).toBe(true);
    expect(isNotFound(new Error("x"))).toBe(false);
    expect(isNotFound(undefined)).toBe(false);
    expect(isNotFound(new NetworkError("down", { method: "GET", url: "u", cause: new Error("c") }))).toBe(false);
  });

  it("suggestsClientDelay follows apimachinery", () => {
    expect(suggestsClientDelay(err("ServerTimeout", 500, { retryAfterSeconds: 0 }))).toBe(0);
    expect(suggestsClientDelay(err("TooManyRequests", 429, { retryAfterSeconds: 3 }))).toBe(3);
    expect(suggestsClientDelay(err("TooManyRequests", 429, { retryAfterSeconds: 0 }))).toBeUndefined();
    expect(suggestsClientDelay(err("ServerTimeout", 500))).toBeUndefined(); // no details
    expect(suggestsClientDelay(new Error("x"))).toBeUndefined();
  });

  it("exposes status, code, reason, causes and the server message", () => {
    const e = err("Invalid", 422, { causes: [{ reason: "FieldValueRequired", field: "spec.x", message: "Required value" }] });
    expect(e).toBeInstanceOf(Error);
    expect(e.message).toBe("m Invalid");
    expect([e.code, e.reason, e.causes[0]!.field]).toEqual([422, "Invalid", "spec.x"]);
  });
});

describe("genericServerResponseStatus", () => {
  it.each<[number, string, string, string]>([
    [409, "POST", "AlreadyExists", "the server reported a conflict (post configmaps x)"],
    [409, "PUT", "Conflict", "the server reported a conflict (put configmaps x)"],
    [404, "GET", "NotFound", "the server could not find the requested resource (get configmaps x)"],
    [403, "GET", "Forbidden", "server said no (get configmaps x)"],
    [429, "GET", "TooManyRequests", "the server has received too many requests and has asked us to try again later (get configmaps x)"],
    [502, "GET", "InternalError", 'an error on the server ("server said no") has prevented the request from succeeding (get configmaps x)'],
    [418, "GET", "", "the server responded with the status code 418 but did not return more information (get configmaps x)"],
  ])("%i %s -> %s", (code, method, reason, message) => {
    const s = genericServerResponseStatus(code, { method, resource: "configmaps", group: "", name: "x" }, "server said no", 2);
    expect(s.reason).toBe(reason);
    expect(s.message).toBe(message);
    expect(s.code).toBe(code);
    expect(s.details?.retryAfterSeconds).toBe(2);
    expect(s.details?.causes).toEqual([{ reason: "UnexpectedServerResponse", message: "server said no" }]);
  });
});

describe("redact", () => {
  it.each<[string, string]>([
    ["Authorization: Bearer abc.def-ghi", "Authorization: Bearer <redacted>"],
    ["authorization=xyz", "authorization=<redacted>"],
    ["bearer eyJhbGciOi", "bearer <redacted>"],
    ['{"token":"s3cr3t","user":"bob"}', '{"token":"<redacted>","user":"bob"}'],
    ["password=hunter2 next", "password=<redacted> next"],
    ["client-key-data: LS0tLS1CRUdJTg==", "client-key-data: <redacted>"],
    ["https://bob:pa55@proxy:8080/", "https://bob:<redacted>@proxy:8080/"],
    ["-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----", "-----BEGIN RSA PRIVATE KEY-----<redacted>"],
    ["-----BEGIN PRIVATE KEY-----\nMIIE", "-----BEGIN PRIVATE KEY-----<redacted>"],
    ["nothing secret here", "nothing secret here"],
  ])("%j", (input, want) => {
    expect(redact(input)).toBe(want);
  });

  it("removes known secret values anywhere", () => {
    expect(redact("failed with tok-XYZ-123 in url ?q=tok-XYZ-123", ["tok-XYZ-123", undefined, "ab"])).toBe(
      "failed with <redacted> in url ?q=<redacted>",
    );
  });

  it("redacts secret headers", () => {
    expect(redactHeaders({ Authorization: "Bearer x", accept: "a", "proxy-authorization": "Basic y" })).toEqual({
      Authorization: "<redacted>",
      accept: "a",
      "proxy-authorization": "<redacted>",
    });
  });
});
