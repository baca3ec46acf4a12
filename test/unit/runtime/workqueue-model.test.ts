// The workqueue against an independent, deliberately naive model, under a
// seeded random workload of adds, addAfter, addRateLimited, gets by several
// simulated async workers, dones, forgets and clock advances (FakeClock).
// After every operation the queue's observable state (what each worker holds
// or waits for, len(), numRequeues) must equal the model's, and two invariants
// are checked directly: no item is held by two workers at once, and no key is
// queued twice (len() never exceeds the number of distinct pending keys).
import { describe, expect, it } from "vitest";
import { ItemExponentialFailureRateLimiter, createRateLimitingQueue } from "@kubegen/runtime";
import { FakeClock, flushMicrotasks } from "@kubegen/runtime/testing";

/** mulberry32: a tiny seeded PRNG, so failures replay exactly. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const BASE_MS = 1;
const MAX_MS = 64;
const SHUTDOWN = "<shutdown>";

type WorkerState = { kind: "idle" } | { kind: "waiting" } | { kind: "holding"; item: string } | { kind: "finished" };

/** The model: plain arrays and sets, linear scans, no cleverness. */
class Model {
  now = 0;
  queue: string[] = [];
  dirty = new Set<string>();
  processing = new Set<string>();
  waiting: Array<{ key: string; readyAt: number; seq: number }> = [];
  waiters: number[] = [];
  failures = new Map<string, number>();
  workers: WorkerState[];
  shutdown = false;
  seq = 0;

  constructor(nWorkers: number) {
    this.workers = Array.from({ length: nWorkers }, () => ({ kind: "idle" }) as WorkerState);
  }

  add(k: string): void {
    if (this.shutdown || this.dirty.has(k)) return;
    this.dirty.add(k);
    if (!this.processing.has(k)) this.enqueue(k);
  }

  enqueue(k: string): void {
    const w = this.waiters.shift();
    if (w === undefined) {
      this.queue.push(k);
      return;
    }
    this.dirty.delete(k);
    this.processing.add(k);
    this.workers[w] = { kind: "holding", item: k };
  }

  get(w: number): void {
    const k = this.queue.shift();
    if (k !== undefined) {
      this.dirty.delete(k);
      this.processing.add(k);
      this.workers[w] = { kind: "holding", item: k };
    } else if (this.shutdown) {
      this.workers[w] = { kind: "finished" };
    } else {
      this.waiters.push(w);
      this.workers[w] = { kind: "waiting" };
    }
  }

  done(w: number): void {
    const s = this.workers[w]!;
    if (s.kind !== "holding") throw new Error("model: done without an item");
    this.workers[w] = { kind: "idle" };
    this.processing.delete(s.item);
    if (this.dirty.has(s.item)) this.enqueue(s.item);
  }

  addAfter(k: string, d: number): void {
    if (this.shutdown) return;
    if (d <= 0) return this.add(k);
    const readyAt = this.now + d;
    const e = this.waiting.find((x) => x.key === k);
    if (e) e.readyAt = Math.min(e.readyAt, readyAt);
    else this.waiting.push({ key: k, readyAt, seq: this.seq++ });
  }

  addRateLimited(k: string): void {
    if (this.shutdown) return;
    const f = this.failures.get(k) ?? 0;
    this.failures.set(k, f + 1);
    this.addAfter(k, Math.min(BASE_MS * 2 ** f, MAX_MS));
  }

  advance(dt: number): void {
    const target = this.now + dt;
    for (;;) {
      let best: (typeof this.waiting)[number] | undefined;
      for (const e of this.waiting) {
        if (e.readyAt > target) continue;
        if (!best || e.readyAt < best.readyAt || (e.readyAt === best.readyAt && e.seq < best.seq)) best = e;
      }
      if (!best) break;
      this.waiting = this.waiting.filter((e) => e !== best);
      this.now = best.readyAt;
      this.add(best.key);
    }
    this.now = target;
  }

  shutDown(): void {
    this.shutdown = true;
    this.waiting = [];
    for (const w of this.waiters) this.workers[w] = { kind: "finished" };
    this.waiters = [];
  }
}

async function runWorkload(seed: number, operations: number, nWorkers: number, nKeys: number): Promise<Record<string, number>> {
  const rand = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const keys = Array.from({ length: nKeys }, (_, i) => `k${i}`);
  const clock = new FakeClock();
  const q = createRateLimitingQueue<string>(new ItemExponentialFailureRateLimiter(BASE_MS, MAX_MS), { clock });
  const model = new Model(nWorkers);
  const actual: WorkerState[] = Array.from({ length: nWorkers }, () => ({ kind: "idle" }));
  const counts: Record<string, number> = {};
  let handedOut = 0;
  let violation: string | undefined;

  const startGet = (w: number): void => {
    actual[w] = { kind: "waiting" };
    void q.get().then((r) => {
      if (r.shutdown) {
        actual[w] = { kind: "finished" };
        return;
      }
      // Invariant checked directly, not via the model: nobody else holds this key.
      for (let o = 0; o < nWorkers; o++) {
        const s = actual[o]!;
        if (o !== w && s.kind === "holding" && s.item === r.item) violation ??= `${r.item} held by workers ${o} and ${w}`;
      }
      actual[w] = { kind: "holding", item: r.item };
      handedOut++;
    });
  };

  const check = (op: number, what: string): void => {
    const where = `seed ${seed}, op ${op} (${what})`;
    if (violation) throw new Error(`${where}: ${violation}`);
    expect(actual, where).toEqual(model.workers);
    expect(q.len(), where).toBe(model.queue.length);
    // Dedupe, checked directly: the queue never holds more entries than distinct keys.
    expect(q.len(), where).toBeLessThanOrEqual(nKeys);
  };

  for (let op = 0; op < operations; op++) {
    const r = rand();
    const idle = actual.flatMap((s, w) => (s.kind === "idle" ? [w] : []));
    const holding = actual.flatMap((s, w) => (s.kind === "holding" ? [w] : []));
    let what: string;
    if (r < 0.22) {
      const k = pick(keys);
      what = `add ${k}`;
      q.add(k);
      model.add(k);
    } else if (r < 0.3) {
      const k = pick(keys);
      const d = Math.floor(rand() * 25) - 4; // includes <= 0: immediate
      what = `addAfter ${k} ${d}`;
      q.addAfter(k, d);
      model.addAfter(k, d);
    } else if (r < 0.36) {
      const k = pick(keys);
      what = `addRateLimited ${k}`;
      q.addRateLimited(k);
      model.addRateLimited(k);
    } else if (r < 0.56 && idle.length > 0) {
      const w = pick(idle);
      what = `get by ${w}`;
      startGet(w);
      model.get(w);
    } else if (r < 0.8 && holding.length > 0) {
      const w = pick(holding);
      const s = actual[w] as { kind: "holding"; item: string };
      const outcome = rand();
      if (outcome < 0.3) {
        // the handler failed: requeue with backoff, then done (runWorkers' order)
        what = `fail+done ${s.item} by ${w}`;
        q.addRateLimited(s.item);
        model.addRateLimited(s.item);
      } else if (outcome < 0.6) {
        what = `forget+done ${s.item} by ${w}`;
        q.forget(s.item);
        model.failures.delete(s.item);
      } else {
        what = `done ${s.item} by ${w}`;
      }
      actual[w] = { kind: "idle" };
      q.done(s.item);
      model.done(w);
    } else if (r < 0.84) {
      const k = pick(keys);
      what = `forget ${k}`;
      q.forget(k);
      model.failures.delete(k);
    } else {
      const dt = Math.floor(rand() * 12);
      what = `advance ${dt}`;
      await clock.advance(dt);
      model.advance(dt);
    }
    counts[what.split(" ")[0]!] = (counts[what.split(" ")[0]!] ?? 0) + 1;
    await flushMicrotasks();
    check(op, what);
    if (op % 97 === 0) {
      const k = pick(keys);
      expect(q.numRequeues(k), `seed ${seed}, op ${op}: numRequeues ${k}`).toBe(model.failures.get(k) ?? 0);
    }
  }

  // Shutdown with drain while workers hold items: it must wait for every done.
  // It resolves exactly when nothing is in flight (items still queued may remain, as in client-go).
  let drained = false;
  const drain = q.shutDownWithDrain().then(() => (drained = true));
  model.shutDown();
  let mayHaveDrained = model.processing.size === 0;
  await flushMicrotasks();
  check(operations, "shutDownWithDrain");
  expect(drained).toBe(mayHaveDrained);
  // Workers keep taking what is left until get() reports shutdown.
  for (let guard = 0; guard < 10 * (nKeys + nWorkers) + 10; guard++) {
    const w = actual.findIndex((s) => s.kind !== "finished");
    if (w < 0) break;
    const s = actual[w]!;
    if (s.kind === "holding") {
      actual[w] = { kind: "idle" };
      q.done(s.item);
      model.done(w);
    } else if (s.kind === "idle") {
      startGet(w);
      model.get(w);
    }
    await flushMicrotasks();
    check(operations, `drain step ${guard}`);
    mayHaveDrained ||= model.processing.size === 0;
    expect(drained, `drain step ${guard}`).toBe(mayHaveDrained);
  }
  await drain;
  expect(actual.every((s) => s.kind === "finished")).toBe(true);
  expect(q.len()).toBe(0);
  counts.handedOut = handedOut;
  return counts;
}

describe("workqueue against a model (seeded random workload)", () => {
  it.each([1, 0xc0ffee, 424242])("seed %i: 100,000 operations, 4 workers, 12 keys", async (seed) => {
    const counts = await runWorkload(seed, 100_000, 4, 12);
    // The workload really exercised every operation kind.
    for (const kind of ["add", "addAfter", "addRateLimited", "get", "done", "fail+done", "forget+done", "forget", "advance"]) {
      expect(counts[kind], kind).toBeGreaterThan(1000);
    }
    expect(counts.handedOut).toBeGreaterThan(10_000);
  }, 60_000);

  it("8 workers contending for 3 keys", async () => {
    // More workers than keys: most gets wait, and re-adds during processing are constant.
    const counts = await runWorkload(7, 5_000, 8, 3);
    expect(counts.get).toBeGreaterThan(500);
  });
});
