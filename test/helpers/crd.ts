// Installs a CRD on the test control plane and waits until it is served.
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { DynamicClient, type RestConfig } from "@kubegen/runtime";

/** Applies the CRD in `file` and resolves once its Established condition is True (rejects after ~10 s). */
export async function installCrd(config: RestConfig, file: string): Promise<void> {
  const crds = new DynamicClient(config).resource({ group: "apiextensions.k8s.io", version: "v1", resource: "customresourcedefinitions" });
  const crd = parse(readFileSync(file, "utf8"));
  await crds.apply(crd.metadata.name, crd, { fieldManager: "kubegen-test", force: true });
  for (let i = 0; i < 100; i++) {
    const got = await crds.get(crd.metadata.name);
    const conditions = (got.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? [];
    if (conditions.some((c) => c.type === "Established" && c.status === "True")) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`CRD ${crd.metadata.name} from ${file} was not established within 10 s`);
}
