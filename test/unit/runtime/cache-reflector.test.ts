// Reflector state machine over a scripted FakeListerWatcher and a FakeClock:
// streaming list, fallback to list+watch, resourceVersion rules, paging,
// 410 relists, re-watch without relist, backoff schedule.
import { describe, expect, it } from "vitest";
import { FakeListerWatcher, fakeApiError } from "../../../runtime/src/cache/fake-lister-watcher.js";
import { Reflector, type ReflectorState, type ReflectorStore } from "../../../runtime/src/cache/index.js";
import { NetworkError } from "../../../runtime/src/errors/network-error.js";
import { isResourceExpired } from "../../../runtime/src/errors/api-error.js";
import { FakeClock } from "../../../runtime/src/util/fake-clock.js";
import type { WatchOptions } from "../../../runtime/src/meta/options.js";

interface CM {
  metadata: { name: string; namespace?: string; resourceVersion?: string };
  data?: Record<string, string>;
}
const cm = (name: string, v = "0"): CM => ({ metadata: { name, namespace: "ns" }, data: { v } });

/** Lets promise chains and the fake streams run (no wall-clock time involved). */
async function settle(rounds = 30): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setImmediate(r));
}

class RecordingStore implements ReflectorStore<CM> {
  ops: string[] = [];
  replace(items: CM[], rv: string): void {
    this.ops.push(`replace[${items.map((i) => i.metadata.name).sort().join(",")}]@${rv}`);
  }
  add(o: CM): void {
    this.ops.push(`add ${o.metadata.name}`);
  }
  update(o: CM): void {
    this.ops.push(`update ${o.metadata.name}`);
  }
  delete(o: CM): void {
    this.ops.push(`delete ${o.metadata.name}`);
  }
  bookmark(rv: string): void {
    this.ops.push(`bookmark ${rv}`);
  }
}

function setup(opts: { watchList?: boolean; serverWatchList?: boolean; pageSize?: number } = {}) {
  const lw = new FakeListerWatcher<CM>({ serverSupportsWatchList: opts.serverWatchList ?? true });
  const clock = new FakeClock(1_000_000);
  const store = new RecordingStore();
  const states: ReflectorState[] = [];
  const errors: unknown[] = [];
  const r = new Reflector<CM>(lw, store, {
    name: "configmaps",
    clock,
    random: () => 0.5,
    useWatchList: opts.watchList ?? true,
    ...(opts.pageSize !== undefined ? { pageSize: opts.pageSize } : {}),
    onStateChange: (s) => states.push(s),
    onError: (e) => errors.push(e),
  });
  const ac = new AbortController();
  const run = () => r.run(ac.signal);
  return { lw, clock, store, states, errors, r, ac, run };
}

describe("Reflector", () => {
  it("streaming list: one watch with sendInitialEvents, a snapshot at the bookmark, then the same stream goes on", async () => {
    const t = setup();
    t.lw.add(cm("a"));
    t.lw.add(cm("b"));
    const done = t.run();
    await settle();
    expect(t.states).toEqual(["WatchListing", "Watching"]);
    expect(t.lw.listCalls).toEqual([]);
    expect(t.lw.watchCalls).toHaveLength(1);
    const w = t.lw.watchCalls[0]!;
    expect(w).toMatchObject({ sendInitialEvents: true, resourceVersionMatch: "NotOlderThan", allowWatchBookmarks: true, resourceVersion: "" });
    expect(w.timeoutSeconds).toBe(450); // 300 * (1 + 0.5)
    expect(t.store.ops).toEqual(["replace[a,b]@3"]);
    expect(t.r.initialListPath).toBe("watch-list");
    expect(t.r.lastSyncResourceVersion).toBe("3");

    t.lw.add(cm("c"));
    t.lw.modify(cm("a", "1"));
    t.lw.delete("ns/b");
    t.lw.bookmark();
    await settle();
    expect(t.store.ops.slice(1)).toEqual(["add c", "update a", "delete b", "bookmark 6"]);
    expect(t.r.lastSyncResourceVersion).toBe("6");
    expect(t.lw.watchCalls).toHaveLength(1); // same stream
    expect(t.r.metrics).toMatchObject({ watchLists: 1, lists: 0, bookmarks: 2, events: 3, relists: 0 });
    t.ac.abort();
    await done;
    expect(t.r.state).toBe("Stopped");
    expect(t.lw.openWatches).toHaveLength(0);
  });

  it("falls back to a paginated list when the server refuses streaming lists, and remembers", async () => {
    const t = setup({ serverWatchList: false, pageSize: 2 });
    for (const n of ["a", "b", "c", "d", "e"]) t.lw.add(cm(n));
    const done = t.run();
    await settle();
    expect(t.states).toEqual(["WatchListing", "Listing", "Watching"]);
    expect(t.r.metrics.watchListFallbacks).toBe(1);
    expect(t.r.usesWatchList).toBe(false);
    expect(t.r.initialListPath).toBe("list");
    // client-go relistResourceVersion "0" on the first list, pages of pageSize
    expect(t.lw.listCalls).toEqual([
      { resourceVersion: "0", limit: 2 },
      { limit: 2, continue: "6:2" },
      { limit: 2, continue: "6:4" },
    ]);
    expect(t.store.ops).toEqual(["replace[a,b,c,d,e]@6"]);
    expect(t.lw.watchCalls[1]).toMatchObject({ resourceVersion: "6", allowWatchBookmarks: true });
    expect(t.lw.watchCalls[1]!.sendInitialEvents).toBeUndefined();

    // a 410 on the watch: relist at once, no backoff (classic list: the refusal was remembered)
    t.lw.breakWatches(fakeApiError(410, "Expired", "too old resource version"));
    await settle();
    expect(isResourceExpired(t.errors.at(-1))).toBe(true);
    expect(t.states.slice(3)).toEqual(["Listing", "Watching"]);
    // a relist asks for the last synced RV; the RV=0 list came back paginated, so paging stays on (client-go rule)
    expect(t.lw.listCalls[3]).toEqual({ resourceVersion: "6", resourceVersionMatch: "NotOlderThan", limit: 2 });
    expect(t.r.metrics).toMatchObject({ lists: 2, relists: 1, expired: 1 });
    t.ac.abort();
    await done;
  });

  it("a list answered 410 Expired relists at once from the current state (resourceVersion \"\")", async () => {
    const t = setup({ watchList: false });
    t.lw.add(cm("a"));
    const done = t.run();
    await settle();
    t.lw.breakWatches(fakeApiError(410, "Expired", "too old"));
    t.lw.failLists(fakeApiError(410, "Expired", "too old"));
    await settle();
    await t.clock.advance(1200);
    await settle();
    expect(t.lw.listCalls.map((c) => c.resourceVersion)).toEqual(["0", "2", ""]);
    // the relist at the last RV is unpaginated (the watch cache serves it whole); the one at "" pages again
    expect(t.lw.listCalls[1]).toEqual({ resourceVersion: "2", resourceVersionMatch: "NotOlderThan" });
    expect(t.lw.listCalls[2]).toEqual({ resourceVersion: "", limit: 500 });
    expect(t.states.filter((s) => s === "BackingOff")).toHaveLength(0); // no backoff after the 410, nor between the two lists
    expect(t.r.state).toBe("Watching");
    t.ac.abort();
    await done;
  });

  it("a watch the server closes is restarted at once from the last resourceVersion, without a relist", async () => {
    const t = setup({ watchList: false });
    t.lw.add(cm("a"));
    const done = t.run();
    await settle();
    t.lw.modify(cm("a", "1"));
    await settle();
    await t.clock.advance(5000);
    t.lw.endWatches();
    await settle();
    expect(t.lw.listCalls).toHaveLength(1);
    expect(t.lw.watchCalls).toHaveLength(2);
    expect(t.lw.watchCalls[1]).toMatchObject({ resourceVersion: "3" });
    expect(t.r.metrics.backoffs).toBe(0);
    expect(t.r.state).toBe("Watching");
    t.ac.abort();
    await done;
  });

  it("a very short watch (closed within 1 s, no events) backs off and relists", async () => {
    const t = setup({ watchList: false });
    const done = t.run();
    await settle();
    t.lw.endWatches();
    await settle();
    expect(t.errors.at(-1)).toMatchObject({ name: "VeryShortWatchError" });
    expect(t.r.state).toBe("BackingOff");
    await t.clock.advance(1200);
    await settle();
    expect(t.lw.listCalls).toHaveLength(2);
    t.ac.abort();
    await done;
  });

  it("a network failure starting a watch backs off and re-watches without relisting", async () => {
    const t = setup({ watchList: false });
    t.lw.add(cm("a"));
    const done = t.run();
    await settle();
    t.lw.add(cm("b"));
    await settle();
    const refused = new NetworkError("GET https://x: connect ECONNREFUSED", { method: "GET", url: "https://x", code: "ECONNREFUSED", cause: new Error("refused") });
    t.lw.failWatches(refused);
    t.lw.endWatches();
    await settle();
    expect(t.r.state).toBe("BackingOff");
    expect(t.errors.at(-1)).toBe(refused);
    await t.clock.advance(1200);
    await settle();
    expect(t.r.state).toBe("Watching");
    expect(t.lw.listCalls).toHaveLength(1);
    expect(t.lw.watchCalls.map((w) => w.resourceVersion)).toEqual(["2", "3", "3"]);
    t.ac.abort();
    await done;
  });

  it("closes a watch that stays open 60 s past its timeoutSeconds (dead connection) and re-watches without a relist", async () => {
    const t = setup({ watchList: false });
    t.lw.add(cm("a"));
    const done = t.run();
    await settle();
    expect(t.lw.watchCalls[0]!.timeoutSeconds).toBe(450);
    await t.clock.advance(450_000 + 59_999);
    await settle();
    expect(t.lw.watchCalls).toHaveLength(1);
    await t.clock.advance(1);
    await settle();
    expect(t.lw.watches[0]!.closed).toBe(true);
    expect(t.lw.watchCalls).toHaveLength(2);
    expect(t.lw.watchCalls[1]!.resourceVersion).toBe("2");
    expect(t.lw.listCalls).toHaveLength(1);
    t.ac.abort();
    await done;
  });

  it("a source that cannot report the watch response: Connecting until the first event (a bookmark will do), then Watching", async () => {
    const t = setup({ watchList: false });
    t.lw.add(cm("a"));
    // the same fake, minus the response hook (as a client that cannot see response headers)
    const deaf = { list: t.lw.list.bind(t.lw), watch: (o: WatchOptions) => t.lw.watch(o) };
    const states: ReflectorState[] = [];
    const r = new Reflector<CM>(deaf, t.store, { clock: t.clock, random: () => 0.5, useWatchList: false, onStateChange: (s) => states.push(s) });
    const done = r.run(t.ac.signal);
    await settle();
    expect(states).toEqual(["Listing", "Connecting"]);
    expect(t.lw.watches[0]!.answered).toBe(true); // answered, but nobody could tell
    t.lw.bookmark();
    await settle();
    expect(states).toEqual(["Listing", "Connecting", "Watching"]);
    await t.clock.advance(5000);
    t.lw.endWatches(); // the server closes the watch: re-watch at once, Connecting again until something arrives
    await settle();
    expect(states.slice(3)).toEqual(["Connecting"]);
    t.lw.modify(cm("a", "1"));
    await settle();
    expect(r.state).toBe("Watching");
    t.ac.abort();
    await done;
  });

  it("backs off 800 ms doubling (x1.5 with random 0.5) between failed cycles, and never gives up", async () => {
    const t = setup({ watchList: false });
    t.lw.failLists(fakeApiError(500, "InternalError", "etcd is sad"), 4);
    const done = t.run();
    await settle();
    const counts: number[] = [t.lw.listCalls.length];
    for (const wait of [1200, 2400, 4800, 9600]) {
      await t.clock.advance(wait - 1);
      await settle();
      counts.push(t.lw.listCalls.length); // not yet
      await t.clock.advance(1);
      await settle();
      counts.push(t.lw.listCalls.length);
    }
    expect(counts).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5]);
    expect(t.r.state).toBe("Watching");
    expect(t.errors).toHaveLength(4);
    t.ac.abort();
    await done;
  });
});
