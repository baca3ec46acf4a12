// FakeListerWatcher: an in-memory ListerWatcher for tests of informers and
// controllers, in the spirit of client-go tools/cache/testing
// fake_controller_source.go. It keeps objects and an event history with
// resourceVersions, serves paginated lists, watches from a resourceVersion
// (410 Expired below the compacted one), streaming lists with the
// initial-events-end bookmark, and lets a test inject failures, pause list
// pages, close or break watches, make objects vanish without an event, and
// take the "server" away (watches then wait unanswered, as while the
// transport retries a refused connection), or stall it (open watches go
// silent and new ones wait unanswered, as with a SIGSTOPped API server).

import { ApiError } from "../errors/api-error.js";
import type { ListOptions, WatchOptions } from "../meta/options.js";
import type { KubernetesList, KubernetesObject, Status } from "../meta/types.js";
import type { WatchEvent } from "../watch/decoder.js";
import { metaNamespaceKey } from "./keys.js";
import type { ListerWatcher, WatchHooks } from "./list-watch.js";
import { INITIAL_EVENTS_END_ANNOTATION } from "./reflector.js";

/** A Status-carrying ApiError for tests (`code`, `reason`, message). */
export function fakeApiError(code: number, reason: string, message = `${reason} (${code})`): ApiError {
  const status: Status = { kind: "Status", apiVersion: "v1", status: "Failure", code, reason, message };
  return new ApiError(status);
}

type Outcome<T> = { event: WatchEvent<T> } | { error: unknown } | { end: true };

/** One open watch of a {@link FakeListerWatcher}. */
export class FakeWatchStream<T> implements AsyncIterable<WatchEvent<T>> {
  readonly options: WatchOptions;
  readonly #hooks: WatchHooks | undefined;
  #queue: Outcome<T>[] = [];
  #wake: (() => void) | undefined;
  #closed = false;
  #answered = false;

  constructor(options: WatchOptions, hooks?: WatchHooks) {
    this.options = options;
    this.#hooks = hooks;
    options.signal?.addEventListener("abort", () => this.end(), { once: true });
  }

  /** Whether the stream has ended (closed by the test, by abort, or by the consumer). */
  get closed(): boolean {
    return this.#closed;
  }

  /** Whether the "server" answered this watch (its response hook was called). */
  get answered(): boolean {
    return this.#answered;
  }

  /** Answers the watch: calls the caller's `onResponse` hook once. */
  answer(): void {
    if (this.#closed || this.#answered) return;
    this.#answered = true;
    this.#hooks?.onResponse?.();
  }

  /** Queues an event. */
  send(event: WatchEvent<T>): void {
    if (!this.#closed) this.#push({ event });
  }

  /** Ends the stream normally (like a server-side timeout). */
  end(): void {
    if (!this.#closed) this.#push({ end: true });
  }

  /** Makes the stream throw `err` after the queued events (like an ERROR event). */
  fail(err: unknown): void {
    if (!this.#closed) this.#push({ error: err });
  }

  #push(o: Outcome<T>): void {
    this.#queue.push(o);
    this.#wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<WatchEvent<T>, void, undefined> {
    try {
      for (;;) {
        const next = this.#queue.shift();
        if (!next) {
          await new Promise<void>((r) => (this.#wake = r));
          this.#wake = undefined;
          continue;
        }
        if ("end" in next) return;
        if ("error" in next) throw next.error;
        yield next.event;
      }
    } finally {
      this.#closed = true;
    }
  }
}

/** An in-memory ListerWatcher with a resourceVersion counter, history and fault injection. */
export class FakeListerWatcher<T extends KubernetesObject> implements ListerWatcher<T> {
  /** Whether the fake "server" accepts streaming lists; when false, they fail with 422 Invalid. */
  serverSupportsWatchList: boolean;
  /** Current resourceVersion (incremented by every change). */
  resourceVersion = 1;
  /** History at or below this RV is gone: watching from it gives 410 Expired. */
  compactedRv = 0;
  /** Continue tokens expire (410) when true. */
  expireContinueTokens = false;
  /** Called before each list page is served (await it to pause a list mid-way). */
  beforeListPage: ((options: ListOptions, page: number) => Promise<void> | void) | undefined;
  /** Every list call's options (without the signal). */
  readonly listCalls: ListOptions[] = [];
  /** Every watch call's options (without the signal). */
  readonly watchCalls: WatchOptions[] = [];
  /** Every watch opened, in order. */
  readonly watches: FakeWatchStream<T>[] = [];
  readonly #objects = new Map<string, T>();
  readonly #history: Array<{ rv: number; event: WatchEvent<T> }> = [];
  readonly #listErrors: unknown[] = [];
  readonly #watchErrors: unknown[] = [];
  #pageCounter = 0;
  #unreachable: unknown;
  #stalled = false;

  constructor(options: { serverSupportsWatchList?: boolean } = {}) {
    this.serverSupportsWatchList = options.serverSupportsWatchList ?? true;
  }

  /** Watches still open (answered or still waiting for the "server"). */
  get openWatches(): FakeWatchStream<T>[] {
    return this.watches.filter((w) => !w.closed);
  }

  /** Whether {@link disconnect} is in effect. */
  get disconnected(): boolean {
    return this.#unreachable !== undefined;
  }

  /**
   * Takes the "server" away: open watches end (as a reset connection ends a
   * RestClient watch, quietly), lists reject with `listError`, and new
   * watches get no answer (as while the transport retries a refused
   * connection) until {@link reconnect}, or until the test breaks them with
   * {@link breakWatches} (the transport giving up).
   */
  disconnect(listError: unknown): void {
    this.#unreachable = listError;
    for (const w of this.openWatches) if (w.answered) w.end();
  }

  /**
   * Stalls the "server" (a SIGSTOPped API server, a blackholed connection):
   * open watches stay open but receive nothing (events and bookmarks are
   * recorded in the history only) and new watches wait unanswered, until
   * {@link resume}. Lists are not affected.
   */
  stall(): void {
    this.#stalled = true;
  }

  /** Whether {@link stall} is in effect. */
  get stalled(): boolean {
    return this.#stalled;
  }

  /** Ends a {@link stall}: watches waiting for an answer get it now (and the history after their resourceVersion). */
  resume(): void {
    this.#stalled = false;
    if (this.#unreachable === undefined) for (const w of this.openWatches) if (!w.answered) this.#serve(w);
  }

  /** Brings the "server" back: watches waiting for an answer get it now. */
  reconnect(): void {
    this.#unreachable = undefined;
    if (!this.#stalled) for (const w of this.openWatches) if (!w.answered) this.#serve(w);
  }

  /** The stored objects. */
  items(): T[] {
    return [...this.#objects.values()];
  }

  /** The next `times` list calls reject with `err`. */
  failLists(err: unknown, times = 1): void {
    for (let i = 0; i < times; i++) this.#listErrors.push(err);
  }

  /** The next `times` watch calls fail with `err` before any event. */
  failWatches(err: unknown, times = 1): void {
    for (let i = 0; i < times; i++) this.#watchErrors.push(err);
  }

  #stamp(obj: T): T {
    const rv = ++this.resourceVersion;
    return { ...obj, metadata: { ...obj.metadata, resourceVersion: String(rv) } };
  }

  #emit(event: WatchEvent<T>): void {
    this.#history.push({ rv: this.resourceVersion, event });
    if (this.#stalled) return;
    for (const w of this.openWatches) if (w.answered) w.send(event);
  }

  /** Creates an object (ADDED). Returns it with its new resourceVersion. */
  add(obj: T): T {
    const stored = this.#stamp(obj);
    this.#objects.set(metaNamespaceKey(stored), stored);
    this.#emit({ type: "ADDED", object: stored });
    return stored;
  }

  /** Changes an object (MODIFIED). */
  modify(obj: T): T {
    const stored = this.#stamp(obj);
    this.#objects.set(metaNamespaceKey(stored), stored);
    this.#emit({ type: "MODIFIED", object: stored });
    return stored;
  }

  /** Deletes an object by key (DELETED with its final state and a new resourceVersion). */
  delete(key: string): void {
    const old = this.#objects.get(key);
    if (!old) throw new Error(`no object ${key}`);
    this.#objects.delete(key);
    const final = this.#stamp(old);
    this.#emit({ type: "DELETED", object: final });
  }

  /** Removes an object with no event at all (as if the deletion happened while nobody watched). */
  vanish(key: string): void {
    this.#objects.delete(key);
    this.resourceVersion++;
  }

  /** Sends a BOOKMARK at the current resourceVersion to open watches. */
  bookmark(): void {
    const ev = { type: "BOOKMARK", object: { metadata: { resourceVersion: String(this.resourceVersion) } } as unknown as T } as const;
    if (this.#stalled) return;
    for (const w of this.openWatches) if (w.answered) w.send(ev);
  }

  /** Forgets history up to the current resourceVersion: watching from an older one gives 410 Expired. */
  compact(): void {
    this.compactedRv = this.resourceVersion;
    this.#history.length = 0;
  }

  /** Ends every open watch normally. */
  endWatches(): void {
    for (const w of this.openWatches) w.end();
  }

  /** Breaks every open watch with `err`. */
  breakWatches(err: unknown): void {
    for (const w of this.openWatches) w.fail(err);
  }

  async list(options: ListOptions): Promise<KubernetesList<T>> {
    const { signal: _signal, ...rest } = options;
    this.listCalls.push(rest);
    const page = this.#pageCounter++;
    await this.beforeListPage?.(options, page);
    if (this.#unreachable !== undefined) throw this.#unreachable;
    const err = this.#listErrors.shift();
    if (err !== undefined) throw err;
    const rv = options.resourceVersion;
    if (rv && rv !== "0" && Number(rv) > this.resourceVersion) {
      throw fakeApiError(504, "Timeout", "Too large resource version");
    }
    let all: T[];
    let listRv: number;
    let offset = 0;
    if (options.continue) {
      const [crv, off] = options.continue.split(":");
      if (this.expireContinueTokens) throw fakeApiError(410, "Expired", "The provided continue parameter is too old");
      listRv = Number(crv);
      offset = Number(off);
      all = this.items();
    } else {
      listRv = this.resourceVersion;
      all = this.items();
    }
    const limit = options.limit ?? 0;
    const items = limit > 0 ? all.slice(offset, offset + limit) : all.slice(offset);
    const more = limit > 0 && offset + limit < all.length;
    return {
      apiVersion: "v1",
      kind: "List",
      metadata: { resourceVersion: String(listRv), ...(more ? { continue: `${listRv}:${offset + limit}` } : {}) },
      items,
    };
  }

  watch(options: WatchOptions, hooks?: WatchHooks): AsyncIterable<WatchEvent<T>> {
    const { signal: _signal, ...rest } = options;
    this.watchCalls.push(rest);
    const stream = new FakeWatchStream<T>(options, hooks);
    this.watches.push(stream);
    const err = this.#watchErrors.shift();
    if (err !== undefined) {
      stream.fail(err);
      return stream;
    }
    if (this.#unreachable === undefined && !this.#stalled) this.#serve(stream);
    return stream;
  }

  /** Answers a watch: its initial events (streaming list), a 410, or the history after its resourceVersion. */
  #serve(stream: FakeWatchStream<T>): void {
    const options = stream.options;
    if (options.sendInitialEvents) {
      if (!this.serverSupportsWatchList) {
        stream.fail(fakeApiError(422, "Invalid", "sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled"));
        return;
      }
      stream.answer();
      for (const obj of this.items()) stream.send({ type: "ADDED", object: obj });
      stream.send({
        type: "BOOKMARK",
        object: {
          metadata: { resourceVersion: String(this.resourceVersion), annotations: { [INITIAL_EVENTS_END_ANNOTATION]: "true" } },
        } as unknown as T,
      });
      return;
    }
    const from = Number(options.resourceVersion || 0);
    if (options.resourceVersion && options.resourceVersion !== "0" && from < this.compactedRv) {
      stream.fail(fakeApiError(410, "Expired", `too old resource version: ${from} (${this.compactedRv})`));
      return;
    }
    stream.answer();
    for (const h of this.#history) if (h.rv > from) stream.send(h.event);
  }
}
