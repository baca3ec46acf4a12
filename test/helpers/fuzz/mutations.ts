// Mutations of real CRDs for the fuzz tests. A mutation is plain data (an
// operation, a target index, a value), so fast-check can print and shrink it;
// `applyMutations` resolves each target index against the places the
// mutated document has at that moment (modulo their number) and edits a deep
// copy. Targets: schema nodes of every version, property maps, any value of
// the document (deep or near the top), the required fields of a CRD, its names
// and its versions.
import fc from "fast-check";
import { parseAllDocuments, stringify } from "yaml";
import { anyJson, chooser, entries, scalar, type FuzzNames, type FuzzText, type Json, type JsonObject } from "./arbitraries.js";

export type Mutation =
  | { readonly op: "renameProperty"; readonly target: number; readonly name: string }
  | { readonly op: "setKeyword"; readonly target: number; readonly key: string; readonly value: Json }
  | { readonly op: "payloadEverywhere"; readonly target: number; readonly payload: string }
  | { readonly op: "addProperty"; readonly target: number; readonly name: string; readonly schema: Json }
  | { readonly op: "replaceValue"; readonly target: number; readonly shallow: boolean; readonly value: Json }
  | { readonly op: "deleteKey"; readonly target: number; readonly shallow: boolean }
  | { readonly op: "deleteRequired"; readonly which: number }
  | { readonly op: "duplicateVersion"; readonly target: number; readonly name: string | null; readonly storage: boolean }
  | { readonly op: "setName"; readonly field: NameField; readonly value: string; readonly sync: boolean }
  | { readonly op: "duplicateDocument"; readonly version: string | null };

type NameField = "kind" | "plural" | "singular" | "listKind" | "group" | "version" | "shortNames" | "categories";

/** One fuzz case over a real CRD file: which file and document, what to do to it, how to write it back. */
export interface CrdMutationCase {
  readonly file: number;
  readonly doc: number;
  readonly mutations: readonly Mutation[];
  readonly format: "yaml" | "json";
}

const SCHEMA_KEYWORDS = [
  "description",
  "enum",
  "default",
  "pattern",
  "format",
  "type",
  "items",
  "properties",
  "additionalProperties",
  "required",
  "nullable",
  "example",
  "title",
  "minimum",
  "maxLength",
  "$ref",
  "allOf",
  "anyOf",
  "oneOf",
  "not",
  "x-kubernetes-list-type",
  "x-kubernetes-list-map-keys",
  "x-kubernetes-map-type",
  "x-kubernetes-int-or-string",
  "x-kubernetes-preserve-unknown-fields",
  "x-kubernetes-embedded-resource",
  "x-kubernetes-validations",
] as const;

/** JSON pointers (as key lists) of what a CRD needs; deleting one must be a SchemaError. */
const REQUIRED: readonly (readonly (string | number)[])[] = [
  ["apiVersion"],
  ["metadata"],
  ["metadata", "name"],
  ["spec"],
  ["spec", "group"],
  ["spec", "names"],
  ["spec", "names", "kind"],
  ["spec", "names", "plural"],
  ["spec", "scope"],
  ["spec", "versions"],
  ["spec", "versions", 0, "name"],
  ["spec", "versions", 0, "storage"],
  ["spec", "versions", 0, "schema"],
  ["spec", "versions", 0, "schema", "openAPIV3Schema"],
  ["spec", "versions", 0, "schema", "openAPIV3Schema", "type"],
  ["spec", "versions", 0, "schema", "openAPIV3Schema", "properties"],
];

/**
 * The mutation arbitrary. `schema` supplies new sub-schemas for addProperty.
 * Without `hostile`, mutations keep the CRD valid as the API server sees it
 * (hostile text and awkward names, values of the right type), so the case
 * reaches the emitters; with it, values of any type replace anything, keys
 * go missing, and names may be invalid.
 */
export function mutationArb(t: FuzzText, names: FuzzNames, schema: fc.Arbitrary<Json>, hostile = true): fc.Arbitrary<Mutation> {
  const mostly = chooser(hostile);
  const json = anyJson(t.text);
  const target = fc.nat();
  const keywordValue = (key: string): fc.Arbitrary<Json> => {
    switch (key) {
      case "description":
      case "title":
      case "pattern":
      case "$ref":
        return mostly(t.text, json);
      case "format":
        return mostly(fc.oneof(fc.constantFrom("int32", "int64", "date-time", "byte", "quantity", "int-or-string", "uuid"), t.text), json);
      case "enum":
        return mostly(fc.array(fc.oneof(t.text, scalar), { minLength: 1, maxLength: 4 }), json);
      case "type":
        return mostly(fc.constantFrom("string", "integer", "number", "boolean", "object", "array", "null"), json);
      case "required":
      case "x-kubernetes-list-map-keys":
        return mostly(fc.array(t.propertyName, { maxLength: 3 }), json);
      case "x-kubernetes-list-type":
        return mostly(fc.constantFrom("atomic", "set", "map"), json);
      case "x-kubernetes-map-type":
        return mostly(fc.constantFrom("atomic", "granular"), json);
      case "items":
      case "additionalProperties":
      case "not":
        return mostly(schema, json);
      case "properties":
        return mostly(fc.uniqueArray(fc.tuple(t.propertyName, schema), { selector: (e) => e[0], maxLength: 3 }).map(entries), json);
      case "allOf":
      case "anyOf":
      case "oneOf":
        return mostly(fc.array(schema, { minLength: 1, maxLength: 2 }), json);
      case "x-kubernetes-validations":
        return mostly(fc.array(fc.record({ rule: t.text, message: t.text }), { maxLength: 2 }), json);
      default:
        return mostly(fc.boolean(), json);
    }
  };
  const nameValue = (field: NameField): fc.Arbitrary<string> =>
    field === "kind" || field === "listKind" ? names.kind : field === "group" ? names.group : field === "version" ? names.version : names.label;
  return fc.oneof(
    { weight: 4, arbitrary: fc.record({ op: fc.constant("renameProperty" as const), target, name: t.propertyName }) },
    {
      weight: 5,
      arbitrary: fc.constantFrom(...SCHEMA_KEYWORDS).chain((key) => fc.record({ op: fc.constant("setKeyword" as const), target, key: fc.constant(key), value: keywordValue(key) })),
    },
    { weight: 2, arbitrary: fc.record({ op: fc.constant("payloadEverywhere" as const), target, payload: t.payload }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant("addProperty" as const), target, name: t.propertyName, schema }) },
    ...(hostile
      ? [
          { weight: 3, arbitrary: fc.record({ op: fc.constant("replaceValue" as const), target, shallow: fc.boolean(), value: json }) },
          { weight: 2, arbitrary: fc.record({ op: fc.constant("deleteKey" as const), target, shallow: fc.boolean() }) },
          { weight: 1, arbitrary: fc.record({ op: fc.constant("deleteRequired" as const), which: fc.nat(REQUIRED.length - 1) }) },
        ]
      : []),
    {
      weight: 1,
      arbitrary: fc.record({ op: fc.constant("duplicateVersion" as const), target, name: hostile ? fc.option(names.version) : names.version, storage: hostile ? fc.boolean() : fc.constant(false) }),
    },
    {
      weight: 3,
      arbitrary: fc
        .constantFrom<NameField>("kind", "plural", "singular", "listKind", "group", "version", "shortNames", "categories")
        .chain((field) => fc.record({ op: fc.constant("setName" as const), field: fc.constant(field), value: nameValue(field), sync: fc.boolean() })),
    },
    ...(hostile ? [{ weight: 1, arbitrary: fc.record({ op: fc.constant("duplicateDocument" as const), version: fc.option(names.version) }) }] : []),
  ) as fc.Arbitrary<Mutation>;
}

/** A case: a file index (from `file`), a document index (modulo the file's documents), 1..maxMutations mutations, an output format. */
export function crdMutationCaseArb(mutation: fc.Arbitrary<Mutation>, file: fc.Arbitrary<number>, maxMutations: number): fc.Arbitrary<CrdMutationCase> {
  return fc.record({
    file,
    doc: fc.nat(),
    mutations: fc.array(mutation, { minLength: 1, maxLength: maxMutations }),
    format: fc.constantFrom("yaml" as const, "json" as const),
  });
}

// ---- Applying --------------------------------------------------------------

type Container = Record<string, Json> | Json[];

function isMap(v: unknown): v is Record<string, Json> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function own(o: Record<string, Json>, k: string): Json | undefined {
  return Object.hasOwn(o, k) ? o[k] : undefined;
}

/** Sets an own property (also `__proto__`) without invoking setters. */
function put(o: Record<string, Json>, k: string, v: Json): void {
  Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
}

/** Every schema node (a map) of every version's openAPIV3Schema (and spec.validation), in document order. */
export function schemaNodes(crd: Json): Record<string, Json>[] {
  const out: Record<string, Json>[] = [];
  const seen = new Set<object>();
  const walk = (s: Json | undefined, depth: number): void => {
    if (!isMap(s) || seen.has(s) || depth > 80) return;
    seen.add(s);
    out.push(s);
    for (const k of ["properties", "patternProperties", "definitions"]) {
      const m = own(s, k);
      if (isMap(m)) for (const v of Object.values(m)) walk(v, depth + 1);
    }
    for (const k of ["items", "additionalProperties", "not", "additionalItems"]) walk(own(s, k), depth + 1);
    for (const k of ["allOf", "anyOf", "oneOf"]) {
      const l = own(s, k);
      if (Array.isArray(l)) for (const v of l) walk(v, depth + 1);
    }
  };
  if (!isMap(crd)) return out;
  const spec = own(crd, "spec");
  if (!isMap(spec)) return out;
  const validation = own(spec, "validation");
  if (isMap(validation)) walk(own(validation, "openAPIV3Schema"), 0);
  const versions = own(spec, "versions");
  if (Array.isArray(versions)) {
    for (const v of versions) {
      const schema = isMap(v) ? own(v, "schema") : undefined;
      if (isMap(schema)) walk(own(schema, "openAPIV3Schema"), 0);
    }
  }
  return out;
}

/** Every (container, key) slot of a document; `maxDepth` limits how deep. */
function slots(root: Json, maxDepth: number): [Container, string | number][] {
  const out: [Container, string | number][] = [];
  const stack: [Json, number][] = [[root, 0]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (d >= maxDepth) continue;
    if (Array.isArray(v)) {
      v.forEach((x, i) => {
        out.push([v, i]);
        stack.push([x, d + 1]);
      });
    } else if (isMap(v)) {
      for (const k of Object.keys(v)) {
        out.push([v, k]);
        stack.push([v[k]!, d + 1]);
      }
    }
  }
  return out;
}

function pick<T>(list: readonly T[], i: number): T | undefined {
  return list.length === 0 ? undefined : list[i % list.length];
}

function renameKey(o: Record<string, Json>, from: string, to: string): Record<string, Json> {
  const r: Record<string, Json> = {};
  for (const k of Object.keys(o)) put(r, k === from ? to : k, o[k]!);
  return r;
}

function at(doc: Json, path: readonly (string | number)[]): Json | undefined {
  let v: Json | undefined = doc;
  for (const p of path) {
    if (typeof p === "number") v = Array.isArray(v) ? v[p] : undefined;
    else v = isMap(v) ? own(v, p) : undefined;
  }
  return v;
}

function namesOf(doc: Json): Record<string, Json> | undefined {
  const n = at(doc, ["spec", "names"]);
  return isMap(n) ? n : undefined;
}

/**
 * Applies one mutation to `docs[index]` in place (docs may grow: duplicateDocument).
 * A mutation whose target kind the document no longer has does nothing.
 */
function applyOne(docs: Json[], index: number, m: Mutation): void {
  const doc = docs[index]!;
  switch (m.op) {
    case "renameProperty": {
      const owners = schemaNodes(doc).filter((s) => isMap(own(s, "properties")) && Object.keys(own(s, "properties") as object).length > 0);
      const owner = pick(owners, m.target);
      if (!owner) return;
      const props = owner["properties"] as Record<string, Json>;
      const keys = Object.keys(props);
      put(owner, "properties", renameKey(props, keys[Math.floor(m.target / owners.length) % keys.length]!, m.name));
      return;
    }
    case "setKeyword": {
      const node = pick(schemaNodes(doc), m.target);
      if (node) put(node, m.key, structuredClone(m.value));
      return;
    }
    case "payloadEverywhere": {
      const node = pick(schemaNodes(doc), m.target);
      if (!node) return;
      put(node, "description", m.payload);
      const props = own(node, "properties");
      if (isMap(props)) {
        put(props, m.payload, { type: "string", description: m.payload, enum: [m.payload, `${m.payload}2`], default: m.payload, pattern: m.payload, format: m.payload });
        put(props, `${m.payload}obj`, { type: "object", description: m.payload, properties: { [m.payload]: { type: "integer", default: 1, description: m.payload } } });
      }
      return;
    }
    case "addProperty": {
      const objects = schemaNodes(doc).filter((s) => isMap(own(s, "properties")));
      const node = pick(objects, m.target);
      if (node) put(node["properties"] as Record<string, Json>, m.name, structuredClone(m.schema));
      return;
    }
    case "replaceValue": {
      const slot = pick(slots(doc, m.shallow ? 4 : Infinity), m.target);
      if (!slot) return;
      const [c, k] = slot;
      const value = structuredClone(m.value);
      if (Array.isArray(c)) c[k as number] = value;
      else put(c, k as string, value);
      return;
    }
    case "deleteKey": {
      const slot = pick(
        slots(doc, m.shallow ? 5 : Infinity).filter(([c]) => !Array.isArray(c)),
        m.target,
      );
      if (slot) delete (slot[0] as Record<string, Json>)[slot[1] as string];
      return;
    }
    case "deleteRequired": {
      const path = REQUIRED[m.which]!;
      const parent = at(doc, path.slice(0, -1));
      const last = path[path.length - 1]!;
      if (Array.isArray(parent) && typeof last === "number") parent.splice(last, 1);
      else if (isMap(parent) && typeof last === "string") delete parent[last];
      return;
    }
    case "duplicateVersion": {
      const versions = at(doc, ["spec", "versions"]);
      if (!Array.isArray(versions)) return;
      const v = pick(versions, m.target);
      if (v === undefined) return;
      const copy = structuredClone(v);
      if (isMap(copy)) {
        if (m.name !== null) put(copy, "name", m.name);
        put(copy, "storage", m.storage);
      }
      versions.push(copy);
      return;
    }
    case "setName": {
      const names = namesOf(doc);
      const spec = at(doc, ["spec"]);
      if (!names || !isMap(spec)) return;
      switch (m.field) {
        case "group":
          put(spec, "group", m.value);
          break;
        case "version": {
          const versions = own(spec, "versions");
          const v = Array.isArray(versions) ? versions[0] : undefined;
          if (isMap(v)) put(v, "name", m.value);
          break;
        }
        case "shortNames":
        case "categories":
          put(names, m.field, [m.value]);
          break;
        default:
          put(names, m.field, m.value);
      }
      if (m.sync) {
        // Keep metadata.name = plural.group, so the case gets past that check to the emitters.
        const metadata = own(doc as Record<string, Json>, "metadata");
        const plural = own(names, "plural");
        const group = own(spec, "group");
        if (isMap(metadata) && typeof plural === "string" && typeof group === "string") put(metadata, "name", `${plural}.${group}`);
      }
      return;
    }
    case "duplicateDocument": {
      const copy = structuredClone(doc);
      if (m.version !== null) {
        const versions = at(copy, ["spec", "versions"]);
        if (Array.isArray(versions) && isMap(versions[0])) put(versions[0], "name", m.version);
      }
      docs.push(copy);
      return;
    }
  }
}

/**
 * The documents of a CRD file after the case's mutations (a deep copy; `original` is not touched).
 * Values are copied in too: fast-check hands the same value objects to every run that shrinks
 * them, and later mutations edit what earlier ones inserted.
 */
export function applyMutations(original: readonly Json[], c: CrdMutationCase): Json[] {
  const docs = original.map((d) => structuredClone(d));
  if (docs.length === 0) return docs;
  const index = c.doc % docs.length;
  for (const m of c.mutations) applyOne(docs, index, m);
  return docs;
}

/** Parses a YAML stream into plain documents (YAML 1.2, as the generator reads it). */
export function parseDocuments(text: string): Json[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS({ maxAliasCount: -1 }) as Json)
    .filter((d) => d !== null && d !== undefined);
}

/** Writes documents back as one YAML stream: block YAML, or one JSON text per document. */
export function serialiseDocuments(docs: readonly Json[], format: "yaml" | "json"): string {
  return docs
    .map((d) => (format === "json" ? `${JSON.stringify(d, null, 1)}\n` : stringify(d, { aliasDuplicateObjects: false, lineWidth: 0 })))
    .join("---\n");
}

/** True when some document would be read as a CRD (kind CustomResourceDefinition). */
export function hasCrdDocument(docs: readonly Json[]): boolean {
  return docs.some((d) => isMap(d) && own(d, "kind") === "CustomResourceDefinition");
}

export type { JsonObject };
