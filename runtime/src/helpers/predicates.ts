// Event filters for informer handlers. Mirrors controller-runtime
// pkg/predicate/predicate.go: a Predicate says, per event kind, whether an
// event goes on to the handler; a kind it leaves out passes. The four named
// predicates (GenerationChangedPredicate, LabelChangedPredicate,
// AnnotationChangedPredicate, ResourceVersionChangedPredicate) judge updates
// only and let adds and deletes through. filterHandlers wraps a
// ResourceEventHandler so that only events passing every predicate reach it.
//
// Resyncs (onUpdate with the same object twice) never pass the four named
// predicates: nothing changed.

import { isTombstone, objectOf, type DeletedFinalStateUnknown } from "../cache/keys.js";
import type { ResourceEventHandler } from "../cache/handlers.js";
import type { KubernetesObject } from "../meta/types.js";

/** Whether an event should be handled (controller-runtime `predicate.Predicate`). A missing method passes every event of that kind. */
export interface Predicate<T> {
  /** An object was added (or replayed to a late handler, `initial` true). */
  create?(obj: T, initial: boolean): boolean;
  /** An object changed (or a resync replayed it: `oldObj === newObj`). */
  update?(oldObj: T, newObj: T): boolean;
  /** An object was deleted; `stateUnknown` when the informer only inferred it from a relist (a tombstone). */
  delete?(obj: T, stateUnknown: boolean): boolean;
}

/** A predicate that applies `filter` to the object of every event (the new one for updates; controller-runtime `NewPredicateFuncs`). */
export function newPredicateFuncs<T>(filter: (obj: T) => boolean): Predicate<T> {
  return { create: (o) => filter(o), update: (_old, o) => filter(o), delete: (o) => filter(o) };
}

function sameRecord(a: { [k: string]: string } | undefined, b: { [k: string]: string } | undefined): boolean {
  const ka = Object.keys(a ?? {});
  const kb = Object.keys(b ?? {});
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && a![k] === b![k]);
}

/**
 * Passes updates whose `metadata.generation` changed, i.e. spec changes;
 * status-only writes and metadata edits (labels, finalizers) do not bump it.
 * Adds and deletes pass. Careful: objects whose kind does not track
 * generation (many built-ins only bump it on spec, ConfigMaps never) see no updates at all.
 */
export const GenerationChangedPredicate: Predicate<KubernetesObject> = Object.freeze({
  update: (oldObj: KubernetesObject, newObj: KubernetesObject) => oldObj.metadata?.generation !== newObj.metadata?.generation,
});

/** Passes updates whose `metadata.labels` changed (absent and empty count as equal). Adds and deletes pass. */
export const LabelChangedPredicate: Predicate<KubernetesObject> = Object.freeze({
  update: (oldObj: KubernetesObject, newObj: KubernetesObject) => !sameRecord(oldObj.metadata?.labels, newObj.metadata?.labels),
});

/** Passes updates whose `metadata.annotations` changed (absent and empty count as equal). Adds and deletes pass. */
export const AnnotationChangedPredicate: Predicate<KubernetesObject> = Object.freeze({
  update: (oldObj: KubernetesObject, newObj: KubernetesObject) =>
    !sameRecord(oldObj.metadata?.annotations, newObj.metadata?.annotations),
});

/** Passes updates whose `metadata.resourceVersion` changed: every real write, never a resync. Adds and deletes pass. */
export const ResourceVersionChangedPredicate: Predicate<KubernetesObject> = Object.freeze({
  update: (oldObj: KubernetesObject, newObj: KubernetesObject) =>
    oldObj.metadata?.resourceVersion !== newObj.metadata?.resourceVersion,
});

/** Passes an event only if every predicate does (controller-runtime `predicate.And`). */
export function andPredicates<T>(...predicates: Predicate<T>[]): Predicate<T> {
  return {
    create: (o, initial) => predicates.every((p) => p.create?.(o, initial) ?? true),
    update: (a, b) => predicates.every((p) => p.update?.(a, b) ?? true),
    delete: (o, unknown) => predicates.every((p) => p.delete?.(o, unknown) ?? true),
  };
}

/** Passes an event if any predicate does (controller-runtime `predicate.Or`); no predicates pass nothing. */
export function orPredicates<T>(...predicates: Predicate<T>[]): Predicate<T> {
  return {
    create: (o, initial) => predicates.some((p) => p.create?.(o, initial) ?? true),
    update: (a, b) => predicates.some((p) => p.update?.(a, b) ?? true),
    delete: (o, unknown) => predicates.some((p) => p.delete?.(o, unknown) ?? true),
  };
}

/** Inverts a predicate (controller-runtime `predicate.Not`): a kind the predicate leaves out is then filtered out. */
export function notPredicate<T>(predicate: Predicate<T>): Predicate<T> {
  return {
    create: (o, initial) => !(predicate.create?.(o, initial) ?? true),
    update: (a, b) => !(predicate.update?.(a, b) ?? true),
    delete: (o, unknown) => !(predicate.delete?.(o, unknown) ?? true),
  };
}

/**
 * Wraps `handler` so that an event reaches it only when every predicate
 * passes it. The wrapper has the same callbacks as `handler` and returns what
 * they return (so async handlers are still awaited); a delete handler still
 * receives the tombstone, while predicates see the object inside it.
 *
 * @example
 * informer.addEventHandler(filterHandlers({ onUpdate: enqueue }, GenerationChangedPredicate));
 */
export function filterHandlers<T>(handler: ResourceEventHandler<T>, ...predicates: Predicate<T>[]): ResourceEventHandler<T> {
  const p = predicates.length === 1 ? predicates[0]! : andPredicates(...predicates);
  const out: ResourceEventHandler<T> = {};
  if (handler.onAdd) {
    const onAdd = handler.onAdd.bind(handler);
    out.onAdd = (obj, initial) => ((p.create?.(obj, initial) ?? true) ? onAdd(obj, initial) : undefined);
  }
  if (handler.onUpdate) {
    const onUpdate = handler.onUpdate.bind(handler);
    out.onUpdate = (oldObj, newObj) => ((p.update?.(oldObj, newObj) ?? true) ? onUpdate(oldObj, newObj) : undefined);
  }
  if (handler.onDelete) {
    const onDelete = handler.onDelete.bind(handler);
    out.onDelete = (obj: T | DeletedFinalStateUnknown<T>) =>
      (p.delete?.(objectOf(obj), isTombstone(obj)) ?? true) ? onDelete(obj) : undefined;
  }
  return out;
}
