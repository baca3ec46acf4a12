// cache: reflector, indexer, shared informers and their factory (client-go
// tools/cache, informers/factory.go, dynamicinformer, metadatainformer).
//
// THE CONTRACT
// 1. The cache converges on the server: list (or a streaming list) then watch,
//    forever; every failure is reported to the watch error handler and retried
//    with jittered backoff (800 ms doubling to 30 s, +0-100 % jitter, reset
//    after 2 min of health). 410 Expired relists.
// 2. Readers never see half a relist: a snapshot is built aside and swapped in.
//    Deletions a relist discovers reach onDelete as tombstones
//    ({tombstone: true, key, object: last known state}).
// 3. Cached objects are deep-frozen (unless `freeze: false`) and shared:
//    copy before changing.
// 4. Each handler gets events in order, one at a time, from its own unbounded
//    queue; a slow (async) handler delays only itself. A handler added late
//    first gets onAdd(obj, true) for every cached object.
// 5. waitForCacheSync rejects with the cause when the initial sync cannot
//    succeed by retrying (401, 403, 404, ...; isNonRetryableSyncError), and
//    never hangs past its signal.
// 6. health() says Watching only once the server answered the current watch
//    (Connecting while the transport retries; lastError holds the last
//    failure). A streaming list waiting 10 s and more for its initial-events-end
//    bookmark is reported (AwaitingInitialEventsWarning) to the watch error
//    handler every 10 s, without counting as an error. health().stale turns
//    true when nothing (event, bookmark, watch answer) came for staleAfterMs
//    (2 min); the silent watch is closed and re-established from the last
//    resourceVersion. informersReady() / informersReadyCheck() fail on stale.
// 7. A 410 relists at once: it resets the backoff grown during an outage.
// 8. Stopping resolves once every watch is closed, timers are cleared and
//    handler calls in flight have returned.

export * from "./keys.js";
export * from "./freeze.js";
export * from "./backoff.js";
export * from "./indexer.js";
export * from "./list-watch.js";
export * from "./reflector.js";
export * from "./handlers.js";
export * from "./shared-informer.js";
export * from "./readiness.js";
export * from "./transforms.js";
export * from "./wait.js";
export * from "./lister.js";
export * from "./metadata.js";
export * from "./factory.js";
