// Workqueue semantics one rule at a time (client-go queue_test.go,
// delaying_queue_test.go, default_rate_limiters_test.go), on a FakeClock.
import { describe, expect, it } from "vitest";
import {
  BucketRateLimiter,
  ItemExponentialFailureRateLimiter,
  ItemFastSlowRateLimiter,
  MaxOfRateLimiter,
  WithMaxWaitRateLimiter,
  createDelayingQueue,
  createQueue,
  createRateLimitingQueue,
  defaultControllerRateLimiter,
  runWorkers,
  type MetricsProvider,
} from "@kubegen/runtime";
import { FakeClock, flushMicrotasks } from "@kubegen/runtime/testing";

async function takeItem<T>(q: { get(): Promise<{ item: T | undefined; shutdown: boolean }> }): Promise<T> {
  const r = await q.get();
  if (r.shutdown) throw new Error("queue shut down");
  return r.item as T;
}

describe("basic queue", () => {
  it("dedupes items that are waiting and keeps first-add order", async () => {
    const q = createQueue<string>();
    for (const k of ["a", "b", "a", "c", "b", "a"]) q.add(k);
    expect(q.len()).toBe(3);
    expect([await takeItem(q), await takeItem(q), await takeItem(q)]).toEqual(["a", "b", "c"]);
    expect(q.len()).toBe(0);
  });

  it("never hands out an item that is processing; a re-add comes back after done", async () => {
    const q = createQueue<string>();
    q.add("a");
    expect(await takeItem(q)).toBe("a");
    q.add("a");
    q.add("a");
    expect(q.len()).toBe(0); // remembered (dirty), not queued
    let second: string | undefined;
    void q.get().then((r) => (second = r.item));
    await flushMicrotasks();
    expect(second).toBeUndefined();
    q.done("a");
    await flushMicrotasks();
    expect(second).toBe("a"); // exactly one more time
    q.done("a");
    expect(q.len()).toBe(0);
  });

  it("get waits for an add; waiters are served in order", async () => {
    const q = createQueue<number>();
    const got: Array<[number, number | undefined]> = [];
    for (const w of [1, 2, 3]) void q.get().then((r) => got.push([w, r.item]));
    q.add(10);
    q.add(20);
    await flushMicrotasks();
    expect(got).toEqual([
      [1, 10],
      [2, 20],
    ]);
  });

  it("uses keyOf to identify object items", async () => {
    const q = createQueue<{ ns: string; name: string }>({ keyOf: (o) => `${o.ns}/${o.name}` });
    q.add({ ns: "a", name: "x" });
    q.add({ ns: "a", name: "x" });
    q.add({ ns: "b", name: "x" });
    expect(q.len()).toBe(2);
    const first = await takeItem(q);
    q.add({ ns: "a", name: "x" }); // a different object with the same key: processing, so held back
    expect(q.len()).toBe(1);
    q.done({ ns: "a", name: "x" });
    expect(q.len()).toBe(2);
    expect(first).toEqual({ ns: "a", name: "x" });
  });

  it("a get aborted by its signal takes nothing", async () => {
    const q = createQueue<string>();
    const ac = new AbortController();
    const p = q.get({ signal: ac.signal });
    ac.abort(new Error("stop"));
    await expect(p).rejects.toThrow("stop");
    q.add("a");
    expect(q.len()).toBe(1);
    expect(await takeItem(q)).toBe("a");
  });

  it("a get with an already aborted signal takes nothing, even when items wait", async () => {
    const q = createQueue<string>();
    q.add("a");
    await expect(q.get({ signal: AbortSignal.abort(new Error("gone")) })).rejects.toThrow("gone");
    expect(q.len()).toBe(1);
  });

  it("done for an item that is not processing changes nothing", async () => {
    const q = createQueue<string>();
    q.add("a");
    q.done("a"); // queued, not processing
    expect(q.len()).toBe(1);
    expect(await takeItem(q)).toBe("a");
    q.done("a");
    q.done("a"); // twice
    expect(q.len()).toBe(0);
  });

  it("shutDown ignores adds, hands out what is left, then reports shutdown", async () => {
    const q = createQueue<string>();
    q.add("a");
    q.add("b");
    expect(await takeItem(q)).toBe("a");
    q.add("a"); // re-added while processing, before shutdown
    q.shutDown();
    expect(q.shuttingDown()).toBe(true);
    q.add("c");
    expect(q.len()).toBe(1);
    expect(await takeItem(q)).toBe("b");
    q.done("b");
    q.done("a"); // the pre-shutdown re-add still comes back
    expect(await takeItem(q)).toBe("a");
    q.done("a");
    expect(await q.get()).toEqual({ item: undefined, shutdown: true });
  });

  it("shutDown wakes every waiting get", async () => {
    const q = createQueue<string>();
    const results = Promise.all([q.get(), q.get()]);
    q.shutDown();
    expect(await results).toEqual([
      { item: undefined, shutdown: true },
      { item: undefined, shutdown: true },
    ]);
  });

  it("shutDownWithDrain waits until every in-flight item is done", async () => {
    const q = createQueue<string>();
    q.add("a");
    q.add("b");
    const a = await takeItem(q);
    const b = await takeItem(q);
    let drained = false;
    const drain = q.shutDownWithDrain().then(() => (drained = true));
    await flushMicrotasks();
    expect(drained).toBe(false);
    q.add("c"); // ignored: shutting down
    q.done(a);
    await flushMicrotasks();
    expect(drained).toBe(false);
    q.done(b);
    await drain;
    expect(drained).toBe(true);
    expect(q.len()).toBe(0);
  });

  it("shutDownWithDrain returns at once when nothing is in flight, and early on shutDown", async () => {
    const q = createQueue<string>();
    await q.shutDownWithDrain();
    const q2 = createQueue<string>();
    q2.add("x");
    await takeItem(q2);
    const drain = q2.shutDownWithDrain();
    q2.shutDown();
    await drain; // would hang if shutDown did not release it
  });
});

describe("delaying queue", () => {
  it("adds after the delay on the injected clock", async () => {
    const clock = new FakeClock();
    const q = createDelayingQueue<string>({ clock });
    q.addAfter("a", 50);
    expect(q.len()).toBe(0);
    await clock.advance(49);
    expect(q.len()).toBe(0);
    await clock.advance(1);
    expect(q.len()).toBe(1);
  });

  it("a non-positive delay adds now; a second addAfter only moves the item earlier", async () => {
    const clock = new FakeClock();
    const q = createDelayingQueue<string>({ clock });
    q.addAfter("now", 0);
    q.addAfter("neg", -5);
    expect(q.len()).toBe(2);
    q.addAfter("x", 100);
    q.addAfter("x", 200); // later: ignored
    await clock.advance(100);
    expect(q.len()).toBe(3);
    q.addAfter("y", 100);
    q.addAfter("y", 30); // earlier: wins
    await clock.advance(30);
    expect(q.len()).toBe(4);
    await clock.advance(1000);
    expect(q.len()).toBe(4); // nothing left waiting: y was not added twice
  });

  it("releases items in ready-time order", async () => {
    const clock = new FakeClock();
    const q = createDelayingQueue<string>({ clock });
    q.addAfter("c", 30);
    q.addAfter("a", 10);
    q.addAfter("b", 20);
    q.addAfter("a2", 10);
    await clock.advance(30);
    const out = [];
    while (q.len() > 0) out.push(await takeItem(q));
    expect(out).toEqual(["a", "a2", "b", "c"]);
  });

  it("shutdown drops waiting items and ignores later addAfter", async () => {
    const clock = new FakeClock();
    const q = createDelayingQueue<string>({ clock });
    q.addAfter("a", 10);
    q.shutDown();
    q.addAfter("b", 0);
    await clock.advance(100);
    expect(q.len()).toBe(0);
    expect(clock.pendingTimers).toBe(0);
  });
});

describe("rate limiters", () => {
  it("exponential per item: 5, 10, 20, ... ms capped at 1000 s; forget resets", () => {
    const rl = new ItemExponentialFailureRateLimiter<string>(5, 1_000_000);
    const delays = Array.from({ length: 22 }, () => rl.when("one"));
    expect(delays.slice(0, 5)).toEqual([5, 10, 20, 40, 80]);
    expect(delays[17]).toBe(5 * 2 ** 17); // 655.36 s
    expect(delays[18]).toBe(1_000_000); // 1310.72 s capped
    expect(delays[21]).toBe(1_000_000);
    expect(rl.numRequeues("one")).toBe(22);
    expect(rl.when("two")).toBe(5); // per item
    rl.forget("one");
    expect(rl.numRequeues("one")).toBe(0);
    expect(rl.when("one")).toBe(5);
    for (let i = 0; i < 2000; i++) rl.when("huge");
    expect(rl.when("huge")).toBe(1_000_000); // no overflow to Infinity or NaN
  });

  it("fast-slow: maxFastAttempts fast delays, then slow", () => {
    const rl = new ItemFastSlowRateLimiter<string>(5, 10_000, 3);
    expect([rl.when("a"), rl.when("a"), rl.when("a"), rl.when("a"), rl.when("a")]).toEqual([5, 5, 5, 10_000, 10_000]);
    expect(rl.numRequeues("a")).toBe(5);
    expect(rl.when("b")).toBe(5);
    rl.forget("a");
    expect(rl.numRequeues("a")).toBe(0);
    expect(rl.when("a")).toBe(5);
  });

  it("bucket: burst of free tokens, then 1/qps apart", () => {
    const clock = new FakeClock();
    const rl = new BucketRateLimiter<string>({ qps: 10, burst: 3, clock });
    expect([rl.when("a"), rl.when("b"), rl.when("c")]).toEqual([0, 0, 0]);
    expect(rl.when("d")).toBeCloseTo(100);
    expect(rl.when("e")).toBeCloseTo(200);
    expect(rl.numRequeues("a")).toBe(0);
  });

  it("max-of: the longest delay, the largest requeue count, forget on all", () => {
    const fastSlow = new ItemFastSlowRateLimiter<string>(1, 50, 2);
    const expo = new ItemExponentialFailureRateLimiter<string>(1, 1000);
    const rl = new MaxOfRateLimiter<string>(fastSlow, expo);
    expect([1, 2, 3, 4, 5, 6, 7].map(() => rl.when("a"))).toEqual([1, 2, 50, 50, 50, 50, 64]);
    expect(rl.numRequeues("a")).toBe(7);
    rl.forget("a");
    expect(fastSlow.numRequeues("a")).toBe(0);
    expect(expo.numRequeues("a")).toBe(0);
  });

  it("with-max-wait caps the delay", () => {
    const rl = new WithMaxWaitRateLimiter(new ItemExponentialFailureRateLimiter<string>(100, 100_000), 250);
    expect([rl.when("a"), rl.when("a"), rl.when("a")]).toEqual([100, 200, 250]);
  });

  it("default controller limiter: exponential 5 ms per item, and 10 qps overall after a burst of 100", () => {
    const clock = new FakeClock();
    const rl = defaultControllerRateLimiter<string>({ clock });
    expect([rl.when("x"), rl.when("x"), rl.when("x")]).toEqual([5, 10, 20]);
    for (let i = 0; i < 97; i++) expect(rl.when(`k${i}`)).toBe(5); // 100 tokens used
    expect(rl.when("late")).toBeCloseTo(100); // bucket now dominates the 5 ms backoff
  });
});

describe("rate-limiting queue", () => {
  it("addRateLimited waits the limiter's delay; forget and numRequeues go to the limiter", async () => {
    const clock = new FakeClock();
    const q = createRateLimitingQueue<string>(new ItemExponentialFailureRateLimiter(5, 1000), { clock });
    q.addRateLimited("a");
    q.addRateLimited("a"); // 10 ms: later than the 5 ms it already waits for
    expect(q.numRequeues("a")).toBe(2);
    await clock.advance(4);
    expect(q.len()).toBe(0);
    await clock.advance(1);
    expect(q.len()).toBe(1);
    q.forget("a");
    expect(q.numRequeues("a")).toBe(0);
    expect(q.len()).toBe(1); // forget does not remove
  });

  it("uses the default controller limiter on the queue's clock when none is given", async () => {
    const clock = new FakeClock();
    const q = createRateLimitingQueue<string>(undefined, { clock });
    q.addRateLimited("a");
    await clock.advance(4);
    expect(q.len()).toBe(0);
    await clock.advance(1);
    expect(q.len()).toBe(1);
  });
});

describe("metrics", () => {
  function recorder(): { provider: MetricsProvider; values: Record<string, number[]> } {
    const values: Record<string, number[]> = {};
    const rec = (n: string) => (v: number) => (values[n] ??= []).push(v);
    let depth = 0;
    const provider: MetricsProvider = {
      newDepthMetric: (name) => ({ inc: () => rec(`${name}.depth`)(++depth), dec: () => rec(`${name}.depth`)(--depth) }),
      newAddsMetric: (name) => ({ inc: () => rec(`${name}.adds`)(1) }),
      newLatencyMetric: (name) => ({ observe: rec(`${name}.latency`) }),
      newWorkDurationMetric: (name) => ({ observe: rec(`${name}.work`) }),
      newUnfinishedWorkSecondsMetric: (name) => ({ set: rec(`${name}.unfinished`) }),
      newLongestRunningProcessorSecondsMetric: (name) => ({ set: rec(`${name}.longest`) }),
      newRetriesMetric: (name) => ({ inc: () => rec(`${name}.retries`)(1) }),
    };
    return { provider, values };
  }

  it("records depth, adds, latency, work duration, unfinished work and retries for a named queue", async () => {
    const clock = new FakeClock();
    const { provider, values } = recorder();
    const q = createRateLimitingQueue<string>(new ItemExponentialFailureRateLimiter(1000, 1000), {
      clock,
      name: "q",
      metricsProvider: provider,
    });
    q.add("a");
    q.add("a");
    q.add("b");
    await clock.advance(2000);
    const a = await takeItem(q);
    await clock.advance(1500);
    expect(values["q.unfinished"]?.at(-1)).toBeCloseTo(1.5);
    expect(values["q.longest"]?.at(-1)).toBeCloseTo(1.5);
    q.done(a);
    q.addRateLimited("c");
    expect(values["q.adds"]).toHaveLength(2);
    expect(values["q.depth"]).toEqual([1, 2, 1]);
    expect(values["q.latency"]).toEqual([2]);
    expect(values["q.work"]).toEqual([1.5]);
    expect(values["q.retries"]).toHaveLength(1);
    q.shutDown();
    expect(clock.pendingTimers).toBe(0); // the 500 ms refresh loop stops
  });

  it("records nothing for an unnamed queue", async () => {
    const { provider, values } = recorder();
    const q = createQueue<string>({ metricsProvider: provider });
    q.add("a");
    q.done(await takeItem(q));
    expect(values).toEqual({});
  });
});

describe("runWorkers", () => {
  it("requeues a failing item with rate limiting, keeps the worker alive, forgets on success", async () => {
    const clock = new FakeClock();
    const q = createRateLimitingQueue<string>(new ItemExponentialFailureRateLimiter(100, 10_000), { clock });
    const ac = new AbortController();
    const attempts: Array<[string, number]> = [];
    const errors: string[] = [];
    let failuresLeft = 3;
    const running = runWorkers(
      q,
      2,
      async (item) => {
        attempts.push([item, clock.now()]);
        if (item === "bad" && failuresLeft-- > 0) throw new Error(`boom ${failuresLeft}`);
      },
      ac.signal,
      { onError: (err) => errors.push((err as Error).message) },
    );
    q.add("bad");
    q.add("good");
    await clock.advance(0);
    expect(attempts).toEqual([
      ["bad", 0],
      ["good", 0],
    ]);
    expect(q.numRequeues("bad")).toBe(1);
    await clock.advance(100); // 1st retry after 100 ms
    await clock.advance(200); // 2nd after 200 ms more
    await clock.advance(400); // 3rd after 400 ms more, then succeeds
    expect(attempts.filter(([i]) => i === "bad").map(([, t]) => t)).toEqual([0, 100, 300, 700]);
    expect(q.numRequeues("bad")).toBe(0); // forgotten after success
    expect(errors).toEqual(["boom 2", "boom 1", "boom 0"]);
    // the workers still serve new items
    q.add("after");
    await clock.advance(0);
    expect(attempts.at(-1)).toEqual(["after", 700]);
    ac.abort();
    await running;
  });

  it("never runs one item on two workers and resolves after abort once current items finish", async () => {
    const clock = new FakeClock();
    const q = createRateLimitingQueue<string>(undefined, { clock });
    const ac = new AbortController();
    const inFlight = new Set<string>();
    let maxConcurrent = 0;
    let overlap = false;
    let handled = 0;
    const running = runWorkers(
      q,
      4,
      async (item) => {
        if (inFlight.has(item)) overlap = true;
        inFlight.add(item);
        maxConcurrent = Math.max(maxConcurrent, inFlight.size);
        await clock.sleep(10);
        inFlight.delete(item);
        handled++;
      },
      ac.signal,
      { onError: () => {} },
    );
    for (let round = 0; round < 5; round++) {
      for (const k of ["a", "b", "a", "c", "a"]) q.add(k);
      await clock.advance(3);
    }
    let resolved = false;
    void running.then(() => (resolved = true));
    ac.abort();
    await flushMicrotasks();
    expect(resolved).toBe(false); // items in flight
    await clock.advance(100);
    expect(resolved).toBe(true);
    expect(overlap).toBe(false);
    expect(maxConcurrent).toBe(3);
    expect(handled).toBeGreaterThanOrEqual(6);
  });

  it("treats a synchronous throw like a rejection", async () => {
    const clock = new FakeClock();
    const q = createRateLimitingQueue<string>(new ItemExponentialFailureRateLimiter(50, 1000), { clock });
    const ac = new AbortController();
    let calls = 0;
    const running = runWorkers(
      q,
      1,
      () => {
        if (++calls === 1) throw new Error("sync");
      },
      ac.signal,
      { onError: () => {} },
    );
    q.add("x");
    await clock.advance(0);
    expect(calls).toBe(1);
    expect(q.numRequeues("x")).toBe(1);
    await clock.advance(50);
    expect(calls).toBe(2);
    expect(q.numRequeues("x")).toBe(0);
    ac.abort();
    await running;
  });

  it("stops when the queue is shut down and drained", async () => {
    const q = createRateLimitingQueue<string>();
    const seen: string[] = [];
    q.add("a");
    q.add("b");
    q.shutDown();
    await runWorkers(q, 3, (item) => void seen.push(item), new AbortController().signal);
    expect(seen).toEqual(["a", "b"]);
  });
});
