// ResourceClient: the generic typed client that kubegen's generated clients
// are a thin layer over (client-go gentype/type.go Client, ClientWithList).
// One instance addresses one resource, in one namespace or (for list and
// watch only) all of them. It owns the verbs, the namespace rule, paging and
// the subresource calls; the requests go to a RequestExecutor, which is a
// RestClient for a real server or the fake clientset's object tracker.

import type { Readable } from "node:stream";
import type {
  ApplyOptions,
  CreateOptions,
  DeleteCollectionOptions,
  DeleteOptions,
  GetOptions,
  ListOptions,
  LogOptions,
  PatchOptions,
  PatchType,
  UpdateOptions,
  WatchOptions,
} from "../meta/options.js";
import type { KubernetesList, KubernetesObject, ListMeta, Status } from "../meta/types.js";
import type { WatchEvent } from "../watch/decoder.js";
import type { RestConfig } from "../config/rest-config.js";
import { RequestBuildError, type RequestSpec } from "./build-request.js";
import { RestClient, type WatchResponseHooks } from "./rest-client.js";

/**
 * What typed clients send requests through. {@link RestClient} is the real
 * one; `FakeClient` in `@kubegen/runtime/testing` answers from memory.
 */
export interface RequestExecutor {
  /** Sends a request and resolves with the decoded JSON body. */
  request<T = unknown>(spec: RequestSpec): Promise<T>;
  /** Starts a watch and yields its events; `hooks.onResponse` runs once the server has answered it. */
  watch<T = unknown>(spec: RequestSpec, hooks?: WatchResponseHooks): AsyncGenerator<WatchEvent<T>, void, undefined>;
  /** Sends a request and returns the response body as a stream. */
  stream(spec: RequestSpec): Promise<Readable>;
}

/** Static facts about one resource, emitted by the generator for each typed client. */
export interface ResourceInfo {
  /** API group; `""` for the core group. */
  readonly group: string;
  readonly version: string;
  /** Plural resource name, e.g. `deployments`. */
  readonly resource: string;
  readonly kind: string;
  readonly namespaced: boolean;
}

/** The verbs a {@link ResourceClient} offers; generated clients pick the ones a resource serves. */
export type ResourceVerb =
  | "create"
  | "update"
  | "updateStatus"
  | "delete"
  | "deleteCollection"
  | "get"
  | "list"
  | "listPages"
  | "listAll"
  | "watch"
  | "patch"
  | "apply"
  | "applyStatus";

/** The verbs that work on a namespaced resource without a namespace (all namespaces). */
export type AllNamespacesVerb = "list" | "listPages" | "listAll" | "watch";

/** Only the all-namespace verbs of a namespaced client, as returned by `pods()` without a namespace. */
export type AllNamespaces<C> = Pick<C, Extract<keyof C, AllNamespacesVerb>>;

/** The default page size of {@link ResourceClient.listPages} (client-go pager's 500). */
export const DEFAULT_PAGE_SIZE = 500;

/** What a list kind must look like (some specs leave `items` optional). */
export interface ObjectList<T> {
  metadata?: ListMeta;
  items?: T[];
}

/** What `apply` needs of an apply configuration: its name (and, optionally, namespace). */
export interface ApplyConfigurationLike {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string };
}

/** The key of a builder's brand: a type alone, with no value at run time. */
declare const applyKind: unique symbol;

/**
 * The brand a generated builder of a resource kind carries: the group-version
 * and kind it applies, as client-go prints a GroupVersionKind
 * (`apps/v1, Kind=Deployment`). Builders only declare it (an interface merged
 * with the class), so it exists in types alone, never on an object or in an
 * apply body.
 */
export interface ApplyBrand<K extends string> {
  readonly [applyKind]: K;
}

/**
 * What a typed client's `apply` takes: the builder of exactly kind `K`,
 * checked through its brand, so the client's declarations need not load the
 * builders' own (their setters are most of a group-version's declarations).
 */
export type ApplyFor<K extends string> = ApplyConfigurationLike & ApplyBrand<K>;

/** Typed verbs over one resource. `T` is the kind, `L` its list, `A` its apply configuration. */
export class ResourceClient<
  T extends KubernetesObject,
  L extends ObjectList<T> = KubernetesList<T>,
  A extends ApplyConfigurationLike = ApplyConfigurationLike,
> {
  /** Where requests go. */
  readonly executor: RequestExecutor;
  /** The resource this client addresses. */
  readonly info: ResourceInfo;
  /** The namespace, or undefined for cluster-scoped resources and all namespaces. */
  readonly namespace: string | undefined;

  constructor(executor: RequestExecutor, info: ResourceInfo, namespace?: string) {
    if (namespace !== undefined && !info.namespaced) {
      throw new RequestBuildError(`${info.resource} is cluster-scoped: it takes no namespace (got ${JSON.stringify(namespace)})`);
    }
    this.executor = executor;
    this.info = info;
    this.namespace = namespace === "" ? undefined : namespace;
  }

  /** The request spec for a verb; `scoped` verbs need a namespace on namespaced resources. */
  protected spec(verb: string, extra: Omit<RequestSpec, "group" | "version" | "resource" | "namespace">, scoped = true): RequestSpec {
    const { group, version, resource, namespaced } = this.info;
    if (namespaced && scoped && this.namespace === undefined) {
      throw new RequestBuildError(
        `${verb} ${resource}: a namespace is required; without one only list and watch (all namespaces) are allowed`,
      );
    }
    return { group, version, resource, ...(this.namespace !== undefined ? { namespace: this.namespace } : {}), ...extra };
  }

  /** Fills in apiVersion and kind when the object leaves them out. */
  protected withTypeMeta<O extends KubernetesObject>(obj: O, apiVersion = this.apiVersion, kind = this.info.kind): O {
    if (obj.apiVersion !== undefined && obj.kind !== undefined) return obj;
    return { apiVersion, kind, ...obj };
  }

  /** `v1` for core, else `group/version`. */
  get apiVersion(): string {
    return this.info.group ? `${this.info.group}/${this.info.version}` : this.info.version;
  }

  /** Builds the spec and sends it; a spec that cannot be built rejects instead of throwing. */
  #call<R>(build: () => RequestSpec): Promise<R> {
    let spec: RequestSpec;
    try {
      spec = build();
    } catch (err) {
      return Promise.reject(err);
    }
    return this.executor.request<R>(spec);
  }

  /** GET one object by name. */
  get(name: string, options: GetOptions = {}): Promise<T> {
    return this.#call(() => this.spec("get", { verb: "get", name, options }));
  }

  /** LIST objects (one page when `options.limit` is set). */
  list(options: ListOptions = {}): Promise<L> {
    return this.#call(() => this.spec("list", { verb: "list", options }, false));
  }

  /**
   * Iterates every page of a list with `limit` (default 500) and `continue`.
   * A continue token that expires mid-way (410 Expired) rejects: restart the
   * iteration, or list without a limit.
   */
  async *listPages(options: ListOptions = {}): AsyncGenerator<L, void, undefined> {
    const limit = options.limit ?? DEFAULT_PAGE_SIZE;
    let token = options.continue;
    do {
      const page = await this.list({ ...options, limit, ...(token ? { continue: token } : {}) });
      yield page;
      token = page.metadata?.continue || undefined;
    } while (token);
  }

  /** Iterates every object over {@link listPages}, one page in memory at a time. */
  async *listAll(options: ListOptions = {}): AsyncGenerator<T, void, undefined> {
    for await (const page of this.listPages(options)) yield* page.items ?? [];
  }

  /**
   * WATCH objects; see RestClient.watch for how the iteration ends.
   * `hooks.onResponse` runs once the server has accepted the watch.
   */
  watch(options: WatchOptions = {}, hooks?: WatchResponseHooks): AsyncGenerator<WatchEvent<T>, void, undefined> {
    const spec = this.spec("watch", { verb: "watch", options }, false);
    return this.executor.watch<T>(spec, hooks);
  }

  /** CREATE an object (named by `metadata.name` or `metadata.generateName`). */
  create(obj: T, options: CreateOptions = {}): Promise<T> {
    return this.#call(() => this.spec("create", { verb: "create", body: this.withTypeMeta(obj), options }));
  }

  /** UPDATE (PUT) an object; a `metadata.resourceVersion` makes it fail with 409 Conflict if the object changed. */
  update(obj: T, options: UpdateOptions = {}): Promise<T> {
    return this.#call(() =>
      this.spec("update", { verb: "update", name: nameOf(obj, "update"), body: this.withTypeMeta(obj), options }),
    );
  }

  /** UPDATE the `status` subresource: only the status of `obj` is written. */
  updateStatus(obj: T, options: UpdateOptions = {}): Promise<T> {
    return this.#call(() =>
      this.spec("updateStatus", {
        verb: "update",
        name: nameOf(obj, "updateStatus"),
        subresource: "status",
        body: this.withTypeMeta(obj),
        options,
      }),
    );
  }

  /**
   * PATCH an object (or a subresource such as `status`) with a JSON, merge or
   * strategic-merge patch. Server-side apply has its own `apply` method.
   */
  patch(name: string, patchType: PatchType, patch: unknown, options: PatchOptions = {}, subresource?: string): Promise<T> {
    return this.#call(() =>
      this.spec("patch", { verb: "patch", name, patchType, body: patch, options, ...(subresource ? { subresource } : {}) }),
    );
  }

  /**
   * Server-side apply (client-go `Apply`): PATCH with the configuration as an
   * apply patch. `options.fieldManager` is required; the configuration must
   * name the object. Both are checked before anything is sent.
   */
  apply(config: A, options: ApplyOptions): Promise<T> {
    return this.#call(() => this.#applySpec("apply", config, options));
  }

  /** Server-side apply to the `status` subresource (client-go `ApplyStatus`). */
  applyStatus(config: A, options: ApplyOptions): Promise<T> {
    return this.#call(() => this.#applySpec("applyStatus", config, options, "status"));
  }

  /** Server-side apply to another subresource (e.g. `scale`), with the body that subresource takes. */
  applySubresource<B extends ApplyConfigurationLike, R>(name: string, subresource: string, config: B, options: ApplyOptions): Promise<R> {
    return this.#call(() => this.#applySpec(`apply ${subresource} of`, config, options, subresource, name));
  }

  #applySpec(verb: string, config: ApplyConfigurationLike, options: ApplyOptions, subresource?: string, name?: string): RequestSpec {
    if (!options?.fieldManager) throw new RequestBuildError(`${verb} ${this.info.resource}: options.fieldManager is required for server-side apply`);
    const objName = name ?? config.metadata?.name;
    if (!objName) throw new RequestBuildError(`${verb} ${this.info.resource}: the apply configuration has no metadata.name`);
    const ns = config.metadata?.namespace;
    if (ns !== undefined && this.namespace !== undefined && ns !== this.namespace) {
      throw new RequestBuildError(
        `${verb} ${this.info.resource} ${JSON.stringify(objName)}: the configuration's namespace ${JSON.stringify(ns)} differs from the client's ${JSON.stringify(this.namespace)}`,
      );
    }
    return this.spec(verb, { verb: "apply", name: objName, body: config, options, ...(subresource ? { subresource } : {}) });
  }

  /** DELETE an object. Resolves with what the server returns: the object while finalizers run, or a Status. */
  delete(name: string, options: DeleteOptions = {}): Promise<T | Status> {
    return this.#call(() => this.spec("delete", { verb: "delete", name, options }));
  }

  /** DELETE every object in the namespace that matches the selectors. */
  deleteCollection(options: DeleteCollectionOptions = {}): Promise<L | Status> {
    return this.#call(() => this.spec("deleteCollection", { verb: "deletecollection", options }));
  }

  /** GET a subresource of an object (e.g. `scale`). */
  getSubresource<R>(name: string, subresource: string, options: GetOptions = {}): Promise<R> {
    return this.#call(() => this.spec(`get ${subresource} of`, { verb: "get", name, subresource, options }));
  }

  /** PUT a subresource of an object (e.g. `scale`, `ephemeralcontainers`). */
  updateSubresource<B extends KubernetesObject, R = B>(
    name: string,
    subresource: string,
    body: B,
    options: UpdateOptions = {},
    typeMeta?: { apiVersion: string; kind: string },
  ): Promise<R> {
    return this.#call(() =>
      this.spec(`update ${subresource} of`, {
        verb: "update",
        name,
        subresource,
        body: typeMeta ? this.withTypeMeta(body, typeMeta.apiVersion, typeMeta.kind) : this.withTypeMeta(body),
        options,
      }),
    );
  }

  /** POST to a subresource of an object (e.g. pod `eviction`, serviceaccount `token`). */
  createSubresource<B extends KubernetesObject, R = B>(
    name: string,
    subresource: string,
    body: B,
    options: CreateOptions = {},
    typeMeta?: { apiVersion: string; kind: string },
  ): Promise<R> {
    return this.#call(() =>
      this.spec(`create ${subresource} of`, {
        verb: "create",
        name,
        subresource,
        body: typeMeta ? this.withTypeMeta(body, typeMeta.apiVersion, typeMeta.kind) : this.withTypeMeta(body),
        options,
      }),
    );
  }

  /** GET a subresource as a byte stream (pod `log`). Destroy the stream or abort the signal to stop a `follow`. */
  streamSubresource(name: string, subresource: string, options: LogOptions = {}): Promise<Readable> {
    let spec: RequestSpec;
    try {
      const { signal, timeoutMs, ...query } = options;
      spec = this.spec(`stream ${subresource} of`, {
        verb: "get",
        name,
        subresource,
        query,
        accept: "*/*",
        options: { ...(signal ? { signal } : {}), ...(timeoutMs !== undefined ? { timeoutMs } : {}) },
      });
    } catch (err) {
      return Promise.reject(err);
    }
    return this.executor.stream(spec);
  }
}

function nameOf(obj: KubernetesObject, verb: string): string {
  const name = obj.metadata?.name;
  if (!name) throw new RequestBuildError(`${verb}: the object has no metadata.name`);
  return name;
}

/** The executor for a config (a new RestClient, so a new connection pool and rate limiter) or an executor as is. */
export function executorFor(source: RestConfig | RequestExecutor): RequestExecutor {
  return isExecutor(source) ? source : new RestClient(source);
}

function isExecutor(source: RestConfig | RequestExecutor): source is RequestExecutor {
  return typeof (source as Partial<RequestExecutor>).request === "function";
}
