// Connect subresources as tables of given/want cases: what ir/from-openapi.ts
// reads from `x-kubernetes-action: connect` operations (methods, the `{path}`
// variant), and which client methods ir/plan.ts's connectPlan derives from it.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildModel, Diagnostics, loadInputs } from "../../../generators/index.js";
import { connectPlan } from "../../../generators/ir/plan.js";
import type { ConnectSubresource, GroupVersion, Resource } from "../../../generators/ir/types.js";

const work = mkdtempSync(join(tmpdir(), "kubegen-connect-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const POD = { group: "", version: "v1", kind: "Pod" };
const NODE = { group: "", version: "v1", kind: "Node" };
const op = (action: string, gvk: unknown) => ({ "x-kubernetes-action": action, "x-kubernetes-group-version-kind": gvk });
const execOpts = { group: "", version: "v1", kind: "PodExecOptions" };

async function connectOf(paths: Record<string, unknown>): Promise<Record<string, readonly ConnectSubresource[] | undefined>> {
  const dir = mkdtempSync(join(work, "case-"));
  const obj = (kind: string) => ({
    type: "object",
    properties: { metadata: { $ref: "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta" } },
    "x-kubernetes-group-version-kind": [{ group: "", version: "v1", kind }],
  });
  const definitions = {
    "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta": { type: "object", properties: { name: { type: "string" } } },
    "io.k8s.api.core.v1.Pod": obj("Pod"),
    "io.k8s.api.core.v1.Node": obj("Node"),
    "io.k8s.api.core.v1.PodExecOptions": obj("PodExecOptions"),
  };
  writeFileSync(join(dir, "spec.json"), JSON.stringify({ swagger: "2.0", info: { title: "t", version: "v1" }, paths, definitions }));
  const diags = new Diagnostics();
  const model = buildModel(await loadInputs({ openapi: ["spec.json"], cwd: dir }, diags), diags);
  expect(diags.errors).toEqual([]);
  return Object.fromEntries(model.groupVersions.flatMap((g) => g.resources.map((r) => [r.plural, r.connect])));
}

describe("from-openapi: connect subresources", () => {
  const podGet = { "/api/v1/namespaces/{namespace}/pods/{name}": { get: op("get", POD) } };
  const nodeGet = { "/api/v1/nodes/{name}": { get: op("get", NODE) } };
  it.each<[string, Record<string, unknown>, Record<string, readonly ConnectSubresource[] | undefined>]>([
    ["no connect operation: no connect field", podGet, { pods: undefined }],
    [
      "exec with GET and POST (methods upper case, fixed order)",
      { ...podGet, "/api/v1/namespaces/{namespace}/pods/{name}/exec": { post: op("connect", execOpts), get: op("connect", execOpts) } },
      { pods: [{ name: "exec", methods: ["GET", "POST"], path: false }] },
    ],
    [
      "proxy and its {path} variant merge into one subresource with path: true",
      {
        ...podGet,
        "/api/v1/namespaces/{namespace}/pods/{name}/proxy": { delete: op("connect", POD), options: op("connect", POD), head: op("connect", POD) },
        "/api/v1/namespaces/{namespace}/pods/{name}/proxy/{path}": { get: op("connect", POD), put: op("connect", POD) },
      },
      { pods: [{ name: "proxy", methods: ["GET", "HEAD", "PUT", "DELETE", "OPTIONS"], path: true }] },
    ],
    [
      "cluster-scoped nodes/proxy; subresources sorted by name",
      {
        ...nodeGet,
        "/api/v1/nodes/{name}/proxy/{path}": { get: op("connect", NODE) },
        "/api/v1/nodes/{name}/attach": { get: op("connect", NODE) },
      },
      { nodes: [{ name: "attach", methods: ["GET"], path: false }, { name: "proxy", methods: ["GET"], path: true }] },
    ],
    [
      "a non-connect operation on a {path} variant is not read; other tails than {path} are no resource path",
      {
        ...podGet,
        "/api/v1/namespaces/{namespace}/pods/{name}/proxy/{path}": { get: op("get", POD) },
        "/api/v1/namespaces/{namespace}/pods/{name}/proxy/{other}": { get: op("connect", POD) },
      },
      { pods: undefined },
    ],
  ])("%s", async (_, paths, want) => {
    expect(await connectOf(paths)).toEqual(want);
  });

  it("connect operations add no object verbs or subresources", async () => {
    const dir = await connectOf({ ...podGet, "/api/v1/namespaces/{namespace}/pods/{name}/exec": { get: op("connect", execOpts) } });
    expect(dir.pods).toHaveLength(1);
  });
});

describe("plan: connectPlan", () => {
  const gv = (group: string, version: string): GroupVersion => ({
    group,
    version,
    names: { modulePath: `${group || "core"}/${version}`, accessor: "x", typePrefix: "X", apiVersion: group ? `${group}/${version}` : version },
    resources: [],
    types: [],
  });
  const resource = (plural: string, connect?: ConnectSubresource[]): Resource => ({
    kind: "K",
    typeName: "K",
    listKind: "",
    plural,
    singular: plural,
    shortNames: [],
    categories: [],
    namespaced: true,
    verbs: ["get"],
    subresources: [],
    ...(connect ? { connect } : {}),
    source: { file: "f", pointer: "" },
  });
  const c = (name: string, methods: ConnectSubresource["methods"], path = false): ConnectSubresource => ({ name, methods, path });
  it.each<[string, GroupVersion, Resource, ReturnType<typeof connectPlan>]>([
    ["no connect", gv("", "v1"), resource("pods"), { exec: false, attach: false, portForward: false }],
    [
      "core/v1 pods: exec, attach, port-forward and proxy",
      gv("", "v1"),
      resource("pods", [c("attach", ["GET", "POST"]), c("exec", ["GET", "POST"]), c("portforward", ["GET", "POST"]), c("proxy", ["GET", "POST"], true)]),
      { exec: true, attach: true, portForward: true, proxy: { methods: ["GET", "POST"], path: true } },
    ],
    ["exec without GET (no WebSocket upgrade): no exec", gv("", "v1"), resource("pods", [c("exec", ["POST"])]), { exec: false, attach: false, portForward: false }],
    ["pods of another group: no exec (the runtime's exec addresses core/v1 pods)", gv("example.com", "v1"), resource("pods", [c("exec", ["GET"]), c("portforward", ["GET"])]), { exec: false, attach: false, portForward: false }],
    ["services: proxy only, without the path variant", gv("", "v1"), resource("services", [c("proxy", ["GET"])]), { exec: false, attach: false, portForward: false, proxy: { methods: ["GET"], path: false } }],
    ["portforward alone", gv("", "v1"), resource("pods", [c("portforward", ["GET", "POST"])]), { exec: false, attach: false, portForward: true }],
    ["portforward without GET: none", gv("", "v1"), resource("pods", [c("portforward", ["POST"])]), { exec: false, attach: false, portForward: false }],
  ])("%s", (_, g, r, want) => {
    expect(connectPlan(g, r)).toEqual(want);
  });
});
