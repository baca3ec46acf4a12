// generateRuntimeBuilders(): the runtime's own apply configurations (meta/v1 ObjectMeta and
// friends, core/v1 ObjectReference, autoscaling/v1 Scale), made by the same loader, planner,
// emitter and templates as users' code, from the schema the runtime keeps in
// runtime/schema/runtime-types.json. `make generate-runtime` writes them to
// runtime/src/apply/generated; `make verify-codegen` checks they are current. Only the builders
// and apply schemas are generated: the runtime's API types (meta/types.ts) stay hand-written.

import { RUNTIME_BUILDERS, RUNTIME_TARGET, emitApplyConfigurations } from "./emit/applyconfigurations.js";
import { buildModel } from "./ir/build.js";
import { planModel } from "./ir/plan.js";
import { Diagnostics } from "./load/errors.js";
import { loadInputs } from "./load/index.js";
import { TemplateSet } from "./render/templates.js";
import { writeOutput, type WriteResult } from "./write/output.js";

/** Writes (or, with `check`, compares) the runtime's generated builders under `out`. */
export async function generateRuntimeBuilders(schema: string, out: string, check = false): Promise<WriteResult> {
  const diags = new Diagnostics();
  const inputs = await loadInputs({ crd: [], openapi: [schema], progress: () => {} }, diags);
  const model = buildModel(inputs, diags, { ownRuntimeTypes: RUNTIME_BUILDERS });
  diags.throwIfErrors();
  const templates = new TemplateSet();
  const files = emitApplyConfigurations(planModel(model), RUNTIME_TARGET).map((f) => ({ path: f.path, content: templates.render(f) }));
  return writeOutput(out, files, { check });
}
