// Finds a Go checker binary (test/clientgo-checker, test/metrics-checker)
// where test/envtest/build-checker.sh (run by `make envtest`) puts it: a cache
// folder named by a hash of the checker's main.go, go.mod and go.sum, so a
// build of older sources is never used. KUBEGEN_<NAME> names a binary instead,
// KUBEGEN_<NAME>_DIR another cache root (NAME: the folder's name in upper case,
// `_` for `-`).
import { createHash } from "node:crypto";
import { accessSync, constants, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export type CheckerLookup = { found: true; path: string } | { found: false; reason: string };

const testRoot = join(dirname(fileURLToPath(import.meta.url)), "..");

function executable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Where the checker built from test/<name> is, or why it is not there. */
export function findGoChecker(name: string, env: NodeJS.ProcessEnv = process.env): CheckerLookup {
  const variable = `KUBEGEN_${name.toUpperCase().replaceAll("-", "_")}`;
  const named = env[variable];
  if (named) return executable(named) ? { found: true, path: named } : { found: false, reason: `${variable}=${named} is missing or not executable` };
  const root = env[`${variable}_DIR`] ?? join(homedir(), ".cache", "kubegen", name);
  const hash = createHash("sha256");
  for (const f of ["main.go", "go.mod", "go.sum"]) hash.update(readFileSync(join(testRoot, name, f)));
  const path = join(root, hash.digest("hex").slice(0, 16), name);
  if (executable(path)) return { found: true, path };
  return { found: false, reason: `${name} is not built for the current sources (${path}): run \`make envtest\`` };
}
