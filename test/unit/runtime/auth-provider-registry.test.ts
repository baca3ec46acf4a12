// Auth-provider plugins (config/auth-provider.ts): an `oidc` user is a clear
// ConfigError until enableOidcAuthProvider() runs (its secrets are redacted
// either way), and a plugin registered with registerAuthProvider() validates
// the entry, gets a persister for it and supplies the bearer token of real
// requests, including the retry after a 401. This file runs in its own module
// graph, so nothing else registered a provider first.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ConfigError,
  enableOidcAuthProvider,
  kubeconfigToRestConfig,
  parseKubeconfig,
  RestClient,
  registerAuthProvider,
  type AuthProviderEntry,
} from "@kubegen/runtime";

const ID_TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJleHAiOjQxMDI0NDQ4MDB9.c2lnbmF0dXJlLXNlY3JldC14eXo";

function kubeconfig(server: string, provider: string, config: Record<string, string>): string {
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "- name: c",
    "  cluster:",
    `    server: ${server}`,
    "users:",
    "- name: u",
    "  user:",
    "    auth-provider:",
    `      name: ${provider}`,
    "      config:",
    ...Object.entries(config).map(([k, v]) => `        ${k}: ${JSON.stringify(v)}`),
    "contexts:",
    "- name: ctx",
    "  context: {cluster: c, user: u}",
    "current-context: ctx",
    "",
  ].join("\n");
}

let server: http.Server;
let url: string;
const seen: string[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    seen.push(req.headers.authorization ?? "");
    const ok = req.headers.authorization === "Bearer fresh-token-2";
    res.writeHead(ok ? 200 : 401, { "content-type": "application/json" });
    res.end(JSON.stringify(ok ? { kind: "Status", status: "Success" } : { kind: "Status", status: "Failure", code: 401 }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("auth-provider plugins", () => {
  it("refuses an oidc user until enableOidcAuthProvider() runs, naming the call, with no secret in the error", () => {
    const text = kubeconfig("https://127.0.0.1:6443", "oidc", {
      "idp-issuer-url": "https://issuer.example",
      "client-id": "kubectl",
      "id-token": ID_TOKEN,
      "refresh-token": "refresh-secret-value-42",
    });
    let err: unknown;
    try {
      kubeconfigToRestConfig(parseKubeconfig(text, "/k/config"));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const message = (err as Error).message;
    expect(message).toMatch(/^kubeconfig \/k\/config: user "u": auth-provider "oidc" is not enabled: call enableOidcAuthProvider\(\)/);
    for (const text of [message, JSON.stringify(err), inspect(err, { depth: 10 })]) {
      expect(text).not.toContain("refresh-secret-value-42");
      expect(text).not.toContain("c2lnbmF0dXJlLXNlY3JldC14eXo");
    }

    enableOidcAuthProvider();
    const config = kubeconfigToRestConfig(parseKubeconfig(text, "/k/config"));
    expect(config.authProvider?.name).toBe("oidc");
    expect(config.authConfigPersister?.description).toContain("/k/config");
  });

  it("runs a registered plugin: validate, persister and the token of every request, refreshed after a 401", async () => {
    const entries: AuthProviderEntry[] = [];
    const persisted: Record<string, string>[] = [];
    let refreshes = 0;
    registerAuthProvider("in-house", {
      validate(config, entry) {
        entries.push(entry);
        if (typeof config?.["token"] !== "string") throw new ConfigError(`${entry.where}: in-house needs a token`);
        return { token: config["token"] };
      },
      persister: () => ({ persist: async (c) => void persisted.push({ ...c }), description: "memory" }),
      create(config) {
        let token = config.authProvider!.config["token"]!;
        return {
          token: async () => token,
          async refreshAfterUnauthorized(used) {
            refreshes++;
            if (used !== token) return token;
            token = "fresh-token-2";
            await config.authConfigPersister?.persist({ token });
            return token;
          },
          secrets: () => [token],
        };
      },
    });

    expect(() => kubeconfigToRestConfig(parseKubeconfig(kubeconfig(url, "in-house", {}), "/k/a"))).toThrow(
      /user "u": in-house needs a token/,
    );
    const config = kubeconfigToRestConfig(parseKubeconfig(kubeconfig(url, "in-house", { token: "stale-token-1" }), "/k/b"));
    expect(entries.at(-1)).toEqual({ where: 'kubeconfig /k/b: user "u"', file: "/k/b", user: "u" });

    const client = new RestClient(config);
    await client.request({ method: "GET", path: "/api/v1/namespaces" });
    expect(seen.slice(-2)).toEqual(["Bearer stale-token-1", "Bearer fresh-token-2"]);
    expect(refreshes).toBe(1);
    expect(persisted).toEqual([{ token: "fresh-token-2" }]);
  });
});
