// Finding the control-plane binaries (kube-apiserver, etcd, optionally
// kube-controller-manager and kubegen's test kubelet). Follows the envtest convention: explicit
// TEST_ASSET_* paths win, then KUBEBUILDER_ASSETS, then kubegen's own build
// cache (`make envtest`, ~/.cache/kubegen/envtest/<versions>/).

import { accessSync, constants, readdirSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/** Paths to the binaries a test control plane runs. */
export interface ControlPlaneAssets {
  readonly kubeApiserver: string;
  readonly etcd: string;
  /** Present when kube-controller-manager was built or provided. */
  readonly kubeControllerManager?: string;
  /**
   * kubegen's test kubelet (`kubegen-test-kubelet`, built from test/kubelet by `make envtest`),
   * present when built or named by `KUBEGEN_TEST_KUBELET`. Needed by `startControlPlane({ kubelet: true })`.
   */
  readonly testKubelet?: string;
  /** Where each path came from, for messages. */
  readonly source: string;
}

/** The result of looking for assets: found, or a sentence saying what is missing. */
export type AssetLookup =
  | { readonly found: true; readonly assets: ControlPlaneAssets }
  | { readonly found: false; readonly reason: string };

/** kubegen's default build cache root (overridden by `KUBEGEN_ENVTEST_DIR`). */
export function envtestCacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env.KUBEGEN_ENVTEST_DIR ?? join(homedir(), ".cache", "kubegen", "envtest");
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The file name of kubegen's test kubelet in an asset folder. */
export const TEST_KUBELET_BINARY = "kubegen-test-kubelet";

// KUBEGEN_TEST_KUBELET names the binary explicitly; otherwise it is looked for beside the others.
function testKubelet(env: NodeJS.ProcessEnv, dir: string | undefined): { testKubelet?: string } {
  const named = env.KUBEGEN_TEST_KUBELET;
  if (named) return executable(named) ? { testKubelet: named } : {};
  if (dir === undefined) return {};
  const inFolder = join(dir, TEST_KUBELET_BINARY);
  return executable(inFolder) ? { testKubelet: inFolder } : {};
}

function fromFolder(dir: string, source: string, env: NodeJS.ProcessEnv): AssetLookup {
  const kubeApiserver = join(dir, "kube-apiserver");
  const etcd = join(dir, "etcd");
  const missing = [kubeApiserver, etcd].filter((p) => !executable(p));
  if (missing.length > 0) {
    return { found: false, reason: `${source} is set to ${dir}, but ${missing.join(" and ")} is missing or not executable` };
  }
  const kcm = join(dir, "kube-controller-manager");
  return {
    found: true,
    assets: {
      kubeApiserver,
      etcd,
      source,
      ...(executable(kcm) ? { kubeControllerManager: kcm } : {}),
      ...testKubelet(env, dir),
    },
  };
}

/**
 * Locates the control-plane binaries without starting anything.
 *
 * Order: `TEST_ASSET_KUBE_APISERVER` + `TEST_ASSET_ETCD` (+ optional
 * `TEST_ASSET_KUBE_CONTROLLER_MANAGER`), then `KUBEBUILDER_ASSETS`, then the
 * newest complete folder in kubegen's cache (or the one named by
 * `KUBEGEN_ENVTEST_ASSETS`). The test kubelet is `KUBEGEN_TEST_KUBELET` when set,
 * else `kubegen-test-kubelet` in the chosen folder.
 */
export function findControlPlaneAssets(env: NodeJS.ProcessEnv = process.env): AssetLookup {
  const apiserver = env.TEST_ASSET_KUBE_APISERVER;
  const etcd = env.TEST_ASSET_ETCD;
  if (apiserver || etcd) {
    if (!apiserver || !etcd) {
      return { found: false, reason: "TEST_ASSET_KUBE_APISERVER and TEST_ASSET_ETCD must be set together" };
    }
    const bad = [apiserver, etcd].filter((p) => !executable(p));
    if (bad.length > 0) return { found: false, reason: `TEST_ASSET_* points at ${bad.join(" and ")}, which is missing or not executable` };
    const kcm = env.TEST_ASSET_KUBE_CONTROLLER_MANAGER;
    return {
      found: true,
      assets: {
        kubeApiserver: apiserver,
        etcd,
        source: "TEST_ASSET_*",
        ...(kcm && executable(kcm) ? { kubeControllerManager: kcm } : {}),
        ...testKubelet(env, undefined),
      },
    };
  }
  if (env.KUBEBUILDER_ASSETS) return fromFolder(env.KUBEBUILDER_ASSETS, "KUBEBUILDER_ASSETS", env);
  if (env.KUBEGEN_ENVTEST_ASSETS) return fromFolder(env.KUBEGEN_ENVTEST_ASSETS, "KUBEGEN_ENVTEST_ASSETS", env);

  const root = envtestCacheRoot(env);
  let entries: string[] = [];
  try {
    entries = readdirSync(root).filter((name) => name.startsWith("k8s-"));
  } catch {
    // No cache yet: reported below.
  }
  // Newest Kubernetes version first (folder names are k8s-vX.Y.Z-etcd-vA.B.C).
  entries.sort((a, b) => b.localeCompare(a, "en", { numeric: true }));
  for (const name of entries) {
    const found = fromFolder(join(root, name), `kubegen's envtest cache`, env);
    if (found.found) return found;
  }
  return {
    found: false,
    reason:
      `no kube-apiserver/etcd binaries found: run \`make envtest\` (builds them with Go into ${root}), ` +
      "or set KUBEBUILDER_ASSETS, or TEST_ASSET_KUBE_APISERVER and TEST_ASSET_ETCD",
  };
}
