// The built-in clientset, generated from the test control plane's own
// /openapi/v3 (--from-cluster) and, as a second run, its /openapi/v2, used
// for CRUD against that server: namespaces, config maps, secrets,
// deployments with status and scale, pod eviction and binding, service
// account tokens, a cluster-scoped kind, a create-only review, leases,
// deleteCollection, options, and paging over 1,200 config maps.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  PatchType,
  RequestBuildError,
  RestClient,
  isAlreadyExists,
  isBadRequest,
  isConflict,
  isNotFound,
  loadConfig,
} from "@kubegen/runtime";
import type * as K8s from "../../../.tmp/generated/k8s-1.36/index.js";
import type * as CoreV1 from "../../../.tmp/generated/k8s-1.36/core/v1/index.js";
import { controlPlane, rawRequest, useTestNamespace } from "../../helpers/cluster.js";
import { generateFresh, generatedDir, importGenerated, removeGenerated } from "../../helpers/generated.js";

type Generated = typeof K8s;

const cp = controlPlane();
const namespace = useTestNamespace(cp);
const ns = { get name(): string { return namespace(); } };
const folders: string[] = [];
afterAll(() => folders.forEach(removeGenerated));

async function clientsetFrom(source: "v3" | "v2"): Promise<{ cs: K8s.Clientset }> {
  let out: string;
  if (source === "v3") {
    out = await generateFresh("cluster-v3", { fromCluster: { kubeconfig: cp!.kubeconfigPath } });
  } else {
    const res = await rawRequest(cp!, "cert", "GET", "/openapi/v2");
    expect(res.status).toBe(200);
    mkdirSync(generatedDir, { recursive: true });
    const file = join(generatedDir, `swagger-${process.pid}.json`);
    writeFileSync(file, res.body);
    folders.push(file);
    out = await generateFresh("cluster-v2", { openapi: [file] });
  }
  folders.push(out);
  const gen = await importGenerated<Generated>(out);
  // client-go's default 5 QPS would make the 1,200 creates below take four minutes
  const config = { ...(await loadConfig({ kubeconfigPath: cp!.kubeconfigPath })), qps: 200, burst: 400 };
  return { cs: gen.Clientset.forConfig(config) };
}

async function eventually<T>(fn: () => Promise<T | undefined>, what: string, attempts = 100): Promise<T> {
  for (let i = 0; i < attempts; i++) {
    const v = await fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe.skipIf(!cp).each(["v3", "v2"] as const)("built-in clientset generated from the server's /openapi/%s", (source) => {
  let cs: K8s.Clientset;
  const suffix = source;

  beforeAll(async () => {
    ({ cs } = await clientsetFrom(source));
  }, 120_000);

  it("one executor, so one connection pool and one rate limiter, for every group", () => {
    expect(cs.coreV1.executor).toBe(cs.executor);
    expect(cs.appsV1.executor).toBe(cs.executor);
    expect(cs.rbacV1.executor).toBe(cs.executor);
    expect(cs.executor).toBeInstanceOf(RestClient);
  });

  it("Namespace: create, get, list, delete (cluster-scoped)", async () => {
    const name = `${ns.name}-extra-${suffix}`;
    const created = await cs.coreV1.namespaces().create({ metadata: { name, labels: { kubegen: "ns-test" } } });
    expect(created.metadata?.uid).toBeTruthy();
    expect(created.apiVersion).toBe("v1");
    expect((await cs.coreV1.namespaces().get(name)).metadata?.name).toBe(name);
    const list = await cs.coreV1.namespaces().list({ labelSelector: "kubegen=ns-test" });
    expect(list.items.map((n) => n.metadata?.name)).toContain(name);
    await cs.coreV1.namespaces().delete(name);
    const gone = await cs.coreV1.namespaces().get(name).then(
      (n) => n.status?.phase,
      (e: unknown) => (isNotFound(e) ? "NotFound" : Promise.reject(e)),
    );
    expect(["Terminating", "NotFound"]).toContain(gone);
  });

  it("ConfigMap: create, get, update, merge and JSON patch, conflict, dry run, delete", async () => {
    const cms = cs.coreV1.configMaps(ns.name);
    const name = `cm-${suffix}`;
    const created = await cms.create({ metadata: { name, labels: { app: "web" } }, data: { a: "1" } }, { fieldManager: "kubegen-test" });
    expect(created.metadata?.managedFields?.[0]?.manager).toBe("kubegen-test");
    await expect(cms.create({ metadata: { name } })).rejects.toSatisfy(isAlreadyExists);

    const got = await cms.get(name);
    const updated = await cms.update({ ...got, data: { a: "2" } });
    expect(updated.data).toEqual({ a: "2" });
    // the first read's resourceVersion is stale now
    await expect(cms.update({ ...got, data: { a: "3" } })).rejects.toSatisfy(isConflict);

    const merged = await cms.patch(name, PatchType.Merge, { data: { b: "x" } });
    expect(merged.data).toEqual({ a: "2", b: "x" });
    const jsonPatched = await cms.patch(name, PatchType.JSON, [{ op: "remove", path: "/data/a" }]);
    expect(jsonPatched.data).toEqual({ b: "x" });
    const strategic = await cms.patch(name, PatchType.StrategicMerge, { metadata: { labels: { tier: "1" } } });
    expect(strategic.metadata?.labels).toEqual({ app: "web", tier: "1" });

    await cms.create({ metadata: { name: `dry-${suffix}` } }, { dryRun: "All" });
    await expect(cms.get(`dry-${suffix}`)).rejects.toSatisfy(isNotFound);

    await expect(cms.delete(name, { preconditions: { uid: "00000000-0000-0000-0000-000000000000" } })).rejects.toSatisfy(isConflict);
    await cms.delete(name, { preconditions: { uid: created.metadata!.uid! } });
    await expect(cms.get(name)).rejects.toSatisfy(isNotFound);
  });

  it("Secret: create, get, list, delete", async () => {
    const secrets = cs.coreV1.secrets(ns.name);
    const name = `secret-${suffix}`;
    await secrets.create({ metadata: { name }, type: "Opaque", stringData: { password: "hunter2" } });
    const got = await secrets.get(name);
    expect(Buffer.from(got.data!.password!, "base64").toString()).toBe("hunter2");
    expect((await secrets.list()).items.map((s) => s.metadata?.name)).toContain(name);
    await secrets.delete(name);
    await expect(secrets.get(name)).rejects.toSatisfy(isNotFound);
  });

  it("Deployment: create, updateStatus writes only status, getScale/updateScale", async () => {
    const deployments = cs.appsV1.deployments(ns.name);
    const name = `web-${suffix}`;
    const labels = { app: name };
    const created = await deployments.create({
      metadata: { name },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: { metadata: { labels }, spec: { containers: [{ name: "c", image: "registry.invalid/none:1" }] } },
      },
    });
    expect(created.spec?.replicas).toBe(1);

    // The status subresource ignores spec changes and writes status.
    const current = await deployments.get(name);
    const afterStatus = await deployments.updateStatus({
      ...current,
      spec: { ...current.spec!, replicas: 7 },
      status: { ...current.status, observedGeneration: current.metadata?.generation ?? 1, replicas: 4, unavailableReplicas: 4 },
    });
    expect(afterStatus.spec?.replicas).toBe(1);
    expect(afterStatus.status?.unavailableReplicas).toBe(4);

    const scale = await deployments.getScale(name);
    expect(scale.kind).toBe("Scale");
    expect(scale.spec?.replicas).toBe(1);
    const scaled = await deployments.updateScale(name, { ...scale, spec: { replicas: 3 } });
    expect(scaled.spec?.replicas).toBe(3);
    expect((await deployments.get(name)).spec?.replicas).toBe(3);
  });

  it("Pod: binding sets the node, the log route answers, eviction removes the pod", async () => {
    const pods = cs.coreV1.pods(ns.name);
    const bound = `bound-${suffix}`;
    await pods.create({ metadata: { name: bound }, spec: { containers: [{ name: "c", image: "registry.invalid/none:1" }] } });
    const status = await pods.createBinding(bound, { metadata: { name: bound }, target: { kind: "Node", name: "node-a" } });
    expect(status.status).toBe("Success");
    expect((await pods.get(bound)).spec?.nodeName).toBe("node-a");
    // There is no kubelet: the log request reaches the pod's log subresource, which
    // looks up the pod's node to connect to it, and that node does not exist.
    await expect(pods.getLog(bound, { container: "c" })).rejects.toThrow(/"node-a" not found/);

    const evicted = `evicted-${suffix}`;
    await pods.create({ metadata: { name: evicted }, spec: { containers: [{ name: "c", image: "registry.invalid/none:1" }] } });
    const res = await pods.createEviction(evicted, { metadata: { name: evicted, namespace: ns.name } });
    expect(res.status).toBe("Success");
    await eventually(async () => (await pods.get(evicted).then(() => undefined, (e: unknown) => (isNotFound(e) ? true : undefined))), "the evicted pod to go");
  });

  it("ServiceAccount: createToken returns a bound token", async () => {
    const sas = cs.coreV1.serviceAccounts(ns.name);
    const name = `robot-${suffix}`;
    await sas.create({ metadata: { name } });
    const tr = await sas.createToken(name, { spec: { audiences: ["kubegen-test"], expirationSeconds: 600 } });
    expect(tr.kind).toBe("TokenRequest");
    expect(tr.status?.token?.split(".")).toHaveLength(3);
    expect(Date.parse(tr.status!.expirationTimestamp!)).toBeGreaterThan(Date.now());
  });

  it("ClusterRole (cluster-scoped): create, list, patch, delete", async () => {
    const roles = cs.rbacV1.clusterRoles();
    const name = `${ns.name}-reader-${suffix}`;
    await roles.create({ metadata: { name }, rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get"] }] });
    const patched = await roles.patch(name, PatchType.Merge, { metadata: { labels: { kubegen: "yes" } } });
    expect(patched.metadata?.labels?.kubegen).toBe("yes");
    expect((await roles.list({ labelSelector: "kubegen=yes" })).items.map((r) => r.metadata?.name)).toContain(name);
    await roles.delete(name);
    await expect(roles.get(name)).rejects.toSatisfy(isNotFound);
  });

  it("SelfSubjectAccessReview: create-only", async () => {
    const review = await cs.authorizationV1.selfSubjectAccessReviews().create({
      spec: { resourceAttributes: { namespace: ns.name, verb: "get", resource: "pods" } },
    });
    expect(review.status?.allowed).toBe(true);
    // The client type of a create-only resource offers no other verb (checked by make typecheck).
    // @ts-expect-error get is not a verb of selfsubjectaccessreviews
    void cs.authorizationV1.selfSubjectAccessReviews().get;
  });

  it("Lease: create, update, get", async () => {
    const leases = cs.coordinationV1.leases(ns.name);
    const name = `lock-${suffix}`;
    const created = await leases.create({ metadata: { name }, spec: { holderIdentity: "a", leaseDurationSeconds: 15 } });
    const updated = await leases.update({ ...created, spec: { ...created.spec, holderIdentity: "b" } });
    expect(updated.spec?.holderIdentity).toBe("b");
    expect((await leases.get(name)).spec?.holderIdentity).toBe("b");
  });

  it("deleteCollection deletes what the label selector picks, and nothing else", async () => {
    const cms = cs.coreV1.configMaps(ns.name);
    for (let i = 0; i < 5; i++) await cms.create({ metadata: { name: `doomed-${suffix}-${i}`, labels: { doomed: suffix } } });
    await cms.create({ metadata: { name: `kept-${suffix}`, labels: { doomed: "no" } } });
    await cms.deleteCollection({ labelSelector: { matchLabels: { doomed: suffix } } });
    const left = (await cms.list({ labelSelector: "doomed" })).items.map((c) => c.metadata?.name);
    expect(left.filter((n) => n?.startsWith(`doomed-${suffix}`))).toEqual([]);
    expect(left).toContain(`kept-${suffix}`);
  });

  it("a namespaced getter without a namespace lists across namespaces and refuses the rest before sending", async () => {
    const all = await cs.coreV1.configMaps().list({ fieldSelector: { "metadata.namespace": ns.name } });
    expect(all.items.every((c) => c.metadata?.namespace === ns.name)).toBe(true);
    const unscoped = cs.coreV1.configMaps() as unknown as CoreV1.ConfigMapsClient;
    await expect(unscoped.get("x")).rejects.toBeInstanceOf(RequestBuildError);
    await expect(unscoped.get("x")).rejects.toThrow(/namespace is required/);
  });

  it("server validation errors come back typed", async () => {
    await expect(cs.coreV1.configMaps(ns.name).create({ metadata: { name: "Not_Valid" } })).rejects.toSatisfy(
      (e: unknown) => (e as { code?: number }).code === 422,
    );
    await expect(
      cs.coreV1.configMaps(ns.name).list({ fieldSelector: "spec.nope=1" }),
    ).rejects.toSatisfy(isBadRequest);
  });
});

describe.skipIf(!cp)("paging with the generated clientset", () => {
  it("listPages walks 1,200 config maps in pages of 500, listAll yields each once", async () => {
    const { cs } = await clientsetFrom("v3");
    const pageNs = `${ns.name}-pages`;
    await cs.coreV1.namespaces().create({ metadata: { name: pageNs } });
    try {
      const cms = cs.coreV1.configMaps(pageNs);
      const names = Array.from({ length: 1200 }, (_, i) => `cm-${String(i).padStart(4, "0")}`);
      for (let i = 0; i < names.length; i += 24) {
        await Promise.all(names.slice(i, i + 24).map((name) => cms.create({ metadata: { name, labels: { paged: "yes" } } })));
      }
      const sizes: number[] = [];
      for await (const page of cms.listPages({ limit: 500, labelSelector: "paged=yes" })) sizes.push(page.items.length);
      expect(sizes).toEqual([500, 500, 200]);
      const seen = new Set<string>();
      for await (const cm of cms.listAll({ labelSelector: "paged=yes" })) seen.add(cm.metadata!.name!);
      expect([...seen].sort()).toEqual(names);
    } finally {
      await cs.coreV1.namespaces().delete(pageNs);
    }
  }, 180_000);
});
