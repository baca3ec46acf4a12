// The fakes artifact: the root `fake.ts`, a FakeClientset (the generated
// Clientset over the runtime's in-memory FakeClient), the table of
// resources the fake serves and, for CRD group-versions, the structural
// schemas the fake validates and prunes custom resources with (the IR's
// types, required fields, enums, formats, nullability and field constraints).
// Builds the view of plain data (the resource table's rows, validation nodes
// as JSON); the template prints it (`{{json}}` writes the JSON as literals).

import { objectKey } from "../ir/escape.js";
import type { Field, GroupVersion, Json, TypeDef, TypeRef } from "../ir/types.js";
import { applyModuleAlias, applySchemaTypeName } from "../ir/naming.js";
import { APPLY_FOLDER } from "./applyconfigurations.js";
import type { Plan } from "../ir/plan.js";
import type { EmittedFile } from "./emitted.js";
import { TYPES_INDEX } from "./types.js";
import { ImportCollector } from "./ts-type.js";

/** The runtime's ValidationNode, as plain data. */
type ValidationNode = { [key: string]: Json };

/** Field constraints the fake checks (the IR keeps them per property). */
const CONSTRAINTS = [
  "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength", "pattern",
  "minItems", "maxItems", "uniqueItems", "minProperties", "maxProperties",
] as const;

/** Collects the named object types reachable from a CRD kind's root, as validation structs. */
class ValidationTable {
  readonly types = new Map<string, { properties: [string, ValidationNode][]; required: string[]; preserveUnknown: boolean; additional?: ValidationNode }>();

  constructor(private readonly plan: Plan) {}

  /** Adds `def` of `gv` (and what it reaches) and returns its qualified name. */
  add(gv: GroupVersion, def: TypeDef): string {
    const name = applySchemaTypeName(gv.names.modulePath, def.name);
    if (this.types.has(name)) return name;
    const entry = { properties: [] as [string, ValidationNode][], required: [] as string[], preserveUnknown: def.preserveUnknownFields };
    this.types.set(name, entry);
    for (const f of def.fields) {
      entry.properties.push([f.name, this.field(gv, f)]);
      if (f.required) entry.required.push(f.name);
    }
    if (def.additional && !def.preserveUnknownFields) (entry as { additional?: ValidationNode }).additional = this.node(gv, def.additional);
    return name;
  }

  field(gv: GroupVersion, f: Field): ValidationNode {
    const node = this.node(gv, f.type);
    if (f.nullable) node.nullable = true;
    for (const k of CONSTRAINTS) {
      const v = f.constraints?.[k];
      if (v !== undefined) node[k] = v;
    }
    return node;
  }

  node(gv: GroupVersion, t: TypeRef): ValidationNode {
    switch (t.kind) {
      case "string":
      case "integer":
      case "number":
        return { type: t.kind, ...(t.format ? { format: t.format } : {}), ...(t.enum ? { enum: t.enum } : {}) };
      case "boolean":
        return { type: "boolean", ...(t.enum ? { enum: t.enum } : {}) };
      case "intOrString":
        return { type: "int-or-string" };
      case "array":
        return { type: "array", items: this.node(gv, t.items) };
      case "map":
        return { type: "object", values: this.node(gv, t.values) };
      case "unknown":
        return t.json === "object" ? { type: "object", preserveUnknown: true } : {};
      case "union":
        return {};
      case "ref": {
        const target = t.target;
        if ("runtime" in target) return target.runtime === "Time" || target.runtime === "MicroTime" ? { type: "string" } : {};
        const owner = this.plan.module(target.module) ?? this.plan.groupVersion(gv);
        const def = owner.types.get(target.name);
        if (!def) return {};
        if (def.alias) return this.node(owner.gv, def.alias);
        return { type: "object", ref: this.add(owner.gv, def) };
      }
    }
  }
}

/**
 * Built-in resources whose registry strategy sets `metadata.generation` (PrepareForCreate sets 1,
 * spec changes add 1). Every other built-in kind has none; custom resources always have one.
 */
const BUILT_INS_WITH_GENERATION = new Set([
  "/pods", "/replicationcontrollers",
  "apps/deployments", "apps/replicasets", "apps/statefulsets", "apps/daemonsets",
  "batch/jobs", "batch/cronjobs",
  "policy/poddisruptionbudgets",
  "networking.k8s.io/ingresses", "networking.k8s.io/networkpolicies",
  "apiextensions.k8s.io/customresourcedefinitions",
  "admissionregistration.k8s.io/validatingadmissionpolicies", "admissionregistration.k8s.io/mutatingadmissionpolicies",
]);

/** A row of FAKE_RESOURCES: the runtime's FakeResource, with the schemas it names by their module alias and table. */
export interface FakeResourceView {
  group: string;
  version: string;
  plural: string;
  kind: string;
  listKind: string;
  namespaced: boolean;
  subresources: string[];
  scale?: Json;
  /** The group-version's applySchema (`alias.applySchema`) and the kind's struct in it. */
  apply?: { alias: string; type: string };
  /** The group-version's validation table and the kind's struct in it. */
  validation?: { table: string; type: string };
  generationless: boolean;
  selectableFields?: string[];
}

/** A property of a validation struct. */
export interface ValidationPropertyView {
  key: string;
  node: ValidationNode;
  /**
   * A key such as `constructor` gets Object.prototype's member as its contextual type, which
   * widens `type: "string"` to string; `node satisfies ValidationNode` restores the node's own type.
   */
  satisfies: boolean;
}

export interface ValidationTableView {
  name: string;
  types: { name: string; properties: ValidationPropertyView[]; required: string[]; preserveUnknown: boolean; additional?: ValidationNode }[];
}

const propertyView = (key: string, node: ValidationNode): ValidationPropertyView => ({ key: objectKey(key), node, satisfies: key in Object.prototype });

/** Emits `fake.ts`. */
export function emitFakes(plan: Plan): EmittedFile[] {
  const imports = new ImportCollector(".", plan.accessors);
  const withClients = plan.groupVersions.filter((p) => p.has.client);
  const kinds = [
    ...new Set(withClients.flatMap(({ gv }) => gv.resources.map((r) => imports.reference({ module: gv.names.modulePath, name: r.typeName })))),
  ];
  const schemaImports = new Map<string, { alias: string; path: string }>();
  const tables = new Map<string, ValidationTable>();
  const resources = withClients.flatMap(({ gv, resources: planned }) =>
    planned.map(({ resource: r, kindType: def, hasBuilder }): FakeResourceView => {
      const scale = r.subresources.find((s) => s.name === "scale")?.scale;
      let apply: FakeResourceView["apply"];
      if (hasBuilder) {
        const alias = applyModuleAlias(gv.names.accessor);
        schemaImports.set(alias, { alias, path: `./${gv.names.modulePath}/${APPLY_FOLDER}/index.js` });
        apply = { alias, type: applySchemaTypeName(gv.names.modulePath, r.typeName) };
      }
      let validation: FakeResourceView["validation"];
      if (r.crd && def && !def.alias) {
        const table = `${gv.names.accessor}Validation`;
        if (!tables.has(table)) tables.set(table, new ValidationTable(plan));
        validation = { table, type: tables.get(table)!.add(gv, def) };
      }
      return {
        group: gv.group,
        version: gv.version,
        plural: r.plural,
        kind: r.kind,
        listKind: r.listKind,
        namespaced: r.namespaced,
        subresources: r.subresources.map((s) => s.name),
        ...(scale ? { scale } : {}),
        ...(apply ? { apply } : {}),
        ...(validation ? { validation } : {}),
        generationless: !r.crd && !BUILT_INS_WITH_GENERATION.has(`${gv.group}/${r.plural}`),
        ...(r.crd?.selectableFields.length ? { selectableFields: [...r.crd.selectableFields] } : {}),
      };
    }),
  );
  const validationTables = [...tables.entries()].map(([name, table]): ValidationTableView => ({
    name,
    types: [...table.types.entries()].map(([typeName, t]) => ({
      name: typeName,
      properties: t.properties.map(([k, n]) => propertyView(k, n)),
      required: t.required,
      preserveUnknown: t.preserveUnknown,
      ...(t.additional ? { additional: t.additional } : {}),
    })),
  }));
  return [
    {
      path: "fake.ts",
      template: "fake",
      view: {
        resources,
        kinds,
        imports: imports.moduleImports(TYPES_INDEX),
        schemaImports: [...schemaImports.values()],
        validationTables,
        validationNodeType: validationTables.some((t) => t.types.some((ty) => ty.properties.some((p) => p.satisfies))),
      },
    },
  ];
}
