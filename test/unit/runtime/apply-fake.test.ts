// Server-side apply in the fake clientset, with a small hand-written schema covering every list
// and map semantic. Expected answers follow kube-apiserver v1.36 (the integration test
// apply-fake-probe.test.ts compares the fake with the real server step by step).
import { describe, expect, it } from "vitest";
import { META_APPLY_TYPES } from "../../../runtime/src/apply/meta-schema.js";
import { SCALAR, UNTYPED, struct, type ApplySchema } from "../../../runtime/src/apply/schema.js";
import { FakeClient, FakeClock, type FakeResource } from "@kubegen/runtime/testing";
import type { ApiError } from "../../../runtime/src/errors/api-error.js";

const schema: ApplySchema = {
  types: {
    ...META_APPLY_TYPES,
    "example.com/v1.Widget": { fields: { apiVersion: SCALAR, kind: SCALAR, metadata: struct("ObjectMeta"), spec: struct("example.com/v1.Spec"), status: struct("example.com/v1.Status") } },
    "example.com/v1.Spec": {
      fields: {
        replicas: SCALAR,
        ports: { kind: "list", listType: "map", keys: ["port", "protocol"], items: struct("example.com/v1.Port") },
        tags: { kind: "list", listType: "set", items: SCALAR },
        args: { kind: "list", listType: "atomic", items: SCALAR },
        env: { kind: "map", mapType: "granular", values: SCALAR },
        selector: { kind: "map", mapType: "atomic", values: SCALAR },
        template: struct("example.com/v1.Template"),
        extra: UNTYPED,
      },
    },
    "example.com/v1.Port": { fields: { port: SCALAR, protocol: SCALAR, name: SCALAR } },
    "example.com/v1.Template": { atomic: true, fields: { a: SCALAR, b: SCALAR } },
    "example.com/v1.Status": { fields: { phase: SCALAR, count: SCALAR } },
  },
};

const widgets: FakeResource = {
  group: "example.com", version: "v1", resource: "widgets", kind: "Widget", listKind: "WidgetList", namespaced: true, subresources: ["status"],
  apply: { schema, type: "example.com/v1.Widget" },
};
const plain: FakeResource = { group: "example.com", version: "v1", resource: "gadgets", kind: "Gadget", listKind: "GadgetList", namespaced: true, subresources: [] };

const T0 = Date.parse("2026-01-02T03:04:05Z");

function setup() {
  const clock = new FakeClock(T0);
  // Writes without a fieldManager take the User-Agent product, as on the server.
  const fake = new FakeClient({ resources: [widgets, plain], clock, userAgent: "kubegen-fake/0 (test)" });
  const at = { group: "example.com", version: "v1", resource: "widgets", namespace: "ns" };
  const apply = (manager: string, spec: unknown, extra: { force?: boolean; status?: unknown; subresource?: string; dryRun?: boolean; name?: string } = {}) =>
    fake.request<any>({
      ...at,
      verb: "apply",
      name: extra.name ?? "w",
      body: { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: extra.name ?? "w" }, ...(spec !== undefined ? { spec } : {}), ...(extra.status !== undefined ? { status: extra.status } : {}) },
      options: { fieldManager: manager, ...(extra.force ? { force: true } : {}), ...(extra.dryRun ? { dryRun: "All" } : {}) },
      ...(extra.subresource ? { subresource: extra.subresource } : {}),
    });
  const get = () => fake.request<any>({ ...at, verb: "get", name: "w" });
  const fields = (o: any, manager: string, operation = "Apply") => o.metadata.managedFields?.find((e: any) => e.manager === manager && e.operation === operation)?.fieldsV1;
  return { fake, clock, at, apply, get, fields };
}

async function rejection(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (err) {
    return err as ApiError;
  }
  throw new Error("expected a rejection");
}

describe("fake clientset server-side apply", () => {
  it("creates the object, owning exactly the applied fields (composite keys, set values, atomic leaves)", async () => {
    const { apply } = setup();
    const o = await apply("a", {
      replicas: 1,
      ports: [{ port: 80, protocol: "TCP", name: "h" }, { port: 80, protocol: "UDP" }],
      tags: ["x", "y"],
      args: ["1", "2"],
      env: { A: "1" },
      selector: { app: "w" },
      template: { a: "1" },
      extra: { free: { form: [1] } },
    });
    expect(o.metadata.uid).toBeTruthy();
    expect(o.metadata.generation).toBe(1);
    expect(o.metadata.managedFields).toEqual([
      {
        manager: "a",
        operation: "Apply",
        apiVersion: "example.com/v1",
        time: "2026-01-02T03:04:05Z",
        fieldsType: "FieldsV1",
        fieldsV1: {
          "f:spec": {
            "f:args": {},
            "f:env": { "f:A": {} },
            "f:extra": { "f:free": { ".": {}, "f:form": {} } },
            "f:ports": {
              'k:{"port":80,"protocol":"TCP"}': { ".": {}, "f:name": {}, "f:port": {}, "f:protocol": {} },
              'k:{"port":80,"protocol":"UDP"}': { ".": {}, "f:port": {}, "f:protocol": {} },
            },
            "f:replicas": {},
            "f:selector": {},
            "f:tags": { 'v:"x"': {}, 'v:"y"': {} },
            "f:template": {},
          },
        },
      },
    ]);
  });

  it("merges: map lists by all keys (server order), sets by union, atomic lists/maps/structs replaced, granular maps and untyped objects per key", async () => {
    const { apply } = setup();
    await apply("a", { ports: [{ port: 1, protocol: "TCP" }, { port: 2, protocol: "TCP" }, { port: 3, protocol: "TCP" }], tags: ["x"], args: ["1", "2"], env: { A: "1" }, selector: { a: "1", b: "2" }, template: { a: "1", b: "2" }, extra: { k1: { x: 1 }, list: [1, 2] } });
    const o = await apply("b", { ports: [{ port: 3, protocol: "TCP", name: "n" }, { port: 4, protocol: "TCP" }, { port: 1, protocol: "TCP" }], tags: ["w"], args: ["3"], env: { B: "2" }, selector: { c: "3" }, template: { b: "9" }, extra: { k1: { y: 2 }, list: [3] } }, { force: true });
    expect(o.spec.ports.map((p: any) => p.port)).toEqual([2, 3, 4, 1]);
    expect(o.spec.ports[1]).toEqual({ port: 3, protocol: "TCP", name: "n" });
    expect(o.spec.tags).toEqual(["x", "w"]);
    expect(o.spec.args).toEqual(["3"]);
    expect(o.spec.env).toEqual({ A: "1", B: "2" });
    expect(o.spec.selector).toEqual({ c: "3" });
    expect(o.spec.template).toEqual({ b: "9" });
    expect(o.spec.extra).toEqual({ k1: { x: 1, y: 2 }, list: [3] });
  });

  it("a conflict with one manager is a 409 worded like the server's", async () => {
    const { apply } = setup();
    await apply("a", { replicas: 1 });
    const err = await rejection(apply("b", { replicas: 2 }));
    expect(err.status).toEqual({
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: 'Apply failed with 1 conflict: conflict with "a": .spec.replicas',
      reason: "Conflict",
      details: { causes: [{ reason: "FieldManagerConflict", message: 'conflict with "a"', field: ".spec.replicas" }] },
      code: 409,
    });
  });

  it("conflicts with two managers list each manager's paths, managers sorted", async () => {
    const { apply, fake, at } = setup();
    await apply("z", { replicas: 1, ports: [{ port: 1, protocol: "TCP", name: "a" }] });
    const cur = await fake.request<any>({ ...at, verb: "get", name: "w" });
    await fake.request({ ...at, verb: "update", name: "w", body: { ...cur, spec: { ...cur.spec, env: { E: "1" } } }, options: { fieldManager: "kubectl-edit" } });
    const err = await rejection(apply("b", { replicas: 2, env: { E: "2" }, ports: [{ port: 1, protocol: "TCP", name: "b" }] }));
    expect(err.status.message).toBe(
      'Apply failed with 3 conflicts: conflicts with "kubectl-edit" using example.com/v1:\n- .spec.env.E\nconflicts with "z":\n- .spec.replicas\n- .spec.ports[port=1,protocol="TCP"].name',
    );
    expect(err.status.details?.causes?.map((c) => c.message)).toEqual(['conflict with "kubectl-edit" using example.com/v1', 'conflict with "z"', 'conflict with "z"']);
  });

  it("force moves the conflicting fields to the applier", async () => {
    const { apply, fields } = setup();
    await apply("a", { replicas: 1, env: { A: "1" } });
    const o = await apply("b", { replicas: 2 }, { force: true });
    expect(o.spec.replicas).toBe(2);
    expect(fields(o, "a")).toEqual({ "f:spec": { "f:env": { "f:A": {} } } });
    expect(fields(o, "b")).toEqual({ "f:spec": { "f:replicas": {} } });
  });

  it("fields a manager stops applying are removed, unless another manager owns them; empty managers disappear", async () => {
    const { apply, fields } = setup();
    await apply("a", { replicas: 1, env: { A: "1", B: "2" }, tags: ["x", "y"], ports: [{ port: 1, protocol: "TCP" }, { port: 2, protocol: "TCP" }] });
    await apply("b", { env: { B: "2" }, ports: [{ port: 2, protocol: "TCP" }] });
    let o = await apply("a", { tags: ["y"] });
    expect(o.spec).toEqual({ env: { B: "2" }, tags: ["y"], ports: [{ port: 2, protocol: "TCP" }] });
    o = await apply("a", undefined);
    expect(o.spec).toEqual({ env: { B: "2" }, ports: [{ port: 2, protocol: "TCP" }] });
    expect(fields(o, "a")).toBeUndefined();
    expect(o.metadata.managedFields.map((e: any) => e.manager)).toEqual(["b"]);
  });

  it("applying the same value as another manager shares the field; the new entry has no time until it changes something", async () => {
    const { apply, fields, clock } = setup();
    const first = await apply("a", { replicas: 1 });
    clock.advance(5000);
    const o = await apply("b", { replicas: 1 });
    expect(o.metadata.resourceVersion).not.toBe(first.metadata.resourceVersion); // managedFields changed
    expect(fields(o, "a")).toEqual(fields(o, "b"));
    const b = o.metadata.managedFields.find((e: any) => e.manager === "b");
    expect(b.time).toBeUndefined();
    expect(o.metadata.managedFields.map((e: any) => e.manager)).toEqual(["b", "a"]); // untimed sorts first, like the server
    const after = await apply("a", undefined);
    expect(after.spec).toEqual({ replicas: 1 }); // b still owns it
  });

  it("a no-op apply stores nothing: same resourceVersion, no watch event", async () => {
    const { apply, fake, at } = setup();
    const o1 = await apply("a", { replicas: 1 });
    const ac = new AbortController();
    const events: string[] = [];
    const watching = (async () => {
      for await (const ev of fake.watch({ ...at, verb: "watch", options: { resourceVersion: o1.metadata.resourceVersion, signal: ac.signal } })) events.push(ev.type);
    })();
    const o2 = await apply("a", { replicas: 1 });
    const o3 = await apply("a", { replicas: 3 });
    await new Promise((r) => setTimeout(r, 10));
    ac.abort();
    await watching;
    expect(o2.metadata.resourceVersion).toBe(o1.metadata.resourceVersion);
    expect(Number(o3.metadata.resourceVersion)).toBeGreaterThan(Number(o1.metadata.resourceVersion));
    expect(o3.metadata.generation).toBe(2);
    expect(events).toEqual(["MODIFIED"]);
  });

  it("create, update and merge patch record Update managers (fieldManager, else kubegen-fake) that lose fields others change", async () => {
    const { fake, at, apply, fields } = setup();
    const created = await fake.request<any>({ ...at, verb: "create", body: { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w", labels: { l: "1" } }, spec: { replicas: 1, env: { A: "1" } } } });
    expect(created.metadata.managedFields).toEqual([
      {
        manager: "kubegen-fake", operation: "Update", apiVersion: "example.com/v1", time: "2026-01-02T03:04:05Z", fieldsType: "FieldsV1",
        fieldsV1: { "f:metadata": { "f:labels": { ".": {}, "f:l": {} } }, "f:spec": { ".": {}, "f:env": { ".": {}, "f:A": {} }, "f:replicas": {} } },
      },
    ]);
    const patched = await fake.request<any>({ ...at, verb: "patch", name: "w", patchType: "application/merge-patch+json", body: { spec: { replicas: 2, env: { A: null } } }, options: { fieldManager: "patcher" } });
    expect(fields(patched, "patcher", "Update")).toEqual({ "f:spec": { "f:replicas": {} } });
    expect(fields(patched, "kubegen-fake", "Update")).toEqual({ "f:metadata": { "f:labels": { ".": {}, "f:l": {} } }, "f:spec": { ".": {}, "f:env": {} } });
    const err = await rejection(apply("a", { replicas: 3 }));
    expect(err.status.message).toBe('Apply failed with 1 conflict: conflict with "patcher" using example.com/v1: .spec.replicas');
  });

  it("the main resource ignores status; the status subresource applies only status, as its own manager", async () => {
    const { apply, fields } = setup();
    await apply("a", { replicas: 1 }, { status: { phase: "ignored" } });
    const o = await apply("s", { replicas: 9 }, { status: { phase: "Ready" }, subresource: "status" });
    expect(o.spec).toEqual({ replicas: 1 });
    expect(o.status).toEqual({ phase: "Ready" });
    const entry = o.metadata.managedFields.find((e: any) => e.manager === "s");
    expect(entry).toMatchObject({ operation: "Apply", subresource: "status", fieldsV1: { "f:status": { "f:phase": {} } } });
    expect(fields(o, "a")).toEqual({ "f:spec": { "f:replicas": {} } });
    const err = await rejection(apply("t", undefined, { status: { phase: "Other" }, subresource: "status" }));
    expect(err.status.message).toBe('Apply failed with 1 conflict: conflict with "s" with subresource "status": .status.phase');
  });

  it("objects without managedFields (seeds) give their fields to before-first-apply on the first apply", async () => {
    const fake = new FakeClient({ resources: [widgets], clock: new FakeClock(T0), objects: [{ apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w", namespace: "ns" }, spec: { replicas: 1 } } as any] });
    const at = { group: "example.com", version: "v1", resource: "widgets", namespace: "ns", name: "w" };
    const err = await rejection(fake.request({ ...at, verb: "apply", body: { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" }, spec: { replicas: 2 } }, options: { fieldManager: "a" } }));
    expect(err.status.message).toBe('Apply failed with 1 conflict: conflict with "before-first-apply" using example.com/v1: .spec.replicas');
  });

  it("dryRun computes without storing", async () => {
    const { apply, fake, at } = setup();
    const o = await apply("a", { replicas: 1 }, { dryRun: true });
    expect(o.spec.replicas).toBe(1);
    await expect(fake.request({ ...at, verb: "get", name: "w" })).rejects.toMatchObject({ status: { reason: "NotFound" } });
  });

  it("answers bad requests like the server", async () => {
    const { fake, at, apply } = setup();
    const req = (body: unknown, options: Record<string, unknown> = { fieldManager: "a" }, name = "w") => rejection(fake.request({ ...at, verb: "apply", name, body, options }));
    expect((await req({ apiVersion: "example.com/v1", kind: "Widget", metadata: {} })).status).toMatchObject({
      code: 400, reason: "BadRequest", message: "the name of the object (w based on URL) was undeterminable: name must be provided",
    });
    expect((await req({ apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" } }, {})).status).toMatchObject({
      code: 422, reason: "Invalid", message: 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
    });
    expect((await req({ apiVersion: "v1", kind: "Widget", metadata: { name: "w" } })).status.message).toBe("invalid object type: /v1, Kind=Widget");
    expect((await req({ apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w", managedFields: [] } })).status.message).toBe("metadata.managedFields must be nil");
    expect((await req({ apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" }, spec: { nope: 1 } })).status).toMatchObject({
      code: 500, message: "failed to create typed patch object (/w; example.com/v1, Kind=Widget): .spec.nope: field not declared in schema",
    });
    expect((await req({ apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" }, spec: { tags: ["a", "a"] } })).status.message).toMatch(/\.spec\.tags: duplicate entries for key \[="a"\]/);
    await apply("a", { replicas: 1 });
    expect((await req({ apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "zz" } })).status.message).toBe("the name of the object (zz) does not match the name on the URL (w)");
  });

  it("keys a map-list item that lacks a key field by the fields it has", async () => {
    const { apply } = setup();
    const o = await apply("a", { ports: [{ port: 1 }, { port: 1, protocol: "TCP" }] });
    expect(o.spec.ports).toEqual([{ port: 1 }, { port: 1, protocol: "TCP" }]);
    expect(Object.keys(o.metadata.managedFields[0].fieldsV1["f:spec"]["f:ports"])).toEqual(['k:{"port":1}', 'k:{"port":1,"protocol":"TCP"}']);
  });

  it("accepts apply patches (PatchType.Apply, JSON or YAML bodies) and keeps a 415 for resources without a schema", async () => {
    const { fake, at } = setup();
    const o = await fake.request<any>({ ...at, verb: "patch", name: "w", patchType: "application/apply-patch+yaml", body: "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n  replicas: 4\n", options: { fieldManager: "y" } });
    expect(o.spec.replicas).toBe(4);
    const err = await rejection(fake.request({ group: "example.com", version: "v1", resource: "gadgets", namespace: "ns", verb: "apply", name: "g", body: {}, options: { fieldManager: "y" } }));
    expect(err.status.code).toBe(415);
  });

  it("keeps at most 10 Update managers, merging the oldest into ancient-changes", async () => {
    const { fake, at, clock } = setup();
    await fake.request({ ...at, verb: "create", body: { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" }, spec: { env: {} } }, options: { fieldManager: "m0" } });
    for (let i = 1; i <= 11; i++) {
      clock.advance(1000);
      await fake.request({ ...at, verb: "patch", name: "w", patchType: "application/merge-patch+json", body: { spec: { env: { [`k${i}`]: "v" } } }, options: { fieldManager: `m${i}` } });
    }
    const o = await fake.request<any>({ ...at, verb: "get", name: "w" });
    const managers = o.metadata.managedFields.map((e: any) => e.manager);
    expect(managers).toHaveLength(10);
    expect(managers[0]).toBe("ancient-changes");
    expect(managers).not.toContain("m0");
    expect(managers).not.toContain("m1");
    expect(managers).not.toContain("m2");
  });
});
