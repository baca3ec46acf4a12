// Workqueue: the queue controllers put object keys on, with retry backoff.
// Mirrors client-go util/workqueue (queue.go, delaying_queue.go,
// rate_limiting_queue.go, default_rate_limiters.go, metrics.go).
//
// THE CONTRACT (what every queue here guarantees; cf. client-go's doc.go):
//
// 1. Dedupe. An item is identified by its key (QueueOptions.keyOf, default the
//    item itself). Adding an item that is already waiting to be handed out does
//    nothing: however often it is added before a worker takes it, it is handed
//    out once. Waiting items are handed out in the order they were first added.
// 2. One worker per item. An item handed out by get() is "processing" until
//    done() is called with it. While it is processing, get() never hands it out
//    again, to this worker or any other.
// 3. Nothing is lost. An item added while it is processing is remembered and
//    queued again by done(), so the change that caused the add is always seen
//    by a later get(), after the current processing has finished.
// 4. Delays. addAfter(item, ms) adds the item once `ms` have passed on the
//    queue's clock; an item waiting for its delay keeps the earliest ready time
//    it was given. addRateLimited(item) waits as long as the rate limiter says;
//    forget(item) clears the item's backoff (it does not remove the item).
// 5. Shutdown. After shutDown() adds (immediate, delayed and rate-limited) are
//    ignored, waiting get() calls wake up, and get() keeps handing out what is
//    still queued; it resolves `{shutdown: true}` only once nothing is left.
//    Items re-added before the shutdown still come back when their processing
//    ends. shutDownWithDrain() does the same and then waits until every item
//    handed out has been done(); like client-go it resolves as soon as nothing
//    is in flight, even if items are still queued (so stopped workers cannot
//    make it hang).
// 6. Fairness between waiters: get() calls waiting on an empty queue are served
//    in the order they started waiting.
//
// Everything runs on one event loop, so "concurrent" means interleaved async
// workers; the queue's state changes only inside its synchronous methods.

export { BasicQueue, createQueue } from "./queue.js";
export type { QueueGetOptions, GetResult, Queue, QueueOptions } from "./queue.js";
export { DelayingQueueImpl, createDelayingQueue } from "./delaying-queue.js";
export type { DelayingQueue } from "./delaying-queue.js";
export { RateLimitingQueueImpl, createRateLimitingQueue } from "./rate-limiting-queue.js";
export type { RateLimitingQueue } from "./rate-limiting-queue.js";
export {
  BucketRateLimiter,
  ItemExponentialFailureRateLimiter,
  ItemFastSlowRateLimiter,
  MaxOfRateLimiter,
  WithMaxWaitRateLimiter,
  defaultControllerRateLimiter,
  defaultItemBasedRateLimiter,
} from "./rate-limiters.js";
export type { BucketRateLimiterOptions, DefaultRateLimiterOptions, PerItemOptions, RateLimiter } from "./rate-limiters.js";
export { noopMetricsProvider, UNFINISHED_WORK_UPDATE_PERIOD_MS } from "./metrics.js";
export type { CounterMetric, GaugeMetric, HistogramMetric, MetricsProvider, SettableGaugeMetric } from "./metrics.js";
export { runWorkers } from "./workers.js";
export type { RunWorkersOptions, WorkHandler } from "./workers.js";
