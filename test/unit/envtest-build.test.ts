// test/envtest/build.sh run twice at once (make setup while CI runs on the same
// machine): the second run waits for the first and reuses its binaries, and
// no run sees another's temporary files. A stand-in `go` on PATH "builds" a
// tiny executable slowly and counts its builds, so the test needs no toolchain.
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const script = fileURLToPath(new URL("../envtest/build.sh", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "kubegen-envtest-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const FAKE_GO = `#!/bin/sh
# A stand-in for the Go toolchain: "go build -o OUT" waits, counts, and writes OUT.
if [ "$1" = build ]; then
  while [ $# -gt 0 ]; do [ "$1" = -o ] && out="$2"; shift; done
  echo build >> "$FAKE_GO_LOG"
  sleep 1
  printf '#!/bin/sh\\necho fake\\n' > "$out"
  chmod +x "$out"
fi
exit 0
`;

function build(env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", [script], { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("make envtest, twice at once", () => {
  it("builds each missing binary once; the second run waits and reuses it", async () => {
    const bin = join(work, "bin");
    mkdirSync(bin);
    writeFileSync(join(bin, "go"), FAKE_GO);
    chmodSync(join(bin, "go"), 0o755);
    const root = join(work, "cache");
    const assets = join(root, "k8s-v1.99.0-etcd-v3.9.0");
    mkdirSync(assets, { recursive: true });
    writeFileSync(join(assets, "kube-apiserver"), "#!/bin/sh\n");
    chmodSync(join(assets, "kube-apiserver"), 0o755);
    const log = join(work, "go.log");
    const env = {
      ...process.env,
      PATH: `${bin}:${process.env.PATH}`,
      FAKE_GO_LOG: log,
      KUBEGEN_ENVTEST_DIR: root,
      KUBE_VERSION: "v1.99.0",
      ETCD_VERSION: "v3.9.0",
      KUBEGEN_WITH_KCM: "0",
    };
    const [a, b] = await Promise.all([build(env), build(env)]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    expect(readFileSync(log, "utf8").trim().split("\n")).toEqual(["build"]);
    expect(`${a.stderr}${b.stderr}`).toMatch(/another build of .* is running; waiting for it/);
    expect(`${a.stderr}${b.stderr}`).toMatch(/cache hit: kube-apiserver etcd/);
    for (const r of [a, b]) expect(r.stdout.trim().split("\n").at(-1)).toBe(assets);
    expect(existsSync(join(assets, "etcd"))).toBe(true);
    expect(readdirSync(assets).filter((f) => f.includes(".tmp"))).toEqual([]);
  }, 120_000);
});
