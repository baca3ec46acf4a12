// The applyconfigurations artifact (client-go applyconfiguration-gen): a
// `<group>/<version>/applyconfigurations/` folder per group-version with one
// file per struct type (plan.typeFiles names it), holding its builder class and
// factory, the extract functions of a resource kind, and the type's
// server-side-apply schema struct (list/map semantics per field), plus an
// index.ts that re-exports them all and defines the module's merged schema
// table, which extraction and the fake clientset's apply read. Struct nodes
// link to each other by imported identifiers (siblings by name, other
// group-versions through their folder's index), read only lazily, so a bundle
// keeps only the structs a program reaches. Builds views only.

import type { ListSemantics, RuntimeType, TypeDef, TypeRef, TypeTarget } from "../ir/types.js";
import {
  INHERITED_BUILDER_METHODS,
  OBJECT_MEMBERS,
  applyConfigurationName,
  applySchemaTypeName,
  builderMethodName,
  uniqueName,
} from "../ir/naming.js";
import { builderClassOrThrow, isObjectMeta, typeFileOrThrow, type GroupVersionPlan, type Plan } from "../ir/plan.js";
import { docText, memberAccess, objectKey, propertyKey, stringLiteral } from "../ir/escape.js";
import { fieldDoc } from "./docs.js";
import type { EmittedFile } from "./emitted.js";
import { ImportCollector, unionMembers } from "./ts-type.js";
import { callArguments, importSpecifiers, literalLayout, mapType, memberChain, objectLiteral, typeArgumentList } from "../render/layout.js";
import { printType, unionOfText } from "../render/type-expr.js";

/** Runtime types that have a runtime builder class (`rt.ObjectMetaApplyConfiguration`). */
const RUNTIME_BUILDERS: ReadonlySet<RuntimeType> = new Set([
  "ObjectMeta",
  "OwnerReference",
  "LabelSelector",
  "LabelSelectorRequirement",
  "Condition",
  "ObjectReference",
]);

/** Runtime types that apply sees as leaves, and those it sees as untyped JSON; the rest are structs. */
const RUNTIME_SCALARS: ReadonlySet<RuntimeType> = new Set(["Time", "MicroTime", "Quantity", "IntOrString"]);
const RUNTIME_UNTYPED: ReadonlySet<RuntimeType> = new Set(["FieldsV1", "RawExtension", "JsonValue"]);

interface FieldView {
  doc: string[];
  /** The wire name. */
  name: string;
  /**
   * Kept through rt.setField (not declared), because the name is a member the builder inherits
   * (OBJECT_MEMBERS, or a base-class method such as `getName`).
   */
  own: boolean;
  key: string;
  /** `this.x` or `this["x-y"]`. */
  access: string;
  method: string;
  /** How the setter stores: append items, merge entries, or set. */
  list: boolean;
  map: boolean;
  type: string;
  /** A blank line before the setter: all but a first one that opens the class body. */
  gap?: boolean;
  /** The type of the `declare`d property, with its leading space (propertyType). */
  declaredType: string;
  /** The item type of a list, or the value type of a map. */
  element: string;
}

interface FactoryView {
  name: string;
  params: string[];
  /** `new Class()` and its setter calls, e.g. `.withApiVersion("apps/v1")`. */
  value: string;
  kindName?: string;
}

interface ExtractView {
  name: string;
  doc: string;
  /**
   * The expression returned: extraction, then the setter calls that fill in
   * apiVersion and kind, which objects from lists and informers lack.
   */
  value: string;
  /** Set for a subresource shorthand; the main function otherwise. */
  subresource?: string;
  main: string;
}

interface BuilderView {
  doc: string[];
  className: string;
  base?: string;
  /** The group-version and kind a client's apply checks (runtime ApplyFor), for builders of resource kinds. */
  brand?: string;
  fields: FieldView[];
  factory: FactoryView;
  extracts: ExtractView[];
  typeName: string;
  /** The exported struct node (`deploymentSpecApplySchema`). */
  schemaConst: string;
  schemaName: string;
  schemaFields: { key: string; node: string }[];
  atomic: boolean;
  rest?: string;
}

/**
 * How server-side apply merges a list: the explicit `x-kubernetes-list-type`,
 * else what the strategic-merge markers imply (kube-openapi's schema
 * conversion: `merge` with a key is a map list on that key, without one a
 * set), else atomic.
 */
function applyListType(list: ListSemantics): { listType: "atomic" | "set" | "map"; keys: readonly string[] } {
  if (list.explicit) return { listType: list.type, keys: list.mapKeys };
  if (list.patchStrategy?.split(",").includes("merge")) {
    return list.patchMergeKey ? { listType: "map", keys: [list.patchMergeKey] } : { listType: "set", keys: [] };
  }
  return { listType: "atomic", keys: [] };
}

/** Resolves references for one type's file: TypeScript text for builder fields, and schema nodes. */
class ApplyTypes {
  readonly imports: ImportCollector;
  readonly #plan: Plan;
  readonly #self: GroupVersionPlan;
  readonly #file: string;
  /** Sibling file -> the names this file imports from it (`type` for names used as types only). */
  readonly locals = new Map<string, Map<string, "type" | "value">>();

  constructor(imports: ImportCollector, plan: Plan, self: GroupVersionPlan, file: string) {
    this.imports = imports;
    this.#plan = plan;
    this.#self = self;
    this.#file = file;
  }

  /** Records a name this file takes from the sibling file of `typeName` (nothing for its own). */
  #local(typeName: string, name: string, use: "type" | "value"): string {
    const file = typeFileOrThrow(this.#self, typeName);
    if (file === this.#file) return name;
    const names = this.locals.get(file) ?? new Map<string, "type" | "value">();
    this.locals.set(file, names);
    if (names.get(name) !== "value") names.set(name, use);
    return name;
  }

  /** The TypeScript type a builder field holds: builders for structs, plain types otherwise. */
  tsType(ref: TypeRef): string {
    return printType(unionOfText(this.members(ref)));
  }

  /** The item type of a list setter's rest parameter: `A`, or `(A | B)` before its `[]`. */
  elementType(ref: TypeRef): string {
    return printType(unionOfText(this.members(ref)), "arrayItem");
  }

  /** The members of the union a field holds (one when it is not a union). */
  members(ref: TypeRef): string[] {
    switch (ref.kind) {
      case "array":
        return [printType({ array: unionOfText(this.members(ref.items)) })];
      case "map":
        return [mapType(this.tsType(ref.values))];
      case "union":
        return [...new Set(ref.variants.flatMap((v) => this.members(v)))];
      case "ref":
        return this.#refMembers(ref.target);
      default:
        return unionMembers(ref, this.imports);
    }
  }

  #refMembers(target: TypeTarget): string[] {
    if ("runtime" in target) {
      return [RUNTIME_BUILDERS.has(target.runtime) ? `rt.${applyConfigurationName(target.runtime)}` : `rt.${target.runtime}`];
    }
    const owner = this.#plan.module(target.module);
    const def = owner?.types.get(target.name);
    if (def?.alias) return this.members(def.alias);
    // A list kind has no builder (as in client-go); a field holding one is applied as plain JSON.
    if (def?.listOf) return ["{ [key: string]: rt.JsonValue }"];
    if (!owner) throw new Error(`internal error: no module ${target.module}`);
    const className = builderClassOrThrow(owner, target.name);
    if (owner === this.#self) return [this.#local(target.name, className, "type")];
    const ref = this.imports.reference(target);
    return [ref.slice(0, ref.length - target.name.length) + className];
  }

  /** The schema node (TypeScript text of an ApplyNode) for a value. */
  node(ref: TypeRef): string {
    switch (ref.kind) {
      case "unknown":
        return "rt.UNTYPED";
      case "union":
        return ref.variants.every((v) => this.node(v) === "rt.SCALAR") ? "rt.SCALAR" : "rt.UNTYPED";
      case "array": {
        const { listType, keys } = applyListType(ref.list);
        const keyEntry = listType === "map" ? [`keys: ${literalLayout(keys)}`] : [];
        return objectLiteral(['kind: "list"', `listType: ${stringLiteral(listType)}`, ...keyEntry, `items: ${this.node(ref.items)}`]);
      }
      case "map":
        return objectLiteral(['kind: "map"', `mapType: ${stringLiteral(ref.mapType)}`, `values: ${this.node(ref.values)}`]);
      case "ref":
        return this.#refNode(ref.target);
      default:
        return "rt.SCALAR";
    }
  }

  #refNode(target: TypeTarget): string {
    if ("runtime" in target) {
      if (RUNTIME_SCALARS.has(target.runtime)) return "rt.SCALAR";
      if (RUNTIME_UNTYPED.has(target.runtime)) return "rt.UNTYPED";
      return `rt.struct${callArguments([stringLiteral(target.runtime)])}`;
    }
    const owner = this.#plan.module(target.module);
    const def = owner?.types.get(target.name);
    if (def?.alias) return this.node(def.alias);
    if (def?.listOf) return "rt.UNTYPED";
    const node = owner?.applyStructs.get(target.name);
    if (!owner || node === undefined) throw new Error(`internal error: no apply struct for ${target.module}.${target.name}`);
    if (owner === this.#self) return this.#local(target.name, node, "value");
    const ref = this.imports.reference(target); // `alias.Name`: the module's folder index exports the node
    return ref.slice(0, ref.length - target.name.length) + node;
  }

  /** The named imports from sibling files, sorted by file: `import type` when every name is a type, else `type` per type-only name. */
  localImports(): { path: string; names: string; typeOnly: boolean }[] {
    return [...this.locals.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([file, names]) => {
        const typeOnly = [...names.values()].every((u) => u === "type");
        const specifiers = [...names.entries()].map(([n, u]) => (u === "type" && !typeOnly ? `type ${n}` : n));
        return { path: `./${file}.js`, names: importSpecifiers(specifiers), typeOnly };
      });
  }
}

/**
 * A field's entry in the apply schema. TypeScript gives no contextual type to
 * a literal under a key named like an Object.prototype member (`constructor`,
 * `toString`), so `{ kind: "list" }` there widens to string; `satisfies`
 * restores it.
 */
function schemaFieldNode(field: string, node: string): string {
  return OBJECT_MEMBERS.includes(field) && !node.startsWith("rt.") ? `${node} satisfies rt.ApplyNode` : node;
}

function builderView(p: GroupVersionPlan, def: TypeDef, types: ApplyTypes): BuilderView {
  const gv = p.gv;
  const className = builderClassOrThrow(p, def.name);
  const withMeta = isObjectMeta(def.fields.find((f) => f.name === "metadata")?.type);
  const base = withMeta ? (def.gvk ? "rt.ObjectApplyConfiguration" : "rt.MetadataApplyConfiguration") : undefined;
  const inherited = new Set(withMeta ? ["metadata", ...(def.gvk ? ["apiVersion", "kind"] : [])] : []);
  // The collision rule: a wire field named like an inherited member is kept with rt.setField;
  // setters avoid inherited members and every wire field name of the struct (a set field would
  // shadow a method of the same name), taking a numeric suffix when needed.
  const inheritedMembers = new Set<string>([...OBJECT_MEMBERS, ...(base ? INHERITED_BUILDER_METHODS : [])]);
  const methods = new Set<string>([...inheritedMembers, ...def.fields.map((f) => f.name)]);
  const fields = def.fields
    .filter((f) => !inherited.has(f.name))
    .map((f): FieldView => {
      const key = propertyKey(f.name);
      const list = f.type.kind === "array";
      const map = f.type.kind === "map";
      const element = f.type.kind === "array" ? types.elementType(f.type.items) : f.type.kind === "map" ? types.tsType(f.type.values) : "";
      const how = list ? "Appends to" : map ? "Merges entries into (a later value for a key wins)" : "Sets";
      return {
        doc: [docText(`${how} \`${f.name}\`.`), ...fieldDoc(f).flatMap((l, i) => (i === 0 ? ["", l] : [l]))],
        name: f.name,
        own: inheritedMembers.has(f.name),
        key,
        access: memberAccess("this", f.name),
        method: uniqueName(builderMethodName(f.name), methods),
        list,
        map,
        type: types.tsType(f.type),
        declaredType: printType(unionOfText(types.members(f.type)), "property"),
        element,
      };
    });
  const resource = p.resourceOfType.get(def.name);
  const factoryName = p.factories.get(def.name)!;
  const typeMeta = def.gvk ? [`.withApiVersion(${stringLiteral(def.gvk.apiVersion)})`, `.withKind(${stringLiteral(def.gvk.kind)})`] : [];
  const calls: string[] = [...typeMeta];
  const params: string[] = [];
  if (resource && withMeta) {
    params.push("name: string");
    calls.push(".withName(name)");
    if (resource.namespaced) {
      params.push("namespace: string");
      calls.push(".withNamespace(namespace)");
    }
  }
  const schemaConst = p.applyStructs.get(def.name)!;
  const extracts: ExtractView[] = [];
  const fns = p.extracts.get(def.name);
  if (fns) {
    const main = fns.main;
    const schemaOf = `rt.applySchemaOf${callArguments([schemaConst])}`;
    const extraction = `.extractApplyConfiguration<${typeArgumentList([className])}>${callArguments([schemaOf, `${schemaConst}.type`, "obj", "fieldManager", "options"])}`;
    extracts.push({ name: main, main, value: memberChain("rt", [extraction, ...typeMeta]), doc: `The fields of \`obj\` that \`fieldManager\` owns through apply (client-go Extract${def.name}).` });
    if (fns.status) {
      const status = `${main}${callArguments(["obj", "fieldManager", objectLiteral([`subresource: ${stringLiteral("status")}`])], true)}`;
      extracts.push({ name: fns.status, main, value: status, subresource: "status", doc: `The status fields of \`obj\` that \`fieldManager\` owns through apply to the status subresource.` });
    }
  }
  const brand = p.applyBrands.get(def.name);
  return {
    doc: [`Apply configuration of ${gv.names.apiVersion} ${def.name}: only the fields set through its \`with\` methods are sent.`],
    className,
    ...(base ? { base } : {}),
    ...(brand ? { brand } : {}),
    fields: fields.map((f, i) => ({ ...f, gap: i > 0 || fields.some((x) => !x.own) })),
    factory: { name: factoryName, params, value: memberChain(`new ${className}()`, calls) },
    extracts,
    typeName: def.name,
    schemaConst,
    schemaName: applySchemaTypeName(gv.names.modulePath, def.name),
    schemaFields: def.fields.map((f) => ({ key: objectKey(f.name), node: schemaFieldNode(f.name, types.node(f.type)) })),
    atomic: def.mapType === "atomic",
    ...(def.additional || def.preserveUnknownFields ? { rest: def.additional ? types.node(def.additional) : "rt.UNTYPED" } : {}),
  };
}

/** The folder of a group-version's apply configurations, relative to --out. */
export const APPLY_FOLDER = "applyconfigurations";

/**
 * Emits the `applyconfigurations/` folder of every group-version with object types: one file per
 * builder type and the folder's index.ts.
 */
export function emitApplyConfigurations(plan: Plan): EmittedFile[] {
  const files: EmittedFile[] = [];
  for (const p of plan.groupVersions.filter((g) => g.has.applyconfigurations)) {
    const gv = p.gv;
    const folder = `${gv.names.modulePath}/${APPLY_FOLDER}`;
    const entries: { file: string; schemaConst: string }[] = [];
    for (const def of p.builderTypes) {
      const file = typeFileOrThrow(p, def.name);
      const imports = new ImportCollector(gv.names.modulePath, plan.accessors);
      const types = new ApplyTypes(imports, plan, p, file);
      const builder = builderView(p, def, types);
      entries.push({ file, schemaConst: builder.schemaConst });
      files.push({
        path: `${folder}/${file}.ts`,
        template: "applyconfiguration",
        view: {
          apiVersion: gv.names.apiVersion,
          typesImport: builder.extracts.length > 0,
          imports: imports.moduleImports(`${APPLY_FOLDER}/index.js`, folder),
          locals: types.localImports(),
          builder,
        },
      });
    }
    files.push({
      path: `${folder}/index.ts`,
      template: "applyconfigurations",
      view: {
        apiVersion: gv.names.apiVersion,
        files: entries.map((e) => `./${e.file}.js`),
        schemas: entries.map((e) => ({ path: `./${e.file}.js`, name: e.schemaConst })),
        roots: entries.map((e) => e.schemaConst),
      },
    });
  }
  return files;
}
