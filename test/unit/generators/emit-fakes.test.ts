// emit/fakes.ts as tables of given/want cases: a small IR in, the fake.ts view
// out as data (the rows of FAKE_RESOURCES, the validation tables of CRD
// group-versions with their nodes as JSON), then a few lines fake.hbs prints.
import { describe, expect, it } from "vitest";
import { emitFakes, type FakeResourceView, type ValidationTableView } from "../../../generators/emit/fakes.js";
import { planModel } from "../../../generators/ir/plan.js";
import type { CrdVersionInfo, Field, TypeDef, TypeRef } from "../../../generators/ir/types.js";
import { TemplateSet } from "../../../generators/render/templates.js";
import { META, field, groupVersion, resource, type } from "./given-ir.js";

/** A kind (with metadata) and its list type. */
const kind = (name: string, apiVersion: string, fields: Field[]): TypeDef[] => [
  type(name, [META, ...fields], { gvk: { apiVersion, kind: name } }),
  type(`${name}List`, [], { listOf: name, gvk: { apiVersion, kind: `${name}List` } }),
];

const crdInfo = (selectableFields: string[] = []): CrdVersionInfo => ({ crdName: "widgets.given.dev", served: true, storage: true, deprecated: false, allVersions: ["v1"], selectableFields });
const given = (name: string): TypeRef => ({ kind: "ref", target: { module: "given.dev/v1", name } });

// Given: core/v1 pods (built in, with generation; status) and configmaps (built in, generationless);
// given.dev/v1 widgets, a custom resource with a scale subresource, selectable fields and a spec
// that reaches another struct, with required fields, enums, formats, nullability and constraints.
const spec = type(
  "WidgetSpec",
  [
    field("replicas", { kind: "integer", format: "int32" }, { required: true, constraints: { minimum: 0, maximum: 10 } }),
    field("mode", { kind: "string", enum: ["fast", "slow"] }, { nullable: true }),
    field("port", { kind: "intOrString" }),
    field("tags", { kind: "array", items: { kind: "string" }, list: { type: "set", explicit: true, mapKeys: [] } }, { constraints: { maxItems: 3 } }),
    field("extra", { kind: "unknown", json: "object" }),
    field("at", { kind: "ref", target: { runtime: "Time" } }),
    field("constructor", { kind: "string" }),
    field("child", given("Child")),
  ],
  {},
);
const child = type("Child", [field("name", { kind: "string" }, { required: true })], { additional: { kind: "integer" } });
const scale = { specReplicasPath: ".spec.replicas", statusReplicasPath: ".status.replicas" };
const widgets = resource("Widget", "widgets", {
  crd: crdInfo([".spec.mode"]),
  subresources: [
    { name: "status", verbs: ["get", "update", "patch"], stream: false },
    { name: "scale", verbs: ["get", "update", "patch"], stream: false, scale },
  ],
});
const pods = resource("Pod", "pods", { subresources: [{ name: "status", verbs: ["get"], stream: false }] });
const configMaps = resource("ConfigMap", "configmaps");
const core = groupVersion("", "v1", "coreV1", [...kind("ConfigMap", "v1", []), ...kind("Pod", "v1", [])], [configMaps, pods]);
const crd = groupVersion("given.dev", "v1", "givenV1", [...kind("Widget", "given.dev/v1", [field("spec", given("WidgetSpec"))]), spec, child], [widgets]);

const [fake] = emitFakes(planModel({ groupVersions: [core, crd] }));
const view = fake!.view as { resources: FakeResourceView[]; validationTables: ValidationTableView[]; validationNodeType: boolean; schemaImports: unknown[] };

describe("emitFakes: the resource table, as data", () => {
  const row = (plural: string) => view.resources.find((r) => r.plural === plural);
  it.each<[string, FakeResourceView]>([
    [
      "configmaps",
      { group: "", version: "v1", plural: "configmaps", kind: "ConfigMap", listKind: "ConfigMapList", namespaced: true, subresources: [], apply: { alias: "coreV1Apply", type: "core/v1.ConfigMap" }, generationless: true },
    ],
    [
      "pods",
      { group: "", version: "v1", plural: "pods", kind: "Pod", listKind: "PodList", namespaced: true, subresources: ["status"], apply: { alias: "coreV1Apply", type: "core/v1.Pod" }, generationless: false },
    ],
    [
      "widgets",
      {
        group: "given.dev",
        version: "v1",
        plural: "widgets",
        kind: "Widget",
        listKind: "WidgetList",
        namespaced: true,
        subresources: ["status", "scale"],
        scale,
        apply: { alias: "givenV1Apply", type: "given.dev/v1.Widget" },
        validation: { table: "givenV1Validation", type: "given.dev/v1.Widget" },
        generationless: false,
        selectableFields: [".spec.mode"],
      },
    ],
  ])("%s", (plural, want) => {
    expect(row(plural)).toEqual(want);
  });

  it("imports the apply schema of every group-version it names", () => {
    expect(view.schemaImports).toEqual([
      { alias: "coreV1Apply", path: "./core/v1/applyconfigurations/index.js" },
      { alias: "givenV1Apply", path: "./given.dev/v1/applyconfigurations/index.js" },
    ]);
  });
});

describe("emitFakes: validation tables, as data", () => {
  const types = new Map(view.validationTables.flatMap((t) => t.types.map((ty) => [ty.name, ty] as const)));
  it("holds one table per CRD group-version, with the structs its kinds reach", () => {
    expect(view.validationTables.map((t) => [t.name, t.types.map((ty) => ty.name)])).toEqual([["givenV1Validation", ["given.dev/v1.Widget", "given.dev/v1.WidgetSpec", "given.dev/v1.Child"]]]);
  });
  it.each<[string, unknown]>([
    ["replicas", { key: "replicas", node: { type: "integer", format: "int32", minimum: 0, maximum: 10 }, satisfies: false }],
    ["mode", { key: "mode", node: { type: "string", enum: ["fast", "slow"], nullable: true }, satisfies: false }],
    ["port", { key: "port", node: { type: "int-or-string" }, satisfies: false }],
    ["tags", { key: "tags", node: { type: "array", items: { type: "string" }, maxItems: 3 }, satisfies: false }],
    ["extra", { key: "extra", node: { type: "object", preserveUnknown: true }, satisfies: false }],
    ["at", { key: "at", node: { type: "string" }, satisfies: false }],
    ["constructor", { key: "constructor", node: { type: "string" }, satisfies: true }],
    ["child", { key: "child", node: { type: "object", ref: "given.dev/v1.Child" }, satisfies: false }],
  ])("WidgetSpec.%s", (name, want) => {
    expect(types.get("given.dev/v1.WidgetSpec")!.properties.find((p) => p.key === name)).toEqual(want);
  });
  it("keeps required fields, and additional properties as a node", () => {
    expect(types.get("given.dev/v1.WidgetSpec")!.required).toEqual(["replicas"]);
    const { properties: _, ...rest } = types.get("given.dev/v1.Child")!;
    expect(rest).toEqual({ name: "given.dev/v1.Child", required: ["name"], preserveUnknown: false, additional: { type: "integer" } });
    expect(view.validationNodeType).toBe(true);
  });
});

describe("fake.hbs: what the view prints", () => {
  const printed = new TemplateSet().render(fake!).split("\n");
  it.each([
    'import { FakeClient, type FakeResource, type ValidationNode, type ValidationSchema } from "@kubegen/runtime/testing";',
    '        replicas: { type: "integer", format: "int32", minimum: 0, maximum: 10 },',
    '        mode: { type: "string", enum: ["fast", "slow"], nullable: true },',
    '        constructor: { type: "string" } satisfies ValidationNode,',
    '      required: ["replicas"],',
    '      additional: { type: "integer" },',
    '    subresources: ["status", "scale"],',
    '    scale: { specReplicasPath: ".spec.replicas", statusReplicasPath: ".status.replicas" },',
    '    selectableFields: [".spec.mode"],',
    '    apply: { schema: givenV1Apply.applySchema, type: "given.dev/v1.Widget" },',
    '    validation: { schema: givenV1Validation, type: "given.dev/v1.Widget" },',
    '    generation: false,',
  ])("%s", (line) => {
    expect(printed).toContain(line);
  });
});
