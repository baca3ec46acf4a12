// CustomResourceDefinitions -> IR. Each served version becomes (part of) a
// group-version module with the kind, its list kind, and every nested object
// hoisted to a named type (Kind + property path). Structural problems are
// reported with the file, the JSON pointer and the YAML line.

import type { Diagnostics } from "../load/errors.js";
import { apiVersionError, crdGroupError, kindError, quoted, resourceNameError } from "../load/names.js";
import type { CrdInput, Schema } from "../load/schema.js";
import { checkSchema, isMap, jsonKind, own } from "../load/shape.js";
import type { ModelBuilder, ModuleDraft } from "./model-builder.js";
import { kindTypeName, listKindName, sharedHoistedNames, type HoistedUse } from "./naming.js";
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
  readonly subresources: Record<string, unknown>;
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

/**
 * Validates a CRD the way the API server does where the generator depends on
 * it (apiextensions-apiserver pkg/apis/apiextensions/validation: the JSON type
 * of every field read, names, versions, the storage version, metadata.name),
 * and the JSON types of each version's schema. Reports every problem found and
 * returns undefined when there was any.
 */
function check(input: CrdInput, diags: Diagnostics): CheckedCrd | undefined {
  const c = input.crd;
  let ok = true;
  const fail = (pointer: string, message: string): void => {
    ok = false;
    diags.error(input.file, input.pointerPrefix + pointer, message, input.lineOf(pointer));
  };
  // Typed reads: a wrong JSON type is reported; null counts as absent (as Go's JSON decoding treats it).
  const read = (obj: Record<string, unknown>, key: string): unknown => {
    const v = own(obj, key);
    return v === null ? undefined : v;
  };
  const str = (obj: Record<string, unknown>, at: string, key: string, missing?: string): string | undefined => {
    const v = read(obj, key);
    if (v === undefined || v === "") {
      if (missing) fail(`${at}/${key}`, missing);
      return undefined;
    }
    if (typeof v !== "string") {
      fail(`${at}/${key}`, `${dotted(at, key)} must be a string, got ${jsonKind(v)}`);
      return undefined;
    }
    return v;
  };
  const bool = (obj: Record<string, unknown>, at: string, key: string): boolean | undefined => {
    const v = read(obj, key);
    if (v === undefined) return undefined;
    if (typeof v !== "boolean") {
      fail(`${at}/${key}`, `${dotted(at, key)} must be a boolean (true or false), got ${jsonKind(v)}`);
      return undefined;
    }
    return v;
  };
  const map = (obj: Record<string, unknown>, at: string, key: string, missing?: string): Record<string, unknown> | undefined => {
    const v = read(obj, key);
    if (v === undefined) {
      if (missing) fail(`${at}/${key}`, missing);
      return undefined;
    }
    if (!isMap(v)) {
      fail(`${at}/${key}`, `${dotted(at, key)} must be a map, got ${jsonKind(v)}`);
      return undefined;
    }
    return v;
  };
  const list = (obj: Record<string, unknown>, at: string, key: string): unknown[] | undefined => {
    const v = read(obj, key);
    if (v === undefined) return undefined;
    if (!Array.isArray(v)) {
      fail(`${at}/${key}`, `${dotted(at, key)} must be a list, got ${jsonKind(v)}`);
      return undefined;
    }
    return v;
  };
  /** A list of names, each checked by `valid`. */
  const names = (obj: Record<string, unknown>, at: string, key: string, valid: (s: string) => string | undefined): string[] => {
    const out: string[] = [];
    (list(obj, at, key) ?? []).forEach((x, i) => {
      if (typeof x !== "string") fail(`${at}/${key}/${i}`, `${dotted(at, key)} entries must be strings, got ${jsonKind(x)}`);
      else {
        const e = valid(x);
        if (e) fail(`${at}/${key}/${i}`, `${dotted(at, key)} entry ${quoted(x)} is invalid: ${e}`);
        else out.push(x);
      }
    });
    return out;
  };
  const named = (at: string, key: string, value: string | undefined, valid: (s: string) => string | undefined): string | undefined => {
    if (value === undefined) return undefined;
    const e = valid(value);
    if (!e) return value;
    fail(`${at}/${key}`, `${dotted(at, key)} ${quoted(value)} is invalid: ${e}`);
    return undefined;
  };

  if (!isMap(c)) {
    fail("", `a CustomResourceDefinition must be a map, got ${jsonKind(c)}`);
    return undefined;
  }
  const metadata = map(c, "", "metadata", "the CRD has no metadata.name");
  const name = metadata ? str(metadata, "/metadata", "name", "the CRD has no metadata.name") : undefined;
  const spec = map(c, "", "spec", "the CRD has no spec");
  if (!spec) return undefined;
  const group = named("/spec", "group", str(spec, "/spec", "group", "spec.group is missing"), crdGroupError);
  const namesMap = map(spec, "/spec", "names", "spec.names is missing: a CRD needs spec.names.kind and spec.names.plural");
  let kind: string | undefined;
  let plural: string | undefined;
  let singular: string | undefined;
  let listKind: string | undefined;
  let shortNames: string[] = [];
  let categories: string[] = [];
  if (namesMap) {
    const at = "/spec/names";
    kind = named(at, "kind", str(namesMap, at, "kind", "spec.names.kind is missing"), kindError);
    plural = named(at, "plural", str(namesMap, at, "plural", "spec.names.plural is missing"), resourceNameError);
    singular = named(at, "singular", str(namesMap, at, "singular"), resourceNameError);
    listKind = named(at, "listKind", str(namesMap, at, "listKind"), kindError);
    if (kind !== undefined && listKind === kind) fail(`${at}/listKind`, "spec.names.kind and spec.names.listKind may not be the same");
    shortNames = names(namesMap, at, "shortNames", resourceNameError);
    categories = names(namesMap, at, "categories", resourceNameError);
  }
  if (name !== undefined && group !== undefined && plural !== undefined && name !== `${plural}.${group}`) {
    fail("/metadata/name", `metadata.name ${quoted(name)} must be spec.names.plural + "." + spec.group (${quoted(`${plural}.${group}`)})`);
  }
  const scope = read(spec, "scope");
  if (scope === undefined) fail("/spec/scope", "spec.scope is missing: it must be Namespaced or Cluster");
  else if (scope !== "Namespaced" && scope !== "Cluster") {
    fail("/spec/scope", `spec.scope must be Namespaced or Cluster, got ${typeof scope === "string" ? quoted(scope) : jsonKind(scope)}`);
  }
  const checkSubresources = (sub: Record<string, unknown>, at: string): void => {
    map(sub, at, "status");
    const scale = map(sub, at, "scale");
    if (scale) {
      str(scale, `${at}/scale`, "specReplicasPath", "subresources.scale needs specReplicasPath");
      str(scale, `${at}/scale`, "statusReplicasPath", "subresources.scale needs statusReplicasPath");
      str(scale, `${at}/scale`, "labelSelectorPath");
    }
  };
  const specSubresources = map(spec, "/spec", "subresources");
  if (specSubresources) checkSubresources(specSubresources, "/spec/subresources");
  const validation = map(spec, "/spec", "validation");
  const specSchema = validation ? map(validation, "/spec/validation", "openAPIV3Schema") : undefined;
  if (specSchema) checkSchema(specSchema, "/spec/validation/openAPIV3Schema", fail, { crd: true });
  bool(spec, "/spec", "preserveUnknownFields");
  const conversion = map(spec, "/spec", "conversion");
  if (conversion) str(conversion, "/spec/conversion", "strategy");

  const versionList = list(spec, "/spec", "versions");
  if (versionList?.length === 0 || read(spec, "versions") === undefined) fail("/spec/versions", "spec.versions must list at least one version");
  const versions: CheckedVersion[] = [];
  const seen = new Map<string, number>();
  let storageVersions = 0;
  (versionList ?? []).forEach((v: unknown, index: number) => {
    const at = `/spec/versions/${index}`;
    if (!isMap(v)) {
      fail(at, `every entry of spec.versions must be a map, got ${jsonKind(v)}`);
      return;
    }
    const vname = named(at, "name", str(v, at, "name", "every entry of spec.versions needs a name"), apiVersionError);
    if (vname !== undefined) {
      const first = seen.get(vname);
      if (first !== undefined) fail(`${at}/name`, `version ${quoted(vname)} is listed twice in spec.versions (also at index ${first}); version names must be unique`);
      else seen.set(vname, index);
    }
    const served = bool(v, at, "served");
    const storage = bool(v, at, "storage");
    if (storage === true) storageVersions++;
    const deprecated = bool(v, at, "deprecated");
    const deprecationWarning = str(v, at, "deprecationWarning");
    const schemaMap = map(v, at, "schema");
    const schema = schemaMap ? map(schemaMap, `${at}/schema`, "openAPIV3Schema") : undefined;
    if (schema) checkSchema(schema, `${at}/schema/openAPIV3Schema`, fail, { crd: true });
    const versionSubresources = map(v, at, "subresources");
    if (versionSubresources) checkSubresources(versionSubresources, `${at}/subresources`);
    const subresources = versionSubresources ?? specSubresources;
    const selectableFields: string[] = [];
    (list(v, at, "selectableFields") ?? []).forEach((f, i) => {
      const fat = `${at}/selectableFields/${i}`;
      if (!isMap(f)) fail(fat, `a selectable field must be a map, got ${jsonKind(f)}`);
      else {
        const path = str(f, fat, "jsonPath", "a selectable field needs a jsonPath");
        if (path !== undefined) selectableFields.push(path);
      }
    });
    (list(v, at, "additionalPrinterColumns") ?? []).forEach((col, i) => {
      const cat = `${at}/additionalPrinterColumns/${i}`;
      if (!isMap(col)) fail(cat, `a printer column must be a map, got ${jsonKind(col)}`);
      else for (const k of ["name", "type", "format", "description", "jsonPath"]) str(col, cat, k);
    });
    if (vname === undefined) return;
    versions.push({
      name: vname,
      index,
      served: served !== false,
      storage: storage === true,
      deprecated: deprecated === true,
      ...(deprecationWarning !== undefined ? { deprecationWarning } : {}),
      ...(schema ? { schema: schema as Schema } : specSchema ? { schema: specSchema as Schema } : {}),
      subresources: subresources ?? {},
      selectableFields,
    });
  });
  if (versionList && versionList.length > 0 && storageVersions !== 1) {
    fail("/spec/versions", `exactly one version must be marked storage: true, got ${storageVersions}`);
  }
  if (!ok || name === undefined || group === undefined || kind === undefined || plural === undefined) return undefined;
  return {
    input,
    name,
    group,
    kind,
    listKind: listKind ?? listKindName(kind),
    plural,
    singular: singular ?? kind.toLowerCase(),
    shortNames,
    categories,
    namespaced: scope === "Namespaced",
    versions,
  };
}

/** `spec.names.kind` for the pointer `/spec/names` and key `kind`, as messages name fields. */
function dotted(at: string, key: string): string {
  return [...at.split("/").filter((s) => s !== "" && !/^\d+$/.test(s)), key].join(".");
}

/**
 * Validates CRDs and returns the usable ones, dropping exact duplicates (the
 * same CRD passed twice) and reporting conflicting ones: two CRDs of one name,
 * or of one group and kind, as the API server would refuse the second.
 */
export function checkCrds(inputs: readonly CrdInput[], diags: Diagnostics): CheckedCrd[] {
  const seen = new Map<string, { crd: CheckedCrd; json: string }>();
  const kinds = new Map<string, CheckedCrd>();
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
    const kindKey = `${crd.group}\u0000${crd.kind}`;
    const sameKind = kinds.get(kindKey);
    if (sameKind) {
      diags.error(
        input.file,
        input.pointerPrefix + "/spec/names/kind",
        `kind ${crd.kind} of group ${crd.group} is also defined by CRD ${sameKind.name} in ${sameKind.input.file}; a group can have only one resource per kind`,
        input.lineOf("/spec/names/kind"),
      );
      continue;
    }
    seen.set(crd.name, { crd, json });
    kinds.set(kindKey, crd);
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

/** One hoisted sub-schema as first converted, under a placeholder name that is rewritten once names are chosen. */
interface HoistSite {
  readonly placeholder: string;
  /** The kind's type name and the property path below it (for naming). */
  readonly use: HoistedUse;
  /** Where it is, as a JSON path (`spec.steps[].computeResources`), for the doc comment. */
  readonly jsonPath: string;
  /** The schema's canonical JSON: sites with the same key share one type. */
  readonly key: string;
  def?: TypeDef;
}

/** JSON with object keys sorted, so the same schema read from YAML or from the API server (which sorts properties) has one key. */
function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
  if (typeof v === "object" && v !== null) {
    const keys = Object.keys(v).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`).join(",")}}`;
  }
  return JSON.stringify(v) ?? "null";
}

/** `spec.steps[].computeResources` for the pointer `/properties/spec/properties/steps/items/properties/computeResources`. */
function jsonPathOf(relativePointer: string): string {
  const segs = relativePointer.split("/").slice(1).map((x) => x.replace(/~1/g, "/").replace(/~0/g, "~"));
  let out = "";
  for (let i = 0; i < segs.length; i++) {
    const s = segs[i]!;
    if (s === "properties" && i + 1 < segs.length) out += `.${segs[++i]}`;
    else if (s === "items") out += /^\d+$/.test(segs[i + 1] ?? "") ? `[${segs[++i]}]` : "[]";
    else if (s === "additionalProperties") out += ".*";
    else if ((s === "anyOf" || s === "oneOf") && i + 1 < segs.length) out += `<${s} ${segs[++i]}>`;
    else if (s === "allOf" && i + 1 < segs.length) i++;
    else out += `/${s}`;
  }
  return out.replace(/^\./, "");
}

const byKey = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The description of a shared type, followed by the list of the places it is used. */
function describeUses(description: string | undefined, sites: readonly HoistSite[]): string | undefined {
  if (sites.length < 2) return description;
  const list = sites.map((s) => `- ${s.use.kind}: ${s.jsonPath}`).join("\n");
  const uses = `Used in ${sites.length} places:\n${list}`;
  return description?.trim() ? `${description.trim()}\n\n${uses}` : uses;
}

/**
 * Adds CRDs (already checked) to the model. CRDs are taken in name order and
 * hoisted names are chosen per group-version from every use of every
 * sub-schema (sharedHoistedNames), so the result does not depend on the order
 * of the input, of the CRDs or of their properties: the same CRDs read from
 * files or from a cluster give the same names.
 */
export function buildFromCrds(unordered: readonly CheckedCrd[], mb: ModelBuilder, diags: Diagnostics): void {
  const crds = [...unordered].sort((a, b) => byKey(a.name, b.name));
  for (const crd of crds.filter((c) => !c.versions.some((v) => v.served))) {
    const at = "/spec/versions";
    diags.warn(crd.input.file, `${crd.input.pointerPrefix}${at}`, `${crd.name}: no version is served, so nothing is generated for it`, crd.input.lineOf(at));
  }
  // Reserve every kind and list name first, so hoisted names never take them.
  const planned = crds.flatMap((crd) =>
    crd.versions
      .filter((v) => v.served)
      .map((v) => {
        const module = mb.module(crd.group, v.name);
        return { crd, v, module, typeName: mb.reserve(module, kindTypeName(crd.kind)), listName: mb.reserve(module, kindTypeName(crd.listKind)) };
      }),
  );
  // Convert every kind with placeholder names, collecting each module's hoisted sub-schemas.
  const sitesOf = new Map<ModuleDraft, HoistSite[]>();
  const kinds: { module: ModuleDraft; typeName: string; def: TypeDef; listName: string; list: TypeDef }[] = [];
  for (const { crd, v, module, typeName, listName } of planned) {
    const { input } = crd;
    const at = `/spec/versions/${v.index}/schema/openAPIV3Schema`;
    const source = { file: input.file, pointer: input.pointerPrefix + at };
    let sites = sitesOf.get(module);
    if (!sites) sitesOf.set(module, (sites = []));
    const moduleSites = sites;
    const ctx: SchemaContext = {
      file: input.file,
      recogniseWellKnown: true,
      warn: (pointer, message) => diags.warn(input.file, input.pointerPrefix + pointer, message, input.lineOf(pointer)),
      resolveRef(ref, pointer): TypeRef {
        diags.error(input.file, input.pointerPrefix + pointer, `$ref ${quoted(ref)} is not allowed in a CRD schema`, input.lineOf(pointer));
        return { kind: "unknown", json: "any" };
      },
      hoist(schema, pointer, path): TypeRef {
        const site: HoistSite = {
          placeholder: `\u0000${moduleSites.length}`,
          use: { kind: typeName, path },
          jsonPath: jsonPathOf(pointer.slice(at.length)),
          key: canonicalJson(schema),
        };
        moduleSites.push(site);
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
    const def = objectTypeDef(typeName, root, at, [], ctx, { gvk, objectMeta: true, ensureTypeMeta: true });
    kinds.push({ module, typeName, def, listName, list: listTypeDef(listName, typeName, module, crd.listKind, source) });
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

  // Name the hoisted types: identical sub-schemas (the same canonical JSON)
  // share one type across the whole group-version, named from all its uses.
  const rename = new Map<string, string>();
  const fresh: { module: ModuleDraft; name: string; def: TypeDef }[] = [];
  for (const [module, sites] of sitesOf) {
    const groups = new Map<string, HoistSite[]>();
    for (const site of sites) groups.set(site.key, [...(groups.get(site.key) ?? []), site]);
    const shared = [...groups.values()].map((g) =>
      [...g].sort((a, b) => byKey(a.use.kind, b.use.kind) || byKey(a.jsonPath, b.jsonPath) || byKey(a.use.path.join("\u0000"), b.use.path.join("\u0000"))),
    );
    const bases = sharedHoistedNames(
      shared.map((g) => g.map((s) => s.use)),
      module.group,
    );
    // Collision suffixes in an order that does not depend on the input's: by base name, then by the uses.
    const usesKey = (g: readonly HoistSite[]): string => g.map((s) => `${s.use.kind} ${s.jsonPath}`).join("\n");
    const order = shared.map((g, i) => ({ g, base: bases[i]! })).sort((a, b) => byKey(a.base, b.base) || byKey(usesKey(a.g), usesKey(b.g)));
    for (const { g, base } of order) {
      const name = mb.reserve(module, base);
      for (const site of g) rename.set(`${module.names.modulePath}\u0000${site.placeholder}`, name);
      const first = g[0]!;
      fresh.push({ module, name, def: { ...first.def!, name, ...optionalDescription(describeUses(first.def!.description, g)) } });
    }
  }
  const fix = (t: TypeTarget): TypeTarget => {
    if (!("name" in t)) return t;
    const to = rename.get(`${t.module}\u0000${t.name}`);
    return to === undefined ? t : { module: t.module, name: to };
  };
  for (const k of kinds) {
    k.module.types.set(k.typeName, mapTypeDefRefs(k.def, fix));
    k.module.types.set(k.listName, k.list);
  }
  for (const f of fresh) f.module.types.set(f.name, mapTypeDefRefs(f.def, fix));
}

function optionalDescription(description: string | undefined): { description?: string } {
  return description === undefined ? {} : { description };
}

/** The groups these CRDs define. */
export function crdGroups(crds: readonly CheckedCrd[]): string[] {
  return crds.map((c) => c.group);
}
