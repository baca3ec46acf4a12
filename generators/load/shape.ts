// Shape checks for untrusted schemas: every JSON Schema keyword Kubernetes
// uses must hold a value of the right JSON type (a string `description`, a
// list `anyOf`, a map `properties`, one schema in `items`...), and nesting is
// bounded, so the IR builder and the emitters can rely on the shapes and never
// recurse without limit. One problem is reported per bad place and the walk
// goes on, so a file's problems are listed together.
//
// Limits (kubegen's own; the API server has none this small, and real CRDs and
// the Kubernetes specs stay far below them: the deepest CRD schema in the
// corpus nests 19 levels, the deepest document 38):
// - MAX_DOCUMENT_DEPTH: a document nests at most 256 maps and lists.
// - MAX_SCHEMA_DEPTH: a schema nests at most 64 schema levels (each of
//   properties/x, items, additionalProperties, allOf/anyOf/oneOf/x, not is one).

import { pointerJoin } from "./schema.js";

/** At most this many maps and lists nest in one document (YAML or JSON). */
export const MAX_DOCUMENT_DEPTH = 256;
/** At most this many schema levels nest in one schema. */
export const MAX_SCHEMA_DEPTH = 64;

/** Receives one problem at a JSON pointer. */
export type Report = (pointer: string, message: string) => void;

/** The JSON type of a value, as a message names it: `a string`, `a list`, `a map`... */
export function jsonKind(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  switch (typeof v) {
    case "string":
      return "a string";
    case "number":
      return Number.isInteger(v) ? "an integer" : "a number";
    case "boolean":
      return "a boolean";
    case "object":
      return "a map";
    default:
      return typeof v;
  }
}

/** A JSON object (a map), not a list or null. */
export function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The own property `key` of a map (never an inherited one such as `constructor`). */
export function own(obj: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/**
 * The pointer of the first place in `value` nested deeper than `limit` maps
 * and lists, or undefined. Iterative, so any depth is safe to check.
 */
export function tooDeep(value: unknown, limit: number = MAX_DOCUMENT_DEPTH): string | undefined {
  interface Frame {
    readonly v: object;
    readonly depth: number;
    readonly parent?: Frame;
    readonly key?: string;
  }
  const pointer = (f: Frame): string => {
    const keys: string[] = [];
    for (let p: Frame | undefined = f; p?.key !== undefined; p = p.parent) keys.push(p.key);
    return pointerJoin("", ...keys.reverse());
  };
  if (typeof value !== "object" || value === null) return undefined;
  const stack: Frame[] = [{ v: value, depth: 1 }];
  while (stack.length > 0) {
    const f = stack.pop()!;
    if (f.depth > limit) return pointer(f);
    if (Array.isArray(f.v)) {
      for (let i = f.v.length - 1; i >= 0; i--) {
        const child: unknown = f.v[i];
        if (typeof child === "object" && child !== null) stack.push({ v: child, depth: f.depth + 1, parent: f, key: String(i) });
      }
    } else {
      const keys = Object.keys(f.v);
      for (let i = keys.length - 1; i >= 0; i--) {
        const child: unknown = (f.v as Record<string, unknown>)[keys[i]!];
        if (typeof child === "object" && child !== null) stack.push({ v: child, depth: f.depth + 1, parent: f, key: keys[i]! });
      }
    }
  }
  return undefined;
}

/** The message for a document that nests deeper than MAX_DOCUMENT_DEPTH. */
export const TOO_DEEP_DOCUMENT =
  `the document nests too deep: more than ${MAX_DOCUMENT_DEPTH} levels of maps and lists (kubegen's limit; a schema may nest at most ${MAX_SCHEMA_DEPTH} levels)`;

/** Options for {@link checkSchema}. */
export interface SchemaCheckOptions {
  /** CRD schemas: the apiextensions rules that differ from OpenAPI's (list-type and map-type values). */
  readonly crd?: boolean;
}

/** What checks one keyword's value: report problems at `at(...)`, walk sub-schemas with `child`. */
interface KeywordContext {
  readonly key: string;
  readonly value: unknown;
  readonly at: (...segments: (string | number)[]) => string;
  readonly report: Report;
  readonly child: (schema: unknown, pointer: string) => void;
  readonly options: SchemaCheckOptions;
}
type KeywordCheck = (c: KeywordContext) => void;

const typed =
  (what: string, test: (v: unknown) => boolean): KeywordCheck =>
  ({ key, value, at, report }) => {
    if (!test(value)) report(at(), `\`${key}\` must be ${what}, got ${jsonKind(value)}`);
  };
const isString = (v: unknown): boolean => typeof v === "string";
const isBoolean = (v: unknown): boolean => typeof v === "boolean";
const isNumber = (v: unknown): boolean => typeof v === "number" && Number.isFinite(v);
const isCount = (v: unknown): boolean => typeof v === "number" && Number.isInteger(v) && v >= 0;

const stringList: KeywordCheck = ({ key, value, at, report }) => {
  if (!Array.isArray(value)) return report(at(), `\`${key}\` must be a list of strings, got ${jsonKind(value)}`);
  value.forEach((x, i) => {
    if (typeof x !== "string") report(at(i), `\`${key}\` entries must be strings, got ${jsonKind(x)}`);
  });
};
const oneOfStrings =
  (values: readonly string[]): KeywordCheck =>
  (c) => {
    typed("a string", isString)(c);
    if (c.options.crd && typeof c.value === "string" && !values.includes(c.value)) {
      c.report(c.at(), `\`${c.key}\` must be ${values.join(", ").replace(/, (\w+)$/, " or $1")}, got ${JSON.stringify(c.value)}`);
    }
  };
const schemaMap: KeywordCheck = ({ key, value, at, report, child }) => {
  if (!isMap(value)) return report(at(), `\`${key}\` must be a map of schemas, got ${jsonKind(value)}`);
  for (const [name, sub] of Object.entries(value)) {
    // `dependencies` values may also be lists of property names.
    if (key === "dependencies" && Array.isArray(sub)) continue;
    child(sub, at(name));
  }
};
const schemaList: KeywordCheck = ({ key, value, at, report, child }) => {
  if (!Array.isArray(value)) return report(at(), `\`${key}\` must be a list of schemas, got ${jsonKind(value)}`);
  value.forEach((sub, i) => child(sub, at(i)));
};
const schemaOrBoolean: KeywordCheck = ({ key, value, at, report, child }) => {
  if (typeof value === "boolean") return;
  if (isMap(value)) child(value, at());
  else report(at(), `\`${key}\` must be a boolean or a schema (a map), got ${jsonKind(value)}`);
};
const VALIDATION_STRING_FIELDS = ["rule", "message", "messageExpression", "fieldPath", "reason"] as const;

/** Every keyword whose value kubegen reads or passes on, and its check. Other keys (`default`, `example`, `x-*`) may hold any JSON. */
const KEYWORDS = new Map<string, KeywordCheck>([
  ...["$ref", "$schema", "id", "format", "description", "title", "pattern", "x-kubernetes-patch-strategy", "x-kubernetes-patch-merge-key"].map(
    (k): [string, KeywordCheck] => [k, typed("a string", isString)],
  ),
  ["x-kubernetes-list-type", oneOfStrings(["atomic", "set", "map"])],
  ["x-kubernetes-map-type", oneOfStrings(["atomic", "granular"])],
  ...["nullable", "uniqueItems", "readOnly", "writeOnly", "deprecated", "x-kubernetes-int-or-string", "x-kubernetes-preserve-unknown-fields", "x-kubernetes-embedded-resource"].map(
    (k): [string, KeywordCheck] => [k, typed("a boolean", isBoolean)],
  ),
  ...["minimum", "maximum", "multipleOf"].map((k): [string, KeywordCheck] => [k, typed("a number", isNumber)]),
  ...["minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties"].map((k): [string, KeywordCheck] => [k, typed("a non-negative integer", isCount)]),
  ...["exclusiveMinimum", "exclusiveMaximum"].map((k): [string, KeywordCheck] => [k, typed("a boolean or a number", (v) => isBoolean(v) || isNumber(v))]),
  [
    "type",
    ({ value, at, report }) => {
      if (!Array.isArray(value)) {
        if (typeof value !== "string") report(at(), `\`type\` must be a string, got ${jsonKind(value)}`);
        return;
      }
      if (value.length === 0) report(at(), "`type` must be a string or a non-empty list of strings, got an empty list");
      value.forEach((x, i) => {
        if (typeof x !== "string") report(at(i), `\`type\` entries must be strings, got ${jsonKind(x)}`);
      });
    },
  ],
  ["enum", typed("a list", Array.isArray)],
  ["required", stringList],
  ["x-kubernetes-list-map-keys", stringList],
  [
    "x-kubernetes-validations",
    ({ value, at, report }) => {
      if (!Array.isArray(value)) return report(at(), `\`x-kubernetes-validations\` must be a list of rules, got ${jsonKind(value)}`);
      value.forEach((r, i) => {
        if (!isMap(r)) return report(at(i), `a validation rule must be a map, got ${jsonKind(r)}`);
        for (const f of VALIDATION_STRING_FIELDS) {
          if (Object.hasOwn(r, f) && typeof r[f] !== "string") report(at(i, f), `\`${f}\` must be a string, got ${jsonKind(r[f])}`);
        }
        if (Object.hasOwn(r, "optionalOldSelf") && typeof r.optionalOldSelf !== "boolean") {
          report(at(i, "optionalOldSelf"), `\`optionalOldSelf\` must be a boolean, got ${jsonKind(r.optionalOldSelf)}`);
        }
      });
    },
  ],
  ["externalDocs", typed("a map", isMap)],
  ...["properties", "patternProperties", "definitions", "dependencies"].map((k): [string, KeywordCheck] => [k, schemaMap]),
  ...["allOf", "anyOf", "oneOf"].map((k): [string, KeywordCheck] => [k, schemaList]),
  [
    "items",
    ({ value, at, report, child }) => {
      if (Array.isArray(value)) report(at(), "`items` must be one schema (a map), not a list: the API server accepts no tuple schemas");
      else if (!isMap(value)) report(at(), `\`items\` must be a schema (a map), got ${jsonKind(value)}`);
      else child(value, at());
    },
  ],
  ["additionalProperties", schemaOrBoolean],
  ["additionalItems", schemaOrBoolean],
  ["not", ({ value, at, child }) => child(value, at())],
]);

/**
 * Checks the JSON types of every keyword in a schema tree, reporting each bad
 * place once and going on. Returns false when anything was reported.
 */
export function checkSchema(schema: unknown, pointer: string, report: Report, options: SchemaCheckOptions = {}): boolean {
  let ok = true;
  const bad: Report = (p, m) => {
    ok = false;
    report(p, m);
  };
  walkSchema(schema, pointer, 1, bad, options);
  return ok;
}

function walkSchema(s: unknown, pointer: string, depth: number, report: Report, options: SchemaCheckOptions): void {
  if (!isMap(s)) {
    report(pointer, `a schema must be a map, got ${jsonKind(s)}`);
    return;
  }
  if (depth > MAX_SCHEMA_DEPTH) {
    report(pointer, `the schema nests too deep: more than ${MAX_SCHEMA_DEPTH} levels of properties, items, additionalProperties, allOf/anyOf/oneOf or not (kubegen's limit)`);
    return;
  }
  const child = (v: unknown, p: string): void => walkSchema(v, p, depth + 1, report, options);
  for (const key of Object.keys(s)) {
    const check = KEYWORDS.get(key);
    if (check) check({ key, value: s[key], at: (...more) => pointerJoin(pointer, key, ...more), report, child, options });
  }
}
