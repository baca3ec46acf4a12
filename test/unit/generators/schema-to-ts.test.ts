// Schema -> IR TypeRef -> TypeScript text, as a table of small given/want
// cases (the openapi-typescript style of emitter test).
import { describe, expect, it } from "vitest";
import { ImportCollector, tsType } from "../../../generators/emit/ts-type.js";
import { toTypeRef, type SchemaContext } from "../../../generators/ir/schema.js";
import type { Schema } from "../../../generators/load/schema.js";

function convert(schema: Schema): { ts: string; warnings: string[] } {
  const warnings: string[] = [];
  const ctx: SchemaContext = {
    file: "given.yaml",
    recogniseWellKnown: true,
    warn: (pointer, message) => warnings.push(`${pointer}: ${message}`),
    resolveRef: (ref) => ({ kind: "ref", target: { module: "other/v1", name: ref.split(".").pop()! } }),
    hoist: (_s, _p, path) => ({ kind: "ref", target: { module: "here/v1", name: `Hoisted${path.join("_")}` } }),
  };
  const ref = toTypeRef(schema, "", ["field"], ctx);
  return { ts: tsType(ref, new ImportCollector("here/v1", new Map([["other/v1", "otherV1"]]))), warnings };
}

describe("schema to TypeScript", () => {
  it.each<[string, Schema, string]>([
    ["string", { type: "string" }, "string"],
    ["date-time stays a string", { type: "string", format: "date-time" }, "string"],
    ["int64", { type: "integer", format: "int64" }, "number"],
    ["string enum with odd values", { type: "string", enum: ["=", "a b", 'q"'] }, '"=" | "a b" | "q\\""'],
    ["integer enum", { type: "integer", enum: [1, 2] }, "1 | 2"],
    ["int-or-string (CRD spelling)", { anyOf: [{ type: "integer" }, { type: "string" }], "x-kubernetes-int-or-string": true }, "rt.IntOrString"],
    ["int-or-string (built-in spelling)", { type: "string", format: "int-or-string" }, "rt.IntOrString"],
    ["array of arrays", { type: "array", items: { type: "array", items: { type: "number" } } }, "number[][]"],
    ["array of a union", { type: "array", items: { anyOf: [{ type: "string" }, { type: "integer" }] } }, "(string | number)[]"],
    ["map of strings", { type: "object", additionalProperties: { type: "string" } }, "{ [key: string]: string }"],
    ["map of objects", { type: "object", additionalProperties: { type: "object", properties: { a: { type: "string" } } } }, "{ [key: string]: Hoistedfield }"],
    ["preserve-unknown object", { type: "object", "x-kubernetes-preserve-unknown-fields": true }, "{ [key: string]: unknown }"],
    ["preserve-unknown, no type", { "x-kubernetes-preserve-unknown-fields": true }, "unknown"],
    ["$ref to another module", { $ref: "#/definitions/io.k8s.api.core.v1.PodSpec" }, "otherV1.PodSpec"],
    ["v3 allOf wrapper", { allOf: [{ $ref: "#/components/schemas/io.k8s.api.core.v1.PodSpec" }], default: {} }, "otherV1.PodSpec"],
    ["nested object is hoisted", { type: "object", properties: { x: { type: "string" } } }, "Hoistedfield"],
    ["Condition shape reuses the runtime type", {
      type: "object",
      properties: { type: {}, status: {}, lastTransitionTime: {}, reason: {}, message: {}, observedGeneration: {} },
    }, "rt.Condition"],
    ["typed oneOf is a union", { oneOf: [{ type: "string" }, { type: "array", items: { type: "string" } }] }, "string | string[]"],
  ])("%s", (_name, schema, want) => {
    expect(convert(schema).ts).toBe(want);
  });

  it.each<[string, Schema, string]>([
    ["array without items", { type: "array" }, "unknown[]"],
    ["object with nothing declared", { type: "object" }, "{ [key: string]: unknown }"],
    ["no type at all", { description: "?" }, "unknown"],
    ["unknown type", { type: "tuple" }, "unknown"],
  ])("%s degrades with a warning", (_name, schema, want) => {
    const r = convert(schema);
    expect(r.ts).toBe(want);
    expect(r.warnings).toHaveLength(1);
  });
});
