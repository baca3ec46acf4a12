// Schemas are untrusted: whatever a CRD or OpenAPI document holds in names,
// descriptions, enum values and defaults, the generated code type-checks under
// strict, and loading it runs nothing but kubegen's own code. Each payload
// tries to write a canary file when the module loads (a `static {}` block after
// a closed comment, a closed string literal, a line terminator in a `//`
// comment); the test loads every generated module in a child process and
// checks that the canary never appears. Awkward but valid names (`constructor`,
// `__proto__`, `getName`, `applyConfiguration`, plurals `constructor` and
// `executor`) compile and behave, with the wire names kept exactly.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generate } from "../../../generators/index.js";
import { typecheck } from "../../helpers/typecheck.js";

const repo = fileURLToPath(new URL("../../../", import.meta.url));
mkdirSync(join(repo, ".tmp"), { recursive: true });
// Inside the checkout, so the generated code resolves @kubegen/runtime from the workspace.
const work = mkdtempSync(join(repo, ".tmp", "hostile-"));
const canary = join(work, "canary");
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A statement that leaves the canary file behind if it ever runs. */
const RUN = `process.getBuiltinModule("fs").writeFileSync(${JSON.stringify(canary)}, "ran")`;
const PAYLOADS = [
  `*/ static { ${RUN} } /*`,
  `"; ${RUN}; "`,
  `'); ${RUN}; ('`,
  `\`; ${RUN}; \``,
  `x\n${RUN}\n`,
  `x\u2028${RUN}\u2028`,
  `\\"; ${RUN}; //`,
  `*/ ${RUN} /**`,
];

function crd(props: Record<string, unknown>, names: { kind: string; plural: string; group?: string }, extra = ""): string {
  const group = names.group ?? "hostile.kubegen.dev";
  return `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: ${names.plural}.${group}
spec:
  group: ${group}
  scope: Namespaced
  names: { kind: ${names.kind}, plural: ${names.plural}, listKind: ${names.kind.replace(/[^A-Za-z0-9]/g, "")}List, singular: ${names.plural.replace(/s$/, "")} }
  versions:
    - name: v1
      served: true
      storage: true
      subresources: { status: {} }
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties: ${JSON.stringify(props)}
${extra}`;
}

/** Payloads in every place input text reaches: property names, descriptions, enum values, defaults, patterns. */
function payloadProperties(): Record<string, unknown> {
  const props: Record<string, unknown> = {};
  PAYLOADS.forEach((p, i) => {
    props[p] = { type: "string", description: p, enum: [p, `${p}${i}`], default: p, pattern: p };
    props[`field${i}`] = { type: "object", description: `ok ${p}`, properties: { [p]: { type: "integer", default: 1, description: p } } };
  });
  return props;
}

const AWKWARD = {
  constructor: { type: "string" },
  ["__proto__"]: { type: "string" },
  toString: { type: "string" },
  getName: { type: "string" },
  withName: { type: "string" },
  name: { type: "string" },
  "": { type: "string" },
  "1st": { type: "string" },
  'quo"te': { type: "string" },
  "naïve": { type: "string" },
  applyConfiguration: { type: "object", properties: { mode: { type: "string" } } },
  items: { type: "array", items: { type: "string" } },
  labels: { type: "object", additionalProperties: { type: "string" } },
};

function write(name: string, text: string): string {
  const file = join(work, name);
  writeFileSync(file, text);
  return file;
}

/** Loads every generated .ts module of `out` in a child process (tsx), which must exit 0. */
function loadAll(out: string): { code: number | null; output: string } {
  const modules: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (e.name.endsWith(".ts")) modules.push(pathToFileURL(join(d, e.name)).href);
    }
  };
  walk(out);
  const script = join(work, `load-${Math.random().toString(36).slice(2)}.mts`);
  writeFileSync(script, `${modules.map((m) => `await import(${JSON.stringify(m)});`).join("\n")}\nconsole.log("loaded ${modules.length}");\n`);
  const tsx = pathToFileURL(join(repo, "node_modules/tsx/dist/loader.mjs")).href;
  const r = spawnSync(process.execPath, ["--import", tsx, script], { cwd: repo, encoding: "utf8", timeout: 120_000 });
  return { code: r.status, output: `${r.stdout}${r.stderr}${r.error ? r.error.message : ""}` };
}

describe("hostile names and text in a CRD", () => {
  const out = join(work, "payloads");

  beforeAll(async () => {
    const file = write(
      "payloads.yaml",
      [
        crd(payloadProperties(), { kind: "Payload", plural: "payloads" }),
        "---",
        crd(AWKWARD, { kind: "Awkward", plural: "awkwards" }),
        "---",
        crd({ size: { type: "integer" } }, { kind: "Foo-Bar", plural: "constructor" }),
        "---",
        crd({ size: { type: "integer" } }, { kind: "Executor", plural: "executor" }),
      ].join("\n"),
    );
    await generate({ crd: [file], out });
  }, 120_000);

  it("type-checks under strict", () => {
    expect(typecheck([out]).errors).toEqual([]);
  }, 120_000);

  it("loads every module without running any payload", () => {
    const r = loadAll(out);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toMatch(/loaded \d+/);
    expect(existsSync(canary)).toBe(false);
  }, 120_000);

  it("keeps wire names exactly, and awkward fields are own properties of the builder", async () => {
    const ac = await import(pathToFileURL(join(out, "hostile.kubegen.dev/v1/applyconfigurations/index.ts")).href);
    const spec = ac.awkwardSpec();
    const methods = Object.getOwnPropertyNames(Object.getPrototypeOf(spec)).filter((m) => m.startsWith("with")).sort();
    const setter = (m: string) => (spec[m] as (...v: unknown[]) => unknown).bind(spec);
    for (const m of methods) {
      if (m === "withItems") setter(m)("a", "b");
      else if (m === "withLabels") setter(m)({ app: "web" });
      else if (m !== "withApplyConfiguration") setter(m)(m);
    }
    // The spec's `applyConfiguration` property hoists a type named AwkwardSpecApplyConfiguration,
    // so the spec's builder class takes the next free name.
    expect(Object.getPrototypeOf(spec)).toBe(ac.AwkwardSpecApplyConfiguration2.prototype);
    expect(ac.AwkwardSpecApplyConfiguration).toBeUndefined();
    const body = JSON.parse(JSON.stringify(spec));
    for (const wire of ["constructor", "__proto__", "toString", "getName", "withName", "name", "", "1st", 'quo"te', "naïve"]) {
      expect(Object.hasOwn(body, wire), wire).toBe(true);
      expect(typeof body[wire], wire).toBe("string");
    }
    expect(body.items).toEqual(["a", "b"]);
    expect(body.labels).toEqual({ app: "web" });
    expect(typeof ac.AwkwardSpecApplyConfigurationApplyConfiguration).toBe("function");
    expect(typeof spec.toString).toBe("string");
  }, 60_000);

  it("the clientset gets getters for plurals named like class members", async () => {
    const client = await import(pathToFileURL(join(out, "hostile.kubegen.dev/v1/client.ts")).href);
    const proto = Object.getOwnPropertyNames(client.HostileV1Client.prototype);
    expect(proto).toContain("constructor2");
    expect(proto).toContain("executor2");
  }, 60_000);
});

describe("an OpenAPI field that holds a list kind", () => {
  it("is applied as plain JSON (list kinds get no builder), and the output type-checks", async () => {
    const gvk = (kind: string) => [{ group: "demo.k8s.io", version: "v1", kind }];
    const ref = (name: string) => ({ $ref: `#/definitions/io.k8s.api.demo.v1.${name}` });
    const file = write(
      "list-ref.json",
      JSON.stringify({
        swagger: "2.0",
        info: { title: "t", version: "v1" },
        paths: {},
        definitions: {
          "io.k8s.api.demo.v1.Widget": { type: "object", properties: { kind: { type: "string" }, apiVersion: { type: "string" } }, "x-kubernetes-group-version-kind": gvk("Widget") },
          "io.k8s.api.demo.v1.WidgetList": { type: "object", required: ["items"], properties: { items: { type: "array", items: ref("Widget") } }, "x-kubernetes-group-version-kind": gvk("WidgetList") },
          "io.k8s.api.demo.v1.Holder": { type: "object", properties: { widgets: ref("WidgetList") } },
        },
      }),
    );
    const out = join(work, "list-ref");
    await generate({ openapi: [file], out });
    expect(typecheck([out]).errors).toEqual([]);
    const ac = await import(pathToFileURL(join(out, "demo/v1/applyconfigurations/index.ts")).href);
    expect(ac.WidgetListApplyConfiguration).toBeUndefined();
    expect(ac.applySchema.types["demo/v1.Holder"].fields.widgets).toEqual({ kind: "untyped" });
  }, 120_000);
});

describe("an OpenAPI document with no resources", () => {
  it("generates a fake clientset that type-checks", async () => {
    const file = write(
      "no-resources.json",
      JSON.stringify({
        swagger: "2.0",
        info: { title: "t", version: "v1" },
        paths: {},
        definitions: { "io.k8s.api.demo.v1.Thing": { type: "object", properties: { a: { type: "string", description: PAYLOADS[0] } } } },
      }),
    );
    const out = join(work, "no-resources");
    await generate({ openapi: [file], out });
    expect(existsSync(join(out, "fake.ts"))).toBe(true);
    expect(typecheck([out]).errors).toEqual([]);
    expect(loadAll(out).code).toBe(0);
    expect(existsSync(canary)).toBe(false);
  }, 120_000);
});

/** A CRD of one version, its root schema given whole (for root-level and version-level cases). */
function rootCrd(names: { kind: string; plural: string; group: string; version?: string }, root: Record<string, unknown>): string {
  return JSON.stringify({
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${names.plural}.${names.group}` },
    spec: {
      group: names.group,
      scope: "Namespaced",
      names: { kind: names.kind, plural: names.plural, listKind: `${names.kind}List` },
      versions: [{ name: names.version ?? "v1", served: true, storage: true, subresources: { status: {} }, schema: { openAPIV3Schema: root } }],
    },
  });
}

const SPEC = { type: "object", properties: { spec: { type: "object", properties: { size: { type: "integer" } } } } };

// Each case below is a bug the fuzzer (fuzz.test.ts) found: the output did not parse, type-check or load.
describe("names the fuzzer found", () => {
  const out = join(work, "fuzz-found");
  const group = "found.kubegen.dev";

  beforeAll(async () => {
    const docs = [
      // exported then() made the module a thenable: `await import()` never settled
      rootCrd({ kind: "Then", plural: "thens", group }, SPEC),
      // rt() and t() collided with the module's import aliases; foundV1() with the module accessor
      rootCrd({ kind: "Rt", plural: "rts", group }, SPEC),
      rootCrd({ kind: "T", plural: "ts", group }, SPEC),
      rootCrd({ kind: "FoundV1", plural: "foundv1s", group }, SPEC),
      // a lister member new(namespace) is a construct signature
      rootCrd({ kind: "New", plural: "new", group }, SPEC),
      // list and map fields named like Object.prototype members lost their schema node's literal types
      rootCrd({ kind: "Proto", plural: "protos", group }, {
        type: "object",
        properties: {
          spec: {
            type: "object",
            properties: {
              constructor: { type: "array", items: { type: "string" } },
              valueOf: { type: "object", additionalProperties: { type: "string" } },
              toString: { type: "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["k"], items: { type: "object", required: ["k"], properties: { k: { type: "string" } } } },
            },
          },
        },
      }),
      // nullable apiVersion, kind and metadata broke the KubernetesObject constraint
      rootCrd({ kind: "Nullable", plural: "nullables", group }, {
        type: "object",
        properties: {
          apiVersion: { type: "string", nullable: true },
          kind: { type: "string", nullable: true },
          metadata: { type: "object", nullable: true },
          spec: { type: "object", nullable: true, properties: { size: { type: "integer" } } },
        },
      }),
      // a version with '-' reached class names unescaped
      rootCrd({ kind: "Dashed", plural: "dasheds", group, version: "v1-a" }, SPEC),
      // groups named like files became folders that shadow the output's own files (and package.json broke loading)
      rootCrd({ kind: "Idx", plural: "idxs", group: "index.ts" }, SPEC),
      rootCrd({ kind: "Pkg", plural: "pkgs", group: "package.json" }, SPEC),
      rootCrd({ kind: "Fk", plural: "fks", group: "fake.ts" }, SPEC),
    ];
    await generate({ crd: [write("fuzz-found.yaml", docs.join("\n---\n"))], out });
  }, 120_000);

  it("type-checks under strict and loads", () => {
    expect(typecheck([out]).errors).toEqual([]);
    const r = loadAll(out);
    expect(r.code, r.output).toBe(0);
  }, 180_000);

  it("builder factories step around then, the import aliases and the module accessors", async () => {
    const ac = await import(pathToFileURL(join(out, `${group}/v1/applyconfigurations/index.ts`)).href);
    expect(ac.then).toBeUndefined();
    expect(ac.rt).toBeUndefined();
    expect(ac.t).toBeUndefined();
    expect(ac.foundV1).toBeUndefined();
    expect(ac.then2("a", "ns").kind).toBe("Then");
    expect(ac.rt2("a", "ns").kind).toBe("Rt");
    expect(ac.t2("a", "ns").kind).toBe("T");
    expect(ac.foundV12("a", "ns").kind).toBe("FoundV1");
  }, 60_000);

  it("a plural `new` gets the getter new2", async () => {
    const client = await import(pathToFileURL(join(out, `${group}/v1/client.ts`)).href);
    expect(Object.getOwnPropertyNames(client.FoundV1Client.prototype)).toContain("new2");
  }, 60_000);

  it("keeps the merge semantics of fields named like Object.prototype members", async () => {
    const ac = await import(pathToFileURL(join(out, `${group}/v1/applyconfigurations/index.ts`)).href);
    const fields = ac.applySchema.types[`${group}/v1.ProtoSpec`].fields;
    expect(Object.hasOwn(fields, "constructor")).toBe(true);
    expect(fields.constructor).toMatchObject({ kind: "list", listType: "atomic" });
    expect(fields.toString).toMatchObject({ kind: "list", listType: "map", keys: ["k"] });
    expect(fields.valueOf).toMatchObject({ kind: "map" });
  }, 60_000);

  it("names a dashed version's module like any other and keeps file-like groups in folders of their own", () => {
    expect(existsSync(join(out, `${group}/v1-a/client.ts`))).toBe(true);
    expect(readFileSync(join(out, `${group}/v1-a/client.ts`), "utf8")).toContain("export class FoundV1AClient");
    for (const g of ["index.ts", "package.json", "fake.ts"]) {
      expect(existsSync(join(out, `${g}_/v1/client.ts`)), g).toBe(true);
    }
    expect(existsSync(join(out, "package.json", "v1"))).toBe(false);
    expect(readFileSync(join(out, "index.ts"), "utf8")).toContain('"./index.ts_/v1/types/index.js"');
  });
});
