// JSON Schema -> TypeRef/TypeDef, shared by the OpenAPI and CRD builders.
// Every Kubernetes marker is carried into the IR (int-or-string in both
// spellings, preserve-unknown-fields, embedded-resource, list/map types,
// patch strategy, CEL rules, defaults, enums, formats). Shapes we cannot type
// degrade to `unknown` with a warning; nothing here throws on a schema.

import type { Schema } from "../load/schema.js";
import { pointerJoin } from "../load/schema.js";
import { unionBranchSegment } from "./naming.js";
import type { Docs, Field, Json, ListSemantics, MapType, RuntimeType, TypeDef, TypeRef, ValidationRule } from "./types.js";

/** What the conversion needs from its caller. */
export interface SchemaContext {
  readonly file: string;
  /** Resolves a `$ref` (reporting dangling ones) to a type. */
  resolveRef(ref: string, pointer: string): TypeRef;
  /** Declares a named object type for an inline object schema and returns a reference to it. */
  hoist(schema: Schema, pointer: string, path: readonly string[]): TypeRef;
  /** Reports a problem at a pointer. */
  warn(pointer: string, message: string): void;
  /** CRDs: map sub-schemas shaped like ObjectMeta, Condition, LabelSelector... to the runtime's types. */
  readonly recogniseWellKnown: boolean;
}

const PRIMITIVES = new Set(["string", "integer", "number", "boolean"]);

function schemaType(s: Schema): { type?: string; nullable: boolean } {
  if (Array.isArray(s.type)) {
    const nonNull = s.type.filter((t) => t !== "null");
    const nullable = nonNull.length !== s.type.length;
    return { ...(nonNull.length === 1 ? { type: nonNull[0] } : {}), nullable };
  }
  return { ...(s.type !== undefined ? { type: s.type } : {}), nullable: false };
}

/** True when `s` is `nullable` in either OpenAPI spelling. */
export function isNullable(s: Schema | undefined): boolean {
  return !!s && (s.nullable === true || schemaType(s).nullable);
}

function asJson(v: unknown): Json | undefined {
  return v === undefined ? undefined : (JSON.parse(JSON.stringify(v)) as Json);
}

function validations(s: Schema): ValidationRule[] {
  const v = s["x-kubernetes-validations"];
  if (!Array.isArray(v)) return [];
  const str = (x: unknown): string | undefined => (typeof x === "string" && x !== "" ? x : undefined);
  return v
    .filter((r) => typeof r === "object" && r !== null && typeof r.rule === "string")
    .map((r) => {
      const message = str(r.message);
      const expression = str(r.messageExpression);
      const fieldPath = str(r.fieldPath);
      const reason = str(r.reason);
      return {
        rule: r.rule!,
        ...(message ? { message } : expression ? { message: `(expression) ${expression}` } : {}),
        ...(fieldPath ? { fieldPath } : {}),
        ...(reason ? { reason } : {}),
      };
    });
}

const CONSTRAINT_KEYS = [
  "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength", "pattern",
  "minItems", "maxItems", "uniqueItems", "minProperties", "maxProperties",
] as const;

function structuralGroups(s: Schema): string[][] | undefined {
  const branches = s.oneOf ?? s.anyOf;
  if (!Array.isArray(branches)) return undefined;
  const groups = branches
    .filter(isSchema)
    .map((b) => [...(Array.isArray(b.required) ? b.required.filter((r) => typeof r === "string") : []), ...Object.keys(isSchema(b.properties) ? b.properties : {})])
    .filter((g) => g.length > 0);
  return groups.length > 0 ? groups : undefined;
}

/** The documentation facts of a schema node. */
export function docsOf(s: Schema | undefined): Docs {
  if (!s) return { validations: [] };
  const constraints: Record<string, Json> = {};
  for (const k of CONSTRAINT_KEYS) if (s[k] !== undefined) constraints[k] = s[k] as Json;
  const groups = isTypedUnion(s) ? undefined : structuralGroups(s);
  const description = typeof s.description === "string" ? s.description : typeof s.title === "string" ? s.title : undefined;
  return {
    ...(description ? { description } : {}),
    ...(s.default !== undefined ? { default: asJson(s.default)! } : {}),
    validations: validations(s),
    ...(Object.keys(constraints).length > 0 ? { constraints } : {}),
    ...(groups ? { oneOfGroups: groups } : {}),
    ...(s["x-kubernetes-deprecated" as `x-${string}`] ? { deprecated: true } : {}),
  };
}

function isTypedUnion(s: Schema): boolean {
  const branches = s.anyOf ?? s.oneOf;
  if (!Array.isArray(branches) || branches.length === 0 || s.properties || s.items) return false;
  if (schemaType(s).type !== undefined) return false;
  return branches.every((b) => isSchema(b) && (b.$ref !== undefined || b.type !== undefined));
}

/** A schema node is a JSON object (the loader's shape check reports anything else). */
function isSchema(v: unknown): v is Schema {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function listSemantics(s: Schema): ListSemantics {
  const t = s["x-kubernetes-list-type"];
  const type = t === "set" || t === "map" || t === "atomic" ? t : "atomic";
  return {
    type,
    explicit: t !== undefined,
    mapKeys: Array.isArray(s["x-kubernetes-list-map-keys"]) ? s["x-kubernetes-list-map-keys"].filter((k) => typeof k === "string") : [],
    ...(typeof s["x-kubernetes-patch-strategy"] === "string" && s["x-kubernetes-patch-strategy"] ? { patchStrategy: s["x-kubernetes-patch-strategy"] } : {}),
    ...(typeof s["x-kubernetes-patch-merge-key"] === "string" && s["x-kubernetes-patch-merge-key"] ? { patchMergeKey: s["x-kubernetes-patch-merge-key"] } : {}),
  };
}

function mapTypeOf(s: Schema): MapType {
  return s["x-kubernetes-map-type"] === "atomic" ? "atomic" : "granular";
}

function primitive(type: string, s: Schema): TypeRef {
  const e = Array.isArray(s.enum) ? s.enum.map((v) => asJson(v)!) : undefined;
  const extra = { ...(typeof s.format === "string" && s.format ? { format: s.format } : {}), ...(e ? { enum: e } : {}) };
  if (type === "boolean") return { kind: "boolean", ...(e ? { enum: e } : {}) };
  return { kind: type as "string" | "integer" | "number", ...extra };
}

const UNKNOWN_ANY: TypeRef = { kind: "unknown", json: "any" };
const UNKNOWN_OBJECT: TypeRef = { kind: "unknown", json: "object" };

/**
 * The pattern Kubernetes publishes for `resource.Quantity` (kube-openapi, and
 * controller-gen on CRD fields). An int-or-string node that carries it is a
 * quantity, typed like the built-ins' `io.k8s.apimachinery.pkg.api.resource.Quantity`.
 */
export const QUANTITY_PATTERN = String.raw`^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$`;
const QUANTITY: TypeRef = { kind: "ref", target: { runtime: "Quantity" } };

function keysEqual(props: Record<string, Schema> | undefined, keys: readonly string[]): boolean {
  if (!props) return false;
  const have = Object.keys(props).sort();
  const want = [...keys].sort();
  return have.length === want.length && have.every((k, i) => k === want[i]);
}

/** Recognises sub-schemas shaped exactly like the runtime's hand-written meta types. */
export function wellKnownShape(s: Schema): RuntimeType | undefined {
  const p = s.properties;
  if (keysEqual(p, ["type", "status", "lastTransitionTime", "reason", "message", "observedGeneration"])) return "Condition";
  if (keysEqual(p, ["matchLabels", "matchExpressions"])) {
    const items = p!.matchExpressions?.items;
    if (items && !Array.isArray(items) && keysEqual(items.properties, ["key", "operator", "values"])) return "LabelSelector";
  }
  if (keysEqual(p, ["apiVersion", "fieldPath", "kind", "name", "namespace", "resourceVersion", "uid"])) return "ObjectReference";
  if (keysEqual(p, ["apiVersion", "blockOwnerDeletion", "controller", "kind", "name", "uid"])) return "OwnerReference";
  return undefined;
}

/**
 * Converts one schema node to a TypeRef. `path` is the property path from the
 * enclosing named type, used to name hoisted sub-types.
 */
export function toTypeRef(s: Schema | undefined, pointer: string, path: readonly string[], ctx: SchemaContext): TypeRef {
  if (!isSchema(s)) {
    ctx.warn(pointer, "no schema: typed as unknown");
    return UNKNOWN_ANY;
  }
  if (typeof s.$ref === "string") return ctx.resolveRef(s.$ref, pointerJoin(pointer, "$ref"));
  // OpenAPI v3 from the API server wraps a $ref in allOf to attach a default or description.
  if (Array.isArray(s.allOf) && s.allOf.length === 1 && !s.properties && schemaType(s).type === undefined) {
    return toTypeRef(s.allOf[0], pointerJoin(pointer, "allOf", 0), path, ctx);
  }
  if (s["x-kubernetes-int-or-string"] === true || s.format === "int-or-string") {
    // controller-gen writes a resource.Quantity as int-or-string plus the quantity pattern
    return typeof s.pattern === "string" && s.pattern.trim() === QUANTITY_PATTERN ? QUANTITY : { kind: "intOrString" };
  }

  const { type } = schemaType(s);
  if (isTypedUnion(s)) {
    const branches = (s.anyOf ?? s.oneOf)!;
    const key = s.anyOf ? "anyOf" : "oneOf";
    const variants = branches.map((b, i) =>
      toTypeRef(b, pointerJoin(pointer, key, i), b.properties ? [...path, unionBranchSegment(i + 1)] : path, ctx),
    );
    return { kind: "union", variants };
  }

  const preserve = s["x-kubernetes-preserve-unknown-fields"] === true;
  const embedded = s["x-kubernetes-embedded-resource"] === true;
  if (embedded && (type === undefined || type === "object")) return ctx.hoist(s, pointer, path);
  if (preserve && !s.properties && !s.items && (s.additionalProperties === undefined || s.additionalProperties === false)) {
    return type === "object" ? UNKNOWN_OBJECT : type === "array" ? { kind: "array", items: UNKNOWN_ANY, list: listSemantics(s) } : type && PRIMITIVES.has(type) ? primitive(type, s) : UNKNOWN_ANY;
  }

  switch (type ?? (s.properties ? "object" : s.items ? "array" : s.additionalProperties ? "object" : undefined)) {
    case "string":
    case "integer":
    case "number":
    case "boolean":
      return primitive(type!, s);
    case "array": {
      const items = s.items;
      let itemType: TypeRef;
      if (items === undefined) {
        ctx.warn(pointer, "array without `items`: elements typed as unknown");
        itemType = UNKNOWN_ANY;
      } else if (Array.isArray(items)) {
        itemType = { kind: "union", variants: items.map((it, i) => toTypeRef(it, pointerJoin(pointer, "items", i), path, ctx)) };
      } else {
        itemType = toTypeRef(items, pointerJoin(pointer, "items"), path, ctx);
      }
      return { kind: "array", items: itemType, list: listSemantics(s) };
    }
    case "object": {
      if (s.properties && Object.keys(s.properties).length > 0) {
        if (ctx.recogniseWellKnown) {
          const known = wellKnownShape(s);
          if (known) return { kind: "ref", target: { runtime: known } };
        }
        return ctx.hoist(s, pointer, path);
      }
      const ap = s.additionalProperties;
      if (ap && typeof ap === "object") {
        return { kind: "map", values: toTypeRef(ap, pointerJoin(pointer, "additionalProperties"), path, ctx), mapType: mapTypeOf(s) };
      }
      if (ap === true) return { kind: "map", values: UNKNOWN_ANY, mapType: mapTypeOf(s) };
      ctx.warn(pointer, "object with no properties and no additionalProperties: typed as an open object");
      return UNKNOWN_OBJECT;
    }
    case undefined:
      if (s.anyOf || s.oneOf || s.allOf || s.not) {
        ctx.warn(pointer, "schema with only anyOf/oneOf/allOf/not and no type: typed as unknown");
      } else {
        ctx.warn(pointer, "schema with no type: typed as unknown");
      }
      return UNKNOWN_ANY;
    default:
      ctx.warn(pointer, `unknown type ${JSON.stringify(type)}: typed as unknown`);
      return UNKNOWN_ANY;
  }
}

/** Options for {@link objectTypeDef}. */
export interface ObjectOptions {
  /** Literal apiVersion/kind for top-level kinds. */
  readonly gvk?: { readonly apiVersion: string; readonly kind: string };
  /** Force `metadata` to the runtime ObjectMeta (CRD roots and embedded resources). */
  readonly objectMeta?: boolean;
  /** Add apiVersion/kind/metadata fields if the schema lacks them. */
  readonly ensureTypeMeta?: boolean;
}

const OBJECT_META: TypeRef = { kind: "ref", target: { runtime: "ObjectMeta" } };

/** The fields every Kubernetes object has; the server always sets them, so a schema's `nullable` on them is ignored. */
const TYPE_META_FIELDS: ReadonlySet<string> = new Set(["apiVersion", "kind", "metadata"]);

/** Builds the named type for an object schema. */
export function objectTypeDef(
  name: string,
  s: Schema,
  pointer: string,
  path: readonly string[],
  ctx: SchemaContext,
  opts: ObjectOptions = {},
): TypeDef {
  const required = new Set(Array.isArray(s.required) ? s.required.filter((r) => typeof r === "string") : []);
  const embedded = s["x-kubernetes-embedded-resource"] === true;
  const fields: Field[] = [];
  const props = isSchema(s.properties) ? s.properties : {};
  const withMeta = opts.objectMeta || embedded;
  for (const [prop, ps] of Object.entries(props)) {
    const at = pointerJoin(pointer, "properties", prop);
    const type = withMeta && prop === "metadata" ? OBJECT_META : toTypeRef(ps, at, [...path, prop], ctx);
    fields.push({
      name: prop,
      type,
      required: required.has(prop),
      nullable: isNullable(ps) && !((withMeta || opts.gvk) && TYPE_META_FIELDS.has(prop)),
      ...docsOf(ps),
      source: { file: ctx.file, pointer: at },
    });
  }
  if (opts.ensureTypeMeta || embedded) {
    // Kubernetes objects lead with apiVersion, kind and metadata; add those the schema leaves out.
    const have = new Set(fields.map((f) => f.name));
    const missing: Field[] = [];
    const add = (fname: string, type: TypeRef, description: string): void => {
      if (!have.has(fname)) {
        missing.push({ name: fname, type, required: false, nullable: false, description, validations: [], source: { file: ctx.file, pointer } });
      }
    };
    add("apiVersion", { kind: "string" }, "APIVersion defines the versioned schema of this representation of an object.");
    add("kind", { kind: "string" }, "Kind is a string value representing the REST resource this object represents.");
    add("metadata", OBJECT_META, "Standard object's metadata.");
    fields.unshift(...missing);
  }
  const preserve = s["x-kubernetes-preserve-unknown-fields"] === true;
  const ap = s.additionalProperties;
  let additional: TypeRef | undefined;
  if (ap && typeof ap === "object") additional = toTypeRef(ap, pointerJoin(pointer, "additionalProperties"), path, ctx);
  else if (ap === true || preserve) additional = UNKNOWN_ANY;
  return {
    name,
    fields,
    ...(additional ? { additional } : {}),
    preserveUnknownFields: preserve,
    embeddedResource: embedded,
    mapType: mapTypeOf(s),
    ...(opts.gvk ? { gvk: opts.gvk } : {}),
    ...docsOf(s),
    source: { file: ctx.file, pointer },
  };
}
