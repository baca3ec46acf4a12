// Workqueue metrics hooks: the provider interface a queue reports through, and
// the bookkeeping that turns queue events into depth, adds, latency, work
// duration, unfinished work, longest running processor and retries.
// Mirrors client-go util/workqueue/metrics.go (names, units in seconds, the
// 500 ms refresh of the unfinished-work gauges, metrics only for named queues).

import type { CancelTimer, Clock } from "../util/clock.js";

/** A gauge that moves up and down by one (queue depth). */
export interface GaugeMetric {
  inc(): void;
  dec(): void;
}

/** A gauge set to an absolute value. */
export interface SettableGaugeMetric {
  set(value: number): void;
}

/** A monotonically increasing counter. */
export interface CounterMetric {
  inc(): void;
}

/** A histogram or summary; observations are in seconds. */
export interface HistogramMetric {
  observe(seconds: number): void;
}

/**
 * Creates the metrics of one queue, given its name. Mirrors client-go's
 * `MetricsProvider`; the Prometheus names Kubernetes components use are
 * `workqueue_depth`, `workqueue_adds_total`, `workqueue_queue_duration_seconds`,
 * `workqueue_work_duration_seconds`, `workqueue_unfinished_work_seconds`,
 * `workqueue_longest_running_processor_seconds` and `workqueue_retries_total`,
 * each labelled with the queue name.
 */
export interface MetricsProvider {
  /** Items waiting to be handed out (added and not yet taken by get()). */
  newDepthMetric(name: string): GaugeMetric;
  /** Accepted adds (adds of an item already waiting are not counted). */
  newAddsMetric(name: string): CounterMetric;
  /** Seconds an item waited between add and get. */
  newLatencyMetric(name: string): HistogramMetric;
  /** Seconds between get and done. */
  newWorkDurationMetric(name: string): HistogramMetric;
  /** Sum of the seconds every in-flight item has been processed so far (refreshed every 500 ms). */
  newUnfinishedWorkSecondsMetric(name: string): SettableGaugeMetric;
  /** Seconds the longest in-flight item has been processed so far (refreshed every 500 ms). */
  newLongestRunningProcessorSecondsMetric(name: string): SettableGaugeMetric;
  /** Delayed adds (addAfter, and so addRateLimited). */
  newRetriesMetric(name: string): CounterMetric;
}

const noop = { inc() {}, dec() {}, set() {}, observe() {} };

/** A provider whose metrics do nothing; the default. Queues given it skip all bookkeeping. */
export const noopMetricsProvider: MetricsProvider = {
  newDepthMetric: () => noop,
  newAddsMetric: () => noop,
  newLatencyMetric: () => noop,
  newWorkDurationMetric: () => noop,
  newUnfinishedWorkSecondsMetric: () => noop,
  newLongestRunningProcessorSecondsMetric: () => noop,
  newRetriesMetric: () => noop,
};

/** How often the unfinished-work gauges are refreshed (client-go: 500 ms). */
export const UNFINISHED_WORK_UPDATE_PERIOD_MS = 500;

/** Internal: what a queue calls on each event, keyed by the item's key. */
export interface QueueMetrics {
  add(key: unknown): void;
  get(key: unknown): void;
  done(key: unknown): void;
  retry(): void;
  stop(): void;
}

const noopQueueMetrics: QueueMetrics = { add() {}, get() {}, done() {}, retry() {}, stop() {} };

/**
 * Internal: the metrics of one queue. Metrics are recorded only when the queue
 * has a non-empty name and a provider other than {@link noopMetricsProvider}.
 */
export function createQueueMetrics(name: string | undefined, provider: MetricsProvider | undefined, clock: Clock): QueueMetrics {
  if (!name || !provider || provider === noopMetricsProvider) return noopQueueMetrics;
  const depth = provider.newDepthMetric(name);
  const adds = provider.newAddsMetric(name);
  const latency = provider.newLatencyMetric(name);
  const workDuration = provider.newWorkDurationMetric(name);
  const unfinished = provider.newUnfinishedWorkSecondsMetric(name);
  const longest = provider.newLongestRunningProcessorSecondsMetric(name);
  const retries = provider.newRetriesMetric(name);
  const addTimes = new Map<unknown, number>();
  const processingStart = new Map<unknown, number>();
  let stopped = false;
  let cancel: CancelTimer | undefined;

  const refresh = (): void => {
    const now = clock.now();
    let total = 0;
    let oldest = 0;
    for (const start of processingStart.values()) {
      const running = now - start;
      total += running;
      if (running > oldest) oldest = running;
    }
    unfinished.set(total / 1000);
    longest.set(oldest / 1000);
  };
  const loop = (): void => {
    if (stopped) return;
    refresh();
    cancel = clock.setTimer(UNFINISHED_WORK_UPDATE_PERIOD_MS, loop);
  };
  cancel = clock.setTimer(UNFINISHED_WORK_UPDATE_PERIOD_MS, loop);

  return {
    add(key) {
      adds.inc();
      depth.inc();
      if (!addTimes.has(key)) addTimes.set(key, clock.now());
    },
    get(key) {
      depth.dec();
      const now = clock.now();
      const added = addTimes.get(key);
      if (added !== undefined) {
        latency.observe((now - added) / 1000);
        addTimes.delete(key);
      }
      processingStart.set(key, now);
    },
    done(key) {
      const start = processingStart.get(key);
      if (start !== undefined) {
        workDuration.observe((clock.now() - start) / 1000);
        processingStart.delete(key);
      }
    },
    retry() {
      retries.inc();
    },
    stop() {
      if (stopped) return;
      stopped = true;
      cancel?.();
      refresh();
    },
  };
}
