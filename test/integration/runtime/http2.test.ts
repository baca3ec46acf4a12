// HTTP/2 to the real kube-apiserver, on a control plane of this file's own (it is restarted):
// requests negotiate h2 by ALPN; thirty informers (one per namespace) share one connection,
// where HTTP/1.1 needs one per watch; and when kube-apiserver restarts (its shutdown sends
// GOAWAY and ends every stream), every informer lists and watches again over a new
// connection, and each ends with exactly the server's objects.
import { setMaxListeners } from "node:events";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { loadConfig, ResourceClient, RestClient, type RestConfig } from "@kubegen/runtime";
import { startControlPlane, type ControlPlane } from "@kubegen/runtime/testing";
import { SharedIndexInformer } from "../../../runtime/src/cache/index.js";
import type { KubernetesObject } from "../../../runtime/src/meta/types.js";
import { controlPlane } from "../../helpers/cluster.js";

const shared = controlPlane(); // only to know whether control planes can run here

const CM_INFO = { group: "", version: "v1", resource: "configmaps", kind: "ConfigMap", namespaced: true } as const;
const INFORMERS = 30;
const namespaces = Array.from({ length: INFORMERS }, (_, i) => `h2-${i}`);

interface Running {
  rest: RestClient;
  informers: SharedIndexInformer<KubernetesObject>[];
  stop(): Promise<void>;
}

/** One ConfigMap informer per namespace on one RestClient, synced and watching. */
async function startInformers(config: RestConfig): Promise<Running> {
  const rest = new RestClient(config);
  const ac = new AbortController();
  setMaxListeners(0, ac.signal); // thirty informers listen on it
  const informers = namespaces.map(
    (ns) => new SharedIndexInformer<KubernetesObject>(new ResourceClient(rest, CM_INFO, ns), { name: `configmaps-${ns}`, onWatchError: () => {} }),
  );
  const runs = informers.map((i) => i.run(ac.signal));
  await Promise.all(informers.map((i) => i.waitForCacheSync()));
  await vi.waitFor(() => expect(informers.every((i) => i.health().isWatching)).toBe(true), { timeout: 30_000, interval: 50 });
  return {
    rest,
    informers,
    async stop() {
      ac.abort();
      await Promise.all(runs);
      rest.close();
    },
  };
}

/** Each informer's cache holds exactly its namespace's ConfigMaps, at the server's resourceVersions. */
async function expectCachesMatchServer(rest: RestClient, informers: SharedIndexInformer<KubernetesObject>[]): Promise<void> {
  for (const [i, ns] of namespaces.entries()) {
    const list = await new ResourceClient<KubernetesObject>(rest, CM_INFO, ns).list();
    const want = new Map(list.items.map((o) => [o.metadata!.name!, o.metadata!.resourceVersion!]));
    const got = new Map(informers[i]!.indexer.list().map((o) => [o.metadata!.name!, o.metadata!.resourceVersion!]));
    expect(got, ns).toEqual(want);
  }
}

describe.skipIf(!shared)("HTTP/2 to kube-apiserver (own control plane)", () => {
  let cp: ControlPlane;
  let config: RestConfig;
  let admin: RestClient;

  beforeAll(async () => {
    cp = await startControlPlane({ controllerManager: false, log: () => undefined });
    config = await loadConfig({ kubeconfigPath: cp.kubeconfigPath });
    config.qps = -1; // HTTP/2 is the default
    admin = new RestClient({ ...config, http2: false });
    for (const ns of namespaces) {
      await admin.request({ version: "v1", resource: "namespaces", verb: "create", body: { metadata: { name: ns } } });
      const cms = new ResourceClient(admin, CM_INFO, ns);
      for (let j = 0; j < 5; j++) await cms.create({ metadata: { name: `cm-${j}` }, data: { j: String(j) } } as KubernetesObject);
    }
  }, 180_000);
  afterAll(async () => {
    admin?.close();
    await cp?.stop();
  });

  it("negotiates HTTP/2 by ALPN", async () => {
    const rest = new RestClient(config);
    try {
      const res = await rest.transport.send({ method: "GET", path: "/version", query: [], headers: {} });
      res.resume();
      expect([res.statusCode, res.httpVersion]).toEqual([200, "2.0"]);
      expect(rest.transport.connections).toMatchObject({ http2: 1, http1: 0 });
    } finally {
      rest.close();
    }
  });

  it("thirty informers share one connection; over HTTP/1.1 each watch holds its own", { timeout: 120_000 }, async () => {
    const h2 = await startInformers(config);
    try {
      expect(h2.rest.transport.connections).toMatchObject({ http2: 1, http1: 0 });
      expect(h2.rest.transport.connections.http2Streams).toBeGreaterThanOrEqual(INFORMERS);
    } finally {
      await h2.stop();
    }
    const h1 = await startInformers({ ...config, http2: false });
    try {
      expect(h1.rest.transport.connections.http2).toBe(0);
      expect(h1.rest.transport.connections.http1).toBeGreaterThanOrEqual(INFORMERS);
    } finally {
      await h1.stop();
    }
  });

  it("a restart (GOAWAY, every stream ended) mid-watch: every informer recovers over a new connection and nothing is lost", { timeout: 180_000 }, async () => {
    const run = await startInformers(config);
    try {
      await cp.stopApiServer();
      await cp.restartApiServer();
      // a write in every namespace after the restart, and changes to objects that were there before
      for (const ns of namespaces) {
        const cms = new ResourceClient<KubernetesObject>(admin, CM_INFO, ns);
        await vi.waitFor(async () => void (await cms.create({ metadata: { name: "after-restart" } })), { timeout: 30_000, interval: 200 });
        await cms.delete("cm-0");
        await cms.update({ metadata: { name: "cm-1" }, data: { j: "changed" } } as KubernetesObject);
      }
      await vi.waitFor(
        () => {
          for (const [i, ns] of namespaces.entries()) {
            const idx = run.informers[i]!.indexer;
            expect(idx.has(`${ns}/after-restart`) && !idx.has(`${ns}/cm-0`), ns).toBe(true);
          }
        },
        { timeout: 60_000, interval: 100 },
      );
      await expectCachesMatchServer(admin, run.informers);
      expect(run.informers.every((i) => i.health().isWatching)).toBe(true);
      expect(run.rest.transport.connections).toMatchObject({ http2: 1, http1: 0 });
    } finally {
      await run.stop();
    }
  });
});
