// Read-only cache objects. client-go hands out shared pointers and asks callers
// not to mutate them (tools/cache/thread_safe_store.go; its mutation detector,
// tools/cache/mutation_detector.go, is a debug aid). Here the informer deep-
// freezes every object before storing it, so a mutation throws in strict mode
// (all ES modules) instead of silently corrupting the cache.
//
// The same pass interns string values (StringTable): JSON.parse gives every
// label value, image, namespace, owner name and timestamp of every object its
// own copy, and a cache of 10,000 Pods holds each of them thousands of times.
// One canonical copy saves about a fifth of the cache's memory for the time of
// one more lookup per string, on a walk the freeze does anyway. Empty plain
// objects are shared the same way (one frozen `{}`): managedFields' field sets
// are mostly `{}` leaves, and each would otherwise be an object of its own.

/** A deeply read-only view of `T`. */
export type DeepReadonly<T> = T extends (infer E)[]
  ? ReadonlyArray<DeepReadonly<E>>
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/** Strings longer than this are rarely shared (certificates, last-applied configurations): not interned. */
const MAX_INTERNED_LENGTH = 128;
/** Distinct strings a table holds before it starts again (a bound on what it keeps alive). */
const DEFAULT_TABLE_SIZE = 200_000;

/**
 * Canonical copies of short strings, for {@link deepFreeze}. Bounded: once it holds `maxSize`
 * strings it is emptied and fills again, so it never keeps more than that many alive (objects
 * cached before keep their copies; both are equal strings).
 */
export class StringTable {
  readonly #maxSize: number;
  #strings = new Map<string, string>();

  constructor(maxSize = DEFAULT_TABLE_SIZE) {
    this.#maxSize = maxSize;
  }

  /** Distinct strings held now. */
  get size(): number {
    return this.#strings.size;
  }

  /** The table's copy of `s`, which becomes `s` itself when it has none. */
  intern(s: string): string {
    if (s.length > MAX_INTERNED_LENGTH) return s;
    const known = this.#strings.get(s);
    if (known !== undefined) return known;
    if (this.#strings.size >= this.#maxSize) this.#strings = new Map();
    this.#strings.set(s, s);
    return s;
  }
}

/** The one `{}` every empty plain object of an interned cache object becomes. */
const EMPTY: object = Object.freeze({});

/** `{}` as JSON.parse makes it: no own keys, Object.prototype (not a Date, a Map or an instance of a class). */
function isEmptyPlainObject(v: object): boolean {
  if (Array.isArray(v) || Object.getPrototypeOf(v) !== Object.prototype) return false;
  for (const key in v) if (Object.hasOwn(v, key)) return false;
  return Object.getOwnPropertySymbols(v).length === 0 && Object.getOwnPropertyNames(v).length === 0;
}

/**
 * Freezes `value` and everything reachable from it (plain objects and arrays),
 * in place, and returns it. Already frozen sub-trees are skipped. With
 * `strings`, every string value in the unfrozen part (not keys: V8 shares
 * those already) is replaced by the table's copy first, and every empty plain
 * object by one shared frozen `{}`.
 */
export function deepFreeze<T>(value: T, strings?: StringTable): T {
  if (typeof value !== "object" || value === null) return value;
  // one pass, no recursion; for-in + hasOwn allocates no key array (this runs on every cached object)
  const stack: object[] = [value];
  while (stack.length > 0) {
    const v = stack.pop()!;
    if (Object.isFrozen(v)) continue;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const item: unknown = v[i];
        if (typeof item === "object" && item !== null) {
          if (strings && isEmptyPlainObject(item)) v[i] = EMPTY;
          else stack.push(item);
        } else if (strings && typeof item === "string") v[i] = strings.intern(item);
      }
    } else {
      const record = v as Record<string, unknown>;
      for (const key in record) {
        if (!Object.hasOwn(record, key)) continue;
        const item = record[key];
        if (typeof item === "object" && item !== null) {
          if (strings && isEmptyPlainObject(item)) record[key] = EMPTY;
          else stack.push(item);
        } else if (strings && typeof item === "string") record[key] = strings.intern(item);
      }
    }
    Object.freeze(v);
  }
  return value;
}
