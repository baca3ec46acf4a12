// Generates the runtime's own apply builders (see generators/runtime-builders.ts) into
// runtime/src/apply/generated. With --check, only compares, and fails when they are stale.
import { fileURLToPath } from "node:url";
import { generateRuntimeBuilders } from "../dist/runtime-builders.js";

const repo = (path) => fileURLToPath(new URL(`../../${path}`, import.meta.url));
const check = process.argv.includes("--check");
const result = await generateRuntimeBuilders(repo("runtime/schema/runtime-types.json"), repo("runtime/src/apply/generated"), check);
const stale = [...result.changed, ...result.stale];
if (check && stale.length > 0) {
  console.error(`runtime/src/apply/generated is stale (${stale.join(", ")}): run make generate-runtime and commit the result`);
  process.exit(1);
}
if (!check) console.log(`runtime/src/apply/generated: ${result.changed.length} files written, ${result.stale.length} removed`);
