// RetryWatcher, waitFor and untilWithSync over a scripted FakeListerWatcher
// and a FakeClock: resume points (events and bookmarks), backoff after a
// broken stream, the 410 relist and its synthetic diff, client-go's stop on
// 410 when relisting is off, aborts, fatal errors; waiting on caches and streams.
import { describe, expect, it } from "vitest";
import { FakeListerWatcher, fakeApiError } from "../../../runtime/src/cache/fake-lister-watcher.js";
import { SharedIndexInformer } from "../../../runtime/src/cache/shared-informer.js";
import {
  RetryWatcher,
  WaitTimeoutError,
  WatchClosedError,
  untilWithSync,
  waitFor,
  type RetryWatchEvent,
} from "../../../runtime/src/helpers/index.js";
import { isResourceExpired } from "../../../runtime/src/errors/api-error.js";
import { FakeClock } from "../../../runtime/src/util/fake-clock.js";
import type { WatchEvent } from "../../../runtime/src/watch/decoder.js";

interface CM {
  metadata: { name: string; namespace?: string; resourceVersion?: string };
  data?: Record<string, string>;
}
const cm = (name: string, v = "0"): CM => ({ metadata: { name, namespace: "ns" }, data: { v } });

async function settle(rounds = 30): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setImmediate(r));
}

/** Polls `cond` (bounded), letting the fakes run in between. */
async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (cond()) return;
    await settle(5);
  }
  throw new Error(`never happened: ${what}`);
}

function collect<T>(source: AsyncIterable<T>): { events: T[]; done: Promise<unknown> } {
  const events: T[] = [];
  const done = (async () => {
    for await (const e of source) events.push(e);
  })().then(
    () => "ended",
    (e: unknown) => e,
  );
  return { events, done };
}

const show = (e: RetryWatchEvent<CM>): string =>
  `${e.type} ${e.type === "BOOKMARK" ? e.object.metadata.resourceVersion : `${e.object.metadata.name}=${e.object.data?.v}`}${e.synthetic ? " (synthetic)" : ""}`;

describe("RetryWatcher", () => {
  it("resumes from the last event or bookmark, backs off after a broken stream, relists on 410 with a synthetic diff", async () => {
    const clock = new FakeClock();
    const lw = new FakeListerWatcher<CM>();
    lw.add(cm("a"));
    const start = String(lw.resourceVersion);
    const errors: unknown[] = [];
    const w = new RetryWatcher(lw, { resourceVersion: start, clock, random: () => 0, onError: (e) => errors.push(e) });
    const { events } = collect(w);
    await until(() => lw.openWatches.length === 1, "first watch");
    expect(lw.watchCalls[0]).toMatchObject({ resourceVersion: start, allowWatchBookmarks: true });

    const b = lw.add(cm("b"));
    await until(() => events.length === 1, "ADDED b");
    lw.endWatches(); // a normal close (timeoutSeconds): re-watch at once from b
    await until(() => lw.watchCalls.length === 2, "second watch");
    expect(lw.watchCalls[1]!.resourceVersion).toBe(b.metadata.resourceVersion);

    lw.modify({ ...cm("b", "1") });
    lw.vanish("ns/a"); // moves the resourceVersion without an event
    lw.bookmark();
    const bookmarkRv = String(lw.resourceVersion);
    await until(() => events.length === 3, "MODIFIED b and the bookmark");
    expect(w.resourceVersion).toBe(bookmarkRv);
    lw.endWatches();
    await until(() => lw.watchCalls.length === 3, "third watch");
    expect(lw.watchCalls[2]!.resourceVersion).toBe(bookmarkRv); // the bookmark is the resume point

    const c = lw.add(cm("c"));
    await until(() => events.length === 4, "ADDED c");
    lw.breakWatches(new Error("socket hang up"));
    await until(() => w.state.kind === "BackingOff", "backing off");
    expect(lw.watchCalls).toHaveLength(3);
    // while nobody watches: changes, then the history is compacted away
    lw.delete("ns/b");
    lw.add(cm("d"));
    lw.modify({ ...cm("c", "2") });
    lw.compact();
    const relistRv = String(lw.resourceVersion);
    await clock.advance(1000); // the 800 ms backoff
    await until(() => w.metrics.relists === 1 && w.state.kind === "Watching", "relist after 410");
    expect(lw.watchCalls[3]!.resourceVersion).toBe(c.metadata.resourceVersion);
    expect(errors.some(isResourceExpired)).toBe(true);
    lw.add(cm("e"));
    await until(() => events.length === 8, "the diff and ADDED e");
    expect(events.map(show)).toEqual([
      "ADDED b=0",
      "MODIFIED b=1",
      `BOOKMARK ${bookmarkRv}`,
      "ADDED c=0",
      "MODIFIED c=2 (synthetic)", // in the list's order
      "ADDED d=0 (synthetic)",
      "DELETED b=1 (synthetic)", // the last state delivered
      "ADDED e=0",
    ]);
    expect(lw.watchCalls[4]!.resourceVersion).toBe(relistRv); // the watch goes on from the relist
    expect(lw.listCalls[0]).toMatchObject({ resourceVersion: "", limit: 500 });
  });

  it("with no resourceVersion lists first (paged) and emits every object as a synthetic ADDED", async () => {
    const lw = new FakeListerWatcher<CM>();
    for (const n of ["a", "b", "c"]) lw.add(cm(n));
    const listRv = String(lw.resourceVersion);
    const ac = new AbortController();
    const w = new RetryWatcher(lw, { signal: ac.signal, pageSize: 2, clock: new FakeClock() });
    const { events, done } = collect(w);
    await until(() => lw.openWatches.length === 1, "watch after the list");
    expect(lw.listCalls.map((o) => o.continue ?? "")).toHaveLength(2);
    expect(lw.watchCalls[0]!.resourceVersion).toBe(listRv);
    expect(events.map(show)).toEqual(["ADDED a=0 (synthetic)", "ADDED b=0 (synthetic)", "ADDED c=0 (synthetic)"]);
    ac.abort();
    expect(await done).toBe("ended"); // an abort ends the iteration quietly
    await until(() => lw.openWatches.length === 0, "watch closed");
    expect(w.state.kind).toBe("Stopped");
  });

  it("relistOnExpired: false ends with the 410, as client-go's RetryWatcher", async () => {
    const lw = new FakeListerWatcher<CM>();
    lw.add(cm("a"));
    const old = String(lw.resourceVersion);
    lw.add(cm("b"));
    lw.compact();
    const { done } = collect(new RetryWatcher(lw, { resourceVersion: old, relistOnExpired: false, clock: new FakeClock() }));
    expect(isResourceExpired(await done)).toBe(true);
    expect(lw.listCalls).toHaveLength(0);
  });

  it("a 403 ends the iteration; a consumer that breaks out closes the watch", async () => {
    const lw = new FakeListerWatcher<CM>();
    lw.failWatches(fakeApiError(403, "Forbidden"));
    const { done } = collect(new RetryWatcher(lw, { resourceVersion: "1", clock: new FakeClock() }));
    expect((await done as { code?: number }).code).toBe(403);

    const lw2 = new FakeListerWatcher<CM>();
    const w = new RetryWatcher(lw2, { resourceVersion: "1", clock: new FakeClock() });
    const loop = (async () => {
      for await (const e of w) if (e.type === "ADDED") break;
    })();
    await until(() => lw2.openWatches.length === 1, "watch open");
    lw2.add(cm("x"));
    await loop;
    await until(() => lw2.openWatches.length === 0, "watch closed after break");
    expect(() => w[Symbol.asyncIterator]()).toThrow(/only once/);
  });

  it("a watch that closes at once without events backs off instead of spinning", async () => {
    const clock = new FakeClock();
    const lw = new FakeListerWatcher<CM>();
    const errors: unknown[] = [];
    const ac = new AbortController();
    collect(new RetryWatcher(lw, { resourceVersion: "1", clock, random: () => 0, signal: ac.signal, onError: (e) => errors.push(e) }));
    await until(() => lw.openWatches.length === 1, "watch open");
    lw.endWatches();
    await until(() => errors.length === 1, "very short watch reported");
    await settle();
    expect(lw.watchCalls).toHaveLength(1);
    await clock.advance(800);
    await until(() => lw.watchCalls.length === 2, "re-watch after the backoff");
    ac.abort();
  });
});

describe("waitFor and untilWithSync", () => {
  it("over an informer: the cache first, then changes; a timeout rejects with WaitTimeoutError", async () => {
    const lw = new FakeListerWatcher<CM>();
    lw.add(cm("a", "ready"));
    lw.add(cm("b"));
    const informer = new SharedIndexInformer<CM>(lw, { clock: new FakeClock() });
    const ac = new AbortController();
    const run = informer.run(ac.signal);
    await informer.waitForCacheSync();
    const cached = await waitFor(informer, (o) => o.data?.v === "ready");
    expect(cached.metadata.name).toBe("a");

    const seen: string[] = [];
    const later = waitFor(informer, (o, type) => {
      seen.push(`${type} ${o.metadata.name}`);
      return o.metadata.name === "b" && o.data?.v === "ready";
    });
    await until(() => seen.length === 2, "replay of the cache");
    lw.modify(cm("b", "ready"));
    expect((await later).data?.v).toBe("ready");
    expect(seen).toEqual(["ADDED a", "ADDED b", "MODIFIED b"]);

    const clock = new FakeClock();
    let calls = 0;
    const never = waitFor(informer, () => (calls++, false), { timeoutMs: 5000, clock });
    never.catch(() => undefined);
    await until(() => calls === 2, "replay");
    await clock.advance(5000);
    await expect(never).rejects.toBeInstanceOf(WaitTimeoutError);
    lw.modify(cm("a", "x"));
    await settle();
    expect(calls).toBe(2); // the handler was removed
    ac.abort();
    await run;
  });

  it("over a watch stream: resolves on a match and closes the stream; a stream that ends rejects", async () => {
    let closed = false;
    async function* stream(events: WatchEvent<CM>[], hang: boolean): AsyncGenerator<WatchEvent<CM>> {
      try {
        yield* events;
        if (hang) await new Promise(() => undefined);
      } finally {
        closed = true;
      }
    }
    const hit = await waitFor(stream([{ type: "BOOKMARK", object: cm("bm") }, { type: "ADDED", object: cm("a") }, { type: "MODIFIED", object: cm("a", "1") }], false), (o, t) => t === "MODIFIED");
    expect(hit.data?.v).toBe("1");
    await until(() => closed, "stream closed");
    await expect(waitFor(stream([{ type: "ADDED", object: cm("a") }], false), () => false)).rejects.toBeInstanceOf(WatchClosedError);
    const ac = new AbortController();
    const pending = waitFor(stream([], true), () => false, { signal: ac.signal });
    ac.abort(new Error("bye"));
    await expect(pending).rejects.toThrow("bye");
    await expect(waitFor(stream([{ type: "ADDED", object: cm("a") }], false), () => { throw new Error("bad condition"); })).rejects.toThrow("bad condition");
  });

  it("untilWithSync: conditions in order over the initial list and the events; a precondition can end it at once", async () => {
    const lw = new FakeListerWatcher<CM>();
    lw.add(cm("a", "1"));
    const p = untilWithSync<CM>(lw, [
      (ev) => ev.type === "ADDED" && ev.object.metadata.name === "a", // met by the initial list
      (ev) => ev.object.data?.v === "1", // met by the same event
      (ev) => ev.type === "DELETED",
    ], { informer: { clock: new FakeClock() } });
    await until(() => lw.openWatches.length === 1, "informer watching");
    lw.modify(cm("a", "2"));
    lw.delete("ns/a");
    const ev = await p;
    expect(ev?.type).toBe("DELETED");
    await until(() => lw.openWatches.length === 0, "informer stopped");

    lw.add(cm("b"));
    const pre = await untilWithSync<CM>(lw, () => false, { precondition: (store) => store.list().length === 1, informer: { clock: new FakeClock() } });
    expect(pre).toBeUndefined();
    const clock = new FakeClock();
    const timed = untilWithSync<CM>(lw, () => false, { timeoutMs: 100, clock, informer: { clock: new FakeClock() } });
    timed.catch(() => undefined);
    await settle();
    await clock.advance(100);
    await expect(timed).rejects.toBeInstanceOf(WaitTimeoutError);
  });
});
