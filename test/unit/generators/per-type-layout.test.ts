// The one-file-per-type layout (`<group>/<version>/types/` and
// `applyconfigurations/`, each with an index) and what it buys: a bundle of one
// group-version's client holds no other group-version's code, and no apply
// configuration at all; a bundle of a builder holds that builder's file only; a
// bare import keeps nothing (every top-level statement is a declaration or
// pure); extraction still sees the merged schema across group-versions that
// import each other in a cycle; a renamed cross-module link is a type error;
// and regenerating over the old single-file layout (types.ts,
// applyconfigurations.ts) replaces it, keeping hand-written files.
// Cheap tier: the golden case cross-module-links (two group-versions referring
// to each other), plus one v1.36 bundle when ../shared is present.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generate } from "../../../generators/index.js";
import { GENERATED_HEADER, writeOutput } from "../../../generators/write/output.js";
import { sharedData } from "../../helpers/shared-data.js";
import { typecheck } from "../../helpers/typecheck.js";

const repo = fileURLToPath(new URL("../../../", import.meta.url));
const input = join(repo, "test/golden/cross-module-links/input/links.json");
mkdirSync(join(repo, ".tmp"), { recursive: true });
// Inside the checkout, so imports of the generated code resolve @kubegen/runtime from the workspace.
const work = mkdtempSync(join(repo, ".tmp", "per-type-layout-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Bundles `source` (written beside the generated code in `dir`); the generated files that put bytes in the bundle, relative to `dir`. */
async function bundledFiles(dir: string, name: string, source: string): Promise<string[]> {
  const entry = join(dir, `${name}.ts`);
  writeFileSync(entry, source);
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: "esm",
    platform: "node",
    metafile: true,
    logLevel: "silent",
    alias: { "@kubegen/runtime/testing": join(repo, "runtime/src/testing/index.ts"), "@kubegen/runtime": join(repo, "runtime/src/index.ts") },
  });
  const output = Object.values(result.metafile.outputs)[0]!;
  return Object.entries(output.inputs)
    .filter(([, i]) => i.bytesInOutput > 0)
    .map(([f]) => relative(dir, join(process.cwd(), f)))
    .filter((f) => !f.startsWith("..") && f !== `${name}.ts`)
    .sort();
}

const gvOf = (file: string): string => file.split("/").slice(0, 2).join("/");

describe("two group-versions that refer to each other", () => {
  const out = join(work, "links");
  beforeAll(async () => {
    await generate({ openapi: [input], out });
  }, 60_000);

  it("a client imported through the module index bundles that client only: no apply configuration, no other group-version", async () => {
    const files = await bundledFiles(out, "client-entry", 'import { AlphaV1Client } from "./alpha.kubegen.dev/v1/index.js";\nconsole.log(AlphaV1Client);\n');
    expect(files).toEqual(["alpha.kubegen.dev/v1/client.ts"]);
  });

  it("a builder bundles its own file; the builder of a struct that links to another group-version does not pull that group-version in", async () => {
    expect(await bundledFiles(out, "builder-entry", 'import { fooSpec } from "./alpha.kubegen.dev/v1/index.js";\nconsole.log(fooSpec());\n')).toEqual([
      "alpha.kubegen.dev/v1/applyconfigurations/foo-spec.ts",
    ]);
  });

  it("extraction bundles the structs it reaches, across group-versions, and nothing else", async () => {
    const files = await bundledFiles(out, "extract-entry", 'import { extractFoo } from "./alpha.kubegen.dev/v1/index.js";\nconsole.log(extractFoo);\n');
    expect(files).toContain("alpha.kubegen.dev/v1/applyconfigurations/foo.ts");
    expect(files).toContain("beta.kubegen.dev/v1/applyconfigurations/bar-spec.ts");
    expect(files).not.toContain("beta.kubegen.dev/v1/applyconfigurations/bar.ts"); // not reachable from Foo
    expect(files.every((f) => f.includes("/applyconfigurations/") && !f.endsWith("/index.ts"))).toBe(true);
  });

  it("a bare import of every module keeps no generated code (every top-level statement is a declaration or pure)", async () => {
    const modules = ["index.js", "fake.js", "alpha.kubegen.dev/v1/index.js", "beta.kubegen.dev/v1/index.js"];
    expect(await bundledFiles(out, "bare-entry", modules.map((m) => `import "./${m}";\n`).join(""))).toEqual([]);
  });

  it("extraction reads the merged schema across the import cycle: map lists keyed by a linked struct, nested structs of the other group-version", async () => {
    const alpha = await import(pathToFileURL(join(out, "alpha.kubegen.dev/v1/index.ts")).href);
    const beta = await import(pathToFileURL(join(out, "beta.kubegen.dev/v1/index.ts")).href);
    const obj = {
      apiVersion: "alpha.kubegen.dev/v1",
      kind: "Foo",
      metadata: {
        name: "f",
        namespace: "ns",
        managedFields: [
          {
            manager: "me",
            operation: "Apply",
            fieldsType: "FieldsV1",
            fieldsV1: { "f:spec": { "f:bar": { "f:index": { "f:tls": { "f:cert": {} } } }, "f:ports": { 'k:{"name":"http"}': { ".": {}, "f:name": {}, "f:port": {} } } } },
          },
        ],
      },
      spec: { bar: { size: 3, index: { tls: { cert: "c", next: { ca: "x" } } } }, ports: [{ name: "http", port: 80 }, { name: "other", port: 1 }] },
    };
    const got = alpha.extractFoo(obj, "me");
    expect(JSON.parse(JSON.stringify(got))).toEqual({
      apiVersion: "alpha.kubegen.dev/v1",
      kind: "Foo",
      metadata: { name: "f", namespace: "ns" },
      spec: { bar: { index: { tls: { cert: "c" } } }, ports: [{ name: "http", port: 80 }] },
    });
    expect(got.spec).toBeInstanceOf(alpha.FooSpecApplyConfiguration);
    expect(got.spec.bar).toBeInstanceOf(beta.BarSpecApplyConfiguration);
    expect(got.spec.bar.index).toBeInstanceOf(alpha.IndexApplyConfiguration);
    // Each module's table holds its own structs and those they reach in the other module.
    expect(Object.keys(beta.applySchema.types).filter((k) => k.includes(".kubegen.dev/")).sort()).toEqual([
      "alpha.kubegen.dev/v1.Index",
      "alpha.kubegen.dev/v1.TLS",
      "alpha.kubegen.dev/v1.Tls",
      "beta.kubegen.dev/v1.Bar",
      "beta.kubegen.dev/v1.BarSpec",
      "beta.kubegen.dev/v1.Port",
    ]);
  }, 60_000);

  it("names the files of types that differ only by case, and a type named Index, apart from each other and from the index", () => {
    for (const folder of ["types", "applyconfigurations"]) {
      const names = readdirSync(join(out, "alpha.kubegen.dev/v1", folder));
      expect(new Set(names.map((n) => n.toLowerCase())).size).toBe(names.length);
      expect(names).toEqual(expect.arrayContaining(["index.ts", "index-type.ts", "tls.ts", "tls2.ts"]));
    }
  });

  it("a renamed cross-module link is a type error where it is used", () => {
    const copy = join(work, "renamed");
    for (const f of listFiles(out)) {
      mkdirSync(join(copy, f, ".."), { recursive: true });
      writeFileSync(join(copy, f), readFileSync(join(out, f), "utf8"));
    }
    const target = join(copy, "beta.kubegen.dev/v1/applyconfigurations/bar-spec.ts");
    writeFileSync(target, readFileSync(target, "utf8").replace("export const barSpecApplySchema:", "export const barSpecSchemaRenamed:"));
    const errors = typecheck([copy]).errors.filter((e) => !e.includes("/beta.kubegen.dev/v1/applyconfigurations/bar-spec.ts"));
    expect(errors.some((e) => e.includes("alpha.kubegen.dev/v1/applyconfigurations/foo-spec.ts") && e.includes("barSpecApplySchema"))).toBe(true);
  }, 120_000);
});

function listFiles(dir: string, rel = ""): string[] {
  return readdirSync(join(dir, rel), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(dir, join(rel, e.name)) : e.name.endsWith(".ts") ? [join(rel, e.name)] : [],
  );
}

describe("regenerating over the single-file layout of earlier versions", () => {
  it("removes the old generated types.ts and applyconfigurations.ts, writes the folders, and keeps hand-written files", async () => {
    const out = join(work, "upgrade");
    const module = join(out, "alpha.kubegen.dev/v1");
    mkdirSync(join(module, "applyconfigurations"), { recursive: true });
    const old = `${GENERATED_HEADER}\n// Types of alpha.kubegen.dev/v1.\nexport interface Foo {}\n`;
    writeFileSync(join(module, "types.ts"), old);
    writeFileSync(join(module, "applyconfigurations.ts"), `${GENERATED_HEADER}\nexport const applySchema = {};\n`);
    writeFileSync(join(module, "applyconfigurations", "mine.ts"), "// hand-written, beside the generated files\nexport const mine = 1;\n");
    writeFileSync(join(module, "types.extra.ts"), "// hand-written\nexport type Extra = 1;\n");

    await generate({ openapi: [input], out });
    expect(existsSync(join(module, "types.ts"))).toBe(false);
    expect(existsSync(join(module, "applyconfigurations.ts"))).toBe(false);
    expect(readFileSync(join(module, "types/index.ts"), "utf8")).toContain('export type * from "./foo.js";');
    expect(readFileSync(join(module, "applyconfigurations/index.ts"), "utf8")).not.toContain("mine");
    expect(readFileSync(join(module, "applyconfigurations", "mine.ts"), "utf8")).toContain("hand-written");
    expect(readFileSync(join(module, "types.extra.ts"), "utf8")).toContain("hand-written");
    expect(readFileSync(join(module, "index.ts"), "utf8")).toContain('export * from "./applyconfigurations/index.js";');

    // And it is settled: a second run changes nothing.
    const again = mkdtempSync(join(work, "again-"));
    await generate({ openapi: [input], out: again });
    const files = listFiles(again).map((p) => ({ path: p.split("\\").join("/"), content: readFileSync(join(again, p), "utf8") }));
    const result = await writeOutput(out, files);
    expect(result).toEqual({ changed: [], stale: [], written: false });
  }, 60_000);
});

const shared = sharedData();

describe.skipIf(!shared)("the v1.36 built-in clients", () => {
  const out = join(work, "k8s-1.36");
  beforeAll(async () => {
    await generate({ openapi: [join(shared!, "openapi/kubernetes-v1.36.swagger.json.gz")], out });
  }, 120_000);

  it("AppsV1Client through apps/v1/index.js bundles apps/v1's client and no other group-version's code", async () => {
    const files = await bundledFiles(out, "apps-client", 'import { AppsV1Client } from "./apps/v1/index.js";\nconsole.log(AppsV1Client);\n');
    expect(files).toEqual(["apps/v1/client.ts"]);
  });

  it("the deployment builder bundles apps/v1 only, and extractDeployment adds only the core/v1 structs a Deployment reaches", async () => {
    const builder = await bundledFiles(out, "apps-builder", 'import { deployment } from "./apps/v1/index.js";\nconsole.log(deployment("a", "b"));\n');
    expect(new Set(builder.map(gvOf))).toEqual(new Set(["apps/v1"]));
    const extract = await bundledFiles(out, "apps-extract", 'import { extractDeployment } from "./apps/v1/index.js";\nconsole.log(extractDeployment);\n');
    expect(new Set(extract.map(gvOf))).toEqual(new Set(["apps/v1", "core/v1"]));
    expect(extract).not.toContain("core/v1/applyconfigurations/service-spec.ts");
  });
});
