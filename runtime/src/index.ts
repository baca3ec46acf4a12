// @kubegen/runtime: the hand-written runtime under kubegen's generated clients.
// Each folder under src/ owns one concern (config, transport, rest, errors,
// watch, cache, workqueue, leaderelection, dynamic, discovery, apply); this
// file only re-exports their public API.

/** The runtime package version, sent in the default user agent. */
export const RUNTIME_VERSION = "0.1.0";
