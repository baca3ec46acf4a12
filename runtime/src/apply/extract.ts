// Extraction: the apply configuration a field manager owns in an object read from the server,
// so "read, change, re-apply" sends exactly that manager's fields (client-go Extract<Kind>).
// Mirrors k8s.io/apimachinery pkg/util/managedfields/extract.go (ExtractInto) and the extracting
// walk of structured-merge-diff typed/remove.go: the manager's `Apply` entry for the subresource
// is a FieldsV1 trie; it is walked together with the object and the ApplySchema, keeping owned
// leaves whole and descending into owned structs, granular maps, sets and map lists.
//
// FieldsV1 keys: `f:<name>` a struct field or map key, `k:<json>` a map-list item by its key
// fields, `v:<json>` a set item by value, `i:<n>` a list item by position, `.` the node itself.

import type { FieldsV1, ManagedFieldsEntry } from "../meta/types.js";
import { MetadataApplyConfiguration, ObjectApplyConfiguration } from "./builders.js";
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
 * without one). Map-list items keep their key fields; atomic lists, maps and structs and all
 * scalars are copied whole. Then `apiVersion`, `kind`, `metadata.name` and `metadata.namespace`
 * are set from `obj` when it has them (and the type has those fields), as client-go does; when
 * the manager owns nothing only those identity fields are set. `obj` must be an object as read
 * from the server (unmodified managedFields). Objects from list responses carry no
 * apiVersion/kind: set them on the result (`withApiVersion`, `withKind`) where that matters.
 *
 * @param type the struct's name in `schema.types`, e.g. `apps/v1.Deployment`.
 * @throws Error when `type` is not in the schema, or when a FieldsV1 key in the manager's entry is
 *   malformed (the message names the manager and the path); FieldsV1 paths the object does not
 *   have are skipped.
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
    const owned = extractStruct(root, value, entry.fieldsV1, walk, "");
    for (const [key, v] of Object.entries(owned)) {
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

/** The FieldsV1 children of a node, without the `.` (self) marker. */
function childKeys(set: FieldsV1): string[] {
  return Object.keys(set).filter((k) => k !== ".");
}

/**
 * The owned part of `value` (typed by `node`) under the FieldsV1 node `set`, or undefined when
 * nothing of it is kept.
 */
function extractNode(node: ApplyNode, value: unknown, set: FieldsV1, walk: Walk, path: string): unknown {
  if (value === undefined) return undefined;
  const leaf = childKeys(set).length === 0;
  switch (node.kind) {
    case "scalar":
      return copyWhole(node, value, walk);
    case "untyped":
      // structured-merge-diff's deduced type: objects merge per key, everything else is atomic.
      if (!isObject(value)) return copyWhole(node, value, walk);
      return extractEntries(value, set, () => node, walk, path);
    case "struct": {
      const st = walk.schema.types[node.type];
      if (!isObject(value) || !st) return copyWhole(st ? node : { kind: "untyped" }, value, walk);
      if (st.atomic) return copyWhole(node, value, walk);
      return extractStruct(st, value, set, walk, path);
    }
    case "list":
      if (!Array.isArray(value) || node.listType === "atomic") return copyWhole(node, value, walk);
      if (leaf) return undefined; // the list itself but none of its items: nothing to send
      return extractList(node, value, set, walk, path);
    case "map": {
      if (!isObject(value) || node.mapType === "atomic") return copyWhole(node, value, walk);
      const out = extractEntries(value, set, () => node.values, walk, path);
      return Object.keys(out).length > 0 ? out : undefined;
    }
  }
}

/** The owned fields of a (non-atomic) struct, in the object's field order. */
function extractStruct(st: ApplyStruct, value: Json, set: FieldsV1, walk: Walk, path: string): Json {
  const out = newStruct(st);
  for (const [name, v] of Object.entries(value)) {
    const sub = set[`f:${name}`];
    if (!sub) continue;
    const node = st.fields[name] ?? st.rest ?? UNTYPED_NODE;
    const kept = extractNode(node, v, sub, walk, `${path}.${name}`);
    if (kept !== undefined) out[name] = kept;
  }
  return out;
}

const UNTYPED_NODE: ApplyNode = { kind: "untyped" };
const OBJECT_META: ApplyNode = { kind: "struct", type: "ObjectMeta" };

/** The owned keys of a granular map or an untyped object, as a plain object. */
function extractEntries(value: Json, set: FieldsV1, nodeOf: (key: string) => ApplyNode, walk: Walk, path: string): Json {
  const out: Json = {};
  for (const [key, v] of Object.entries(value)) {
    const sub = set[`f:${key}`];
    if (!sub) continue;
    const kept = extractNode(nodeOf(key), v, sub, walk, `${path}.${key}`);
    if (kept !== undefined) out[key] = kept;
  }
  return out;
}

/** The owned items of a set or map list (or any list addressed by `i:`), in the object's order. */
function extractList(
  node: Extract<ApplyNode, { kind: "list" }>,
  value: readonly unknown[],
  set: FieldsV1,
  walk: Walk,
  path: string,
): unknown[] | undefined {
  const byKey = new Map<string, FieldsV1>();
  const keyObjects: Json[] = [];
  const byValue = new Map<string, FieldsV1>();
  const byIndex = new Map<number, FieldsV1>();
  for (const segment of childKeys(set)) {
    const sub = set[segment]!;
    const body = segment.slice(2);
    if (segment.startsWith("k:")) {
      const key = parseSegment(segment, body, walk, path);
      if (!isObject(key)) throw malformed(segment, walk, path);
      byKey.set(canonicalJson(key), sub);
      keyObjects.push(key);
    } else if (segment.startsWith("v:")) {
      byValue.set(canonicalJson(parseSegment(segment, body, walk, path)), sub);
    } else if (segment.startsWith("i:")) {
      if (!/^\d+$/.test(body)) throw malformed(segment, walk, path);
      byIndex.set(Number(body), sub);
    }
    // `f:` and unknown prefixes under a list address nothing in it: skipped.
  }

  const keys = node.keys ?? [];
  const out: unknown[] = [];
  value.forEach((item, index) => {
    let sub: FieldsV1 | undefined;
    if (byKey.size > 0 && isObject(item)) {
      if (keys.length > 0) sub = byKey.get(canonicalJson(pick(item, keys)));
      else {
        // No key fields in the schema: match on the fields each k: entry names.
        const match = keyObjects.find((k) => canonicalJson(pick(item, Object.keys(k))) === canonicalJson(k));
        if (match) sub = byKey.get(canonicalJson(match));
      }
    }
    if (!sub && byValue.size > 0) sub = byValue.get(canonicalJson(item));
    if (!sub) sub = byIndex.get(index);
    if (!sub) return;
    const itemPath = `${path}[${index}]`;
    const kept = extractNode(node.items, item, sub, walk, itemPath);
    if (kept === undefined) return;
    out.push(node.listType === "map" && isObject(item) && isObject(kept) ? keysFirst(kept, item, keys, node.items, walk) : kept);
  });
  return out.length > 0 ? out : undefined;
}

/** `kept` with the item's key fields put back first (a kept map-list item always names its key). */
function keysFirst(kept: Json, item: Json, keys: readonly string[], itemNode: ApplyNode, walk: Walk): Json {
  if (keys.every((k) => !hasOwn(item, k) || hasOwn(kept, k))) return kept;
  const out = Object.create(Object.getPrototypeOf(kept) as object | null) as Json;
  const st = itemNode.kind === "struct" ? walk.schema.types[itemNode.type] : undefined;
  for (const k of keys) {
    if (hasOwn(item, k)) out[k] = copyWhole(st?.fields[k] ?? UNTYPED_NODE, item[k], walk);
  }
  return Object.assign(out, kept);
}

function pick(item: Json, keys: readonly string[]): Json {
  const out: Json = {};
  for (const k of keys) if (item[k] !== undefined) out[k] = item[k];
  return out;
}

/** JSON with object keys sorted, so equal values compare equal whatever their key order. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    isObject(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]])) : v,
  );
}

function parseSegment(segment: string, body: string, walk: Walk, path: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    throw malformed(segment, walk, path);
  }
}

function malformed(segment: string, walk: Walk, path: string): Error {
  return new Error(
    `extracting the fields of manager "${walk.manager}": malformed FieldsV1 key ${JSON.stringify(segment)} at ${path || "."}`,
  );
}

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
