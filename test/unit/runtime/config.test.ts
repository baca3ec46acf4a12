// Kubeconfig loading rules, validation and in-cluster config, on temp files.
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, inClusterConfig, loadConfig, loadKubeconfig, NotInClusterError } from "@kubegen/runtime";

function tmp(): string {
  return mkdtempSync(join(tmpdir(), "kubegen-config-"));
}

const caB64 = Buffer.from("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n").toString("base64");

function kubeconfig(opts: {
  current?: string;
  clusters?: Record<string, Record<string, unknown>>;
  users?: Record<string, Record<string, unknown>>;
  contexts?: Record<string, Record<string, unknown>>;
}): string {
  const list = (m: Record<string, Record<string, unknown>> | undefined, key: string) =>
    Object.entries(m ?? {}).map(([name, v]) => ({ name, [key]: v }));
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Config",
    ...(opts.current ? { "current-context": opts.current } : {}),
    clusters: list(opts.clusters, "cluster"),
    users: list(opts.users, "user"),
    contexts: list(opts.contexts, "context"),
  });
}

describe("kubeconfig loading rules", () => {
  it("merges KUBECONFIG files: first file wins per name and for current-context", async () => {
    const dir = tmp();
    const a = join(dir, "a");
    const b = join(dir, "b");
    writeFileSync(
      a,
      kubeconfig({
        current: "ctx-a",
        clusters: { shared: { server: "https://a.example:6443" } },
        users: { u: { token: "token-from-a" } },
        contexts: { "ctx-a": { cluster: "shared", user: "u", namespace: "ns-a" } },
      }),
    );
    writeFileSync(
      b,
      kubeconfig({
        current: "ctx-b",
        clusters: { shared: { server: "https://b.example:6443" }, only: { server: "https://only-b.example" } },
        users: { u: { token: "token-from-b" } },
        contexts: { "ctx-b": { cluster: "only", user: "u" }, "ctx-a": { cluster: "only", user: "u" } },
      }),
    );
    const env = { KUBECONFIG: [a, join(dir, "missing"), b, a].join(delimiter) };
    const kc = await loadKubeconfig({ env });
    expect(kc!.files).toEqual([a, b]); // missing skipped, duplicates removed
    expect(kc!.currentContext).toBe("ctx-a");
    expect(kc!.clusters.get("shared")!.value.server).toBe("https://a.example:6443");
    expect(kc!.clusters.get("shared")!.origin).toBe(a);
    expect(kc!.contexts.get("ctx-a")!.value.cluster).toBe("shared");

    const cfg = await loadConfig({ env });
    expect(cfg.server).toBe("https://a.example:6443");
    expect(cfg.bearerToken).toBe("token-from-a");
    expect(cfg.namespace).toBe("ns-a");
    expect(cfg.qps).toBe(5);
    expect(cfg.burst).toBe(10);

    // the reverse order flips every winner
    const rev = await loadConfig({ env: { KUBECONFIG: [b, a].join(delimiter) } });
    expect(rev.server).toBe("https://only-b.example");
    expect(rev.bearerToken).toBe("token-from-b");
    expect(rev.namespace).toBe("default");
  });

  it("applies context, cluster, user and namespace overrides", async () => {
    const dir = tmp();
    const f = join(dir, "config");
    writeFileSync(
      f,
      kubeconfig({
        current: "one",
        clusters: { c1: { server: "https://c1" }, c2: { server: "https://c2" } },
        users: { u1: { token: "t1" }, u2: { token: "t2" } },
        contexts: { one: { cluster: "c1", user: "u1" }, two: { cluster: "c2", user: "u2", namespace: "two" } },
      }),
    );
    const cfg = await loadConfig({ kubeconfigPath: f, context: "two" });
    expect([cfg.server, cfg.bearerToken, cfg.namespace]).toEqual(["https://c2", "t2", "two"]);
    const mixed = await loadConfig({ kubeconfigPath: f, cluster: "c2", user: "u2", namespace: "x" });
    expect([mixed.server, mixed.bearerToken, mixed.namespace]).toEqual(["https://c2", "t2", "x"]);
  });

  it("uses ~/.kube/config when KUBECONFIG is unset", async () => {
    const home = tmp();
    mkdirSync(join(home, ".kube"));
    writeFileSync(
      join(home, ".kube", "config"),
      kubeconfig({ current: "c", clusters: { k: { server: "https://home" } }, contexts: { c: { cluster: "k" } } }),
    );
    const cfg = await loadConfig({ env: { HOME: home } });
    expect(cfg.server).toBe("https://home");
  });

  it("resolves relative paths against the file that defined the entry", async () => {
    const dir = tmp();
    mkdirSync(join(dir, "sub"));
    writeFileSync(join(dir, "sub", "ca.crt"), "ca");
    writeFileSync(join(dir, "sub", "tls.crt"), "cert");
    writeFileSync(join(dir, "sub", "tls.key"), "key");
    writeFileSync(join(dir, "sub", "token"), "file-token\n");
    const f = join(dir, "sub", "config");
    writeFileSync(
      f,
      kubeconfig({
        current: "c",
        clusters: { k: { server: "https://x", "certificate-authority": "ca.crt" } },
        users: {
          u: { "client-certificate": "./tls.crt", "client-key": "tls.key" },
          t: { tokenFile: "token" },
          e: { exec: { command: "./bin/plugin", apiVersion: "client.authentication.k8s.io/v1beta1" } },
          p: { exec: { command: "plugin-on-path", apiVersion: "client.authentication.k8s.io/v1beta1" } },
        },
        contexts: { c: { cluster: "k", user: "u" }, t: { cluster: "k", user: "t" }, e: { cluster: "k", user: "e" }, p: { cluster: "k", user: "p" } },
      }),
    );
    // loaded from another working directory through KUBECONFIG
    const env = { KUBECONFIG: f };
    const cfg = await loadConfig({ env });
    expect(cfg.caFile).toBe(join(dir, "sub", "ca.crt"));
    expect(cfg.certFile).toBe(join(dir, "sub", "tls.crt"));
    expect(cfg.keyFile).toBe(join(dir, "sub", "tls.key"));
    const t = await loadConfig({ env, context: "t" });
    expect(t.bearerTokenFile).toBe(join(dir, "sub", "token"));
    expect(t.bearerToken).toBe("file-token");
    expect((await loadConfig({ env, context: "e" })).exec!.command).toBe(join(dir, "sub", "bin", "plugin"));
    expect((await loadConfig({ env, context: "p" })).exec!.command).toBe("plugin-on-path");
  });

  it("rejects a cluster with both certificate-authority and certificate-authority-data, naming cluster and file", async () => {
    const dir = tmp();
    const f = join(dir, "config");
    writeFileSync(join(dir, "ca.crt"), "ca");
    writeFileSync(
      f,
      kubeconfig({
        current: "c",
        clusters: { prod: { server: "https://x", "certificate-authority": "ca.crt", "certificate-authority-data": caB64 } },
        contexts: { c: { cluster: "prod" } },
      }),
    );
    const err = await loadConfig({ kubeconfigPath: f }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toContain(f);
    expect((err as Error).message).toContain('cluster "prod"');
    expect((err as Error).message).toMatch(/both certificate-authority .* and certificate-authority-data/);
  });

  it("gives a clear error for a missing explicit file and for no configuration at all", async () => {
    const dir = tmp();
    const missing = join(dir, "nope");
    await expect(loadConfig({ kubeconfigPath: missing })).rejects.toThrow(`kubeconfig ${missing} does not exist`);
    const err = (await loadConfig({ env: { HOME: dir } }).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toContain("no Kubernetes configuration found");
    expect(err.message).toContain(join(dir, ".kube", "config"));
    expect(err.message).toContain("KUBERNETES_SERVICE_HOST");
    expect(err.message).not.toContain("localhost");
  });

  it("names file and entry for a missing context, cluster, user or unreadable cert, never printing secrets", async () => {
    const dir = tmp();
    const f = join(dir, "config");
    writeFileSync(
      f,
      kubeconfig({
        current: "c",
        clusters: { k: { server: "https://x" } },
        users: {
          both: { token: "s3cr3t-token-value", username: "bob", password: "hunter2-password" },
          certless: { "client-certificate": "missing.crt", "client-key": "missing.key" },
          halfcert: { "client-certificate-data": caB64 },
        },
        contexts: {
          c: { cluster: "nope", user: "both" },
          both: { cluster: "k", user: "both" },
          certless: { cluster: "k", user: "certless" },
          half: { cluster: "k", user: "halfcert" },
          ghost: { cluster: "k", user: "ghost" },
        },
      }),
    );
    const msg = async (context?: string) =>
      ((await loadConfig({ kubeconfigPath: f, ...(context ? { context } : {}) }).catch((e: unknown) => e)) as Error).message;
    expect(await msg()).toBe(`kubeconfig ${f}: cluster "nope" (of context "c") not found`);
    expect(await msg("absent")).toBe(`kubeconfig ${f}: context "absent" not found`);
    expect(await msg("ghost")).toBe(`kubeconfig ${f}: user "ghost" (of context "ghost") not found`);
    const both = await msg("both");
    expect(both).toContain('user "both": more than one authentication method');
    expect(both).not.toContain("s3cr3t");
    expect(both).not.toContain("hunter2");
    expect(await msg("certless")).toContain(`user "certless": cannot read client-certificate ${join(dir, "missing.crt")}`);
    expect(await msg("half")).toContain('user "halfcert": client-key or client-key-data is required');
  });

  it("reports YAML errors by position without echoing the line", async () => {
    const dir = tmp();
    const f = join(dir, "config");
    writeFileSync(f, "users:\n- name: u\n  user: {token: supersecret-abc\n");
    const err = (await loadConfig({ kubeconfigPath: f }).catch((e: unknown) => e)) as Error;
    expect(err.message).toContain(`kubeconfig ${f}: not valid YAML`);
    expect(err.message).not.toContain("supersecret");
  });

  it("copies impersonation and validates exec settings", async () => {
    const dir = tmp();
    const f = join(dir, "config");
    writeFileSync(
      f,
      kubeconfig({
        current: "c",
        clusters: { k: { server: "https://x" } },
        users: {
          imp: { token: "t", as: "jane", "as-uid": "42", "as-groups": ["a", "b"], "as-user-extra": { scopes: ["x", "y"] } },
          badimp: { "as-groups": ["a"] },
          v1noint: { exec: { command: "x", apiVersion: "client.authentication.k8s.io/v1" } },
          alpha: { exec: { command: "x", apiVersion: "client.authentication.k8s.io/v1alpha1" } },
        },
        contexts: {
          c: { cluster: "k", user: "imp" },
          b: { cluster: "k", user: "badimp" },
          v: { cluster: "k", user: "v1noint" },
          a: { cluster: "k", user: "alpha" },
        },
      }),
    );
    const cfg = await loadConfig({ kubeconfigPath: f });
    expect(cfg.impersonate).toEqual({ user: "jane", uid: "42", groups: ["a", "b"], extra: { scopes: ["x", "y"] } });
    await expect(loadConfig({ kubeconfigPath: f, context: "b" })).rejects.toThrow('user "badimp": as-uid, as-groups');
    await expect(loadConfig({ kubeconfigPath: f, context: "v" })).rejects.toThrow("interactiveMode is required");
    await expect(loadConfig({ kubeconfigPath: f, context: "a" })).rejects.toThrow("v1alpha1");
  });
});

describe("in-cluster config", () => {
  it("reads host, port, token and CA from the environment and files", () => {
    const dir = tmp();
    writeFileSync(join(dir, "token"), "sa-token\n");
    writeFileSync(join(dir, "ns"), "kube-system\n");
    const cfg = inClusterConfig({
      env: { KUBERNETES_SERVICE_HOST: "fd00::1", KUBERNETES_SERVICE_PORT: "443" },
      tokenPath: join(dir, "token"),
      caPath: join(dir, "absent-ca"),
      namespacePath: join(dir, "ns"),
    });
    expect(cfg.server).toBe("https://[fd00::1]:443");
    expect(cfg.bearerToken).toBe("sa-token");
    expect(cfg.bearerTokenFile).toBe(join(dir, "token"));
    expect(cfg.caFile).toBeUndefined(); // unparsable CA is skipped, as client-go does
    expect(cfg.namespace).toBe("kube-system");
  });

  it("throws NotInClusterError without the service env, and loadConfig falls back to it when no kubeconfig exists", async () => {
    expect(() => inClusterConfig({ env: {} })).toThrow(NotInClusterError);
    const dir = tmp();
    writeFileSync(join(dir, "token"), "sa");
    const cfg = await loadConfig({
      env: { HOME: dir, KUBERNETES_SERVICE_HOST: "10.0.0.1", KUBERNETES_SERVICE_PORT: "6443" },
      inCluster: { tokenPath: join(dir, "token"), caPath: join(dir, "none") },
    });
    expect(cfg.server).toBe("https://10.0.0.1:6443");
  });
});
