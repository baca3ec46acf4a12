// LeaderTerm: one stretch of leadership of one LeaderElector, from the write
// that acquired the lease to the moment it ends. It owns the leading
// AbortSignal, the monotonic start of the last successful renewal, and the
// rule that ends it: leadership is over once
//     monotonicMs() - lastRenewStart >= renewDeadline
// whether or not any timer has fired yet. A process that was paused (SIGSTOP,
// a long synchronous stall, a VM freeze) runs its due timers in arbitrary
// order when it resumes, so the rule is checked synchronously on every read:
// check(), the elector's isLeader() and checkLeadership(), and the leading
// signal's own `aborted` getter and `throwIfAborted()`. A term that has ended
// never resumes, even if a renewal that was in flight succeeds afterwards.

import type { CancelTimer, Clock } from "../util/clock.js";

/** Why the leading signal aborted when the lease could not be renewed in time. */
export class LeadershipLostError extends Error {
  override readonly name = "LeadershipLostError";
}

/**
 * Identifies one term of leadership, for fencing writes (see
 * {@link LeaderElector.fencingToken}). `term` is the Lease's
 * `leaseTransitions` as this candidate wrote it when it acquired the lease: it
 * grows by one on every change of holder, so a later leader always has a
 * larger term, unless someone deletes and recreates the Lease (the count then
 * starts again at 0).
 */
export interface LeadershipToken {
  /** The lock, as `namespace/name`. */
  readonly lock: string;
  readonly identity: string;
  readonly term: number;
}

const ABORTED = Object.getOwnPropertyDescriptor(AbortSignal.prototype, "aborted")!.get!;

/** One term of leadership; the elector creates it on acquiring the lease and ends it on loss or cancellation. */
export class LeaderTerm {
  readonly token: LeadershipToken;
  readonly #controller = new AbortController();
  readonly #clock: Clock;
  readonly #renewDeadlineMs: number;
  readonly #what: string;
  /** Monotonic start of the try that last acquired or renewed the lease. */
  #lastRenewStart: number;
  #ended = false;
  #cancelTimer: CancelTimer = () => {};

  constructor(clock: Clock, renewDeadlineMs: number, acquiredStart: number, token: LeadershipToken) {
    this.#clock = clock;
    this.#renewDeadlineMs = renewDeadlineMs;
    this.#lastRenewStart = acquiredStart;
    this.token = token;
    this.#what = `leader election ${token.lock}`;
    const signal = this.#controller.signal;
    // Reading the signal runs the deadline check first, so `if (signal.aborted) return`
    // at the top of a callback is safe after a pause, before any timer has fired.
    Object.defineProperty(signal, "aborted", { configurable: true, get: () => !this.check() || ABORTED.call(signal) });
    Object.defineProperty(signal, "throwIfAborted", {
      configurable: true,
      value: () => {
        if (!this.check()) throw signal.reason;
      },
    });
    this.#arm();
  }

  /** Aborts when the term ends; reading `aborted` checks the deadline first. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Monotonic instant at which the term ends unless a renewal started before it succeeds. */
  get deadline(): number {
    return this.#lastRenewStart + this.#renewDeadlineMs;
  }

  /** True while the term is live; ends it (aborting the signal, synchronously) once the deadline has passed. */
  check(): boolean {
    if (this.#ended) return false;
    const late = this.#clock.monotonicMs() - this.#lastRenewStart;
    if (late >= this.#renewDeadlineMs) {
      this.end(new LeadershipLostError(`${this.#what}: lease not renewed for ${Math.round(late)} ms (renew deadline ${this.#renewDeadlineMs} ms)`));
      return false;
    }
    return true;
  }

  /**
   * Records a successful renewal whose try started at `start` (monotonic).
   * Returns false, and changes nothing, when the term has already ended: a
   * renewal that lands after the deadline does not bring leadership back.
   */
  renewed(start: number): boolean {
    if (!this.check()) return false;
    this.#lastRenewStart = Math.max(this.#lastRenewStart, start);
    this.#arm();
    return this.check();
  }

  /** Ends the term and aborts the signal with `reason`. Later calls do nothing. */
  end(reason: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#cancelTimer();
    this.#controller.abort(reason);
  }

  /** A timer at the deadline, so the signal aborts on time even when nobody reads it. */
  #arm(): void {
    this.#cancelTimer();
    const ms = this.deadline - this.#clock.monotonicMs();
    this.#cancelTimer = this.#clock.setTimer(Math.max(0, ms), () => {
      if (this.check()) this.#arm(); // a timer that fired a little early
    });
  }
}
