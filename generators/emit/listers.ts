// The listers artifact: one `<group>/<version>/lister.ts` per group-version
// with resources that can be listed and watched (client-go
// listers/<group>/<version>): a typed lister per resource over the runtime's
// ResourceLister, reading an informer's cache. Builds views; the template
// only prints them. Which resources get a lister (and so an informer), and
// their names, come from the plan (ir/plan.ts).

import type { Plan } from "../ir/plan.js";
import type { EmittedFile } from "./emitted.js";

/** Emits `lister.ts` per group-version with listable resources. */
export function emitListers(plan: Plan): EmittedFile[] {
  return plan.groupVersions
    .filter((p) => p.has.listers)
    .map(({ gv, listable }) => ({
      path: `${gv.names.modulePath}/lister.ts`,
      template: "lister",
      view: {
        apiVersion: gv.names.apiVersion,
        resources: listable.map(({ resource: r, names }) => {
          const { namespaceAccessor, ...lister } = names.lister;
          const what = `${r.plural} (${gv.names.apiVersion} ${r.kind})`;
          return {
            getter: names.getter,
            ...lister,
            group: gv.group,
            plural: r.plural,
            namespaced: r.namespaced,
            type: `t.${r.typeName}`,
            accessor: namespaceAccessor,
            doc: r.namespaced
              ? [`Reads ${what} from an informer's cache: across namespaces, or one namespace at a time.`]
              : [`Reads ${what} from an informer's cache; cluster-scoped. \`get\` returns undefined when absent, \`getOrThrow\` throws a NotFound ApiError.`],
            namespaceDoc: [`Reads ${what} in one namespace. \`get\` returns undefined when absent, \`getOrThrow\` throws a NotFound ApiError.`],
          };
        }),
      },
    }));
}
