// The informers artifact: one `<group>/<version>/informers.ts` per
// group-version with listable resources (client-go informers/<group>/<version>:
// a typed `{ informer, lister }` accessor per resource over the runtime's
// InformerFactory and the group-version's typed client), plus the root
// `informers.ts` with the generated SharedInformerFactory (client-go
// informers/factory.go). Builds views; the templates only print them.

import type { ApiModel, GroupVersion, Resource } from "../ir/types.js";
import { groupClientClassName, groupInformersClassName } from "../ir/naming.js";
import type { EmittedFile } from "./emitted.js";
import { hasListers, listableResources } from "./listers.js";

/**
 * True when the resource's list kind leaves `items` optional (some v1.28-v1.30
 * specs): its typed client is then not a ListerWatcher by type, although the
 * server always sends `items`, so the template asserts the type.
 */
function itemsOptional(gv: GroupVersion, r: Resource): boolean {
  const list = gv.types.find((t) => t.name === r.listKind);
  const items = list?.fields.find((f) => f.name === "items");
  return items !== undefined && !items.required;
}

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
          cast: itemsOptional(gv, r),
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
