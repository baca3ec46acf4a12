// The informer's source (client-go tools/cache/listwatch.go ListerWatcher).
// Anything with list() and watch() will do; ResourceClient and
// DynamicResourceClient already are one.

import type { ListOptions, WatchOptions } from "../meta/options.js";
import type { ObjectList } from "../rest/resource-client.js";
import type { WatchEvent } from "../watch/decoder.js";

/** Callbacks a reflector passes with each watch request. */
export interface WatchHooks {
  /**
   * Called once when the server's response to the watch arrives (its
   * headers), before any event. A source that cannot tell may ignore it: the
   * reflector then takes the first event (a bookmark included) as the proof.
   */
  onResponse?(): void;
}

/** Where a reflector lists and watches objects of type `T`. */
export interface ListerWatcher<T> {
  /** One LIST call (one page when `limit` is set). */
  list(options: ListOptions): Promise<ObjectList<T>>;
  /** One WATCH call; the iteration ends when the server closes the stream or `options.signal` aborts. */
  watch(options: WatchOptions, hooks?: WatchHooks): AsyncIterable<WatchEvent<T>>;
  /**
   * Set to `false` when the source cannot serve streaming lists
   * (`sendInitialEvents`), so the reflector never tries (client-go
   * `IsWatchListSemanticsUnSupported`).
   */
  readonly watchListSupported?: boolean;
}

/** Changes list/watch options in place or returns new ones (client-go `TweakListOptionsFunc`). */
export type TweakListOptions = (options: ListOptions & WatchOptions) => (ListOptions & WatchOptions) | void;

/** A ListerWatcher whose every call first passes its options through `tweak` (selectors, for example). */
export function withTweakListOptions<T>(source: ListerWatcher<T>, tweak: TweakListOptions | undefined): ListerWatcher<T> {
  if (!tweak) return source;
  const apply = <O extends ListOptions | WatchOptions>(o: O): O => {
    const copy = { ...o } as ListOptions & WatchOptions;
    return (tweak(copy) ?? copy) as O;
  };
  return {
    list: (o) => source.list(apply(o)),
    watch: (o, hooks) => source.watch(apply(o), hooks),
    ...(source.watchListSupported !== undefined ? { watchListSupported: source.watchListSupported } : {}),
  };
}
