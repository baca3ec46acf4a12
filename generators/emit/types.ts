// The types artifact: one `<group>/<version>/types.ts` per group-version with
// an interface for every kind and nested type. Builds views; the templates
// only print them.

import type { TypeDef } from "../ir/types.js";
import type { GroupVersionPlan, Plan } from "../ir/plan.js";
import { propertyKey, stringLiteral } from "../ir/escape.js";
import { fieldDoc, typeDoc } from "./docs.js";
import { ImportCollector, typeLayout, unionMembers } from "./ts-type.js";
import { propertyType } from "../render/layout.js";
import type { EmittedFile } from "./emitted.js";

interface FieldView {
  doc: string[];
  key: string;
  optional: boolean;
  type: string;
}

interface TypeView {
  doc: string[];
  name: string;
  alias?: string;
  fields: FieldView[];
  index?: string;
}

function deprecationNotes(p: GroupVersionPlan, t: TypeDef): string[] {
  const r = p.resourceOfType.get(t.name);
  if (!r?.crd?.deprecated) return [];
  return [`@deprecated ${r.crd.deprecationWarning ?? `${p.gv.names.apiVersion} ${r.kind} is deprecated.`}`];
}

function typeView(p: GroupVersionPlan, t: TypeDef, imports: ImportCollector): TypeView {
  const doc = typeDoc(t, deprecationNotes(p, t));
  if (t.alias) return { doc, name: t.name, alias: typeLayout(t.alias, imports), fields: [] };
  const fields = t.fields.map((f): FieldView => {
    const literal = t.gvk && (f.name === "apiVersion" || f.name === "kind") ? stringLiteral(t.gvk[f.name]) : undefined;
    const members = literal ? [literal] : unionMembers(f.type, imports);
    return {
      doc: fieldDoc(f),
      key: propertyKey(f.name),
      optional: !f.required,
      type: propertyType(f.nullable ? [...members, "null"] : members),
    };
  });
  let index: string | undefined;
  if (t.additional) {
    // Every property must fit the index signature, so with fixed fields it is `unknown`.
    index = fields.length === 0 ? typeLayout(t.additional, imports) : "unknown";
  }
  return { doc, name: t.name, fields, ...(index ? { index } : {}) };
}

/** Emits one types.ts per group-version. */
export function emitTypes(plan: Plan): EmittedFile[] {
  const files: EmittedFile[] = [];
  for (const p of plan.groupVersions) {
    const { gv } = p;
    const imports = new ImportCollector(gv.names.modulePath, plan.accessors);
    const types = gv.types.map((t) => typeView(p, t, imports));
    files.push({
      path: `${gv.names.modulePath}/types.ts`,
      template: "types",
      view: {
        apiVersion: gv.names.apiVersion,
        runtime: imports.runtime,
        imports: imports.moduleImports("types.js"),
        types,
      },
    });
  }
  return files;
}
