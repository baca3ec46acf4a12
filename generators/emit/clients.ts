// The clients artifact: one `<group>/<version>/client.ts` per group-version
// with resources (a typed client per resource over the runtime's
// ResourceClient, and the group-version client with one getter each), plus the
// root `clientset.ts`. Builds views; the templates only print them.

import { stringLiteral } from "../ir/escape.js";
import { callArguments, literalLayout, objectLiteral, typeArgumentList, unionType } from "../render/layout.js";
import type { Resource, Subresource, TypeTarget } from "../ir/types.js";
import { subresourceMethodName, type ResourceClientNames } from "../ir/naming.js";
import { builderClassOrThrow, type GroupVersionPlan, type Plan, type ResourcePlan } from "../ir/plan.js";
import type { EmittedFile } from "./emitted.js";
import { TYPES_INDEX } from "./types.js";
import { ImportCollector } from "./ts-type.js";

interface MethodView {
  doc: string[];
  name: string;
  /** One entry per parameter. */
  params: string[];
  returns: string;
  /** The returned expression (`this.getSubresource(...)`, `execPod(this.executor, ...)`). */
  call: string;
}

interface ResourceView extends ResourceClientNames {
  doc: string[];
  getterDoc: string[];
  group: string;
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
  type: string;
  listType: string;
  applyType: string;
  verbs: string;
  /** `rt.AllNamespaces<Client>`, what the getter returns without a namespace. */
  allNamespacesType: string;
  methods: MethodView[];
  /** The class the getter instantiates: the impl class, or the runtime ResourceClient. */
  impl: string;
}

/**
 * Subresources whose POST answers with a metav1.Status although the OpenAPI
 * document names the request kind as the response (the API server's pod
 * eviction and binding REST handlers return a Success Status).
 */
const STATUS_RESPONSES = new Set(["pods/eviction", "pods/binding"]);

/** The node:stream classes a method may resolve with (imported as types when one does). */
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

function typeMetaOf(plan: Plan, target: TypeTarget): string {
  if ("runtime" in target) return target.runtime === "Scale" ? literalLayout({ apiVersion: "autoscaling/v1", kind: "Scale" }) : "";
  const owner = plan.module(target.module);
  const def = owner?.types.get(target.name);
  if (!owner || !def) return "";
  return literalLayout({ apiVersion: def.gvk?.apiVersion ?? owner.gv.names.apiVersion, kind: def.gvk?.kind ?? def.name });
}

function subresourceMethods(plan: Plan, r: Resource, s: Subresource, self: string, imports: ImportCollector): MethodView[] {
  if (s.name === "status") return []; // updateStatus and applyStatus are ResourceClient verbs; patch takes a subresource
  const path = `${r.plural}/{name}/${s.name}`;
  if (s.stream) {
    if (!s.verbs.includes("get")) return [];
    return [
      {
        doc: [`GET ${path} as a byte stream (destroy it, or abort \`options.signal\`, to stop a \`follow\`).`],
        name: subresourceMethodName("get", s.name),
        params: ["name: string", "options?: rt.LogOptions"],
        returns: "Promise<Readable>",
        call: `this.streamSubresource${callArguments(["name", stringLiteral(s.name), "options"])}`,
      },
    ];
  }
  const body = s.kind ? imports.reference(s.kind) : self;
  const meta = s.kind ? typeMetaOf(plan, s.kind) : "";
  const withMeta = (args: string[]): string => callArguments(meta ? [...args, meta] : args, meta !== "");
  const methods: MethodView[] = [];
  if (s.name === "scale" && s.kind && s.verbs.includes("patch")) {
    // The runtime's Scale builder fits autoscaling/v1 Scale, whether the spec names it or (CRDs) the runtime does.
    methods.push({
      doc: [`Server-side apply to ${path} (client-go \`ApplyScale\`).`],
      name: subresourceMethodName("apply", s.name),
      params: ["name: string", "config: rt.ScaleApplyConfiguration", "options: rt.ApplyOptions"],
      returns: `Promise<${body}>`,
      call: `this.applySubresource<${typeArgumentList(["rt.ScaleApplyConfiguration", body])}>${callArguments(["name", stringLiteral(s.name), "config", "options"])}`,
    });
  }
  if (s.verbs.includes("get")) {
    methods.push({
      doc: [`GET ${path}.`],
      name: subresourceMethodName("get", s.name),
      params: ["name: string", "options?: rt.GetOptions"],
      returns: `Promise<${body}>`,
      call: `this.getSubresource<${body}>${callArguments(["name", stringLiteral(s.name), "options"])}`,
    });
  }
  if (s.verbs.includes("update")) {
    methods.push({
      doc: [`PUT ${path}.`],
      name: subresourceMethodName("update", s.name),
      params: ["name: string", `body: ${body}`, "options?: rt.UpdateOptions"],
      returns: `Promise<${body}>`,
      call: `this.updateSubresource<${body}>${withMeta(["name", stringLiteral(s.name), "body", "options"])}`,
    });
  }
  if (s.verbs.includes("create")) {
    const response = STATUS_RESPONSES.has(`${r.plural}/${s.name}`) ? "rt.Status" : body;
    methods.push({
      doc: [`POST ${path}.`],
      name: subresourceMethodName("create", s.name),
      params: ["name: string", `body: ${body}`, "options?: rt.CreateOptions"],
      returns: `Promise<${response}>`,
      call: `this.createSubresource<${typeArgumentList([body, response])}>${withMeta(["name", stringLiteral(s.name), "body", "options"])}`,
    });
  }
  return methods;
}

/** The connect methods of a resource's client (ConnectPlan), and the runtime functions they call. */
function connectMethods(rp: ResourcePlan, runtimeValues: Set<string>): MethodView[] {
  const { connect } = rp;
  const r = rp.resource;
  const methods: MethodView[] = [];
  const podTarget = objectLiteral(["...options", 'namespace: this.namespace ?? ""', "name"]);
  if (connect.exec) {
    runtimeValues.add("execPod").add("execCapture");
    methods.push(
      {
        doc: [
          "Runs a command in a container of the pod (`pods/exec` over WebSocket) and resolves with the open session;",
          "`session.done` tells how the command ended (the runtime's execPod).",
        ],
        name: "exec",
        params: ["name: string", 'options: Omit<rt.PodExecStreamOptions, "namespace" | "name">'],
        returns: "Promise<rt.PodStreamSession>",
        call: `execPod${callArguments(["this.executor", podTarget], true)}`,
      },
      {
        doc: ["Runs a command in a container of the pod and collects its output and exit code (the runtime's execCapture)."],
        name: "execCapture",
        params: ["name: string", 'options: Omit<rt.ExecCaptureOptions, "namespace" | "name">'],
        returns: "Promise<rt.ExecCaptureResult>",
        call: `execCapture${callArguments(["this.executor", podTarget], true)}`,
      },
    );
  }
  if (connect.attach) {
    runtimeValues.add("attachPod");
    methods.push({
      doc: ["Attaches to the streams of a container's main process (`pods/attach` over WebSocket; the runtime's attachPod)."],
      name: "attach",
      params: ["name: string", 'options: Omit<rt.PodAttachStreamOptions, "namespace" | "name">'],
      returns: "Promise<rt.PodStreamSession>",
      call: `attachPod${callArguments(["this.executor", podTarget], true)}`,
    });
  }
  if (connect.portForward) {
    runtimeValues.add("portForward").add("dialPort");
    methods.push(
      {
        doc: [
          "Forwards local TCP ports to ports of the pod (`pods/portforward` over WebSocket; the runtime's portForward):",
          "resolves once every listener is bound; `close()` or `options.signal` stops it.",
        ],
        name: "portForward",
        params: ["name: string", 'options: Omit<rt.PortForwardOptions, "namespace" | "name">'],
        returns: "Promise<rt.PortForwarder>",
        call: `portForward${callArguments(["this.executor", podTarget], true)}`,
      },
      {
        doc: ["Opens one connection to a port of the pod as a Duplex (the runtime's dialPort)."],
        name: "dialPort",
        params: ["name: string", 'options: Omit<rt.PortStreamOptions, "namespace" | "name">'],
        returns: "Promise<Duplex>",
        call: `dialPort${callArguments(["this.executor", podTarget], true)}`,
      },
    );
  }
  if (connect.proxy) {
    runtimeValues.add("proxyRequest");
    const { methods: verbs, path } = connect.proxy;
    methods.push({
      doc: [
        `One request through the API server to ${r.plural}/{name}/proxy${path ? "/{path}" : ""} (the runtime's proxyRequest).`,
        `Methods: ${verbs.join(", ")}. Resolves with the status, headers and body of a 2xx answer; any other rejects with an ApiError.`,
      ],
      name: "proxy",
      params: ["name: string", ...(path ? ["path: string"] : []), "options?: rt.ProxyOptions"],
      returns: "Promise<rt.ProxyResponse>",
      call: `proxyRequest${callArguments(
        ["this.executor", objectLiteral(["...options", "resource: this.info", "namespace: this.namespace", "name", ...(path ? ["path"] : [])])],
        true,
      )}`,
    });
  }
  return methods;
}

function resourceView(plan: Plan, p: GroupVersionPlan, rp: ResourcePlan, imports: ImportCollector, runtimeValues: Set<string>): ResourceView {
  const { gv } = p;
  const r = rp.resource;
  const { getter, clientType, implClass, infoConst } = rp.names;
  const names: ResourceClientNames = { getter, clientType, implClass, infoConst };
  const type = `t.${r.typeName}`;
  const listType = rp.listType ? `t.${r.listKind}` : `rt.KubernetesList<${type}>`;
  const verbs = r.verbs.flatMap((v) => (Object.hasOwn(VERB_METHODS, v) ? VERB_METHODS[v]! : []));
  const status = r.subresources.find((s) => s.name === "status");
  if (status?.verbs.includes("update")) verbs.push("updateStatus");
  if (status?.verbs.includes("patch") && r.verbs.includes("patch")) verbs.push("applyStatus");
  const methods = [...r.subresources.flatMap((s) => subresourceMethods(plan, r, s, type, imports)), ...connectMethods(rp, runtimeValues)];
  const applyType = rp.hasBuilder ? `ac.${builderClassOrThrow(p, r.typeName)}` : "rt.ApplyConfigurationLike";
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
    listType,
    applyType,
    verbs: verbs.length ? unionType(verbs.map(stringLiteral), false) : "never",
    allNamespacesType: `rt.AllNamespaces<${names.clientType}>`,
    methods,
    impl: methods.length ? names.implClass : `ResourceClient<${typeArgumentList([type, listType, applyType])}>`,
  };
}

/** Emits `client.ts` per group-version with resources, and the root `clientset.ts`. */
export function emitClients(plan: Plan): EmittedFile[] {
  const files: EmittedFile[] = [];
  const withClients = plan.groupVersions.filter((p) => p.has.client);
  for (const p of withClients) {
    const { gv } = p;
    const imports = new ImportCollector(gv.names.modulePath, plan.accessors, "t");
    const runtimeValues = new Set<string>();
    const resources = p.resources.map((rp) => resourceView(plan, p, rp, imports, runtimeValues));
    files.push({
      path: `${gv.names.modulePath}/client.ts`,
      template: "client",
      view: {
        apiVersion: gv.names.apiVersion,
        clientClass: p.clientClass,
        runtimeValues: [...runtimeValues].sort().map((name) => ({ name })),
        nodeStreamTypes: NODE_STREAM_TYPES.filter((t) => resources.some((r) => r.methods.some((m) => m.returns === `Promise<${t}>`))),
        applyconfigurations: resources.some((r) => r.applyType.startsWith("ac.")),
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
