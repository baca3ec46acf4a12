// metrics: a small Prometheus registry and text exposition, and the metric
// families of client-go and controller-runtime (REST requests, workqueues,
// reconciles, leader election) plus kubegen's informer gauges. Serve it with
// startHealthServer({ metrics: registry }) at /metrics.

export {
  Counter,
  CounterChild,
  DEFAULT_BUCKETS,
  Gauge,
  GaugeChild,
  Histogram,
  HistogramChild,
  PROMETHEUS_TEXT_CONTENT_TYPE,
  Registry,
  escapeHelp,
  escapeLabelValue,
  exponentialBuckets,
  formatFloat,
} from "./registry.js";
export type { HistogramOptions, Labels, Metric, MetricOptions } from "./registry.js";
export {
  RECONCILE_TIME_BUCKETS,
  REST_CLIENT_LATENCY_BUCKETS,
  WORKQUEUE_DURATION_BUCKETS,
  controllerMetrics,
  registerInformerMetrics,
  registerLeaderElectionMetrics,
  registerRestClientMetrics,
  workqueueMetricsProvider,
} from "./kube-metrics.js";
export type { ControllerMetrics, InformerStatusSource, LeaderStatusSource, ReconcileOutcome } from "./kube-metrics.js";
export { requestMetricsSink, setRequestMetricsSink } from "./request-metrics.js";
export type { RequestMetricsSink } from "./request-metrics.js";
