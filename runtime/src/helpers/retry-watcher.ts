// A watch that survives dropped connections, as an async iterator. Mirrors
// client-go tools/watch/retrywatcher.go (RetryWatcher: re-watch from the last
// resourceVersion seen, bookmarks included, with backoff) and goes one step
// further where client-go stops: on 410 Gone/Expired (the resourceVersion was
// compacted away) it lists again and emits synthetic events for the
// difference between what it had delivered and the fresh list, so the
// consumer's picture of the objects converges without a gap. That needs the
// last delivered state of every object, kept in memory like an informer's
// cache. `relistOnExpired: false` gives client-go's behaviour: the 410 ends
// the iteration with the ApiError.
//
// States (each carries its own data):
//   Listing{reason}           initial (no resourceVersion given) or after a 410
//   Watching{rv, attempt}     a watch from rv; a normal close re-watches at once
//   BackingOff{rv, delay}     after a failure: wait, then Watching{rv}
//   Stopped                   the signal aborted, the consumer stopped, or a fatal error
//
// What ends the iteration: the signal (quietly), the consumer breaking out of
// its loop, or an error that retrying cannot fix (401, 403, 404, 400, 405,
// 406, 415, and 410 when relisting is off), which rejects the pending next().
// Every other failure (network, 429, 5xx, a watch closing at once) goes to
// `onError` and is retried with the reflector's jittered backoff.

import { ApiError } from "../errors/api-error.js";
import { Backoff, jitteredWatchTimeoutSeconds, type BackoffOptions } from "../cache/backoff.js";
import { metaNamespaceKey, resourceVersionOf } from "../cache/keys.js";
import type { ListerWatcher } from "../cache/list-watch.js";
import { isExpiredOrTooLarge } from "../cache/reflector.js";
import type { ListOptions, WatchOptions } from "../meta/options.js";
import type { KubernetesObject } from "../meta/types.js";
import { realClock, type Clock } from "../util/clock.js";
import type { WatchEvent } from "../watch/decoder.js";

/** An event of a {@link RetryWatcher}: a watch event, or one made up from a list (`synthetic: true`). */
export interface RetryWatchEvent<T> extends WatchEvent<T> {
  /** Set on events derived from a list (the initial one, or the relist after a 410) rather than received on a watch. */
  readonly synthetic?: true;
}

/** The states of a {@link RetryWatcher}; see the module comment. */
export type RetryWatcherState =
  | { readonly kind: "Listing"; readonly reason: "initial" | "expired" }
  | { readonly kind: "Watching"; readonly resourceVersion: string }
  | { readonly kind: "BackingOff"; readonly resourceVersion: string; readonly delayMs: number }
  | { readonly kind: "Stopped" };

/** Counters of a {@link RetryWatcher}. */
export interface RetryWatcherMetrics {
  /** WATCH requests started. */
  watches: number;
  /** Lists made (the initial one and relists). */
  lists: number;
  /** Lists made because of a 410. */
  relists: number;
  /** Errors reported to onError. */
  errors: number;
  /** Synthetic events emitted. */
  synthetic: number;
}

/** Options of a {@link RetryWatcher}. */
export interface RetryWatcherOptions {
  /**
   * Watch from this resourceVersion (e.g. a list's). Empty, `"0"` or absent:
   * list first and emit every object as a synthetic ADDED, then watch from
   * the list's resourceVersion. When started at a resourceVersion the
   * watcher does not know objects that did not change since; a relist after
   * a 410 then reports them as synthetic ADDED events.
   */
  resourceVersion?: string;
  /** Ends the iteration (quietly) and closes the open watch. */
  signal?: AbortSignal;
  /** On 410 Expired/Gone: list and emit the difference (true, default), or end with the error (false, client-go). */
  relistOnExpired?: boolean;
  /** Seconds the server keeps each watch open (default uniform in [300, 600), as the reflector). */
  timeoutSeconds?: number;
  /** Request and pass on BOOKMARK events (default true); they move the resume point forward. */
  bookmarks?: boolean;
  /** Page size of lists (default 500; 0 = one request). */
  pageSize?: number;
  /** Backoff between failures (the reflector's: 800 ms doubling to 30 s, jitter 1.0). */
  backoff?: BackoffOptions;
  /** Receives every error that is retried. Default: none (the state and metrics show them). */
  onError?: (err: unknown) => void;
  /** Time source (default the wall clock). */
  clock?: Clock;
  /** Random numbers in [0, 1) for jitter. */
  random?: () => number;
}

/** A watch that closed within this time with no event counts as a failure (client-go's very short watch). */
const VERY_SHORT_WATCH_MS = 1000;

/** Errors that retrying cannot fix: they end the iteration. */
function isFatal(err: unknown): boolean {
  return err instanceof ApiError && [400, 401, 403, 404, 405, 406, 415].includes(err.code);
}

/**
 * A resuming watch over any {@link ListerWatcher} (a typed client, a
 * ResourceClient, a DynamicResourceClient). Iterate it once:
 *
 * @example
 * const list = await cms.list();
 * for await (const ev of new RetryWatcher(cms, { resourceVersion: list.metadata?.resourceVersion, signal })) {
 *   if (ev.type !== "BOOKMARK") console.log(ev.type, ev.object.metadata?.name, ev.synthetic ? "(from a relist)" : "");
 * }
 */
export class RetryWatcher<T extends KubernetesObject> implements AsyncIterable<RetryWatchEvent<T>> {
  readonly #lw: ListerWatcher<T>;
  readonly #options: RetryWatcherOptions;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #backoff: Backoff;
  /** The last state delivered of every object, by key: what a relist is compared with. */
  readonly #known = new Map<string, T>();
  readonly #metrics: RetryWatcherMetrics = { watches: 0, lists: 0, relists: 0, errors: 0, synthetic: 0 };
  #state: RetryWatcherState;
  #rv: string;
  #iterated = false;

  constructor(lw: ListerWatcher<T>, options: RetryWatcherOptions = {}) {
    this.#lw = lw;
    this.#options = options;
    this.#clock = options.clock ?? realClock;
    this.#random = options.random ?? Math.random;
    this.#backoff = new Backoff(options.backoff, this.#clock, this.#random);
    this.#rv = options.resourceVersion === "0" ? "" : (options.resourceVersion ?? "");
    this.#state = this.#rv ? { kind: "Watching", resourceVersion: this.#rv } : { kind: "Listing", reason: "initial" };
  }

  /** The current state. */
  get state(): RetryWatcherState {
    return this.#state;
  }

  /** Where the next watch starts: the resourceVersion of the last event, bookmark or list seen. */
  get resourceVersion(): string {
    return this.#rv;
  }

  /** A copy of the counters. */
  get metrics(): Readonly<RetryWatcherMetrics> {
    return { ...this.#metrics };
  }

  [Symbol.asyncIterator](): AsyncIterator<RetryWatchEvent<T>> {
    if (this.#iterated) throw new Error("a RetryWatcher can be iterated only once");
    this.#iterated = true;
    return this.#run();
  }

  #report(err: unknown): void {
    this.#metrics.errors++;
    try {
      this.#options.onError?.(err);
    } catch {
      // a reporter that throws must not stop the watch
    }
  }

  async *#run(): AsyncGenerator<RetryWatchEvent<T>, void, undefined> {
    const signal = this.#options.signal;
    try {
      while (!signal?.aborted) {
        const state = this.#state;
        if (state.kind === "Stopped") return;
        if (state.kind === "Listing") {
          let events: RetryWatchEvent<T>[];
          try {
            events = await this.#relist(state.reason);
          } catch (err) {
            if (signal?.aborted) return;
            if (isFatal(err)) throw err;
            this.#report(err);
            if (!(await this.#sleep(this.#backoff.next()))) return;
            continue;
          }
          this.#state = { kind: "Watching", resourceVersion: this.#rv };
          yield* events;
          continue;
        }
        if (state.kind === "BackingOff") {
          if (!(await this.#sleep(state.delayMs))) return;
          this.#state = { kind: "Watching", resourceVersion: state.resourceVersion };
          continue;
        }
        yield* this.#watchOnce(state.resourceVersion);
      }
    } finally {
      this.#state = { kind: "Stopped" };
    }
  }

  async #sleep(ms: number): Promise<boolean> {
    try {
      await this.#clock.sleep(ms, this.#options.signal);
      return true;
    } catch {
      return false;
    }
  }

  /** One watch from `rv`: yields its events, then sets the next state. */
  async *#watchOnce(rv: string): AsyncGenerator<RetryWatchEvent<T>, void, undefined> {
    const signal = this.#options.signal;
    const abort = new AbortController();
    const onAbort = (): void => abort.abort(signal?.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    const bookmarks = this.#options.bookmarks ?? true;
    const options: WatchOptions = {
      resourceVersion: rv,
      allowWatchBookmarks: bookmarks,
      timeoutSeconds: this.#options.timeoutSeconds ?? jitteredWatchTimeoutSeconds(5 * 60_000, this.#random),
      signal: abort.signal,
    };
    this.#metrics.watches++;
    const startedAt = this.#clock.now();
    let events = 0;
    const it = this.#lw.watch(options)[Symbol.asyncIterator]();
    try {
      for (;;) {
        const r = await it.next();
        if (r.done) break;
        const ev = r.value;
        const obj = ev.object;
        if (!obj || typeof obj !== "object") continue;
        if (ev.type === "BOOKMARK") {
          const brv = resourceVersionOf(obj);
          if (brv) this.#rv = brv;
          this.#state = { kind: "Watching", resourceVersion: this.#rv };
          if (bookmarks) yield { type: "BOOKMARK", object: obj };
          continue;
        }
        events++;
        const key = metaNamespaceKey(obj);
        if (ev.type === "DELETED") this.#known.delete(key);
        else this.#known.set(key, obj);
        const orv = resourceVersionOf(obj);
        if (orv) this.#rv = orv;
        this.#state = { kind: "Watching", resourceVersion: this.#rv };
        yield { type: ev.type, object: obj };
      }
    } catch (err) {
      if (signal?.aborted) return;
      if (isExpiredOrTooLarge(err)) {
        if (this.#options.relistOnExpired === false) throw err;
        this.#report(err);
        this.#state = { kind: "Listing", reason: "expired" };
        return;
      }
      if (isFatal(err)) throw err;
      this.#report(err);
      this.#state = { kind: "BackingOff", resourceVersion: this.#rv, delayMs: this.#backoff.next() };
      return;
    } finally {
      signal?.removeEventListener("abort", onAbort);
      abort.abort();
      void Promise.resolve(it.return?.()).catch(() => undefined);
    }
    if (signal?.aborted) return;
    if (events === 0 && this.#clock.now() - startedAt < VERY_SHORT_WATCH_MS) {
      // closed at once without an event: probably a connection problem; do not spin
      this.#report(new Error(`the watch from resourceVersion ${rv} closed within ${VERY_SHORT_WATCH_MS} ms without an event`));
      this.#state = { kind: "BackingOff", resourceVersion: this.#rv, delayMs: this.#backoff.next() };
      return;
    }
    this.#state = { kind: "Watching", resourceVersion: this.#rv }; // a normal close: resume at once
  }

  /** Lists everything and returns the synthetic events that turn what was delivered into the list. */
  async #relist(reason: "initial" | "expired"): Promise<RetryWatchEvent<T>[]> {
    const { items, rv } = await this.#list();
    this.#metrics.lists++;
    if (reason === "expired") this.#metrics.relists++;
    const out: RetryWatchEvent<T>[] = [];
    const fresh = new Map<string, T>();
    for (const obj of items) {
      const key = metaNamespaceKey(obj);
      fresh.set(key, obj);
      const old = this.#known.get(key);
      if (!old) out.push({ type: "ADDED", object: obj, synthetic: true });
      else if (resourceVersionOf(old) !== resourceVersionOf(obj)) out.push({ type: "MODIFIED", object: obj, synthetic: true });
    }
    for (const [key, old] of this.#known) if (!fresh.has(key)) out.push({ type: "DELETED", object: old, synthetic: true });
    this.#known.clear();
    for (const [key, obj] of fresh) this.#known.set(key, obj);
    this.#rv = rv;
    this.#metrics.synthetic += out.length;
    return out;
  }

  /** A consistent list (resourceVersion ""), paged; a continue token that expires gives one unpaged list. */
  async #list(): Promise<{ items: T[]; rv: string }> {
    const signal = this.#options.signal;
    const pageSize = this.#options.pageSize ?? 500;
    const base: ListOptions = { resourceVersion: "", ...(signal ? { signal } : {}) };
    const items: T[] = [];
    let rv = "";
    let token: string | undefined;
    do {
      const opts: ListOptions = { ...base, ...(pageSize > 0 ? { limit: pageSize } : {}), ...(token ? { continue: token } : {}) };
      if (token) delete opts.resourceVersion;
      let page;
      try {
        page = await this.#lw.list(opts);
      } catch (err) {
        if (!token || !isExpiredOrTooLarge(err)) throw err;
        const full = await this.#lw.list(base);
        return { items: full.items ?? [], rv: full.metadata?.resourceVersion ?? "" };
      }
      items.push(...(page.items ?? []));
      rv = page.metadata?.resourceVersion ?? rv;
      token = page.metadata?.continue || undefined;
    } while (token);
    return { items, rv };
  }
}

/** Same as `new RetryWatcher(lw, options)`. */
export function retryWatch<T extends KubernetesObject>(lw: ListerWatcher<T>, options: RetryWatcherOptions = {}): RetryWatcher<T> {
  return new RetryWatcher(lw, options);
}
