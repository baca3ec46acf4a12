// Event handlers and their delivery. Mirrors client-go
// tools/cache/shared_informer.go (processorListener, sharedProcessor) and
// tools/cache/controller.go (ResourceEventHandler): every handler has its own
// unbounded FIFO of notifications and its own pump, so events reach one handler
// strictly in order, one at a time (an async handler is awaited before the
// next event), and a slow handler only delays itself.

import type { DeletedFinalStateUnknown } from "./keys.js";

/**
 * Callbacks for cache changes (client-go `ResourceEventHandler`). A callback
 * may return anything (`onAdd: (o) => seen.push(o)` type-checks): a promise
 * (or other thenable) is awaited before the next event for the same handler,
 * and its rejection, like a synchronous throw, goes to the informer's
 * `onHandlerError` (by default logged with `console.error`); any other return
 * value is ignored. Objects are the cache's own, frozen: copy before changing them.
 */
export interface ResourceEventHandler<T> {
  /** An object entered the cache. `isInInitialList` is true for the first snapshot and for the replay a late handler gets. */
  onAdd?(obj: T, isInInitialList: boolean): unknown;
  /** An object changed. During a resync `oldObj === newObj`. */
  onUpdate?(oldObj: T, newObj: T): unknown;
  /** An object left the cache: its final state, or a tombstone when the deletion was inferred from a relist. */
  onDelete?(obj: T | DeletedFinalStateUnknown<T>): unknown;
}

/** Options of one handler registration. */
export interface HandlerOptions {
  /** Replay the cache to this handler every so often (ms); 0 = never. Default: the informer's resync period. */
  resyncPeriodMs?: number;
}

/** A registered handler (client-go `ResourceEventHandlerRegistration`). */
export interface HandlerRegistration {
  /** True once the informer has synced and this handler has been given every object of the first snapshot. */
  hasSynced(): boolean;
  /** Unregisters the handler; events already queued for it are dropped. Safe to call twice. */
  remove(): void;
}

/** One queued notification. */
export type Notification<T> =
  | { readonly type: "add"; readonly obj: T; readonly initial: boolean }
  | { readonly type: "update"; readonly oldObj: T; readonly newObj: T }
  | { readonly type: "delete"; readonly obj: T | DeletedFinalStateUnknown<T> }
  | { readonly type: "synced" };

/** Minimum per-handler resync period (client-go `minimumResyncPeriod`). */
export const MINIMUM_RESYNC_PERIOD_MS = 1000;

/** One handler's queue and pump (client-go `processorListener`). */
export class HandlerListener<T> implements HandlerRegistration {
  readonly handler: ResourceEventHandler<T>;
  /** The handler's resync period after the informer's rules were applied (0 = none). */
  resyncPeriodMs: number;
  /** Clock time of the next resync for this handler. */
  nextResyncAt = 0;
  readonly #onError: (err: unknown, n: Notification<T>) => void;
  readonly #isInformerSynced: () => boolean;
  readonly #unregister: (l: HandlerListener<T>) => void;
  #queue: Array<Notification<T> | undefined> = [];
  #head = 0;
  #pumping = false;
  #removed = false;
  #synced = false;
  #idleWaiters: Array<() => void> = [];

  constructor(
    handler: ResourceEventHandler<T>,
    resyncPeriodMs: number,
    hooks: {
      onError: (err: unknown, n: Notification<T>) => void;
      isInformerSynced: () => boolean;
      unregister: (l: HandlerListener<T>) => void;
    },
  ) {
    this.handler = handler;
    this.resyncPeriodMs = resyncPeriodMs;
    this.#onError = hooks.onError;
    this.#isInformerSynced = hooks.isInformerSynced;
    this.#unregister = hooks.unregister;
  }

  /** Notifications queued and not yet delivered. */
  get pending(): number {
    return this.#queue.length - this.#head;
  }

  /** Whether the handler was removed (or the informer stopped). */
  get removed(): boolean {
    return this.#removed;
  }

  hasSynced(): boolean {
    return this.#synced && this.#isInformerSynced();
  }

  remove(): void {
    if (this.#removed) return;
    this.#unregister(this);
    this.stop();
  }

  /** Drops queued notifications and delivers no more (the one in flight finishes). */
  stop(): void {
    this.#removed = true;
    this.#queue = [];
    this.#head = 0;
    if (!this.#pumping) this.#wakeIdle();
  }

  /** Queues a notification; delivery starts on a later microtask, never inside this call. */
  push(n: Notification<T>): void {
    if (this.#removed) return;
    this.#queue.push(n);
    if (!this.#pumping) {
      this.#pumping = true;
      queueMicrotask(() => void this.#pump());
    }
  }

  /** Resolves when the queue is empty and no handler call is running. */
  idle(): Promise<void> {
    if (!this.#pumping && this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  async #pump(): Promise<void> {
    try {
      while (!this.#removed && this.#head < this.#queue.length) {
        const n = this.#queue[this.#head]!;
        this.#queue[this.#head++] = undefined;
        if (this.#head >= 1024 && this.#head * 2 >= this.#queue.length) {
          this.#queue = this.#queue.slice(this.#head);
          this.#head = 0;
        }
        try {
          // always await, so handlers of other registrations get turns between events; a
          // returned promise is awaited (its rejection lands below), other values are dropped
          await this.#deliver(n);
        } catch (err) {
          try {
            this.#onError(err, n);
          } catch {
            // an error reporter that throws must not stop delivery
          }
        }
      }
    } finally {
      this.#pumping = false;
      if (this.pending === 0 || this.#removed) this.#wakeIdle();
      else {
        this.#pumping = true;
        queueMicrotask(() => void this.#pump());
      }
    }
  }

  #deliver(n: Notification<T>): unknown {
    const h = this.handler;
    switch (n.type) {
      case "add":
        return h.onAdd?.(n.obj, n.initial);
      case "update":
        return h.onUpdate?.(n.oldObj, n.newObj);
      case "delete":
        return h.onDelete?.(n.obj);
      case "synced":
        this.#synced = true;
        return;
    }
  }

  #wakeIdle(): void {
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const w of waiters) w();
  }
}
