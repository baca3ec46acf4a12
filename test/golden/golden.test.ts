// Golden tier: one case per schema edge. Each test/golden/<case>/input holds
// CRD YAML (*.yaml) and/or OpenAPI (*.json); expected/ holds the generated
// files plus ir.json (the IR, so markers that only later emitters print are
// checked too). Compared file by file, exactly, and type-checked.
// `make update-golden` (UPDATE_GOLDEN=1) rewrites expected/ on purpose.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { buildModel, Diagnostics, generate, loadInputs } from "../../generators/index.js";
import { typecheck } from "../helpers/typecheck.js";

const root = fileURLToPath(new URL(".", import.meta.url));
const cases = readdirSync(root, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
const update = process.env.UPDATE_GOLDEN === "1";

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

async function produce(caseDir: string, out: string): Promise<void> {
  const inputs = readdirSync(join(caseDir, "input")).sort().map((f) => join(caseDir, "input", f));
  const crd = inputs.filter((f) => f.endsWith(".yaml"));
  const openapi = inputs.filter((f) => f.endsWith(".json"));
  await generate({ crd, openapi, out, cwd: caseDir });
  const diags = new Diagnostics();
  const model = buildModel(await loadInputs({ crd, openapi }, diags), diags);
  // Source locations are absolute paths here; make them relative so the file is portable.
  const ir = JSON.stringify(model, null, 2).replaceAll(`${caseDir}/`, "");
  writeFileSync(join(out, "ir.json"), `${ir}\n`);
}

describe("golden", () => {
  it("has the cases the generator core promises", () => {
    expect(cases).toEqual(
      expect.arrayContaining([
        "int-or-string", "preserve-unknown-fields", "embedded-resource", "list-and-map-types", "enums",
        "reserved-and-colliding-names", "comment-terminators", "arrays-and-maps", "unions", "multi-version",
        "no-schema", "int64", "informers",
      ]),
    );
  });

  it.each(cases)("%s", { timeout: 60_000 }, async (name) => {
    const caseDir = join(root, name);
    const expectedDir = join(caseDir, "expected");
    if (update) {
      rmSync(expectedDir, { recursive: true, force: true });
      await produce(caseDir, expectedDir);
    }
    const tmp = mkdtempSync(join(tmpdir(), `kubegen-golden-${name}-`));
    try {
      await produce(caseDir, tmp);
      const got = listFiles(tmp);
      expect(got).toEqual(listFiles(expectedDir));
      for (const f of got) {
        expect(readFileSync(join(tmp, f), "utf8"), `${name}/expected/${f}`).toBe(readFileSync(join(expectedDir, f), "utf8"));
      }
      expect(typecheck([tmp]).errors).toEqual([]);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
