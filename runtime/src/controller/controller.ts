// Controller: the reconcile loop every controller writes around a workqueue,
// built from the runtime's own pieces (rate-limiting queue, informers' cache
// sync). Mirrors client-go sample-controller controller.go (Run,
// processNextWorkItem, handleObject) and controller-runtime's
// pkg/internal/controller/controller.go (reconcileHandler: the meaning of a
// reconcile result).
//
// THE CONTRACT
// 1. One key is reconciled by at most one worker at a time, and keys added
//    while they are being reconciled are reconciled again afterwards (the
//    workqueue's guarantees).
// 2. After a reconcile: a throw or rejection -> addRateLimited + log;
//    `requeueAfterMs > 0` -> forget + addAfter; `requeue: true` ->
//    addRateLimited; anything else -> forget.
// 3. run(signal) starts no worker before every informer has synced, and
//    rejects with the informer's own error (e.g. a 403 ApiError) when the sync
//    cannot succeed. After `signal` aborts it stops taking keys, lets the
//    reconciles in flight finish (they see the same signal) and resolves.
// 4. Given `metrics` (a Registry), it records controller-runtime's
//    controller_runtime_reconcile_* families and, unless `metricsProvider` is
//    set, its queue's workqueue_* families there; without one it records nothing.
// 5. With tracing enabled (tracing/otel.ts), each reconcile is an INTERNAL
//    span `reconcile <name>` (key, result), active while the reconcile runs,
//    so the requests it makes are its children.

import type { KubernetesObject, OwnerReference } from "../meta/types.js";
import type { DeletedFinalStateUnknown } from "../cache/keys.js";
import { isTombstone, metaNamespaceKey, objectOf, resourceVersionOf } from "../cache/keys.js";
import type { ResourceEventHandler } from "../cache/handlers.js";
import type { SyncWaitable } from "../cache/wait.js";
import { realClock, type Clock } from "../util/clock.js";
import { createRateLimitingQueue, type RateLimitingQueue } from "../workqueue/rate-limiting-queue.js";
import {
  BucketRateLimiter,
  ItemExponentialFailureRateLimiter,
  MaxOfRateLimiter,
  type RateLimiter,
} from "../workqueue/rate-limiters.js";
import type { MetricsProvider } from "../workqueue/metrics.js";
import type { Registry } from "../metrics/registry.js";
import { controllerMetrics, workqueueMetricsProvider, type ControllerMetrics } from "../metrics/kube-metrics.js";
import { startReconcileSpan } from "../tracing/active.js";

/** A minimal structured logger (the controller and the event recorder log through it). */
export interface Logger {
  /** Routine progress. */
  info(message: string, fields?: Record<string, unknown>): void;
  /** Failures; the runtime keeps going after logging them. */
  error(message: string, fields?: Record<string, unknown>): void;
}

/** A {@link Logger} writing one line per message to the console, prefixed with `prefix`. */
export function consoleLogger(prefix: string): Logger {
  const fmt = (message: string, fields?: Record<string, unknown>): string => {
    const extra = fields ? Object.entries(fields).map(([k, v]) => ` ${k}=${formatField(v)}`).join("") : "";
    return `${prefix}: ${message}${extra}`;
  };
  return {
    info: (m, f) => console.info(fmt(m, f)),
    error: (m, f) => console.error(fmt(m, f)),
  };
}

function formatField(v: unknown): string {
  if (v instanceof Error) return JSON.stringify(v.message);
  if (typeof v === "string") return JSON.stringify(v);
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/** What a reconcile asks for besides "done" (controller-runtime `reconcile.Result`). */
export interface ReconcileResult {
  /** Reconcile the key again, with the rate limiter's backoff (as if it had failed, but without logging). */
  readonly requeue?: boolean;
  /** Reconcile the key again after this many ms (its backoff is cleared). Wins over `requeue`. */
  readonly requeueAfterMs?: number;
}

/** What a reconcile gets besides its key. */
export interface ReconcileContext {
  /** Aborts when the controller is stopping; pass it to requests so they end early. */
  readonly signal: AbortSignal;
}

/** Brings the world in line with the desired state of one key. Throwing means "retry with backoff". */
export type Reconciler<K> = (key: K, context: ReconcileContext) => Promise<ReconcileResult | void> | ReconcileResult | void;

/** Options of a {@link Controller}. */
export interface ControllerOptions<K> {
  /** Names the controller in logs and its queue (metrics). */
  readonly name: string;
  /** The reconcile function. */
  readonly reconcile: Reconciler<K>;
  /** Concurrent workers (default 2, as sample-controller's main.go). */
  readonly workers?: number;
  /** Retry delays; default {@link sampleControllerRateLimiter}. */
  readonly rateLimiter?: RateLimiter<K>;
  /** Informers whose caches must sync before the first reconcile (anything with `waitForCacheSync`). */
  readonly informers?: readonly SyncWaitable[];
  /** Where failures are logged; default {@link consoleLogger}(`controller <name>`). */
  readonly logger?: Logger;
  /** Time source of the queue and the default rate limiter; default the wall clock. */
  readonly clock?: Clock;
  /** Identifies a key for dedupe when keys are objects (see `QueueOptions.keyOf`); default the key itself. */
  readonly keyOf?: (key: K) => unknown;
  /** Receives the queue's metrics (recorded under the controller's name). Default: from `metrics`, if set. */
  readonly metricsProvider?: MetricsProvider;
  /**
   * A metrics registry: the controller records controller-runtime's
   * `controller_runtime_reconcile_total{controller,result}`,
   * `controller_runtime_reconcile_errors_total`, `controller_runtime_reconcile_time_seconds`,
   * `controller_runtime_active_workers` and `controller_runtime_max_concurrent_reconciles`
   * there, and its queue's `workqueue_*` families (unless `metricsProvider` is given).
   */
  readonly metrics?: Registry;
}

/** Options of {@link Controller.enqueueHandler}. */
export interface EnqueueHandlerOptions {
  /** Skip updates whose resourceVersion did not change (informer resyncs). Default false: resyncs reconcile again. */
  readonly skipResync?: boolean;
  /** Enqueue on delete too (default true; the reconcile then finds the object gone from the lister). */
  readonly onDelete?: boolean;
}

/** Options of {@link Controller.enqueueOwner}. */
export interface EnqueueOwnerOptions {
  /** Also require the owner's API group (`""` for core), read from the reference's `apiVersion`. */
  readonly group?: string;
}

/** A snapshot of a controller's state, for health checks and logs. */
export interface ControllerStatus {
  /** `idle` before run(), `syncing` while waiting for caches, `running`, `stopping`, `stopped` or `failed`. */
  readonly phase: "idle" | "syncing" | "running" | "stopping" | "stopped" | "failed";
  /** Whether every informer has synced. */
  readonly synced: boolean;
  /** Workers currently looping. */
  readonly workers: number;
  /** Keys waiting in the queue (not counting those being reconciled or waiting for a delay). */
  readonly queueLength: number;
  /** Reconciles in flight. */
  readonly inFlight: number;
  /** The sync error run() rejected with, when phase is `failed`. */
  readonly error?: unknown;
}

/**
 * sample-controller's rate limiter: the larger of per-item exponential backoff
 * (5 ms doubling to 1000 s) and an overall token bucket of 50 qps with burst
 * 300 (sample-controller controller.go; client-go's default is 10/100).
 */
export function sampleControllerRateLimiter<K>(options: { clock?: Clock; keyOf?: (key: K) => unknown } = {}): RateLimiter<K> {
  return new MaxOfRateLimiter<K>(
    new ItemExponentialFailureRateLimiter<K>(5, 1_000_000, options.keyOf ? { keyOf: options.keyOf } : {}),
    new BucketRateLimiter<K>({ qps: 50, burst: 300, clock: options.clock ?? realClock }),
  );
}

/**
 * A reconcile loop over a rate-limited workqueue (sample-controller's
 * `Controller`, controller-runtime's `Controller`). Keys are
 * `namespace/name` strings by default; feed them with {@link enqueue},
 * {@link enqueueHandler} or {@link enqueueOwner}, then call {@link run}.
 */
export class Controller<K = string> {
  /** The controller's name. */
  readonly name: string;
  /** The queue keys wait in (exposed for tests and metrics). */
  readonly queue: RateLimitingQueue<K>;
  readonly #reconcile: Reconciler<K>;
  readonly #workers: number;
  readonly #informers: readonly SyncWaitable[];
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #metrics: ControllerMetrics | undefined;
  #phase: ControllerStatus["phase"] = "idle";
  #synced = false;
  #liveWorkers = 0;
  #inFlight = 0;
  #error: unknown;

  constructor(options: ControllerOptions<K>) {
    const workers = options.workers ?? 2;
    if (!Number.isInteger(workers) || workers < 1) throw new RangeError(`controller ${options.name}: workers must be an integer >= 1, got ${workers}`);
    this.name = options.name;
    this.#reconcile = options.reconcile;
    this.#workers = workers;
    this.#informers = options.informers ?? [];
    this.#logger = options.logger ?? consoleLogger(`controller ${options.name}`);
    const clock = options.clock ?? realClock;
    this.#clock = clock;
    this.#metrics = options.metrics ? controllerMetrics(options.metrics, options.name, workers) : undefined;
    const metricsProvider = options.metricsProvider ?? (options.metrics ? workqueueMetricsProvider(options.metrics) : undefined);
    const rateLimiter =
      options.rateLimiter ?? sampleControllerRateLimiter<K>({ clock, ...(options.keyOf ? { keyOf: options.keyOf } : {}) });
    this.queue = createRateLimitingQueue<K>(rateLimiter, {
      name: options.name,
      clock,
      ...(options.keyOf ? { keyOf: options.keyOf } : {}),
      ...(metricsProvider ? { metricsProvider } : {}),
    });
  }

  /** Queues a key for reconciling (deduplicated while it waits). Ignored once the controller stops. */
  enqueue(key: K): void {
    this.queue.add(key);
  }

  /** Queues a key after `delayMs` (an earlier pending delay for the same key wins). */
  enqueueAfter(key: K, delayMs: number): void {
    this.queue.addAfter(key, delayMs);
  }

  /** Queues a key with the rate limiter's backoff. */
  enqueueRateLimited(key: K): void {
    this.queue.addRateLimited(key);
  }

  /**
   * An informer event handler that enqueues each object's `namespace/name`
   * key (client-go `cache.ObjectToName`; controller-runtime
   * `EnqueueRequestForObject`). Tombstones enqueue their stored key.
   */
  enqueueHandler<T extends KubernetesObject>(this: Controller<string>, options: EnqueueHandlerOptions = {}): ResourceEventHandler<T> {
    const add = (obj: T | DeletedFinalStateUnknown<T>): void => {
      const key = keyOrUndefined(obj);
      if (key === undefined) this.#logger.error("cannot compute a key for an object without metadata.name; ignored");
      else this.enqueue(key);
    };
    return {
      onAdd: (obj) => add(obj),
      onUpdate: (oldObj, newObj) => {
        if (options.skipResync && resourceVersionOf(oldObj) === resourceVersionOf(newObj)) return;
        add(newObj);
      },
      ...(options.onDelete === false ? {} : { onDelete: (obj: T | DeletedFinalStateUnknown<T>) => add(obj) }),
    };
  }

  /**
   * An informer event handler for owned objects (sample-controller
   * `handleObject`; controller-runtime `EnqueueRequestForOwner` with
   * `OnlyControllerOwner`): unwraps tombstones, finds the ownerReference with
   * `controller: true` and the given `kind`, and enqueues
   * `<object namespace>/<owner name>` (just the owner name for cluster-scoped
   * objects). Updates that did not change the resourceVersion (resyncs) are
   * skipped; an update that moved the object to another owner enqueues both.
   */
  enqueueOwner<T extends KubernetesObject>(this: Controller<string>, kind: string, options: EnqueueOwnerOptions = {}): ResourceEventHandler<T> {
    const add = (obj: T | DeletedFinalStateUnknown<T>): string | undefined => {
      const key = ownerKey(objectOf(obj), kind, options.group);
      if (key !== undefined) this.enqueue(key);
      return key;
    };
    return {
      onAdd: (obj) => void add(obj),
      onUpdate: (oldObj, newObj) => {
        if (resourceVersionOf(oldObj) === resourceVersionOf(newObj)) return;
        const newKey = add(newObj);
        const oldKey = ownerKey(oldObj, kind, options.group);
        if (oldKey !== undefined && oldKey !== newKey) this.enqueue(oldKey);
      },
      onDelete: (obj) => void add(obj),
    };
  }

  /** A snapshot of the controller's state. */
  status(): ControllerStatus {
    return {
      phase: this.#phase,
      synced: this.#synced,
      workers: this.#liveWorkers,
      queueLength: this.queue.len(),
      inFlight: this.#inFlight,
      ...(this.#phase === "failed" ? { error: this.#error } : {}),
    };
  }

  /** Healthy (and ready): running, every informer synced, and all workers looping. */
  healthy(): boolean {
    return this.#phase === "running" && this.#synced && this.#liveWorkers === this.#workers;
  }

  /**
   * Waits for the informers' caches, then runs the workers until `signal`
   * aborts. Resolves once the workers have stopped and every reconcile in
   * flight has finished (the queue is shut down with drain). Rejects with the
   * informer's error when a cache cannot sync (the queue is shut down; no
   * reconcile ran). An abort during the cache wait resolves. Call it once.
   */
  async run(signal: AbortSignal): Promise<void> {
    if (this.#phase !== "idle") throw new Error(`controller ${this.name}: run() was already called`);
    this.#phase = "syncing";
    if (signal.aborted) {
      this.#stop();
      return;
    }
    try {
      await Promise.all(this.#informers.map((i) => i.waitForCacheSync(signal)));
    } catch (err) {
      if (signal.aborted) {
        this.#stop();
        return;
      }
      this.#phase = "failed";
      this.#error = err;
      this.queue.shutDown();
      this.#logger.error("caches did not sync; not starting workers", { error: err });
      throw err;
    }
    this.#synced = true;
    if (signal.aborted) {
      this.#stop();
      return;
    }
    this.#phase = "running";
    this.#logger.info("caches synced, starting workers", { workers: this.#workers });
    const onAbort = (): void => {
      this.#phase = "stopping";
      this.queue.shutDown(); // no new keys; workers finish the reconciles they hold
    };
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      await Promise.all(Array.from({ length: this.#workers }, () => this.#worker(signal)));
    } finally {
      signal.removeEventListener("abort", onAbort);
    }
    await this.queue.shutDownWithDrain(); // nothing is in flight any more: returns at once
    this.#phase = "stopped";
    this.#logger.info("stopped");
  }

  #stop(): void {
    this.queue.shutDown();
    this.#phase = "stopped";
  }

  async #worker(signal: AbortSignal): Promise<void> {
    this.#liveWorkers++;
    this.#metrics?.workers(1);
    try {
      while (!signal.aborted) {
        let next;
        try {
          next = await this.queue.get({ signal });
        } catch {
          return; // aborted while waiting: nothing was taken
        }
        if (next.shutdown) return;
        await this.#process(next.item, signal);
      }
    } finally {
      this.#liveWorkers--;
      this.#metrics?.workers(-1);
    }
  }

  /** One key: reconcile, then apply the result (controller-runtime reconcileHandler). */
  async #process(key: K, signal: AbortSignal): Promise<void> {
    this.#inFlight++;
    const metrics = this.#metrics;
    const start = metrics ? this.#clock.monotonicMs() : 0;
    const seconds = (): number => (this.#clock.monotonicMs() - start) / 1000;
    const span = startReconcileSpan(this.name, String(key));
    try {
      let result: ReconcileResult | void;
      try {
        result = await (span ? span.run(() => this.#reconcile(key, { signal })) : this.#reconcile(key, { signal }));
      } catch (err) {
        span?.end("error", err);
        metrics?.reconciled("error", seconds());
        this.queue.addRateLimited(key);
        if (!(signal.aborted && err === signal.reason)) {
          this.#logger.error("reconcile failed; requeued with backoff", {
            key: String(key),
            requeues: this.queue.numRequeues(key),
            error: err,
          });
        }
        return;
      }
      const after = result?.requeueAfterMs;
      if (after !== undefined && after > 0) {
        span?.end("requeue_after");
        metrics?.reconciled("requeue_after", seconds());
        this.queue.forget(key);
        this.queue.addAfter(key, after);
      } else if (result?.requeue) {
        span?.end("requeue");
        metrics?.reconciled("requeue", seconds());
        this.queue.addRateLimited(key);
      } else {
        span?.end("success");
        metrics?.reconciled("success", seconds());
        this.queue.forget(key);
      }
    } finally {
      this.#inFlight--;
      this.queue.done(key);
    }
  }
}

function keyOrUndefined<T extends KubernetesObject>(obj: T | DeletedFinalStateUnknown<T>): string | undefined {
  if (isTombstone(obj)) return obj.key;
  return obj.metadata?.name ? metaNamespaceKey(obj) : undefined;
}

/** The controller ownerReference of an object, if any (apimachinery `metav1.GetControllerOf`). */
export function controllerOf(obj: KubernetesObject): OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((r) => r.controller === true);
}

function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf("/");
  return slash < 0 ? "" : apiVersion.slice(0, slash);
}

function ownerKey(obj: KubernetesObject, kind: string, group: string | undefined): string | undefined {
  const ref = controllerOf(obj);
  if (!ref || ref.kind !== kind) return undefined;
  if (group !== undefined && groupOf(ref.apiVersion) !== group) return undefined;
  const ns = obj.metadata?.namespace;
  return ns ? `${ns}/${ref.name}` : ref.name;
}
