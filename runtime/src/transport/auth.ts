// Request authentication (client-go transport/round_trippers.go, token_source.go,
// plugin/pkg/client/auth/exec, plugin/pkg/client/auth/oidc): picks the
// credential for each request (exec plugin, else token file, else static
// token, else basic auth, else the oidc auth-provider's id-token; as in
// client-go, where the bearer and basic round trippers wrap the auth-provider's
// and so win), builds the impersonation headers, and decides after a 401
// whether a fresh credential exists to retry with. Exec plugins are shared
// process-wide per exec config; auth-providers come from their registered
// plugin (config/auth-provider.ts), which decides what it shares. Every
// credential of the config is registered with the redactor (errors/redact.ts)
// when the authenticator is built, and again when it is used (a RestConfig is
// mutable).

import {
  authProviderPlugin,
  registerProviderSecrets,
  unregisteredProvider,
  type AuthProviderTokens,
} from "../config/auth-provider.js";
import { ExecCredentialProvider, type ExecCredential } from "../config/exec-credential.js";
import { ConfigError, type RestConfig } from "../config/rest-config.js";
import { TokenFileSource } from "../config/token-file.js";
import { registerBasicAuth, registerConfigSecrets, registerSecret } from "../errors/redact.js";
import { realClock, type Clock } from "../util/clock.js";

/** The credential one request used. */
export interface AuthState {
  /** The Authorization header value, if any. */
  authorization?: string;
  /** A client certificate from an exec plugin (overrides the config's). */
  clientCert?: { cert: string; key: string };
  /** The exec credential used, for 401 handling. */
  exec?: ExecCredential;
  /** The file token used, for 401 handling. */
  fileToken?: string;
  /** The auth-provider's token used, for 401 handling. */
  providerToken?: string;
}

const sharedExec = new Map<string, ExecCredentialProvider>();

/** Chooses and refreshes credentials for one transport. */
export class Authenticator {
  readonly #config: RestConfig;
  readonly #exec: ExecCredentialProvider | undefined;
  readonly #tokenFile: TokenFileSource | undefined;
  readonly #provider: AuthProviderTokens | undefined;

  /** @throws ConfigError when the config's exec plugin or auth-provider settings are unusable. */
  constructor(config: RestConfig, clock: Clock = config.clock ?? realClock) {
    this.#config = config;
    registerConfigSecrets(config);
    if (config.authProvider) this.#provider = authProvider(config, clock);
    if (config.exec) {
      const where = config.origin ?? "rest config";
      if (clock === realClock) {
        const key = JSON.stringify(config.exec);
        let p = sharedExec.get(key);
        if (!p) sharedExec.set(key, (p = new ExecCredentialProvider(config.exec, { clock, where })));
        this.#exec = p;
      } else {
        this.#exec = new ExecCredentialProvider(config.exec, { clock, where });
      }
    }
    if (config.bearerTokenFile) {
      this.#tokenFile = new TokenFileSource(config.bearerTokenFile, {
        clock,
        ...(config.tokenFileReloadMs !== undefined ? { reloadMs: config.tokenFileReloadMs } : {}),
      });
    }
  }

  /** The exec provider in use, if any (exposed for diagnostics). */
  get execProvider(): ExecCredentialProvider | undefined {
    return this.#exec;
  }

  /** The auth-provider's token source in use, if any (exposed for diagnostics; an OidcAuthProvider for `oidc`). */
  get authProvider(): AuthProviderTokens | undefined {
    return this.#provider;
  }

  /**
   * The credential for the next request. `signal` (the request's abort and
   * timeout) stops a wait for an exec plugin, which is killed when no other
   * request waits for it.
   */
  async credentials(signal?: AbortSignal): Promise<AuthState> {
    const c = this.#config;
    if (this.#exec) {
      const cred = await this.#exec.get(signal);
      const state: AuthState = { exec: cred };
      if (cred.token) state.authorization = `Bearer ${cred.token}`;
      if (cred.clientCertificateData && cred.clientKeyData) {
        state.clientCert = { cert: cred.clientCertificateData, key: cred.clientKeyData };
      }
      return state;
    }
    if (this.#tokenFile) {
      const token = await this.#tokenFile.token();
      return { authorization: `Bearer ${token}`, fileToken: token };
    }
    if (c.bearerToken) {
      registerSecret(c.bearerToken);
      return { authorization: `Bearer ${c.bearerToken}` };
    }
    if (c.username || c.password) {
      registerBasicAuth(c.username, c.password);
      return { authorization: `Basic ${Buffer.from(`${c.username ?? ""}:${c.password ?? ""}`).toString("base64")}` };
    }
    if (this.#provider) {
      const token = await this.#provider.token(signal);
      registerSecret(token);
      return { authorization: `Bearer ${token}`, providerToken: token };
    }
    return {};
  }

  /**
   * After a 401: refreshes the credential the request used. Returns true when a
   * different credential is now available, so the request is worth one retry.
   * `signal` works as in {@link credentials}.
   */
  async afterUnauthorized(used: AuthState, signal?: AbortSignal): Promise<boolean> {
    if (this.#exec && used.exec) return (await this.#exec.refreshAfterUnauthorized(used.exec, signal)) !== undefined;
    if (this.#tokenFile && used.fileToken !== undefined) {
      this.#tokenFile.invalidate();
      return (await this.#tokenFile.token()) !== used.fileToken;
    }
    if (this.#provider && used.providerToken !== undefined) {
      return (await this.#provider.refreshAfterUnauthorized(used.providerToken, signal)) !== undefined;
    }
    return false;
  }

  /** Every secret this authenticator knows, for redaction. */
  secrets(): string[] {
    const c = this.#config;
    return [c.bearerToken, c.password, c.keyData, ...(this.#provider?.secrets() ?? [])].filter((s): s is string => !!s);
  }
}

/** The token source of a config's auth-provider, from its registered plugin. */
function authProvider(config: RestConfig, clock: Clock): AuthProviderTokens {
  const ap = config.authProvider!;
  const where = config.origin ?? "rest config";
  if (config.exec) throw new ConfigError(`${where}: an exec plugin and an auth-provider cannot both be set`);
  const plugin = authProviderPlugin(ap.name);
  if (!plugin) throw new ConfigError(`${where}: ${unregisteredProvider(ap.name)}`);
  registerProviderSecrets(ap.name, ap.config);
  return plugin.create(config, clock);
}

/** Impersonation headers for a config (client-go transport/round_trippers.go impersonatingRoundTripper). */
export function impersonationHeaders(config: RestConfig): Record<string, string | string[]> {
  const imp = config.impersonate;
  if (!imp?.user) return {};
  const h: Record<string, string | string[]> = { "Impersonate-User": imp.user };
  if (imp.uid) h["Impersonate-Uid"] = imp.uid;
  if (imp.groups?.length) h["Impersonate-Group"] = [...imp.groups];
  for (const [k, values] of Object.entries(imp.extra ?? {})) {
    h[`Impersonate-Extra-${encodeExtraKey(k)}`] = [...values];
  }
  return h;
}

// Header names cannot carry every character: percent-encode what is not a
// legal token character (client-go headerKeyEscape).
function encodeExtraKey(key: string): string {
  return Array.from(Buffer.from(key, "utf8"))
    .map((b) => {
      const ch = String.fromCharCode(b);
      return /[A-Za-z0-9!#$&'*+.^_`|~-]/.test(ch) && b < 0x80 ? ch : `%${b.toString(16).toUpperCase().padStart(2, "0")}`;
    })
    .join("");
}
