// apimachinery's error constructors: the Statuses below are what kube-apiserver
// v1.36.3 sent for the same failures (captured with curl against the test
// control plane), so code written against the fake fails like it would live.
import { describe, expect, it } from "vitest";
import { ApiError, isAlreadyExists, isConflict, isInvalid, isNotFound, isResourceExpired } from "../../../runtime/src/errors/api-error.js";
import {
  fieldErrorString,
  fieldInvalid,
  fieldNotSupported,
  fieldRequired,
  newAlreadyExists,
  newBadRequest,
  newConflict,
  newForbidden,
  newGone,
  newInternalError,
  newInvalid,
  newMethodNotSupported,
  newNotFound,
  newResourceExpired,
  newServerTimeout,
  newTooManyRequests,
} from "../../../runtime/src/errors/constructors.js";

const deployments = { group: "apps", resource: "deployments" };
const configmaps = { group: "", resource: "configmaps" };

describe("error constructors", () => {
  it("newNotFound matches the server's Status for core and grouped resources", () => {
    expect(newNotFound(configmaps, "nope").status).toEqual({
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: 'configmaps "nope" not found',
      reason: "NotFound",
      details: { name: "nope", kind: "configmaps" },
      code: 404,
    });
    const e = newNotFound(deployments, "nope");
    expect(e).toBeInstanceOf(ApiError);
    expect(e.message).toBe('deployments.apps "nope" not found');
    expect(e.status.details).toEqual({ name: "nope", group: "apps", kind: "deployments" });
    expect(isNotFound(e)).toBe(true);
  });

  it("newAlreadyExists and newConflict use the server's wording", () => {
    const a = newAlreadyExists(configmaps, "a");
    expect(a.status).toMatchObject({ message: 'configmaps "a" already exists', reason: "AlreadyExists", code: 409 });
    expect(isAlreadyExists(a) && !isConflict(a)).toBe(true);
    const c = newConflict(configmaps, "a");
    expect(c.status).toEqual({
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message:
        'Operation cannot be fulfilled on configmaps "a": the object has been modified; please apply your changes to the latest version and try again',
      reason: "Conflict",
      details: { name: "a", kind: "configmaps" },
      code: 409,
    });
    expect(newConflict(deployments, "d", new Error("boom")).message).toBe('Operation cannot be fulfilled on deployments.apps "d": boom');
  });

  it("newInvalid aggregates field errors like field.ErrorList", () => {
    const one = newInvalid({ group: "", kind: "ConfigMap" }, "", [fieldRequired("metadata.name", "name or generateName is required")]);
    expect(one.status).toEqual({
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: 'ConfigMap "" is invalid: metadata.name: Required value: name or generateName is required',
      reason: "Invalid",
      details: {
        kind: "ConfigMap",
        causes: [{ reason: "FieldValueRequired", message: "Required value: name or generateName is required", field: "metadata.name" }],
      },
      code: 422,
    });
    const two = newInvalid({ group: "apps", kind: "Deployment" }, "web", [
      fieldInvalid("spec.replicas", -1, "must be greater than or equal to 0"),
      fieldNotSupported("spec.strategy.type", "Fast", ["Recreate", "RollingUpdate"]),
    ]);
    expect(two.message).toBe(
      'Deployment.apps "web" is invalid: [spec.replicas: Invalid value: -1: must be greater than or equal to 0, ' +
        'spec.strategy.type: Unsupported value: "Fast": supported values: "Recreate", "RollingUpdate"]',
    );
    expect(two.status.details).toMatchObject({ name: "web", group: "apps", kind: "Deployment" });
    expect(two.causes).toHaveLength(2);
    expect(isInvalid(two)).toBe(true);
    expect(fieldErrorString(fieldInvalid("metadata.name", "A_B"))).toBe('metadata.name: Invalid value: "A_B"');
  });

  it("410s, bad requests and the rest carry the right reason and code", () => {
    const expired = newResourceExpired("too old resource version: 1 (2)");
    expect(expired.status).toEqual({
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: "too old resource version: 1 (2)",
      reason: "Expired",
      code: 410,
    });
    expect(isResourceExpired(expired)).toBe(true);
    expect(newGone("gone").status).toMatchObject({ reason: "Gone", code: 410 });
    expect(newBadRequest("field label not supported: spec.x").status).toEqual({
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: "field label not supported: spec.x",
      reason: "BadRequest",
      code: 400,
    });
    expect(newMethodNotSupported(deployments, "create").status).toMatchObject({
      message: 'create is not supported on resources of kind "deployments.apps"',
      reason: "MethodNotAllowed",
      code: 405,
      details: { group: "apps", kind: "deployments" },
    });
    expect(newForbidden(configmaps, "a", new Error("no RBAC")).message).toBe('configmaps "a" is forbidden: no RBAC');
    expect(newForbidden(configmaps, "", "no RBAC").message).toBe("configmaps is forbidden: no RBAC");
    expect(newTooManyRequests("Cannot evict pod as it would violate the pod's disruption budget.", 10).retryAfterSeconds).toBe(10);
    expect(newInternalError(new Error("x")).status).toMatchObject({ message: "Internal error occurred: x", reason: "InternalError", code: 500 });
    expect(newServerTimeout(deployments, "get", 2).status).toMatchObject({
      reason: "ServerTimeout",
      message: "The get operation against deployments.apps could not be completed at this time, please try again.",
      details: { retryAfterSeconds: 2 },
    });
  });
});
