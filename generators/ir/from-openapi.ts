// OpenAPI (v2 definitions or v3 components, merged) -> IR. Definitions are
// assigned to group-version modules by their package and GVK; resources,
// verbs and subresources are read from the paths and their
// x-kubernetes-action / x-kubernetes-group-version-kind markers.

import type { Diagnostics } from "../load/errors.js";
import { apiGroupError, apiVersionError, definitionNameError, kindError, quoted, resourceNameError } from "../load/names.js";
import { pointerJoin, type OpenApiInput, type Operation, type Schema } from "../load/schema.js";
import { checkSchema, isMap, jsonKind, own, type Report } from "../load/shape.js";
import type { ModelBuilder, ModuleDraft } from "./model-builder.js";
import {
  definitionPackage,
  definitionTypeName,
  guessPackageGroup,
  hoistedTypeName,
  knownPackageGroup,
  listKindName,
} from "./naming.js";
import { docsOf, objectTypeDef, toTypeRef, type SchemaContext } from "./schema.js";
import type { ConnectMethod, ConnectSubresource, Resource, RuntimeType, Subresource, TypeRef, TypeTarget, Verb } from "./types.js";

/** apimachinery definitions that map to the runtime's hand-written types. */
const RUNTIME_DEFINITIONS: Record<string, RuntimeType> = {
  "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta": "ObjectMeta",
  "io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta": "ListMeta",
  "io.k8s.apimachinery.pkg.apis.meta.v1.Status": "Status",
  "io.k8s.apimachinery.pkg.apis.meta.v1.StatusCause": "StatusCause",
  "io.k8s.apimachinery.pkg.apis.meta.v1.StatusDetails": "StatusDetails",
  "io.k8s.apimachinery.pkg.apis.meta.v1.Condition": "Condition",
  "io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference": "OwnerReference",
  "io.k8s.apimachinery.pkg.apis.meta.v1.ManagedFieldsEntry": "ManagedFieldsEntry",
  "io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector": "LabelSelector",
  "io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelectorRequirement": "LabelSelectorRequirement",
  "io.k8s.apimachinery.pkg.apis.meta.v1.Time": "Time",
  "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime": "MicroTime",
  "io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1": "FieldsV1",
  "io.k8s.apimachinery.pkg.api.resource.Quantity": "Quantity",
  "io.k8s.apimachinery.pkg.util.intstr.IntOrString": "IntOrString",
  "io.k8s.apimachinery.pkg.runtime.RawExtension": "RawExtension",
};

interface Definition {
  readonly name: string;
  readonly schema: Schema;
  readonly file: string;
  readonly pointer: string;
}

interface PathEntry {
  readonly path: string;
  readonly file: string;
  readonly ops: [string, Operation][];
}

type Gvk = { group: string; version: string; kind: string };

const REF_PREFIXES = ["#/definitions/", "#/components/schemas/"];

function refName(ref: string): string | undefined {
  for (const p of REF_PREFIXES) {
    if (!ref.startsWith(p)) continue;
    let name: string;
    try {
      name = decodeURIComponent(ref.slice(p.length));
    } catch {
      return undefined; // a malformed %-escape: no definition has that name
    }
    return name.replace(/~1/g, "/").replace(/~0/g, "~");
  }
  return undefined;
}

/** The runtime type an apimachinery definition maps to (own entries only: `constructor` is no definition). */
function runtimeDefinition(name: string | undefined): RuntimeType | undefined {
  return name !== undefined && Object.hasOwn(RUNTIME_DEFINITIONS, name) ? RUNTIME_DEFINITIONS[name] : undefined;
}

/** naming.ts's fixed group of a package, guarded against inherited lookups (a package named `constructor`). */
function fixedPackageGroup(pkg: string): { group: string; version: string } | undefined {
  const known = knownPackageGroup(pkg);
  return known && typeof known.group === "string" && typeof known.version === "string" ? known : undefined;
}

function singleGvk(s: Schema): Gvk | undefined {
  const g = isMap(s) ? own(s, "x-kubernetes-group-version-kind") : undefined;
  if (!Array.isArray(g) || g.length !== 1) return undefined;
  const e: unknown = g[0];
  if (!isMap(e) || typeof e.group !== "string" || typeof e.version !== "string" || typeof e.kind !== "string") return undefined;
  return { group: e.group, version: e.version, kind: e.kind };
}

/** The groups the OpenAPI inputs define, for naming before conversion. */
export function openApiGroups(inputs: readonly OpenApiInput[]): Map<string, { group: string; version: string }> {
  const pkgs = new Map<string, { group: string; version: string }>();
  const defs = inputs.flatMap((i) => Object.entries(i.schemas));
  for (const [name, schema] of defs) {
    const pkg = definitionPackage(name);
    if (pkgs.has(pkg)) continue;
    const known = fixedPackageGroup(pkg);
    if (known) {
      pkgs.set(pkg, known);
      continue;
    }
    const gvk = singleGvk(schema ?? {});
    if (gvk && gvk.kind === definitionTypeName(name)) pkgs.set(pkg, { group: gvk.group, version: gvk.version });
  }
  for (const [name] of defs) {
    const pkg = definitionPackage(name);
    if (!pkgs.has(pkg) && !runtimeDefinition(name)) pkgs.set(pkg, guessPackageGroup(pkg));
  }
  return pkgs;
}

const ACTION_VERBS: Record<string, Verb> = {
  get: "get",
  list: "list",
  watch: "watch",
  watchlist: "watch",
  post: "create",
  put: "update",
  patch: "patch",
  delete: "delete",
  deletecollection: "deletecollection",
};

const VERB_ORDER: readonly Verb[] = ["create", "update", "delete", "deletecollection", "get", "list", "watch", "patch"];

function sortVerbs(verbs: Set<Verb>): Verb[] {
  return VERB_ORDER.filter((v) => verbs.has(v));
}

/** Connect methods in a fixed order (the IR's order, whatever the spec's). */
const CONNECT_METHOD_ORDER: readonly ConnectMethod[] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

function respondsWithString(op: Operation): boolean {
  const responses = op.responses;
  const ok = isMap(responses) ? own(responses, "200") : undefined;
  if (!isMap(ok)) return false;
  const schema = own(ok, "schema");
  if (schema !== undefined) return isMap(schema) && schema.type === "string";
  const content = own(ok, "content");
  return isMap(content) && Object.values(content).some((c) => isMap(c) && isMap(c.schema) && c.schema.type === "string");
}

interface ResourceDraft {
  group: string;
  version: string;
  plural: string;
  namespaced: boolean;
  verbs: Set<Verb>;
  gvk?: Gvk;
  file: string;
  path: string;
  subs: Map<string, { verbs: Set<Verb>; gvk?: Gvk; stream: boolean }>;
  /** Connect subresources: their methods, and whether a `{path}` variant exists. */
  connect: Map<string, { methods: Set<string>; path: boolean }>;
}

const PATH = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))\/(.+)$/;

/** The parts of a resource path (`/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale`), or undefined for other paths. */
interface ResourcePath {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly sub?: string;
  /** True for a subresource's `{path}` variant (`pods/{name}/proxy/{path}`). */
  readonly subPath: boolean;
  readonly namespaced: boolean;
  readonly watch: boolean;
}

function parseResourcePath(path: string): ResourcePath | undefined {
  const m = PATH.exec(path);
  if (!m) return undefined;
  const group = m[1] ? "" : m[2]!;
  const version = m[1] ?? m[3]!;
  let rest = m[4]!.split("/");
  const watch = rest[0] === "watch";
  if (watch) rest = rest.slice(1);
  let namespaced = false;
  if (rest[0] === "namespaces" && rest[1] === "{namespace}" && rest.length > 2) {
    namespaced = true;
    rest = rest.slice(2);
  }
  const plural = rest[0];
  // `/api/v1/watch` or `/api/v1/namespaces/{namespace}` alone name no resource.
  if (plural === undefined || plural === "" || plural.startsWith("{") || rest.length > 4) return undefined;
  if (rest.length > 1 && rest[1] !== "{name}") return undefined;
  const sub = rest[2];
  if (sub?.startsWith("{")) return undefined;
  // `pods/{name}/proxy/{path}`: the proxies' any-path variant (only connect operations are read from it).
  const subPath = rest.length === 4;
  if (subPath && rest[3] !== "{path}") return undefined;
  return { group, version, plural, ...(sub !== undefined ? { sub } : {}), subPath, namespaced, watch };
}

/** The operations of a path item (only the HTTP methods; `parameters` and others are not operations). */
function operationsOf(item: unknown): [string, Operation][] {
  if (!isMap(item)) return [];
  return HTTP_METHODS.flatMap((m) => {
    const op = own(item, m);
    return isMap(op) ? [[m, op as Operation] as [string, Operation]] : [];
  });
}

const HTTP_METHODS = ["get", "put", "post", "delete", "patch", "head", "options", "trace"] as const;

function collectResources(paths: readonly PathEntry[]): ResourceDraft[] {
  const drafts = new Map<string, ResourceDraft>();
  for (const { path, file, ops } of paths) {
    const rp = parseResourcePath(path);
    if (!rp) continue;
    const { group, version, plural, sub, namespaced } = rp;
    const key = `${group}/${version}/${plural}`;
    let d = drafts.get(key);
    if (!d) {
      d = { group, version, plural, namespaced: false, verbs: new Set(), file, path, subs: new Map(), connect: new Map() };
      drafts.set(key, d);
    }
    d.namespaced ||= namespaced;
    for (const [method, op] of ops) {
      const action = op["x-kubernetes-action"];
      if (action === "connect") {
        // exec, attach, portforward, proxy: raw or upgraded streams, kept apart from the object verbs
        if (sub === undefined) continue;
        let c = d.connect.get(sub);
        if (!c) {
          c = { methods: new Set(), path: false };
          d.connect.set(sub, c);
        }
        c.methods.add(method.toUpperCase());
        c.path ||= rp.subPath;
        continue;
      }
      if (rp.subPath) continue; // only connect operations are read from `{path}` variants
      const verb = typeof action === "string" && Object.hasOwn(ACTION_VERBS, action) ? ACTION_VERBS[action] : undefined;
      if (!verb) continue;
      const gvk = op["x-kubernetes-group-version-kind"];
      if (sub) {
        let s = d.subs.get(sub);
        if (!s) {
          s = { verbs: new Set(), stream: false };
          d.subs.set(sub, s);
        }
        s.verbs.add(verb);
        s.gvk ??= gvk;
        s.stream ||= respondsWithString(op);
      } else {
        d.verbs.add(rp.watch ? "watch" : verb);
        d.gvk ??= gvk;
      }
    }
  }
  return [...drafts.values()];
}

/** Checks one group-version-kind object (of a definition or an operation); returns it when valid. */
function checkGvk(v: unknown, at: string, report: Report): Gvk | undefined {
  if (!isMap(v)) {
    report(at, `a group-version-kind must be a map with group, version and kind, got ${jsonKind(v)}`);
    return undefined;
  }
  let ok = true;
  for (const k of ["group", "version", "kind"]) {
    const x = own(v, k);
    if (typeof x !== "string") {
      report(pointerJoin(at, k), x === undefined ? `the group-version-kind has no ${k}` : `${k} must be a string, got ${jsonKind(x)}`);
      ok = false;
    }
  }
  if (!ok) return undefined;
  const gvk = { group: v.group as string, version: v.version as string, kind: v.kind as string };
  for (const [k, e] of [
    ["group", apiGroupError(gvk.group)],
    ["version", apiVersionError(gvk.version)],
    ["kind", kindError(gvk.kind)],
  ] as const) {
    if (e) {
      report(pointerJoin(at, k), `${k} ${quoted(gvk[k])} is invalid: ${e}`);
      ok = false;
    }
  }
  return ok ? gvk : undefined;
}

/**
 * Validates one OpenAPI document before anything is built from it: definition
 * names, the JSON types of every schema, group-version-kinds (group, version
 * and kind named as the API server names them), and the resource paths and
 * operations resources are read from. Reports every problem; true when none.
 */
function checkOpenApiInput(input: OpenApiInput, diags: Diagnostics): boolean {
  let ok = true;
  const report: Report = (pointer, message) => {
    ok = false;
    diags.error(input.file, pointer, message);
  };
  for (const [name, schema] of Object.entries(input.schemas)) {
    const at = pointerJoin(input.schemasPointer, name);
    const e = definitionNameError(name);
    if (e) report(at, `definition ${quoted(name)}: ${e}`);
    if (!checkSchema(schema, at, report)) continue;
    const gvks = own(schema as Record<string, unknown>, "x-kubernetes-group-version-kind");
    if (gvks === undefined) continue;
    const gat = pointerJoin(at, "x-kubernetes-group-version-kind");
    if (!Array.isArray(gvks)) report(gat, `x-kubernetes-group-version-kind must be a list, got ${jsonKind(gvks)}`);
    else gvks.forEach((g, i) => checkGvk(g, pointerJoin(gat, i), report));
  }
  for (const [path, item] of Object.entries(input.paths)) {
    const at = pointerJoin("/paths", path);
    const ops = operationsOf(item);
    const rp = parseResourcePath(path);
    if (rp && ops.length > 0) {
      const parts: [string, string, string | undefined][] = [
        ["group", rp.group, rp.group === "" ? undefined : apiGroupError(rp.group)],
        ["version", rp.version, apiVersionError(rp.version)],
        ["resource", rp.plural, resourceNameError(rp.plural)],
        ...(rp.sub !== undefined ? [["subresource", rp.sub, resourceNameError(rp.sub)] as [string, string, string | undefined]] : []),
      ];
      for (const [what, value, e] of parts) if (e) report(at, `the path's ${what} ${quoted(value)} is invalid: ${e}`);
    }
    for (const [method, op] of ops) {
      const oat = pointerJoin(at, method);
      const action = own(op as Record<string, unknown>, "x-kubernetes-action");
      if (action !== undefined && typeof action !== "string") {
        report(pointerJoin(oat, "x-kubernetes-action"), `x-kubernetes-action must be a string, got ${jsonKind(action)}`);
      }
      const gvk = own(op as Record<string, unknown>, "x-kubernetes-group-version-kind");
      if (gvk !== undefined) checkGvk(gvk, pointerJoin(oat, "x-kubernetes-group-version-kind"), report);
    }
  }
  return ok;
}

/** The OpenAPI inputs without problems (see checkOpenApiInput); the others are reported and left out. */
export function checkOpenApiInputs(inputs: readonly OpenApiInput[], diags: Diagnostics): OpenApiInput[] {
  return inputs.filter((input) => checkOpenApiInput(input, diags));
}

/** Adds every OpenAPI input's types and resources to the model. */
export function buildFromOpenApi(
  inputs: readonly OpenApiInput[],
  packages: Map<string, { group: string; version: string }>,
  mb: ModelBuilder,
  diags: Diagnostics,
  ownRuntimeTypes: ReadonlySet<RuntimeType> = new Set(),
): void {
  if (inputs.length === 0) return;
  const defs = new Map<string, Definition>();
  const paths: PathEntry[] = [];
  for (const input of inputs) {
    for (const [name, schema] of Object.entries(input.schemas)) {
      if (!defs.has(name)) defs.set(name, { name, schema: isMap(schema) ? schema : {}, file: input.file, pointer: pointerJoin(input.schemasPointer, name) });
    }
    for (const [path, item] of Object.entries(input.paths)) paths.push({ path, file: input.file, ops: operationsOf(item) });
  }

  // Assign every definition a module and a name before converting any, so refs resolve in one pass.
  const targets = new Map<string, { module: ModuleDraft; name: string }>();
  const gvkIndex = new Map<string, { module: ModuleDraft; name: string; def: Definition }>();
  /** Definitions that could not be placed (already reported): references to them are typed as unknown without a second error. */
  const unplaced = new Set<string>();
  for (const def of [...defs.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const runtime = runtimeDefinition(def.name);
    if (runtime && !ownRuntimeTypes.has(runtime)) continue;
    const pkg = definitionPackage(def.name);
    const gv = packages.get(pkg) ?? guessPackageGroup(pkg);
    const placement = apiGroupError(gv.group) ?? apiVersionError(gv.version);
    if (placement) {
      diags.error(
        def.file,
        def.pointer,
        `definition ${quoted(def.name)} has no group-version: its package ${quoted(pkg)} gives group ${quoted(gv.group)} and version ${quoted(gv.version)} (${placement}); ` +
          "name it <package>.<version>.<Type> (e.g. com.example.v1.Widget) or give a definition of its package an x-kubernetes-group-version-kind",
      );
      unplaced.add(def.name);
      continue;
    }
    const module = mb.module(gv.group, gv.version);
    const name = mb.reserve(module, definitionTypeName(def.name));
    targets.set(def.name, { module, name });
    const gvk = singleGvk(def.schema);
    if (!gvk) continue;
    const key = `${gvk.group}/${gvk.version}/${gvk.kind}`;
    const prev = gvkIndex.get(key);
    if (prev) {
      // Two types for one kind: the API server serves one, and resources could not tell which is meant.
      diags.error(
        def.file,
        pointerJoin(def.pointer, "x-kubernetes-group-version-kind"),
        `definition ${quoted(def.name)} claims ${gvk.group ? `${gvk.group}/` : ""}${gvk.version} ${gvk.kind}, as definition ${quoted(prev.def.name)} in ${prev.def.file} does; one kind has one definition`,
      );
      continue;
    }
    gvkIndex.set(key, { module, name, def });
  }

  // Which definition each module type is, to follow alias chains (below).
  const definitionOf = new Map<string, string>();
  for (const [defName, t] of targets) definitionOf.set(`${t.module.names.modulePath}\u0000${t.name}`, defName);
  /** Where each reference came from, so an alias cycle can name the $ref that closes it. */
  const refPointers = new WeakMap<TypeRef, string>();
  /** Alias definitions -> the definitions their type is directly (not inside an array, map or object). */
  const aliasEdges = new Map<string, { to: string; pointer: string }[]>();

  for (const def of defs.values()) {
    const target = targets.get(def.name);
    if (!target) continue;
    const { module, name } = target;
    const ctx: SchemaContext = {
      file: def.file,
      recogniseWellKnown: false,
      warn: (pointer, message) => diags.warn(def.file, pointer, message),
      resolveRef(ref, pointer): TypeRef {
        const n = refName(ref);
        const runtime = runtimeDefinition(n);
        if (runtime) return { kind: "ref", target: { runtime } };
        const t = n !== undefined ? targets.get(n) : undefined;
        if (!t) {
          if (n === undefined || !unplaced.has(n)) diags.error(def.file, pointer, `dangling $ref ${quoted(ref)}: the document has no such definition`);
          return { kind: "unknown", json: "any" };
        }
        const r: TypeRef = { kind: "ref", target: { module: t.module.names.modulePath, name: t.name } };
        refPointers.set(r, pointer);
        return r;
      },
      hoist(schema, pointer, path): TypeRef {
        const hoisted = mb.reserve(module, hoistedTypeName(name, path));
        module.types.set(hoisted, objectTypeDef(hoisted, schema, pointer, path, ctx));
        return { kind: "ref", target: { module: module.names.modulePath, name: hoisted } };
      },
    };
    const gvk = singleGvk(def.schema);
    const literal =
      gvk && gvk.group === module.group && gvk.version === module.version
        ? { apiVersion: module.names.apiVersion, kind: gvk.kind }
        : undefined;
    const s = def.schema;
    if (isMap(s.properties) && Object.keys(s.properties).length > 0) {
      const td = objectTypeDef(name, s, def.pointer, [], ctx, literal ? { gvk: literal } : {});
      const items = td.fields.find((f) => f.name === "items");
      const listOf =
        literal && name.endsWith("List") && items?.type.kind === "array" && items.type.items.kind === "ref" && "name" in items.type.items.target
          ? items.type.items.target.name
          : undefined;
      module.types.set(name, listOf ? { ...td, listOf } : td);
    } else {
      // Not an object with fields (a string, an open map...): the type is an alias.
      const alias = toTypeRef(s, def.pointer, [], ctx);
      module.types.set(name, {
        name,
        alias,
        fields: [],
        preserveUnknownFields: s["x-kubernetes-preserve-unknown-fields"] === true,
        embeddedResource: false,
        mapType: "granular",
        ...docsOf(s),
        source: { file: def.file, pointer: def.pointer },
      });
      const edges: { to: string; pointer: string }[] = [];
      const direct = (t: TypeRef): void => {
        if (t.kind === "union") t.variants.forEach(direct);
        else if (t.kind === "ref" && "module" in t.target) {
          const to = definitionOf.get(`${t.target.module}\u0000${t.target.name}`);
          if (to !== undefined) edges.push({ to, pointer: refPointers.get(t) ?? def.pointer });
        }
      };
      direct(alias);
      if (edges.length > 0) aliasEdges.set(def.name, edges);
    }
  }
  reportAliasCycles(aliasEdges, defs, diags);

  for (const d of collectResources(paths)) {
    if (!d.gvk) continue;
    const at = gvkIndex.get(`${d.gvk.group}/${d.gvk.version}/${d.gvk.kind}`);
    const module = mb.module(d.group, d.version);
    if (!at) {
      diags.warn(d.file, pointerJoin("/paths", d.path), `resource ${d.plural} returns ${d.gvk.kind}, which has no definition: no client for it`);
      continue;
    }
    const subresources: Subresource[] = [...d.subs.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([sub, s]) => {
        let kind: TypeTarget | undefined;
        if (s.gvk && (s.gvk.kind !== d.gvk!.kind || s.gvk.group !== d.gvk!.group || s.gvk.version !== d.gvk!.version)) {
          const k = gvkIndex.get(`${s.gvk.group}/${s.gvk.version}/${s.gvk.kind}`);
          if (k) kind = { module: k.module.names.modulePath, name: k.name };
        }
        return { name: sub, verbs: sortVerbs(s.verbs), stream: s.stream, ...(kind ? { kind } : {}) };
      });
    const connect: ConnectSubresource[] = [...d.connect.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, c]) => ({ name, methods: CONNECT_METHOD_ORDER.filter((m) => c.methods.has(m)), path: c.path }));
    const listName = listKindName(d.gvk.kind);
    const resource: Resource = {
      kind: d.gvk.kind,
      typeName: at.name,
      listKind: at.module === module && module.types.has(listName) ? listName : "",
      plural: d.plural,
      singular: d.gvk.kind.toLowerCase(),
      shortNames: [],
      categories: [],
      namespaced: d.namespaced,
      verbs: sortVerbs(d.verbs),
      subresources,
      ...(connect.length > 0 ? { connect } : {}),
      source: { file: d.file, pointer: pointerJoin("/paths", d.path) },
    };
    if (at.module !== module) {
      diags.warn(d.file, resource.source.pointer, `resource ${d.plural} in ${module.names.apiVersion} returns ${d.gvk.kind} from another group-version: skipped`);
      continue;
    }
    module.resources.push(resource);
  }
}

/**
 * Reports every cycle of definitions that are only aliases of each other
 * (A = B, B = A | string): no type can be written for them (TypeScript
 * rejects a type alias that circularly references itself). A cycle through an
 * object, an array or a map is a legal recursive type and is not one of these.
 * Each cycle is reported once, at the $ref that leaves its first definition.
 */
function reportAliasCycles(edges: Map<string, { to: string; pointer: string }[]>, defs: Map<string, Definition>, diags: Diagnostics): void {
  // Iterative depth-first search (chains may be long), in name order so reports are stable.
  const state = new Map<string, "open" | "done">();
  const reported = new Set<string>();
  for (const start of [...edges.keys()].sort()) {
    if (state.has(start)) continue;
    const path: string[] = [];
    const stack: { node: string; next: number }[] = [{ node: start, next: 0 }];
    state.set(start, "open");
    path.push(start);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const out = edges.get(top.node) ?? [];
      if (top.next >= out.length) {
        state.set(top.node, "done");
        stack.pop();
        path.pop();
        continue;
      }
      const { to } = out[top.next++]!;
      const st = state.get(to);
      if (st === "open") {
        const cycle = path.slice(path.indexOf(to));
        const first = [...cycle].sort()[0]!;
        const i = cycle.indexOf(first);
        const ordered = [...cycle.slice(i), ...cycle.slice(0, i)];
        const key = ordered.join("\u0000");
        if (reported.has(key)) continue;
        reported.add(key);
        const next = ordered[1 % ordered.length]!;
        const def = defs.get(first)!;
        const pointer = edges.get(first)!.find((e) => e.to === next)!.pointer;
        diags.error(
          def.file,
          pointer,
          `the $ref cycle ${[...ordered, first].map((n) => quoted(n)).join(" -> ")} has no object type in it (each is only another name for the next): it cannot be typed`,
        );
      } else if (st === undefined) {
        state.set(to, "open");
        path.push(to);
        stack.push({ node: to, next: 0 });
      }
    }
  }
}
