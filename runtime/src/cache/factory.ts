// The generic base of shared informer factories (client-go
// informers/factory.go sharedInformerFactory and dynamic/dynamicinformer): one
// informer per resource key, shared by everyone who asks for it, with the
// factory's namespace, list-option tweak, transform and resync applied.
// Generated `SharedInformerFactory` classes wrap it with typed accessors;
// forResource() and forResourceMetadata() serve any group/version/resource.

import { setMaxListeners } from "node:events";
import type { KubernetesObject, PartialObjectMetadata } from "../meta/types.js";
import { ResourceClient, type RequestExecutor } from "../rest/resource-client.js";
import type { Indexers } from "./indexer.js";
import { withTweakListOptions, type ListerWatcher, type TweakListOptions } from "./list-watch.js";
import { MetadataListerWatcher, type MetadataResource } from "./metadata.js";
import { SharedIndexInformer, type SharedIndexInformerOptions } from "./shared-informer.js";

/** Options of an {@link InformerFactory} (client-go `SharedInformerOption`s). */
export interface InformerFactoryOptions {
  /** Sends the requests of {@link InformerFactory.forResource} and {@link InformerFactory.forResourceMetadata}. */
  executor?: RequestExecutor;
  /** Watch only this namespace (default: all namespaces). Ignored for cluster-scoped resources. */
  namespace?: string;
  /** Changes every list and watch request (e.g. add a label selector). */
  tweakListOptions?: TweakListOptions;
  /** Runs on every object before it is cached (e.g. drop managedFields). */
  transform?: (obj: KubernetesObject) => KubernetesObject;
  /** Default resync period of every informer (ms; 0 = none). */
  resyncPeriodMs?: number;
  /** Resync periods by resource key, overriding {@link resyncPeriodMs} (client-go `WithCustomResyncConfig`). */
  customResyncMs?: Readonly<Record<string, number>>;
  /** Other informer options applied to every informer (clock, backoff, freeze, error handlers...). */
  informerOptions?: Omit<SharedIndexInformerOptions<KubernetesObject>, "resyncPeriodMs" | "transform" | "name" | "indexers">;
}

/** What {@link InformerFactory.informerFor}'s constructor callback gets. */
export interface InformerContext {
  /** The resource key the informer is created for. */
  readonly key: string;
  /** The factory's namespace (undefined = all). */
  readonly namespace: string | undefined;
  /** Informer options with the factory's name, resync, transform and shared options filled in. */
  options<T extends KubernetesObject>(extra?: SharedIndexInformerOptions<T>): SharedIndexInformerOptions<T>;
  /** Applies the factory's tweakListOptions to a source. */
  listerWatcher<T>(source: ListerWatcher<T>): ListerWatcher<T>;
}

/** Options of {@link InformerFactory.informerForResource}. */
export interface ResourceInformerOptions<T> {
  /** Whether the resource is namespaced (default true); cluster-scoped ones ignore the factory's namespace. */
  namespaced?: boolean;
  /** Extra indexes. */
  indexers?: Indexers<T>;
}

/** One informer per resource key, started and stopped together. */
export class InformerFactory {
  /** The options the factory was created with (a shallow copy). */
  readonly options: Readonly<InformerFactoryOptions>;
  readonly #informers = new Map<string, SharedIndexInformer<KubernetesObject>>();
  readonly #runs = new Map<string, Promise<void>>();
  #abort: AbortController | undefined;
  #shutdown = false;

  constructor(options: InformerFactoryOptions = {}) {
    this.options = { ...options };
  }

  /** The factory's namespace (undefined = all namespaces). */
  get namespace(): string | undefined {
    return this.options.namespace || undefined;
  }

  /** The keys of the informers created so far. */
  keys(): string[] {
    return [...this.#informers.keys()];
  }

  /** The informer created for `key`, if any. */
  get(key: string): SharedIndexInformer<KubernetesObject> | undefined {
    return this.#informers.get(key);
  }

  /**
   * The informer for `key`, created with `create` the first time (client-go
   * `InformerFor`). Every later call returns the same informer. If the
   * factory has started, a new informer starts at once.
   */
  informerFor<T extends KubernetesObject>(key: string, create: (ctx: InformerContext) => SharedIndexInformer<T>): SharedIndexInformer<T> {
    const existing = this.#informers.get(key);
    if (existing) return existing as unknown as SharedIndexInformer<T>;
    const informer = create(this.#context(key));
    this.#informers.set(key, informer as unknown as SharedIndexInformer<KubernetesObject>);
    if (this.#abort && !this.#shutdown) this.#run(key, informer as unknown as SharedIndexInformer<KubernetesObject>);
    return informer;
  }

  /**
   * The informer for `key` over the source `source(namespace)` returns: what
   * generated factories call, e.g.
   * `informerForResource("apps/v1/deployments", (ns) => cs.appsV1.deployments(ns))`.
   * The source gets the factory namespace for namespaced resources and
   * undefined (all namespaces / cluster scope) otherwise.
   */
  informerForResource<T extends KubernetesObject>(
    key: string,
    source: (namespace: string | undefined) => ListerWatcher<T>,
    options: ResourceInformerOptions<T> = {},
  ): SharedIndexInformer<T> {
    return this.informerFor<T>(key, (ctx) => {
      const ns = options.namespaced === false ? undefined : ctx.namespace;
      return new SharedIndexInformer<T>(
        ctx.listerWatcher(source(ns)),
        ctx.options<T>(options.indexers ? { indexers: options.indexers } : {}),
      );
    });
  }

  /** An informer of unstructured objects for any resource (client-go dynamicinformer `ForResource`). Needs `executor`. */
  forResource<T extends KubernetesObject = KubernetesObject>(
    gvr: MetadataResource,
    options: ResourceInformerOptions<T> = {},
  ): SharedIndexInformer<T> {
    const executor = this.#executor();
    const namespaced = options.namespaced ?? true;
    return this.informerForResource<T>(
      resourceKey(gvr),
      (ns) => new ResourceClient<T>(executor, { ...gvr, kind: "", namespaced }, ns),
      options,
    );
  }

  /** A metadata-only informer (PartialObjectMetadata) for any resource (client-go metadatainformer). Needs `executor`. */
  forResourceMetadata(
    gvr: MetadataResource,
    options: ResourceInformerOptions<PartialObjectMetadata> = {},
  ): SharedIndexInformer<PartialObjectMetadata> {
    const executor = this.#executor();
    return this.informerForResource<PartialObjectMetadata>(
      `metadata:${resourceKey(gvr)}`,
      (ns) => new MetadataListerWatcher(executor, gvr, ns),
      options,
    );
  }

  /**
   * Starts every informer not started yet, and every informer created later
   * (client-go `Start`). Idempotent; does nothing after {@link shutdown}.
   * Aborting `signal` stops them all (as {@link shutdown} does, without waiting).
   */
  start(signal?: AbortSignal): void {
    if (this.#shutdown) return;
    if (!this.#abort) {
      const abort = new AbortController();
      // every informer of the factory listens on it: no leak warning past ten of them
      setMaxListeners(0, abort.signal);
      this.#abort = abort;
      if (signal) {
        if (signal.aborted) abort.abort(signal.reason);
        else signal.addEventListener("abort", () => abort.abort(signal.reason), { once: true });
      }
    }
    for (const [key, informer] of this.#informers) if (!this.#runs.has(key)) this.#run(key, informer);
  }

  /**
   * Resolves when every started informer has synced; rejects with the first
   * cause an informer reports (e.g. a 403 ApiError for a forbidden list), or
   * with the signal's reason.
   */
  async waitForCacheSync(signal?: AbortSignal): Promise<void> {
    const started = [...this.#runs.keys()].map((k) => this.#informers.get(k)!);
    await Promise.all(started.map((i) => i.waitForCacheSync(signal)));
  }

  /** Stops every informer and resolves when all have stopped (client-go `Shutdown`). Later starts do nothing. */
  async shutdown(): Promise<void> {
    this.#shutdown = true;
    this.#abort?.abort(new Error("informer factory shut down"));
    await Promise.all(this.#runs.values());
  }

  #run(key: string, informer: SharedIndexInformer<KubernetesObject>): void {
    this.#runs.set(key, informer.run(this.#abort!.signal));
  }

  #executor(): RequestExecutor {
    const e = this.options.executor;
    if (!e) throw new Error("this informer factory has no executor: pass `executor` (a RestClient) in its options");
    return e;
  }

  #context(key: string): InformerContext {
    const o = this.options;
    const resync = o.customResyncMs?.[key] ?? o.resyncPeriodMs ?? 0;
    return {
      key,
      namespace: this.namespace,
      options: <T extends KubernetesObject>(extra: SharedIndexInformerOptions<T> = {}): SharedIndexInformerOptions<T> => ({
        ...(o.informerOptions as SharedIndexInformerOptions<T> | undefined),
        name: key,
        resyncPeriodMs: resync,
        ...(o.transform ? { transform: o.transform as unknown as (obj: T) => T } : {}),
        ...extra,
      }),
      listerWatcher: (source) => withTweakListOptions(source, o.tweakListOptions),
    };
  }
}

/** The key the factory uses for a group/version/resource: `group/version/resource` (`core/v1/pods` for the core group). */
export function resourceKey(gvr: MetadataResource): string {
  return `${gvr.group || "core"}/${gvr.version}/${gvr.resource}`;
}
