// Read-only cache objects. client-go hands out shared pointers and asks callers
// not to mutate them (tools/cache/thread_safe_store.go; its mutation detector,
// tools/cache/mutation_detector.go, is a debug aid). Here the informer deep-
// freezes every object before storing it, so a mutation throws in strict mode
// (all ES modules) instead of silently corrupting the cache.

/** A deeply read-only view of `T`. */
export type DeepReadonly<T> = T extends (infer E)[]
  ? ReadonlyArray<DeepReadonly<E>>
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/**
 * Freezes `value` and everything reachable from it (plain objects and arrays),
 * in place, and returns it. Already frozen sub-trees are skipped.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== "object" || value === null) return value;
  // one pass, no recursion; for-in + hasOwn allocates no key array (this runs on every cached object)
  const stack: object[] = [value];
  while (stack.length > 0) {
    const v = stack.pop()!;
    if (Object.isFrozen(v)) continue;
    Object.freeze(v);
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const item: unknown = v[i];
        if (typeof item === "object" && item !== null) stack.push(item);
      }
    } else {
      for (const key in v) {
        if (!Object.hasOwn(v, key)) continue;
        const item: unknown = (v as Record<string, unknown>)[key];
        if (typeof item === "object" && item !== null) stack.push(item);
      }
    }
  }
  return value;
}
