// Exec credential plugin: a real bash script as the plugin, a FakeClock for expiry.
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, ExecCredentialProvider } from "@kubegen/runtime";
import { FakeClock } from "@kubegen/runtime/testing";

function plugin(body: string): { dir: string; command: string; runs: () => number } {
  const dir = mkdtempSync(join(tmpdir(), "kubegen-exec-"));
  const command = join(dir, "plugin.sh");
  writeFileSync(
    command,
    `#!/usr/bin/env bash\nset -eu\nn=$(cat "${dir}/count" 2>/dev/null || echo 0)\nn=$((n+1))\necho $n > "${dir}/count"\n${body}\n`,
  );
  chmodSync(command, 0o755);
  return { dir, command, runs: () => Number(readFileSync(join(dir, "count"), "utf8")) };
}

const V1 = "client.authentication.k8s.io/v1";

describe("ExecCredentialProvider", () => {
  it("caches the credential until expirationTimestamp on the injected clock", async () => {
    const p = plugin(
      `echo "{\\"apiVersion\\":\\"${V1}\\",\\"kind\\":\\"ExecCredential\\",\\"status\\":{\\"token\\":\\"tok-$n\\",\\"expirationTimestamp\\":\\"1970-01-01T00:01:00Z\\"}}"`,
    );
    const clock = new FakeClock(0);
    const exec = new ExecCredentialProvider({ command: p.command, apiVersion: V1, interactiveMode: "Never" }, { clock });
    expect((await exec.get()).token).toBe("tok-1");
    await clock.advance(59_000);
    expect((await exec.get()).token).toBe("tok-1");
    expect(p.runs()).toBe(1);
    await clock.advance(1_000); // now == expiry: expired
    expect((await exec.get()).token).toBe("tok-2");
    expect(p.runs()).toBe(2);
    expect(exec.runs).toBe(2);
  });

  it("shares one run between concurrent callers and re-runs once after a 401", async () => {
    const p = plugin(`sleep 0.1\necho "{\\"apiVersion\\":\\"${V1}\\",\\"kind\\":\\"ExecCredential\\",\\"status\\":{\\"token\\":\\"tok-$n\\"}}"`);
    const exec = new ExecCredentialProvider({ command: p.command, apiVersion: V1, interactiveMode: "Never" });
    const [a, b] = await Promise.all([exec.get(), exec.get()]);
    expect(a).toBe(b);
    expect(p.runs()).toBe(1);
    const fresh = await exec.refreshAfterUnauthorized(a);
    expect(fresh?.token).toBe("tok-2");
    // a second request that failed with the old credential does not re-run again
    const again = await exec.refreshAfterUnauthorized(a);
    expect(again?.token).toBe("tok-2");
    expect(p.runs()).toBe(2);
  });

  it("passes env and KUBERNETES_EXEC_INFO with cluster info", async () => {
    const p = plugin(
      `echo "$KUBERNETES_EXEC_INFO" > "$(dirname "$0")/info"\necho "{\\"apiVersion\\":\\"${V1}\\",\\"kind\\":\\"ExecCredential\\",\\"status\\":{\\"token\\":\\"$MY_VAR\\"}}"`,
    );
    const exec = new ExecCredentialProvider({
      command: p.command,
      apiVersion: V1,
      interactiveMode: "IfAvailable",
      env: [{ name: "MY_VAR", value: "from-env" }],
      provideClusterInfo: true,
      cluster: { server: "https://example:6443" },
    });
    expect((await exec.get()).token).toBe("from-env");
    const info = JSON.parse(readFileSync(join(p.dir, "info"), "utf8"));
    expect(info).toEqual({
      apiVersion: V1,
      kind: "ExecCredential",
      spec: { interactive: false, cluster: { server: "https://example:6443" } },
    });
  });

  it("names the command when the binary is missing, with the install hint", async () => {
    const exec = new ExecCredentialProvider(
      { command: "/nonexistent/kubegen-auth-plugin", apiVersion: V1, installHint: "install it with: brew install x" },
      { where: 'kubeconfig /k, user "u"' },
    );
    const err = (await exec.get().catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toContain('kubeconfig /k, user "u": exec plugin "/nonexistent/kubegen-auth-plugin": executable not found');
    expect(err.message).toContain("brew install x");
  });

  it("rejects bad output: wrong apiVersion, no credential, half a certificate; redacts stderr", async () => {
    const cases: Array<[string, string]> = [
      [`echo '{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"x"}}'`, "expected"],
      [`echo '{"apiVersion":"${V1}","kind":"ExecCredential","status":{}}'`, "neither a token nor a client certificate"],
      [`echo '{"apiVersion":"${V1}","kind":"ExecCredential","status":{"clientCertificateData":"c"}}'`, "only one of"],
      [`echo 'not json'`, "not an ExecCredential JSON"],
      [`echo 'Authorization: Bearer abcdefsecret' >&2; exit 3`, "exited with code 3"],
    ];
    for (const [body, want] of cases) {
      const p = plugin(body);
      const err = (await new ExecCredentialProvider({ command: p.command, apiVersion: V1 }).get().catch((e: unknown) => e)) as Error;
      expect(err.message).toContain(want);
      expect(err.message).not.toContain("abcdefsecret");
    }
  });
});
