// Locating ../shared test data (real OpenAPI specs and CRDs). Absent outside
// CI means skip with a reason; absent under CI=true is a failure.
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const sharedDir = fileURLToPath(new URL("../../../shared/", import.meta.url));

/** The shared folder, or undefined (after printing why) when it is absent outside CI. Throws under CI. */
export function sharedData(): string | undefined {
  if (existsSync(join(sharedDir, "openapi")) && existsSync(join(sharedDir, "crds"))) return sharedDir;
  const reason = `${sharedDir} (with openapi/ and crds/) is not present`;
  if (process.env.CI === "true") throw new Error(`corpus tests need ../shared under CI=true: ${reason}`);
  console.warn(`skipping corpus tests: ${reason}`);
  return undefined;
}

/** Every spec file, sorted by Kubernetes minor. */
export function specFiles(shared: string): string[] {
  return readdirSync(join(shared, "openapi"))
    .filter((f) => f.endsWith(".swagger.json.gz"))
    .sort((a, b) => a.localeCompare(b, "en", { numeric: true }))
    .map((f) => join(shared, "openapi", f));
}

/** Every CRD file (relative to crds/), sorted. */
export function crdFiles(shared: string): string[] {
  const root = join(shared, "crds");
  const out: string[] = [];
  for (const project of readdirSync(root, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort()) {
    for (const f of readdirSync(join(root, project)).filter((f) => /\.ya?ml$/.test(f)).sort()) out.push(join(root, project, f));
  }
  return out;
}
