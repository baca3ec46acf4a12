// metrics/kube-metrics: the metric families Kubernetes users already chart,
// with client-go's and controller-runtime's names, labels and buckets, wired
// to a Registry:
//   - rest_client_requests_total{code,method,host} and
//     rest_client_request_duration_seconds{verb,host} (component-base
//     metrics/prometheus/restclient/metrics.go), through the transport hook;
//   - workqueue_* {name,controller} (controller-runtime pkg/metrics/workqueue.go),
//     as a workqueue MetricsProvider;
//   - controller_runtime_reconcile_* {controller} and active/max workers
//     (controller-runtime pkg/internal/controller/metrics/metrics.go);
//   - leader_election_master_status{name} (client-go tools/leaderelection/metrics.go),
//     read from isLeader() at scrape time;
//   - kubegen_informer_* {resource}: our own names (client-go has no stable
//     informer store metrics), read from public informer APIs at scrape time.
// Every function takes the registry explicitly; nothing is recorded unless
// a caller wires one in.

import type { MetricsProvider } from "../workqueue/metrics.js";
import { exponentialBuckets, type Registry } from "./registry.js";
import { setRequestMetricsSink } from "./request-metrics.js";

/** client-go's buckets for `rest_client_request_duration_seconds` (seconds). */
export const REST_CLIENT_LATENCY_BUCKETS: readonly number[] = [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60];

/** controller-runtime's workqueue duration buckets: ExponentialBuckets(10e-9, 10, 12), 10 ns to 1000 s. */
export const WORKQUEUE_DURATION_BUCKETS: readonly number[] = exponentialBuckets(10e-9, 10, 12);

/** controller-runtime's `controller_runtime_reconcile_time_seconds` buckets. */
export const RECONCILE_TIME_BUCKETS: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 1.25, 1.5, 1.75, 2, 2.5, 3,
  3.5, 4, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60,
];

/**
 * Records every Transport's requests in `registry` (client-go
 * `metrics.Register`): `rest_client_requests_total{code,method,host}` once
 * per HTTP attempt (retries count again; a failure without a response is
 * code `<error>`), and `rest_client_request_duration_seconds{verb,host}` once
 * per non-watch, non-stream request, from the start of the first attempt
 * (throttling and retry waits included) to the final response head. `host` is
 * the server's `host:port`. Process-wide, as in client-go; returns a function
 * that detaches it.
 */
export function registerRestClientMetrics(registry: Registry): () => void {
  const total = registry.counter({
    name: "rest_client_requests_total",
    help: "Number of HTTP requests, partitioned by status code, method, and host.",
    labelNames: ["code", "method", "host"],
  });
  const duration = registry.histogram({
    name: "rest_client_request_duration_seconds",
    help: "Request latency in seconds. Broken down by verb, and host.",
    labelNames: ["verb", "host"],
    buckets: REST_CLIENT_LATENCY_BUCKETS,
  });
  return setRequestMetricsSink({
    result: (code, method, host) => total.labels({ code, method, host }).inc(),
    latency: (verb, host, seconds) => duration.labels({ verb, host }).observe(seconds),
  });
}

/**
 * A workqueue MetricsProvider recording controller-runtime's workqueue
 * families in `registry`, labelled `name` and `controller` (both the queue's
 * name, as controller-runtime sets them): `workqueue_depth`,
 * `workqueue_adds_total`, `workqueue_queue_duration_seconds`,
 * `workqueue_work_duration_seconds`, `workqueue_unfinished_work_seconds`,
 * `workqueue_longest_running_processor_seconds`, `workqueue_retries_total`.
 */
export function workqueueMetricsProvider(registry: Registry): MetricsProvider {
  const labelNames = ["name", "controller"];
  const depth = registry.gauge({ name: "workqueue_depth", help: "Current depth of workqueue", labelNames });
  const adds = registry.counter({ name: "workqueue_adds_total", help: "Total number of adds handled by workqueue", labelNames });
  const latency = registry.histogram({
    name: "workqueue_queue_duration_seconds",
    help: "How long in seconds an item stays in workqueue before being requested",
    labelNames,
    buckets: WORKQUEUE_DURATION_BUCKETS,
  });
  const work = registry.histogram({
    name: "workqueue_work_duration_seconds",
    help: "How long in seconds processing an item from workqueue takes.",
    labelNames,
    buckets: WORKQUEUE_DURATION_BUCKETS,
  });
  const unfinished = registry.gauge({
    name: "workqueue_unfinished_work_seconds",
    help:
      "How many seconds of work has been done that is in progress and hasn't been observed by work_duration. " +
      "Large values indicate stuck threads. One can deduce the number of stuck threads by observing the rate at which this increases.",
    labelNames,
  });
  const longest = registry.gauge({
    name: "workqueue_longest_running_processor_seconds",
    help: "How many seconds has the longest running processor for workqueue been running.",
    labelNames,
  });
  const retries = registry.counter({ name: "workqueue_retries_total", help: "Total number of retries handled by workqueue", labelNames });
  const l = (name: string) => ({ name, controller: name });
  return {
    newDepthMetric: (name) => depth.labels(l(name)),
    newAddsMetric: (name) => adds.labels(l(name)),
    newLatencyMetric: (name) => latency.labels(l(name)),
    newWorkDurationMetric: (name) => work.labels(l(name)),
    newUnfinishedWorkSecondsMetric: (name) => unfinished.labels(l(name)),
    newLongestRunningProcessorSecondsMetric: (name) => longest.labels(l(name)),
    newRetriesMetric: (name) => retries.labels(l(name)),
  };
}

/** What a reconcile ended with (controller-runtime's `result` label values). */
export type ReconcileOutcome = "success" | "error" | "requeue" | "requeue_after";

/** The reconcile metrics of one controller (what the Controller calls). */
export interface ControllerMetrics {
  /** One reconcile finished after `seconds` with `outcome`. */
  reconciled(outcome: ReconcileOutcome, seconds: number): void;
  /** A worker started (+1) or stopped (-1). */
  workers(delta: number): void;
}

/**
 * controller-runtime's controller families for the controller `controller`:
 * `controller_runtime_reconcile_total{controller,result}` (every result
 * starts at 0, as controller-runtime's initMetrics does),
 * `controller_runtime_reconcile_errors_total{controller}`,
 * `controller_runtime_reconcile_time_seconds{controller}`,
 * `controller_runtime_active_workers{controller}` and
 * `controller_runtime_max_concurrent_reconciles{controller}`.
 */
export function controllerMetrics(registry: Registry, controller: string, maxConcurrentReconciles: number): ControllerMetrics {
  const total = registry.counter({
    name: "controller_runtime_reconcile_total",
    help: "Total number of reconciliations per controller",
    labelNames: ["controller", "result"],
  });
  const errors = registry.counter({
    name: "controller_runtime_reconcile_errors_total",
    help: "Total number of reconciliation errors per controller",
    labelNames: ["controller"],
  });
  const time = registry.histogram({
    name: "controller_runtime_reconcile_time_seconds",
    help: "Length of time per reconciliation per controller",
    labelNames: ["controller"],
    buckets: RECONCILE_TIME_BUCKETS,
  });
  const active = registry.gauge({
    name: "controller_runtime_active_workers",
    help: "Number of currently used workers per controller",
    labelNames: ["controller"],
  });
  registry
    .gauge({ name: "controller_runtime_max_concurrent_reconciles", help: "Maximum number of concurrent reconciles per controller", labelNames: ["controller"] })
    .set({ controller }, maxConcurrentReconciles);
  const byOutcome = {
    success: total.labels({ controller, result: "success" }),
    error: total.labels({ controller, result: "error" }),
    requeue: total.labels({ controller, result: "requeue" }),
    requeue_after: total.labels({ controller, result: "requeue_after" }),
  };
  const errorCount = errors.labels({ controller });
  const timeChild = time.labels({ controller });
  const activeChild = active.labels({ controller });
  return {
    reconciled(outcome, seconds) {
      byOutcome[outcome].inc();
      if (outcome === "error") errorCount.inc();
      timeChild.observe(seconds);
    },
    workers(delta) {
      activeChild.inc(delta);
    },
  };
}

/** What {@link registerLeaderElectionMetrics} reads: a LeaderElector, or anything shaped like one. */
export interface LeaderStatusSource {
  isLeader(): boolean;
  readonly config: { readonly name?: string; readonly lock: { describe(): string } };
}

/**
 * `leader_election_master_status{name}`: 1 while `elector` leads, 0
 * otherwise, read from `isLeader()` at every scrape (so it needs no hook in
 * the elector). `name` is the elector's config name, else its lock's
 * description (`namespace/name`), as the elector names itself in messages.
 * Returns a function that removes the series.
 */
export function registerLeaderElectionMetrics(registry: Registry, elector: LeaderStatusSource): () => void {
  const gauge = registry.gauge({
    name: "leader_election_master_status",
    help: "Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master. 'name' is the string used to identify the lease. Please make sure to group by name.",
    labelNames: ["name"],
  });
  const name = elector.config.name ?? elector.config.lock.describe();
  const child = gauge.labels({ name });
  const remove = registry.addCollector(() => child.set(elector.isLeader() ? 1 : 0));
  return () => {
    remove();
    gauge.remove({ name });
  };
}

/** What {@link registerInformerMetrics} reads from each informer (a SharedIndexInformer fits). */
export interface InformerStatusSource {
  readonly store: { readonly size: number };
  hasSynced(): boolean;
  /** For the handler-queue gauge; informers without it report none. */
  health?(): { readonly pendingNotifications: number };
}

/**
 * kubegen's informer families, read at scrape time and labelled `resource`
 * (the key of `informers`, e.g. `deployments.apps`):
 * `kubegen_informer_store_objects` (objects in the informer's store),
 * `kubegen_informer_synced` (1 once its first list reached the store) and
 * `kubegen_informer_handler_queue_depth` (notifications queued for its
 * handlers, not yet delivered: a handler falling behind).
 * Returns a function that removes these series.
 */
export function registerInformerMetrics(registry: Registry, informers: Readonly<Record<string, InformerStatusSource>>): () => void {
  const objects = registry.gauge({
    name: "kubegen_informer_store_objects",
    help: "Number of objects in the informer's store, per resource.",
    labelNames: ["resource"],
  });
  const synced = registry.gauge({
    name: "kubegen_informer_synced",
    help: "1 once the informer's store holds its first complete list, 0 before, per resource.",
    labelNames: ["resource"],
  });
  const queued = registry.gauge({
    name: "kubegen_informer_handler_queue_depth",
    help: "Notifications queued for the informer's event handlers and not yet delivered, per resource.",
    labelNames: ["resource"],
  });
  const entries = Object.entries(informers);
  const remove = registry.addCollector(() => {
    for (const [resource, informer] of entries) {
      objects.set({ resource }, informer.store.size);
      synced.set({ resource }, informer.hasSynced() ? 1 : 0);
      if (informer.health) queued.set({ resource }, informer.health().pendingNotifications);
    }
  });
  return () => {
    remove();
    for (const [resource] of entries) {
      objects.remove({ resource });
      synced.remove({ resource });
      queued.remove({ resource });
    }
  };
}
