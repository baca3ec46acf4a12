// LeaderElector: client-go's acquire/renew loop over a ResourceLock.
// Mirrors client-go tools/leaderelection/leaderelection.go:
//   - acquire: try every retryPeriod with jitter (factor 1.2) until it works;
//   - renew: every retryPeriod, retry for up to renewDeadline; if no try
//     succeeds in time, leadership is lost;
//   - a lease held by another candidate counts as expired only when the
//     MONOTONIC time since this candidate last saw the record change exceeds
//     the record's leaseDurationSeconds (client-go's observedTime).
//     Timestamps written by other machines are never compared with the local
//     clock, so clock skew between candidates does not matter.
// All durations and deadlines run on clock.monotonicMs(); the wall clock
// (clock.now()) only stamps acquireTime/renewTime in the Lease, as client-go
// does. Stepping the system clock either way changes neither who leads nor
// when a follower takes over.
// Differences from client-go, on purpose:
//   - leadership ends at (start of the last successful renewal +
//     renewDeadline), checked synchronously wherever leadership is read
//     (isLeader(), checkLeadership(), the leading signal's `aborted`; see
//     leader-term.ts), so work that resumes after a pause never sees a stale
//     "still leading"; client-go lets a renew round run renewDeadline from
//     its own start, one retryPeriod later;
//   - the leading AbortSignal aborts at that moment (client-go cancels the
//     context only after the optional release);
//   - every lock call is bounded by requestTimeoutMs (client-go gets the same
//     effect from the HTTP client timeout NewFromKubeconfig sets) and raced
//     against the deadline, so a client that ignores abort cannot stall it;
//   - fencingToken() and confirmLeadership() help fence critical writes.
//     Leader election alone is not fencing: a write sent just before the
//     deadline can still land after another candidate took over.

import { isConflict } from "../errors/api-error.js";
import { realClock, sleepOn, type CancelTimer, type Clock } from "../util/clock.js";
import type { ObservedRecord, ResourceLock } from "./lease-lock.js";
import { LeaderTerm, LeadershipLostError, type LeadershipToken } from "./leader-term.js";
import { formatMicroTime, type LeaderElectionRecord } from "./record.js";

export { LeadershipLostError };

/** client-go's `JitterFactor`: acquire retries wait retryPeriod × [1, 2.2). */
export const JITTER_FACTOR = 1.2;

/** What the elector calls as leadership comes and goes (client-go `LeaderCallbacks`). */
export interface LeaderCallbacks {
  /**
   * Called when this candidate becomes leader. `signal` aborts when
   * leadership ends (lost, or run() cancelled). Reading `signal.aborted` (or
   * calling `signal.throwIfAborted()`) checks the renew deadline first, so it
   * is current even right after the process was paused; an abort listener
   * alone fires only once a timer runs. Not awaited; a rejection is reported
   * to `onError`.
   */
  onStartedLeading(signal: AbortSignal): void | Promise<void>;
  /** Called when run() ends, whether or not this candidate ever led (as in client-go). */
  onStoppedLeading(): void;
  /** Called on every observed change of holder, including the first observation and this candidate itself. */
  onNewLeader?(identity: string): void;
}

/** Configuration of a {@link LeaderElector} (client-go `LeaderElectionConfig`). */
export interface LeaderElectionConfig {
  readonly lock: ResourceLock;
  /**
   * How long non-leaders wait after last seeing the lease change before they
   * may take it (client-go LeaseDuration; typical 15 s). Written to the Lease
   * in whole seconds, so it must be at least 1000 ms.
   */
  readonly leaseDurationMs: number;
  /** How long the leader keeps retrying a renewal before it gives up leadership (typical 10 s). */
  readonly renewDeadlineMs: number;
  /** Wait between tries (typical 2 s). */
  readonly retryPeriodMs: number;
  readonly callbacks: LeaderCallbacks;
  /** On cancellation, write the Lease with an empty holder so another candidate takes over at once. */
  readonly releaseOnCancel?: boolean;
  /** A name for messages (defaults to the lock's description). */
  readonly name?: string;
  /** Default {@link realClock}. */
  readonly clock?: Clock;
  /** Random numbers in [0, 1) for the jitter. Default Math.random. */
  readonly random?: () => number;
  /** Bound on each lock call. Default max(1000, renewDeadlineMs / 2), as client-go's NewFromKubeconfig. */
  readonly requestTimeoutMs?: number;
  /**
   * Told about failed lock calls and failing callbacks (a lease held by
   * someone else is not an error). Default: a one-line console.warn.
   */
  readonly onError?: (err: unknown, during: string) => void;
}

class DeadlineError extends Error {
  override readonly name = "DeadlineError";
}

/** Validates a config the way client-go's NewLeaderElector does; throws a RangeError or TypeError. */
export function validateLeaderElectionConfig(config: LeaderElectionConfig): void {
  const { leaseDurationMs: lease, renewDeadlineMs: renew, retryPeriodMs: retry } = config;
  for (const [name, v] of [
    ["leaseDurationMs", lease],
    ["renewDeadlineMs", renew],
    ["retryPeriodMs", retry],
  ] as const) {
    if (!(typeof v === "number" && Number.isFinite(v) && v > 0)) throw new RangeError(`${name} must be greater than zero, got ${v}`);
  }
  if (!(lease > renew)) throw new RangeError(`leaseDurationMs (${lease}) must be greater than renewDeadlineMs (${renew})`);
  if (!(renew > JITTER_FACTOR * retry)) {
    throw new RangeError(`renewDeadlineMs (${renew}) must be greater than retryPeriodMs × ${JITTER_FACTOR} (${JITTER_FACTOR * retry})`);
  }
  if (lease < 1000) throw new RangeError(`leaseDurationMs must be at least 1000 (the Lease stores whole seconds), got ${lease}`);
  if (!config.lock) throw new TypeError("leader election needs a lock");
  if (!config.lock.identity) throw new TypeError("leader election needs a lock with a non-empty identity");
  if (typeof config.callbacks?.onStartedLeading !== "function") throw new TypeError("callbacks.onStartedLeading is required");
  if (typeof config.callbacks?.onStoppedLeading !== "function") throw new TypeError("callbacks.onStoppedLeading is required");
}

/** An AbortSignal that aborts after `ms` on `clock`, or when `parent` aborts. */
function deadlineSignal(clock: Clock, ms: number, parent: AbortSignal | undefined, what: string): { signal: AbortSignal; cancel: () => void } {
  const ac = new AbortController();
  const onParent = (): void => ac.abort(parent?.reason);
  let cancelTimer: CancelTimer = () => {};
  if (parent?.aborted) ac.abort(parent.reason);
  else {
    parent?.addEventListener("abort", onParent, { once: true });
    cancelTimer = clock.setTimer(ms, () => ac.abort(new DeadlineError(`${what} timed out after ${ms} ms`)));
  }
  return {
    signal: ac.signal,
    cancel: () => {
      cancelTimer();
      parent?.removeEventListener("abort", onParent);
    },
  };
}

/** Settles like `p`, or rejects with the signal's reason as soon as it aborts. */
function raceAbort<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    p.catch(() => {});
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}

/**
 * Leader election over a {@link ResourceLock} (client-go `LeaderElector`).
 *
 * ```ts
 * const elector = new LeaderElector({
 *   lock: new LeaseLock({ client, namespace: "kube-system", name: "my-controller", identity: podName }),
 *   leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000,
 *   releaseOnCancel: true,
 *   callbacks: { onStartedLeading: (signal) => runController(signal), onStoppedLeading: () => process.exit(0) },
 * });
 * await elector.run(shutdownSignal);
 * ```
 */
export class LeaderElector {
  readonly config: LeaderElectionConfig;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #requestTimeoutMs: number;
  readonly #leaseSeconds: number;
  readonly #name: string;
  #observedRecord: LeaderElectionRecord | undefined;
  #observedRaw: string | undefined;
  /** Monotonic time at which the observed record last changed (client-go observedTime). */
  #observedTime = 0;
  #reportedLeader = "";
  /** The current or last term of leadership; live only between acquiring and losing the lease. */
  #term: LeaderTerm | undefined;
  #running = false;

  constructor(config: LeaderElectionConfig) {
    validateLeaderElectionConfig(config);
    this.config = config;
    this.#clock = config.clock ?? realClock;
    this.#random = config.random ?? Math.random;
    this.#requestTimeoutMs = config.requestTimeoutMs ?? Math.max(1000, config.renewDeadlineMs / 2);
    this.#leaseSeconds = Math.floor(config.leaseDurationMs / 1000);
    this.#name = config.name ?? config.lock.describe();
  }

  /** This candidate's identity. */
  get identity(): string {
    return this.config.lock.identity;
  }

  /**
   * True while this candidate leads. Checks the renew deadline synchronously
   * (the same as {@link checkLeadership}), so it turns false, and the leading
   * signal aborts, the moment leadership has run out, even if no timer has
   * fired since (after a pause).
   */
  isLeader(): boolean {
    return this.#term?.check() ?? false;
  }

  /**
   * The guard to call first in any work done as leader, above all after a
   * pause (a timer callback, a queue item, before a write): true while this
   * candidate leads. If the last successful renewal started renewDeadline or
   * more ago it ends leadership on the spot (aborting the leading signal with
   * a {@link LeadershipLostError}, synchronously) and returns false. Between
   * this check and a write that reaches the server, time passes; see
   * {@link confirmLeadership} and {@link fencingToken} for critical writes.
   */
  checkLeadership(): boolean {
    return this.isLeader();
  }

  /**
   * The token of the current term, when this candidate leads (deadline
   * checked as in {@link checkLeadership}); undefined otherwise. Store
   * `token.term` with what you write (an annotation), write with a
   * resourceVersion precondition, and refuse to write over an object that
   * carries a larger term: a stale leader then cannot overwrite an object a
   * later leader has already written (it can still write one the later leader
   * has not touched yet). The API server does not check the Lease for you.
   */
  fencingToken(): LeadershipToken | undefined {
    const term = this.#term;
    return term?.check() ? term.token : undefined;
  }

  /**
   * Re-reads the lock from the server and resolves to the token when the
   * Lease still names this candidate in the same term and the renew deadline
   * has not passed by the time the answer arrived; undefined otherwise. When
   * the Lease names someone else (or a later term), leadership ends at once.
   * A failed read resolves to undefined without ending leadership. This
   * narrows the window for a stale write to the time between this answer and
   * your write reaching the server; it does not close it.
   */
  async confirmLeadership(signal?: AbortSignal): Promise<LeadershipToken | undefined> {
    const term = this.#term;
    if (!term?.check()) return undefined;
    const lock = this.config.lock;
    // Abandoned when the term ends, when the caller's signal aborts, or after requestTimeoutMs (#call).
    const link = new AbortController();
    const unlink = [term.signal, signal].map((s) => {
      const onAbort = (): void => link.abort(s?.reason);
      if (s?.aborted) link.abort(s.reason);
      s?.addEventListener("abort", onAbort, { once: true });
      return () => s?.removeEventListener("abort", onAbort);
    });
    let current: ObservedRecord | undefined;
    try {
      current = await this.#call(link.signal, "read", (s) => (lock.read ? lock.read(s) : lock.get(s)));
    } catch (err) {
      if (!link.signal.aborted) this.#report(err, `confirm ${lock.describe()}`);
      return undefined;
    } finally {
      for (const u of unlink) u();
    }
    const r = current?.record;
    if (!r || r.holderIdentity !== lock.identity || r.leaderTransitions !== term.token.term) {
      term.end(new LeadershipLostError(`leader election ${this.#name}: the lease is held by ${r?.holderIdentity || "nobody"} (term ${r?.leaderTransitions ?? "-"})`));
      return undefined;
    }
    return term.check() ? term.token : undefined;
  }

  /** The holder last observed in the lock, or undefined when none was seen (or the lock was released). */
  getLeader(): string | undefined {
    return this.#observedRecord?.holderIdentity || undefined;
  }

  /**
   * Health check (client-go `Check`): an Error when this candidate leads but
   * has not renewed for longer than leaseDuration + `maxTolerableExpiredLeaseMs`
   * (e.g. the event loop was stalled), otherwise undefined. Non-leaders are healthy.
   */
  check(maxTolerableExpiredLeaseMs: number): Error | undefined {
    // A term that ran out while the loop was stalled still counts until run() notices and returns.
    if (!this.#running || !this.#term || !this.#observedSelf()) return undefined;
    const since = this.#clock.monotonicMs() - this.#observedTime;
    if (since > this.config.leaseDurationMs + maxTolerableExpiredLeaseMs) {
      return new Error(`leader election ${this.#name}: failed to renew leadership for ${since} ms`);
    }
    return undefined;
  }

  /**
   * Campaigns until this candidate leads, then keeps renewing until the lease
   * is lost or `signal` aborts; then releases (if `releaseOnCancel`), calls
   * onStoppedLeading and resolves. Like client-go it does not campaign again
   * after losing the lease; call run() again (or exit) to do so. While it runs
   * it keeps the Node process alive.
   */
  async run(signal: AbortSignal): Promise<void> {
    if (this.#running) throw new Error(`leader election ${this.#name}: run() is already running`);
    this.#running = true;
    this.#term = undefined;
    // No keep-alive of its own: between attempts it sleeps with sleepOn, and
    // sleeps hold the process (util/clock.ts), as a blocked Run does in Go.
    try {
      const acquiredStart = await this.#acquire(signal);
      if (acquiredStart === undefined) return;
      const term = new LeaderTerm(this.#clock, this.config.renewDeadlineMs, acquiredStart, {
        lock: this.config.lock.describe(),
        identity: this.identity,
        term: this.#observedRecord?.leaderTransitions ?? 0,
      });
      this.#term = term;
      const onOuterAbort = (): void => term.end(signal.reason);
      signal.addEventListener("abort", onOuterAbort, { once: true });
      try {
        // An acquisition that took longer than renewDeadline (a pause mid-try) never starts leading.
        if (term.check()) {
          this.#startLeading(term.signal);
          await this.#renew(term);
        }
      } finally {
        term.end(signal.aborted ? signal.reason : new LeadershipLostError(`leader election ${this.#name}: could not renew the lease within ${this.config.renewDeadlineMs} ms`));
        signal.removeEventListener("abort", onOuterAbort);
      }
      if (this.config.releaseOnCancel) await this.#release();
    } finally {
      this.#running = false;
      try {
        this.config.callbacks.onStoppedLeading();
      } catch (err) {
        this.#report(err, "onStoppedLeading");
      }
    }
  }

  #startLeading(signal: AbortSignal): void {
    void (async () => {
      try {
        await this.config.callbacks.onStartedLeading(signal);
      } catch (err) {
        this.#report(err, "onStartedLeading");
      }
    })();
  }

  /** Campaigns; resolves to the monotonic start of the winning try, or undefined when `signal` aborted. */
  async #acquire(signal: AbortSignal): Promise<number | undefined> {
    for (;;) {
      if (signal.aborted) return undefined;
      const start = this.#clock.monotonicMs();
      const ok = await this.#tryAcquireOrRenew(signal, start);
      this.#maybeReportTransition();
      if (ok) return start;
      const period = this.config.retryPeriodMs * (1 + this.#random() * JITTER_FACTOR);
      try {
        await sleepOn(this.#clock, period, signal);
      } catch {
        return undefined;
      }
    }
  }

  /**
   * Renews every retryPeriod while the term lives (client-go renew). The term
   * ends by itself at lastRenewStart + renewDeadline; every lock call is
   * abandoned then, as it runs on the term's signal.
   */
  async #renew(term: LeaderTerm): Promise<void> {
    for (;;) {
      if (!term.check()) return;
      const start = this.#clock.monotonicMs();
      const ok = await this.#tryAcquireOrRenew(term.signal, start);
      this.#maybeReportTransition();
      if (ok) term.renewed(start);
      if (!term.check()) return;
      try {
        await sleepOn(this.#clock, this.config.retryPeriodMs, term.signal);
      } catch {
        return;
      }
    }
  }

  /**
   * One attempt (client-go `tryAcquireOrRenew`), begun at monotonic `start`.
   * Never throws; failures are reported and return false.
   */
  async #tryAcquireOrRenew(signal: AbortSignal, start: number): Promise<boolean> {
    const lock = this.config.lock;
    const stamp = formatMicroTime(this.#clock.now());
    const desired: LeaderElectionRecord = {
      holderIdentity: lock.identity,
      leaseDurationSeconds: this.#leaseSeconds,
      acquireTime: stamp,
      renewTime: stamp,
      leaderTransitions: 0,
    };

    // 1. Fast path: we hold it and our view is fresh; update over the cached object.
    if (this.#observedSelf() && this.#isLeaseValid(start)) {
      const observed = this.#observedRecord!;
      const record = { ...desired, ...this.#kept(observed), leaderTransitions: observed.leaderTransitions };
      try {
        await this.#call(signal, "update", (s) => lock.update(record, s));
        this.#setObserved(record);
        return true;
      } catch (err) {
        if (signal.aborted) return false;
        this.#report(err, `optimistic update of ${lock.describe()} (falling back to get)`);
      }
    }

    // 2. Read the record, creating the lock if it does not exist.
    let current;
    try {
      current = await this.#call(signal, "get", (s) => lock.get(s));
    } catch (err) {
      if (!signal.aborted) this.#report(err, `get ${lock.describe()}`);
      return false;
    }
    if (!current) {
      try {
        await this.#call(signal, "create", (s) => lock.create(desired, s));
      } catch (err) {
        if (!signal.aborted) this.#report(err, `create ${lock.describe()}`);
        return false;
      }
      this.#setObserved(desired);
      return true;
    }

    // 3. A changed record restarts the local expiry clock; remote times are never read.
    if (current.raw !== this.#observedRaw) {
      this.#observedRaw = current.raw;
      this.#setObserved(current.record);
    }
    if (current.record.holderIdentity && this.#isLeaseValid(start) && !this.#observedSelf()) return false;

    // 4. Take it over (or renew it on the slow path).
    const record = this.#observedSelf()
      ? { ...desired, ...this.#kept(current.record), leaderTransitions: current.record.leaderTransitions }
      : { ...desired, leaderTransitions: current.record.leaderTransitions + 1 };
    try {
      await this.#call(signal, "update", (s) => lock.update(record, s));
    } catch (err) {
      if (!signal.aborted && !isConflict(err)) this.#report(err, `update ${lock.describe()}`);
      return false;
    }
    this.#setObserved(record);
    return true;
  }

  /** client-go's release: empty holder, leaseDurationSeconds 1, transitions kept; retried within renewDeadline. */
  async #release(): Promise<void> {
    if (!this.#observedSelf()) return;
    const lock = this.config.lock;
    const round = deadlineSignal(this.#clock, this.config.renewDeadlineMs, undefined, `releasing ${this.#name}`);
    try {
      for (;;) {
        const stamp = formatMicroTime(this.#clock.now());
        const record: LeaderElectionRecord = {
          holderIdentity: "",
          leaseDurationSeconds: 1,
          acquireTime: stamp,
          renewTime: stamp,
          leaderTransitions: this.#observedRecord?.leaderTransitions ?? 0,
        };
        try {
          await this.#call(round.signal, "update", (s) => lock.update(record, s));
          this.#setObserved(record);
          return;
        } catch (err) {
          if (round.signal.aborted) {
            this.#report(err, `release ${lock.describe()}`);
            return;
          }
          if (isConflict(err)) {
            // Someone wrote since we last did: re-read; if it is no longer ours there is nothing to release.
            try {
              const current = await this.#call(round.signal, "get", (s) => lock.get(s));
              if (!current || current.record.holderIdentity !== lock.identity) return;
              this.#observedRaw = current.raw;
              this.#setObserved(current.record);
              continue;
            } catch {
              // fall through to the wait
            }
          } else {
            this.#report(err, `release ${lock.describe()}`);
          }
        }
        try {
          await sleepOn(this.#clock, this.config.retryPeriodMs, round.signal);
        } catch {
          return;
        }
      }
    } finally {
      round.cancel();
    }
  }

  #kept(record: LeaderElectionRecord): Pick<LeaderElectionRecord, "acquireTime"> {
    return record.acquireTime ? { acquireTime: record.acquireTime } : {};
  }

  #setObserved(record: LeaderElectionRecord): void {
    this.#observedRecord = record;
    this.#observedTime = this.#clock.monotonicMs();
  }

  #observedSelf(): boolean {
    return this.#observedRecord?.holderIdentity === this.config.lock.identity;
  }

  /** Whether the observed lease is still valid at monotonic `now`. */
  #isLeaseValid(now: number): boolean {
    const seconds = this.#observedRecord?.leaseDurationSeconds ?? 0;
    return this.#observedTime + seconds * 1000 > now;
  }

  #maybeReportTransition(): void {
    const holder = this.#observedRecord?.holderIdentity ?? "";
    if (holder === this.#reportedLeader) return;
    this.#reportedLeader = holder;
    const onNewLeader = this.config.callbacks.onNewLeader;
    if (!onNewLeader) return;
    try {
      onNewLeader(holder);
    } catch (err) {
      this.#report(err, "onNewLeader");
    }
  }

  /** One lock call, bounded by the request timeout and abandoned as soon as `signal` aborts. */
  #call<T>(signal: AbortSignal, what: string, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const bound = deadlineSignal(this.#clock, this.#requestTimeoutMs, signal, `${what} ${this.config.lock.describe()}`);
    let p: Promise<T>;
    try {
      p = fn(bound.signal);
    } catch (err) {
      p = Promise.reject(err);
    }
    return raceAbort(p, bound.signal).finally(bound.cancel);
  }

  #report(err: unknown, during: string): void {
    const onError = this.config.onError;
    if (onError) {
      try {
        onError(err, during);
      } catch {
        // a failing reporter must not break the election loop
      }
      return;
    }
    console.warn(`leader election ${this.#name}: ${during}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
