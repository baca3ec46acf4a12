// Waiting for an object to reach a condition. waitFor watches an informer (its
// cache first: a handler added late is replayed every cached object, then live
// events) or a watch stream; untilWithSync mirrors client-go
// tools/watch/until.go UntilWithSync (an informer of its own over a
// ListerWatcher: list, then watch, a precondition on the synced cache, then
// conditions evaluated one after the other over the events, as in
// UntilWithoutRetry). Both give up with WaitTimeoutError after `timeoutMs`, or
// with the signal's reason when it aborts, and leave nothing running behind.

import type { HandlerRegistration, ResourceEventHandler } from "../cache/handlers.js";
import type { ReadonlyIndexer } from "../cache/indexer.js";
import { objectOf } from "../cache/keys.js";
import type { ListerWatcher } from "../cache/list-watch.js";
import { SharedIndexInformer, type SharedIndexInformerOptions } from "../cache/shared-informer.js";
import type { KubernetesObject } from "../meta/types.js";
import { realClock, type Clock } from "../util/clock.js";
import type { WatchEvent } from "../watch/decoder.js";

/** The event types a condition sees (bookmarks are skipped). */
export type ObjectEventType = "ADDED" | "MODIFIED" | "DELETED";

/** A condition on one object; `type` says how it arrived. Throwing ends the wait with that error. */
export type WaitCondition<T> = (obj: T, type: ObjectEventType) => boolean;

/** An informer, as far as waiting needs one. */
export interface InformerLike<T> {
  addEventHandler(handler: ResourceEventHandler<T>): HandlerRegistration;
}

/** What {@link waitFor} can wait on: an informer, or a watch stream (e.g. `client.watch({...})`). */
export type WaitSource<T> = InformerLike<T> | AsyncIterable<WatchEvent<T>>;

/** Options of {@link waitFor} and {@link untilWithSync}. */
export interface WaitOptions {
  /** Give up after this long (ms) with {@link WaitTimeoutError}. Default: no limit (use a signal). */
  timeoutMs?: number;
  /** Give up when this aborts, rejecting with its reason. */
  signal?: AbortSignal;
  /** Time source of the timeout (default the wall clock). */
  clock?: Clock;
}

/** The condition was not met in time (apimachinery `wait.ErrWaitTimeout`). */
export class WaitTimeoutError extends Error {
  override readonly name = "WaitTimeoutError";
  constructor(readonly timeoutMs: number) {
    super(`timed out waiting for the condition after ${timeoutMs} ms`);
  }
}

/** The watch stream ended before the condition was met (client-go `ErrWatchClosed`). */
export class WatchClosedError extends Error {
  override readonly name = "WatchClosedError";
  constructor() {
    super("watch closed before the condition was met");
  }
}

function isInformer<T>(source: WaitSource<T>): source is InformerLike<T> {
  return typeof (source as Partial<InformerLike<T>>).addEventHandler === "function";
}

/** A promise settled by the first of: `body` settling, the timeout, the signal; `cleanup` runs once either way. */
function race<R>(options: WaitOptions, body: (settle: { resolve(v: R): void; reject(e: unknown): void }) => () => void): Promise<R> {
  const { timeoutMs, signal } = options;
  const clock = options.clock ?? realClock;
  return new Promise<R>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    let done = false;
    let cleanup: (() => void) | undefined;
    const finish = (): boolean => {
      if (done) return false;
      done = true;
      cancelTimer?.();
      signal?.removeEventListener("abort", onAbort);
      cleanup?.();
      return true;
    };
    const onAbort = (): void => void (finish() && reject(signal!.reason));
    const cancelTimer =
      timeoutMs !== undefined ? clock.setTimer(timeoutMs, () => void (finish() && reject(new WaitTimeoutError(timeoutMs)))) : undefined;
    signal?.addEventListener("abort", onAbort, { once: true });
    const c = body({ resolve: (v) => void (finish() && resolve(v)), reject: (e) => void (finish() && reject(e)) });
    if (done) c();
    else cleanup = c;
  });
}

/**
 * Resolves with the first object that satisfies `condition`. Over an
 * informer, the cached objects are checked first (as `ADDED`), then every
 * change; the informer must be running. Over a watch stream, its events in
 * order; the stream is closed (`return()`) when the wait ends, and a stream
 * that ends first rejects with {@link WatchClosedError}. Open the watch with
 * the same signal so that an abort also ends a pending read.
 *
 * @example
 * const ready = await waitFor(pods.informer, (p) => p.status?.phase === "Running", { timeoutMs: 60_000 });
 */
export function waitFor<T>(source: WaitSource<T>, condition: WaitCondition<T>, options: WaitOptions = {}): Promise<T> {
  return race<T>(options, ({ resolve, reject }) => {
    const check = (obj: T, type: ObjectEventType): void => {
      try {
        if (condition(obj, type)) resolve(obj);
      } catch (err) {
        reject(err);
      }
    };
    if (isInformer(source)) {
      const reg = source.addEventHandler({
        onAdd: (o) => check(o, "ADDED"),
        onUpdate: (_old, o) => check(o, "MODIFIED"),
        onDelete: (o) => check(objectOf(o), "DELETED"),
      });
      return () => reg.remove();
    }
    const it = source[Symbol.asyncIterator]();
    let stopped = false;
    void (async () => {
      try {
        for (;;) {
          const r = await it.next();
          if (stopped) return;
          if (r.done) return reject(new WatchClosedError());
          if (r.value.type !== "BOOKMARK") check(r.value.object, r.value.type);
        }
      } catch (err) {
        if (!stopped) reject(err);
      }
    })();
    return () => {
      stopped = true;
      void Promise.resolve(it.return?.()).catch(() => undefined);
    };
  });
}

/** A condition on one event of {@link untilWithSync} (client-go `watchtools.ConditionFunc`). */
export type EventCondition<T> = (event: WatchEvent<T>) => boolean;

/** Options of {@link untilWithSync}. */
export interface UntilWithSyncOptions<T> extends WaitOptions {
  /**
   * Checked once on the synced cache before any condition; true ends the wait
   * at once with `undefined` (client-go `PreconditionFunc`).
   */
  precondition?: (store: ReadonlyIndexer<T>) => boolean;
  /** Options of the informer made for the wait (name, clock, backoff...). */
  informer?: SharedIndexInformerOptions<T>;
}

/**
 * Lists and watches `lw` with an informer of its own, then evaluates
 * `conditions` in order over the events, the initial list's ADDED events
 * included: each condition is first tried on the event that satisfied the
 * previous one, then on the following events. Resolves with the event that
 * satisfied the last condition (client-go `UntilWithSync`). The informer
 * retries failed lists and watches (410 Expired relists), so a dropped watch
 * does not end the wait; it is stopped before the promise settles.
 */
export async function untilWithSync<T extends KubernetesObject>(
  lw: ListerWatcher<T>,
  conditions: EventCondition<T> | EventCondition<T>[],
  options: UntilWithSyncOptions<T> = {},
): Promise<WatchEvent<T> | undefined> {
  const list = Array.isArray(conditions) ? conditions : [conditions];
  const informer = new SharedIndexInformer<T>(lw, { name: "untilWithSync", ...options.informer });
  const stop = new AbortController();
  let running: Promise<void> | undefined;
  try {
    return await race<WatchEvent<T> | undefined>(options, ({ resolve, reject }) => {
      let index = 0;
      let preconditionDone = options.precondition === undefined;
      const backlog: WatchEvent<T>[] = [];
      const feed = (ev: WatchEvent<T>): void => {
        if (!preconditionDone) {
          backlog.push(ev);
          return;
        }
        try {
          while (index < list.length && list[index]!(ev)) index++;
          if (index >= list.length) resolve(ev);
        } catch (err) {
          reject(err);
        }
      };
      informer.addEventHandler({
        onAdd: (o) => feed({ type: "ADDED", object: o }),
        onUpdate: (_old, o) => feed({ type: "MODIFIED", object: o }),
        onDelete: (o) => feed({ type: "DELETED", object: objectOf(o) }),
      });
      running = informer.run(stop.signal);
      if (options.precondition) {
        const precondition = options.precondition;
        informer.waitForCacheSync(stop.signal).then(
          () => {
            try {
              if (precondition(informer.indexer)) return resolve(undefined);
            } catch (err) {
              return reject(err);
            }
            preconditionDone = true;
            for (const ev of backlog.splice(0)) feed(ev);
          },
          (err: unknown) => reject(err),
        );
      }
      return () => stop.abort();
    });
  } finally {
    stop.abort();
    await running;
  }
}
