// Benchmark (never part of `make test`): a factory of many informers over HTTP/2 against
// HTTP/1.1. One real control plane (startControlPlane) holds NAMESPACES (30) namespaces with
// PER_NAMESPACE (300) ConfigMaps of about 1 KB each. For BENCH_RUNS (3) rounds, alternating,
// each mode runs in a fresh child process: one RestClient, an InformerFactory with one
// ConfigMap informer per namespace, started together. The child reports the time from start to
// every informer synced, the CPU it used meanwhile (process.cpuUsage), the heap retained after
// sync (global.gc() then heapUsed, minus the same before the informers started), the
// connections open once every watch is up (transport.connections), and the time a GET takes
// while the watches are open (median of 50, one at a time). A second table does the same for a
// single informer of all those ConfigMaps: one large LIST, where flow control matters.
// Run: KUBEGEN_ENVTEST_ASSETS=... node --import tsx test/bench/http2.bench.ts (make bench runs it)
import { spawn } from "node:child_process";
import { availableParallelism, loadavg } from "node:os";
import { createInterface } from "node:readline";
import { fileURLToPath, pathToFileURL } from "node:url";
import { join } from "node:path";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const tsx = pathToFileURL(join(repo, "node_modules/tsx/dist/loader.mjs")).href;
const runs = Number(process.env.BENCH_RUNS ?? 3);
const NAMESPACES = Number(process.env.BENCH_NAMESPACES ?? 30);
const PER_NAMESPACE = Number(process.env.BENCH_PER_NAMESPACE ?? 300);
const PAYLOAD = "x".repeat(1000);
type Mode = "http2" | "http1";
/** `many`: one informer per namespace; `one`: a single informer of every namespace's ConfigMaps (one large LIST). */
type Shape = "many" | "one";
interface Result {
  syncMs: number;
  cpuMs: number;
  heapMiB: number;
  http2Connections: number;
  http1Connections: number;
  getMs: number;
}

const namespace = (i: number) => `h2-bench-${i}`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function child(mode: Mode, shape: Shape, kubeconfigPath: string): Promise<void> {
  const { InformerFactory, loadConfig, ResourceClient, RestClient } = await import("@kubegen/runtime");
  const gc = (globalThis as { gc?: () => void }).gc!;
  const config = await loadConfig({ kubeconfigPath });
  config.qps = -1;
  config.http2 = mode === "http2";
  const rest = new RestClient(config);
  const factory = new InformerFactory({});
  const info = { group: "", version: "v1", resource: "configmaps", kind: "ConfigMap", namespaced: true } as const;
  const informers =
    shape === "one"
      ? [factory.informerForResource("configmaps", () => new ResourceClient(rest, info))]
      : Array.from({ length: NAMESPACES }, (_, i) =>
          factory.informerForResource(`configmaps/${namespace(i)}`, () => new ResourceClient(rest, info, namespace(i))),
        );
  gc();
  const before = process.memoryUsage().heapUsed;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const ac = new AbortController();
  factory.start(ac.signal);
  await factory.waitForCacheSync();
  const syncMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  gc();
  const heap = process.memoryUsage().heapUsed - before;
  while (!informers.every((i) => i.health().isWatching)) await new Promise((r) => setTimeout(r, 20));
  const gets: number[] = [];
  for (let i = 0; i < 50; i++) {
    const s = performance.now();
    await rest.request({ version: "v1", resource: "namespaces", name: namespace(0), verb: "get" });
    gets.push(performance.now() - s);
  }
  const c = rest.transport.connections;
  const result: Result = {
    syncMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    heapMiB: heap / 2 ** 20,
    http2Connections: c.http2,
    http1Connections: c.http1,
    getMs: median(gets),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  ac.abort();
  await factory.shutdown();
  rest.close();
}

function runChild(mode: Mode, shape: Shape, kubeconfigPath: string): Promise<Result> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ["--expose-gc", "--import", tsx, fileURLToPath(import.meta.url), "--child", mode, shape, kubeconfigPath], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let result: Result | undefined;
    createInterface({ input: p.stdout! }).on("line", (line) => (result = JSON.parse(line) as Result));
    p.once("error", reject);
    p.once("exit", (code) => (result && code === 0 ? resolve(result) : reject(new Error(`${mode} child exited with ${code}`))));
  });
}

async function main(): Promise<void> {
  if (process.argv[2] === "--child") return child(process.argv[3] as Mode, process.argv[4] as Shape, process.argv[5]!);
  const { startControlPlane } = await import("@kubegen/runtime/testing");
  const { loadConfig, RestClient } = await import("@kubegen/runtime");
  const cp = await startControlPlane({ controllerManager: false, log: () => {} });
  try {
    const config = await loadConfig({ kubeconfigPath: cp.kubeconfigPath });
    config.qps = -1;
    const rest = new RestClient(config);
    const fill = Date.now();
    for (let n = 0; n < NAMESPACES; n++) {
      await rest.request({ version: "v1", resource: "namespaces", verb: "create", body: { metadata: { name: namespace(n) } } });
      const jobs = Array.from({ length: PER_NAMESPACE }, (_, i) =>
        rest.request({
          version: "v1",
          resource: "configmaps",
          namespace: namespace(n),
          verb: "create",
          body: { metadata: { name: `cm-${i}` }, data: { payload: PAYLOAD } },
        }),
      );
      await Promise.all(jobs);
    }
    rest.close();
    console.log(
      `http2 bench: ${NAMESPACES} informers x ${PER_NAMESPACE} ConfigMaps (filled in ${((Date.now() - fill) / 1000).toFixed(1)} s); ` +
        `${runs} runs per mode, alternating; ${availableParallelism()} cores, load ${loadavg()[0]!.toFixed(2)}`,
    );
    for (const shape of ["many", "one"] as const) {
      const results: Record<Mode, Result[]> = { http2: [], http1: [] };
      for (let r = 0; r < runs; r++) for (const mode of ["http2", "http1"] as const) results[mode].push(await runChild(mode, shape, cp.kubeconfigPath));
      const row = (mode: Mode) => {
        const xs = results[mode];
        const m = (k: keyof Result) => median(xs.map((x) => x[k]));
        return { mode, syncMs: m("syncMs"), cpuMs: m("cpuMs"), heapMiB: m("heapMiB"), connections: `${m("http2Connections")} h2 + ${m("http1Connections")} h1`, getMs: m("getMs") };
      };
      const h2 = row("http2");
      const h1 = row("http1");
      console.log(shape === "many" ? `\n${NAMESPACES} informers, one per namespace:` : `\none informer of all ${NAMESPACES * PER_NAMESPACE} ConfigMaps (one large LIST):`);
      console.log("| mode | sockets | sync ms | CPU ms | retained heap MiB | GET ms (watches open) |");
      console.log("| --- | --- | --- | --- | --- | --- |");
      for (const x of [h2, h1]) {
        console.log(`| ${x.mode} | ${x.connections} | ${x.syncMs.toFixed(0)} | ${x.cpuMs.toFixed(0)} | ${x.heapMiB.toFixed(1)} | ${x.getMs.toFixed(2)} |`);
      }
      console.log(
        `HTTP/1.1 over HTTP/2: sync ${(h1.syncMs / h2.syncMs).toFixed(2)}x, CPU ${(h1.cpuMs / h2.cpuMs).toFixed(2)}x, ` +
          `heap ${(h1.heapMiB / h2.heapMiB).toFixed(2)}x, GET ${(h1.getMs / h2.getMs).toFixed(2)}x`,
      );
    }
  } finally {
    await cp.stop();
  }
}

await main();
