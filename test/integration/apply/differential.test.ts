// Differential test of the fake clientset's server-side apply: one scripted
// sequence of applies by three managers (conflicts, force, shared ownership,
// dropped fields, list-map items by key and composite key, sets, atomic lists
// and maps) runs against the real server and against the generated
// FakeClientset. After every step the outcome (success, or a 409 with the
// same conflicting fields), each manager's owned fields, and the object
// (restricted to what the managers own, so the server's defaults are left
// out) must be the same; and the fake must hold nothing nobody owns.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiError, extractApplyConfiguration, labelSelector, loadConfig, PatchType, type FieldsV1, type ManagedFieldsEntry } from "@kubegen/runtime";
import type * as K8s from "../../../.tmp/generated/k8s-1.36/index.js";
import type * as AppsV1 from "../../../.tmp/generated/k8s-1.36/apps/v1/index.js";
import type * as CoreV1 from "../../../.tmp/generated/k8s-1.36/core/v1/index.js";
import type * as K8sFake from "../../../.tmp/generated/k8s-1.36/fake.js";
import { generateApplyModules } from "../../helpers/apply-clients.js";
import { controlPlane, useTestNamespace } from "../../helpers/cluster.js";
import { importGenerated, removeGenerated } from "../../helpers/generated.js";

const cp = controlPlane();
const namespace = useTestNamespace(cp, "diff");
const outs: string[] = [];
afterAll(() => outs.forEach(removeGenerated));

const MANAGERS = ["alice", "bob", "carol"];
type Deployment = AppsV1.Deployment;

/** Each of our managers' Apply entries for the main resource: manager -> fieldsV1. */
function ownership(obj: Deployment): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const m of obj.metadata?.managedFields ?? []) {
    if (MANAGERS.includes(m.manager ?? "") && !m.subresource) out[`${m.manager}/${m.operation}`] = m.fieldsV1;
  }
  return out;
}

/** Merges FieldsV1 trees (a field set union). */
function union(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = union((out[k] as Record<string, unknown>) ?? {}, v as Record<string, unknown>);
  return out;
}

describe.skipIf(!cp)("fake clientset apply vs the real server, step by step", () => {
  let real: K8s.Clientset;
  let fake: K8sFake.FakeClientset;
  let apps: typeof AppsV1;
  let core: typeof CoreV1;

  beforeAll(async () => {
    const config = { ...(await loadConfig({ kubeconfigPath: cp!.kubeconfigPath })), qps: 200, burst: 400 };
    const m = await generateApplyModules(cp!, config, "diff");
    outs.push(...m.outs);
    ({ apps, core } = m);
    real = m.k8s.Clientset.forConfig(config);
    fake = new (await importGenerated<typeof K8sFake>(m.outs[0]!, "fake.ts")).FakeClientset();
  }, 120_000);

  /** The object restricted to the fields our managers own (extraction over the union of their sets). */
  function owned(obj: Deployment): unknown {
    const all = Object.values(ownership(obj)).reduce<Record<string, unknown>>((u, f) => union(u, f as Record<string, unknown>), {});
    const entry: ManagedFieldsEntry = { manager: "union", operation: "Apply", fieldsType: "FieldsV1", fieldsV1: all as FieldsV1 };
    const probe = { ...obj, metadata: { ...obj.metadata, managedFields: [entry] } };
    return JSON.parse(JSON.stringify(extractApplyConfiguration(apps.applySchema, "apps/v1.Deployment", probe, "union")));
  }

  it("20+ applies by three managers give the same objects, conflicts and ownership", async () => {
    const ns = namespace();
    const d = () => apps.deployment("diff", ns);
    const podSpec = (...containers: CoreV1.ContainerApplyConfiguration[]) => core.podSpec().withContainers(...containers);
    const template = (spec: CoreV1.PodSpecApplyConfiguration) => apps.deploymentSpec().withTemplate(core.podTemplateSpec().withSpec(spec));
    const c = (name: string) => core.container().withName(name);
    const port = (n: number, protocol: "TCP" | "UDP") => core.containerPort().withContainerPort(n).withProtocol(protocol);
    const env = (name: string, value: string) => core.envVar().withName(name).withValue(value);
    const toleration = (key: string) => core.toleration().withKey(key).withOperator("Exists").withEffect("NoSchedule");
    /** alice's usual configuration: the selector, the web container, and what the step changes. */
    const base = (o: { replicas?: number; envA?: string | null; toleration?: string; args?: string[]; tier?: boolean } = {}) => {
      const web = c("web").withImage("nginx:1.27").withPorts(port(80, "TCP"));
      if (o.envA !== null) web.withEnv(env("A", o.envA ?? "1"));
      if (o.args) web.withArgs(...o.args);
      const pod = podSpec(web);
      if (o.toleration) pod.withTolerations(toleration(o.toleration));
      const spec = apps
        .deploymentSpec()
        .withSelector(labelSelector().withMatchLabels({ app: "diff" }))
        .withTemplate(core.podTemplateSpec().withLabels({ app: "diff" }).withSpec(pod));
      if (o.replicas !== undefined) spec.withReplicas(o.replicas);
      return d().withLabels({ app: "diff", ...(o.tier ? { tier: "web" } : {}) }).withSpec(spec);
    };

    type Step = { who: string; force?: boolean; conflict?: boolean; config: () => AppsV1.DeploymentApplyConfiguration };
    const steps: Step[] = [
      { who: "alice", config: () => base({ replicas: 2 }) },
      { who: "bob", config: () => d().withAnnotations({ note: "x" }).withSpec(template(podSpec(c("sidecar").withImage("busybox:1.36")))) },
      { who: "bob", conflict: true, config: () => d().withSpec(apps.deploymentSpec().withReplicas(3)) },
      { who: "bob", force: true, config: () => d().withAnnotations({ note: "x" }).withSpec(template(podSpec(c("sidecar").withImage("busybox:1.36"))).withReplicas(3)) },
      { who: "alice", conflict: true, config: () => base({ replicas: 2 }) },
      { who: "alice", config: () => base() },
      { who: "carol", config: () => d().withSpec(template(podSpec(c("web").withPorts(port(80, "UDP"))))) },
      { who: "carol", config: () => d().withSpec(template(podSpec(c("web").withPorts(port(80, "UDP")).withEnv(env("B", "2"))))) },
      { who: "alice", config: () => base({ envA: "2" }) },
      { who: "bob", conflict: true, config: () => d().withSpec(template(podSpec(c("web").withEnv(env("A", "3"))))) },
      { who: "alice", config: () => base({ envA: null }) },
      { who: "carol", config: () => d().withSpec(template(podSpec(c("web").withEnv(env("B", "2"))))) },
      { who: "alice", config: () => base({ envA: null, tier: true }) },
      { who: "bob", config: () => d().withLabels({ tier: "web" }).withAnnotations({ note: "x" }).withSpec(template(podSpec(c("sidecar").withImage("busybox:1.36"))).withReplicas(3)) },
      { who: "alice", config: () => base({ envA: null }) },
      { who: "bob", config: () => d().withLabels({ tier: "web" }).withAnnotations({ note: "x" }).withSpec(apps.deploymentSpec().withReplicas(3)) },
      { who: "carol", config: () => d().withSpec(template(podSpec(c("web").withEnv(env("B", "2"))).withTolerations(toleration("t1")))) },
      { who: "alice", conflict: true, config: () => base({ envA: null, toleration: "t2" }) },
      { who: "alice", force: true, config: () => base({ envA: null, toleration: "t2" }) },
      { who: "carol", config: () => d().withSpec(template(podSpec(c("web").withEnv(env("B", "2"))).withNodeSelector({ zone: "a" }))) },
      { who: "bob", conflict: true, config: () => d().withSpec(template(podSpec().withNodeSelector({ zone: "b" }))) },
      { who: "alice", config: () => base({ envA: null, toleration: "t2", args: ["--fast"] }) },
      { who: "carol", config: () => d().withFinalizers("example.com/carol").withSpec(template(podSpec(c("web").withEnv(env("B", "2"))).withNodeSelector({ zone: "a" }))) },
      { who: "bob", config: () => d().withFinalizers("example.com/bob").withLabels({ tier: "web" }).withSpec(apps.deploymentSpec().withReplicas(3)) },
      { who: "carol", config: () => d().withSpec(template(podSpec(c("web").withEnv(env("B", "2"))))) },
      { who: "bob", config: () => d().withSpec(apps.deploymentSpec().withReplicas(1)) },
    ];
    expect(steps.length).toBeGreaterThanOrEqual(20);

    const attempt = async (cs: K8s.Clientset, step: Step) => {
      try {
        return { ok: await cs.appsV1.deployments(ns).apply(step.config(), { fieldManager: step.who, ...(step.force ? { force: true } : {}) }) };
      } catch (e) {
        if (!(e instanceof ApiError)) throw e;
        const causes = (e.status.details?.causes ?? []).map((c) => `${c.field} ${c.message}`).sort();
        return { code: e.code, reason: e.status.reason, causes };
      }
    };

    for (const [i, step] of steps.entries()) {
      const label = `step ${i + 1} (${step.who}${step.force ? ", force" : ""})`;
      const onServer = await attempt(real, step);
      const inFake = await attempt(fake, step);
      if ("ok" in onServer) {
        expect(step.conflict, `${label}: the server accepted it`).toBeFalsy();
        expect("ok" in inFake, `${label}: the fake rejected what the server accepted: ${JSON.stringify(inFake)}`).toBe(true);
      } else {
        expect(step.conflict, `${label}: the server said ${JSON.stringify(onServer)}`).toBe(true);
        expect(inFake, label).toEqual(onServer);
      }
      const serverObj = await real.appsV1.deployments(ns).get("diff");
      const fakeObj = await fake.appsV1.deployments(ns).get("diff");
      expect(ownership(fakeObj), `${label}: owned fields`).toEqual(ownership(serverObj));
      expect(owned(fakeObj), `${label}: owned content`).toStrictEqual(owned(serverObj));
      // the fake does no defaulting: everything in its spec is owned by someone
      expect((owned(fakeObj) as { spec?: unknown }).spec, `${label}: the fake holds unowned fields`).toStrictEqual(JSON.parse(JSON.stringify(fakeObj.spec ?? null)) ?? undefined);
    }
    // leave nothing that blocks the namespace's deletion
    await real.appsV1.deployments(ns).apply(d().withSpec(apps.deploymentSpec().withReplicas(1)), { fieldManager: "bob" });
    await real.appsV1.deployments(ns).patch("diff", PatchType.Merge, { metadata: { finalizers: null } });
  });
});
