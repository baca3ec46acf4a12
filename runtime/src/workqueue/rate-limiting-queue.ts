// The rate-limiting queue: a delaying queue whose addRateLimited asks a
// RateLimiter how long the item should wait. Mirrors client-go
// util/workqueue/rate_limiting_queue.go.

import { DelayingQueueImpl, type DelayingQueue } from "./delaying-queue.js";
import type { QueueOptions } from "./queue.js";
import { defaultControllerRateLimiter, type RateLimiter } from "./rate-limiters.js";

/** A queue with per-item retry backoff (client-go `TypedRateLimitingInterface`). */
export interface RateLimitingQueue<T> extends DelayingQueue<T> {
  /** Adds the item once the rate limiter says it may be retried: `addAfter(item, limiter.when(item))`. */
  addRateLimited(item: T): void;
  /** Clears the item's retry history in the rate limiter. Does not remove it from the queue. */
  forget(item: T): void;
  /** How many times the item was requeued with addRateLimited since it was last forgotten. */
  numRequeues(item: T): number;
}

/** The rate-limiting queue. Use {@link createRateLimitingQueue}. */
export class RateLimitingQueueImpl<T> extends DelayingQueueImpl<T> implements RateLimitingQueue<T> {
  /** The limiter addRateLimited, forget and numRequeues consult. */
  readonly rateLimiter: RateLimiter<T>;

  constructor(rateLimiter: RateLimiter<T> | undefined, options: QueueOptions<T> = {}) {
    super(options);
    this.rateLimiter =
      rateLimiter ??
      defaultControllerRateLimiter<T>({ ...(options.clock ? { clock: options.clock } : {}), ...(options.keyOf ? { keyOf: options.keyOf } : {}) });
  }

  addRateLimited(item: T): void {
    if (this.shuttingDown()) return;
    this.addAfter(item, this.rateLimiter.when(item));
  }

  forget(item: T): void {
    this.rateLimiter.forget(item);
  }

  numRequeues(item: T): number {
    return this.rateLimiter.numRequeues(item);
  }
}

/**
 * Creates a rate-limiting queue (client-go `NewTypedRateLimitingQueueWithConfig`).
 * Without a limiter it uses {@link defaultControllerRateLimiter} on the queue's
 * clock and key function.
 */
export function createRateLimitingQueue<T>(rateLimiter?: RateLimiter<T>, options?: QueueOptions<T>): RateLimitingQueue<T> {
  return new RateLimitingQueueImpl<T>(rateLimiter, options);
}
