// The types artifact: one `<group>/<version>/types.ts` per group-version with
// an interface for every kind and nested type. Builds views; the templates
// only print them.

import type { ApiModel, GroupVersion, TypeDef } from "../ir/types.js";
import { propertyKey, stringLiteral } from "../ir/escape.js";
import { fieldDoc, typeDoc } from "./docs.js";
import { ImportCollector, moduleAccessors, typeLayout, unionMembers } from "./ts-type.js";
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

function deprecationNotes(gv: GroupVersion, t: TypeDef): string[] {
  const r = gv.resources.find((x) => x.typeName === t.name);
  if (!r?.crd?.deprecated) return [];
  return [`@deprecated ${r.crd.deprecationWarning ?? `${gv.names.apiVersion} ${r.kind} is deprecated.`}`];
}

function typeView(gv: GroupVersion, t: TypeDef, imports: ImportCollector): TypeView {
  const doc = typeDoc(t, deprecationNotes(gv, t));
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
export function emitTypes(model: ApiModel): EmittedFile[] {
  const accessors = moduleAccessors(model);
  const files: EmittedFile[] = [];
  for (const gv of model.groupVersions) {
    const imports = new ImportCollector(gv.names.modulePath, accessors);
    const types = gv.types.map((t) => typeView(gv, t, imports));
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
