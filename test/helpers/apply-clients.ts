// The generated code the server-side-apply tests use: a clientset of core/v1,
// apps/v1 and autoscaling/v1 generated from the control plane's own
// /openapi/v3, and the Foo CRD's clientset, with their builder modules.
import { join } from "node:path";
import type { RestConfig } from "@kubegen/runtime";
import type * as K8s from "../../.tmp/generated/k8s-1.36/index.js";
import type * as AppsV1 from "../../.tmp/generated/k8s-1.36/apps/v1/index.js";
import type * as CoreV1 from "../../.tmp/generated/k8s-1.36/core/v1/index.js";
import type * as Foo from "../../.tmp/generated/foo/index.js";
import type * as FooV1 from "../../.tmp/generated/foo/samplecontroller.kubegen.dev/v1alpha1/index.js";
import type { AvailableControlPlane } from "./cluster.js";
import { installCrd } from "./crd.js";
import { generateFresh, importGenerated, repoRoot } from "./generated.js";

export const fooCrdFile = join(repoRoot, "examples/sample-controller/crd/foos.yaml");

/** Generated modules for apply tests. */
export interface ApplyModules {
  k8s: typeof K8s;
  apps: typeof AppsV1;
  core: typeof CoreV1;
  foo: typeof Foo;
  fooV1: typeof FooV1;
  /** The folders to remove after the tests. */
  outs: string[];
}

/** Installs the Foo CRD, generates both clientsets, and imports them. */
export async function generateApplyModules(cp: AvailableControlPlane, config: RestConfig, name: string): Promise<ApplyModules> {
  await installCrd(config, fooCrdFile);
  const k8sOut = await generateFresh(`${name}-k8s`, { fromCluster: { kubeconfig: cp.kubeconfigPath }, groups: ["core/v1", "apps/v1", "autoscaling/v1"] });
  const fooOut = await generateFresh(`${name}-foo`, { crd: [fooCrdFile] });
  return {
    k8s: await importGenerated<typeof K8s>(k8sOut),
    apps: await importGenerated<typeof AppsV1>(k8sOut, "apps/v1/index.ts"),
    core: await importGenerated<typeof CoreV1>(k8sOut, "core/v1/index.ts"),
    foo: await importGenerated<typeof Foo>(fooOut),
    fooV1: await importGenerated<typeof FooV1>(fooOut, "samplecontroller.kubegen.dev/v1alpha1/index.ts"),
    outs: [k8sOut, fooOut],
  };
}
