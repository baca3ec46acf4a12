// emit/clients.ts and the type printer (render/type-expr.ts) as tables of
// given/want cases: a small IR in, the client views out (methods as data:
// parameters, results and type arguments as type expressions, calls with
// their arguments; verbs as names; the imports derived from them), and type
// expressions in, TypeScript out.
import { describe, expect, it } from "vitest";
import { emitClients, type MethodView, type ResourceView } from "../../../generators/emit/clients.js";
import { planModel } from "../../../generators/ir/plan.js";
import type { ConnectSubresource, Field, GroupVersion, Resource, Subresource, TypeDef, Verb } from "../../../generators/ir/types.js";
import { flatText, layout } from "../../../generators/render/layout.js";
import { TemplateSet } from "../../../generators/render/templates.js";
import { printType, printTypeArguments, typeNames, type TypeExpr } from "../../../generators/render/type-expr.js";

const source = { file: "given.yaml", pointer: "" };
const ALL: Verb[] = ["create", "update", "delete", "deletecollection", "get", "list", "watch", "patch"];
const META: Field = { name: "metadata", type: { kind: "ref", target: { runtime: "ObjectMeta" } }, required: false, nullable: false, source, validations: [] };

function type(name: string, apiVersion: string, extra: Partial<TypeDef> = {}): TypeDef {
  return { name, fields: [META], gvk: { apiVersion, kind: name }, preserveUnknownFields: false, embeddedResource: false, mapType: "granular", source, validations: [], ...extra };
}

function resource(kind: string, plural: string, extra: Partial<Resource> = {}): Resource {
  return { kind, typeName: kind, listKind: `${kind}List`, plural, singular: plural, shortNames: [], categories: [], namespaced: true, verbs: ALL, subresources: [], source, ...extra };
}

function groupVersion(group: string, version: string, accessor: string, types: TypeDef[], resources: Resource[] = []): GroupVersion {
  const apiVersion = group ? `${group}/${version}` : version;
  const modulePath = `${group || "core"}/${version}`;
  return { group, version, names: { modulePath, accessor, typePrefix: accessor[0]!.toUpperCase() + accessor.slice(1), apiVersion }, resources, types };
}

const sub = (name: string, verbs: Verb[], extra: Partial<Subresource> = {}): Subresource => ({ name, verbs, stream: false, ...extra });
const connect = (name: string, methods: ConnectSubresource["methods"], path = false): ConnectSubresource => ({ name, methods, path });

// Given: core/v1 with pods (every kind of subresource and connect method), nodes (cluster-scoped, a proxy without
// {path}), frozens (no verbs, no type of its own); autoscaling/v1 Scale and policy/v1 Eviction in modules without resources.
const scaleRef = { module: "autoscaling/v1", name: "Scale" };
const pods = resource("Pod", "pods", {
  subresources: [
    sub("binding", ["create"], { kind: { module: "core/v1", name: "Binding" } }),
    sub("eviction", ["create"], { kind: { module: "policy/v1", name: "Eviction" } }),
    sub("log", ["get"], { stream: true }),
    sub("scale", ["get", "update", "patch"], { kind: scaleRef }),
    sub("status", ["get", "update", "patch"]),
  ],
  connect: [connect("exec", ["GET", "POST"]), connect("portforward", ["GET", "POST"]), connect("proxy", ["GET", "POST"], true)],
});
const nodes = resource("Node", "nodes", { namespaced: false, verbs: ["get", "list"], connect: [connect("proxy", ["GET"])] });
const frozens = resource("Frozen", "frozens", { verbs: [] });
const core = groupVersion("", "v1", "coreV1", [type("Binding", "v1"), type("Node", "v1"), type("NodeList", "v1", { listOf: "Node" }), type("Pod", "v1"), type("PodList", "v1", { listOf: "Pod" })], [frozens, nodes, pods]);
const autoscaling = groupVersion("autoscaling", "v1", "autoscalingV1", [type("Scale", "autoscaling/v1")]);
const policy = groupVersion("policy", "v1", "policyV1", [type("Eviction", "policy/v1")]);
// A CRD-style scale subresource: the runtime's Scale type.
const widgets = resource("Widget", "widgets", { subresources: [sub("scale", ["get", "update"], { kind: { runtime: "Scale" } })] });
const crd = groupVersion("given.dev", "v1", "givenV1", [type("Widget", "given.dev/v1"), type("WidgetList", "given.dev/v1", { listOf: "Widget" })], [widgets]);

const files = emitClients(planModel({ groupVersions: [autoscaling, core, crd, policy] }));
const view = (path: string) => files.find((f) => f.path === path)!.view;
const coreView = view("core/v1/client.ts");
const resourceView = (plural: string, v = coreView): ResourceView => (v.resources as ResourceView[]).find((r) => r.plural === plural)!;

const ref = (name: string): TypeExpr => ({ ref: name });
const promise = (t: TypeExpr): TypeExpr => ({ generic: "Promise", args: [t] });
const omitTarget = (name: string): TypeExpr => ({ generic: "Omit", args: [ref(name), { union: [{ literal: "namespace" }, { literal: "name" }] }] });
const NAME = { name: "name", type: ref("string"), optional: false };
const opt = (name: string, t: string) => ({ name, type: ref(t), optional: true });
const req = (name: string, t: TypeExpr) => ({ name, type: t, optional: false });
const podTarget = [{ spread: "options" }, { key: "namespace", value: { name: "this.namespace", fallback: { string: "" } } }, { key: "name" }];
const typeMeta = (apiVersion: string, kind: string) => ({ object: [{ key: "apiVersion", value: { string: apiVersion } }, { key: "kind", value: { string: kind } }] });

type MethodRow = [string, Omit<MethodView, "doc" | "name">];
/** A pod connect method: `name(name, options: Omit<Options, "namespace" | "name">): Promise<Result>`, calling `fn(this.executor, { ...options, namespace, name })`. */
const podConnect = (name: string, options: string, result: string, fn: string): MethodRow => [
  name,
  {
    params: [NAME, req("options", omitTarget(options))],
    returns: promise(ref(result)),
    call: { callee: fn, member: false, typeArgs: [], args: [{ name: "this.executor" }, { object: podTarget }] },
  },
];

describe("emitClients: the methods of a resource's client, as data", () => {
  const methods = new Map(resourceView("pods").methods.map((m) => [m.name, m]));
  it.each<MethodRow>([
    [
      "createBinding",
      {
        params: [NAME, req("body", ref("t.Binding")), opt("options", "rt.CreateOptions")],
        returns: promise(ref("rt.Status")),
        call: { callee: "createSubresource", member: true, typeArgs: [ref("t.Binding"), ref("rt.Status")], args: [{ name: "name" }, { string: "binding" }, { name: "body" }, { name: "options" }, typeMeta("v1", "Binding")] },
      },
    ],
    [
      "createEviction",
      {
        params: [NAME, req("body", ref("policyV1.Eviction")), opt("options", "rt.CreateOptions")],
        returns: promise(ref("rt.Status")),
        call: { callee: "createSubresource", member: true, typeArgs: [ref("policyV1.Eviction"), ref("rt.Status")], args: [{ name: "name" }, { string: "eviction" }, { name: "body" }, { name: "options" }, typeMeta("policy/v1", "Eviction")] },
      },
    ],
    [
      "getLog",
      {
        params: [NAME, opt("options", "rt.LogOptions")],
        returns: promise(ref("Readable")),
        call: { callee: "streamSubresource", member: true, typeArgs: [], args: [{ name: "name" }, { string: "log" }, { name: "options" }] },
      },
    ],
    [
      "applyScale",
      {
        params: [NAME, req("config", ref("rt.ScaleApplyConfiguration")), req("options", ref("rt.ApplyOptions"))],
        returns: promise(ref("autoscalingV1.Scale")),
        call: { callee: "applySubresource", member: true, typeArgs: [ref("rt.ScaleApplyConfiguration"), ref("autoscalingV1.Scale")], args: [{ name: "name" }, { string: "scale" }, { name: "config" }, { name: "options" }] },
      },
    ],
    [
      "getScale",
      {
        params: [NAME, opt("options", "rt.GetOptions")],
        returns: promise(ref("autoscalingV1.Scale")),
        call: { callee: "getSubresource", member: true, typeArgs: [ref("autoscalingV1.Scale")], args: [{ name: "name" }, { string: "scale" }, { name: "options" }] },
      },
    ],
    [
      "updateScale",
      {
        params: [NAME, req("body", ref("autoscalingV1.Scale")), opt("options", "rt.UpdateOptions")],
        returns: promise(ref("autoscalingV1.Scale")),
        call: { callee: "updateSubresource", member: true, typeArgs: [ref("autoscalingV1.Scale")], args: [{ name: "name" }, { string: "scale" }, { name: "body" }, { name: "options" }, typeMeta("autoscaling/v1", "Scale")] },
      },
    ],
    podConnect("exec", "rt.PodExecStreamOptions", "rt.PodStreamSession", "execPod"),
    podConnect("execCapture", "rt.ExecCaptureOptions", "rt.ExecCaptureResult", "execCapture"),
    podConnect("portForward", "rt.PortForwardOptions", "rt.PortForwarder", "portForward"),
    podConnect("dialPort", "rt.PortStreamOptions", "Duplex", "dialPort"),
    [
      "proxy",
      {
        params: [NAME, req("path", ref("string")), opt("options", "rt.ProxyOptions")],
        returns: promise(ref("rt.ProxyResponse")),
        call: {
          callee: "proxyRequest",
          member: false,
          typeArgs: [],
          args: [
            { name: "this.executor" },
            { object: [{ spread: "options" }, { key: "resource", value: { name: "this.info" } }, { key: "namespace", value: { name: "this.namespace" } }, { key: "name" }, { key: "path" }] },
          ],
        },
      },
    ],
  ])("pods: %s", (name, want) => {
    const { doc: _doc, name: _name, ...got } = methods.get(name)!;
    expect(got).toEqual(want);
  });

  it("gives pods these methods, in this order (status is verbs, not methods; no attach without pods/attach)", () => {
    expect([...methods.keys()]).toEqual(["createBinding", "createEviction", "getLog", "applyScale", "getScale", "updateScale", "exec", "execCapture", "portForward", "dialPort", "proxy"]);
  });

  it("gives a CRD's scale subresource the runtime's Scale, sent with autoscaling/v1 type meta", () => {
    const crdView = view("given.dev/v1/client.ts");
    expect(resourceView("widgets", crdView).methods.map((m) => [m.name, m.returns, m.call.args.at(-1)])).toEqual([
      ["getScale", promise(ref("rt.Scale")), { name: "options" }],
      ["updateScale", promise(ref("rt.Scale")), typeMeta("autoscaling/v1", "Scale")],
    ]);
  });
});

describe("emitClients: the resource views", () => {
  it.each<[string, string, Partial<ResourceView>]>([
    [
      "pods",
      "namespaced, every verb and the status verbs",
      {
        namespaced: true,
        type: ref("t.Pod"),
        listType: ref("t.PodList"),
        applyType: { generic: "rt.ApplyFor", args: [{ literal: "v1, Kind=Pod" }] },
        verbs: ["create", "update", "delete", "deleteCollection", "get", "list", "listPages", "listAll", "watch", "patch", "apply", "updateStatus", "applyStatus"],
        allNamespacesType: { generic: "rt.AllNamespaces", args: [ref("PodsClient")] },
      },
    ],
    ["nodes", "cluster-scoped, get and list", { namespaced: false, getterDoc: ["nodes (v1 Node); cluster-scoped."], verbs: ["get", "list", "listPages", "listAll"] }],
    [
      "frozens",
      "no verbs, no type in the module (a generic list, no builder), no methods",
      {
        verbs: [],
        type: ref("t.Frozen"),
        listType: { generic: "rt.KubernetesList", args: [ref("t.Frozen")] },
        applyType: ref("rt.ApplyConfigurationLike"),
        methods: [],
      },
    ],
  ])("%s: %s", (plural, _, want) => {
    expect(resourceView(plural)).toMatchObject(want);
  });

  it("gives a cluster-scoped proxy no {path} parameter", () => {
    const [proxy] = resourceView("nodes").methods;
    expect([proxy!.name, proxy!.params.map((p) => p.name), proxy!.call.args]).toEqual([
      "proxy",
      ["name", "options"],
      [{ name: "this.executor" }, { object: [{ spread: "options" }, { key: "resource", value: { name: "this.info" } }, { key: "namespace", value: { name: "this.namespace" } }, { key: "name" }] }],
    ]);
  });
});

describe("emitClients: what a client file imports, derived from the views", () => {
  it.each([
    // path, runtime functions, node:stream types, other modules (never an applyconfigurations module: apply takes a brand)
    ["core/v1/client.ts", ["dialPort", "execCapture", "execPod", "portForward", "proxyRequest"], ["Duplex", "Readable"], ["autoscalingV1", "policyV1"]],
    ["given.dev/v1/client.ts", [], [], []],
  ])("%s", (path, runtimeValues, nodeStreamTypes, aliases) => {
    const v = view(path);
    expect(v.runtimeValues).toEqual(runtimeValues.map((name) => ({ name })));
    expect(v.nodeStreamTypes).toEqual(nodeStreamTypes);
    expect((v.imports as { alias: string }[]).map((i) => i.alias)).toEqual(aliases);
    expect(new TemplateSet().render(files.find((f) => f.path === path)!)).not.toContain("applyconfigurations");
  });

  it("writes a client file per group-version with resources, and the clientset", () => {
    expect(files.map((f) => f.path)).toEqual(["core/v1/client.ts", "given.dev/v1/client.ts", "clientset.ts"]);
    expect(view("clientset.ts").groups).toEqual([
      { accessor: "coreV1", clientClass: "CoreV1Client", apiVersion: "v1", path: "./core/v1/client.js" },
      { accessor: "givenV1", clientClass: "GivenV1Client", apiVersion: "given.dev/v1", path: "./given.dev/v1/client.js" },
    ]);
  });
});

describe("client.hbs: the views printed", () => {
  const text = new TemplateSet().render(files[0]!);
  it.each([
    ["no verbs pick never", "export interface FrozensClient extends Pick<\n  ResourceClient<t.Frozen, rt.KubernetesList<t.Frozen>, rt.ApplyConfigurationLike>,\n  never\n> {}"],
    ["a hugged type-meta object", '    return this.createSubresource<t.Binding, rt.Status>(name, "binding", body, options, {\n      apiVersion: "v1",\n      kind: "Binding",\n    });'],
    ["a connect call with its object-spread target", '    return execPod(this.executor, { ...options, namespace: this.namespace ?? "", name });'],
    ["an Omit parameter", '  exec(name: string, options: Omit<rt.PodExecStreamOptions, "namespace" | "name">): Promise<rt.PodStreamSession>;'],
    ["the getter's union", "  pods(namespace?: string): PodsClient | rt.AllNamespaces<PodsClient> {"],
    ["the imports", 'import type { Duplex, Readable } from "node:stream";'],
  ])("%s", (_, want) => {
    expect(text).toContain(want);
  });
});

describe("the type printer", () => {
  const long = (s: string) => s + "x".repeat(60);
  // Laid out as a type alias's type (the "type" position), or where `at` puts it.
  const print = (expr: TypeExpr, at: Parameters<typeof printType>[1] = "type") => layout(`type T =${at === "property" ? "" : " "}${printType(expr, at)};`);
  it.each<[string, TypeExpr, string]>([
    ["a name", ref("t.Pod"), "type T = t.Pod;"],
    ["a string literal, escaped", { literal: 'a"b' }, "type T = 'a\"b';"],
    ["other literals", { union: [{ literal: 1 }, { literal: true }, { literal: null }] }, "type T = 1 | true | null;"],
    ["a generic of one name: never broken", promise(ref(long("t.Pod"))), `type T = Promise<${long("t.Pod")}>;`],
    ["nested generics", promise({ generic: "rt.AllNamespaces", args: [ref("PodsClient")] }), "type T = Promise<rt.AllNamespaces<PodsClient>>;"],
    ["omit: a union type argument", omitTarget("rt.X"), 'type T = Omit<rt.X, "namespace" | "name">;'],
    ["a union in an array gets parentheses", { array: { union: [ref("A"), ref("B")] } }, "type T = (A | B)[];"],
    ["an array of one type does not", { array: { union: [ref("A")] } }, "type T = A[];"],
    ["a nested union is flattened", { union: [ref("A"), { union: [ref("B"), ref("C")] }] }, "type T = A | B | C;"],
    ["an empty union is never", { union: [] }, "type T = never;"],
    [
      "a broken union goes one level deeper",
      { union: [ref(long("A")), ref(long("B"))] },
      `type T =\n  | ${long("A")}\n  | ${long("B")};`,
    ],
    [
      "a broken union in an array: parentheses around it",
      { array: { union: [ref(long("A")), ref(long("B"))] } },
      `type T = (\n  | ${long("A")}\n  | ${long("B")}\n)[];`,
    ],
    [
      "a broken union as a type argument: at the argument's level",
      { generic: "Pick", args: [ref("T"), { union: [{ literal: long("a") }, { literal: long("b") }] }] },
      `type T = Pick<\n  T,\n  | "${long("a")}"\n  | "${long("b")}"\n>;`,
    ],
  ])("%s", (_, expr, want) => {
    expect(print(expr)).toBe(want);
  });

  it("writes a property's type with its leading space", () => {
    expect(flatText(printType({ union: [ref("A"), ref("undefined")] }, "property"))).toBe(" A | undefined");
    expect(printType(ref("A"), "property")).toBe(" A");
  });

  it("writes type arguments: none, one name inline, others broken one a line", () => {
    expect(printTypeArguments([])).toBe("");
    expect(printTypeArguments([ref("t.Pod")])).toBe("<t.Pod>");
    expect(flatText(printTypeArguments([ref("A"), ref("B")]))).toBe("<A, B>");
    expect(layout(`f${printTypeArguments([ref(long("A")), ref(long("B"))])}();`)).toBe(`f<\n  ${long("A")},\n  ${long("B")}\n>();`);
  });

  it("lists the names an expression refers to", () => {
    expect(typeNames(promise({ union: [ref("Readable"), { array: ref("Duplex") }, { literal: "x" }] }))).toEqual(["Promise", "Readable", "Duplex"]);
  });

  it("rejects what is not a type expression", () => {
    expect(() => printType({ nope: 1 } as unknown as TypeExpr)).toThrow(/not a type expression/);
  });
});
