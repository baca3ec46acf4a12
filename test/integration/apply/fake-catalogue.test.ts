// A scripted catalogue of writes (and the reads that show their effect), run once against the
// real kube-apiserver and once against the generated FakeClientset, call by call. It covers
// create, update, status updates, merge and JSON patches, server-side apply, delete and
// deleteCollection, with conflicts, preconditions, CRD schema violations (types, required,
// enums, formats, bounds, nullable), pruning of unknown fields and its warnings, label and
// field selectors, generateName, finalizers and the default field manager taken from the
// User-Agent. For every call the status code, reason, message and causes of an error, or the
// answer's body (with what the server alone decides normalised: timestamps, uids,
// resourceVersion values, generateName suffixes) including managedFields, and the warnings
// must agree. The test prints the agreement rate and every difference, and fails on any
// difference that is not in the commented ALLOWED list below.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiError, DynamicClient, defaultUserAgent, loadConfig, PatchType, type RestConfig } from "@kubegen/runtime";
import type * as K8s from "../../../.tmp/generated/k8s-1.36/index.js";
import { controlPlane, useTestNamespace } from "../../helpers/cluster.js";
import { installCrd } from "../../helpers/crd.js";
import { generateFresh, importGenerated, removeGenerated } from "../../helpers/generated.js";

const cp = controlPlane();
const namespace = useTestNamespace(cp, "catalogue");

const CRD_NAME = "widgets.catalogue.kubegen.dev";
const CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: ${CRD_NAME}
spec:
  group: catalogue.kubegen.dev
  scope: Namespaced
  names: { plural: widgets, singular: widget, kind: Widget, listKind: WidgetList }
  versions:
    - name: v1
      served: true
      storage: true
      subresources: { status: {} }
      selectableFields: [{ jsonPath: .spec.color }]
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              required: [size, color]
              properties:
                size: { type: integer, minimum: 1, maximum: 10 }
                color: { type: string, enum: [red, green, blue] }
                title: { type: string, maxLength: 8, pattern: "^[a-z]+$" }
                ratio: { type: number, minimum: 0, maximum: 1, exclusiveMaximum: true }
                enabled: { type: boolean }
                note: { type: string, nullable: true }
                when: { type: string, format: date-time }
                id: { type: string, format: uuid }
                tags: { type: array, maxItems: 3, items: { type: string } }
                ports:
                  type: array
                  x-kubernetes-list-type: map
                  x-kubernetes-list-map-keys: [name]
                  items:
                    type: object
                    required: [name, port]
                    properties:
                      name: { type: string }
                      port: { type: integer, minimum: 1, maximum: 65535 }
                settings: { type: object, maxProperties: 2, additionalProperties: { type: string } }
                extra: { type: object, x-kubernetes-preserve-unknown-fields: true }
                nested:
                  type: object
                  properties:
                    level: { type: integer, format: int32 }
                    label: { type: string, minLength: 2 }
            status:
              type: object
              properties:
                phase: { type: string, enum: [Pending, Ready] }
                count: { type: integer, minimum: 0 }
`;

/** The User-Agent of the catalogue's main clients: the server takes `catalogue-tool` from it as the default field manager. */
const TOOL_UA = "catalogue-tool/1.2.3 (linux/amd64) kubegen/0";

/** What a call may use on one side: typed clients (by User-Agent) and what earlier calls answered. */
interface Side {
  readonly label: "server" | "fake";
  /** The clientset whose requests carry this User-Agent (`null`: the runtime's default). */
  clients(userAgent: string | null): K8s.Clientset & WidgetClientset;
  /** The answer of an earlier successful call, by call name. */
  result(call: string): any;
  readonly warnings: string[];
}

/** The Widget clientset's shape, as far as the catalogue uses it (generated at run time). */
interface WidgetClientset {
  catalogueV1: { widgets(namespace: string): any };
}

interface Call {
  readonly name: string;
  run(side: Side, ns: string): Promise<unknown>;
}

// ---- the catalogue ---------------------------------------------------------------------------

/** `ua` null: the runtime's default User-Agent. */
const W = (s: Side, ns: string, ua: string | null = TOOL_UA) => s.clients(ua).catalogueV1.widgets(ns);
const CM = (s: Side, ns: string, ua: string | null = TOOL_UA) => s.clients(ua).coreV1.configMaps(ns);
const widget = (name: string, spec: Record<string, unknown>, meta: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => ({
  apiVersion: "catalogue.kubegen.dev/v1",
  kind: "Widget",
  metadata: { name, ...meta },
  spec,
  ...extra,
});
const ok = { size: 3, color: "red" };
/** A resourceVersion no object has on either side. */
const STALE = "987654321";
const FM = { fieldManager: "tester" };

/** Creates `name` with `spec` (and metadata/extra top-level fields). */
const create = (name: string, spec: Record<string, unknown>, meta: Record<string, unknown> = {}, extra: Record<string, unknown> = {}, opts: object = FM): Call => ({
  name: `create ${name} ${JSON.stringify({ spec, meta, extra, opts })}`,
  run: (s, ns) => W(s, ns).create(widget(name, spec, meta, extra), opts),
});
/** GETs and PUTs `name` after `change` edits the object. */
const update = (label: string, name: string, change: (o: any) => any, opts: object = FM, status = false): Call => ({
  name: `${status ? "updateStatus" : "update"} ${name}: ${label}`,
  run: async (s, ns) => {
    const cur = await W(s, ns).get(name);
    const next = change(structuredClone(cur));
    return status ? W(s, ns).updateStatus(next, opts) : W(s, ns).update(next, opts);
  },
});
const merge = (label: string, name: string, body: unknown, opts: object = FM, subresource?: string): Call => ({
  name: `merge patch ${name}${subresource ? `/${subresource}` : ""}: ${label}`,
  run: (s, ns) => W(s, ns).patch(name, PatchType.Merge, body, opts, subresource),
});
const jsonPatch = (label: string, name: string, ops: unknown[], opts: object = FM): Call => ({
  name: `json patch ${name}: ${label}`,
  run: (s, ns) => W(s, ns).patch(name, PatchType.JSON, ops, opts),
});
const apply = (label: string, name: string, body: (s: Side) => unknown, opts: object, status = false): Call => ({
  name: `${status ? "applyStatus" : "apply"} ${name}: ${label}`,
  run: (s, ns) => (status ? W(s, ns).applyStatus(body(s), opts) : W(s, ns).apply(body(s), opts)),
});
let gets = 0;
const get = (name: string): Call => ({ name: `get ${name} #${++gets}`, run: (s, ns) => W(s, ns).get(name) });
const list = (label: string, opts: object): Call => ({ name: `list: ${label}`, run: (s, ns) => W(s, ns).list(opts) });
const del = (label: string, name: string, opts: (s: Side) => object = () => ({})): Call => ({
  name: `delete ${name}: ${label}`,
  run: (s, ns) => W(s, ns).delete(name, opts(s)),
});
const delCollection = (label: string, opts: object): Call => ({ name: `deleteCollection: ${label}`, run: (s, ns) => W(s, ns).deleteCollection(opts) });
const meta = (s: Side, call: string) => s.result(call).metadata;

const CREATE_W1 = create("w1", ok, { labels: { app: "a" } });
const CREATE_W5 = apply("create by apply", "w5", () => widget("w5", { size: 2, color: "green" }), { fieldManager: "alice" });

const CATALOGUE: Call[] = [
  // create: valid objects, schema violations, pruning
  CREATE_W1,
  create("w1", ok),
  create("bad", { color: "red" }),
  create("bad", {}),
  create("bad", { size: "three", color: "red" }),
  create("bad", { size: 0, color: "red" }),
  create("bad", { size: 11, color: "red" }),
  create("bad", { size: 2.5, color: "red" }),
  create("bad", { size: 3, color: "purple" }),
  create("bad", { size: 3, color: 7 }),
  create("bad", { ...ok, title: "abcdefghi" }),
  create("bad", { ...ok, title: "ABC" }),
  create("bad", { ...ok, ratio: 1 }),
  create("bad", { ...ok, ratio: -0.5 }),
  create("bad", { ...ok, enabled: "yes" }),
  create("bad", { ...ok, title: null }),
  create("bad", { ...ok, when: "yesterday" }),
  create("bad", { ...ok, id: "not-a-uuid" }),
  create("bad", { ...ok, tags: ["a", "b", "c", "d"] }),
  create("bad", { ...ok, tags: "a" }),
  create("bad", { ...ok, ports: [{ name: "http" }] }),
  create("bad", { ...ok, ports: [{ name: "http", port: 70000 }] }),
  create("bad", { ...ok, settings: { a: "1", b: "2", c: "3" } }),
  create("bad", { ...ok, settings: { a: 1 } }),
  create("bad", { ...ok, nested: { level: "x" } }),
  create("bad", { ...ok, nested: { label: "a" } }),
  create("bad", "big" as any),
  create("bad", { size: 0, color: "purple", title: "ABCDEFGHIJ" }),
  create("n1", { ...ok, note: null }),
  create("n2", { ...ok, when: "2026-01-02T03:04:05Z", id: "0b3a7c9e-5d1f-4e2a-9c8b-7f6e5d4c3b2a", ratio: 0.5, enabled: true }),
  create("p1", { ...ok, bogus: 1 }),
  create("p2", ok, {}, { bogus: { deep: true } }),
  create("p3", { ...ok, nested: { level: 1, bogus: "x" }, ports: [{ name: "a", port: 1, bogus: 2 }] }),
  create("p4", { ...ok, extra: { anything: { goes: [1, "two"] } } }),
  create("p5", ok, {}, { status: { phase: "Ready" } }),
  create("", ok, { generateName: "gen-" }),
  create("", ok),
  create("Bad_Name", ok),
  create("dry", ok, {}, {}, { ...FM, dryRun: "All" }),
  get("dry"),
  create("w2", { size: 4, color: "green" }, { labels: { app: "a", tier: "x" } }),
  create("w3", { size: 5, color: "blue" }, { labels: { app: "b" } }),
  create("w4", { size: 6, color: "red" }, { labels: { app: "a" } }),

  // get and list with selectors
  get("w1"),
  get("missing"),
  list("all", {}),
  list("app=a", { labelSelector: "app=a" }),
  list("app!=a", { labelSelector: "app!=a" }),
  list("tier exists", { labelSelector: "tier" }),
  list("app in (a,b)", { labelSelector: "app in (a,b)" }),
  list("metadata.name=w2", { fieldSelector: "metadata.name=w2" }),
  list("spec.color=red", { fieldSelector: "spec.color=red" }),
  list("spec.color!=red,app=a", { fieldSelector: "spec.color!=red", labelSelector: "app=a" }),
  list("unsupported field", { fieldSelector: "spec.size=3" }),
  list("bad label selector", { labelSelector: "app in a" }),
  list("limit 2", { limit: 2 }),

  // update
  update("no resourceVersion", "w1", (o) => ({ ...o, metadata: { ...o.metadata, resourceVersion: undefined }, spec: { ...o.spec, size: 4 } })),
  update("stale resourceVersion", "w1", (o) => ({ ...o, metadata: { ...o.metadata, resourceVersion: STALE }, spec: { ...o.spec, size: 4 } })),
  update("size 4", "w1", (o) => ({ ...o, spec: { ...o.spec, size: 4 } })),
  update("size 0", "w1", (o) => ({ ...o, spec: { ...o.spec, size: 0 } })),
  update("color dropped", "w1", (o) => ({ ...o, spec: { size: 4 } })),
  update("unknown field", "w1", (o) => ({ ...o, spec: { ...o.spec, bogus: true } })),
  update("no change", "w1", (o) => o),
  update("status through the main resource", "w1", (o) => ({ ...o, status: { phase: "Ready" } })),
  update("another uid", "w1", (o) => ({ ...o, metadata: { ...o.metadata, uid: "6a1c0b6e-0000-4000-8000-000000000000" } })),
  update("labels and annotations", "w1", (o) => ({ ...o, metadata: { ...o.metadata, labels: { app: "a", extra: "1" }, annotations: { note: "n" } } })),
  { name: "update missing", run: (s, ns) => W(s, ns).update(widget("missing", ok, { resourceVersion: "5" }), FM) },
  update("default field manager", "w1", (o) => ({ ...o, spec: { ...o.spec, size: 5 } }), {}),
  update("status", "w1", (o) => ({ ...o, status: { phase: "Ready", count: 1 } }), FM, true),
  update("status enum", "w1", (o) => ({ ...o, status: { phase: "Bogus" } }), FM, true),
  update("status minimum", "w1", (o) => ({ ...o, status: { count: -1 } }), FM, true),
  update("status without resourceVersion", "w1", (o) => ({ ...o, metadata: { ...o.metadata, resourceVersion: undefined }, status: { phase: "Pending" } }), FM, true),
  update("status ignores spec", "w1", (o) => ({ ...o, spec: { ...o.spec, size: 9 }, status: { phase: "Pending", count: 2 } }), FM, true),
  update("status unknown field", "w1", (o) => ({ ...o, status: { ...o.status, bogus: 1 } }), FM, true),
  get("w1"),

  // merge patches
  merge("add labels", "w1", { metadata: { labels: { b: "2" } } }),
  merge("remove labels but one", "w1", { metadata: { labels: { app: null, extra: null } } }),
  merge("remove the last label", "w1", { metadata: { labels: { b: null } } }),
  merge("remove the last annotation", "w1", { metadata: { annotations: { note: null } } }),
  merge("size 0", "w1", { spec: { size: 0 } }),
  merge("drop a required field", "w1", { spec: { color: null } }),
  merge("unknown field", "w1", { spec: { bogus: 1, nested: { bogus: 2 } } }),
  merge("stale resourceVersion", "w1", { metadata: { resourceVersion: STALE }, spec: { size: 6 } }),
  merge("another uid", "w1", { metadata: { uid: "6a1c0b6e-0000-4000-8000-000000000000" }, spec: { size: 6 } }),
  merge("nullable set then removed", "w1", { spec: { note: "x" } }),
  merge("nullable removed", "w1", { spec: { note: null } }),
  merge("missing object", "missing", { spec: { size: 1 } }),
  merge("status through the main resource", "w1", { status: { phase: "Pending" } }),
  merge("status", "w1", { status: { phase: "Pending", count: 3 } }, FM, "status"),
  merge("status enum", "w1", { status: { phase: "Nope" } }, FM, "status"),
  merge("default field manager", "w1", { spec: { size: 7 } }, {}),

  // JSON patches
  jsonPatch("replace size", "w1", [{ op: "replace", path: "/spec/size", value: 5 }]),
  jsonPatch("failing test", "w1", [{ op: "test", path: "/spec/size", value: 1 }]),
  jsonPatch("remove a missing path", "w1", [{ op: "remove", path: "/spec/title" }]),
  jsonPatch("remove a required field", "w1", [{ op: "remove", path: "/spec/color" }]),
  jsonPatch("add an unknown field", "w1", [{ op: "add", path: "/spec/bogus", value: "x" }]),
  jsonPatch("add a tag", "w1", [{ op: "add", path: "/spec/tags", value: ["a"] }, { op: "add", path: "/spec/tags/-", value: "b" }]),
  jsonPatch("too many tags", "w1", [{ op: "add", path: "/spec/tags/-", value: "c" }, { op: "add", path: "/spec/tags/-", value: "d" }]),
  jsonPatch("wrong type", "w1", [{ op: "replace", path: "/spec/enabled", value: "no" }]),

  // server-side apply
  CREATE_W5,
  apply("invalid size", "w5", () => widget("w5", { size: 20, color: "green" }), { fieldManager: "alice" }),
  apply("conflict", "w5", () => widget("w5", { size: 3 }), { fieldManager: "bob" }),
  apply("force", "w5", () => widget("w5", { size: 3 }), { fieldManager: "bob", force: true }),
  apply("alice gives up size", "w5", () => widget("w5", { color: "green" }), { fieldManager: "alice" }),
  apply("unknown field", "w5", () => widget("w5", { color: "green", bogus: 1 }), { fieldManager: "alice" }),
  apply("uid of an object that does not exist", "w6", (s) => widget("w6", ok, { uid: meta(s, CREATE_W5.name).uid }), { fieldManager: "alice" }),
  apply("matching uid", "w5", (s) => widget("w5", { color: "green" }, { uid: meta(s, CREATE_W5.name).uid, labels: { x: "1" } }), { fieldManager: "alice" }),
  apply("another uid", "w5", () => widget("w5", { color: "green" }, { uid: "6a1c0b6e-0000-4000-8000-000000000000" }), { fieldManager: "alice" }),
  apply("stale resourceVersion", "w5", () => widget("w5", { color: "green" }, { resourceVersion: STALE }), { fieldManager: "alice" }),
  apply("labels dropped", "w5", () => widget("w5", { color: "green" }), { fieldManager: "alice" }),
  apply("status", "w5", () => ({ apiVersion: "catalogue.kubegen.dev/v1", kind: "Widget", metadata: { name: "w5" }, status: { phase: "Ready", count: 1 } }), { fieldManager: "carol" }, true),
  apply("status enum", "w5", () => ({ apiVersion: "catalogue.kubegen.dev/v1", kind: "Widget", metadata: { name: "w5" }, status: { phase: "Later" } }), { fieldManager: "carol" }, true),
  { name: "apply w5: an apply patch without fieldManager", run: (s, ns) => W(s, ns).patch("w5", PatchType.Apply, widget("w5", { color: "green" }), {}) },
  apply("create without a required field", "w7", () => widget("w7", { size: 1 }), { fieldManager: "alice" }),
  apply("create with schema violations", "w7", () => widget("w7", { size: 0, color: "pink", ratio: 2 }), { fieldManager: "alice" }),
  apply("dry run create", "w7", () => widget("w7", ok), { fieldManager: "alice", dryRun: "All" }),
  get("w7"),
  get("w5"),

  // the default field manager comes from the User-Agent
  { name: "configmap create without fieldManager", run: (s, ns) => CM(s, ns).create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c1", labels: { only: "one" } }, data: { a: "1" } }) },
  { name: "configmap update without resourceVersion", run: async (s, ns) => {
    const cur = await CM(s, ns).get("c1");
    return CM(s, ns).update({ ...cur, metadata: { ...cur.metadata, resourceVersion: undefined }, data: { a: "2" } });
  } },
  { name: "configmap update with stale resourceVersion", run: async (s, ns) => {
    const cur = await CM(s, ns).get("c1");
    return CM(s, ns).update({ ...cur, metadata: { ...cur.metadata, resourceVersion: STALE }, data: { a: "3" } });
  } },
  { name: "configmap merge patch removes the last label (agent without version)", run: (s, ns) => CM(s, ns, "plainagent").patch("c1", PatchType.Merge, { metadata: { labels: { only: null } } }) },
  { name: "configmap merge patch removes the last data key", run: (s, ns) => CM(s, ns).patch("c1", PatchType.Merge, { data: { a: null } }) },
  { name: "widget create with the default User-Agent", run: (s, ns) => W(s, ns, null).create(widget("w8", ok)) },
  { name: "widget merge patch with an empty User-Agent product", run: (s, ns) => W(s, ns, "/weird").patch("w8", PatchType.Merge, { spec: { size: 9 } }) },

  // delete with preconditions, finalizers, dry run
  del("stale resourceVersion precondition", "w1", () => ({ preconditions: { resourceVersion: STALE } })),
  del("another uid precondition", "w1", () => ({ preconditions: { uid: "6a1c0b6e-0000-4000-8000-000000000000" } })),
  { name: "delete w1 with matching preconditions", run: async (s, ns) => {
    const cur = await W(s, ns).get("w1");
    return W(s, ns).delete("w1", { preconditions: { uid: cur.metadata.uid, resourceVersion: cur.metadata.resourceVersion } });
  } },
  del("again", "w1"),
  del("dry run", "w2", () => ({ dryRun: "All" })),
  get("w2"),
  create("w9", ok, { finalizers: ["example.com/hold"] }),
  del("with a finalizer", "w9"),
  del("while deleting", "w9"),
  update("spec of a deleting object", "w9", (o) => ({ ...o, spec: { ...o.spec, size: 2 } })),
  update("remove the finalizer", "w9", (o) => ({ ...o, metadata: { ...o.metadata, finalizers: [] } })),
  get("w9"),
  delCollection("app=a", { labelSelector: "app=a" }),
  list("after deleting app=a", {}),
  delCollection("spec.color=blue dry run", { fieldSelector: "spec.color=blue", dryRun: "All" }),
  delCollection("spec.color=blue", { fieldSelector: "spec.color=blue" }),
  delCollection("bad selector", { labelSelector: "=x" }),
  delCollection("everything", {}),
  list("after deleting everything", {}),
];

/**
 * Differences that remain by design, by call name, each with its reason. The test fails on any
 * other difference, and on an entry here that no longer differs (so the list stays honest).
 */
const ALLOWED: Record<string, string> = {
  // Both are a 400 BadRequest for the same selector; only the wording differs. The fake reports
  // the runtime's own selector parser error (meta/selectors.ts, shared with client-side selector
  // checks), which names the position instead of copying apimachinery's lexer wording.
  "list: bad label selector": "selector parse errors are worded by the runtime's parser",
  "deleteCollection: bad selector": "selector parse errors are worded by the runtime's parser",
};

// ---- normalisation and comparison --------------------------------------------------------------

/** Replaces what only the server decides (times, uids, resourceVersion numbers, generated names) with stable symbols. */
class Normaliser {
  readonly #rvs = new Map<string, string>();
  readonly #uids = new Map<string, string>();

  /** resourceVersions by kind: the fake keeps one counter per clientset, the server one for all. */
  #rv(kind: string, v: string): string {
    const key = `${kind}:${v}`;
    if (!this.#rvs.has(key)) this.#rvs.set(key, `rv${[...this.#rvs.keys()].filter((k) => k.startsWith(`${kind}:`)).length + 1}`);
    return this.#rvs.get(key)!;
  }
  #uid(v: string): string {
    if (!this.#uids.has(v)) this.#uids.set(v, `uid${this.#uids.size + 1}`);
    return this.#uids.get(v)!;
  }

  object(o: any): any {
    if (o === null || typeof o !== "object") return o;
    if (Array.isArray(o.items)) {
      const { continue: cont, resourceVersion: _rv, ...lm } = o.metadata ?? {};
      return { ...o, metadata: { ...lm, ...(cont ? { continue: "<token>" } : {}) }, items: o.items.map((i: any) => this.object(i)) };
    }
    if (o.kind === "Status") return { ...o, ...(o.details?.uid ? { details: { ...o.details, uid: this.#uid(o.details.uid) } } : {}) };
    const m = { ...(o.metadata ?? {}) };
    if (m.uid) m.uid = this.#uid(m.uid);
    if (m.resourceVersion) m.resourceVersion = this.#rv(o.kind, m.resourceVersion);
    for (const k of ["creationTimestamp", "deletionTimestamp"]) if (m[k]) m[k] = "<time>";
    if (m.generateName && typeof m.name === "string" && m.name.startsWith(m.generateName)) m.name = `${m.generateName}<suffix>`;
    // The server orders entries by operation, then by time in seconds, then by manager: with times
    // normalised away, the order is normalised too (by operation, manager and subresource).
    if (m.managedFields) {
      m.managedFields = m.managedFields
        .map((e: any) => ({ ...e, ...(e.time ? { time: "<time>" } : {}) }))
        .sort((a: any, b: any) => (`${a.operation}/${a.manager}/${a.subresource ?? ""}` < `${b.operation}/${b.manager}/${b.subresource ?? ""}` ? -1 : 1));
    }
    return { ...o, metadata: m };
  }

  /** Error messages quote uids anywhere, and stored resourceVersions (of `kind`) as `in record (N)`. */
  text(s: string, kind = ""): string {
    let out = s;
    for (const [v, sym] of this.#uids) out = out.split(v).join(sym);
    return out.replace(/in record \((\d+)\)/g, (_m, rv: string) => `in record (${this.#rvs.get(`${kind}:${rv}`) ?? "<rv>"})`);
  }

  /**
   * The server lists several field errors in Go map order, which varies from run to run: a
   * message `... is invalid: [a, b]` gets its list in sorted order when the causes make it up.
   */
  invalidList(message: string, causes: readonly { field?: string; message?: string }[]): string {
    const m = /^(.* is invalid: )\[(.*)\]$/s.exec(message);
    if (!m) return message;
    const items = [...new Set(causes.map((c) => `${c.field}: ${c.message}`))];
    if (items.join(", ").length !== m[2]!.length || !items.every((i) => m[2]!.includes(i))) return message;
    return `${m[1]}[${items.sort().join(", ")}]`;
  }

  /** Learns the uids and resourceVersions of an answer before an error quotes them. */
  learn(o: any): void {
    if (o === null || typeof o !== "object") return;
    for (const i of Array.isArray(o.items) ? o.items : [o]) {
      if (i?.metadata?.uid) this.#uid(i.metadata.uid);
      if (i?.metadata?.resourceVersion) this.#rv(i.kind ?? o.kind?.replace(/List$/, ""), i.metadata.resourceVersion);
    }
  }
}

/** JSON with object keys sorted, so key order does not count as a difference. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x) =>
    x && typeof x === "object" && !Array.isArray(x) ? Object.fromEntries(Object.keys(x).sort().map((k) => [k, x[k]])) : x,
  );
}

interface Outcome {
  readonly answer: unknown;
  readonly warnings: string[];
}

async function runCatalogue(side: Side & { results: Map<string, unknown> }, ns: string): Promise<Outcome[]> {
  const norm = new Normaliser();
  const out: Outcome[] = [];
  for (const call of CATALOGUE) {
    side.warnings.length = 0;
    let answer: unknown;
    try {
      const res = await call.run(side, ns);
      side.results.set(call.name, res);
      norm.learn(res);
      answer = { ok: norm.object(res) };
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      const { code, reason, message, details } = err.status;
      const causes = (details?.causes ?? []).map((c) => ({ ...c, message: norm.text(c.message ?? "") }));
      causes.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
      const text = norm.invalidList(norm.text(message ?? "", details?.kind), causes);
      answer = { error: { code, reason, message: text, details: details ? { ...details, ...(details.uid ? { uid: norm.text(details.uid) } : {}), causes } : undefined } };
    }
    out.push({ answer: JSON.parse(JSON.stringify(answer)), warnings: [...side.warnings].sort() });
  }
  return out;
}

describe.skipIf(!cp)("the fake clientset against kube-apiserver: a catalogue of writes", () => {
  const outs: string[] = [];
  let dir = "";
  let config: RestConfig;
  let widgetsModule: any;
  let k8sModule: any;

  beforeAll(async () => {
    config = { ...(await loadConfig({ kubeconfigPath: cp!.kubeconfigPath })), qps: 200, burst: 400 };
    dir = mkdtempSync(join(tmpdir(), "kubegen-catalogue-"));
    const crdFile = join(dir, "widgets.yaml");
    writeFileSync(crdFile, CRD);
    await installCrd(config, crdFile);
    const widgetsOut = await generateFresh("catalogue-widgets", { crd: [crdFile] });
    const k8sOut = await generateFresh("catalogue-k8s", { fromCluster: { kubeconfig: cp!.kubeconfigPath }, groups: ["core/v1"] });
    outs.push(widgetsOut, k8sOut);
    widgetsModule = { ...(await importGenerated<any>(widgetsOut)), ...(await importGenerated<any>(widgetsOut, "fake.ts")) };
    k8sModule = { ...(await importGenerated<any>(k8sOut)), ...(await importGenerated<any>(k8sOut, "fake.ts")) };
  }, 300_000);

  afterAll(async () => {
    outs.forEach(removeGenerated);
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (cp && config) {
      await new DynamicClient(config)
        .resource({ group: "apiextensions.k8s.io", version: "v1", resource: "customresourcedefinitions" })
        .delete(CRD_NAME)
        .catch(() => undefined);
    }
  });

  it("agrees with the server call by call, apart from the allowed differences", async () => {
    expect(CATALOGUE.length).toBeGreaterThanOrEqual(100);
    expect(new Set(CATALOGUE.map((c) => c.name)).size, "call names are unique").toBe(CATALOGUE.length);
    const ns = namespace();

    // The server: one clientset per User-Agent, every warning collected.
    const serverWarnings: string[] = [];
    const serverResults = new Map<string, unknown>();
    const serverClients = new Map<string, any>();
    const server = {
      label: "server" as const,
      warnings: serverWarnings,
      results: serverResults,
      result: (call: string) => serverResults.get(call),
      clients(userAgent: string | null) {
        const key = userAgent ?? "<default>";
        if (!serverClients.has(key)) {
          const c: RestConfig = { ...config, warningHandler: (w) => serverWarnings.push(w.text), ...(userAgent !== null ? { userAgent } : {}) };
          const k8s = k8sModule.Clientset.forConfig(c);
          serverClients.set(key, Object.assign(k8s, { catalogueV1: widgetsModule.Clientset.forConfig(c).catalogueV1 }));
        }
        return serverClients.get(key);
      },
    };

    // The fake: one FakeClientset per generated clientset; the User-Agent is set per call.
    const fakeWarnings: string[] = [];
    const fakeResults = new Map<string, unknown>();
    const widgetsFake = new widgetsModule.FakeClientset();
    const k8sFake = new k8sModule.FakeClientset();
    for (const f of [widgetsFake.fake, k8sFake.fake]) f.warningHandler = (w: { text: string }) => fakeWarnings.push(w.text);
    const fakeClients = Object.assign(k8sFake, { catalogueV1: widgetsFake.catalogueV1 });
    const fake = {
      label: "fake" as const,
      warnings: fakeWarnings,
      results: fakeResults,
      result: (call: string) => fakeResults.get(call),
      clients(userAgent: string | null) {
        for (const f of [widgetsFake.fake, k8sFake.fake]) f.userAgent = userAgent ?? defaultUserAgent();
        return fakeClients;
      },
    };

    const onServer = await runCatalogue(server, ns);
    const inFake = await runCatalogue(fake, ns);

    // KUBEGEN_CATALOGUE_DUMP=<file> writes both sides' outcomes, for studying a difference.
    if (process.env.KUBEGEN_CATALOGUE_DUMP) {
      const dump = CATALOGUE.map((c, i) => ({ call: c.name, server: onServer[i], fake: inFake[i] }));
      writeFileSync(process.env.KUBEGEN_CATALOGUE_DUMP, JSON.stringify(dump, null, 1));
    }
    const differences: { call: string; server: Outcome; fake: Outcome }[] = [];
    CATALOGUE.forEach((call, i) => {
      if (canonical(onServer[i]) !== canonical(inFake[i])) differences.push({ call: call.name, server: onServer[i]!, fake: inFake[i]! });
    });
    const agree = CATALOGUE.length - differences.length;
    console.log(`fake catalogue: ${agree}/${CATALOGUE.length} calls agree (${((100 * agree) / CATALOGUE.length).toFixed(1)}%)`);
    for (const d of differences) {
      console.log(`${ALLOWED[d.call] ? "allowed" : "DIFFERENT"}: ${d.call}${ALLOWED[d.call] ? ` (${ALLOWED[d.call]})` : ""}\n  server: ${canonical(d.server)}\n  fake:   ${canonical(d.fake)}`);
    }
    const unexpected = differences.filter((d) => !ALLOWED[d.call]).map((d) => d.call);
    const stale = Object.keys(ALLOWED).filter((name) => !differences.some((d) => d.call === name));
    expect(unexpected, "differences not in ALLOWED").toEqual([]);
    expect(stale, "ALLOWED entries that no longer differ (or name no call)").toEqual([]);
  }, 300_000);
});
