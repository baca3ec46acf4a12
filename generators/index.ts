// The kubegen library: generate() and the pieces tests and tools reuse.
export { generate } from "./generate.js";
export type { GenerateOptions, GenerateResult } from "./generate.js";
export { SchemaError, UsageError, formatDiagnostic } from "./load/errors.js";
export { buildModel } from "./ir/build.js";
export { loadInputs } from "./load/index.js";
export { Diagnostics } from "./load/errors.js";
export type * from "./ir/types.js";
export { GENERATED_HEADER } from "./write/output.js";
export { initController } from "./init/init-controller.js";
export type { InitControllerOptions, InitControllerResult } from "./init/init-controller.js";
