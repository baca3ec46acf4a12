// CRD conversion through the storage version (hub and spoke, as controller-runtime's
// conversion.Hub): every other served version converts to the storage version and back, so N
// versions need 2(N-1) functions instead of N(N-1). The converter is typed per version by the
// user's generated types; the webhook server (server.ts) calls it for each object of a
// ConversionReview. What the API server requires of a converted object is kept here, whatever
// the functions return: its apiVersion is the one asked for, its kind and metadata are the
// input's (the server rejects changes to metadata other than labels and annotations).

import type { KubernetesObject } from "../meta/types.js";

/**
 * Conversion functions of one CRD: `toStorage[v]` turns an object of apiVersion `v` into the
 * storage version, `fromStorage[v]` the reverse. `Versions` maps each served apiVersion other
 * than the storage one to its type (the generated kind of that version).
 */
export interface StorageConverter<Storage extends KubernetesObject, Versions extends { [apiVersion: string]: KubernetesObject }> {
  /** The storage version's apiVersion (`example.com/v1`). */
  readonly storage: string;
  readonly toStorage: { readonly [V in keyof Versions]: (obj: Versions[V]) => Storage | Promise<Storage> };
  readonly fromStorage: { readonly [V in keyof Versions]: (obj: Storage) => Versions[V] | Promise<Versions[V]> };
}

/** Converts one object for a ConversionReview: any served version to `desiredAPIVersion`. */
export type Convert = (obj: KubernetesObject, desiredAPIVersion: string) => KubernetesObject | Promise<KubernetesObject>;

/** Typed conversion through the storage version; unknown versions throw (the review then fails with that message). */
export function storageConverter<Storage extends KubernetesObject, Versions extends { [apiVersion: string]: KubernetesObject }>(
  c: StorageConverter<Storage, Versions>,
): Convert {
  const versions = new Set([c.storage, ...Object.keys(c.toStorage)]);
  const toStorage = c.toStorage as unknown as { readonly [v: string]: (obj: KubernetesObject) => Storage | Promise<Storage> };
  const fromStorage = c.fromStorage as unknown as { readonly [v: string]: (obj: Storage) => KubernetesObject | Promise<KubernetesObject> };
  return async (obj, desired) => {
    const from = obj.apiVersion ?? "";
    for (const v of [from, desired]) {
      if (!versions.has(v)) throw new Error(`no conversion for ${JSON.stringify(v)}: this converter knows ${[...versions].join(", ")}`);
    }
    if (from === desired) return obj;
    const stored = from === c.storage ? (obj as Storage) : settle(await toStorage[from]!(obj), obj, c.storage);
    const out = desired === c.storage ? stored : await fromStorage[desired]!(stored);
    return settle(out, obj, desired);
  };
}

/** `out` as the API server accepts it: the desired apiVersion, and the input's kind and metadata. */
export function settle<T extends KubernetesObject>(out: T, input: KubernetesObject, apiVersion: string): T {
  return { ...out, apiVersion, ...(input.kind !== undefined ? { kind: input.kind } : {}), ...(input.metadata ? { metadata: input.metadata } : {}) };
}
