// The plan: every fact emitters share about the model's resources and
// group-versions, derived once after the IR is built (planModel) and then only
// read. Names come from naming.ts; this module decides which names each
// resource and group-version gets (getters made unique in the module, lister
// names for listable resources, builder classes, applyconfigurations
// functions and schema structs, the file of each type in the one-file-per-type
// folders) and which artifacts a group-version has, so clients, listers,
// informers, fakes, indexes and `kubegen init` all read one answer.
//
// The plan is kept beside the IR, not in it: it holds Maps and is keyed by
// the IR's own objects, so the IR stays plain JSON and its dump (the goldens'
// ir.json) does not change with what emitters derive from it.

import {
  applyModuleFunctions,
  applyBrand,
  builderClassNames,
  conversionTypeNames,
  groupClientClassName,
  groupInformersClassName,
  listerNames,
  listerNamespaceAccessor,
  resourceClientNames,
  resourceGetters,
  typeFileNames,
  uniqueName,
  type ListerNames,
  type ResourceClientNames,
} from "./naming.js";
import type { ApiModel, ConnectMethod, ConnectSubresource, GroupVersion, Resource, TypeDef, TypeRef } from "./types.js";

/** Lister and informer names of a listable resource. */
export interface ResourceListerNames extends ListerNames {
  /** The lister's one-namespace accessor (`lister.deployments("ns")`; listerNamespaceAccessor). */
  readonly namespaceAccessor: string;
}

/** The names of one resource: its client's, and (when it is listable) its lister's and informer's. */
export interface ResourceNames extends ResourceClientNames {
  /** Set only for resources that serve list and watch. */
  readonly lister?: ResourceListerNames;
}

/** The derived facts of one resource. */
export interface ResourcePlan {
  readonly resource: Resource;
  readonly names: ResourceNames;
  /** The TypeDef of the kind, when the module declares it. */
  readonly kindType?: TypeDef;
  /** The TypeDef of the list kind, when the module declares it. */
  readonly listType?: TypeDef;
  /** The kind's type gets a builder (so the client's apply takes it). */
  readonly hasBuilder: boolean;
  /** The brand the client's apply asks of the builder (applyBrand), when it has one. */
  readonly applyBrand?: string;
  /** Which connect methods the resource's client gets (connectPlan). */
  readonly connect: ConnectPlan;
}

/**
 * The connect methods of a resource's client. exec and attach speak the
 * runtime's pod stream protocol (execPod, attachPod), so only core/v1 pods get
 * them; every `proxy` connect subresource gets `proxy` (the runtime's
 * proxyRequest); pods/portforward gets `portForward` and `dialPort` (the runtime's
 * portForward and dialPort).
 */
export interface ConnectPlan {
  /** `exec` and `execCapture` (pods/exec). */
  readonly exec: boolean;
  /** `attach` (pods/attach). */
  readonly attach: boolean;
  /** `portForward` and `dialPort` (pods/portforward). */
  readonly portForward: boolean;
  /** `proxy(name, path, options)`: the methods it may send, and whether paths below the object are served. */
  readonly proxy?: { readonly methods: readonly ConnectMethod[]; readonly path: boolean };
}

/** True when the resource is core/v1 pods (the only one the runtime's exec and attach address). */
function isCorePods(gv: GroupVersion, r: Resource): boolean {
  return gv.group === "" && gv.version === "v1" && r.plural === "pods";
}

/** The connect methods of a resource of a group-version (see ConnectPlan). */
export function connectPlan(gv: GroupVersion, r: Resource): ConnectPlan {
  const sub = (name: string): ConnectSubresource | undefined => r.connect?.find((c) => c.name === name);
  const pods = isCorePods(gv, r);
  // The runtime opens exec, attach and port-forward with a WebSocket upgrade of a GET.
  const upgradable = (c: ConnectSubresource | undefined): boolean => c !== undefined && c.methods.includes("GET");
  const proxy = sub("proxy");
  return {
    exec: pods && upgradable(sub("exec")),
    attach: pods && upgradable(sub("attach")),
    portForward: pods && upgradable(sub("portforward")),
    ...(proxy && proxy.methods.length > 0 ? { proxy: { methods: proxy.methods, path: proxy.path } } : {}),
  };
}

/** A listable resource's plan, with its lister names. */
export interface ListableResourcePlan extends ResourcePlan {
  readonly names: ResourceNames & { readonly lister: ResourceListerNames };
}

/** The exported functions of one resource kind's extraction (`extractDeployment`, `extractDeploymentStatus`). */
export interface ExtractFunctionNames {
  readonly main: string;
  readonly status?: string;
}

/** The derived facts of one group-version. */
export interface GroupVersionPlan {
  readonly gv: GroupVersion;
  /** The module's types by name. */
  readonly types: ReadonlyMap<string, TypeDef>;
  /** Parallel to `gv.resources`. */
  readonly resources: readonly ResourcePlan[];
  /** The resources that get a lister and an informer, in order. */
  readonly listable: readonly ListableResourcePlan[];
  /** The first resource whose kind is each type name. */
  readonly resourceOfType: ReadonlyMap<string, Resource>;
  /** The types that get an apply-configuration builder, in order. */
  readonly builderTypes: readonly TypeDef[];
  /** The builder class of every type by type name (builderClassNames). */
  readonly builderClasses: ReadonlyMap<string, string>;
  /** The brand of every builder a resource's client applies, by type name (the same as its ResourcePlan.applyBrand). */
  readonly applyBrands: ReadonlyMap<string, string>;
  /** The builder factory of every builder type by type name (applyModuleFunctions). */
  readonly factories: ReadonlyMap<string, string>;
  /** The extraction functions of every kind that gets them, by type name. */
  readonly extracts: ReadonlyMap<string, ExtractFunctionNames>;
  /** The apply-schema struct constant of every builder type by type name (`deploymentSpecApplySchema`). */
  readonly applyStructs: ReadonlyMap<string, string>;
  /**
   * The file (base name, no extension) of every type in the module's one-file-per-type
   * folders by type name (typeFileNames: kebab-case, unique ignoring case).
   */
  readonly typeFiles: ReadonlyMap<string, string>;
  /** The group-version client class (`AppsV1Client`) and informers class (`AppsV1Informers`). */
  readonly clientClass: string;
  readonly informersClass: string;
  /** Which per-module artifacts the group-version has content for. */
  readonly has: { readonly applyconfigurations: boolean; readonly client: boolean; readonly listers: boolean };
}

/** One version of a CRD's kind, as a conversion names it. */
export interface ConversionVersion {
  readonly apiVersion: string;
  /** The module of the version (`example.com/v2`) and its import alias. */
  readonly modulePath: string;
  readonly alias: string;
  /** The kind's TypeDef name in that module. */
  readonly typeName: string;
}

/**
 * A CRD served in several versions of the model with its storage version among them: what a
 * conversion webhook converts between (through the storage version).
 */
export interface ConversionPlan {
  readonly crdName: string;
  /** The type of its conversion functions in `conversion.ts` (`FooConversion`), unique in that file. */
  readonly typeName: string;
  readonly kind: string;
  /** The group's folder (`example.com`), which holds `conversion.ts`. */
  readonly folder: string;
  readonly storage: ConversionVersion;
  /** The other served versions, in the CRD's order. */
  readonly others: readonly ConversionVersion[];
}

/** Every derived fact of one run, keyed by the IR's objects. */
export interface Plan {
  readonly model: ApiModel;
  /** modulePath -> import alias (the module's accessor), for every module. */
  readonly accessors: ReadonlyMap<string, string>;
  /** Parallel to `model.groupVersions`. */
  readonly groupVersions: readonly GroupVersionPlan[];
  /** The CRDs with conversions between versions (conversionPlans), by group folder then CRD name. */
  readonly conversions: readonly ConversionPlan[];
  /** The plan of a group-version of the model; throws for one that is not. */
  groupVersion(gv: GroupVersion): GroupVersionPlan;
  /** The plan of a module by its path, or undefined. */
  module(modulePath: string): GroupVersionPlan | undefined;
}

/** True when a TypeDef gets a builder: an object type that is not a list kind. */
export function hasBuilder(def: TypeDef): boolean {
  return !def.alias && !def.listOf;
}

/** True when a reference is the runtime's ObjectMeta. */
export function isObjectMeta(ref: TypeRef | undefined): boolean {
  return ref?.kind === "ref" && "runtime" in ref.target && ref.target.runtime === "ObjectMeta";
}

/** True when a resource can feed an informer: it serves list and watch. */
export function isListable(r: Resource): boolean {
  return r.verbs.includes("list") && r.verbs.includes("watch");
}

function planGroupVersion(gv: GroupVersion, accessors: ReadonlyMap<string, string>): GroupVersionPlan {
  const types = new Map(gv.types.map((t) => [t.name, t]));
  const resourceOfType = new Map<string, Resource>();
  for (const r of gv.resources) if (!resourceOfType.has(r.typeName)) resourceOfType.set(r.typeName, r);
  const builderTypes = gv.types.filter(hasBuilder);
  const builderClasses = builderClassNames(gv.types.map((t) => t.name));

  // Getters are unique in the module; lister type names are unique among the listable resources.
  const getters = resourceGetters(gv.resources);
  const listerKinds = new Set<string>();
  const resources = gv.resources.map((r, i): ResourcePlan => {
    const getter = getters[i]!;
    const lister = isListable(r)
      ? { ...listerNames(uniqueName(r.typeName, listerKinds), getter), namespaceAccessor: listerNamespaceAccessor(getter) }
      : undefined;
    const kindType = types.get(r.typeName);
    const listType = types.get(r.listKind);
    const builder = kindType !== undefined && hasBuilder(kindType);
    const brand = builder ? applyBrand(kindType.gvk?.apiVersion ?? gv.names.apiVersion, kindType.gvk?.kind ?? kindType.name) : undefined;
    return {
      resource: r,
      names: { ...resourceClientNames(getter), ...(lister ? { lister } : {}) },
      ...(kindType ? { kindType } : {}),
      ...(listType ? { listType } : {}),
      hasBuilder: builder,
      ...(brand ? { applyBrand: brand } : {}),
      connect: connectPlan(gv, r),
    };
  });
  const applyBrands = new Map(resources.flatMap((rp) => (rp.applyBrand ? [[rp.resource.typeName, rp.applyBrand] as const] : [])));
  const listable = resources.filter((p): p is ListableResourcePlan => p.names.lister !== undefined);

  // Extraction functions for kinds with ObjectMeta that can be patched (applied).
  const extractSpecs = builderTypes.flatMap((def) => {
    const r = resourceOfType.get(def.name);
    if (!r || !isObjectMeta(def.fields.find((f) => f.name === "metadata")?.type) || !r.verbs.includes("patch")) return [];
    return [{ typeName: def.name, status: r.subresources.some((s) => s.name === "status") }];
  });
  const functions = applyModuleFunctions(
    builderTypes.map((d) => d.name),
    extractSpecs,
    accessors.values(),
  );
  return {
    gv,
    types,
    resources,
    listable,
    resourceOfType,
    builderTypes,
    builderClasses,
    applyBrands,
    factories: functions.factories,
    extracts: functions.extracts,
    applyStructs: functions.schemas,
    typeFiles: typeFileNames(gv.types.map((t) => t.name)),
    clientClass: groupClientClassName(gv.names),
    informersClass: groupInformersClassName(gv.names),
    has: { applyconfigurations: builderTypes.length > 0, client: gv.resources.length > 0, listers: listable.length > 0 },
  };
}

/** Derives the plan of a model (once per run, after buildModel). */
export function planModel(model: ApiModel): Plan {
  const accessors = new Map(model.groupVersions.map((gv) => [gv.names.modulePath, gv.names.accessor]));
  const groupVersions = model.groupVersions.map((gv) => planGroupVersion(gv, accessors));
  const byGv = new Map(groupVersions.map((p) => [p.gv, p]));
  const byPath = new Map(groupVersions.map((p) => [p.gv.names.modulePath, p]));
  return {
    model,
    accessors,
    groupVersions,
    conversions: conversionPlans(model),
    groupVersion(gv) {
      const p = byGv.get(gv);
      if (!p) throw new Error(`internal error: ${gv.names.modulePath} is not in the planned model`);
      return p;
    },
    module: (modulePath) => byPath.get(modulePath),
  };
}

/**
 * The CRDs whose storage version and at least one other served version are in the model. A
 * version that is stored but not served has no types here, so its CRD is left out.
 */
function conversionPlans(model: ApiModel): ConversionPlan[] {
  const byCrd = new Map<string, { version: ConversionVersion; storage: boolean; order: number; kind: string }[]>();
  for (const gv of model.groupVersions) {
    for (const r of gv.resources) {
      if (!r.crd?.served) continue;
      const entries = byCrd.get(r.crd.crdName) ?? [];
      byCrd.set(r.crd.crdName, entries);
      entries.push({
        version: { apiVersion: gv.names.apiVersion, modulePath: gv.names.modulePath, alias: gv.names.accessor, typeName: r.typeName },
        storage: r.crd.storage,
        order: r.crd.allVersions.indexOf(gv.version),
        kind: r.kind,
      });
    }
  }
  const found: Omit<ConversionPlan, "typeName">[] = [];
  for (const [crdName, entries] of byCrd) {
    const storage = entries.find((e) => e.storage);
    if (!storage || entries.length < 2) continue;
    const modulePath = storage.version.modulePath;
    found.push({
      crdName,
      kind: storage.kind,
      folder: modulePath.slice(0, modulePath.lastIndexOf("/")),
      storage: storage.version,
      others: entries.filter((e) => e !== storage).sort((a, b) => a.order - b.order).map((e) => e.version),
    });
  }
  found.sort((a, b) => (a.folder + "\0" + a.crdName < b.folder + "\0" + b.crdName ? -1 : 1));
  const byFolder = new Map<string, Omit<ConversionPlan, "typeName">[]>();
  for (const c of found) byFolder.set(c.folder, [...(byFolder.get(c.folder) ?? []), c]);
  return [...byFolder.values()].flatMap((inFolder) => {
    const aliases = inFolder.flatMap((c) => [c.storage, ...c.others].map((v) => v.alias));
    const names = conversionTypeNames(inFolder.map((c) => c.storage.typeName), aliases);
    return inFolder.map((c, i) => ({ ...c, typeName: names[i]! }));
  });
}

/** The builder class of a type of a planned group-version; throws for a type it does not declare. */
export function builderClassOrThrow(p: GroupVersionPlan, typeName: string): string {
  const name = p.builderClasses.get(typeName);
  if (name === undefined) throw new Error(`internal error: ${p.gv.names.modulePath} has no type ${typeName}`);
  return name;
}

/** The file (base name) of a type of a planned group-version; throws for a type it does not declare. */
export function typeFileOrThrow(p: GroupVersionPlan, typeName: string): string {
  const name = p.typeFiles.get(typeName);
  if (name === undefined) throw new Error(`internal error: ${p.gv.names.modulePath} has no type ${typeName}`);
  return name;
}
