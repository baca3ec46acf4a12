// The generated FakeClientset (fake.ts over the runtime's FakeClient), used
// the way a user's unit test would: seeded objects, lists with label and
// field selectors, watch after a resourceVersion, a reactor injecting a
// Conflict, an unsupported field selector, recorded actions, and the Foo
// CRD's status and scale subresources.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiError, isBadRequest, isConflict, isNotFound, newConflict, PatchType, type WatchEvent } from "@kubegen/runtime";
import type * as K8s from "../../../.tmp/generated/k8s-1.36/fake.js";
import type * as K8sTypes from "../../../.tmp/generated/k8s-1.36/index.js";
import type * as Foo from "../../../.tmp/generated/foo/fake.js";
import type * as FooTypes from "../../../.tmp/generated/foo/index.js";
import { generateFresh, importGenerated, removeGenerated, repoRoot } from "../../helpers/generated.js";
import { sharedData } from "../../helpers/shared-data.js";

const shared = sharedData();
const folders: string[] = [];
afterAll(() => folders.forEach(removeGenerated));

type Pod = K8sTypes.coreV1.Pod;
type Deployment = K8sTypes.appsV1.Deployment;

const pod = (namespace: string, name: string, labels: Record<string, string> = {}): Pod => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { namespace, name, labels },
  spec: { containers: [{ name: "c", image: "nginx" }] },
});

describe.skipIf(!shared)("FakeClientset generated from Kubernetes v1.36", () => {
  let FakeClientset: typeof K8s.FakeClientset;

  beforeAll(async () => {
    const out = await generateFresh("fake-k8s", { openapi: [join(shared!, "openapi/kubernetes-v1.36.swagger.json.gz")], groups: ["core/v1", "apps/v1"] });
    folders.push(out);
    ({ FakeClientset } = await importGenerated<typeof K8s>(out, "fake.ts"));
  }, 60_000);

  it("serves seeded objects and sets what the server sets on create", async () => {
    const cs = new FakeClientset(pod("a", "web-1", { app: "web" }));
    const seeded = await cs.coreV1.pods("a").get("web-1");
    expect(seeded.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(seeded.metadata?.resourceVersion).toMatch(/^\d+$/);
    const created = await cs.coreV1.pods("a").create({ metadata: { generateName: "job-" }, spec: { containers: [] } });
    expect(created.metadata?.name).toMatch(/^job-[a-z0-9]{5}$/);
    expect(created.metadata?.namespace).toBe("a");
    expect(created.metadata?.generation).toBe(1);
    expect(Date.parse(created.metadata!.creationTimestamp!)).not.toBeNaN();
    expect(Number(created.metadata?.resourceVersion)).toBeGreaterThan(Number(seeded.metadata?.resourceVersion));
  });

  it("filters lists by label and field selectors, and rejects an unsupported field selector", async () => {
    const cs = new FakeClientset(
      pod("a", "web-1", { app: "web", tier: "front" }),
      pod("a", "web-2", { app: "web" }),
      pod("a", "db-1", { app: "db" }),
      pod("b", "web-3", { app: "web" }),
    );
    const names = (l: { items: Pod[] }) => l.items.map((p) => p.metadata?.name);
    expect(names(await cs.coreV1.pods("a").list({ labelSelector: "app=web" }))).toEqual(["web-1", "web-2"]);
    expect(names(await cs.coreV1.pods("a").list({ labelSelector: "app in (web,db),!tier" }))).toEqual(["db-1", "web-2"]);
    expect(names(await cs.coreV1.pods().list({ labelSelector: { matchLabels: { app: "web" } } }))).toEqual(["web-1", "web-2", "web-3"]);
    expect(names(await cs.coreV1.pods().list({ fieldSelector: "metadata.namespace=b" }))).toEqual(["web-3"]);
    expect(names(await cs.coreV1.pods("a").list({ fieldSelector: { "metadata.name": "db-1" } }))).toEqual(["db-1"]);
    const err = await cs.coreV1.pods("a").list({ fieldSelector: "spec.nope=x" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(isBadRequest(err)).toBe(true);
    expect((err as ApiError).message).toMatch(/spec\.nope/);
  });

  it("watch from a resourceVersion delivers only newer events, in order", async () => {
    const cs = new FakeClientset(pod("a", "old"));
    const deployments = cs.appsV1.deployments("a");
    const d: Deployment = { metadata: { name: "web" }, spec: { selector: {}, template: {} } };
    await deployments.create(d);
    const { metadata } = await deployments.list();
    await deployments.patch("web", PatchType.Merge, { spec: { replicas: 2 } });
    await deployments.delete("web");
    const events: WatchEvent<Deployment>[] = [];
    const controller = new AbortController();
    for await (const e of deployments.watch({ resourceVersion: metadata!.resourceVersion!, signal: controller.signal })) {
      events.push(e);
      if (e.type === "DELETED") controller.abort();
    }
    expect(events.map((e) => e.type)).toEqual(["MODIFIED", "DELETED"]);
    expect(events[0]!.object.spec?.replicas).toBe(2);
  });

  it("merge and JSON patches apply", async () => {
    const cs = new FakeClientset(pod("a", "p", { app: "web" }));
    const merged = await cs.coreV1.pods("a").patch("p", PatchType.Merge, { metadata: { labels: { app: null, v: "2" } } });
    expect(merged.metadata?.labels).toEqual({ v: "2" });
    const patched = await cs.coreV1.pods("a").patch("p", PatchType.JSON, [{ op: "add", path: "/spec/containers/-", value: { name: "d", image: "x" } }]);
    expect(patched.spec?.containers.map((c) => c.name)).toEqual(["c", "d"]);
  });

  it("a reactor injects a Conflict; actions() records the calls", async () => {
    const cs = new FakeClientset(pod("a", "p"));
    cs.fake.prependReactor("update", "pods", (action) => {
      throw newConflict({ group: "", resource: "pods" }, action.name, "injected by the test");
    });
    const current = await cs.coreV1.pods("a").get("p");
    const err = await cs.coreV1.pods("a").update(current).catch((e: unknown) => e);
    expect(isConflict(err)).toBe(true);
    expect((err as ApiError).message).toBe('Operation cannot be fulfilled on pods "p": injected by the test');
    expect(cs.fake.actions().map((a) => `${a.verb} ${a.resource} ${a.namespace}/${a.name}`)).toEqual(["get pods a/p", "update pods a/p"]);
    // the stored object is untouched
    expect((await cs.coreV1.pods("a").get("p")).metadata?.resourceVersion).toBe(current.metadata?.resourceVersion);
  });

  it("deployments scale through the scale subresource; pods evict", async () => {
    const cs = new FakeClientset({ apiVersion: "apps/v1", kind: "Deployment", metadata: { namespace: "a", name: "web" }, spec: { replicas: 1, selector: { matchLabels: { app: "web" } }, template: {} } }, pod("a", "p"));
    const scale = await cs.appsV1.deployments("a").getScale("web");
    expect(scale).toMatchObject({ apiVersion: "autoscaling/v1", kind: "Scale", spec: { replicas: 1 }, status: { selector: "app=web" } });
    await cs.appsV1.deployments("a").updateScale("web", { ...scale, spec: { replicas: 5 } });
    expect((await cs.appsV1.deployments("a").get("web")).spec?.replicas).toBe(5);
    const status = await cs.coreV1.pods("a").createEviction("p", { metadata: { name: "p" } });
    expect(status.status).toBe("Success");
    await expect(cs.coreV1.pods("a").get("p")).rejects.toSatisfy(isNotFound);
  });

  it("seeding an object of a kind the clientset does not have fails clearly", () => {
    // @ts-expect-error FakeObject already refuses it at compile time; this checks the runtime guard for untyped callers
    expect(() => new FakeClientset({ apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" } })).toThrow(/example\.com\/v1.*Widget|Widget.*example\.com\/v1/);
  });
});

describe("FakeClientset generated from the Foo CRD", () => {
  let FakeClientset: typeof Foo.FakeClientset;

  beforeAll(async () => {
    const out = await generateFresh("fake-foo", { crd: [join(repoRoot, "examples/sample-controller/crd/foos.yaml")] });
    folders.push(out);
    ({ FakeClientset } = await importGenerated<typeof Foo>(out, "fake.ts"));
  });

  it("keeps status and spec apart like the server, and scales through the CRD's paths", async () => {
    const seed: FooTypes.samplecontrollerV1alpha1.Foo = {
      apiVersion: "samplecontroller.kubegen.dev/v1alpha1",
      kind: "Foo",
      metadata: { namespace: "a", name: "f" },
      spec: { deploymentName: "d", replicas: 1 },
    };
    const cs = new FakeClientset(seed);
    const foos = cs.samplecontrollerV1alpha1.foos("a");
    const current = await foos.get("f");
    const updated = await foos.update({ ...current, spec: { deploymentName: "d", replicas: 2 }, status: { availableReplicas: 9 } });
    expect(updated.status).toBeUndefined();
    expect(updated.metadata?.generation).toBe(2);
    const withStatus = await foos.updateStatus({ ...updated, spec: { deploymentName: "d", replicas: 7 }, status: { availableReplicas: 2 } });
    expect(withStatus.spec?.replicas).toBe(2);
    expect(withStatus.status?.availableReplicas).toBe(2);
    const scale = await foos.getScale("f");
    expect(scale.spec?.replicas).toBe(2);
    expect(scale.status?.replicas).toBe(2);
    await foos.updateScale("f", { ...scale, spec: { replicas: 3 } });
    expect((await foos.get("f")).spec?.replicas).toBe(3);
  });
});
