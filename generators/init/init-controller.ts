// initController(): the library entry point behind `kubegen init controller`.
// Reads one CRD file with the generator's loaders, builds the IR, derives the
// names the generated code uses for the CRD's first served version, renders
// templates/init/*, runs generate() into src/generated, and writes the whole
// project atomically (all or nothing). A non-empty --out is refused unless
// `force`. Throws UsageError (bad call) or SchemaError (bad CRD).

import { readFileSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { literalExpression } from "../ir/escape.js";
import { generate } from "../generate.js";
import { buildModel } from "../ir/build.js";
import { builderMethodName } from "../ir/naming.js";
import { hasBuilder, planModel, type GroupVersionPlan } from "../ir/plan.js";
import type { ApiModel, Diagnostic, Field, GroupVersion, Resource, TypeDef } from "../ir/types.js";
import { Diagnostics, SchemaError, UsageError } from "../load/errors.js";
import { loadInputs } from "../load/index.js";
import type { CrdInput, Schema } from "../load/schema.js";
import { isUrl } from "../load/sources.js";
import { CONFIG_FILES, WEBHOOK_CONFIG_FILES, deployView } from "./deploy-view.js";
import { packageJson, packedDependencies, registryDependencies, type ToolVersions } from "./package-json.js";
import { sampleBody } from "./sample-object.js";
import { InitTemplates } from "./templates.js";
import { webhookView, withConversionWebhook } from "./webhook-view.js";
import { checkOutFolder, put, writeProject } from "./write-project.js";

/** What `kubegen init controller` can be told. */
export interface InitControllerOptions {
  /** The CRD YAML file (copied into the project's crd/ folder). */
  readonly crd: string;
  /** The project folder; must be absent or empty unless `force`. */
  readonly out: string;
  /** The npm package name; default `<kind>-controller`, lower-cased. */
  readonly name?: string;
  /** Write into a non-empty folder: the scaffold's files replace theirs, other files are kept. */
  readonly force?: boolean;
  /**
   * A folder holding the tarballs `make pack` writes (`kubegen-<version>.tgz`
   * and `kubegen-runtime-<version>.tgz` of this generator's versions); the
   * project then depends on them by relative `file:` path. Without it the
   * project depends on registry ranges.
   */
  readonly packages?: string;
  /**
   * Add admission webhooks (defaulting and validation of the kind) and, for a
   * CRD served in several versions, a conversion webhook: src/webhooks.ts,
   * src/conversion.ts, their Service and configurations in config/, the CRD's
   * `conversion: Webhook` stanza, and tests of them against the control plane.
   */
  readonly webhooks?: boolean;
  /** Base folder for relative paths. */
  readonly cwd?: string;
  /** Receives short progress lines. */
  readonly progress?: (line: string) => void;
}

/** What a scaffold run produced. */
export interface InitControllerResult {
  /** The project folder, absolute. */
  readonly out: string;
  /** The package name. */
  readonly name: string;
  /** The kind and apiVersion the controller reconciles. */
  readonly kind: string;
  readonly apiVersion: string;
  /** Files written outside src/generated, sorted. */
  readonly files: readonly string[];
  /** Files generate() wrote into src/generated. */
  readonly generatedFiles: number;
  /** Warnings about the CRD. */
  readonly warnings: readonly Diagnostic[];
  /** The webhooks scaffolded: admission, and conversion for a multi-version CRD. */
  readonly webhooks: { readonly conversion: boolean } | undefined;
}

const NPM_NAME = /^(?:@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/;

/** The `version` of the nearest package.json named `name` at or above `start`. */
function packageVersion(start: string, name: string): string | undefined {
  let dir = start;
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: string; version?: string };
      if (pkg.name === name && pkg.version) return pkg.version;
    } catch {
      // no package.json here: keep looking
    }
    dir = dirname(dir);
  }
  return undefined;
}

/** The versions the scaffold depends on: this generator's and the runtime it was built with. */
export function toolVersions(): ToolVersions {
  const here = dirname(fileURLToPath(import.meta.url));
  const generator = packageVersion(here, "kubegen");
  if (!generator) throw new Error(`internal error: cannot find kubegen's package.json above ${here}`);
  let runtime: string | undefined;
  try {
    runtime = packageVersion(dirname(fileURLToPath(import.meta.resolve("@kubegen/runtime"))), "@kubegen/runtime");
  } catch {
    // not resolvable from here: fall back to the dependency kubegen declares
  }
  if (!runtime) {
    const pkg = JSON.parse(readFileSync(join(packageDir(here), "package.json"), "utf8")) as { dependencies?: Record<string, string> };
    runtime = pkg.dependencies?.["@kubegen/runtime"]?.replace(/^[\^~]/, "") ?? generator;
  }
  return { generator, runtime };
}

function packageDir(start: string): string {
  let dir = start;
  for (let i = 0; i < 6 && packageVersion(dir, "kubegen") === undefined; i++) dir = dirname(dir);
  return dir;
}

/** The status facts the skeleton's reconcile uses. */
interface StatusView {
  /** The kind has a status subresource and a status struct with a builder. */
  readonly present: boolean;
  /** The reconcile calls applyStatus (false when the status has required fields it cannot fill). */
  readonly live: boolean;
  readonly builder: string;
  readonly observedGeneration: boolean;
  readonly conditions: boolean;
  /** Other status fields exist: the skeleton leaves a TODO naming their setters. */
  readonly todo: boolean;
  readonly setters: string;
}

function isObservedGeneration(f: Field): boolean {
  return f.name === "observedGeneration" && f.type.kind === "integer";
}

function isConditions(f: Field): boolean {
  return (
    f.name === "conditions" &&
    f.type.kind === "array" &&
    f.type.items.kind === "ref" &&
    "runtime" in f.type.items.target &&
    f.type.items.target.runtime === "Condition"
  );
}

function statusView(p: GroupVersionPlan, resource: Resource, kindDef: TypeDef): StatusView {
  const { gv } = p;
  const none: StatusView = { present: false, live: false, builder: "", observedGeneration: false, conditions: false, todo: false, setters: "" };
  if (!resource.subresources.some((s) => s.name === "status")) return none;
  const ref = kindDef.fields.find((f) => f.name === "status")?.type;
  if (ref?.kind !== "ref" || !("module" in ref.target) || ref.target.module !== gv.names.modulePath) return none;
  const name = ref.target.name;
  const def = p.types.get(name);
  if (!def || !hasBuilder(def)) return none;
  const observedGeneration = def.fields.some(isObservedGeneration);
  const conditions = def.fields.some(isConditions);
  const others = def.fields.filter((f) => !isObservedGeneration(f) && !isConditions(f));
  return {
    present: true,
    live: !others.some((f) => f.required),
    builder: p.factories.get(def.name)!,
    observedGeneration,
    conditions,
    todo: others.length > 0,
    setters: others.length > 0 ? others.map((f) => `${builderMethodName(f.name)}()`).join(", ") : "no setters",
  };
}

/** The CRD's first served version, its resource and names in `model`. */
function pickVersion(model: ApiModel, input: CrdInput): { gv: GroupVersion; resource: Resource; schema: Schema } {
  const crd = input.crd;
  const versions = (Array.isArray(crd.spec?.versions) ? crd.spec.versions : []) as { name?: string; served?: boolean; schema?: { openAPIV3Schema?: Schema } }[];
  const index = versions.findIndex((v) => v.served === true);
  const served = versions[index];
  if (!served?.name) {
    const pointer = `${input.pointerPrefix}/spec/versions`;
    throw SchemaError.at(input.file, pointer, "the CRD serves no version: a controller needs one with served: true", input.lineOf(pointer));
  }
  const group = String(crd.spec.group);
  const kind = String(crd.spec.names?.kind);
  const gv = model.groupVersions.find((g) => g.group === group && g.version === served.name);
  const resource = gv?.resources.find((r) => r.kind === kind);
  if (!gv || !resource) throw new Error(`internal error: ${group}/${served.name} ${kind} is missing from the model`);
  return { gv, resource, schema: served.schema?.openAPIV3Schema ?? {} };
}

/** Scaffolds a controller project for the CRD in `options.crd`. */
export async function initController(options: InitControllerOptions): Promise<InitControllerResult> {
  const cwd = options.cwd ?? process.cwd();
  const progress = options.progress ?? (() => {});
  if (isUrl(options.crd)) throw new UsageError(`--crd ${options.crd}: init needs a local file (it is copied into the project)`);
  const crdPath = resolve(cwd, options.crd);
  const info = await stat(crdPath).catch((err: NodeJS.ErrnoException) => {
    throw new UsageError(err.code === "ENOENT" ? `--crd ${options.crd}: no such file` : `--crd ${options.crd}: cannot read (${err.code ?? err.message})`, { cause: err });
  });
  if (!info.isFile()) throw new UsageError(`--crd ${options.crd}: init needs one CRD file, not a folder`);
  if (options.name !== undefined && (options.name.length > 214 || !NPM_NAME.test(options.name))) {
    throw new UsageError(`--name ${JSON.stringify(options.name)} is not a valid npm package name (lower case, digits, - . _ ~, optional @scope/)`);
  }
  const out = resolve(cwd, options.out);
  await checkOutFolder(out, options.force ?? false, options.out);
  const versions = toolVersions();
  const deps = options.packages !== undefined ? await packedDependencies(options.packages, cwd, out, versions) : registryDependencies(versions);

  const diags = new Diagnostics();
  const inputs = await loadInputs({ crd: [options.crd], cwd }, diags);
  const model = buildModel(inputs, diags);
  diags.throwIfErrors();
  const crds = inputs.filter((i): i is CrdInput => i.kind === "crd");
  const first = crds[0];
  if (!first) throw SchemaError.at(options.crd, "", "the file holds no CustomResourceDefinition");
  const { gv, resource, schema } = pickVersion(model, first);
  const plan = planModel(model);
  const planned = plan.groupVersion(gv);
  const kindDef = planned.types.get(resource.typeName);
  const lister = planned.listable.find((r) => r.resource === resource)?.names;
  if (!kindDef || !lister) {
    throw SchemaError.at(options.crd, first.pointerPrefix, `${resource.kind} cannot be listed and watched, so no informer can feed a controller`);
  }

  const kindLower = resource.kind.toLowerCase();
  const name = options.name ?? `${kindLower}-controller`;
  const original = basename(crdPath);
  // A file name that is safe in a path, a shell word and a URL; otherwise the
  // CRD's validated plural and group name it.
  const safeFile = /^[A-Za-z0-9][A-Za-z0-9._-]*\.ya?ml$/;
  const derived = `${resource.plural}.${gv.group}.yaml`;
  const crdFile = safeFile.test(original) ? original : safeFile.test(derived) ? derived : "crd.yaml";
  const status = statusView(planned, resource, kindDef);
  const sampleName = "example";
  const sample = {
    apiVersion: gv.names.apiVersion,
    kind: resource.kind,
    metadata: resource.namespaced ? { name: sampleName, namespace: "default" } : { name: sampleName },
    ...sampleBody(schema),
  };
  const controllerName = `${kindLower}-controller`;
  const crdName = resource.crd?.crdName ?? `${resource.plural}.${gv.group}`;
  const deploy = deployView(name, { group: gv.group, plural: resource.plural, appliesStatus: status.live, leaseName: controllerName });
  const webhooks = options.webhooks
    ? webhookView(deploy, {
        group: gv.group,
        version: gv.version,
        kind: resource.kind,
        crdName,
        namespaced: resource.namespaced,
        conversion: plan.conversions.find((c) => c.crdName === crdName),
      })
    : undefined;
  const view = {
    name,
    kind: resource.kind,
    typeName: resource.typeName,
    group: gv.group,
    apiVersion: gv.names.apiVersion,
    plural: resource.plural,
    crdName,
    crdFile,
    modulePath: gv.names.modulePath,
    groupAccessor: gv.names.accessor,
    getter: lister.getter,
    listerAccessor: lister.lister.namespaceAccessor,
    namespaced: resource.namespaced,
    builder: planned.factories.get(resource.typeName)!,
    builderArgs: resource.namespaced ? "name, namespace" : "name",
    controllerName,
    annotation: `${gv.group}/reconciled-generation`,
    status,
    sample: literalExpression(sample, 2, 4),
    sampleName,
    testTitle: `reconciles a new ${resource.kind}`,
    informerResource: `${resource.plural}.${gv.group}`,
    deploy,
    // false, not undefined: the templates are strict, and read `conversion.*` only under `#if conversion`
    webhooks: webhooks ?? false,
    conversion: webhooks?.conversion ?? false,
  };

  const templates = new InitTemplates();
  const files: [string, string][] = [
    ["package.json", packageJson(view, deps)],
    ["tsconfig.json", templates.render("tsconfig.json", view)],
    [".gitignore", templates.render("gitignore", view)],
    ["README.md", templates.render("README.md", view)],
    ["vitest.config.ts", templates.render("vitest.config.ts", view)],
    ["src/controller.ts", templates.render("controller.ts", view)],
    ["src/main.ts", templates.render("main.ts", view)],
    ["src/manager.ts", templates.render("manager.ts", view)],
    ["test/control-plane.ts", templates.render("control-plane.ts", view)],
    ["test/support.ts", templates.render("test-support.ts", view)],
    ["test/controller.test.ts", templates.render("controller.test.ts", view)],
    ["test/deploy.test.ts", templates.render("deploy.test.ts", view)],
    ["test/tsconfig.json", templates.render("test-tsconfig.json", view)],
    ["Dockerfile", templates.render("Dockerfile", view)],
    [".dockerignore", templates.render("dockerignore", view)],
    ...CONFIG_FILES.map((f): [string, string] => [`config/${f}`, templates.render(`config/${f}`, view)]),
  ];
  if (webhooks) {
    files.push(
      ["src/webhooks.ts", templates.render("webhooks.ts", view)],
      ["test/webhooks.test.ts", templates.render("webhooks.test.ts", view)],
      ...WEBHOOK_CONFIG_FILES.map((f): [string, string] => [`config/${f}`, templates.render(`config/${f}`, view)]),
    );
    if (webhooks.conversion) files.push(["src/conversion.ts", templates.render("conversion.ts", view)]);
  }
  const crdText = await readFile(crdPath);
  // With a conversion webhook, the CRD routes conversions to it; otherwise it is copied as it is.
  const crdBytes = webhooks?.conversion ? withConversionWebhook(crdText.toString("utf8"), first, webhooks, deploy.namespace) : crdText;
  let generatedFiles = 0;
  let warnings: readonly Diagnostic[] = diags.warnings;
  await writeProject(
    out,
    options.force ?? false,
    async (dir) => {
      for (const [path, content] of files) await put(dir, path, content);
      await put(dir, `crd/${crdFile}`, crdBytes);
      const result = await generate({ crd: [options.crd], cwd, out: join(dir, "src/generated"), progress });
      generatedFiles = result.files;
      warnings = result.warnings;
    },
    options.out,
  );
  progress(`scaffolded ${name} for ${gv.names.apiVersion} ${resource.kind} in ${options.out}`);
  return {
    out,
    name,
    kind: resource.kind,
    apiVersion: gv.names.apiVersion,
    files: [...files.map(([p]) => p), `crd/${crdFile}`].sort(),
    generatedFiles,
    warnings,
    webhooks: webhooks && { conversion: webhooks.conversion !== undefined },
  };
}
