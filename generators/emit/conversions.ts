// The conversion types: for each group with multi-version CRDs, `<group>/conversion.ts` names,
// per CRD, the functions a conversion webhook needs (StorageConverter of
// @kubegen/runtime/webhook): every other served version to and from the storage version, each
// typed by that version's generated kind. Types only: nothing of it is in a program at run
// time. Builds views only; the plan decides which CRDs qualify and names their types
// (Plan.conversions).

import { relativeImport } from "./ts-type.js";
import { TYPES_INDEX } from "./types.js";
import type { ConversionPlan, Plan } from "../ir/plan.js";
import type { EmittedFile } from "./emitted.js";

/** Emits one `conversion.ts` per group folder that has conversions. */
export function emitConversions(plan: Plan): EmittedFile[] {
  const byFolder = new Map<string, ConversionPlan[]>();
  for (const c of plan.conversions) byFolder.set(c.folder, [...(byFolder.get(c.folder) ?? []), c]);
  return [...byFolder].map(([folder, conversions]) => {
    const modules = new Map<string, string>();
    for (const c of conversions) for (const v of [c.storage, ...c.others]) modules.set(v.alias, relativeImport(folder, `${v.modulePath}/${TYPES_INDEX}`));
    return {
      path: `${folder}/conversion.ts`,
      template: "conversion",
      view: {
        folder,
        imports: [...modules].sort(([a], [b]) => (a < b ? -1 : 1)).map(([alias, path]) => ({ alias, path })),
        conversions: conversions.map((c) => ({
          name: c.typeName,
          crdName: c.crdName,
          kind: c.kind,
          storage: { apiVersion: c.storage.apiVersion, type: `${c.storage.alias}.${c.storage.typeName}` },
          others: c.others.map((v) => ({ apiVersion: v.apiVersion, type: `${v.alias}.${v.typeName}` })),
        })),
      },
    };
  });
}
