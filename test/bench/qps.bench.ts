// Benchmark (never part of `make test`): RestClient throughput against a real
// control plane. Prints requests/second with client-side limiting disabled
// (qps < 0) at several concurrencies, and the achieved rate with qps=50/burst=100.
// Run: npx tsx test/bench/qps.bench.ts   (needs the envtest binaries)
import { loadConfig, RestClient } from "@kubegen/runtime";
import { startControlPlane } from "@kubegen/runtime/testing";

const cp = await startControlPlane({ log: () => {} });
try {
  const base = await loadConfig({ kubeconfigPath: cp.kubeconfigPath });
  const run = async (label: string, qps: number, burst: number, total: number, concurrency: number) => {
    const rc = new RestClient({ ...base, qps, burst, warningHandler: null });
    await rc.request({ path: "/version" }); // warm the connection pool
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next++ < total) await rc.request({ version: "v1", resource: "namespaces", verb: "get", name: "default" });
      }),
    );
    const secs = (performance.now() - started) / 1000;
    console.log(`${label.padEnd(36)} ${total} requests in ${secs.toFixed(2)} s = ${(total / secs).toFixed(0)} req/s`);
    rc.close();
  };
  await run("unlimited, 1 in flight", -1, 0, 500, 1);
  await run("unlimited, 16 in flight", -1, 0, 2000, 16);
  await run("unlimited, 64 in flight", -1, 0, 4000, 64);
  await run("qps=50 burst=100, 16 in flight", 50, 100, 300, 16); // expect (300-100)/50 = 4 s
} finally {
  await cp.stop();
}
