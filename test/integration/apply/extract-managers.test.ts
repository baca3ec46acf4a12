// Extraction against the real kube-apiserver: what two managers applied (main resource and the
// status subresource) comes back out of the server's managedFields exactly, and re-applying an
// extracted configuration leaves the manager's FieldsV1 unchanged (read-modify-re-apply is safe).
import { describe, expect, it } from "vitest";
import { DynamicClient, loadConfig, PatchType, type Unstructured } from "@kubegen/runtime";
import { ObjectApplyConfiguration } from "../../../runtime/src/apply/builders.js";
import { defineApplySchema } from "../../../runtime/src/apply/define-schema.js";
import { extractApplyConfiguration } from "../../../runtime/src/apply/extract.js";
import { SCALAR, struct, type ApplyNode } from "../../../runtime/src/apply/schema.js";
import { controlPlane, useTestNamespace } from "../../helpers/cluster.js";

class DeploymentAC extends ObjectApplyConfiguration {}

const mapList = (keys: string[], items: ApplyNode): ApplyNode => ({ kind: "list", listType: "map", keys, items });
const atomic = (items: ApplyNode): ApplyNode => ({ kind: "list", listType: "atomic", items });
// The slice of apps/v1 and core/v1 this test applies, with the v1.36 OpenAPI's list semantics.
const schema = defineApplySchema({
  "apps/v1.Deployment": {
    builder: DeploymentAC,
    fields: { apiVersion: SCALAR, kind: SCALAR, metadata: struct("ObjectMeta"), spec: struct("apps/v1.DeploymentSpec"), status: struct("apps/v1.DeploymentStatus") },
  },
  "apps/v1.DeploymentSpec": { fields: { replicas: SCALAR, selector: struct("LabelSelector"), template: struct("core/v1.PodTemplateSpec") } },
  "apps/v1.DeploymentStatus": { fields: { conditions: mapList(["type"], struct("apps/v1.DeploymentCondition")) } },
  "apps/v1.DeploymentCondition": {
    fields: { type: SCALAR, status: SCALAR, lastUpdateTime: SCALAR, lastTransitionTime: SCALAR, reason: SCALAR, message: SCALAR },
  },
  "core/v1.PodTemplateSpec": { fields: { metadata: struct("ObjectMeta"), spec: struct("core/v1.PodSpec") } },
  "core/v1.PodSpec": { fields: { containers: mapList(["name"], struct("core/v1.Container")), tolerations: atomic(SCALAR) } },
  "core/v1.Container": {
    fields: {
      name: SCALAR,
      image: SCALAR,
      args: atomic(SCALAR),
      ports: mapList(["containerPort", "protocol"], struct("core/v1.ContainerPort")),
      env: mapList(["name"], struct("core/v1.EnvVar")),
    },
  },
  "core/v1.ContainerPort": { fields: { containerPort: SCALAR, protocol: SCALAR, name: SCALAR } },
  "core/v1.EnvVar": { fields: { name: SCALAR, value: SCALAR } },
});

const cp = controlPlane();

describe.skipIf(!cp)("extractApplyConfiguration on objects from the real server", () => {
  const ns = useTestNamespace(cp, "extract");

  it("returns what each manager applied, and re-applying it keeps the manager's fields", async () => {
    const config = await loadConfig({ kubeconfigPath: cp!.kubeconfigPath });
    const dyn = new DynamicClient(config);
    const deployments = dyn.resource({ group: "apps", version: "v1", resource: "deployments" }).namespace(ns());
    const configMaps = dyn.resource({ group: "", version: "v1", resource: "configmaps" }).namespace(ns());
    const owner = await configMaps.apply("owner", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "owner" } }, { fieldManager: "m1" });

    const m1: Unstructured = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: {
        name: "web",
        namespace: ns(),
        labels: { app: "web" },
        annotations: { note: "n" },
        finalizers: ["example.com/f"],
        ownerReferences: [{ apiVersion: "v1", kind: "ConfigMap", name: "owner", uid: owner.metadata!.uid! }],
      },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: "web" } },
        template: {
          metadata: { labels: { app: "web" } },
          spec: {
            containers: [
              {
                name: "c",
                image: "nginx",
                args: ["a", "b"],
                ports: [{ containerPort: 80, protocol: "TCP" }, { containerPort: 80, protocol: "UDP", name: "dns" }],
                env: [{ name: "A", value: "1" }],
              },
            ],
          },
        },
      },
    };
    const m2: Unstructured = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web", namespace: ns(), labels: { other: "o" } },
      spec: { template: { spec: { containers: [{ name: "c", image: "nginx", env: [{ name: "B", value: "2" }] }] } } },
    };
    const m1Status: Unstructured = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web", namespace: ns() },
      status: { conditions: [{ type: "Progressing", status: "True", reason: "R", message: "m" }] },
    };
    await deployments.apply("web", m1, { fieldManager: "m1" });
    await deployments.apply("web", m2, { fieldManager: "m2" });
    await deployments.applyStatus("web", m1Status, { fieldManager: "m1" });
    const obj = await deployments.get("web");

    const json = (v: unknown): unknown => JSON.parse(JSON.stringify(v));
    expect(json(extractApplyConfiguration(schema, "apps/v1.Deployment", obj, "m1"))).toEqual(m1);
    expect(json(extractApplyConfiguration(schema, "apps/v1.Deployment", obj, "m2"))).toEqual(m2);
    expect(json(extractApplyConfiguration(schema, "apps/v1.Deployment", obj, "m1", { subresource: "status" }))).toEqual(m1Status);
    expect(json(extractApplyConfiguration(schema, "apps/v1.Deployment", obj, "nobody"))).toEqual({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web", namespace: ns() },
    });

    // Read, change one field, re-apply: m1 keeps exactly the same fields, m2's are untouched.
    const owned = (o: Unstructured, manager: string, sub = "") =>
      o.metadata!.managedFields!.find((e) => e.manager === manager && e.operation === "Apply" && (e.subresource ?? "") === sub)!.fieldsV1;
    const extracted = extractApplyConfiguration<DeploymentAC>(schema, "apps/v1.Deployment", obj, "m1");
    (extracted as unknown as { spec: { replicas: number } }).spec.replicas = 3;
    const after = await deployments.apply("web", json(extracted) as Unstructured, { fieldManager: "m1" });
    expect((after.spec as { replicas: number }).replicas).toBe(3);
    expect(owned(after, "m1")).toEqual(owned(obj, "m1"));
    expect(owned(after, "m2")).toEqual(owned(obj, "m2"));
    expect(owned(after, "m1", "status")).toEqual(owned(obj, "m1", "status"));
    expect(after.metadata!.labels).toEqual({ app: "web", other: "o" });

    // No controller removes the test finalizer: drop it so the namespace can go.
    await deployments.patch("web", PatchType.Merge, { metadata: { finalizers: null } });
  });
});
