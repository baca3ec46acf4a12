// The real bin (generators/bin/kubegen.js over the compiled dist/, built by
// `make build` before the tests): it runs the CLI and exits with run()'s code.
// Everything else about the CLI is tested in-process (helpers/cli.ts).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const bin = fileURLToPath(new URL("../../../generators/bin/kubegen.js", import.meta.url));
const dist = fileURLToPath(new URL("../../../generators/dist/cli.js", import.meta.url));

function kubegen(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: tmpdir(), encoding: "utf8", timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("bin/kubegen.js", () => {
  it("is built (make build compiles generators/dist)", () => {
    expect(existsSync(dist), `${dist} is missing: run make build`).toBe(true);
  });

  it("--help prints the commands and exits 0", () => {
    const r = kubegen("--help");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/kubegen generate\s+Generate TypeScript/);
    expect(r.stdout).toMatch(/kubegen init\s+Scaffold a project/);
  }, 120_000);

  it("generate --help describes --config as YAML or JSON", () => {
    const r = kubegen("generate", "--help");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--config\s+Read options from a YAML \(or JSON\) file/);
  }, 120_000);

  it("a usage error exits 2 with the message on stderr", () => {
    const r = kubegen("generate", "--out", "x");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("pass at least one of --crd, --openapi or --from-cluster");
    expect(r.stdout).toBe("");
  }, 120_000);
});
