// The listers artifact: one `<group>/<version>/lister.ts` per group-version
// with resources that can be listed and watched (client-go
// listers/<group>/<version>): a typed lister per resource over the runtime's
// ResourceLister, reading an informer's cache. Builds views; the template
// only prints them. Also owns which resources get a lister (and so an
// informer), shared with the informers emitter.

import type { ApiModel, GroupVersion, Resource } from "../ir/types.js";
import { listerNames, listerNamespaceAccessor, resourceGetters, uniqueName, type ListerNames } from "../ir/naming.js";
import type { EmittedFile } from "./emitted.js";

/** A resource that gets a lister and an informer, with its names. */
export interface ListableResource extends ListerNames {
  readonly resource: Resource;
  /** The clientset getter, e.g. `deployments` (same as the client's). */
  readonly getter: string;
}

/** True when a resource can feed an informer: it serves list and watch. */
function listable(r: Resource): boolean {
  return r.verbs.includes("list") && r.verbs.includes("watch");
}

/**
 * The resources of a group-version that get a lister and an informer, with
 * the client's getters (resourceGetters); lister names are kept unique in the module.
 */
export function listableResources(gv: GroupVersion): ListableResource[] {
  const getters = resourceGetters(gv.resources);
  const kinds = new Set<string>();
  const out: ListableResource[] = [];
  for (const [i, r] of gv.resources.entries()) {
    const getter = getters[i]!;
    if (!listable(r)) continue;
    out.push({ resource: r, getter, ...listerNames(uniqueName(r.typeName, kinds), getter) });
  }
  return out;
}

/** True when a group-version gets lister and informer modules. */
export function hasListers(gv: GroupVersion): boolean {
  return gv.resources.some(listable);
}

/** Emits `lister.ts` per group-version with listable resources. */
export function emitListers(model: ApiModel): EmittedFile[] {
  return model.groupVersions.filter(hasListers).map((gv) => ({
    path: `${gv.names.modulePath}/lister.ts`,
    template: "lister",
    view: {
      apiVersion: gv.names.apiVersion,
      resources: listableResources(gv).map(({ resource: r, ...names }) => {
        const what = `${r.plural} (${gv.names.apiVersion} ${r.kind})`;
        return {
          ...names,
          group: gv.group,
          plural: r.plural,
          namespaced: r.namespaced,
          type: `t.${r.typeName}`,
          accessor: listerNamespaceAccessor(names.getter),
          doc: r.namespaced
            ? [`Reads ${what} from an informer's cache: across namespaces, or one namespace at a time.`]
            : [`Reads ${what} from an informer's cache; cluster-scoped. \`get\` returns undefined when absent, \`getOrThrow\` throws a NotFound ApiError.`],
          namespaceDoc: [`Reads ${what} in one namespace. \`get\` returns undefined when absent, \`getOrThrow\` throws a NotFound ApiError.`],
        };
      }),
    },
  }));
}
