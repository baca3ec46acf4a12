// The basic work queue: a FIFO with a dirty set and a processing set.
// Mirrors client-go util/workqueue/queue.go. The guarantees it keeps are
// listed in ./index.ts (the contract); this file implements them.

import { realClock, type Clock } from "../util/clock.js";
import { createQueueMetrics, type MetricsProvider, type QueueMetrics } from "./metrics.js";

/** What {@link Queue.get} resolves with: an item, or `shutdown: true` once the queue is shut down and empty. */
export type GetResult<T> =
  | { readonly item: T; readonly shutdown: false }
  | { readonly item: undefined; readonly shutdown: true };

/** Options shared by every queue constructor. */
export interface QueueOptions<T> {
  /** Queue name; metrics are recorded only for named queues. */
  readonly name?: string;
  /** Time source for delays and metrics. Default: {@link realClock}. */
  readonly clock?: Clock;
  /** Where metrics go. Default: {@link noopMetricsProvider} (nothing recorded). */
  readonly metricsProvider?: MetricsProvider;
  /**
   * Maps an item to the key that identifies it. Two items with the same key
   * (compared with SameValueZero, as Map keys are) are the same item for
   * dedupe and for the one-worker-per-item rule. Default: the item itself, which
   * suits strings and numbers (e.g. `namespace/name` keys); objects are then
   * compared by reference, so pass a key function when queueing objects.
   */
  readonly keyOf?: (item: T) => unknown;
}

/** Options of {@link Queue.get}. */
export interface QueueGetOptions {
  /** Stop waiting: the promise rejects with the signal's reason and no item is taken. */
  readonly signal?: AbortSignal;
}

/** A work queue (client-go `TypedInterface`). See the contract in the workqueue module. */
export interface Queue<T> {
  /** Marks the item as needing processing. Ignored after shutdown and while the item already waits. */
  add(item: T): void;
  /** Items waiting to be handed out (not counting items being processed). */
  len(): number;
  /**
   * Takes the next item, waiting while the queue is empty. The caller must call
   * {@link done} with it when finished. Resolves `{shutdown: true}` only once the
   * queue is shut down and nothing is left to hand out.
   */
  get(options?: QueueGetOptions): Promise<GetResult<T>>;
  /**
   * Ends processing of an item taken with get(); re-queues it if it was added
   * meanwhile. Calling it for an item that is not being processed does nothing.
   */
  done(item: T): void;
  /** Stops accepting adds and wakes every waiting get(). Does not wait for in-flight items. */
  shutDown(): void;
  /**
   * Like {@link shutDown}, then waits until every item handed out by get() is done.
   * Returns early if {@link shutDown} is called meanwhile or the signal aborts.
   */
  shutDownWithDrain(signal?: AbortSignal): Promise<void>;
  /** True once shutDown() or shutDownWithDrain() was called. */
  shuttingDown(): boolean;
}

/** Internal: an array-backed FIFO with O(1) amortised push and shift. */
export class Fifo<V> {
  #items: (V | undefined)[] = [];
  #head = 0;

  get length(): number {
    return this.#items.length - this.#head;
  }

  push(v: V): void {
    this.#items.push(v);
  }

  /** Removes and returns the first element; call only when length > 0. */
  shift(): V {
    const v = this.#items[this.#head] as V;
    this.#items[this.#head++] = undefined;
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return v;
  }
}

interface Waiter<T> {
  resolve(r: GetResult<T>): void;
  reject(err: unknown): void;
  /** Set when the waiter was resolved or gave up; lazily skipped in the FIFO. */
  settled: boolean;
  cleanup(): void;
}

const SHUTDOWN: GetResult<never> = Object.freeze({ item: undefined, shutdown: true as const });

const identity = (item: unknown): unknown => item;

/** The basic queue. Use {@link createQueue}; subclasses add delays and rate limiting. */
export class BasicQueue<T> implements Queue<T> {
  /** The injected clock. */
  protected readonly clock: Clock;
  /** The key function (see {@link QueueOptions.keyOf}). */
  protected readonly keyOf: (item: T) => unknown;
  /** Metrics bookkeeping (no-op unless named and given a provider). */
  protected readonly metrics: QueueMetrics;
  readonly #queue = new Fifo<unknown>();
  /** Items that need processing, by key (queued, or re-added while processing). */
  readonly #dirty = new Map<unknown, T>();
  /** Items handed out by get() and not yet done, by key. */
  readonly #processing = new Map<unknown, T>();
  readonly #waiters = new Fifo<Waiter<T>>();
  #shuttingDown = false;
  #drainWaiters: Array<() => void> = [];

  constructor(options: QueueOptions<T> = {}) {
    this.clock = options.clock ?? realClock;
    this.keyOf = options.keyOf ?? (identity as (item: T) => unknown);
    this.metrics = createQueueMetrics(options.name, options.metricsProvider, this.clock);
  }

  add(item: T): void {
    if (this.#shuttingDown) return;
    const key = this.keyOf(item);
    if (this.#dirty.has(key)) return;
    this.metrics.add(key);
    this.#dirty.set(key, item);
    if (this.#processing.has(key)) return; // queued again by done()
    this.#enqueue(key);
  }

  len(): number {
    return this.#queue.length;
  }

  get(options?: QueueGetOptions): Promise<GetResult<T>> {
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#queue.length > 0) return Promise.resolve({ item: this.#take(this.#queue.shift()), shutdown: false });
    if (this.#shuttingDown) return Promise.resolve(SHUTDOWN);
    return new Promise<GetResult<T>>((resolve, reject) => {
      const waiter: Waiter<T> = {
        resolve,
        reject,
        settled: false,
        cleanup: () => signal?.removeEventListener("abort", onAbort),
      };
      const onAbort = (): void => {
        if (waiter.settled) return;
        waiter.settled = true;
        reject(signal?.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  done(item: T): void {
    const key = this.keyOf(item);
    if (!this.#processing.has(key)) return; // not handed out (or done twice): nothing to end
    this.metrics.done(key);
    this.#processing.delete(key);
    if (this.#dirty.has(key)) this.#enqueue(key);
    if (this.#processing.size === 0) this.#releaseDrainWaiters();
  }

  shutDown(): void {
    this.#beginShutdown();
    this.#releaseDrainWaiters();
  }

  shutDownWithDrain(signal?: AbortSignal): Promise<void> {
    this.#beginShutdown();
    if (this.#processing.size === 0 || signal?.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const onAbort = (): void => finish();
      const finish = (): void => {
        signal?.removeEventListener("abort", onAbort);
        this.#drainWaiters = this.#drainWaiters.filter((w) => w !== finish);
        resolve();
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#drainWaiters.push(finish);
    });
  }

  shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  /** Number of items handed out and not yet done (for tests and health checks). */
  processingCount(): number {
    return this.#processing.size;
  }

  /** Hook for subclasses: called once, when shutdown begins. */
  protected onShutdown(): void {}

  #beginShutdown(): void {
    if (this.#shuttingDown) return;
    this.#shuttingDown = true;
    this.metrics.stop();
    this.onShutdown();
    // Waiters exist only while the queue is empty, so they all learn of the shutdown.
    while (this.#waiters.length > 0) {
      const w = this.#waiters.shift();
      if (w.settled) continue;
      w.settled = true;
      w.cleanup();
      w.resolve(SHUTDOWN);
    }
  }

  #releaseDrainWaiters(): void {
    const waiting = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const finish of waiting) finish();
  }

  /** Hands the item to the longest-waiting get(), or appends it to the FIFO. */
  #enqueue(key: unknown): void {
    while (this.#waiters.length > 0) {
      const w = this.#waiters.shift();
      if (w.settled) continue;
      w.settled = true;
      w.cleanup();
      w.resolve({ item: this.#take(key), shutdown: false });
      return;
    }
    this.#queue.push(key);
  }

  /** Moves an item from dirty to processing. */
  #take(key: unknown): T {
    const item = this.#dirty.get(key) as T;
    this.#dirty.delete(key);
    this.#processing.set(key, item);
    this.metrics.get(key);
    return item;
  }
}

/** Creates a basic work queue (client-go `workqueue.NewTyped`). */
export function createQueue<T>(options?: QueueOptions<T>): Queue<T> {
  return new BasicQueue<T>(options);
}
