// Owner references: setting the controller reference of an object and reading
// who owns it. Mirrors controller-runtime pkg/controller/controllerutil
// (SetControllerReference, SetOwnerReference, AlreadyOwnedError, validateOwner)
// and apimachinery pkg/apis/meta/v1/controller_ref.go (GetControllerOf,
// IsControlledBy, NewControllerRef).
//
// Rules kept (the API server's garbage collector depends on them):
// - an owner in a namespace may only own objects in the same namespace, and
//   never a cluster-scoped object; a cluster-scoped owner may own anything;
// - at most one reference is the controller: setting a controller reference
//   when another owner already controls the object fails with AlreadyOwnedError;
// - references to the same object (same API group, kind and name; the version
//   may differ) are replaced, not duplicated.
//
// Unlike the Go helpers, nothing is changed in place: objects from informers
// are frozen, so the setters return a copy with new metadata.

import type { KubernetesObject, OwnerReference } from "../meta/types.js";

/** Options of {@link setControllerReference} and {@link setOwnerReference}. */
export interface OwnerReferenceOptions {
  /** Owner's apiVersion when the owner object lacks it (objects in lists and informers often do). */
  apiVersion?: string;
  /** Owner's kind when the owner object lacks it. */
  kind?: string;
  /** Set `blockOwnerDeletion` (foreground deletion waits for this object). Default: true for controller references, unset otherwise. */
  blockOwnerDeletion?: boolean;
}

/** The object already has a controller other than the owner given (controller-runtime `AlreadyOwnedError`). */
export class AlreadyOwnedError extends Error {
  override readonly name = "AlreadyOwnedError";
  constructor(
    /** The object that was to be controlled. */
    readonly object: KubernetesObject,
    /** Its current controller reference. */
    readonly owner: OwnerReference,
  ) {
    const ns = object.metadata?.namespace ?? "";
    super(`Object ${ns}/${object.metadata?.name ?? ""} is already owned by another ${owner.kind} controller ${owner.name}`);
  }
}

/** The API group of an apiVersion (`apps/v1` -> `apps`, `v1` -> `""`). */
export function groupOfApiVersion(apiVersion: string): string {
  const slash = apiVersion.indexOf("/");
  return slash < 0 ? "" : apiVersion.slice(0, slash);
}

/**
 * An owner reference to `owner` (apimachinery `NewControllerRef` when
 * `controller` is true). Throws when the owner has no name, uid, apiVersion or kind.
 */
export function ownerReferenceTo(owner: KubernetesObject, controller: boolean, options: OwnerReferenceOptions = {}): OwnerReference {
  const apiVersion = options.apiVersion ?? owner.apiVersion;
  const kind = options.kind ?? owner.kind;
  const name = owner.metadata?.name;
  const uid = owner.metadata?.uid;
  if (!apiVersion || !kind) throw new TypeError(`the owner ${JSON.stringify(name ?? "")} has no apiVersion/kind: pass them in the options`);
  if (!name || !uid) throw new TypeError(`the owner ${kind} has no metadata.name or metadata.uid: pass the object as read from the server`);
  const ref: OwnerReference = { apiVersion, kind, name, uid };
  const block = options.blockOwnerDeletion ?? (controller ? true : undefined);
  if (block !== undefined) ref.blockOwnerDeletion = block;
  if (controller) ref.controller = true;
  return ref;
}

/** Whether two references point at the same object: same group, kind and name (controller-runtime `referSameObject`). */
export function referSameObject(a: OwnerReference, b: OwnerReference): boolean {
  return groupOfApiVersion(a.apiVersion) === groupOfApiVersion(b.apiVersion) && a.kind === b.kind && a.name === b.name;
}

function validateOwner(owner: KubernetesObject, object: KubernetesObject): void {
  const ownerNs = owner.metadata?.namespace ?? "";
  if (ownerNs === "") return; // a cluster-scoped owner may own namespaced and cluster-scoped objects
  const objNs = object.metadata?.namespace ?? "";
  if (objNs === "") throw new Error(`cluster-scoped resource must not have a namespace-scoped owner, owner's namespace ${ownerNs}`);
  if (objNs !== ownerNs) {
    throw new Error(`cross-namespace owner references are disallowed, owner's namespace ${ownerNs}, obj's namespace ${objNs}`);
  }
}

function withReference<T extends KubernetesObject>(object: T, ref: OwnerReference): T {
  const refs = [...(object.metadata?.ownerReferences ?? [])];
  const i = refs.findIndex((r) => referSameObject(r, ref));
  if (i >= 0) refs[i] = ref;
  else refs.push(ref);
  return { ...object, metadata: { ...object.metadata, ownerReferences: refs } };
}

/**
 * Returns a copy of `object` whose controller reference is `owner`
 * (controller: true, blockOwnerDeletion: true unless the options say
 * otherwise), replacing any reference to the same owner. Throws
 * {@link AlreadyOwnedError} when another owner is the controller, and an Error
 * for a namespaced owner of a cluster-scoped or other-namespace object.
 *
 * @example
 * await deployments.create(setControllerReference(foo, newDeployment(foo), { apiVersion: "example.com/v1", kind: "Foo" }));
 */
export function setControllerReference<T extends KubernetesObject>(owner: KubernetesObject, object: T, options: OwnerReferenceOptions = {}): T {
  const ref = ownerReferenceTo(owner, true, options);
  validateOwner(owner, object);
  const existing = getControllerOf(object);
  if (existing && !referSameObject(existing, ref)) throw new AlreadyOwnedError(object, existing);
  return withReference(object, ref);
}

/**
 * Returns a copy of `object` with a plain (non-controller) owner reference to
 * `owner`, replacing any reference to the same owner (controller-runtime `SetOwnerReference`).
 */
export function setOwnerReference<T extends KubernetesObject>(owner: KubernetesObject, object: T, options: OwnerReferenceOptions = {}): T {
  const ref = ownerReferenceTo(owner, false, options);
  validateOwner(owner, object);
  return withReference(object, ref);
}

/** The controller reference of an object, if any (apimachinery `GetControllerOf`). */
export function getControllerOf(obj: KubernetesObject): OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((r) => r.controller === true);
}

/** Whether `owner` (compared by uid) is the controller of `obj` (apimachinery `IsControlledBy`). */
export function isControlledBy(obj: KubernetesObject, owner: KubernetesObject): boolean {
  const ref = getControllerOf(obj);
  return ref !== undefined && owner.metadata?.uid !== undefined && ref.uid === owner.metadata.uid;
}

/**
 * The owner references of `obj` to objects of `kind`, optionally only in API
 * group `group` (`""` for core). Controller or not, in their order.
 */
export function ownerReferencesOfKind(obj: KubernetesObject, kind: string, group?: string): OwnerReference[] {
  return (obj.metadata?.ownerReferences ?? []).filter(
    (r) => r.kind === kind && (group === undefined || groupOfApiVersion(r.apiVersion) === group),
  );
}
