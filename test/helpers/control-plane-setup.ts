// Vitest global setup for the integration tier: one real control plane per run,
// shared by every test file through `inject("controlPlane")`. Under CI=true a
// missing control plane fails the run; elsewhere tests skip and say why.
import type { TestProject } from "vitest/node";
import { findControlPlaneAssets, startControlPlane } from "@kubegen/runtime/testing";
import type { ControlPlaneInfo } from "./cluster.js";

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const found = findControlPlaneAssets();
  if (!found.found) {
    if (process.env.CI === "true") {
      throw new Error(`integration tests need a real control plane (CI=true, so this is a failure): ${found.reason}`);
    }
    project.provide("controlPlane", { available: false, reason: found.reason });
    return undefined;
  }
  const cp = await startControlPlane({ assets: found.assets, controllerManager: true });
  const info: ControlPlaneInfo = {
    available: true,
    server: cp.server,
    kubeconfigPath: cp.kubeconfigPath,
    caPem: cp.caPem,
    caCertPath: cp.caCertPath,
    caKeyPath: cp.caKeyPath,
    adminToken: cp.adminToken,
    limitedToken: cp.limitedToken,
    clientCert: cp.clientCert,
    clientKey: cp.clientKey,
    version: cp.version,
    etcdUrl: cp.etcdUrl,
    controllerManager: cp.controllerManager,
  };
  project.provide("controlPlane", info);
  return () => cp.stop();
}
