// Differential test of extraction against client-go itself: objects on the real kube-apiserver are
// written by several managers (apply and update, main resource, status and scale subresources),
// and for every (object, manager, subresource) pair kubegen's generated extract<Kind> must return
// exactly the JSON that client-go v0.36's generated Extract<Kind>From returns (built-ins), or that
// managedfields.ExtractInto with the group-version's OpenAPI v3 schema returns (a CRD). client-go
// runs in test/clientgo-checker, a Go program `make envtest` builds (found by test/helpers/go-checker.ts).
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamicClient, loadConfig, PatchType, type RestConfig, type Unstructured } from "@kubegen/runtime";
import type * as AppsV1 from "../../../.tmp/generated/k8s-1.36/apps/v1/index.js";
import type * as CoreV1 from "../../../.tmp/generated/k8s-1.36/core/v1/index.js";
import { generateApplyModules } from "../../helpers/apply-clients.js";
import { controlPlane, rawRequest, useTestNamespace } from "../../helpers/cluster.js";
import { installCrd } from "../../helpers/crd.js";
import { generatedDir, generateFresh, importGenerated, removeGenerated } from "../../helpers/generated.js";
import { findGoChecker } from "../../helpers/go-checker.js";

interface CheckerCase {
  id: string;
  object: unknown;
  manager: string;
  subresource: string;
  openapiName?: string;
}
type CheckerAnswer = { id?: string; result?: unknown; error?: string; registered?: string };

/** Runs the checker once over all lines (JSON lines in, one answer per line out, in order). */
function runChecker(bin: string, lines: unknown[]): Promise<CheckerAnswer[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, [], { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (out += c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => (err += c));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`clientgo-checker exited with ${code}: ${err}`));
      const answers = out.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as CheckerAnswer);
      if (answers.length !== lines.length) return reject(new Error(`clientgo-checker answered ${answers.length} of ${lines.length} lines: ${err}`));
      resolve(answers);
    });
    child.stdin.end(lines.map((l) => JSON.stringify(l)).join("\n") + "\n");
  });
}

const GROUP = "extractcheck.kubegen.dev";
// A CRD with what extraction must get right: a list-map whose key `protocol` has a default,
// a set, an atomic list, granular and atomic maps, a granular struct, an atomic struct, and
// status and scale subresources.
const CRD_YAML = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gadgets.${GROUP}
spec:
  group: ${GROUP}
  scope: Namespaced
  names: { kind: Gadget, listKind: GadgetList, plural: gadgets, singular: gadget }
  versions:
    - name: v1
      served: true
      storage: true
      subresources:
        status: {}
        scale: { specReplicasPath: .spec.replicas, statusReplicasPath: .status.replicas }
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                replicas: { type: integer }
                endpoints:
                  type: array
                  x-kubernetes-list-type: map
                  x-kubernetes-list-map-keys: [port, protocol]
                  items:
                    type: object
                    required: [port]
                    properties:
                      port: { type: integer }
                      protocol: { type: string, default: TCP }
                      name: { type: string }
                      weight: { type: integer }
                tags: { type: array, x-kubernetes-list-type: set, items: { type: string } }
                args: { type: array, x-kubernetes-list-type: atomic, items: { type: string } }
                labels: { type: object, additionalProperties: { type: string } }
                selector: { type: object, x-kubernetes-map-type: atomic, additionalProperties: { type: string } }
                settings:
                  type: object
                  properties: { mode: { type: string }, level: { type: integer }, extra: { type: object, properties: { a: { type: string } } } }
                limits:
                  type: object
                  x-kubernetes-map-type: atomic
                  properties: { cpu: { type: string }, memory: { type: string } }
            status:
              type: object
              properties:
                replicas: { type: integer }
                conditions:
                  type: array
                  x-kubernetes-list-type: map
                  x-kubernetes-list-map-keys: [type]
                  items:
                    type: object
                    required: [type]
                    properties: { type: { type: string }, status: { type: string }, reason: { type: string } }
`;

const cp = controlPlane();
const checker = findGoChecker("clientgo-checker");
if (cp && !checker.found && process.env.CI !== "true") console.warn(`skipping the client-go extraction comparison: ${checker.reason}`);
const namespace = useTestNamespace(cp, "cgx");
const outs: string[] = [];
afterAll(() => outs.forEach(removeGenerated));

type Extractor = (obj: Unstructured, manager: string, options: { subresource?: string }) => unknown;

describe.skipIf(!cp || (!checker.found && process.env.CI !== "true"))("extraction: kubegen vs client-go v0.36 on the real server", () => {
  let config: RestConfig;
  let dyn: DynamicClient;
  let apps: typeof AppsV1;
  let core: typeof CoreV1;
  let extractGadget: Extractor;

  beforeAll(async () => {
    // Under CI=true a missing checker is a failure, never a skip.
    if (!checker.found) throw new Error(`the differential extraction test needs the client-go checker (CI=true): ${checker.reason}`);
    config = { ...(await loadConfig({ kubeconfigPath: cp!.kubeconfigPath })), qps: 200, burst: 400 };
    dyn = new DynamicClient(config);
    const m = await generateApplyModules(cp!, config, "cgx");
    outs.push(...m.outs);
    ({ apps, core } = m);
    mkdirSync(generatedDir, { recursive: true });
    const crdFile = join(generatedDir, `gadgets-crd-${process.pid}.yaml`);
    writeFileSync(crdFile, CRD_YAML);
    await installCrd(config, crdFile);
    const gadgetOut = await generateFresh("cgx-gadget", { crd: [crdFile] });
    outs.push(gadgetOut);
    const gadgets = await importGenerated<Record<string, unknown>>(gadgetOut, `${GROUP}/v1/index.ts`);
    extractGadget = gadgets.extractGadget as Extractor;
    expect(typeof extractGadget).toBe("function");
  }, 180_000);

  // No controller removes the test finalizer: drop it (pass or fail) so the namespace can go.
  afterAll(async () => {
    if (!dyn) return;
    const web = dyn.resource({ group: "apps", version: "v1", resource: "deployments" }).namespace(namespace());
    await web.patch("web", PatchType.Merge, { metadata: { finalizers: null } }).catch(() => undefined);
  });

  it("returns what client-go returns for every (object, manager, subresource) pair", async () => {
    const ns = namespace();
    const res = (group: string, version: string, resource: string) => dyn.resource({ group, version, resource }).namespace(ns);
    const deployments = res("apps", "v1", "deployments");
    const services = res("", "v1", "services");
    const configMaps = res("", "v1", "configmaps");
    const pods = res("", "v1", "pods");
    const gadgets = res(GROUP, "v1", "gadgets");
    const meta = (name: string, extra: Record<string, unknown> = {}) => ({ name, namespace: ns, ...extra });

    // Deployment: list-map with a defaulted key (ports without protocol) and composite keys,
    // env, atomic lists (args, tolerations), an atomic map (nodeSelector), an atomic struct
    // (selector), granular maps (labels, annotations), a set (finalizers), an empty struct owned
    // as a leaf that another manager fills (resources), an Update manager, status and scale.
    await deployments.apply("web", {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: meta("web", { labels: { app: "web" }, annotations: { note: "n", keep: "k" }, finalizers: ["example.com/f"] }),
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: "web" } },
        template: {
          metadata: { labels: { app: "web" } },
          spec: {
            nodeSelector: { "kubernetes.io/os": "linux" },
            tolerations: [{ key: "k", operator: "Exists" }],
            containers: [
              {
                name: "c",
                image: "nginx",
                args: ["a", "b"],
                resources: {},
                ports: [{ containerPort: 80, name: "http" }, { containerPort: 53, protocol: "UDP", name: "dns" }],
                env: [{ name: "A", value: "1" }],
              },
            ],
          },
        },
      },
    }, { fieldManager: "m1" });
    await deployments.apply("web", {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: meta("web", { labels: { team: "t" } }),
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: "c",
                image: "nginx",
                resources: { limits: { cpu: "1" } },
                ports: [{ containerPort: 80, protocol: "TCP" }, { containerPort: 8080 }],
                env: [{ name: "B", value: "2" }],
              },
              { name: "sidecar", image: "busybox", command: ["sleep", "3600"] },
            ],
          },
        },
      },
    }, { fieldManager: "m2" });
    // An Update manager takes one of m1's annotations (m1 loses it) and adds a label.
    await deployments.patch("web", PatchType.Merge, { metadata: { annotations: { note: "edited" }, labels: { edited: "yes" } } }, { fieldManager: "editor" });
    await deployments.apply("web", {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: meta("web"),
      status: { conditions: [{ type: "Progressing", status: "True", reason: "R", message: "m" }] },
    }, { fieldManager: "m1" }, "status");
    await deployments.apply("web", { apiVersion: "autoscaling/v1", kind: "Scale", metadata: meta("web"), spec: { replicas: 3 } }, { fieldManager: "scaler", force: true }, "scale");

    // Service: ports keyed by (port, protocol) with protocol defaulted, an atomic selector.
    await services.apply("svc", {
      apiVersion: "v1",
      kind: "Service",
      metadata: meta("svc", { labels: { app: "web" } }),
      spec: { selector: { app: "web" }, ports: [{ name: "http", port: 80, targetPort: 8080 }] },
    }, { fieldManager: "m1" });
    await services.apply("svc", {
      apiVersion: "v1",
      kind: "Service",
      metadata: meta("svc"),
      spec: { ports: [{ name: "https", port: 443, protocol: "TCP", targetPort: 8443 }, { name: "http", port: 80 }] },
    }, { fieldManager: "m2" });

    // ConfigMap: a granular map shared by two appliers and an Update manager.
    await configMaps.apply("cm", { apiVersion: "v1", kind: "ConfigMap", metadata: meta("cm"), data: { a: "1", shared: "s" } }, { fieldManager: "m1" });
    await configMaps.apply("cm", { apiVersion: "v1", kind: "ConfigMap", metadata: meta("cm"), data: { b: "2", shared: "s" } }, { fieldManager: "m2" });
    await configMaps.patch("cm", PatchType.Merge, { data: { a: "changed", c: "3" } }, { fieldManager: "editor" });

    // Pod: container ports without protocol; labels by a second applier; status conditions.
    await pods.apply("pod", {
      apiVersion: "v1",
      kind: "Pod",
      metadata: meta("pod", { labels: { app: "web" } }),
      spec: { containers: [{ name: "c", image: "nginx", ports: [{ containerPort: 80 }, { containerPort: 9090, protocol: "TCP", name: "metrics" }] }] },
    }, { fieldManager: "m1" });
    await pods.apply("pod", { apiVersion: "v1", kind: "Pod", metadata: meta("pod", { labels: { tier: "x" }, annotations: { a: "b" } }) }, { fieldManager: "m2" });
    await pods.apply("pod", {
      apiVersion: "v1",
      kind: "Pod",
      metadata: meta("pod"),
      status: { conditions: [{ type: "example.com/Ready", status: "True" }] },
    }, { fieldManager: "m3" }, "status");

    // The CRD: endpoints keyed by (port, protocol) with protocol defaulted by the schema.
    const gadget = (spec: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
      apiVersion: `${GROUP}/v1`,
      kind: "Gadget",
      metadata: meta("g"),
      ...(Object.keys(spec).length ? { spec } : {}),
      ...extra,
    });
    await gadgets.apply("g", gadget({
      replicas: 1,
      endpoints: [{ port: 80, name: "http" }, { port: 53, protocol: "UDP", name: "dns" }],
      tags: ["a", "b"],
      args: ["x", "y"],
      labels: { x: "1" },
      selector: { app: "g" },
      settings: { mode: "fast" },
      limits: { cpu: "1" },
    }), { fieldManager: "alpha" });
    await gadgets.apply("g", gadget({
      endpoints: [{ port: 80, weight: 5 }, { port: 443, name: "https" }],
      tags: ["b", "c"],
      labels: { y: "2" },
      settings: { level: 3, extra: { a: "z" } },
    }), { fieldManager: "beta" });
    await gadgets.patch("g", PatchType.Merge, { spec: { labels: { x: "edited" } } }, { fieldManager: "editor" });
    await gadgets.apply("g", gadget({}, { status: { replicas: 1, conditions: [{ type: "Ready", status: "True", reason: "R" }] } }), { fieldManager: "alpha" }, "status");
    // kube-apiserver v1.36 rejects server-side apply to a custom resource's scale subresource
    // ("request to convert CR to an invalid group/version"): an Update through it instead.
    await gadgets.patch("g", PatchType.Merge, { spec: { replicas: 4 } }, { fieldManager: "scaler" }, "scale");

    // The CRD's OpenAPI v3 document, once the server publishes the kind in it (bounded polling).
    let openapi: { components?: { schemas?: Record<string, unknown> } } | undefined;
    for (let attempt = 0; attempt < 150 && !openapi; attempt++) {
      const r = await rawRequest(cp!, "cert", "GET", `/openapi/v3/apis/${GROUP}/v1`);
      if (r.status === 200 && r.body.includes('"kind":"Gadget"') && r.body.includes('"endpoints"')) openapi = r.json();
      else await new Promise((done) => setTimeout(done, 200));
    }
    if (!openapi) throw new Error(`/openapi/v3/apis/${GROUP}/v1 did not publish Gadget within 150 attempts`);

    const objects: { label: string; obj: Unstructured; extract: Extractor; openapiName?: string }[] = [
      { label: "Deployment web", obj: await deployments.get("web"), extract: apps.extractDeployment as unknown as Extractor },
      { label: "Service svc", obj: await services.get("svc"), extract: core.extractService as unknown as Extractor },
      { label: "ConfigMap cm", obj: await configMaps.get("cm"), extract: core.extractConfigMap as unknown as Extractor },
      { label: "Pod pod", obj: await pods.get("pod"), extract: core.extractPod as unknown as Extractor },
      { label: "Gadget g", obj: await gadgets.get("g"), extract: extractGadget, openapiName: `${GROUP}/v1` },
    ];

    // Every manager in each object's managedFields, for every subresource any entry has, plus a
    // manager with no entry: pairs with an Apply entry are compared, and so are the rest (where
    // both must give the identity fields only).
    const cases: (CheckerCase & { label: string; extract: Extractor; obj: Unstructured; hasEntry: boolean })[] = [];
    for (const o of objects) {
      const entries = o.obj.metadata?.managedFields ?? [];
      const managers = [...new Set([...entries.map((e) => e.manager ?? ""), "nobody"])];
      const subresources = [...new Set(["", ...entries.map((e) => e.subresource ?? "")])];
      for (const manager of managers) {
        for (const subresource of subresources) {
          const hasEntry = entries.some((e) => e.manager === manager && e.operation === "Apply" && (e.subresource ?? "") === subresource);
          const id = `${o.label} / ${manager}${subresource ? ` / ${subresource}` : ""}`;
          cases.push({ id, label: o.label, object: o.obj, manager, subresource, extract: o.extract, obj: o.obj, hasEntry, ...(o.openapiName ? { openapiName: o.openapiName } : {}) });
        }
      }
    }

    const lines: unknown[] = [
      { openapiName: `${GROUP}/v1`, openapi },
      ...cases.map(({ id, object, manager, subresource, openapiName }) => ({ id, object, manager, subresource, ...(openapiName ? { openapiName } : {}) })),
    ];
    const answers = await runChecker((checker as { path: string }).path, lines);
    expect(answers[0]).toEqual({ registered: `${GROUP}/v1` });

    const differences: string[] = [];
    const clientGo = new Map<string, unknown>();
    cases.forEach((c, i) => {
      const answer = answers[i + 1]!;
      if (answer.id !== c.id) throw new Error(`clientgo-checker answered ${answer.id} for ${c.id}`);
      let ours: unknown;
      try {
        ours = JSON.parse(JSON.stringify(c.extract(c.obj, c.manager, { subresource: c.subresource })));
      } catch (e) {
        ours = { error: (e as Error).message };
      }
      const theirs = answer.error !== undefined ? { error: answer.error } : answer.result;
      clientGo.set(c.id, theirs);
      if (!isDeepStrictEqual(ours, theirs)) {
        differences.push(`${c.id}\n    kubegen:   ${JSON.stringify(ours)}\n    client-go: ${JSON.stringify(theirs)}`);
      }
    });
    const withEntry = cases.filter((c) => c.hasEntry).length;
    console.log(
      `extraction vs client-go v0.36: ${cases.length} (object, manager, subresource) pairs compared ` +
        `(${withEntry} with an Apply entry) over ${objects.length} objects; ${differences.length} differences` +
        (differences.length ? `:\n  ${differences.join("\n  ")}` : ""),
    );

    // The cases this test exists for are really exercised: client-go leaves out the defaulted key
    // `protocol` of a port m1 applied without it, on the Deployment and on the CRD.
    const webM1 = clientGo.get("Deployment web / m1") as { spec: { template: { spec: { containers: { ports: unknown[] }[] } } } };
    expect(webM1.spec.template.spec.containers[0]!.ports).toContainEqual({ containerPort: 80, name: "http" });
    const gAlpha = clientGo.get("Gadget g / alpha") as { spec: { endpoints: unknown[] } };
    expect(gAlpha.spec.endpoints).toContainEqual({ port: 80, name: "http" });
    expect(withEntry).toBe(14); // the Apply entries written above (a CRD has no applied scale: see there)
    expect(differences).toEqual([]);
  }, 180_000);
});
