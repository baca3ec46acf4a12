// The reflector: keeps a store in step with the server by listing and then
// watching. Mirrors client-go tools/cache/reflector.go (ListAndWatch, the
// resourceVersion rules, the watch loop, the backoff) and tools/pager/pager.go
// (500-item pages, a full list when a continue token expires), with the
// streaming list of KEP-3157 (reflector.go watchList). Written as an explicit
// state machine (kube-rs kube-runtime/src/watcher.rs):
//
//   Idle -> Listing | WatchListing      initial sync (streaming when asked for and supported)
//   WatchListing -> Listing             the server refused a streaming list: fall back
//   WatchListing -> Watching            the initial-events-end bookmark: the same stream goes on
//   Listing -> Connecting               the store holds a full snapshot; a watch was requested
//   Connecting -> Watching              the watch's response (or its first event) arrived
//   Watching -> Connecting              the server closed the watch: re-watch at once
//   any -> BackingOff -> (re)list       an error, 410 Expired or a very short watch
//   Connecting -> BackingOff -> Connecting  network failure or 429 while starting a watch
//   Watching | Connecting -> Stale      nothing heard for staleAfterMs: the watch is closed and
//                                       a new one requested at the last RV (Stale until answered)
//   Stale -> Watching                   the new watch was answered
//   any -> Listing (no backoff)         a 410 Expired: the server answered, so the backoff that
//                                       grew during an outage is reset and the relist starts at once
//   any -> Stopped                      the signal aborted
//
// "Watching" means a watch response was actually received: while the
// transport is still retrying a refused connection the state is "Connecting"
// (and lastError holds the last failure reported).
//
// The reflector never gives up: every failure is reported to `onError`, then it
// waits a jittered, growing delay and tries again.
//
// Staleness. Watches ask for bookmarks (the API server sends one about once a
// minute), so a healthy watch is never silent for long. "Heard from the
// server" means a snapshot, a watch response, an event or a bookmark; when
// nothing was heard for `staleAfterMs` (2 min) the reflector is `stale` (a
// SIGSTOPped API server or a blackholed connection keep a TCP stream open and
// silent, which no error reveals). Silence is measured on a monotonic clock
// (`performance.now()`, injectable), never on the wall clock. A watch that
// has been open that long without anything heard is closed and re-requested
// at the last resourceVersion (a 410 then relists).
//
// 410 after an outage. client-go waits out its backoff before the relist that
// follows a 410 (its backoff resets only after 2 min without one), so a cache
// stays stale for up to 30 s after the server came back. Here a 410 is an
// answer: it resets the backoff and the relist starts at once. A second 410
// in a row, with no event or bookmark in between, backs off as usual.

import { ApiError, hasStatusCause, isGone, isResourceExpired, isTooManyRequests } from "../errors/api-error.js";
import { isNetworkError } from "../errors/network-error.js";
import type { ListOptions, WatchOptions } from "../meta/options.js";
import type { KubernetesObject } from "../meta/types.js";
import type { ObjectList } from "../rest/resource-client.js";
import { realClock, type Clock } from "../util/clock.js";
import type { WatchEvent } from "../watch/decoder.js";
import { Backoff, jitteredWatchTimeoutSeconds, type BackoffOptions } from "./backoff.js";
import { metaNamespaceKey, resourceVersionOf } from "./keys.js";
import type { ListerWatcher } from "./list-watch.js";

/** What a reflector writes to (the informer implements it; client-go `Store`/`ReflectorStore`). */
export interface ReflectorStore<T> {
  /** Replaces the whole content with a full snapshot taken at `resourceVersion`. */
  replace(items: T[], resourceVersion: string): void;
  /** An ADDED event. */
  add(obj: T): void;
  /** A MODIFIED event. */
  update(obj: T): void;
  /** A DELETED event (the object's final state). */
  delete(obj: T): void;
  /** A BOOKMARK: nothing changed up to `resourceVersion`. */
  bookmark?(resourceVersion: string): void;
}

/**
 * The reflector's states; see the module comment for the transitions.
 * `Connecting`: a watch was requested and no response has been seen yet (the
 * server may be down while the transport retries). `Watching`: the server
 * answered the current watch. `Stale`: nothing was heard for `staleAfterMs`;
 * the silent watch was closed and a new one waits for its answer.
 */
export type ReflectorState = "Idle" | "Listing" | "WatchListing" | "Connecting" | "Watching" | "Stale" | "BackingOff" | "Stopped";

/** How the last full snapshot was obtained. */
export type InitialListPath = "watch-list" | "list";

/** Where in the cycle an error happened. */
export type ReflectorPhase = "list" | "watch-list" | "watch";

/** Counters a reflector keeps (monotonic, for health checks, tests and metrics). */
export interface ReflectorMetrics {
  /** LIST calls that produced a snapshot (paginated lists count once). */
  lists: number;
  /** LIST requests sent (pages included). */
  listPages: number;
  /** Streaming lists that produced a snapshot. */
  watchLists: number;
  /** Streaming lists the server refused, followed by a classic list. */
  watchListFallbacks: number;
  /** WATCH requests started (streaming lists included). */
  watches: number;
  /** Snapshots after the first one. */
  relists: number;
  /** 410 Expired/Gone or ResourceVersionTooLarge errors seen. */
  expired: number;
  /** BOOKMARK events received (the initial-events-end one included). */
  bookmarks: number;
  /** ADDED, MODIFIED and DELETED events received on watches after a snapshot. */
  events: number;
  /** Errors reported. */
  errors: number;
  /** Backoff waits. */
  backoffs: number;
  /** Watches closed because nothing was heard for `staleAfterMs`. */
  staleWatches: number;
  /** Relists started at once after a 410, without a backoff wait. */
  immediateRelists: number;
}

/** Options of a {@link Reflector}; all have client-go's defaults. */
export interface ReflectorOptions<T> {
  /** Used in messages, e.g. `configmaps`. */
  name?: string;
  /** Time source (default the wall clock); tests pass a FakeClock. */
  clock?: Clock;
  /** Random numbers in [0, 1) for jitter (default Math.random). */
  random?: () => number;
  /** Backoff between failed cycles (800 ms doubling to 30 s, jitter 1.0, reset after 2 min). */
  backoff?: BackoffOptions;
  /**
   * Page size of a list (500, client-go's pager default); 0 disables paging.
   * The first list asks for resourceVersion "0" (any cached state, as
   * client-go does), which the API server's watch cache answers whole
   * whatever the limit; pages matter for lists at "" (after a 410).
   */
  pageSize?: number;
  /** Watch timeouts are uniform in [min, 2*min) (default min 5 min). */
  minWatchTimeoutMs?: number;
  /**
   * Take snapshots with a streaming list (KEP-3157: a watch with
   * `sendInitialEvents=true`) instead of a LIST. Default false, unlike
   * client-go (WatchListClient on since 1.35): in Node the streaming list
   * is decoded event by event and the API server encodes and flushes each
   * event, so syncing 10,000 ConfigMaps took about 1.3x the time and 1.15x
   * the client CPU of a list (test/bench/informer.bench.ts). Turn it on to
   * spare the API server's memory when lists are huge (hundreds of MB). A
   * server that refuses it makes the reflector fall back to list+watch, and
   * remember that for its lifetime.
   */
  useWatchList?: boolean;
  /** Runs on every object received, before it reaches the store (e.g. drop managedFields, freeze). */
  transform?: (obj: T) => T;
  /**
   * Called with every error, then the reflector retries (client-go
   * `WatchErrorHandler`). Also called, without counting as an error, with an
   * {@link AwaitingInitialEventsWarning} every 10 s while a streaming list
   * waits for its initial-events-end bookmark.
   */
  onError?: (err: unknown, phase: ReflectorPhase) => void;
  /** Called on every state change. */
  onStateChange?: (state: ReflectorState) => void;
  /**
   * Nothing heard from the server (snapshot, watch response, event or
   * bookmark) for this long (ms) makes the reflector stale and closes the
   * silent watch (default 120 000: the API server sends a bookmark about once
   * a minute). 0 turns staleness off.
   */
  staleAfterMs?: number;
  /** Monotonic milliseconds for measuring silence (default `performance.now()`); tests pass a fake. */
  monotonicNow?: () => number;
}

/** The annotation on the bookmark that ends a streaming list's initial events (`metav1.InitialEventsAnnotationKey`). */
export const INITIAL_EVENTS_END_ANNOTATION = "k8s.io/initial-events-end";

/** A watch that closes within this time with no event counts as an error (client-go VeryShortWatchError). */
const VERY_SHORT_WATCH_MS = 1000;
/** How long past its timeoutSeconds a silent watch is kept before the client closes it. */
const WATCH_GRACE_MS = 60_000;
/** How often a streaming list still waiting for its initial-events-end bookmark is reported (client-go: 10 s). */
export const INITIAL_EVENTS_WARNING_INTERVAL_MS = 10_000;
/** Default of {@link ReflectorOptions.staleAfterMs}: two missed bookmarks. */
export const DEFAULT_STALE_AFTER_MS = 120_000;

/** Counters all at zero. */
export function emptyReflectorMetrics(): ReflectorMetrics {
  return {
    lists: 0,
    listPages: 0,
    watchLists: 0,
    watchListFallbacks: 0,
    watches: 0,
    relists: 0,
    expired: 0,
    bookmarks: 0,
    events: 0,
    errors: 0,
    backoffs: 0,
    staleWatches: 0,
    immediateRelists: 0,
  };
}

/**
 * Not an error: a streaming list has waited `waitedMs` for its
 * initial-events-end bookmark (client-go reflector.go logs "awaiting required
 * bookmark event for initial events stream" every 10 s). Passed to
 * `onError` with phase `watch-list`; the reflector keeps waiting.
 */
export class AwaitingInitialEventsWarning extends Error {
  override readonly name = "AwaitingInitialEventsWarning";
  constructor(
    /** The reflector's name. */
    readonly reflector: string,
    /** How long the stream has been open. */
    readonly waitedMs: number,
    /** Initial events received so far. */
    readonly received: number,
  ) {
    super(
      `the streaming list of ${reflector} is still waiting for its initial-events-end bookmark after ` +
        `${Math.round(waitedMs / 1000)} s (${received} initial events received so far)`,
    );
  }
}

/**
 * Reported (to `onError`, phase `watch`) when a watch was closed because
 * nothing was heard from the server for `silentMs`; the reflector re-watches
 * at once from the last resourceVersion.
 */
export class StaleWatchError extends Error {
  override readonly name = "StaleWatchError";
  constructor(
    /** The reflector's name. */
    readonly reflector: string,
    /** How long nothing was heard (ms). */
    readonly silentMs: number,
  ) {
    super(`the watch of ${reflector} was silent for ${Math.round(silentMs / 1000)} s (no event, no bookmark): closed, re-watching`);
  }
}

/** A watch that closed in under a second without an event (client-go `VeryShortWatchError`). */
export class VeryShortWatchError extends Error {
  override readonly name = "VeryShortWatchError";
}

interface OpenWatch<T> {
  readonly iterator: AsyncIterator<WatchEvent<T>>;
  readonly abort: AbortController;
  readonly cancelGuard: () => void;
  readonly startedAt: number;
  /** Monotonic start time (for the staleness watchdog). */
  readonly startedMono: number;
  /** Set when the watchdog closed it for silence. */
  staleClosed: boolean;
  /** ADDED, MODIFIED and DELETED events applied from this watch. */
  events: number;
  /** Whether the server answered (response hook or any event). */
  responded: boolean;
}

/** Whether an error means "your resourceVersion is too old or too new: list again from scratch". */
export function isExpiredOrTooLarge(err: unknown): boolean {
  return isResourceExpired(err) || isGone(err) || hasStatusCause(err, "ResourceVersionTooLarge");
}

/** Errors of a streaming list that mean "the server cannot do it here" rather than "try again". */
function refusesWatchList(err: unknown): boolean {
  if (err instanceof ApiError) {
    const c = err.code;
    return c >= 400 && c < 500 && c !== 408 && c !== 410 && c !== 429;
  }
  return err instanceof WatchListEndedError;
}

/** Errors of a streaming list that mean the server will never do it (so stop trying; 401/403/404 do not count). */
function watchListUnsupported(err: unknown): boolean {
  if (err instanceof ApiError) return [400, 405, 406, 415, 422].includes(err.code);
  return err instanceof WatchListEndedError;
}

/** A streaming list whose stream closed before the initial-events-end bookmark. */
class WatchListEndedError extends Error {
  override readonly name = "WatchListEndedError";
}

/**
 * Lists and watches a {@link ListerWatcher} into a {@link ReflectorStore},
 * forever, until the signal given to {@link run} aborts.
 */
export class Reflector<T extends KubernetesObject> {
  readonly #lw: ListerWatcher<T>;
  readonly #store: ReflectorStore<T>;
  readonly #name: string;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #backoff: Backoff;
  readonly #pageSize: number;
  readonly #minWatchTimeoutMs: number;
  readonly #transform: ((obj: T) => T) | undefined;
  readonly #onError: ((err: unknown, phase: ReflectorPhase) => void) | undefined;
  readonly #onStateChange: ((state: ReflectorState) => void) | undefined;
  readonly #staleAfterMs: number;
  readonly #mono: () => number;
  #useWatchList: boolean;
  #state: ReflectorState = "Idle";
  #lastSyncRv = "";
  #rvUnavailable = false;
  #snapshots = 0;
  #lastListPaginated = false;
  #lastError: unknown;
  #lastErrorAt: number | undefined;
  #initialListPath: InitialListPath | undefined;
  #running: Promise<void> | undefined;
  /** The watch the loop is reading (the one whose response decides Connecting -> Watching). */
  #current: OpenWatch<T> | undefined;
  /** Watches being closed; run() resolves only after they all finished. */
  readonly #closing = new Set<Promise<void>>();
  readonly #metrics: ReflectorMetrics = emptyReflectorMetrics();
  /** Monotonic time the server was last heard from (undefined before the first snapshot). */
  #heardMono: number | undefined;
  #lastEventAt: number | undefined;
  #lastBookmarkAt: number | undefined;
  #cancelWatchdog: (() => void) | undefined;
  /** The loop has ended: the watchdog stays disarmed. */
  #halted = false;
  /** The last cycle ended in a 410 and relisted without waiting (cleared by an event or bookmark). */
  #relistedAtOnce = false;

  constructor(lw: ListerWatcher<T>, store: ReflectorStore<T>, options: ReflectorOptions<T> = {}) {
    this.#lw = lw;
    this.#store = store;
    this.#name = options.name ?? "objects";
    this.#clock = options.clock ?? realClock;
    this.#random = options.random ?? Math.random;
    this.#backoff = new Backoff(options.backoff, this.#clock, this.#random);
    this.#pageSize = options.pageSize ?? 500;
    this.#minWatchTimeoutMs = options.minWatchTimeoutMs ?? 5 * 60_000;
    this.#useWatchList = (options.useWatchList ?? false) && lw.watchListSupported !== false;
    this.#transform = options.transform;
    this.#onError = options.onError;
    this.#onStateChange = options.onStateChange;
    this.#staleAfterMs = Math.max(0, options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS);
    this.#mono = options.monotonicNow ?? (() => performance.now());
  }

  /** The current state. */
  get state(): ReflectorState {
    return this.#state;
  }

  /** The resourceVersion of the last snapshot, event or bookmark applied (`""` before the first). */
  get lastSyncResourceVersion(): string {
    return this.#lastSyncRv;
  }

  /** The last error reported, if any (never cleared: compare {@link lastErrorAt} with your own times). */
  get lastError(): unknown {
    return this.#lastError;
  }

  /** When (clock ms) {@link lastError} happened. */
  get lastErrorAt(): number | undefined {
    return this.#lastErrorAt;
  }

  /** How the last snapshot was taken: `watch-list` (streaming) or `list`. */
  get initialListPath(): InitialListPath | undefined {
    return this.#initialListPath;
  }

  /** Whether streaming lists are still tried (false after a server refused one). */
  get usesWatchList(): boolean {
    return this.#useWatchList;
  }

  /** A copy of the counters. */
  get metrics(): Readonly<ReflectorMetrics> {
    return { ...this.#metrics };
  }

  /** When (clock ms, wall) the last ADDED, MODIFIED or DELETED event arrived. */
  get lastEventAt(): number | undefined {
    return this.#lastEventAt;
  }

  /** When (clock ms, wall) the last BOOKMARK arrived. */
  get lastBookmarkAt(): number | undefined {
    return this.#lastBookmarkAt;
  }

  /** Monotonic ms since the server was last heard from (snapshot, watch response, event, bookmark); undefined before the first snapshot. */
  get silentForMs(): number | undefined {
    return this.#heardMono === undefined ? undefined : Math.max(0, this.#mono() - this.#heardMono);
  }

  /**
   * True when, after the first snapshot, nothing was heard from the server
   * for `staleAfterMs`, whatever the state (a silent watch, a watch waiting
   * for its answer, backing off, a hanging list). Never true once stopped or
   * with `staleAfterMs: 0`.
   */
  get stale(): boolean {
    if (this.#staleAfterMs === 0 || this.#state === "Stopped") return false;
    const silent = this.silentForMs;
    return silent !== undefined && silent >= this.#staleAfterMs;
  }

  /**
   * Runs until `signal` aborts; the promise then resolves (it never rejects),
   * once every watch it opened has been closed and its timers cleared.
   * A second call returns the same promise.
   */
  run(signal: AbortSignal): Promise<void> {
    this.#running ??= this.#loop(signal);
    return this.#running;
  }

  #setState(state: ReflectorState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.#onStateChange?.(state);
  }

  /** Passes a warning to `onError` without counting it as an error. */
  #warn(warning: Error, phase: ReflectorPhase): void {
    try {
      this.#onError?.(warning, phase);
    } catch {
      // an error handler that throws must not stop the reflector
    }
  }

  #report(err: unknown, phase: ReflectorPhase): void {
    this.#metrics.errors++;
    if (isExpiredOrTooLarge(err)) this.#metrics.expired++;
    this.#lastError = err;
    this.#lastErrorAt = this.#clock.now();
    try {
      this.#onError?.(err, phase);
    } catch {
      // an error handler that throws must not stop the reflector
    }
  }

  async #loop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      let atOnce = false;
      try {
        await this.#listAndWatch(signal);
      } catch (err) {
        if (signal.aborted) break;
        this.#report(err, phaseOf(this.#state));
        // a 410 is the server answering: forget the outage's backoff and relist now (once in a row)
        atOnce = isExpiredOrTooLarge(err) && !this.#relistedAtOnce;
      }
      if (signal.aborted) break;
      this.#relistedAtOnce = atOnce;
      if (atOnce) {
        this.#backoff.reset();
        this.#metrics.immediateRelists++;
        continue;
      }
      await this.#wait(signal);
    }
    this.#halted = true;
    this.#cancelWatchdog?.();
    await Promise.all(this.#closing);
    this.#setState("Stopped");
  }

  // --- staleness -----------------------------------------------------------------

  /** The server answered (snapshot, watch response, event or bookmark). */
  #heard(): void {
    const first = this.#heardMono === undefined;
    this.#heardMono = this.#mono();
    if (first) this.#armWatchdog(this.#staleAfterMs);
  }

  #armWatchdog(ms: number): void {
    if (this.#staleAfterMs === 0 || this.#halted) return;
    this.#cancelWatchdog = this.#clock.setTimer(ms, () => this.#watchdog());
  }

  /**
   * Closes the current watch when nothing was heard since it started (or
   * since the last answer, whichever is later) for staleAfterMs; re-arms
   * for the next deadline. Cheap events: the timer is not reset per event.
   */
  #watchdog(): void {
    this.#cancelWatchdog = undefined;
    if (this.#halted) return;
    const now = this.#mono();
    const open = this.#current;
    const since = Math.max(this.#heardMono ?? now, open ? open.startedMono : Number.NEGATIVE_INFINITY);
    const silent = now - since;
    if (open && silent >= this.#staleAfterMs && !open.staleClosed) {
      open.staleClosed = true;
      this.#metrics.staleWatches++;
      this.#setState("Stale");
      open.abort.abort(new StaleWatchError(this.#name, now - (this.#heardMono ?? now)));
      this.#armWatchdog(this.#staleAfterMs);
      return;
    }
    // next deadline: when the current watch will have been silent for staleAfterMs; with no
    // watch to close (backing off, listing) or one already closed, check again a period later
    const wait = open && !open.staleClosed && silent < this.#staleAfterMs ? this.#staleAfterMs - silent : this.#staleAfterMs;
    this.#armWatchdog(Math.max(1, wait));
  }

  /** One backoff wait; false when the signal aborted meanwhile. */
  async #wait(signal: AbortSignal): Promise<boolean> {
    this.#setState("BackingOff");
    this.#metrics.backoffs++;
    try {
      await this.#clock.sleep(this.#backoff.next(), signal);
      return true;
    } catch {
      return false;
    }
  }

  /** One list (or streaming list) followed by watches, until an error or 410 ends it. */
  async #listAndWatch(signal: AbortSignal): Promise<void> {
    let open: OpenWatch<T> | undefined;
    if (this.#useWatchList) open = await this.#watchList(signal);
    if (!open) {
      if (signal.aborted) return;
      await this.#list(signal);
    }
    await this.#watchLoop(signal, open);
  }

  // --- list ---------------------------------------------------------------

  /** client-go relistResourceVersion: "0" first, then the last synced RV, "" after Expired/TooLarge. */
  #relistResourceVersion(): string {
    if (this.#rvUnavailable) return "";
    return this.#lastSyncRv === "" ? "0" : this.#lastSyncRv;
  }

  async #list(signal: AbortSignal): Promise<void> {
    this.#setState("Listing");
    const rv = this.#relistResourceVersion();
    let result: { items: T[]; rv: string };
    try {
      result = await this.#pagedList(rv, signal);
    } catch (err) {
      if (signal.aborted || !isExpiredOrTooLarge(err) || rv === "") throw err;
      // the RV is gone (or not there yet): report, then list the current state at once
      this.#report(err, "list");
      this.#rvUnavailable = true;
      result = await this.#pagedList("", signal);
    }
    this.#metrics.lists++;
    this.#snapshot(result.items, result.rv, "list");
  }

  /** Lists every page; a continue token that expires mid-way gives a full list at the same RV (pager FullListIfExpired). */
  async #pagedList(rv: string, signal: AbortSignal): Promise<{ items: T[]; rv: string }> {
    // client-go: paging only for "" or "0" (a specific RV is served from the watch cache whole),
    // unless a previous RV=0 list came back paginated.
    const paged = this.#pageSize > 0 && (rv === "" || rv === "0" || this.#lastListPaginated);
    const base: ListOptions = { resourceVersion: rv, signal };
    if (rv !== "" && rv !== "0") base.resourceVersionMatch = "NotOlderThan";
    const items: T[] = [];
    let listRv = "";
    let token: string | undefined;
    let pages = 0;
    for (;;) {
      const opts: ListOptions = paged ? { ...base, limit: this.#pageSize } : { ...base };
      if (token) {
        // continue pages carry no resourceVersion (the token pins it)
        delete opts.resourceVersion;
        delete opts.resourceVersionMatch;
        opts.continue = token;
      }
      let page: ObjectList<T>;
      try {
        this.#metrics.listPages++;
        page = await this.#lw.list(opts);
      } catch (err) {
        if (token && isResourceExpired(err) && !signal.aborted) {
          this.#report(err, "list");
          this.#metrics.listPages++;
          const full = await this.#lw.list({ ...base });
          return { items: (full.items ?? []).map((o) => this.#apply(o)), rv: full.metadata?.resourceVersion ?? "" };
        }
        throw err;
      }
      pages++;
      for (const o of page.items ?? []) items.push(this.#apply(o));
      listRv = page.metadata?.resourceVersion ?? listRv;
      token = page.metadata?.continue || undefined;
      if (!token) break;
    }
    if (rv === "0") this.#lastListPaginated = pages > 1;
    return { items, rv: listRv };
  }

  #apply(obj: T): T {
    return this.#transform ? this.#transform(obj) : obj;
  }

  #snapshot(items: T[], rv: string, path: InitialListPath): void {
    this.#store.replace(items, rv);
    this.#heard();
    if (this.#snapshots > 0) this.#metrics.relists++;
    this.#snapshots++;
    this.#lastSyncRv = rv;
    this.#rvUnavailable = false;
    this.#initialListPath = path;
  }

  // --- streaming list --------------------------------------------------------

  /**
   * A streaming list: a watch with sendInitialEvents=true whose events fill a
   * buffer until the initial-events-end bookmark; then the buffer replaces the
   * store and the same stream goes on as the regular watch. Resolves with the
   * open watch, or undefined when the server refused (fall back to a list).
   */
  async #watchList(signal: AbortSignal): Promise<OpenWatch<T> | undefined> {
    this.#setState("WatchListing");
    const rv = this.#rvUnavailable ? "" : this.#lastSyncRv;
    const open = this.#openWatch(signal, {
      sendInitialEvents: true,
      resourceVersionMatch: "NotOlderThan",
      resourceVersion: rv,
    });
    const buffer = new Map<string, T>();
    let received = 0;
    // client-go warns every 10 s while the bookmark has not come (a slow or stuck server)
    let cancelWarning: (() => void) | undefined;
    const armWarning = (): void => {
      cancelWarning = this.#clock.setTimer(INITIAL_EVENTS_WARNING_INTERVAL_MS, () => {
        this.#warn(new AwaitingInitialEventsWarning(this.#name, this.#clock.now() - open.startedAt, received), "watch-list");
        armWarning();
      });
    };
    armWarning();
    try {
      for (;;) {
        const r = await open.iterator.next();
        if (r.done) throw new WatchListEndedError(`the streaming list of ${this.#name} ended before its initial-events-end bookmark`);
        open.responded = true;
        if (this.#heardMono !== undefined) this.#heard();
        const ev = r.value;
        if (ev.type === "BOOKMARK") {
          this.#metrics.bookmarks++;
          this.#lastBookmarkAt = this.#clock.now();
          if (ev.object?.metadata?.annotations?.[INITIAL_EVENTS_END_ANNOTATION] === "true") {
            cancelWarning?.();
            this.#metrics.watchLists++;
            this.#snapshot([...buffer.values()], resourceVersionOf(ev.object), "watch-list");
            return open;
          }
          continue;
        }
        received++;
        const obj = this.#apply(ev.object);
        if (ev.type === "DELETED") buffer.delete(metaNamespaceKey(obj));
        else buffer.set(metaNamespaceKey(obj), obj);
      }
    } catch (err) {
      cancelWarning?.();
      this.#close(open);
      if (signal.aborted) return undefined;
      if (isExpiredOrTooLarge(err)) {
        this.#rvUnavailable = true;
        throw err;
      }
      if (!refusesWatchList(err)) throw err;
      // the server cannot stream lists (old server, feature off, no watch cache...)
      // or refuses this user: report, and try a classic list now.
      this.#report(err, "watch-list");
      this.#metrics.watchListFallbacks++;
      if (watchListUnsupported(err)) this.#useWatchList = false;
      return undefined;
    }
  }

  // --- watch -------------------------------------------------------------------

  #openWatch(signal: AbortSignal, extra: WatchOptions): OpenWatch<T> {
    const abort = new AbortController();
    const onAbort = (): void => abort.abort(signal.reason);
    if (signal.aborted) abort.abort(signal.reason);
    else signal.addEventListener("abort", onAbort, { once: true });
    const timeoutSeconds = jitteredWatchTimeoutSeconds(this.#minWatchTimeoutMs, this.#random);
    // the server ends the watch after timeoutSeconds; a watch still silent well after that is a dead connection
    const cancelTimer = this.#clock.setTimer(timeoutSeconds * 1000 + WATCH_GRACE_MS, () => abort.abort(new Error("watch outlived its timeout")));
    const options: WatchOptions = {
      allowWatchBookmarks: true,
      timeoutSeconds,
      ...extra,
      signal: abort.signal,
    };
    this.#metrics.watches++;
    let open: OpenWatch<T> | undefined;
    let respondedEarly = false; // a source may answer inside watch() itself
    const hooks = { onResponse: () => (open ? this.#responded(open) : (respondedEarly = true)) };
    const iterator = this.#lw.watch(options, hooks)[Symbol.asyncIterator]();
    open = {
      iterator,
      abort,
      cancelGuard: () => {
        cancelTimer();
        signal.removeEventListener("abort", onAbort);
      },
      startedAt: this.#clock.now(),
      startedMono: this.#mono(),
      staleClosed: false,
      events: 0,
      responded: respondedEarly,
    };
    return open;
  }

  /** The server answered `open`: if it is the watch being waited for, the reflector is now watching. */
  #responded(open: OpenWatch<T>): void {
    if (open.responded || open.staleClosed) return;
    open.responded = true;
    if (this.#heardMono !== undefined) this.#heard();
    if (this.#current === open && (this.#state === "Connecting" || this.#state === "Stale")) this.#setState("Watching");
  }

  #close(open: OpenWatch<T>): void {
    open.cancelGuard();
    open.abort.abort();
    // end the iterator; ignore what it says (it may already be finished or failing)
    const closing: Promise<void> = Promise.resolve()
      .then(() => open.iterator.return?.())
      .then(
        () => undefined,
        () => undefined,
      )
      .finally(() => this.#closing.delete(closing));
    this.#closing.add(closing);
  }

  /**
   * Watches from the last synced RV, re-watching whenever the server closes
   * the stream. Returns (to relist) on 410, errors and very short watches;
   * network failures and 429 when starting a watch back off and re-watch.
   */
  async #watchLoop(signal: AbortSignal, first: OpenWatch<T> | undefined): Promise<void> {
    let open = first;
    for (;;) {
      if (signal.aborted) {
        if (open) this.#close(open);
        return;
      }
      // a watch-list stream (already answered) goes on as the watch; otherwise wait for the response
      open ??= this.#openWatch(signal, { resourceVersion: this.#lastSyncRv });
      this.#current = open;
      this.#setState(open.responded ? "Watching" : this.stale ? "Stale" : "Connecting");
      let failure: unknown;
      let ended = false;
      try {
        ended = await this.#handleWatch(open);
      } catch (err) {
        failure = err;
      }
      const current = open;
      open = undefined;
      this.#current = undefined;
      this.#close(current);
      if (signal.aborted) return;
      if (current.staleClosed) {
        // the watchdog closed a silent watch: report it and re-watch at once from the last RV
        this.#report(new StaleWatchError(this.#name, this.silentForMs ?? 0), "watch");
        continue;
      }
      if (failure === undefined) {
        if (ended && current.events === 0 && this.#clock.now() - current.startedAt < VERY_SHORT_WATCH_MS) {
          throw new VeryShortWatchError(
            `the watch of ${this.#name} closed within ${VERY_SHORT_WATCH_MS} ms without an event: probably a connection problem`,
          );
        }
        continue; // normal close (timeoutSeconds): re-watch at once from the last RV
      }
      if (isExpiredOrTooLarge(failure)) throw failure; // relist (from the last RV; a 410 on that list goes to "")
      const startFailed = current.events === 0;
      if (startFailed && (isNetworkError(failure) || isTooManyRequests(failure))) {
        // client-go: connection refused or 429 while starting a watch -> back off, re-watch, no relist
        this.#report(failure, "watch");
        if (!(await this.#wait(signal))) return;
        continue;
      }
      if (!startFailed && isNetworkError(failure)) {
        // the stream broke after events: re-watch from where we are
        this.#report(failure, "watch");
        continue;
      }
      // InternalError and everything else: report (by throwing), back off and relist
      throw failure;
    }
  }

  /** Applies events until the stream ends (true) or fails (throws). */
  async #handleWatch(open: OpenWatch<T>): Promise<boolean> {
    for (;;) {
      const r = await open.iterator.next();
      if (r.done) return true;
      if (open.staleClosed) return true; // closed by the watchdog: whatever was buffered is not applied
      if (!open.responded) this.#responded(open); // an event is proof enough of a response
      this.#heard();
      this.#relistedAtOnce = false;
      const ev = r.value;
      const obj = ev.object;
      if (!obj || typeof obj !== "object") continue;
      if (ev.type === "BOOKMARK") {
        this.#metrics.bookmarks++;
        this.#lastBookmarkAt = this.#clock.now();
        const rv = resourceVersionOf(obj);
        if (rv) {
          this.#lastSyncRv = rv;
          this.#store.bookmark?.(rv);
        }
        continue;
      }
      open.events++;
      this.#metrics.events++;
      this.#lastEventAt = this.#clock.now();
      const item = this.#apply(obj);
      if (ev.type === "ADDED") this.#store.add(item);
      else if (ev.type === "MODIFIED") this.#store.update(item);
      else if (ev.type === "DELETED") this.#store.delete(item);
      const rv = resourceVersionOf(item) || resourceVersionOf(obj);
      if (rv) this.#lastSyncRv = rv;
    }
  }
}

function phaseOf(state: ReflectorState): ReflectorPhase {
  if (state === "Watching" || state === "Connecting" || state === "Stale") return "watch";
  if (state === "WatchListing") return "watch-list";
  return "list";
}
