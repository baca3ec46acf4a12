// SharedIndexInformer over a FakeListerWatcher and a FakeClock: handlers,
// tombstones, whole-swap relists, resync, waitForCacheSync, transform, frozen
// objects, indexers; and the InformerFactory base.
import { describe, expect, it } from "vitest";
import { FakeListerWatcher, FakeWatchStream, fakeApiError } from "../../../runtime/src/cache/fake-lister-watcher.js";
import {
  AwaitingInitialEventsWarning,
  INITIAL_EVENTS_END_ANNOTATION,
  InformerFactory,
  InformerStoppedError,
  isTombstone,
  MetadataListerWatcher,
  PARTIAL_OBJECT_METADATA_ACCEPT,
  PARTIAL_OBJECT_METADATA_LIST_ACCEPT,
  SharedIndexInformer,
  waitForCacheSync,
  type DeletedFinalStateUnknown,
  type ResourceEventHandler,
  type SharedIndexInformerOptions,
  type WatchHooks,
  stripManagedFields,
} from "../../../runtime/src/cache/index.js";
import type { WatchOptions } from "../../../runtime/src/meta/options.js";
import { isForbidden, isNotFound } from "../../../runtime/src/errors/api-error.js";
import { NetworkError } from "../../../runtime/src/errors/network-error.js";
import type { RequestSpec } from "../../../runtime/src/rest/build-request.js";
import type { RequestExecutor } from "../../../runtime/src/rest/resource-client.js";
import { FakeClock } from "../../../runtime/src/util/fake-clock.js";
import type { ManagedFieldsEntry } from "../../../runtime/src/meta/types.js";

interface CM {
  metadata: { name: string; namespace?: string; resourceVersion?: string; labels?: Record<string, string>; managedFields?: ManagedFieldsEntry[] };
  data?: Record<string, string>;
}
const cm = (name: string, v = "0", labels?: Record<string, string>): CM => ({
  metadata: { name, namespace: "ns", ...(labels ? { labels } : {}) },
  data: { v },
});

async function settle(rounds = 40): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setImmediate(r));
}

type Ev = string;
/** A handler that records `add a 0 initial`, `update a 0->1`, `delete b (tombstone)`. */
function recorder(log: Ev[] = []): ResourceEventHandler<CM> & { log: Ev[] } {
  return {
    log,
    onAdd: (o, initial) => void log.push(`add ${o.metadata.name} ${o.data?.v}${initial ? " initial" : ""}`),
    onUpdate: (a, b) => void log.push(a === b ? `resync ${b.metadata.name}` : `update ${b.metadata.name} ${a.data?.v}->${b.data?.v}`),
    onDelete: (o) =>
      void log.push(isTombstone(o) ? `delete ${o.key} (tombstone of v${o.object.data?.v})` : `delete ${o.metadata.name}`),
  };
}

function setup(options: Partial<SharedIndexInformerOptions<CM>> = {}, serverWatchList = true) {
  const lw = new FakeListerWatcher<CM>({ serverSupportsWatchList: serverWatchList });
  const clock = new FakeClock(1_000_000);
  const errors: unknown[] = [];
  const informer = new SharedIndexInformer<CM>(lw, {
    name: "configmaps",
    clock,
    random: () => 0.5,
    useWatchList: true,
    onWatchError: (e) => errors.push(e),
    ...options,
  });
  const ac = new AbortController();
  return { lw, clock, informer, errors, ac, run: () => informer.run(ac.signal) };
}

describe("SharedIndexInformer", () => {
  it("syncs, delivers events in order, marks initial adds, and swaps in relists with tombstones", async () => {
    const t = setup();
    t.lw.add(cm("a"));
    t.lw.add(cm("b"));
    t.lw.add(cm("c"));
    const h = recorder();
    const reg = t.informer.addEventHandler(h);
    const done = t.run();
    await t.informer.waitForCacheSync();
    await settle();
    expect(t.informer.hasSynced()).toBe(true);
    expect(reg.hasSynced()).toBe(true);
    expect(h.log.sort()).toEqual(["add a 0 initial", "add b 0 initial", "add c 0 initial"]);
    expect(t.informer.health()).toMatchObject({ state: "Watching", isWatching: true, synced: true, initialListPath: "watch-list" });

    h.log.length = 0;
    t.lw.add(cm("d"));
    t.lw.modify(cm("a", "1"));
    t.lw.delete("ns/d");
    await settle();
    expect(h.log).toEqual(["add d 0", "update a 0->1", "delete d"]);

    // the watch expires; b vanishes, c changes and e appears behind the 410 (the watch never reads them)
    h.log.length = 0;
    t.lw.breakWatches(fakeApiError(410, "Expired", "too old resource version"));
    t.lw.vanish("ns/b");
    t.lw.modify(cm("c", "2"));
    t.lw.add(cm("e"));
    await settle(); // a 410 relists at once: no backoff wait

    expect(h.log.sort()).toEqual(["add e 0", "delete ns/b (tombstone of v0)", "update c 0->2"]); // a unchanged: no event
    expect(t.informer.indexer.listKeys().sort()).toEqual(["ns/a", "ns/c", "ns/e"]);
    expect(t.informer.health().metrics.relists).toBe(1);
    expect(t.informer.lastSyncResourceVersion).toBe(String(t.lw.resourceVersion));
    t.ac.abort();
    await done;
    expect(t.informer.isStopped).toBe(true);
  });

  it("a relist swaps the cache whole: readers between list pages see the old state", async () => {
    const t = setup({ pageSize: 2, useWatchList: false });
    for (const n of ["a", "b", "c", "d", "e"]) t.lw.add(cm(n));
    const done = t.run();
    await t.informer.waitForCacheSync();
    await settle();
    const seenDuringRelist: string[][] = [];
    t.lw.beforeListPage = (o) => {
      if (o.continue) seenDuringRelist.push(t.informer.indexer.listKeys().sort());
    };
    t.lw.breakWatches(fakeApiError(410, "Expired", "too old"));
    t.lw.vanish("ns/a");
    t.lw.vanish("ns/b");
    t.lw.add(cm("f")); // behind the 410: only the relist sees it
    await settle(); // a 410 relists at once: no backoff wait

    const old = ["ns/a", "ns/b", "ns/c", "ns/d", "ns/e"];
    expect(seenDuringRelist).toEqual([old]); // 4 objects in pages of 2: one continue page
    expect(t.informer.indexer.listKeys().sort()).toEqual(["ns/c", "ns/d", "ns/e", "ns/f"]);
    t.ac.abort();
    await done;
  });

  it("a slow handler does not hold up others, and each handler sees events in order", async () => {
    const t = setup();
    t.lw.add(cm("a"));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slowLog: Ev[] = [];
    const slow = recorder(slowLog);
    const slowAdd = slow.onAdd!;
    slow.onAdd = async (o, i) => {
      slowAdd(o, i);
      await gate;
    };
    const fast = recorder();
    t.informer.addEventHandler(slow);
    t.informer.addEventHandler(fast);
    const done = t.run();
    await t.informer.waitForCacheSync();
    t.lw.modify(cm("a", "1"));
    t.lw.add(cm("b"));
    t.lw.modify(cm("a", "2"));
    t.lw.delete("ns/b");
    await settle();
    const expected = ["add a 0 initial", "update a 0->1", "add b 0", "update a 1->2", "delete b"];
    expect(fast.log).toEqual(expected);
    expect(slowLog).toEqual(["add a 0 initial"]); // stuck in its first call
    // its queue holds the four later events (plus the synced marker) and shows in health()
    expect(t.informer.health()).toMatchObject({ pendingNotifications: 5, largestHandlerQueue: 5 });
    release();
    await settle();
    expect(slowLog).toEqual(expected);
    expect(t.informer.health()).toMatchObject({ pendingNotifications: 0, largestHandlerQueue: 0 });
    t.ac.abort();
    await done;
  });

  it("a handler added after start first gets synthetic initial adds; a throwing handler does not stop delivery", async () => {
    const handlerErrors: unknown[] = [];
    const t = setup({ onHandlerError: (e) => handlerErrors.push(e) });
    t.lw.add(cm("a"));
    t.lw.add(cm("b"));
    const done = t.run();
    await t.informer.waitForCacheSync();
    const late = recorder();
    const reg = t.informer.addEventHandler(late);
    expect(reg.hasSynced()).toBe(false); // not yet delivered
    t.lw.add(cm("c"));
    await settle();
    expect(late.log.slice(0, 2).sort()).toEqual(["add a 0 initial", "add b 0 initial"]);
    expect(late.log[2]).toBe("add c 0");
    expect(reg.hasSynced()).toBe(true);

    const seen: string[] = [];
    t.informer.addEventHandler({
      onAdd: (o) => {
        seen.push(o.metadata.name);
        if (o.metadata.name === "d") throw new Error("boom");
      },
    });
    t.lw.add(cm("d"));
    t.lw.add(cm("e"));
    await settle();
    expect(seen.sort()).toEqual(["a", "b", "c", "d", "e"]);
    expect(handlerErrors).toHaveLength(1);
    expect((handlerErrors[0] as Error).message).toBe("boom");
    reg.remove();
    t.lw.add(cm("f"));
    await settle();
    expect(late.log.at(-1)).toBe("add e 0"); // removed handlers get nothing more
    expect(late.log).not.toContain("add f 0");
    t.ac.abort();
    await done;
    expect(() => t.informer.addEventHandler(recorder())).toThrow(/has stopped/);
  });

  it("resync replays the cache as onUpdate(obj, obj) to handlers whose period is due, without calling the server", async () => {
    const t = setup({ resyncPeriodMs: 30_000 });
    t.lw.add(cm("a"));
    t.lw.add(cm("b"));
    const every = recorder();
    const never = recorder();
    const slower = recorder();
    t.informer.addEventHandler(every);
    t.informer.addEventHandler(never, { resyncPeriodMs: 0 });
    t.informer.addEventHandler(slower, { resyncPeriodMs: 60_000 });
    const done = t.run();
    await t.informer.waitForCacheSync();
    await settle();
    const calls = [t.lw.listCalls.length, t.lw.watchCalls.length];
    for (const h of [every, never, slower]) h.log.length = 0;
    await t.clock.advance(30_000);
    await settle();
    expect(every.log.sort()).toEqual(["resync a", "resync b"]);
    expect(never.log).toEqual([]);
    expect(slower.log).toEqual([]);
    await t.clock.advance(30_000);
    await settle();
    expect(every.log).toHaveLength(4);
    expect(slower.log.sort()).toEqual(["resync a", "resync b"]);
    expect(never.log).toEqual([]);
    expect([t.lw.listCalls.length, t.lw.watchCalls.length]).toEqual(calls);
    t.ac.abort();
    await done;
  });

  it("waitForCacheSync rejects with the 403 cause at once, while the reflector keeps retrying and later syncs", async () => {
    const t = setup();
    const forbidden = fakeApiError(403, "Forbidden", 'configmaps is forbidden: User "x" cannot list resource "configmaps"');
    t.lw.failWatches(forbidden, 2);
    t.lw.failLists(forbidden, 2);
    t.lw.add(cm("a"));
    const done = t.run();
    const err = await t.informer.waitForCacheSync().catch((e: unknown) => e);
    expect(isForbidden(err)).toBe(true);
    expect(err).toBe(forbidden);
    expect(t.clock.now()).toBe(1_000_000); // rejected before any backoff elapsed
    expect(t.informer.syncError).toBe(forbidden);
    // a later waiter rejects immediately too
    await expect(t.informer.waitForCacheSync()).rejects.toBe(forbidden);
    // the reflector retries with backoff and succeeds once RBAC allows it
    await t.clock.advance(1200);
    await settle();
    expect(t.informer.hasSynced()).toBe(false);
    await t.clock.advance(2400);
    await settle();
    expect(t.informer.hasSynced()).toBe(true);
    await expect(t.informer.waitForCacheSync()).resolves.toBeUndefined();
    expect(t.informer.syncError).toBeUndefined();
    expect(t.lw.listCalls).toHaveLength(2);
    t.ac.abort();
    await done;
  });

  it("waitForCacheSync rejects with a 404 (resource not served) too", async () => {
    const t = setup({ useWatchList: false });
    t.lw.failLists(fakeApiError(404, "NotFound", "the server could not find the requested resource"), 10);
    const done = t.run();
    expect(isNotFound(await t.informer.waitForCacheSync().catch((e: unknown) => e))).toBe(true);
    t.ac.abort();
    await done;
  });

  it("waitForCacheSync keeps waiting through retryable errors (500, 429) and resolves after recovery", async () => {
    const t = setup({ useWatchList: false });
    t.lw.failLists(fakeApiError(500, "InternalError", "etcdserver: leader changed"));
    t.lw.failLists(fakeApiError(429, "TooManyRequests", "slow down"));
    t.lw.add(cm("a"));
    const done = t.run();
    let state = "pending";
    const waiting = t.informer.waitForCacheSync().then(
      () => (state = "resolved"),
      () => (state = "rejected"),
    );
    await settle();
    expect(t.errors).toHaveLength(1);
    expect(state).toBe("pending");
    await t.clock.advance(1200);
    await settle();
    expect(t.errors).toHaveLength(2);
    expect(state).toBe("pending");
    await t.clock.advance(2400);
    await waiting;
    expect(state).toBe("resolved");
    t.ac.abort();
    await done;
  });

  it("waitForCacheSync rejects on abort with the signal's reason, and when the informer stops first", async () => {
    const t = setup({ useWatchList: false });
    t.lw.failLists(fakeApiError(503, "ServiceUnavailable", "down"), 100);
    const done = t.run();
    const ac = new AbortController();
    const w = t.informer.waitForCacheSync(ac.signal);
    ac.abort(new Error("gave up"));
    await expect(w).rejects.toThrow("gave up");
    const w2 = t.informer.waitForCacheSync();
    t.ac.abort();
    await expect(w2).rejects.toBeInstanceOf(InformerStoppedError);
    await done;
  });

  it("transform (stripManagedFields) runs before storing; cached objects and tombstones are deep-frozen", async () => {
    const deletes: Array<CM | DeletedFinalStateUnknown<CM>> = [];
    const t = setup({ transform: stripManagedFields });
    const sent = Object.freeze({ ...cm("a"), metadata: Object.freeze({ ...cm("a").metadata, managedFields: [{ manager: "kubectl" }] }) });
    t.lw.add(sent);
    t.lw.add(cm("b"));
    t.informer.addEventHandler({ onDelete: (o) => void deletes.push(o) });
    const done = t.run();
    await t.informer.waitForCacheSync();
    const a = t.informer.indexer.get("ns/a")!;
    expect(Object.hasOwn(a.metadata, "managedFields")).toBe(false);
    expect(a.metadata).toMatchObject({ name: "a", namespace: "ns" });
    expect(sent.metadata.managedFields).toEqual([{ manager: "kubectl" }]); // the input is not changed
    const b = cm("b");
    expect(stripManagedFields(b)).toBe(b); // nothing to strip: no copy
    expect(Object.isFrozen(a)).toBe(true);
    expect(Object.isFrozen(a.data)).toBe(true);
    expect(() => {
      a.data!.v = "mutated";
    }).toThrow(TypeError);
    t.lw.breakWatches(fakeApiError(410, "Expired", "old"));
    t.lw.vanish("ns/b");
    await settle(); // a 410 relists at once
    expect(deletes).toHaveLength(1);
    expect(isTombstone(deletes[0]!)).toBe(true);
    expect(Object.isFrozen(deletes[0])).toBe(true);
    expect(() => t.informer.setTransform((o) => o)).toThrow(/already started/);
    t.ac.abort();
    await done;
  });

  it("the namespace index and user indexers work on the live cache", async () => {
    const t = setup({ indexers: { byApp: (o) => (o.metadata.labels?.app ? [o.metadata.labels.app] : []) } });
    t.lw.add(cm("a", "0", { app: "web" }));
    t.lw.add({ metadata: { name: "x", namespace: "other", labels: { app: "web" } } });
    const done = t.run();
    await t.informer.waitForCacheSync();
    expect(t.informer.indexer.indexKeys("byApp", "web").sort()).toEqual(["ns/a", "other/x"]);
    expect(t.informer.indexer.byIndex("namespace", "other").map((o) => o.metadata.name)).toEqual(["x"]);
    t.informer.addIndexers({ byV: (o) => [o.data?.v ?? "none"] });
    expect(t.informer.indexer.indexKeys("byV", "none")).toEqual(["other/x"]);
    t.lw.modify(cm("a", "0", { app: "api" }));
    await settle();
    expect(t.informer.indexer.indexKeys("byApp", "web")).toEqual(["other/x"]);
    t.ac.abort();
    await done;
  });
});

describe("SharedIndexInformer defaults", () => {
  it("syncs with a LIST at resourceVersion \"0\" (pages of 500) then a WATCH unless asked for a streaming list", async () => {
    const lw = new FakeListerWatcher<CM>();
    lw.add(cm("a"));
    const informer = new SharedIndexInformer<CM>(lw, { clock: new FakeClock(0), random: () => 0.5 });
    const ac = new AbortController();
    const done = informer.run(ac.signal);
    await informer.waitForCacheSync();
    await settle();
    expect(lw.listCalls).toEqual([{ resourceVersion: "0", limit: 500 }]);
    expect(lw.watchCalls).toHaveLength(1);
    expect(lw.watchCalls[0]).toMatchObject({ resourceVersion: "2", allowWatchBookmarks: true });
    expect(lw.watchCalls[0]!.sendInitialEvents).toBeUndefined();
    expect(informer.health()).toMatchObject({ initialListPath: "list", state: "Watching" });
    ac.abort();
    await done;
  });
});

describe("SharedIndexInformer health and warnings", () => {
  it("says Connecting (not Watching) while a re-watch has no answer, with the last error, and Watching once the server answers", async () => {
    const t = setup();
    t.lw.add(cm("a"));
    const h = recorder();
    t.informer.addEventHandler(h);
    const done = t.run();
    await t.informer.waitForCacheSync();
    await settle();
    expect(t.informer.health()).toMatchObject({ state: "Watching", isWatching: true, reconnecting: false });
    t.lw.modify(cm("a", "1"));
    await settle();

    // the API server goes away: the watch ends quietly, the re-watch gets no answer (the transport retries)
    const refused = new NetworkError("GET https://x: connect ECONNREFUSED", { method: "GET", url: "https://x", code: "ECONNREFUSED", cause: new Error("refused") });
    t.lw.disconnect(refused);
    await settle();
    expect(t.lw.watchCalls).toHaveLength(2);
    expect(t.informer.health()).toMatchObject({ state: "Connecting", isWatching: false, reconnecting: true, synced: true });
    expect(t.informer.health().lastError).toBeUndefined(); // nothing failed yet: the transport is still retrying

    // the transport gives up: reported, back off, try again (still no answer)
    t.lw.breakWatches(refused);
    await settle();
    expect(t.informer.health()).toMatchObject({ state: "BackingOff", isWatching: false, reconnecting: true, lastError: refused });
    await t.clock.advance(1200);
    await settle();
    expect(t.lw.watchCalls).toHaveLength(3);
    expect(t.informer.health()).toMatchObject({ state: "Connecting", isWatching: false, reconnecting: true, lastError: refused });
    expect(t.errors).toEqual([refused]);

    // a change made while we could not watch arrives once the server answers
    t.lw.modify(cm("a", "2"));
    t.lw.reconnect();
    await settle();
    expect(t.informer.health()).toMatchObject({ state: "Watching", isWatching: true, reconnecting: false });
    expect(h.log.slice(1)).toEqual(["update a 0->1", "update a 1->2"]);
    expect(t.lw.listCalls).toHaveLength(0); // re-watched from the last resourceVersion, no relist
    t.ac.abort();
    await done;
    expect(t.informer.health()).toMatchObject({ state: "Stopped", isWatching: false, reconnecting: false });
  });

  it("warns every 10 s through the watch error handler while a streaming list waits for its initial-events-end bookmark", async () => {
    let stream: FakeWatchStream<CM> | undefined;
    const lw = {
      list: () => Promise.reject(new Error("no list expected")),
      watch: (o: WatchOptions, hooks?: WatchHooks) => {
        stream = new FakeWatchStream<CM>(o, hooks);
        stream.answer();
        return stream;
      },
    };
    const clock = new FakeClock(1_000_000);
    const reported: unknown[] = [];
    const informer = new SharedIndexInformer<CM>(lw, { name: "configmaps", clock, random: () => 0.5, useWatchList: true, onWatchError: (e) => reported.push(e) });
    const ac = new AbortController();
    const done = informer.run(ac.signal);
    let synced = false;
    void informer.waitForCacheSync().then(() => (synced = true));
    await settle();
    stream!.send({ type: "ADDED", object: { ...cm("a"), metadata: { ...cm("a").metadata, resourceVersion: "5" } } });
    stream!.send({ type: "ADDED", object: { ...cm("b"), metadata: { ...cm("b").metadata, resourceVersion: "6" } } });
    await settle();
    await t_advance(clock, 9_999);
    expect(reported).toEqual([]);
    await t_advance(clock, 1);
    expect(reported).toHaveLength(1);
    const w = reported[0] as AwaitingInitialEventsWarning;
    expect(w).toBeInstanceOf(AwaitingInitialEventsWarning);
    expect(w).toMatchObject({ waitedMs: 10_000, received: 2, reflector: "configmaps" });
    expect(w.message).toMatch(/waiting for its initial-events-end bookmark after 10 s \(2 initial events/);
    await t_advance(clock, 10_000);
    expect(reported.map((e) => (e as AwaitingInitialEventsWarning).waitedMs)).toEqual([10_000, 20_000]);
    // a warning is not an error: no error counted, waiters not rejected
    expect(informer.health()).toMatchObject({ state: "WatchListing", synced: false, lastError: undefined });
    expect(informer.health().metrics.errors).toBe(0);
    expect(informer.syncError).toBeUndefined();
    expect(synced).toBe(false);

    stream!.send({ type: "BOOKMARK", object: { metadata: { resourceVersion: "7", annotations: { [INITIAL_EVENTS_END_ANNOTATION]: "true" } } } as unknown as CM });
    await settle();
    expect(synced).toBe(true);
    expect(informer.indexer.size).toBe(2);
    await t_advance(clock, 60_000);
    expect(reported).toHaveLength(2); // the timer stopped with the bookmark
    ac.abort();
    await done;
  });
});

async function t_advance(clock: FakeClock, ms: number): Promise<void> {
  await clock.advance(ms);
  await settle();
}

describe("InformerFactory", () => {
  it("one informer per key, namespace and tweak applied, start idempotent, late informers started, shutdown waits", async () => {
    const clock = new FakeClock();
    const sources = new Map<string, FakeListerWatcher<CM>>();
    const namespaces: Array<string | undefined> = [];
    const factory = new InformerFactory({
      namespace: "ns",
      tweakListOptions: (o) => {
        o.labelSelector = "team=a";
      },
      resyncPeriodMs: 10_000,
      customResyncMs: { "core/v1/secrets": 20_000 },
      informerOptions: { clock, random: () => 0.5 },
    });
    const source = (key: string) => (ns: string | undefined) => {
      namespaces.push(ns);
      const lw = new FakeListerWatcher<CM>();
      lw.add(cm(`${key}-1`));
      sources.set(key, lw);
      return lw;
    };
    const cms = factory.informerForResource<CM>("core/v1/configmaps", source("cm"));
    expect(factory.informerForResource<CM>("core/v1/configmaps", source("cm2"))).toBe(cms);
    const nodes = factory.informerForResource<CM>("core/v1/nodes", source("node"), { namespaced: false });
    expect(namespaces).toEqual(["ns", undefined]);
    expect(factory.keys()).toEqual(["core/v1/configmaps", "core/v1/nodes"]);

    const ac = new AbortController();
    factory.start(ac.signal);
    factory.start(ac.signal);
    await factory.waitForCacheSync();
    expect(cms.hasSynced() && nodes.hasSynced()).toBe(true);
    expect(sources.get("cm")!.watchCalls).toHaveLength(1); // started once
    expect(sources.get("cm")!.watchCalls[0]!.labelSelector).toBe("team=a");

    const secrets = factory.informerForResource<CM>("core/v1/secrets", source("secret"));
    expect(secrets.isStarted).toBe(true);
    await factory.waitForCacheSync();
    expect(secrets.indexer.listKeys()).toEqual(["ns/secret-1"]);

    // resync: configmaps every 10 s, secrets every 20 s (custom)
    const cmLog = recorder();
    const secretLog = recorder();
    cms.addEventHandler(cmLog);
    secrets.addEventHandler(secretLog);
    await settle();
    cmLog.log.length = 0;
    secretLog.log.length = 0;
    await clock.advance(10_000);
    await settle();
    expect(cmLog.log).toEqual(["resync cm-1"]);
    expect(secretLog.log).toEqual([]);

    await factory.shutdown();
    expect([cms, nodes, secrets].every((i) => i.isStopped)).toBe(true);
    expect(sources.get("cm")!.openWatches).toHaveLength(0);
    factory.start();
    const after = factory.informerForResource<CM>("core/v1/pods", source("pod"));
    expect(after.isStarted).toBe(false);
  });

  it("waitForCacheSync rejects with the first informer's cause", async () => {
    const factory = new InformerFactory({ informerOptions: { clock: new FakeClock(), useWatchList: false } });
    factory.informerForResource<CM>("a", () => {
      const lw = new FakeListerWatcher<CM>();
      lw.failLists(fakeApiError(403, "Forbidden", "nope"), 5);
      return lw;
    });
    factory.informerForResource<CM>("b", () => new FakeListerWatcher<CM>());
    factory.start();
    expect(isForbidden(await factory.waitForCacheSync().catch((e: unknown) => e))).toBe(true);
    await factory.shutdown();
  });

  it("runs thirty informers on its one signal without a listener-leak warning", async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => void warnings.push(w);
    process.on("warning", onWarning);
    try {
      const factory = new InformerFactory({ informerOptions: { clock: new FakeClock(), useWatchList: false } });
      for (let i = 0; i < 30; i++) factory.informerForResource<CM>(`r${i}`, () => new FakeListerWatcher<CM>());
      factory.start();
      await factory.waitForCacheSync();
      await factory.shutdown();
      await settle();
      expect(warnings.filter((w) => w.name === "MaxListenersExceededWarning")).toEqual([]);
    } finally {
      process.off("warning", onWarning);
    }
  });

  it("waitForCacheSync() helper waits for several informers", async () => {
    const a = new SharedIndexInformer<CM>(new FakeListerWatcher<CM>(), { clock: new FakeClock() });
    const b = new SharedIndexInformer<CM>(new FakeListerWatcher<CM>(), { clock: new FakeClock() });
    const ac = new AbortController();
    const runs = [a.run(ac.signal), b.run(ac.signal)];
    await waitForCacheSync(undefined, a, b);
    expect(a.hasSynced() && b.hasSynced()).toBe(true);
    ac.abort();
    await Promise.all(runs);
  });

  it("metadata-only informers ask for PartialObjectMetadata lists and watch events", async () => {
    const specs: RequestSpec[] = [];
    const executor: RequestExecutor = {
      request: async <T>(spec: RequestSpec) => {
        specs.push(spec);
        return { kind: "PartialObjectMetadataList", metadata: { resourceVersion: "5" }, items: [] } as T;
      },
      watch: async function* <T>(spec: RequestSpec) {
        specs.push(spec);
        yield* [] as Array<{ type: "ADDED"; object: T }>;
      },
      stream: () => Promise.reject(new Error("unused")),
    };
    const lw = new MetadataListerWatcher(executor, { group: "apps", version: "v1", resource: "deployments" }, "ns");
    await lw.list({ limit: 500 });
    for await (const _ of lw.watch({ resourceVersion: "5" })) void _;
    expect(specs[0]).toMatchObject({ group: "apps", version: "v1", resource: "deployments", namespace: "ns", verb: "list", accept: PARTIAL_OBJECT_METADATA_LIST_ACCEPT });
    expect(specs[1]).toMatchObject({ verb: "watch", accept: PARTIAL_OBJECT_METADATA_ACCEPT, options: { resourceVersion: "5" } });
    expect(PARTIAL_OBJECT_METADATA_LIST_ACCEPT).toBe("application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1");
    expect(PARTIAL_OBJECT_METADATA_ACCEPT).toBe("application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1");

    const factory = new InformerFactory({ executor });
    const inf = factory.forResourceMetadata({ group: "apps", version: "v1", resource: "deployments" });
    expect(factory.keys()).toEqual(["metadata:apps/v1/deployments"]);
    expect(factory.forResourceMetadata({ group: "apps", version: "v1", resource: "deployments" })).toBe(inf);
    expect(() => new InformerFactory().forResource({ group: "", version: "v1", resource: "pods" })).toThrow(/no executor/);
  });
});
