// Benchmark (never part of `make test`): informer sync against peers, in two
// modes that share the children, the process protocol and the seeding code.
//
// Default (`make bench`): one real control plane (startControlPlane) holds N
// (10,000) ConfigMaps of about 1 KB in one namespace; then, for BENCH_RUNS (3)
// rounds, each informer runs in a fresh child process, so heap figures are its
// own:
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
//
// Scale (BENCH_SCALE=1, `make bench-scale`; the issue "Informers at cluster
// scale"): one control plane holds two object sets, seeded 64 requests in
// flight with no client-side rate limit:
//   ConfigMaps   BENCH_CONFIGMAPS (100,000) of about 1 KB, as above
//   Pods         BENCH_PODS (10,000) with a realistic spec: 2 containers
//                (image, ports, 5 env vars, requests/limits, volumeMounts,
//                probes), 4 labels, 2 annotations, an ownerReference to one of
//                the ReplicaSets created first (20 pods each; no controller
//                runs), nodeName, tolerations; then a realistic status (phase
//                Running, conditions, podIP, containerStatuses) is patched in
//                through pods/status (no kubelet runs, so nothing changes it)
// For each set, BENCH_RUNS (3) rounds for ConfigMaps and BENCH_POD_RUNS
// (default BENCH_RUNS) for Pods, each peer in a fresh child as above, plus
//   floor        the same LIST requests as kubegen's reflector (resourceVersion
//                "0", limit 500, following continue tokens) with plain
//                node:https (HTTP/1.1, Accept-Encoding gzip like every peer)
//                and JSON.parse of each page, items kept: its time, CPU and
//                retained heap; it also measures the LIST JSON size (decoded)
// Before each peer starts, the bench waits until a write reaches a new watch
// within 500 ms, so a server still behind on the previous peer's churn does
// not slow the next one's sync. And then churn: with the informer synced, this process patches the
// "bench/round" annotation of existing objects at BENCH_CHURN_RATE (500) per
// second for BENCH_CHURN_SECONDS (20), paced (issued on a 2 ms tick at the
// rate, at most 64 in flight; a server slower than the rate gets fewer writes,
// and the table gives the rate achieved), each write a distinct sequence
// number; the child counts the writes it saw. events/s = writes seen / (last
// seen - writer start); kept up = every answered write seen and the last
// within 1 s of the last write's answer (a child still short of them
// BENCH_DRAIN_SECONDS (10) after the writer is told to report what it has). The kubegen children also time lister reads during the churn: every
// 10 ms a NamespaceLister.get(random name), every 100 ms a .list(), and how
// late each 10 ms timer fired (but the tick after a list(), which the list
// itself delays). BENCH_VARIANTS=1 adds kubegen-h1 (the kubegen
// row over HTTP/1.1, the floor's protocol; the other kubegen rows use HTTP/2, the default). One table per set: medians over the runs,
// sync time and retained heap as ratios to client-go and client-node, retained
// heap over the LIST JSON size, kubegen's sync over the floor's (target 1.5x).
// A peer that fails (timeout BENCH_SYNC_TIMEOUT_SECONDS (300), out of memory)
// is recorded in its row and not run again for that set.
//
// Kubeconfig of every child: the control plane's kubeconfigPath (admin).
// Run: KUBEGEN_ENVTEST_ASSETS=... node --import tsx test/bench/informer.bench.ts
//      (make bench sets it; make bench-scale adds BENCH_SCALE=1; needs
//      npm ci --prefix test/bench and make envtest)
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync } from "node:fs";
import https from "node:https";
import { availableParallelism, cpus, homedir, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createGunzip } from "node:zlib";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const tsx = pathToFileURL(join(repo, "node_modules/tsx/dist/loader.mjs")).href;
const goBinary = join(homedir(), ".cache/kubegen/bench/go-informer");
const env = (key: string, fallback: number) => (process.env[key] ? Number(process.env[key]) : fallback);
const SCALE = process.env.BENCH_SCALE === "1";
const runs = env("BENCH_RUNS", 3);
const OBJECTS = env("BENCH_OBJECTS", 10_000);
const EVENTS = env("BENCH_EVENTS", 2_000);
const NAMESPACE = "informer-bench";
const POD_NAMESPACE = "informer-bench-pods";
const PHASE_TIMEOUT_MS = 180_000;
const PAYLOAD = "x".repeat(1000);
const INFLIGHT = 64;
const PAGE_SIZE = 500; // the reflector's default pageSize (runtime/src/cache/reflector.ts)
const ROUND = "bench/round";

type Kind = "configmaps" | "pods";
type Peer = "kubegen" | "kubegen-strip" | "kubegen-watchlist" | "kubegen-nofreeze" | "kubegen-h1" | "client-node" | "client-go" | "floor";
interface ListerStats {
  getP50Us: number;
  getP99Us: number;
  listP50Ms: number;
  listP99Ms: number;
  delayP50Ms: number;
  delayP99Ms: number;
  samples: number;
}
type Line =
  | { event: "synced"; ms: number; cpuMs: number; objects: number; errors?: string[]; jsonBytes?: number; wireBytes?: number; pages?: number }
  | { event: "heap"; before: number; after: number }
  | { event: "armed" }
  | { event: "seen"; at: number; first: number; count: number; errors?: string[]; lister?: ListerStats };
type Obj = { metadata?: { name?: string; annotations?: Record<string, string> }; data?: Record<string, string> };

const name = (i: number) => `cm-${String(i).padStart(5, "0")}`;
const nowMs = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The q-quantile of xs (nearest rank); NaN when empty. */
function quantile(xs: number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}
const median = (xs: number[]) => quantile(xs, 0.5);

/** Lines of a stream, read one at a time with a timeout that loses none. */
class Lines {
  readonly #queue: string[] = [];
  readonly #waiters: Array<(line: string | undefined) => void> = [];
  #closed = false;

  constructor(input: NodeJS.ReadableStream) {
    const rl = createInterface({ input });
    rl.on("line", (line) => {
      const w = this.#waiters.shift();
      if (w) w(line);
      else this.#queue.push(line);
    });
    rl.on("close", () => {
      this.#closed = true;
      for (const w of this.#waiters.splice(0)) w(undefined);
    });
  }

  /** The next line; undefined once the stream ended; rejects after timeoutMs (the line is kept for the next call). */
  next(timeoutMs = Infinity): Promise<string | undefined> {
    if (this.#queue.length > 0) return Promise.resolve(this.#queue.shift());
    if (this.#closed) return Promise.resolve(undefined);
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const waiter = (line: string | undefined) => {
        clearTimeout(timer);
        resolve(line);
      };
      this.#waiters.push(waiter);
      if (Number.isFinite(timeoutMs)) {
        timer = setTimeout(() => {
          this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
          reject(new TimeoutError(timeoutMs));
        }, timeoutMs);
      }
    });
  }
}

class TimeoutError extends Error {
  constructor(readonly ms: number) {
    super(`timed out after ${Math.round(ms / 1000)} s`);
  }
}

// ---------------------------------------------------------------- children

/** Times lister reads while the churn runs: get every 10 ms, list every 100 ms, and the 10 ms timer's lateness. */
function sampleLister(get: (name: string) => unknown, list: () => unknown[], names: string[]): () => ListerStats {
  const getUs: number[] = [];
  const listMs: number[] = [];
  const delayMs: number[] = [];
  let tick = 0;
  let prev = performance.now();
  let listed = false;
  const timer = setInterval(() => {
    const t0 = performance.now();
    // lateness from the informer's work, not from the list() this sampler ran on the last tick
    if (!listed) delayMs.push(Math.max(0, t0 - prev - 10));
    listed = false;
    prev = t0;
    get(names[Math.floor(Math.random() * names.length)]!);
    const t1 = performance.now();
    getUs.push((t1 - t0) * 1000);
    if (++tick % 10 === 0) {
      list();
      listMs.push(performance.now() - t1);
      listed = true;
    }
  }, 10);
  return () => {
    clearInterval(timer);
    return {
      getP50Us: quantile(getUs, 0.5),
      getP99Us: quantile(getUs, 0.99),
      listP50Ms: quantile(listMs, 0.5),
      listP99Ms: quantile(listMs, 0.99),
      delayP50Ms: quantile(delayMs, 0.5),
      delayP99Ms: quantile(delayMs, 0.99),
      samples: getUs.length,
    };
  };
}

/**
 * Node peers: one informer, the JSON-line protocol of go-informer/main.go. An
 * update counts when its round (annotation bench/round, else data.round) is the
 * token (once per object) or "<token>/<seq>" (once per seq); the child reports
 * when `expected` were counted (a line "expect <n>" changes that number) or a
 * line "end" arrives.
 */
async function child(peer: Peer, kubeconfigPath: string, namespace: string, expected: number, kind: Kind, withLister: boolean): Promise<void> {
  let target = expected;
  const emit = (line: Line) => process.stdout.write(`${JSON.stringify(line)}\n`);
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("run the child with --expose-gc");
  if (peer === "floor") return floor(emit, gc, kubeconfigPath, namespace, kind);
  let token = "";
  const seen = new Set<string>();
  let first = 0;
  let last = 0;
  let finish!: () => void;
  const finished = new Promise<void>((r) => (finish = r));
  const onUpdate = (obj: Obj) => {
    if (!token) return;
    const round = obj.metadata?.annotations?.[ROUND] ?? obj.data?.["round"];
    const key = round === token ? obj.metadata?.name : round?.startsWith(`${token}/`) ? round.slice(token.length + 1) : undefined;
    if (key === undefined || seen.has(key)) return;
    seen.add(key);
    last = nowMs();
    if (seen.size === 1) first = last;
    if (seen.size >= target) finish();
  };

  let stop: () => Promise<void>;
  let count: () => number;
  let synced: Promise<void>;
  let heapBefore: number;
  let started: number;
  let cpuBefore: NodeJS.CpuUsage;
  let startSampler: (() => () => ListerStats) | undefined;
  const errors: string[] = []; // kubegen: what its watch error handler saw (each a retry)
  if (peer.startsWith("kubegen")) {
    const { loadConfig, RestClient, ResourceClient, SharedIndexInformer, NamespaceLister, stripManagedFields } = await import("@kubegen/runtime");
    const config = await loadConfig({ kubeconfigPath });
    const client = new ResourceClient<Obj>(
      new RestClient({ ...config, qps: -1, warningHandler: null, http2: peer !== "kubegen-h1" }),
      kind === "pods"
        ? { group: "", version: "v1", resource: "pods", kind: "Pod", namespaced: true }
        : { group: "", version: "v1", resource: "configmaps", kind: "ConfigMap", namespaced: true },
      namespace,
    );
    gc();
    heapBefore = process.memoryUsage().heapUsed;
    cpuBefore = process.cpuUsage();
    started = performance.now();
    const informer = new SharedIndexInformer(client, {
      name: kind,
      ...(peer === "kubegen-watchlist" ? { useWatchList: true } : {}),
      ...(peer === "kubegen-nofreeze" ? { freeze: false } : {}),
      ...(peer === "kubegen-strip" ? { transform: stripManagedFields } : {}),
    });
    informer.addEventHandler({ onUpdate: (_old, obj) => onUpdate(obj) });
    informer.setWatchErrorHandler((err, phase) => {
      const message = `${phase}: ${(err as Error).message ?? String(err)}`;
      errors.push(message);
      console.error(`${peer} informer error (retried): ${message}`);
    });
    void informer.run();
    synced = informer.waitForCacheSync();
    stop = () => informer.stop();
    count = () => informer.indexer.list().length;
    if (withLister) {
      startSampler = () => {
        const lister = new NamespaceLister(informer.indexer, { group: "", resource: kind }, namespace);
        const names = lister.list().map((o) => o.metadata!.name!);
        return sampleLister((n) => lister.get(n), () => lister.list(), names);
      };
    }
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
    const path = `/api/v1/namespaces/${namespace}/${kind}`;
    type K8sList = import("client-node-1").KubernetesListObject<import("client-node-1").KubernetesObject>;
    const list = (kind === "pods" ? () => api.listNamespacedPod({ namespace }) : () => api.listNamespacedConfigMap({ namespace })) as () => Promise<K8sList>;
    const informer = makeInformer(kc, path, list);
    informer.on("update", (obj) => onUpdate(obj as Obj));
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
  emit({ event: "synced", ms, cpuMs: (cpu.user + cpu.system) / 1000, objects: count(), ...(errors.length ? { errors: [...errors] } : {}) });
  gc();
  emit({ event: "heap", before: heapBefore, after: process.memoryUsage().heapUsed });

  const stdin = new Lines(process.stdin);
  token = ((await stdin.next()) ?? "").trim();
  const stopSampler = startSampler?.();
  emit({ event: "armed" });
  // "expect <n>": the writer is done, n writes were answered; "end" (or the parent went away): report now
  void (async () => {
    for (;;) {
      const line = (await stdin.next())?.trim();
      const n = /^expect (\d+)$/.exec(line ?? "");
      if (!n) return finish();
      target = Number(n[1]);
      if (seen.size >= target) finish();
    }
  })();
  await finished;
  const lister = stopSampler?.();
  emit({ event: "seen", at: last, first, count: seen.size, ...(errors.length ? { errors } : {}), ...(lister ? { lister } : {}) });
  await stop();
  process.exit(0);
}

/** The floor: the reflector's LIST requests with plain node:https and JSON.parse, items kept. */
async function floor(emit: (line: Line) => void, gc: () => void, kubeconfigPath: string, namespace: string, kind: Kind): Promise<void> {
  const { loadConfig } = await import("@kubegen/runtime");
  const config = await loadConfig({ kubeconfigPath });
  const server = new URL(config.server);
  const agent = new https.Agent({ keepAlive: true, ca: config.caData, cert: config.certData, key: config.keyData });
  const get = (path: string) =>
    new Promise<{ text: string; wire: number }>((resolve, reject) => {
      const req = https.get(
        { hostname: server.hostname, port: server.port, path, agent, headers: { accept: "application/json", "accept-encoding": "gzip" } },
        (res) => {
          let wire = 0;
          res.on("data", (c: Buffer) => (wire += c.length));
          const body = res.headers["content-encoding"] === "gzip" ? res.pipe(createGunzip()) : res;
          const chunks: Buffer[] = [];
          body.on("data", (c: Buffer) => chunks.push(c));
          body.on("error", reject);
          body.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            if (res.statusCode !== 200) reject(new Error(`GET ${path}: ${res.statusCode} ${text.slice(0, 200)}`));
            else resolve({ text, wire });
          });
        },
      );
      req.on("error", reject);
    });
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const items: unknown[] = [];
  let jsonBytes = 0;
  let wireBytes = 0;
  let pages = 0;
  let token: string | undefined;
  do {
    const query = new URLSearchParams(token ? { limit: String(PAGE_SIZE), continue: token } : { resourceVersion: "0", limit: String(PAGE_SIZE) });
    const { text, wire } = await get(`/api/v1/namespaces/${namespace}/${kind}?${query}`);
    jsonBytes += Buffer.byteLength(text);
    wireBytes += wire;
    pages++;
    const page = JSON.parse(text) as { items?: unknown[]; metadata?: { continue?: string } };
    for (const o of page.items ?? []) items.push(o);
    token = page.metadata?.continue || undefined;
  } while (token);
  const ms = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  emit({ event: "synced", ms, cpuMs: (cpu.user + cpu.system) / 1000, objects: items.length, jsonBytes, wireBytes, pages });
  gc();
  emit({ event: "heap", before: heapBefore, after: process.memoryUsage().heapUsed });
  agent.destroy();
  process.exit(0);
}

// ---------------------------------------------------------------- parent

/** A peer's child process and its lines. */
class PeerProcess {
  readonly proc: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly #lines: Lines;
  #stderrTail = "";

  constructor(
    readonly peer: Peer,
    kubeconfigPath: string,
    namespace: string,
    expected: number,
    kind: Kind,
    withLister: boolean,
  ) {
    const stdio: ["pipe", "pipe", "pipe"] = ["pipe", "pipe", "pipe"];
    this.proc =
      peer === "client-go"
        ? spawn(goBinary, [kubeconfigPath, namespace, String(expected), kind], { stdio })
        : spawn(
            process.execPath,
            ["--expose-gc", "--import", tsx, fileURLToPath(import.meta.url), "--child", peer, kubeconfigPath, namespace, String(expected), kind, withLister ? "1" : "0"],
            { stdio, cwd: repo },
          );
    this.proc.stderr!.on("data", (c: Buffer) => {
      process.stderr.write(c);
      this.#stderrTail = (this.#stderrTail + c.toString()).slice(-4000);
    });
    this.exited = new Promise((r) => this.proc.once("exit", (code, signal) => r({ code, signal })));
    this.#lines = new Lines(this.proc.stdout!);
  }

  async expect<E extends Line["event"]>(event: E, timeoutMs: number): Promise<Extract<Line, { event: E }>> {
    let text: string | undefined;
    try {
      text = await this.#lines.next(timeoutMs);
    } catch (err) {
      if (err instanceof TimeoutError) throw new Error(`${this.peer}: no ${event} within ${Math.round(timeoutMs / 1000)} s`);
      throw err;
    }
    if (text === undefined) throw new Error(`${this.peer} exited before ${event} (${await this.exitReason()})`);
    const line = JSON.parse(text) as Line;
    if (line.event !== event) throw new Error(`${this.peer}: expected ${event}, got ${text}`);
    return line as Extract<Line, { event: E }>;
  }

  send(line: string): void {
    this.proc.stdin!.write(`${line}\n`);
  }

  async exitReason(): Promise<string> {
    const { code, signal } = await this.exited;
    const oom = /heap limit|out of memory|JavaScript heap/i.test(this.#stderrTail) ? ", out of memory" : "";
    return `${signal ? `signal ${signal}` : `code ${code}`}${oom}`;
  }

  async waitExit(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.exited, new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))]);
    clearTimeout(timer);
    this.kill();
  }

  kill(): void {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill("SIGKILL");
  }
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

/**
 * Issues up to `total` writes at `perSec` (on a 2 ms tick, at most `concurrency` in flight)
 * for at most `durationMs`: a server slower than the rate gets fewer writes, never a burst.
 */
function pacedWriter(
  total: number,
  perSec: number,
  durationMs: number,
  concurrency: number,
  write: (k: number) => Promise<unknown>,
): Promise<{ start: number; end: number; issued: number; acked: number; failed: number; firstError?: string }> {
  return new Promise((resolve) => {
    const start = nowMs();
    let issued = 0;
    let inFlight = 0;
    let acked = 0;
    let failed = 0;
    let stopped = false;
    let firstError: string | undefined;
    const maybeDone = () => {
      if (stopped && inFlight === 0) resolve({ start, end: nowMs(), issued, acked, failed, ...(firstError ? { firstError } : {}) });
    };
    const tick = () => {
      const elapsed = nowMs() - start;
      const due = elapsed >= durationMs ? issued : Math.min(total, Math.floor((elapsed * perSec) / 1000) + 1);
      while (issued < due && inFlight < concurrency) {
        const k = issued++;
        inFlight++;
        write(k)
          .then(
            () => acked++,
            (err: Error) => {
              failed++;
              firstError ??= err.message;
            },
          )
          .finally(() => {
            inFlight--;
            maybeDone();
          });
      }
      if (issued < total && elapsed < durationMs) {
        setTimeout(tick, 2);
      } else {
        stopped = true;
        maybeDone();
      }
    };
    tick();
  });
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

function machineNote(): string {
  const l = loadavg().map((x) => x.toFixed(2)).join(" ");
  return `${availableParallelism()} cores (${cpus()[0]?.model.trim() ?? "unknown CPU"}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}; load average (1/5/15 min) ${l}`;
}

type Rc = InstanceType<(typeof import("@kubegen/runtime"))["RestClient"]>;

async function seedConfigMaps(rc: Rc, count: number): Promise<void> {
  const seedStart = performance.now();
  await pool(count, INFLIGHT, (i) =>
    rc.request({
      version: "v1",
      resource: "configmaps",
      namespace: NAMESPACE,
      verb: "create",
      body: { metadata: { name: name(i), labels: { app: "informer-bench" } }, data: { payload: PAYLOAD, round: "0" } },
    }),
  );
  console.error(`seeded ${count} ConfigMaps in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`);
}

// ---------------------------------------------------------------- default mode

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

async function classic(rc: Rc, kubeconfigPath: string, version: string, goSkip: string | undefined): Promise<void> {
  await seedConfigMaps(rc, OBJECTS);
  const variants: Peer[] = process.env.BENCH_VARIANTS ? ["kubegen-watchlist", "kubegen-nofreeze"] : [];
  const peers: Peer[] = ["kubegen", "kubegen-strip", ...variants, "client-node", ...(goSkip ? [] : ["client-go" as const])];
  const samples = new Map<Peer, Sample[]>(peers.map((p) => [p, []]));
  for (let run = 0; run < runs; run++) {
    for (const peer of peers) {
      const token = `r${run}-${peer}`;
      const p = new PeerProcess(peer, kubeconfigPath, NAMESPACE, EVENTS, "configmaps", false);
      try {
        const synced = await p.expect("synced", PHASE_TIMEOUT_MS);
        const heap = await p.expect("heap", PHASE_TIMEOUT_MS);
        p.send(token);
        await p.expect("armed", PHASE_TIMEOUT_MS);
        const writerStart = nowMs();
        await pool(EVENTS, INFLIGHT, (i) =>
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
        const seen = await p.expect("seen", PHASE_TIMEOUT_MS);
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
        await p.waitExit(PHASE_TIMEOUT_MS);
      } finally {
        p.kill();
      }
    }
  }

  const row = (p: Peer) => {
    const s = samples.get(p)!;
    const m = (f: (x: Sample) => number) => median(s.map(f));
    return { syncMs: m((x) => x.syncMs), cpuMs: m((x) => x.syncCpuMs), heapAfter: m((x) => x.heapAfterMb), retained: m((x) => x.heapRetainedMb), eps: m((x) => x.eventsPerSec), writer: m((x) => x.writerPerSec), lag: m((x) => x.lagMs), objects: s[0]!.objects };
  };
  console.log(`informer benchmark: ${OBJECTS} ConfigMaps of ~1 KB, ${EVENTS} updates; median of ${runs} runs, each informer in a fresh process (${version})`);
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
}

// ---------------------------------------------------------------- scale mode

const CONFIGMAPS = env("BENCH_CONFIGMAPS", 100_000);
const PODS = env("BENCH_PODS", 10_000);
const POD_RUNS = env("BENCH_POD_RUNS", runs);
const CHURN_RATE = env("BENCH_CHURN_RATE", 500);
const CHURN_SECONDS = env("BENCH_CHURN_SECONDS", 20);
const DRAIN_MS = env("BENCH_DRAIN_SECONDS", 10) * 1000;
const SYNC_TIMEOUT_MS = env("BENCH_SYNC_TIMEOUT_SECONDS", 300) * 1000;
const PODS_PER_OWNER = 20;

interface ScaleSample {
  syncMs: number;
  cpuMs: number;
  objects: number;
  retainedMb: number;
  jsonBytes?: number;
  wireBytes?: number;
  pages?: number;
  writes?: number;
  writerPerSec?: number;
  seen?: number;
  eventsPerSec?: number;
  keptUp?: boolean;
  lagMs?: number;
  lister?: ListerStats;
  /** Errors the informer's watch error handler saw (kubegen), each followed by a retry. */
  errors?: string[];
}

interface ObjectSet {
  title: string;
  kind: Kind;
  namespace: string;
  count: number;
  runs: number;
  names: string[];
}

// Names in the style of the alphabet Kubernetes uses for generated suffixes.
const SAFE = "bcdfghjklmnpqrstvwxz2456789";
function safeString(seed: number, length: number): string {
  let s = "";
  let x = (seed * 2654435761 + 12345) >>> 0;
  for (let i = 0; i < length; i++) {
    s += SAFE[x % SAFE.length];
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
  }
  return s;
}
const sha = (s: string) => createHash("sha256").update(s).digest("hex");
const isoSeconds = (d: Date) => d.toISOString().replace(/\.\d+Z$/, "Z");

interface Owner {
  name: string;
  uid: string;
  app: string;
  hash: string;
}

function podBody(i: number, owner: Owner): unknown {
  const env = (extra: string) => [
    { name: "POD_NAME", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "metadata.name" } } },
    { name: "POD_IP", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "status.podIP" } } },
    { name: "LOG_LEVEL", value: "info" },
    { name: "OTEL_EXPORTER_OTLP_ENDPOINT", value: "http://otel-collector.observability.svc:4317" },
    { name: extra, value: "true" },
  ];
  return {
    metadata: {
      name: `${owner.name}-${safeString(i, 5)}`,
      labels: { app: owner.app, "pod-template-hash": owner.hash, "app.kubernetes.io/version": "1.42.3", tier: "backend" },
      annotations: { "kubectl.kubernetes.io/restartedAt": "2026-11-30T09:12:44Z", "prometheus.io/scrape": "true" },
      ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: owner.name, uid: owner.uid, controller: true, blockOwnerDeletion: true }],
    },
    spec: {
      nodeName: `worker-${String(i % 100).padStart(3, "0")}.cluster.internal`,
      serviceAccountName: "default",
      containers: [
        {
          name: "app",
          image: `registry.example.com/shop/${owner.app}:1.42.3`,
          ports: [
            { name: "http", containerPort: 8080, protocol: "TCP" },
            { name: "metrics", containerPort: 9090, protocol: "TCP" },
          ],
          env: env("FEATURE_CHECKOUT_V2"),
          resources: { requests: { cpu: "250m", memory: "256Mi" }, limits: { cpu: "1", memory: "512Mi" } },
          volumeMounts: [
            { name: "config", mountPath: "/etc/app", readOnly: true },
            { name: "kube-api-access", mountPath: "/var/run/secrets/kubernetes.io/serviceaccount", readOnly: true },
          ],
          livenessProbe: { httpGet: { path: "/healthz", port: 8080, scheme: "HTTP" }, initialDelaySeconds: 10, periodSeconds: 10, failureThreshold: 3 },
          readinessProbe: { httpGet: { path: "/ready", port: "http", scheme: "HTTP" }, periodSeconds: 5, failureThreshold: 3 },
        },
        {
          name: "proxy",
          image: "registry.example.com/platform/envoy:v1.30.1",
          args: ["--config-path", "/etc/envoy/envoy.yaml", "--log-level", "warn"],
          ports: [
            { name: "proxy", containerPort: 15001, protocol: "TCP" },
            { name: "proxy-admin", containerPort: 15000, protocol: "TCP" },
          ],
          env: env("ENVOY_UID"),
          resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
          volumeMounts: [
            { name: "envoy-config", mountPath: "/etc/envoy", readOnly: true },
            { name: "kube-api-access", mountPath: "/var/run/secrets/kubernetes.io/serviceaccount", readOnly: true },
          ],
          readinessProbe: { tcpSocket: { port: 15001 }, periodSeconds: 10 },
          livenessProbe: { httpGet: { path: "/server_info", port: 15000 }, periodSeconds: 20 },
        },
      ],
      volumes: [
        { name: "config", configMap: { name: `${owner.app}-config` } },
        { name: "envoy-config", configMap: { name: "envoy-sidecar" } },
        {
          name: "kube-api-access",
          projected: {
            defaultMode: 420,
            sources: [
              { serviceAccountToken: { expirationSeconds: 3607, path: "token" } },
              { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
              { downwardAPI: { items: [{ path: "namespace", fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } }] } },
            ],
          },
        },
      ],
      tolerations: [
        { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
        { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
      ],
    },
  };
}

function podStatus(i: number, owner: Owner, started: Date): unknown {
  const t = isoSeconds(started);
  const node = i % 100;
  const hostIP = `10.0.${node >> 8}.${(node & 255) + 1}`;
  const podIP = `10.244.${(i >> 8) & 255}.${(i & 255) || 1}`;
  const running = (name: string, image: string) => ({
    name,
    image,
    imageID: `${image.split(":")[0]}@sha256:${sha(image)}`,
    containerID: `containerd://${sha(`${i}/${name}`)}`,
    ready: true,
    started: true,
    restartCount: 0,
    state: { running: { startedAt: t } },
  });
  return {
    status: {
      phase: "Running",
      hostIP,
      hostIPs: [{ ip: hostIP }],
      podIP,
      podIPs: [{ ip: podIP }],
      startTime: t,
      conditions: ["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"].map((type) => ({ type, status: "True", lastProbeTime: null, lastTransitionTime: t })),
      containerStatuses: [running("app", `registry.example.com/shop/${owner.app}:1.42.3`), running("proxy", "registry.example.com/platform/envoy:v1.30.1")],
    },
  };
}

/** Creates the pods (and their ReplicaSets), then patches their status; returns their names. */
async function seedPods(rc: Rc, count: number): Promise<{ names: string[]; statusNote: string }> {
  await rc.request({ version: "v1", resource: "namespaces", verb: "create", body: { metadata: { name: POD_NAMESPACE } } });
  const t0 = performance.now();
  const owners: Owner[] = [];
  await pool(Math.ceil(count / PODS_PER_OWNER), INFLIGHT, async (g) => {
    const app = `svc-${String(g).padStart(3, "0")}`;
    const hash = safeString(g + 7919, 10);
    const labels = { app, "pod-template-hash": hash };
    const rs = await rc.request<{ metadata: { name: string; uid: string } }>({
      group: "apps",
      version: "v1",
      resource: "replicasets",
      namespace: POD_NAMESPACE,
      verb: "create",
      body: {
        metadata: { name: `${app}-${hash}`, labels },
        spec: { replicas: PODS_PER_OWNER, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: "app", image: `registry.example.com/shop/${app}:1.42.3` }] } } },
      },
    });
    owners[g] = { name: rs.metadata.name, uid: rs.metadata.uid, app, hash };
  });
  const names: string[] = [];
  await pool(count, INFLIGHT, async (i) => {
    const body = podBody(i, owners[Math.floor(i / PODS_PER_OWNER)]!) as { metadata: { name: string } };
    names[i] = body.metadata.name;
    await rc.request({ version: "v1", resource: "pods", namespace: POD_NAMESPACE, verb: "create", body });
  });
  const created = performance.now();
  console.error(`seeded ${owners.length} ReplicaSets and ${count} Pods in ${((created - t0) / 1000).toFixed(1)} s`);
  let statusNote: string;
  try {
    const started = new Date();
    await pool(count, INFLIGHT, (i) =>
      rc.request({
        version: "v1",
        resource: "pods",
        namespace: POD_NAMESPACE,
        name: names[i]!,
        subresource: "status",
        verb: "patch",
        patchType: "application/merge-patch+json",
        body: podStatus(i, owners[Math.floor(i / PODS_PER_OWNER)]!, started),
      }),
    );
    const s = (performance.now() - created) / 1000;
    console.error(`patched the status of ${count} Pods in ${s.toFixed(1)} s`);
    statusNote = `status patched (Running, conditions, podIP, containerStatuses) in ${s.toFixed(1)} s`;
  } catch (err) {
    statusNote = `status NOT patched: ${(err as Error).message.split("\n")[0]}`;
    console.error(statusNote);
  }
  return { names, statusNote };
}

/**
 * Waits until the API server delivers a write to a new watch within 500 ms (at most 3 minutes):
 * the churn of the previous peer can leave it seconds behind, and a peer that started then
 * would measure that backlog instead of itself. Returns how long it waited.
 */
async function serverCaughtUp(rc: Rc, set: ObjectSet): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; performance.now() - t0 < 180_000; i++) {
    const list = (await rc.request({ version: "v1", resource: set.kind, namespace: set.namespace, verb: "list", options: { limit: 1 } })) as {
      metadata: { resourceVersion: string };
    };
    const ac = new AbortController();
    const events = rc.watch({
      version: "v1",
      resource: set.kind,
      namespace: set.namespace,
      options: { resourceVersion: list.metadata.resourceVersion, fieldSelector: `metadata.name=${set.names[0]!}`, timeoutSeconds: 30 },
      signal: ac.signal,
    });
    const probe = `probe-${i}`;
    const wrote = performance.now();
    const seen = (async () => {
      for await (const e of events) {
        const annotations = (e.object as { metadata?: { annotations?: Record<string, string> } }).metadata?.annotations;
        if (annotations?.[ROUND] === probe) return performance.now();
      }
      return Infinity;
    })();
    await rc.request({
      version: "v1",
      resource: set.kind,
      namespace: set.namespace,
      name: set.names[0]!,
      verb: "patch",
      patchType: "application/merge-patch+json",
      body: { metadata: { annotations: { [ROUND]: probe } } },
    });
    const at = await Promise.race([seen, new Promise<number>((r) => setTimeout(() => r(Infinity), 30_000))]);
    ac.abort();
    if (at - wrote <= 500) return performance.now() - t0;
    await new Promise((r) => setTimeout(r, 1_000));
  }
  console.error(`${set.kind}: the API server did not catch up within 3 minutes; measuring anyway`);
  return performance.now() - t0;
}

async function scaleSample(rc: Rc, kubeconfigPath: string, set: ObjectSet, peer: Peer, token: string): Promise<ScaleSample> {
  const waited = await serverCaughtUp(rc, set);
  if (waited > 2_000) console.error(`${set.kind} ${peer}: waited ${(waited / 1000).toFixed(1)} s for the API server to catch up first`);
  const writes = Math.round(CHURN_RATE * CHURN_SECONDS);
  const p = new PeerProcess(peer, kubeconfigPath, set.namespace, writes, set.kind, peer.startsWith("kubegen"));
  try {
    const synced = await p.expect("synced", SYNC_TIMEOUT_MS);
    const heap = await p.expect("heap", PHASE_TIMEOUT_MS);
    const base: ScaleSample = {
      syncMs: synced.ms,
      cpuMs: synced.cpuMs,
      objects: synced.objects,
      retainedMb: (heap.after - heap.before) / 2 ** 20,
      ...(synced.jsonBytes !== undefined ? { jsonBytes: synced.jsonBytes, wireBytes: synced.wireBytes!, pages: synced.pages! } : {}),
      ...(synced.errors ? { errors: synced.errors } : {}),
    };
    if (peer === "floor") {
      await p.waitExit(PHASE_TIMEOUT_MS);
      return base;
    }
    p.send(token);
    await p.expect("armed", PHASE_TIMEOUT_MS);
    const w = await pacedWriter(writes, CHURN_RATE, CHURN_SECONDS * 1000, INFLIGHT, (k) =>
      rc.request({
        version: "v1",
        resource: set.kind,
        namespace: set.namespace,
        name: set.names[k % set.names.length]!,
        verb: "patch",
        patchType: "application/merge-patch+json",
        body: { metadata: { annotations: { [ROUND]: `${token}/${k}` } } },
      }),
    );
    if (w.failed > 0) console.error(`${peer}: ${w.failed} of ${w.issued} churn writes failed (first: ${w.firstError})`);
    p.send(`expect ${w.acked}`);
    let seen: Extract<Line, { event: "seen" }>;
    try {
      seen = await p.expect("seen", DRAIN_MS);
    } catch {
      p.send("end");
      seen = await p.expect("seen", PHASE_TIMEOUT_MS);
    }
    await p.waitExit(PHASE_TIMEOUT_MS);
    const lagMs = seen.count > 0 ? seen.at - w.end : NaN;
    return {
      ...base,
      writes: w.acked,
      writerPerSec: w.acked / ((w.end - w.start) / 1000),
      seen: seen.count,
      eventsPerSec: seen.count > 0 ? seen.count / ((seen.at - w.start) / 1000) : 0,
      keptUp: seen.count >= w.acked && lagMs <= 1000,
      lagMs,
      ...(seen.lister ? { lister: seen.lister } : {}),
      ...(seen.errors ? { errors: seen.errors } : {}),
    };
  } finally {
    p.kill();
  }
}

async function scale(rc: Rc, kubeconfigPath: string, version: string, goSkip: string | undefined): Promise<void> {
  const t0 = performance.now();
  await seedConfigMaps(rc, CONFIGMAPS);
  const pods = await seedPods(rc, PODS);
  const sets: ObjectSet[] = [
    { title: `${CONFIGMAPS} ConfigMaps of ~1 KB`, kind: "configmaps", namespace: NAMESPACE, count: CONFIGMAPS, runs, names: Array.from({ length: CONFIGMAPS }, (_, i) => name(i)) },
    { title: `${PODS} Pods (2 containers, realistic spec; ${pods.statusNote})`, kind: "pods", namespace: POD_NAMESPACE, count: PODS, runs: POD_RUNS, names: pods.names },
  ];
  const variants: Peer[] = process.env.BENCH_VARIANTS ? ["kubegen-h1"] : [];
  const peers: Peer[] = ["floor", "kubegen", "kubegen-strip", ...variants, "client-node", ...(goSkip ? [] : ["client-go" as const])];
  const tables: string[][] = [];
  for (const set of sets) {
    const samples = new Map<Peer, ScaleSample[]>(peers.map((p) => [p, []]));
    const failures = new Map<Peer, string>();
    for (let run = 0; run < set.runs; run++) {
      for (const peer of peers) {
        if (failures.has(peer)) continue;
        const started = performance.now();
        try {
          samples.get(peer)!.push(await scaleSample(rc, kubeconfigPath, set, peer, `${set.kind}-r${run}-${peer}`));
          console.error(`${set.kind} run ${run + 1}/${set.runs} ${peer}: ${((performance.now() - started) / 1000).toFixed(0)} s`);
        } catch (err) {
          const why = (err as Error).message.split("\n")[0]!;
          failures.set(peer, `failed in run ${run + 1}: ${why}`);
          console.error(`${set.kind} run ${run + 1} ${peer}: ${why}`);
        }
        await sleep(1000); // let the killed child's connections go
      }
    }
    tables.push(scaleTable(set, peers, samples, failures));
  }
  const totalS = (performance.now() - t0) / 1000;
  console.log(`informer scale benchmark (${version}); each informer in a fresh process; ${(totalS / 60).toFixed(1)} min in all`);
  if (goSkip) console.log(`  client-go skipped: ${goSkip}`);
  for (const t of tables) for (const line of t) console.log(line);
  console.log("  sync = informer start to synced (floor: the LIST pages fetched and parsed); cpu = CPU time of that process meanwhile (user + system)");
  console.log("  /go, /cn = the row's figure over client-go's and client-node's; retained = heap kept after sync and a GC (Node heapUsed, Go HeapAlloc); /JSON = retained over the LIST JSON size");
  console.log(
    `  churn: merge patches of existing objects at ${CHURN_RATE}/s for ${CHURN_SECONDS} s (paced, ${INFLIGHT} in flight at most); events/s = writes seen / (last seen - writer start);` +
      " kept = every write seen, the last within 1 s of the last write's answer",
  );
  console.log("  lister (kubegen rows only, during churn): get = NamespaceLister.get(name) every 10 ms (p50/p99 µs); list = .list() every 100 ms (p50/p99 ms); timer = lateness of the 10 ms timer, the ticks after a list() left out (p50/p99 ms)");
}

function scaleTable(set: ObjectSet, peers: Peer[], samples: Map<Peer, ScaleSample[]>, failures: Map<Peer, string>): string[] {
  const out: string[] = [];
  const med = (p: Peer, f: (s: ScaleSample) => number | undefined) => {
    const xs = samples.get(p)!.map(f).filter((x): x is number => x !== undefined && !Number.isNaN(x));
    return xs.length ? median(xs) : NaN;
  };
  const fl = samples.get("floor")!;
  const jsonBytes = med("floor", (s) => s.jsonBytes);
  const wireBytes = med("floor", (s) => s.wireBytes);
  const writerRate = median(peers.flatMap((p) => samples.get(p)!.flatMap((s) => (s.writerPerSec !== undefined ? [s.writerPerSec] : []))));
  out.push("");
  out.push(
    `${set.title}: median of ${set.runs} run(s); LIST JSON ${(jsonBytes / 2 ** 20).toFixed(1)} MB (${(jsonBytes / set.count / 1024).toFixed(2)} KB/object;` +
      ` ${(wireBytes / 2 ** 20).toFixed(1)} MB gzip on the wire, ${fl[0]?.pages ?? "?"} page(s) at limit ${PAGE_SIZE}); churn writer achieved ${writerRate.toFixed(0)} writes/s`,
  );
  const head = [
    "peer".padEnd(14),
    "sync".padStart(9),
    "/go".padStart(6),
    "/cn".padStart(6),
    "cpu".padStart(9),
    "cached".padStart(7),
    "retained".padStart(10),
    "/go".padStart(6),
    "/cn".padStart(6),
    "/JSON".padStart(6),
    "events/s".padStart(9),
    "kept".padStart(5),
    "get p50/p99 µs".padStart(15),
    "list p50/p99 ms".padStart(16),
    "timer p50/p99".padStart(14),
  ];
  out.push(`  ${head.join(" ")}`);
  const ratio = (x: number, y: number) => (Number.isFinite(x) && Number.isFinite(y) && y > 0 ? (x / y).toFixed(2) : "-");
  const go = { sync: med("client-go", (s) => s.syncMs), heap: med("client-go", (s) => s.retainedMb) };
  const cn = { sync: med("client-node", (s) => s.syncMs), heap: med("client-node", (s) => s.retainedMb) };
  const pair = (a: number, b: number, digits: number) => (Number.isFinite(a) ? `${a.toFixed(digits)}/${b.toFixed(digits)}` : "-");
  for (const p of peers) {
    const s = samples.get(p)!;
    if (s.length === 0) {
      out.push(`  ${p.padEnd(14)} ${failures.get(p) ?? "no samples"}`);
      continue;
    }
    const sync = med(p, (x) => x.syncMs);
    const heap = med(p, (x) => x.retainedMb);
    const kept = s.every((x) => x.keptUp === undefined) ? "-" : `${s.filter((x) => x.keptUp).length}/${s.length}`;
    const eps = med(p, (x) => x.eventsPerSec);
    const lister = s.some((x) => x.lister);
    const l = (f: (x: ListerStats) => number) => med(p, (x) => (x.lister ? f(x.lister) : undefined));
    const cells = [
      p.padEnd(14),
      `${sync.toFixed(0)} ms`.padStart(9),
      ratio(sync, go.sync).padStart(6),
      ratio(sync, cn.sync).padStart(6),
      `${med(p, (x) => x.cpuMs).toFixed(0)} ms`.padStart(9),
      String(s[0]!.objects).padStart(7),
      `${heap.toFixed(1)} MB`.padStart(10),
      ratio(heap, go.heap).padStart(6),
      ratio(heap, cn.heap).padStart(6),
      `${ratio(heap * 2 ** 20, jsonBytes)}`.padStart(6),
      (Number.isFinite(eps) ? eps.toFixed(0) : "-").padStart(9),
      kept.padStart(5),
      (lister ? pair(l((x) => x.getP50Us), l((x) => x.getP99Us), 1) : "-").padStart(15),
      (lister ? pair(l((x) => x.listP50Ms), l((x) => x.listP99Ms), 1) : "-").padStart(16),
      (lister ? pair(l((x) => x.delayP50Ms), l((x) => x.delayP99Ms), 1) : "-").padStart(14),
    ];
    out.push(`  ${cells.join(" ")}${failures.has(p) ? `  (${failures.get(p)})` : ""}`);
    const missed = s.filter((x) => x.keptUp === false).map((x) => `${x.seen}/${x.writes} seen, last ${x.lagMs!.toFixed(0)} ms after the last write`);
    if (missed.length) out.push(`  ${"".padEnd(14)} not kept up: ${missed.join("; ")}`);
    const errs = s.flatMap((x) => x.errors ?? []);
    if (errs.length) out.push(`  ${"".padEnd(14)} ${errs.length} informer error(s) retried over ${s.length} run(s), e.g. ${errs[0]}`);
  }
  const floorSync = med("floor", (x) => x.syncMs);
  const ours = med("kubegen", (x) => x.syncMs);
  const strip = med("kubegen-strip", (x) => x.syncMs);
  out.push(
    `  kubegen sync = ${ratio(ours, floorSync)}x the floor's (target <= 1.5x -> ${ours <= 1.5 * floorSync ? "met" : "NOT met"}); kubegen-strip ${ratio(strip, floorSync)}x;` +
      ` floor retained heap ${ratio(med("floor", (x) => x.retainedMb) * 2 ** 20, jsonBytes)}x the JSON`,
  );
  return out;
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  if (process.argv[2] === "--child") {
    const [peer, kubeconfig, namespace, expected, kind, lister] = process.argv.slice(3);
    return child(peer as Peer, kubeconfig!, namespace!, Number(expected), (kind ?? "configmaps") as Kind, lister === "1");
  }
  const machineAtStart = machineNote();
  console.error(`machine: ${machineAtStart}`);
  const goSkip = buildGo();
  const { startControlPlane } = await import("@kubegen/runtime/testing");
  const { loadConfig, RestClient } = await import("@kubegen/runtime");
  const cp = await startControlPlane({ log: () => {} });
  try {
    // The writer (seeding, updates; not measured) speaks HTTP/1.1, a socket per request in
    // flight, so that it does not depend on the HTTP/2 transport the kubegen rows measure.
    const rc = new RestClient({ ...(await loadConfig({ kubeconfigPath: cp.kubeconfigPath })), qps: -1, warningHandler: null, http2: false });
    await rc.request({ version: "v1", resource: "namespaces", verb: "create", body: { metadata: { name: NAMESPACE } } });
    try {
      if (SCALE) await scale(rc, cp.kubeconfigPath, cp.version, goSkip);
      else await classic(rc, cp.kubeconfigPath, cp.version, goSkip);
    } finally {
      rc.close();
    }
    console.log(`  machine at start: ${machineAtStart}`);
    console.log(`  machine at end:   ${machineNote()}`);
  } finally {
    await cp.stop();
  }
}

await main();
