// @kubegen/runtime/testing: what tests of Kubernetes clients need: a real test
// control plane and serving certificates its CA signs, a fake clock, and the fake clientset's in-memory FakeClient.

export { startControlPlane, binaryVersion, TEST_USERS, TEST_NODE_NAME } from "./control-plane.js";
export type { ControlPlane, ControlPlaneOptions, TestKubelet } from "./control-plane.js";
export { FakeClock, flushMicrotasks } from "../util/fake-clock.js";
export { issueServingCertificate } from "./pki.js";
export type { ServingCertificateOptions } from "./pki.js";
export { findControlPlaneAssets, envtestCacheRoot, TEST_KUBELET_BINARY } from "./assets.js";
export type { ControlPlaneAssets, AssetLookup } from "./assets.js";
export * from "./fake/index.js";
export { FakeListerWatcher, FakeWatchStream, fakeApiError } from "../cache/fake-lister-watcher.js";
