// Apply-configuration builders the runtime owns: the bases generated builders extend
// (MetadataApplyConfiguration for types with `metadata`, ObjectApplyConfiguration for kinds) and
// the builders of the meta/v1 and core/v1 types kubegen shares across group-versions (ObjectMeta,
// OwnerReference, LabelSelector, LabelSelectorRequirement, Condition, ObjectReference).
// Mirrors client-go applyconfigurations/meta/v1/*.go and applyconfigurations/core/v1/objectreference.go.
//
// The contract every builder keeps (generated ones too): the wire fields are own enumerable
// properties, present only after their `withX` was called (class fields are `declare`d, so no
// `undefined` properties exist), so `JSON.stringify(builder)` is exactly the apply body. Lists:
// `withX(...items)` appends; maps: `withX(entries)` merges into a lazily created object; scalars
// and structs: `withX(value)` sets, the last call wins.

import type { Time } from "../meta/types.js";

/**
 * Sets the wire field `key` of a builder as an own enumerable property, whatever its name. Generated
 * builders use it for fields named like members every object has (`constructor`, `toString`,
 * `__proto__`) or that the base class defines, where `this.key = value` would change the prototype
 * or clash with a method.
 */
export function setField(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** The builder's own wire field `key` (see setField), or undefined when it was never set. */
export function fieldOf<T>(target: object, key: string): T | undefined {
  return Object.hasOwn(target, key) ? ((target as Record<string, unknown>)[key] as T) : undefined;
}

/** Throws client-go's "nil value passed to withX" when a list setter gets a missing item. */
function requireItems(method: string, items: readonly unknown[]): void {
  for (const item of items) {
    if (item === null || item === undefined) throw new Error(`nil value passed to ${method}`);
  }
}

/** Appends `items` to the list at `target[key]`, creating it on first use. */
function appendTo<T>(target: object, key: string, items: readonly T[]): void {
  const record = target as Record<string, T[] | undefined>;
  (record[key] ??= []).push(...items);
}

/** Merges `entries` into the map at `target[key]`, creating it on first use. */
function mergeInto(target: object, key: string, entries: { readonly [key: string]: string }): void {
  const record = target as Record<string, Record<string, string> | undefined>;
  Object.assign((record[key] ??= {}), entries);
}

/**
 * Apply configuration for meta/v1 ObjectMeta (client-go `ObjectMetaApplyConfiguration`).
 * `managedFields` and `selfLink` have no setters: apply never sends them.
 */
export class ObjectMetaApplyConfiguration {
  declare name?: string;
  declare generateName?: string;
  declare namespace?: string;
  declare uid?: string;
  declare resourceVersion?: string;
  declare generation?: number;
  declare creationTimestamp?: Time;
  declare deletionTimestamp?: Time;
  declare deletionGracePeriodSeconds?: number;
  declare labels?: { [key: string]: string };
  declare annotations?: { [key: string]: string };
  declare ownerReferences?: OwnerReferenceApplyConfiguration[];
  declare finalizers?: string[];

  /** Sets `name`. */
  withName(value: string): this {
    this.name = value;
    return this;
  }
  /** Sets `generateName`. */
  withGenerateName(value: string): this {
    this.generateName = value;
    return this;
  }
  /** Sets `namespace`. */
  withNamespace(value: string): this {
    this.namespace = value;
    return this;
  }
  /** Sets `uid`. */
  withUid(value: string): this {
    this.uid = value;
    return this;
  }
  /** Sets `resourceVersion`. */
  withResourceVersion(value: string): this {
    this.resourceVersion = value;
    return this;
  }
  /** Sets `generation`. */
  withGeneration(value: number): this {
    this.generation = value;
    return this;
  }
  /** Sets `creationTimestamp`. */
  withCreationTimestamp(value: Time): this {
    this.creationTimestamp = value;
    return this;
  }
  /** Sets `deletionTimestamp`. */
  withDeletionTimestamp(value: Time): this {
    this.deletionTimestamp = value;
    return this;
  }
  /** Sets `deletionGracePeriodSeconds`. */
  withDeletionGracePeriodSeconds(value: number): this {
    this.deletionGracePeriodSeconds = value;
    return this;
  }
  /** Merges `entries` into `labels` (equal keys are overwritten). */
  withLabels(entries: { readonly [key: string]: string }): this {
    mergeInto(this, "labels", entries);
    return this;
  }
  /** Merges `entries` into `annotations` (equal keys are overwritten). */
  withAnnotations(entries: { readonly [key: string]: string }): this {
    mergeInto(this, "annotations", entries);
    return this;
  }
  /** Appends to `ownerReferences`. */
  withOwnerReferences(...items: OwnerReferenceApplyConfiguration[]): this {
    requireItems("withOwnerReferences", items);
    appendTo(this, "ownerReferences", items);
    return this;
  }
  /** Appends to `finalizers`. */
  withFinalizers(...items: string[]): this {
    appendTo(this, "finalizers", items);
    return this;
  }
}

/** `target.metadata`, created on first use. */
function metaOf(target: MetadataApplyConfiguration): ObjectMetaApplyConfiguration {
  return (target.metadata ??= new ObjectMetaApplyConfiguration());
}

/**
 * Base of every generated builder whose type has `metadata` (kinds, PodTemplateSpec, ...): the
 * ObjectMeta setters promoted onto the type, allocating `metadata` on first use (client-go's
 * embedded `*ObjectMetaApplyConfiguration`).
 */
export class MetadataApplyConfiguration {
  declare metadata?: ObjectMetaApplyConfiguration;

  /** Sets `metadata.name`. */
  withName(value: string): this {
    metaOf(this).withName(value);
    return this;
  }
  /** Sets `metadata.generateName`. */
  withGenerateName(value: string): this {
    metaOf(this).withGenerateName(value);
    return this;
  }
  /** Sets `metadata.namespace`. */
  withNamespace(value: string): this {
    metaOf(this).withNamespace(value);
    return this;
  }
  /** Sets `metadata.uid`. */
  withUid(value: string): this {
    metaOf(this).withUid(value);
    return this;
  }
  /** Sets `metadata.resourceVersion`. */
  withResourceVersion(value: string): this {
    metaOf(this).withResourceVersion(value);
    return this;
  }
  /** Sets `metadata.generation`. */
  withGeneration(value: number): this {
    metaOf(this).withGeneration(value);
    return this;
  }
  /** Sets `metadata.creationTimestamp`. */
  withCreationTimestamp(value: Time): this {
    metaOf(this).withCreationTimestamp(value);
    return this;
  }
  /** Sets `metadata.deletionTimestamp`. */
  withDeletionTimestamp(value: Time): this {
    metaOf(this).withDeletionTimestamp(value);
    return this;
  }
  /** Sets `metadata.deletionGracePeriodSeconds`. */
  withDeletionGracePeriodSeconds(value: number): this {
    metaOf(this).withDeletionGracePeriodSeconds(value);
    return this;
  }
  /** Merges `entries` into `metadata.labels`. */
  withLabels(entries: { readonly [key: string]: string }): this {
    metaOf(this).withLabels(entries);
    return this;
  }
  /** Merges `entries` into `metadata.annotations`. */
  withAnnotations(entries: { readonly [key: string]: string }): this {
    metaOf(this).withAnnotations(entries);
    return this;
  }
  /** Appends to `metadata.ownerReferences`. */
  withOwnerReferences(...items: OwnerReferenceApplyConfiguration[]): this {
    metaOf(this).withOwnerReferences(...items);
    return this;
  }
  /** Appends to `metadata.finalizers`. */
  withFinalizers(...items: string[]): this {
    metaOf(this).withFinalizers(...items);
    return this;
  }
  /** `metadata.name`, or undefined when unset (the apply path needs it for the URL). */
  getName(): string | undefined {
    return this.metadata?.name;
  }
  /** `metadata.namespace`, or undefined when unset. */
  getNamespace(): string | undefined {
    return this.metadata?.namespace;
  }
}

/** Base of every generated kind's builder: TypeMeta (`apiVersion`, `kind`) plus the metadata setters. */
export class ObjectApplyConfiguration extends MetadataApplyConfiguration {
  declare apiVersion?: string;
  declare kind?: string;

  /** Sets `apiVersion`. */
  withApiVersion(value: string): this {
    this.apiVersion = value;
    return this;
  }
  /** Sets `kind`. */
  withKind(value: string): this {
    this.kind = value;
    return this;
  }
}

/** Apply configuration for meta/v1 OwnerReference (an atomic struct: apply replaces it whole). */
export class OwnerReferenceApplyConfiguration {
  declare apiVersion?: string;
  declare kind?: string;
  declare name?: string;
  declare uid?: string;
  declare controller?: boolean;
  declare blockOwnerDeletion?: boolean;

  /** Sets `apiVersion`. */
  withApiVersion(value: string): this {
    this.apiVersion = value;
    return this;
  }
  /** Sets `kind`. */
  withKind(value: string): this {
    this.kind = value;
    return this;
  }
  /** Sets `name`. */
  withName(value: string): this {
    this.name = value;
    return this;
  }
  /** Sets `uid`. */
  withUid(value: string): this {
    this.uid = value;
    return this;
  }
  /** Sets `controller`. */
  withController(value: boolean): this {
    this.controller = value;
    return this;
  }
  /** Sets `blockOwnerDeletion`. */
  withBlockOwnerDeletion(value: boolean): this {
    this.blockOwnerDeletion = value;
    return this;
  }
}

/** Apply configuration for meta/v1 LabelSelectorRequirement. */
export class LabelSelectorRequirementApplyConfiguration {
  declare key?: string;
  declare operator?: string;
  declare values?: string[];

  /** Sets `key`. */
  withKey(value: string): this {
    this.key = value;
    return this;
  }
  /** Sets `operator` (`In`, `NotIn`, `Exists`, `DoesNotExist`). */
  withOperator(value: string): this {
    this.operator = value;
    return this;
  }
  /** Appends to `values`. */
  withValues(...items: string[]): this {
    appendTo(this, "values", items);
    return this;
  }
}

/** Apply configuration for meta/v1 LabelSelector (an atomic struct: apply replaces it whole). */
export class LabelSelectorApplyConfiguration {
  declare matchLabels?: { [key: string]: string };
  declare matchExpressions?: LabelSelectorRequirementApplyConfiguration[];

  /** Merges `entries` into `matchLabels`. */
  withMatchLabels(entries: { readonly [key: string]: string }): this {
    mergeInto(this, "matchLabels", entries);
    return this;
  }
  /** Appends to `matchExpressions`. */
  withMatchExpressions(...items: LabelSelectorRequirementApplyConfiguration[]): this {
    requireItems("withMatchExpressions", items);
    appendTo(this, "matchExpressions", items);
    return this;
  }
}

/** Apply configuration for meta/v1 Condition. */
export class ConditionApplyConfiguration {
  declare type?: string;
  declare status?: string;
  declare observedGeneration?: number;
  declare lastTransitionTime?: Time;
  declare reason?: string;
  declare message?: string;

  /** Sets `type`. */
  withType(value: string): this {
    this.type = value;
    return this;
  }
  /** Sets `status` (`True`, `False`, `Unknown`). */
  withStatus(value: string): this {
    this.status = value;
    return this;
  }
  /** Sets `observedGeneration`. */
  withObservedGeneration(value: number): this {
    this.observedGeneration = value;
    return this;
  }
  /** Sets `lastTransitionTime`. */
  withLastTransitionTime(value: Time): this {
    this.lastTransitionTime = value;
    return this;
  }
  /** Sets `reason`. */
  withReason(value: string): this {
    this.reason = value;
    return this;
  }
  /** Sets `message`. */
  withMessage(value: string): this {
    this.message = value;
    return this;
  }
}

/** Apply configuration for core/v1 ObjectReference (an atomic struct: apply replaces it whole). */
export class ObjectReferenceApplyConfiguration {
  declare apiVersion?: string;
  declare fieldPath?: string;
  declare kind?: string;
  declare name?: string;
  declare namespace?: string;
  declare resourceVersion?: string;
  declare uid?: string;

  /** Sets `apiVersion`. */
  withApiVersion(value: string): this {
    this.apiVersion = value;
    return this;
  }
  /** Sets `fieldPath`. */
  withFieldPath(value: string): this {
    this.fieldPath = value;
    return this;
  }
  /** Sets `kind`. */
  withKind(value: string): this {
    this.kind = value;
    return this;
  }
  /** Sets `name`. */
  withName(value: string): this {
    this.name = value;
    return this;
  }
  /** Sets `namespace`. */
  withNamespace(value: string): this {
    this.namespace = value;
    return this;
  }
  /** Sets `resourceVersion`. */
  withResourceVersion(value: string): this {
    this.resourceVersion = value;
    return this;
  }
  /** Sets `uid`. */
  withUid(value: string): this {
    this.uid = value;
    return this;
  }
}

/** An empty ObjectMeta builder (client-go `metav1.ObjectMeta()`). */
export function objectMeta(): ObjectMetaApplyConfiguration {
  return new ObjectMetaApplyConfiguration();
}

/** An empty OwnerReference builder (client-go `metav1.OwnerReference()`). */
export function ownerReference(): OwnerReferenceApplyConfiguration {
  return new OwnerReferenceApplyConfiguration();
}

/** An empty LabelSelector builder (client-go `metav1.LabelSelector()`). */
export function labelSelector(): LabelSelectorApplyConfiguration {
  return new LabelSelectorApplyConfiguration();
}

/** An empty LabelSelectorRequirement builder (client-go `metav1.LabelSelectorRequirement()`). */
export function labelSelectorRequirement(): LabelSelectorRequirementApplyConfiguration {
  return new LabelSelectorRequirementApplyConfiguration();
}

/** An empty Condition builder (client-go `metav1.Condition()`). */
export function condition(): ConditionApplyConfiguration {
  return new ConditionApplyConfiguration();
}

/** An empty ObjectReference builder (client-go `corev1.ObjectReference()`). */
export function objectReference(): ObjectReferenceApplyConfiguration {
  return new ObjectReferenceApplyConfiguration();
}
