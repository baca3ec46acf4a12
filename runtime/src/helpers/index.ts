// helpers: what controller authors reach for around a reconcile loop, in the
// shape client-go, controller-runtime and kube-rs users know: finalizers,
// owner references, event predicates, retry on conflict, waiting for a
// condition, and a watch that resumes (and relists on 410). One small module
// each; every module opens with the contract it keeps.

export { DEFAULT_RETRY, DEFAULT_BACKOFF, backoffDelays, onError, retryOnConflict } from "./retry.js";
export type { RetryBackoff, RetryOptions, RetryAttempt } from "./retry.js";
export { hasFinalizer, ensureFinalizer, removeFinalizer } from "./finalizers.js";
export type { FinalizerClient, FinalizerOptions, FinalizerResult } from "./finalizers.js";
export {
  AlreadyOwnedError,
  groupOfApiVersion,
  ownerReferenceTo,
  referSameObject,
  setControllerReference,
  setOwnerReference,
  getControllerOf,
  isControlledBy,
  ownerReferencesOfKind,
} from "./owner-references.js";
export type { OwnerReferenceOptions } from "./owner-references.js";
export {
  GenerationChangedPredicate,
  LabelChangedPredicate,
  AnnotationChangedPredicate,
  ResourceVersionChangedPredicate,
  newPredicateFuncs,
  andPredicates,
  orPredicates,
  notPredicate,
  filterHandlers,
} from "./predicates.js";
export type { Predicate } from "./predicates.js";
export { waitFor, untilWithSync, WaitTimeoutError, WatchClosedError } from "./wait-for.js";
export type { ObjectEventType, WaitCondition, InformerLike, WaitSource, WaitOptions, EventCondition, UntilWithSyncOptions } from "./wait-for.js";
export { RetryWatcher, retryWatch } from "./retry-watcher.js";
export type { RetryWatchEvent, RetryWatcherState, RetryWatcherMetrics, RetryWatcherOptions } from "./retry-watcher.js";
