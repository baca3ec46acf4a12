// The fake clientset's server-like write checks, without a server: structural-schema validation
// and pruning of custom resources (schema-validation.ts), metadata rules and the default field
// manager (object-meta.ts), and the tracker's resourceVersion and uid preconditions. Expected
// texts are the ones kube-apiserver v1.36 answers (test/integration/apply/fake-catalogue.test.ts
// checks the same calls against the real server).
import { describe, expect, it } from "vitest";
import { META_APPLY_TYPES } from "../../../runtime/src/apply/meta-schema.js";
import { SCALAR, struct, type ApplySchema } from "../../../runtime/src/apply/schema.js";
import { ApiError } from "../../../runtime/src/errors/api-error.js";
import {
  FakeClient,
  FakeClock,
  fieldManagerFromUserAgent,
  pruneObject,
  validateObject,
  type FakeResource,
  type ValidationSchema,
} from "@kubegen/runtime/testing";

const schema: ValidationSchema = {
  types: {
    W: { properties: { apiVersion: { type: "string" }, kind: { type: "string" }, metadata: {}, spec: { type: "object", ref: "S" }, status: { type: "object", ref: "St" } } },
    S: {
      properties: {
        size: { type: "integer", minimum: 1, maximum: 10 },
        color: { type: "string", enum: ["red", "green"] },
        title: { type: "string", maxLength: 3, pattern: "^[a-z]+$" },
        ratio: { type: "number", minimum: 0, maximum: 1, exclusiveMaximum: true },
        note: { type: "string", nullable: true },
        when: { type: "string", format: "date-time" },
        tags: { type: "array", items: { type: "string" }, maxItems: 2 },
        ports: { type: "array", items: { type: "object", ref: "P" } },
        settings: { type: "object", values: { type: "string" }, maxProperties: 1 },
        extra: { type: "object", preserveUnknown: true },
      },
      required: ["size", "color"],
    },
    P: { properties: { name: { type: "string" }, port: { type: "integer", maximum: 100 } }, required: ["name"] },
    St: { properties: { count: { type: "integer", minimum: 0 } } },
  },
};

const applySchema: ApplySchema = {
  types: {
    ...META_APPLY_TYPES,
    W: { fields: { apiVersion: SCALAR, kind: SCALAR, metadata: struct("ObjectMeta"), spec: struct("WS"), status: struct("WSt") } },
    WS: { fields: { size: SCALAR, color: SCALAR, title: SCALAR, note: SCALAR } },
    WSt: { fields: { count: SCALAR } },
    CM: { fields: { apiVersion: SCALAR, kind: SCALAR, metadata: struct("ObjectMeta"), data: { kind: "map", mapType: "granular", values: SCALAR } } },
  },
};

const WIDGETS: FakeResource = {
  group: "example.com", version: "v1", resource: "widgets", kind: "Widget", listKind: "WidgetList", namespaced: true, subresources: ["status"],
  apply: { schema: applySchema, type: "W" }, validation: { schema, type: "W" },
};
const CONFIGMAPS: FakeResource = {
  group: "", version: "v1", resource: "configmaps", kind: "ConfigMap", listKind: "ConfigMapList", namespaced: true, subresources: [], generation: false,
  apply: { schema: applySchema, type: "CM" },
};

/** A valid spec changed by `s` (an undefined value removes the field). */
const spec = (s: Record<string, unknown>) => {
  const out: Record<string, unknown> = { size: 1, color: "red", ...s };
  for (const [k, v] of Object.entries(out)) if (v === undefined) delete out[k];
  return { spec: out };
};

describe("validateObject: the server's structural-schema errors", () => {
  const cases: [string, Record<string, unknown>, unknown[][]][] = [
    ["valid", {}, []],
    ["missing required", { size: undefined, color: undefined }, [["FieldValueRequired", "spec.size", "", undefined], ["FieldValueRequired", "spec.color", "", undefined]]],
    ["wrong type", { size: "x" }, [["FieldValueTypeInvalid", "spec.size", 'spec.size in body must be of type integer: "string"', "string"]]],
    ["a fraction for an integer", { size: 1.5 }, [
      ["FieldValueTypeInvalid", "spec.size", 'spec.size in body must be of type integer: "number"', "number"],
      ["FieldValueInvalid", "<nil>", "Checked value must be of type integer (default format) in spec.size", ""],
    ]],
    ["enum and type", { color: 7 }, [
      ["FieldValueTypeInvalid", "spec.color", 'spec.color in body must be of type string: "integer"', "integer"],
      ["FieldValueNotSupported", "spec.color", 'supported values: "red", "green"', 7],
    ]],
    ["minimum", { size: 0 }, [["FieldValueInvalid", "spec.size", "spec.size in body should be greater than or equal to 1", 0]]],
    ["maximum", { size: 11 }, [["FieldValueInvalid", "spec.size", "spec.size in body should be less than or equal to 10", 11]]],
    ["exclusive maximum", { ratio: 1 }, [["FieldValueInvalid", "spec.ratio", "spec.ratio in body should be less than 1", 1]]],
    ["only the first string error", { title: "ABCD" }, [["FieldValueTooLong", "spec.title", "may not be more than 3 bytes", "ABCD"]]],
    ["pattern", { title: "AB" }, [["FieldValueInvalid", "spec.title", "spec.title in body should match '^[a-z]+$'", "AB"]]],
    ["format", { when: "soon" }, [["FieldValueTypeInvalid", "spec.when", 'spec.when in body must be of type date-time: "soon"', "soon"]]],
    ["a valid date-time", { when: "2026-01-02T03:04:05Z" }, []],
    ["nullable", { note: null }, []],
    ["maxItems", { tags: ["a", "b", "c"] }, [["FieldValueTooMany", "spec.tags", "must have at most 2 items", 3]]],
    ["list items", { ports: [{ port: 101 }] }, [
      ["FieldValueRequired", "spec.ports[0].name", "", undefined],
      ["FieldValueInvalid", "spec.ports[0].port", "spec.ports[0].port in body should be less than or equal to 100", 101],
    ]],
    ["map values and maxProperties", { settings: { a: 1, b: "x" } }, [
      ["FieldValueTooMany", "spec.settings", "must have at most 1 items", 2],
      ["FieldValueTypeInvalid", "spec.settings.a", 'spec.settings.a in body must be of type string: "integer"', "integer"],
    ]],
    ["properties by name", { title: "AB", color: "blue" }, [
      ["FieldValueNotSupported", "spec.color", 'supported values: "red", "green"', "blue"],
      ["FieldValueInvalid", "spec.title", "spec.title in body should match '^[a-z]+$'", "AB"],
    ]],
  ];
  it.each(cases)("%s", (_name, s, want) => {
    const got = validateObject(schema, "W", spec(s));
    expect(got.map((e) => [e.type, e.field, e.detail ?? "", e.badValue])).toEqual(want);
  });

  it("names status fields relative to the status in messages when only the status is validated", () => {
    const got = validateObject(schema, "W", { status: { count: -1 } }, "status");
    expect(got).toEqual([{ type: "FieldValueInvalid", field: "status.count", badValue: -1, detail: "count in body should be greater than or equal to 0" }]);
  });
});

describe("pruneObject: unknown fields and non-nullable nulls", () => {
  it("drops undeclared fields with the server's warnings, keeps preserved subtrees and nullable nulls", () => {
    const o: Record<string, unknown> = {
      apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w", whatever: 1 }, bogus: 1,
      spec: { size: 1, color: "red", title: null, note: null, ports: [{ name: "a", x: 1 }], extra: { any: { thing: [1] } }, nested: {} },
    };
    expect(pruneObject(schema, "W", o)).toEqual(['unknown field "bogus"', 'unknown field "spec.ports[0].x"', 'unknown field "spec.nested"']);
    expect(o).toEqual({
      apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w", whatever: 1 },
      spec: { size: 1, color: "red", note: null, ports: [{ name: "a" }], extra: { any: { thing: [1] } } },
    });
  });
});

describe("fieldManagerFromUserAgent", () => {
  it.each([
    ["catalogue-tool/1.2.3 (linux/amd64) kubegen/0", "catalogue-tool"],
    ["kubectl/v1.36.0 (linux/amd64) kubernetes/abc", "kubectl"],
    ["plainagent", "plainagent"],
    ["/weird", "unknown"],
    ["", "unknown"],
    ["a\u0007b/1", "ab"],
    [`${"x".repeat(200)}/1`, "x".repeat(128)],
  ])("%j -> %j", (ua, want) => expect(fieldManagerFromUserAgent(ua)).toBe(want));
});

async function failure(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error("expected the call to fail");
}

function setup() {
  const warnings: string[] = [];
  const fake = new FakeClient({
    resources: [WIDGETS, CONFIGMAPS],
    clock: new FakeClock(Date.parse("2026-01-02T03:04:05Z")),
    userAgent: "my-tool/1.0 (linux/amd64) kubegen/0",
    warningHandler: (w) => warnings.push(w.text),
  });
  const w = { group: "example.com", version: "v1", resource: "widgets", namespace: "ns" };
  const cm = { group: "", version: "v1", resource: "configmaps", namespace: "ns" };
  const widget = (name: string, s: Record<string, unknown> = {}, meta: Record<string, unknown> = {}) => ({
    apiVersion: "example.com/v1", kind: "Widget", metadata: { name, ...meta }, ...spec(s),
  });
  return { fake, warnings, w, cm, widget };
}

describe("FakeClient writes: the server's rules", () => {
  it("rejects an invalid custom resource with the server's 422 and stores nothing", async () => {
    const { fake, w, widget } = setup();
    const e = await failure(fake.request({ ...w, verb: "create", body: widget("a", { size: 0, color: "blue" }) }));
    expect(e.status).toMatchObject({ code: 422, reason: "Invalid", details: { name: "a", group: "example.com", kind: "Widget" } });
    expect(e.status.message).toBe(
      'Widget.example.com "a" is invalid: [spec.color: Unsupported value: "blue": supported values: "red", "green", spec.size: Invalid value: 0: spec.size in body should be greater than or equal to 1]',
    );
    expect(e.status.details?.causes).toEqual([
      { reason: "FieldValueNotSupported", message: 'Unsupported value: "blue": supported values: "red", "green"', field: "spec.color" },
      { reason: "FieldValueInvalid", message: "Invalid value: 0: spec.size in body should be greater than or equal to 1", field: "spec.size" },
    ]);
    expect(fake.tracker.resourceVersion).toBe("0");
  });

  it("validates before it checks for an existing object, and checks names as DNS subdomains", async () => {
    const { fake, w, widget } = setup();
    await fake.request({ ...w, verb: "create", body: widget("a") });
    expect((await failure(fake.request({ ...w, verb: "create", body: widget("a", { size: 0 }) }))).code).toBe(422);
    expect((await failure(fake.request({ ...w, verb: "create", body: widget("a") }))).code).toBe(409);
    const bad = await failure(fake.request({ ...w, verb: "create", body: widget("Bad_Name") }));
    expect(bad.status.details?.causes?.[0]).toMatchObject({ reason: "FieldValueInvalid", field: "metadata.name" });
  });

  it("prunes unknown fields on every write and reports the server's warnings", async () => {
    const { fake, w, widget, warnings } = setup();
    const created = await fake.request<any>({ ...w, verb: "create", body: { ...widget("a", { bogus: 1 }), top: true }, options: { fieldManager: "m" } });
    expect(created.spec).toEqual({ size: 1, color: "red" });
    expect(created.top).toBeUndefined();
    expect(created.metadata.managedFields[0].fieldsV1).toEqual({ "f:spec": { ".": {}, "f:color": {}, "f:size": {} } });
    await fake.request({ ...w, verb: "patch", name: "a", patchType: "application/merge-patch+json", body: { spec: { other: 2 } } });
    expect(warnings).toEqual(['unknown field "spec.bogus"', 'unknown field "top"', 'unknown field "spec.other"']);
    expect(fake.warnings().map((x) => x.code)).toEqual([299, 299, 299]);
  });

  it("requires resourceVersion on a custom resource's PUT, but not on a ConfigMap's", async () => {
    const { fake, w, cm, widget } = setup();
    await fake.request({ ...w, verb: "create", body: widget("a") });
    const e = await failure(fake.request({ ...w, verb: "update", name: "a", body: widget("a", { size: 2 }) }));
    expect(e.status).toMatchObject({ code: 422, reason: "Invalid", message: 'widgets.example.com "a" is invalid: metadata.resourceVersion: Invalid value: 0: must be specified for an update', details: { kind: "widgets" } });
    const status = await failure(fake.request({ ...w, verb: "update", name: "a", subresource: "status", body: { ...widget("a"), status: { count: 1 } } }));
    expect(status.code).toBe(422);
    await fake.request({ ...cm, verb: "create", body: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { a: "1" } } });
    const updated = await fake.request<any>({ ...cm, verb: "update", name: "c", body: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { a: "2" } } });
    expect(updated.data).toEqual({ a: "2" });
    expect(updated.metadata.generation).toBeUndefined();
  });

  it("matches the server's uid preconditions: PUT 409, patch and apply 422 immutable, apply of a missing object 409", async () => {
    const { fake, w, widget } = setup();
    const a = await fake.request<any>({ ...w, verb: "create", body: widget("a") });
    const other = "6a1c0b6e-0000-4000-8000-000000000000";
    const put = await failure(fake.request({ ...w, verb: "update", name: "a", body: { ...a, metadata: { ...a.metadata, uid: other } } }));
    expect(put.status.code).toBe(409);
    expect(put.status.message).toBe(
      `Operation cannot be fulfilled on widgets.example.com "a": StorageError: invalid object, Code: 4, Key: /registry/example.com/widgets/ns/a, ResourceVersion: 0, AdditionalErrorMsg: Precondition failed: UID in precondition: ${other}, UID in object meta: ${a.metadata.uid}`,
    );
    const patch = await failure(fake.request({ ...w, verb: "patch", name: "a", patchType: "application/merge-patch+json", body: { metadata: { uid: other } } }));
    expect(patch.status).toMatchObject({ code: 422, message: `Widget.example.com "a" is invalid: metadata.uid: Invalid value: "${other}": field is immutable` });
    expect(patch.status.details?.causes).toHaveLength(2);
    const applied = await failure(fake.request({ ...w, verb: "apply", name: "b", body: widget("b", {}, { uid: other }), options: { fieldManager: "m" } }));
    expect(applied.status).toMatchObject({ code: 409, reason: "Conflict", message: `Operation cannot be fulfilled on widgets.example.com "b": uid mismatch: the provided object specified uid ${other}, and no existing object was found` });
  });

  it("drops empty labels and their managedFields entry, and empty built-in maps", async () => {
    const { fake, w, cm, widget } = setup();
    await fake.request({ ...w, verb: "create", body: widget("a", {}, { labels: { x: "1" } }), options: { fieldManager: "m" } });
    const p = await fake.request<any>({ ...w, verb: "patch", name: "a", patchType: "application/merge-patch+json", body: { metadata: { labels: { x: null } } }, options: { fieldManager: "m" } });
    expect(p.metadata.labels).toBeUndefined();
    expect(p.metadata.managedFields[0].fieldsV1).toEqual({ "f:spec": { ".": {}, "f:color": {}, "f:size": {} } });
    await fake.request({ ...cm, verb: "create", body: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { a: "1" } } });
    const c = await fake.request<any>({ ...cm, verb: "patch", name: "c", patchType: "application/merge-patch+json", body: { data: { a: null } } });
    expect(c.data).toBeUndefined();
    expect(c.metadata.managedFields).toBeUndefined();
  });

  it("records writes without a fieldManager under the User-Agent's product", async () => {
    const { fake, w, widget } = setup();
    const a = await fake.request<any>({ ...w, verb: "create", body: widget("a") });
    expect(a.metadata.managedFields.map((m: { manager: string }) => m.manager)).toEqual(["my-tool"]);
    fake.userAgent = "/odd";
    const b = await fake.request<any>({ ...w, verb: "create", body: widget("b") });
    expect(b.metadata.managedFields[0].manager).toBe("unknown");
  });

  it("answers a PUT that removes the last finalizer of a deleting object with the object at its last resourceVersion", async () => {
    const { fake, w, widget } = setup();
    await fake.request({ ...w, verb: "create", body: widget("a", {}, { finalizers: ["x/y"] }) });
    const marked = await fake.request<any>({ ...w, verb: "delete", name: "a" });
    expect(marked.metadata.generation).toBe(2);
    const last = await fake.request<any>({ ...w, verb: "update", name: "a", body: { ...marked, metadata: { ...marked.metadata, finalizers: [] } } });
    expect(last.metadata.resourceVersion).toBe(marked.metadata.resourceVersion);
    expect(last.metadata.finalizers).toBeUndefined();
    expect((await failure(fake.request({ ...w, verb: "get", name: "a" }))).code).toBe(404);
  });

  it("lists what deleteCollection removed at the resourceVersions they had", async () => {
    const { fake, w, widget } = setup();
    const a = await fake.request<any>({ ...w, verb: "create", body: widget("a") });
    const gone = await fake.request<any>({ ...w, verb: "deletecollection" });
    expect(gone.items.map((i: any) => i.metadata.resourceVersion)).toEqual([a.metadata.resourceVersion]);
  });

  it("replaces a missing object member in a JSON patch as the server does", async () => {
    const { fake, w, widget } = setup();
    await fake.request({ ...w, verb: "create", body: widget("a") });
    const p = await fake.request<any>({ ...w, verb: "patch", name: "a", patchType: "application/json-patch+json", body: [{ op: "replace", path: "/spec/title", value: "ab" }] });
    expect(p.spec.title).toBe("ab");
  });
});
