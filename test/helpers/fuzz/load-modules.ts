// Loads generated modules in a child process (node + tsx, as a user's program
// would), so anything a module runs at load time happens there: every import
// must settle (a module exporting `then` would make `await import()` hang) and
// succeed, and the canary file that hostile payloads write must not appear.
// Also reports files that appeared in the output folders while loading.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const repo = fileURLToPath(new URL("../../../", import.meta.url));

/** Every file under `dir` (relative paths), sorted. */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  if (existsSync(dir)) walk(dir);
  return out.sort();
}

export interface LoadResult {
  /** The child's exit code (null when it was killed, e.g. by the timeout). */
  readonly code: number | null;
  /** Modules that failed to load or did not settle, with the error. */
  readonly failures: { readonly module: string; readonly error: string }[];
  /** Files that appeared in an output folder while loading. */
  readonly newFiles: string[];
  readonly canary: boolean;
  readonly modules: number;
  readonly output: string;
}

/**
 * Imports every generated .ts module under each of `outs` in one child
 * process. `work` holds the loader script; `canary` is the file payloads write.
 */
export function loadModules(outs: readonly string[], work: string, canary: string, settleMs = 8_000): LoadResult {
  const modules = outs.flatMap((o) => filesUnder(o).filter((f) => f.endsWith(".ts")).map((f) => join(o, f)));
  const before = new Map(outs.map((o) => [o, new Set(filesUnder(o))]));
  const script = join(work, `load-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.mts`);
  const urls = modules.map((m) => pathToFileURL(m).href);
  writeFileSync(
    script,
    `const modules = ${JSON.stringify(urls)};
let failed = 0;
let first = true;
for (const m of modules) {
  let timer;
  // The first import also loads the runtime (and tsx), so it gets longer.
  const ms = first ? ${settleMs} * 4 : ${settleMs};
  first = false;
  const late = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error("the import did not settle within " + ms + " ms (does the module export \`then\`?)")), ms); });
  try {
    await Promise.race([import(m), late]);
  } catch (e) {
    failed++;
    console.log("FAIL " + JSON.stringify({ module: m, error: String(e && e.stack ? e.stack : e).slice(0, 2000) }));
  } finally {
    clearTimeout(timer);
  }
}
console.log("loaded " + (modules.length - failed) + " of " + modules.length);
process.exit(failed ? 1 : 0);
`,
  );
  const tsx = pathToFileURL(join(repo, "node_modules/tsx/dist/loader.mjs")).href;
  const r = spawnSync(process.execPath, ["--import", tsx, script], {
    cwd: repo,
    encoding: "utf8",
    timeout: 120_000 + modules.length * 1_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  rmSync(script, { force: true });
  const output = `${r.stdout ?? ""}${r.stderr ?? ""}${r.error ? `\n${r.error.message}` : ""}`;
  const failures = (r.stdout ?? "")
    .split("\n")
    .filter((l) => l.startsWith("FAIL "))
    .map((l) => {
      const { module, error } = JSON.parse(l.slice(5)) as { module: string; error: string };
      // Stack frames of the child are shown as text: written as frames, the test runner would map them
      // (reading generated files and scripts that may be gone) when it prints the failure.
      return { module: fileURLToPath(module), error: error.replace(/^(\s*)at /gm, "$1@ ") };
    });
  const newFiles = outs.flatMap((o) => filesUnder(o).filter((f) => !before.get(o)!.has(f)).map((f) => join(o, f)));
  return { code: r.status, failures, newFiles, canary: existsSync(canary), modules: modules.length, output };
}
