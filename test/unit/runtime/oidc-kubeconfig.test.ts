// The oidc auth-provider in kubeconfigs: validation (every error names the file
// and user, none quotes a secret), other provider names, and the persister
// that writes refreshed tokens back (only those two values change; comments,
// quoting, mode and links are kept; atomic; lock file honoured).
import { lstatSync, mkdtempSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { ConfigError, enableOidcAuthProvider, kubeconfigToRestConfig, loadKubeconfig, parseKubeconfig } from "@kubegen/runtime";
import {
  KubeconfigAuthProviderPersister,
  KubeconfigUpdateError,
  readAuthProviderConfig,
  rewriteAuthProviderConfig,
} from "../../../runtime/src/config/kubeconfig-persister.js";
import { idTokenValid, jwtExpiry, validateOidcConfig } from "../../../runtime/src/config/oidc.js";

// kubegen's oidc provider works once enabled, as client-go's once its plugin package is imported.
enableOidcAuthProvider();

const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
/** An unsigned-looking JWT (the client never checks signatures). */
function jwt(claims: Record<string, unknown>, tag = "sig"): string {
  return `${b64url({ alg: "RS256", typ: "JWT" })}.${b64url(claims)}.${Buffer.from(tag).toString("base64url")}`;
}
const nowS = () => Math.floor(Date.now() / 1000);

function tmp(): string {
  return mkdtempSync(join(tmpdir(), "kubegen-oidc-kc-"));
}

const SECRET = {
  idToken: jwt({ sub: "u", exp: nowS() + 3600 }, "id-token-signature-secret-1"),
  refreshToken: "refresh-token-secret-0123456789",
  clientSecret: "client-secret-value-abcdefgh",
};

/** A kubeconfig with one oidc user; `config` lines are inserted as given (indented by the caller). */
function kubeconfig(configLines: string[], userName = "oidc-user"): string {
  return [
    "apiVersion: v1",
    "kind: Config",
    "# the cluster",
    "clusters:",
    "- name: c",
    "  cluster:",
    "    server: https://127.0.0.1:6443",
    "users:",
    `- name: ${userName}`,
    "  user:",
    "    auth-provider:",
    "      name: oidc",
    "      config:",
    ...configLines.map((l) => `        ${l}`),
    "contexts:",
    "- name: ctx",
    `  context: {cluster: c, user: ${userName}}`,
    "current-context: ctx",
    "",
  ].join("\n");
}

function toRest(text: string, file = "/k/config") {
  return kubeconfigToRestConfig(parseKubeconfig(text, file));
}

function catchError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error("expected a ConfigError");
}

function expectNoSecret(err: unknown): void {
  const texts = [String((err as Error).message), JSON.stringify(err), inspect(err, { depth: 10 })];
  for (const t of texts) {
    for (const s of Object.values(SECRET)) expect(t).not.toContain(s);
  }
}

describe("oidc auth-provider: kubeconfig parsing and validation", () => {
  const valid = [
    "idp-issuer-url: https://issuer.example.com/dex",
    "client-id: kubegen",
    `client-secret: ${SECRET.clientSecret}`,
    `id-token: ${SECRET.idToken}`,
    `refresh-token: ${SECRET.refreshToken}`,
    "extra-scopes: groups,email",
  ];

  it("turns the user into RestConfig.authProvider with a persister for the user's file", () => {
    const config = toRest(kubeconfig(valid));
    expect(config.authProvider).toEqual({
      name: "oidc",
      config: {
        "idp-issuer-url": "https://issuer.example.com/dex",
        "client-id": "kubegen",
        "client-secret": SECRET.clientSecret,
        "id-token": SECRET.idToken,
        "refresh-token": SECRET.refreshToken,
        "extra-scopes": "groups,email",
      },
    });
    const persister = config.authConfigPersister as KubeconfigAuthProviderPersister;
    expect(persister).toBeInstanceOf(KubeconfigAuthProviderPersister);
    expect(persister.file).toBe("/k/config");
    expect(persister.user).toBe("oidc-user");
    expect(config.bearerToken).toBeUndefined();
  });

  it("resolves a relative idp-certificate-authority against the kubeconfig's folder", async () => {
    const dir = tmp();
    writeFileSync(join(dir, "issuer-ca.pem"), "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
    const file = join(dir, "config");
    writeFileSync(file, kubeconfig([...valid, "idp-certificate-authority: issuer-ca.pem"]));
    const config = kubeconfigToRestConfig((await loadKubeconfig({ kubeconfigPath: file }))!);
    expect(config.authProvider?.config["idp-certificate-authority"]).toBe(join(dir, "issuer-ca.pem"));
  });

  // each case: the config lines, and what the message must say
  const bad: Array<[string, string[], RegExp]> = [
    ["no idp-issuer-url", valid.filter((l) => !l.startsWith("idp-issuer-url")), /idp-issuer-url is required/],
    ["no client-id", valid.filter((l) => !l.startsWith("client-id")), /client-id is required/],
    ["an http issuer", ["idp-issuer-url: http://issuer.example.com", ...valid.slice(1)], /must be an https:\/\/ URL/],
    ["a number as client-id", [valid[0]!, "client-id: 12345", ...valid.slice(2)], /config\.client-id must be a string \(quote it\)/],
    [
      "both CA settings",
      [...valid, "idp-certificate-authority: /ca.pem", "idp-certificate-authority-data: AAAA"],
      /both idp-certificate-authority and idp-certificate-authority-data/,
    ],
    ["an unreadable CA file", [...valid, "idp-certificate-authority: /nonexistent/ca.pem"], /cannot read idp-certificate-authority \/nonexistent\/ca\.pem/],
    ["CA data that is not base64", [...valid, "idp-certificate-authority-data: '%%%'"], /idp-certificate-authority-data is not valid base64/],
    ["CA data without a certificate", [...valid, "idp-certificate-authority-data: aGVsbG8="], /holds no PEM certificate/],
    [
      "an id-token that is not a JWT",
      [...valid.filter((l) => !l.startsWith("id-token")), `id-token: ${SECRET.refreshToken}x`],
      /id-token is not a JWT/,
    ],
    [
      "neither id-token nor refresh-token",
      valid.filter((l) => !l.startsWith("id-token") && !l.startsWith("refresh-token")),
      /neither id-token nor refresh-token is set/,
    ],
  ];
  for (const [name, lines, want] of bad) {
    it(`refuses ${name}, naming the file and the user`, () => {
      const err = catchError(() => toRest(kubeconfig(lines)));
      expect(err.message).toMatch(/^kubeconfig \/k\/config: user "oidc-user": auth-provider "oidc": /);
      expect(err.message).toMatch(want);
      expect(err.file).toBe("/k/config");
      expectNoSecret(err);
    });
  }

  it("refuses an auth-provider without config", () => {
    const text = kubeconfig([]).replace("      config:\n", "");
    expect(catchError(() => toRest(text)).message).toMatch(/config is required \(at least idp-issuer-url and client-id\)/);
  });

  it("keeps other auth-provider names a clear ConfigError", () => {
    const gcp = catchError(() => toRest(kubeconfig(valid).replace("name: oidc\n", "name: gcp\n")));
    expect(gcp.message).toMatch(/user "oidc-user": auth-provider "gcp" is not supported by kubegen \(.*gke-gcloud-auth-plugin/);
    const other = catchError(() => toRest(kubeconfig(valid).replace("name: oidc\n", "name: keycloak\n")));
    expect(other.message).toMatch(/auth-provider "keycloak" is not supported by kubegen \(register one with registerAuthProvider\(\), or use an exec credential plugin\)/);
    expectNoSecret(other);
  });

  it("refuses auth-provider together with exec", () => {
    const text = kubeconfig(valid).replace(
      "    auth-provider:\n",
      "    exec: {command: x, apiVersion: client.authentication.k8s.io/v1beta1}\n    auth-provider:\n",
    );
    expect(catchError(() => toRest(text)).message).toMatch(/auth-provider and exec cannot both be set/);
  });

  it("reads exp as client-go does: 10 s early, floats truncated, no exp means expired", () => {
    expect(jwtExpiry(jwt({ exp: 100 }))).toBe(100_000);
    expect(jwtExpiry(jwt({ exp: 100.9 }))).toBe(100_000);
    expect(jwtExpiry(jwt({}))).toBe(Number.NEGATIVE_INFINITY);
    expect(jwtExpiry("a.b")).toBeUndefined();
    expect(jwtExpiry("a.%%%.c")).toBeUndefined();
    expect(idTokenValid(jwt({ exp: 100 }), 89_999)).toBe(true);
    expect(idTokenValid(jwt({ exp: 100 }), 90_000)).toBe(false);
    expect(() => validateOidcConfig({ "idp-issuer-url": "https://i", "client-id": "c", "id-token": jwt({}) }, "x")).not.toThrow();
  });
});

describe("oidc auth-provider: rewriting the kubeconfig", () => {
  const NEW = { "id-token": jwt({ exp: 2 }, "new"), "refresh-token": "new-refresh" };

  // given kubeconfig config lines, want the config lines after the rewrite (everything else byte-identical)
  const cases: Array<[string, string[], string[]]> = [
    [
      "plain values stay plain, comments stay",
      ["idp-issuer-url: https://i  # the issuer", "client-id: k", "id-token: eyJold.x.y  # tok", "refresh-token: old-refresh"],
      ["idp-issuer-url: https://i  # the issuer", "client-id: k", `id-token: ${NEW["id-token"]}  # tok`, "refresh-token: new-refresh"],
    ],
    [
      "quoted values keep their quotes",
      ["idp-issuer-url: https://i", "client-id: k", `id-token: "eyJold.x.y"`, "refresh-token: 'old'"],
      ["idp-issuer-url: https://i", "client-id: k", `id-token: "${NEW["id-token"]}"`, "refresh-token: 'new-refresh'"],
    ],
    [
      "a missing id-token is added at the top of the config with its indentation",
      ["idp-issuer-url: https://i", "client-id: k", "refresh-token: old"],
      [`id-token: ${NEW["id-token"]}`, "idp-issuer-url: https://i", "client-id: k", "refresh-token: new-refresh"],
    ],
    [
      "a block scalar becomes a quoted one",
      ["idp-issuer-url: https://i", "client-id: k", "refresh-token: |", "  old", "id-token: x.y.z"],
      ["idp-issuer-url: https://i", "client-id: k", 'refresh-token: "new-refresh"', `id-token: ${NEW["id-token"]}`],
    ],
  ];
  for (const [name, given, want] of cases) {
    it(name, () => {
      expect(rewriteAuthProviderConfig(kubeconfig(given), "oidc-user", NEW)).toBe(kubeconfig(want));
    });
  }

  it("quotes values that would not read back as the same string", () => {
    const out = rewriteAuthProviderConfig(kubeconfig(["client-id: k", "refresh-token: old"]), "oidc-user", {
      "refresh-token": "a: #b 'c\" true",
    });
    expect(out).toContain(`refresh-token: "a: #b 'c\\" true"`);
    expect(readAuthProviderConfig(out, "oidc-user")?.["refresh-token"]).toBe("a: #b 'c\" true");
    const yes = rewriteAuthProviderConfig(kubeconfig(["refresh-token: old"]), "oidc-user", { "refresh-token": "yes" });
    expect(yes).toContain('refresh-token: "yes"');
  });

  it("edits flow mappings and JSON kubeconfigs in place", () => {
    const flow = kubeconfig([]).replace("      config:\n", "      config: {client-id: k, refresh-token: old}\n");
    expect(rewriteAuthProviderConfig(flow, "oidc-user", NEW)).toBe(
      flow.replace("{client-id: k, refresh-token: old}", `{id-token: ${NEW["id-token"]}, client-id: k, refresh-token: new-refresh}`),
    );
    const json = JSON.stringify(
      {
        apiVersion: "v1",
        users: [{ name: "oidc-user", user: { "auth-provider": { name: "oidc", config: { "id-token": "a.b.c", "refresh-token": "old" } } } }],
      },
      null,
      2,
    );
    const out = rewriteAuthProviderConfig(json, "oidc-user", NEW);
    expect(JSON.parse(out).users[0].user["auth-provider"].config).toEqual(NEW);
    expect(out).toBe(json.replace('"a.b.c"', `"${NEW["id-token"]}"`).replace('"old"', '"new-refresh"'));
  });

  it("changes only the first entry of the user, as the loader reads it, and nothing of other users", () => {
    const text = [
      "users:",
      "- name: other",
      "  user: {auth-provider: {name: oidc, config: {id-token: a.b.c, refresh-token: old}}}",
      "- name: me",
      "  user: {auth-provider: {name: oidc, config: {id-token: a.b.c, refresh-token: old}}}",
      "- name: me",
      "  user: {auth-provider: {name: oidc, config: {id-token: a.b.c, refresh-token: old}}}",
      "",
    ].join("\n");
    const out = rewriteAuthProviderConfig(text, "me", NEW);
    const users = parse(out).users;
    expect(users[0].user["auth-provider"].config).toEqual({ "id-token": "a.b.c", "refresh-token": "old" });
    expect(users[1].user["auth-provider"].config).toEqual(NEW);
    expect(users[2].user["auth-provider"].config).toEqual({ "id-token": "a.b.c", "refresh-token": "old" });
  });

  it("refuses what it cannot edit safely, without quoting values", () => {
    const code = (fn: () => unknown): string => {
      try {
        fn();
      } catch (err) {
        expect(err).toBeInstanceOf(KubeconfigUpdateError);
        expect((err as Error).message).not.toContain("old-secret");
        return (err as KubeconfigUpdateError).code;
      }
      return "no error";
    };
    expect(code(() => rewriteAuthProviderConfig(kubeconfig(["refresh-token: old-secret"]), "nobody", NEW))).toBe("ENTRY_NOT_FOUND");
    expect(code(() => rewriteAuthProviderConfig("users: [\n", "me", NEW))).toBe("NOT_VALID_YAML");
    const anchored = [
      "base: &tok {name: oidc, config: {refresh-token: old-secret}}",
      "users:",
      "- name: me",
      "  user: {auth-provider: *tok}",
      "",
    ].join("\n");
    expect(code(() => rewriteAuthProviderConfig(anchored, "me", NEW))).toBe("UNSUPPORTED_LAYOUT");
    // an anchored value that another entry reuses would change that entry too
    const shared = [
      "users:",
      "- name: me",
      "  user: {auth-provider: {name: oidc, config: {refresh-token: &r old-secret}}}",
      "- name: you",
      "  user: {auth-provider: {name: oidc, config: {refresh-token: *r}}}",
      "",
    ].join("\n");
    expect(code(() => rewriteAuthProviderConfig(shared, "me", NEW))).toBe("UNSUPPORTED_LAYOUT");
  });
});

describe("oidc auth-provider: KubeconfigAuthProviderPersister", () => {
  const lines = ["idp-issuer-url: https://i", "client-id: k", "id-token: a.b.c", "refresh-token: old"];

  it("writes atomically, keeps the mode and every other byte, and leaves no temporary file", async () => {
    const dir = tmp();
    const file = join(dir, "config");
    const text = kubeconfig(lines);
    writeFileSync(file, text);
    chmodSync(file, 0o640);
    const p = new KubeconfigAuthProviderPersister(file, "oidc-user");
    expect(await p.load()).toEqual({ "idp-issuer-url": "https://i", "client-id": "k", "id-token": "a.b.c", "refresh-token": "old" });
    await p.persist({ "idp-issuer-url": "ignored", "client-id": "ignored", "id-token": "n.e.w", "refresh-token": "new" });
    expect(readFileSync(file, "utf8")).toBe(text.replace("id-token: a.b.c", "id-token: n.e.w").replace("refresh-token: old", "refresh-token: new"));
    expect(statSync(file).mode & 0o7777).toBe(0o640);
    expect(readdirSync(dir)).toEqual(["config"]);
  });

  it("follows a symbolic link: the link stays, its target is updated", async () => {
    const dir = tmp();
    writeFileSync(join(dir, "real"), kubeconfig(lines));
    symlinkSync(join(dir, "real"), join(dir, "config"));
    await new KubeconfigAuthProviderPersister(join(dir, "config"), "oidc-user").persist({ "id-token": "n.e.w" });
    expect(lstatSync(join(dir, "config")).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(dir, "real"), "utf8")).toContain("id-token: n.e.w");
  });

  it("does not write while another program holds <file>.lock", async () => {
    const dir = tmp();
    const file = join(dir, "config");
    writeFileSync(file, kubeconfig(lines));
    writeFileSync(`${file}.lock`, "");
    const p = new KubeconfigAuthProviderPersister(file, "oidc-user", { lockTimeoutMs: 0 });
    await expect(p.persist({ "id-token": "n.e.w" })).rejects.toMatchObject({ code: "LOCKED" });
    expect(readFileSync(file, "utf8")).toBe(kubeconfig(lines));
    expect(readdirSync(dir).sort()).toEqual(["config", "config.lock"]); // not ours to remove
  });
});
