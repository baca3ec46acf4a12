// emit/applyconfigurations.ts as tables of given/want cases: a small IR in,
// the builder views out as data: each field's server-side apply schema node
// (SchemaNode: leaves, runtime and generated structs, lists by list type,
// maps, `satisfies` under Object.prototype keys), the factory's parameters and
// setter calls, and the extract functions' parameters and returned
// expressions (render/code-expr.ts); then a few lines the templates print.
import { describe, expect, it } from "vitest";
import { RUNTIME_TARGET, emitApplyConfigurations, type ExtractView, type FactoryView, type SchemaNode } from "../../../generators/emit/applyconfigurations.js";
import { planModel } from "../../../generators/ir/plan.js";
import type { Field, ListSemantics, TypeDef, TypeRef } from "../../../generators/ir/types.js";
import type { ArgView, CallView } from "../../../generators/render/code-expr.js";
import { flatText } from "../../../generators/render/layout.js";
import { TemplateSet } from "../../../generators/render/templates.js";
import { META, field, groupVersion, resource, type } from "./given-ir.js";

const kind = (name: string, apiVersion: string, fields: Field[]): TypeDef => type(name, [META, ...fields], { gvk: { apiVersion, kind: name } });
const ref = (module: string, name: string): TypeRef => ({ kind: "ref", target: { module, name } });
const given = (name: string): TypeRef => ref("given.dev/v1", name);
const STRING: TypeRef = { kind: "string" };
const list = (items: TypeRef, list: Partial<ListSemantics>): TypeRef => ({ kind: "array", items, list: { type: "atomic", explicit: true, mapKeys: [], ...list } });

// Given: given.dev/v1 Widget (namespaced, with status), Gadget (cluster-scoped, no status) and the
// structs Widget reaches; core/v1 PodSpec, a struct of another group-version.
const spec = type("WidgetSpec", [
  field("name", STRING),
  field("replicas", { kind: "integer", format: "int32" }),
  field("port", { kind: "intOrString" }),
  field("size", { kind: "ref", target: { runtime: "Quantity" } }),
  field("either", { kind: "union", variants: [STRING, { kind: "integer" }] }),
  field("open", { kind: "unknown", json: "object" }),
  field("ports", list(given("Port"), { type: "map", mapKeys: ["port", "protocol"] })),
  field("legacy", list(given("Port"), { explicit: false, patchStrategy: "merge", patchMergeKey: "port" })),
  field("tags", list(STRING, { type: "set" })),
  field("args", list(STRING, { explicit: false })),
  field("labels", { kind: "map", values: STRING, mapType: "granular" }),
  field("selector", { kind: "map", values: STRING, mapType: "atomic" }),
  field("template", given("Template")),
  field("pod", ref("core/v1", "PodSpec")),
  field("owner", { kind: "ref", target: { runtime: "OwnerReference" } }),
  field("lastStatus", { kind: "ref", target: { runtime: "Status" } }),
  field("constructor", list(STRING, { type: "set" })),
  field("toString", STRING),
  field("valueOf", given("Port")),
]);
const port = type("Port", [field("port", { kind: "integer" }), field("protocol", STRING)], { mapType: "atomic" });
// An embedded resource (x-kubernetes-embedded-resource with preserve-unknown-fields).
const template = type("Template", [META], { embeddedResource: true, preserveUnknownFields: true });
const widgets = resource("Widget", "widgets", { subresources: [{ name: "status", verbs: ["get", "update", "patch"], stream: false }] });
const gadgets = resource("Gadget", "gadgets", { namespaced: false });
const crd = groupVersion("given.dev", "v1", "givenV1", [kind("Gadget", "given.dev/v1", []), kind("Widget", "given.dev/v1", [field("spec", given("WidgetSpec"))]), spec, port, template], [gadgets, widgets]);
const core = groupVersion("", "v1", "coreV1", [type("PodSpec", [field("hostname", STRING)])]);

const files = emitApplyConfigurations(planModel({ groupVersions: [core, crd] }));
const file = (path: string) => {
  const f = files.find((x) => x.path === path);
  if (!f) throw new Error(`no ${path} among ${files.map((x) => x.path).join(", ")}`);
  return f;
};
interface Builder {
  className: string;
  factory: FactoryView;
  extracts: ExtractView[];
  schemaFields: { key: string; node: SchemaNode }[];
  atomic: boolean;
  rest?: SchemaNode;
}
const builder = (name: string) => (file(`given.dev/v1/applyconfigurations/${name}.ts`).view as { builder: Builder }).builder;

const SCALAR: SchemaNode = { leaf: "SCALAR" };
const UNTYPED: SchemaNode = { leaf: "UNTYPED" };

describe("emitApplyConfigurations: schema nodes, as data", () => {
  const nodes = new Map(builder("widget-spec").schemaFields.map((f) => [f.key, f.node]));
  it.each<[string, SchemaNode]>([
    ["name", SCALAR],
    ["replicas", SCALAR],
    ["port", SCALAR],
    ["size", SCALAR],
    ["either", SCALAR],
    ["open", UNTYPED],
    ["ports", { listMap: { keys: ["port", "protocol"], items: { struct: "portApplySchema" } } }],
    ["legacy", { listMap: { keys: ["port"], items: { struct: "portApplySchema" } } }],
    ["tags", { list: { listType: "set", items: SCALAR } }],
    ["args", { list: { listType: "atomic", items: SCALAR } }],
    ["labels", { map: { mapType: "granular", values: SCALAR } }],
    ["selector", { map: { mapType: "atomic", values: SCALAR } }],
    ["template", { struct: "templateApplySchema" }],
    ["pod", { struct: "coreV1.podSpecApplySchema" }],
    ["owner", { struct: "rt.ownerReferenceApplySchema" }],
    ["lastStatus", { runtimeStruct: "Status" }],
    ["constructor", { satisfies: { list: { listType: "set", items: SCALAR } } }],
    ["toString", SCALAR],
    ["valueOf", { satisfies: { struct: "portApplySchema" } }],
  ])("%s", (key, want) => {
    expect(nodes.get(key)).toEqual(want);
  });

  it("marks atomic structs, and takes the rest of an embedded resource as untyped", () => {
    expect([builder("port").atomic, builder("port").rest]).toEqual([true, undefined]);
    expect([builder("template").atomic, builder("template").rest]).toEqual([false, UNTYPED]);
    expect(builder("template").schemaFields).toEqual([{ key: "metadata", node: { struct: "rt.objectMetaApplySchema" } }]);
  });

  it("imports the nodes it links to: siblings by name, other group-versions through their index", () => {
    const view = file("given.dev/v1/applyconfigurations/widget-spec.ts").view as { imports: { alias: string; path: string }[]; locals: { path: string; names: string }[] };
    expect(view.imports).toEqual([{ alias: "coreV1", path: "../../../core/v1/applyconfigurations/index.js" }]);
    expect(view.locals.map((l) => [l.path, flatText(l.names)])).toEqual([
      ["./port.js", "{ type PortApplyConfiguration, portApplySchema }"],
      ["./template.js", "{ type TemplateApplyConfiguration, templateApplySchema }"],
    ]);
  });
});

const call = (callee: string, ...args: ArgView[]): CallView => ({ callee, typeArgs: [], args });
const str = (s: string) => ({ string: s });
const param = (name: string, type: string, optional = false) => ({ name, type: { ref: type }, optional });
const typeMeta = (kind: string) => [call("withApiVersion", str("given.dev/v1")), call("withKind", str(kind))];

describe("emitApplyConfigurations: the factory, as data", () => {
  it.each<[string, FactoryView]>([
    [
      "widget",
      {
        name: "widget",
        params: [param("name", "string"), param("namespace", "string")],
        calls: [...typeMeta("Widget"), call("withName", { name: "name" }), call("withNamespace", { name: "namespace" })],
      },
    ],
    ["gadget", { name: "gadget", params: [param("name", "string")], calls: [...typeMeta("Gadget"), call("withName", { name: "name" })] }],
    ["widget-spec", { name: "widgetSpec", params: [], calls: [] }],
  ])("%s", (name, want) => {
    expect(builder(name).factory).toEqual(want);
  });
});

const extraction = (kind: string) => ({
  chain: {
    head: "rt",
    calls: [
      {
        callee: "extractApplyConfiguration",
        typeArgs: [{ ref: `${kind}ApplyConfiguration` }],
        args: [{ call: call("rt.applySchemaOf", { name: `${kind.toLowerCase()}ApplySchema` }) }, ...["type", "obj", "fieldManager", "options"].map((n) => ({ name: n === "type" ? `${kind.toLowerCase()}ApplySchema.type` : n }))],
      },
      ...typeMeta(kind),
    ],
  },
});
const mainParams = (kind: string) => [param("obj", `t.${kind}`), param("fieldManager", "string"), param("options", "rt.ExtractOptions", true)];

describe("emitApplyConfigurations: the extract functions, as data", () => {
  it.each<[string, Omit<ExtractView, "doc">[]]>([
    [
      "widget",
      [
        { name: "extractWidget", params: mainParams("Widget"), value: extraction("Widget") },
        {
          name: "extractWidgetStatus",
          params: mainParams("Widget").slice(0, 2),
          value: { call: call("extractWidget", { name: "obj" }, { name: "fieldManager" }, { object: [{ key: "subresource", value: str("status") }] }) },
        },
      ],
    ],
    ["gadget", [{ name: "extractGadget", params: mainParams("Gadget"), value: extraction("Gadget") }]],
    ["widget-spec", []],
  ])("%s", (name, want) => {
    expect(builder(name).extracts.map(({ doc: _, ...rest }) => rest)).toEqual(want);
  });
});

describe("applyconfiguration.hbs: what the views print", () => {
  const templates = new TemplateSet();
  const text = (name: string) => templates.render(file(`given.dev/v1/applyconfigurations/${name}.ts`));
  it.each<[string, string[]]>([
    [
      "widget-spec",
      [
        "      port: rt.SCALAR,",
        "      open: rt.UNTYPED,",
        '      ports: { kind: "list", listType: "map", keys: ["port", "protocol"], items: portApplySchema },',
        '      tags: { kind: "list", listType: "set", items: rt.SCALAR },',
        '      selector: { kind: "map", mapType: "atomic", values: rt.SCALAR },',
        "      pod: coreV1.podSpecApplySchema,",
        '      owner: rt.ownerReferenceApplySchema,',
        '      lastStatus: rt.struct("Status"),',
        '      constructor: { kind: "list", listType: "set", items: rt.SCALAR } satisfies rt.ApplyNode,',
        "      valueOf: portApplySchema satisfies rt.ApplyNode,",
      ],
    ],
    ["template", ["    rest: rt.UNTYPED,", '      metadata: rt.objectMetaApplySchema,']],
    [
      "widget",
      [
        "export function widget(name: string, namespace: string): WidgetApplyConfiguration {",
        "  return new WidgetApplyConfiguration()",
        '    .withApiVersion("given.dev/v1")',
        "    .withNamespace(namespace);",
        "export function extractWidget(",
        "  options?: rt.ExtractOptions,",
        "    .extractApplyConfiguration<WidgetApplyConfiguration>(",
        "      rt.applySchemaOf(widgetApplySchema),",
        "export function extractWidgetStatus(obj: t.Widget, fieldManager: string): WidgetApplyConfiguration {",
        '  return extractWidget(obj, fieldManager, { subresource: "status" });',
      ],
    ],
    ["gadget", ['  return new GadgetApplyConfiguration().withApiVersion("given.dev/v1").withKind("Gadget").withName(name);']],
    ["widget-spec", ["  return new WidgetSpecApplyConfiguration();"]],
  ])("%s", (name, lines) => {
    const printed = text(name).split("\n");
    for (const line of lines) expect(printed).toContain(line);
  });
});

describe("emitApplyConfigurations: the runtime's own builders (RUNTIME_TARGET)", () => {
  // Given: meta/v1 ObjectMeta as a type of its own module, as make generate-runtime builds it.
  const objectMeta = type("ObjectMeta", [field("name", STRING), field("selfLink", STRING), field("managedFields", list(STRING, {}))]);
  const meta = groupVersion("meta.k8s.io", "v1", "metaV1", [objectMeta]);
  const out = emitApplyConfigurations(planModel({ groupVersions: [meta] }), RUNTIME_TARGET);
  const view = out[0]!.view as { runtime: string; builder: { fields: { name: string }[]; schemaFields: { key: string }[] } };

  it("imports rt from the kit beside the output folder, and writes no folder index", () => {
    expect(out.map((f) => f.path)).toEqual(["meta.k8s.io/v1/applyconfigurations/object-meta.ts"]);
    expect(view.runtime).toBe("../../../../apply-kit.js");
  });

  it("gives the fields the server keeps no setter, and keeps them in the schema", () => {
    expect(view.builder.fields.map((f) => f.name)).toEqual(["name"]);
    expect(view.builder.schemaFields.map((f) => f.key)).toEqual(["name", "selfLink", "managedFields"]);
  });
});
