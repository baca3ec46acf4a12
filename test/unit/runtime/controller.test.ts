// Controller (runtime/src/controller) over real SharedIndexInformers fed by
// FakeListerWatchers, with a FakeClock wherever delays matter: cache sync
// before the first reconcile (and its real error), the meaning of reconcile
// results (error, requeue, requeueAfterMs), one worker per key, drain on
// stop, the enqueue/owner handlers and sample-controller's rate limiter.
import { describe, expect, it } from "vitest";
import { FakeListerWatcher, fakeApiError } from "../../../runtime/src/cache/fake-lister-watcher.js";
import { SharedIndexInformer } from "../../../runtime/src/cache/index.js";
import {
  Controller,
  controllerOf,
  sampleControllerRateLimiter,
  type Logger,
  type ReconcileResult,
} from "../../../runtime/src/controller/index.js";
import { isForbidden } from "../../../runtime/src/errors/api-error.js";
import type { KubernetesObject, OwnerReference } from "../../../runtime/src/meta/types.js";
import { FakeClock } from "../../../runtime/src/util/fake-clock.js";

interface Obj extends KubernetesObject {
  metadata: { name: string; namespace?: string; resourceVersion?: string; ownerReferences?: OwnerReference[] };
}
const obj = (name: string, ns = "ns", owners?: OwnerReference[]): Obj => ({
  metadata: { name, namespace: ns, ...(owners ? { ownerReferences: owners } : {}) },
});
const fooRef = (name: string, controller = true, apiVersion = "samplecontroller.k8s.io/v1alpha1"): OwnerReference => ({
  apiVersion,
  kind: "Foo",
  name,
  uid: `uid-${name}`,
  controller,
});

async function settle(rounds = 30): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setImmediate(r));
}

function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

function memoryLogger(): Logger & { errors: Array<{ message: string; fields?: Record<string, unknown> }> } {
  const errors: Array<{ message: string; fields?: Record<string, unknown> }> = [];
  return {
    errors,
    info: () => {},
    error: (message, fields) => void errors.push({ message, ...(fields ? { fields } : {}) }),
  };
}

function informerOver(lw: FakeListerWatcher<Obj>, clock: FakeClock, name = "objs") {
  return new SharedIndexInformer<Obj>(lw, { name, clock, random: () => 0.5, onWatchError: () => {}, useWatchList: false });
}

describe("Controller", () => {
  it("reconciles nothing before every informer has synced, then reconciles the keys its handler enqueued", async () => {
    const clock = new FakeClock(1_000);
    const lwA = new FakeListerWatcher<Obj>();
    const lwB = new FakeListerWatcher<Obj>();
    lwA.add(obj("a"));
    lwA.add(obj("b", "other"));
    const gate = deferred();
    lwB.beforeListPage = () => gate.promise; // the second informer's list hangs until released
    const infA = informerOver(lwA, clock, "a");
    const infB = informerOver(lwB, clock, "b");
    const seen: string[] = [];
    const c = new Controller({
      name: "test",
      clock,
      logger: memoryLogger(),
      informers: [infA, infB],
      reconcile: (key) => void seen.push(key),
    });
    infA.addEventHandler(c.enqueueHandler<Obj>());
    const ac = new AbortController();
    void infA.run(ac.signal);
    void infB.run(ac.signal);
    const running = c.run(ac.signal);
    await settle();
    expect(infA.hasSynced()).toBe(true);
    expect(c.status()).toMatchObject({ phase: "syncing", synced: false, workers: 0 });
    expect(c.healthy()).toBe(false);
    expect(seen).toEqual([]); // keys are queued, but no worker runs yet
    expect(c.queue.len()).toBe(2);

    gate.resolve();
    await settle();
    expect(seen.sort()).toEqual(["ns/a", "other/b"]);
    expect(c.status()).toMatchObject({ phase: "running", synced: true, workers: 2, inFlight: 0 });
    expect(c.healthy()).toBe(true);

    ac.abort();
    await running;
    expect(c.status().phase).toBe("stopped");
    expect(c.healthy()).toBe(false);
  });

  it("rejects run() with the informer's own error when the cache cannot sync, and never reconciles", async () => {
    const clock = new FakeClock(0);
    const lw = new FakeListerWatcher<Obj>();
    lw.add(obj("a"));
    lw.failLists(fakeApiError(403, "Forbidden", 'objs is forbidden: User "x" cannot list resource "objs"'), 5);
    const inf = informerOver(lw, clock);
    let calls = 0;
    const logger = memoryLogger();
    const c = new Controller({ name: "t", clock, logger, informers: [inf], reconcile: () => void calls++ });
    inf.addEventHandler(c.enqueueHandler<Obj>());
    const ac = new AbortController();
    void inf.run(ac.signal);
    const err = await c.run(ac.signal).catch((e: unknown) => e);
    expect(isForbidden(err)).toBe(true);
    expect(c.status()).toMatchObject({ phase: "failed", synced: false });
    expect(c.status().error).toBe(err);
    expect(c.healthy()).toBe(false);
    expect(c.queue.shuttingDown()).toBe(true);
    expect(logger.errors[0]?.message).toMatch(/caches did not sync/);
    await settle();
    expect(calls).toBe(0);
    ac.abort();
  });

  it("resolves run() without starting workers when aborted during the cache wait", async () => {
    const clock = new FakeClock(0);
    const lw = new FakeListerWatcher<Obj>();
    lw.beforeListPage = () => new Promise<void>(() => {}); // never lists
    const inf = informerOver(lw, clock);
    const c = new Controller({ name: "t", clock, logger: memoryLogger(), informers: [inf], reconcile: () => {} });
    const ac = new AbortController();
    void inf.run(ac.signal);
    const running = c.run(ac.signal);
    await settle();
    ac.abort();
    await expect(running).resolves.toBeUndefined();
    expect(c.status()).toMatchObject({ phase: "stopped", workers: 0 });
    await expect(c.run(ac.signal)).rejects.toThrow(/already called/);
  });

  it("requeues a failing key with exponential backoff (5, 10, 20 ms), logs each failure, and forgets it on success", async () => {
    const clock = new FakeClock(0);
    const logger = memoryLogger();
    const times: number[] = [];
    const c = new Controller({
      name: "t",
      clock,
      logger,
      reconcile: (key) => {
        times.push(clock.now());
        if (times.length <= 3) throw new Error(`boom ${times.length} for ${key}`);
      },
    });
    const ac = new AbortController();
    const running = c.run(ac.signal);
    c.enqueue("ns/a");
    await settle();
    expect(times).toEqual([0]);
    expect(c.queue.numRequeues("ns/a")).toBe(1);
    await clock.advance(4);
    await settle();
    expect(times).toEqual([0]); // not before 5 ms
    await clock.advance(1);
    await settle();
    await clock.advance(10);
    await settle();
    await clock.advance(20);
    await settle();
    expect(times).toEqual([0, 5, 15, 35]);
    expect(c.queue.numRequeues("ns/a")).toBe(0); // forgotten after the success
    expect(logger.errors.map((e) => e.fields?.["key"])).toEqual(["ns/a", "ns/a", "ns/a"]);
    expect(logger.errors[2]).toMatchObject({ message: expect.stringMatching(/reconcile failed/), fields: { requeues: 3 } });
    expect((logger.errors[0]?.fields?.["error"] as Error).message).toBe("boom 1 for ns/a");
    await clock.advance(10_000);
    await settle();
    expect(times).toHaveLength(4); // nothing more
    ac.abort();
    await running;
  });

  it("honours requeueAfterMs (backoff cleared) and requeue (backoff grows), without logging errors", async () => {
    const clock = new FakeClock(0);
    const logger = memoryLogger();
    const results: Array<ReconcileResult | undefined> = [
      { requeueAfterMs: 30_000 },
      { requeue: true },
      { requeue: true },
      { requeue: true, requeueAfterMs: 1_000 }, // requeueAfterMs wins
      undefined,
    ];
    const calls: Array<{ at: number; requeues: number }> = [];
    const c = new Controller({
      name: "t",
      clock,
      logger,
      reconcile: async (key) => {
        calls.push({ at: clock.now(), requeues: c.queue.numRequeues(key) });
        await Promise.resolve();
        return results.shift();
      },
    });
    const ac = new AbortController();
    const running = c.run(ac.signal);
    c.enqueue("ns/a");
    await settle();
    await clock.advance(29_999);
    await settle();
    expect(calls.map((x) => x.at)).toEqual([0]);
    await clock.advance(1); // 30 000: the requeueAfterMs
    await settle();
    await clock.advance(5); // requeue #1: 5 ms
    await settle();
    await clock.advance(10); // requeue #2: 10 ms
    await settle();
    await clock.advance(1_000); // requeueAfterMs 1000 (not the 20 ms backoff)
    await settle();
    expect(calls).toEqual([
      { at: 0, requeues: 0 },
      { at: 30_000, requeues: 0 },
      { at: 30_005, requeues: 1 },
      { at: 30_015, requeues: 2 },
      { at: 31_015, requeues: 0 },
    ]);
    expect(logger.errors).toEqual([]);
    ac.abort();
    await running;
  });

  it("never reconciles one key on two workers at once, reconciles a key re-added meanwhile afterwards, and runs different keys in parallel", async () => {
    const clock = new FakeClock(0);
    const release = new Map<string, Array<() => void>>();
    const active = new Set<string>();
    let maxParallel = 0;
    let overlapSameKey = false;
    const log: string[] = [];
    const c = new Controller({
      name: "t",
      clock,
      workers: 3,
      logger: memoryLogger(),
      reconcile: async (key) => {
        if (active.has(key)) overlapSameKey = true;
        active.add(key);
        maxParallel = Math.max(maxParallel, active.size);
        log.push(`start ${key}`);
        await new Promise<void>((r) => release.set(key, [...(release.get(key) ?? []), r]));
        active.delete(key);
        log.push(`end ${key}`);
      },
    });
    const ac = new AbortController();
    const running = c.run(ac.signal);
    c.enqueue("a");
    c.enqueue("b");
    await settle();
    c.enqueue("a"); // while a is being reconciled
    c.enqueue("a");
    await settle();
    expect(log).toEqual(["start a", "start b"]);
    expect(c.status().inFlight).toBe(2);
    release.get("a")!.shift()!();
    await settle();
    expect(log).toEqual(["start a", "start b", "end a", "start a"]);
    release.get("a")!.shift()!();
    release.get("b")!.shift()!();
    await settle();
    expect(log.filter((l) => l === "start a")).toHaveLength(2); // the two re-adds collapsed into one
    expect(overlapSameKey).toBe(false);
    expect(maxParallel).toBe(2);
    ac.abort();
    await running;
  });

  it("on abort stops taking keys, lets the reconciles in flight finish (they see the abort), then resolves", async () => {
    const clock = new FakeClock(0);
    const gate = deferred();
    const seen: string[] = [];
    let sawAbort = false;
    const c = new Controller({
      name: "t",
      clock,
      workers: 1,
      logger: memoryLogger(),
      reconcile: async (key, { signal }) => {
        seen.push(key);
        if (key === "slow") {
          await gate.promise;
          sawAbort = signal.aborted;
        }
      },
    });
    const ac = new AbortController();
    let resolved = false;
    const running = c.run(ac.signal).then(() => void (resolved = true));
    c.enqueue("slow");
    c.enqueue("queued");
    await settle();
    expect(seen).toEqual(["slow"]);
    ac.abort();
    await settle();
    expect(resolved).toBe(false); // the in-flight reconcile still runs
    expect(c.status()).toMatchObject({ phase: "stopping", inFlight: 1 });
    c.enqueue("late");
    expect(c.queue.shuttingDown()).toBe(true);
    gate.resolve();
    await running;
    expect(resolved).toBe(true);
    expect(sawAbort).toBe(true);
    expect(seen).toEqual(["slow"]); // neither the queued key nor the late one ran
    expect(c.status()).toMatchObject({ phase: "stopped", workers: 0, inFlight: 0 });
  });

  it("enqueueHandler: add/update/delete enqueue namespace/name, tombstones their key; options skip resyncs and deletes", () => {
    const c = new Controller({ name: "t", logger: memoryLogger(), reconcile: () => {} });
    const added: string[] = [];
    c.queue.add = (k: string) => void added.push(k);
    const h = c.enqueueHandler<Obj>();
    const a = { ...obj("a"), metadata: { ...obj("a").metadata, resourceVersion: "1" } };
    h.onAdd?.(a, true);
    h.onUpdate?.(a, a); // resync: enqueued by default
    h.onDelete?.({ tombstone: true, key: "ns/gone", object: obj("gone") });
    h.onAdd?.(obj("cluster-scoped", ""), false);
    expect(added).toEqual(["ns/a", "ns/a", "ns/gone", "cluster-scoped"]);

    added.length = 0;
    const quiet = c.enqueueHandler<Obj>({ skipResync: true, onDelete: false });
    quiet.onUpdate?.(a, a);
    quiet.onUpdate?.(a, { ...a, metadata: { ...a.metadata, resourceVersion: "2" } });
    expect(quiet.onDelete).toBeUndefined();
    expect(added).toEqual(["ns/a"]);
  });

  it("enqueueOwner: follows only the controller reference of the kind (and group), unwraps tombstones, skips resyncs, and enqueues both owners on a change", () => {
    const c = new Controller({ name: "t", logger: memoryLogger(), reconcile: () => {} });
    const added: string[] = [];
    c.queue.add = (k: string) => void added.push(k);
    const h = c.enqueueOwner<Obj>("Foo");
    const owned = (rv: string, owner = "foo1") => ({
      ...obj("dep", "ns", [fooRef("other", false), fooRef(owner)]),
      metadata: { ...obj("dep", "ns", [fooRef("other", false), fooRef(owner)]).metadata, resourceVersion: rv },
    });
    h.onAdd?.(owned("1"), false);
    h.onAdd?.(obj("no-owner"), false);
    h.onAdd?.(obj("not-controller", "ns", [fooRef("x", false)]), false);
    h.onAdd?.(obj("other-kind", "ns", [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "rs", uid: "u", controller: true }]), false);
    h.onUpdate?.(owned("1"), owned("1")); // resync: skipped
    h.onUpdate?.(owned("1"), owned("2", "foo2")); // owner changed: both
    h.onDelete?.({ tombstone: true, key: "ns/dep", object: owned("3", "foo3") });
    h.onDelete?.(owned("4", "foo4"));
    expect(added).toEqual(["ns/foo1", "ns/foo2", "ns/foo1", "ns/foo3", "ns/foo4"]);

    added.length = 0;
    const grouped = c.enqueueOwner<Obj>("Foo", { group: "samplecontroller.k8s.io" });
    grouped.onAdd?.(obj("d1", "ns", [fooRef("right")]), false);
    grouped.onAdd?.(obj("d2", "ns", [fooRef("wrong", true, "other.example.com/v1")]), false);
    grouped.onAdd?.(obj("d3", "", [fooRef("cluster")]), false);
    expect(added).toEqual(["ns/right", "cluster"]);
    expect(controllerOf(obj("d", "ns", [fooRef("x", false), fooRef("y")]))?.name).toBe("y");
    expect(controllerOf(obj("d"))).toBeUndefined();
  });

  it("feeds owner keys from a real informer into reconciles (sample-controller's Deployment handler)", async () => {
    const clock = new FakeClock(0);
    const lw = new FakeListerWatcher<Obj>();
    lw.add(obj("dep1", "ns", [fooRef("foo1")]));
    const inf = informerOver(lw, clock);
    const seen: string[] = [];
    const c = new Controller({ name: "t", clock, logger: memoryLogger(), informers: [inf], reconcile: (k) => void seen.push(k) });
    inf.addEventHandler(c.enqueueOwner<Obj>("Foo"));
    const ac = new AbortController();
    void inf.run(ac.signal);
    const running = c.run(ac.signal);
    await settle();
    expect(seen).toEqual(["ns/foo1"]);
    lw.delete("ns/dep1");
    await settle();
    expect(seen).toEqual(["ns/foo1", "ns/foo1"]);
    ac.abort();
    await running;
  });

  it("uses sample-controller's limiter by default: 5 ms doubling to 1000 s per key, 50 qps with burst 300 overall", async () => {
    const clock = new FakeClock(0);
    const rl = sampleControllerRateLimiter<string>({ clock });
    const delays = Array.from({ length: 5 }, () => rl.when("x"));
    expect(delays).toEqual([5, 10, 20, 40, 80]);
    for (let i = 0; i < 30; i++) rl.when("x");
    expect(rl.when("x")).toBe(1_000_000);
    rl.forget("x");
    expect(rl.numRequeues("x")).toBe(0);
    // the bucket: 36 tokens used above; 264 more distinct keys are free, then 20 ms apart (50 qps)
    for (let i = 0; i < 264; i++) expect(rl.when(`k${i}`)).toBe(5);
    expect(rl.when("k-next")).toBe(20);
    expect(rl.when("k-next2")).toBe(40);

    const c = new Controller({ name: "t", clock, logger: memoryLogger(), reconcile: () => {} });
    for (let i = 0; i < 300; i++) c.queue.addRateLimited(`k${i}`);
    c.queue.addRateLimited("over-burst");
    await clock.advance(5);
    expect(c.queue.len()).toBe(300); // client-go's default (burst 100) would hold 200 of them back
    await clock.advance(14);
    expect(c.queue.len()).toBe(300);
    await clock.advance(1); // the 301st token comes 20 ms later
    expect(c.queue.len()).toBe(301);
    expect(() => new Controller({ name: "t", workers: 0, reconcile: () => {} })).toThrow(RangeError);
  });
});
