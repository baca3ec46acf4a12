// Boolean fields of a kubeconfig read as client-go reads them (sigs.k8s.io/yaml,
// YAML 1.1 booleans): every unquoted YAML 1.1 form is a boolean, anything else in
// a boolean field is a ConfigError naming the file and the field path. The last
// block checks the consequence that matters: `insecure-skip-tls-verify: no`
// against a loopback HTTPS server with a self-signed certificate fails the TLS
// handshake before any request (or bearer token) reaches the server.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig, loadKubeconfig, NetworkError, RestClient } from "@kubegen/runtime";

const TRUE_FORMS = ["true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON", "y", "Y"];
const FALSE_FORMS = ["false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF", "n", "N"];

function tmp(): string {
  return mkdtempSync(join(tmpdir(), "kubegen-config-bool-"));
}

/** A kubeconfig written as YAML text (JSON would quote every scalar), with the given raw value in each boolean field. */
interface BoolFields {
  insecure?: string;
  compression?: string;
  clusterInfo?: string;
  colors?: string;
}

function yamlKubeconfig(v: BoolFields, server = "https://127.0.0.1:1"): string {
  const line = (key: string, value: string | undefined, indent: string) =>
    value === undefined ? "" : `${indent}${key}: ${value}\n`;
  return (
    "apiVersion: v1\nkind: Config\ncurrent-context: c\n" +
    (v.colors !== undefined ? `preferences:\n  colors: ${v.colors}\n` : "") +
    "clusters:\n- name: k\n  cluster:\n" +
    `    server: ${server}\n` +
    line("insecure-skip-tls-verify", v.insecure, "    ") +
    line("disable-compression", v.compression, "    ") +
    "users:\n- name: u\n  user:\n    exec:\n      command: /bin/true\n" +
    "      apiVersion: client.authentication.k8s.io/v1beta1\n" +
    line("provideClusterInfo", v.clusterInfo, "      ") +
    "contexts:\n- name: c\n  context:\n    cluster: k\n    user: u\n"
  );
}

function write(text: string): string {
  const f = join(tmp(), "config");
  writeFileSync(f, text);
  return f;
}

describe("kubeconfig boolean fields", () => {
  const forms: Array<[string, boolean]> = [
    ...TRUE_FORMS.map((f): [string, boolean] => [f, true]),
    ...FALSE_FORMS.map((f): [string, boolean] => [f, false]),
  ];

  it.each(forms)("unquoted %s reads as %s in every boolean field", async (form, want) => {
    const f = write(yamlKubeconfig({ insecure: form, compression: form, clusterInfo: form, colors: form }));
    const kc = await loadKubeconfig({ kubeconfigPath: f });
    const cluster = kc!.clusters.get("k")!.value;
    expect(cluster["insecure-skip-tls-verify"]).toBe(want);
    expect(cluster["disable-compression"]).toBe(want);
    expect(kc!.users.get("u")!.value.exec!.provideClusterInfo).toBe(want);

    const cfg = await loadConfig({ kubeconfigPath: f });
    expect(cfg.insecureSkipTlsVerify === true).toBe(want);
    expect(cfg.disableCompression === true).toBe(want);
    // provideClusterInfo decides whether the plugin is told about the cluster
    expect(cfg.exec!.cluster !== undefined).toBe(want);
    if (want) {
      expect(cfg.exec!.cluster).toMatchObject({ "insecure-skip-tls-verify": true, "disable-compression": true });
    }
  });

  it("reads an absent or null boolean as unset", async () => {
    for (const v of [undefined, "", "~", "null"]) {
      const f = write(yamlKubeconfig({ insecure: v, compression: v, clusterInfo: v }));
      const cfg = await loadConfig({ kubeconfigPath: f });
      expect(cfg.insecureSkipTlsVerify).toBeUndefined();
      expect(cfg.disableCompression).toBeUndefined();
      expect(cfg.exec!.cluster).toBeUndefined();
    }
  });

  it("accepts an explicit !!bool tag on a YAML 1.1 form and a value reached through an alias", async () => {
    const f = write(yamlKubeconfig({ insecure: "!!bool no", compression: "&flag yes", clusterInfo: "*flag" }));
    const kc = await loadKubeconfig({ kubeconfigPath: f });
    expect(kc!.clusters.get("k")!.value["insecure-skip-tls-verify"]).toBe(false);
    expect(kc!.clusters.get("k")!.value["disable-compression"]).toBe(true);
    expect(kc!.users.get("u")!.value.exec!.provideClusterInfo).toBe(true);
  });

  const bad: Array<[string, string]> = [
    ['"false"', "quoted"],
    ["'no'", "quoted"],
    ['"yes"', "quoted"],
    ['"true"', "quoted"],
    ["!!str off", "string"],
    ["0", "number"],
    ["1", "number"],
    ["{}", "mapping"],
    ["{enabled: true}", "mapping"],
    ["[]", "sequence"],
    ["nope", "string"],
    ["truee", "string"],
    ["|\n        no", "string"],
  ];

  const fields: Array<[keyof BoolFields, string]> = [
    ["insecure", "clusters[0].cluster.insecure-skip-tls-verify"],
    ["compression", "clusters[0].cluster.disable-compression"],
    ["clusterInfo", "users[0].user.exec.provideClusterInfo"],
    ["colors", "preferences.colors"],
  ];

  for (const [field, path] of fields) {
    it.each(bad)(`rejects %s in ${path} with a ConfigError naming the file and the field`, async (value, kind) => {
      const f = write(yamlKubeconfig({ [field]: value }));
      for (const load of [() => loadKubeconfig({ kubeconfigPath: f }), () => loadConfig({ kubeconfigPath: f })]) {
        const err = (await load().catch((e: unknown) => e)) as ConfigError;
        expect(err).toBeInstanceOf(ConfigError);
        expect(err.file).toBe(f);
        expect(err.message).toContain(`kubeconfig ${f}: ${path}`);
        expect(err.message).toContain("boolean");
        expect(err.message).toContain(kind);
      }
    });
  }

  it("rejects a bad boolean in a cluster the selected context does not use (client-go decodes the whole file)", async () => {
    const other = '- name: other\n  cluster:\n    server: https://x\n    insecure-skip-tls-verify: "no"\n';
    const f = write(yamlKubeconfig({}).replace("users:\n", `${other}users:\n`));
    const err = (await loadConfig({ kubeconfigPath: f }).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toContain("clusters[1].cluster.insecure-skip-tls-verify");
  });

  it("never echoes a non-boolean value that could be a secret", async () => {
    const f = write(yamlKubeconfig({ insecure: '"sk-live-secretvalue"' }));
    const err = (await loadConfig({ kubeconfigPath: f }).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).not.toContain("sk-live-secretvalue");
  });
});

describe("insecure-skip-tls-verify: no against a self-signed HTTPS server", () => {
  const TOKEN = "bearer-token-that-must-not-leave";
  let dir: string;
  let cert: string;
  let server: https.Server;
  let url: string;
  const seen: Array<{ authorization: string | undefined }> = [];

  beforeAll(async () => {
    dir = tmp();
    execFileSync(
      "openssl",
      [
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"),
        "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
      ],
      { stdio: "ignore", timeout: 30_000 },
    );
    cert = readFileSync(join(dir, "cert.pem"), "utf8");
    server = https.createServer({ key: readFileSync(join(dir, "key.pem")), cert }, (req, res) => {
      seen.push({ authorization: req.headers.authorization });
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"kind":"APIVersions"}');
    });
    server.on("tlsClientError", () => {}); // the client hangs up mid-handshake: expected here
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }, 30_000);

  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  function kubeconfigFor(clusterExtra: string): string {
    return write(
      "apiVersion: v1\nkind: Config\ncurrent-context: c\n" +
        `clusters:\n- name: k\n  cluster:\n    server: ${url}\n${clusterExtra}` +
        `users:\n- name: u\n  user:\n    token: ${TOKEN}\n` +
        "contexts:\n- name: c\n  context:\n    cluster: k\n    user: u\n",
    );
  }

  async function get(file: string): Promise<unknown> {
    const rc = new RestClient({ ...(await loadConfig({ kubeconfigPath: file })), warningHandler: null });
    try {
      return await rc.request({ path: "/api" }, { maxRetries: 0 });
    } finally {
      rc.transport.close();
    }
  }

  it("fails the handshake and sends nothing: no request and no token reach the server", async () => {
    seen.length = 0;
    const err = (await get(kubeconfigFor("    insecure-skip-tls-verify: no\n")).catch((e: unknown) => e)) as NetworkError;
    expect(err).toBeInstanceOf(NetworkError);
    expect(`${err.code} ${err.message}`).toMatch(/SELF_SIGNED|self[- ]signed|certificate/i);
    expect(seen).toEqual([]);
    for (const text of [err.message, JSON.stringify(err), inspect(err, { depth: 8 })]) expect(text).not.toContain(TOKEN);
  }, 30_000);

  it("controls: the same server answers when its certificate is trusted, or when verification is really off", async () => {
    seen.length = 0;
    const caData = Buffer.from(cert).toString("base64");
    await expect(
      get(kubeconfigFor(`    insecure-skip-tls-verify: NO\n    certificate-authority-data: ${caData}\n`)),
    ).resolves.toEqual({ kind: "APIVersions" });
    expect(seen).toEqual([{ authorization: `Bearer ${TOKEN}` }]);

    seen.length = 0;
    await expect(get(kubeconfigFor("    insecure-skip-tls-verify: yes\n"))).resolves.toEqual({ kind: "APIVersions" });
    expect(seen).toHaveLength(1);
  }, 30_000);
});
