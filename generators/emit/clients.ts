// The clients artifact: one `<group>/<version>/client.ts` per group-version
// with resources (a typed client per resource over the runtime's
// ResourceClient, and the group-version client with one getter each), plus the
// root `clientset.ts`. Builds views of plain data: parameters, results and
// type arguments as type expressions (render/type-expr.ts), calls as a callee
// and its arguments, verbs as names; what a file imports is derived from them.
// The templates and the type printer write the TypeScript.

import type { Resource, Subresource, TypeTarget } from "../ir/types.js";
import { subresourceMethodName, type ResourceClientNames } from "../ir/naming.js";
import type { GroupVersionPlan, Plan, ResourcePlan } from "../ir/plan.js";
import { typeNames, type TypeExpr } from "../render/type-expr.js";
import { names, type ArgView, type CallView as Call, type EntryView, type ParamView } from "../render/code-expr.js";
import type { EmittedFile } from "./emitted.js";
import { TYPES_INDEX } from "./types.js";
import { ImportCollector } from "./ts-type.js";

export type { ArgView, EntryView, ParamView } from "../render/code-expr.js";

/** The call a method returns: `this.callee<...>(...)` for a ResourceClient method (`member`), else a runtime function's. */
export interface CallView extends Call {
  member: boolean;
}

export interface MethodView {
  doc: string[];
  name: string;
  params: ParamView[];
  returns: TypeExpr;
  call: CallView;
}

export interface ResourceView extends ResourceClientNames {
  doc: string[];
  getterDoc: string[];
  group: string;
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
  type: TypeExpr;
  listType: TypeExpr;
  applyType: TypeExpr;
  /** The ResourceClient methods the client's interface picks (none: `never`). */
  verbs: string[];
  /** `rt.AllNamespaces<Client>`, what the getter returns without a namespace. */
  allNamespacesType: TypeExpr;
  /** The client's own methods; with any, the getter instantiates the impl class, else the runtime ResourceClient. */
  methods: MethodView[];
}

/**
 * Subresources whose POST answers with a metav1.Status although the OpenAPI
 * document names the request kind as the response (the API server's pod
 * eviction and binding REST handlers return a Success Status).
 */
const STATUS_RESPONSES = new Set(["pods/eviction", "pods/binding"]);

/** The node:stream classes a method may take or resolve with (imported as types when one does). */
const NODE_STREAM_TYPES = ["Duplex", "Readable"];

/** IR verbs -> ResourceClient methods. */
const VERB_METHODS: Record<string, readonly string[]> = {
  create: ["create"],
  update: ["update"],
  delete: ["delete"],
  deletecollection: ["deleteCollection"],
  get: ["get"],
  list: ["list", "listPages", "listAll"],
  watch: ["watch"],
  patch: ["patch", "apply"],
};

const ref = (name: string): TypeExpr => ({ ref: name });
const promise = (type: TypeExpr): TypeExpr => ({ generic: "Promise", args: [type] });
const param = (name: string, type: TypeExpr, optional = false): ParamView => ({ name, type, optional });
const NAME = param("name", ref("string"));
/** `this.method<typeArgs>(name, "subresource", ...rest)`. */
const subresourceCall = (method: string, typeArgs: TypeExpr[], subresource: string, ...rest: ArgView[]): CallView => ({
  callee: method,
  member: true,
  typeArgs,
  args: [{ name: "name" }, { string: subresource }, ...rest],
});

/** The `{ apiVersion, kind }` a subresource body is sent with, when kubegen knows it. */
function typeMetaOf(plan: Plan, target: TypeTarget): ArgView | undefined {
  const meta = (apiVersion: string, kind: string): ArgView => ({
    object: [
      { key: "apiVersion", value: { string: apiVersion } },
      { key: "kind", value: { string: kind } },
    ],
  });
  if ("runtime" in target) return target.runtime === "Scale" ? meta("autoscaling/v1", "Scale") : undefined;
  const owner = plan.module(target.module);
  const def = owner?.types.get(target.name);
  if (!owner || !def) return undefined;
  return meta(def.gvk?.apiVersion ?? owner.gv.names.apiVersion, def.gvk?.kind ?? def.name);
}

function subresourceMethods(plan: Plan, r: Resource, s: Subresource, self: TypeExpr, imports: ImportCollector): MethodView[] {
  if (s.name === "status") return []; // updateStatus and applyStatus are ResourceClient verbs; patch takes a subresource
  const path = `${r.plural}/{name}/${s.name}`;
  if (s.stream) {
    if (!s.verbs.includes("get")) return [];
    return [
      {
        doc: [`GET ${path} as a byte stream (destroy it, or abort \`options.signal\`, to stop a \`follow\`).`],
        name: subresourceMethodName("get", s.name),
        params: [NAME, param("options", ref("rt.LogOptions"), true)],
        returns: promise(ref("Readable")),
        call: subresourceCall("streamSubresource", [], s.name, ...names("options")),
      },
    ];
  }
  const body = s.kind ? ref(imports.reference(s.kind)) : self;
  const meta = s.kind ? typeMetaOf(plan, s.kind) : undefined;
  const withMeta = (args: ArgView[]): ArgView[] => (meta ? [...args, meta] : args);
  const methods: MethodView[] = [];
  if (s.name === "scale" && s.kind && s.verbs.includes("patch")) {
    // The runtime's Scale builder fits autoscaling/v1 Scale, whether the spec names it or (CRDs) the runtime does.
    const config = ref("rt.ScaleApplyConfiguration");
    methods.push({
      doc: [`Server-side apply to ${path} (client-go \`ApplyScale\`).`],
      name: subresourceMethodName("apply", s.name),
      params: [NAME, param("config", config), param("options", ref("rt.ApplyOptions"))],
      returns: promise(body),
      call: subresourceCall("applySubresource", [config, body], s.name, ...names("config", "options")),
    });
  }
  if (s.verbs.includes("get")) {
    methods.push({
      doc: [`GET ${path}.`],
      name: subresourceMethodName("get", s.name),
      params: [NAME, param("options", ref("rt.GetOptions"), true)],
      returns: promise(body),
      call: subresourceCall("getSubresource", [body], s.name, ...names("options")),
    });
  }
  if (s.verbs.includes("update")) {
    methods.push({
      doc: [`PUT ${path}.`],
      name: subresourceMethodName("update", s.name),
      params: [NAME, param("body", body), param("options", ref("rt.UpdateOptions"), true)],
      returns: promise(body),
      call: subresourceCall("updateSubresource", [body], s.name, ...withMeta(names("body", "options"))),
    });
  }
  if (s.verbs.includes("create")) {
    const response = STATUS_RESPONSES.has(`${r.plural}/${s.name}`) ? ref("rt.Status") : body;
    methods.push({
      doc: [`POST ${path}.`],
      name: subresourceMethodName("create", s.name),
      params: [NAME, param("body", body), param("options", ref("rt.CreateOptions"), true)],
      returns: promise(response),
      call: subresourceCall("createSubresource", [body, response], s.name, ...withMeta(names("body", "options"))),
    });
  }
  return methods;
}

/** `Omit<Options, "namespace" | "name">`: a connect function's options, less what the client fills in. */
const connectOptions = (options: string): ParamView =>
  param("options", { generic: "Omit", args: [ref(options), { union: [{ literal: "namespace" }, { literal: "name" }] }] });

/** The connect methods of a resource's client (ConnectPlan): calls of the runtime functions behind them. */
function connectMethods(rp: ResourcePlan): MethodView[] {
  const { connect } = rp;
  const r = rp.resource;
  const methods: MethodView[] = [];
  const runtimeCall = (fn: string, target: EntryView[]): CallView => ({
    callee: fn,
    member: false,
    typeArgs: [],
    args: [{ name: "this.executor" }, { object: [{ spread: "options" }, ...target] }],
  });
  const podTarget: EntryView[] = [{ key: "namespace", value: { name: "this.namespace", fallback: { string: "" } } }, { key: "name" }];
  if (connect.exec) {
    methods.push(
      {
        doc: [
          "Runs a command in a container of the pod (`pods/exec` over WebSocket) and resolves with the open session;",
          "`session.done` tells how the command ended (the runtime's execPod).",
        ],
        name: "exec",
        params: [NAME, connectOptions("rt.PodExecStreamOptions")],
        returns: promise(ref("rt.PodStreamSession")),
        call: runtimeCall("execPod", podTarget),
      },
      {
        doc: ["Runs a command in a container of the pod and collects its output and exit code (the runtime's execCapture)."],
        name: "execCapture",
        params: [NAME, connectOptions("rt.ExecCaptureOptions")],
        returns: promise(ref("rt.ExecCaptureResult")),
        call: runtimeCall("execCapture", podTarget),
      },
    );
  }
  if (connect.attach) {
    methods.push({
      doc: ["Attaches to the streams of a container's main process (`pods/attach` over WebSocket; the runtime's attachPod)."],
      name: "attach",
      params: [NAME, connectOptions("rt.PodAttachStreamOptions")],
      returns: promise(ref("rt.PodStreamSession")),
      call: runtimeCall("attachPod", podTarget),
    });
  }
  if (connect.portForward) {
    methods.push(
      {
        doc: [
          "Forwards local TCP ports to ports of the pod (`pods/portforward` over WebSocket; the runtime's portForward):",
          "resolves once every listener is bound; `close()` or `options.signal` stops it.",
        ],
        name: "portForward",
        params: [NAME, connectOptions("rt.PortForwardOptions")],
        returns: promise(ref("rt.PortForwarder")),
        call: runtimeCall("portForward", podTarget),
      },
      {
        doc: ["Opens one connection to a port of the pod as a Duplex (the runtime's dialPort)."],
        name: "dialPort",
        params: [NAME, connectOptions("rt.PortStreamOptions")],
        returns: promise(ref("Duplex")),
        call: runtimeCall("dialPort", podTarget),
      },
    );
  }
  if (connect.proxy) {
    const { methods: verbs, path } = connect.proxy;
    methods.push({
      doc: [
        `One request through the API server to ${r.plural}/{name}/proxy${path ? "/{path}" : ""} (the runtime's proxyRequest).`,
        `Methods: ${verbs.join(", ")}. Resolves with the status, headers and body of a 2xx answer; any other rejects with an ApiError.`,
      ],
      name: "proxy",
      params: [NAME, ...(path ? [param("path", ref("string"))] : []), param("options", ref("rt.ProxyOptions"), true)],
      returns: promise(ref("rt.ProxyResponse")),
      call: runtimeCall("proxyRequest", [
        { key: "resource", value: { name: "this.info" } },
        { key: "namespace", value: { name: "this.namespace" } },
        { key: "name" },
        ...(path ? [{ key: "path" }] : []),
      ]),
    });
  }
  return methods;
}

function resourceView(plan: Plan, p: GroupVersionPlan, rp: ResourcePlan, imports: ImportCollector): ResourceView {
  const { gv } = p;
  const r = rp.resource;
  const { getter, clientType, implClass, infoConst } = rp.names;
  const names: ResourceClientNames = { getter, clientType, implClass, infoConst };
  const type = ref(`t.${r.typeName}`);
  const verbs = r.verbs.flatMap((v) => (Object.hasOwn(VERB_METHODS, v) ? VERB_METHODS[v]! : []));
  const status = r.subresources.find((s) => s.name === "status");
  if (status?.verbs.includes("update")) verbs.push("updateStatus");
  if (status?.verbs.includes("patch") && r.verbs.includes("patch")) verbs.push("applyStatus");
  const what = `${r.plural} (${gv.names.apiVersion} ${r.kind})`;
  return {
    ...names,
    doc: [`The verbs of ${what}.`],
    getterDoc: r.namespaced
      ? [`${what} in \`namespace\`; without a namespace, only list and watch across all namespaces.`]
      : [`${what}; cluster-scoped.`],
    group: gv.group,
    version: gv.version,
    plural: r.plural,
    kind: r.kind,
    namespaced: r.namespaced,
    type,
    listType: rp.listType ? ref(`t.${r.listKind}`) : { generic: "rt.KubernetesList", args: [type] },
    // The builder's brand, not its class: the client's declarations then load no builder's.
    applyType: rp.applyBrand ? { generic: "rt.ApplyFor", args: [{ literal: rp.applyBrand }] } : ref("rt.ApplyConfigurationLike"),
    verbs,
    allNamespacesType: { generic: "rt.AllNamespaces", args: [ref(clientType)] },
    methods: [...r.subresources.flatMap((s) => subresourceMethods(plan, r, s, type, imports)), ...connectMethods(rp)],
  };
}

/** Every type a method names (its parameters' and its result's). */
const methodTypeNames = (m: MethodView): string[] => [...m.params.map((x) => x.type), m.returns].flatMap(typeNames);

/** Emits `client.ts` per group-version with resources, and the root `clientset.ts`. */
export function emitClients(plan: Plan): EmittedFile[] {
  const files: EmittedFile[] = [];
  const withClients = plan.groupVersions.filter((p) => p.has.client);
  for (const p of withClients) {
    const { gv } = p;
    const imports = new ImportCollector(gv.names.modulePath, plan.accessors, "t");
    const resources = p.resources.map((rp) => resourceView(plan, p, rp, imports));
    const methods = resources.flatMap((r) => r.methods);
    const runtimeValues = new Set(methods.filter((m) => !m.call.member).map((m) => m.call.callee));
    const named = new Set(methods.flatMap(methodTypeNames));
    files.push({
      path: `${gv.names.modulePath}/client.ts`,
      template: "client",
      view: {
        apiVersion: gv.names.apiVersion,
        clientClass: p.clientClass,
        runtimeValues: [...runtimeValues].sort().map((name) => ({ name })),
        nodeStreamTypes: NODE_STREAM_TYPES.filter((t) => named.has(t)),
        imports: imports.moduleImports(TYPES_INDEX),
        resources,
      },
    });
  }
  files.push({
    path: "clientset.ts",
    template: "clientset",
    view: {
      groups: withClients.map(({ gv, clientClass }) => ({
        accessor: gv.names.accessor,
        clientClass,
        apiVersion: gv.names.apiVersion,
        path: `./${gv.names.modulePath}/client.js`,
      })),
    },
  });
  return files;
}
