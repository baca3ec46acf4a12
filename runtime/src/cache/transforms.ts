// Ready-made informer transforms (the `transform` option of informers and
// factories). stripManagedFields is controller-runtime's
// TransformStripManagedFields: server-side apply's `metadata.managedFields`
// is often the largest part of a cached object and no controller reads it
// from the cache. Extraction (extractDeployment and the like) needs it, so
// extract from a GET, not from a cache that strips it.

import type { KubernetesObject } from "../meta/types.js";

/**
 * Drops `metadata.managedFields`, for caching. Returns the object as it is
 * when it has none; otherwise a shallow copy (the input is never changed,
 * so it may be frozen or shared).
 */
export function stripManagedFields<T extends KubernetesObject>(obj: T): T {
  const meta = obj.metadata;
  if (meta?.managedFields === undefined) return obj;
  const { managedFields: _dropped, ...metadata } = meta;
  return { ...obj, metadata };
}
