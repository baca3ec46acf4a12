// The real bin (generators/bin/kubegen.js over the compiled dist/, built by
// `make build` before the tests): it runs the CLI and exits with run()'s code.
// Everything else about the CLI is tested in-process (helpers/cli.ts).
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
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

describe("bin/kubegen.js --from-cluster against a server that resets every connection", () => {
  it("retries, then exits 2 with the error (never 0, never silently)", async () => {
    const server = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as net.AddressInfo).port;
    const dir = mkdtempSync(join(tmpdir(), "kubegen-reset-"));
    try {
      const kubeconfig = join(dir, "kubeconfig");
      writeFileSync(
        kubeconfig,
        `apiVersion: v1
kind: Config
clusters: [{ name: c, cluster: { server: "https://127.0.0.1:${port}" } }]
users: [{ name: u, user: { token: not-a-real-token-1234 } }]
contexts: [{ name: x, context: { cluster: c, user: u } }]
current-context: x
`,
      );
      // Asynchronous spawn: the reset server lives in this process.
      const child = spawn(process.execPath, [bin, "generate", "--from-cluster", "--kubeconfig", kubeconfig, "--out", join(dir, "out")], {
        cwd: dir,
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stderr = "";
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
      expect(code, stderr).toBe(2);
      expect(stderr).toMatch(/--from-cluster: reading OpenAPI from https:\/\/127\.0\.0\.1:\d+ failed: GET .*\/openapi\/v3: (read ECONNRESET|Client network socket disconnected)/);
      expect(stderr).not.toContain("not-a-real-token-1234");
      expect(existsSync(join(dir, "out"))).toBe(false);
    } finally {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});

