// Names are validated as the API server validates them (k8s.io/apimachinery
// util/validation and apiextensions validation): tables of given/want for the
// rules themselves, then for CRDs and OpenAPI documents through generate(),
// where every invalid name is a SchemaError naming the file, the JSON pointer
// (and the line, for YAML) and nothing is written; valid but awkward names load.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { buildModel, Diagnostics, generate, loadInputs, SchemaError } from "../../../generators/index.js";
import {
  apiGroupError,
  apiVersionError,
  crdGroupError,
  definitionNameError,
  dns1035LabelError,
  dns1123LabelError,
  dns1123SubdomainError,
  kindError,
  resourceNameError,
} from "../../../generators/load/names.js";

const work = mkdtempSync(join(tmpdir(), "kubegen-names-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("the API server's name rules", () => {
  const rules: [string, (s: string) => string | undefined, string[], string[]][] = [
    [
      "DNS-1123 subdomain",
      dns1123SubdomainError,
      ["example.com", "a", "0", "a-b.c-d", "1.2.3", "x".repeat(253)],
      ["", "Example.com", "a..b", ".a", "a.", "-a.com", "a-.com", "a_b.com", "a b", "ä.com", "x".repeat(254)],
    ],
    ["DNS-1123 label", dns1123LabelError, ["a", "0a", "a-0", "x".repeat(63)], ["", "A", "a.b", "-a", "a-", "x".repeat(64)]],
    [
      "DNS-1035 label",
      dns1035LabelError,
      ["a", "widgets", "constructor", "executor", "a-1", "x".repeat(63)],
      ["", "1a", "a-", "-a", "A", "a_b", "a.b", "a b", "x".repeat(64)],
    ],
    ["CRD group (a subdomain with a dot)", crdGroupError, ["stable.example.com", "a.b", "hostile.kubegen.dev"], ["", "example", "Example.com", "a..b", "a_b.com"]],
    ["OpenAPI group (empty for core, else a subdomain)", apiGroupError, ["", "apps", "networking.k8s.io"], ["Apps", "a..b", "a/b"]],
    ["version", apiVersionError, ["v1", "v1beta1", "v2alpha3"], ["", "V1", "1", "v1.0", "v1_0"]],
    ["kind (lower case is a DNS-1035 label)", kindError, ["Foo", "Foo-Bar", "FOO", "X", "Constructor", "x".repeat(63)], ["", "Foo_Bar", "Foo.Bar", "1Foo", "Foo Bar", 'Foo"', "Foo-", "Föo", "x".repeat(64)]],
    ["resource name (plural, singular, short name, category)", resourceNameError, ["widgets", "constructor", "executor", "all"], ["", "Widgets", "wid_gets", "1st", "a.b"]],
    [
      "definition name",
      definitionNameError,
      ["io.k8s.api.apps.v1.Deployment", "com.example.v1.Foo-Bar", "Foo", "a_b.C", "__proto__"],
      ["", "a..b", ".a", "a.", "a b", "a/b", "a$b", "ä.b", "a\nb"],
    ],
  ];
  describe.each(rules)("%s", (_name, rule, valid, invalid) => {
    it.each(valid)("accepts %j", (s) => expect(rule(s)).toBeUndefined());
    it.each(invalid)("rejects %j", (s) => expect(rule(s)).toMatch(/must/));
  });
});

function crd(mutate: (c: any) => void = () => {}): string {
  const c: any = {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: "widgets.names.kubegen.dev" },
    spec: {
      group: "names.kubegen.dev",
      scope: "Namespaced",
      names: { kind: "Widget", plural: "widgets", singular: "widget", listKind: "WidgetList", shortNames: ["wd"], categories: ["all"] },
      versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object", properties: { spec: { type: "object" } } } } }],
    },
  };
  mutate(c);
  return stringify(c);
}

function swagger(definitions: unknown, paths: unknown = {}): string {
  return JSON.stringify({ swagger: "2.0", info: { title: "names", version: "v1" }, paths, definitions }, null, 2);
}

const withGvk = (group: string, version: string, kind: string) => ({
  type: "object",
  properties: { a: { type: "string" } },
  "x-kubernetes-group-version-kind": [{ group, version, kind }],
});

interface Case {
  readonly name: string;
  readonly flag: "crd" | "openapi";
  readonly text: string;
  /** pointer -> message pattern; every diagnostic of the file, all of them. */
  readonly want: Record<string, RegExp>;
}

const invalid: Case[] = [
  {
    name: "a CRD group without a dot",
    flag: "crd",
    text: crd((c) => {
      c.spec.group = "example";
      c.metadata.name = "widgets.example";
    }),
    want: { "/spec/group": /spec\.group "example" is invalid: must be a domain with at least one dot/ },
  },
  {
    name: "a CRD group in upper case, and one with an underscore",
    flag: "crd",
    text: [
      crd((c) => {
        c.spec.group = "Names.kubegen.dev";
        c.metadata.name = "widgets.Names.kubegen.dev";
      }),
      crd((c) => {
        c.spec.group = "na_mes.kubegen.dev";
        c.metadata.name = "widgets.na_mes.kubegen.dev";
      }),
    ].join("---\n"),
    want: { "/spec/group": /spec\.group "(Names|na_mes)\.kubegen\.dev" is invalid: must be a lowercase RFC 1123 subdomain/ },
  },
  {
    name: "a group longer than 253 characters",
    flag: "crd",
    text: crd((c) => {
      c.spec.group = `${"a".repeat(60)}.`.repeat(5).slice(0, 254);
      c.metadata.name = `widgets.${c.spec.group}`;
    }),
    want: { "/spec/group": /must be no more than 253 characters/ },
  },
  {
    name: "version names that are not DNS-1035 labels",
    flag: "crd",
    text: crd((c) => c.spec.versions.push({ ...c.spec.versions[0], name: "V2", storage: false }, { ...c.spec.versions[0], name: "2", storage: false })),
    want: { "/spec/versions/1/name": /spec\.versions\.name "V2" is invalid: must be a DNS-1035 label/, "/spec/versions/2/name": /"2" is invalid/ },
  },
  {
    name: "plural, singular, short names and categories that are not DNS-1035 labels",
    flag: "crd",
    text: crd((c) => {
      c.spec.names = { ...c.spec.names, plural: "Widgets", singular: "wid_get", shortNames: ["wd", "W"], categories: ["all", "my.category"] };
      c.metadata.name = "Widgets.names.kubegen.dev";
    }),
    want: {
      "/spec/names/plural": /spec\.names\.plural "Widgets" is invalid: must be a DNS-1035 label/,
      "/spec/names/singular": /spec\.names\.singular "wid_get" is invalid/,
      "/spec/names/shortNames/1": /spec\.names\.shortNames entry "W" is invalid/,
      "/spec/names/categories/1": /spec\.names\.categories entry "my\.category" is invalid/,
    },
  },
  ...["Foo_Bar", "Foo.Bar", "1Foo", "Foo Bar", 'Foo"Bar', "Foo-"].map(
    (kind): Case => ({
      name: `the kind ${JSON.stringify(kind)}`,
      flag: "crd",
      text: crd((c) => (c.spec.names.kind = kind)),
      want: { "/spec/names/kind": /spec\.names\.kind ".*" is invalid: may have mixed case, but its lower case must be a DNS-1035 label/ },
    }),
  ),
  {
    name: "a list kind that is not a kind, and a list kind equal to the kind",
    flag: "crd",
    text: [
      crd((c) => (c.spec.names.listKind = "Widget_List")),
      crd((c) => {
        c.metadata.name = "gadgets.names.kubegen.dev";
        c.spec.names = { kind: "Gadget", plural: "gadgets", listKind: "Gadget" };
      }),
    ].join("---\n"),
    want: { "/spec/names/listKind": /spec\.names\.listKind "Widget_List" is invalid|spec\.names\.kind and spec\.names\.listKind may not be the same/ },
  },
  {
    name: "a metadata.name that is not <plural>.<group>",
    flag: "crd",
    text: crd((c) => (c.metadata.name = "widget.names.kubegen.dev")),
    want: { "/metadata/name": /metadata\.name "widget\.names\.kubegen\.dev" must be spec\.names\.plural \+ "\." \+ spec\.group \("widgets\.names\.kubegen\.dev"\)/ },
  },
  {
    name: "OpenAPI group-version-kinds with a bad group, version or kind",
    flag: "openapi",
    text: swagger({
      "io.k8s.api.demo.v1.A": withGvk("Apps", "v1", "A"),
      "io.k8s.api.demo.v1.B": withGvk("demo.k8s.io", "V1", "B"),
      "io.k8s.api.demo.v1.C": withGvk("demo.k8s.io", "v1", "C_D"),
      "io.k8s.api.demo.v1.D": withGvk("demo.k8s.io", "v1", "1D"),
    }),
    want: {
      "/definitions/io.k8s.api.demo.v1.A/x-kubernetes-group-version-kind/0/group": /group "Apps" is invalid: must be a lowercase RFC 1123 subdomain/,
      "/definitions/io.k8s.api.demo.v1.B/x-kubernetes-group-version-kind/0/version": /version "V1" is invalid: must be a DNS-1035 label/,
      "/definitions/io.k8s.api.demo.v1.C/x-kubernetes-group-version-kind/0/kind": /kind "C_D" is invalid: may have mixed case/,
      "/definitions/io.k8s.api.demo.v1.D/x-kubernetes-group-version-kind/0/kind": /kind "1D" is invalid/,
    },
  },
  {
    name: "an operation's group-version-kind and path segments with bad names",
    flag: "openapi",
    text: swagger(
      { "io.k8s.api.demo.v1.Widget": withGvk("demo.k8s.io", "v1", "Widget") },
      {
        "/apis/demo.k8s.io/v1/Widgets": { get: { "x-kubernetes-action": "list", "x-kubernetes-group-version-kind": { group: "demo.k8s.io", version: "v1", kind: "Widget" } } },
        "/apis/demo.k8s.io/v1/widgets/{name}/Sta_tus": { get: { "x-kubernetes-action": "get", "x-kubernetes-group-version-kind": { group: "demo.k8s.io", version: "v1", kind: "Wid get" } } },
      },
    ),
    want: {
      "/paths/~1apis~1demo.k8s.io~1v1~1Widgets": /the path's resource "Widgets" is invalid/,
      "/paths/~1apis~1demo.k8s.io~1v1~1widgets~1{name}~1Sta_tus": /the path's subresource "Sta_tus" is invalid/,
      "/paths/~1apis~1demo.k8s.io~1v1~1widgets~1{name}~1Sta_tus/get/x-kubernetes-group-version-kind/kind": /kind "Wid get" is invalid/,
    },
  },
  {
    name: "definitions whose package names no group-version",
    flag: "openapi",
    text: swagger({
      Pet: { type: "object", properties: { a: { type: "string" } } },
      "Com.Example.v1.Widget": { type: "object", properties: { a: { type: "string" } } },
    }),
    want: {
      "/definitions/Pet": /definition "Pet" has no group-version: its package "" gives group "" and version ""/,
      "/definitions/Com.Example.v1.Widget": /definition "Com\.Example\.v1\.Widget" has no group-version: its package "Com\.Example\.v1" gives group "Example\.Com"/,
    },
  },
];

describe("invalid names are SchemaErrors naming the file, the pointer and the line", () => {
  it.each(invalid.map((c) => [c.name, c] as const))("%s", async (_name, c) => {
    const dir = mkdtempSync(join(work, "case-"));
    const file = c.flag === "crd" ? "names.yaml" : "names.json";
    writeFileSync(join(dir, file), c.text);
    const out = join(dir, "out");
    const error = await generate({ [c.flag]: [file], out, cwd: dir }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error, `not a SchemaError: ${(error as Error)?.stack}`).toBeInstanceOf(SchemaError);
    expect(existsSync(out)).toBe(false);
    const diagnostics = (error as SchemaError).diagnostics;
    for (const d of diagnostics) {
      expect(d.file).toBe(file);
      expect(Object.keys(c.want), `unexpected ${d.pointer}: ${d.message}`).toContain(d.pointer);
      expect(d.message).toMatch(c.want[d.pointer]!);
      if (c.flag === "crd") expect(d.line).toBeGreaterThan(0);
    }
    for (const pointer of Object.keys(c.want)) expect(diagnostics.map((d) => d.pointer), pointer).toContain(pointer);
  }, 60_000);

  it("the line is the line of the name", async () => {
    const dir = mkdtempSync(join(work, "line-"));
    const text = crd((c) => (c.spec.names.kind = "Foo_Bar"));
    writeFileSync(join(dir, "kind.yaml"), text);
    const error = await generate({ crd: ["kind.yaml"], out: "out", cwd: dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SchemaError);
    const line = text.split("\n").findIndex((l) => l.includes("kind: Foo_Bar")) + 1;
    expect((error as SchemaError).diagnostics).toEqual([expect.objectContaining({ file: "kind.yaml", pointer: "/spec/names/kind", line })]);
  }, 60_000);
});

describe("valid names load, however awkward", () => {
  const valid: [string, string][] = [
    [
      "kind Foo-Bar, plural constructor, short name and category executor",
      crd((c) => {
        c.metadata.name = "constructor.names.kubegen.dev";
        c.spec.names = { kind: "Foo-Bar", plural: "constructor", shortNames: ["executor"], categories: ["executor"] };
      }),
    ],
    [
      "a two-label group, version v1beta1, a one-letter kind in upper case",
      crd((c) => {
        c.metadata.name = "xs.a.b";
        c.spec.group = "a.b";
        c.spec.names = { kind: "X", plural: "xs" };
        c.spec.versions[0].name = "v1beta1";
      }),
    ],
    ["a 63-character plural", crd((c) => {
      c.spec.names.plural = `w${"x".repeat(62)}`;
      c.metadata.name = `${c.spec.names.plural}.names.kubegen.dev`;
    })],
  ];
  it.each(valid)("%s", async (_name, text) => {
    const dir = mkdtempSync(join(work, "valid-"));
    writeFileSync(join(dir, "ok.yaml"), text);
    const diags = new Diagnostics();
    const model = buildModel(await loadInputs({ crd: ["ok.yaml"], cwd: dir }, diags), diags);
    expect(diags.errors).toEqual([]);
    expect(model.groupVersions.flatMap((g) => g.resources)).toHaveLength(1);
  }, 60_000);

  it("the core group (empty) and dotless built-in groups in OpenAPI", async () => {
    const dir = mkdtempSync(join(work, "core-"));
    writeFileSync(
      join(dir, "core.json"),
      swagger(
        { "io.k8s.api.core.v1.Pod": withGvk("", "v1", "Pod"), "io.k8s.api.apps.v1.Deployment": withGvk("apps", "v1", "Deployment") },
        {
          "/api/v1/namespaces/{namespace}/pods": { get: { "x-kubernetes-action": "list", "x-kubernetes-group-version-kind": { group: "", version: "v1", kind: "Pod" } } },
          "/apis/apps/v1/namespaces/{namespace}/deployments": { get: { "x-kubernetes-action": "list", "x-kubernetes-group-version-kind": { group: "apps", version: "v1", kind: "Deployment" } } },
        },
      ),
    );
    const diags = new Diagnostics();
    const model = buildModel(await loadInputs({ openapi: ["core.json"], cwd: dir }, diags), diags);
    expect(diags.errors).toEqual([]);
    expect(model.groupVersions.flatMap((g) => g.resources.map((r) => `${g.names.apiVersion} ${r.plural}`)).sort()).toEqual(["apps/v1 deployments", "v1 pods"]);
  }, 60_000);
});
