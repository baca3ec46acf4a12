// Finding kubegen's test kubelet beside the control-plane binaries, and the error
// startControlPlane({ kubelet: true }) gives without it (before it starts anything).
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { findControlPlaneAssets, startControlPlane, TEST_KUBELET_BINARY } from "@kubegen/runtime/testing";

const work = mkdtempSync(join(tmpdir(), "kubegen-kubelet-assets-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function executable(path: string): string {
  writeFileSync(path, "#!/bin/sh\n");
  chmodSync(path, 0o755);
  return path;
}

describe("the test kubelet in the asset lookup", () => {
  it("is absent when the folder has none, present when it has one", () => {
    const dir = mkdtempSync(join(work, "assets-"));
    executable(join(dir, "kube-apiserver"));
    executable(join(dir, "etcd"));
    const without = findControlPlaneAssets({ KUBEGEN_ENVTEST_ASSETS: dir });
    expect(without.found && without.assets.testKubelet).toBe(undefined);
    const bin = executable(join(dir, TEST_KUBELET_BINARY));
    const withIt = findControlPlaneAssets({ KUBEGEN_ENVTEST_ASSETS: dir });
    expect(withIt.found && withIt.assets.testKubelet).toBe(bin);
  });

  it("KUBEGEN_TEST_KUBELET names it explicitly, also with TEST_ASSET_* paths", () => {
    const dir = mkdtempSync(join(work, "explicit-"));
    const apiserver = executable(join(dir, "kube-apiserver"));
    const etcd = executable(join(dir, "etcd"));
    const kubelet = executable(join(dir, "my-kubelet"));
    const found = findControlPlaneAssets({
      TEST_ASSET_KUBE_APISERVER: apiserver,
      TEST_ASSET_ETCD: etcd,
      KUBEGEN_TEST_KUBELET: kubelet,
    });
    expect(found.found && found.assets.testKubelet).toBe(kubelet);
    const missing = findControlPlaneAssets({
      TEST_ASSET_KUBE_APISERVER: apiserver,
      TEST_ASSET_ETCD: etcd,
      KUBEGEN_TEST_KUBELET: join(dir, "nope"),
    });
    expect(missing.found && missing.assets.testKubelet).toBe(undefined);
  });

  it("startControlPlane({ kubelet: true }) without it fails at once, saying how to build it", async () => {
    const dir = mkdtempSync(join(work, "none-"));
    const assets = { kubeApiserver: join(dir, "kube-apiserver"), etcd: join(dir, "etcd"), source: "a test" };
    const started = Date.now();
    await expect(startControlPlane({ assets, kubelet: true, log: () => {} })).rejects.toThrow(
      /test kubelet \(kubegen-test-kubelet\) is not beside the binaries from a test\. Run `make envtest`.*KUBEGEN_TEST_KUBELET/,
    );
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
