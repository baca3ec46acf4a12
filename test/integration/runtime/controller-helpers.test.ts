// Controller helpers against the real kube-apiserver (shared control plane):
// finalizers through a generated typed client (the Foo CRD) and the dynamic
// client with concurrent writers, owner references the server (and, when it
// runs, the garbage collector) accepts, predicates over a live informer,
// retryOnConflict with two writers, waitFor / untilWithSync, and the
// RetryWatcher across server-side watch timeouts and across a 410 caused by
// an etcd compaction (core/v1 Events have no watch cache, so the watch reaches etcd).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AlreadyOwnedError,
  DEFAULT_RETRY,
  DynamicClient,
  LabelChangedPredicate,
  ResourceClient,
  RestClient,
  RetryWatcher,
  WaitTimeoutError,
  ensureFinalizer,
  filterHandlers,
  getControllerOf,
  isConflict,
  isControlledBy,
  isGone,
  isNotFound,
  isResourceExpired,
  loadConfig,
  removeFinalizer,
  retryOnConflict,
  setControllerReference,
  untilWithSync,
  waitFor,
  type ListerWatcher,
  type RestConfig,
  type RetryWatchEvent,
  type Unstructured,
} from "@kubegen/runtime";
import { SharedIndexInformer } from "../../../runtime/src/cache/index.js";
import type { KubernetesObject } from "../../../runtime/src/meta/types.js";
import type * as Foo from "../../../.tmp/generated/foo/index.js";
import type * as FooV1 from "../../../.tmp/generated/foo/samplecontroller.kubegen.dev/v1alpha1/index.js";
import { controlPlane, useTestNamespace, type AvailableControlPlane } from "../../helpers/cluster.js";
import { generateFresh, importGenerated, removeGenerated, repoRoot } from "../../helpers/generated.js";

const cp = controlPlane();
const ns = useTestNamespace(cp, "helpers");
const crdFile = join(repoRoot, "examples/sample-controller/crd/foos.yaml");
const folders: string[] = [];
afterAll(() => folders.forEach(removeGenerated));

interface ConfigMap extends KubernetesObject {
  data?: Record<string, string>;
}
const CM_INFO = { group: "", version: "v1", resource: "configmaps", kind: "ConfigMap", namespaced: true } as const;
type FooObject = Foo.samplecontrollerV1alpha1.Foo;

/** Polls `fn` until it returns something other than undefined (bounded attempts, no fixed sleeps in assertions). */
async function until<T>(fn: () => T | undefined | Promise<T | undefined>, what: string, attempts = 400): Promise<T> {
  for (let i = 0; i < attempts; i++) {
    const v = await fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function etcd<T>(cp: AvailableControlPlane, path: string, body: unknown): Promise<T> {
  const res = await fetch(`${cp.etcdUrl}${path}`, { method: "POST", body: JSON.stringify(body) });
  if (res.status !== 200) throw new Error(`etcd ${path}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** Compacts etcd at its head revision: every older resourceVersion is gone for watches that reach etcd. */
async function compactEtcd(cp: AvailableControlPlane): Promise<string> {
  const head = await etcd<{ header: { revision: string } }>(cp, "/v3/kv/range", { key: Buffer.from("/").toString("base64") });
  await etcd(cp, "/v3/kv/compaction", { revision: head.header.revision, physical: true });
  return head.header.revision;
}

describe.skipIf(!cp)("controller helpers on a real API server", () => {
  let config: RestConfig;
  let rest: RestClient;
  let cms: ResourceClient<ConfigMap>;
  let dyn: DynamicClient;
  let foos: FooV1.FoosClient;

  beforeAll(async () => {
    config = { ...(await loadConfig({ kubeconfigPath: cp!.kubeconfigPath })), qps: -1 };
    rest = new RestClient(config);
    dyn = new DynamicClient(rest);
    cms = new ResourceClient<ConfigMap>(rest, CM_INFO, ns());
    const crds = dyn.resource({ group: "apiextensions.k8s.io", version: "v1", resource: "customresourcedefinitions" });
    const crd = parse(readFileSync(crdFile, "utf8"));
    await crds.apply(crd.metadata.name, crd, { fieldManager: "kubegen-test", force: true });
    await until(async () => {
      const got = await crds.get(crd.metadata.name);
      const conditions = (got.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? [];
      return conditions.some((c) => c.type === "Established" && c.status === "True") ? true : undefined;
    }, "the Foo CRD to be established");
    const out = await generateFresh("foo-helpers", { crd: [crdFile] });
    folders.push(out);
    const gen = await importGenerated<typeof Foo>(out);
    foos = gen.Clientset.forConfig(config).samplecontrollerV1alpha1.foos(ns());
  }, 90_000);
  afterAll(() => rest?.close());

  const newFoo = (name: string): FooObject => ({ metadata: { name }, spec: { deploymentName: `${name}-d`, replicas: 1 } });

  it("finalizers: concurrent writers from the same stale object all land; idempotent; removal lets deletion finish", async () => {
    const stale = await foos.create(newFoo("fin"));
    const names = ["a.example.com/one", "b.example.com/two", "c.example.com/three", "d.example.com/four"];
    const backoff = { steps: 20, durationMs: 10, factor: 1, jitter: 1 };
    const results = await Promise.all(names.map((f) => ensureFinalizer(foos, stale, f, { backoff, fieldManager: "helpers-test" })));
    expect(results.every((r) => r.changed)).toBe(true);
    const live = await foos.get("fin");
    expect([...(live.metadata?.finalizers ?? [])].sort()).toEqual([...names].sort()); // no writer's finalizer was lost

    const again = await ensureFinalizer(foos, live, names[0]!);
    expect(again.changed).toBe(false);
    expect((await foos.get("fin")).metadata?.resourceVersion).toBe(live.metadata?.resourceVersion); // no write

    await foos.delete("fin");
    const deleting = await foos.get("fin");
    expect(deleting.metadata?.deletionTimestamp).toBeTruthy(); // held by the finalizers
    await Promise.all(names.map((f) => removeFinalizer(foos, deleting, f, { backoff })));
    await until(async () => foos.get("fin").then(() => undefined, (e: unknown) => (isNotFound(e) ? true : undefined)), "the Foo to be gone");
  });

  it("finalizers through the dynamic client", async () => {
    const client = dyn.resource({ group: "", version: "v1", resource: "configmaps" }).namespace(ns());
    const created = await client.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "dyn-fin" } });
    const added = await ensureFinalizer<Unstructured>(client, created, "example.com/dyn");
    expect(added.changed).toBe(true);
    expect((await client.get("dyn-fin")).metadata?.finalizers).toEqual(["example.com/dyn"]);
    const removed = await removeFinalizer<Unstructured>(client, added.object, "example.com/dyn");
    expect(removed.changed).toBe(true);
    expect((await client.get("dyn-fin")).metadata?.finalizers ?? []).toEqual([]);
  });

  it("owner references: the server accepts the controller reference; a second controller is refused; GC follows it", async () => {
    const owner = await foos.create(newFoo("owner"));
    const other = await foos.create(newFoo("other"));
    const desired = setControllerReference(owner, { metadata: { name: "owned", namespace: ns() }, data: { a: "1" } } as ConfigMap);
    const created = await cms.create(desired);
    expect(getControllerOf(created)).toMatchObject({ kind: "Foo", name: "owner", uid: owner.metadata?.uid, controller: true, blockOwnerDeletion: true });
    expect(isControlledBy(created, owner)).toBe(true);
    expect(isControlledBy(created, other)).toBe(false);
    expect(() => setControllerReference(other, created)).toThrow(AlreadyOwnedError);

    // a cluster-scoped owner (the namespace itself) of a namespaced object is allowed
    const nsObj = await dyn.resource({ group: "", version: "v1", resource: "namespaces" }).get(ns());
    const byNs = await cms.create(setControllerReference(nsObj, { metadata: { name: "owned-by-ns", namespace: ns() } } as ConfigMap));
    expect(getControllerOf(byNs)?.kind).toBe("Namespace");

    if (cp!.controllerManager) {
      // the garbage collector follows the reference (a core owner: it learns of new CRDs only on its periodic resync)
      const parent = await cms.create({ metadata: { name: "gc-owner" } });
      await cms.create(setControllerReference(parent, { metadata: { name: "gc-owned", namespace: ns() } } as ConfigMap));
      await cms.delete("gc-owner", { propagationPolicy: "Background" });
      await until(
        async () => cms.get("gc-owned").then(() => undefined, (e: unknown) => (isNotFound(e) ? true : undefined)),
        "the garbage collector to delete the owned ConfigMap",
        1200,
      );
    }
  });

  it("predicates: a LabelChangedPredicate handler sees label changes only", async () => {
    await cms.create({ metadata: { name: "pred", labels: { v: "1" } }, data: { d: "1" } });
    const informer = new SharedIndexInformer<ConfigMap>(cms, { name: "configmaps" });
    const all: string[] = [];
    const labelled: string[] = [];
    const describe = (o: ConfigMap) => `${o.metadata?.labels?.v}/${o.data?.d}`;
    informer.addEventHandler({ onUpdate: (_o, n) => void (n.metadata?.name === "pred" && all.push(describe(n))) });
    informer.addEventHandler(filterHandlers<ConfigMap>({ onUpdate: (_o, n) => void (n.metadata?.name === "pred" && labelled.push(describe(n))) }, LabelChangedPredicate));
    const ac = new AbortController();
    const run = informer.run(ac.signal);
    await informer.waitForCacheSync(AbortSignal.timeout(30_000));
    const cur = await cms.get("pred");
    const dataOnly = await cms.update({ ...cur, data: { d: "2" } });
    await cms.update({ ...dataOnly, metadata: { ...dataOnly.metadata, labels: { v: "2" } } });
    await until(() => (labelled.length ? true : undefined), "the label update");
    expect(labelled).toEqual(["2/2"]); // the data-only update came first and was filtered out
    await until(() => (all.length === 2 ? true : undefined), "both updates");
    expect(all).toEqual(["1/2", "2/2"]);
    ac.abort();
    await run;
  });

  it("retryOnConflict: a forced conflict is retried on a fresh read; two concurrent counters add up", async () => {
    await cms.create({ metadata: { name: "counter" }, data: { n: "0" } });
    const attempts: number[] = [];
    await retryOnConflict(DEFAULT_RETRY, async ({ attempt }) => {
      attempts.push(attempt);
      const cur = await cms.get("counter");
      if (attempt === 1) await cms.update({ ...cur, data: { n: "100" } }); // another writer gets in between
      await cms.update({ ...cur, data: { n: String(Number(cur.data!.n) + 1) } });
    });
    expect(attempts).toEqual([1, 2]);
    expect((await cms.get("counter")).data?.n).toBe("101");

    // without the retry the same interleaving fails with 409
    const cur = await cms.get("counter");
    await cms.update({ ...cur, data: { n: "0" } });
    expect(isConflict(await cms.update({ ...cur, data: { n: "x" } }).catch((e: unknown) => e))).toBe(true);

    const increments = 10;
    const backoff = { steps: 50, durationMs: 5, factor: 1, jitter: 1 };
    const writer = async () => {
      for (let i = 0; i < increments; i++) {
        await retryOnConflict(backoff, async () => {
          const c = await cms.get("counter");
          await cms.update({ ...c, data: { n: String(Number(c.data!.n) + 1) } });
        });
      }
    };
    await Promise.all([writer(), writer()]);
    expect((await cms.get("counter")).data?.n).toBe(String(2 * increments));
  });

  it("waitFor over an informer and a watch; untilWithSync; a timeout rejects", async () => {
    await cms.create({ metadata: { name: "w-early" }, data: { ready: "yes" } });
    const informer = new SharedIndexInformer<ConfigMap>(cms, { name: "configmaps" });
    const ac = new AbortController();
    const run = informer.run(ac.signal);
    await informer.waitForCacheSync(AbortSignal.timeout(30_000));
    expect((await waitFor(informer, (o) => o.metadata?.name === "w-early", { timeoutMs: 30_000 })).data?.ready).toBe("yes"); // from the cache

    const later = waitFor(informer, (o) => o.metadata?.name === "w-late" && o.data?.ready === "yes", { timeoutMs: 30_000 });
    const late = await cms.create({ metadata: { name: "w-late" }, data: { ready: "no" } });
    await cms.update({ ...late, data: { ready: "yes" } });
    expect((await later).data?.ready).toBe("yes");
    await expect(waitFor(informer, (o) => o.metadata?.name === "never", { timeoutMs: 300 })).rejects.toBeInstanceOf(WaitTimeoutError);
    ac.abort();
    await run;

    const list = await cms.list();
    const watchAbort = new AbortController();
    const onWatch = waitFor(cms.watch({ resourceVersion: list.metadata?.resourceVersion, signal: watchAbort.signal }), (o, type) => type === "DELETED" && o.metadata?.name === "w-late", { timeoutMs: 30_000 });
    await cms.delete("w-late");
    expect((await onWatch).metadata?.name).toBe("w-late");
    watchAbort.abort();

    let synced = false;
    const sequence = untilWithSync<ConfigMap>(cms, [
      (ev) => ev.type === "ADDED" && ev.object.metadata?.name === "w-early", // from the initial list
      (ev) => ev.type === "MODIFIED" && ev.object.metadata?.name === "w-early" && ev.object.data?.ready === "again",
    ], { timeoutMs: 30_000, precondition: () => ((synced = true), false), informer: { name: "configmaps" } });
    await until(() => (synced ? true : undefined), "the initial list");
    const early = await cms.get("w-early");
    await cms.update({ ...early, data: { ready: "again" } }); // after the list: reaches the conditions as MODIFIED
    const ev = await sequence;
    expect(ev).toMatchObject({ type: "MODIFIED", object: { data: { ready: "again" } } });
  });

  it("RetryWatcher resumes across server-side watch timeouts without losing or repeating events", async () => {
    const start = (await cms.list()).metadata!.resourceVersion!;
    const ac = new AbortController();
    const errors: unknown[] = [];
    const w = new RetryWatcher<ConfigMap>(cms, { resourceVersion: start, timeoutSeconds: 2, signal: ac.signal, onError: (e) => errors.push(e) });
    const seen: string[] = [];
    const loop = (async () => {
      for await (const ev of w) if (ev.type !== "BOOKMARK" && ev.object.metadata?.name?.startsWith("rw-")) seen.push(`${ev.type} ${ev.object.metadata.name}${ev.synthetic ? " synthetic" : ""}`);
    })();
    const expected: string[] = [];
    for (let i = 0; i < 3; i++) {
      const watchesBefore = w.metrics.watches;
      await cms.create({ metadata: { name: `rw-${i}` } });
      expected.push(`ADDED rw-${i}`);
      await until(() => (seen.length === expected.length ? true : undefined), `event ${i}`);
      // wait for the server to end the watch (timeoutSeconds) and the watcher to open the next one
      await until(() => (w.metrics.watches > watchesBefore ? true : undefined), `re-watch ${i}`);
    }
    await cms.delete("rw-0");
    expected.push("DELETED rw-0");
    await until(() => (seen.length === expected.length ? true : undefined), "the delete");
    expect(seen).toEqual(expected);
    expect(w.metrics.watches).toBeGreaterThanOrEqual(4);
    expect(w.metrics.lists).toBe(0); // resumed by resourceVersion, never relisted
    ac.abort();
    await loop;
    expect(w.state.kind).toBe("Stopped");
  }, 90_000);

  it("RetryWatcher relists after a 410 from an etcd compaction and emits the missed changes as synthetic events", async () => {
    const events = dyn.resource({ group: "", version: "v1", resource: "events" }).namespace(ns());
    const event = (name: string, message: string): Unstructured => ({
      apiVersion: "v1",
      kind: "Event",
      metadata: { name },
      involvedObject: { kind: "ConfigMap", name: "x", namespace: ns() },
      reason: "Test",
      message,
    });
    const start = (await events.list()).metadata!.resourceVersion!;
    // a gate in front of the real watch: lets the test make changes while the watcher is between watches
    let gate: Promise<void> | undefined;
    let openGate = (): void => undefined;
    let waitingAtGate = false;
    const gated: ListerWatcher<Unstructured> = {
      list: (o) => events.list(o),
      watch: (o, hooks) =>
        (async function* () {
          if (gate) {
            waitingAtGate = true;
            await gate;
            waitingAtGate = false;
          }
          yield* events.watch(o, hooks);
        })(),
    };
    const ac = new AbortController();
    const errors: unknown[] = [];
    const w = new RetryWatcher<Unstructured>(gated, { resourceVersion: start, timeoutSeconds: 2, signal: ac.signal, onError: (e) => errors.push(e) });
    const seen: RetryWatchEvent<Unstructured>[] = [];
    const loop = (async () => {
      for await (const ev of w) if (ev.type !== "BOOKMARK" && ev.object.metadata?.name?.startsWith("ev-")) seen.push(ev);
    })();
    const show = (e: RetryWatchEvent<Unstructured>) => `${e.type} ${e.object.metadata?.name} ${(e.object as { message?: string }).message}${e.synthetic ? " synthetic" : ""}`;

    await events.create(event("ev-gone", "0"));
    const keep = await events.create(event("ev-keep", "0"));
    await until(() => (seen.length === 2 ? true : undefined), "the two ADDED events");
    gate = new Promise<void>((r) => (openGate = r));
    await until(() => (waitingAtGate ? true : undefined), "the watcher to be between watches"); // after the 2 s server timeout

    await events.delete("ev-gone");
    await events.update({ ...keep, message: "1" });
    await events.create(event("ev-new", "0"));
    await cms.create({ metadata: { name: "bump" } }); // moves etcd's revision past our last event
    const revision = await compactEtcd(cp!);
    expect(BigInt(revision)).toBeGreaterThan(BigInt(w.resourceVersion));
    openGate();

    await until(() => (seen.length === 5 ? true : undefined), "the synthetic events");
    expect(errors.some((e) => isResourceExpired(e) || isGone(e))).toBe(true);
    expect(w.metrics.relists).toBe(1);
    expect(seen.slice(2).map(show).sort()).toEqual([
      "ADDED ev-new 0 synthetic",
      "DELETED ev-gone 0 synthetic",
      "MODIFIED ev-keep 1 synthetic",
    ]);
    await events.create(event("ev-after", "0"));
    await until(() => (seen.length === 6 ? true : undefined), "a live event after the relist");
    expect(show(seen[5]!)).toBe("ADDED ev-after 0");
    ac.abort();
    await loop;
  }, 90_000);
});
