// A token bucket: `qps` tokens per second, holding at most `burst`. Callers
// reserve a token and learn how long to wait for it, so waits queue fairly.
// Used by the transport's client-side QPS limit (client-go
// util/flowcontrol/throttle.go) and the workqueue's BucketRateLimiter
// (util/workqueue/default_rate_limiters.go); both sit on golang.org/x/time/rate
// semantics: the bucket starts full, and reservations may drive it negative.

import { realClock, type Clock } from "./clock.js";

/** A token bucket rate limiter. */
export class TokenBucket {
  readonly qps: number;
  readonly burst: number;
  readonly #clock: Clock;
  #tokens: number;
  #last: number;

  /**
   * @param qps tokens added per second (> 0)
   * @param burst bucket size (>= 1)
   */
  constructor(qps: number, burst: number, clock: Clock = realClock) {
    if (!(qps > 0)) throw new RangeError(`token bucket qps must be > 0, got ${qps}`);
    if (!(burst >= 1)) throw new RangeError(`token bucket burst must be >= 1, got ${burst}`);
    this.qps = qps;
    this.burst = burst;
    this.#clock = clock;
    this.#tokens = burst;
    this.#last = clock.now();
  }

  #refill(): void {
    const now = this.#clock.now();
    if (now > this.#last) {
      this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#last) * this.qps) / 1000);
      this.#last = now;
    }
  }

  /** Takes a token now if one is available. */
  tryAccept(): boolean {
    this.#refill();
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return true;
    }
    return false;
  }

  /** Reserves a token and returns how many milliseconds to wait before using it (0 = now). */
  reserve(): number {
    this.#refill();
    this.#tokens -= 1;
    return this.#tokens >= 0 ? 0 : (-this.#tokens * 1000) / this.qps;
  }

  /** Waits for a token. If the signal aborts, rejects and gives the reservation back. */
  async wait(signal?: AbortSignal): Promise<void> {
    const delay = this.reserve();
    if (delay <= 0) return;
    try {
      await this.#clock.sleep(delay, signal);
    } catch (err) {
      this.#tokens += 1;
      throw err;
    }
  }
}
