// The informers artifact: one `<group>/<version>/informers.ts` per
// group-version with listable resources (client-go informers/<group>/<version>:
// a typed `{ informer, lister }` accessor per resource over the runtime's
// InformerFactory and the group-version's typed client), plus the root
// `informers.ts` with the generated SharedInformerFactory (client-go
// informers/factory.go). Builds views; the templates only print them.

import type { Plan } from "../ir/plan.js";
import type { EmittedFile } from "./emitted.js";

/** Emits `informers.ts` per group-version with listable resources, and the root `informers.ts`. */
export function emitInformers(plan: Plan): EmittedFile[] {
  const withInformers = plan.groupVersions.filter((p) => p.has.listers);
  const files: EmittedFile[] = withInformers.map(({ gv, listable, informersClass, clientClass }) => ({
    path: `${gv.names.modulePath}/informers.ts`,
    template: "informers",
    view: {
      apiVersion: gv.names.apiVersion,
      informersClass,
      clientClass,
      resources: listable.map(({ resource: r, names }) => {
        const { namespaceAccessor: _, ...lister } = names.lister;
        return {
          getter: names.getter,
          ...lister,
          group: gv.group,
          version: gv.version,
          plural: r.plural,
          namespaced: r.namespaced,
          type: `t.${r.typeName}`,
          doc: [`A shared informer of ${r.plural} (${gv.names.apiVersion} ${r.kind}) and the lister over its cache.`],
          getterDoc: r.namespaced
            ? [`The shared informer of ${r.plural}, in the factory's namespace (all when it has none): the same one on every call.`]
            : [`The shared informer of ${r.plural} (cluster-scoped): the same one on every call.`],
        };
      }),
    },
  }));
  files.push({
    path: "informers.ts",
    template: "informer-factory",
    view: {
      groups: withInformers.map(({ gv, informersClass }) => ({
        accessor: gv.names.accessor,
        informersClass,
        apiVersion: gv.names.apiVersion,
        path: `./${gv.names.modulePath}/informers.js`,
      })),
    },
  });
  return files;
}
