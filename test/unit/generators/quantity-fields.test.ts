// CRD quantity fields: controller-gen writes a resource.Quantity as
// `x-kubernetes-int-or-string: true` plus Kubernetes' quantity pattern. Those
// become the runtime's Quantity (as built-in quantities are), with the same
// apply schema node; other int-or-string fields stay IntOrString.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ImportCollector, tsType } from "../../../generators/emit/ts-type.js";
import { generate } from "../../../generators/index.js";
import { QUANTITY_PATTERN, toTypeRef, type SchemaContext } from "../../../generators/ir/schema.js";
import type { Schema } from "../../../generators/load/schema.js";
import { typecheck } from "../../helpers/typecheck.js";

// the exact text controller-gen emits (and /work/shared/crds carries)
const PATTERN = String.raw`^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$`;
const INT_OR_STRING: Schema = { anyOf: [{ type: "integer" }, { type: "string" }], "x-kubernetes-int-or-string": true };

function convert(schema: Schema, recogniseWellKnown = true): string {
  const ctx: SchemaContext = {
    file: "given.yaml",
    recogniseWellKnown,
    warn: () => {},
    resolveRef: (ref) => ({ kind: "ref", target: { module: "other/v1", name: ref.split(".").pop()! } }),
    hoist: (_s, _p, path) => ({ kind: "ref", target: { module: "here/v1", name: `Hoisted${path.join("_")}` } }),
  };
  return tsType(toTypeRef(schema, "", ["field"], ctx), new ImportCollector("here/v1", new Map()));
}

describe("quantity recognition in toTypeRef", () => {
  it("knows the pattern controller-gen writes", () => {
    expect(QUANTITY_PATTERN).toBe(PATTERN);
  });

  it.each<[string, Schema, string]>([
    ["int-or-string + quantity pattern", { ...INT_OR_STRING, pattern: PATTERN }, "rt.Quantity"],
    ["the same in the built-in spelling", { type: "string", format: "int-or-string", pattern: PATTERN }, "rt.Quantity"],
    ["the marker alone", { "x-kubernetes-int-or-string": true, pattern: PATTERN }, "rt.Quantity"],
    ["the pattern with stray whitespace around it", { ...INT_OR_STRING, pattern: ` ${PATTERN}\n` }, "rt.Quantity"],
    ["a map of quantities (resources.limits)", { type: "object", additionalProperties: { ...INT_OR_STRING, pattern: PATTERN } }, "{ [key: string]: rt.Quantity }"],
    ["a list of quantities", { type: "array", items: { ...INT_OR_STRING, pattern: PATTERN } }, "rt.Quantity[]"],
    ["int-or-string without a pattern", { ...INT_OR_STRING }, "rt.IntOrString"],
    ["int-or-string with another pattern", { ...INT_OR_STRING, pattern: "^[0-9]+%?$" }, "rt.IntOrString"],
    ["int-or-string with a pattern that is almost the quantity one", { ...INT_OR_STRING, pattern: PATTERN.replace("KMGTPE]i", "KMGTP]i") }, "rt.IntOrString"],
    ["a plain string with the quantity pattern", { type: "string", pattern: PATTERN }, "string"],
  ])("%s", (_name, schema, want) => {
    expect(convert(schema)).toBe(want);
  });

  it("does not depend on shape recognition being on (the pattern is a declaration, not a guess)", () => {
    expect(convert({ ...INT_OR_STRING, pattern: PATTERN }, false)).toBe("rt.Quantity");
  });
});

describe("generated code for a CRD with quantity fields", () => {
  const dir = mkdtempSync(join(tmpdir(), "kubegen-quantity-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("types them as rt.Quantity and gives apply the scalar node built-in quantities get", { timeout: 120_000 }, async () => {
    const crd = join(dir, "workers.yaml");
    writeFileSync(
      crd,
      `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: workers.quantity.kubegen.dev
spec:
  group: quantity.kubegen.dev
  scope: Namespaced
  names: {kind: Worker, plural: workers, listKind: WorkerList, singular: worker}
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                memory:
                  anyOf: [{type: integer}, {type: string}]
                  pattern: '${PATTERN}'
                  x-kubernetes-int-or-string: true
                limits:
                  type: object
                  additionalProperties:
                    anyOf: [{type: integer}, {type: string}]
                    pattern: '${PATTERN}'
                    x-kubernetes-int-or-string: true
                maxUnavailable:
                  anyOf: [{type: integer}, {type: string}]
                  x-kubernetes-int-or-string: true
`,
    );
    const out = join(dir, "out");
    await generate({ crd: [crd], openapi: [], out, cwd: dir });
    const folder = (name: string) =>
      readdirSync(join(out, "quantity.kubegen.dev/v1", name)).sort().map((f) => readFileSync(join(out, "quantity.kubegen.dev/v1", name, f), "utf8")).join("\n");
    const types = folder("types");
    expect(types).toMatch(/^ {2}memory\?: rt\.Quantity;$/m);
    expect(types).toMatch(/^ {2}limits\?: \{ \[key: string\]: rt\.Quantity \};$/m);
    expect(types).toMatch(/^ {2}maxUnavailable\?: rt\.IntOrString;$/m);
    const apply = folder("applyconfigurations");
    expect(apply).toMatch(/^ {2}withMemory\(value: rt\.Quantity\): this \{$/m);
    expect(apply).toMatch(/^ {6}memory: rt\.SCALAR,$/m);
    expect(apply).toMatch(/^ {6}limits: \{ kind: "map", mapType: "granular", values: rt\.SCALAR \},$/m);

    // the output type-checks, and so does user code that reads the fields with the Quantity helper
    writeFileSync(
      join(out, "use.ts"),
      `import { parseQuantity } from "@kubegen/runtime";
import type { Worker } from "./quantity.kubegen.dev/v1/types/index.js";
import { worker, workerSpec } from "./quantity.kubegen.dev/v1/applyconfigurations/index.js";
export function needsMore(w: Worker): boolean {
  return parseQuantity(w.spec?.memory ?? "0").cmp(w.spec?.limits?.["memory"] ?? "1Gi") > 0;
}
export const cfg = worker("w", "ns").withSpec(workerSpec().withMemory("1536Mi").withLimits({ cpu: "500m", memory: 2048 }));
`,
    );
    expect(typecheck([out]).errors).toEqual([]);
  });
});
