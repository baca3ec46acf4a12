// generate(): the library entry point behind `kubegen generate`. Load inputs,
// build the IR, run the emitters, render, then write (or check) the output
// folder. Schema errors from the whole run are thrown together as one
// SchemaError before anything is written.

import { resolve } from "node:path";
import { resolveArtifacts, type Artifact } from "./emit/artifacts.js";
import { emitApplyConfigurations } from "./emit/applyconfigurations.js";
import { emitClients } from "./emit/clients.js";
import { emitConversions } from "./emit/conversions.js";
import type { EmittedFile } from "./emit/emitted.js";
import { emitFakes } from "./emit/fakes.js";
import { emitIndexes } from "./emit/indexes.js";
import { emitInformers } from "./emit/informers.js";
import { emitListers } from "./emit/listers.js";
import { emitTypes } from "./emit/types.js";
import type { Diagnostic } from "./ir/types.js";
import { buildModel } from "./ir/build.js";
import { planModel, type Plan } from "./ir/plan.js";
import { Diagnostics, SchemaError, UsageError } from "./load/errors.js";
import { loadInputs } from "./load/index.js";
import { TemplateSet } from "./render/templates.js";
import { compileToJs, parseEmitMode, type EmitMode } from "./write/compile.js";
import { checkOutTarget, writeOutput, type RenderedFile } from "./write/output.js";

export type { EmitMode } from "./write/compile.js";

/** Everything `kubegen generate` can be told. */
export interface GenerateOptions {
  /** CRD YAML files, folders or URLs. */
  readonly crd?: readonly string[];
  /** OpenAPI v2/v3 files, folders or URLs. */
  readonly openapi?: readonly string[];
  /** Output folder (relative to `cwd`). */
  readonly out: string;
  /** Read OpenAPI (v3, then v2) from the cluster of a kubeconfig. */
  readonly fromCluster?: { readonly kubeconfig?: string; readonly context?: string };
  /** Only these group-versions (e.g. `apps/v1`, `core/v1`). */
  readonly groups?: readonly string[];
  /** Only these artifacts (see ARTIFACTS: `types`, `applyconfigurations`, `clients`, `fakes`, `listers`, `informers`) and what they need; all when absent. */
  readonly only?: readonly string[];
  /**
   * What to write: "ts" (default) the TypeScript source; "js" the same code compiled to `.js` +
   * `.d.ts` (ESM, ES2022), which consumers' tsc reads as declarations (skipped under skipLibCheck).
   */
  readonly emit?: EmitMode;
  /** Compare with the output folder instead of writing; the result lists what is stale. */
  readonly check?: boolean;
  /** Write even into a folder that looks wrong for generated code: "", the filesystem root, the home folder, a project root (see checkOutTarget). */
  readonly force?: boolean;
  /** Base folder for relative paths (inputs and `out`); default the process's working folder. */
  readonly cwd?: string;
  /** Receives short progress lines. */
  readonly progress?: (line: string) => void;
}

/** What a run produced. */
export interface GenerateResult {
  readonly modules: number;
  readonly types: number;
  readonly resources: number;
  readonly files: number;
  /** The artifacts emitted. */
  readonly artifacts: readonly Artifact[];
  /** Files that differ from the output folder (written, or stale under --check). */
  readonly changed: readonly string[];
  /** Generated files that the run no longer produces (removed, or stale under --check). */
  readonly stale: readonly string[];
  readonly written: boolean;
  readonly warnings: readonly Diagnostic[];
}

/** Runs the emitters of the chosen artifacts over the model's plan. */
function emitAll(plan: Plan, artifacts: ReadonlySet<Artifact>): EmittedFile[] {
  return [
    ...emitTypes(plan),
    ...emitConversions(plan),
    ...(artifacts.has("applyconfigurations") ? emitApplyConfigurations(plan) : []),
    ...(artifacts.has("clients") ? emitClients(plan) : []),
    ...(artifacts.has("fakes") ? emitFakes(plan) : []),
    ...(artifacts.has("listers") ? emitListers(plan) : []),
    ...(artifacts.has("informers") ? emitInformers(plan) : []),
    ...emitIndexes(plan, artifacts),
  ];
}

function seconds(since: number): string {
  return `${((performance.now() - since) / 1000).toFixed(2)} s`;
}

/** Runs the generator. Throws SchemaError (bad input) or UsageError (bad call, unwritable output). */
export async function generate(options: GenerateOptions): Promise<GenerateResult> {
  const progress = options.progress ?? (() => {});
  const artifacts = resolveArtifacts(options.only);
  const emit = parseEmitMode(options.emit);
  if (!options.crd?.length && !options.openapi?.length && !options.fromCluster) {
    throw new UsageError("nothing to generate from: pass --crd, --openapi or --from-cluster");
  }
  const out = resolve(options.cwd ?? process.cwd(), options.out);
  if (!options.check) checkOutTarget(out, { force: options.force ?? false, shown: options.out });
  const t0 = performance.now();
  const diags = new Diagnostics();
  const inputs = await loadInputs(
    {
      crd: options.crd ?? [],
      openapi: options.openapi ?? [],
      ...(options.fromCluster ? { fromCluster: options.fromCluster } : {}),
      ...(options.groups ? { groups: options.groups } : {}),
      ...(options.cwd ? { cwd: options.cwd } : {}),
      progress,
    },
    diags,
  );
  const crds = inputs.filter((i) => i.kind === "crd").length;
  const specs = inputs.length - crds;
  const loaded = [crds ? `${crds} CRDs` : "", specs ? `${specs} OpenAPI documents` : ""].filter(Boolean).join(" and ") || "no schemas";
  progress(`loaded ${loaded} in ${seconds(t0)}`);
  const model = buildModel(inputs, diags, options.groups ? { groups: options.groups } : {});
  diags.throwIfErrors();
  if (model.groupVersions.length === 0) {
    // Input that only holds things kubegen skips (CRDs with no served version) is the input's problem.
    if (!options.groups?.length && diags.warnings.length > 0) {
      throw new SchemaError(diags.warnings.map((w) => ({ ...w, severity: "error", message: `${w.message} (and the input defines nothing else)` })));
    }
    throw new UsageError(
      options.groups?.length
        ? `none of the requested groups (${options.groups.join(", ")}) is in the input`
        : "the input defines no types: nothing to generate",
    );
  }
  const templates = new TemplateSet();
  let rendered: RenderedFile[] = emitAll(planModel(model), artifacts).map((f) => ({ path: f.path, content: templates.render(f) }));
  const types = model.groupVersions.reduce((n, gv) => n + gv.types.length, 0);
  const resources = model.groupVersions.reduce((n, gv) => n + gv.resources.length, 0);
  progress(`generated ${[...artifacts].join(", ")} for ${model.groupVersions.length} group-versions, ${types} types, ${resources} resources in ${seconds(t0)}`);
  if (emit === "js") {
    const compiled = await compileToJs(rendered, out);
    rendered = compiled.files;
    progress(`compiled to .js + .d.ts${compiled.how === "program" ? " (with the type checker)" : ""} in ${seconds(t0)}`);
  }
  const result = await writeOutput(out, rendered, { check: options.check ?? false, shown: options.out });
  return {
    modules: model.groupVersions.length,
    types,
    resources,
    files: rendered.length,
    artifacts: [...artifacts],
    changed: result.changed,
    stale: result.stale,
    written: result.written,
    warnings: diags.warnings,
  };
}
