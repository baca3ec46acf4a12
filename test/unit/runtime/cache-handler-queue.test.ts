// One handler's bounded queue: past maxQueuedNotifications, notifications for an object already
// queued merge with it (cache/coalesce.ts), so a handler that falls behind holds about one
// notification per object instead of one per event; below the limit every event is delivered;
// `Infinity` keeps client-go's unbounded queue. Checked on the merge rules as a table, on the
// listener with a property test (what the handler is told is always consistent with what it was
// told before, and it ends knowing exactly the cache), and on an informer under churn.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { coalesce } from "../../../runtime/src/cache/coalesce.js";
import { FakeListerWatcher } from "../../../runtime/src/cache/fake-lister-watcher.js";
import {
  DEFAULT_MAX_QUEUED_NOTIFICATIONS,
  HandlerListener,
  SharedIndexInformer,
  isTombstone,
  type DeletedFinalStateUnknown,
  type Notification,
} from "../../../runtime/src/cache/index.js";
import { FakeClock } from "../../../runtime/src/util/fake-clock.js";

interface Obj {
  metadata: { name: string; namespace: string; resourceVersion?: string };
  v: number;
}
const obj = (name: string, v: number): Obj => ({ metadata: { name, namespace: "ns" }, v });
const keyOf = (o: Obj | DeletedFinalStateUnknown<Obj>): string => (isTombstone(o) ? o.key : `ns/${o.metadata.name}`);

async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setImmediate(r));
}

describe("coalesce: the merge of a queued notification and a later one for the same object", () => {
  const a = obj("a", 1);
  const b = obj("a", 2);
  const add = (o: Obj, initial = false): Notification<Obj> => ({ type: "add", obj: o, initial });
  const update = (oldObj: Obj, newObj: Obj): Notification<Obj> => ({ type: "update", oldObj, newObj });
  const del = (o: Obj): Notification<Obj> => ({ type: "delete", obj: o });
  it.each<[string, Notification<Obj>, Notification<Obj>, Notification<Obj> | null | undefined]>([
    ["add, update: the add of the newer state (initial kept)", add(a, true), update(a, b), add(b, true)],
    ["add, delete: nothing (the handler never knew it)", add(a), del(b), null],
    ["update, update: from the oldest to the newest", update(obj("a", 0), a), update(a, b), update(obj("a", 0), b)],
    ["update, delete: the delete", update(obj("a", 0), a), del(b), del(b)],
    ["delete, add (re-created): both stay", del(a), add(b), undefined],
    ["update, add: both stay", update(a, a), add(b), undefined],
    ["delete, delete: both stay", del(a), del(b), undefined],
  ])("%s", (_, queued, next, want) => {
    expect(coalesce(queued, next)).toEqual(want);
  });
});

/** A listener whose handler blocks until `open()`, recording what it is told. */
function gatedListener(limit: number) {
  const told: Notification<Obj>[] = [];
  let open!: () => void;
  let gate = new Promise<void>((r) => (open = r));
  const tell = async (n: Notification<Obj>): Promise<void> => {
    told.push(n);
    await gate;
  };
  const listener = new HandlerListener<Obj>(
    {
      onAdd: (o, initial) => tell({ type: "add", obj: o, initial }),
      onUpdate: (oldObj, newObj) => tell({ type: "update", oldObj, newObj }),
      onDelete: (o) => tell({ type: "delete", obj: o }),
    },
    0,
    {
      onError: (err) => {
        throw err;
      },
      isInformerSynced: () => true,
      unregister: () => {},
      keyOf,
      maxQueuedNotifications: limit,
    },
  );
  return {
    listener,
    told,
    open: () => open(),
    close: () => void (gate = new Promise<void>((r) => (open = r))),
  };
}

/** Events of a random cache history: adds of absent keys, updates and deletes of present ones. */
type Op = { key: number; pause: boolean };
const histories = fc.record({
  limit: fc.integer({ min: 0, max: 6 }),
  ops: fc.array(fc.record({ key: fc.integer({ min: 0, max: 5 }), pause: fc.boolean() }), { maxLength: 120 }),
});

describe("HandlerListener: a bounded queue", () => {
  it("tells the handler only what follows from what it knew, and it ends knowing exactly the cache", async () => {
    await fc.assert(
      fc.asyncProperty(histories, async ({ limit, ops }: { limit: number; ops: Op[] }) => {
        const g = gatedListener(limit);
        const cache = new Map<string, Obj>();
        let v = 0;
        for (const { key, pause } of ops) {
          const name = `k${key}`;
          const prev = cache.get(`ns/${name}`);
          // present keys are updated or (every third op) deleted; absent ones are added
          if (prev === undefined) {
            const o = obj(name, ++v);
            cache.set(`ns/${name}`, o);
            g.listener.push({ type: "add", obj: o, initial: false });
          } else if (v % 3 === 0) {
            v++;
            cache.delete(`ns/${name}`);
            g.listener.push({ type: "delete", obj: prev });
          } else {
            const o = obj(name, ++v);
            cache.set(`ns/${name}`, o);
            g.listener.push({ type: "update", oldObj: prev, newObj: o });
          }
          // the handler sometimes gets a turn, sometimes stays stuck while events pile up
          if (!pause) {
            g.open();
            await settle(2);
            g.close();
          }
        }
        g.open();
        await g.listener.idle();
        // Replay what the handler was told: every add is of an object it did not know, every
        // update starts from the state it knew, every delete is of an object it knew.
        const known = new Map<string, Obj>();
        for (const n of g.told) {
          if (n.type === "add") {
            expect(known.has(keyOf(n.obj))).toBe(false);
            known.set(keyOf(n.obj), n.obj);
          } else if (n.type === "update") {
            expect(known.get(keyOf(n.newObj))).toBe(n.oldObj);
            known.set(keyOf(n.newObj), n.newObj);
          } else if (n.type === "delete") {
            expect(known.has(keyOf(n.obj))).toBe(true);
            known.delete(keyOf(n.obj));
          }
        }
        expect(known).toEqual(cache);
        expect(g.listener.pending).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it("a stuck handler holds at most the limit plus one notification per object, whatever the event count", () => {
    const g = gatedListener(100);
    for (let i = 0; i < 50_000; i++) {
      const name = `k${i % 500}`;
      g.listener.push(i < 500 ? { type: "add", obj: obj(name, i), initial: false } : { type: "update", oldObj: obj(name, i - 500), newObj: obj(name, i) });
    }
    expect(g.listener.pending).toBeLessThanOrEqual(100 + 500);
    expect(g.listener.coalesced).toBe(50_000 - g.listener.pending);
  });

  it("merges into the right notification after the queue's front was compacted away", async () => {
    // The handler takes 1,600 notifications at once, then blocks: by then the first 1,500 were
    // dropped from the queue's array while coalescing was on (positions shift by that much).
    const told: Notification<Obj>[] = [];
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const tell = async (n: Notification<Obj>): Promise<void> => {
      told.push(n);
      if (told.length >= 1_600) await gate;
    };
    const listener = new HandlerListener<Obj>(
      { onAdd: (o, initial) => tell({ type: "add", obj: o, initial }), onUpdate: (oldObj, newObj) => tell({ type: "update", oldObj, newObj }) },
      0,
      { onError: (err) => void expect.fail(String(err)), isInformerSynced: () => true, unregister: () => {}, keyOf, maxQueuedNotifications: 1_000 },
    );
    const first = Array.from({ length: 3_000 }, (_, i) => obj(`k${i}`, 0));
    for (const o of first) listener.push({ type: "add", obj: o, initial: false });
    await settle(40);
    expect(told).toHaveLength(1_600);
    for (let i = 2_000; i < 3_000; i++) listener.push({ type: "update", oldObj: first[i]!, newObj: obj(`k${i}`, 1) });
    expect(listener.coalesced).toBe(1_000);
    open();
    await listener.idle();
    expect(told).toHaveLength(3_000);
    expect(told.map((n) => (n.type === "add" ? `${n.obj.metadata.name}=${n.obj.v}` : n.type))).toEqual(
      first.map((o, i) => `${o.metadata.name}=${i >= 2_000 ? 1 : 0}`),
    );
  });

  it("below the limit every event is delivered, and Infinity never coalesces (client-go's unbounded queue)", async () => {
    for (const [limit, pending] of [
      [Infinity, 5_000],
      [DEFAULT_MAX_QUEUED_NOTIFICATIONS, 5_000],
    ] as const) {
      const g = gatedListener(limit);
      for (let i = 0; i < 5_000; i++) g.listener.push({ type: "update", oldObj: obj("a", i), newObj: obj("a", i + 1) });
      expect([g.listener.pending, g.listener.coalesced]).toEqual([pending, 0]);
      g.open();
      await g.listener.idle();
      expect(g.told).toHaveLength(5_000);
    }
  });
});

describe("SharedIndexInformer: handler queues under churn", () => {
  function churn(maxQueuedNotifications?: number) {
    const lw = new FakeListerWatcher<Obj>({ serverSupportsWatchList: true });
    const informer = new SharedIndexInformer<Obj>(lw, {
      name: "objs",
      clock: new FakeClock(1_000_000),
      random: () => 0.5,
      useWatchList: true,
      onWatchError: () => {},
      ...(maxQueuedNotifications === undefined ? {} : { maxQueuedNotifications }),
    });
    return { lw, informer };
  }

  it("a slow handler's queue stops growing with the events past the limit, the handler catches up on the latest state, and health() shows it", async () => {
    const { lw, informer } = churn(200);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const seen = new Map<string, number>();
    const see = async (o: Obj): Promise<void> => {
      seen.set(o.metadata.name, o.v);
      await gate;
    };
    informer.addEventHandler({
      onAdd: see,
      onUpdate: (_, o) => see(o),
      onDelete: (o) => void seen.delete(isTombstone(o) ? o.object.metadata.name : o.metadata.name),
    });
    const fast = new Map<string, number>();
    informer.addEventHandler({ onAdd: (o) => void fast.set(o.metadata.name, o.v), onUpdate: (_, o) => void fast.set(o.metadata.name, o.v) });
    const ac = new AbortController();
    const done = informer.run(ac.signal);
    await informer.waitForCacheSync();
    for (let i = 0; i < 50; i++) lw.add(obj(`o${i}`, 0));
    for (let round = 1; round <= 100; round++) {
      for (let i = 0; i < 50; i++) lw.modify(obj(`o${i}`, round));
      await settle(1);
    }
    await settle();
    const h = informer.health();
    // 5,050 events reached the cache; the stuck handler holds at most its limit plus one per object
    expect(h.largestHandlerQueue).toBeLessThanOrEqual(200 + 50);
    expect(h.coalescedNotifications).toBeGreaterThan(4_000);
    release();
    await settle(60);
    expect(informer.health().pendingNotifications).toBe(0);
    const want = new Map(informer.indexer.list().map((o) => [o.metadata.name, o.v]));
    expect(seen).toEqual(want);
    expect(fast).toEqual(want); // the other handler kept up and got every event
    ac.abort();
    await done;
  });

  it("rejects a limit that is not a whole number from 0 or Infinity", () => {
    const { informer } = churn();
    expect(() => informer.addEventHandler({}, { maxQueuedNotifications: -1 })).toThrow(RangeError);
    expect(() => informer.addEventHandler({}, { maxQueuedNotifications: 1.5 })).toThrow(RangeError);
    expect(() => informer.addEventHandler({}, { maxQueuedNotifications: Infinity })).not.toThrow();
  });
});
