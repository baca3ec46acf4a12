// The informer's local cache: objects by key plus secondary indexes. Mirrors
// client-go tools/cache/store.go, index.go and thread_safe_store.go (one map of
// key -> object, one map per index of value -> set of keys), with one change
// taken from kube-rs reflector/store.rs: replace() builds the new maps aside
// and swaps them in whole, so a reader never sees a half-replaced cache.
// JavaScript runs one callback at a time, so no lock is needed: every method
// finishes before any other code can observe the store.

import type { KubernetesObject } from "../meta/types.js";
import { metaNamespaceKey, type KeyFunc } from "./keys.js";

/** Returns the index values of an object, e.g. its namespace (client-go `IndexFunc`). */
export type IndexFunc<T> = (obj: T) => readonly string[];

/** Named index functions (client-go `Indexers`). */
export type Indexers<T> = Readonly<Record<string, IndexFunc<T>>>;

/** The name of the index every informer has: objects by namespace (client-go `NamespaceIndex`). */
export const NAMESPACE_INDEX = "namespace";

/** Indexes an object by its namespace; cluster-scoped objects get `""` (client-go `MetaNamespaceIndexFunc`). */
export function metaNamespaceIndexFunc(obj: KubernetesObject): readonly string[] {
  return [obj.metadata?.namespace ?? ""];
}

/** Reads of a store (client-go `Store` without the writes). Objects are shared: do not mutate them. */
export interface ReadonlyStore<T> {
  /** The object stored under `key`, or undefined. */
  get(key: string): T | undefined;
  /** Like {@link get}, but throws when the key is absent. */
  getOrThrow(key: string): T;
  /** Whether `key` is stored. */
  has(key: string): boolean;
  /** Every stored object (a fresh array; the objects themselves are shared). */
  list(): T[];
  /** Every key. */
  listKeys(): string[];
  /** Every `[key, object]` pair, live (do not change the store while iterating). */
  entries(): IterableIterator<[string, T]>;
  /** Number of objects. */
  readonly size: number;
}

/** Reads of an indexer (client-go `Indexer` without the writes). */
export interface ReadonlyIndexer<T> extends ReadonlyStore<T> {
  /** Objects whose index function `indexName` yields `value` (client-go `ByIndex`). Throws on an unknown index. */
  byIndex(indexName: string, value: string): T[];
  /** Keys whose index function `indexName` yields `value` (client-go `IndexKeys`). */
  indexKeys(indexName: string, value: string): string[];
  /** Every value index `indexName` currently holds (client-go `ListIndexFuncValues`). */
  listIndexFuncValues(indexName: string): string[];
  /** Objects that share any index value with `obj` (client-go `Index`). */
  index(indexName: string, obj: T): T[];
  /** Names of the indexes. */
  indexNames(): string[];
}

type IndexMap = Map<string, Set<string>>;

/** A keyed object store with secondary indexes (client-go `cache.NewIndexer`). */
export class Indexer<T> implements ReadonlyIndexer<T> {
  readonly #keyOf: KeyFunc<T>;
  #indexers: Record<string, IndexFunc<T>>;
  #items = new Map<string, T>();
  #indices = new Map<string, IndexMap>();

  /**
   * @param indexers index functions by name (none by default; informers add {@link NAMESPACE_INDEX}).
   * @param keyOf the key function (default `namespace/name`).
   */
  constructor(indexers: Indexers<T> = {}, keyOf: KeyFunc<T> = metaNamespaceKey as unknown as KeyFunc<T>) {
    this.#keyOf = keyOf;
    this.#indexers = { ...indexers };
    for (const name of Object.keys(this.#indexers)) this.#indices.set(name, new Map());
  }

  /** The key of `obj` under this store's key function. */
  keyOf(obj: T): string {
    return this.#keyOf(obj);
  }

  get size(): number {
    return this.#items.size;
  }

  get(key: string): T | undefined {
    return this.#items.get(key);
  }

  getOrThrow(key: string): T {
    const v = this.#items.get(key);
    if (v === undefined) throw new Error(`no object with key ${JSON.stringify(key)} in the cache`);
    return v;
  }

  has(key: string): boolean {
    return this.#items.has(key);
  }

  list(): T[] {
    return [...this.#items.values()];
  }

  listKeys(): string[] {
    return [...this.#items.keys()];
  }

  entries(): IterableIterator<[string, T]> {
    return this.#items.entries();
  }

  /** Adds or replaces `obj`; returns the object it replaced, if any. */
  set(obj: T): T | undefined {
    const key = this.#keyOf(obj);
    const old = this.#items.get(key);
    this.#items.set(key, obj);
    if (old !== undefined) this.#unindex(this.#indices, key, old);
    this.#index(this.#indices, key, obj);
    return old;
  }

  /** Removes the object under `key`; returns it, if it was there. */
  delete(key: string): T | undefined {
    const old = this.#items.get(key);
    if (old === undefined) return undefined;
    this.#items.delete(key);
    this.#unindex(this.#indices, key, old);
    return old;
  }

  /**
   * Replaces the whole content with `items`, atomically: the new maps and
   * indexes are built first and swapped in at once. Returns the previous
   * content by key (for computing what changed).
   */
  replace(items: Iterable<T>): Map<string, T> {
    const next = new Map<string, T>();
    for (const obj of items) next.set(this.#keyOf(obj), obj);
    const indices = new Map<string, IndexMap>();
    for (const name of Object.keys(this.#indexers)) indices.set(name, new Map());
    for (const [key, obj] of next) this.#index(indices, key, obj);
    const old = this.#items;
    this.#items = next;
    this.#indices = indices;
    return old;
  }

  /**
   * Adds index functions and indexes the stored objects with them (client-go
   * `AddIndexers`). Throws if a name is already taken ("indexer conflict").
   */
  addIndexers(indexers: Indexers<T>): void {
    const names = Object.keys(indexers);
    const taken = names.filter((n) => n in this.#indexers);
    if (taken.length > 0) throw new Error(`indexer conflict: ${taken.join(", ")}`);
    for (const name of names) {
      this.#indexers[name] = indexers[name]!;
      const map: IndexMap = new Map();
      this.#indices.set(name, map);
      const one = new Map([[name, map]]);
      for (const [key, obj] of this.#items) this.#indexOne(one, name, key, obj);
    }
  }

  indexNames(): string[] {
    return Object.keys(this.#indexers);
  }

  byIndex(indexName: string, value: string): T[] {
    return this.indexKeys(indexName, value).map((k) => this.#items.get(k)!);
  }

  indexKeys(indexName: string, value: string): string[] {
    const set = this.#indexMap(indexName).get(value);
    return set ? [...set] : [];
  }

  listIndexFuncValues(indexName: string): string[] {
    return [...this.#indexMap(indexName).keys()];
  }

  index(indexName: string, obj: T): T[] {
    const fn = this.#indexers[indexName];
    if (!fn) throw new Error(`index ${JSON.stringify(indexName)} does not exist`);
    const keys = new Set<string>();
    for (const v of fn(obj)) for (const k of this.indexKeys(indexName, v)) keys.add(k);
    return [...keys].map((k) => this.#items.get(k)!);
  }

  #indexMap(indexName: string): IndexMap {
    const map = this.#indices.get(indexName);
    if (!map) throw new Error(`index ${JSON.stringify(indexName)} does not exist`);
    return map;
  }

  #index(indices: Map<string, IndexMap>, key: string, obj: T): void {
    for (const name of indices.keys()) this.#indexOne(indices, name, key, obj);
  }

  #indexOne(indices: Map<string, IndexMap>, name: string, key: string, obj: T): void {
    const map = indices.get(name)!;
    for (const value of this.#indexers[name]!(obj)) {
      let set = map.get(value);
      if (!set) map.set(value, (set = new Set()));
      set.add(key);
    }
  }

  #unindex(indices: Map<string, IndexMap>, key: string, obj: T): void {
    for (const [name, map] of indices) {
      for (const value of this.#indexers[name]!(obj)) {
        const set = map.get(value);
        if (!set) continue;
        set.delete(key);
        if (set.size === 0) map.delete(value);
      }
    }
  }
}
