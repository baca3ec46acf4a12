// extractApplyConfiguration over hand-written schemas and FieldsV1 documents shaped exactly like
// kube-apiserver v1.36's (the Deployment below was applied by two managers and through the status
// subresource on the real test control plane; its managedFields are copied verbatim).
import { describe, expect, it } from "vitest";
import {
  LabelSelectorApplyConfiguration,
  ObjectApplyConfiguration,
  ObjectMetaApplyConfiguration,
  OwnerReferenceApplyConfiguration,
} from "../../../runtime/src/index.js";
import { defineApplySchema } from "../../../runtime/src/apply/define-schema.js";
import { extractApplyConfiguration } from "../../../runtime/src/apply/extract.js";
import { SCALAR, UNTYPED, struct, type ApplyNode } from "../../../runtime/src/apply/schema.js";

class DeploymentAC extends ObjectApplyConfiguration {
  declare spec?: object;
  declare status?: object;
}
class ContainerAC {
  declare name?: string;
}
class WidgetAC extends ObjectApplyConfiguration {}

const atomic = (items: ApplyNode): ApplyNode => ({ kind: "list", listType: "atomic", items });
const mapList = (keys: string[], items: ApplyNode): ApplyNode => ({ kind: "list", listType: "map", keys, items });
const strings: ApplyNode = { kind: "map", mapType: "granular", values: SCALAR };

const schema = defineApplySchema({
  "apps/v1.Deployment": {
    builder: DeploymentAC,
    fields: { apiVersion: SCALAR, kind: SCALAR, metadata: struct("ObjectMeta"), spec: struct("apps/v1.DeploymentSpec"), status: struct("apps/v1.DeploymentStatus") },
  },
  "apps/v1.DeploymentSpec": {
    fields: { replicas: SCALAR, selector: struct("LabelSelector"), template: struct("core/v1.PodTemplateSpec"), strategy: UNTYPED },
  },
  "apps/v1.DeploymentStatus": { fields: { conditions: mapList(["type"], struct("apps/v1.DeploymentCondition")) } },
  "apps/v1.DeploymentCondition": {
    fields: { type: SCALAR, status: SCALAR, lastUpdateTime: SCALAR, lastTransitionTime: SCALAR, reason: SCALAR, message: SCALAR },
  },
  "core/v1.PodTemplateSpec": { fields: { metadata: struct("ObjectMeta"), spec: struct("core/v1.PodSpec") } },
  "core/v1.PodSpec": {
    fields: {
      containers: mapList(["name"], struct("core/v1.Container")),
      tolerations: atomic(struct("core/v1.Toleration")),
      securityContext: struct("core/v1.PodSecurityContext"),
      restartPolicy: SCALAR,
    },
  },
  "core/v1.Toleration": { fields: { key: SCALAR, operator: SCALAR } },
  "core/v1.PodSecurityContext": { fields: { runAsUser: SCALAR } },
  "core/v1.Container": {
    builder: ContainerAC,
    fields: {
      name: SCALAR,
      image: SCALAR,
      args: atomic(SCALAR),
      ports: mapList(["containerPort", "protocol"], struct("core/v1.ContainerPort")),
      env: mapList(["name"], struct("core/v1.EnvVar")),
      securityContext: struct("core/v1.SecurityContext"),
      terminationMessagePath: SCALAR,
    },
  },
  "core/v1.ContainerPort": { fields: { containerPort: SCALAR, protocol: SCALAR, name: SCALAR } },
  "core/v1.EnvVar": { fields: { name: SCALAR, value: SCALAR } },
  "core/v1.SecurityContext": { fields: { privileged: SCALAR } },
});

const UID = "77cf3bc1-99d9-443d-b25e-4fe7c64f1f51";
const deploymentJson = JSON.stringify({
  kind: "Deployment",
  apiVersion: "apps/v1",
  metadata: {
    name: "web",
    namespace: "probe",
    uid: "a9920e2b-ce12-410e-8292-9f3c318e0b46",
    resourceVersion: "207",
    generation: 2,
    creationTimestamp: "2026-11-21T14:42:56Z",
    labels: { app: "web", other: "o" },
    annotations: { x: "y" },
    ownerReferences: [{ apiVersion: "v1", kind: "ConfigMap", name: "owner", uid: UID }],
    finalizers: ["example.com/f"],
    managedFields: [
      {
        manager: "m1", operation: "Apply", apiVersion: "apps/v1", time: "2026-11-21T14:42:56Z", fieldsType: "FieldsV1",
        fieldsV1: {
          "f:metadata": {
            "f:annotations": { "f:x": {} },
            "f:finalizers": { 'v:"example.com/f"': {} },
            "f:labels": { "f:app": {} },
            "f:ownerReferences": { [`k:{"uid":"${UID}"}`]: {} },
          },
          "f:spec": {
            "f:replicas": {},
            "f:selector": {},
            "f:template": {
              "f:metadata": { "f:labels": { "f:app": {} } },
              "f:spec": {
                "f:containers": {
                  'k:{"name":"c"}': {
                    ".": {},
                    "f:args": {},
                    "f:env": { 'k:{"name":"A"}': { ".": {}, "f:name": {}, "f:value": {} } },
                    "f:image": {},
                    "f:name": {},
                    "f:ports": {
                      'k:{"containerPort":80,"protocol":"TCP"}': { ".": {}, "f:containerPort": {}, "f:protocol": {} },
                      'k:{"containerPort":80,"protocol":"UDP"}': { ".": {}, "f:containerPort": {}, "f:protocol": {} },
                    },
                    "f:securityContext": {},
                  },
                },
                "f:tolerations": {},
              },
            },
          },
        },
      },
      {
        manager: "m1", operation: "Apply", apiVersion: "apps/v1", time: "2026-11-21T14:42:56Z", fieldsType: "FieldsV1",
        fieldsV1: {
          "f:status": {
            "f:conditions": {
              'k:{"type":"Progressing"}': { ".": {}, "f:message": {}, "f:reason": {}, "f:status": {}, "f:type": {} },
            },
          },
        },
        subresource: "status",
      },
      {
        manager: "m2", operation: "Apply", apiVersion: "apps/v1", time: "2026-11-21T14:42:56Z", fieldsType: "FieldsV1",
        fieldsV1: {
          "f:metadata": { "f:labels": { "f:other": {} } },
          "f:spec": {
            "f:template": {
              "f:spec": {
                "f:containers": {
                  'k:{"name":"c"}': {
                    ".": {},
                    "f:env": { 'k:{"name":"B"}': { ".": {}, "f:name": {}, "f:value": {} } },
                    "f:image": {},
                    "f:name": {},
                  },
                },
              },
            },
          },
        },
      },
      {
        manager: "kubectl", operation: "Update", apiVersion: "apps/v1", time: "2026-11-21T14:42:56Z", fieldsType: "FieldsV1",
        fieldsV1: { "f:spec": { "f:replicas": {} } },
      },
    ],
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
            ports: [
              { containerPort: 80, protocol: "TCP" },
              { containerPort: 80, protocol: "UDP" },
            ],
            env: [
              { name: "A", value: "1" },
              { name: "B", value: "2" },
            ],
            resources: {},
            terminationMessagePath: "/dev/termination-log",
            securityContext: {},
          },
        ],
        restartPolicy: "Always",
        securityContext: {},
        tolerations: [{ key: "k", operator: "Exists" }],
      },
    },
    strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "25%", maxSurge: "25%" } },
  },
  status: {
    conditions: [{ type: "Progressing", status: "True", lastUpdateTime: null, lastTransitionTime: null, reason: "R", message: "m" }],
  },
});
const deployment = (): Record<string, unknown> => JSON.parse(deploymentJson) as Record<string, unknown>;
const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v));

describe("extractApplyConfiguration on the server's managedFields", () => {
  it("keeps exactly what m1 applied to the main resource", () => {
    const got = extractApplyConfiguration<DeploymentAC>(schema, "apps/v1.Deployment", deployment(), "m1");
    expect(JSON.stringify(got)).toBe(
      JSON.stringify({
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: {
          name: "web",
          namespace: "probe",
          labels: { app: "web" },
          annotations: { x: "y" },
          ownerReferences: [{ apiVersion: "v1", kind: "ConfigMap", name: "owner", uid: UID }],
          finalizers: ["example.com/f"],
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
                  ports: [
                    { containerPort: 80, protocol: "TCP" },
                    { containerPort: 80, protocol: "UDP" },
                  ],
                  env: [{ name: "A", value: "1" }],
                  securityContext: {},
                },
              ],
              tolerations: [{ key: "k", operator: "Exists" }],
            },
          },
        },
      }),
    );
  });

  it("builds the schema's builder classes, down to atomic structs and map-list items", () => {
    const got = extractApplyConfiguration<DeploymentAC>(schema, "apps/v1.Deployment", deployment(), "m1");
    expect(got).toBeInstanceOf(DeploymentAC);
    expect(got.metadata).toBeInstanceOf(ObjectMetaApplyConfiguration);
    expect(got.metadata!.ownerReferences![0]).toBeInstanceOf(OwnerReferenceApplyConfiguration);
    const spec = got.spec as { selector: unknown; template: { metadata: unknown; spec: { containers: unknown[] } } };
    expect(spec.selector).toBeInstanceOf(LabelSelectorApplyConfiguration);
    expect(spec.template.metadata).toBeInstanceOf(ObjectMetaApplyConfiguration);
    expect(spec.template.spec.containers[0]).toBeInstanceOf(ContainerAC);
    expect(Object.getPrototypeOf(spec.template)).toBe(Object.prototype); // no builder: a plain object
    // The result is usable as a builder and independent of the object it came from.
    got.withLabels({ added: "1" });
    expect(got.metadata!.labels).toEqual({ app: "web", added: "1" });
    const obj = deployment();
    const again = extractApplyConfiguration<DeploymentAC>(schema, "apps/v1.Deployment", obj, "m1");
    (again.metadata!.ownerReferences![0] as OwnerReferenceApplyConfiguration).withName("changed");
    expect((obj.metadata as { ownerReferences: { name: string }[] }).ownerReferences[0]!.name).toBe("owner");
  });

  it("takes the entry of the requested subresource only", () => {
    const status = extractApplyConfiguration(schema, "apps/v1.Deployment", deployment(), "m1", { subresource: "status" });
    expect(plain(status)).toEqual({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web", namespace: "probe" },
      // lastTransitionTime is null on the object and not in the entry: not owned, not kept.
      status: { conditions: [{ type: "Progressing", status: "True", reason: "R", message: "m" }] },
    });
    const main = extractApplyConfiguration(schema, "apps/v1.Deployment", deployment(), "m1", { subresource: "" });
    expect(plain(main)).not.toHaveProperty("status");
    expect(plain(main)).toEqual(plain(extractApplyConfiguration(schema, "apps/v1.Deployment", deployment(), "m1")));
  });

  it("leaves out what another manager applied, and keeps shared fields for both", () => {
    expect(plain(extractApplyConfiguration(schema, "apps/v1.Deployment", deployment(), "m2"))).toEqual({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web", namespace: "probe", labels: { other: "o" } },
      spec: { template: { spec: { containers: [{ name: "c", image: "nginx", env: [{ name: "B", value: "2" }] }] } } },
    });
  });

  it("sets only the identity fields when the manager has no Apply entry (Update entries do not count)", () => {
    for (const manager of ["nobody", "kubectl"]) {
      const got = extractApplyConfiguration<DeploymentAC>(schema, "apps/v1.Deployment", deployment(), manager);
      expect(plain(got)).toEqual({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", namespace: "probe" } });
    }
    expect(plain(extractApplyConfiguration(schema, "apps/v1.Deployment", deployment(), "m1", { subresource: "scale" }))).toEqual({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web", namespace: "probe" },
    });
    // No apiVersion/kind on the object (an item of a list response): none on the result either.
    const item = deployment();
    delete item.apiVersion;
    delete item.kind;
    expect(plain(extractApplyConfiguration(schema, "apps/v1.Deployment", item, "nobody"))).toEqual({
      metadata: { name: "web", namespace: "probe" },
    });
  });

  it("leaves out a key field the manager does not own (a port applied without its defaulted protocol)", () => {
    const obj = deployment() as { metadata: { managedFields: { fieldsV1: Record<string, any> }[] }; spec: any };
    const container = obj.metadata.managedFields[0]!.fieldsV1["f:spec"]["f:template"]["f:spec"]["f:containers"]['k:{"name":"c"}'];
    // As the server records `ports: [{containerPort: 80, name: "http"}]`: keyed by the defaulted
    // protocol, which the manager does not own.
    container["f:ports"] = { 'k:{"containerPort":80,"protocol":"TCP"}': { ".": {}, "f:containerPort": {}, "f:name": {} } };
    obj.spec.template.spec.containers[0].ports = [{ containerPort: 80, protocol: "TCP", name: "http" }];
    const got = plain(extractApplyConfiguration(schema, "apps/v1.Deployment", obj, "m1")) as any;
    expect(got.spec.template.spec.containers[0].ports).toEqual([{ containerPort: 80, name: "http" }]);
  });

  it("names an unknown type", () => {
    expect(() => extractApplyConfiguration(schema, "apps/v1.Nope", deployment(), "m1")).toThrow(/no type "apps\/v1.Nope"/);
  });
});

/** An object of the widget schema below, with one Apply entry for manager "m". */
function widget(spec: unknown, fields: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: "example.com/v1",
    kind: "Widget",
    metadata: {
      name: "w",
      managedFields: [{ manager: "m", operation: "Apply", apiVersion: "example.com/v1", fieldsType: "FieldsV1", fieldsV1: { "f:spec": fields } }],
    },
    spec,
    ...extra,
  };
}

const widgets = defineApplySchema({
  "example.com/v1.Widget": { builder: WidgetAC, fields: { metadata: struct("ObjectMeta"), spec: struct("example.com/v1.WidgetSpec") } },
  "example.com/v1.WidgetSpec": {
    fields: {
      routes: mapList(["host", "port"], struct("example.com/v1.Route")),
      tags: { kind: "list", listType: "set", items: SCALAR },
      ports: { kind: "list", listType: "set", items: SCALAR },
      selector: { kind: "map", mapType: "atomic", values: SCALAR },
      weights: { kind: "map", mapType: "granular", values: struct("example.com/v1.Weight") },
      limits: struct("example.com/v1.Limits"),
      config: UNTYPED,
      steps: { kind: "list", listType: "atomic", items: SCALAR },
      slots: mapList(["id"], struct("example.com/v1.Slot")),
      unkeyed: { kind: "list", listType: "map", items: struct("example.com/v1.Slot") },
      res: struct("example.com/v1.Res"),
    },
  },
  "example.com/v1.Route": { fields: { host: SCALAR, port: SCALAR, path: SCALAR, backend: SCALAR } },
  "example.com/v1.Weight": { fields: { value: SCALAR, note: SCALAR } },
  "example.com/v1.Limits": { atomic: true, fields: { cpu: SCALAR, memory: SCALAR } },
  "example.com/v1.Slot": { fields: { id: SCALAR, size: SCALAR } },
  "example.com/v1.Res": { fields: { limits: strings, name: SCALAR } },
});
const extractSpec = (obj: Record<string, unknown>): unknown =>
  (plain(extractApplyConfiguration<WidgetAC>(widgets, "example.com/v1.Widget", obj, "m")) as { spec?: unknown }).spec;

// The expectations below are client-go's: each case was run through client-go v0.36.3's
// managedfields.ExtractInto (test/clientgo-checker) with an OpenAPI schema equivalent to `widgets`.
// Where client-go's unstructured result has `null` for a field, its typed apply configurations
// (and kubegen) leave the field out.
describe("extractApplyConfiguration list, map and struct semantics", () => {
  it("map lists with composite keys: items by key whatever the key order, key fields only where owned", () => {
    const spec = {
      routes: [
        { host: "a", port: 80, path: "/", backend: "x" },
        { host: "a", port: 443, path: "/s", backend: "y" },
        { host: "b", port: 80, path: "/b", backend: "z" },
      ],
    };
    const fields = {
      "f:routes": {
        // key JSON with its fields in another order than the object's; owns only `backend`
        'k:{"port":443,"host":"a"}': { "f:backend": {} },
        'k:{"host":"b","port":80}': { ".": {}, "f:host": {}, "f:port": {}, "f:path": {} },
        'k:{"host":"gone","port":1}': { ".": {}, "f:path": {} },
      },
    };
    expect(JSON.stringify(extractSpec(widget(spec, fields)))).toBe(
      // The first item owns only `backend`: its key fields host and port are not owned, not kept
      // (an earlier version put them back, which made re-applying take ownership of them).
      JSON.stringify({ routes: [{ backend: "y" }, { host: "b", port: 80, path: "/b" }] }),
    );
  });

  it("sets keep the owned values only; a set owned as a leaf with no values is left out", () => {
    const spec = { tags: ["x", "y", "z"], ports: [80, 443] };
    expect(extractSpec(widget(spec, { "f:tags": { 'v:"z"': {}, 'v:"x"': {}, 'v:"nope"': {} }, "f:ports": { "v:443": {} } }))).toEqual({
      tags: ["x", "z"],
      ports: [443],
    });
    expect(extractSpec(widget(spec, { "f:tags": {} }))).toEqual({});
  });

  it("atomic maps, atomic lists and atomic structs are copied whole", () => {
    const spec = { selector: { a: "1", b: "2" }, steps: ["s1", "s2"], limits: { cpu: "1", memory: "1Gi" } };
    expect(extractSpec(widget(spec, { "f:selector": {}, "f:steps": {}, "f:limits": {} }))).toEqual(spec);
  });

  it("granular maps of structs descend per key; an owned-but-empty granular map is left out", () => {
    const spec = { weights: { a: { value: 1, note: "n" }, b: { value: 2 } } };
    expect(extractSpec(widget(spec, { "f:weights": { "f:a": { ".": {}, "f:value": {} }, "f:c": {} } }))).toEqual({
      weights: { a: { value: 1 } },
    });
    expect(extractSpec(widget(spec, { "f:weights": {} }))).toEqual({});
  });

  it("untyped values merge objects key by key and keep everything else whole", () => {
    const spec = { config: { a: { b: 1, c: 2 }, d: [1, { e: 2 }], f: "g", h: { i: 1 } } };
    expect(extractSpec(widget(spec, { "f:config": { "f:a": { "f:b": {} }, "f:d": {}, "f:h": {} } }))).toEqual({
      // `h` is owned as a leaf but holds a map: walked with its parent's leaves, nothing matches,
      // and an untyped map keeps the null client-go puts there.
      config: { a: { b: 1 }, d: [1, { e: 2 }], h: null },
    });
  });

  it("a granular struct owned as a leaf: kept when empty, left out when others filled it, upstream's name quirk", () => {
    const empty = widget({ res: {} }, { "f:res": {} });
    expect(extractSpec(empty)).toEqual({ res: {} });
    // spec itself owned as a leaf while it holds fields: nothing of it is kept.
    expect(plain(extractApplyConfiguration(widgets, "example.com/v1.Widget", widget({ routes: [] }, {}), "m"))).toEqual({
      apiVersion: "example.com/v1",
      kind: "Widget",
      metadata: { name: "w" },
    });
    expect(extractSpec(widget({ res: { limits: { cpu: "1" } } }, { "f:res": {} }))).toEqual({});
    // client-go walks the leaf's value with the parent's leaves: a field named like an owned
    // sibling is kept.
    expect(extractSpec(widget({ res: { limits: { cpu: "1" }, name: "n" } }, { "f:res": {}, "f:name": {} }))).toEqual({ res: { name: "n" } });
  });

  it("map-list items: owned fields only, whole when owned as a leaf, null when nothing of them is left", () => {
    const spec = { slots: [{ id: "a", size: 1 }, { id: "b", size: 2 }], steps: ["s"] };
    expect(extractSpec(widget(spec, { "f:slots": { 'k:{"id":"b"}': { "f:size": {} } } }))).toEqual({ slots: [{ size: 2 }] });
    expect(extractSpec(widget(spec, { "f:slots": { 'k:{"id":"b"}': {} } }))).toEqual({ slots: [{ id: "b", size: 2 }] });
    expect(extractSpec(widget(spec, { "f:slots": { 'k:{"id":"b"}': { "f:gone": {} } } }))).toEqual({ slots: [null] });
  });

  it("items by index (i:) and map lists without keys in the schema select nothing", () => {
    const spec = { slots: [{ id: "a", size: 1 }, { id: "b", size: 2 }], unkeyed: [{ id: "a", size: 1 }] };
    expect(extractSpec(widget(spec, { "f:slots": { "i:0": { "f:id": {}, "f:size": {} } } }))).toEqual({});
    expect(extractSpec(widget(spec, { "f:unkeyed": { 'k:{"id":"a"}': { "f:size": {} } } }))).toEqual({});
  });

  it("skips FieldsV1 paths the object does not have, and fields the schema does not know are untyped", () => {
    const obj = widget({ extra: { x: 1, y: 2 } }, { "f:gone": { "f:deeper": {} }, "f:extra": { "f:x": {} }, "k:{\"odd\":1}": {} });
    expect(extractSpec(obj)).toEqual({ extra: { x: 1 } });
  });

  it("a malformed k: key is an error naming the manager and the path", () => {
    const bad = widget({ routes: [{ host: "a", port: 1 }] }, { "f:routes": { 'k:{"host":"a",': {} } });
    expect(() => extractSpec(bad)).toThrow('manager "m": malformed FieldsV1 key "k:{\\"host\\":\\"a\\"," at .spec.routes');
    const notObject = widget({ routes: [{ host: "a", port: 1 }] }, { "f:routes": { "k:[1]": {} } });
    expect(() => extractSpec(notObject)).toThrow(/malformed FieldsV1 key "k:\[1\]" at \.spec\.routes/);
    const badValue = widget({ tags: ["a"] }, { "f:tags": { "v:nope": {} } });
    expect(() => extractSpec(badValue)).toThrow(/manager "m": malformed FieldsV1 key "v:nope" at \.spec\.tags/);
  });

  it("objects without metadata or identity still extract", () => {
    const obj = { spec: { tags: ["a"] }, metadata: { managedFields: [{ manager: "m", operation: "Apply", fieldsV1: { "f:spec": { "f:tags": { 'v:"a"': {} } } } }] } };
    const got = extractApplyConfiguration<WidgetAC>(widgets, "example.com/v1.Widget", obj, "m");
    expect(plain(got)).toEqual({ spec: { tags: ["a"] } });
    expect(got.getName()).toBeUndefined();
  });
});
