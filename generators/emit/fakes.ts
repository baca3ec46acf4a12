// The fakes artifact: the root `fake.ts`, a FakeClientset (the generated
// Clientset over the runtime's in-memory FakeClient) and the table of
// resources the fake serves. Builds the view; the template prints it.

import { literalExpression, stringLiteral } from "../ir/escape.js";
import type { ApiModel } from "../ir/types.js";
import { applyModuleAlias, applySchemaTypeName } from "../ir/naming.js";
import { hasBuilder } from "./applyconfigurations.js";
import { hasClient } from "./clients.js";
import type { EmittedFile } from "./emitted.js";
import { ImportCollector, moduleAccessors } from "./ts-type.js";

/** Emits `fake.ts`. */
export function emitFakes(model: ApiModel): EmittedFile[] {
  const imports = new ImportCollector(".", moduleAccessors(model));
  const kinds = [
    ...new Set(
      model.groupVersions.filter(hasClient).flatMap((gv) => gv.resources.map((r) => imports.reference({ module: gv.names.modulePath, name: r.typeName }))),
    ),
  ];
  const schemaImports = new Map<string, { alias: string; path: string }>();
  const resources = model.groupVersions.filter(hasClient).flatMap((gv) =>
    gv.resources.map((r) => {
      const scale = r.subresources.find((s) => s.name === "scale")?.scale;
      const def = gv.types.find((t) => t.name === r.typeName);
      let apply: string | undefined;
      if (def && hasBuilder(def)) {
        const alias = applyModuleAlias(gv.names.accessor);
        schemaImports.set(alias, { alias, path: `./${gv.names.modulePath}/applyconfigurations.js` });
        apply = `{ schema: ${alias}.applySchema, type: ${stringLiteral(applySchemaTypeName(gv.names.modulePath, r.typeName))} }`;
      }
      return {
        group: gv.group,
        version: gv.version,
        plural: r.plural,
        kind: r.kind,
        listKind: r.listKind,
        namespaced: r.namespaced,
        subresources: r.subresources.map((s) => stringLiteral(s.name)).join(", "),
        ...(scale ? { scale: literalExpression(scale) } : {}),
        ...(apply ? { apply } : {}),
        ...(r.crd?.selectableFields.length ? { selectableFields: r.crd.selectableFields.map(stringLiteral).join(", ") } : {}),
      };
    }),
  );
  return [{ path: "fake.ts", template: "fake", view: { resources, kinds, imports: imports.moduleImports("types.js"), schemaImports: [...schemaImports.values()] } }];
}
