// Event handlers and their delivery. Mirrors client-go
// tools/cache/shared_informer.go (processorListener, sharedProcessor) and
// tools/cache/controller.go (ResourceEventHandler): every handler has its own
// FIFO of notifications and its own pump, so events reach one handler strictly
// in order, one at a time (an async handler is awaited before the next event),
// and a slow handler only delays itself.
//
// Unlike client-go's, the FIFO is bounded in what it holds: past
// maxQueuedNotifications (default 10,000) it coalesces by key (coalesce.ts),
// so a handler slower than the event rate holds at most about one notification
// per object, never one per event. Until then every event is delivered.
// `Infinity` keeps client-go's unbounded queue.

import { coalesce, subjectOf } from "./coalesce.js";
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
  /**
   * How many notifications may wait for this handler before new ones are merged with the
   * queued one for the same object (the handler then gets the object's latest state, not each
   * step: see coalesce.ts). Default: the informer's, else {@link DEFAULT_MAX_QUEUED_NOTIFICATIONS}.
   * `Infinity` delivers every event however far behind the handler is, as client-go does, and
   * lets a slow handler hold memory without limit.
   */
  maxQueuedNotifications?: number;
}

/** The default queue length past which one handler's notifications coalesce by key. */
export const DEFAULT_MAX_QUEUED_NOTIFICATIONS = 10_000;

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
  readonly #limit: number;
  readonly #keyOf: (n: Notification<T>) => string | undefined;
  /** Queued notifications from #head on; a cancelled one (coalesce gave null) leaves a hole. */
  #queue: Array<Notification<T> | undefined> = [];
  #head = 0;
  /** Entries compaction dropped from the front: a queue position is `#base + index`. */
  #base = 0;
  #holes = 0;
  /** While coalescing: each key's latest queued notification, by position. */
  #latest: Map<string, number> | undefined;
  #coalesced = 0;
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
      /** The cache key of an object or tombstone. */
      keyOf: (obj: T | DeletedFinalStateUnknown<T>) => string;
      maxQueuedNotifications: number;
    },
  ) {
    this.handler = handler;
    this.resyncPeriodMs = resyncPeriodMs;
    this.#limit = hooks.maxQueuedNotifications;
    this.#keyOf = (n) => {
      const subject = subjectOf(n);
      return subject === undefined ? undefined : hooks.keyOf(subject);
    };
    this.#onError = hooks.onError;
    this.#isInformerSynced = hooks.isInformerSynced;
    this.#unregister = hooks.unregister;
  }

  /** Notifications queued and not yet delivered. */
  get pending(): number {
    return this.#queue.length - this.#head - this.#holes;
  }

  /** Notifications merged into a queued one (or cancelled with it) since the handler was added. */
  get coalesced(): number {
    return this.#coalesced;
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
    this.#holes = 0;
    this.#latest = undefined;
    if (!this.#pumping) this.#wakeIdle();
  }

  /** Queues a notification; delivery starts on a later microtask, never inside this call. */
  push(n: Notification<T>): void {
    if (this.#removed) return;
    if (this.#latest === undefined && this.pending >= this.#limit) this.#latest = this.#positions();
    const latest = this.#latest;
    const key = latest ? this.#keyOf(n) : undefined;
    if (key !== undefined && this.#merge(key, n)) return;
    this.#queue.push(n);
    if (key !== undefined) latest!.set(key, this.#base + this.#queue.length - 1);
    if (!this.#pumping) {
      this.#pumping = true;
      queueMicrotask(() => void this.#pump());
    }
  }

  /** Each key's latest queued notification, by position: what coalescing starts from. */
  #positions(): Map<string, number> {
    const latest = new Map<string, number>();
    for (let i = this.#head; i < this.#queue.length; i++) {
      const key = this.#queue[i] && this.#keyOf(this.#queue[i]!);
      if (key !== undefined) latest.set(key, this.#base + i);
    }
    return latest;
  }

  /** Merges `n` into the queued notification for `key`; false when it must be queued after it. */
  #merge(key: string, n: Notification<T>): boolean {
    const at = this.#latest!.get(key);
    const queued = at === undefined ? undefined : this.#queue[at - this.#base];
    if (queued === undefined) return false;
    const merged = coalesce(queued, n);
    if (merged === undefined) return false;
    this.#coalesced++;
    if (merged === null) {
      this.#queue[at! - this.#base] = undefined;
      this.#holes++;
      this.#latest!.delete(key);
    } else {
      this.#queue[at! - this.#base] = merged;
    }
    return true;
  }

  /** Resolves when the queue is empty and no handler call is running. */
  idle(): Promise<void> {
    if (!this.#pumping && this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  async #pump(): Promise<void> {
    try {
      while (!this.#removed && this.#head < this.#queue.length) {
        const at = this.#base + this.#head;
        const n = this.#queue[this.#head];
        this.#queue[this.#head++] = undefined;
        if (this.#head >= 1024 && this.#head * 2 >= this.#queue.length) {
          this.#queue = this.#queue.slice(this.#head);
          this.#base += this.#head;
          this.#head = 0;
        }
        if (n === undefined) {
          this.#holes--;
          continue;
        }
        this.#forget(n, at);
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

  /** Drops the delivered notification at `at` from the coalescing index, and stops coalescing once the queue is down to half the limit. */
  #forget(n: Notification<T>, at: number): void {
    const latest = this.#latest;
    if (latest === undefined) return;
    if (this.pending <= this.#limit / 2) {
      this.#latest = undefined;
      return;
    }
    const key = this.#keyOf(n);
    if (key !== undefined && latest.get(key) === at) latest.delete(key);
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
