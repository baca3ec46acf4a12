// The typed operations server-side apply runs over JSON values, guided by an ApplySchema:
// the field set a value sets (structured-merge-diff typed/tofieldset.go), the merge of an applied
// configuration into a live object (typed/merge.go, "keep RHS"), the comparison of two objects
// into added/modified/removed sets (typed/compare.go), removal of a set of paths (typed/remove.go)
// and EnsureNamedFieldsAreMembers (fieldpath/set.go). Values are plain JSON; `undefined` means
// absent and `null` is a present null. Nothing here mutates its inputs.

import type { JsonValue } from "../meta/types.js";
import { FieldSet, formatPath, keyElement, type FieldPath, type PathElement } from "./field-set.js";
import { UNTYPED, type ApplyNode, type ApplySchema } from "./schema.js";

type Json = JsonValue;
type JsonObject = { [key: string]: Json };

/** A value that does not fit the schema (an undeclared field, a duplicate or keyless list item). */
export class SchemaValueError extends Error {
  override readonly name = "SchemaValueError";
  constructor(
    /** Where, as the server prints paths (`.spec.foo`). */
    readonly path: string,
    /** What is wrong, e.g. `field not declared in schema`. */
    readonly detail: string,
  ) {
    super(`${path}: ${detail}`);
  }
}

/** A schema and the node of the value being walked. */
export interface Typed {
  readonly schema: ApplySchema;
  readonly node: ApplyNode;
}

/** A node resolved to its shape (structured-merge-diff's Atom). */
type Atom =
  | { readonly kind: "scalar" }
  | { readonly kind: "list"; readonly listType: "atomic" | "set" | "map"; readonly keys: readonly string[]; readonly items: ApplyNode }
  | { readonly kind: "map"; readonly atomic: boolean; readonly fields: { readonly [f: string]: ApplyNode }; readonly rest?: ApplyNode };

const UNTYPED_MAP: Atom = { kind: "map", atomic: false, fields: {}, rest: UNTYPED };
const UNTYPED_LIST: Atom = { kind: "list", listType: "atomic", keys: [], items: UNTYPED };
const SCALAR_ATOM: Atom = { kind: "scalar" };

function isObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The node's shape; untyped values (and structs missing from the schema) are deduced from the value. */
function resolve(schema: ApplySchema, node: ApplyNode, ...values: unknown[]): Atom {
  switch (node.kind) {
    case "scalar":
      return SCALAR_ATOM;
    case "list":
      return { kind: "list", listType: node.listType, keys: node.keys ?? [], items: node.items };
    case "map":
      return { kind: "map", atomic: node.mapType === "atomic", fields: {}, rest: node.values };
    case "struct": {
      const st = schema.types[node.type];
      if (st) return { kind: "map", atomic: !!st.atomic, fields: st.fields, ...(st.rest ? { rest: st.rest } : {}) };
      return deduce(values);
    }
    default:
      return deduce(values);
  }
}

function deduce(values: unknown[]): Atom {
  const v = values.find((x) => x !== undefined && x !== null);
  if (isObject(v)) return UNTYPED_MAP;
  if (Array.isArray(v)) return UNTYPED_LIST;
  return SCALAR_ATOM;
}

/** The node of a map's entry: its declared field, else `rest`; undefined when the key is not allowed. */
function entryNode(atom: Atom & { kind: "map" }, key: string): ApplyNode | undefined {
  return Object.prototype.hasOwnProperty.call(atom.fields, key) ? atom.fields[key] : atom.rest;
}

function isDeclared(atom: Atom & { kind: "map" }, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(atom.fields, key);
}

/** The path element of a list item: its key fields (map list) or its value (set). */
function itemElement(atom: Atom & { kind: "list" }, item: Json, path: FieldPath, index: number): PathElement {
  if (atom.listType === "set") return { value: item };
  if (atom.listType === "map") {
    if (!isObject(item)) throw new SchemaValueError(formatPath(path), `element ${index}: associative list with keys may not have non-map elements`);
    const fields: [string, Json][] = [];
    // A missing key field is left out of the key (newer structured-merge-diff): the item is
    // another entry, and the server's validation, not apply, rejects it when the field is required.
    for (const k of atom.keys) {
      const v = item[k];
      if (v !== undefined) fields.push([k, v]);
    }
    return keyElement(fields);
  }
  return { index };
}

function elementKey(pe: PathElement): string {
  return JSON.stringify(pe);
}

/** Indexes a list's items by path element; duplicates are an error unless allowed (then the first wins). */
function indexItems(
  atom: Atom & { kind: "list" },
  list: readonly Json[],
  path: FieldPath,
  allowDuplicates: boolean,
): { order: PathElement[]; items: Map<string, Json> } {
  const order: PathElement[] = [];
  const items = new Map<string, Json>();
  list.forEach((item, i) => {
    const pe = itemElement(atom, item, path, i);
    const k = elementKey(pe);
    if (items.has(k)) {
      if (!allowDuplicates) throw new SchemaValueError(formatPath(path), `duplicate entries for key ${formatPathElementForError(pe)}`);
      return;
    }
    items.set(k, item);
    order.push(pe);
  });
  return { order, items };
}

function formatPathElementForError(pe: PathElement): string {
  return formatPath([pe]);
}

/**
 * Checks that a value fits the schema the way the server's typed conversion does: every struct
 * field is declared (or the struct takes other keys), map-list items carry their keys, and no two
 * list items share a key. Throws {@link SchemaValueError}.
 */
export function validateValue(t: Typed, value: unknown, path: FieldPath = []): void {
  if (value === undefined || value === null) return;
  const atom = resolve(t.schema, t.node, value);
  if (atom.kind === "map") {
    if (!isObject(value)) return;
    for (const [k, v] of Object.entries(value)) {
      const node = entryNode(atom, k);
      if (!node) throw new SchemaValueError(formatPath([...path, { field: k }]), "field not declared in schema");
      validateValue({ schema: t.schema, node }, v, [...path, { field: k }]);
    }
  } else if (atom.kind === "list") {
    if (!Array.isArray(value)) return;
    if (atom.listType === "atomic") {
      value.forEach((item, i) => validateValue({ schema: t.schema, node: atom.items }, item, [...path, { index: i }]));
      return;
    }
    const { order, items } = indexItems(atom, value as Json[], path, false);
    for (const pe of order) validateValue({ schema: t.schema, node: atom.items }, items.get(elementKey(pe)), [...path, pe]);
  }
}

// ---------------------------------------------------------------------------------------------
// toFieldSet

/**
 * The fields a value sets (TypedValue.ToFieldSet): scalars, atomic lists/maps/structs, list
 * items, map entries (keys of maps, not of structs), and struct fields that are null or `{}`.
 */
export function toFieldSet(t: Typed, value: unknown): FieldSet {
  const set = new FieldSet();
  walkToSet(t.schema, t.node, value as Json | undefined, [], set);
  return set;
}

function walkToSet(schema: ApplySchema, node: ApplyNode, value: Json | undefined, path: PathElement[], set: FieldSet): void {
  const atom = resolve(schema, node, value);
  if (atom.kind === "scalar") {
    set.insert(path);
    return;
  }
  if (atom.kind === "list") {
    if (atom.listType === "atomic") {
      set.insert(path);
      return;
    }
    if (!Array.isArray(value)) return;
    const { order, items } = indexItems(atom, value, path, true);
    for (const pe of order) {
      const p = [...path, pe];
      walkToSet(schema, atom.items, items.get(elementKey(pe)), p, set);
      set.insert(p);
    }
    return;
  }
  if (atom.atomic) {
    set.insert(path);
    return;
  }
  if (!isObject(value)) return;
  for (const [k, v] of Object.entries(value)) {
    const child = entryNode(atom, k) ?? UNTYPED;
    const p = [...path, { field: k }];
    walkToSet(schema, child, v, p, set);
    if (v === null || (isObject(v) && Object.keys(v).length === 0) || !isDeclared(atom, k)) set.insert(p);
  }
}

// ---------------------------------------------------------------------------------------------
// merge

/**
 * Merges an applied configuration (`rhs`) into a live object (`lhs`) the way apply does
 * (TypedValue.Merge with "keep RHS"): leaves and atomic values take the configuration's value;
 * granular maps and structs merge key by key; set and map lists merge item by item, keeping the
 * configuration's order for the items it names and the live position of the others. Nothing is
 * removed. Returns undefined when both sides are absent (or merge to nothing).
 */
export function mergeValues(t: Typed, lhs: unknown, rhs: unknown): Json | undefined {
  return mergeNode(t.schema, t.node, lhs as Json | undefined, rhs as Json | undefined, []);
}

function mergeNode(schema: ApplySchema, node: ApplyNode, lhs: Json | undefined, rhs: Json | undefined, path: PathElement[]): Json | undefined {
  if (lhs === undefined && rhs === undefined) return undefined;
  const atom = resolve(schema, node, rhs, lhs);
  const leaf = (): Json | undefined => (rhs !== undefined ? rhs : lhs);
  if (atom.kind === "scalar") return leaf();
  if (atom.kind === "list") {
    const l = Array.isArray(lhs) ? lhs : undefined;
    const r = Array.isArray(rhs) ? rhs : undefined;
    // Type mismatch: the configuration wins.
    if ((lhs !== undefined && lhs !== null && !l) || (rhs !== undefined && rhs !== null && !r)) return leaf();
    if (atom.listType === "atomic" || ((l?.length ?? 0) === 0 && (r?.length ?? 0) === 0)) return leaf();
    const out = mergeListItems(schema, atom, l ?? [], r ?? [], path);
    return out.length ? out : undefined;
  }
  const l = isObject(lhs) ? lhs : undefined;
  const r = isObject(rhs) ? rhs : undefined;
  if ((lhs !== undefined && lhs !== null && !l) || (rhs !== undefined && rhs !== null && !r)) return leaf();
  const lEmpty = !l || Object.keys(l).length === 0;
  const rEmpty = !r || Object.keys(r).length === 0;
  if (atom.atomic || (lEmpty && rEmpty)) return leaf();
  const out: JsonObject = {};
  for (const [k, lv] of Object.entries(l ?? {})) {
    const rv = r && Object.prototype.hasOwnProperty.call(r, k) ? r[k] : undefined;
    const m = mergeNode(schema, entryNode(atom, k) ?? UNTYPED, lv, rv, [...path, { field: k }]);
    if (m !== undefined) out[k] = m;
  }
  for (const [k, rv] of Object.entries(r ?? {})) {
    if (l && Object.prototype.hasOwnProperty.call(l, k)) continue;
    const m = mergeNode(schema, entryNode(atom, k) ?? UNTYPED, undefined, rv, [...path, { field: k }]);
    if (m !== undefined) out[k] = m;
  }
  return Object.keys(out).length ? out : undefined;
}

/**
 * Merges the items of two associative lists (typed/merge.go visitListItems): live items the
 * configuration does not name keep their place; items both name come out in the configuration's
 * order; new items follow the configuration's order from where they are named.
 */
function mergeListItems(schema: ApplySchema, atom: Atom & { kind: "list" }, lhs: readonly Json[], rhs: readonly Json[], path: PathElement[]): Json[] {
  const r = indexItems(atom, rhs, path, false);
  const l = indexItems(atom, lhs, path, true);
  const lPEs = lhs.map((item, i) => itemElement(atom, item, path, i));
  const rPEs = r.order;
  const sharedOrder = rPEs.filter((pe) => l.items.has(elementKey(pe)));
  let nextShared: string | undefined = sharedOrder.length ? elementKey(sharedOrder.shift()!) : undefined;
  const advanceShared = (): void => {
    nextShared = sharedOrder.length ? elementKey(sharedOrder.shift()!) : undefined;
  };
  const mergedRHS = new Set<string>();
  const out: Json[] = [];
  const emit = (pe: PathElement, lv: Json | undefined, rv: Json | undefined): void => {
    const m = mergeNode(schema, atom.items, lv, rv, [...path, pe]);
    if (m !== undefined) out.push(m);
  };
  let li = 0;
  let ri = 0;
  while (li < lPEs.length || ri < rPEs.length) {
    if (li < lPEs.length && ri < rPEs.length) {
      const lk = elementKey(lPEs[li]!);
      const rk = elementKey(rPEs[ri]!);
      if (lk === rk) {
        mergedRHS.add(lk);
        emit(lPEs[li]!, l.items.get(lk), r.items.get(rk));
        li++;
        ri++;
        advanceShared();
        continue;
      }
      if (r.items.has(lk) && nextShared !== undefined && nextShared !== lk) {
        li++;
        continue;
      }
    }
    if (li < lPEs.length) {
      const lk = elementKey(lPEs[li]!);
      if (!r.items.has(lk)) {
        emit(lPEs[li]!, lhs[li], undefined);
        li++;
        continue;
      }
      if (mergedRHS.has(lk)) {
        li++;
        continue;
      }
    }
    if (ri < rPEs.length) {
      const pe = rPEs[ri]!;
      const rk = elementKey(pe);
      mergedRHS.add(rk);
      emit(pe, l.items.get(rk), r.items.get(rk));
      ri++;
      if (nextShared === rk) advanceShared();
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// compare

/** How two versions of an object differ, as sets of paths (typed.Comparison). */
export interface Comparison {
  readonly added: FieldSet;
  readonly modified: FieldSet;
  readonly removed: FieldSet;
}

/**
 * Compares two values (TypedValue.Compare): leaves and atomic values present on one side only
 * are added or removed, present on both but unequal are modified; a non-atomic map, struct or list
 * item present on one side only is added/removed itself as well as its contents.
 */
export function compareObjects(t: Typed, lhs: unknown, rhs: unknown): Comparison {
  const c = { added: new FieldSet(), modified: new FieldSet(), removed: new FieldSet() };
  compareNode(t.schema, t.node, lhs as Json | undefined, rhs as Json | undefined, [], c);
  return c;
}

function compareNode(
  schema: ApplySchema,
  node: ApplyNode,
  lhs: Json | undefined,
  rhs: Json | undefined,
  path: PathElement[],
  c: { added: FieldSet; modified: FieldSet; removed: FieldSet },
): void {
  if (lhs === undefined && rhs === undefined) return;
  const atom = resolve(schema, node, lhs, rhs);
  const leaf = (): void => {
    if (lhs === undefined) c.added.insert(path);
    else if (rhs === undefined) c.removed.insert(path);
    else if (!jsonEquals(lhs, rhs)) c.modified.insert(path);
  };
  if (atom.kind === "scalar") return leaf();
  if (atom.kind === "list") {
    const l = Array.isArray(lhs) ? lhs : undefined;
    const r = Array.isArray(rhs) ? rhs : undefined;
    if ((lhs !== undefined && lhs !== null && !l) || (rhs !== undefined && rhs !== null && !r)) return leaf();
    if (atom.listType === "atomic" || ((l?.length ?? 0) === 0 && (r?.length ?? 0) === 0)) return leaf();
    const li = indexItems(atom, l ?? [], path, true);
    const ri = indexItems(atom, r ?? [], path, true);
    const all = [...li.order, ...ri.order.filter((pe) => !li.items.has(elementKey(pe)))];
    for (const pe of all) compareNode(schema, atom.items, li.items.get(elementKey(pe)), ri.items.get(elementKey(pe)), [...path, pe], c);
  } else {
    const l = isObject(lhs) ? lhs : undefined;
    const r = isObject(rhs) ? rhs : undefined;
    if ((lhs !== undefined && lhs !== null && !l) || (rhs !== undefined && rhs !== null && !r)) return leaf();
    if (atom.atomic) return leaf();
    const keys = [...Object.keys(l ?? {}), ...Object.keys(r ?? {}).filter((k) => !l || !Object.prototype.hasOwnProperty.call(l, k))];
    for (const k of keys) {
      const lv = l && Object.prototype.hasOwnProperty.call(l, k) ? l[k] : undefined;
      const rv = r && Object.prototype.hasOwnProperty.call(r, k) ? r[k] : undefined;
      compareNode(schema, entryNode(atom, k) ?? UNTYPED, lv, rv, [...path, { field: k }], c);
    }
  }
  if (path.length) {
    if (lhs === undefined) c.added.insert(path);
    else if (rhs === undefined) c.removed.insert(path);
  }
}

/** Structural JSON equality (member order ignored). */
export function jsonEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEquals(x, b[i]));
  if (isObject(a)) {
    if (!isObject(b)) return false;
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && jsonEquals(a[k], b[k]));
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// removeItems / ensureNamedFieldsAreMembers

/**
 * The value without the members of `set` (TypedValue.RemoveItems): a member path removes its
 * value whole; paths under a field or item remove inside it. A non-atomic map or list emptied this
 * way becomes null, as on the server.
 */
export function removeItems(t: Typed, value: unknown, set: FieldSet): Json | undefined {
  return removeNode(t.schema, t.node, value as Json | undefined, set);
}

function removeNode(schema: ApplySchema, node: ApplyNode, value: Json | undefined, set: FieldSet): Json | undefined {
  if (value === undefined) return undefined;
  const atom = resolve(schema, node, value);
  if (atom.kind === "scalar") return value;
  if (atom.kind === "list") {
    if (!Array.isArray(value) || value.length === 0) return null;
    if (atom.listType === "atomic") return null;
    const out: Json[] = [];
    value.forEach((item, i) => {
      const pe = itemElement(atom, item, [], i);
      if (set.hasMember(pe)) return;
      const sub = set.withPrefix(pe);
      out.push(sub.isEmpty() ? item : (removeNode(schema, atom.items, item, sub) as Json));
    });
    return out.length ? out : null;
  }
  if (!isObject(value) || Object.keys(value).length === 0) return null;
  if (atom.atomic) return null;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(value)) {
    const pe = { field: k };
    if (set.hasMember(pe)) continue;
    const sub = set.withPrefix(pe);
    out[k] = sub.isEmpty() ? v : (removeNode(schema, entryNode(atom, k) ?? UNTYPED, v, sub) as Json);
  }
  return Object.keys(out).length ? out : null;
}

/**
 * The set plus every declared struct field it passes through as a member
 * (fieldpath Set.EnsureNamedFieldsAreMembers): `.spec.replicas` also owns `.spec`, but a path
 * through a map key does not own the key.
 */
export function ensureNamedFieldsAreMembers(t: Typed, set: FieldSet): FieldSet {
  const out = new FieldSet();
  const walk = (node: ApplyNode, s: FieldSet, prefix: PathElement[]): void => {
    const atom = resolve(t.schema, node);
    for (const pe of s.memberElements()) out.insert([...prefix, pe]);
    for (const { pe, set: child } of s.childEntries()) {
      if (child.isEmpty()) continue;
      let childNode: ApplyNode = UNTYPED;
      if ("field" in pe && atom.kind === "map") {
        if (isDeclared(atom, pe.field)) out.insert([...prefix, pe]);
        childNode = entryNode(atom, pe.field) ?? UNTYPED;
      } else if (!("field" in pe) && atom.kind === "list") {
        childNode = atom.items;
      }
      walk(childNode, child, [...prefix, pe]);
    }
  };
  walk(t.node, set, []);
  return out;
}
