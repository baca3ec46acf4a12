// Generated code is prettier-clean at FORMAT_OPTIONS (printWidth 120): every
// golden's expected files, the sample-controller's committed generated code,
// and fresh generations of the v1.36 spec and of a few real CRD sets from
// ../shared. The generator does not run prettier; its templates and the
// layout printer (generators/render/layout.ts) produce prettier's layout, and
// this test is what holds them to it. Also a small table for the printer.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import * as prettier from "prettier";
import { afterAll, describe, expect, it } from "vitest";
import { generate } from "../../../generators/index.js";
import { FORMAT_OPTIONS, callArguments, commaList, layout, objectLiteral, unionType } from "../../../generators/render/layout.js";
import { sharedData } from "../../helpers/shared-data.js";

const repo = fileURLToPath(new URL("../../../", import.meta.url));
const options: prettier.Options = { ...FORMAT_OPTIONS, parser: "typescript" };

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".ts")) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

/** The files under `dir` that prettier would change (relative paths), with the first differing line of each. */
async function notClean(dir: string): Promise<string[]> {
  const bad: string[] = [];
  for (const file of tsFiles(dir)) {
    const source = readFileSync(file, "utf8");
    if (await prettier.check(source, options)) continue;
    const formatted = (await prettier.format(source, options)).split("\n");
    const lines = source.split("\n");
    const i = lines.findIndex((l, n) => l !== formatted[n]);
    bad.push(`${relative(dir, file)}:${i + 1}: ${JSON.stringify(lines[i])} (prettier: ${JSON.stringify(formatted[i])})`);
  }
  return bad;
}

const temps: string[] = [];
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

async function generated(input: { crd?: string[]; openapi?: string[] }): Promise<string> {
  const out = mkdtempSync(join(tmpdir(), "kubegen-format-"));
  temps.push(out);
  await generate({ crd: input.crd ?? [], openapi: input.openapi ?? [], out, cwd: repo });
  return out;
}

describe("the layout printer", () => {
  const at = (indent: number, text: string) => layout(" ".repeat(indent) + text).slice(indent);
  it.each([
    { name: "a short list stays on one line", text: `f(${commaList(["a", "b"])});`, want: "f(a, b);" },
    {
      name: "a long list breaks one item a line with a trailing comma",
      text: `f(${commaList(["a".repeat(60), "b".repeat(60)])});`,
      want: `f(\n  ${"a".repeat(60)},\n  ${"b".repeat(60)},\n);`,
    },
    { name: "an empty object literal", text: `x = ${objectLiteral([])};`, want: "x = {};" },
    {
      name: "a union breaks with a leading bar, one level deeper",
      text: `  k?: ${unionType(Array.from({ length: 12 }, (_, i) => `"value-${i}"`), true)};`,
      want: `  k?:\n${Array.from({ length: 12 }, (_, i) => `    | "value-${i}"`).join("\n")};`,
    },
    {
      name: "a last object argument is hugged",
      text: `    return this.f${callArguments(["name", '"scale"', "body", "options", objectLiteral(['apiVersion: "autoscaling/v1"', 'kind: "Scale"', `x: ${"1".repeat(40)}`])], true)};`,
      want: `    return this.f(name, "scale", body, options, {\n      apiVersion: "autoscaling/v1",\n      kind: "Scale",\n      x: ${"1".repeat(40)},\n    });`,
    },
  ])("$name", ({ text, want }) => {
    expect(at(0, text)).toBe(want);
  });

  it("leaves text without marks alone", () => {
    const text = `const x = ${"y".repeat(200)};\n`;
    expect(layout(text)).toBe(text);
  });

  it("is checked with options under which prettier rejects the old layout", async () => {
    // The check below can fail: the unbroken form the generator used to write is not clean.
    expect(await prettier.check(`export interface A extends B {\n}\n`, options)).toBe(false);
    expect(await prettier.check(`export interface A extends B {}\n`, options)).toBe(true);
  });
});

describe("generated code is prettier-clean", { timeout: 300_000 }, () => {
  const goldenRoot = join(repo, "test/golden");
  const goldens = readdirSync(goldenRoot, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(goldenRoot, e.name, "expected")))
    .map((e) => e.name)
    .sort();

  it("has goldens to check", () => {
    expect(goldens.length).toBeGreaterThan(10);
  });

  it.each(goldens)("golden %s", async (name) => {
    expect(await notClean(join(goldenRoot, name, "expected"))).toEqual([]);
  });

  it("the sample-controller's committed generated code", async () => {
    expect(await notClean(join(repo, "examples/sample-controller/src/generated"))).toEqual([]);
  });

  const shared = sharedData();
  const crdSets = ["cert-manager", "argo-cd", "prometheus-operator", "gateway-api", "kubevirt"];

  it.skipIf(!shared)("a full generation of the v1.36 spec", async () => {
    const out = await generated({ openapi: [join(shared!, "openapi/kubernetes-v1.36.swagger.json.gz")] });
    expect(tsFiles(out).length).toBeGreaterThan(100);
    expect(await notClean(out)).toEqual([]);
  });

  it.skipIf(!shared).each(crdSets)("the %s CRDs", async (set) => {
    const dir = join(shared!, "crds", set);
    const crd = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => join(dir, f));
    expect(crd.length).toBeGreaterThan(0);
    expect(await notClean(await generated({ crd }))).toEqual([]);
  });
});
