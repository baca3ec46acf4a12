// The oidc auth-provider end to end through RestClient, against a loopback
// HTTPS OIDC issuer started here (discovery document, JWKS, token endpoint;
// certificates from `openssl`, RS256 id-tokens signed with a key made here)
// and a small stand-in API server that checks those id-tokens the way
// kube-apiserver does (signature, exp) and answers SelfSubjectReviews.
import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, enableOidcAuthProvider, loadConfig, newRestConfig, RestClient, type OidcAuthProvider } from "@kubegen/runtime";
import { FakeClock } from "@kubegen/runtime/testing";

import { secret, startIssuer, type Issuer } from "../../helpers/oidc-issuer.js";

// kubegen's oidc provider works once enabled, as client-go's once its plugin package is imported.
enableOidcAuthProvider();

/** A stand-in API server: SelfSubjectReviews for valid, unrevoked id-tokens of `issuer`; 401 otherwise. */
async function startApiServer(issuer: Issuer) {
  const seen: string[] = [];
  const revoked = new Set<string>();
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
      if (token) seen.push(token);
      const who = token && !revoked.has(token) ? issuer.verify(token) : undefined;
      res.setHeader("content-type", "application/json");
      if (!who) {
        res.writeHead(401);
        return res.end(JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", reason: "Unauthorized", code: 401, message: "Unauthorized" }));
      }
      res.writeHead(201);
      res.end(JSON.stringify({ kind: "SelfSubjectReview", apiVersion: "authentication.k8s.io/v1", status: { userInfo: { username: who.sub } } }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    revoked,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

let dir: string;
let issuer: Issuer;
let api: Awaited<ReturnType<typeof startApiServer>>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "kubegen-oidc-"));
  issuer = await startIssuer(dir);
  api = await startApiServer(issuer);
}, 60_000);

afterAll(async () => {
  await api?.close();
  await issuer?.close();
});

interface User {
  idToken?: string;
  refreshToken?: string;
  ca?: "file" | "data" | "none";
  issuerUrl?: string;
  clientSecret?: string;
}

/** Writes a kubeconfig for `user` (with comments, quoting and an unrelated user) and returns its path. */
function writeKubeconfig(user: User): string {
  const file = join(mkdtempSync(join(dir, "kc-")), "config");
  const ca =
    user.ca === "none"
      ? []
      : user.ca === "data"
        ? [`        idp-certificate-authority-data: ${Buffer.from(issuer.caPem).toString("base64")}`]
        : [`        idp-certificate-authority: ${issuer.caFile}`];
  const text = [
    "# written by hand",
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "- name: test",
    "  cluster:",
    `    server: ${api.url}   # the stand-in API server`,
    "users:",
    "- name: someone-else",
    "  user: {token: not-the-oidc-user-token}",
    "- name: oidc",
    "  user:",
    "    auth-provider:",
    "      name: oidc",
    "      config:",
    `        idp-issuer-url: "${user.issuerUrl ?? issuer.url}"`,
    `        client-id: ${issuer.clientId}`,
    `        client-secret: '${user.clientSecret ?? issuer.clientSecret}'`,
    ...ca,
    ...(user.idToken !== undefined ? [`        id-token: ${user.idToken}  # the current token`] : []),
    ...(user.refreshToken !== undefined ? [`        refresh-token: ${user.refreshToken}`] : []),
    "        extra-scopes: groups",
    "contexts:",
    "- name: oidc",
    "  context:",
    "    cluster: test",
    "    user: oidc",
    "current-context: oidc",
    "",
  ].join("\n");
  writeFileSync(file, text);
  chmodSync(file, 0o640);
  return file;
}

async function client(file: string): Promise<RestClient> {
  return new RestClient(await loadConfig({ kubeconfigPath: file, env: {} }));
}

function whoami(rc: RestClient): Promise<string> {
  return rc
    .request<{ status: { userInfo: { username: string } } }>({
      group: "authentication.k8s.io",
      version: "v1",
      resource: "selfsubjectreviews",
      verb: "create",
      body: { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" },
    })
    .then((r) => r.status.userInfo.username);
}

function snapshot() {
  return { discovery: issuer.counts.discovery, token: issuer.counts.token };
}
function callsSince(before: { discovery: number; token: number }) {
  return { discovery: issuer.counts.discovery - before.discovery, token: issuer.counts.token - before.token };
}

function storedConfig(file: string): Record<string, string> {
  const text = readFileSync(file, "utf8");
  const get = (key: string) => new RegExp(`^\\s+${key}: (\\S+)`, "m").exec(text)?.[1] ?? "";
  return { "id-token": get("id-token"), "refresh-token": get("refresh-token") };
}

function expectNoSecret(err: unknown, secrets: string[]): void {
  for (const text of [String((err as Error).message), JSON.stringify(err), inspect(err, { depth: 10 })]) {
    for (const s of secrets) expect(text).not.toContain(s);
  }
}

describe("oidc auth-provider against a loopback issuer", () => {
  it("sends a valid id-token as a bearer token without calling the issuer", async () => {
    const idToken = issuer.idToken("alice", 3600);
    const file = writeKubeconfig({ idToken, refreshToken: secret("refresh") });
    const before = snapshot();
    const text = readFileSync(file, "utf8");
    const rc = await client(file);
    expect(await whoami(rc)).toBe("alice");
    expect(await whoami(rc)).toBe("alice");
    rc.close();
    expect(api.seen.slice(-2)).toEqual([idToken, idToken]);
    expect(callsSince(before)).toEqual({ discovery: 0, token: 0 });
    expect(readFileSync(file, "utf8")).toBe(text);
  });

  it("refreshes an expired id-token once, and saves the new tokens into the kubeconfig, changing nothing else", async () => {
    const oldId = issuer.idToken("alice", -60);
    const oldRt = secret("refresh");
    issuer.refreshTokens.add(oldRt);
    const file = writeKubeconfig({ idToken: oldId, refreshToken: oldRt });
    const text = readFileSync(file, "utf8");
    const before = snapshot();
    const rc = await client(file);
    expect(await whoami(rc)).toBe("alice");
    expect(await whoami(rc)).toBe("alice"); // the refreshed token is used from then on
    rc.close();
    expect(callsSince(before)).toEqual({ discovery: 1, token: 1 });
    const call = issuer.tokenCalls.at(-1)!;
    expect(call.form.get("grant_type")).toBe("refresh_token");
    expect(call.form.get("refresh_token")).toBe(oldRt);
    expect(call.authorization).toBe(`Basic ${Buffer.from(`kubegen:${issuer.clientSecret}`).toString("base64")}`);

    const stored = storedConfig(file);
    expect(stored["id-token"]).not.toBe(oldId);
    expect(issuer.verify(stored["id-token"]!)).toEqual({ sub: "alice" });
    expect(api.seen.at(-1)).toBe(stored["id-token"]);
    expect(issuer.refreshTokens.has(stored["refresh-token"]!)).toBe(true);
    expect(readFileSync(file, "utf8")).toBe(
      text.replace(oldId, stored["id-token"]!).replace(`refresh-token: ${oldRt}`, `refresh-token: ${stored["refresh-token"]}`),
    );
    expect(statSync(file).mode & 0o7777).toBe(0o640);
  });

  it("shares one refresh between concurrent requests", async () => {
    const oldRt = secret("refresh");
    issuer.refreshTokens.add(oldRt);
    const file = writeKubeconfig({ idToken: issuer.idToken("alice", 5), refreshToken: oldRt }); // within the 10 s margin
    let release!: () => void;
    issuer.behaviour.gate = new Promise<void>((r) => (release = r));
    const before = snapshot();
    const rc = await client(file);
    try {
      const all = Promise.all(Array.from({ length: 8 }, () => whoami(rc)));
      // hold the token answer a moment so that every request is waiting (the count below holds either way)
      await new Promise((r) => setTimeout(r, 100));
      release();
      expect(await all).toEqual(Array(8).fill("alice"));
    } finally {
      issuer.behaviour.gate = undefined;
      release();
      rc.close();
    }
    expect(callsSince(before)).toEqual({ discovery: 1, token: 1 });
  });

  it("refreshes once after a 401 for an id-token that has not expired, then retries", async () => {
    const oldId = issuer.idToken("alice", 3600);
    const oldRt = secret("refresh");
    issuer.refreshTokens.add(oldRt);
    api.revoked.add(oldId);
    const file = writeKubeconfig({ idToken: oldId, refreshToken: oldRt, ca: "data" });
    const before = snapshot();
    const rc = await client(file);
    expect(await whoami(rc)).toBe("alice");
    rc.close();
    expect(callsSince(before)).toEqual({ discovery: 1, token: 1 });
    expect(storedConfig(file)["id-token"]).not.toBe(oldId);
  });

  it("uses tokens another process already saved instead of refreshing again", async () => {
    const oldRt = secret("refresh");
    const file = writeKubeconfig({ idToken: issuer.idToken("alice", -60), refreshToken: oldRt });
    const rc = await client(file);
    // kubectl refreshed meanwhile and rewrote the file
    const theirs = issuer.idToken("alice", 3600);
    writeFileSync(file, readFileSync(file, "utf8").replace(/id-token: \S+/, `id-token: ${theirs}`));
    const before = snapshot();
    expect(await whoami(rc)).toBe("alice");
    rc.close();
    expect(callsSince(before)).toEqual({ discovery: 0, token: 0 });
    expect(api.seen.at(-1)).toBe(theirs);
  });

  it("reports a refused refresh token as a ConfigError that says to log in again, with no secret in it", async () => {
    const oldId = issuer.idToken("alice", -60);
    const refused = secret("refresh");
    const file = writeKubeconfig({ idToken: oldId, refreshToken: refused, ca: "data" });
    const text = readFileSync(file, "utf8");
    const before = snapshot();
    const rc = await client(file);
    const err = await whoami(rc).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    const message = (err as ConfigError).message;
    expect(message).toContain(`kubeconfig ${file}, context "oidc", user "oidc": auth-provider "oidc"`);
    expect(message).toContain(`the OIDC provider ${issuer.url} refused the refresh token (HTTP 400, error "invalid_grant"`);
    expect(message).toMatch(/log in to .* again .* update the kubeconfig's id-token and refresh-token/);
    expectNoSecret(err, [oldId, refused, issuer.clientSecret]);
    // the refused token is not sent again
    const again = await whoami(rc).catch((e: unknown) => e);
    rc.close();
    expect((again as Error).message).toBe(message);
    expect(callsSince(before)).toEqual({ discovery: 1, token: 1 });
    expect(readFileSync(file, "utf8")).toBe(text);
  });

  it("sends the client credentials in the form when the token endpoint refuses them in the header, and remembers that", async () => {
    const rt = secret("refresh");
    issuer.refreshTokens.add(rt);
    issuer.behaviour.clientAuth = "form";
    try {
      const oldId = issuer.idToken("alice", -60);
      const before = snapshot();
      const rc = await client(writeKubeconfig({ idToken: oldId, refreshToken: rt }));
      expect(await whoami(rc)).toBe("alice");
      expect(callsSince(before)).toEqual({ discovery: 1, token: 2 });
      const [header, form] = issuer.tokenCalls.slice(-2);
      expect(header!.authorization).toMatch(/^Basic /);
      expect(form!.authorization).toBeUndefined();
      expect(form!.form.get("client_id")).toBe("kubegen");
      expect(form!.form.get("client_secret")).toBe(issuer.clientSecret);
      api.revoked.add(api.seen.at(-1)!); // the next refresh goes straight to the form
      expect(await whoami(rc)).toBe("alice");
      rc.close();
      expect(callsSince(before)).toEqual({ discovery: 2, token: 3 });
    } finally {
      issuer.behaviour.clientAuth = "header";
    }
  });

  it("reports refused client credentials as such, after trying them in the header and in the form", async () => {
    const rt = secret("refresh");
    issuer.refreshTokens.add(rt);
    const wrong = secret("wrong-client-secret");
    const before = snapshot();
    const rc = await client(writeKubeconfig({ idToken: issuer.idToken("alice", -60), refreshToken: rt, clientSecret: wrong }));
    const err = await whoami(rc).catch((e: unknown) => e);
    rc.close();
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(
      /refused the client credentials \(HTTP 401, error "invalid_client"\); check the kubeconfig's client-id and client-secret$/,
    );
    expectNoSecret(err, [rt, wrong, issuer.clientSecret]);
    expect(callsSince(before)).toEqual({ discovery: 1, token: 2 });
    expect(issuer.refreshTokens.has(rt)).toBe(true);
  });

  it("reports a failed discovery with the URL and status", async () => {
    const rc = await client(
      writeKubeconfig({ idToken: issuer.idToken("alice", -60), refreshToken: secret("refresh"), issuerUrl: `${issuer.url}/wrong/` }),
    );
    const err = await whoami(rc).catch((e: unknown) => e);
    rc.close();
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toContain(
      `OIDC discovery at ${issuer.url}/wrong/.well-known/openid-configuration answered HTTP 404: "{\\"error\\":\\"not found\\"}"`,
    );
  });

  it("refuses a token answer without id_token", async () => {
    const rt = secret("refresh");
    issuer.refreshTokens.add(rt);
    issuer.behaviour.omitIdToken = true;
    try {
      const rc = await client(writeKubeconfig({ idToken: issuer.idToken("alice", -60), refreshToken: rt }));
      const err = await whoami(rc).catch((e: unknown) => e);
      rc.close();
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toMatch(/the token response did not contain an id_token \(either the scope "openid" was not requested/);
      expectNoSecret(err, [rt, issuer.clientSecret]);
    } finally {
      issuer.behaviour.omitIdToken = false;
    }
  });

  it("fails clearly without a refresh-token", async () => {
    const rc = await client(writeKubeconfig({ idToken: issuer.idToken("alice", -60) }));
    const err = await whoami(rc).catch((e: unknown) => e);
    rc.close();
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/the id-token has expired and no refresh-token is set to renew it; log in to/);
  });

  it("verifies the issuer's certificate (against Node's roots when no idp CA is set)", async () => {
    const rt = secret("refresh");
    issuer.refreshTokens.add(rt);
    const before = snapshot();
    const rc = await client(writeKubeconfig({ idToken: issuer.idToken("alice", -60), refreshToken: rt, ca: "none" }));
    const err = await whoami(rc).catch((e: unknown) => e);
    rc.close();
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/cannot reach OIDC discovery https:\/\/127\.0\.0\.1:\d+\/\.well-known\/openid-configuration \((UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)\)/);
    expect(callsSince(before)).toEqual({ discovery: 0, token: 0 });
  });

  it("judges expiry on the config's clock, and works from a hand-built RestConfig without a persister", async () => {
    const rt = secret("refresh");
    issuer.refreshTokens.add(rt);
    const idToken = issuer.idToken("alice", 3600);
    const clock = new FakeClock(Date.now());
    const settings = {
      "idp-issuer-url": issuer.url,
      "client-id": issuer.clientId,
      "client-secret": issuer.clientSecret,
      "idp-certificate-authority-data": Buffer.from(issuer.caPem).toString("base64"),
      "id-token": idToken,
      "refresh-token": rt,
    };
    const rc = new RestClient(newRestConfig(api.url, { clock, proxyEnv: null, authProvider: { name: "oidc", config: settings } }));
    const before = snapshot();
    expect(await whoami(rc)).toBe("alice");
    expect(callsSince(before)).toEqual({ discovery: 0, token: 0 });
    await clock.advance(3600_000 - 10_000); // within the 10 s margin of exp on the config's clock
    expect(await whoami(rc)).toBe("alice");
    expect(callsSince(before)).toEqual({ discovery: 1, token: 1 });
    expect(api.seen.at(-1)).not.toBe(idToken);
    expect((rc.transport.authenticator.authProvider as OidcAuthProvider | undefined)?.refreshes).toBe(1);
    rc.close();
  });

  it("refuses other auth-providers and exec plus auth-provider in a hand-built RestConfig", () => {
    const oidc = { "idp-issuer-url": issuer.url, "client-id": "kubegen", "refresh-token": secret("refresh") };
    expect(() => new RestClient(newRestConfig(api.url, { authProvider: { name: "gcp", config: {} } }))).toThrow(
      /auth-provider "gcp" is not supported by kubegen/,
    );
    const exec = { command: "true", apiVersion: "client.authentication.k8s.io/v1", interactiveMode: "Never" as const };
    expect(() => new RestClient(newRestConfig(api.url, { exec, authProvider: { name: "oidc", config: oidc } }))).toThrow(
      /an exec plugin and an auth-provider cannot both be set/,
    );
    expect(() => new RestClient(newRestConfig(api.url, { authProvider: { name: "oidc", config: { "client-id": "x" } } }))).toThrow(
      ConfigError,
    );
  });

  it("keeps a refreshed token in memory and warns once when the kubeconfig cannot be updated", async () => {
    const rt = secret("refresh");
    issuer.refreshTokens.add(rt);
    const file = writeKubeconfig({ idToken: issuer.idToken("alice", -60), refreshToken: rt });
    const rc = await client(file);
    // the user entry disappears from the file after it was loaded
    writeFileSync(file, readFileSync(file, "utf8").replace("- name: oidc\n  user:", "- name: renamed\n  user:"));
    const warnings: Error[] = [];
    const onWarning = (w: Error) => {
      if ((w as Error & { code?: string }).code === "KUBEGEN_OIDC_TOKENS_NOT_SAVED") warnings.push(w);
    };
    process.on("warning", onWarning);
    try {
      expect(await whoami(rc)).toBe("alice");
      const first = api.seen.at(-1)!;
      api.revoked.add(first); // forces a second refresh, which cannot be saved either
      expect(await whoami(rc)).toBe("alice");
      expect(api.seen.at(-1)).not.toBe(first);
      await new Promise((r) => setImmediate(r)); // warnings are emitted on the next tick
    } finally {
      process.off("warning", onWarning);
      rc.close();
    }
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toContain(`could not be saved to kubeconfig ${file}, user "oidc" (ENTRY_NOT_FOUND)`);
    expectNoSecret(warnings[0], [rt, issuer.clientSecret, ...api.seen.slice(-2)]);
  });
});
