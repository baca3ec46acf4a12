// LeaderElector: client-go's acquire/renew loop over a ResourceLock.
// Mirrors client-go tools/leaderelection/leaderelection.go:
//   - acquire: try every retryPeriod with jitter (factor 1.2) until it works;
//   - renew: every retryPeriod, retry for up to renewDeadline; if no try
//     succeeds in time, leadership is lost;
//   - a lease held by another candidate counts as expired only when the LOCAL
//     time at which this candidate last saw the record change, plus the
//     record's leaseDurationSeconds, has passed. Timestamps written by other
//     machines are never compared with the local clock, so clock skew between
//     candidates does not matter.
// Differences from client-go, on purpose:
//   - the leading AbortSignal aborts the moment leadership is lost (client-go
//     cancels the context only after the optional release);
//   - a renew round also gives up at (start of the last successful renew +
//     the lease duration written), so a tight configuration cannot keep
//     believing it leads after the others may already have taken over;
//   - every lock call is bounded by requestTimeoutMs (client-go gets the same
//     effect from the HTTP client timeout NewFromKubeconfig sets) and raced
//     against the deadline, so a client that ignores abort cannot stall it;
//   - isLeader() is true only while the leading signal is live.

import { isConflict } from "../errors/api-error.js";
import { realClock, sleepOn, type CancelTimer, type Clock } from "../util/clock.js";
import type { ResourceLock } from "./lease-lock.js";
import { formatMicroTime, type LeaderElectionRecord } from "./record.js";

/** client-go's `JitterFactor`: acquire retries wait retryPeriod × [1, 2.2). */
export const JITTER_FACTOR = 1.2;

/** What the elector calls as leadership comes and goes (client-go `LeaderCallbacks`). */
export interface LeaderCallbacks {
  /**
   * Called when this candidate becomes leader. `signal` aborts the moment
   * leadership ends (lost, or run() cancelled). Not awaited; a rejection is
   * reported to `onError`.
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

/** Why the leading signal aborted when the lease could not be renewed in time. */
export class LeadershipLostError extends Error {
  override readonly name = "LeadershipLostError";
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
  #observedTime = 0;
  #reportedLeader = "";
  /** Start of the try that last renewed (or acquired) the lease successfully. */
  #lastSuccessStart = 0;
  #leading: AbortController | undefined;
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

  /** True while this candidate leads (between onStartedLeading and the abort of its signal). */
  isLeader(): boolean {
    return this.#leading !== undefined && !this.#leading.signal.aborted;
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
    if (!this.isLeader()) return undefined;
    const since = this.#clock.now() - this.#observedTime;
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
    // No keep-alive of its own: between attempts it sleeps with sleepOn, and
    // sleeps hold the process (util/clock.ts), as a blocked Run does in Go.
    try {
      if (!(await this.#acquire(signal))) return;
      const leading = new AbortController();
      this.#leading = leading;
      const onOuterAbort = (): void => leading.abort(signal.reason);
      signal.addEventListener("abort", onOuterAbort, { once: true });
      this.#startLeading(leading.signal);
      try {
        await this.#renew(signal, leading);
      } finally {
        if (!leading.signal.aborted) leading.abort(signal.reason);
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

  async #acquire(signal: AbortSignal): Promise<boolean> {
    for (;;) {
      if (signal.aborted) return false;
      const ok = await this.#tryAcquireOrRenew(signal);
      this.#maybeReportTransition();
      if (ok) return true;
      const period = this.config.retryPeriodMs * (1 + this.#random() * JITTER_FACTOR);
      try {
        await sleepOn(this.#clock, period, signal);
      } catch {
        return false;
      }
    }
  }

  async #renew(outer: AbortSignal, leading: AbortController): Promise<void> {
    const { renewDeadlineMs, retryPeriodMs } = this.config;
    while (!outer.aborted) {
      const now = this.#clock.now();
      const deadline = Math.min(now + renewDeadlineMs, this.#lastSuccessStart + this.#leaseSeconds * 1000);
      const round = deadlineSignal(this.#clock, deadline - now, outer, `renewing ${this.#name}`);
      let renewed = false;
      try {
        for (;;) {
          if (await this.#tryAcquireOrRenew(round.signal)) {
            renewed = true;
            break;
          }
          if (round.signal.aborted) break;
          try {
            await sleepOn(this.#clock, retryPeriodMs, round.signal);
          } catch {
            break;
          }
        }
      } finally {
        round.cancel();
      }
      this.#maybeReportTransition();
      if (outer.aborted) return;
      if (!renewed) {
        leading.abort(new LeadershipLostError(`leader election ${this.#name}: could not renew the lease within ${renewDeadlineMs} ms`));
        return;
      }
      try {
        await sleepOn(this.#clock, retryPeriodMs, outer);
      } catch {
        return;
      }
    }
  }

  /** One attempt (client-go `tryAcquireOrRenew`). Never throws; failures are reported and return false. */
  async #tryAcquireOrRenew(signal: AbortSignal): Promise<boolean> {
    const lock = this.config.lock;
    const start = this.#clock.now();
    const stamp = formatMicroTime(start);
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
        this.#succeeded(record, start);
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
      this.#succeeded(desired, start);
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
    this.#succeeded(record, start);
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

  #succeeded(record: LeaderElectionRecord, start: number): void {
    this.#setObserved(record);
    this.#lastSuccessStart = start;
  }

  #setObserved(record: LeaderElectionRecord): void {
    this.#observedRecord = record;
    this.#observedTime = this.#clock.now();
  }

  #observedSelf(): boolean {
    return this.#observedRecord?.holderIdentity === this.config.lock.identity;
  }

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
