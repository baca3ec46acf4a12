// Corpus tier: every real CRD in ../shared/crds and every Kubernetes spec in
// ../shared/openapi (v1.28 to v1.36) generates without error, and the output
// type-checks under strict with zero errors. Figures are printed.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { generate } from "../../generators/index.js";
import { crdFiles, sharedData, specFiles } from "../helpers/shared-data.js";
import { typecheck } from "../helpers/typecheck.js";

const shared = sharedData();
const work = mkdtempSync(join(tmpdir(), "kubegen-corpus-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe.skipIf(!shared)("corpus", () => {
  it("generates every CRD file and the output type-checks", async () => {
    const files = crdFiles(shared!);
    expect(files.length).toBeGreaterThanOrEqual(135);
    const out = join(work, "crds");
    const t0 = performance.now();
    let types = 0;
    let warnings = 0;
    for (const [i, file] of files.entries()) {
      const r = await generate({ crd: [file], out: join(out, `${i}-${basename(file, ".yaml")}`) });
      types += r.types;
      warnings += r.warnings.length;
      expect(r.resources, file).toBeGreaterThan(0);
    }
    const genMs = performance.now() - t0;
    const t1 = performance.now();
    const { errors, files: checked } = typecheck([out]);
    console.log(
      `corpus: ${files.length} CRD files -> ${types} types (${warnings} warnings) in ${genMs.toFixed(0)} ms; ` +
        `type-checked ${checked} files in ${(performance.now() - t1).toFixed(0)} ms`,
    );
    expect(errors.slice(0, 20)).toEqual([]);
  }, 600_000);

  const specs = shared ? specFiles(shared) : [];
  it.each(specs.map((s) => [basename(s).replace(".swagger.json.gz", ""), s]))(
    "generates %s and the output type-checks",
    async (name, spec) => {
      const out = join(work, name);
      const t0 = performance.now();
      const r = await generate({ openapi: [spec], out });
      const genMs = performance.now() - t0;
      expect(r.modules).toBeGreaterThan(20);
      expect(r.resources).toBeGreaterThan(50);
      const t1 = performance.now();
      const { errors, files } = typecheck([out]);
      console.log(
        `corpus: ${name}: ${r.modules} group-versions, ${r.types} types, ${r.resources} resources, ` +
          `generated in ${genMs.toFixed(0)} ms; type-checked ${files} files in ${(performance.now() - t1).toFixed(0)} ms`,
      );
      expect(errors.slice(0, 20)).toEqual([]);
    },
    300_000,
  );
});
