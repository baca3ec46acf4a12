// Informer staleness and the 410 relist, over a FakeListerWatcher and a
// FakeClock that also drives the monotonic reading (monotonicNow):
// - no event and no bookmark for staleAfterMs makes the reflector stale, the
//   silent watch is closed and re-requested at the last resourceVersion, and
//   the next answer or event ends it;
// - a 410 after an outage resets the grown backoff and relists at once; a
//   second 410 in a row backs off;
// - readiness helpers and /readyz fail while an informer is stale.
import { describe, expect, it } from "vitest";
import { FakeListerWatcher, fakeApiError } from "../../../runtime/src/cache/fake-lister-watcher.js";
import {
  Reflector,
  SharedIndexInformer,
  StaleWatchError,
  informersReady,
  unreadyInformers,
  type ReflectorState,
  type ReflectorStore,
} from "../../../runtime/src/cache/index.js";
import { NetworkError } from "../../../runtime/src/errors/network-error.js";
import { startHealthServer } from "../../../runtime/src/health/index.js";
import { FakeClock } from "../../../runtime/src/util/fake-clock.js";

interface CM {
  metadata: { name: string; namespace?: string; resourceVersion?: string };
  data?: Record<string, string>;
}
const cm = (name: string, v = "0"): CM => ({ metadata: { name, namespace: "ns" }, data: { v } });

async function settle(rounds = 30): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setImmediate(r));
}

const nullStore: ReflectorStore<CM> = { replace() {}, add() {}, update() {}, delete() {} };

function refused(): NetworkError {
  return new NetworkError("GET https://x: connect ECONNREFUSED", { method: "GET", url: "https://x", code: "ECONNREFUSED", cause: new Error("refused") });
}

function setup(opts: { staleAfterMs?: number } = {}) {
  const lw = new FakeListerWatcher<CM>();
  const clock = new FakeClock(1_000_000);
  const trace: string[] = [];
  const errors: unknown[] = [];
  const r = new Reflector<CM>(lw, nullStore, {
    name: "configmaps",
    clock,
    monotonicNow: () => clock.now() - 1_000_000 + 5, // a different origin than the wall clock
    random: () => 0.5,
    ...(opts.staleAfterMs !== undefined ? { staleAfterMs: opts.staleAfterMs } : {}),
    onStateChange: (s: ReflectorState) => trace.push(s),
    onError: (e) => {
      errors.push(e);
      trace.push(`error ${(e as { code?: number }).code ?? (e as Error).name}`);
    },
  });
  const ac = new AbortController();
  const done = r.run(ac.signal);
  const stop = async () => {
    ac.abort();
    await done;
  };
  return { lw, clock, r, trace, errors, stop };
}

describe("reflector staleness", () => {
  it("turns stale after 120 s without an event or bookmark (not before), closes the silent watch and re-watches at the last RV", async () => {
    const t = setup();
    t.lw.add(cm("a"));
    await settle();
    expect(t.r.state).toBe("Watching");
    expect(t.r.stale).toBe(false);

    await t.clock.advance(100_000);
    t.lw.bookmark(); // proof of life: the silence starts over here
    await settle();
    expect(t.r.lastBookmarkAt).toBe(t.clock.now());
    t.lw.stall(); // the server goes silent; watches asked for from now on get no answer
    await t.clock.advance(119_999);
    await settle();
    expect(t.r.stale).toBe(false);
    expect(t.r.state).toBe("Watching");
    expect(t.lw.watchCalls).toHaveLength(1);

    await t.clock.advance(1);
    await settle();
    expect(t.r.stale).toBe(true);
    expect(t.r.silentForMs).toBe(120_000);
    expect(t.r.state).toBe("Stale");
    expect(t.lw.watches[0]!.closed).toBe(true);
    expect(t.lw.watchCalls).toHaveLength(2);
    expect(t.lw.watchCalls[1]!.resourceVersion).toBe(String(t.lw.resourceVersion));
    expect(t.lw.watchCalls[1]!.allowWatchBookmarks).toBe(true);
    expect(t.errors.at(-1)).toBeInstanceOf(StaleWatchError);
    expect(t.r.metrics).toMatchObject({ staleWatches: 1, lists: 1, backoffs: 0 });

    // the replacement is not answered either: it is re-requested every staleAfterMs, without a relist
    await t.clock.advance(120_000);
    await settle();
    expect(t.lw.watchCalls).toHaveLength(3);
    expect(t.lw.watches[1]!.closed).toBe(true);
    expect(t.r.stale).toBe(true);
    expect(t.r.metrics).toMatchObject({ staleWatches: 2, lists: 1 });

    // the server answers again: no longer stale, watching
    t.lw.resume();
    await settle();
    expect(t.r.stale).toBe(false);
    expect(t.r.state).toBe("Watching");
    expect(t.trace.filter((s) => !s.startsWith("error"))).toEqual(["Listing", "Watching", "Stale", "Watching"]);
    await t.stop();
  });

  it("a stale reflector whose source cannot report answers stops being stale on the next event", async () => {
    const lw = new FakeListerWatcher<CM>();
    lw.add(cm("a"));
    const clock = new FakeClock(0);
    const deaf = { list: lw.list.bind(lw), watch: (o: Parameters<typeof lw.watch>[0]) => lw.watch(o) };
    const r = new Reflector<CM>(deaf, nullStore, { clock, monotonicNow: () => clock.now(), random: () => 0.5, staleAfterMs: 3000 });
    const ac = new AbortController();
    const done = r.run(ac.signal);
    await settle();
    lw.bookmark();
    await settle();
    expect(r.state).toBe("Watching");
    lw.stall();
    await clock.advance(3000);
    await settle();
    expect(r.stale).toBe(true);
    expect(r.state).toBe("Stale");
    lw.resume(); // answered, but this source cannot tell: still stale
    await settle();
    expect(r.stale).toBe(true);
    await clock.advance(500);
    lw.modify(cm("a", "1"));
    await settle();
    expect(r.stale).toBe(false);
    expect(r.state).toBe("Watching");
    expect(r.lastEventAt).toBe(3500);
    ac.abort();
    await done;
  });

  it("steady events keep it fresh; staleAfterMs 0 turns staleness off", async () => {
    const t = setup({ staleAfterMs: 3000 });
    t.lw.add(cm("a"));
    await settle();
    for (let i = 0; i < 10; i++) {
      await t.clock.advance(2900);
      t.lw.modify(cm("a", String(i)));
      await settle();
      expect(t.r.stale).toBe(false);
    }
    expect(t.r.metrics.staleWatches).toBe(0);
    expect(t.lw.watchCalls).toHaveLength(1);
    await t.stop();

    const off = setup({ staleAfterMs: 0 });
    await settle();
    off.lw.stall();
    await off.clock.advance(400_000);
    await settle();
    expect(off.r.stale).toBe(false);
    expect(off.r.metrics.staleWatches).toBe(0);
    await off.stop();
  });
});

describe("watchdog cost", () => {
  it("a long outage with no watch open (lists failing, backing off) does not make the watchdog spin", async () => {
    const lw = new FakeListerWatcher<CM>();
    const clock = new FakeClock(0);
    let timers = 0;
    const counting = Object.assign(Object.create(clock) as FakeClock, {
      setTimer: (ms: number, fn: () => void, o?: Parameters<FakeClock["setTimer"]>[2]) => {
        timers++;
        return clock.setTimer(ms, fn, o);
      },
      sleep: (ms: number, signal?: AbortSignal) => clock.sleep(ms, signal),
      now: () => clock.now(),
    });
    const r = new Reflector<CM>(lw, nullStore, { clock: counting, monotonicNow: () => clock.now(), random: () => 0.5, onError: () => undefined });
    const ac = new AbortController();
    const done = r.run(ac.signal);
    await settle();
    await clock.advance(5000);
    lw.failLists(fakeApiError(500, "InternalError", "etcd is down"), 1000);
    lw.breakWatches(fakeApiError(500, "InternalError", "etcd is down"));
    await settle();
    timers = 0;
    for (let i = 0; i < 60; i++) {
      await clock.advance(10_000);
      await settle(5);
    }
    expect(r.stale).toBe(true); // 10 minutes without hearing from the server
    expect(r.state).toBe("BackingOff");
    expect(timers).toBeLessThan(100); // backoff sleeps (30-60 s each) and one watchdog check per 2 min
    ac.abort();
    await done;
  });
});

describe("410 after an outage", () => {
  it("relists at once, without waiting out the backoff that grew during the outage, and resets it", async () => {
    const t = setup();
    t.lw.add(cm("a"));
    await settle();
    await t.clock.advance(5000); // a watch that lived 5 s (not a very short one)
    // the outage: three refused re-watches (backoff 1.2 s, 2.4 s, 4.8 s), then the server answers 410
    t.lw.failWatches(refused(), 3);
    t.lw.failWatches(fakeApiError(410, "Expired", "too old resource version"));
    t.lw.endWatches();
    await settle();
    for (const wait of [1200, 2400]) {
      await t.clock.advance(wait);
      await settle();
    }
    expect(t.r.metrics.backoffs).toBe(3);
    expect(t.lw.listCalls).toHaveLength(1);
    t.trace.length = 0;
    await t.clock.advance(4800); // the last backoff ends: the watch gets the 410
    await settle();
    // no clock time passed after the 410: the relist already ran, with no BackingOff in between
    expect(t.trace).toEqual(["Connecting", "error 410", "Listing", "Watching"]);
    expect(t.lw.listCalls).toHaveLength(2);
    expect(t.lw.listCalls[1]).toMatchObject({ resourceVersion: "2", resourceVersionMatch: "NotOlderThan" });
    expect(t.r.metrics).toMatchObject({ backoffs: 3, immediateRelists: 1, relists: 1, expired: 1 });

    // and the backoff starts over: the next failure waits 1.2 s (800 ms x 1.5), not 9.6 s
    await t.clock.advance(5000);
    t.lw.failWatches(refused());
    t.lw.endWatches();
    await settle();
    const watches = t.lw.watchCalls.length;
    await t.clock.advance(1199);
    await settle();
    expect(t.lw.watchCalls).toHaveLength(watches);
    await t.clock.advance(1);
    await settle();
    expect(t.lw.watchCalls).toHaveLength(watches + 1);
    expect(t.r.state).toBe("Watching");
    await t.stop();
  });

  it("a second 410 in a row, with nothing received in between, backs off", async () => {
    const t = setup();
    await settle();
    await t.clock.advance(5000);
    t.lw.failWatches(fakeApiError(410, "Expired", "too old"), 2);
    t.lw.endWatches();
    await settle();
    expect(t.r.metrics).toMatchObject({ immediateRelists: 1, expired: 2, lists: 2 });
    expect(t.r.state).toBe("BackingOff");
    await t.clock.advance(1200);
    await settle();
    expect(t.r.metrics.lists).toBe(3);
    expect(t.r.state).toBe("Watching");
    await t.stop();
  });
});

describe("informer health and readiness", () => {
  it("health() carries lastEventAt, lastBookmarkAt and stale; informersReady and /readyz fail while stale", async () => {
    const lw = new FakeListerWatcher<CM>();
    lw.add(cm("a"));
    const clock = new FakeClock(1_700_000_000_000);
    const informer = new SharedIndexInformer<CM>(lw, {
      name: "configmaps",
      clock,
      monotonicNow: () => clock.now() - 1_700_000_000_000,
      random: () => 0.5,
      staleAfterMs: 3000,
      onWatchError: () => undefined,
    });
    const ac = new AbortController();
    const done = informer.run(ac.signal);
    await informer.waitForCacheSync();
    await settle();
    expect(informer.health()).toMatchObject({ state: "Watching", isWatching: true, stale: false, lastEventAt: undefined, lastBookmarkAt: undefined });
    expect(informersReady(informer)).toBe(true);
    const server = await startHealthServer({ port: 0, host: "127.0.0.1", informers: [informer], logger: { info() {}, error() {} } as never });
    try {
      expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
      await clock.advance(1000);
      lw.modify(cm("a", "1"));
      await clock.advance(1000);
      lw.bookmark();
      await settle();
      expect(informer.health()).toMatchObject({ lastEventAt: 1_700_000_001_000, lastBookmarkAt: 1_700_000_002_000, stale: false });

      lw.stall();
      await clock.advance(3000);
      await settle();
      expect(informer.health()).toMatchObject({ state: "Stale", stale: true, isWatching: false, reconnecting: true, synced: true });
      expect(informersReady(informer)).toBe(false);
      expect(unreadyInformers(informer)).toEqual(["configmaps (stale)"]);
      const res = await fetch(`${server.url}/readyz?verbose`);
      expect(res.status).toBe(500);
      expect(await res.text()).toContain("[-]informers failed");
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200); // liveness is not about caches

      lw.resume();
      await settle();
      expect(informer.health()).toMatchObject({ state: "Watching", stale: false, isWatching: true });
      expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    } finally {
      await server.close();
      ac.abort();
      await done;
    }
    expect(informer.health().stale).toBe(false); // stopped: not ready for another reason
    expect(unreadyInformers(informer)).toEqual(["configmaps (stopped)"]);
  });
});
