#!/usr/bin/env node
// The kubegen command line: `generate` (flags or a kubegen.config.yaml ->
// GenerateOptions -> generate()) and `init controller` (-> initController()).
// The only module that prints results and sets the exit code: 0 ok, 1 schema
// error (or stale output under --check), 2 usage error.

import { readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import yargs from "yargs";
import { hideBin } from "yargs/helpers";
import { generate } from "./generate.js";
import { ARTIFACTS } from "./emit/artifacts.js";
import { formatDiagnostic, SchemaError, UsageError } from "./load/errors.js";
import { isUrl } from "./load/sources.js";

const EXIT_OK = 0;
const EXIT_SCHEMA = 1;
const EXIT_USAGE = 2;

function err(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Reads kubegen.config.yaml; relative paths in it are relative to the file. */
function loadConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new UsageError(`--config ${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text, { version: "1.2" });
  } catch (e) {
    throw new UsageError(`--config ${path}: invalid YAML: ${(e as Error).message}`);
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw new UsageError(`--config ${path}: expected a mapping of options`);
  const base = dirname(resolve(path));
  const fix = (p: unknown): unknown => (typeof p === "string" && !isUrl(p) && !isAbsolute(p) ? resolve(base, p) : p);
  const out: Record<string, unknown> = { ...(doc as Record<string, unknown>) };
  for (const key of ["crd", "openapi"]) {
    const v = out[key];
    if (v !== undefined) out[key] = (Array.isArray(v) ? v : [v]).map(fix);
  }
  if (out.out !== undefined) out.out = fix(out.out);
  return out;
}

function list(v: unknown): string[] | undefined {
  if (v === undefined) return undefined;
  return (Array.isArray(v) ? v : [v]).flatMap((x) => String(x).split(",")).map((s) => s.trim()).filter(Boolean);
}

async function runGenerate(argv: Record<string, unknown>): Promise<number> {
  const quiet = argv.quiet === true;
  const progress = quiet ? undefined : (line: string) => err(`kubegen: ${line}`);
  const crd = list(argv.crd);
  const openapi = list(argv.openapi);
  const groups = list(argv.groups);
  const only = list(argv.only);
  const result = await generate({
    out: String(argv.out),
    ...(crd ? { crd } : {}),
    ...(openapi ? { openapi } : {}),
    ...(groups ? { groups } : {}),
    ...(only ? { only } : {}),
    ...(argv["from-cluster"]
      ? { fromCluster: { ...(argv.kubeconfig ? { kubeconfig: String(argv.kubeconfig) } : {}), ...(argv.context ? { context: String(argv.context) } : {}) } }
      : {}),
    check: argv.check === true,
    ...(progress ? { progress } : {}),
  });
  if (result.warnings.length > 0 && !quiet) {
    const shown = argv.verbose ? result.warnings : result.warnings.slice(0, 5);
    for (const w of shown) err(formatDiagnostic(w));
    if (shown.length < result.warnings.length) err(`kubegen: ${result.warnings.length - shown.length} more warnings (--verbose lists them)`);
  }
  if (argv.check) {
    const stale = [...result.changed, ...result.stale];
    if (stale.length > 0) {
      err(`kubegen: ${argv.out} is stale: ${stale.length} files differ (${stale.slice(0, 5).join(", ")}${stale.length > 5 ? ", ..." : ""}); run kubegen generate`);
      return EXIT_SCHEMA;
    }
    progress?.(`${argv.out} is up to date`);
    return EXIT_OK;
  }
  progress?.(
    result.written
      ? `wrote ${result.changed.length} files and removed ${result.stale.length} stale ones in ${argv.out}`
      : `${argv.out} is already up to date (${result.files} files)`,
  );
  return EXIT_OK;
}

async function runInitController(argv: Record<string, unknown>): Promise<number> {
  const quiet = argv.quiet === true;
  const progress = quiet ? undefined : (line: string) => err(`kubegen: ${line}`);
  // Loaded on demand, so `generate` never pays for it.
  const { initController } = await import("./init/init-controller.js");
  const out = String(argv.out);
  const result = await initController({
    crd: String(argv.crd),
    out,
    ...(argv.name !== undefined ? { name: String(argv.name) } : {}),
    force: argv.force === true,
    ...(progress ? { progress } : {}),
  });
  if (!quiet) {
    for (const w of result.warnings.slice(0, 5)) err(formatDiagnostic(w));
    const cd = /^[\w./@~+-]+$/.test(out) ? out : JSON.stringify(out);
    process.stdout.write(
      `\nCreated ${result.name}: a controller for ${result.apiVersion} ${result.kind} (${result.files.length} files, ${result.generatedFiles} generated).\n\n` +
        `Next steps:\n  cd ${cd}\n  npm install\n  npm test          # runs the controller against a real kube-apiserver\n\n` +
        `Your reconcile logic goes in src/controller.ts; README.md says how to run it against a cluster.\n`,
    );
  }
  return EXIT_OK;
}

async function main(): Promise<number> {
  let code = EXIT_OK;
  let usageFailure: string | undefined;
  let helpCommand = "generate";
  await yargs(hideBin(process.argv))
    .scriptName("kubegen")
    .usage("$0 <command> [options]\n\nTyped Kubernetes clients for TypeScript, from CRDs or OpenAPI.")
    .command(
      "generate",
      "Generate TypeScript from CRD YAML or Kubernetes OpenAPI",
      (y) =>
        y
          .option("crd", { type: "string", array: true, describe: "CRD YAML file, folder or URL (repeatable)" })
          .option("openapi", { type: "string", array: true, describe: "OpenAPI v2 swagger.json(.gz), a folder of v3 documents, or a URL (a server's /openapi/v3)" })
          .option("from-cluster", { type: "boolean", describe: "Read OpenAPI from the cluster in your kubeconfig (v3, then v2)" })
          .option("kubeconfig", { type: "string", describe: "kubeconfig for --from-cluster" })
          .option("context", { type: "string", describe: "kubeconfig context for --from-cluster" })
          .option("out", { type: "string", describe: "Output folder (hand-written files in it are kept)", demandOption: "--out is required (or `out:` in --config)" })
          .option("groups", { type: "string", array: true, describe: "Only these group-versions, comma-separated (apps/v1,core/v1,example.com/v1)" })
          .option("only", {
            type: "string",
            array: true,
            describe: `Only these artifacts, comma-separated (${ARTIFACTS.join(", ")}); what they need is added. Default: all`,
          })
          .option("check", { type: "boolean", describe: "Write nothing; exit 1 if --out is not what generation would produce (for CI)" })
          .option("config", { type: "string", describe: "Read options from a YAML file (kubegen.config.yaml); flags override it" })
          .config("config", loadConfigFile)
          .option("quiet", { type: "boolean", alias: "q", describe: "Print only errors" })
          .option("verbose", { type: "boolean", describe: "List every warning" })
          .check((a) => {
            if (!a.crd && !a.openapi && !a["from-cluster"]) throw new Error("pass at least one of --crd, --openapi or --from-cluster");
            return true;
          })
          .example("$0 generate --crd config/crd/ --out src/generated", "Types for every CRD in a folder")
          .example("$0 generate --openapi swagger.json.gz --groups apps/v1,core/v1 --out src/k8s", "Built-in types for two group-versions")
          .example("$0 generate --crd foos.yaml --only types --out src/generated", "Types only, no clients")
          .example("$0 generate --from-cluster --context kind-dev --out src/k8s", "Built-in and CRD types from a live cluster")
          .example("$0 generate --config kubegen.config.yaml --check", "Fail CI when committed output is stale"),
      async (argv) => {
        code = await runGenerate(argv as Record<string, unknown>);
      },
    )
    .command("init", "Scaffold a project (init controller: a controller for a CRD)", (y) => {
      helpCommand = "init controller";
      return y
        .command(
          "controller",
          "Scaffold a controller project for a CRD: generated client, reconcile loop, main with health and leader election, and a test against a real API server",
          (c) =>
            c
              .option("crd", { type: "string", describe: "The CRD YAML file (copied into the project's crd/)", demandOption: "--crd is required" })
              .option("out", { type: "string", describe: "The project folder (must be absent or empty unless --force)", demandOption: "--out is required" })
              .option("name", { type: "string", describe: "npm package name (default: <kind>-controller)" })
              .option("force", { type: "boolean", describe: "Write into a non-empty folder: the scaffold's files replace theirs, other files are kept" })
              .option("quiet", { type: "boolean", alias: "q", describe: "Print only errors" })
              .check((a) => {
                for (const key of ["crd", "out", "name"] as const) {
                  if (Array.isArray(a[key])) throw new Error(`--${key} can be given once`);
                }
                return true;
              })
              .example("$0 init controller --crd config/crd/foos.yaml --out foo-controller", "A project for the Foo CRD")
              .example("$0 init controller --crd foos.yaml --out . --name @acme/foo-operator --force", "Into the current (non-empty) folder"),
          async (argv) => {
            code = await runInitController(argv as Record<string, unknown>);
          },
        )
        .demandCommand(1, "name what to scaffold: kubegen init controller --help");
    })
    .demandCommand(1, "name a command: kubegen generate --help, kubegen init controller --help")
    .strict()
    .help()
    .alias("help", "h")
    .version(false)
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .fail((msg, error) => {
      if (error && !(error instanceof UsageError) && msg === undefined) throw error;
      usageFailure = error instanceof UsageError ? error.message : (msg ?? error?.message ?? "invalid usage");
    })
    .parseAsync();
  if (usageFailure !== undefined) {
    err(`kubegen: ${usageFailure}\nRun \`kubegen ${helpCommand} --help\` for the options.`);
    return EXIT_USAGE;
  }
  return code;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    if (e instanceof SchemaError) {
      for (const d of e.diagnostics) err(formatDiagnostic(d));
      err(`kubegen: ${e.diagnostics.length} error${e.diagnostics.length === 1 ? "" : "s"} in the input; nothing was written`);
      process.exit(EXIT_SCHEMA);
    }
    if (e instanceof UsageError) {
      err(`kubegen: ${e.message}`);
      process.exit(EXIT_USAGE);
    }
    err(`kubegen: internal error: ${(e as Error)?.stack ?? String(e)}`);
    process.exit(EXIT_SCHEMA);
  },
);
