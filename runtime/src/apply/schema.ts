// The schema server-side apply needs, and nothing more: for every field, whether it is a scalar,
// a struct, a list (atomic, set, or map keyed by some of its items' fields) or a map (granular or
// atomic). It mirrors structured-merge-diff's schema (sigs.k8s.io/structured-merge-diff/schema),
// reduced to what extraction and the fake clientset's apply use. The generator emits one struct
// node per type (in `<group>/<version>/applyconfigurations/<type>.ts`) and a merged table per
// group-version (`applySchema` in that folder's index.ts); the types kubegen's runtime owns
// (ObjectMeta and friends) are described here once.

/** The shape of one value, as server-side apply sees it. */
export type ApplyNode =
  /** A leaf: string, number, boolean, int-or-string, quantity, time. Owned and replaced whole. */
  | { readonly kind: "scalar" }
  /**
   * A value without a schema (preserve-unknown-fields, RawExtension, JSON): objects merge key by
   * key, lists are atomic, other values are leaves; structured-merge-diff's "deduced" type.
   */
  | { readonly kind: "untyped" }
  /** A named struct: look `type` up in the schema's `types` (generated structs carry their definition). */
  | ApplyStructNode
  /**
   * A list. `atomic` is owned and replaced whole; `set` holds unique scalars, each owned alone;
   * `map` holds items keyed by the fields in `keys` (all of them, in this order).
   */
  | {
      readonly kind: "list";
      readonly listType: "atomic" | "set" | "map";
      readonly keys?: readonly string[];
      readonly items: ApplyNode;
    }
  /** A map with string keys: `granular` merges per key, `atomic` is owned and replaced whole. */
  | { readonly kind: "map"; readonly mapType: "granular" | "atomic"; readonly values: ApplyNode };

/**
 * A named struct node. Generated modules declare each of their structs as one, with `define`
 * returning its fields (read lazily by applySchemaOf, so modules may import each other in a
 * cycle); nodes without `define` name a struct the schema's table holds (the runtime's meta
 * types, hand-written tables).
 */
export interface ApplyStructNode {
  readonly kind: "struct";
  /** The qualified name (`apps/v1.DeploymentSpec`): the struct's key in a schema's `types`. */
  readonly type: string;
  readonly define?: () => ApplyStruct;
}

/** A struct: its fields, and whether apply replaces it whole. */
export interface ApplyStruct {
  readonly fields: { readonly [field: string]: ApplyNode };
  /** `x-kubernetes-map-type: atomic` on the struct. */
  readonly atomic?: boolean;
  /** Keys beyond `fields` (preserve-unknown-fields, additionalProperties) and their shape. */
  readonly rest?: ApplyNode;
  /**
   * The apply-configuration class for this struct. Extraction builds instances of it, so the
   * result has the builder's `withX` methods; without it, extraction returns plain objects.
   */
  readonly builder?: new () => object;
}

/** Named structs by qualified name (`apps/v1.DeploymentSpec`, `meta/v1.ObjectMeta`). */
export interface ApplySchema {
  readonly types: { readonly [name: string]: ApplyStruct };
}

/** Shared leaf nodes, so generated tables stay small. */
export const SCALAR: ApplyNode = { kind: "scalar" };
export const UNTYPED: ApplyNode = { kind: "untyped" };

/** A reference to a named struct. */
export function struct(type: string): ApplyNode {
  return { kind: "struct", type };
}

/** The struct a node names, or undefined when the schema does not have it. */
export function lookupStruct(schema: ApplySchema, node: ApplyNode): ApplyStruct | undefined {
  return node.kind === "struct" ? schema.types[node.type] : undefined;
}
