// @kubegen/runtime: the hand-written runtime under kubegen's generated clients.
// Each folder under src/ owns one concern (meta, config, transport, rest,
// errors, watch, cache, workqueue, leaderelection, dynamic, discovery, apply);
// this file only re-exports their public API, one block per folder.

// meta: shared apimachinery types
export type * from "./meta/types.js";

// util: clock and token bucket
export { realClock, sleepOn } from "./util/clock.js";
export type { Clock, CancelTimer } from "./util/clock.js";
export { TokenBucket } from "./util/token-bucket.js";
