// Loaded inputs -> ApiModel. Inputs are validated first (JSON types, names as
// the API server validates them, conflicts between inputs); an input with
// problems is reported and left out, so conversion only sees sound shapes.
// Names need every group of the run, so groups are collected next; then
// OpenAPI and CRD inputs are converted into one model. Problems are collected
// in the caller's Diagnostics, never thrown.

import { matchesGroups } from "../load/groups.js";
import type { Diagnostics } from "../load/errors.js";
import type { CrdInput, LoadedInput, OpenApiInput } from "../load/schema.js";
import { buildFromCrds, checkCrds, crdGroups } from "./from-crd.js";
import { buildFromOpenApi, checkOpenApiInputs, openApiGroups } from "./from-openapi.js";
import { ModelBuilder } from "./model-builder.js";
import type { ApiModel, RuntimeType } from "./types.js";
import { targetsOf } from "./walk.js";

/** Options that narrow what the model holds. */
export interface BuildOptions {
  /** Keep only these group-versions (`apps/v1`, `v1` or `core/v1` for the core group, `example.com/v1`). */
  readonly groups?: readonly string[];
  /**
   * Runtime types whose definitions are converted as types of their own module too, while
   * references to them still name the runtime's type: how the runtime's own apply builders are
   * generated (generators/scripts/generate-runtime.ts). Empty for users' code.
   */
  readonly ownRuntimeTypes?: readonly RuntimeType[];
}

/** Builds the IR from everything that was loaded. */
export function buildModel(inputs: readonly LoadedInput[], diags: Diagnostics, options: BuildOptions = {}): ApiModel {
  // Validate first: only inputs without problems are built from (their problems are all reported).
  const openapi = checkOpenApiInputs(inputs.filter((i): i is OpenApiInput => i.kind === "openapi"), diags);
  const crds = checkCrds(inputs.filter((i): i is CrdInput => i.kind === "crd"), diags);
  const packages = openApiGroups(openapi);
  const groups = [...[...packages.values()].map((p) => p.group), ...crdGroups(crds)];
  const mb = new ModelBuilder(groups);
  buildFromOpenApi(openapi, packages, mb, diags, new Set(options.ownRuntimeTypes));
  buildFromCrds(crds, mb, diags);
  const model = mb.finish();
  if (!options.groups?.length) return model;
  return selectGroups(model, options.groups);
}

/**
 * Keeps the requested group-versions, plus (types only, without resources)
 * every module their types and subresource kinds (e.g. autoscaling/v1 Scale)
 * refer to, so the output still type-checks.
 */
function selectGroups(model: ApiModel, groups: readonly string[]): ApiModel {
  const byPath = new Map(model.groupVersions.map((gv) => [gv.names.modulePath, gv]));
  const wanted = new Set(model.groupVersions.filter((gv) => matchesGroups(gv.group, gv.version, groups)).map((gv) => gv.names.modulePath));
  const needed = new Set(wanted);
  const queue = [...wanted];
  while (queue.length > 0) {
    const gv = byPath.get(queue.pop()!);
    if (!gv) continue;
    const subresourceKinds = wanted.has(gv.names.modulePath)
      ? gv.resources.flatMap((r) => r.subresources.flatMap((s) => (s.kind ? [s.kind] : [])))
      : [];
    for (const targets of [...gv.types.map(targetsOf), subresourceKinds]) {
      for (const target of targets) {
        if ("module" in target && !needed.has(target.module)) {
          needed.add(target.module);
          queue.push(target.module);
        }
      }
    }
  }
  return {
    groupVersions: model.groupVersions
      .filter((gv) => needed.has(gv.names.modulePath))
      .map((gv) => (wanted.has(gv.names.modulePath) ? gv : { ...gv, resources: [] })),
  };
}
