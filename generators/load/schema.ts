// The raw input shapes the loaders hand to the IR builder: JSON Schema as
// Kubernetes writes it (OpenAPI v2 definitions, v3 components, CRD
// openAPIV3Schema), with the x-kubernetes-* extensions spelled out. Nothing
// here is interpreted; ir/ does that.

/** A JSON Schema node as Kubernetes publishes it. */
export interface Schema {
  $ref?: string;
  type?: string | string[];
  format?: string;
  description?: string;
  title?: string;
  default?: unknown;
  enum?: unknown[];
  nullable?: boolean;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: Schema | boolean;
  items?: Schema | Schema[];
  allOf?: Schema[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  not?: Schema;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean | number;
  exclusiveMaximum?: boolean | number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minItems?: number;
  maxItems?: number;
  minProperties?: number;
  maxProperties?: number;
  uniqueItems?: boolean;
  "x-kubernetes-int-or-string"?: boolean;
  "x-kubernetes-preserve-unknown-fields"?: boolean;
  "x-kubernetes-embedded-resource"?: boolean;
  "x-kubernetes-list-type"?: string;
  "x-kubernetes-list-map-keys"?: string[];
  "x-kubernetes-map-type"?: string;
  "x-kubernetes-patch-strategy"?: string;
  "x-kubernetes-patch-merge-key"?: string;
  "x-kubernetes-validations"?: { rule?: string; message?: string; messageExpression?: string; fieldPath?: string; reason?: string }[];
  "x-kubernetes-group-version-kind"?: { group: string; version: string; kind: string }[];
  "x-kubernetes-unions"?: unknown;
  [extension: `x-${string}`]: unknown;
}

/** An OpenAPI operation, reduced to what resource discovery needs. */
export interface Operation {
  operationId?: string;
  "x-kubernetes-action"?: string;
  "x-kubernetes-group-version-kind"?: { group: string; version: string; kind: string };
  parameters?: unknown[];
  responses?: Record<string, unknown>;
  requestBody?: unknown;
}

export type PathItem = Partial<Record<"get" | "put" | "post" | "delete" | "patch" | "head" | "options", Operation>> & {
  parameters?: unknown[];
};

/** One OpenAPI document (v2 swagger or one v3 group-version document). */
export interface OpenApiInput {
  readonly kind: "openapi";
  /** Shown in messages: a file path, URL, or `cluster:/openapi/v3/apis/apps/v1`. */
  readonly file: string;
  readonly openapiVersion: 2 | 3;
  /** Definition name -> schema. */
  readonly schemas: Record<string, Schema>;
  /** JSON pointer to where the schemas live: `/definitions` or `/components/schemas`. */
  readonly schemasPointer: string;
  readonly paths: Record<string, PathItem>;
}

/** One CustomResourceDefinition document. */
export interface CrdInput {
  readonly kind: "crd";
  readonly file: string;
  /** Index of the document in a multi-document YAML stream (0-based). */
  readonly documentIndex: number;
  /** JSON pointer prefix of this CRD inside its document (non-empty for `kind: List`). */
  readonly pointerPrefix: string;
  readonly crd: Record<string, any>;
  /** Maps a JSON pointer (relative to the CRD) to a 1-based line, when known. */
  readonly lineOf: (pointer: string) => number | undefined;
}

export type LoadedInput = OpenApiInput | CrdInput;

/** JSON pointer escaping (RFC 6901). */
export function pointerSegment(s: string): string {
  return s.replace(/~/g, "~0").replace(/\//g, "~1");
}

/** Appends segments to a JSON pointer. */
export function pointerJoin(base: string, ...segments: (string | number)[]): string {
  return base + segments.map((s) => `/${pointerSegment(String(s))}`).join("");
}
