// The fake clientset backend through the same path generated code takes:
// ResourceClient -> FakeClient (reactors, then the ObjectTracker). Expected
// messages are the real kube-apiserver's (checked against v1.36.3 with curl).
import type { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import {
  ApiError,
  isAlreadyExists,
  isBadRequest,
  isConflict,
  isInvalid,
  isNotFound,
  isResourceExpired,
  isUnsupportedMediaType,
} from "../../../runtime/src/errors/api-error.js";
import { newConflict } from "../../../runtime/src/errors/constructors.js";
import { PatchType } from "../../../runtime/src/meta/options.js";
import type { KubernetesList, KubernetesObject, Scale, Status } from "../../../runtime/src/meta/types.js";
import { ResourceClient } from "../../../runtime/src/rest/resource-client.js";
import { FakeClient } from "../../../runtime/src/testing/fake/fake-client.js";
import type { FakeResource } from "../../../runtime/src/testing/fake/types.js";
import { FakeClock, flushMicrotasks } from "../../../runtime/src/util/fake-clock.js";
import type { WatchEvent } from "../../../runtime/src/watch/decoder.js";

const PODS: FakeResource = {
  group: "",
  version: "v1",
  resource: "pods",
  kind: "Pod",
  listKind: "PodList",
  namespaced: true,
  subresources: ["status", "log", "eviction", "binding", "ephemeralcontainers"],
};
const CONFIGMAPS: FakeResource = { group: "", version: "v1", resource: "configmaps", kind: "ConfigMap", listKind: "ConfigMapList", namespaced: true, subresources: [] };
const SERVICEACCOUNTS: FakeResource = {
  group: "",
  version: "v1",
  resource: "serviceaccounts",
  kind: "ServiceAccount",
  listKind: "ServiceAccountList",
  namespaced: true,
  subresources: ["token"],
};
const NAMESPACES: FakeResource = { group: "", version: "v1", resource: "namespaces", kind: "Namespace", listKind: "NamespaceList", namespaced: false, subresources: ["status"] };
const DEPLOYMENTS: FakeResource = {
  group: "apps",
  version: "v1",
  resource: "deployments",
  kind: "Deployment",
  listKind: "DeploymentList",
  namespaced: true,
  subresources: ["scale", "status"],
};
const FOOS: FakeResource = {
  group: "ex.com",
  version: "v1",
  resource: "foos",
  kind: "Foo",
  listKind: "FooList",
  namespaced: true,
  subresources: ["status", "scale"],
  scale: { specReplicasPath: ".spec.size", statusReplicasPath: ".status.ready", labelSelectorPath: ".status.selector" },
  selectableFields: [".spec.color"],
};
const RESOURCES = [PODS, CONFIGMAPS, SERVICEACCOUNTS, NAMESPACES, DEPLOYMENTS, FOOS];

type Obj = KubernetesObject & { spec?: Record<string, unknown>; status?: Record<string, unknown>; data?: Record<string, string> };

const cm = (name: string, ns = "default", labels?: Record<string, string>, data?: Record<string, string>): Obj => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace: ns, ...(labels ? { labels } : {}) },
  ...(data ? { data } : {}),
});
const pod = (name: string, ns = "default", labels?: Record<string, string>, spec: Record<string, unknown> = {}): Obj => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace: ns, ...(labels ? { labels } : {}) },
  spec: { containers: [{ name: "c", image: "busybox" }], ...spec },
});
const deploy = (name: string, replicas = 1): Obj => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name, namespace: "default" },
  spec: {
    replicas,
    selector: { matchLabels: { app: name }, matchExpressions: [{ key: "tier", operator: "In", values: ["b", "a"] }] },
    template: { metadata: { labels: { app: name, tier: "a" } } },
  },
  status: { replicas: 0 },
});

function setup(objects: KubernetesObject[] = [], extra: { historyLimit?: number } = {}) {
  const clock = new FakeClock(Date.parse("2026-01-02T03:04:05.678Z"));
  const fake = new FakeClient({ resources: RESOURCES, objects, clock, ...extra });
  const client = <T extends Obj = Obj>(info: FakeResource, ns?: string) => new ResourceClient<T, KubernetesList<T>>(fake, info, ns);
  return { fake, clock, client };
}

async function rejection(p: Promise<unknown>): Promise<ApiError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApiError);
  return err as ApiError;
}

const names = (l: KubernetesList<Obj>) => l.items.map((i) => `${i.metadata?.namespace ?? ""}/${i.metadata?.name ?? ""}`);

async function readAll(s: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}

describe("FakeClient: seeding and list", () => {
  const seeds = [
    cm("a", "default", { app: "web", tier: "fe" }),
    cm("b", "default", { app: "web", tier: "be" }),
    cm("c", "default", { app: "db" }),
    cm("d", "default"),
    cm("a", "other", { app: "web", tier: "fe" }),
  ];

  it("lists with label selectors: =, ==, !=, in, notin, exists, !, structured", async () => {
    const { client } = setup(seeds);
    const c = client(CONFIGMAPS, "default");
    const sel = async (labelSelector: Parameters<typeof c.list>[0] extends infer O ? (O extends { labelSelector?: infer L } ? L : never) : never) =>
      names(await c.list({ labelSelector }));
    expect(await sel("app=web")).toEqual(["default/a", "default/b"]);
    expect(await sel("app==db")).toEqual(["default/c"]);
    expect(await sel("app!=web")).toEqual(["default/c", "default/d"]);
    expect(await sel("tier in (fe,xx)")).toEqual(["default/a"]);
    expect(await sel("tier notin (fe)")).toEqual(["default/b", "default/c", "default/d"]);
    expect(await sel("tier")).toEqual(["default/a", "default/b"]);
    expect(await sel("!tier")).toEqual(["default/c", "default/d"]);
    expect(await sel("app=web,tier!=fe")).toEqual(["default/b"]);
    expect(await sel({ matchLabels: { app: "web" }, matchExpressions: [{ key: "tier", operator: "NotIn", values: ["be"] }] })).toEqual([
      "default/a",
    ]);
    const bad = await rejection(c.list({ labelSelector: "a===b" }));
    expect(isBadRequest(bad)).toBe(true);
  });

  it("lists with field selectors on metadata.name and metadata.namespace (=, ==, !=, maps)", async () => {
    const { client } = setup(seeds);
    const all = client(CONFIGMAPS);
    expect(names(await all.list({ fieldSelector: "metadata.name=a" }))).toEqual(["default/a", "other/a"]);
    expect(names(await all.list({ fieldSelector: "metadata.name==a,metadata.namespace!=default" }))).toEqual(["other/a"]);
    expect(names(await all.list({ fieldSelector: { "metadata.namespace": "other" } }))).toEqual(["other/a"]);
    expect(names(await all.list({ fieldSelector: "metadata.name!=a", labelSelector: "app" }))).toEqual(["default/b", "default/c"]);
  });

  it("rejects unsupported field labels with the server's 400 wording for each kind of resource", async () => {
    const { client } = setup(seeds);
    const e1 = await rejection(client(CONFIGMAPS, "default").list({ fieldSelector: "spec.x=1" }));
    expect(e1.status).toEqual({
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: '"spec.x" is not a known field selector: only "metadata.name", "metadata.namespace"',
      reason: "BadRequest",
      code: 400,
    });
    const e2 = await rejection(client(PODS, "default").list({ fieldSelector: "spec.x=1" }));
    expect(e2.message).toBe("field label not supported: spec.x");
    const e3 = await rejection(client(FOOS, "default").list({ fieldSelector: "spec.size=1" }));
    expect(e3.message).toBe("field label not supported: spec.size");
    expect(isBadRequest(e3)).toBe(true);
  });

  it("serves the extra field labels the server supports (pods spec.nodeName, CRD selectableFields)", async () => {
    const { client, fake } = setup([pod("p1", "default", {}, { nodeName: "n1" }), pod("p2"), pod("p3", "default", {}, { nodeName: "n2" })]);
    expect(names(await client(PODS).list({ fieldSelector: "spec.nodeName=n1" }))).toEqual(["default/p1"]);
    expect(names(await client(PODS).list({ fieldSelector: "spec.nodeName=" }))).toEqual(["default/p2"]);
    fake.tracker.add({ apiVersion: "ex.com/v1", kind: "Foo", metadata: { name: "f", namespace: "default" }, spec: { color: "red" } } as Obj);
    expect(names(await client(FOOS, "default").list({ fieldSelector: "spec.color=red" }))).toEqual(["default/f"]);
  });

  it("returns a typed list sorted by namespace/name with the current resourceVersion; all namespaces without one", async () => {
    const { client, fake } = setup([cm("z", "b"), cm("a", "b"), cm("m", "a")]);
    const list = await client(CONFIGMAPS).list();
    expect(list.apiVersion).toBe("v1");
    expect(list.kind).toBe("ConfigMapList");
    expect(list.metadata?.resourceVersion).toBe(fake.tracker.resourceVersion);
    expect(names(list)).toEqual(["a/m", "b/a", "b/z"]);
    expect(names(await client(CONFIGMAPS, "b").list())).toEqual(["b/a", "b/z"]);
    expect(list.items.every((i) => i.apiVersion === "v1" && i.kind === "ConfigMap")).toBe(true);
  });

  it("pages with limit and an opaque continue token", async () => {
    const { client } = setup(Array.from({ length: 7 }, (_, i) => cm(`cm-${i}`)));
    const c = client(CONFIGMAPS, "default");
    const first = await c.list({ limit: 3 });
    expect(names(first)).toEqual(["default/cm-0", "default/cm-1", "default/cm-2"]);
    expect(first.metadata?.continue).toBeTruthy();
    expect(first.metadata?.remainingItemCount).toBe(4);
    const pages: string[][] = [];
    for await (const page of c.listPages({ limit: 3 })) pages.push(names(page));
    expect(pages).toEqual([
      ["default/cm-0", "default/cm-1", "default/cm-2"],
      ["default/cm-3", "default/cm-4", "default/cm-5"],
      ["default/cm-6"],
    ]);
    const all: string[] = [];
    for await (const o of c.listAll({ limit: 2 })) all.push(o.metadata!.name!);
    expect(all).toHaveLength(7);
    const bad = await rejection(c.list({ limit: 3, continue: "garbage" }));
    expect(isBadRequest(bad)).toBe(true);
    expect(bad.message).toMatch(/^invalid continue token/);
  });

  it("seeds lists and rejects objects whose kind is not in the table, naming it", () => {
    const { fake } = setup([{ apiVersion: "v1", kind: "ConfigMapList", items: [cm("x"), cm("y")] } as KubernetesObject]);
    expect(fake.tracker.list(CONFIGMAPS, "default").items).toHaveLength(2);
    expect(() => new FakeClient({ resources: RESOURCES, objects: [{ apiVersion: "batch/v1", kind: "Job", metadata: { name: "j", namespace: "d" } }] })).toThrow(
      /apiVersion "batch\/v1" kind "Job"/,
    );
    expect(() => new FakeClient({ resources: RESOURCES, objects: [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x" } }] })).toThrow(
      /no metadata.namespace/,
    );
  });

  it("answers a resource or subresource outside the table with a 404 saying the fake does not serve it", async () => {
    const { fake } = setup();
    const jobs = new ResourceClient(fake, { group: "batch", version: "v1", resource: "jobs", kind: "Job", namespaced: true }, "default");
    const e = await rejection(jobs.get("x"));
    expect(isNotFound(e)).toBe(true);
    expect(e.message).toMatch(/fake clientset does not serve jobs\.batch\/v1/);
    const sub = await rejection(new ResourceClient(fake, CONFIGMAPS, "default").getSubresource("x", "scale"));
    expect(isNotFound(sub)).toBe(true);
    expect(sub.message).toMatch(/"scale" subresource of configmaps/);
  });
});

describe("FakeClient: create, get, update, delete", () => {
  it("sets uid, creationTimestamp (clock, RFC 3339 seconds), generation 1, namespace and an increasing resourceVersion", async () => {
    const { client, fake } = setup();
    const c = client(CONFIGMAPS, "default");
    const a = await c.create({ metadata: { name: "a" }, data: { k: "v" } });
    const b = await c.create({ metadata: { name: "b" } });
    expect(a.apiVersion).toBe("v1");
    expect(a.kind).toBe("ConfigMap");
    expect(a.metadata?.uid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(b.metadata?.uid).not.toBe(a.metadata?.uid);
    expect(a.metadata?.creationTimestamp).toBe("2026-01-02T03:04:05Z");
    expect(a.metadata?.generation).toBe(1);
    expect(a.metadata?.namespace).toBe("default");
    expect(Number(b.metadata?.resourceVersion)).toBeGreaterThan(Number(a.metadata?.resourceVersion));
    expect(fake.tracker.resourceVersion).toBe(b.metadata?.resourceVersion);
    expect(await c.get("a")).toEqual(a);
  });

  it("names objects from generateName with five characters of the server's alphabet", async () => {
    const { client } = setup();
    const c = client(CONFIGMAPS, "default");
    const made = await Promise.all(Array.from({ length: 20 }, () => c.create({ metadata: { generateName: "web-" } })));
    for (const o of made) expect(o.metadata?.name).toMatch(/^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(new Set(made.map((o) => o.metadata?.name)).size).toBe(20);
    const noName = await rejection(c.create({ metadata: {} }));
    expect(isInvalid(noName)).toBe(true);
    expect(noName.message).toBe('ConfigMap "" is invalid: metadata.name: Required value: name or generateName is required');
  });

  it("fails like the server: AlreadyExists, NotFound, namespace mismatch, resourceVersion on create", async () => {
    const { client } = setup([cm("a")]);
    const c = client(CONFIGMAPS, "default");
    const dup = await rejection(c.create(cm("a")));
    expect(isAlreadyExists(dup)).toBe(true);
    expect(dup.message).toBe('configmaps "a" already exists');
    const missing = await rejection(c.get("nope"));
    expect(missing.status).toMatchObject({ message: 'configmaps "nope" not found', reason: "NotFound", code: 404, details: { name: "nope", kind: "configmaps" } });
    const dmissing = await rejection(client(DEPLOYMENTS, "default").get("nope"));
    expect(dmissing.message).toBe('deployments.apps "nope" not found');
    const ns = await rejection(c.create(cm("b", "other")));
    expect(isBadRequest(ns)).toBe(true);
    expect(ns.message).toBe("the namespace of the provided object does not match the namespace sent on the request");
    const rv = await rejection(c.create({ metadata: { name: "c", resourceVersion: "5" } }));
    expect(rv.code).toBe(500);
    expect(rv.message).toBe("resourceVersion should not be set on objects to be created");
    const upd = await rejection(c.update(cm("zz")));
    expect(isNotFound(upd)).toBe(true);
  });

  it("copies in and out: callers never mutate the store", async () => {
    const input = cm("a", "default", { app: "web" }, { k: "v" });
    const { client } = setup([input]);
    input.data!.k = "mutated-after-seed";
    const c = client(CONFIGMAPS, "default");
    const got = await c.get("a");
    expect(got.data).toEqual({ k: "v" });
    got.data!.k = "mutated-after-get";
    got.metadata!.labels!.app = "x";
    expect((await c.get("a")).data).toEqual({ k: "v" });
    expect((await c.list()).items[0]!.metadata?.labels).toEqual({ app: "web" });
  });

  it("rejects an update with a stale resourceVersion with the server's Conflict, and accepts one without", async () => {
    const { client, fake } = setup([cm("a", "default", {}, { k: "1" })]);
    const c = client(CONFIGMAPS, "default");
    const v1 = await c.get("a");
    const v2 = await c.update({ ...v1, data: { k: "2" } });
    expect(Number(v2.metadata?.resourceVersion)).toBeGreaterThan(Number(v1.metadata?.resourceVersion));
    const stale = await rejection(c.update({ ...v1, data: { k: "3" } }));
    expect(isConflict(stale)).toBe(true);
    expect(stale.status).toEqual({
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
    const { resourceVersion: _rv, ...meta } = v1.metadata!;
    const forced = await c.update({ ...v1, metadata: meta, data: { k: "4" } });
    expect(forced.data).toEqual({ k: "4" });
    expect(forced.metadata?.uid).toBe(v1.metadata?.uid);
    expect(forced.metadata?.creationTimestamp).toBe(v1.metadata?.creationTimestamp);
    const renamed = await rejection(
      fake.request({ verb: "update", version: "v1", resource: "configmaps", namespace: "default", name: "a", body: cm("b") }),
    );
    expect(renamed.message).toBe("the name of the object (b) does not match the name on the URL (a)");
  });

  it("bumps generation only for changes outside metadata and status; a no-op update keeps the resourceVersion", async () => {
    const { client } = setup([deploy("web")]);
    const c = client(DEPLOYMENTS, "default");
    const d0 = await c.get("web");
    expect(d0.metadata?.generation).toBe(1);
    const labelled = await c.update({ ...d0, metadata: { ...d0.metadata, labels: { x: "y" } } });
    expect(labelled.metadata?.generation).toBe(1);
    expect(labelled.metadata?.labels).toEqual({ x: "y" });
    const scaled = await c.update({ ...labelled, spec: { ...labelled.spec, replicas: 3 } });
    expect(scaled.metadata?.generation).toBe(2);
    const same = await c.update(scaled);
    expect(same.metadata?.resourceVersion).toBe(scaled.metadata?.resourceVersion);
  });

  it("update keeps the stored status and updateStatus changes only the status", async () => {
    const { client } = setup([deploy("web")]);
    const c = client(DEPLOYMENTS, "default");
    const d = await c.get("web");
    const u = await c.update({ ...d, spec: { ...d.spec, replicas: 5 }, status: { replicas: 99 } });
    expect(u.spec?.replicas).toBe(5);
    expect(u.status).toEqual({ replicas: 0 });
    const s = await c.updateStatus({ ...u, spec: { ...u.spec, replicas: 1 }, metadata: { ...u.metadata, labels: { no: "pe" } }, status: { replicas: 5 } });
    expect(s.status).toEqual({ replicas: 5 });
    expect(s.spec?.replicas).toBe(5);
    expect(s.metadata?.labels).toBeUndefined();
    expect(s.metadata?.generation).toBe(u.metadata?.generation);
    const stale = await rejection(c.updateStatus({ ...u, status: { replicas: 1 } }));
    expect(isConflict(stale)).toBe(true);
    // create ignores status on resources with a status subresource, like the server
    const created = await c.create({ ...deploy("new"), status: { replicas: 7 } });
    expect(created.status).toBeUndefined();
    // ...and updateStatus on a resource without a status subresource is a 404
    expect(isNotFound(await rejection(client(CONFIGMAPS, "default").updateStatus(cm("x"))))).toBe(true);
  });

  it("deletes with a Success Status (pods: the deleted object), then NotFound", async () => {
    const { client } = setup([cm("a"), pod("p")]);
    const c = client(CONFIGMAPS, "default");
    const uid = (await c.get("a")).metadata?.uid;
    const st = (await c.delete("a")) as Status;
    expect(st).toEqual({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", details: { name: "a", kind: "configmaps", uid } });
    expect(isNotFound(await rejection(c.get("a")))).toBe(true);
    expect(isNotFound(await rejection(c.delete("a")))).toBe(true);
    const p = (await client(PODS, "default").delete("p")) as Obj;
    expect(p.kind).toBe("Pod");
    expect(p.metadata?.name).toBe("p");
  });

  it("checks delete preconditions with the server's wording", async () => {
    const { client } = setup([cm("b"), deploy("d")]);
    const c = client(CONFIGMAPS, "default");
    const b = await c.get("b");
    const byUid = await rejection(c.delete("b", { preconditions: { uid: "zzz" } }));
    expect(isConflict(byUid)).toBe(true);
    expect(byUid.message).toBe(
      `Operation cannot be fulfilled on ConfigMap "b": the UID in the precondition (zzz) does not match the UID in record (${b.metadata!.uid!}). The object might have been deleted and then recreated`,
    );
    expect(byUid.status.details).toEqual({ name: "b", kind: "ConfigMap" });
    const byRv = await rejection(c.delete("b", { preconditions: { resourceVersion: "999" } }));
    expect(byRv.message).toBe(
      `Operation cannot be fulfilled on ConfigMap "b": the ResourceVersion in the precondition (999) does not match the ResourceVersion in record (${b.metadata!.resourceVersion!}). The object might have been modified`,
    );
    const dep = await rejection(client(DEPLOYMENTS, "default").delete("d", { preconditions: { uid: "zzz" } }));
    expect(dep.message).toMatch(/^Operation cannot be fulfilled on Deployment\.apps "d": the UID/);
    await c.delete("b", { preconditions: { uid: b.metadata!.uid!, resourceVersion: b.metadata!.resourceVersion! } });
    expect(isNotFound(await rejection(c.get("b")))).toBe(true);
  });

  it("keeps an object with finalizers until the last one is removed", async () => {
    const { client } = setup([{ ...cm("f"), metadata: { name: "f", namespace: "default", finalizers: ["example.com/hold"] } }]);
    const c = client(CONFIGMAPS, "default");
    const marked = (await c.delete("f")) as Obj;
    expect(marked.metadata?.deletionTimestamp).toBe("2026-01-02T03:04:05Z");
    expect((await c.get("f")).metadata?.deletionTimestamp).toBe("2026-01-02T03:04:05Z");
    const cur = await c.get("f");
    await c.update({ ...cur, metadata: { ...cur.metadata, finalizers: [] } });
    expect(isNotFound(await rejection(c.get("f")))).toBe(true);
  });

  it("deleteCollection deletes what the selectors select and returns the deleted items", async () => {
    const { client } = setup([cm("a", "default", { app: "web" }), cm("b", "default", { app: "db" }), cm("c", "default", { app: "web" }), cm("d", "other", { app: "web" })]);
    const c = client(CONFIGMAPS, "default");
    const res = (await c.deleteCollection({ labelSelector: "app=web" })) as KubernetesList<Obj>;
    expect(res.kind).toBe("ConfigMapList");
    expect(names(res)).toEqual(["default/a", "default/c"]);
    expect(names(await client(CONFIGMAPS).list())).toEqual(["default/b", "other/d"]);
  });

  it("serves cluster-scoped resources without a namespace", async () => {
    const { client } = setup();
    const ns = client(NAMESPACES);
    const created = await ns.create({ metadata: { name: "team-a", namespace: "ignored" } });
    expect(created.metadata?.namespace).toBeUndefined();
    expect(names(await ns.list())).toEqual(["/team-a"]);
  });

  it("dry-run writes validate but store nothing", async () => {
    const { client, fake } = setup([cm("a")]);
    const c = client(CONFIGMAPS, "default");
    const rv = fake.tracker.resourceVersion;
    await c.create(cm("b"), { dryRun: "All" });
    await c.delete("a", { dryRun: "All" });
    expect(names(await c.list())).toEqual(["default/a"]);
    expect(fake.tracker.resourceVersion).toBe(rv);
  });
});

describe("FakeClient: watch", () => {
  /** The next n events, leaving the watch open. */
  async function take<T>(gen: AsyncGenerator<WatchEvent<T>, void, undefined>, n: number): Promise<WatchEvent<T>[]> {
    const out: WatchEvent<T>[] = [];
    while (out.length < n) {
      const r = await gen.next();
      if (r.done) break;
      out.push(r.value);
    }
    return out;
  }
  const summary = (evs: WatchEvent<Obj>[]) => evs.map((e) => `${e.type} ${e.object.metadata?.name ?? ""}`);

  it("from resourceVersion '' sends synthetic ADDED events for the current objects, then live events", async () => {
    const { client } = setup([cm("a"), cm("b")]);
    const c = client(CONFIGMAPS, "default");
    const w = c.watch();
    const first = await take(w, 2);
    expect(summary(first)).toEqual(["ADDED a", "ADDED b"]);
    const next = w.next();
    await c.create(cm("c"));
    expect((await next).value).toMatchObject({ type: "ADDED", object: { metadata: { name: "c" } } });
    const cur = await c.get("a");
    const n2 = w.next();
    await c.update({ ...cur, data: { x: "y" } });
    expect((await n2).value).toMatchObject({ type: "MODIFIED", object: { data: { x: "y" } } });
    const n3 = w.next();
    await c.delete("b");
    const del = (await n3).value as WatchEvent<Obj>;
    expect(del.type).toBe("DELETED");
    expect(Number(del.object.metadata?.resourceVersion)).toBeGreaterThan(Number(cur.metadata?.resourceVersion));
    await w.return(undefined);
  });

  it("after a resourceVersion delivers only newer events, in order", async () => {
    const { client } = setup([cm("a")]);
    const c = client(CONFIGMAPS, "default");
    const list = await c.list();
    await c.create(cm("b"));
    const a = await c.get("a");
    await c.update({ ...a, data: { v: "2" } });
    await c.delete("b");
    const evs = await take(c.watch({ resourceVersion: list.metadata!.resourceVersion! }), 3);
    expect(summary(evs)).toEqual(["ADDED b", "MODIFIED a", "DELETED b"]);
    const rvs = evs.map((e) => Number(e.object.metadata?.resourceVersion));
    expect(rvs).toEqual([...rvs].sort((x, y) => x - y));
    expect(rvs[0]).toBeGreaterThan(Number(list.metadata!.resourceVersion));
  });

  it("answers a resourceVersion older than the kept history with 410 Expired like the watch cache", async () => {
    const { client, fake } = setup([], { historyLimit: 3 });
    const c = client(CONFIGMAPS, "default");
    for (let i = 0; i < 6; i++) await c.create(cm(`cm-${i}`));
    // rvs 1..6 written, 4..6 kept: a watch from 3 still has everything after it, one from 2 does not
    const kept = c.watch({ resourceVersion: "3" });
    expect(summary(await take(kept, 3))).toEqual(["ADDED cm-3", "ADDED cm-4", "ADDED cm-5"]);
    await kept.return(undefined);
    const gone = await rejection(take(c.watch({ resourceVersion: "2" }), 1));
    expect(isResourceExpired(gone)).toBe(true);
    expect(gone.status).toEqual({
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: "too old resource version: 2 (3)",
      reason: "Expired",
      code: 410,
    });
    fake.tracker.compact();
    expect(isResourceExpired(await rejection(take(c.watch({ resourceVersion: "5" }), 1)))).toBe(true);
    expect(fake.tracker.watcherCount).toBe(0);
  });

  it("filters events by selectors; objects moving in or out of the selection are ADDED or DELETED", async () => {
    const { client } = setup([cm("a", "default", { app: "web" }), cm("b", "default", { app: "db" }), cm("c", "other", { app: "web" })]);
    const c = client(CONFIGMAPS, "default");
    const rv = (await c.list()).metadata!.resourceVersion!;
    const w = c.watch({ labelSelector: "app=web" });
    expect(summary(await take(w, 1))).toEqual(["ADDED a"]);
    const b = await c.get("b");
    await c.update({ ...b, metadata: { ...b.metadata, labels: { app: "web" } } }); // b enters
    const a = await c.get("a");
    await c.update({ ...a, metadata: { ...a.metadata, labels: { app: "db" } } }); // a leaves
    await client(CONFIGMAPS, "other").create(cm("d", "other", { app: "web" })); // other namespace
    await c.create(cm("e", "default", { app: "web" }));
    expect(summary(await take(w, 3))).toEqual(["ADDED b", "DELETED a", "ADDED e"]);
    await w.return(undefined);
    const byName = await take(c.watch({ resourceVersion: rv, fieldSelector: "metadata.name=e" }), 1);
    expect(summary(byName)).toEqual(["ADDED e"]);
  });

  it("ends on abort and on timeoutSeconds (tracker clock) without leaking listeners", async () => {
    const { client, fake, clock } = setup([cm("a")]);
    const c = client(CONFIGMAPS, "default");
    const ac = new AbortController();
    const seen: string[] = [];
    const done = (async () => {
      for await (const ev of c.watch({ signal: ac.signal })) seen.push(ev.type);
    })();
    await flushMicrotasks();
    expect(fake.tracker.watcherCount).toBe(1);
    ac.abort();
    await done;
    expect(seen).toEqual(["ADDED"]);
    expect(fake.tracker.watcherCount).toBe(0);

    const timed = (async () => {
      const out: string[] = [];
      for await (const ev of c.watch({ timeoutSeconds: 30 })) out.push(ev.type);
      return out;
    })();
    await flushMicrotasks();
    expect(fake.tracker.watcherCount).toBe(1);
    await clock.advance(30_000);
    expect(await timed).toEqual(["ADDED"]);
    expect(fake.tracker.watcherCount).toBe(0);

    const broken = c.watch();
    await broken.next();
    await broken.return(undefined);
    expect(fake.tracker.watcherCount).toBe(0);
  });

  it("sendInitialEvents ends the initial events with the initial-events-end bookmark", async () => {
    const { client, fake } = setup([cm("a")]);
    const evs = await take(client(CONFIGMAPS, "default").watch({ sendInitialEvents: true, allowWatchBookmarks: true, resourceVersionMatch: "NotOlderThan" }), 2);
    expect(evs[0]!.type).toBe("ADDED");
    expect(evs[1]).toEqual({
      type: "BOOKMARK",
      object: { apiVersion: "v1", kind: "ConfigMap", metadata: { resourceVersion: fake.tracker.resourceVersion, annotations: { "k8s.io/initial-events-end": "true" } } },
    });
  });
});

describe("FakeClient: patch", () => {
  it("applies a JSON merge patch (null removes)", async () => {
    const { client } = setup([cm("a", "default", { app: "web", tier: "fe" }, { k: "v", x: "y" })]);
    const c = client(CONFIGMAPS, "default");
    const p = await c.patch("a", PatchType.Merge, { metadata: { labels: { tier: null, new: "1" } }, data: { x: null, z: "w" } });
    expect(p.metadata?.labels).toEqual({ app: "web", new: "1" });
    expect(p.data).toEqual({ k: "v", z: "w" });
    expect(await c.get("a")).toEqual(p);
    const stale = await rejection(c.patch("a", PatchType.Merge, { metadata: { resourceVersion: "1" }, data: { q: "1" } }));
    expect(isConflict(stale)).toBe(true);
    expect(isNotFound(await rejection(c.patch("zz", PatchType.Merge, { data: {} })))).toBe(true);
  });

  it("applies a JSON patch (add, remove, replace, move, copy, test, ~0 ~1 escapes, '-')", async () => {
    const { client } = setup([{ ...deploy("web"), metadata: { name: "web", namespace: "default", annotations: { "a/b": "1", "c~d": "2" } } }]);
    const c = client(DEPLOYMENTS, "default");
    const p = await c.patch("web", PatchType.JSON, [
      { op: "test", path: "/metadata/annotations/a~1b", value: "1" },
      { op: "replace", path: "/spec/replicas", value: 4 },
      { op: "add", path: "/spec/selector/matchExpressions/0/values/-", value: "c" },
      { op: "copy", from: "/metadata/annotations/c~0d", path: "/metadata/annotations/copied" },
      { op: "move", from: "/metadata/annotations/a~1b", path: "/metadata/annotations/moved" },
      { op: "remove", path: "/metadata/annotations/c~0d" },
    ]);
    expect(p.spec?.replicas).toBe(4);
    expect((p.spec?.selector as { matchExpressions: { values: string[] }[] }).matchExpressions[0]!.values).toEqual(["b", "a", "c"]);
    expect(p.metadata?.annotations).toEqual({ copied: "2", moved: "1" });
    expect(p.metadata?.generation).toBe(2);
  });

  it("answers a failed JSON patch test with the server's 422 (reason in cause) and a malformed one with 400", async () => {
    const { client } = setup([cm("b", "default", {}, { k: "v" })]);
    const c = client(CONFIGMAPS, "default");
    const failed = await rejection(c.patch("b", PatchType.JSON, [{ op: "test", path: "/data/k", value: "zz" }]));
    expect(failed.status).toEqual({
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: "the server rejected our request due to an error in our request",
      reason: "Invalid",
      details: {},
      code: 422,
    });
    expect(String((failed.cause as Error).message)).toMatch(/test failed/);
    expect(isInvalid(await rejection(c.patch("b", PatchType.JSON, [{ op: "remove", path: "/data/nokey" }])))).toBe(true);
    const malformed = await rejection(c.patch("b", PatchType.JSON, { op: "remove" }));
    expect(isBadRequest(malformed)).toBe(true);
    expect((await c.get("b")).data).toEqual({ k: "v" });
  });

  it("rejects strategic merge and server-side apply with clear 415s", async () => {
    const { client, fake } = setup([cm("a"), { apiVersion: "ex.com/v1", kind: "Foo", metadata: { name: "f", namespace: "default" } } as Obj]);
    const smp = await rejection(client(CONFIGMAPS, "default").patch("a", PatchType.StrategicMerge, { data: { a: "1" } }));
    expect(isUnsupportedMediaType(smp)).toBe(true);
    expect(smp.message).toMatch(/strategic merge patch is not supported by the fake clientset/);
    const crd = await rejection(client(FOOS, "default").patch("f", PatchType.StrategicMerge, {}));
    expect(crd.message).toBe(
      "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml",
    );
    const apply = await rejection(
      fake.request({ verb: "apply", group: "", version: "v1", resource: "configmaps", namespace: "default", name: "a", body: cm("a"), options: { fieldManager: "me" } }),
    );
    expect(apply.message).toMatch(/^server-side apply needs the resource.s apply schema/);
  });

  it("a patch of the status subresource changes only status; of the main resource, not status", async () => {
    const { client } = setup([deploy("web")]);
    const c = client(DEPLOYMENTS, "default");
    const s = await c.patch("web", PatchType.Merge, { spec: { replicas: 9 }, status: { replicas: 2, ready: 1 } }, {}, "status");
    expect(s.status).toEqual({ replicas: 2, ready: 1 });
    expect(s.spec?.replicas).toBe(1);
    const m = await c.patch("web", PatchType.Merge, { spec: { replicas: 3 }, status: { replicas: 0 } });
    expect(m.spec?.replicas).toBe(3);
    expect(m.status).toEqual({ replicas: 2, ready: 1 });
  });
});

describe("FakeClient: reactors and actions", () => {
  it("a prepended reactor injects a Conflict on update; returning undefined falls through to the tracker", async () => {
    const { client, fake } = setup([deploy("web")]);
    const c = client(DEPLOYMENTS, "default");
    let calls = 0;
    fake.prependReactor("update", "deployments", (action) => {
      calls++;
      if (calls === 1) throw newConflict({ group: "apps", resource: "deployments" }, action.name);
      return undefined;
    });
    const d = await c.get("web");
    const first = await rejection(c.update({ ...d, spec: { ...d.spec, replicas: 2 } }));
    expect(isConflict(first)).toBe(true);
    const second = await c.update({ ...d, spec: { ...d.spec, replicas: 2 } });
    expect(second.spec?.replicas).toBe(2);
    expect(calls).toBe(2);
  });

  it("the first matching reactor that answers wins; async, wildcard and subresource-specific reactors", async () => {
    const { client, fake } = setup([deploy("web")]);
    const c = client(DEPLOYMENTS, "default");
    const seen: string[] = [];
    fake.appendReactor("*", "*", (a) => {
      seen.push(`${a.verb} ${a.resource}${a.subresource ? `/${a.subresource}` : ""}`);
      return undefined;
    });
    fake.prependReactor("get", "deployments/status", async () => {
      await Promise.resolve();
      return { object: { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "from-reactor" } } };
    });
    fake.prependReactor("get", "pods", () => ({ object: { kind: "Pod", metadata: { name: "never" } } }));
    expect((await c.getSubresource<Obj>("web", "status")).metadata?.name).toBe("from-reactor");
    expect((await c.get("web")).metadata?.name).toBe("web");
    expect(seen).toEqual(["get deployments"]);
  });

  it("a watch reactor supplies the events of a watch", async () => {
    const { client, fake } = setup();
    fake.prependWatchReactor("configmaps", () => ({ events: [{ type: "ADDED", object: cm("scripted") }] }));
    const out: string[] = [];
    for await (const ev of client(CONFIGMAPS, "default").watch()) out.push(`${ev.type} ${ev.object.metadata?.name ?? ""}`);
    expect(out).toEqual(["ADDED scripted"]);
  });

  it("records every call in order with copies of body and options (no signal); clearActions forgets them", async () => {
    const { client, fake } = setup([cm("a")]);
    const c = client(CONFIGMAPS, "default");
    const ac = new AbortController();
    const body = cm("b", "default", {}, { k: "v" });
    await c.create(body, { fieldManager: "test", signal: ac.signal });
    body.data!.k = "changed";
    await c.list({ labelSelector: "x=y" });
    await c.patch("a", PatchType.Merge, { data: { p: "1" } });
    await rejection(c.get("missing"));
    await c.delete("a", { gracePeriodSeconds: 0 });
    const w = client(CONFIGMAPS).watch({ resourceVersion: "0" });
    const actions = fake.actions();
    expect(actions.map((a) => `${a.verb} ${a.namespace}/${a.name}`)).toEqual([
      "create default/",
      "list default/",
      "patch default/a",
      "get default/missing",
      "delete default/a",
      "watch /",
    ]);
    expect(actions[0]).toEqual({
      verb: "create",
      group: "",
      version: "v1",
      resource: "configmaps",
      namespace: "default",
      name: "",
      subresource: "",
      body: cm("b", "default", {}, { k: "v" }),
      options: { fieldManager: "test" },
    });
    expect(actions[1]!.options).toEqual({ labelSelector: "x=y" });
    expect(actions[2]).toMatchObject({ patchType: PatchType.Merge, body: { data: { p: "1" } } });
    expect(actions[4]!.options).toEqual({ gracePeriodSeconds: 0 });
    expect(actions[5]!.options).toEqual({ resourceVersion: "0" });
    await w.return(undefined);
    fake.clearActions();
    expect(fake.actions()).toEqual([]);
  });
});

describe("FakeClient: subresources", () => {
  it("scale of a built-in: get (formatted selector) and update (409 on a stale resourceVersion, 422 below zero)", async () => {
    const { client } = setup([deploy("web", 2)]);
    const c = client(DEPLOYMENTS, "default");
    const s = await c.getSubresource<Scale>("web", "scale");
    const d = await c.get("web");
    expect(s).toEqual({
      kind: "Scale",
      apiVersion: "autoscaling/v1",
      metadata: { name: "web", namespace: "default", uid: d.metadata!.uid, resourceVersion: d.metadata!.resourceVersion, creationTimestamp: d.metadata!.creationTimestamp },
      spec: { replicas: 2 },
      status: { replicas: 0, selector: "app=web,tier in (a,b)" },
    });
    const up = await c.updateSubresource<Scale>("web", "scale", { ...s, spec: { replicas: 5 } }, {}, { apiVersion: "autoscaling/v1", kind: "Scale" });
    expect(up.spec?.replicas).toBe(5);
    const after = await c.get("web");
    expect(after.spec?.replicas).toBe(5);
    expect(after.metadata?.generation).toBe(2);
    const stale = await rejection(c.updateSubresource("web", "scale", { ...s, spec: { replicas: 6 } }));
    expect(stale.message).toBe(
      'Operation cannot be fulfilled on deployments.apps "web": the object has been modified; please apply your changes to the latest version and try again',
    );
    const neg = await rejection(c.updateSubresource("web", "scale", { metadata: { name: "web" }, spec: { replicas: -1 } } as Scale));
    expect(isInvalid(neg)).toBe(true);
    const patched = await c.patch("web", PatchType.Merge, { spec: { replicas: 1 } }, {}, "scale");
    expect((patched as unknown as Scale).spec?.replicas).toBe(1);
  });

  it("scale of a custom resource follows the CRD's paths", async () => {
    const foo = { apiVersion: "ex.com/v1", kind: "Foo", metadata: { name: "f", namespace: "default" }, spec: { size: 3 }, status: { ready: 2, selector: "app=f" } };
    const { client } = setup([foo as Obj]);
    const c = client(FOOS, "default");
    const s = await c.getSubresource<Scale>("f", "scale");
    expect(s.spec).toEqual({ replicas: 3 });
    expect(s.status).toEqual({ replicas: 2, selector: "app=f" });
    await c.updateSubresource("f", "scale", { ...s, spec: { replicas: 7 } });
    const after = await c.get("f");
    expect(after.spec).toEqual({ size: 7 });
    expect(after.status).toEqual({ ready: 2, selector: "app=f" });
  });

  it("eviction deletes the pod and answers 201 Success; a missing pod is NotFound", async () => {
    const { client } = setup([pod("p")]);
    const c = client(PODS, "default");
    const eviction = { apiVersion: "policy/v1", kind: "Eviction", metadata: { name: "p", namespace: "default" } };
    const st = await c.createSubresource("p", "eviction", eviction);
    expect(st).toEqual({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 });
    expect(isNotFound(await rejection(c.get("p")))).toBe(true);
    const again = await rejection(c.createSubresource("p", "eviction", eviction));
    expect(again.message).toBe('pods "p" not found');
  });

  it("binding sets spec.nodeName once; binding again is the server's Conflict", async () => {
    const { client } = setup([pod("p")]);
    const c = client(PODS, "default");
    const binding = { apiVersion: "v1", kind: "Binding", metadata: { name: "p" }, target: { kind: "Node", name: "n1" } };
    expect(await c.createSubresource("p", "binding", binding)).toMatchObject({ status: "Success", code: 201 });
    expect((await c.get("p")).spec?.nodeName).toBe("n1");
    const again = await rejection(c.createSubresource("p", "binding", { ...binding, target: { kind: "Node", name: "n2" } }));
    expect(again.message).toBe('Operation cannot be fulfilled on pods/binding "p": pod p is already assigned to node "n1"');
  });

  it("token returns a TokenRequest with a token and an expirationTimestamp from the clock", async () => {
    const { client } = setup([{ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "sa", namespace: "default" } }]);
    const c = client(SERVICEACCOUNTS, "default");
    const sa = await c.get("sa");
    type TokenRequest = Obj & { status: { token: string; expirationTimestamp: string } };
    const tr = await c.createSubresource<Obj, TokenRequest>("sa", "token", { spec: { audiences: ["api"], expirationSeconds: 600 } } as Obj, {}, {
      apiVersion: "authentication.k8s.io/v1",
      kind: "TokenRequest",
    });
    expect(tr.kind).toBe("TokenRequest");
    expect(tr.metadata).toMatchObject({ name: "sa", namespace: "default", uid: sa.metadata!.uid });
    expect(tr.spec).toMatchObject({ audiences: ["api"], expirationSeconds: 600 });
    expect(tr.status.expirationTimestamp).toBe("2026-01-02T03:14:05Z");
    const claims = JSON.parse(Buffer.from(tr.status.token.split(".")[1]!, "base64url").toString("utf8")) as { sub: string; aud: string[] };
    expect(claims).toMatchObject({ sub: "system:serviceaccount:default:sa", aud: ["api"] });
    expect(isNotFound(await rejection(c.createSubresource("nobody", "token", {} as Obj)))).toBe(true);
  });

  it("log streams the text the test set (per container, tailLines), empty by default", async () => {
    const { client, fake } = setup([pod("p"), pod("q")]);
    const c = client(PODS, "default");
    fake.setLog("default", "p", "one\ntwo\nthree\n");
    fake.setLog("default", "p", "sidecar", "side\n");
    expect(await readAll(await c.streamSubresource("p", "log"))).toBe("one\ntwo\nthree\n");
    expect(await readAll(await c.streamSubresource("p", "log", { tailLines: 2 }))).toBe("two\nthree\n");
    expect(await readAll(await c.streamSubresource("p", "log", { container: "sidecar" }))).toBe("side\n");
    expect(await readAll(await c.streamSubresource("q", "log"))).toBe("");
    await expect(c.streamSubresource("zz", "log")).rejects.toSatisfy(isNotFound);
    expect(fake.actions().at(-1)).toMatchObject({ verb: "get", name: "zz", subresource: "log" });
  });
});
