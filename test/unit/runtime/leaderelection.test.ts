// LeaderElector state machine on a FakeClock over an in-memory Lease store
// with resourceVersion concurrency (client-go leaderelection_test.go style).
// The server behaviour itself is checked in
// test/integration/runtime/leader-election.test.ts.
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
const MICRO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

/** Lets every pending promise chain finish (the fake server never does real I/O). */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Advances the FakeClock timer by timer, letting the elector's promise chains
 * settle completely after each one (they are deeper than FakeClock.advance's
 * own microtask flush), so every action happens at its exact due time.
 */
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

function apiError(code: number, reason: string, message: string): ApiError {
  return new ApiError({ kind: "Status", apiVersion: "v1", status: "Failure", code, reason, message });
}

/** An in-memory Lease store with optimistic concurrency, and per-client partitions. */
class FakeLeaseServer {
  readonly leases = new Map<string, Lease>();
  readonly calls: string[] = [];
  readonly partitioned = new Set<string>();
  #rv = 0;

  put(namespace: string, lease: Lease): Lease {
    const stored = structuredClone({ ...lease, metadata: { ...lease.metadata, namespace, resourceVersion: String(++this.#rv) } });
    this.leases.set(`${namespace}/${lease.metadata.name}`, stored);
    return structuredClone(stored);
  }

  lease(name = "lock"): Lease {
    const l = this.leases.get(`ns/${name}`);
    if (!l) throw new Error(`no lease ${name}`);
    return structuredClone(l);
  }

  client(who: string): LeaseClient {
    // A partitioned call never settles and ignores its abort signal: the worst case for the elector.
    const gate = <T>(op: string, f: () => T): Promise<T> => {
      this.calls.push(`${who}:${op}`);
      if (this.partitioned.has(who)) return new Promise<T>(() => {});
      try {
        return Promise.resolve(f());
      } catch (err) {
        return Promise.reject(err);
      }
    };
    return {
      get: (ns, name) => gate("get", () => structuredClone(this.leases.get(`${ns}/${name}`))),
      create: (ns, lease) =>
        gate("create", () => {
          if (this.leases.has(`${ns}/${lease.metadata.name}`)) throw apiError(409, "AlreadyExists", "already exists");
          return this.put(ns, lease);
        }),
      update: (ns, lease) =>
        gate("update", () => {
          const cur = this.leases.get(`${ns}/${lease.metadata.name}`);
          if (!cur) throw apiError(404, "NotFound", "not found");
          if (cur.metadata.resourceVersion !== lease.metadata.resourceVersion) throw apiError(409, "Conflict", "the object has been modified");
          return this.put(ns, lease);
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
  errors: string[];
  leadingSignal(): AbortSignal | undefined;
}

function candidate(
  server: FakeLeaseServer,
  clock: Clock & { now(): number },
  id: string,
  extra: Partial<LeaderElectionConfig> = {},
): Candidate {
  const events: string[] = [];
  const errors: string[] = [];
  let leading: AbortSignal | undefined;
  const lock = new LeaseLock({ client: server.client(id), namespace: "ns", name: "lock", identity: id });
  const elector = new LeaderElector({
    lock,
    leaseDurationMs: LEASE,
    renewDeadlineMs: RENEW,
    retryPeriodMs: RETRY,
    clock,
    random: () => 0,
    callbacks: {
      onStartedLeading: (signal) => {
        leading = signal;
        events.push(`started@${clock.now() - T0}`);
        signal.addEventListener("abort", () => events.push(`aborted@${clock.now() - T0}`));
      },
      onStoppedLeading: () => events.push(`stopped@${clock.now() - T0}`),
      onNewLeader: (who) => events.push(`leader:${who}@${clock.now() - T0}`),
    },
    onError: (_err, during) => errors.push(during),
    ...extra,
  });
  const ac = new AbortController();
  return { id, elector, ac, done: elector.run(ac.signal), events, errors, leadingSignal: () => leading };
}

function setup(): { clock: FakeClock; server: FakeLeaseServer } {
  return { clock: new FakeClock(T0), server: new FakeLeaseServer() };
}

describe("config validation (client-go NewLeaderElector rules)", () => {
  const server = new FakeLeaseServer();
  const lock = new LeaseLock({ client: server.client("x"), namespace: "ns", name: "lock", identity: "x" });
  const base: LeaderElectionConfig = {
    lock,
    leaseDurationMs: LEASE,
    renewDeadlineMs: RENEW,
    retryPeriodMs: RETRY,
    callbacks: { onStartedLeading: () => {}, onStoppedLeading: () => {} },
  };
  it.each([
    [{ leaseDurationMs: 10_000 }, /leaseDurationMs \(10000\) must be greater than renewDeadlineMs/],
    [{ renewDeadlineMs: 2_400 }, /renewDeadlineMs \(2400\) must be greater than retryPeriodMs × 1.2/],
    [{ retryPeriodMs: 0 }, /retryPeriodMs must be greater than zero/],
    [{ leaseDurationMs: -1 }, /leaseDurationMs must be greater than zero/],
    [{ renewDeadlineMs: Number.NaN }, /renewDeadlineMs must be greater than zero/],
    [{ leaseDurationMs: 900, renewDeadlineMs: 600, retryPeriodMs: 100 }, /at least 1000/],
    [{ callbacks: { onStoppedLeading: () => {} } }, /onStartedLeading is required/],
  ] as Array<[Partial<LeaderElectionConfig>, RegExp]>)("rejects %j", (patch, message) => {
    expect(() => new LeaderElector({ ...base, ...patch })).toThrow(message);
  });
  it("accepts renewDeadline just above retryPeriod × 1.2", () => {
    expect(() => new LeaderElector({ ...base, renewDeadlineMs: 2_401 })).not.toThrow();
  });
  it("rejects a lock without identity", () => {
    expect(() => new LeaseLock({ client: server.client("x"), namespace: "ns", name: "l", identity: "" })).toThrow(/identity/);
  });
});

describe("acquire and renew", () => {
  it("creates a missing Lease with the fields client-go writes, then renews on the fast path", async () => {
    const { clock, server } = setup();
    const a = candidate(server, clock, "a");
    await drive(clock, 0);
    expect(a.elector.isLeader()).toBe(true);
    expect(a.events).toEqual(["leader:a@0", "started@0"]);
    const created = server.lease();
    expect(created.apiVersion).toBe("coordination.k8s.io/v1");
    expect(created.kind).toBe("Lease");
    expect(created.spec).toEqual({
      holderIdentity: "a",
      leaseDurationSeconds: 15,
      acquireTime: "2026-11-21T13:00:00.000000Z",
      renewTime: "2026-11-21T13:00:00.000000Z",
      leaseTransitions: 0,
    });
    expect(created.spec?.renewTime).toMatch(MICRO);

    server.calls.length = 0;
    await drive(clock, RETRY);
    const renewed = server.lease();
    expect(renewed.spec?.renewTime).toBe(formatMicroTime(T0 + RETRY));
    expect(renewed.spec?.acquireTime).toBe(created.spec?.acquireTime);
    expect(renewed.spec?.leaseTransitions).toBe(0);
    expect(Number(renewed.metadata.resourceVersion)).toBeGreaterThan(Number(created.metadata.resourceVersion));
    expect(server.calls).toEqual(["a:update"]); // no get: the cached object is current
    await drive(clock, 10 * RETRY);
    expect(server.calls).toHaveLength(11);
    expect(a.errors).toEqual([]);
    expect(a.elector.check(0)).toBeUndefined();
    a.ac.abort();
    await a.done;
    expect(a.events.slice(-2)).toEqual([`aborted@${22_000}`, `stopped@${22_000}`]);
  });

  it("formats MicroTime with microseconds", () => {
    expect(formatMicroTime(Date.UTC(2006, 0, 2, 15, 4, 5, 7))).toBe("2006-01-02T15:04:05.007000Z");
    expect(formatMicroTime(Date.UTC(2006, 0, 2, 15, 4, 5, 7) + 0.25)).toBe("2006-01-02T15:04:05.007250Z");
  });

  it("recovers from a conflict on the fast path through get and update", async () => {
    const { clock, server } = setup();
    const a = candidate(server, clock, "a");
    await drive(clock, 0);
    // Another client touches the Lease (labels only): our cached resourceVersion is stale.
    const l = server.lease();
    server.put("ns", { ...l, metadata: { ...l.metadata, labels: { touched: "yes" } } });
    server.calls.length = 0;
    await drive(clock, RETRY);
    expect(server.calls).toEqual(["a:update", "a:get", "a:update"]);
    expect(a.errors).toEqual(["optimistic update of ns/lock (falling back to get)"]);
    expect(a.elector.isLeader()).toBe(true);
    expect(server.lease().metadata.labels).toEqual({ touched: "yes" });
    a.ac.abort();
    await a.done;
  });
});

describe("expiry is judged by local observation time only", () => {
  function seedOther(server: FakeLeaseServer, renewTime: string): void {
    server.put("ns", {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: { name: "lock" },
      spec: {
        holderIdentity: "go-elector-1",
        leaseDurationSeconds: 15,
        acquireTime: "2020-01-01T00:00:00.123456Z",
        renewTime,
        leaseTransitions: 7,
      },
    });
  }

  it.each([
    ["long in the past", "1999-01-01T00:00:00.000000Z"],
    ["far in the future", "2999-01-01T00:00:00.000000Z"],
  ])("a stale lease whose renewTime is %s is taken over leaseDuration after it was first seen", async (_label, renewTime) => {
    const { clock, server } = setup();
    seedOther(server, renewTime);
    const a = candidate(server, clock, "a");
    await drive(clock, 0);
    expect(a.events).toEqual(["leader:go-elector-1@0"]);
    await drive(clock, LEASE - 1);
    expect(a.elector.isLeader()).toBe(false);
    await drive(clock, RETRY); // first try after observed + 15 s (tries every 2 s with zero jitter)
    expect(a.elector.isLeader()).toBe(true);
    expect(a.events).toEqual(["leader:go-elector-1@0", "leader:a@16000", "started@16000"]);
    const spec = server.lease().spec!;
    expect(spec.holderIdentity).toBe("a");
    expect(spec.leaseTransitions).toBe(8); // holder changed
    expect(spec.acquireTime).toBe(formatMicroTime(T0 + 16_000));
    a.ac.abort();
    await a.done;
  });

  it("never takes over a lease that keeps changing, whatever its timestamps say", async () => {
    const { clock, server } = setup();
    seedOther(server, "1999-01-01T00:00:00.000000Z");
    const a = candidate(server, clock, "a");
    for (let t = 0; t < 120_000; t += 5_000) {
      // the other elector renews every 5 s, writing a bogus renewTime each time
      const l = server.lease();
      server.put("ns", { ...l, spec: { ...l.spec, renewTime: formatMicroTime(Date.UTC(1999, 0, 1) + t) } });
      await drive(clock, 5_000);
      expect(a.elector.isLeader()).toBe(false);
    }
    expect(server.lease().spec?.holderIdentity).toBe("go-elector-1");
    a.ac.abort();
    await a.done;
    expect(a.events).toEqual(["leader:go-elector-1@0", "stopped@120000"]); // stopped even though it never led
  });
});

describe("losing the lease", () => {
  it("aborts the leading signal at the renew deadline, before another candidate can take over", async () => {
    const { clock, server } = setup();
    const a = candidate(server, clock, "a");
    await drive(clock, 0);
    const b = candidate(server, clock, "b");
    await drive(clock, 1);
    expect(b.events).toEqual(["leader:a@0"]); // b's first try ran at 0
    server.partitioned.add("a"); // a's calls now hang forever, ignoring abort
    let leaders = 0;
    // a renewed with a try that started at 0, so it leads until 0 + renewDeadline (10000) at most.
    for (let t = 1; t < 9_999; t += 1) {
      await drive(clock, 1);
      leaders = Math.max(leaders, Number(a.elector.isLeader()) + Number(b.elector.isLeader()));
    }
    expect(a.leadingSignal()?.aborted).toBe(false);
    await drive(clock, 1); // 10000
    expect(a.leadingSignal()?.aborted).toBe(true);
    expect(a.leadingSignal()?.reason).toBeInstanceOf(LeadershipLostError);
    expect(a.elector.isLeader()).toBe(false);
    await a.done;
    expect(a.events).toEqual(["leader:a@0", "started@0", "aborted@10000", "stopped@10000"]);
    // b last saw the record change at 0, so it may take over at 15000 at the earliest; it tries every 2 s.
    for (let t = 10_000; t < 15_999; t += 1) {
      await drive(clock, 1);
      leaders = Math.max(leaders, Number(a.elector.isLeader()) + Number(b.elector.isLeader()));
    }
    expect(b.elector.isLeader()).toBe(false);
    await drive(clock, 1);
    expect(b.elector.isLeader()).toBe(true);
    expect(b.events).toEqual(["leader:a@0", "leader:b@16000", "started@16000"]);
    expect(leaders).toBe(1); // sampled every millisecond from 1 to 15999: never two leaders
    expect(server.lease().spec?.leaseTransitions).toBe(1);
    b.ac.abort();
    await b.done;
  });

  it("gives up at the renew deadline, before the lease it last wrote, even with a renewDeadline close to leaseDuration", async () => {
    const { clock, server } = setup();
    // client-go's rounds start 2 s after a success, and 2 + 14 > 15 would outlive the lease.
    const a = candidate(server, clock, "a", { renewDeadlineMs: 14_000 });
    await drive(clock, 0);
    server.partitioned.add("a");
    await drive(clock, 14_000 - 1);
    expect(a.elector.isLeader()).toBe(true);
    await drive(clock, 1);
    expect(a.elector.isLeader()).toBe(false);
    expect(a.events).toContain("aborted@14000");
    a.ac.abort();
    await a.done;
  });

  it("check() fails when a leader has not renewed for leaseDuration + tolerance (stalled process)", async () => {
    const fake = new FakeClock(T0);
    let skew = 0;
    // A clock whose now() jumps while no timer fires: what a suspended process sees on wake-up.
    const clock: Clock = { now: () => fake.now() + skew, monotonicMs: () => fake.monotonicMs() + skew, setTimer: (ms, fn) => fake.setTimer(ms, fn), sleep: (ms, s) => fake.sleep(ms, s) };
    const server = new FakeLeaseServer();
    const a = candidate(server, clock, "a");
    await drive(fake, 0);
    expect(a.elector.check(1_000)).toBeUndefined();
    skew = LEASE + 999;
    expect(a.elector.check(1_000)).toBeUndefined();
    skew = LEASE + 1_001;
    expect(a.elector.check(1_000)?.message).toMatch(/failed to renew leadership/);
    a.ac.abort();
    await a.done;
    expect(a.elector.check(1_000)).toBeUndefined(); // not leading: healthy
  });
});

describe("release on cancel", () => {
  it("writes an empty holder with leaseDurationSeconds 1, keeps transitions, and hands over within one retryPeriod", async () => {
    const { clock, server } = setup();
    const a = candidate(server, clock, "a", { releaseOnCancel: true });
    await drive(clock, 0);
    const b = candidate(server, clock, "b");
    await drive(clock, 5_001);
    a.ac.abort();
    await a.done;
    expect(a.events).toEqual(["leader:a@0", "started@0", "aborted@5001", "stopped@5001"]);
    const released = server.lease().spec;
    expect(released).toEqual({
      holderIdentity: "",
      leaseDurationSeconds: 1,
      acquireTime: formatMicroTime(T0 + 5_001),
      renewTime: formatMicroTime(T0 + 5_001),
      leaseTransitions: 0,
    });
    expect(a.elector.getLeader()).toBeUndefined();
    // b tries at 0, 2000, 4000, 6000 (zero jitter): the release at 5001 is seen at 6000.
    await drive(clock, 998);
    expect(b.elector.isLeader()).toBe(false);
    await drive(clock, 1);
    expect(b.elector.isLeader()).toBe(true);
    expect(server.lease().spec).toMatchObject({ holderIdentity: "b", leaseDurationSeconds: 15, leaseTransitions: 1 });
    b.ac.abort();
    await b.done;
  });

  it("without releaseOnCancel the lease is left to expire", async () => {
    const { clock, server } = setup();
    const a = candidate(server, clock, "a");
    await drive(clock, 0);
    server.calls.length = 0;
    a.ac.abort();
    await a.done;
    expect(server.calls).toEqual([]);
    expect(server.lease().spec?.holderIdentity).toBe("a");
  });

  it("does not overwrite a lease someone else took meanwhile", async () => {
    const { clock, server } = setup();
    const a = candidate(server, clock, "a", { releaseOnCancel: true });
    await drive(clock, 0);
    const l = server.lease();
    server.put("ns", { ...l, spec: { ...l.spec, holderIdentity: "intruder", leaseTransitions: 1 } });
    a.ac.abort();
    await a.done;
    expect(server.lease().spec?.holderIdentity).toBe("intruder");
  });
});

describe("callbacks", () => {
  it("a failing onStartedLeading is reported and does not stop renewing", async () => {
    const { clock, server } = setup();
    const a = candidate(server, clock, "a", {
      callbacks: {
        onStartedLeading: async () => {
          throw new Error("controller crashed");
        },
        onStoppedLeading: () => {},
      },
    });
    await drive(clock, RETRY * 3);
    expect(a.errors).toEqual(["onStartedLeading"]);
    expect(a.elector.isLeader()).toBe(true);
    a.ac.abort();
    await a.done;
  });

  it("run() cannot be started twice at once", async () => {
    const { clock, server } = setup();
    const a = candidate(server, clock, "a");
    await expect(a.elector.run(new AbortController().signal)).rejects.toThrow(/already running/);
    a.ac.abort();
    await a.done;
  });
});
