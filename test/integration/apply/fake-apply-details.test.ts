// Differential check of the fake clientset's server-side apply against the real kube-apiserver:
// the same steps (applies by several managers, conflicts, force, a PUT by an Update manager,
// shared ownership, dropping fields, status apply, ConfigMaps created without apply, errors) go to
// both, and the answers are compared: error Status (code, reason, message, causes), managedFields
// (manager, operation, apiVersion, subresource, whether time is set, fieldsV1), list order,
// values, and whether the resourceVersion moved.
import https from "node:https";
import { describe, expect, it } from "vitest";
import { META_APPLY_TYPES } from "../../../runtime/src/apply/meta-schema.js";
import { SCALAR, struct, type ApplyNode, type ApplySchema } from "../../../runtime/src/apply/schema.js";
import { FakeClient, FakeClock, type FakeResource } from "@kubegen/runtime/testing";
import { controlPlane, useTestNamespace, type AvailableControlPlane } from "../../helpers/cluster.js";

const cp = controlPlane();

const mapList = (keys: string[], items: ApplyNode): ApplyNode => ({ kind: "list", listType: "map", keys, items });
const atomicList = (items: ApplyNode): ApplyNode => ({ kind: "list", listType: "atomic", items });
const stringMap: ApplyNode = { kind: "map", mapType: "granular", values: SCALAR };

/** The parts of apps/v1 Deployment and core/v1 ConfigMap the steps use, as the server's OpenAPI describes them. */
const schema: ApplySchema = {
  types: {
    ...META_APPLY_TYPES,
    "apps/v1.Deployment": {
      fields: { apiVersion: SCALAR, kind: SCALAR, metadata: struct("ObjectMeta"), spec: struct("apps/v1.DeploymentSpec"), status: struct("apps/v1.DeploymentStatus") },
    },
    "apps/v1.DeploymentSpec": { fields: { replicas: SCALAR, selector: struct("LabelSelector"), template: struct("core/v1.PodTemplateSpec") } },
    "core/v1.PodTemplateSpec": { fields: { metadata: struct("ObjectMeta"), spec: struct("core/v1.PodSpec") } },
    "core/v1.PodSpec": { fields: { containers: mapList(["name"], struct("core/v1.Container")) } },
    "core/v1.Container": {
      fields: { name: SCALAR, image: SCALAR, args: atomicList(SCALAR), ports: mapList(["containerPort", "protocol"], struct("core/v1.ContainerPort")) },
    },
    "core/v1.ContainerPort": { fields: { containerPort: SCALAR, protocol: SCALAR, name: SCALAR } },
    "apps/v1.DeploymentStatus": { fields: { replicas: SCALAR, conditions: mapList(["type"], struct("apps/v1.DeploymentCondition")) } },
    "apps/v1.DeploymentCondition": { fields: { type: SCALAR, status: SCALAR, reason: SCALAR, message: SCALAR, lastUpdateTime: SCALAR, lastTransitionTime: SCALAR } },
    "core/v1.ConfigMap": { fields: { apiVersion: SCALAR, kind: SCALAR, metadata: struct("ObjectMeta"), data: stringMap, binaryData: stringMap, immutable: SCALAR } },
  },
};

const RESOURCES: FakeResource[] = [
  { group: "apps", version: "v1", resource: "deployments", kind: "Deployment", listKind: "DeploymentList", namespaced: true, subresources: ["status", "scale"], apply: { schema, type: "apps/v1.Deployment" } },
  { group: "", version: "v1", resource: "configmaps", kind: "ConfigMap", listKind: "ConfigMapList", namespaced: true, subresources: [], apply: { schema, type: "core/v1.ConfigMap" } },
];

interface Step {
  readonly name: string;
  readonly verb: "apply" | "create" | "update" | "merge";
  readonly resource: "deployments" | "configmaps";
  readonly object: string;
  readonly body: unknown | ((current: any) => unknown);
  readonly manager?: string;
  readonly force?: boolean;
  readonly subresource?: string;
}

const dep = (containers: unknown[], replicas?: number): unknown => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "d1" },
  spec: { ...(replicas !== undefined ? { replicas } : {}), selector: { matchLabels: { app: "x" } }, template: { metadata: { labels: { app: "x" } }, spec: { containers } } },
});
const c = (name: string, image = "i", extra: object = {}): unknown => ({ name, image, ...extra });
const cm = (name: string, extra: object): unknown => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name }, ...extra });

const STEPS: Step[] = [
  { name: "create by apply", verb: "apply", resource: "deployments", object: "d1", manager: "A",
    body: dep([c("a", "i", { ports: [{ containerPort: 80, protocol: "TCP" }, { containerPort: 80, protocol: "UDP" }] }), c("b"), c("c")], 1) },
  { name: "one conflict", verb: "apply", resource: "deployments", object: "d1", manager: "B", body: dep([], 2) },
  { name: "two conflicts", verb: "apply", resource: "deployments", object: "d1", manager: "B", body: dep([c("a", "j")], 2) },
  { name: "list order after merge", verb: "apply", resource: "deployments", object: "d1", manager: "C", body: dep([c("c"), c("d"), c("a")]) },
  { name: "new items in front", verb: "apply", resource: "deployments", object: "d1", manager: "D", body: dep([c("e"), c("b")]) },
  { name: "no-op apply", verb: "apply", resource: "deployments", object: "d1", manager: "D", body: dep([c("e"), c("b")]) },
  { name: "shared ownership", verb: "apply", resource: "deployments", object: "d1", manager: "E", body: dep([c("e")]) },
  { name: "PUT by an Update manager", verb: "update", resource: "deployments", object: "d1", manager: "upd",
    body: (cur: any) => ({ ...cur, metadata: { ...cur.metadata, labels: { l: "1" } }, spec: { ...cur.spec, replicas: 5 } }) },
  { name: "conflicts with an Update manager", verb: "apply", resource: "deployments", object: "d1", manager: "A", body: dep([c("a", "k")], 3) },
  { name: "conflicts with three managers", verb: "apply", resource: "deployments", object: "d1", manager: "B", body: dep([c("a", "k"), c("c", "z")], 3) },
  { name: "force", verb: "apply", resource: "deployments", object: "d1", manager: "B", force: true, body: dep([c("a", "k")], 3) },
  { name: "drop an item others share", verb: "apply", resource: "deployments", object: "d1", manager: "D", body: dep([c("b")]) },
  { name: "drop an item nobody else owns", verb: "apply", resource: "deployments", object: "d1", manager: "C", body: dep([c("a"), c("c")]) },
  { name: "status apply", verb: "apply", resource: "deployments", object: "d1", manager: "S", subresource: "status",
    body: { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d1", labels: { s: "1" } }, spec: { replicas: 9 }, status: { replicas: 4, conditions: [{ type: "X", status: "True", reason: "r", message: "m" }] } } },
  { name: "main apply ignores status", verb: "apply", resource: "deployments", object: "d1", manager: "T",
    body: { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d1" }, status: { replicas: 7 } } },
  { name: "manager applies nothing", verb: "apply", resource: "deployments", object: "d1", manager: "E", body: { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d1" } } },
  { name: "no name on create", verb: "apply", resource: "deployments", object: "d2", manager: "A", body: { apiVersion: "apps/v1", kind: "Deployment", metadata: {}, spec: {} } },
  { name: "no fieldManager", verb: "apply", resource: "deployments", object: "d1", body: dep([]) },
  { name: "wrong kind", verb: "apply", resource: "deployments", object: "d1", manager: "A", body: { apiVersion: "apps/v1", kind: "ReplicaSet", metadata: { name: "d1" } } },
  { name: "no kind", verb: "apply", resource: "deployments", object: "d1", manager: "A", body: { metadata: { name: "d1" } } },
  { name: "another name", verb: "apply", resource: "deployments", object: "d1", manager: "A", body: { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "zz" } } },
  { name: "managedFields sent", verb: "apply", resource: "deployments", object: "d1", manager: "A", body: { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d1", managedFields: [] } } },
  { name: "undeclared field", verb: "apply", resource: "deployments", object: "d1", manager: "A", body: { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d1" }, spec: { foo: 1 } } },
  { name: "duplicate list keys", verb: "apply", resource: "deployments", object: "d1", manager: "A", body: dep([c("a"), c("a")]) },
  { name: "configmap create", verb: "create", resource: "configmaps", object: "c1", manager: "creator", body: cm("c1", { metadata: { name: "c1", labels: { a: "b" } }, data: { x: "1", y: "2" } }) },
  { name: "configmap shared apply", verb: "apply", resource: "configmaps", object: "c1", manager: "A", body: cm("c1", { data: { x: "1" } }) },
  { name: "configmap conflict with creator", verb: "apply", resource: "configmaps", object: "c1", manager: "A", body: cm("c1", { data: { y: "3" } }) },
  { name: "configmap merge patch", verb: "merge", resource: "configmaps", object: "c1", manager: "patcher", body: { data: { z: "9", x: null } } },
  { name: "configmap apply drops x (patcher removed it)", verb: "apply", resource: "configmaps", object: "c1", manager: "A", body: cm("c1", { data: { w: "0" } }) },
  { name: "configmap empty maps", verb: "apply", resource: "configmaps", object: "c2", manager: "A", body: cm("c2", { metadata: { name: "c2", annotations: { k: "v" } }, data: { a: "1", b: "2" } }) },
  { name: "configmap drop one key", verb: "apply", resource: "configmaps", object: "c2", manager: "A", body: cm("c2", { metadata: { name: "c2" }, data: { b: "2" } }) },
  { name: "configmap force over creator", verb: "apply", resource: "configmaps", object: "c1", manager: "A", force: true, body: cm("c1", { data: { y: "3" } }) },
];

interface Outcome {
  readonly ok: boolean;
  readonly body: any;
}

/** What must match between the server and the fake for one step. */
function normalise(step: Step, out: Outcome, prevRv: string | undefined): unknown {
  if (!out.ok) {
    const { kind, apiVersion, status, message, reason, details, code } = out.body;
    // The server lists causes in Go map order (random across managers); the message is sorted.
    const causes = details?.causes ? [...details.causes].sort((a: any, b: any) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1)) : undefined;
    return { kind, apiVersion, status, message, reason, details: details ? { ...details, ...(causes ? { causes } : {}) } : details, code };
  }
  const o = out.body;
  const managed = (o.metadata.managedFields ?? []).map((e: any) => ({
    manager: e.manager, operation: e.operation, apiVersion: e.apiVersion, subresource: e.subresource, timed: e.time !== undefined, fieldsType: e.fieldsType, fieldsV1: e.fieldsV1,
  }));
  managed.sort((a: any, b: any) => (a.operation + a.manager < b.operation + b.manager ? -1 : 1));
  return {
    managed,
    rvMoved: o.metadata.resourceVersion !== prevRv,
    labels: o.metadata.labels,
    annotations: o.metadata.annotations,
    data: o.data,
    replicas: o.spec?.replicas,
    containers: o.spec?.template?.spec?.containers?.map((x: any) => ({ name: x.name, image: x.image, ports: x.ports?.map((p: any) => `${p.containerPort}/${p.protocol}`) })),
    statusReplicas: o.status?.replicas,
    conditions: o.status?.conditions?.map((x: any) => `${x.type}=${x.status}`),
  };
}

function send(cp: AvailableControlPlane, method: string, path: string, body: unknown, contentType: string): Promise<Outcome> {
  const url = new URL(path, cp.server);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      { method, headers: { accept: "application/json", ...(payload ? { "content-type": contentType } : {}) }, ca: cp.caPem, cert: cp.clientCert, key: cp.clientKey },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => resolve({ ok: (res.statusCode ?? 0) < 300, body: JSON.parse(text) }));
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

async function runReal(cp: AvailableControlPlane, ns: string): Promise<unknown[]> {
  const out: unknown[] = [];
  const rv = new Map<string, string>();
  for (const s of STEPS) {
    const base = s.resource === "deployments" ? `/apis/apps/v1/namespaces/${ns}/deployments` : `/api/v1/namespaces/${ns}/configmaps`;
    const path = `${base}/${s.object}${s.subresource ? `/${s.subresource}` : ""}`;
    const q = new URLSearchParams();
    if (s.manager) q.set("fieldManager", s.manager);
    if (s.force) q.set("force", "true");
    let res: Outcome;
    if (s.verb === "apply") res = await send(cp, "PATCH", `${path}?${q}`, s.body, "application/apply-patch+yaml");
    else if (s.verb === "create") res = await send(cp, "POST", `${base}?${q}`, s.body, "application/json");
    else if (s.verb === "merge") res = await send(cp, "PATCH", `${path}?${q}`, s.body, "application/merge-patch+json");
    else {
      const cur = (await send(cp, "GET", path, undefined, "")).body;
      res = await send(cp, "PUT", `${path}?${q}`, (s.body as (c: unknown) => unknown)(cur), "application/json");
    }
    out.push(normalise(s, res, rv.get(s.object)));
    if (res.ok) rv.set(s.object, res.body.metadata.resourceVersion);
  }
  return out;
}

async function runFake(ns: string): Promise<unknown[]> {
  const fake = new FakeClient({ resources: RESOURCES, clock: new FakeClock(Date.parse("2026-01-02T03:04:05Z")) });
  const out: unknown[] = [];
  const rv = new Map<string, string>();
  for (const s of STEPS) {
    const r = RESOURCES.find((x) => x.resource === s.resource)!;
    const common = { group: r.group, version: r.version, resource: r.resource, namespace: ns };
    const options = { ...(s.manager ? { fieldManager: s.manager } : {}), ...(s.force ? { force: true } : {}) };
    let res: Outcome;
    try {
      let body: unknown;
      if (s.verb === "apply") body = await fake.request({ ...common, verb: "apply", name: s.object, body: s.body, options, ...(s.subresource ? { subresource: s.subresource } : {}) });
      else if (s.verb === "create") body = await fake.request({ ...common, verb: "create", body: s.body, options });
      else if (s.verb === "merge") body = await fake.request({ ...common, verb: "patch", name: s.object, patchType: "application/merge-patch+json", body: s.body, options });
      else {
        const cur = await fake.request({ ...common, verb: "get", name: s.object });
        body = await fake.request({ ...common, verb: "update", name: s.object, body: (s.body as (c: unknown) => unknown)(cur), options });
      }
      res = { ok: true, body };
    } catch (err) {
      res = { ok: false, body: (err as { status?: unknown }).status ?? String(err) };
    }
    out.push(normalise(s, res, rv.get(s.object)));
    if (res.ok) rv.set(s.object, (res.body as any).metadata.resourceVersion);
  }
  return out;
}

describe.skipIf(!cp)("server-side apply: the fake clientset against kube-apiserver", () => {
  const ns = useTestNamespace(cp, "ssa-diff");
  it("answers every step like the server", async () => {
    const real = await runReal(cp!, ns());
    const fake = await runFake(ns());
    STEPS.forEach((s, i) => {
      expect({ step: s.name, ...(fake[i] as object) }, s.name).toEqual({ step: s.name, ...(real[i] as object) });
    });
  });
});
