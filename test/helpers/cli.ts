// The kubegen command line in-process: run() from generators/cli.ts with its
// output captured and relative paths resolved against `cwd`. CLI behaviour tests
// use this; only test/unit/generators/bin.test.ts spawns the real bin.
import { run } from "../../generators/cli.js";

/** What one command printed and its exit code. */
export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `kubegen ...args` as if from the folder `cwd`. */
export async function kubegenIn(cwd: string, ...args: string[]): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  const code = await run(args, {
    cwd,
    columns: 100,
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
  });
  return { code, stdout, stderr };
}
