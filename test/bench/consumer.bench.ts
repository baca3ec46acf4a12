// Benchmark (never part of `make test`): what a consumer pays for the client.
// One program that lists the pods of `default`, written three times:
//   kubegen-clientset  the generated root Clientset (every group-version)
//   kubegen-core-v1    only <out>/core/v1/client.js (CoreV1Client)
//   kubegen-apps-v1-index  AppsV1Client through <out>/apps/v1/index.js (the whole
//                      module's exports: builders, listers, informers), which lists
//                      deployments instead (the smoke run expects "0 deployments")
//   client-node        @kubernetes/client-node 2.x (KubeConfig + CoreV1Api)
// and, type-checked only, a controller (kubegen-controller: informers, listers
// and apply builders for apps/v1 and core/v1), plus the `-js` twin of each
// kubegen program, which imports the same client generated with `--emit js`
// (.js + .d.ts) instead of the default `.ts`.
// The kubegen clientset is generated at bench time from the v1.36 swagger (both
// modes, BENCH_RUNS times each, and the median generation time is printed); the
// programs live in a temporary folder whose node_modules links
// @kubegen/runtime to runtime/ (so tsc reads runtime/dist/index.d.ts, as a
// user's would) and @kubernetes/client-node + @types to test/bench/node_modules.
// Measured per program:
//   tsc --noEmit (strict, NodeNext), skipLibCheck false and true: wall time and
//     peak RSS of a fresh process (/usr/bin/time -v), median of BENCH_RUNS (3);
//   esbuild (platform node, format esm, bundle, minify): bytes, gzip bytes
//     (zlib default level) and modules in the bundle (metafile inputs);
//   for kubegen-core-v1 and kubegen-apps-v1-index: bundled inputs by generated
//     folder (must be their own group-version only).
// With KUBEGEN_ENVTEST_ASSETS set, every bundle is also run against a real
// control plane to prove it works (its output must list the pod created there).
// BENCH_KUBEGEN=<kubegen.js> generates with another build (an older checkout's) to compare layouts.
// Run: node --import tsx test/bench/consumer.bench.ts   (after make build and
// npm ci --prefix test/bench; make bench does both)
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build, type Metafile } from "esbuild";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const benchModules = join(repo, "test/bench/node_modules");
const spec = join(repo, "../shared/openapi/kubernetes-v1.36.swagger.json.gz");
const tscBin = join(repo, "node_modules/typescript/bin/tsc");
const runs = Number(process.env.BENCH_RUNS ?? 3);

const PROGRAMS = {
  "kubegen-clientset": `import { Clientset } from "./gen/index.js";
import { loadConfig } from "@kubegen/runtime";

const cs = Clientset.forConfig(await loadConfig());
const pods = await cs.coreV1.pods("default").list();
for (const p of pods.items) console.log(p.metadata?.name);
`,
  "kubegen-core-v1": `import { CoreV1Client } from "./gen/core/v1/client.js";
import { loadConfig } from "@kubegen/runtime";

const core = CoreV1Client.forConfig(await loadConfig());
const pods = await core.pods("default").list();
for (const p of pods.items) console.log(p.metadata?.name);
`,
  "kubegen-apps-v1-index": `import { AppsV1Client } from "./gen/apps/v1/index.js";
import { loadConfig } from "@kubegen/runtime";

const apps = AppsV1Client.forConfig(await loadConfig());
const list = await apps.deployments("default").list();
console.log(String(list.items.length) + " deployments");
`,
  "client-node": `import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";

const kc = new KubeConfig();
kc.loadFromDefault();
const api = kc.makeApiClient(CoreV1Api);
const res = await api.listNamespacedPod({ namespace: "default" });
for (const p of res.items) console.log(p.metadata?.name);
`,
} as const;
type Program = keyof typeof PROGRAMS;

const CONTROLLER = `import { loadConfig } from "@kubegen/runtime";
import { Clientset, SharedInformerFactory } from "./gen/index.js";
import { deployment, deploymentSpec } from "./gen/apps/v1/index.js";
import { configMap } from "./gen/core/v1/index.js";

const cs = Clientset.forConfig(await loadConfig());
const factory = new SharedInformerFactory(cs, { resyncPeriodMs: 30_000 });
const deployments = factory.appsV1.deployments();
const configMaps = factory.coreV1.configMaps();
const stop = new AbortController();
deployments.informer.addEventHandler({
  onAdd: (d) => console.log("add", d.metadata?.name),
  onUpdate: (_old, d) => console.log("update", d.metadata?.name, d.status?.readyReplicas),
  onDelete: () => {},
});
factory.start(stop.signal);
await factory.waitForCacheSync(stop.signal);
const want = Number(configMaps.lister.configMaps("default").get("web-config")?.data?.["replicas"] ?? "1");
const web = deployments.lister.deployments("default").get("web");
if (web?.spec?.replicas !== want) {
  await cs.appsV1.deployments("default").apply(deployment("web", "default").withSpec(deploymentSpec().withReplicas(want)), {
    fieldManager: "bench-controller",
  });
}
await cs.coreV1.configMaps("default").apply(configMap("web-status", "default").withData({ observed: String(web?.spec?.replicas ?? 0) }), {
  fieldManager: "bench-controller",
});
stop.abort();
`;

const toJs = (text: string): string => text.replaceAll('"./gen/', '"./genjs/');

/** Type-checked only: the floor every program pays (@types/node), the controller, and every kubegen program over `--emit js` output. */
const TSC_ONLY = {
  "baseline": "export {};\n",
  "kubegen-controller": CONTROLLER,
  "kubegen-clientset-js": toJs(PROGRAMS["kubegen-clientset"]),
  "kubegen-core-v1-js": toJs(PROGRAMS["kubegen-core-v1"]),
  "kubegen-controller-js": toJs(CONTROLLER),
} as const;
type Checked = Program | keyof typeof TSC_ONLY;

interface TscSample {
  ms: number;
  rssMb: number;
  errors: number;
}
interface BundleResult {
  file: string;
  bytes: number;
  gzip: number;
  inputs: number;
  inputsWithBytes: number;
  metafile: Metafile;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** One `tsc --noEmit` in a fresh process under /usr/bin/time -v. */
function tscOnce(work: string, tsconfig: string): TscSample {
  const timeFile = join(work, "time.txt");
  const t0 = performance.now();
  let out = "";
  try {
    out = execFileSync("/usr/bin/time", ["-v", "-o", timeFile, process.execPath, tscBin, "--noEmit", "-p", tsconfig], {
      cwd: work,
      encoding: "utf8",
      maxBuffer: 1 << 26,
    });
  } catch (err) {
    out = String((err as { stdout?: string }).stdout ?? ""); // type errors: tsc exits 2, still measured
  }
  const ms = performance.now() - t0;
  const rssKb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(readFileSync(timeFile, "utf8"))?.[1] ?? NaN);
  return { ms, rssMb: rssKb / 1024, errors: (out.match(/error TS\d+/g) ?? []).length };
}

function tsc(work: string, program: Checked, skipLibCheck: boolean): TscSample & { firstError: string } {
  const tsconfig = join(work, `tsconfig.${program}.${skipLibCheck ? "skip" : "full"}.json`);
  writeFileSync(
    tsconfig,
    JSON.stringify({
      compilerOptions: {
        target: "ES2022",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        lib: ["ES2023"],
        types: ["node"],
        strict: true,
        skipLibCheck,
        noEmit: true,
      },
      files: [`${program}.ts`],
    }),
  );
  const samples = Array.from({ length: runs }, () => tscOnce(work, tsconfig));
  let firstError = "";
  if (samples[0]!.errors > 0) {
    try {
      execFileSync(process.execPath, [tscBin, "--noEmit", "-p", tsconfig], { cwd: work, encoding: "utf8" });
    } catch (err) {
      firstError = String((err as { stdout?: string }).stdout ?? "").split("\n")[0] ?? "";
    }
  }
  return {
    ms: median(samples.map((s) => s.ms)),
    rssMb: median(samples.map((s) => s.rssMb)),
    errors: samples[0]!.errors,
    firstError,
  };
}

async function bundle(work: string, program: Program): Promise<BundleResult> {
  const file = join(work, "dist", `${program}.mjs`);
  const result = await build({
    entryPoints: [join(work, `${program}.ts`)],
    outfile: file,
    bundle: true,
    minify: true,
    platform: "node",
    format: "esm",
    target: "node20",
    metafile: true,
    logLevel: "silent",
    alias: { "@kubegen/runtime": join(repo, "runtime/dist/index.js") },
    // CommonJS dependencies (client-node's) call require(); give the ESM bundle one.
    banner: { js: 'import{createRequire as __cr}from"node:module";const require=__cr(import.meta.url);' },
  });
  const bytesOut = readFileSync(file);
  const output = Object.values(result.metafile.outputs)[0]!;
  return {
    file,
    bytes: bytesOut.length,
    gzip: gzipSync(bytesOut).length,
    inputs: Object.keys(result.metafile.inputs).length,
    inputsWithBytes: Object.values(output.inputs).filter((i) => i.bytesInOutput > 0).length,
    metafile: result.metafile,
  };
}

/** Bundled inputs grouped by folder: gen/<group>/<version>, runtime, or the package name. */
function inputsByFolder(work: string, meta: Metafile): Map<string, number> {
  const byFolder = new Map<string, number>();
  for (const input of Object.keys(meta.inputs)) {
    const abs = join(process.cwd(), input);
    let folder: string;
    const inGen = relative(join(work, "gen"), abs);
    if (!inGen.startsWith("..")) folder = `gen/${inGen.split("/").slice(0, 2).join("/")}`;
    else if (abs.startsWith(join(repo, "runtime"))) folder = "@kubegen/runtime";
    else {
      const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(abs);
      folder = m ? m[1]! : relative(work, abs);
    }
    byFolder.set(folder, (byFolder.get(folder) ?? 0) + 1);
  }
  return byFolder;
}

/** Output bytes per package (@kubegen/runtime, a dependency, or gen for the generated code), largest first. */
function bytesByPackage(work: string, meta: Metafile): [string, number][] {
  const output = Object.values(meta.outputs)[0]!;
  const bytes = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    const abs = join(process.cwd(), input);
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(abs);
    const pkg = m ? m[1]! : abs.startsWith(join(repo, "runtime")) ? "@kubegen/runtime" : relative(work, abs).startsWith("gen") ? "gen" : "program";
    bytes.set(pkg, (bytes.get(pkg) ?? 0) + bytesInOutput);
  }
  return [...bytes].sort((a, b) => b[1] - a[1]);
}

/** As inputsByFolder, counting only the inputs that put bytes in the bundle (esbuild reads, then drops, unused modules). */
function inputsWithBytesByFolder(work: string, meta: Metafile): Map<string, number> {
  const output = Object.values(meta.outputs)[0]!;
  const kept = Object.entries(output.inputs).filter(([, i]) => i.bytesInOutput > 0).map(([f]) => f);
  const all = inputsByFolder(work, { ...meta, inputs: Object.fromEntries(kept.map((f) => [f, meta.inputs[f]!])) });
  return all;
}

/** Median wall time of `kubegen generate` (all artifacts of v1.36) per emit mode; the last run of each stays in gen/ and genjs/. */
const generateMs: Record<"ts" | "js", number> = { ts: NaN, js: NaN };

function prepare(): string {
  const work = mkdtempSync(join(tmpdir(), "kubegen-consumer-"));
  // BENCH_KUBEGEN=<path to kubegen.js> measures another build's output (e.g. an older checkout's) against this runtime.
  const kubegen = process.env.BENCH_KUBEGEN ?? join(repo, "generators/bin/kubegen.js");
  for (const mode of ["ts", "js"] as const) {
    const samples: number[] = [];
    for (let i = 0; i < runs; i++) {
      const out = join(work, mode === "ts" ? "gen" : "genjs");
      rmSync(out, { recursive: true, force: true });
      const t0 = performance.now();
      execFileSync(process.execPath, [kubegen, "generate", "--quiet", "--openapi", spec, "--emit", mode, "--out", out], { cwd: repo, stdio: "inherit" });
      samples.push(performance.now() - t0);
    }
    generateMs[mode] = median(samples);
  }
  const nm = join(work, "node_modules");
  mkdirSync(join(nm, "@kubegen"), { recursive: true });
  symlinkSync(join(repo, "runtime"), join(nm, "@kubegen/runtime"));
  symlinkSync(join(benchModules, "@kubernetes"), join(nm, "@kubernetes"));
  symlinkSync(join(benchModules, "@types"), join(nm, "@types"));
  writeFileSync(join(work, "package.json"), JSON.stringify({ type: "module", private: true }));
  for (const [name, text] of Object.entries({ ...PROGRAMS, ...TSC_ONLY })) writeFileSync(join(work, `${name}.ts`), text);
  return work;
}

/** Runs each bundle against a real control plane holding one pod in `default`. */
async function smoke(bundles: Map<Program, BundleResult>): Promise<string> {
  if (!process.env.KUBEGEN_ENVTEST_ASSETS) return "skipped (KUBEGEN_ENVTEST_ASSETS not set)";
  const { startControlPlane } = await import("@kubegen/runtime/testing");
  const { loadConfig, RestClient } = await import("@kubegen/runtime");
  const cp = await startControlPlane({ log: () => {} });
  try {
    const rc = new RestClient({ ...(await loadConfig({ kubeconfigPath: cp.kubeconfigPath })), warningHandler: null });
    await rc.request({
      version: "v1",
      resource: "pods",
      namespace: "default",
      verb: "create",
      body: { metadata: { name: "bench-pod" }, spec: { containers: [{ name: "c", image: "busybox" }] } },
    });
    rc.close();
    const results: string[] = [];
    const nodeMajor = Number(process.versions.node.split(".")[0]);
    for (const [name, b] of bundles) {
      // client-node 2.x loads undici 8, which needs Node 22 (zlib's zstd at load time)
      if (name === "client-node" && nodeMajor < 22) {
        results.push(`client-node not run (it needs Node 22; this is ${process.versions.node})`);
        continue;
      }
      const out = execFileSync(process.execPath, [b.file], {
        encoding: "utf8",
        env: { ...process.env, KUBECONFIG: cp.kubeconfigPath },
      });
      const want = name === "kubegen-apps-v1-index" ? "0 deployments" : "bench-pod";
      results.push(`${name} ${out.trim() === want ? "ok" : `FAILED (printed ${JSON.stringify(out.trim())})`}`);
    }
    return results.join(", ");
  } finally {
    await cp.stop();
  }
}

async function main(): Promise<void> {
  const work = prepare();
  try {
    const names = Object.keys(PROGRAMS) as Program[];
    const bundles = new Map<Program, BundleResult>();
    for (const name of names) bundles.set(name, await bundle(work, name));
    const checked: Checked[] = [
      "kubegen-clientset",
      "kubegen-clientset-js",
      "kubegen-core-v1",
      "kubegen-core-v1-js",
      "kubegen-controller",
      "kubegen-controller-js",
      "client-node",
      "baseline",
    ];
    const checks = new Map<string, ReturnType<typeof tsc>>();
    for (const skip of [false, true]) for (const name of checked) checks.set(`${name}/${skip}`, tsc(work, name, skip));

    console.log(`consumer benchmark: list pods (tsc: median of ${runs} fresh processes; TypeScript 5.9, esbuild bundle+minify, esm, node)`);
    console.log(
      `  ${"program".padEnd(22)} ${"tsc full".padStart(9)} ${"vs c-n".padStart(7)} ${"RSS".padStart(7)} ${"tsc skipLib".padStart(12)} ${"vs c-n".padStart(7)} ${"RSS".padStart(7)}` +
        ` ${"bundle B".padStart(10)} ${"gzip B".padStart(9)} ${"modules".padStart(8)}`,
    );
    // "vs c-n": client-node's time over this program's (above 1: faster than client-node).
    const vsClientNode = (name: Checked, skip: boolean) => `${(checks.get(`client-node/${skip}`)!.ms / checks.get(`${name}/${skip}`)!.ms).toFixed(2)}x`;
    for (const name of checked) {
      const full = checks.get(`${name}/false`)!;
      const skip = checks.get(`${name}/true`)!;
      const b = bundles.get(name as Program) ?? { bytes: "-", gzip: "-", inputs: "-" };
      console.log(
        `  ${name.padEnd(22)} ${`${full.ms.toFixed(0)} ms`.padStart(9)} ${vsClientNode(name, false).padStart(7)} ${`${full.rssMb.toFixed(0)} MB`.padStart(7)}` +
          ` ${`${skip.ms.toFixed(0)} ms`.padStart(12)} ${vsClientNode(name, true).padStart(7)} ${`${skip.rssMb.toFixed(0)} MB`.padStart(7)}` +
          ` ${String(b.bytes).padStart(10)} ${String(b.gzip).padStart(9)} ${`${b.inputs}`.padStart(8)}`,
      );
    }
    for (const [key, c] of checks) {
      if (c.errors > 0) console.log(`  note: ${key.replace("/false", " (skipLibCheck false)").replace("/true", " (skipLibCheck true)")}: ${c.errors} type errors, first: ${c.firstError}`);
    }
    console.log("  modules = metafile inputs (files esbuild read); with bytes in the output:");
    for (const name of names) console.log(`    ${name.padEnd(18)} ${bundles.get(name)!.inputsWithBytes}`);

    const ours = bundles.get("kubegen-clientset")!;
    const theirs = bundles.get("client-node")!;
    const oursTsc = checks.get("kubegen-clientset/false")!;
    const theirsTsc = checks.get("client-node/false")!;
    const oursTscSkip = checks.get("kubegen-clientset/true")!;
    const theirsTscSkip = checks.get("client-node/true")!;
    const bundleRatio = theirs.bytes / ours.bytes;
    const tscRatio = theirsTsc.ms / oursTsc.ms;
    const tscSkipRatio = theirsTscSkip.ms / oursTscSkip.ms;
    console.log(
      `  clientset vs client-node: bundle ${bundleRatio.toFixed(1)}x smaller (gzip ${(theirs.gzip / ours.gzip).toFixed(1)}x),` +
        ` tsc ${tscRatio.toFixed(2)}x faster (skipLibCheck true: ${tscSkipRatio.toFixed(2)}x)`,
    );
    const base = checks.get("baseline/false")!.ms;
    const baseSkip = checks.get("baseline/true")!.ms;
    const net = (p: Checked, skip: boolean) => checks.get(`${p}/${skip}`)!.ms - (skip ? baseSkip : base);
    console.log(
      `  above the baseline (tsc on @types/node alone): clientset ${net("kubegen-clientset", false).toFixed(0)} / ${net("kubegen-clientset", true).toFixed(0)} ms,` +
        ` clientset-js ${net("kubegen-clientset-js", false).toFixed(0)} / ${net("kubegen-clientset-js", true).toFixed(0)} ms,` +
        ` core/v1 ${net("kubegen-core-v1", false).toFixed(0)} / ${net("kubegen-core-v1", true).toFixed(0)} ms,` +
        ` client-node ${net("client-node", false).toFixed(0)} / ${net("client-node", true).toFixed(0)} ms (skipLibCheck false / true)`,
    );
    // What the targets cannot see: @types/node alone costs most of client-node's time, so the ratios of the time above it.
    const netRatio = (p: Checked, skip: boolean) => `${(net("client-node", skip) / net(p, skip)).toFixed(2)}x`;
    console.log(
      `  above the baseline, client-node's over ours (skipLibCheck false / true): clientset ${netRatio("kubegen-clientset", false)} / ${netRatio("kubegen-clientset", true)},` +
        ` clientset-js ${netRatio("kubegen-clientset-js", false)} / ${netRatio("kubegen-clientset-js", true)},` +
        ` core/v1-js ${netRatio("kubegen-core-v1-js", false)} / ${netRatio("kubegen-core-v1-js", true)},` +
        ` controller-js ${netRatio("kubegen-controller-js", false)} / ${netRatio("kubegen-controller-js", true)}`,
    );
    const floor = (skip: boolean) => (checks.get(`client-node/${skip}`)!.ms / (skip ? baseSkip : base)).toFixed(2);
    console.log(`  the fastest possible (a program with no client at all) is ${floor(false)}x / ${floor(true)}x client-node`);
    console.log(
      `  targets (issue 19): bundle >= 15x smaller -> ${bundleRatio >= 15 ? "met" : "NOT met"};` +
        ` tsc >= 2x faster under full strict -> ${tscRatio >= 2 ? "met" : "NOT met"}, >= 3x under skipLibCheck -> ${tscSkipRatio >= 3 ? "met" : "NOT met"}`,
    );
    console.log(`  clientset bundle bytes by package: ${[...bytesByPackage(work, ours.metafile)].map(([p, n]) => `${p}=${n}`).join(", ")}`);
    const jsFull = theirsTsc.ms / checks.get("kubegen-clientset-js/false")!.ms;
    const jsSkip = theirsTscSkip.ms / checks.get("kubegen-clientset-js/true")!.ms;
    console.log(
      `  --emit js clientset vs client-node: tsc ${jsFull.toFixed(2)}x faster (target 2x: ${jsFull >= 2 ? "met" : "NOT met"}),` +
        ` skipLibCheck true ${jsSkip.toFixed(2)}x faster (target 3x: ${jsSkip >= 3 ? "met" : "NOT met"})`,
    );
    console.log(
      `  kubegen generate v1.36, all artifacts (median of ${runs}): --emit ts ${(generateMs.ts / 1000).toFixed(2)} s,` +
        ` --emit js ${(generateMs.js / 1000).toFixed(2)} s (js/ts ${(generateMs.js / generateMs.ts).toFixed(2)}x)`,
    );

    const core = inputsByFolder(work, bundles.get("kubegen-core-v1")!.metafile);
    const genFolders = [...core.keys()].filter((f) => f.startsWith("gen/"));
    console.log(`  kubegen-core-v1 bundled inputs by folder: ${[...core].map(([f, n]) => `${f}=${n}`).join(", ")}`);
    console.log(`  core/v1 only: ${genFolders.every((f) => f === "gen/core/v1") ? "yes, no other group-version's module" : `NO: ${genFolders.join(", ")}`}`);
    // Through the module index, whose apply configurations link to core/v1's: only apps/v1 code may be bundled.
    const apps = bundles.get("kubegen-apps-v1-index")!;
    const appsInputs = inputsWithBytesByFolder(work, apps.metafile);
    const appsFolders = [...appsInputs.keys()].filter((f) => f.startsWith("gen/"));
    console.log(
      `  kubegen-apps-v1-index (AppsV1Client via apps/v1/index.js): ${apps.bytes} B, gzip ${apps.gzip} B; inputs with bytes in the bundle by folder: ` +
        [...appsInputs].map(([f, n]) => `${f}=${n}`).join(", "),
    );
    console.log(`  apps/v1 only: ${appsFolders.every((f) => f === "gen/apps/v1") ? "yes, no other group-version's code" : `NO: ${appsFolders.join(", ")}`}`);
    const all = inputsByFolder(work, ours.metafile);
    console.log(`  (root clientset, for contrast: ${[...all.keys()].filter((f) => f.startsWith("gen/")).length} generated folders)`);
    console.log(`  bundles run against a real server: ${await smoke(bundles)}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
