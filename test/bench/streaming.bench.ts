// Benchmark (never part of `make test`): streaming throughput and memory, kubegen against
// @kubernetes/client-node 1.x (installed as client-node-1: 2.x needs Node 22) in the same run, through a real kube-apiserver v1.36 and the
// test kubelet (startControlPlane({ kubelet: true })):
//   port-forward  BENCH_PF_MIB (128) MiB written to a TCP echo server in the pod and read back
//                 (kubegen dialPort; client-node PortForward.portForward with a PassThrough in);
//   exec stdout   BENCH_EXEC_MIB (256) MiB of `head -c N /dev/zero` read from stdout
//                 (kubegen execPod; client-node Exec.exec).
// Each measurement runs in a fresh child process (so memory figures do not mix): wall time from
// the call to the last byte, MiB/s, and peak RSS growth over the child's baseline (sampled every
// 10 ms). Median of BENCH_RUNS (3) runs each. Both clients read as fast as they can; kubegen holds
// backpressure, client-node writes without waiting for its Writable.
// Run: KUBEGEN_ENVTEST_ASSETS=... node --import tsx test/bench/streaming.bench.ts
//   (after make build and npm ci --prefix test/bench; make bench does both)
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { PassThrough, Writable } from "node:stream";
import { fileURLToPath } from "node:url";

const runs = Number(process.env.BENCH_RUNS ?? 3);
const pfBytes = Number(process.env.BENCH_PF_MIB ?? 128) * 1024 * 1024;
const execBytes = Number(process.env.BENCH_EXEC_MIB ?? 256) * 1024 * 1024;
const self = fileURLToPath(import.meta.url);

type Client = "kubegen" | "client-node";
type Task = "port-forward" | "exec";
interface Sample {
  ms: number;
  peakRssMb: number;
}
interface Target {
  kubeconfig: string;
  namespace: string;
  pod: string;
  port: number;
}

/** Samples RSS every 10 ms; returns a function that stops and gives the peak growth in MiB. */
function rssSampler(): () => number {
  const base = process.memoryUsage().rss;
  let peak = base;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
  return () => {
    clearInterval(timer);
    peak = Math.max(peak, process.memoryUsage().rss);
    return (peak - base) / 1024 / 1024;
  };
}

/** Writes `bytes` into `input` in 1 MiB chunks, waiting for drain. */
async function feed(input: NodeJS.WritableStream, bytes: number): Promise<void> {
  const chunk = randomBytes(1 << 20);
  for (let off = 0; off < bytes; off += chunk.length) {
    if (!input.write(chunk.subarray(0, Math.min(chunk.length, bytes - off)))) await once(input as NodeJS.EventEmitter, "drain");
  }
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

async function child(client: Client, task: Task, t: Target): Promise<Sample> {
  if (client === "kubegen") {
    const { dialPort, execPod, loadConfig } = await import("@kubegen/runtime");
    const config = await loadConfig({ kubeconfigPath: t.kubeconfig });
    const stop = rssSampler();
    const started = performance.now();
    if (task === "port-forward") {
      const conn = await dialPort(config, { namespace: t.namespace, name: t.pod, port: t.port });
      const { sink, done } = counter(pfBytes);
      conn.pipe(sink);
      await Promise.all([feed(conn, pfBytes), done]);
      conn.destroy();
    } else {
      const { sink, done } = counter(execBytes);
      const s = await execPod(config, { namespace: t.namespace, name: t.pod, command: ["head", "-c", String(execBytes), "/dev/zero"], stdout: sink });
      await Promise.all([s.done, done]);
    }
    const ms = performance.now() - started;
    return { ms, peakRssMb: stop() };
  }
  // client-node 2.x (the consumer bench's peer) needs Node 22: its undici 8 binds zlib's zstd on load.
  const k8s = await import("client-node-1");
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(t.kubeconfig);
  const stop = rssSampler();
  const started = performance.now();
  if (task === "port-forward") {
    const { sink, done } = counter(pfBytes);
    const input = new PassThrough();
    const ws = await new k8s.PortForward(kc).portForward(t.namespace, t.pod, [t.port], sink, null, input);
    await Promise.all([feed(input, pfBytes), done]);
    (ws as { close(): void }).close();
  } else {
    const { sink, done } = counter(execBytes);
    const status = new Promise<void>((resolve) => {
      void new k8s.Exec(kc).exec(t.namespace, t.pod, "c", ["head", "-c", String(execBytes), "/dev/zero"], sink, null, null, false, () => resolve());
    });
    await Promise.all([status, done]);
  }
  const ms = performance.now() - started;
  return { ms, peakRssMb: stop() };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const { newRestConfig, RestClient } = await import("@kubegen/runtime");
  const { startControlPlane } = await import("@kubegen/runtime/testing");
  const cp = await startControlPlane({ kubelet: true, readyTimeoutMs: 120_000, log: () => {} });
  try {
    const rc = new RestClient(newRestConfig(cp.server, { caData: cp.caPem, bearerToken: cp.adminToken, warningHandler: null }));
    const namespace = "bench-streaming";
    const pod = "echo";
    const port = 23_456;
    await rc.request({ version: "v1", resource: "namespaces", verb: "create", body: { apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } } });
    const server = `require('net').createServer((c)=>{c.on('error',()=>{});c.pipe(c)}).listen(${port},'127.0.0.1')`;
    await rc.request({
      version: "v1",
      resource: "pods",
      namespace,
      verb: "create",
      body: {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: pod },
        spec: { nodeName: cp.kubelet!.nodeName, containers: [{ name: "c", image: "kubegen.invalid/none", command: [process.execPath, "-e", server] }] },
      },
    });
    for (let i = 0; ; i++) {
      const p = await rc.request<{ status?: { phase?: string } }>({ version: "v1", resource: "pods", namespace, name: pod, verb: "get" });
      if (p.status?.phase === "Running") break;
      if (i > 600) throw new Error("the bench pod did not start");
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 1000)); // the echo server listening
    rc.close();
    const target: Target = { kubeconfig: cp.kubeconfigPath, namespace, pod, port };
    const results = new Map<string, Sample[]>();
    for (let run = 0; run < runs; run++) {
      for (const task of ["port-forward", "exec"] as const) {
        for (const client of ["kubegen", "client-node"] as const) {
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
    console.log(`streaming benchmark: through kube-apiserver v1.36 and the test kubelet; median of ${runs} fresh processes`);
    for (const task of ["port-forward", "exec"] as const) {
      const mib = (task === "port-forward" ? pfBytes : execBytes) / 1024 / 1024;
      const row = (client: Client) => {
        const s = results.get(`${task}/${client}`)!;
        return { ms: median(s.map((x) => x.ms)), rss: median(s.map((x) => x.peakRssMb)) };
      };
      const ours = row("kubegen");
      const theirs = row("client-node");
      for (const [name, r] of [["kubegen", ours], ["client-node", theirs]] as const) {
        console.log(`  ${task.padEnd(13)} ${name.padEnd(12)} ${mib} MiB${task === "port-forward" ? " each way" : ""} in ${r.ms.toFixed(0)} ms = ${(mib / (r.ms / 1000)).toFixed(0)} MiB/s, peak RSS growth ${r.rss.toFixed(1)} MiB`);
      }
      console.log(`  ${task.padEnd(13)} kubegen vs client-node: ${(theirs.ms / ours.ms).toFixed(2)}x the speed, ${(theirs.rss / Math.max(ours.rss, 0.1)).toFixed(1)}x less RSS growth`);
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
