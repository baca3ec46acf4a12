// OpenAPI (v2 definitions or v3 components, merged) -> IR. Definitions are
// assigned to group-version modules by their package and GVK; resources,
// verbs and subresources are read from the paths and their
// x-kubernetes-action / x-kubernetes-group-version-kind markers.

import type { Diagnostics } from "../load/errors.js";
import { pointerJoin, type OpenApiInput, type Operation, type Schema } from "../load/schema.js";
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
import type { Resource, RuntimeType, Subresource, TypeRef, TypeTarget, Verb } from "./types.js";

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
  for (const p of REF_PREFIXES) if (ref.startsWith(p)) return decodeURIComponent(ref.slice(p.length)).replace(/~1/g, "/").replace(/~0/g, "~");
  return undefined;
}

function singleGvk(s: Schema): Gvk | undefined {
  const g = s["x-kubernetes-group-version-kind"];
  return Array.isArray(g) && g.length === 1 ? g[0] : undefined;
}

/** The groups the OpenAPI inputs define, for naming before conversion. */
export function openApiGroups(inputs: readonly OpenApiInput[]): Map<string, { group: string; version: string }> {
  const pkgs = new Map<string, { group: string; version: string }>();
  const defs = inputs.flatMap((i) => Object.entries(i.schemas));
  for (const [name, schema] of defs) {
    const pkg = definitionPackage(name);
    if (pkgs.has(pkg)) continue;
    const known = knownPackageGroup(pkg);
    if (known) {
      pkgs.set(pkg, known);
      continue;
    }
    const gvk = singleGvk(schema ?? {});
    if (gvk && gvk.kind === definitionTypeName(name)) pkgs.set(pkg, { group: gvk.group, version: gvk.version });
  }
  for (const [name] of defs) {
    const pkg = definitionPackage(name);
    if (!pkgs.has(pkg) && !RUNTIME_DEFINITIONS[name]) pkgs.set(pkg, guessPackageGroup(pkg));
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

function respondsWithString(op: Operation): boolean {
  const ok = op.responses?.["200"] as { schema?: Schema; content?: Record<string, { schema?: Schema }> } | undefined;
  if (!ok) return false;
  if (ok.schema) return ok.schema.type === "string";
  return Object.values(ok.content ?? {}).some((c) => c.schema?.type === "string");
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
}

const PATH = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))\/(.+)$/;

function collectResources(paths: readonly PathEntry[]): ResourceDraft[] {
  const drafts = new Map<string, ResourceDraft>();
  for (const { path, file, ops } of paths) {
    const m = PATH.exec(path);
    if (!m) continue;
    const group = m[1] ? "" : m[2]!;
    const version = m[1] ?? m[3]!;
    let rest = m[4]!.split("/");
    const watchPath = rest[0] === "watch";
    if (watchPath) rest = rest.slice(1);
    let namespaced = false;
    if (rest[0] === "namespaces" && rest[1] === "{namespace}" && rest.length > 2) {
      namespaced = true;
      rest = rest.slice(2);
    }
    const plural = rest[0]!;
    if (plural.startsWith("{") || rest.length > 3) continue;
    if (rest.length > 1 && rest[1] !== "{name}") continue;
    const sub = rest[2];
    if (sub?.startsWith("{")) continue;
    const key = `${group}/${version}/${plural}`;
    let d = drafts.get(key);
    if (!d) {
      d = { group, version, plural, namespaced: false, verbs: new Set(), file, path, subs: new Map() };
      drafts.set(key, d);
    }
    d.namespaced ||= namespaced;
    for (const [, op] of ops) {
      const action = op["x-kubernetes-action"];
      const verb = action ? ACTION_VERBS[action] : undefined;
      if (!verb) continue; // connect (exec, attach, proxy...) is not a typed-client verb
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
        d.verbs.add(watchPath ? "watch" : verb);
        d.gvk ??= gvk;
      }
    }
  }
  return [...drafts.values()];
}

/** Adds every OpenAPI input's types and resources to the model. */
export function buildFromOpenApi(
  inputs: readonly OpenApiInput[],
  packages: Map<string, { group: string; version: string }>,
  mb: ModelBuilder,
  diags: Diagnostics,
): void {
  if (inputs.length === 0) return;
  const defs = new Map<string, Definition>();
  const paths: PathEntry[] = [];
  for (const input of inputs) {
    for (const [name, schema] of Object.entries(input.schemas)) {
      if (!defs.has(name)) defs.set(name, { name, schema: schema ?? {}, file: input.file, pointer: pointerJoin(input.schemasPointer, name) });
    }
    for (const [path, item] of Object.entries(input.paths)) {
      const ops = Object.entries(item ?? {}).filter(([k, v]) => k !== "parameters" && typeof v === "object" && v !== null) as [string, Operation][];
      paths.push({ path, file: input.file, ops });
    }
  }

  // Assign every definition a module and a name before converting any, so refs resolve in one pass.
  const targets = new Map<string, { module: ModuleDraft; name: string }>();
  const gvkIndex = new Map<string, { module: ModuleDraft; name: string }>();
  for (const def of [...defs.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (RUNTIME_DEFINITIONS[def.name]) continue;
    const gv = packages.get(definitionPackage(def.name)) ?? guessPackageGroup(definitionPackage(def.name));
    const module = mb.module(gv.group, gv.version);
    const name = mb.reserve(module, definitionTypeName(def.name));
    targets.set(def.name, { module, name });
    const gvk = singleGvk(def.schema);
    if (gvk) gvkIndex.set(`${gvk.group}/${gvk.version}/${gvk.kind}`, { module, name });
  }

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
        const runtime = n ? RUNTIME_DEFINITIONS[n] : undefined;
        if (runtime) return { kind: "ref", target: { runtime } };
        const t = n ? targets.get(n) : undefined;
        if (!t) {
          diags.error(def.file, pointer, `dangling $ref ${JSON.stringify(ref)}: the document has no such definition`);
          return { kind: "unknown", json: "any" };
        }
        return { kind: "ref", target: { module: t.module.names.modulePath, name: t.name } };
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
    if (s.properties && Object.keys(s.properties).length > 0) {
      const td = objectTypeDef(name, s, def.pointer, [], ctx, literal ? { gvk: literal } : {});
      const items = td.fields.find((f) => f.name === "items");
      const listOf =
        literal && name.endsWith("List") && items?.type.kind === "array" && items.type.items.kind === "ref" && "name" in items.type.items.target
          ? items.type.items.target.name
          : undefined;
      module.types.set(name, listOf ? { ...td, listOf } : td);
    } else {
      // Not an object with fields (a string, an open map...): the type is an alias.
      module.types.set(name, {
        name,
        alias: toTypeRef(s, def.pointer, [], ctx),
        fields: [],
        preserveUnknownFields: s["x-kubernetes-preserve-unknown-fields"] === true,
        embeddedResource: false,
        mapType: "granular",
        ...docsOf(s),
        source: { file: def.file, pointer: def.pointer },
      });
    }
  }

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
      source: { file: d.file, pointer: pointerJoin("/paths", d.path) },
    };
    if (at.module !== module) {
      diags.warn(d.file, resource.source.pointer, `resource ${d.plural} in ${module.names.apiVersion} returns ${d.gvk.kind} from another group-version: skipped`);
      continue;
    }
    module.resources.push(resource);
  }
}
