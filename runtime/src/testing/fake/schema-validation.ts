// Decoding and validation of custom resources against their structural schema, as
// kube-apiserver does for CRDs (apiextensions-apiserver pkg/apiserver/schema/pruning,
// pkg/apiserver/validation and kube-openapi pkg/validation/validate): pruneObject() drops
// fields the schema does not declare (reporting each as the server's `unknown field "spec.x"`
// warning) and nulls on non-nullable fields; validateObject() returns the field errors the
// server's 422 lists, with the same types, paths and messages: required fields first, then
// properties by name (the server visits properties in Go map order, so its order varies).

import { fieldInvalid, fieldNotSupported, fieldRequired, type FieldError } from "../../errors/constructors.js";
import type { ValidationNode, ValidationSchema, ValidationStruct } from "./validation-schema.js";

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Fields every object has; the schema's own description of them is not used. */
const TYPE_META = new Set(["apiVersion", "kind", "metadata"]);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function child(path: string, name: string): string {
  return path ? `${path}.${name}` : name;
}

function structOf(schema: ValidationSchema, node: ValidationNode): ValidationStruct | undefined {
  return node.ref !== undefined ? schema.types[node.ref] : undefined;
}

/**
 * Removes what the schema does not declare from `value` (in place) and returns the removed
 * paths in the server's warning form (`unknown field "spec.ports[0].bogus"`). Nulls on
 * non-nullable properties are dropped without a warning, as the server does.
 */
export function pruneObject(schema: ValidationSchema, root: string, value: Record<string, unknown>): string[] {
  const warnings: string[] = [];
  const rootStruct = schema.types[root];
  if (rootStruct) pruneStruct(schema, rootStruct, value, "", warnings, true);
  return warnings.map((p) => `unknown field ${JSON.stringify(p)}`);
}

function pruneStruct(schema: ValidationSchema, s: ValidationStruct, obj: Record<string, unknown>, path: string, out: string[], root = false): void {
  for (const key of Object.keys(obj)) {
    if (root && TYPE_META.has(key)) continue;
    const prop = Object.prototype.hasOwnProperty.call(s.properties, key) ? s.properties[key] : undefined;
    const node = prop ?? s.additional;
    if (!node) {
      if (!s.preserveUnknown) {
        delete obj[key];
        out.push(child(path, key));
      }
      continue;
    }
    if (obj[key] === null) {
      if (!node.nullable) delete obj[key];
      continue;
    }
    pruneValue(schema, node, obj[key], child(path, key), out);
  }
}

function pruneValue(schema: ValidationSchema, node: ValidationNode, value: unknown, path: string, out: string[]): void {
  if (Array.isArray(value)) {
    if (node.items) value.forEach((v, i) => pruneValue(schema, node.items!, v, `${path}[${i}]`, out));
    return;
  }
  if (!isObject(value)) return;
  const s = structOf(schema, node);
  if (s) return pruneStruct(schema, s, value, path, out);
  if (node.values) {
    for (const [k, v] of Object.entries(value)) {
      if (v === null && !node.values.nullable) delete value[k];
      else pruneValue(schema, node.values, v, child(path, k), out);
    }
  }
}

/** The JSON type name kube-openapi reports for a value. */
function jsonType(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

function typeMatches(type: NonNullable<ValidationNode["type"]>, v: unknown): boolean {
  const t = jsonType(v);
  switch (type) {
    case "number":
      return t === "number" || t === "integer";
    case "int-or-string":
      return t === "integer" || t === "string";
    default:
      return t === type;
  }
}

function jsonEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

// Formats the API server checks on strings (kube-openapi pkg/validation/strfmt, the subset
// CRD authors use). Unknown formats are not checked, as on the server.
const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const FORMATS: Record<string, (s: string) => boolean> = {
  "date-time": (s) => /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.test(s) && !Number.isNaN(Date.parse(s.replace(" ", "T"))),
  date: (s) => /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(s)),
  uuid: (s) => UUID.test(s),
  uuid3: (s) => /^[0-9a-f]{8}-?[0-9a-f]{4}-?3[0-9a-f]{3}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(s),
  uuid4: (s) => /^[0-9a-f]{8}-?[0-9a-f]{4}-?4[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$/i.test(s),
  uuid5: (s) => /^[0-9a-f]{8}-?[0-9a-f]{4}-?5[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$/i.test(s),
  byte: (s) => /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(s),
  ipv4: (s) => /^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/.test(s),
  hostname: (s) => s.length <= 255 && /^[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?)*$/.test(s),
  email: (s) => /^[^\s@]+@[^\s@]+$/.test(s),
};

function compilePattern(p: string): RegExp | undefined {
  try {
    return new RegExp(p, "u");
  } catch {
    try {
      return new RegExp(p);
    } catch {
      return undefined;
    }
  }
}

/**
 * The field errors of `value` against the schema's type `root`, in the order the server lists
 * them. `fieldPrefix` prefixes field paths (`status` when only the status is validated), while
 * the "in body" names in messages stay relative to what is validated, as on the server.
 */
export function validateObject(schema: ValidationSchema, root: string, value: Record<string, unknown>, only?: "status"): FieldError[] {
  const errors: FieldError[] = [];
  const s = schema.types[root];
  if (!s) return errors;
  if (only === "status") {
    const node = s.properties.status;
    if (node && value.status !== undefined) validateValue(schema, node, value.status, "status", "", errors);
    return errors;
  }
  const body: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (!TYPE_META.has(k)) body[k] = v;
  validateStruct(schema, s, body, "", "", errors);
  return errors;
}

function validateStruct(schema: ValidationSchema, s: ValidationStruct, obj: Record<string, unknown>, field: string, body: string, out: FieldError[]): void {
  const count = Object.keys(obj).length;
  if (s.maxProperties !== undefined && count > s.maxProperties) out.push(tooMany(field, count, s.maxProperties));
  if (s.minProperties !== undefined && count < s.minProperties) {
    out.push(fieldInvalid(field, count, `${body || "body"} in body should have at least ${s.minProperties} properties`));
  }
  for (const r of s.required ?? []) if (obj[r] === undefined) out.push(fieldRequired(child(field, r)));
  for (const key of Object.keys(obj).sort()) {
    const node = Object.prototype.hasOwnProperty.call(s.properties, key) ? s.properties[key] : s.additional;
    if (node) validateValue(schema, node, obj[key], child(field, key), child(body, key), out);
  }
}

function tooMany(field: string, n: number, max: number): FieldError {
  return { type: "FieldValueTooMany", field, badValue: n, detail: `must have at most ${max} items` };
}

function validateValue(schema: ValidationSchema, node: ValidationNode, v: unknown, field: string, body: string, out: FieldError[]): void {
  if (v === null && node.nullable) return;
  const named = body || field;
  if (node.type && !typeMatches(node.type, v)) {
    const type = node.type === "int-or-string" ? "integer,string" : node.type;
    out.push({ type: "FieldValueTypeInvalid", field, badValue: jsonType(v), detail: `${named} in body must be of type ${type}: ${JSON.stringify(jsonType(v))}` });
    if (node.type === "integer" && jsonType(v) === "number" && !node.format) {
      // kube-openapi's format check of integers adds this second, path-less error.
      out.push(fieldInvalid("<nil>", "", `Checked value must be of type integer (default format) in ${named}`));
    }
    if (node.enum && !node.enum.some((e) => jsonEqual(e, v))) out.push(notSupported(field, v, node.enum));
    return;
  }
  if (node.enum && !node.enum.some((e) => jsonEqual(e, v))) out.push(notSupported(field, v, node.enum));
  if (typeof v === "string") {
    const check = node.format ? FORMATS[node.format] : undefined;
    if (check && !check(v)) {
      out.push({ type: "FieldValueTypeInvalid", field, badValue: v, detail: `${named} in body must be of type ${node.format}: ${JSON.stringify(v)}` });
    }
    // kube-openapi's string validator reports only the first of these that fails.
    const length = [...v].length;
    if (node.maxLength !== undefined && length > node.maxLength) {
      out.push({ type: "FieldValueTooLong", field, badValue: v, detail: `may not be more than ${node.maxLength} bytes` });
    } else if (node.minLength !== undefined && length < node.minLength) {
      out.push(fieldInvalid(field, v, `${named} in body should be at least ${node.minLength} chars long`));
    } else if (node.pattern !== undefined && !compilePattern(node.pattern)?.test(v)) {
      out.push(fieldInvalid(field, v, `${named} in body should match '${node.pattern}'`));
    }
    return;
  }
  if (typeof v === "number") {
    if (node.minimum !== undefined) {
      if (node.exclusiveMinimum ? v <= node.minimum : v < node.minimum) {
        out.push(fieldInvalid(field, v, `${named} in body should be greater than ${node.exclusiveMinimum ? "" : "or equal to "}${node.minimum}`));
      }
    }
    if (node.maximum !== undefined) {
      if (node.exclusiveMaximum ? v >= node.maximum : v > node.maximum) {
        out.push(fieldInvalid(field, v, `${named} in body should be less than ${node.exclusiveMaximum ? "" : "or equal to "}${node.maximum}`));
      }
    }
    return;
  }
  if (Array.isArray(v)) {
    if (node.maxItems !== undefined && v.length > node.maxItems) out.push(tooMany(field, v.length, node.maxItems));
    if (node.minItems !== undefined && v.length < node.minItems) out.push(fieldInvalid(field, v.length, `${named} in body should have at least ${node.minItems} items`));
    if (node.uniqueItems) {
      const seen = new Set<string>();
      for (const item of v) {
        const k = JSON.stringify(item);
        if (seen.has(k)) out.push({ type: "FieldValueDuplicate", field, badValue: item as Json });
        seen.add(k);
      }
    }
    if (node.items) v.forEach((item, i) => validateValue(schema, node.items!, item, `${field}[${i}]`, `${body}[${i}]`, out));
    return;
  }
  if (isObject(v)) {
    const s = structOf(schema, node);
    const count = Object.keys(v).length;
    if (node.maxProperties !== undefined && count > node.maxProperties) out.push(tooMany(field, count, node.maxProperties));
    if (node.minProperties !== undefined && count < node.minProperties) {
      out.push(fieldInvalid(field, count, `${named} in body should have at least ${node.minProperties} properties`));
    }
    if (s) return validateStruct(schema, s, v, field, body, out);
    if (node.values) for (const k of Object.keys(v).sort()) validateValue(schema, node.values, v[k], child(field, k), child(body, k), out);
  }
}

function notSupported(field: string, v: unknown, values: readonly unknown[]): FieldError {
  const e = fieldNotSupported(field, v, []);
  return { ...e, detail: `supported values: ${values.map((x) => JSON.stringify(x)).join(", ")}` };
}
