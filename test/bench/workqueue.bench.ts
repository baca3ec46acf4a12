// Workqueue throughput: how many add+get+done cycles per second the queue
// sustains on one event loop. A plain script (not part of `make test`):
//   node --import tsx test/bench/workqueue.bench.ts [items]
// Prints one line per scenario and a JSON summary on the last line.
// Imported from source so the script needs no build step.
import { createQueue, createRateLimitingQueue, runWorkers } from "../../runtime/src/workqueue/index.js";

const N = Number(process.argv[2] ?? 1_000_000);

interface Result {
  scenario: string;
  unit: string;
  cycles: number;
  ms: number;
  opsPerSec: number;
}

async function measure(scenario: string, cycles: number, body: () => Promise<void>, unit = "add+get+done/s"): Promise<Result> {
  // one small warm-up run so the JIT has seen the code
  await body();
  const start = performance.now();
  await body();
  const ms = performance.now() - start;
  const r = { scenario, unit, cycles, ms: Math.round(ms), opsPerSec: Math.round((cycles / ms) * 1000) };
  console.log(`${scenario.padEnd(58)} ${String(r.opsPerSec).padStart(10)} ${unit}  (${cycles} in ${r.ms} ms)`);
  return r;
}

const results: Result[] = [];

results.push(
  await measure("basic queue, 1 worker, add then get+done (distinct keys)", N, async () => {
    const q = createQueue<number>();
    for (let i = 0; i < N; i++) q.add(i);
    for (let i = 0; i < N; i++) {
      const r = await q.get();
      q.done(r.item as number);
    }
  }),
);

results.push(
  await measure("basic queue, 1 worker, interleaved add/get/done", N, async () => {
    const q = createQueue<number>();
    for (let i = 0; i < N; i++) {
      q.add(i);
      const r = await q.get();
      q.done(r.item as number);
    }
  }),
);

results.push(
  await measure("rate-limiting queue, 8 workers waiting, producer adds", N, async () => {
    const q = createRateLimitingQueue<string>();
    let handled = 0;
    const ac = new AbortController();
    const running = runWorkers(
      q,
      8,
      () => {
        if (++handled === N) ac.abort();
      },
      ac.signal,
    );
    for (let i = 0; i < N; i++) {
      q.add(`ns/obj-${i}`);
      if (i % 1000 === 999) await Promise.resolve();
    }
    await running;
  }),
);

const dedupeAdds = N;
results.push(
  await measure("dedupe: 10 adds per hot key (100 keys), then get+done each", dedupeAdds, async () => {
    const q = createQueue<string>();
    const keys = Array.from({ length: 100 }, (_, i) => `ns/hot-${i}`);
    for (let round = 0; round < dedupeAdds / 1000; round++) {
      for (let rep = 0; rep < 10; rep++) for (const k of keys) q.add(k);
      while (q.len() > 0) {
        const r = await q.get();
        q.done(r.item as string);
      }
    }
  }, "adds/s (1 get+done per 10 adds)"),
);

console.log(JSON.stringify({ bench: "workqueue", node: process.version, results }));
