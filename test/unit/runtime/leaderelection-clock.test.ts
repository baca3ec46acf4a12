// LeaderElector timing on an injected clock: lease timing runs on the
// monotonic reading, so wall-clock steps of ±30 s neither make a leader drop
// its lease nor delay (or hasten) a follower's takeover; the renew deadline is
// checked synchronously on read, so work resuming after a pause (monotonic
// time jumped, no timer has fired yet) sees that leadership is over; and the
// fencing aids (fencingToken, confirmLeadership). Each candidate gets its own
// view of one FakeClock: wall = fake + its skew, monotonic = fake + its pause.
import { describe, expect, it } from "vitest";
import {
  ApiError,
  LeaderElector,
  LeadershipLostError,
  LeaseLock,
  formatMicroTime,
  type Clock,
  type Lease,
  type LeaseClient,
  type LeaderElectionConfig,
} from "@kubegen/runtime";
import { FakeClock } from "@kubegen/runtime/testing";

const T0 = Date.UTC(2026, 10, 21, 13, 0, 0);
const LEASE = 15_000;
const RENEW = 10_000;
const RETRY = 2_000;
const STEP = 30_000;

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Advances timer by timer, letting promise chains settle after each one. */
async function drive(clock: FakeClock, ms: number): Promise<void> {
  const target = clock.now() + ms;
  for (;;) {
    await settle();
    const next = clock.nextDue();
    if (next === undefined || next > target) break;
    await clock.advance(next - clock.now());
  }
  await clock.advance(target - clock.now());
  await settle();
}

/**
 * An in-memory Lease store with resourceVersion concurrency. Calls of a
 * client in `held` wait until released; with `latencyMs` every call takes
 * that long on the fake clock (as a real round trip does, so timers that are
 * already due win against it).
 */
class LeaseStore {
  readonly leases = new Map<string, Lease>();
  readonly held = new Set<string>();
  latencyMs = 0;
  readonly #waiting: Array<() => void> = [];
  #rv = 0;

  constructor(readonly clock: FakeClock) {}

  put(lease: Lease): Lease {
    const stored = structuredClone({ ...lease, metadata: { ...lease.metadata, namespace: "ns", resourceVersion: String(++this.#rv) } });
    this.leases.set(lease.metadata.name!, stored);
    return structuredClone(stored);
  }

  lease(): Lease {
    return structuredClone(this.leases.get("lock")!);
  }

  release(who: string): void {
    this.held.delete(who);
    for (const w of this.#waiting.splice(0)) w();
  }

  client(who: string): LeaseClient {
    const gate = async <T>(f: () => T): Promise<T> => {
      while (this.held.has(who)) await new Promise<void>((r) => this.#waiting.push(r));
      if (this.latencyMs > 0) await this.clock.sleep(this.latencyMs);
      return f();
    };
    const conflict = (code: number, reason: string): ApiError =>
      new ApiError({ kind: "Status", apiVersion: "v1", status: "Failure", code, reason, message: reason });
    return {
      get: (_ns, name) => gate(() => structuredClone(this.leases.get(name))),
      create: (_ns, lease) =>
        gate(() => {
          if (this.leases.has(lease.metadata.name!)) throw conflict(409, "AlreadyExists");
          return this.put(lease);
        }),
      update: (_ns, lease) =>
        gate(() => {
          const cur = this.leases.get(lease.metadata.name!);
          if (!cur) throw conflict(404, "NotFound");
          if (cur.metadata.resourceVersion !== lease.metadata.resourceVersion) throw conflict(409, "Conflict");
          return this.put(lease);
        }),
    };
  }
}

interface Candidate {
  id: string;
  elector: LeaderElector;
  ac: AbortController;
  done: Promise<void>;
  events: string[];
  /** Wall-clock skew of this candidate (a step of its system clock). */
  skew: number;
  /** Extra monotonic time, as seen by a process that was paused and has not run a timer since. */
  pause: number;
  signal(): AbortSignal | undefined;
}

function candidate(store: LeaseStore, fake: FakeClock, id: string, extra: Partial<LeaderElectionConfig> = {}): Candidate {
  const c = { id, events: [] as string[], skew: 0, pause: 0 } as Candidate;
  let leading: AbortSignal | undefined;
  const clock: Clock = {
    now: () => fake.now() + c.skew,
    monotonicMs: () => fake.monotonicMs() + c.pause,
    setTimer: (ms, fn, o) => fake.setTimer(ms, fn, o),
    sleep: (ms, s, o) => fake.sleep(ms, s, o),
  };
  const at = (): number => fake.now() - T0; // event times on the shared true timeline
  c.elector = new LeaderElector({
    lock: new LeaseLock({ client: store.client(id), namespace: "ns", name: "lock", identity: id }),
    leaseDurationMs: LEASE,
    renewDeadlineMs: RENEW,
    retryPeriodMs: RETRY,
    clock,
    random: () => 0,
    callbacks: {
      onStartedLeading: (signal) => {
        leading = signal;
        c.events.push(`started@${at()}`);
        signal.addEventListener("abort", () => c.events.push(`aborted@${at()}`));
      },
      onStoppedLeading: () => c.events.push(`stopped@${at()}`),
    },
    onError: () => {},
    ...extra,
  });
  c.ac = new AbortController();
  c.done = c.elector.run(c.ac.signal);
  c.signal = () => leading;
  return c;
}

function setup(): { fake: FakeClock; store: LeaseStore } {
  const fake = new FakeClock(T0);
  return { fake, store: new LeaseStore(fake) };
}

async function stop(...cs: Candidate[]): Promise<void> {
  for (const c of cs) c.ac.abort();
  await Promise.all(cs.map((c) => c.done));
}

describe("wall-clock steps do not move lease timing", () => {
  it.each([
    ["forward", STEP],
    ["backward", -STEP],
  ])("a leader whose clock steps %s keeps its lease: no flap, renewals stamped with the stepped wall clock", async (_dir, step) => {
    const { fake, store } = setup();
    store.latencyMs = 10;
    const a = candidate(store, fake, "a");
    await drive(fake, 100);
    const b = candidate(store, fake, "b");
    await drive(fake, 3_000);
    a.skew = step;
    await drive(fake, 60_000);
    expect(a.events).toEqual(["started@20"]); // get + create, 10 ms each
    expect(a.elector.isLeader()).toBe(true);
    expect(b.elector.isLeader()).toBe(false);
    const spec = store.lease().spec!;
    expect(spec).toMatchObject({ holderIdentity: "a", leaseTransitions: 0, acquireTime: formatMicroTime(T0) });
    // renewals go on every ~2 s of true time; their stamps carry the stepped wall clock
    const sinceRenew = fake.now() + step - Date.parse(spec.renewTime!.replace(/\d{3}Z$/, "Z"));
    expect(sinceRenew).toBeGreaterThanOrEqual(0);
    expect(sinceRenew).toBeLessThan(RETRY + 50);
    await stop(a, b);
  });

  it.each([
    ["backward", -STEP],
    ["forward", STEP],
    ["not at all", 0],
  ])("a follower whose clock steps %s takes over an abandoned lease exactly when an unstepped one would", async (_dir, step) => {
    const { fake, store } = setup();
    const a = candidate(store, fake, "a");
    await drive(fake, 0);
    const b = candidate(store, fake, "b");
    await drive(fake, 5_000);
    b.skew = step;
    await drive(fake, 1);
    a.ac.abort(); // dies at 5001 without releasing; its last renewal was at 4000
    await a.done;
    await drive(fake, 14_000 - 1);
    // b last saw the record change at 4000 (its try at 4000 ran after a's renewal at 4000), so
    // the lease is valid for b until 19000; b tries every 2 s: 18000 is too early, 20000 wins.
    expect(b.elector.isLeader()).toBe(false);
    await drive(fake, 20_000 - 19_000);
    expect(b.events).toEqual(["started@20000"]);
    expect(store.lease().spec).toMatchObject({ holderIdentity: "b", leaseTransitions: 1, acquireTime: formatMicroTime(T0 + 20_000 + step) });
    await stop(b);
  });

  it("a follower whose clock steps forward never takes over a lease that is being renewed", async () => {
    const { fake, store } = setup();
    const a = candidate(store, fake, "a");
    await drive(fake, 0);
    const b = candidate(store, fake, "b");
    for (let i = 0; i < 5; i++) {
      b.skew += STEP; // steps of +30 s, every 7 s
      await drive(fake, 7_000);
      expect(b.elector.isLeader()).toBe(false);
      expect(a.elector.isLeader()).toBe(true);
    }
    expect(store.lease().spec?.holderIdentity).toBe("a");
    await stop(a, b);
  });
});

describe("the renew deadline is checked synchronously after a pause", () => {
  it("isLeader(), checkLeadership() and the signal turn at lastRenewStart + renewDeadline with no timer fired", async () => {
    const { fake, store } = setup();
    const a = candidate(store, fake, "a");
    await drive(fake, 4_000); // renewals started at 2000 and 4000
    const signal = a.signal()!;
    a.pause = RENEW - 1; // monotonic now = 4000 + 9999: one ms before the deadline
    expect(a.elector.checkLeadership()).toBe(true);
    expect(signal.aborted).toBe(false);
    a.pause = RENEW; // the deadline, and no timer has fired
    expect(a.elector.checkLeadership()).toBe(false);
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBeInstanceOf(LeadershipLostError);
    expect(a.events).toEqual(["started@0", "aborted@4000"]); // the abort listener ran synchronously, inside the check
    expect(a.elector.isLeader()).toBe(false);
    expect(a.elector.fencingToken()).toBeUndefined();
    await drive(fake, 0);
    await a.done;
    expect(a.events).toEqual(["started@0", "aborted@4000", "stopped@4000"]);
  });

  it.each([
    ["signal.aborted", (s: AbortSignal) => s.aborted],
    ["signal.throwIfAborted()", (s: AbortSignal) => {
      try {
        s.throwIfAborted();
        return false;
      } catch (e) {
        return e instanceof LeadershipLostError;
      }
    }],
  ])("work that reads only %s first after a pause sees leadership gone", async (_what, read) => {
    const { fake, store } = setup();
    const a = candidate(store, fake, "a");
    await drive(fake, 2_000);
    a.pause = 60_000; // a SIGSTOP longer than the lease
    expect(read(a.signal()!)).toBe(true);
    expect(a.elector.isLeader()).toBe(false);
    await drive(fake, 0);
    await a.done;
  });

  it("a renewal in flight across the deadline does not bring leadership back", async () => {
    const { fake, store } = setup();
    const a = candidate(store, fake, "a");
    await drive(fake, 0);
    store.held.add("a"); // the next renewal (try at 2000) hangs
    await drive(fake, 2_000);
    a.pause = RENEW; // deadline (0 + 10000) passes while the try is in flight
    store.release("a"); // the server now accepts the write that started at 2000
    await drive(fake, 0);
    expect(a.elector.isLeader()).toBe(false);
    expect(a.signal()!.aborted).toBe(true);
    await a.done;
    expect(a.events.at(-1)).toMatch(/^stopped@/);
  });

  it("without any read the leading signal aborts at the deadline by timer", async () => {
    const { fake, store } = setup();
    const a = candidate(store, fake, "a");
    await drive(fake, 2_000); // last renewal try started at 2000
    store.held.add("a");
    await drive(fake, RENEW - 1);
    expect(a.events).toEqual(["started@0"]);
    await drive(fake, 1);
    expect(a.events).toEqual(["started@0", "aborted@12000", "stopped@12000"]);
    await a.done;
  });
});

describe("fencing aids", () => {
  it("fencingToken() carries the term (leaseTransitions) and grows with every change of holder", async () => {
    const { fake, store } = setup();
    const a = candidate(store, fake, "a");
    await drive(fake, 0);
    expect(a.elector.fencingToken()).toEqual({ lock: "ns/lock", identity: "a", term: 0 });
    const b = candidate(store, fake, "b");
    await drive(fake, 1);
    expect(b.elector.fencingToken()).toBeUndefined();
    await stop(a);
    await drive(fake, LEASE + 2 * RETRY);
    expect(b.elector.fencingToken()).toEqual({ lock: "ns/lock", identity: "b", term: 1 });
    await stop(b);
  });

  it("confirmLeadership() re-reads the Lease: token while it is ours, undefined and the term ended once it is not", async () => {
    const { fake, store } = setup();
    const a = candidate(store, fake, "a");
    await drive(fake, 0);
    const calls: string[] = [];
    const confirmed = a.elector.confirmLeadership().then((t) => calls.push(JSON.stringify(t)));
    await drive(fake, 0);
    await confirmed;
    expect(calls).toEqual([JSON.stringify({ lock: "ns/lock", identity: "a", term: 0 })]);
    // someone else takes the lease behind a's back (as after a pause a has not noticed yet)
    const l = store.lease();
    store.put({ ...l, spec: { ...l.spec, holderIdentity: "z", leaseTransitions: 1 } });
    const p = a.elector.confirmLeadership();
    await drive(fake, 0);
    expect(await p).toBeUndefined();
    expect(a.signal()!.aborted).toBe(true);
    expect(a.signal()!.reason).toBeInstanceOf(LeadershipLostError);
    await a.done;
  });

  it("confirmations between renewals leave renewals on the fast path and the term alive", async () => {
    const { fake, store } = setup();
    const a = candidate(store, fake, "a");
    await drive(fake, 0);
    for (let i = 0; i < 5; i++) {
      void a.elector.confirmLeadership();
      await drive(fake, RETRY);
    }
    // create, the immediate first renewal, then one every 2 s: no conflict, no extra write
    expect(Number(store.lease().metadata.resourceVersion)).toBe(7);
    expect(a.elector.fencingToken()?.term).toBe(0);
    await stop(a);
  });
});
