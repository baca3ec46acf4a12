// @kubegen/runtime/testing: what tests of Kubernetes clients need: a real test
// control plane, a fake clock, and the fake clientset's in-memory FakeClient.

export { startControlPlane, binaryVersion, TEST_USERS } from "./control-plane.js";
export type { ControlPlane, ControlPlaneOptions } from "./control-plane.js";
export { FakeClock, flushMicrotasks } from "../util/fake-clock.js";
export { findControlPlaneAssets, envtestCacheRoot } from "./assets.js";
export type { ControlPlaneAssets, AssetLookup } from "./assets.js";
export * from "./fake/index.js";
export { FakeListerWatcher, FakeWatchStream, fakeApiError } from "../cache/fake-lister-watcher.js";
