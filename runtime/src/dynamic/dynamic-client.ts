// DynamicClient: CRUD, apply and watch for any group/version/resource over
// unstructured JSON objects (client-go dynamic/interface.go, dynamic/simple.go).
// `client.resource(gvr)` addresses a cluster-scoped resource or all
// namespaces; `.namespace(ns)` narrows it. Every call is one RestClient request.

import type { RestConfig } from "../config/rest-config.js";
import type {
  ApplyOptions,
  CreateOptions,
  DeleteCollectionOptions,
  DeleteOptions,
  GetOptions,
  ListOptions,
  PatchOptions,
  PatchType,
  UpdateOptions,
  WatchOptions,
} from "../meta/options.js";
import type { ListMeta, ObjectMeta, Status } from "../meta/types.js";
import type { RequestSpec } from "../rest/build-request.js";
import { RestClient, type WatchResponseHooks } from "../rest/rest-client.js";
import type { WatchEvent } from "../watch/decoder.js";

/** A group/version/resource, e.g. `{group: "apps", version: "v1", resource: "deployments"}`. */
export interface GroupVersionResource {
  /** `""` for the core group. */
  group: string;
  version: string;
  /** Plural resource name. */
  resource: string;
}

/** Any Kubernetes object as plain JSON (apimachinery unstructured.Unstructured). */
export interface Unstructured {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  [field: string]: unknown;
}

/** A list of unstructured objects. */
export interface UnstructuredList {
  apiVersion?: string;
  kind?: string;
  metadata?: ListMeta;
  items: Unstructured[];
}

/** Operations on one resource, optionally in one namespace (client-go dynamic.ResourceInterface). */
export class DynamicResourceClient {
  readonly #rest: RestClient;
  readonly gvr: GroupVersionResource;
  readonly ns: string | undefined;

  constructor(rest: RestClient, gvr: GroupVersionResource, namespace?: string) {
    this.#rest = rest;
    this.gvr = gvr;
    this.ns = namespace;
  }

  /** The same resource in namespace `ns`. */
  namespace(ns: string): DynamicResourceClient {
    return new DynamicResourceClient(this.#rest, this.gvr, ns);
  }

  #spec(extra: Omit<RequestSpec, "group" | "version" | "resource" | "namespace">): RequestSpec {
    return {
      group: this.gvr.group,
      version: this.gvr.version,
      resource: this.gvr.resource,
      ...(this.ns ? { namespace: this.ns } : {}),
      ...extra,
    };
  }

  /** GET one object (optionally a subresource). */
  get(name: string, options: GetOptions = {}, subresource?: string): Promise<Unstructured> {
    return this.#rest.request(this.#spec({ verb: "get", name, options, ...sub(subresource) }));
  }

  /** LIST objects. */
  list(options: ListOptions = {}): Promise<UnstructuredList> {
    return this.#rest.request(this.#spec({ verb: "list", options }));
  }

  /** CREATE an object (name from `obj.metadata.name`, or generateName). With a subresource, POSTs to `<name>/<subresource>`. */
  create(obj: Unstructured, options: CreateOptions = {}, subresource?: string): Promise<Unstructured> {
    const name = subresource ? nameOf(obj, "create") : undefined;
    return this.#rest.request(
      this.#spec({ verb: "create", ...(name ? { name } : {}), body: obj, options, ...sub(subresource) }),
    );
  }

  /** UPDATE (PUT) an object; its metadata.resourceVersion guards against lost updates. */
  update(obj: Unstructured, options: UpdateOptions = {}, subresource?: string): Promise<Unstructured> {
    return this.#rest.request(this.#spec({ verb: "update", name: nameOf(obj, "update"), body: obj, options, ...sub(subresource) }));
  }

  /** UPDATE the status subresource. */
  updateStatus(obj: Unstructured, options: UpdateOptions = {}): Promise<Unstructured> {
    return this.update(obj, options, "status");
  }

  /** PATCH an object with the given patch type (JSON, merge or strategic-merge; use {@link apply} for apply). */
  patch(name: string, patchType: PatchType, patch: unknown, options: PatchOptions = {}, subresource?: string): Promise<Unstructured> {
    return this.#rest.request(this.#spec({ verb: "patch", name, patchType, body: patch, options, ...sub(subresource) }));
  }

  /** Server-side apply: `options.fieldManager` is required. */
  apply(name: string, obj: Unstructured, options: ApplyOptions, subresource?: string): Promise<Unstructured> {
    return this.#rest.request(this.#spec({ verb: "apply", name, body: obj, options, ...sub(subresource) }));
  }

  /** Server-side apply to the status subresource. */
  applyStatus(name: string, obj: Unstructured, options: ApplyOptions): Promise<Unstructured> {
    return this.apply(name, obj, options, "status");
  }

  /** DELETE an object. Resolves with what the server returns (the object while finalizers run, or a Status). */
  delete(name: string, options: DeleteOptions = {}, subresource?: string): Promise<Unstructured | Status> {
    return this.#rest.request(this.#spec({ verb: "delete", name, options, ...sub(subresource) }));
  }

  /** DELETE every object matching the list options. */
  deleteCollection(options: DeleteCollectionOptions = {}): Promise<UnstructuredList | Status> {
    return this.#rest.request(this.#spec({ verb: "deletecollection", options }));
  }

  /** WATCH objects; see RestClient.watch for how the iteration ends. `hooks.onResponse` runs once the watch is accepted. */
  watch(options: WatchOptions = {}, hooks?: WatchResponseHooks): AsyncGenerator<WatchEvent<Unstructured>, void, undefined> {
    return this.#rest.watch<Unstructured>(this.#spec({ verb: "watch", options }), hooks);
  }
}

/** A client for any resource as unstructured JSON (client-go dynamic.DynamicClient). */
export class DynamicClient {
  /** The RestClient it sends through. */
  readonly rest: RestClient;

  /** @param source a RestConfig (a new RestClient is made) or an existing RestClient to share. */
  constructor(source: RestConfig | RestClient) {
    this.rest = source instanceof RestClient ? source : new RestClient(source);
  }

  /** Same as `new DynamicClient(config)`. */
  static forConfig(config: RestConfig): DynamicClient {
    return new DynamicClient(config);
  }

  /** Operations on `gvr` (cluster-wide or all namespaces until `.namespace(ns)`). */
  resource(gvr: GroupVersionResource): DynamicResourceClient {
    return new DynamicResourceClient(this.rest, gvr);
  }
}

function sub(subresource: string | undefined): { subresource?: string } {
  return subresource ? { subresource } : {};
}

function nameOf(obj: Unstructured, verb: string): string {
  const name = obj.metadata?.name;
  if (!name) throw new TypeError(`${verb}: the object has no metadata.name`);
  return name;
}
