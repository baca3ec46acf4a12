// Builders of small IRs for the emitters' given/want tables: fields, types,
// resources and group-versions with every required fact defaulted.
import type { Field, GroupVersion, Resource, TypeDef, TypeRef, Verb } from "../../../generators/ir/types.js";

export const source = { file: "given.yaml", pointer: "" };
export const ALL: Verb[] = ["create", "update", "delete", "deletecollection", "get", "list", "watch", "patch"];

export const field = (name: string, type: TypeRef, extra: Partial<Field> = {}): Field => ({ name, type, required: false, nullable: false, source, validations: [], ...extra });
export const META = field("metadata", { kind: "ref", target: { runtime: "ObjectMeta" } });

export function type(name: string, fields: Field[], extra: Partial<TypeDef> = {}): TypeDef {
  return { name, fields, preserveUnknownFields: false, embeddedResource: false, mapType: "granular", source, validations: [], ...extra };
}

/** A namespaced resource with every verb, served by the type named like its kind. */
export function resource(kind: string, plural: string, extra: Partial<Resource> = {}): Resource {
  return { kind, typeName: kind, listKind: `${kind}List`, plural, singular: plural, shortNames: [], categories: [], namespaced: true, verbs: ALL, subresources: [], source, ...extra };
}

/** A group-version named as kubegen names it (`core/v1` for the core group). */
export function groupVersion(group: string, version: string, accessor: string, types: TypeDef[], resources: Resource[] = []): GroupVersion {
  const apiVersion = group ? `${group}/${version}` : version;
  const modulePath = `${group || "core"}/${version}`;
  return { group, version, names: { modulePath, accessor, typePrefix: accessor[0]!.toUpperCase() + accessor.slice(1), apiVersion }, resources, types };
}
