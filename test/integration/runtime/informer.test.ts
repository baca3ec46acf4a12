// Informers against the real kube-apiserver (shared control plane): a 5,000
// object sync over the streaming list, churn converging exactly on a fresh
// server list, bookmarks advancing lastSyncResourceVersion, a typed 403 from
// waitForCacheSync for an unprivileged user, metadata-only informers.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  ApiError,
  isForbidden,
  loadConfig,
  ResourceClient,
  RestClient,
} from "@kubegen/runtime";
import { InformerFactory, SharedIndexInformer } from "../../../runtime/src/cache/index.js";
import type { KubernetesObject } from "../../../runtime/src/meta/types.js";
import { controlPlane, rawRequest, useTestNamespace } from "../../helpers/cluster.js";

const cp = controlPlane();

interface ConfigMap extends KubernetesObject {
  data?: Record<string, string>;
}

const CM_INFO = { group: "", version: "v1", resource: "configmaps", kind: "ConfigMap", namespaced: true } as const;

/** Runs `fn` over `items` with at most `limit` calls in flight. */
async function pool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

/** name -> resourceVersion of every configmap in a listing or cache. */
function versions(items: readonly ConfigMap[]): Map<string, string> {
  return new Map(items.map((o) => [o.metadata!.name!, o.metadata!.resourceVersion!]));
}

describe.skipIf(!cp)("informers on a real API server", () => {
  const ns = useTestNamespace(cp, "inf");
  let rest: RestClient;
  let cms: ResourceClient<ConfigMap>;

  beforeAll(async () => {
    const config = await loadConfig({ kubeconfigPath: cp!.kubeconfigPath });
    config.qps = -1; // no client-side limit: the pool bounds concurrency
    rest = new RestClient(config);
    cms = new ResourceClient<ConfigMap>(rest, CM_INFO, ns());
  });
  afterAll(() => rest?.close());

  it("syncs 5,000 ConfigMaps by streaming list, then follows 1,000 mixed changes exactly", async () => {
    const names = Array.from({ length: 5000 }, (_, i) => `cm-${String(i).padStart(4, "0")}`);
    await pool(names, 16, (name) => cms.create({ metadata: { name }, data: { v: "0" } }));

    const informer = new SharedIndexInformer<ConfigMap>(cms, {
      name: "configmaps",
      useWatchList: true, // the default is a LIST; see ReflectorOptions.useWatchList
      transform: (o) => ({ ...o, metadata: { ...o.metadata, managedFields: undefined } }),
    });
    let adds = 0;
    let initialAdds = 0;
    informer.addEventHandler({ onAdd: (_o, initial) => void (initial ? initialAdds++ : adds++) });
    const ac = new AbortController();
    const run = informer.run(ac.signal);
    await informer.waitForCacheSync();

    const health = informer.health();
    expect(health.initialListPath).toBe("watch-list"); // v1.36 serves streaming lists
    expect(health.metrics.watchListFallbacks).toBe(0);
    expect(health.metrics.lists).toBe(0);
    expect(informer.indexer.size).toBe(5000);
    const listed = await cms.list();
    expect(versions(informer.indexer.list())).toEqual(versions(listed.items));
    expect(informer.indexer.get(`${ns()}/cm-0000`)?.metadata?.managedFields).toBeUndefined();
    expect(Object.isFrozen(informer.indexer.get(`${ns()}/cm-0000`))).toBe(true);

    // 1,000 mixed changes: 400 updates, 300 deletes, 300 creates
    const ops: Array<() => Promise<unknown>> = [];
    for (let i = 0; i < 400; i++) ops.push(() => cms.patch(names[i]!, "application/merge-patch+json", { data: { v: "1" } }));
    for (let i = 400; i < 700; i++) ops.push(() => cms.delete(names[i]!));
    for (let i = 0; i < 300; i++) ops.push(() => cms.create({ metadata: { name: `new-${i}` }, data: { v: "n" } }));
    await pool(ops, 16, (op) => op());

    const fresh = await cms.list();
    const want = versions(fresh.items);
    expect(want.size).toBe(5000);
    await vi.waitFor(() => expect(versions(informer.indexer.list())).toEqual(want), { timeout: 30_000, interval: 100 });
    expect(informer.health().isWatching).toBe(true);
    await vi.waitFor(() => expect(adds).toBe(300), { timeout: 10_000 });
    expect(initialAdds).toBe(5000);
    ac.abort();
    await run;
    expect(informer.health().state).toBe("Stopped");
  }, 120_000);

  it("bookmarks arrive and advance lastSyncResourceVersion without any event in the namespace", async () => {
    // the namespace of this informer stays quiet; writes elsewhere advance the global resourceVersion
    const quiet = `inf-quiet-${randomBytes(3).toString("hex")}`;
    const other = `inf-other-${randomBytes(3).toString("hex")}`;
    for (const n of [quiet, other]) {
      const r = await rawRequest(cp!, "cert", "POST", "/api/v1/namespaces", { metadata: { name: n } });
      expect(r.status).toBe(201);
    }
    try {
      const informer = new SharedIndexInformer<ConfigMap>(new ResourceClient<ConfigMap>(rest, CM_INFO, quiet), {
        // short watches: the server sends a bookmark shortly before each watch's timeout
        minWatchTimeoutMs: 5000,
      });
      const ac = new AbortController();
      const run = informer.run(ac.signal);
      await informer.waitForCacheSync();
      const synced = BigInt(informer.lastSyncResourceVersion);
      const elsewhere = await new ResourceClient<ConfigMap>(rest, CM_INFO, other).create({ metadata: { name: "x" } });
      const target = BigInt(elsewhere.metadata!.resourceVersion!);
      expect(target).toBeGreaterThan(synced);
      // Each short watch ends with a bookmark every 5 to 10 s; on a loaded machine the first ones
      // may still carry an older resourceVersion, so allow several watch cycles.
      await vi.waitFor(() => expect(BigInt(informer.lastSyncResourceVersion)).toBeGreaterThanOrEqual(target), {
        timeout: 90_000,
        interval: 200,
      });
      const m = informer.health().metrics;
      expect(m.events).toBe(0); // nothing happened in the watched namespace
      expect(m.bookmarks).toBeGreaterThanOrEqual(1); // progress bookmarks (the default LIST path has no initial-events-end one)
      expect(m.lists).toBe(1);
      ac.abort();
      await run;
    } finally {
      for (const n of [quiet, other]) await rawRequest(cp!, "cert", "DELETE", `/api/v1/namespaces/${n}`);
    }
  }, 150_000);

  it("waitForCacheSync rejects with a typed 403 for a user without RBAC, while the informer keeps retrying", async () => {
    const limited = new RestClient(await loadConfig({ kubeconfigPath: cp!.kubeconfigPath, context: "limited" }));
    const watchErrors: unknown[] = [];
    const informer = new SharedIndexInformer<ConfigMap>(new ResourceClient<ConfigMap>(limited, CM_INFO, ns()), {
      onWatchError: (e) => watchErrors.push(e),
    });
    const ac = new AbortController();
    const run = informer.run(ac.signal);
    const err = await informer.waitForCacheSync().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(isForbidden(err)).toBe(true);
    expect((err as ApiError).code).toBe(403);
    expect((err as ApiError).message).toContain("kubegen-limited");
    expect((err as ApiError).message).not.toContain(cp!.limitedToken);
    // it rejected on the first attempt (before the first backoff wait ended), not after a timeout
    expect(informer.health().metrics.backoffs).toBeLessThanOrEqual(1);
    expect(informer.hasSynced()).toBe(false);
    expect(informer.health().state).not.toBe("Stopped");
    expect(watchErrors.length).toBeGreaterThanOrEqual(1);
    ac.abort();
    await run;
    limited.close();
  });

  it("a metadata-only informer and a dynamic informer from the factory", async () => {
    await cms.create({ metadata: { name: "meta-probe", labels: { probe: "yes" } }, data: { big: "x".repeat(10_000) } });
    const factory = new InformerFactory({
      executor: rest,
      namespace: ns(),
      tweakListOptions: (o) => {
        o.labelSelector = "probe=yes";
      },
    });
    const meta = factory.forResourceMetadata({ group: "", version: "v1", resource: "configmaps" });
    const dyn = factory.forResource<ConfigMap>({ group: "", version: "v1", resource: "configmaps" });
    const ac = new AbortController();
    factory.start(ac.signal);
    await factory.waitForCacheSync();
    expect(meta.indexer.listKeys()).toEqual([`${ns()}/meta-probe`]);
    const m = meta.indexer.get(`${ns()}/meta-probe`)!;
    expect(m.kind).toBe("PartialObjectMetadata");
    expect((m as Record<string, unknown>).data).toBeUndefined();
    expect(m.metadata?.labels).toEqual({ probe: "yes" });
    expect(dyn.indexer.get(`${ns()}/meta-probe`)?.data?.big).toHaveLength(10_000);
    await factory.shutdown();
    expect(meta.isStopped && dyn.isStopped).toBe(true);
  });
});
