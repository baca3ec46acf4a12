// The generated SharedInformerFactory against the real server: the Foo CRD
// (examples/sample-controller/crd/foos.yaml) and a built-in clientset
// generated from the control plane's own OpenAPI (Deployments, and the
// cluster-scoped Namespaces). Start, waitForCacheSync, typed listers by
// namespace and selector, create/update/delete reaching handlers and the
// lister, the factory's namespace and tweakListOptions, shutdown.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiError, DynamicClient, isNotFound, loadConfig, PatchType, type RestConfig } from "@kubegen/runtime";
import type * as Foo from "../../../.tmp/generated/foo/index.js";
import type * as K8s from "../../../.tmp/generated/k8s-1.36/index.js";
import { controlPlane, useTestNamespace } from "../../helpers/cluster.js";
import { generateFresh, importGenerated, removeGenerated, repoRoot } from "../../helpers/generated.js";

const cp = controlPlane();
const ns1 = useTestNamespace(cp, "inf-a");
const ns2 = useTestNamespace(cp, "inf-b");
const crdFile = join(repoRoot, "examples/sample-controller/crd/foos.yaml");
const folders: string[] = [];
afterAll(() => folders.forEach(removeGenerated));

type FooObject = Foo.samplecontrollerV1alpha1.Foo;
type Deployment = K8s.appsV1.Deployment;

/** Waits (polling) until `fn` returns something other than undefined; fails after `attempts` tries. */
async function until<T>(fn: () => T | undefined, what: string, attempts = 300): Promise<T> {
  for (let i = 0; i < attempts; i++) {
    const v = fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** What a handler saw, as short strings: `add ns/name replicas initial`, `update ns/name old->new`, `delete ns/name`. */
function recorder<T extends { metadata?: { namespace?: string; name?: string } }>(replicas: (o: T) => number | undefined, mine: (o: T) => boolean) {
  const seen: string[] = [];
  const id = (o: T) => `${o.metadata?.namespace ?? ""}/${o.metadata?.name}`;
  return {
    seen,
    handler: {
      onAdd: (o: T, initial: boolean) => void (mine(o) && seen.push(`add ${id(o)} ${replicas(o)}${initial ? " initial" : ""}`)),
      onUpdate: (a: T, b: T) => void (mine(b) && seen.push(`update ${id(b)} ${replicas(a)}->${replicas(b)}`)),
      onDelete: (o: T | { tombstone: true; object?: T }) => {
        const obj = "tombstone" in o ? o.object : o;
        if (obj && mine(obj)) seen.push(`delete ${id(obj)}${"tombstone" in o ? " tombstone" : ""}`);
      },
    },
  };
}

const names = (objs: readonly { metadata?: { name?: string } }[]) => objs.map((o) => o.metadata?.name).sort();

describe.skipIf(!cp)("generated SharedInformerFactory over the Foo CRD", () => {
  let gen: typeof Foo;
  let cs: Foo.Clientset;
  let config: RestConfig;

  beforeAll(async () => {
    config = { ...(await loadConfig({ kubeconfigPath: cp!.kubeconfigPath })), qps: 100, burst: 200 };
    const crds = new DynamicClient(config).resource({ group: "apiextensions.k8s.io", version: "v1", resource: "customresourcedefinitions" });
    const crd = parse(readFileSync(crdFile, "utf8"));
    await crds.apply(crd.metadata.name, crd, { fieldManager: "kubegen-test", force: true });
    for (let i = 0; i < 100; i++) {
      const got = await crds.get(crd.metadata.name);
      const conditions = (got.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? [];
      if (conditions.some((c) => c.type === "Established" && c.status === "True")) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const out = await generateFresh("foo-informers", { crd: [crdFile] });
    folders.push(out);
    gen = await importGenerated<typeof Foo>(out);
    cs = gen.Clientset.forConfig(config);
  }, 60_000);

  const foo = (name: string, replicas = 1, labels: Record<string, string> = {}): FooObject => ({
    metadata: { name, labels },
    spec: { deploymentName: `${name}-deploy`, replicas },
  });

  it("syncs, lists by namespace and selector, and follows create/update/delete until shutdown", async () => {
    await cs.samplecontrollerV1alpha1.foos(ns1()).create(foo("one", 1));
    await cs.samplecontrollerV1alpha1.foos(ns1()).create(foo("two", 2, { app: "x" }));
    await cs.samplecontrollerV1alpha1.foos(ns2()).create(foo("one", 3));

    const factory = new gen.SharedInformerFactory(cs);
    const foos = factory.samplecontrollerV1alpha1.foos();
    expect(factory.samplecontrollerV1alpha1.foos()).toBe(foos);
    expect(factory.get("samplecontroller.kubegen.dev/v1alpha1/foos")).toBe(foos.informer);
    const mine = (o: FooObject) => o.metadata?.namespace === ns1() || o.metadata?.namespace === ns2();
    const rec = recorder<FooObject>((o) => o.spec?.replicas, mine);
    foos.informer.addEventHandler(rec.handler);

    const stop = new AbortController();
    factory.start(stop.signal);
    await factory.waitForCacheSync(AbortSignal.timeout(30_000));
    expect(foos.informer.hasSynced()).toBe(true);

    // typed reads by namespace, name and label selector
    const lister = foos.lister;
    expect(names(lister.foos(ns1()).list())).toEqual(["one", "two"]);
    expect(names(lister.foos(ns2()).list())).toEqual(["one"]);
    expect(lister.foos(ns1()).get("one")?.spec?.replicas).toBe(1);
    expect(lister.foos(ns2()).get("one")?.spec?.replicas).toBe(3);
    expect(lister.foos(ns2()).get("two")).toBeUndefined();
    expect(names(lister.foos(ns1()).list("app=x"))).toEqual(["two"]);
    expect(names(lister.foos(ns1()).list({ matchLabels: { app: "x" } }))).toEqual(["two"]);
    expect(lister.list().filter(mine)).toHaveLength(3);
    let thrown: unknown;
    try {
      lister.foos(ns2()).getOrThrow("two");
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(ApiError);
    expect(isNotFound(thrown)).toBe(true);
    expect((thrown as ApiError).message).toContain('foos.samplecontroller.kubegen.dev "two" not found');

    await until(() => (rec.seen.length >= 3 ? true : undefined), "the initial adds");
    expect([...rec.seen].sort()).toEqual([`add ${ns1()}/one 1 initial`, `add ${ns1()}/two 2 initial`, `add ${ns2()}/one 3 initial`]);
    rec.seen.length = 0;

    // a create, an update and a delete reach the handler and the lister
    const client = cs.samplecontrollerV1alpha1.foos(ns1());
    await client.create(foo("three", 1));
    await until(() => lister.foos(ns1()).get("three"), "three in the lister");
    await client.patch("three", PatchType.Merge, { spec: { replicas: 4 } });
    await until(() => (lister.foos(ns1()).get("three")?.spec?.replicas === 4 ? true : undefined), "three's update in the lister");
    await client.delete("three");
    await until(() => (lister.foos(ns1()).get("three") === undefined ? true : undefined), "three's deletion in the lister");
    await until(() => (rec.seen.some((s) => s.startsWith("delete")) ? true : undefined), "the delete event");
    expect(rec.seen).toEqual([`add ${ns1()}/three 1`, `update ${ns1()}/three 1->4`, `delete ${ns1()}/three`]);
    expect(Object.isFrozen(lister.foos(ns1()).get("one"))).toBe(true);

    await factory.shutdown();
    expect(foos.informer.isStopped).toBe(true);
  });

  it("honours the factory's namespace and tweakListOptions, built from a bare executor", async () => {
    await cs.samplecontrollerV1alpha1.foos(ns2()).create(foo("labelled", 5, { tier: "gold" }));
    const factory = new gen.SharedInformerFactory(cs.executor, {
      namespace: ns2(),
      tweakListOptions: (o) => ({ ...o, labelSelector: "tier=gold" }),
    });
    const foos = factory.samplecontrollerV1alpha1.foos();
    factory.start();
    try {
      await factory.waitForCacheSync(AbortSignal.timeout(30_000));
      // only ns2, only tier=gold: "one" in ns2 and everything in ns1 stay out
      expect(names(foos.lister.list())).toEqual(["labelled"]);
      expect(foos.lister.foos(ns2()).get("labelled")?.spec?.replicas).toBe(5);
      expect(foos.lister.foos(ns1()).list()).toEqual([]);
    } finally {
      await factory.shutdown();
    }
  });
});

describe.skipIf(!cp)("generated SharedInformerFactory over the built-in clientset from the control plane", () => {
  let gen: typeof K8s;
  let config: RestConfig;

  beforeAll(async () => {
    const out = await generateFresh("informers-cluster", { fromCluster: { kubeconfig: cp!.kubeconfigPath } });
    folders.push(out);
    gen = await importGenerated<typeof K8s>(out);
    config = { ...(await loadConfig({ kubeconfigPath: cp!.kubeconfigPath })), qps: 100, burst: 200 };
  }, 120_000);

  const deployment = (name: string, replicas: number): Deployment => ({
    metadata: { name, labels: { app: name } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "main", image: "registry.k8s.io/pause:3.10" }] } },
    },
  });

  it("factory.appsV1.deployments() and the cluster-scoped coreV1.namespaces() sync and follow changes", async () => {
    const cs = gen.Clientset.forConfig(config);
    await cs.appsV1.deployments(ns1()).create(deployment("web", 1));

    const factory = new gen.SharedInformerFactory(config);
    const deps = factory.appsV1.deployments();
    const nss = factory.coreV1.namespaces();
    expect(factory.appsV1.deployments()).toBe(deps);
    expect(factory.keys().sort()).toEqual(["apps/v1/deployments", "core/v1/namespaces"]);
    const rec = recorder<Deployment>((d) => d.spec?.replicas, (d) => d.metadata?.namespace === ns1());
    deps.informer.addEventHandler(rec.handler);

    const stop = new AbortController();
    factory.start(stop.signal);
    await factory.waitForCacheSync(AbortSignal.timeout(30_000));

    expect(deps.lister.deployments(ns1()).get("web")?.spec?.replicas).toBe(1);
    expect(names(deps.lister.deployments(ns1()).list("app=web"))).toEqual(["web"]);
    expect(deps.lister.deployments(ns2()).list()).toEqual([]);
    expect(nss.lister.get(ns1())?.metadata?.name).toBe(ns1());
    expect(nss.lister.get("no-such-namespace")).toBeUndefined();
    expect(() => nss.lister.getOrThrow("no-such-namespace")).toThrow('namespaces "no-such-namespace" not found');

    const client = cs.appsV1.deployments(ns1());
    await client.patch("web", PatchType.Merge, { spec: { replicas: 3 } });
    await until(() => (deps.lister.deployments(ns1()).get("web")?.spec?.replicas === 3 ? true : undefined), "web's update in the lister");
    await client.delete("web");
    await until(() => (deps.lister.deployments(ns1()).get("web") === undefined ? true : undefined), "web's deletion in the lister");
    await until(() => (rec.seen.some((s) => s.startsWith("delete")) ? true : undefined), "the delete event");
    // the deployment controller is not running, so only our own writes change the object
    expect(rec.seen).toEqual([`add ${ns1()}/web 1 initial`, `update ${ns1()}/web 1->3`, `delete ${ns1()}/web`]);

    stop.abort();
    await factory.shutdown();
    expect(deps.informer.isStopped).toBe(true);
    expect(nss.informer.isStopped).toBe(true);
  });
});
