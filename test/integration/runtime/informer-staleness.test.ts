// Informer staleness and the 410 relist against a REAL kube-apiserver, on a
// control plane of this file's own (it is paused, partitioned and restarted;
// the shared one is never touched):
//   (a) kube-apiserver SIGSTOPped for longer than staleAfterMs (3 s here): the
//       open watch goes silent without any error; health().stale turns true
//       and the silent watch is closed and re-requested; after SIGCONT the
//       informer watches again and converges on a fresh LIST.
//   (b) a partition through a TCP proxy this file controls (blackhole: bytes
//       are swallowed, no FIN, no RST): stale, then recovery once it heals.
//   (c) a partition (connections refused) long enough for the reflector to
//       back off, during which kube-apiserver restarts on a compacted etcd:
//       the informer's old resourceVersion gets a 410 when the partition
//       heals, and the relist follows the 410 with no backoff wait in
//       between (checked on the order of the reflector's states, not on time).
// A ticker writes a ConfigMap every 300 ms straight to the API server (never
// through the proxy), so a connected informer is never quiet for 3 s: what
// makes it stale is the pause or the partition.
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { loadConfig, ResourceClient, RestClient, type RestConfig } from "@kubegen/runtime";
import { findControlPlaneAssets, startControlPlane, type ControlPlane } from "@kubegen/runtime/testing";
import { informersReady, SharedIndexInformer } from "../../../runtime/src/cache/index.js";
import { isExpiredOrTooLarge, StaleWatchError, type ReflectorState } from "../../../runtime/src/cache/reflector.js";
import type { KubernetesObject } from "../../../runtime/src/meta/types.js";

const assets = findControlPlaneAssets();
if (!assets.found && process.env.CI === "true") {
  throw new Error(`the informer staleness test needs a real control plane (CI=true, so this is a failure): ${assets.reason}`);
}
if (!assets.found) console.warn(`skipping the informer staleness test: ${assets.reason}`);

interface ConfigMap extends KubernetesObject {
  data?: Record<string, string>;
}
const CM_INFO = { group: "", version: "v1", resource: "configmaps", kind: "ConfigMap", namespaced: true } as const;
const STALE_AFTER_MS = 3000;
/** Generous: on a loaded 2-core machine a control plane takes 5-30 s to start and 5-30 s to restart. */
const START_MS = 180_000;

function versions(items: readonly ConfigMap[]): Map<string, string> {
  return new Map(items.map((o) => [o.metadata!.name!, o.metadata!.resourceVersion!]));
}

async function etcd<T>(cp: ControlPlane, path: string, body: unknown): Promise<T> {
  const res = await fetch(`${cp.etcdUrl}${path}`, { method: "POST", body: JSON.stringify(body) });
  if (res.status !== 200) throw new Error(`etcd ${path}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}
const b64 = (s: string) => Buffer.from(s).toString("base64");

type ProxyMode = "forward" | "blackhole" | "refuse";

/**
 * A TCP proxy to the API server that the test can partition. `blackhole`:
 * every connection open at that moment, and every new one, gets no byte
 * either way and no FIN/RST (as behind a dead route); they stay dead after
 * the partition heals. `refuse`: open connections are reset and new ones are
 * reset at once. `forward`: new connections go through.
 */
interface PartitionProxy {
  readonly port: number;
  set(mode: ProxyMode): void;
  close(): Promise<void>;
}

async function startPartitionProxy(targetPort: number): Promise<PartitionProxy> {
  let mode: ProxyMode = "forward";
  const pairs = new Set<{ client: net.Socket; upstream?: net.Socket; dead: boolean }>();
  const server = net.createServer((client) => {
    client.on("error", () => undefined);
    const pair: { client: net.Socket; upstream?: net.Socket; dead: boolean } = { client, dead: mode === "blackhole" };
    pairs.add(pair);
    client.on("close", () => {
      pairs.delete(pair);
      pair.upstream?.destroy();
    });
    if (mode === "refuse") {
      client.resetAndDestroy();
      return;
    }
    if (pair.dead) return; // accepted, never answered
    const upstream = net.connect(targetPort, "127.0.0.1");
    pair.upstream = upstream;
    upstream.on("error", () => undefined);
    client.on("data", (d) => void (pair.dead || upstream.write(d)));
    upstream.on("data", (d) => void (pair.dead || client.write(d)));
    upstream.on("close", () => {
      if (!pair.dead) client.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    set(next) {
      mode = next;
      for (const p of pairs) {
        if (next === "blackhole") p.dead = true;
        if (next === "refuse") {
          p.dead = true;
          p.client.resetAndDestroy();
          p.upstream?.destroy();
        }
      }
    },
    async close() {
      for (const p of pairs) {
        p.client.destroy();
        p.upstream?.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Updates one ConfigMap every 300 ms straight to the API server; failures (while paused or restarting) are skipped. */
function startTicker(cms: ResourceClient<ConfigMap>): { stop(): Promise<void> } {
  let stopped = false;
  let n = 0;
  const loop = (async () => {
    while (!stopped) {
      try {
        await cms.apply({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "tick" }, data: { n: String(n++) } } as ConfigMap, {
          fieldManager: "ticker",
          force: true,
        });
      } catch {
        // paused or restarting API server: try again
      }
      await new Promise((r) => setTimeout(r, 300));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

describe.skipIf(!assets.found)("informer staleness and 410 relists (own control plane)", () => {
  let cp: ControlPlane;
  let base: RestConfig;
  const clients: RestClient[] = [];
  let proxy: PartitionProxy | undefined;

  /** A RestClient (to `server`, default the API server itself); closed after the file. */
  function client(server?: string, timeoutMs?: number): RestClient {
    const config: RestConfig = { ...base, qps: -1, ...(server ? { server } : {}), ...(timeoutMs ? { timeoutMs } : {}) };
    const rest = new RestClient(config);
    clients.push(rest);
    return rest;
  }

  async function namespace(name: string): Promise<void> {
    await client().request({ version: "v1", resource: "namespaces", verb: "create", body: { metadata: { name } } });
  }

  beforeAll(async () => {
    cp = await startControlPlane({ controllerManager: false, log: () => undefined });
    base = await loadConfig({ kubeconfigPath: cp.kubeconfigPath });
    proxy = await startPartitionProxy(Number(new URL(cp.server).port));
  }, START_MS);
  afterAll(async () => {
    for (const c of clients) c.close();
    await proxy?.close();
    await cp?.stop();
  }, 60_000);

  /** Waits until the informer is watching and a fresh object reached its cache through the watch. */
  async function watching(informer: SharedIndexInformer<ConfigMap>, direct: ResourceClient<ConfigMap>, ns: string): Promise<void> {
    await vi.waitFor(() => expect(informer.health()).toMatchObject({ isWatching: true, stale: false }), { timeout: 30_000, interval: 20 });
    const probe = `probe-${Date.now()}`;
    await direct.create({ metadata: { name: probe } });
    await vi.waitFor(() => expect(informer.indexer.has(`${ns}/${probe}`)).toBe(true), { timeout: 30_000, interval: 20 });
  }

  /** The informer's cache equals a fresh LIST (the ticker stopped first). */
  async function converged(informer: SharedIndexInformer<ConfigMap>, direct: ResourceClient<ConfigMap>): Promise<void> {
    await vi.waitFor(
      async () => {
        const fresh = await direct.list();
        expect(versions(informer.indexer.list())).toEqual(versions(fresh.items));
      },
      { timeout: 30_000, interval: 200 },
    );
  }

  it("(a) kube-apiserver SIGSTOPped: stale while stopped, recovers and converges after SIGCONT", async () => {
    const ns = "stale-sigstop";
    await namespace(ns);
    const direct = new ResourceClient<ConfigMap>(client(undefined, 2000), CM_INFO, ns);
    for (let i = 0; i < 5; i++) await direct.create({ metadata: { name: `cm-${i}` } });
    const errors: unknown[] = [];
    const informer = new SharedIndexInformer<ConfigMap>(new ResourceClient<ConfigMap>(client(), CM_INFO, ns), {
      name: "configmaps",
      staleAfterMs: STALE_AFTER_MS,
      onWatchError: (e) => errors.push(e),
    });
    const ac = new AbortController();
    const run = informer.run(ac.signal);
    const ticker = startTicker(direct);
    const pid = cp.apiServerPid;
    expect(pid).toBeTypeOf("number");
    let paused = false;
    try {
      await informer.waitForCacheSync();
      await watching(informer, direct, ns);
      expect(informersReady(informer)).toBe(true);
      const before = informer.health();
      expect(before.lastEventAt).toBeTypeOf("number"); // the ticker's and the probe's events
      expect(before.stale).toBe(false);

      process.kill(pid!, "SIGSTOP");
      paused = true;
      // the TCP stream stays open and silent: no error tells; only the silence does
      await vi.waitFor(() => expect(informer.health()).toMatchObject({ stale: true, isWatching: false, reconnecting: true }), {
        timeout: 30_000,
        interval: 50,
      });
      expect(informersReady(informer)).toBe(false);
      // the silent watch was closed and re-requested (that request waits on the paused server)
      await vi.waitFor(() => expect(informer.health().metrics.staleWatches).toBeGreaterThanOrEqual(1), { timeout: 30_000, interval: 50 });
      expect(errors.some((e) => e instanceof StaleWatchError)).toBe(true);
      expect(informer.health().stale).toBe(true); // still paused: still stale
      expect(informer.health().metrics.lists).toBe(1); // no relist for a silent watch

      process.kill(pid!, "SIGCONT");
      paused = false;
      await watching(informer, direct, ns);
      expect(informersReady(informer)).toBe(true);
      await ticker.stop();
      await converged(informer, direct);
    } finally {
      if (paused) process.kill(pid!, "SIGCONT");
      await ticker.stop();
      ac.abort();
      await run;
    }
  }, 150_000);

  it("(b) a blackholed connection through a TCP proxy: stale, re-established after the partition heals", async () => {
    const ns = "stale-blackhole";
    await namespace(ns);
    const direct = new ResourceClient<ConfigMap>(client(undefined, 2000), CM_INFO, ns);
    for (let i = 0; i < 5; i++) await direct.create({ metadata: { name: `cm-${i}` } });
    const informer = new SharedIndexInformer<ConfigMap>(
      new ResourceClient<ConfigMap>(client(`https://127.0.0.1:${proxy!.port}`), CM_INFO, ns),
      { name: "configmaps", staleAfterMs: STALE_AFTER_MS, onWatchError: () => undefined },
    );
    const ac = new AbortController();
    const run = informer.run(ac.signal);
    const ticker = startTicker(direct);
    try {
      await informer.waitForCacheSync();
      await watching(informer, direct, ns);

      proxy!.set("blackhole");
      await vi.waitFor(() => expect(informer.health()).toMatchObject({ stale: true, isWatching: false }), { timeout: 30_000, interval: 50 });
      // re-requests go into the blackhole too: each is closed after staleAfterMs and requested again
      await vi.waitFor(() => expect(informer.health().metrics.staleWatches).toBeGreaterThanOrEqual(2), { timeout: 30_000, interval: 50 });
      expect(informer.health().stale).toBe(true);
      const cachedTick = informer.indexer.get(`${ns}/tick`)?.data?.n;

      proxy!.set("forward");
      await watching(informer, direct, ns);
      // events written during the partition arrive (from the last resourceVersion)
      await vi.waitFor(() => expect(Number(informer.indexer.get(`${ns}/tick`)?.data?.n)).toBeGreaterThan(Number(cachedTick)), {
        timeout: 30_000,
        interval: 50,
      });
      await ticker.stop();
      await converged(informer, direct);
    } finally {
      proxy!.set("forward");
      await ticker.stop();
      ac.abort();
      await run;
    }
  }, 150_000);

  it("(c) a 410 after a partition: the relist follows the 410 with no backoff wait", async () => {
    const ns = "stale-gone";
    await namespace(ns);
    const direct = new ResourceClient<ConfigMap>(client(undefined, 5000), CM_INFO, ns);
    for (const n of ["keep-1", "keep-2", "gone-1"]) await direct.create({ metadata: { name: n } });
    // what the reflector did, in order: its states and the errors it reported
    const trace: string[] = [];
    const informer = new SharedIndexInformer<ConfigMap>(
      new ResourceClient<ConfigMap>(client(`https://127.0.0.1:${proxy!.port}`), CM_INFO, ns),
      {
        name: "configmaps",
        onStateChange: (s: ReflectorState) => trace.push(s),
        onWatchError: (e) => trace.push(isExpiredOrTooLarge(e) ? "410" : `error ${(e as Error).name}`),
      },
    );
    const ac = new AbortController();
    const run = informer.run(ac.signal);
    try {
      await informer.waitForCacheSync();
      await watching(informer, direct, ns);
      const rv = informer.lastSyncResourceVersion;

      proxy!.set("refuse");
      // behind the partition: kube-apiserver restarts on an etcd that moved on and was compacted,
      // so the informer's resourceVersion is older than anything the new watch cache holds
      await cp.stopApiServer();
      const del = await etcd<{ deleted?: string }>(cp, "/v3/kv/deleterange", { key: b64(`/registry/configmaps/${ns}/gone-1`) });
      expect(del.deleted).toBe("1");
      const head = await etcd<{ header: { revision: string } }>(cp, "/v3/kv/range", { key: b64("/") });
      expect(BigInt(head.header.revision)).toBeGreaterThan(BigInt(rv) + 1n);
      await etcd(cp, "/v3/kv/compaction", { revision: head.header.revision, physical: true });
      await cp.restartApiServer();
      await direct.create({ metadata: { name: "made-during-partition" } });
      // the outage lasts until the reflector has backed off at least twice
      await vi.waitFor(() => expect(informer.health().metrics.backoffs).toBeGreaterThanOrEqual(2), { timeout: 90_000, interval: 100 });
      expect(informer.health().metrics.expired).toBe(0);
      const healedAt = trace.length;

      proxy!.set("forward");
      await vi.waitFor(() => expect(informer.indexer.has(`${ns}/made-during-partition`)).toBe(true), { timeout: 60_000, interval: 50 });
      const after = trace.slice(healedAt);
      const gone = after.indexOf("410");
      expect(gone, `trace after the partition healed: ${after.join(" -> ")}`).toBeGreaterThanOrEqual(0);
      // right after the 410: the relist, with no BackingOff in between
      const next = after.slice(gone + 1).filter((s) => !s.startsWith("error") && s !== "410");
      expect(next[0], `trace after the partition healed: ${after.join(" -> ")}`).toBe("Listing");
      expect(after.slice(gone + 1, after.indexOf("Listing", gone))).not.toContain("BackingOff");
      expect(informer.health().metrics.immediateRelists).toBeGreaterThanOrEqual(1);
      expect(informer.indexer.has(`${ns}/gone-1`)).toBe(false);
      await watching(informer, direct, ns);
      await converged(informer, direct);
    } finally {
      proxy!.set("forward");
      ac.abort();
      await run;
    }
  }, 240_000);
});
