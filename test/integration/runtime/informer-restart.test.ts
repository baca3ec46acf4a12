// Informer recovery on a control plane of this file's own (the shared one is
// never restarted): kube-apiserver restarts, and deletions that happened while
// nobody watched, followed by an etcd compaction, reaching handlers as
// tombstones after the 410-driven relist.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { loadConfig, ResourceClient, RestClient } from "@kubegen/runtime";
import { startControlPlane, type ControlPlane } from "@kubegen/runtime/testing";
import { isTombstone, SharedIndexInformer } from "../../../runtime/src/cache/index.js";
import { isExpiredOrTooLarge } from "../../../runtime/src/cache/reflector.js";
import type { KubernetesObject } from "../../../runtime/src/meta/types.js";
import { controlPlane } from "../../helpers/cluster.js";

const shared = controlPlane(); // only to know whether control planes can run here

interface ConfigMap extends KubernetesObject {
  data?: Record<string, string>;
}
const CM_INFO = { group: "", version: "v1", resource: "configmaps", kind: "ConfigMap", namespaced: true } as const;

function versions(items: readonly ConfigMap[]): Map<string, string> {
  return new Map(items.map((o) => [o.metadata!.name!, o.metadata!.resourceVersion!]));
}

async function etcd<T>(cp: ControlPlane, path: string, body: unknown): Promise<T> {
  const res = await fetch(`${cp.etcdUrl}${path}`, { method: "POST", body: JSON.stringify(body) });
  if (res.status !== 200) throw new Error(`etcd ${path}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}
const b64 = (s: string) => Buffer.from(s).toString("base64");

/**
 * Proves the informer's watch is up: health says Watching as soon as the
 * server answers the watch request (RestClient reports the response; without
 * that a quiet resource would stay "Connecting" until the first bookmark,
 * about a minute), and then a probe object reaches the cache.
 */
async function watchEstablished(informer: SharedIndexInformer<ConfigMap>, cms: ResourceClient<ConfigMap>, ns: string): Promise<void> {
  await vi.waitFor(() => expect(informer.health()).toMatchObject({ isWatching: true, state: "Watching" }), { timeout: 15_000, interval: 20 });
  const probe = `probe-${Date.now()}`;
  await cms.create({ metadata: { name: probe } });
  await vi.waitFor(() => expect(informer.indexer.has(`${ns}/${probe}`)).toBe(true), { timeout: 10_000, interval: 20 });
  expect(informer.health()).toMatchObject({ isWatching: true, state: "Watching", reconnecting: false });
}

describe.skipIf(!shared)("informer recovery (own control plane)", () => {
  let cp: ControlPlane;
  let rest: RestClient;
  let cms: ResourceClient<ConfigMap>;
  const ns = "recovery";

  beforeAll(async () => {
    cp = await startControlPlane({ controllerManager: false, log: () => undefined });
    const config = await loadConfig({ kubeconfigPath: cp.kubeconfigPath });
    config.qps = -1;
    rest = new RestClient(config);
    await rest.request({ version: "v1", resource: "namespaces", verb: "create", body: { metadata: { name: ns } } });
    cms = new ResourceClient<ConfigMap>(rest, CM_INFO, ns);
  }, 120_000);
  afterAll(async () => {
    rest?.close();
    await cp?.stop();
  });

  it("recovers after kube-apiserver restarts and converges on the server's state", async () => {
    for (let i = 0; i < 20; i++) await cms.create({ metadata: { name: `before-${i}` } });
    const errors: unknown[] = [];
    const informer = new SharedIndexInformer<ConfigMap>(cms, { name: "configmaps", onWatchError: (e) => errors.push(e) });
    const ac = new AbortController();
    const run = informer.run(ac.signal);
    await informer.waitForCacheSync();
    await watchEstablished(informer, cms, ns);

    await cp.stopApiServer();
    // the watch is gone and the transport is retrying a refused connection: not "Watching"
    await vi.waitFor(() => expect(informer.health()).toMatchObject({ isWatching: false, reconnecting: true }), { timeout: 10_000, interval: 20 });
    expect(["Connecting", "BackingOff", "Listing"]).toContain(informer.health().state);
    await cp.restartApiServer();
    const readyAt = Date.now();
    // a write after the restart must reach the cache
    await vi.waitFor(async () => void (await cms.create({ metadata: { name: "after-restart" } })), { timeout: 20_000, interval: 200 });
    await vi.waitFor(() => expect(informer.indexer.has(`${ns}/after-restart`)).toBe(true), { timeout: 40_000, interval: 50 });
    const recoveryMs = Date.now() - readyAt;
    const h = informer.health();
    console.log(
      `informer recovery after kube-apiserver restart: ${recoveryMs} ms from apiserver ready to the first new object cached ` +
        `(errors ${h.metrics.errors}, backoffs ${h.metrics.backoffs}, relists ${h.metrics.relists}, path ${h.initialListPath})`,
    );
    expect(errors.length).toBeGreaterThanOrEqual(1); // the outage was reported, not swallowed
    await watchEstablished(informer, cms, ns); // (the first new object may have come by the relist, not the watch)
    const fresh = await cms.list();
    await vi.waitFor(() => expect(versions(informer.indexer.list())).toEqual(versions(fresh.items)), { timeout: 10_000 });
    ac.abort();
    await run;
  }, 60_000);

  it("deletions made while unwatched, then an etcd compaction: 410, relist, tombstones with the last known state", async () => {
    for (const n of ["keep-1", "keep-2", "gone-1", "gone-2"]) await cms.create({ metadata: { name: n }, data: { n } });
    const errors: unknown[] = [];
    const tombstones: Array<{ key: string; data: unknown }> = [];
    const plainDeletes: string[] = [];
    const informer = new SharedIndexInformer<ConfigMap>(cms, { name: "configmaps", onWatchError: (e) => errors.push(e) });
    informer.addEventHandler({
      onDelete: (o) => {
        if (isTombstone(o)) tombstones.push({ key: o.key, data: o.object.data });
        else plainDeletes.push(o.metadata!.name!);
      },
    });
    const ac = new AbortController();
    const run = informer.run(ac.signal);
    await informer.waitForCacheSync();
    await watchEstablished(informer, cms, ns);
    const before = informer.lastSyncResourceVersion;

    await cp.stopApiServer();
    // delete two objects behind the API server's back, then compact etcd at its head revision
    for (const n of ["gone-1", "gone-2"]) {
      const del = await etcd<{ deleted?: string }>(cp, "/v3/kv/deleterange", { key: b64(`/registry/configmaps/${ns}/${n}`) });
      expect(del.deleted).toBe("1");
    }
    const head = await etcd<{ header: { revision: string } }>(cp, "/v3/kv/range", { key: b64("/") });
    expect(BigInt(head.header.revision)).toBeGreaterThan(BigInt(before));
    await etcd(cp, "/v3/kv/compaction", { revision: head.header.revision, physical: true });
    await cp.restartApiServer();

    await vi.waitFor(() => expect(tombstones.map((t) => t.key).sort()).toEqual([`${ns}/gone-1`, `${ns}/gone-2`]), {
      timeout: 40_000,
      interval: 50,
    });
    expect(tombstones.find((t) => t.key.endsWith("gone-1"))!.data).toEqual({ n: "gone-1" }); // last known state
    expect(plainDeletes).toEqual([]);
    expect(errors.some((e) => isExpiredOrTooLarge(e))).toBe(true); // the old resourceVersion was refused with 410
    expect(informer.health().metrics.relists).toBeGreaterThanOrEqual(1);
    const fresh = await cms.list();
    expect(versions(informer.indexer.list())).toEqual(versions(fresh.items));
    expect([...versions(fresh.items).keys()]).not.toContain("gone-1");
    ac.abort();
    await run;
  }, 60_000);
});
