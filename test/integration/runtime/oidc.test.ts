// The oidc auth-provider against a REAL kube-apiserver configured for OIDC.
// This file starts its own control plane (the shared one has no OIDC), whose
// kube-apiserver trusts a loopback HTTPS issuer started here first (the API
// server fetches its discovery document and JWKS, so the issuer's port is
// chosen before the API server starts):
//   --oidc-issuer-url=https://127.0.0.1:<port> --oidc-client-id=kubegen
//   --oidc-ca-file=<the issuer's CA> --oidc-username-claim=sub --oidc-username-prefix=-
// (kube-apiserver v1.36 still accepts these flags; --authentication-config is
// the structured alternative.) The issuer signs RS256 id-tokens with a key made
// here and answers refresh_token grants. A kubeconfig user with an EXPIRED
// id-token and a refresh-token then makes a SelfSubjectReview: it must succeed
// as the OIDC user after exactly one refresh, with the new tokens saved in the
// kubeconfig; a refused refresh token must be a ConfigError.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import https from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, enableOidcAuthProvider, loadConfig, RestClient } from "@kubegen/runtime";
import { findControlPlaneAssets, startControlPlane, type ControlPlane } from "@kubegen/runtime/testing";

const assets = findControlPlaneAssets();
if (!assets.found && process.env.CI === "true") {
  throw new Error(`the OIDC integration test needs a real control plane (CI=true, so this is a failure): ${assets.reason}`);
}
if (!assets.found) console.warn(`skipping the OIDC integration test: ${assets.reason}`);

/** Generous: starting a control plane takes 5–30 s on a loaded 2-core machine. */
const START_MS = 240_000;
const T = 90_000;
const SUB = "kubegen-oidc-alice";

import { secret, startIssuer, type Issuer } from "../../helpers/oidc-issuer.js";

// kubegen's oidc provider works once enabled, as client-go's once its plugin package is imported.
enableOidcAuthProvider();

/** One raw HTTPS SelfSubjectReview with `token` (no client library in between); resolves with the status. */
function rawReview(cp: ControlPlane, token: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      new URL("/apis/authentication.k8s.io/v1/selfsubjectreviews", cp.server),
      { method: "POST", ca: cp.caPem, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" } },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (text += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on("error", reject);
    req.end(JSON.stringify({ apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" }));
  });
}

function kubeconfigText(cp: ControlPlane, issuer: Issuer, idToken: string, refreshToken: string): string {
  return [
    "# an OIDC user, as `kubectl config set-credentials --auth-provider=oidc` writes one",
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "- name: oidc-test",
    "  cluster:",
    `    server: ${cp.server}`,
    `    certificate-authority-data: ${Buffer.from(cp.caPem).toString("base64")}`,
    "users:",
    "- name: alice",
    "  user:",
    "    auth-provider:",
    "      name: oidc",
    "      config:",
    `        idp-issuer-url: ${issuer.url}`,
    "        client-id: kubegen",
    `        client-secret: ${issuer.clientSecret}`,
    `        idp-certificate-authority: ${issuer.caFile}`,
    `        id-token: ${idToken}`,
    `        refresh-token: ${refreshToken}   # rotated on every refresh`,
    "contexts:",
    "- name: alice",
    "  context: {cluster: oidc-test, user: alice}",
    "current-context: alice",
    "",
  ].join("\n");
}

async function whoami(config: Awaited<ReturnType<typeof loadConfig>>) {
  const rc = new RestClient(config);
  try {
    const review = await rc.request<{ status: { userInfo: { username: string; groups?: string[] } } }>({
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

describe.skipIf(!assets.found)("oidc auth-provider against kube-apiserver", () => {
  let dir = "";
  let issuer: Issuer | undefined;
  let cp: ControlPlane | undefined;

  beforeAll(async () => {
    if (!assets.found) return;
    dir = mkdtempSync(join(tmpdir(), "kubegen-oidc-it-"));
    issuer = await startIssuer(dir, SUB); // first: the API server fetches discovery and keys from it
    cp = await startControlPlane({
      assets: assets.assets,
      readyTimeoutMs: 180_000,
      apiServerFlags: [
        `--oidc-issuer-url=${issuer.url}`,
        "--oidc-client-id=kubegen",
        `--oidc-ca-file=${issuer.caFile}`,
        "--oidc-username-claim=sub",
        "--oidc-username-prefix=-",
      ],
    });
    // /readyz does not wait for the OIDC authenticator: wait until the server accepts a fresh id-token
    const deadline = Date.now() + 120_000;
    for (;;) {
      const r = await rawReview(cp, issuer.idToken(SUB, 600));
      if (r.status === 201) break;
      if (Date.now() > deadline) throw new Error(`kube-apiserver never accepted an OIDC id-token: HTTP ${r.status} ${r.body}`);
      await new Promise((res) => setTimeout(res, 250));
    }
  }, START_MS);

  afterAll(async () => {
    await cp?.stop();
    await issuer?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it("the API server really uses the issuer: it fetched the discovery document and keys, and refuses an expired id-token", async () => {
    expect(issuer!.counts.discovery).toBeGreaterThanOrEqual(1);
    expect(issuer!.counts.keys).toBeGreaterThanOrEqual(1);
    expect((await rawReview(cp!, issuer!.idToken(SUB, -120))).status).toBe(401);
  }, T);

  it("refreshes an expired id-token exactly once, authenticates as the OIDC user, and saves the new tokens", async () => {
    const expired = issuer!.idToken(SUB, -120);
    const refresh = secret("refresh");
    issuer!.refreshTokens.add(refresh);
    const file = join(mkdtempSync(join(dir, "kc-")), "config");
    const text = kubeconfigText(cp!, issuer!, expired, refresh);
    writeFileSync(file, text, { mode: 0o600 });
    const tokenCalls = issuer!.counts.token;

    const config = await loadConfig({ kubeconfigPath: file, env: {} });
    const me = await whoami(config);
    expect(me.username).toBe(SUB);
    expect(me.groups).toContain("system:authenticated");
    expect(issuer!.counts.token - tokenCalls).toBe(1);

    const saved = readFileSync(file, "utf8");
    const newId = /id-token: (\S+)/.exec(saved)![1]!;
    const newRt = /refresh-token: (\S+)/.exec(saved)![1]!;
    expect(newId).not.toBe(expired);
    expect(newRt).not.toBe(refresh);
    expect(issuer!.refreshTokens.has(newRt)).toBe(true);
    expect(saved).toBe(text.replace(expired, newId).replace(refresh, newRt)); // nothing else changed
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect((await rawReview(cp!, newId)).status).toBe(201); // the saved token is one the server accepts

    // a new process (a fresh load of the file) uses the saved token as it is
    const again = await whoami(await loadConfig({ kubeconfigPath: file, env: {} }));
    expect(again.username).toBe(SUB);
    expect(issuer!.counts.token - tokenCalls).toBe(1);
  }, T);

  it("reports a refused refresh token as a ConfigError saying to log in again, with no secret in it", async () => {
    const expired = issuer!.idToken(SUB, -120);
    const revoked = secret("refresh"); // never issued
    const file = join(mkdtempSync(join(dir, "kc-")), "config");
    const text = kubeconfigText(cp!, issuer!, expired, revoked);
    writeFileSync(file, text, { mode: 0o600 });
    const config = await loadConfig({ kubeconfigPath: file, env: {} });
    const err = await whoami(config).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    const message = (err as ConfigError).message;
    expect(message).toContain(`kubeconfig ${file}, context "alice", user "alice": auth-provider "oidc"`);
    expect(message).toContain("refused the refresh token (HTTP 400");
    expect(message).toContain("log in to");
    for (const shown of [message, JSON.stringify(err), inspect(err, { depth: 10 })]) {
      for (const s of [expired, revoked, issuer!.clientSecret]) expect(shown).not.toContain(s);
    }
    expect(readFileSync(file, "utf8")).toBe(text);
  }, T);
});
