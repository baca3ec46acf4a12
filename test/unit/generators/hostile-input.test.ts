// Schemas are untrusted input: malformed CRDs and OpenAPI documents get
// diagnostics, never a crash. Each case is a small given/want: the input file,
// and the diagnostics it must produce. Every case asserts that generate()
// rejects with a SchemaError (not any other error), that every diagnostic names
// the file and a JSON pointer (and the line, where YAML gives it), that all the
// file's problems are listed together, and that the output folder was never
// created. A second table lists awkward inputs that are valid and must load.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { buildModel, Diagnostics, generate, loadInputs, SchemaError } from "../../../generators/index.js";
import type { Diagnostic } from "../../../generators/index.js";

const work = mkdtempSync(join(tmpdir(), "kubegen-hostile-input-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A valid CRD as a plain object, for cases to break one field of. */
function baseCrd(): any {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: "widgets.hostile.kubegen.dev" },
    spec: {
      group: "hostile.kubegen.dev",
      scope: "Namespaced",
      names: { kind: "Widget", plural: "widgets", singular: "widget", listKind: "WidgetList" },
      versions: [
        {
          name: "v1",
          served: true,
          storage: true,
          subresources: { status: {} },
          schema: {
            openAPIV3Schema: {
              type: "object",
              properties: { spec: { type: "object", properties: { size: { type: "integer" } } } },
            },
          },
        },
      ],
    },
  };
}

/** The CRD YAML (block style) with `mutate` applied to the base CRD. */
function crdYaml(mutate: (c: any) => void = () => {}): string {
  const c = baseCrd();
  mutate(c);
  return stringify(c);
}

/** A swagger 2.0 document with these definitions (and paths). */
function swagger(definitions: unknown, paths: unknown = {}): string {
  return JSON.stringify({ swagger: "2.0", info: { title: "hostile", version: "v1" }, paths, definitions }, null, 2);
}

const SPEC = "/spec/versions/0/schema/openAPIV3Schema/properties/spec";
const spec = (c: any): any => c.spec.versions[0].schema.openAPIV3Schema.properties.spec;

/** 1-based line of the first line of `text` containing `needle`. */
function lineOf(text: string, needle: string): number {
  const i = text.split("\n").findIndex((l) => l.includes(needle));
  if (i < 0) throw new Error(`test bug: ${JSON.stringify(needle)} is not in the input`);
  return i + 1;
}

interface Want {
  readonly pointer: string;
  readonly message: RegExp;
  /** The line must be the first one holding this text, or the one this function finds. */
  readonly line?: string | ((text: string) => number);
}

interface Case {
  readonly name: string;
  readonly flag: "crd" | "openapi";
  /** File name inside the case folder (the name diagnostics must show). */
  readonly file: string;
  readonly text: () => string;
  /** Further files in the case folder, passed too (for conflicts between files). */
  readonly others?: Record<string, () => string>;
  readonly want: readonly Want[];
}

const LOL = (levels: number): string => {
  const lines = [`  l0: &l0 [${Array(9).fill('"lol"').join(", ")}]`];
  for (let i = 1; i < levels; i++) lines.push(`  l${i}: &l${i} [${Array(9).fill(`*l${i - 1}`).join(", ")}]`);
  return lines.join("\n");
};

/**
 * A CRD whose schema has a property `deep` nesting `levels` schema levels in
 * YAML block style (`properties:` / `a:` / `properties:` ..., two maps a level).
 */
function deepYaml(levels: number): string {
  const text = crdYaml((c) => (spec(c).properties.deep = "PLACEHOLDER"));
  const line = text.split("\n").find((l) => l.includes("deep: PLACEHOLDER"))!;
  const indent = line.indexOf("deep");
  const lines = [`${" ".repeat(indent)}deep:`];
  for (let i = 0; i < 2 * levels; i++) lines.push(`${" ".repeat(indent + 2 + 2 * i)}${i % 2 === 0 ? "properties" : "a"}:`);
  lines.push(`${" ".repeat(indent + 2 + 4 * levels)}type: string`);
  return text.replace(line, lines.join("\n"));
}

/** `properties/a/properties/a...`: the first `n` segments of the deep property's path. */
const deepPath = (n: number): string => Array.from({ length: n }, (_, i) => (i % 2 === 0 ? "/properties" : "/a")).join("");
/** The 2nd line holding exactly this text. */
const secondLine = (exact: string) => (text: string): number => text.split("\n").findIndex((l, n, all) => l === exact && all.slice(0, n).includes(exact)) + 1;

/** A schema nested `depth` levels (properties in properties), as an object. */
function nestedSchema(depth: number): any {
  let s: any = { type: "string" };
  for (let i = 0; i < depth; i++) s = { type: "object", properties: { a: s } };
  return s;
}

const cases: Case[] = [
  // --- wrong JSON types in a CRD schema ---
  {
    name: "a description that is not a string",
    flag: "crd",
    file: "description.yaml",
    text: () => crdYaml((c) => (spec(c).properties.size.description = 5)),
    want: [{ pointer: `${SPEC}/properties/size/description`, message: /`description` must be a string, got an integer/, line: "description: 5" }],
  },
  {
    name: "anyOf, oneOf and allOf that are not lists (all three reported together)",
    flag: "crd",
    file: "combinators.yaml",
    text: () =>
      crdYaml((c) => {
        spec(c).properties.a = { anyOf: { type: "string" } };
        spec(c).properties.b = { oneOf: "string" };
        spec(c).properties.c = { allOf: 3 };
      }),
    want: [
      { pointer: `${SPEC}/properties/a/anyOf`, message: /`anyOf` must be a list of schemas, got a map/, line: "anyOf:" },
      { pointer: `${SPEC}/properties/b/oneOf`, message: /`oneOf` must be a list of schemas, got a string/, line: "oneOf: string" },
      { pointer: `${SPEC}/properties/c/allOf`, message: /`allOf` must be a list of schemas, got an integer/, line: "allOf: 3" },
    ],
  },
  {
    name: "properties that is not a map, and a property that is not a schema",
    flag: "crd",
    file: "properties.yaml",
    text: () =>
      crdYaml((c) => {
        spec(c).properties.list = { type: "object", properties: ["a", "b"] };
        spec(c).properties.size = "integer";
      }),
    want: [
      { pointer: `${SPEC}/properties/list/properties`, message: /`properties` must be a map of schemas, got a list/ },
      { pointer: `${SPEC}/properties/size`, message: /a schema must be a map, got a string/, line: "size: integer" },
    ],
  },
  {
    name: "items that is a list, and items that is a string",
    flag: "crd",
    file: "items.yaml",
    text: () =>
      crdYaml((c) => {
        spec(c).properties.tuple = { type: "array", items: [{ type: "string" }, { type: "integer" }] };
        spec(c).properties.word = { type: "array", items: "string" };
      }),
    want: [
      { pointer: `${SPEC}/properties/tuple/items`, message: /`items` must be one schema \(a map\), not a list/ },
      { pointer: `${SPEC}/properties/word/items`, message: /`items` must be a schema \(a map\), got a string/, line: "items: string" },
    ],
  },
  {
    name: "required that is not a list of strings",
    flag: "crd",
    file: "required.yaml",
    text: () =>
      crdYaml((c) => {
        spec(c).required = "size";
        spec(c).properties.inner = { type: "object", required: ["a", 7], properties: { a: { type: "string" } } };
      }),
    want: [
      { pointer: `${SPEC}/required`, message: /`required` must be a list of strings, got a string/, line: "required: size" },
      { pointer: `${SPEC}/properties/inner/required/1`, message: /`required` entries must be strings, got an integer/, line: "- 7" },
    ],
  },
  {
    name: "enum that is not a list, type that is not a string",
    flag: "crd",
    file: "enum-type.yaml",
    text: () =>
      crdYaml((c) => {
        spec(c).properties.color = { type: "string", enum: "red" };
        spec(c).properties.size = { type: 5 };
        spec(c).properties.shape = { type: { name: "string" } };
      }),
    want: [
      { pointer: `${SPEC}/properties/color/enum`, message: /`enum` must be a list, got a string/, line: "enum: red" },
      { pointer: `${SPEC}/properties/size/type`, message: /`type` must be a string, got an integer/, line: "type: 5" },
      { pointer: `${SPEC}/properties/shape/type`, message: /`type` must be a string, got a map/ },
    ],
  },
  {
    name: "x-kubernetes-list-map-keys that is not a list of strings",
    flag: "crd",
    file: "map-keys.yaml",
    text: () =>
      crdYaml((c) => {
        spec(c).properties.ports = {
          type: "array",
          "x-kubernetes-list-type": "map",
          "x-kubernetes-list-map-keys": "name",
          items: { type: "object", required: ["name"], properties: { name: { type: "string" } } },
        };
        spec(c).properties.routes = {
          type: "array",
          "x-kubernetes-list-type": "map",
          "x-kubernetes-list-map-keys": [{ name: 1 }],
          items: { type: "object", properties: { name: { type: "string" } } },
        };
      }),
    want: [
      { pointer: `${SPEC}/properties/ports/x-kubernetes-list-map-keys`, message: /must be a list of strings, got a string/, line: "x-kubernetes-list-map-keys: name" },
      { pointer: `${SPEC}/properties/routes/x-kubernetes-list-map-keys/0`, message: /entries must be strings, got a map/ },
    ],
  },
  {
    name: "wrong types in validations, numbers and markers",
    flag: "crd",
    file: "keywords.yaml",
    text: () =>
      crdYaml((c) => {
        spec(c)["x-kubernetes-validations"] = [{ rule: 1 }, "self.size > 0"];
        spec(c).properties.size = { type: "integer", minimum: "0", maxLength: -1, "x-kubernetes-int-or-string": "yes", pattern: 5 };
        spec(c).properties.extra = { type: "object", additionalProperties: "string", "x-kubernetes-preserve-unknown-fields": 1 };
      }),
    want: [
      { pointer: `${SPEC}/x-kubernetes-validations/0/rule`, message: /`rule` must be a string, got an integer/ },
      { pointer: `${SPEC}/x-kubernetes-validations/1`, message: /a validation rule must be a map, got a string/ },
      { pointer: `${SPEC}/properties/size/minimum`, message: /`minimum` must be a number, got a string/ },
      { pointer: `${SPEC}/properties/size/maxLength`, message: /`maxLength` must be a non-negative integer/ },
      { pointer: `${SPEC}/properties/size/x-kubernetes-int-or-string`, message: /must be a boolean, got a string/ },
      { pointer: `${SPEC}/properties/size/pattern`, message: /`pattern` must be a string, got an integer/ },
      { pointer: `${SPEC}/properties/extra/additionalProperties`, message: /must be a boolean or a schema \(a map\), got a string/ },
      { pointer: `${SPEC}/properties/extra/x-kubernetes-preserve-unknown-fields`, message: /must be a boolean, got an integer/ },
    ],
  },
  // --- wrong JSON types in the CRD's spec ---
  {
    name: "names, scope and versions of the wrong types (all reported together)",
    flag: "crd",
    file: "spec-types.yaml",
    text: () =>
      crdYaml((c) => {
        c.spec.names = { kind: 5, plural: ["widgets"], shortNames: "w", categories: [1] };
        c.spec.scope = 7;
        c.spec.versions.push("v2", { name: 2, served: "yes", storage: false });
      }),
    want: [
      { pointer: "/spec/names/kind", message: /spec\.names\.kind must be a string, got an integer/, line: "kind: 5" },
      { pointer: "/spec/names/plural", message: /spec\.names\.plural must be a string, got a list/ },
      { pointer: "/spec/names/shortNames", message: /spec\.names\.shortNames must be a list, got a string/, line: "shortNames: w" },
      { pointer: "/spec/names/categories/0", message: /entries must be strings, got an integer/ },
      { pointer: "/spec/scope", message: /spec\.scope must be Namespaced or Cluster, got an integer/, line: "scope: 7" },
      { pointer: "/spec/versions/1", message: /every entry of spec\.versions must be a map, got a string/, line: "- v2" },
      { pointer: "/spec/versions/2/name", message: /spec\.versions\.name must be a string, got an integer/, line: "name: 2" },
      { pointer: "/spec/versions/2/served", message: /must be a boolean \(true or false\), got a string/, line: "served: yes" },
    ],
  },
  {
    name: "spec, names, versions and subresources that are not maps or lists",
    flag: "crd",
    file: "spec-shapes.yaml",
    text: () =>
      crdYaml((c) => {
        c.spec.names = "widgets";
        c.spec.versions[0].subresources = { status: "yes", scale: { specReplicasPath: 1 } };
        c.spec.versions[0].schema = { openAPIV3Schema: "object" };
        c.spec.versions[0].selectableFields = [{ jsonPath: 3 }];
      }),
    want: [
      { pointer: "/spec/names", message: /spec\.names must be a map, got a string/, line: "names: widgets" },
      { pointer: "/spec/versions/0/subresources/status", message: /must be a map, got a string/, line: "status: yes" },
      { pointer: "/spec/versions/0/subresources/scale/specReplicasPath", message: /must be a string, got an integer/ },
      { pointer: "/spec/versions/0/subresources/scale/statusReplicasPath", message: /needs statusReplicasPath/ },
      { pointer: "/spec/versions/0/schema/openAPIV3Schema", message: /must be a map, got a string/, line: "openAPIV3Schema: object" },
      { pointer: "/spec/versions/0/selectableFields/0/jsonPath", message: /must be a string, got an integer/ },
    ],
  },
  {
    name: "versions that is not a list",
    flag: "crd",
    file: "versions-map.yaml",
    text: () => crdYaml((c) => (c.spec.versions = { name: "v1" })),
    want: [{ pointer: "/spec/versions", message: /spec\.versions must be a list, got a map/, line: "versions:" }],
  },
  // --- YAML-level attacks and mistakes ---
  {
    name: "a YAML alias bomb (billion laughs)",
    flag: "crd",
    file: "lol.yaml",
    text: () => `${crdYaml()}x-lol:\n${LOL(9)}\n`,
    want: [{ pointer: "/x-lol/l8/0", message: /YAML aliases expand this document by \d+ nodes, more than kubegen's limit of 10000/, line: "l8: &l8" }],
  },
  {
    name: "a recursive YAML alias",
    flag: "crd",
    file: "recursive-alias.yaml",
    text: () => crdYaml().replace("      subresources:", "      x-loop: &loop\n        again: *loop\n      subresources:"),
    want: [{ pointer: "/spec/versions/0/x-loop/again", message: /the alias \*loop refers to a node that contains it/, line: "again: *loop" }],
  },
  {
    name: "an alias with no anchor, and more than 100 aliases",
    flag: "crd",
    file: "aliases.yaml",
    text: () =>
      `${crdYaml()}x-missing: *nowhere\nx-base: &base 1\nx-many: [${Array(101).fill("*base").join(", ")}]\n`,
    want: [
      { pointer: "/x-missing", message: /the alias \*nowhere refers to no anchor/, line: "x-missing:" },
      { pointer: "/x-many/99", message: /more than 100 YAML aliases in one document/, line: "x-many:" },
    ],
  },
  {
    name: "duplicate keys (each reported with its line)",
    flag: "crd",
    file: "duplicates.yaml",
    text: () =>
      crdYaml()
        .replace("  scope: Namespaced\n", "  scope: Namespaced\n  scope: Cluster\n")
        .replace("                size:\n", "                size:\n                  type: integer\n                size:\n"),
    want: [
      { pointer: "/spec/scope", message: /duplicate key "scope": the API server rejects/, line: "scope: Cluster" },
      { pointer: `${SPEC}/properties/size`, message: /duplicate key "size"/, line: secondLine("                size:") },
    ],
  },
  {
    name: "keys that become the same JSON key, and a key that is a list",
    flag: "crd",
    file: "keys.yaml",
    text: () => `${crdYaml()}x-keys:\n  1: a\n  "1": b\n  ? [x, y]\n  : c\n`,
    want: [
      { pointer: "/x-keys/1", message: /duplicate key "1"/, line: '"1": b' },
      { pointer: "/x-keys", message: /a map key must be a string, not a list/, line: "? [x, y]" },
    ],
  },
  {
    name: "a YAML merge key (the API server would merge it; YAML 1.2 would keep a key \"<<\")",
    flag: "crd",
    file: "merge.yaml",
    text: () => crdYaml().replace("                size:\n", "                base: &base\n                  type: object\n                more:\n                  <<: *base\n                size:\n"),
    want: [{ pointer: `${SPEC}/properties/more/<<`, message: /YAML merge keys \(<<\) are not supported/, line: "<<: *base" }],
  },
  {
    name: "a schema nesting 1,500 levels, 3,000 maps deep (YAML)",
    flag: "crd",
    file: "deep.yaml",
    text: () => deepYaml(1500),
    // `deep:` is a key of the 9th map of the document; the 257th map starts 248 lines below it.
    want: [
      {
        pointer: `${SPEC}/properties/deep${deepPath(247)}`,
        message: /the document nests too deep: more than 256 levels of maps and lists/,
        line: (t) => lineOf(t, "deep:") + 248,
      },
    ],
  },
  {
    name: "a schema nested 100 levels (properties in properties)",
    flag: "crd",
    file: "deep-schema.yaml",
    text: () => crdYaml((c) => (spec(c).properties.deep = nestedSchema(100))),
    want: [{ pointer: `${SPEC}/properties/deep${"/properties/a".repeat(62)}`, message: /the schema nests too deep: more than 64 levels/ }],
  },
  // --- conflicts the API server refuses ---
  {
    name: "two versions with one name",
    flag: "crd",
    file: "versions-twice.yaml",
    text: () => crdYaml((c) => c.spec.versions.push({ ...c.spec.versions[0], storage: false })),
    want: [{ pointer: "/spec/versions/1/name", message: /version "v1" is listed twice in spec\.versions \(also at index 0\)/ }],
  },
  {
    name: "no storage version, and two storage versions",
    flag: "crd",
    file: "storage.yaml",
    text: () =>
      [
        crdYaml((c) => (c.spec.versions[0].storage = false)),
        crdYaml((c) => {
          c.metadata.name = "gadgets.hostile.kubegen.dev";
          c.spec.names = { kind: "Gadget", plural: "gadgets" };
          c.spec.versions.push({ ...c.spec.versions[0], name: "v2" });
        }),
      ].join("---\n"),
    want: [
      { pointer: "/spec/versions", message: /exactly one version must be marked storage: true, got 0/, line: "versions:" },
      { pointer: "/spec/versions", message: /exactly one version must be marked storage: true, got 2/ },
    ],
  },
  {
    name: "two CRDs with the same group and kind",
    flag: "crd",
    file: "b-widgets.yaml",
    others: { "a-widgets.yaml": () => crdYaml() },
    text: () =>
      crdYaml((c) => {
        c.metadata.name = "widgetses.hostile.kubegen.dev";
        c.spec.names.plural = "widgetses";
      }),
    want: [{ pointer: "/spec/names/kind", message: /kind Widget of group hostile\.kubegen\.dev is also defined by CRD widgets\.hostile\.kubegen\.dev in a-widgets\.yaml/, line: "kind: Widget" }],
  },
  {
    name: "two CRDs with the same group and plural under different metadata.names",
    flag: "crd",
    file: "b-plural-renamed.yaml",
    others: { "a-plural-renamed.yaml": () => crdYaml() },
    text: () =>
      crdYaml((c) => {
        c.metadata.name = "gizmos.hostile.kubegen.dev";
        c.spec.names.kind = "Gizmo";
      }),
    want: [{ pointer: "/metadata/name", message: /metadata\.name "gizmos\.hostile\.kubegen\.dev" must be spec\.names\.plural \+ "\." \+ spec\.group \("widgets\.hostile\.kubegen\.dev"\)/, line: "name: gizmos" }],
  },
  {
    // Diagnosed before this suite too; kept so the conflict stays an error.
    name: "two CRDs with the same group and plural, defined differently",
    flag: "crd",
    file: "b-plural.yaml",
    others: { "a-plural.yaml": () => crdYaml() },
    text: () => crdYaml((c) => (c.spec.names.kind = "Gizmo")),
    want: [{ pointer: "/metadata/name", message: /CRD widgets\.hostile\.kubegen\.dev is also defined, differently, in a-plural\.yaml/, line: "name: widgets.hostile.kubegen.dev" }],
  },
  // --- OpenAPI documents ---
  {
    name: "swagger definitions that are a list",
    flag: "openapi",
    file: "definitions-list.json",
    text: () => swagger([1, 2]),
    want: [{ pointer: "/definitions", message: /`definitions` must be a map of schemas, got a list/ }],
  },
  {
    name: "definitions whose values are not schemas",
    flag: "openapi",
    file: "definition-values.json",
    text: () => swagger({ "io.k8s.api.demo.v1.A": 5, "io.k8s.api.demo.v1.B": "object", "io.k8s.api.demo.v1.C": null, "io.k8s.api.demo.v1.D": [] }),
    want: [
      { pointer: "/definitions/io.k8s.api.demo.v1.A", message: /a schema must be a map, got an integer/ },
      { pointer: "/definitions/io.k8s.api.demo.v1.B", message: /a schema must be a map, got a string/ },
      { pointer: "/definitions/io.k8s.api.demo.v1.C", message: /a schema must be a map, got null/ },
      { pointer: "/definitions/io.k8s.api.demo.v1.D", message: /a schema must be a map, got a list/ },
    ],
  },
  {
    name: "definition names that cannot be definition names",
    flag: "openapi",
    file: "definition-names.json",
    text: () =>
      swagger({
        "a..b": { type: "string" },
        "io.k8s.api.demo.v1.Has Space": { type: "string" },
        "io.k8s.api.demo.v1/../../x": { type: "string" },
        "": { type: "string" },
        "io.k8s.api.demo.v1.Ok": { type: "object", properties: { a: { $ref: "#/definitions/a..b" } } },
      }),
    want: [
      { pointer: "/definitions/a..b", message: /definition "a\.\.b": a definition name must be dot-separated segments/ },
      { pointer: "/definitions/io.k8s.api.demo.v1.Has Space", message: /dot-separated segments of letters, digits/ },
      { pointer: "/definitions/io.k8s.api.demo.v1~1..~1..~1x", message: /dot-separated segments of letters, digits/ },
      { pointer: "/definitions/", message: /a definition name must not be empty/ },
    ],
  },
  {
    name: "x-kubernetes-group-version-kind entries with numbers or missing fields",
    flag: "openapi",
    file: "gvk.json",
    text: () =>
      swagger({
        "io.k8s.api.demo.v1.A": { type: "object", properties: { a: { type: "string" } }, "x-kubernetes-group-version-kind": [{ group: 1, version: "v1", kind: "A" }] },
        "io.k8s.api.demo.v1.B": { type: "object", properties: { a: { type: "string" } }, "x-kubernetes-group-version-kind": [{ group: "demo" }] },
        "io.k8s.api.demo.v1.C": { type: "object", properties: { a: { type: "string" } }, "x-kubernetes-group-version-kind": { group: "demo", version: "v1", kind: "C" } },
        "io.k8s.api.demo.v1.D": { type: "object", properties: { a: { type: "string" } }, "x-kubernetes-group-version-kind": [7] },
      }),
    want: [
      { pointer: "/definitions/io.k8s.api.demo.v1.A/x-kubernetes-group-version-kind/0/group", message: /group must be a string, got an integer/ },
      { pointer: "/definitions/io.k8s.api.demo.v1.B/x-kubernetes-group-version-kind/0/version", message: /the group-version-kind has no version/ },
      { pointer: "/definitions/io.k8s.api.demo.v1.B/x-kubernetes-group-version-kind/0/kind", message: /the group-version-kind has no kind/ },
      { pointer: "/definitions/io.k8s.api.demo.v1.C/x-kubernetes-group-version-kind", message: /must be a list, got a map/ },
      { pointer: "/definitions/io.k8s.api.demo.v1.D/x-kubernetes-group-version-kind/0", message: /a group-version-kind must be a map .*, got an integer/ },
    ],
  },
  {
    name: "paths of the wrong type",
    flag: "openapi",
    file: "paths-list.json",
    text: () => swagger({ "io.k8s.api.demo.v1.A": { type: "string" } }, [1, 2]),
    want: [{ pointer: "/paths", message: /`paths` must be a map, got a list/ }],
  },
  {
    name: "path items and operations of the wrong type, a numeric x-kubernetes-action",
    flag: "openapi",
    file: "path-items.json",
    text: () =>
      swagger(
        { "io.k8s.api.demo.v1.A": { type: "string" } },
        {
          "/apis/demo.k8s.io/v1/as": 5,
          "/apis/demo.k8s.io/v1/bs": { get: "list", parameters: {} },
          "/apis/demo.k8s.io/v1/cs": { get: { "x-kubernetes-action": 1, "x-kubernetes-group-version-kind": { group: "demo.k8s.io", version: 1, kind: "C" } } },
        },
      ),
    want: [
      { pointer: "/paths/~1apis~1demo.k8s.io~1v1~1as", message: /a path item must be a map, got an integer/ },
      { pointer: "/paths/~1apis~1demo.k8s.io~1v1~1bs/get", message: /an operation must be a map, got a string/ },
      { pointer: "/paths/~1apis~1demo.k8s.io~1v1~1bs/parameters", message: /`parameters` must be a list, got a map/ },
    ],
  },
  {
    name: "operations with a numeric action and a bad group-version-kind, a path that climbs out",
    flag: "openapi",
    file: "operations.json",
    text: () =>
      swagger(
        { "io.k8s.api.demo.v1.C": { type: "object", properties: { a: { type: "string" } } } },
        {
          "/apis/demo.k8s.io/v1/cs": { get: { "x-kubernetes-action": 1, "x-kubernetes-group-version-kind": { group: "demo.k8s.io", version: 1, kind: "C" } } },
          "/apis/../v1/cs": { get: { "x-kubernetes-action": "list", "x-kubernetes-group-version-kind": { group: "demo.k8s.io", version: "v1", kind: "C" } } },
        },
      ),
    want: [
      { pointer: "/paths/~1apis~1demo.k8s.io~1v1~1cs/get/x-kubernetes-action", message: /x-kubernetes-action must be a string, got an integer/ },
      { pointer: "/paths/~1apis~1demo.k8s.io~1v1~1cs/get/x-kubernetes-group-version-kind/version", message: /version must be a string, got an integer/ },
      { pointer: "/paths/~1apis~1..~1v1~1cs", message: /the path's group "\.\." is invalid/ },
    ],
  },
  {
    name: "a $ref cycle of pure aliases (A -> B -> A), and one of a union (C -> C | string)",
    flag: "openapi",
    file: "alias-cycle.json",
    text: () =>
      swagger({
        "io.k8s.api.demo.v1.A": { $ref: "#/definitions/io.k8s.api.demo.v1.B" },
        "io.k8s.api.demo.v1.B": { allOf: [{ $ref: "#/definitions/io.k8s.api.demo.v1.A" }], description: "B" },
        "io.k8s.api.demo.v1.C": { anyOf: [{ $ref: "#/definitions/io.k8s.api.demo.v1.C" }, { type: "string" }] },
      }),
    want: [
      { pointer: "/definitions/io.k8s.api.demo.v1.A/$ref", message: /the \$ref cycle "io\.k8s\.api\.demo\.v1\.A" -> "io\.k8s\.api\.demo\.v1\.B" -> "io\.k8s\.api\.demo\.v1\.A" has no object type in it/ },
      { pointer: "/definitions/io.k8s.api.demo.v1.C/anyOf/0/$ref", message: /the \$ref cycle "io\.k8s\.api\.demo\.v1\.C" -> "io\.k8s\.api\.demo\.v1\.C"/ },
    ],
  },
  {
    name: "two definitions claiming one group-version-kind",
    flag: "openapi",
    file: "gvk-twice.json",
    text: () =>
      swagger({
        "io.k8s.api.demo.v1.Widget": { type: "object", properties: { a: { type: "string" } }, "x-kubernetes-group-version-kind": [{ group: "demo.k8s.io", version: "v1", kind: "Widget" }] },
        "io.k8s.api.demo.v1.WidgetCopy": { type: "object", properties: { b: { type: "string" } }, "x-kubernetes-group-version-kind": [{ group: "demo.k8s.io", version: "v1", kind: "Widget" }] },
      }),
    want: [
      {
        pointer: "/definitions/io.k8s.api.demo.v1.WidgetCopy/x-kubernetes-group-version-kind",
        message: /definition "io\.k8s\.api\.demo\.v1\.WidgetCopy" claims demo\.k8s\.io\/v1 Widget, as definition "io\.k8s\.api\.demo\.v1\.Widget" in gvk-twice\.json does/,
      },
    ],
  },
  {
    name: "arrays of arrays 3,000 levels deep (JSON)",
    flag: "openapi",
    file: "deep.json",
    text: () => {
      let s: any = { type: "string" };
      for (let i = 0; i < 3000; i++) s = { type: "array", items: s };
      return swagger({ "io.k8s.api.demo.v1.Deep": s });
    },
    // Deep is the 3rd map of the document; the 257th is 254 `items` below it.
    want: [{ pointer: `/definitions/io.k8s.api.demo.v1.Deep${"/items".repeat(254)}`, message: /the document nests too deep: more than 256 levels/ }],
  },
  {
    name: "a CRD with no served version, and nothing else to generate",
    flag: "crd",
    file: "unserved.yaml",
    text: () => crdYaml((c) => (c.spec.versions[0].served = false)),
    want: [{ pointer: "/spec/versions", message: /widgets\.hostile\.kubegen\.dev: no version is served, so nothing is generated for it \(and the input defines nothing else\)/, line: "versions:" }],
  },
  {
    name: "OpenAPI v3 components that are not a map",
    flag: "openapi",
    file: "components.json",
    text: () => JSON.stringify({ openapi: "3.0.0", info: { title: "t", version: "v1" }, paths: {}, components: ["schemas"] }),
    want: [{ pointer: "/components", message: /`components` must be a map, got a list/ }],
  },
];

/** Runs generate() on the case's files; returns the SchemaError's diagnostics. */
async function reject(c: Case): Promise<{ diagnostics: readonly Diagnostic[]; text: string; out: string }> {
  const dir = mkdtempSync(join(work, "case-"));
  const text = c.text();
  writeFileSync(join(dir, c.file), text);
  for (const [name, other] of Object.entries(c.others ?? {})) writeFileSync(join(dir, name), other());
  const files = [...Object.keys(c.others ?? {}), c.file].sort();
  const out = join(dir, "out");
  let error: unknown;
  try {
    await generate({ [c.flag]: files, out, cwd: dir });
  } catch (e) {
    error = e;
  }
  expect(error, "generate() must reject").toBeDefined();
  expect(error, `not a SchemaError: ${(error as Error)?.stack}`).toBeInstanceOf(SchemaError);
  expect(existsSync(out), "nothing is written").toBe(false);
  return { diagnostics: (error as SchemaError).diagnostics, text, out };
}

describe("hostile input is a SchemaError naming the file and the place, never a crash", () => {
  it.each(cases.map((c) => [c.name, c] as const))("%s", async (_name, c) => {
    const { diagnostics, text } = await reject(c);
    // Every diagnostic is an error in this file, at a JSON pointer.
    for (const d of diagnostics) {
      expect(d.severity).toBe("error");
      expect(d.file).toBe(c.file);
      expect(d.pointer).toMatch(/^(\/.*)?$/);
      if (c.flag === "crd") expect(d.line, `${d.pointer}: ${d.message}`).toBeGreaterThan(0);
    }
    // Every wanted problem is there, all together, and nothing else.
    const got = diagnostics.map((d) => ({ pointer: d.pointer, message: d.message, line: d.line }));
    for (const w of c.want) {
      const match = got.find((g) => g.pointer === w.pointer && w.message.test(g.message));
      expect(match, `want ${w.pointer} ${w.message} in ${JSON.stringify(got, null, 1)}`).toBeDefined();
      if (w.line !== undefined) expect(match!.line, `${w.pointer}: line`).toBe(typeof w.line === "string" ? lineOf(text, w.line) : w.line(text));
    }
    expect(got).toHaveLength(c.want.length);
  }, 60_000);
});

describe("awkward but valid input loads", () => {
  /** Loads and builds the files; no errors allowed. */
  async function build(flag: "crd" | "openapi", files: Record<string, string>, inputs?: string[]) {
    const dir = mkdtempSync(join(work, "ok-"));
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(join(dir, name, ".."), { recursive: true });
      writeFileSync(join(dir, name), text);
    }
    const diags = new Diagnostics();
    const loaded = await loadInputs({ [flag]: inputs ?? Object.keys(files), cwd: dir }, diags);
    const model = buildModel(loaded, diags);
    expect(diags.errors).toEqual([]);
    return { dir, loaded, model, diags };
  }

  it("property names are any JSON keys, stored as own properties, and no prototype changes", async () => {
    const keys = ["__proto__", "constructor", "toString", "*/", 'quo"te', "naïve", "", "1st", "a/b", "~x"];
    const props = Object.fromEntries(keys.map((k) => [k, { type: "string" }]));
    const yamlText = crdYaml((c) => (spec(c).properties = props)).replace(/^( *)__proto__:/m, '$1"__proto__":');
    // JSON.parse and the YAML reader both make `__proto__` an own key; the OpenAPI path too.
    const json = swagger({ "io.k8s.api.demo.v1.Thing": { type: "object", properties: JSON.parse(`{"__proto__": {"type": "string"}, "polluted": {"type": "string"}}`) } });
    const crd = await build("crd", { "awkward.yaml": yamlText });
    const loadedSpec = (crd.loaded[0] as any).crd.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties;
    expect(Object.hasOwn(loadedSpec, "__proto__")).toBe(true);
    expect(Object.getPrototypeOf(loadedSpec)).toBe(Object.prototype);
    const gv = crd.model.groupVersions[0]!;
    const specType = gv.types.find((t) => t.name === "WidgetSpec")!;
    expect(specType.fields.map((f) => f.name).sort()).toEqual([...keys].sort());
    const api = await build("openapi", { "awkward.json": json });
    const thing = api.model.groupVersions.flatMap((g) => g.types).find((t) => t.name === "Thing")!;
    expect(thing.fields.map((f) => f.name)).toEqual(["__proto__", "polluted"]);
    expect(({} as any).type).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty("polluted");
  }, 60_000);

  it("kinds and plurals the API server accepts: Foo-Bar, constructor, executor", async () => {
    const text = [
      crdYaml((c) => {
        c.metadata.name = "constructor.hostile.kubegen.dev";
        c.spec.names = { kind: "Foo-Bar", plural: "constructor", singular: "constructor", listKind: "Foo-BarList" };
      }),
      crdYaml((c) => {
        c.metadata.name = "executor.hostile.kubegen.dev";
        c.spec.names = { kind: "Executor", plural: "executor", shortNames: ["ex"], categories: ["all"] };
      }),
    ].join("---\n");
    const { model } = await build("crd", { "names.yaml": text });
    expect(model.groupVersions[0]!.resources.map((r) => [r.kind, r.plural]).sort()).toEqual([["Executor", "executor"], ["Foo-Bar", "constructor"]]);
  }, 60_000);

  it("paths that name no resource (/api/v1/watch, a bare namespace) are skipped", async () => {
    const ok = { get: { responses: { "200": { description: "OK" } } } };
    const json = swagger(
      { "io.k8s.api.demo.v1.Thing": { type: "object", properties: { a: { type: "string" } } } },
      { "/api/v1/watch": ok, "/apis/demo.k8s.io/v1/watch": ok, "/api/v1/namespaces/{namespace}": ok, "/apis/demo.k8s.io/v1/": ok },
    );
    const { model } = await build("openapi", { "bare-paths.json": json });
    expect(model.groupVersions.flatMap((g) => g.resources)).toEqual([]);
  }, 60_000);

  it("recursive object types and GVKs listed by many definitions (WatchEvent, DeleteOptions) are legal", async () => {
    const watchGvks = ["", "apps", "demo.k8s.io"].map((group) => ({ group, version: "v1", kind: "WatchEvent" }));
    const json = swagger({
      "io.k8s.api.demo.v1.Props": {
        type: "object",
        properties: {
          items: { $ref: "#/definitions/io.k8s.api.demo.v1.PropsOrArray" },
          properties: { type: "object", additionalProperties: { $ref: "#/definitions/io.k8s.api.demo.v1.Props" } },
          allOf: { type: "array", items: { $ref: "#/definitions/io.k8s.api.demo.v1.Props" } },
        },
      },
      // An alias of an object type, and an alias of an array of itself: not pure alias cycles.
      "io.k8s.api.demo.v1.PropsOrArray": { $ref: "#/definitions/io.k8s.api.demo.v1.Props" },
      "io.k8s.api.demo.v1.Nested": { type: "array", items: { $ref: "#/definitions/io.k8s.api.demo.v1.Nested" } },
      "io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent": { type: "object", properties: { type: { type: "string" } }, "x-kubernetes-group-version-kind": watchGvks },
      "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions": { type: "object", properties: { kind: { type: "string" } }, "x-kubernetes-group-version-kind": watchGvks.map((g) => ({ ...g, kind: "DeleteOptions" })) },
      "io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent2": { type: "object", properties: { type: { type: "string" } }, "x-kubernetes-group-version-kind": watchGvks },
    });
    const { model } = await build("openapi", { "recursive.json": json });
    const props = model.groupVersions.flatMap((g) => g.types).find((t) => t.name === "Props")!;
    expect(props.fields.map((f) => f.name)).toEqual(["items", "properties", "allOf"]);
  }, 60_000);

  it("documents nesting up to the limit (255 maps and lists, in flow and block style) load", async () => {
    const flow = `${"[".repeat(254)}1${"]".repeat(254)}`;
    const block = Array.from({ length: 254 }, (_, i) => `${" ".repeat(2 + 2 * i)}a:`).join("\n");
    const text = `${crdYaml()}x-flow: ${flow}\nx-block:\n${block} 1\n`;
    const { loaded } = await build("crd", { "nested.yaml": text });
    expect(loaded).toHaveLength(1);
  }, 60_000);

  it("follows symbolic links to files and folders inside a folder input, once each, and survives a link loop", async () => {
    const dir = mkdtempSync(join(work, "links-"));
    mkdirSync(join(dir, "elsewhere/more"), { recursive: true });
    mkdirSync(join(dir, "input"));
    writeFileSync(join(dir, "elsewhere/widgets.yaml"), crdYaml());
    writeFileSync(
      join(dir, "elsewhere/more/gadgets.yaml"),
      crdYaml((c) => {
        c.metadata.name = "gadgets.hostile.kubegen.dev";
        c.spec.names = { kind: "Gadget", plural: "gadgets" };
      }),
    );
    symlinkSync(join(dir, "elsewhere/widgets.yaml"), join(dir, "input/widgets.yaml"));
    symlinkSync(join(dir, "elsewhere/more"), join(dir, "input/more"));
    symlinkSync(join(dir, "input"), join(dir, "input/loop")); // input/loop -> input
    symlinkSync(join(dir, "elsewhere/more"), join(dir, "input/more-again")); // the same folder twice
    const diags = new Diagnostics();
    const loaded = await loadInputs({ crd: ["input"], cwd: dir }, diags);
    expect(diags.errors).toEqual([]);
    expect(loaded.map((l) => l.file)).toEqual([join("input", "more", "gadgets.yaml"), join("input", "widgets.yaml")]);
    const model = buildModel(loaded, diags);
    expect(model.groupVersions[0]!.resources.map((r) => r.kind)).toEqual(["Gadget", "Widget"]);
  }, 60_000);

  it("a dangling link with a schema file name is a clear error naming it", async () => {
    const dir = mkdtempSync(join(work, "dangling-"));
    mkdirSync(join(dir, "input"));
    writeFileSync(join(dir, "input/widgets.yaml"), crdYaml());
    symlinkSync(join(dir, "nowhere.yaml"), join(dir, "input/gone.yaml"));
    await expect(loadInputs({ crd: ["input"], cwd: dir }, new Diagnostics())).rejects.toThrow(/input\/gone\.yaml: a symbolic link that leads nowhere/);
  }, 60_000);
});
