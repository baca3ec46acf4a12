// Metadata-only list and watch (client-go metadata/metadata.go and
// metadata/metadatainformer): the server sends PartialObjectMetadata instead
// of whole objects, so an informer over it caches names, labels, owners and
// resourceVersions at a fraction of the memory.

import type { ListOptions, WatchOptions } from "../meta/options.js";
import type { KubernetesList, PartialObjectMetadata } from "../meta/types.js";
import type { RequestExecutor } from "../rest/resource-client.js";
import type { WatchEvent } from "../watch/decoder.js";
import type { ListerWatcher, WatchHooks } from "./list-watch.js";

/** Accept header that turns a LIST into a PartialObjectMetadataList. */
export const PARTIAL_OBJECT_METADATA_LIST_ACCEPT = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1";
/** Accept header that turns WATCH objects into PartialObjectMetadata. */
export const PARTIAL_OBJECT_METADATA_ACCEPT = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1";

/** A group/version/resource (same shape as the dynamic client's). */
export interface MetadataResource {
  readonly group: string;
  readonly version: string;
  readonly resource: string;
}

/** Lists and watches only the metadata of one resource, in one namespace or all. */
export class MetadataListerWatcher implements ListerWatcher<PartialObjectMetadata> {
  constructor(
    readonly executor: RequestExecutor,
    readonly gvr: MetadataResource,
    readonly namespace?: string,
  ) {}

  #ref() {
    const { group, version, resource } = this.gvr;
    return { group, version, resource, ...(this.namespace ? { namespace: this.namespace } : {}) };
  }

  list(options: ListOptions): Promise<KubernetesList<PartialObjectMetadata>> {
    return this.executor.request({ ...this.#ref(), verb: "list", options, accept: PARTIAL_OBJECT_METADATA_LIST_ACCEPT });
  }

  watch(options: WatchOptions, hooks?: WatchHooks): AsyncIterable<WatchEvent<PartialObjectMetadata>> {
    return this.executor.watch<PartialObjectMetadata>({ ...this.#ref(), verb: "watch", options, accept: PARTIAL_OBJECT_METADATA_ACCEPT }, hooks);
  }
}
