// Every authentication path of the runtime against the real kube-apiserver:
// client certificate, static token, a rotated token file, an exec plugin
// (cached, re-run on 401), in-cluster config, impersonation. Identity is
// checked with a SelfSubjectReview, so the server says who we are.
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { inClusterConfig, isForbidden, loadConfig, RestClient, type RestConfig } from "@kubegen/runtime";
import { FakeClock, TEST_USERS } from "@kubegen/runtime/testing";
import { controlPlane } from "../../helpers/cluster.js";

const cp = controlPlane();

async function whoami(config: RestConfig): Promise<{ username: string; groups?: string[]; uid?: string }> {
  const rc = new RestClient(config);
  try {
    const review = await rc.request<{ status: { userInfo: { username: string; groups?: string[]; uid?: string } } }>({
      group: "authentication.k8s.io",
      version: "v1",
      resource: "selfsubjectreviews",
      verb: "create",
      body: { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" },
    });
    return review.status.userInfo;
  } finally {
    rc.close();
  }
}

function tmp(): string {
  return mkdtempSync(join(tmpdir(), "kubegen-auth-"));
}

describe.skipIf(!cp)("authentication against kube-apiserver", () => {
  it("authenticates with the kubeconfig's client certificate", async () => {
    const config = await loadConfig({ kubeconfigPath: cp!.kubeconfigPath });
    expect(config.certData).toContain("BEGIN CERTIFICATE");
    expect((await whoami(config)).username).toBe(TEST_USERS.certAdmin);
  });

  it("authenticates with a static token", async () => {
    const config = await loadConfig({ kubeconfigPath: cp!.kubeconfigPath, context: "token-admin" });
    expect((await whoami(config)).username).toBe(TEST_USERS.tokenAdmin);
  });

  it("picks up a token file rotated while the client runs", async () => {
    const dir = tmp();
    const tokenFile = join(dir, "token");
    writeFileSync(tokenFile, cp!.limitedToken);
    const clock = new FakeClock(0);
    const base = await loadConfig({ kubeconfigPath: cp!.kubeconfigPath, context: "token-admin" });
    const config: RestConfig = { ...base, bearerToken: undefined, bearerTokenFile: tokenFile, tokenFileReloadMs: 5_000, clock };
    const rc = new RestClient(config);
    const list = () => rc.request({ version: "v1", resource: "namespaces", verb: "list" });
    expect(isForbidden(await list().catch((e: unknown) => e))).toBe(true); // limited user
    writeFileSync(tokenFile, cp!.adminToken); // rotate
    expect(isForbidden(await list().catch((e: unknown) => e))).toBe(true); // still cached
    await clock.advance(5_000); // the re-read period passes
    await expect(list()).resolves.toMatchObject({ kind: "NamespaceList" });
    // and a bad token in the file gets a 401, re-read, and one retry once it is fixed
    writeFileSync(tokenFile, "not-a-valid-token");
    await clock.advance(5_000);
    await expect(list()).rejects.toMatchObject({ reason: "Unauthorized" });
    writeFileSync(tokenFile, cp!.adminToken);
    await expect(list()).resolves.toMatchObject({ kind: "NamespaceList" });
    rc.close();
  });

  it("runs an exec plugin from a kubeconfig, caches its token, and re-runs it once on 401", async () => {
    const dir = tmp();
    const count = join(dir, "count");
    writeFileSync(
      join(dir, "plugin.sh"),
      [
        "#!/usr/bin/env bash",
        "set -eu",
        `n=$(cat "${count}" 2>/dev/null || echo 0); n=$((n+1)); echo $n > "${count}"`,
        // first run: a token the server rejects; later runs: the admin token
        `if [ "$n" = 1 ]; then tok=bogus-first-token; else tok="$GOOD_TOKEN"; fi`,
        `test -n "$KUBERNETES_EXEC_INFO"`,
        'echo "{\\"apiVersion\\":\\"client.authentication.k8s.io/v1\\",\\"kind\\":\\"ExecCredential\\",\\"status\\":{\\"token\\":\\"$tok\\"}}"',
        "",
      ].join("\n"),
    );
    chmodSync(join(dir, "plugin.sh"), 0o755);
    const kubeconfig = join(dir, "kubeconfig");
    writeFileSync(
      kubeconfig,
      JSON.stringify({
        apiVersion: "v1",
        kind: "Config",
        "current-context": "exec",
        clusters: [
          { name: "c", cluster: { server: cp!.server, "certificate-authority-data": Buffer.from(cp!.caPem).toString("base64") } },
        ],
        users: [
          {
            name: "exec-user",
            user: {
              exec: {
                apiVersion: "client.authentication.k8s.io/v1",
                command: "./plugin.sh", // relative to the kubeconfig's folder
                env: [{ name: "GOOD_TOKEN", value: cp!.adminToken }],
                interactiveMode: "Never",
                provideClusterInfo: true,
              },
            },
          },
        ],
        contexts: [{ name: "exec", context: { cluster: "c", user: "exec-user" } }],
      }),
    );
    const config = await loadConfig({ kubeconfigPath: kubeconfig });
    const rc = new RestClient(config);
    const runs = () => Number(readFileSync(count, "utf8"));
    await expect(rc.request({ version: "v1", resource: "namespaces", verb: "list" })).resolves.toMatchObject({
      kind: "NamespaceList",
    });
    expect(runs()).toBe(2); // bad token -> 401 -> re-run -> retried with the good one
    for (let i = 0; i < 3; i++) await rc.request({ path: "/version" });
    expect((await whoami(config)).username).toBe(TEST_USERS.tokenAdmin);
    expect(runs()).toBe(2); // cached across requests and clients
    rc.close();
  });

  it("uses a client certificate returned by an exec plugin", async () => {
    const dir = tmp();
    writeFileSync(
      join(dir, "cred.json"),
      JSON.stringify({
        apiVersion: "client.authentication.k8s.io/v1beta1",
        kind: "ExecCredential",
        status: { clientCertificateData: cp!.clientCert, clientKeyData: cp!.clientKey },
      }),
    );
    writeFileSync(join(dir, "plugin.sh"), `#!/usr/bin/env bash\ncat "${join(dir, "cred.json")}"\n`);
    chmodSync(join(dir, "plugin.sh"), 0o755);
    const base = await loadConfig({ kubeconfigPath: cp!.kubeconfigPath });
    const config: RestConfig = {
      ...base,
      certData: undefined,
      keyData: undefined,
      exec: { command: join(dir, "plugin.sh"), apiVersion: "client.authentication.k8s.io/v1beta1" },
    };
    expect((await whoami(config)).username).toBe(TEST_USERS.certAdmin);
  });

  it("builds an in-cluster config from env, token and CA files", async () => {
    const dir = tmp();
    writeFileSync(join(dir, "token"), cp!.adminToken + "\n");
    writeFileSync(join(dir, "ca.crt"), cp!.caPem);
    const url = new URL(cp!.server);
    const config = inClusterConfig({
      env: { KUBERNETES_SERVICE_HOST: url.hostname, KUBERNETES_SERVICE_PORT: url.port },
      tokenPath: join(dir, "token"),
      caPath: join(dir, "ca.crt"),
      namespacePath: join(dir, "absent"),
    });
    expect(config.caFile).toBe(join(dir, "ca.crt"));
    expect((await whoami(config)).username).toBe(TEST_USERS.tokenAdmin);
  });

  it("impersonates a user with groups", async () => {
    const config = await loadConfig({ kubeconfigPath: cp!.kubeconfigPath });
    config.impersonate = { user: "jane", groups: ["team-a", "team-b"], extra: { "example.com/scope": ["x"] } };
    const who = await whoami(config);
    expect(who.username).toBe("jane");
    expect(who.groups).toEqual(expect.arrayContaining(["team-a", "team-b"]));
  });

  it("rejects a server certificate that does not match the CA", async () => {
    const config = await loadConfig({ kubeconfigPath: cp!.kubeconfigPath });
    const rc = new RestClient({ ...config, caData: undefined });
    await expect(rc.request({ path: "/version" })).rejects.toMatchObject({ name: "NetworkError" });
    rc.close();
  });
});
