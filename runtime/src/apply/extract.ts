// Extraction: the apply configuration a field manager owns in an object read from the server,
// so "read, change, re-apply" sends exactly that manager's fields (client-go Extract<Kind>).
// Mirrors k8s.io/apimachinery pkg/util/managedfields/extract.go (ExtractInto): the manager's
// `Apply` entry for the subresource is parsed into a field set, reduced to its leaves
// (fieldpath Set.Leaves), and the object is walked with those leaves as structured-merge-diff's
// typed/remove.go does when extracting (TypedValue.ExtractItems). So a map-list item comes back
// with exactly the fields the manager owns: its key fields only where the manager owns them (a
// port applied without `protocol` is owned as `k:{"containerPort":80,"protocol":"TCP"}` with only
// `f:containerPort` under it, and extracts without `protocol`). Owned scalars and atomic values
// are copied whole. test/integration/apply/extract-clientgo.test.ts checks the result against
// client-go's own extraction, object by object.
//
// FieldsV1 keys: `f:<name>` a struct field or map key, `k:<json>` a map-list item by its key
// fields, `v:<json>` a set item by value, `i:<n>` a list item by position (never matches: the
// server names items by key or value), `.` the node itself.

import type { FieldsV1, JsonValue, ManagedFieldsEntry } from "../meta/types.js";
import { MetadataApplyConfiguration, ObjectApplyConfiguration } from "./builders.js";
import { FieldSet, formatPath, keyElement, parseElementToken, type PathElement } from "./field-set.js";
import type { ApplyNode, ApplySchema, ApplyStruct } from "./schema.js";

/** Options of {@link extractApplyConfiguration}. */
export interface ExtractOptions {
  /**
   * The subresource the manager applied through (`status`, `scale`); empty or undefined means
   * the main resource (client-go's `Extract<Kind>From(obj, manager, subresource)`).
   */
  subresource?: string;
}

type Json = { [key: string]: unknown };

interface Walk {
  readonly schema: ApplySchema;
  readonly manager: string;
}

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/**
 * The apply configuration `fieldManager` owns in `obj` (client-go `Extract<Kind>From`): only the
 * fields in the manager's `Apply` managedFields entry for `options.subresource` (the main
 * resource when unset), as instances of the schema's builder classes (plain objects for structs
 * without one). A map-list item holds exactly the fields the manager owns in it, so a key field
 * the manager does not own (a defaulted `protocol`) is left out, as client-go leaves it out; sets
 * keep the owned values; atomic lists, maps and structs and all scalars are copied whole. Edge
 * cases follow client-go too: a granular struct, map or list owned as a leaf is kept whole when
 * it is empty and left out when other managers filled it; a field whose value comes out null is
 * left out (client-go's typed apply configurations omit nil), a list item that keeps nothing is
 * `null`. Then `apiVersion`, `kind`, `metadata.name` and `metadata.namespace` are set from `obj`
 * when it has them (and the type has those fields), as client-go does; when the manager owns
 * nothing that `obj` has, only those identity fields are set (client-go returns an error when the
 * entry exists but selects nothing; the API server drops such entries). `obj` must be an object
 * as read from the server (unmodified managedFields). Objects from list responses carry no
 * apiVersion/kind: set them on the result (`withApiVersion`, `withKind`) where that matters.
 *
 * @param type the struct's name in `schema.types`, e.g. `apps/v1.Deployment`.
 * @throws Error when `type` is not in the schema, or when a FieldsV1 key in the manager's entry is
 *   malformed (the message names the manager and the path), anywhere in the entry, as client-go
 *   fails on it; FieldsV1 paths the object does not have are skipped.
 */
export function extractApplyConfiguration<T>(
  schema: ApplySchema,
  type: string,
  obj: object,
  fieldManager: string,
  options: ExtractOptions = {},
): T {
  const root = schema.types[type];
  if (!root) throw new Error(`extracting ${type}: the apply schema has no type "${type}"`);
  const value = obj as Json;
  const walk: Walk = { schema, manager: fieldManager };

  const out = newStruct(root);
  const typed = out instanceof ObjectApplyConfiguration;
  if ((typed || hasOwn(root.fields, "apiVersion")) && nonEmpty(value.apiVersion)) out.apiVersion = value.apiVersion;
  if ((typed || hasOwn(root.fields, "kind")) && nonEmpty(value.kind)) out.kind = value.kind;
  const metaNode = root.fields.metadata ?? (out instanceof MetadataApplyConfiguration ? OBJECT_META : undefined);
  const meta = isObject(value.metadata) ? value.metadata : undefined;
  if (metaNode && meta && (nonEmpty(meta.name) || nonEmpty(meta.namespace))) {
    const target = metaNode.kind === "struct" ? newStruct(schema.types[metaNode.type]) : {};
    if (nonEmpty(meta.name)) target.name = meta.name;
    if (nonEmpty(meta.namespace)) target.namespace = meta.namespace;
    out.metadata = target;
  }

  const entry = findApplyEntry(meta?.managedFields, fieldManager, options.subresource ?? "");
  if (entry && isObject(entry.fieldsV1)) {
    const owned = parseOwned(entry.fieldsV1, walk).leaves();
    const kept = extractValue({ kind: "struct", type }, value, owned, walk);
    // Nothing kept at all (upstream then fails to convert the result): the identity fields only.
    if (!isObject(kept)) return out as T;
    for (const [key, v] of Object.entries(kept)) {
      if (key === "metadata" && isObject(out.metadata) && isObject(v)) Object.assign(out.metadata, v);
      else out[key] = v;
    }
  }
  return out as T;
}

/** The manager's Apply entry for the subresource (`""` = main resource), as ExtractInto finds it. */
function findApplyEntry(entries: unknown, manager: string, subresource: string): ManagedFieldsEntry | undefined {
  if (!Array.isArray(entries)) return undefined;
  return (entries as ManagedFieldsEntry[]).find(
    (e) => isObject(e) && e.manager === manager && e.operation === "Apply" && (e.subresource ?? "") === subresource,
  );
}

const nonEmpty = (v: unknown): v is string => typeof v === "string" && v !== "";

/** A new instance of the struct's builder, or a plain object when it has none. */
function newStruct(st: ApplyStruct | undefined): Json {
  return (st?.builder ? new st.builder() : {}) as Json;
}

/**
 * What structured-merge-diff's extracting walk yields when nothing under a value is kept (its
 * walker's `nil` output): the field is left out of the struct or map that holds it, and a list
 * item that yields it becomes `null`, as client-go's typed apply configurations serialise it.
 */
const NOTHING: unique symbol = Symbol("nothing kept");
type Kept = unknown;

/**
 * The part of `value` (typed by `node`) that the leaves in `set` select (typed/remove.go,
 * removingWalker with shouldExtract): scalars, atomic values and empty or null lists and maps are
 * kept whole; a granular struct or map keeps each key that is a leaf of `set` (walked again with
 * `set` itself, as upstream does) or has leaves under it; a set or map list keeps each item that
 * is a leaf (whole) or has leaves under it (walked with those). Returns {@link NOTHING} when no
 * key or item was selected, or the value is not what the schema says.
 */
function extractValue(node: ApplyNode, value: unknown, set: FieldSet, walk: Walk): Kept {
  switch (node.kind) {
    case "scalar":
      return copyWhole(node, value, walk);
    case "untyped":
      // structured-merge-diff's deduced type: objects are granular maps, lists are atomic.
      if (Array.isArray(value) || (value !== null && typeof value !== "object")) return copyWhole(node, value, walk);
      if (!isObject(value)) return NOTHING;
      return extractEntries(value, set, () => node, {}, false, walk);
    case "struct": {
      const st = walk.schema.types[node.type];
      if (!st) return extractValue(UNTYPED_NODE, value, set, walk);
      if (!isObject(value)) return NOTHING;
      if (st.atomic || Object.keys(value).length === 0) return copyWhole(node, value, walk);
      return extractEntries(value, set, (name) => st.fields[name] ?? st.rest ?? UNTYPED_NODE, newStruct(st), true, walk);
    }
    case "map":
      if (!isObject(value)) return NOTHING;
      if (node.mapType === "atomic" || Object.keys(value).length === 0) return copyWhole(node, value, walk);
      return extractEntries(value, set, () => node.values, {}, true, walk);
    case "list":
      if (!Array.isArray(value)) return NOTHING;
      if (node.listType === "atomic" || value.length === 0) return copyWhole(node, value, walk);
      return extractItems(node, value, set, walk);
  }
}

/**
 * The selected keys of a granular struct or map, into `out` in the object's order. A key whose
 * value yields nothing, or null where the type is a typed struct or map (`typed`), is left out
 * but still counts as selected, so the holder is kept (possibly empty), as upstream keeps it.
 */
function extractEntries(
  value: Json,
  set: FieldSet,
  nodeOf: (key: string) => ApplyNode,
  out: Json,
  typed: boolean,
  walk: Walk,
): Kept {
  let selected = false;
  for (const [key, v] of Object.entries(value)) {
    const pe: PathElement = { field: key };
    let kept: Kept;
    if (set.hasMember(pe)) kept = extractValue(nodeOf(key), v, set, walk);
    else {
      const sub = set.withPrefix(pe);
      if (sub.isEmpty()) continue;
      kept = extractValue(nodeOf(key), v, sub, walk);
    }
    selected = true;
    if (kept === NOTHING) kept = null;
    if (kept === null && typed) continue;
    out[key] = kept;
  }
  return selected ? out : NOTHING;
}

/** The selected items of a set or map list, in the object's order. */
function extractItems(node: Extract<ApplyNode, { kind: "list" }>, value: readonly unknown[], set: FieldSet, walk: Walk): Kept {
  const out: unknown[] = [];
  for (const item of value) {
    const pe = itemElement(node, item);
    if (!pe) continue; // upstream cannot name the item, so no path selects it
    const sub = set.withPrefix(pe);
    let kept: Kept;
    if (!sub.isEmpty()) kept = extractValue(node.items, item, sub, walk);
    else if (set.hasMember(pe)) kept = copyWhole(node.items, item, walk);
    else continue;
    out.push(kept === NOTHING ? null : kept);
  }
  return out.length > 0 ? out : NOTHING;
}

/**
 * The path element naming a list item (typed/helpers.go listItemToPathElement): a map-list item
 * by the key fields it has, a set item by its value; undefined when upstream fails to name it (an
 * item with none of the keys, an object in a set, a map list without keys).
 */
function itemElement(node: Extract<ApplyNode, { kind: "list" }>, item: unknown): PathElement | undefined {
  const keys = node.keys ?? [];
  if (keys.length > 0) {
    if (!isObject(item)) return undefined;
    const fields: [string, JsonValue][] = [];
    for (const k of keys) if (hasOwn(item, k) && item[k] !== undefined) fields.push([k, item[k] as JsonValue]);
    return fields.length > 0 ? keyElement(fields) : undefined;
  }
  if (typeof item === "object" && item !== null) return undefined;
  return { value: item as JsonValue };
}

/**
 * The manager's FieldsV1 as a field set; every key is checked first so that a malformed one is
 * reported with the manager and where it is (upstream's Set.FromJSON fails the whole extraction).
 */
function parseOwned(fields: FieldsV1, walk: Walk): FieldSet {
  const check = (node: FieldsV1, prefix: PathElement[]): void => {
    for (const [token, sub] of Object.entries(node)) {
      if (token === ".") continue;
      let pe: PathElement;
      try {
        pe = parseElementToken(token);
      } catch {
        throw new Error(
          `extracting the fields of manager "${walk.manager}": malformed FieldsV1 key ${JSON.stringify(token)} at ${formatPath(prefix) || "."}`,
        );
      }
      if (isObject(sub)) check(sub as FieldsV1, [...prefix, pe]);
    }
  };
  check(fields, []);
  return FieldSet.fromFieldsV1(fields);
}

const UNTYPED_NODE: ApplyNode = { kind: "untyped" };
const OBJECT_META: ApplyNode = { kind: "struct", type: "ObjectMeta" };

/**
 * A deep copy of `value` (a leaf owned whole), rebuilt with the schema's builders so atomic
 * structs (LabelSelector, OwnerReference) still have their `withX` methods.
 */
function copyWhole(node: ApplyNode, value: unknown, walk: Walk): unknown {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) {
    const items: ApplyNode = node.kind === "list" ? node.items : UNTYPED_NODE;
    return value.map((v) => copyWhole(items, v, walk));
  }
  const src = value as Json;
  const st = node.kind === "struct" ? walk.schema.types[node.type] : undefined;
  const out = st ? newStruct(st) : {};
  for (const [k, v] of Object.entries(src)) {
    const child: ApplyNode = st ? (st.fields[k] ?? st.rest ?? UNTYPED_NODE) : node.kind === "map" ? node.values : UNTYPED_NODE;
    out[k] = copyWhole(child, v, walk);
  }
  return out;
}
