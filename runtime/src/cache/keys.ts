// Object keys and tombstones. Mirrors client-go tools/cache/store.go
// (MetaNamespaceKeyFunc, SplitMetaNamespaceKey) and tools/cache/delta_fifo.go
// (DeletedFinalStateUnknown, DeletionHandlingMetaNamespaceKeyFunc).

import type { KubernetesObject } from "../meta/types.js";

/** Computes the cache key of an object. */
export type KeyFunc<T> = (obj: T) => string;

/**
 * A deletion the informer inferred from a relist instead of seeing a DELETED
 * event (client-go `DeletedFinalStateUnknown`): `object` is the last state the
 * cache knew, which may be stale. Delete handlers receive either the deleted
 * object or one of these; use {@link isTombstone} or {@link objectOf}.
 */
export interface DeletedFinalStateUnknown<T> {
  /** Always true: tells a tombstone from an object. */
  readonly tombstone: true;
  /** The cache key (`namespace/name` or `name`). */
  readonly key: string;
  /** The last known state of the object. */
  readonly object: T;
}

/** Whether a delete handler's argument is a {@link DeletedFinalStateUnknown} tombstone. */
export function isTombstone<T>(value: T | DeletedFinalStateUnknown<T>): value is DeletedFinalStateUnknown<T> {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as { tombstone?: unknown }).tombstone === true &&
    typeof (value as { key?: unknown }).key === "string" &&
    "object" in value
  );
}

/** The object itself, or the last known state a tombstone carries. */
export function objectOf<T>(value: T | DeletedFinalStateUnknown<T>): T {
  return isTombstone(value) ? value.object : value;
}

/**
 * `namespace/name` for namespaced objects, `name` for cluster-scoped ones
 * (client-go `MetaNamespaceKeyFunc`). Throws when the object has no name.
 */
export function metaNamespaceKey(obj: KubernetesObject): string {
  const name = obj.metadata?.name;
  if (!name) throw new Error(`cannot compute a cache key: the ${obj.kind ?? "object"} has no metadata.name`);
  const ns = obj.metadata?.namespace;
  return ns ? `${ns}/${name}` : name;
}

/** Like {@link metaNamespaceKey}, but a tombstone yields its stored key (client-go `DeletionHandlingMetaNamespaceKeyFunc`). */
export function deletionHandlingKey(obj: KubernetesObject | DeletedFinalStateUnknown<KubernetesObject>): string {
  return isTombstone(obj) ? obj.key : metaNamespaceKey(obj);
}

/**
 * Splits a cache key into namespace and name (client-go `SplitMetaNamespaceKey`).
 * Throws on a key with more than one `/`.
 */
export function splitMetaNamespaceKey(key: string): { namespace: string | undefined; name: string } {
  const parts = key.split("/");
  if (parts.length === 1) return { namespace: undefined, name: parts[0]! };
  if (parts.length === 2) return { namespace: parts[0] || undefined, name: parts[1]! };
  throw new Error(`unexpected cache key format: ${JSON.stringify(key)}`);
}

/** The resourceVersion of an object, `""` when it has none. */
export function resourceVersionOf(obj: KubernetesObject | undefined): string {
  return obj?.metadata?.resourceVersion ?? "";
}
