// The applyconfigurations artifact (client-go applyconfiguration-gen): a
// `<group>/<version>/applyconfigurations/` folder per group-version with one
// file per struct type (plan.typeFiles names it), holding its builder class and
// factory, the extract functions of a resource kind, and the type's
// server-side-apply schema struct (list/map semantics per field), plus an
// index.ts that re-exports them all and defines the module's merged schema
// table, which extraction and the fake clientset's apply read. Struct nodes
// link to each other by imported identifiers (siblings by name, other
// group-versions through their folder's index), read only lazily, so a bundle
// keeps only the structs a program reaches. Builds views of plain data: schema
// nodes (SchemaNode), the factory's and the extract functions' parameters and
// calls (render/code-expr.ts); the templates write the TypeScript.

import type { ListSemantics, MapType, RuntimeType, TypeDef, TypeRef, TypeTarget } from "../ir/types.js";
import {
  INHERITED_BUILDER_METHODS,
  OBJECT_MEMBERS,
  applyConfigurationName,
  applySchemaTypeName,
  applyStructName,
  builderMethodName,
  uniqueName,
} from "../ir/naming.js";
import { builderClassOrThrow, isObjectMeta, typeFileOrThrow, type GroupVersionPlan, type Plan } from "../ir/plan.js";
import { docText, memberAccess, objectKey, propertyKey } from "../ir/escape.js";
import { fieldDoc } from "./docs.js";
import type { EmittedFile } from "./emitted.js";
import { ImportCollector, relativeImport, unionMembers } from "./ts-type.js";
import { importSpecifiers, mapType } from "../render/layout.js";
import { printType, unionOfText } from "../render/type-expr.js";
import { call, names, type ArgView, type CallView, type ParamView } from "../render/code-expr.js";

/**
 * Runtime types with a builder class and an apply-schema node in the runtime
 * (`rt.ObjectMetaApplyConfiguration`, `rt.objectMetaApplySchema`), which this
 * emitter generates too (RUNTIME_TARGET, make generate-runtime).
 */
export const RUNTIME_BUILDERS: readonly RuntimeType[] = [
  "ObjectMeta",
  "OwnerReference",
  "ManagedFieldsEntry",
  "LabelSelector",
  "LabelSelectorRequirement",
  "Condition",
];
const hasRuntimeBuilder = (t: RuntimeType): boolean => RUNTIME_BUILDERS.includes(t);

/** Where generated builders find the runtime, and which of their fields get no setter. */
export interface ApplyTarget {
  /** The module imported as `rt`: a package name, or a file under the output folder (`apply-kit.ts`). */
  readonly runtime: { readonly package: string } | { readonly file: string };
  /** `Type.field` of fields kept in the schema but given no setter (apply never sends them). */
  readonly noSetter: ReadonlySet<string>;
  /** Whether each folder gets its index.ts (re-exports and the merged schema table). */
  readonly folderIndex: boolean;
}

/** Users' code: the runtime is the package. */
export const PACKAGE_TARGET: ApplyTarget = { runtime: { package: "@kubegen/runtime" }, noSetter: new Set(), folderIndex: true };

/**
 * The runtime's own builders: `rt` is a hand-written file beside them that re-exports what they
 * use, ObjectMeta's server-kept fields have no setters (as client-go's
 * ObjectMetaApplyConfiguration), and the runtime's index imports each file itself (a folder
 * index's schema table, evaluated at import, would run inside the runtime's import cycle).
 */
export const RUNTIME_TARGET: ApplyTarget = {
  runtime: { file: "../apply-kit.ts" },
  noSetter: new Set(["ObjectMeta.selfLink", "ObjectMeta.managedFields"]),
  folderIndex: false,
};

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

/**
 * A server-side apply schema node (the runtime's ApplyNode) as data: how apply
 * merges a value.
 */
export type SchemaNode =
  /** `rt.SCALAR` (replaced whole) or `rt.UNTYPED` (untyped JSON). */
  | { leaf: "SCALAR" | "UNTYPED" }
  /** A runtime struct without a node of its own, by name: `rt.struct("Status")`. */
  | { runtimeStruct: string }
  /** A generated struct's node, by the name this file knows it by: `podSpecApplySchema`, `coreV1.podSpecApplySchema`. */
  | { struct: string }
  /** A list merged whole (`atomic`) or as a set of scalars (`set`). */
  | { list: { listType: "atomic" | "set"; items: SchemaNode } }
  /** A list merged as a map on its items' `keys`. */
  | { listMap: { keys: readonly string[]; items: SchemaNode } }
  /** A map, merged by key (`granular`) or whole (`atomic`). */
  | { map: { mapType: MapType; values: SchemaNode } }
  /** A generated node under a key named like an Object.prototype member: `node satisfies rt.ApplyNode` (see schemaField). */
  | { satisfies: SchemaNode };

/** The factory, `export function name(params): Class { return new Class().withX(...)...; }`. */
export interface FactoryView {
  name: string;
  params: ParamView[];
  /** The setter calls on `new Class()`: `withApiVersion("apps/v1")`, `withName(name)`. */
  calls: CallView[];
}

/** An extract function, `export function name(params): Class { return value; }`. */
export interface ExtractView {
  name: string;
  doc: string;
  params: ParamView[];
  /**
   * What it returns: for the main function, extraction, then the setter calls
   * that fill in apiVersion and kind, which objects from lists and informers
   * lack; for a subresource's, the main function's call with the subresource.
   */
  value: ArgView;
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
  schemaFields: { key: string; node: SchemaNode }[];
  atomic: boolean;
  rest?: SchemaNode;
}

const SCALAR: SchemaNode = { leaf: "SCALAR" };
const UNTYPED: SchemaNode = { leaf: "UNTYPED" };
const isScalar = (node: SchemaNode): boolean => "leaf" in node && node.leaf === "SCALAR";

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
      return [hasRuntimeBuilder(target.runtime) ? `rt.${applyConfigurationName(target.runtime)}` : `rt.${target.runtime}`];
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

  /** The schema node for a value. */
  node(ref: TypeRef): SchemaNode {
    switch (ref.kind) {
      case "unknown":
        return UNTYPED;
      case "union":
        return ref.variants.every((v) => isScalar(this.node(v))) ? SCALAR : UNTYPED;
      case "array": {
        const { listType, keys } = applyListType(ref.list);
        const items = this.node(ref.items);
        return listType === "map" ? { listMap: { keys, items } } : { list: { listType, items } };
      }
      case "map":
        return { map: { mapType: ref.mapType, values: this.node(ref.values) } };
      case "ref":
        return this.#refNode(ref.target);
      default:
        return SCALAR;
    }
  }

  #refNode(target: TypeTarget): SchemaNode {
    if ("runtime" in target) {
      if (RUNTIME_SCALARS.has(target.runtime)) return SCALAR;
      if (RUNTIME_UNTYPED.has(target.runtime)) return UNTYPED;
      return hasRuntimeBuilder(target.runtime) ? { struct: `rt.${applyStructName(target.runtime)}` } : { runtimeStruct: target.runtime };
    }
    const owner = this.#plan.module(target.module);
    const def = owner?.types.get(target.name);
    if (def?.alias) return this.node(def.alias);
    if (def?.listOf) return UNTYPED;
    const node = owner?.applyStructs.get(target.name);
    if (!owner || node === undefined) throw new Error(`internal error: no apply struct for ${target.module}.${target.name}`);
    if (owner === this.#self) return { struct: this.#local(target.name, node, "value") };
    const ref = this.imports.reference(target); // `alias.Name`: the module's folder index exports the node
    return { struct: ref.slice(0, ref.length - target.name.length) + node };
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
 * restores it. Generated nodes (literals, and struct nodes, harmlessly) get
 * it; the runtime's (`rt.SCALAR`, `rt.struct(...)`) do not.
 */
function schemaField(field: string, node: SchemaNode): { key: string; node: SchemaNode } {
  const generated = !("leaf" in node || "runtimeStruct" in node);
  return { key: objectKey(field), node: OBJECT_MEMBERS.includes(field) && generated ? { satisfies: node } : node };
}

const param = (name: string, type: string, optional = false): ParamView => ({ name, type: { ref: type }, optional });

function builderView(p: GroupVersionPlan, def: TypeDef, types: ApplyTypes, noSetter: ReadonlySet<string>): BuilderView {
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
    .filter((f) => !inherited.has(f.name) && !noSetter.has(`${def.name}.${f.name}`))
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
  const typeMeta = def.gvk ? [call("withApiVersion", { string: def.gvk.apiVersion }), call("withKind", { string: def.gvk.kind })] : [];
  const calls = [...typeMeta];
  const params: ParamView[] = [];
  if (resource && withMeta) {
    params.push(param("name", "string"));
    calls.push(call("withName", ...names("name")));
    if (resource.namespaced) {
      params.push(param("namespace", "string"));
      calls.push(call("withNamespace", ...names("namespace")));
    }
  }
  const schemaConst = p.applyStructs.get(def.name)!;
  const extracts: ExtractView[] = [];
  const fns = p.extracts.get(def.name);
  if (fns) {
    const obj = param("obj", `t.${def.name}`);
    const fieldManager = param("fieldManager", "string");
    const extraction: CallView = {
      callee: "extractApplyConfiguration",
      typeArgs: [{ ref: className }],
      args: [{ call: call("rt.applySchemaOf", ...names(schemaConst)) }, ...names(`${schemaConst}.type`, "obj", "fieldManager", "options")],
    };
    extracts.push({
      name: fns.main,
      doc: `The fields of \`obj\` that \`fieldManager\` owns through apply (client-go Extract${def.name}).`,
      params: [obj, fieldManager, param("options", "rt.ExtractOptions", true)],
      value: { chain: { head: "rt", calls: [extraction, ...typeMeta] } },
    });
    if (fns.status) {
      extracts.push({
        name: fns.status,
        doc: "The status fields of `obj` that `fieldManager` owns through apply to the status subresource.",
        params: [obj, fieldManager],
        value: { call: call(fns.main, ...names("obj", "fieldManager"), { object: [{ key: "subresource", value: { string: "status" } }] }) },
      });
    }
  }
  const brand = p.applyBrands.get(def.name);
  return {
    doc: [`Apply configuration of ${gv.names.apiVersion} ${def.name}: only the fields set through its \`with\` methods are sent.`],
    className,
    ...(base ? { base } : {}),
    ...(brand ? { brand } : {}),
    fields: fields.map((f, i) => ({ ...f, gap: i > 0 || fields.some((x) => !x.own) })),
    factory: { name: factoryName, params, calls },
    extracts,
    typeName: def.name,
    schemaConst,
    schemaName: applySchemaTypeName(gv.names.modulePath, def.name),
    schemaFields: def.fields.map((f) => schemaField(f.name, types.node(f.type))),
    atomic: def.mapType === "atomic",
    ...(def.additional || def.preserveUnknownFields ? { rest: def.additional ? types.node(def.additional) : UNTYPED } : {}),
  };
}

/** The folder of a group-version's apply configurations, relative to --out. */
export const APPLY_FOLDER = "applyconfigurations";

/**
 * Emits the `applyconfigurations/` folder of every group-version with object types: one file per
 * builder type and the folder's index.ts.
 */
export function emitApplyConfigurations(plan: Plan, target: ApplyTarget = PACKAGE_TARGET): EmittedFile[] {
  const files: EmittedFile[] = [];
  for (const p of plan.groupVersions.filter((g) => g.has.applyconfigurations)) {
    const gv = p.gv;
    const folder = `${gv.names.modulePath}/${APPLY_FOLDER}`;
    const runtime = "package" in target.runtime ? target.runtime.package : relativeImport(folder, target.runtime.file.replace(/\.ts$/, ".js"));
    const entries: { file: string; schemaConst: string }[] = [];
    for (const def of p.builderTypes) {
      const file = typeFileOrThrow(p, def.name);
      const imports = new ImportCollector(gv.names.modulePath, plan.accessors);
      const types = new ApplyTypes(imports, plan, p, file);
      const builder = builderView(p, def, types, target.noSetter);
      entries.push({ file, schemaConst: builder.schemaConst });
      files.push({
        path: `${folder}/${file}.ts`,
        template: "applyconfiguration",
        view: {
          apiVersion: gv.names.apiVersion,
          runtime,
          typesImport: builder.extracts.length > 0,
          imports: imports.moduleImports(`${APPLY_FOLDER}/index.js`, folder),
          locals: types.localImports(),
          builder,
        },
      });
    }
    if (!target.folderIndex) continue;
    files.push({
      path: `${folder}/index.ts`,
      template: "applyconfigurations",
      view: {
        apiVersion: gv.names.apiVersion,
        runtime,
        files: entries.map((e) => `./${e.file}.js`),
        schemas: entries.map((e) => ({ path: `./${e.file}.js`, name: e.schemaConst })),
        roots: entries.map((e) => e.schemaConst),
      },
    });
  }
  return files;
}
