// The hand-written part of apply configurations: the bases generated builders extend
// (MetadataApplyConfiguration for types with `metadata`, whose ObjectMeta setters are promoted
// onto the type as client-go's embedded struct does; ObjectApplyConfiguration for kinds) and the
// helpers their setters use. The builders of the types the runtime owns (ObjectMeta,
// OwnerReference, LabelSelector, Condition, ObjectReference, Scale, ...) are generated into
// apply/generated from runtime/schema/runtime-types.json by `make generate-runtime`.
//
// The contract every builder keeps (generated ones too): the wire fields are own enumerable
// properties, present only after their `withX` was called (class fields are `declare`d, so no
// `undefined` properties exist), so `JSON.stringify(builder)` is exactly the apply body. Lists:
// `withX(...items)` appends; maps: `withX(entries)` merges into a lazily created object; scalars
// and structs: `withX(value)` sets, the last call wins.

import type { Time } from "../meta/types.js";
import { ObjectMetaApplyConfiguration } from "./generated/meta/v1/applyconfigurations/object-meta.js";
import type { OwnerReferenceApplyConfiguration } from "./generated/meta/v1/applyconfigurations/owner-reference.js";

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

