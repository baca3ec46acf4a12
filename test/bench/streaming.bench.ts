// Benchmark (never part of `make test`): streaming throughput and memory, kubegen against
// @kubernetes/client-node 1.x (installed as client-node-1: 2.x needs Node 22) in the same run, through a real kube-apiserver v1.36 and the
// test kubelet (startControlPlane({ kubelet: true })):
//   port-forward  BENCH_PF_MIB (128) MiB written to a TCP echo server in the pod and read back
//                 (kubegen dialPort; client-node PortForward.portForward with a PassThrough in);
//                 after 200 one-byte round trips (the latency); kubectl port-forward through its
//                 local listener when the envtest folder has a kubectl;
//   exec stdout   BENCH_EXEC_MIB (500) MiB of `head -c N /dev/zero` read from stdout
//                 (kubegen execPod; client-node Exec.exec; kubectl exec, process start included).
// Each measurement runs in a fresh child process: wall time of the transfer, MiB/s, and the peak
// RSS (VmHWM) of the client process. Median of BENCH_RUNS (3) runs each. All read as fast as they
// can; kubegen holds backpressure, client-node writes without waiting for its Writable.
// Run: KUBEGEN_ENVTEST_ASSETS=... node --import tsx test/bench/streaming.bench.ts
//   (after make build and npm ci --prefix test/bench; make bench does both)
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { existsSync, readFileSync } from "node:fs";
import { connect } from "node:net";
import { dirname, join } from "node:path";
import { Duplex, PassThrough, Writable } from "node:stream";
import { createTestPod } from "../helpers/test-pods.js";
import { fileURLToPath } from "node:url";

const runs = Number(process.env.BENCH_RUNS ?? 3);
const pfBytes = Number(process.env.BENCH_PF_MIB ?? 128) * 1024 * 1024;
const execBytes = Number(process.env.BENCH_EXEC_MIB ?? 500) * 1024 * 1024;
const self = fileURLToPath(import.meta.url);

type Client = "kubegen" | "client-node" | "kubectl";
type Task = "port-forward" | "exec";
interface Sample {
  ms: number;
  /** Median round trip of one byte through the echo server (port-forward only). */
  rttMs?: number;
  /** Peak RSS of the process that did the work (VmHWM), MiB. */
  peakRssMb: number;
}
interface Target {
  kubeconfig: string;
  namespace: string;
  pod: string;
  port: number;
  kubectl?: string;
}

/** A process's peak RSS so far (VmHWM), MiB. */
function peakRss(pid: number | "self" = "self"): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

/** Writes `bytes` into `input` in 1 MiB chunks, waiting for drain. */
async function feed(input: NodeJS.WritableStream, bytes: number): Promise<void> {
  const chunk = randomBytes(1 << 20);
  for (let off = 0; off < bytes; off += chunk.length) {
    if (!input.write(chunk.subarray(0, Math.min(chunk.length, bytes - off)))) await once(input as NodeJS.EventEmitter, "drain");
  }
}

/** Through an open connection to the echo server: the median one-byte round trip, then `bytes` each way (ms of that part). */
async function echoThrough(conn: Duplex, bytes: number): Promise<{ rttMs: number; ms: number }> {
  let waiting: ((n: number) => void) | undefined;
  conn.on("data", (c: Buffer) => waiting?.(c.length));
  const trips: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t = performance.now();
    const back = new Promise<number>((r) => (waiting = r));
    conn.write(Buffer.from([i & 0xff]));
    await back;
    trips.push(performance.now() - t);
  }
  let got = 0;
  const all = new Promise<void>((resolve) => {
    waiting = (n) => {
      got += n;
      if (got >= bytes) resolve();
    };
  });
  const started = performance.now();
  await Promise.all([feed(conn, bytes), all]);
  const ms = performance.now() - started;
  conn.destroy();
  return { rttMs: median(trips), ms };
}

/** A Writable that counts and resolves `done` once `bytes` arrived. */
function counter(bytes: number): { sink: Writable; done: Promise<void> } {
  let got = 0;
  let resolve!: () => void;
  const done = new Promise<void>((r) => (resolve = r));
  const sink = new Writable({
    write(c: Buffer, _e, cb) {
      got += c.length;
      if (got >= bytes) resolve();
      cb();
    },
  });
  return { sink, done };
}

const execCommand = (): string[] => ["head", "-c", String(execBytes), "/dev/zero"];

async function child(client: Client, task: Task, t: Target): Promise<Sample> {
  if (client === "kubectl") return kubectl(task, t);
  if (client === "kubegen") {
    const { dialPort, execPod, loadConfig } = await import("@kubegen/runtime");
    const config = await loadConfig({ kubeconfigPath: t.kubeconfig });
    if (task === "port-forward") {
      const conn = await dialPort(config, { namespace: t.namespace, name: t.pod, port: t.port });
      return { ...(await echoThrough(conn, pfBytes)), peakRssMb: peakRss() };
    }
    const { sink, done } = counter(execBytes);
    const started = performance.now();
    const s = await execPod(config, { namespace: t.namespace, name: t.pod, command: execCommand(), stdout: sink });
    await Promise.all([s.done, done]);
    return { ms: performance.now() - started, peakRssMb: peakRss() };
  }
  // client-node 2.x (the consumer bench's peer) needs Node 22: its undici 8 binds zlib's zstd on load.
  const k8s = await import("client-node-1");
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(t.kubeconfig);
  if (task === "port-forward") {
    const input = new PassThrough();
    const output = new PassThrough();
    const ws = await new k8s.PortForward(kc).portForward(t.namespace, t.pod, [t.port], output, null, input);
    const r = await echoThrough(Duplex.from({ readable: output, writable: input } as unknown as Parameters<typeof Duplex.from>[0]), pfBytes);
    (ws as { close(): void }).close();
    return { ...r, peakRssMb: peakRss() };
  }
  const { sink, done } = counter(execBytes);
  const started = performance.now();
  const status = new Promise<void>((resolve) => {
    void new k8s.Exec(kc).exec(t.namespace, t.pod, "c", execCommand(), sink, null, null, false, () => resolve());
  });
  await Promise.all([status, done]);
  return { ms: performance.now() - started, peakRssMb: peakRss() };
}

/** kubectl port-forward (through its local listener) or kubectl exec, run from here. */
async function kubectl(task: Task, t: Target): Promise<Sample> {
  const base = ["--kubeconfig", t.kubeconfig, "-n", t.namespace];
  if (task === "port-forward") {
    const proc = spawn(t.kubectl!, [...base, "port-forward", `pod/${t.pod}`, `:${t.port}`], { stdio: ["ignore", "pipe", "inherit"] });
    let text = "";
    const local = await new Promise<number>((resolve, reject) => {
      proc.stdout.on("data", (c: Buffer) => {
        text += c.toString();
        const m = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(text);
        if (m) resolve(Number(m[1]));
      });
      proc.once("exit", (code) => reject(new Error(`kubectl port-forward exited (${code}): ${text}`)));
    });
    const r = await echoThrough(connect(local, "127.0.0.1"), pfBytes);
    const rss = peakRss(proc.pid!);
    proc.kill();
    return { ...r, peakRssMb: rss };
  }
  const started = performance.now();
  const proc = spawn("/usr/bin/time", ["-f", "%M", t.kubectl!, ...base, "exec", t.pod, "--", ...execCommand()], { stdio: ["ignore", "pipe", "pipe"] });
  let got = 0;
  proc.stdout.on("data", (c: Buffer) => (got += c.length));
  let err = "";
  proc.stderr.on("data", (c: Buffer) => (err += c.toString()));
  await once(proc, "exit");
  const ms = performance.now() - started;
  if (got !== execBytes) throw new Error(`kubectl exec gave ${got} bytes: ${err}`);
  return { ms, peakRssMb: Number(err.trim().split("\n").at(-1)) / 1024 };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const { newRestConfig, RestClient } = await import("@kubegen/runtime");
  const { findControlPlaneAssets, startControlPlane } = await import("@kubegen/runtime/testing");
  const lookup = findControlPlaneAssets();
  if (!lookup.found) throw new Error(`the streaming benchmark needs the envtest binaries: ${lookup.reason}`);
  const cp = await startControlPlane({ assets: lookup.assets, kubelet: true, readyTimeoutMs: 120_000, log: () => {} });
  try {
    const rc = new RestClient(newRestConfig(cp.server, { caData: cp.caPem, bearerToken: cp.adminToken, warningHandler: null }));
    const namespace = "bench-streaming";
    const pod = "echo";
    const port = 23_456;
    await rc.request({ version: "v1", resource: "namespaces", verb: "create", body: { apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } } });
    const server = `require('net').createServer((c)=>{c.on('error',()=>{});c.pipe(c)}).listen(${port},'127.0.0.1')`;
    await createTestPod({ rc, namespace, nodeName: cp.kubelet!.nodeName }, pod, { command: [process.execPath, "-e", server] });
    await new Promise((r) => setTimeout(r, 1000)); // the echo server listening
    rc.close();
    // kubectl from the envtest folder (KUBEGEN_WITH_KUBECTL=1 test/envtest/build.sh, as make bench does)
    const kubectlBin = join(dirname(lookup.assets.kubeApiserver), "kubectl");
    const clients: Client[] = ["kubegen", "client-node", ...(existsSync(kubectlBin) ? (["kubectl"] as const) : [])];
    if (!existsSync(kubectlBin)) console.log(`streaming benchmark: no kubectl at ${kubectlBin}; measuring kubegen and client-node only`);
    const target: Target = { kubeconfig: cp.kubeconfigPath, namespace, pod, port, kubectl: kubectlBin };
    const results = new Map<string, Sample[]>();
    for (let run = 0; run < runs; run++) {
      for (const task of ["port-forward", "exec"] as const) {
        for (const client of clients) {
          const out = execFileSync(process.execPath, ["--import", "tsx", self, "--child", client, task, JSON.stringify(target)], {
            encoding: "utf8",
            stdio: ["ignore", "pipe", "inherit"],
          });
          const sample = JSON.parse(out.trim().split("\n").at(-1)!) as Sample;
          const key = `${task}/${client}`;
          results.set(key, [...(results.get(key) ?? []), sample]);
        }
      }
    }
    console.log(
      `streaming benchmark: through kube-apiserver v1.36 and the test kubelet; median of ${runs} fresh processes;` +
        ` kubegen and client-node 1.x dial the pod port, kubectl goes through its local listener; RSS = peak of the client process`,
    );
    for (const task of ["port-forward", "exec"] as const) {
      const mib = (task === "port-forward" ? pfBytes : execBytes) / 1024 / 1024;
      const row = (client: Client) => {
        const s = results.get(`${task}/${client}`)!;
        return { ms: median(s.map((x) => x.ms)), rss: median(s.map((x) => x.peakRssMb)), rtt: s[0]!.rttMs === undefined ? undefined : median(s.map((x) => x.rttMs!)) };
      };
      const rows = new Map(clients.map((c) => [c, row(c)]));
      for (const [name, r] of rows) {
        const rtt = r.rtt === undefined ? "" : `, 1-byte round trip ${r.rtt.toFixed(2)} ms`;
        console.log(`  ${task.padEnd(13)} ${name.padEnd(12)} ${mib} MiB${task === "port-forward" ? " each way" : ""} in ${r.ms.toFixed(0)} ms = ${(mib / (r.ms / 1000)).toFixed(0)} MiB/s${rtt}, peak RSS ${r.rss.toFixed(0)} MiB`);
      }
      const ours = rows.get("kubegen")!;
      for (const [name, r] of rows) {
        if (name === "kubegen") continue;
        const rtt = r.rtt !== undefined && ours.rtt !== undefined ? `, round trip ${(r.rtt / ours.rtt).toFixed(2)}x as fast` : "";
        console.log(`  ${task.padEnd(13)} kubegen vs ${name}: ${(r.ms / ours.ms).toFixed(2)}x the throughput${rtt}`);
      }
    }
  } finally {
    await cp.stop();
  }
}

if (process.argv[2] === "--child") {
  const [client, task, target] = process.argv.slice(3) as [Client, Task, string];
  const sample = await child(client, task, JSON.parse(target) as Target);
  console.log(JSON.stringify(sample));
  process.exit(0);
} else {
  await main();
}
