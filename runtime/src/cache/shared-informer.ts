// SharedIndexInformer: one reflector feeding one indexed cache and any number
// of event handlers. Mirrors client-go tools/cache/shared_informer.go
// (sharedIndexInformer, HandleDeltas/processDeltas, the resync rules, late
// handlers' synthetic adds) and tools/cache/controller.go. Differences, all on
// purpose:
// - No DeltaFIFO between reflector and cache: JavaScript runs one callback at a
//   time, so each event updates the cache and queues the notifications in one
//   step, in arrival order (client-go's RealFIFO/InOrderInformers semantics).
// - A relist swaps the cache whole; objects whose resourceVersion did not
//   change get no onUpdate (client-go delivers those as resync-like updates).
// - Cached objects are deep-frozen (option `freeze`, default true).
// - Snapshots come from a LIST by default; the streaming list (client-go's
//   default since 1.35) is opt-in (`useWatchList`), see ReflectorOptions.
// - health() says Watching only once the server answered the current watch,
//   and `stale` when nothing (event, bookmark, answer) came for staleAfterMs.
// - A 410 relists at once instead of waiting out the backoff of an outage.
// - waitForCacheSync rejects instead of hanging when the initial sync cannot
//   succeed by retrying; see {@link isNonRetryableSyncError} for the rule.

import { ApiError } from "../errors/api-error.js";
import { isNetworkError } from "../errors/network-error.js";
import type { KubernetesObject } from "../meta/types.js";
import { realClock, type CancelTimer, type Clock } from "../util/clock.js";
import { deepFreeze, StringTable } from "./freeze.js";
import {
  HandlerListener,
  MINIMUM_RESYNC_PERIOD_MS,
  DEFAULT_MAX_QUEUED_NOTIFICATIONS,
  type HandlerOptions,
  type HandlerRegistration,
  type Notification,
  type ResourceEventHandler,
} from "./handlers.js";
import { Indexer, NAMESPACE_INDEX, metaNamespaceIndexFunc, type Indexers, type ReadonlyIndexer } from "./indexer.js";
import { isTombstone, resourceVersionOf, type DeletedFinalStateUnknown } from "./keys.js";
import type { ListerWatcher } from "./list-watch.js";
import {
  AwaitingInitialEventsWarning,
  Reflector,
  emptyReflectorMetrics,
  isExpiredOrTooLarge,
  type InitialListPath,
  type ReflectorMetrics,
  type ReflectorOptions,
  type ReflectorPhase,
  type ReflectorState,
  type ReflectorStore,
} from "./reflector.js";

/** Options of a {@link SharedIndexInformer}; the clock, jitter, backoff, paging and watch ones go to its reflector. */
export interface SharedIndexInformerOptions<T>
  extends Pick<
    ReflectorOptions<T>,
    "clock" | "random" | "backoff" | "pageSize" | "minWatchTimeoutMs" | "useWatchList" | "staleAfterMs" | "monotonicNow"
  > {
  /** Names the informer in messages and errors, e.g. `configmaps`. */
  name?: string;
  /** Default resync period of handlers (ms); 0 (default) = no resync. Resync replays the cache, it never contacts the server. */
  resyncPeriodMs?: number;
  /** Extra indexes; the `namespace` index is always there. */
  indexers?: Indexers<T>;
  /** Runs on every object before it is cached, e.g. to drop `metadata.managedFields`. Must not throw. */
  transform?: (obj: T) => T;
  /** Deep-freeze cached objects (default true) so that a mutation throws instead of corrupting the cache. */
  freeze?: boolean;
  /**
   * While freezing, replace each short string value with one shared copy, and each empty
   * object with one shared frozen `{}` (default true; see cache/freeze.ts): about half the
   * memory of a cache of Pods. Only with `freeze`.
   */
  internStrings?: boolean;
  /**
   * Receives every list/watch error (client-go `SetWatchErrorHandler`), and
   * the {@link AwaitingInitialEventsWarning} a slow streaming list raises
   * every 10 s. Default: console.warn, skipping an error equal to the last one
   * (until the informer is watching again) and routine 410s.
   */
  onWatchError?: WatchErrorHandler;
  /**
   * The default of every handler's {@link HandlerOptions.maxQueuedNotifications}: how many
   * notifications wait for one handler before it gets each object's latest state instead of
   * every event (default 10,000; `Infinity` = client-go's unbounded queue).
   */
  maxQueuedNotifications?: number;
  /** Receives errors thrown by event handlers. Default: console.error. */
  onHandlerError?: (err: unknown, notification: Notification<T>) => void;
  /** Called on every state change of the reflector (for logs and tests; health() has the current one). */
  onStateChange?: (state: ReflectorState) => void;
}

/** Called with every error of the list/watch cycle; the informer keeps retrying afterwards. */
export type WatchErrorHandler = (err: unknown, phase: ReflectorPhase) => void;

/** A snapshot of an informer's health. */
export interface InformerHealth {
  /**
   * The reflector's state. `Watching` (the healthy steady state) only once
   * the server answered the current watch; `Connecting` while a watch waits
   * for its answer (e.g. the transport retrying a refused connection: see
   * {@link lastError}); `BackingOff` between failed attempts; `Stale` after
   * a silent watch was closed, until its replacement is answered.
   */
  readonly state: ReflectorState;
  /** `state === "Watching"` and not {@link stale}. */
  readonly isWatching: boolean;
  /**
   * True when, after the first sync, nothing (watch event, bookmark, watch
   * answer or snapshot) came from the server for `staleAfterMs` (default
   * 2 min; the server sends a bookmark about once a minute). The cache may
   * lag the server: readiness checks should fail. Measured on a monotonic
   * clock. The silent watch is closed and re-established automatically.
   */
  readonly stale: boolean;
  /** Monotonic ms since the server was last heard from; undefined before the first sync. */
  readonly silentForMs: number | undefined;
  /** When (clock ms, wall, for display) the last ADDED/MODIFIED/DELETED event arrived. */
  readonly lastEventAt: number | undefined;
  /** When (clock ms, wall, for display) the last BOOKMARK arrived. */
  readonly lastBookmarkAt: number | undefined;
  /**
   * True after the first sync while the informer is not watching (connecting,
   * backing off, relisting or stale) and not stopped: it lost its watch and is
   * getting it back, so the cache may lag the server.
   */
  readonly reconnecting: boolean;
  /** Whether the first snapshot reached the cache. */
  readonly synced: boolean;
  /** Whether the informer was stopped. */
  readonly stopped: boolean;
  /** The resourceVersion of the last snapshot, event or bookmark. */
  readonly lastSyncResourceVersion: string;
  /** How the last snapshot was taken (`watch-list` = streaming list). */
  readonly initialListPath: InitialListPath | undefined;
  /**
   * Notifications queued for this informer's handlers and not yet delivered,
   * summed over the handlers. Each handler has its own queue; past its
   * `maxQueuedNotifications` a handler's queue grows only by objects, not by
   * events (see coalescedNotifications).
   */
  readonly pendingNotifications: number;
  /** The longest one handler's queue is (0 without handlers). */
  readonly largestHandlerQueue: number;
  /**
   * Notifications merged into one already queued for the same object, summed over the current
   * handlers: how many intermediate states handlers that fell behind did not see. 0 while every
   * handler keeps up.
   */
  readonly coalescedNotifications: number;
  /** The last error, if any. */
  readonly lastError: unknown;
  /** When (clock ms) the last error happened. */
  readonly lastErrorAt: number | undefined;
  /** The reflector's counters. */
  readonly metrics: Readonly<ReflectorMetrics>;
}

/**
 * Whether an error during the initial sync means retrying will not help
 * (so waitForCacheSync rejects with it): an ApiError with code 400, 401, 403,
 * 404, 405, 406 or 415, or an error that is neither an ApiError nor a network
 * failure (a bad config, a failing transform). Network errors, 408, 410, 429,
 * 5xx and 422 keep the waiters waiting while the reflector retries. The
 * reflector itself retries every error, with backoff, whatever this says.
 */
export function isNonRetryableSyncError(err: unknown): boolean {
  if (err instanceof ApiError) return [400, 401, 403, 404, 405, 406, 415].includes(err.code);
  if (isNetworkError(err) || isExpiredOrTooLarge(err) || err instanceof AwaitingInitialEventsWarning) return false;
  return err instanceof Error && err.name !== "VeryShortWatchError" && err.name !== "WatchListEndedError";
}

/** A handler's queue limit, checked: a whole number from 0, or Infinity. */
function queueLimit(value: number | undefined): number {
  if (value === undefined) return DEFAULT_MAX_QUEUED_NOTIFICATIONS;
  if (value === Infinity || (Number.isSafeInteger(value) && value >= 0)) return value;
  throw new RangeError(`maxQueuedNotifications must be a whole number from 0, or Infinity; got ${String(value)}`);
}

/** Raised to waiters when the informer stops before its cache synced. */
export class InformerStoppedError extends Error {
  override readonly name = "InformerStoppedError";
}

interface Waiter {
  resolve(): void;
  reject(err: unknown): void;
}

/**
 * An informer: a cache of one resource kept in sync by a {@link Reflector},
 * with indexes and event handlers (client-go `SharedIndexInformer`).
 */
export class SharedIndexInformer<T extends KubernetesObject> {
  /** The name given in the options (or `objects`). */
  readonly name: string;
  readonly #lw: ListerWatcher<T>;
  readonly #options: SharedIndexInformerOptions<T>;
  readonly #clock: Clock;
  readonly #indexer: Indexer<T>;
  readonly #listeners = new Set<HandlerListener<T>>();
  #transform: ((obj: T) => T) | undefined;
  #watchErrorHandler: WatchErrorHandler;
  #reflector: Reflector<T> | undefined;
  #abort = new AbortController();
  #running: Promise<void> | undefined;
  #started = false;
  #stopped = false;
  #synced = false;
  #syncError: unknown;
  #waiters = new Set<Waiter>();
  #resyncCheckMs: number;
  #cancelResync: CancelTimer | undefined;
  #lastWarned = "";

  constructor(lw: ListerWatcher<T>, options: SharedIndexInformerOptions<T> = {}) {
    this.#lw = lw;
    this.#options = options;
    this.name = options.name ?? "objects";
    this.#clock = options.clock ?? realClock;
    this.#indexer = new Indexer<T>({
      [NAMESPACE_INDEX]: metaNamespaceIndexFunc as (o: T) => readonly string[],
      ...(options.indexers ?? {}),
    });
    this.#transform = options.transform;
    this.#watchErrorHandler = options.onWatchError ?? ((err) => this.#defaultWarn(err));
    this.#resyncCheckMs = normaliseResync(options.resyncPeriodMs ?? 0);
  }

  /** The cache: objects by `namespace/name` key, with the `namespace` index and any added ones. */
  get indexer(): ReadonlyIndexer<T> {
    return this.#indexer;
  }

  /** Same as {@link indexer} (client-go `GetStore`). */
  get store(): ReadonlyIndexer<T> {
    return this.#indexer;
  }

  /** Whether {@link run} was called. */
  get isStarted(): boolean {
    return this.#started;
  }

  /** Whether the informer was stopped (client-go `IsStopped`). */
  get isStopped(): boolean {
    return this.#stopped;
  }

  /** True once the first full snapshot is in the cache (client-go `HasSynced`). */
  hasSynced(): boolean {
    return this.#synced;
  }

  /** The resourceVersion of the last snapshot, event or bookmark (client-go `LastSyncResourceVersion`). */
  get lastSyncResourceVersion(): string {
    return this.#reflector?.lastSyncResourceVersion ?? "";
  }

  /** The error that makes {@link waitForCacheSync} reject, while the cache has not synced. */
  get syncError(): unknown {
    return this.#synced ? undefined : this.#syncError;
  }

  /** The informer's current health. */
  health(): InformerHealth {
    const r = this.#reflector;
    const state = this.#stopped ? "Stopped" : (r?.state ?? "Idle");
    const stale = !this.#stopped && (r?.stale ?? false);
    return {
      state,
      isWatching: state === "Watching" && !stale,
      stale,
      silentForMs: r?.silentForMs,
      lastEventAt: r?.lastEventAt,
      lastBookmarkAt: r?.lastBookmarkAt,
      reconnecting: this.#synced && (state !== "Watching" || stale) && state !== "Stopped",
      synced: this.#synced,
      stopped: this.#stopped,
      lastSyncResourceVersion: this.lastSyncResourceVersion,
      initialListPath: r?.initialListPath,
      pendingNotifications: [...this.#listeners].reduce((n, l) => n + l.pending, 0),
      largestHandlerQueue: Math.max(0, ...[...this.#listeners].map((l) => l.pending)),
      coalescedNotifications: [...this.#listeners].reduce((n, l) => n + l.coalesced, 0),
      lastError: r?.lastError,
      lastErrorAt: r?.lastErrorAt,
      metrics: r?.metrics ?? emptyReflectorMetrics(),
    };
  }

  /**
   * Registers a handler. Added after start, it first receives `onAdd(obj, true)`
   * for every cached object. Throws once the informer has stopped.
   * A per-handler resync period below 1 s is raised to 1 s; after start, one
   * below the informer's resync period is raised to it, and without an informer
   * resync period the handler gets no resync (client-go rules).
   */
  addEventHandler(handler: ResourceEventHandler<T>, options: HandlerOptions = {}): HandlerRegistration {
    if (this.#stopped) throw new Error(`informer ${this.name} has stopped: cannot add an event handler`);
    let period = normaliseResync(options.resyncPeriodMs ?? this.#options.resyncPeriodMs ?? 0);
    if (!this.#started) {
      if (period > 0 && (this.#resyncCheckMs === 0 || period < this.#resyncCheckMs)) this.#resyncCheckMs = period;
    } else if (period > 0) {
      if (this.#resyncCheckMs === 0) period = 0;
      else if (period < this.#resyncCheckMs) period = this.#resyncCheckMs;
    }
    const listener = new HandlerListener<T>(handler, period, {
      onError: this.#options.onHandlerError ?? ((err) => console.error(`kubegen informer ${this.name}: an event handler threw:`, err)),
      isInformerSynced: () => this.#synced,
      unregister: (l) => this.#listeners.delete(l),
      keyOf: (obj) => (isTombstone(obj) ? obj.key : this.#indexer.keyOf(obj)),
      maxQueuedNotifications: queueLimit(options.maxQueuedNotifications ?? this.#options.maxQueuedNotifications),
    });
    listener.nextResyncAt = this.#clock.now() + period;
    this.#listeners.add(listener);
    if (this.#started) {
      for (const obj of this.#indexer.list()) listener.push({ type: "add", obj, initial: true });
      if (this.#synced) listener.push({ type: "synced" });
    }
    return listener;
  }

  /** Unregisters a handler (same as `registration.remove()`). */
  removeEventHandler(registration: HandlerRegistration): void {
    registration.remove();
  }

  /** Adds indexes; existing objects are indexed at once. Throws on a name already in use. */
  addIndexers(indexers: Indexers<T>): void {
    if (this.#stopped) throw new Error(`informer ${this.name} has stopped`);
    this.#indexer.addIndexers(indexers);
  }

  /** Sets the transform (client-go `SetTransform`); throws once started. */
  setTransform(transform: (obj: T) => T): void {
    if (this.#started) throw new Error(`informer ${this.name} has already started`);
    this.#transform = transform;
  }

  /** Sets the list/watch error handler (client-go `SetWatchErrorHandler`); throws once started. */
  setWatchErrorHandler(handler: WatchErrorHandler): void {
    if (this.#started) throw new Error(`informer ${this.name} has already started`);
    this.#watchErrorHandler = handler;
  }

  /**
   * Starts listing and watching; resolves once stopped (by `signal` or
   * {@link stop}) and every handler call in flight has returned. Events still
   * queued for handlers at that point are dropped (as in client-go). A second
   * call returns the same promise. Never rejects.
   */
  run(signal?: AbortSignal): Promise<void> {
    if (this.#running) return this.#running;
    if (signal) {
      if (signal.aborted) this.#abort.abort(signal.reason);
      else signal.addEventListener("abort", () => this.#abort.abort(signal.reason), { once: true });
    }
    this.#started = true;
    const freeze = this.#options.freeze ?? true;
    const strings = freeze && (this.#options.internStrings ?? true) ? new StringTable() : undefined;
    const transform = this.#transform;
    const reflector = new Reflector<T>(this.#lw, this.#storeAdapter(), {
      name: this.name,
      clock: this.#clock,
      ...(this.#options.random ? { random: this.#options.random } : {}),
      ...(this.#options.backoff ? { backoff: this.#options.backoff } : {}),
      ...(this.#options.pageSize !== undefined ? { pageSize: this.#options.pageSize } : {}),
      ...(this.#options.minWatchTimeoutMs !== undefined ? { minWatchTimeoutMs: this.#options.minWatchTimeoutMs } : {}),
      ...(this.#options.useWatchList !== undefined ? { useWatchList: this.#options.useWatchList } : {}),
      ...(this.#options.staleAfterMs !== undefined ? { staleAfterMs: this.#options.staleAfterMs } : {}),
      ...(this.#options.monotonicNow ? { monotonicNow: this.#options.monotonicNow } : {}),
      ...(transform || freeze
        ? {
            transform: (o: T) => {
              const t = transform ? transform(o) : o;
              return freeze ? deepFreeze(t, strings) : t;
            },
          }
        : {}),
      onError: (err, phase) => this.#onError(err, phase),
      onStateChange: (state) => {
        if (state === "Watching") this.#lastWarned = ""; // healthy again: the next failure is news
        this.#options.onStateChange?.(state);
      },
    });
    this.#reflector = reflector;
    const now = this.#clock.now();
    for (const l of this.#listeners) l.nextResyncAt = now + l.resyncPeriodMs;
    this.#scheduleResync();
    this.#running = (async () => {
      await reflector.run(this.#abort.signal);
      this.#stopped = true;
      this.#cancelResync?.();
      const idle: Promise<void>[] = [];
      for (const l of this.#listeners) {
        l.stop();
        idle.push(l.idle());
      }
      await Promise.all(idle);
      this.#rejectWaiters(this.#syncError ?? new InformerStoppedError(`informer ${this.name} stopped before its cache synced`));
    })();
    return this.#running;
  }

  /** Stops the informer; resolves like {@link run}. */
  stop(): Promise<void> {
    this.#abort.abort(new InformerStoppedError(`informer ${this.name} stopped`));
    if (!this.#running) {
      this.#stopped = true;
      this.#rejectWaiters(new InformerStoppedError(`informer ${this.name} stopped before it started`));
      return Promise.resolve();
    }
    return this.#running;
  }

  /**
   * Resolves once the cache has synced. Rejects with the cause when the
   * initial sync hit an error that retrying cannot fix (see
   * {@link isNonRetryableSyncError}: e.g. the 403 ApiError of a forbidden list
   * or the 404 of a missing resource), with an {@link InformerStoppedError}
   * when the informer stops first, and with the signal's reason on abort.
   * The reflector keeps retrying after a rejection; a later call resolves once
   * it succeeds.
   */
  waitForCacheSync(signal?: AbortSignal): Promise<void> {
    if (this.#synced) return Promise.resolve();
    if (this.#syncError !== undefined) return Promise.reject(this.#syncError);
    if (this.#stopped) return Promise.reject(new InformerStoppedError(`informer ${this.name} has stopped`));
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        this.#waiters.delete(waiter);
        reject(signal?.reason);
      };
      const waiter: Waiter = {
        resolve: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
        reject: (err) => {
          signal?.removeEventListener("abort", onAbort);
          reject(err);
        },
      };
      this.#waiters.add(waiter);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  // --- internals ---------------------------------------------------------------

  #onError(err: unknown, phase: ReflectorPhase): void {
    if (!this.#synced && isNonRetryableSyncError(err)) {
      this.#syncError = err;
      this.#rejectWaiters(err);
    }
    this.#watchErrorHandler(err, phase);
  }

  #defaultWarn(err: unknown): void {
    if (isExpiredOrTooLarge(err)) return; // routine: the reflector relists (client-go logs it at V(4))
    const msg = err instanceof Error ? err.message : String(err);
    if (msg === this.#lastWarned) return;
    this.#lastWarned = msg;
    console.warn(`kubegen informer ${this.name}: list/watch failed, retrying with backoff: ${msg}`);
  }

  #rejectWaiters(err: unknown): void {
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const w of waiters) w.reject(err);
  }

  #markSynced(): void {
    if (this.#synced) return;
    this.#synced = true;
    this.#syncError = undefined;
    for (const l of this.#listeners) l.push({ type: "synced" });
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const w of waiters) w.resolve();
  }

  #notify(n: Notification<T>): void {
    for (const l of this.#listeners) l.push(n);
  }

  #storeAdapter(): ReflectorStore<T> {
    const indexer = this.#indexer;
    return {
      replace: (items) => {
        const initial = !this.#synced;
        const old = indexer.replace(items);
        if (this.#listeners.size > 0) this.#notifyReplaced(old, initial);
        this.#markSynced();
      },
      add: (obj) => this.#upsert(obj),
      update: (obj) => this.#upsert(obj),
      delete: (obj) => {
        const key = indexer.keyOf(obj);
        if (indexer.delete(key) === undefined) return; // unknown object: nothing to delete (DeltaFIFO rule)
        this.#notify({ type: "delete", obj });
      },
    };
  }

  /**
   * What a relist changed, for the handlers: adds (`initial` for the first
   * snapshot), updates where the resourceVersion moved, and tombstones for
   * keys that are gone.
   */
  #notifyReplaced(old: ReadonlyMap<string, T>, initial: boolean): void {
    const indexer = this.#indexer;
    for (const [key, obj] of indexer.entries()) {
      const prev = old.get(key);
      if (prev === undefined) this.#notify({ type: "add", obj, initial });
      else if (prev !== obj && resourceVersionOf(prev) !== resourceVersionOf(obj)) {
        this.#notify({ type: "update", oldObj: prev, newObj: obj });
      }
    }
    for (const [key, prev] of old) {
      if (indexer.has(key)) continue;
      const tombstone: DeletedFinalStateUnknown<T> = Object.freeze({ tombstone: true as const, key, object: prev });
      this.#notify({ type: "delete", obj: tombstone });
    }
  }

  #upsert(obj: T): void {
    const prev = this.#indexer.set(obj);
    if (prev === undefined) this.#notify({ type: "add", obj, initial: false });
    else this.#notify({ type: "update", oldObj: prev, newObj: obj });
  }

  #scheduleResync(): void {
    if (this.#resyncCheckMs <= 0 || this.#stopped) return;
    this.#cancelResync = this.#clock.setTimer(this.#resyncCheckMs, () => {
      this.#cancelResync = undefined;
      if (this.#stopped) return;
      const now = this.#clock.now();
      const due = [...this.#listeners].filter((l) => l.resyncPeriodMs > 0 && now >= l.nextResyncAt);
      if (due.length > 0) {
        const objects = this.#indexer.list();
        for (const l of due) {
          l.nextResyncAt = now + l.resyncPeriodMs;
          for (const o of objects) l.push({ type: "update", oldObj: o, newObj: o });
        }
      }
      this.#scheduleResync();
    });
  }
}

function normaliseResync(ms: number): number {
  if (!(ms > 0)) return 0;
  return Math.max(ms, MINIMUM_RESYNC_PERIOD_MS);
}
