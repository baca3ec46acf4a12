// DynamicClient CRUD/apply/watch on an instance of a CRD created by this test
// (unique group), and DiscoveryClient finding that CRD: aggregated and legacy
// modes, the memory cache and its refresh, and the disk cache with a TTL.
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ApiError,
  DiscoveryClient,
  DynamicClient,
  isConflict,
  isNotFound,
  loadConfig,
  PatchType,
  type RestConfig,
  type Unstructured,
  type WatchEvent,
} from "@kubegen/runtime";
import { FakeClock } from "@kubegen/runtime/testing";
import { controlPlane, useTestNamespace } from "../../helpers/cluster.js";

const cp = controlPlane();
const group = `t${randomBytes(4).toString("hex")}.kubegen.test`;
const gvr = { group, version: "v1", resource: "widgets" };
const crdGvr = { group: "apiextensions.k8s.io", version: "v1", resource: "customresourcedefinitions" };

describe.skipIf(!cp)("dynamic client and discovery on a CRD", () => {
  const ns = useTestNamespace(cp, "dyn");
  let config: RestConfig;
  let dyn: DynamicClient;
  let discovery: DiscoveryClient;
  let before: number;

  beforeAll(async () => {
    config = await loadConfig({ kubeconfigPath: cp!.kubeconfigPath });
    dyn = new DynamicClient(config);
    discovery = new DiscoveryClient(dyn.rest);
    before = (await discovery.serverResources()).length; // warm the memory cache before the CRD exists
    await dyn.resource(crdGvr).create({
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: `widgets.${group}` },
      spec: {
        group,
        scope: "Namespaced",
        names: { plural: "widgets", singular: "widget", kind: "Widget", shortNames: ["wdg"] },
        versions: [
          {
            name: "v1",
            served: true,
            storage: true,
            subresources: { status: {} },
            schema: {
              openAPIV3Schema: {
                type: "object",
                properties: {
                  spec: { type: "object", properties: { size: { type: "integer", minimum: 0 }, color: { type: "string" } } },
                  status: { type: "object", properties: { ready: { type: "boolean" } } },
                },
              },
            },
          },
        ],
      },
    });
    // wait until the CRD is Established
    for (let i = 0; i < 100; i++) {
      const crd = await dyn.resource(crdGvr).get(`widgets.${group}`);
      const conds = ((crd.status as { conditions?: Array<{ type: string; status: string }> })?.conditions ?? []);
      if (conds.some((c) => c.type === "Established" && c.status === "True")) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error("CRD not established");
  });

  afterAll(async () => {
    await dyn?.resource(crdGvr).delete(`widgets.${group}`).catch(() => {});
    dyn?.rest.close();
  });

  it("discovery finds the new CRD's resource within one refresh (aggregated v2)", async () => {
    const k = { group, kind: "Widget" };
    expect(await discovery.resourceFor(k)).toBeUndefined(); // memory cache predates the CRD
    expect((await discovery.serverResources()).length).toBe(before);
    await discovery.invalidate();
    const r = await discovery.resourceFor(k);
    expect((await discovery.snapshot()).mode).toBe("aggregated");
    expect(r).toMatchObject({ group, version: "v1", resource: "widgets", kind: "Widget", singular: "widget", namespaced: true, shortNames: ["wdg"], subresources: ["status"] });
    expect(await discovery.resourceFor({ group: "apps", kind: "Deployment" })).toMatchObject({ resource: "deployments", version: "v1" });
    expect(await discovery.resourceFor({ group: "", kind: "Namespace" })).toMatchObject({ resource: "namespaces", namespaced: false });
    await expect(discovery.resourceForOrThrow({ group, kind: "Gadget" })).rejects.toThrow("no resource for kind Gadget");
    const groups = await discovery.serverGroups();
    expect(groups[0]).toMatchObject({ name: "", preferredVersion: "v1" });
    expect(groups.find((g) => g.name === group)).toEqual({ name: group, versions: ["v1"], preferredVersion: "v1" });
    expect((await discovery.serverResourcesForGroupVersion(`${group}/v1`)).map((x) => x.resource)).toEqual(["widgets"]);
    const preferred = await discovery.serverPreferredResources();
    expect(preferred.filter((x) => x.group === "autoscaling" && x.resource === "horizontalpodautoscalers")).toHaveLength(1);
    expect((await discovery.serverVersion()).gitVersion).toBe(cp!.version);
  });

  it("legacy discovery finds the same resources", async () => {
    const legacy = new DiscoveryClient(config, { legacy: true });
    const snap = await legacy.snapshot();
    expect(snap.mode).toBe("legacy");
    expect(snap.failed).toEqual({});
    expect(await legacy.resourceFor({ group, kind: "Widget" })).toMatchObject({ resource: "widgets", namespaced: true, subresources: ["status"] });
    const agg = await discovery.serverResources();
    const key = (r: { group: string; version: string; resource: string }) => `${r.group}/${r.version}/${r.resource}`;
    expect(new Set(snap.resources.map(key))).toEqual(new Set(agg.map(key)));
    legacy.rest.close();
  });

  it("reads a fresh disk cache without asking the server and refetches after the TTL", async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), "kubegen-disc-"));
    const clock = new FakeClock(1_000_000);
    const first = new DiscoveryClient(config, { cacheDir, ttlMs: 60_000, clock });
    expect(await first.resourceFor({ group, kind: "Widget" })).toBeDefined();
    // same server, credentials the server rejects: only the disk cache can answer
    const offline = { ...config, certData: undefined, keyData: undefined, bearerToken: "invalid-token" };
    const second = new DiscoveryClient(offline, { cacheDir, ttlMs: 60_000, clock });
    expect(await second.resourceFor({ group, kind: "Widget" })).toMatchObject({ resource: "widgets" });
    await clock.advance(60_000);
    const third = new DiscoveryClient(offline, { cacheDir, ttlMs: 60_000, clock });
    await expect(third.snapshot()).rejects.toMatchObject({ reason: "Unauthorized" });
    for (const d of [first, second, third]) d.rest.close();
  });

  it("creates, gets, lists, updates, patches, applies, watches and deletes custom objects", async () => {
    const widgets = dyn.resource(gvr).namespace(ns());
    const list0 = await widgets.list();
    const events: WatchEvent<Unstructured>[] = [];
    const ac = new AbortController();
    const watching = (async () => {
      for await (const ev of dyn.resource(gvr).namespace(ns()).watch({ resourceVersion: list0.metadata!.resourceVersion!, signal: ac.signal })) {
        events.push(ev);
        if (ev.type === "DELETED") ac.abort();
      }
    })();

    const created = await widgets.create({
      apiVersion: `${group}/v1`,
      kind: "Widget",
      metadata: { name: "w1", labels: { app: "demo" } },
      spec: { size: 1 },
    });
    expect(created.metadata?.uid).toBeTruthy();
    expect((await widgets.get("w1")).spec).toEqual({ size: 1 });
    expect((await widgets.list({ labelSelector: "app=demo" })).items.map((i) => i.metadata?.name)).toEqual(["w1"]);
    expect((await widgets.list({ labelSelector: "app=other" })).items).toEqual([]);
    const all = await dyn.resource(gvr).list();
    expect(all.items.some((i) => i.metadata?.namespace === ns())).toBe(true);

    const updated = await widgets.update({ ...created, spec: { size: 2 } });
    expect(updated.spec).toEqual({ size: 2 });
    const withStatus = await widgets.updateStatus({ ...updated, status: { ready: true } });
    expect(withStatus.status).toEqual({ ready: true });
    const stale = await widgets.update({ ...created, spec: { size: 9 } }).catch((e: unknown) => e);
    expect(isConflict(stale)).toBe(true);

    const merged = await widgets.patch("w1", PatchType.Merge, { spec: { color: "red" } });
    expect(merged.spec).toEqual({ size: 2, color: "red" });
    const jsonPatched = await widgets.patch("w1", PatchType.JSON, [{ op: "replace", path: "/spec/size", value: 3 }]);
    expect((jsonPatched.spec as { size: number }).size).toBe(3);
    const invalid = (await widgets.patch("w1", PatchType.Merge, { spec: { size: -1 } }).catch((e: unknown) => e)) as ApiError;
    expect(invalid.reason).toBe("Invalid");

    // server-side apply: fieldManager required, conflicts detected, force wins
    const applyObj = { apiVersion: `${group}/v1`, kind: "Widget", metadata: { name: "w2" }, spec: { size: 5 } };
    const applied = await widgets.apply("w2", applyObj, { fieldManager: "kubegen-a" });
    expect(applied.spec).toEqual({ size: 5 });
    expect(applied.metadata?.managedFields?.map((m) => m.manager)).toContain("kubegen-a");
    const conflict = (await widgets.apply("w2", { ...applyObj, spec: { size: 6 } }, { fieldManager: "kubegen-b" }).catch((e: unknown) => e)) as ApiError;
    expect(isConflict(conflict)).toBe(true);
    expect(conflict.causes.some((c) => c.reason === "FieldManagerConflict")).toBe(true);
    const forced = await widgets.apply("w2", { ...applyObj, spec: { size: 6 } }, { fieldManager: "kubegen-b", force: true });
    expect(forced.spec).toEqual({ size: 6 });
    const dry = await widgets.apply("w2", { ...applyObj, spec: { size: 7 } }, { fieldManager: "kubegen-b", dryRun: "All" });
    expect(dry.spec).toEqual({ size: 7 });
    expect((await widgets.get("w2")).spec).toEqual({ size: 6 });
    const statusApplied = await widgets.applyStatus("w2", { apiVersion: `${group}/v1`, kind: "Widget", metadata: { name: "w2" }, status: { ready: true } }, { fieldManager: "kubegen-a" });
    expect(statusApplied.status).toEqual({ ready: true });

    const wrongUid = await widgets.delete("w1", { preconditions: { uid: "not-the-uid" } }).catch((e: unknown) => e);
    expect(isConflict(wrongUid)).toBe(true); // a failed precondition is a 409 Conflict
    const gone = await widgets.delete("w1", { preconditions: { uid: created.metadata!.uid! }, propagationPolicy: "Background" });
    expect(gone).toMatchObject({ kind: "Status", status: "Success" });
    expect(isNotFound(await widgets.get("w1").catch((e: unknown) => e))).toBe(true);
    await watching;
    const names = (n: string) => events.filter((e) => e.object.metadata?.name === n).map((e) => e.type);
    // w1: create, update, updateStatus, merge patch, JSON patch (the failed update, invalid patch and delete make none)
    expect(names("w1")).toEqual(["ADDED", "MODIFIED", "MODIFIED", "MODIFIED", "MODIFIED", "DELETED"]);
    // w2: apply, forced apply, status apply (the dry run stores nothing)
    expect(names("w2")).toEqual(["ADDED", "MODIFIED", "MODIFIED"]);

    await widgets.deleteCollection({ labelSelector: "" });
    expect((await widgets.list()).items).toEqual([]);
  });
});
