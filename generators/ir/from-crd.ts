// CustomResourceDefinitions -> IR. Each served version becomes (part of) a
// group-version module with the kind, its list kind, and every nested object
// hoisted to a named type (Kind + property path). Structural problems are
// reported with the file, the JSON pointer and the YAML line.

import type { Diagnostics } from "../load/errors.js";
import type { CrdInput, Schema } from "../load/schema.js";
import type { ModelBuilder, ModuleDraft } from "./model-builder.js";
import { kindTypeName, listKindName, shortHoistedNames } from "./naming.js";
import { mapTypeDefRefs } from "./walk.js";
import { objectTypeDef, type SchemaContext } from "./schema.js";
import type { Resource, Subresource, TypeDef, TypeRef, TypeTarget, Verb } from "./types.js";

const ALL_VERBS: readonly Verb[] = ["create", "update", "delete", "deletecollection", "get", "list", "watch", "patch"];
const SUB_VERBS: readonly Verb[] = ["update", "get", "patch"];

interface CheckedVersion {
  readonly name: string;
  readonly index: number;
  readonly served: boolean;
  readonly storage: boolean;
  readonly deprecated: boolean;
  readonly deprecationWarning?: string;
  readonly schema?: Schema;
  readonly subresources: Record<string, any>;
  readonly selectableFields: string[];
}

interface CheckedCrd {
  readonly input: CrdInput;
  readonly name: string;
  readonly group: string;
  readonly kind: string;
  readonly listKind: string;
  readonly plural: string;
  readonly singular: string;
  readonly shortNames: string[];
  readonly categories: string[];
  readonly namespaced: boolean;
  readonly versions: CheckedVersion[];
}

const isObj = (v: unknown): v is Record<string, any> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Validates the parts of a CRD the generator depends on; reports every problem found. */
function check(input: CrdInput, diags: Diagnostics): CheckedCrd | undefined {
  const c = input.crd;
  let ok = true;
  const fail = (pointer: string, message: string): void => {
    ok = false;
    diags.error(input.file, input.pointerPrefix + pointer, message, input.lineOf(pointer));
  };
  const name = c.metadata?.name;
  if (typeof name !== "string" || name === "") fail("/metadata/name", "the CRD has no metadata.name");
  const spec = c.spec;
  if (!isObj(spec)) {
    fail("/spec", "the CRD has no spec");
    return undefined;
  }
  if (typeof spec.group !== "string" || spec.group === "") fail("/spec/group", "spec.group is missing");
  const names = spec.names;
  if (!isObj(names)) {
    fail("/spec/names", "spec.names is missing: a CRD needs spec.names.kind and spec.names.plural");
  } else {
    if (typeof names.kind !== "string" || names.kind === "") fail("/spec/names/kind", "spec.names.kind is missing");
    if (typeof names.plural !== "string" || names.plural === "") fail("/spec/names/plural", "spec.names.plural is missing");
  }
  if (spec.scope !== "Namespaced" && spec.scope !== "Cluster") {
    fail("/spec/scope", `spec.scope must be Namespaced or Cluster, got ${JSON.stringify(spec.scope)}`);
  }
  if (!Array.isArray(spec.versions) || spec.versions.length === 0) {
    fail("/spec/versions", "spec.versions must list at least one version");
  }
  const versions: CheckedVersion[] = [];
  (Array.isArray(spec.versions) ? spec.versions : []).forEach((v: unknown, index: number) => {
    const at = `/spec/versions/${index}`;
    if (!isObj(v) || typeof v.name !== "string" || v.name === "") {
      fail(`${at}/name`, "every entry of spec.versions needs a name");
      return;
    }
    const schema = v.schema?.openAPIV3Schema ?? spec.validation?.openAPIV3Schema;
    if (schema !== undefined && !isObj(schema)) fail(`${at}/schema/openAPIV3Schema`, "openAPIV3Schema must be an object");
    versions.push({
      name: v.name,
      index,
      served: v.served !== false,
      storage: v.storage === true,
      deprecated: v.deprecated === true,
      ...(typeof v.deprecationWarning === "string" ? { deprecationWarning: v.deprecationWarning } : {}),
      ...(isObj(schema) ? { schema: schema as Schema } : {}),
      subresources: isObj(v.subresources) ? v.subresources : isObj(spec.subresources) ? spec.subresources : {},
      selectableFields: Array.isArray(v.selectableFields)
        ? v.selectableFields.map((f: { jsonPath?: string }) => f?.jsonPath).filter((p: unknown): p is string => typeof p === "string")
        : [],
    });
  });
  if (!ok || !isObj(names)) return undefined;
  const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);
  return {
    input,
    name,
    group: spec.group,
    kind: names.kind,
    listKind: typeof names.listKind === "string" && names.listKind ? names.listKind : listKindName(names.kind),
    plural: names.plural,
    singular: typeof names.singular === "string" && names.singular ? names.singular : String(names.kind).toLowerCase(),
    shortNames: strings(names.shortNames),
    categories: strings(names.categories),
    namespaced: spec.scope === "Namespaced",
    versions,
  };
}

/** Validates CRDs and returns the usable ones, dropping exact duplicates and reporting conflicting ones. */
export function checkCrds(inputs: readonly CrdInput[], diags: Diagnostics): CheckedCrd[] {
  const seen = new Map<string, { crd: CheckedCrd; json: string }>();
  const out: CheckedCrd[] = [];
  for (const input of inputs) {
    const crd = check(input, diags);
    if (!crd) continue;
    const json = JSON.stringify(input.crd.spec);
    const prev = seen.get(crd.name);
    if (prev) {
      if (prev.json !== json) {
        diags.error(
          input.file,
          input.pointerPrefix + "/metadata/name",
          `CRD ${crd.name} is also defined, differently, in ${prev.crd.input.file}; pass only one of them`,
          input.lineOf("/metadata/name"),
        );
      }
      continue;
    }
    seen.set(crd.name, { crd, json });
    out.push(crd);
  }
  return out;
}

function listTypeDef(name: string, itemType: string, module: ModuleDraft, listKind: string, source: TypeDef["source"]): TypeDef {
  return {
    name,
    fields: [
      { name: "apiVersion", type: { kind: "string" }, required: false, nullable: false, validations: [], source, description: "APIVersion defines the versioned schema of this representation of an object." },
      { name: "kind", type: { kind: "string" }, required: false, nullable: false, validations: [], source, description: "Kind is a string value representing the REST resource this object represents." },
      { name: "metadata", type: { kind: "ref", target: { runtime: "ListMeta" } }, required: false, nullable: false, validations: [], source, description: "Standard list metadata." },
      {
        name: "items",
        type: { kind: "array", items: { kind: "ref", target: { module: module.names.modulePath, name: itemType } }, list: { type: "atomic", explicit: false, mapKeys: [] } },
        required: true,
        nullable: false,
        validations: [],
        source,
        description: `The ${itemType} objects.`,
      },
    ],
    preserveUnknownFields: false,
    embeddedResource: false,
    mapType: "granular",
    gvk: { apiVersion: module.names.apiVersion, kind: listKind },
    listOf: itemType,
    validations: [],
    description: `A list of ${itemType} objects.`,
    source,
  };
}

/** Adds CRDs (already checked) to the model. */
export function buildFromCrds(crds: readonly CheckedCrd[], mb: ModelBuilder, diags: Diagnostics): void {
  // Reserve every kind and list name first, so hoisted names never take them.
  const planned = crds.flatMap((crd) =>
    crd.versions
      .filter((v) => v.served)
      .map((v) => {
        const module = mb.module(crd.group, v.name);
        return { crd, v, module, typeName: mb.reserve(module, kindTypeName(crd.kind)), listName: mb.reserve(module, kindTypeName(crd.listKind)) };
      }),
  );
  for (const { crd, v, module, typeName, listName } of planned) {
    const { input } = crd;
    const at = `/spec/versions/${v.index}/schema/openAPIV3Schema`;
    const source = { file: input.file, pointer: input.pointerPrefix + at };
    // Convert once with placeholder names, then name the hoisted types
    // (deduplicating identical sub-schemas) and rewrite the references.
    const sites: { placeholder: string; path: readonly string[]; key: string; def?: TypeDef }[] = [];
    const ctx: SchemaContext = {
      file: input.file,
      recogniseWellKnown: true,
      warn: (pointer, message) => diags.warn(input.file, input.pointerPrefix + pointer, message, input.lineOf(pointer)),
      resolveRef(ref, pointer): TypeRef {
        diags.error(input.file, input.pointerPrefix + pointer, `$ref ${JSON.stringify(ref)} is not allowed in a CRD schema`, input.lineOf(pointer));
        return { kind: "unknown", json: "any" };
      },
      hoist(schema, pointer, path): TypeRef {
        const site: (typeof sites)[number] = { placeholder: `\u0000${sites.length}`, path, key: JSON.stringify(schema) };
        sites.push(site);
        site.def = objectTypeDef(site.placeholder, schema, pointer, path, ctx);
        return { kind: "ref", target: { module: module.names.modulePath, name: site.placeholder } };
      },
    };
    const gvk = { apiVersion: module.names.apiVersion, kind: crd.kind };
    let root: Schema;
    if (v.schema) {
      root = v.schema;
    } else {
      diags.warn(input.file, input.pointerPrefix + `/spec/versions/${v.index}`, `version ${v.name} of ${crd.name} has no schema: its fields are typed as unknown`, input.lineOf(`/spec/versions/${v.index}`));
      root = { type: "object", "x-kubernetes-preserve-unknown-fields": true };
    }
    const kindDef = objectTypeDef(typeName, root, at, [], ctx, { gvk, objectMeta: true, ensureTypeMeta: true });

    const groups = new Map<string, (typeof sites)[number][]>();
    for (const site of sites) {
      const g = groups.get(site.key);
      if (g) g.push(site);
      else groups.set(site.key, [site]);
    }
    const firsts = [...groups.values()].map((g) => g[0]!);
    const short = shortHoistedNames(crd.kind, firsts.map((f) => f.path));
    const rename = new Map<string, string>();
    firsts.forEach((first, i) => {
      const name = mb.reserve(module, short[i]!);
      for (const site of groups.get(first.key)!) rename.set(site.placeholder, name);
    });
    const fix = (t: TypeTarget): TypeTarget => ("name" in t && rename.has(t.name) ? { module: t.module, name: rename.get(t.name)! } : t);
    module.types.set(typeName, mapTypeDefRefs(kindDef, fix));
    for (const first of firsts) {
      const name = rename.get(first.placeholder)!;
      module.types.set(name, { ...mapTypeDefRefs(first.def!, fix), name });
    }
    module.types.set(listName, listTypeDef(listName, typeName, module, crd.listKind, source));

    const subresources: Subresource[] = [];
    const scale = v.subresources.scale;
    if (isObj(scale)) {
      subresources.push({
        name: "scale",
        verbs: SUB_VERBS,
        stream: false,
        kind: { runtime: "Scale" },
        scale: {
          specReplicasPath: String(scale.specReplicasPath ?? ""),
          statusReplicasPath: String(scale.statusReplicasPath ?? ""),
          ...(typeof scale.labelSelectorPath === "string" ? { labelSelectorPath: scale.labelSelectorPath } : {}),
        },
      });
    }
    if (v.subresources.status !== undefined) subresources.push({ name: "status", verbs: SUB_VERBS, stream: false });
    const resource: Resource = {
      kind: crd.kind,
      typeName,
      listKind: listName,
      plural: crd.plural,
      singular: crd.singular,
      shortNames: crd.shortNames,
      categories: crd.categories,
      namespaced: crd.namespaced,
      verbs: ALL_VERBS,
      subresources,
      crd: {
        crdName: crd.name,
        served: v.served,
        storage: v.storage,
        deprecated: v.deprecated,
        ...(v.deprecationWarning ? { deprecationWarning: v.deprecationWarning } : {}),
        allVersions: crd.versions.map((x) => x.name),
        selectableFields: v.selectableFields,
      },
      source: { file: input.file, pointer: input.pointerPrefix + `/spec/versions/${v.index}` },
    };
    module.resources.push(resource);
  }
}

/** The groups these CRDs define. */
export function crdGroups(crds: readonly CheckedCrd[]): string[] {
  return crds.map((c) => c.group);
}
