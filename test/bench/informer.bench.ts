// Benchmark (never part of `make test`): informer sync against peers. One real
// control plane (startControlPlane) holds N (10,000) ConfigMaps of about 1 KB
// in one namespace; then, for BENCH_RUNS (3) rounds, each informer runs in a
// fresh child process, so heap figures are its own:
//   kubegen      SharedIndexInformer over ResourceClient(RestClient) (defaults:
//                LIST at resourceVersion "0" with limit 500, which the watch
//                cache answers whole, then WATCH; frozen cache)
//   kubegen-strip  the same with `transform: stripManagedFields` (each
//                ConfigMap carries the one managedFields entry of its create)
//   client-node  @kubernetes/client-node 1.x (installed as client-node-1)
//                makeInformer (ListWatch)
//   client-go    test/bench/go-informer, k8s.io/client-go v0.36.3
//                SharedIndexInformer (skipped, with the reason, without Go)
// With BENCH_VARIANTS=1 two more kubegen rows: kubegen-watchlist (useWatchList
// true: a streaming list, KEP-3157, whose stream goes on as the watch) and
// kubegen-nofreeze (freeze false).
// Each child reports: time from informer start to synced (in-process; module
// loading and config parsing excluded), the CPU time the child used meanwhile
// (Node: process.cpuUsage; Go: getrusage; user + system: a steadier figure
// than wall time on a busy machine), the heap retained after sync (Node:
// global.gc() then heapUsed; Go: runtime.GC() then HeapAlloc; before = the same
// just before the informer starts), and event throughput: a writer in this
// process updates E (2,000) objects at full speed (PUT, 64 in flight, no
// client-side rate limit) and the child reports the wall-clock time it had
// seen the update of every one of them; events/s = E / (that - writer start).
// Kubeconfig of every child: the control plane's kubeconfigPath (admin).
// Run: KUBEGEN_ENVTEST_ASSETS=... node --import tsx test/bench/informer.bench.ts
//      (make bench sets it; needs npm ci --prefix test/bench and make envtest)
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath, pathToFileURL } from "node:url";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const tsx = pathToFileURL(join(repo, "node_modules/tsx/dist/loader.mjs")).href;
const goBinary = join(homedir(), ".cache/kubegen/bench/go-informer");
const runs = Number(process.env.BENCH_RUNS ?? 3);
const OBJECTS = Number(process.env.BENCH_OBJECTS ?? 10_000);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 2_000);
const NAMESPACE = "informer-bench";
const PHASE_TIMEOUT_MS = 180_000;
const PAYLOAD = "x".repeat(1000);

type Peer = "kubegen" | "kubegen-strip" | "kubegen-watchlist" | "kubegen-nofreeze" | "client-node" | "client-go";
type Line =
  | { event: "synced"; ms: number; cpuMs: number; objects: number }
  | { event: "heap"; before: number; after: number }
  | { event: "armed" }
  | { event: "seen"; at: number };

const name = (i: number) => `cm-${String(i).padStart(5, "0")}`;
const nowMs = () => performance.timeOrigin + performance.now();

// ---------------------------------------------------------------- children

/** Node peers: one informer, the JSON-line protocol of go-informer/main.go. */
async function child(peer: Peer, kubeconfigPath: string, namespace: string, expected: number): Promise<void> {
  const emit = (line: Line) => process.stdout.write(`${JSON.stringify(line)}\n`);
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("run the child with --expose-gc");
  let token = "";
  const seen = new Set<string>();
  let resolveSeen!: (at: number) => void;
  const allSeen = new Promise<number>((r) => (resolveSeen = r));
  const onUpdate = (obj: { metadata?: { name?: string }; data?: Record<string, string> }) => {
    const n = obj.metadata?.name;
    if (!token || obj.data?.["round"] !== token || n === undefined || seen.has(n)) return;
    seen.add(n);
    if (seen.size === expected) resolveSeen(nowMs());
  };

  let stop: () => Promise<void>;
  let count: () => number;
  let synced: Promise<void>;
  let heapBefore: number;
  let started: number;
  let cpuBefore: NodeJS.CpuUsage;
  if (peer.startsWith("kubegen")) {
    const { loadConfig, RestClient, ResourceClient, SharedIndexInformer, stripManagedFields } = await import("@kubegen/runtime");
    const config = await loadConfig({ kubeconfigPath });
    type ConfigMap = { metadata?: { name?: string }; data?: Record<string, string> };
    const client = new ResourceClient<ConfigMap>(
      new RestClient({ ...config, qps: -1, warningHandler: null }),
      { group: "", version: "v1", resource: "configmaps", kind: "ConfigMap", namespaced: true },
      namespace,
    );
    gc();
    heapBefore = process.memoryUsage().heapUsed;
    cpuBefore = process.cpuUsage();
    started = performance.now();
    const informer = new SharedIndexInformer(client, {
      name: "configmaps",
      ...(peer === "kubegen-watchlist" ? { useWatchList: true } : {}),
      ...(peer === "kubegen-nofreeze" ? { freeze: false } : {}),
      ...(peer === "kubegen-strip" ? { transform: stripManagedFields } : {}),
    });
    informer.addEventHandler({ onUpdate: (_old, obj) => onUpdate(obj) });
    void informer.run();
    synced = informer.waitForCacheSync();
    stop = () => informer.stop();
    count = () => informer.indexer.list().length;
  } else {
    // 1.x, as client-node-1: 2.x needs Node 22 (its undici uses zstd)
    const { CoreV1Api, KubeConfig, makeInformer } = await import("client-node-1");
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfigPath);
    const api = kc.makeApiClient(CoreV1Api);
    gc();
    heapBefore = process.memoryUsage().heapUsed;
    cpuBefore = process.cpuUsage();
    started = performance.now();
    const informer = makeInformer(kc, `/api/v1/namespaces/${namespace}/configmaps`, () => api.listNamespacedConfigMap({ namespace }));
    informer.on("update", onUpdate);
    let stopping = false;
    informer.on("error", (err) => {
      if (!stopping) console.error("client-node informer error:", err);
    });
    synced = informer.start();
    stop = () => {
      stopping = true; // stop() aborts the watch, which client-node reports as an error
      return informer.stop();
    };
    count = () => informer.list().length;
  }
  await synced;
  const ms = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  emit({ event: "synced", ms, cpuMs: (cpu.user + cpu.system) / 1000, objects: count() });
  gc();
  emit({ event: "heap", before: heapBefore, after: process.memoryUsage().heapUsed });

  const rl = createInterface({ input: process.stdin });
  for await (const line of rl) {
    token = line.trim();
    break;
  }
  emit({ event: "armed" });
  emit({ event: "seen", at: await allSeen });
  await stop();
  process.exit(0);
}

// ---------------------------------------------------------------- parent

interface Sample {
  syncMs: number;
  syncCpuMs: number;
  objects: number;
  heapAfterMb: number;
  heapRetainedMb: number;
  eventsPerSec: number;
  writerPerSec: number;
  lagMs: number;
}

/** Runs `total` jobs with at most `concurrency` in flight. */
async function pool(total: number, concurrency: number, job: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) await job(next++);
    }),
  );
}

function within<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), PHASE_TIMEOUT_MS))),
  ]);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Builds go-informer into ~/.cache/kubegen/bench; returns why client-go is skipped, or undefined. */
function buildGo(): string | undefined {
  try {
    execFileSync("go", ["version"], { stdio: "ignore" });
  } catch {
    return "Go is not installed (go not on PATH)";
  }
  try {
    mkdirSync(join(homedir(), ".cache/kubegen/bench"), { recursive: true });
    execFileSync("go", ["build", "-o", goBinary, "."], { cwd: join(repo, "test/bench/go-informer"), stdio: ["ignore", "inherit", "inherit"] });
    return undefined;
  } catch (err) {
    return `go build failed: ${(err as Error).message.split("\n")[0]}`;
  }
}

async function main(): Promise<void> {
  if (process.argv[2] === "--child") {
    const [peer, kubeconfig, namespace, expected] = process.argv.slice(3);
    return child(peer as Peer, kubeconfig!, namespace!, Number(expected));
  }
  const goSkip = buildGo();
  const { startControlPlane } = await import("@kubegen/runtime/testing");
  const { loadConfig, RestClient } = await import("@kubegen/runtime");
  const cp = await startControlPlane({ log: () => {} });
  try {
    const rc = new RestClient({ ...(await loadConfig({ kubeconfigPath: cp.kubeconfigPath })), qps: -1, warningHandler: null });
    await rc.request({ version: "v1", resource: "namespaces", verb: "create", body: { metadata: { name: NAMESPACE } } });
    const seedStart = performance.now();
    await pool(OBJECTS, 32, (i) =>
      rc.request({
        version: "v1",
        resource: "configmaps",
        namespace: NAMESPACE,
        verb: "create",
        body: { metadata: { name: name(i), labels: { app: "informer-bench" } }, data: { payload: PAYLOAD, round: "0" } },
      }),
    );
    console.error(`seeded ${OBJECTS} ConfigMaps in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`);

    const variants: Peer[] = process.env.BENCH_VARIANTS ? ["kubegen-watchlist", "kubegen-nofreeze"] : [];
    const peers: Peer[] = ["kubegen", "kubegen-strip", ...variants, "client-node", ...(goSkip ? [] : ["client-go" as const])];
    const samples = new Map<Peer, Sample[]>(peers.map((p) => [p, []]));
    for (let run = 0; run < runs; run++) {
      for (const peer of peers) {
        const token = `r${run}-${peer}`;
        const proc =
          peer === "client-go"
            ? spawn(goBinary, [cp.kubeconfigPath, NAMESPACE, String(EVENTS)], { stdio: ["pipe", "pipe", "inherit"] })
            : spawn(
                process.execPath,
                ["--expose-gc", "--import", tsx, fileURLToPath(import.meta.url), "--child", peer, cp.kubeconfigPath, NAMESPACE, String(EVENTS)],
                { stdio: ["pipe", "pipe", "inherit"], cwd: repo },
              );
        const exited = new Promise<number | null>((r) => proc.once("exit", (code) => r(code)));
        const lines = createInterface({ input: proc.stdout! })[Symbol.asyncIterator]();
        const next = async <E extends Line["event"]>(event: E): Promise<Extract<Line, { event: E }>> => {
          const r = await within(lines.next(), `${peer}: ${event}`);
          if (r.done) throw new Error(`${peer} exited before ${event} (code ${await exited})`);
          const line = JSON.parse(r.value) as Line;
          if (line.event !== event) throw new Error(`${peer}: expected ${event}, got ${r.value}`);
          return line as Extract<Line, { event: E }>;
        };
        try {
          const synced = await next("synced");
          const heap = await next("heap");
          proc.stdin!.write(`${token}\n`);
          await next("armed");
          const writerStart = nowMs();
          await pool(EVENTS, 64, (i) =>
            rc.request({
              version: "v1",
              resource: "configmaps",
              namespace: NAMESPACE,
              verb: "update",
              name: name(i),
              body: { metadata: { name: name(i), labels: { app: "informer-bench" } }, data: { payload: PAYLOAD, round: token } },
            }),
          );
          const writerEnd = nowMs();
          const seen = await next("seen");
          samples.get(peer)!.push({
            syncMs: synced.ms,
            syncCpuMs: synced.cpuMs,
            objects: synced.objects,
            heapAfterMb: heap.after / 2 ** 20,
            heapRetainedMb: (heap.after - heap.before) / 2 ** 20,
            eventsPerSec: EVENTS / ((seen.at - writerStart) / 1000),
            writerPerSec: EVENTS / ((writerEnd - writerStart) / 1000),
            lagMs: seen.at - writerEnd,
          });
          await within(exited, `${peer} to exit`);
        } finally {
          if (proc.exitCode === null) proc.kill();
        }
      }
    }
    rc.close();

    const row = (p: Peer) => {
      const s = samples.get(p)!;
      const m = (f: (x: Sample) => number) => median(s.map(f));
      return { syncMs: m((x) => x.syncMs), cpuMs: m((x) => x.syncCpuMs), heapAfter: m((x) => x.heapAfterMb), retained: m((x) => x.heapRetainedMb), eps: m((x) => x.eventsPerSec), writer: m((x) => x.writerPerSec), lag: m((x) => x.lagMs), objects: s[0]!.objects };
    };
    console.log(`informer benchmark: ${OBJECTS} ConfigMaps of ~1 KB, ${EVENTS} updates; median of ${runs} runs, each informer in a fresh process (${cp.version})`);
    console.log(`  ${"peer".padEnd(16)} ${"sync".padStart(9)} ${"sync cpu".padStart(9)} ${"cached".padStart(7)} ${"heap after".padStart(11)} ${"retained".padStart(9)} ${"events/s".padStart(9)} ${"writer/s".padStart(9)} ${"lag".padStart(8)}`);
    const rows = new Map(peers.map((p) => [p, row(p)]));
    for (const [p, r] of rows) {
      console.log(
        `  ${p.padEnd(16)} ${`${r.syncMs.toFixed(0)} ms`.padStart(9)} ${`${r.cpuMs.toFixed(0)} ms`.padStart(9)} ${String(r.objects).padStart(7)} ${`${r.heapAfter.toFixed(1)} MB`.padStart(11)}` +
          ` ${`${r.retained.toFixed(1)} MB`.padStart(9)} ${r.eps.toFixed(0).padStart(9)} ${r.writer.toFixed(0).padStart(9)} ${`${r.lag.toFixed(0)} ms`.padStart(8)}`,
      );
    }
    if (goSkip) console.log(`  client-go skipped: ${goSkip}`);
    const ours = rows.get("kubegen")!;
    const cn = rows.get("client-node")!;
    console.log(
      `  vs client-node: sync ${(ours.syncMs / cn.syncMs).toFixed(2)}x its time (${(ours.cpuMs / cn.cpuMs).toFixed(2)}x its CPU), retained heap ${(ours.retained / cn.retained).toFixed(2)}x,` +
        ` events/s ${(ours.eps / cn.eps).toFixed(2)}x  (target: time and heap at or below -> ${ours.syncMs <= cn.syncMs && ours.retained <= cn.retained ? "met" : "NOT met"})`,
    );
    const strip = rows.get("kubegen-strip")!;
    console.log(
      `  kubegen-strip (transform: stripManagedFields): retained heap ${(strip.retained / ours.retained).toFixed(2)}x kubegen's,` +
        ` ${(strip.retained / cn.retained).toFixed(2)}x client-node's${rows.get("client-go") ? `, ${(strip.retained / rows.get("client-go")!.retained).toFixed(2)}x client-go's` : ""}`,
    );
    const go = rows.get("client-go");
    if (go) {
      console.log(
        `  vs client-go: sync ${(ours.syncMs / go.syncMs).toFixed(2)}x its time (target <= 1.5x -> ${ours.syncMs <= 1.5 * go.syncMs ? "met" : "NOT met"}),` +
          ` retained heap ${(ours.retained / go.retained).toFixed(2)}x, events/s ${(ours.eps / go.eps).toFixed(2)}x`,
      );
    }
    console.log("  sync cpu = CPU time the informer's process used from start to synced (user + system)");
    console.log("  writer/s = the writer's own update rate (an upper bound on events/s); lag = last event seen minus last write acknowledged");
  } finally {
    await cp.stop();
  }
}

await main();
