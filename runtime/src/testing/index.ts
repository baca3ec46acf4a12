// @kubegen/runtime/testing: what tests of Kubernetes clients need. A real test
// control plane today; fakes join it as the clientsets land.

export { startControlPlane, binaryVersion, TEST_USERS } from "./control-plane.js";
export type { ControlPlane, ControlPlaneOptions } from "./control-plane.js";
export { FakeClock, flushMicrotasks } from "../util/fake-clock.js";
export { findControlPlaneAssets, envtestCacheRoot } from "./assets.js";
export type { ControlPlaneAssets, AssetLookup } from "./assets.js";
