// A minimal object that a CRD version's schema accepts, for the scaffold's
// test and README: required fields only, each filled from its default, first
// enum value or smallest allowed value. Best effort (patterns and CEL rules
// are not solved); the scaffold says where to edit it.

import type { Schema } from "../load/schema.js";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function typeOf(s: Schema): string | undefined {
  return Array.isArray(s.type) ? s.type.find((t) => t !== "null") : s.type;
}

/** A value for `schema`; `name` seeds strings so they read as examples. */
export function sampleValue(schema: Schema, name = "example", depth = 0): Json {
  if (schema.default !== undefined) return schema.default as Json;
  if (schema.enum && schema.enum.length > 0) return schema.enum[0] as Json;
  if (schema["x-kubernetes-int-or-string"]) return 1;
  if (depth > 20) return {};
  switch (typeOf(schema)) {
    case "string": {
      if (schema.format === "date-time") return "2025-01-01T00:00:00Z";
      if (schema.format === "date") return "2025-01-01";
      let s = name.toLowerCase().replace(/[^a-z0-9-]/g, "") || "example";
      if (schema.maxLength !== undefined && s.length > schema.maxLength) s = s.slice(0, schema.maxLength);
      if (schema.minLength !== undefined) while (s.length < schema.minLength) s += "x";
      return s;
    }
    case "integer":
    case "number": {
      const min = typeof schema.minimum === "number" ? schema.minimum + (schema.exclusiveMinimum === true ? 1 : 0) : undefined;
      const max = typeof schema.maximum === "number" ? schema.maximum : undefined;
      if (min !== undefined) return min;
      if (max !== undefined && max < 1) return max;
      return 1;
    }
    case "boolean":
      return false;
    case "array": {
      const items = Array.isArray(schema.items) ? schema.items[0] : schema.items;
      const n = schema.minItems ?? 0;
      return Array.from({ length: n }, (_, i) => (items ? sampleValue(items, `${name}${i}`, depth + 1) : {}));
    }
    case "object":
    default:
      return sampleObject(schema, depth);
  }
}

function sampleObject(schema: Schema, depth: number): { [key: string]: Json } {
  const out: { [key: string]: Json } = {};
  for (const key of schema.required ?? []) {
    const prop = schema.properties?.[key];
    out[key] = prop ? sampleValue(prop, key, depth + 1) : "example";
  }
  return out;
}

/**
 * The fields below metadata of a sample object: `spec` (with its required
 * fields) when the schema has one, plus any other required top-level field
 * except `status`.
 */
export function sampleBody(root: Schema): Record<string, Json> {
  const out: Record<string, Json> = {};
  const props = root.properties ?? {};
  for (const [key, prop] of Object.entries(props)) {
    if (key === "apiVersion" || key === "kind" || key === "metadata" || key === "status") continue;
    if (key === "spec" || root.required?.includes(key)) out[key] = sampleValue(prop, key, 1);
  }
  return out;
}
