// Vitest global setup for the integration tier: compiles the two packages
// (tsc -b, incremental) and packs them with `npm pack`, exactly as `make pack`
// does, into a temporary folder outside the repository. Tests that install
// kubegen as a user would read the folder through `inject("packages")`.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";

const repo = fileURLToPath(new URL("../../", import.meta.url));

export default function setup(project: TestProject): () => void {
  const dir = mkdtempSync(join(tmpdir(), "kubegen-packages-"));
  const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { cwd: repo, stdio: ["ignore", "ignore", "inherit"], timeout: 600_000 });
  run(process.execPath, [join(repo, "node_modules/typescript/bin/tsc"), "-b", "runtime", "generators"]);
  run("npm", ["pack", "--silent", "--workspace", "runtime", "--workspace", "generators", "--pack-destination", dir]);
  const tarballs = readdirSync(dir).filter((f) => f.endsWith(".tgz"));
  if (tarballs.length !== 2) throw new Error(`npm pack wrote ${tarballs.join(", ") || "nothing"} into ${dir}; expected two tarballs`);
  project.provide("packages", dir);
  return () => rmSync(dir, { recursive: true, force: true });
}
