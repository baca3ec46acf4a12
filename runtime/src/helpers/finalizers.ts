// Adding and removing a finalizer on a live object (controller-runtime
// pkg/controller/controllerutil AddFinalizer/RemoveFinalizer/ContainsFinalizer,
// plus the write the caller would otherwise do by hand).
//
// How the write stays safe when others write too: a JSON merge patch that
// carries the object's `metadata.resourceVersion` next to the new
// `metadata.finalizers` list (controller-runtime's MergeFromWithOptimisticLock).
// The API server applies it only if the object is still at that version and
// answers 409 Conflict otherwise; the helper then reads the object again and,
// if the finalizer still needs adding (or removing), patches again, under
// {@link retryOnConflict} with client-go's DefaultRetry. The whole list is
// replaced (merge patches replace arrays), which the version check makes safe:
// another writer's finalizer can never be dropped. Chosen over a JSON patch
// `test` op because a failed `test` comes back as a generic 422, which cannot
// be told apart from other invalid patches, while 409 is what every other
// optimistic write in Kubernetes returns.
//
// No write is made when the object given already has the finalizer (ensure)
// or already lacks it (remove): the object given is trusted as the current
// state, so pass a recent one (from a get or an informer).

import type { GetOptions, PatchOptions } from "../meta/options.js";
import { PatchType } from "../meta/options.js";
import type { KubernetesObject } from "../meta/types.js";
import { DEFAULT_RETRY, retryOnConflict, type RetryBackoff, type RetryOptions } from "./retry.js";

/**
 * What the finalizer helpers need of a client: `get` and `patch`. Generated
 * typed clients, {@link ResourceClient} and `DynamicResourceClient` (after
 * `.namespace(ns)` for namespaced resources) all fit.
 */
export interface FinalizerClient<T extends KubernetesObject> {
  /** Reads the object afresh (after a conflict). */
  get(name: string, options?: GetOptions): Promise<T>;
  /** Sends the merge patch. */
  patch(name: string, patchType: PatchType, patch: unknown, options?: PatchOptions): Promise<T>;
}

/** Options of {@link ensureFinalizer} and {@link removeFinalizer}. */
export interface FinalizerOptions extends RetryOptions {
  /** Retries on 409 Conflict (default {@link DEFAULT_RETRY}: 5 attempts, 10 ms apart). */
  backoff?: RetryBackoff;
  /** Recorded as the patch's field manager. */
  fieldManager?: string;
}

/** What {@link ensureFinalizer} and {@link removeFinalizer} resolve with. */
export interface FinalizerResult<T> {
  /** The object after the change, or the object as given (or as re-read) when nothing had to change. */
  readonly object: T;
  /** Whether a write was made. */
  readonly changed: boolean;
}

/** Whether the object lists the finalizer (controller-runtime `ContainsFinalizer`). */
export function hasFinalizer(obj: KubernetesObject, finalizer: string): boolean {
  return obj.metadata?.finalizers?.includes(finalizer) ?? false;
}

/**
 * Makes sure the live object carries `finalizer`, writing only if the given
 * object lacks it. A conflicting concurrent write is retried on a fresh read.
 *
 * @example
 * const { object: foo } = await ensureFinalizer(cs.exampleV1.foos(ns), foo, "example.com/cleanup");
 */
export function ensureFinalizer<T extends KubernetesObject>(
  client: FinalizerClient<T>,
  obj: T,
  finalizer: string,
  options: FinalizerOptions = {},
): Promise<FinalizerResult<T>> {
  return changeFinalizers(client, obj, finalizer, options, (list) => (list.includes(finalizer) ? undefined : [...list, finalizer]));
}

/**
 * Makes sure the live object no longer carries `finalizer` (every copy of it),
 * writing only if the given object has it. When that was the last finalizer of
 * an object being deleted, the server removes the object; the result is then
 * the server's last answer. A 404 rejects (use `isNotFound` to ignore it).
 */
export function removeFinalizer<T extends KubernetesObject>(
  client: FinalizerClient<T>,
  obj: T,
  finalizer: string,
  options: FinalizerOptions = {},
): Promise<FinalizerResult<T>> {
  return changeFinalizers(client, obj, finalizer, options, (list) =>
    list.includes(finalizer) ? list.filter((f) => f !== finalizer) : undefined,
  );
}

async function changeFinalizers<T extends KubernetesObject>(
  client: FinalizerClient<T>,
  obj: T,
  finalizer: string,
  options: FinalizerOptions,
  next: (current: readonly string[]) => string[] | undefined,
): Promise<FinalizerResult<T>> {
  if (!finalizer) throw new TypeError("a finalizer name is required");
  const name = obj.metadata?.name;
  if (!name) throw new TypeError("the object has no metadata.name");
  const { backoff = DEFAULT_RETRY, fieldManager, signal, clock, random } = options;
  const patchOptions: PatchOptions = {
    ...(fieldManager ? { fieldManager } : {}),
    ...(signal ? { signal } : {}),
  };
  return retryOnConflict(
    backoff,
    async ({ attempt }) => {
      // the first attempt trusts the object given; a retry follows a conflict, so read afresh
      const current = attempt === 1 ? obj : await client.get(name, signal ? { signal } : {});
      const finalizers = next(current.metadata?.finalizers ?? []);
      if (!finalizers) return { object: current, changed: false };
      const resourceVersion = current.metadata?.resourceVersion;
      if (!resourceVersion) throw new TypeError(`the object ${JSON.stringify(name)} has no metadata.resourceVersion: pass the object as read from the server`);
      const patch = { metadata: { resourceVersion, finalizers } };
      const object = await client.patch(name, PatchType.Merge, patch, patchOptions);
      return { object, changed: true };
    },
    { ...(signal ? { signal } : {}), ...(clock ? { clock } : {}), ...(random ? { random } : {}) },
  );
}
