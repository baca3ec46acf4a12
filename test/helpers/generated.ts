// Generated code for tests, in the ignored .tmp/generated folder. Tests
// generate what they exercise at run time (from the control plane, CRDs or
// ../shared) and import it dynamically; `make typecheck` first generates the
// v1.36 clientset and the example Foo clientset there so tests can name the
// generated types with `import type`.
import { rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { generate, type GenerateOptions } from "../../generators/index.js";

export const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
export const generatedDir = join(repoRoot, ".tmp/generated");

/** Generates into a fresh `.tmp/generated/<name>-<pid>` folder and returns it. */
export async function generateFresh(name: string, options: Omit<GenerateOptions, "out">): Promise<string> {
  const out = join(generatedDir, `${name}-${process.pid}`);
  rmSync(out, { recursive: true, force: true });
  await generate({ ...options, out });
  return out;
}

/** Imports `file` (default index.ts) of a generated folder. */
export async function importGenerated<T>(out: string, file = "index.ts"): Promise<T> {
  return (await import(pathToFileURL(join(out, file)).href)) as T;
}

/** Removes a folder made by {@link generateFresh}. */
export function removeGenerated(out: string): void {
  rmSync(out, { recursive: true, force: true });
}
