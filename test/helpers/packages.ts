// The packed route, for tests that use kubegen as a user does: the tarballs
// from packages-setup.ts, and projects in temporary folders outside the
// repository that install them with npm. Commands get generous explicit
// timeouts (npm and tsc are slow on a loaded machine) and the environment of
// this run minus the outer Vitest's variables.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { inject } from "vitest";

declare module "vitest" {
  export interface ProvidedContext {
    packages: string;
  }
}

/** The two tarballs `npm pack` wrote for this run. */
export function packedTarballs(): { dir: string; runtime: string; generator: string } {
  const dir = inject("packages");
  const files = readdirSync(dir);
  const runtime = files.find((f) => f.startsWith("kubegen-runtime-"));
  const generator = files.find((f) => /^kubegen-\d/.test(f));
  if (!runtime || !generator) throw new Error(`${dir} lacks the packed tarballs (found ${files.join(", ")})`);
  return { dir, runtime: join(dir, runtime), generator: join(dir, generator) };
}

/** Our environment (envtest asset variables included) without the outer Vitest's. */
export function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("VITEST") && k !== "NODE_ENV" && k !== "TEST") env[k] = v;
  return env;
}

/** What a command printed (the last 4,000 characters) and its exit code. */
export interface CommandResult {
  readonly code: number | null;
  readonly output: string;
}

/** Runs a command in `cwd`, waiting at most `timeoutMs`. */
export function sh(cwd: string, cmd: string, args: readonly string[], timeoutMs = 600_000): CommandResult {
  const r = spawnSync(cmd, args, { cwd, env: childEnv(), encoding: "utf8", timeout: timeoutMs });
  const failure = r.error ? `\n${r.error.message}` : "";
  return { code: r.status, output: `${r.stdout}\n${r.stderr}${failure}`.slice(-4000) };
}

/** `npm install` with the flags tests use. */
export function npmInstall(cwd: string, ...specs: string[]): CommandResult {
  return sh(cwd, "npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", ...specs]);
}
