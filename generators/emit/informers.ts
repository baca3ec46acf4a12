// The informers artifact: one `<group>/<version>/informers.ts` per
// group-version with listable resources (client-go informers/<group>/<version>:
// a typed `{ informer, lister }` accessor per resource over the runtime's
// InformerFactory and the group-version's typed client), plus the root
// `informers.ts` with the generated SharedInformerFactory (client-go
// informers/factory.go). Builds views; the templates only print them.

import type { ApiModel } from "../ir/types.js";
import { groupClientClassName, groupInformersClassName } from "../ir/naming.js";
import type { EmittedFile } from "./emitted.js";
import { hasListers, listableResources } from "./listers.js";

/** Emits `informers.ts` per group-version with listable resources, and the root `informers.ts`. */
export function emitInformers(model: ApiModel): EmittedFile[] {
  const withInformers = model.groupVersions.filter(hasListers);
  const files: EmittedFile[] = withInformers.map((gv) => {
    const resources = listableResources(gv);
    return {
      path: `${gv.names.modulePath}/informers.ts`,
      template: "informers",
      view: {
        apiVersion: gv.names.apiVersion,
        informersClass: groupInformersClassName(gv.names),
        clientClass: groupClientClassName(gv.names),
        resources: resources.map(({ resource: r, ...names }) => ({
          ...names,
          group: gv.group,
          version: gv.version,
          plural: r.plural,
          namespaced: r.namespaced,
          type: `t.${r.typeName}`,
          doc: [`A shared informer of ${r.plural} (${gv.names.apiVersion} ${r.kind}) and the lister over its cache.`],
          getterDoc: r.namespaced
            ? [`The shared informer of ${r.plural}, in the factory's namespace (all when it has none): the same one on every call.`]
            : [`The shared informer of ${r.plural} (cluster-scoped): the same one on every call.`],
        })),
      },
    };
  });
  files.push({
    path: "informers.ts",
    template: "informer-factory",
    view: {
      groups: withInformers.map((gv) => ({
        accessor: gv.names.accessor,
        informersClass: groupInformersClassName(gv.names),
        apiVersion: gv.names.apiVersion,
        path: `./${gv.names.modulePath}/informers.js`,
      })),
    },
  });
  return files;
}
