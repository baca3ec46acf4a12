// A CRD clientset (our Foo, with status and scale subresources) generated
// from examples/sample-controller/crd/foos.yaml and used against the real
// server: CRUD, updateStatus, the scale subresource, and watch.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isNotFound, loadConfig, PatchType, type WatchEvent } from "@kubegen/runtime";
import type * as Foo from "../../../.tmp/generated/foo/index.js";
import { controlPlane, useTestNamespace } from "../../helpers/cluster.js";
import { installCrd } from "../../helpers/crd.js";
import { generateFresh, importGenerated, removeGenerated, repoRoot } from "../../helpers/generated.js";

const cp = controlPlane();
const namespace = useTestNamespace(cp, "foo");
const crdFile = join(repoRoot, "examples/sample-controller/crd/foos.yaml");
let out = "";
afterAll(() => out && removeGenerated(out));

type FooObject = Foo.samplecontrollerV1alpha1.Foo;

describe.skipIf(!cp)("Foo CRD clientset against the real server", () => {
  let cs: Foo.Clientset;

  beforeAll(async () => {
    const config = { ...(await loadConfig({ kubeconfigPath: cp!.kubeconfigPath })), qps: 100, burst: 200 };
    await installCrd(config, crdFile);
    out = await generateFresh("foo-clientset", { crd: [crdFile] });
    const gen = await importGenerated<typeof Foo>(out);
    cs = gen.Clientset.forConfig(config);
  }, 60_000);

  const foo = (name: string, replicas = 1): FooObject => ({ metadata: { name }, spec: { deploymentName: `${name}-deploy`, replicas } });

  it("create, get, list, update, patch, delete", async () => {
    const foos = cs.samplecontrollerV1alpha1.foos(namespace());
    const created = await foos.create(foo("alpha"));
    expect(created.apiVersion).toBe("samplecontroller.kubegen.dev/v1alpha1");
    expect(created.kind).toBe("Foo");
    expect(created.metadata?.generation).toBe(1);
    const got = await foos.get("alpha");
    const updated = await foos.update({ ...got, spec: { ...got.spec!, replicas: 2 } });
    expect(updated.spec?.replicas).toBe(2);
    expect(updated.metadata?.generation).toBe(2);
    const patched = await foos.patch("alpha", PatchType.Merge, { spec: { replicas: 3 } });
    expect(patched.spec?.replicas).toBe(3);
    expect((await foos.list()).items.map((f) => f.metadata?.name)).toEqual(["alpha"]);
    // the CRD's validation runs on the server: replicas is 1..10
    await expect(foos.create(foo("too-many", 11))).rejects.toSatisfy((e: unknown) => (e as { code?: number }).code === 422);
    await foos.delete("alpha");
    await expect(foos.get("alpha")).rejects.toSatisfy(isNotFound);
  });

  it("updateStatus writes status only, and update leaves status alone", async () => {
    const foos = cs.samplecontrollerV1alpha1.foos(namespace());
    const created = await foos.create(foo("beta"));
    const withStatus = await foos.updateStatus({ ...created, spec: { ...created.spec!, replicas: 9 }, status: { availableReplicas: 1 } });
    expect(withStatus.status?.availableReplicas).toBe(1);
    expect(withStatus.spec?.replicas).toBe(1);
    const updated = await foos.update({ ...withStatus, status: { availableReplicas: 5 } });
    expect(updated.status?.availableReplicas).toBe(1);
  });

  it("getScale and updateScale follow the CRD's scale paths", async () => {
    const foos = cs.samplecontrollerV1alpha1.foos(namespace());
    await foos.create(foo("gamma", 2));
    const scale = await foos.getScale("gamma");
    expect(scale.apiVersion).toBe("autoscaling/v1");
    expect(scale.spec?.replicas).toBe(2);
    await foos.updateScale("gamma", { ...scale, spec: { replicas: 4 } });
    expect((await foos.get("gamma")).spec?.replicas).toBe(4);
  });

  it("watch delivers ADDED, MODIFIED and DELETED in order after a list's resourceVersion", async () => {
    const foos = cs.samplecontrollerV1alpha1.foos(namespace());
    const list = await foos.list();
    const controller = new AbortController();
    const events: WatchEvent<FooObject>[] = [];
    const watching = (async () => {
      for await (const e of foos.watch({ resourceVersion: list.metadata!.resourceVersion!, signal: controller.signal })) {
        events.push(e);
        if (e.type === "DELETED" && e.object.metadata?.name === "delta") break;
      }
    })();
    await foos.create(foo("delta"));
    await foos.patch("delta", PatchType.Merge, { spec: { replicas: 5 } });
    await foos.delete("delta");
    const timer = setTimeout(() => controller.abort(), 20_000);
    await watching;
    clearTimeout(timer);
    const mine = events.filter((e) => e.object.metadata?.name === "delta");
    expect(mine.map((e) => e.type)).toEqual(["ADDED", "MODIFIED", "DELETED"]);
    expect(mine[1]!.object.spec?.replicas).toBe(5);
  });

  it("all-namespace list sees the namespace's foos", async () => {
    const all = await cs.samplecontrollerV1alpha1.foos().list({ fieldSelector: { "metadata.namespace": namespace() } });
    expect(all.items.length).toBeGreaterThanOrEqual(2);
  });
});
