// Rate limiters for the rate-limiting queue: how long an item should wait
// before it is retried. Mirrors client-go
// util/workqueue/default_rate_limiters.go (names, defaults, max-of semantics).
// All delays are in milliseconds.

import { realClock, type Clock } from "../util/clock.js";
import { TokenBucket } from "../util/token-bucket.js";

/** Decides retry delays (client-go `TypedRateLimiter`). */
export interface RateLimiter<T> {
  /** How long (ms) the item should wait before its next try. Counts as one more requeue for per-item limiters. */
  when(item: T): number;
  /** Clears the item's history (call after it was processed successfully). */
  forget(item: T): void;
  /** How many times the item has been requeued since it was last forgotten. */
  numRequeues(item: T): number;
}

/** Options of the per-item rate limiters. */
export interface PerItemOptions<T> {
  /** Identifies an item; default: the item itself (see `QueueOptions.keyOf`). */
  readonly keyOf?: (item: T) => unknown;
}

const identity = (item: unknown): unknown => item;

/**
 * Per-item exponential backoff: the n-th requeue of an item (n from 0) waits
 * `baseDelayMs * 2^n`, capped at `maxDelayMs`. Defaults 5 ms and 1000 s, as in
 * client-go's `DefaultControllerRateLimiter`.
 */
export class ItemExponentialFailureRateLimiter<T> implements RateLimiter<T> {
  /** Delay of an item's first requeue. */
  readonly baseDelayMs: number;
  /** Upper bound of any delay. */
  readonly maxDelayMs: number;
  readonly #failures = new Map<unknown, number>();
  readonly #keyOf: (item: T) => unknown;

  constructor(baseDelayMs = 5, maxDelayMs = 1_000_000, options: PerItemOptions<T> = {}) {
    if (!(baseDelayMs >= 0) || !(maxDelayMs >= 0)) {
      throw new RangeError(`exponential rate limiter delays must be >= 0, got base ${baseDelayMs} ms, max ${maxDelayMs} ms`);
    }
    this.baseDelayMs = baseDelayMs;
    this.maxDelayMs = maxDelayMs;
    this.#keyOf = options.keyOf ?? (identity as (item: T) => unknown);
  }

  when(item: T): number {
    const key = this.#keyOf(item);
    const exp = this.#failures.get(key) ?? 0;
    this.#failures.set(key, exp + 1);
    const backoff = this.baseDelayMs === 0 ? 0 : this.baseDelayMs * 2 ** exp; // Infinity for huge exp, then capped
    return Math.min(backoff, this.maxDelayMs);
  }

  forget(item: T): void {
    this.#failures.delete(this.#keyOf(item));
  }

  numRequeues(item: T): number {
    return this.#failures.get(this.#keyOf(item)) ?? 0;
  }
}

/**
 * Per-item: the first `maxFastAttempts` requeues of an item wait `fastDelayMs`,
 * later ones `slowDelayMs` (client-go `ItemFastSlowRateLimiter`).
 */
export class ItemFastSlowRateLimiter<T> implements RateLimiter<T> {
  /** Delay of the first maxFastAttempts requeues. */
  readonly fastDelayMs: number;
  /** Delay of later requeues. */
  readonly slowDelayMs: number;
  /** How many requeues get the fast delay. */
  readonly maxFastAttempts: number;
  readonly #attempts = new Map<unknown, number>();
  readonly #keyOf: (item: T) => unknown;

  constructor(fastDelayMs: number, slowDelayMs: number, maxFastAttempts: number, options: PerItemOptions<T> = {}) {
    this.fastDelayMs = fastDelayMs;
    this.slowDelayMs = slowDelayMs;
    this.maxFastAttempts = maxFastAttempts;
    this.#keyOf = options.keyOf ?? (identity as (item: T) => unknown);
  }

  when(item: T): number {
    const key = this.#keyOf(item);
    const n = (this.#attempts.get(key) ?? 0) + 1;
    this.#attempts.set(key, n);
    return n <= this.maxFastAttempts ? this.fastDelayMs : this.slowDelayMs;
  }

  forget(item: T): void {
    this.#attempts.delete(this.#keyOf(item));
  }

  numRequeues(item: T): number {
    return this.#attempts.get(this.#keyOf(item)) ?? 0;
  }
}

/** Options of {@link BucketRateLimiter}. */
export interface BucketRateLimiterOptions {
  /** Tokens per second. Default 10. */
  readonly qps?: number;
  /** Bucket size. Default 100. */
  readonly burst?: number;
  /** Default {@link realClock}. */
  readonly clock?: Clock;
}

/**
 * One token bucket shared by all items: bounds the overall retry rate
 * (client-go `TypedBucketRateLimiter`, 10 qps and burst 100 in the default
 * controller limiter). `when` reserves a token and returns the wait for it;
 * items have no history, so numRequeues is always 0.
 */
export class BucketRateLimiter<T = unknown> implements RateLimiter<T> {
  /** The shared bucket (runtime/src/util/token-bucket.ts). */
  readonly bucket: TokenBucket;

  constructor(options: BucketRateLimiterOptions | TokenBucket = {}) {
    this.bucket =
      options instanceof TokenBucket
        ? options
        : new TokenBucket(options.qps ?? 10, options.burst ?? 100, options.clock ?? realClock);
  }

  when(_item: T): number {
    return this.bucket.reserve();
  }

  forget(_item: T): void {}

  numRequeues(_item: T): number {
    return 0;
  }
}

/**
 * Combines limiters: `when` asks every one (so each records the requeue) and
 * returns the longest delay; numRequeues is the largest; forget forgets in all
 * (client-go `TypedMaxOfRateLimiter`).
 */
export class MaxOfRateLimiter<T> implements RateLimiter<T> {
  /** The combined limiters. */
  readonly limiters: readonly RateLimiter<T>[];

  constructor(...limiters: RateLimiter<T>[]) {
    if (limiters.length === 0) throw new RangeError("MaxOfRateLimiter needs at least one limiter");
    this.limiters = limiters;
  }

  when(item: T): number {
    let max = 0;
    for (const l of this.limiters) max = Math.max(max, l.when(item));
    return max;
  }

  forget(item: T): void {
    for (const l of this.limiters) l.forget(item);
  }

  numRequeues(item: T): number {
    let max = 0;
    for (const l of this.limiters) max = Math.max(max, l.numRequeues(item));
    return max;
  }
}

/** Caps another limiter's delay at `maxDelayMs` (client-go `TypedWithMaxWaitRateLimiter`). */
export class WithMaxWaitRateLimiter<T> implements RateLimiter<T> {
  constructor(
    readonly limiter: RateLimiter<T>,
    readonly maxDelayMs: number,
  ) {}

  when(item: T): number {
    return Math.min(this.limiter.when(item), this.maxDelayMs);
  }

  forget(item: T): void {
    this.limiter.forget(item);
  }

  numRequeues(item: T): number {
    return this.limiter.numRequeues(item);
  }
}

/** Options of {@link defaultControllerRateLimiter}. */
export interface DefaultRateLimiterOptions<T> extends PerItemOptions<T> {
  /** Clock of the token bucket. Default {@link realClock}. */
  readonly clock?: Clock;
}

/**
 * client-go's `DefaultTypedControllerRateLimiter`: the larger of per-item
 * exponential backoff (5 ms doubling up to 1000 s) and an overall token bucket
 * of 10 qps with burst 100.
 */
export function defaultControllerRateLimiter<T>(options: DefaultRateLimiterOptions<T> = {}): RateLimiter<T> {
  return new MaxOfRateLimiter<T>(
    new ItemExponentialFailureRateLimiter<T>(5, 1_000_000, options),
    new BucketRateLimiter<T>({ qps: 10, burst: 100, clock: options.clock ?? realClock }),
  );
}

/** client-go's `DefaultTypedItemBasedRateLimiter`: per-item exponential backoff from 1 ms up to 1000 s. */
export function defaultItemBasedRateLimiter<T>(options: PerItemOptions<T> = {}): RateLimiter<T> {
  return new ItemExponentialFailureRateLimiter<T>(1, 1_000_000, options);
}
