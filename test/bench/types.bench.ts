// Benchmark: types generation. Each measurement runs in its own child process
// (so peak RSS is that tool's alone) and reports wall time and peak memory:
//   kubegen, full v1.36 built-in API (swagger 2.0 -> IR -> types, written)
//   kubegen, the whole CRD corpus (one run over all 135 files' folders)
//   openapi-typescript, the same v1.36 definitions (converted to OpenAPI 3.0
//     components, since openapi-typescript 7 reads 3.x only; paths left empty
//     so both tools type the same schemas)
// Run: make bench (needs ../shared and `npm ci --prefix test/bench`).
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const shared = join(repo, "../shared");
const spec = join(shared, "openapi/kubernetes-v1.36.swagger.json.gz");
const tsx = pathToFileURL(join(repo, "node_modules/tsx/dist/loader.mjs")).href;
const runs = Number(process.env.BENCH_RUNS ?? 5);

interface Sample {
  ms: number;
  maxRssMb: number;
}

function measure(mode: string): Sample {
  const out = execFileSync(process.execPath, ["--import", tsx, fileURLToPath(import.meta.url), "--child", mode], {
    encoding: "utf8",
    maxBuffer: 1 << 26,
    stdio: ["ignore", "pipe", "inherit"],
  });
  return JSON.parse(out.trim().split("\n").pop()!) as Sample;
}

async function child(mode: string): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), "kubegen-bench-"));
  let ms = 0;
  try {
    if (mode === "kubegen-spec" || mode === "kubegen-crds") {
      const { generate } = await import("../../generators/index.js");
      const t0 = performance.now();
      if (mode === "kubegen-crds") {
        // One run per file, as a user would (two sample-controller files define the same CRD differently).
        const { crdFiles } = await import("../helpers/shared-data.js");
        for (const [i, f] of crdFiles(shared).entries()) await generate({ crd: [f], out: join(work, String(i)) });
      } else {
        await generate({ openapi: [spec], out: join(work, "out") });
      }
      ms = performance.now() - t0;
    } else if (mode === "openapi-typescript") {
      const { gunzipSync } = await import("node:zlib");
      const { readFileSync, writeFileSync } = await import("node:fs");
      const mod = await import("openapi-typescript");
      const t0 = performance.now();
      const swagger = JSON.parse(gunzipSync(readFileSync(spec)).toString("utf8"));
      const text = JSON.stringify(swagger.definitions).replaceAll("#/definitions/", "#/components/schemas/");
      const doc = { openapi: "3.0.0", info: { title: "kubernetes", version: "v1.36" }, paths: {}, components: { schemas: JSON.parse(text) } };
      const ast = await mod.default(doc as never);
      writeFileSync(join(work, "schema.d.ts"), mod.astToString(ast));
      ms = performance.now() - t0;
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  console.log(JSON.stringify({ ms, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  if (process.argv[2] === "--child") return child(process.argv[3]!);
  const rows: [string, Sample][] = [];
  for (const mode of ["kubegen-spec", "openapi-typescript", "kubegen-crds"]) {
    const samples = Array.from({ length: runs }, () => measure(mode));
    rows.push([mode, { ms: median(samples.map((s) => s.ms)), maxRssMb: median(samples.map((s) => s.maxRssMb)) }]);
  }
  console.log(`types benchmark (median of ${runs} runs, each in a fresh process)`);
  for (const [mode, s] of rows) console.log(`  ${mode.padEnd(20)} ${s.ms.toFixed(0).padStart(6)} ms   peak RSS ${s.maxRssMb.toFixed(0)} MB`);
  const ours = rows[0]![1];
  const theirs = rows[1]![1];
  console.log(`  v1.36 types: kubegen is ${(theirs.ms / ours.ms).toFixed(2)}x the speed of openapi-typescript, using ${(ours.maxRssMb / theirs.maxRssMb).toFixed(2)}x its memory`);
  console.log(`  target: v1.36 types in under 2000 ms -> ${ours.ms < 2000 ? "met" : "NOT met"}`);
}

await main();
