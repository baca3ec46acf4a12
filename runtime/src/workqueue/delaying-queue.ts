// The delaying queue: addAfter(item, ms) holds an item in a min-heap keyed by
// its ready time and adds it when that time comes, using one timer on the
// injected clock for the earliest entry. Mirrors client-go
// util/workqueue/delaying_queue.go, minus its 10 s heartbeat and feed channel,
// which a single-threaded event loop does not need.

import type { CancelTimer } from "../util/clock.js";
import { BasicQueue, type Queue, type QueueOptions } from "./queue.js";

/** A queue that can add items later (client-go `TypedDelayingInterface`). */
export interface DelayingQueue<T> extends Queue<T> {
  /**
   * Adds the item after `delayMs` milliseconds; `delayMs <= 0` adds it now.
   * Ignored after shutdown. If the item already waits, only an earlier ready
   * time replaces the one it has.
   */
  addAfter(item: T, delayMs: number): void;
}

interface WaitEntry<T> {
  readonly key: unknown;
  readonly item: T;
  readyAt: number;
  /** Insertion order: entries ready at the same time are added first-in, first-out. */
  readonly seq: number;
  index: number;
}

/** The delaying queue. Use {@link createDelayingQueue}. */
export class DelayingQueueImpl<T> extends BasicQueue<T> implements DelayingQueue<T> {
  readonly #heap: WaitEntry<T>[] = [];
  readonly #waiting = new Map<unknown, WaitEntry<T>>();
  #seq = 0;
  #cancelTimer: CancelTimer | undefined;
  #timerDue = Infinity;

  constructor(options?: QueueOptions<T>) {
    super(options);
  }

  addAfter(item: T, delayMs: number): void {
    if (this.shuttingDown()) return;
    this.metrics.retry();
    if (!(delayMs > 0)) {
      this.add(item);
      return;
    }
    const readyAt = this.clock.now() + delayMs;
    const key = this.keyOf(item);
    const existing = this.#waiting.get(key);
    if (existing) {
      if (readyAt < existing.readyAt) {
        existing.readyAt = readyAt;
        this.#siftUp(existing.index);
      }
    } else {
      const entry: WaitEntry<T> = { key, item, readyAt, seq: this.#seq++, index: this.#heap.length };
      this.#heap.push(entry);
      this.#waiting.set(key, entry);
      this.#siftUp(entry.index);
    }
    this.#schedule();
  }

  /** Number of items waiting for their delay to pass (for tests and metrics). */
  waitingCount(): number {
    return this.#heap.length;
  }

  protected override onShutdown(): void {
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    this.#timerDue = Infinity;
    this.#heap.length = 0;
    this.#waiting.clear();
  }

  /** Points the single timer at the earliest entry. */
  #schedule(): void {
    const top = this.#heap[0];
    const due = top ? top.readyAt : Infinity;
    if (due === this.#timerDue) return;
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    this.#timerDue = due;
    // Items waiting for their delay are pending work: the timer holds the process until shutdown.
    if (top) this.#cancelTimer = this.clock.setTimer(due - this.clock.now(), () => this.#fire(), { idle: false });
  }

  #fire(): void {
    this.#cancelTimer = undefined;
    this.#timerDue = Infinity;
    const now = this.clock.now();
    for (;;) {
      const top = this.#heap[0];
      if (!top || top.readyAt > now) break;
      this.#pop();
      this.#waiting.delete(top.key);
      this.add(top.item);
    }
    this.#schedule();
  }

  #less(a: WaitEntry<T>, b: WaitEntry<T>): boolean {
    return a.readyAt < b.readyAt || (a.readyAt === b.readyAt && a.seq < b.seq);
  }

  #swap(i: number, j: number): void {
    const h = this.#heap;
    const a = h[i]!;
    const b = h[j]!;
    h[i] = b;
    h[j] = a;
    b.index = i;
    a.index = j;
  }

  #siftUp(i: number): void {
    const h = this.#heap;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#less(h[i]!, h[parent]!)) break;
      this.#swap(i, parent);
      i = parent;
    }
  }

  #siftDown(i: number): void {
    const h = this.#heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.#less(h[l]!, h[m]!)) m = l;
      if (r < h.length && this.#less(h[r]!, h[m]!)) m = r;
      if (m === i) return;
      this.#swap(i, m);
      i = m;
    }
  }

  #pop(): void {
    const h = this.#heap;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      last.index = 0;
      this.#siftDown(0);
    }
  }
}

/** Creates a delaying queue (client-go `NewTypedDelayingQueueWithConfig`). */
export function createDelayingQueue<T>(options?: QueueOptions<T>): DelayingQueue<T> {
  return new DelayingQueueImpl<T>(options);
}
