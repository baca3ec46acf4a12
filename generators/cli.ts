// The kubegen command line: `generate` (flags or a kubegen.config.yaml ->
// GenerateOptions -> generate()) and `init controller` (-> initController()).
// `run(argv, io)` parses, runs one command and returns its exit code; it never
// calls process.exit, so tests call it in-process. The bin (bin/kubegen.js) is
// the only place that exits. Exit codes: 0 ok; 1 schema error (or stale output
// under --check); 2 usage error; 3 internal error (a bug in kubegen).

import { readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import yargs, { type Argv } from "yargs";
import { generate } from "./generate.js";
import { ARTIFACTS } from "./emit/artifacts.js";
import { formatDiagnostic, SchemaError, UsageError } from "./load/errors.js";
import { isUrl } from "./load/sources.js";
import { EMIT_MODES, parseEmitMode } from "./write/compile.js";

export const EXIT_OK = 0;
export const EXIT_SCHEMA = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERNAL = 3;

/** Where the command line reads and writes; `processIo()` is the real terminal. */
export interface CliIo {
  /** Receives text for standard output (help, the next steps after init). */
  readonly stdout: (text: string) => void;
  /** Receives progress, warnings and errors. */
  readonly stderr: (text: string) => void;
  /** Relative paths in flags are relative to this folder. */
  readonly cwd: string;
  /** Terminal width for --help. */
  readonly columns?: number;
}

/** The process's own stdout, stderr and working folder. */
export function processIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    cwd: process.cwd(),
    ...(process.stdout.columns ? { columns: process.stdout.columns } : {}),
  };
}

/** Reads kubegen.config.yaml (YAML, or JSON, which is YAML too); relative paths in it are relative to the file. */
function loadConfigFile(path: string, cwd: string): Record<string, unknown> {
  const file = resolve(cwd, path);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
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
  const base = dirname(file);
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

/** One line per stream write, so io receivers see whole lines. */
function lines(io: CliIo): (line: string) => void {
  return (line) => io.stderr(`${line}\n`);
}

async function runGenerate(argv: Record<string, unknown>, io: CliIo): Promise<number> {
  const err = lines(io);
  const quiet = argv.quiet === true;
  const progress = quiet ? undefined : (line: string) => err(`kubegen: ${line}`);
  const crd = list(argv.crd);
  const openapi = list(argv.openapi);
  const groups = list(argv.groups);
  const only = list(argv.only);
  const out = String(argv.out);
  const result = await generate({
    out,
    cwd: io.cwd,
    ...(crd ? { crd } : {}),
    ...(openapi ? { openapi } : {}),
    ...(groups ? { groups } : {}),
    ...(only ? { only } : {}),
    ...(argv["from-cluster"]
      ? {
          fromCluster: {
            ...(argv.kubeconfig ? { kubeconfig: resolve(io.cwd, String(argv.kubeconfig)) } : {}),
            ...(argv.context ? { context: String(argv.context) } : {}),
          },
        }
      : {}),
    ...(argv.emit !== undefined ? { emit: parseEmitMode(argv.emit) } : {}),
    check: argv.check === true,
    force: argv.force === true,
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
      err(`kubegen: ${out} is stale: ${stale.length} files differ (${stale.slice(0, 5).join(", ")}${stale.length > 5 ? ", ..." : ""}); run kubegen generate`);
      return EXIT_SCHEMA;
    }
    progress?.(`${out} is up to date`);
    return EXIT_OK;
  }
  progress?.(
    result.written
      ? `wrote ${result.changed.length} files and removed ${result.stale.length} stale ones in ${out}`
      : `${out} is already up to date (${result.files} files)`,
  );
  return EXIT_OK;
}

async function runInitController(argv: Record<string, unknown>, io: CliIo): Promise<number> {
  const err = lines(io);
  const quiet = argv.quiet === true;
  const progress = quiet ? undefined : (line: string) => err(`kubegen: ${line}`);
  // Loaded on demand, so `generate` never pays for it.
  const { initController } = await import("./init/init-controller.js");
  const out = String(argv.out);
  const result = await initController({
    crd: String(argv.crd),
    out,
    cwd: io.cwd,
    ...(argv.name !== undefined ? { name: String(argv.name) } : {}),
    ...(argv.packages !== undefined ? { packages: String(argv.packages) } : {}),
    force: argv.force === true,
    webhooks: argv.webhooks === true,
    ...(progress ? { progress } : {}),
  });
  if (!quiet) {
    for (const w of result.warnings.slice(0, 5)) err(formatDiagnostic(w));
    const cd = /^[\w./@~+-]+$/.test(out) ? out : JSON.stringify(out);
    io.stdout(
      `\nCreated ${result.name}: a controller for ${result.apiVersion} ${result.kind} (${result.files.length} files, ${result.generatedFiles} generated).\n\n` +
        `Next steps:\n  cd ${cd}\n  npm install\n  npm test          # runs the controller against a real kube-apiserver\n\n` +
        `Your reconcile logic goes in src/controller.ts${result.webhooks ? ", your webhook rules in src/webhooks.ts" : ""}; README.md says how to run it against a cluster.\n`,
    );
  }
  return EXIT_OK;
}

type Command = "generate" | "init controller";

/** The yargs parser: it only parses and records the command; run() runs it. */
function parser(io: CliIo, chose: (command: Command, argv: Record<string, unknown>) => void): Argv {
  return yargs()
    .scriptName("kubegen")
    .usage("$0 <command> [options]\n\nTyped Kubernetes clients for TypeScript, from CRDs or OpenAPI.")
    .command(
      "generate",
      "Generate TypeScript from CRD YAML or Kubernetes OpenAPI",
      (y) =>
        y
          .option("crd", { type: "string", array: true, requiresArg: true, describe: "CRD YAML file, folder or URL (repeatable)" })
          .option("openapi", {
            type: "string",
            array: true,
            requiresArg: true,
            describe: "OpenAPI v2 swagger.json(.gz), a folder of v3 documents, or a URL (a server's /openapi/v3)",
          })
          .option("from-cluster", { type: "boolean", describe: "Read OpenAPI from the cluster in your kubeconfig (v3, then v2)" })
          .option("kubeconfig", { type: "string", requiresArg: true, describe: "kubeconfig for --from-cluster" })
          .option("context", { type: "string", requiresArg: true, describe: "kubeconfig context for --from-cluster" })
          .option("out", {
            type: "string",
            requiresArg: true,
            describe: "Output folder (hand-written files in it are kept)",
            demandOption: "--out is required (or `out:` in --config)",
          })
          .option("groups", { type: "string", array: true, requiresArg: true, describe: "Only these group-versions, comma-separated (apps/v1,core/v1,example.com/v1)" })
          .option("only", {
            type: "string",
            array: true,
            requiresArg: true,
            describe: `Only these artifacts, comma-separated (${ARTIFACTS.join(", ")}); what they need is added. Default: all`,
          })
          .option("emit", {
            type: "string",
            requiresArg: true,
            choices: EMIT_MODES,
            describe:
              "ts: TypeScript source (default; your build compiles it). js: compiled .js + .d.ts (ESM, ES2022), " +
              "much cheaper for your tsc to check, for projects that do not want the sources or that publish the client as a package",
          })
          .option("check", { type: "boolean", describe: "Write nothing; exit 1 if --out is not what generation would produce (for CI)" })
          .option("force", {
            type: "boolean",
            describe: "Write even into the filesystem root, your home folder or a project root (a folder holding .git or package.json)",
          })
          .option("config", { type: "string", requiresArg: true })
          .config(
            "config",
            "Read options from a YAML (or JSON) file, e.g. kubegen.config.yaml with crd, openapi, out, groups, emit; flags override it",
            (path: string) => loadConfigFile(path, io.cwd),
          )
          .option("quiet", { type: "boolean", alias: "q", describe: "Print only errors" })
          .option("verbose", { type: "boolean", describe: "List every warning, and the stack trace of an internal error" })
          .check((a) => {
            if (!a.crd && !a.openapi && !a["from-cluster"]) throw new UsageError("pass at least one of --crd, --openapi or --from-cluster");
            return true;
          })
          .example("$0 generate --crd config/crd/ --out src/generated", "Types for every CRD in a folder")
          .example("$0 generate --openapi swagger.json.gz --groups apps/v1,core/v1 --out src/k8s", "Built-in types for two group-versions")
          .example("$0 generate --crd foos.yaml --only types --out src/generated", "Types only, no clients")
          .example("$0 generate --from-cluster --context kind-dev --out src/k8s", "Built-in and CRD types from a live cluster")
          .example("$0 generate --openapi swagger.json.gz --emit js --out src/k8s", "Built-in clients as .js + .d.ts")
          .example("$0 generate --config kubegen.config.yaml --check", "Fail CI when committed output is stale"),
      (argv) => chose("generate", argv as Record<string, unknown>),
    )
    .command("init", "Scaffold a project (init controller: a controller for a CRD)", (y) =>
      y
        .command(
          "controller",
          "Scaffold a controller project for a CRD: generated client, reconcile loop, main with health and leader election, and a test against a real API server",
          (c) =>
            c
              .option("crd", { type: "string", requiresArg: true, describe: "The CRD YAML file (copied into the project's crd/)", demandOption: "--crd is required" })
              .option("out", { type: "string", requiresArg: true, describe: "The project folder (must be absent or empty unless --force)", demandOption: "--out is required" })
              .option("name", { type: "string", requiresArg: true, describe: "npm package name (default: <kind>-controller)" })
              .option("packages", {
                type: "string",
                requiresArg: true,
                describe: "A folder holding the kubegen and @kubegen/runtime tarballs (`make pack`); the project depends on them by file: path",
              })
              .option("force", { type: "boolean", describe: "Write into a non-empty folder: the scaffold's files replace theirs, other files are kept" })
              .option("webhooks", {
                type: "boolean",
                describe: "Add defaulting and validating webhooks, and a conversion webhook for a multi-version CRD, with their Service, configurations and tests",
              })
              .option("quiet", { type: "boolean", alias: "q", describe: "Print only errors" })
              .option("verbose", { type: "boolean", describe: "Print the stack trace of an internal error" })
              .check((a) => {
                for (const key of ["crd", "out", "name", "packages"] as const) {
                  if (Array.isArray(a[key])) throw new UsageError(`--${key} can be given once`);
                }
                return true;
              })
              .example("$0 init controller --crd config/crd/foos.yaml --out foo-controller", "A project for the Foo CRD")
              .example("$0 init controller --crd foos.yaml --out foo-controller --webhooks", "With admission and conversion webhooks")
              .example("$0 init controller --crd foos.yaml --out foo-controller --packages ../kubegen/dist/packages", "Depending on packed tarballs")
              .example("$0 init controller --crd foos.yaml --out . --name @acme/foo-operator --force", "Into the current (non-empty) folder"),
          (argv) => chose("init controller", argv as Record<string, unknown>),
        )
        .demandCommand(1, "name what to scaffold: kubegen init controller --help"),
    )
    .demandCommand(1, "name a command: kubegen generate --help, kubegen init controller --help")
    .strict()
    .help()
    .alias("help", "h")
    .version(false)
    .exitProcess(false)
    .wrap(Math.min(110, io.columns ?? 100))
    .fail((msg, error) => {
      // A usage problem found by yargs or by our checks; anything else is a bug.
      if (error && !(error instanceof UsageError) && msg == null) throw error;
      throw error instanceof UsageError ? error : new UsageError(msg ?? error?.message ?? "invalid usage");
    });
}

/** The `--help` line for the command the arguments name. */
function helpHint(argv: readonly string[]): string {
  return argv[0] === "init" ? "kubegen init controller --help" : "kubegen generate --help";
}

/** Runs the kubegen command line and resolves to its exit code. */
export async function run(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const err = lines(io);
  const verbose = argv.includes("--verbose");
  try {
    let chosen: { command: Command; argv: Record<string, unknown> } | undefined;
    let help = "";
    await parser(io, (command, a) => (chosen = { command, argv: a })).parseAsync([...argv], {}, (_e, _a, output) => {
      help = output ?? "";
    });
    if (!chosen) {
      // --help (or nothing to run): yargs has produced the text.
      if (help) io.stdout(help.endsWith("\n") ? help : `${help}\n`);
      return EXIT_OK;
    }
    return chosen.command === "generate" ? await runGenerate(chosen.argv, io) : await runInitController(chosen.argv, io);
  } catch (e) {
    if (e instanceof SchemaError) {
      for (const d of e.diagnostics) err(formatDiagnostic(d));
      err(`kubegen: ${e.diagnostics.length} error${e.diagnostics.length === 1 ? "" : "s"} in the input; nothing was written`);
      return EXIT_SCHEMA;
    }
    if (e instanceof UsageError) {
      err(`kubegen: ${e.message}\nRun \`${helpHint(argv)}\` for the options.`);
      return EXIT_USAGE;
    }
    const what = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    err(`kubegen: internal error (a bug in kubegen): ${what.split("\n")[0]}`);
    if (verbose && e instanceof Error && e.stack) err(e.stack);
    else err("kubegen: please report it with the command you ran; --verbose prints the stack trace");
    return EXIT_INTERNAL;
  }
}
