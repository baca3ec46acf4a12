// The types artifact: a `<group>/<version>/types/` folder per group-version
// with one file per kind and nested type (an interface, or an alias; the file
// plan.typeFiles names), importing the module's other types by name from
// their files and other group-versions' through their folder's index, and an
// index.ts that re-exports them all. Builds views; the templates only print
// them.

import type { TypeDef } from "../ir/types.js";
import { typeFileOrThrow, type GroupVersionPlan, type Plan } from "../ir/plan.js";
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

/** The folder of a group-version's types, relative to the module's folder. */
export const TYPES_FOLDER = "types";
/** The types' index, relative to the module's folder: what other files import the types from. */
export const TYPES_INDEX = `${TYPES_FOLDER}/index.js`;

/** Emits the `types/` folder of every group-version: one file per type and the folder's index.ts. */
export function emitTypes(plan: Plan): EmittedFile[] {
  const files: EmittedFile[] = [];
  for (const p of plan.groupVersions) {
    const { gv } = p;
    const folder = `${gv.names.modulePath}/${TYPES_FOLDER}`;
    const names: string[] = [];
    for (const t of gv.types) {
      const file = typeFileOrThrow(p, t.name);
      const imports = new ImportCollector(gv.names.modulePath, plan.accessors).perTypeFile(p.typeFiles, file);
      const type = typeView(p, t, imports);
      names.push(file);
      files.push({
        path: `${folder}/${file}.ts`,
        template: "type",
        view: {
          apiVersion: gv.names.apiVersion,
          runtime: imports.runtime,
          imports: imports.moduleImports(TYPES_INDEX, folder),
          siblings: imports.siblingImports(),
          type,
        },
      });
    }
    files.push({
      path: `${folder}/index.ts`,
      template: "types",
      view: { apiVersion: gv.names.apiVersion, files: names.map((n) => `./${n}.js`) },
    });
  }
  return files;
}
