// The legacy `oidc` auth-provider of kubeconfig users (client-go
// plugin/pkg/client/auth/oidc/oidc.go). It owns:
//   - validation of the provider's settings (`idp-issuer-url`, `client-id`,
//     `client-secret`, `id-token`, `refresh-token`, `idp-certificate-authority`,
//     `idp-certificate-authority-data`; `extra-scopes` is accepted and, as in
//     client-go, never sent);
//   - the id-token as a bearer token: it is used as it is while its `exp` claim
//     is more than 10 s away (client-go expiryDelta), read without checking the
//     signature (the API server checks it); no network call is made then;
//   - the refresh: OIDC discovery at `<issuer>/.well-known/openid-configuration`
//     for `token_endpoint`, then a `grant_type=refresh_token` POST with the
//     client credentials (HTTP Basic first, then in the form, as
//     golang.org/x/oauth2's auto-detection does). The answer must carry an
//     `id_token`; a new `refresh_token` replaces the old one. Both are saved
//     through the config's persister (client-go's AuthProviderConfigPersister;
//     for kubeconfigs see kubeconfig-persister.ts);
//   - one refresh in flight at a time, shared by every caller; a caller whose
//     signal aborts stops waiting, but a started refresh is never cancelled
//     (the provider may already have rotated the refresh token, and the answer
//     must not be lost). Every HTTP exchange with the provider has its own
//     deadline ({@link DEFAULT_OIDC_REQUEST_TIMEOUT_MS}).
//
// Where kubegen differs from client-go, on purpose:
//   - a refresh is also tried once after a 401 (like the exec plugin and token
//     file), unless another request already replaced the token;
//   - before refreshing, the persisted settings are read back: when another
//     process (kubectl, a login helper) already stored a newer valid id-token,
//     it is used as it is, and a newer refresh-token is used for the refresh
//     (a rotated refresh-token is single-use);
//   - a refresh token the provider refused is not sent again (until a newer one
//     appears in the kubeconfig);
//   - when the new tokens cannot be saved, the refresh still succeeds: they are
//     kept in memory and a warning (without any secret) is emitted once;
//   - the issuer and the token endpoint must be https URLs (the API server
//     requires it of the issuer too), so the refresh token and client secret
//     never travel in clear text;
//   - a token answer without `access_token` is accepted (only `id_token` is used).
// The issuer's certificate is verified against `idp-certificate-authority(-data)`
// when set (and then only against it, as Go does), else against Node's default
// roots. Proxies come from the environment (HTTPS_PROXY, NO_PROXY), as for
// client-go's issuer client; a cluster's proxy-url does not apply.
//
// Secrets (id-token, refresh-token, client-secret, and whatever the provider
// issues) are registered with the redactor (errors/redact.ts) before anything
// about them is checked or reported; no error or warning quotes one.
//
// The provider works once enableOidcAuthProvider() registered it
// (config/auth-provider.ts): providers are shared process-wide per server and
// settings (client-go oidc.go clientCache), so every client of one identity
// shares one refresh and one writer of the kubeconfig.

import { createHash } from "node:crypto";
import https from "node:https";
import type { IncomingMessage } from "node:http";
import { readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { registerSecret, redact } from "../errors/redact.js";
import { tunnelDialer, TunnelHttpsAgent } from "../transport/proxy-agent.js";
import { proxyForUrl, type ProxyEnv } from "../transport/proxy-env.js";
import { realClock, type Clock } from "../util/clock.js";
import {
  OIDC_SECRET_KEYS,
  registerAuthProvider,
  registerOidcSecrets,
  type AuthProviderConfigPersister,
} from "./auth-provider.js";
import { KubeconfigAuthProviderPersister } from "./kubeconfig-persister.js";
import { ConfigError, type RestConfig } from "./rest-config.js";

/** The auth-provider settings keys (client-go oidc.go cfg* constants). */
export const OIDC_CONFIG_KEYS = {
  issuerUrl: "idp-issuer-url",
  clientId: "client-id",
  clientSecret: "client-secret",
  certificateAuthority: "idp-certificate-authority",
  certificateAuthorityData: "idp-certificate-authority-data",
  idToken: "id-token",
  refreshToken: "refresh-token",
  extraScopes: "extra-scopes",
} as const;

const K = OIDC_CONFIG_KEYS;

/** An id-token counts as expired this long before its `exp` (client-go oidc.go expiryDelta, 10 s). */
export const OIDC_EXPIRY_DELTA_MS = 10_000;

/** The deadline of each HTTP exchange with the OIDC provider (30 s). */
export const DEFAULT_OIDC_REQUEST_TIMEOUT_MS = 30_000;

/** The most of a provider's answer that is read (golang.org/x/oauth2 reads at most 1 MiB). */
const MAX_BODY_BYTES = 1 << 20;
/** Redirects followed for the discovery document (Go's http.Client follows 10). */
const MAX_REDIRECTS = 10;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * The expiry of a JWT (ms since the epoch) from its `exp` claim, read without
 * checking the signature (client-go oidc.go idTokenExpired). A token without
 * `exp` expired long ago (Go's zero time). Undefined when `token` is not a JWT
 * (three base64url parts whose middle one is a JSON object).
 */
export function jwtExpiry(token: string): number | undefined {
  const parts = token.split(".");
  if (parts.length !== 3) return undefined;
  const payload = parts[1]!;
  if (!/^[A-Za-z0-9_-]*$/.test(payload)) return undefined;
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
  } catch {
    return undefined;
  }
  if (!isRecord(claims)) return undefined;
  const exp = claims.exp;
  if (exp === undefined || exp === null) return Number.NEGATIVE_INFINITY;
  // Go decodes exp as a json.Number: an integer, or a float that is truncated
  const n = typeof exp === "number" ? exp : typeof exp === "string" && exp.trim() !== "" ? Number(exp) : Number.NaN;
  if (!Number.isFinite(n)) return undefined;
  return Math.trunc(n) * 1000;
}

/** Whether an id-token may still be sent at `nowMs`: its `exp` is more than {@link OIDC_EXPIRY_DELTA_MS} away. */
export function idTokenValid(token: string, nowMs: number): boolean {
  const exp = jwtExpiry(token);
  return exp !== undefined && nowMs + OIDC_EXPIRY_DELTA_MS < exp;
}

/** A URL for messages: scheme, host and path (no userinfo, query or fragment). */
function displayUrl(u: URL): string {
  return `${u.origin}${u.pathname === "/" ? "" : u.pathname}`;
}

function parseHttpsUrl(text: string): URL | undefined {
  try {
    const u = new URL(text);
    return u.protocol === "https:" && u.hostname !== "" ? u : undefined;
  } catch {
    return undefined;
  }
}

/** Options of {@link validateOidcConfig}. */
export interface ValidateOidcOptions {
  /** The file at fault, recorded on the ConfigError. */
  file?: string;
  /** Resolves a relative `idp-certificate-authority` (the loader passes one against the kubeconfig's folder). */
  resolvePath?: (path: string) => string;
}

/**
 * Checks the settings of an `oidc` auth-provider and returns them as strings,
 * with `idp-certificate-authority` resolved. `where` prefixes every message
 * (the loader passes `kubeconfig <file>: user "<name>"`). Secrets are
 * registered with the redactor first; no message quotes a value.
 *
 * @throws ConfigError when `idp-issuer-url` or `client-id` is missing, the
 *   issuer is not an https URL, a value is not a string, both CA settings are
 *   set, the CA cannot be read or decoded, the id-token is not a JWT, or there
 *   is neither an id-token nor a refresh-token.
 */
export function validateOidcConfig(
  config: Readonly<Record<string, unknown>> | undefined,
  where: string,
  options: ValidateOidcOptions = {},
): Record<string, string> {
  const fail = (msg: string, cause?: unknown): never => {
    throw new ConfigError(`${where}: auth-provider "oidc": ${msg}`, {
      ...(options.file !== undefined ? { file: options.file } : {}),
      ...(cause !== undefined ? { cause } : {}),
    });
  };
  if (config === undefined || config === null) return fail(`config is required (at least ${K.issuerUrl} and ${K.clientId})`);
  if (!isRecord(config)) return fail("config must be a mapping");
  registerOidcSecrets(config);
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(config)) {
    if (value === null || value === undefined) continue;
    if (typeof value !== "string") fail(`config.${key} must be a string (quote it)`);
    out[key] = value as string;
  }
  const issuer = out[K.issuerUrl];
  if (!issuer) fail(`${K.issuerUrl} is required`);
  if (!parseHttpsUrl(issuer!)) fail(`${K.issuerUrl} must be an https:// URL`);
  if (!out[K.clientId]) fail(`${K.clientId} is required`);
  const caFile = out[K.certificateAuthority];
  const caData = out[K.certificateAuthorityData];
  if (caFile && caData) fail(`both ${K.certificateAuthority} and ${K.certificateAuthorityData} are set; set only one`);
  if (caFile) {
    const resolved = options.resolvePath ? options.resolvePath(caFile) : caFile;
    out[K.certificateAuthority] = resolved;
    try {
      readFileSync(resolved, "utf8");
    } catch (err) {
      fail(`cannot read ${K.certificateAuthority} ${resolved}`, err);
    }
  }
  if (caData) decodeCaData(caData, fail);
  const idToken = out[K.idToken];
  if (idToken && jwtExpiry(idToken) === undefined) {
    fail(`${K.idToken} is not a JWT (three base64url parts separated by dots, the middle one a JSON object)`);
  }
  if (!idToken && !out[K.refreshToken]) {
    fail(`neither ${K.idToken} nor ${K.refreshToken} is set; log in to the OIDC provider to get them`);
  }
  return out;
}

function decodeCaData(data: string, fail: (msg: string) => never): string {
  const clean = data.replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean)) fail(`${K.certificateAuthorityData} is not valid base64`);
  const pem = Buffer.from(clean, "base64").toString("utf8");
  if (!pem.includes("-----BEGIN CERTIFICATE-----")) fail(`${K.certificateAuthorityData} holds no PEM certificate`);
  return pem;
}

/** Options of an {@link OidcAuthProvider}. */
export interface OidcAuthProviderOptions {
  /** Clock for id-token expiry (default realClock). HTTP deadlines always use real time. */
  clock?: Clock;
  /** Names the config (kubeconfig file, context, user) in messages. */
  where?: string;
  /** Where refreshed tokens are saved; without one they live in memory only. */
  persister?: AuthProviderConfigPersister;
  /** Environment for proxies to the provider (HTTPS_PROXY, NO_PROXY); undefined means process.env, null none. */
  proxyEnv?: ProxyEnv | null;
  /** Deadline of each HTTP exchange with the provider, in ms (default {@link DEFAULT_OIDC_REQUEST_TIMEOUT_MS}). */
  requestTimeoutMs?: number;
  /** Receives the one warning about tokens that could not be saved (default: process.emitWarning). */
  warn?: (message: string) => void;
}

/** A provider's HTTP answer, read whole. */
interface Answer {
  status: number;
  contentType: string;
  body: string;
  location: string | undefined;
}

/** How the client credentials travel (golang.org/x/oauth2 AuthStyleInHeader / AuthStyleInParams). */
type AuthStyle = "header" | "params";

/**
 * An `oidc` auth-provider: hands out the id-token, refreshes it when it is
 * about to expire (or after a 401), and saves refreshed tokens through the
 * persister (client-go plugin/pkg/client/auth/oidc/oidc.go oidcAuthProvider).
 */
export class OidcAuthProvider {
  readonly #clock: Clock;
  readonly #where: string;
  readonly #persister: AuthProviderConfigPersister | undefined;
  readonly #proxyEnv: ProxyEnv | null | undefined;
  readonly #timeoutMs: number;
  readonly #warn: (message: string) => void;
  readonly #issuer: URL;
  readonly #ca: string | undefined;
  #cfg: Record<string, string>;
  #inflight: Promise<string> | undefined;
  #authStyle: AuthStyle | undefined;
  #refused: { refreshToken: string; error: ConfigError } | undefined;
  #warned = false;
  /** Refreshes that reached the token endpoint (for diagnostics and tests). */
  refreshes = 0;

  /**
   * @param config the auth-provider's settings (validated with {@link validateOidcConfig}).
   * @throws ConfigError when the settings are invalid.
   */
  constructor(config: Readonly<Record<string, unknown>>, options: OidcAuthProviderOptions = {}) {
    this.#where = options.where ?? "rest config";
    this.#cfg = validateOidcConfig(config, this.#where);
    this.#clock = options.clock ?? realClock;
    this.#persister = options.persister;
    this.#proxyEnv = options.proxyEnv;
    const t = options.requestTimeoutMs ?? DEFAULT_OIDC_REQUEST_TIMEOUT_MS;
    this.#timeoutMs = t > 0 && Number.isFinite(t) ? t : DEFAULT_OIDC_REQUEST_TIMEOUT_MS;
    this.#warn = options.warn ?? ((message) => process.emitWarning(message, { code: "KUBEGEN_OIDC_TOKENS_NOT_SAVED" }));
    this.#issuer = parseHttpsUrl(this.#cfg[K.issuerUrl]!)!;
    const caFile = this.#cfg[K.certificateAuthority];
    const caData = this.#cfg[K.certificateAuthorityData];
    this.#ca = caFile
      ? readFileSync(caFile, "utf8")
      : caData
        ? decodeCaData(caData, (msg) => {
            throw this.#error(msg);
          })
        : undefined;
  }

  /** The issuer URL (`idp-issuer-url`). */
  get issuerUrl(): string {
    return this.#cfg[K.issuerUrl]!;
  }

  /** The client id (`client-id`). */
  get clientId(): string {
    return this.#cfg[K.clientId]!;
  }

  /** The secrets this provider holds now (for redaction). */
  secrets(): string[] {
    return OIDC_SECRET_KEYS.map((k) => this.#cfg[k]).filter((s): s is string => !!s);
  }

  /**
   * The id-token to send: the current one while it is valid (no network call),
   * else a refreshed one. If `signal` aborts first, rejects with its reason;
   * the refresh itself goes on for the callers that still wait (and the next).
   *
   * @throws ConfigError when the token cannot be refreshed (no refresh-token,
   *   the provider refused it, no id_token in the answer, the provider cannot
   *   be reached).
   */
  token(signal?: AbortSignal): Promise<string> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const current = this.#cfg[K.idToken];
    if (current && idTokenValid(current, this.#clock.now())) return Promise.resolve(current);
    return this.#join(signal, false);
  }

  /**
   * Called after a 401 with the id-token the failed request used. Refreshes it
   * unless it was already replaced; returns the token to retry with, or
   * undefined when there is no different one (no refresh-token, or the
   * provider refused it). `signal` works as in {@link token}.
   */
  async refreshAfterUnauthorized(used: string, signal?: AbortSignal): Promise<string | undefined> {
    let fresh: string;
    if (this.#inflight || this.#cfg[K.idToken] !== used) {
      fresh = await (this.#inflight ? this.#join(signal, false) : this.token(signal));
    } else {
      const rt = this.#cfg[K.refreshToken];
      if (!rt && !this.#persister?.load) return undefined;
      fresh = await this.#join(signal, true);
    }
    return fresh === used ? undefined : fresh;
  }

  #join(signal: AbortSignal | undefined, force: boolean): Promise<string> {
    if (!this.#inflight) {
      const run = this.#refresh(force).finally(() => {
        if (this.#inflight === run) this.#inflight = undefined;
      });
      run.catch(() => {}); // callers that stopped waiting no longer listen
      this.#inflight = run;
    }
    const run = this.#inflight;
    if (!signal) return run;
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise<string>((resolve, reject) => {
      const onAbort = (): void => reject(signal.reason);
      signal.addEventListener("abort", onAbort, { once: true });
      run.then(
        (t) => {
          signal.removeEventListener("abort", onAbort);
          resolve(t);
        },
        (err: unknown) => {
          signal.removeEventListener("abort", onAbort);
          reject(err);
        },
      );
    });
  }

  #error(msg: string, cause?: unknown): ConfigError {
    return new ConfigError(`${this.#where}: auth-provider "oidc": ${msg}`, cause === undefined ? undefined : { cause });
  }

  /** What the user should do when the tokens cannot be renewed. */
  #loginHint(): string {
    return (
      `log in to ${displayUrl(this.#issuer)} again (for example with \`kubectl oidc-login\` or your provider's ` +
      "login tool) and update the kubeconfig's id-token and refresh-token"
    );
  }

  /** Adopts tokens another process stored, when they are newer; returns a stored id-token that may be used as it is. */
  async #adoptStored(): Promise<string | undefined> {
    if (!this.#persister?.load) return undefined;
    let stored: Record<string, string> | undefined;
    try {
      stored = await this.#persister.load();
    } catch {
      return undefined; // unreadable now: go on with what is in memory
    }
    if (!stored) return undefined;
    registerOidcSecrets(stored);
    const id = stored[K.idToken];
    const rt = stored[K.refreshToken];
    const cur = this.#cfg;
    const now = this.#clock.now();
    if (id && id !== cur[K.idToken] && idTokenValid(id, now)) {
      this.#cfg = { ...cur, [K.idToken]: id, ...(rt ? { [K.refreshToken]: rt } : {}) };
      return id;
    }
    if (rt && rt !== cur[K.refreshToken]) this.#cfg = { ...cur, [K.refreshToken]: rt };
    return undefined;
  }

  async #refresh(force: boolean): Promise<string> {
    const adopted = await this.#adoptStored();
    if (adopted) return adopted;
    const cfg = this.#cfg;
    const rt = cfg[K.refreshToken];
    if (!rt) {
      throw this.#error(
        `the ${K.idToken} has expired${force ? " or was rejected" : ""} and no ${K.refreshToken} is set to renew it; ` +
          this.#loginHint(),
      );
    }
    if (this.#refused?.refreshToken === rt) throw this.#refused.error;
    const tokenUrl = await this.#tokenEndpoint();
    const answer = await this.#requestToken(tokenUrl, rt);
    const idToken = answer.id_token;
    if (typeof idToken !== "string" || idToken === "") {
      // client-go oidc.go: id_token is not a required part of a refresh answer (kubernetes/kubernetes#36847)
      throw this.#error(
        // (no colon after "id_token": the redactor would take the next word for a token value)
        'the token response did not contain an id_token (either the scope "openid" was not requested at login, ' +
          "or the provider does not return id_tokens when refreshing)",
      );
    }
    if (jwtExpiry(idToken) === undefined) throw this.#error("the token response's id_token is not a JWT");
    const newRt = answer.refresh_token;
    const next: Record<string, string> = { ...this.#cfg, [K.idToken]: idToken };
    if (typeof newRt === "string" && newRt !== "" && newRt !== rt) next[K.refreshToken] = newRt;
    this.#cfg = next;
    await this.#persist(next);
    return idToken;
  }

  async #persist(next: Record<string, string>): Promise<void> {
    if (!this.#persister) return;
    try {
      await this.#persister.persist(next);
    } catch (err) {
      if (this.#warned) return;
      this.#warned = true;
      const code = (err as NodeJS.ErrnoException)?.code;
      const reason = typeof code === "string" ? code : redact(String((err as Error)?.message ?? err), this.secrets());
      const target = this.#persister.description ? ` to ${this.#persister.description}` : "";
      this.#warn(
        `${this.#where}: auth-provider "oidc": the refreshed tokens could not be saved${target} (${reason}); ` +
          "they are used from memory, so other processes using this kubeconfig will have to refresh again",
      );
    }
  }

  /** OIDC discovery: the provider's token endpoint (client-go oidc.go tokenEndpoint). */
  async #tokenEndpoint(): Promise<URL> {
    const wellKnown = new URL(`${this.#cfg[K.issuerUrl]!.replace(/\/+$/, "")}/.well-known/openid-configuration`);
    let url = wellKnown;
    let answer: Answer;
    for (let hops = 0; ; hops++) {
      answer = await this.#send(url, "GET", {}, undefined, "OIDC discovery");
      if (answer.status >= 300 && answer.status < 400 && answer.location && hops < MAX_REDIRECTS) {
        const next = (() => {
          try {
            return new URL(answer.location!, url);
          } catch {
            return undefined;
          }
        })();
        if (!next || next.protocol !== "https:") {
          throw this.#error(`OIDC discovery at ${displayUrl(wellKnown)} redirected to a URL that is not https`);
        }
        url = next;
        continue;
      }
      break;
    }
    if (answer.status !== 200) {
      // like client-go, quote at most 80 characters of an unexpected body
      const snippet = answer.body.length > 80 ? `${answer.body.slice(0, 80)}...` : answer.body;
      const shown = redact(JSON.stringify(snippet), this.secrets());
      throw this.#error(`OIDC discovery at ${displayUrl(wellKnown)} answered HTTP ${answer.status}: ${shown}`);
    }
    let metadata: unknown;
    try {
      metadata = JSON.parse(answer.body);
    } catch {
      throw this.#error(`OIDC discovery at ${displayUrl(wellKnown)} answered with a body that is not JSON`);
    }
    const endpoint = isRecord(metadata) ? metadata.token_endpoint : undefined;
    if (typeof endpoint !== "string" || endpoint === "") {
      throw this.#error(`the OIDC discovery document at ${displayUrl(wellKnown)} has no token_endpoint`);
    }
    const tokenUrl = parseHttpsUrl(endpoint);
    if (!tokenUrl) {
      throw this.#error(`the OIDC discovery document at ${displayUrl(wellKnown)} names a token_endpoint that is not an https:// URL`);
    }
    return tokenUrl;
  }

  /** The refresh_token grant (RFC 6749 section 6), with golang.org/x/oauth2's client authentication auto-detection. */
  async #requestToken(tokenUrl: URL, refreshToken: string): Promise<Record<string, unknown>> {
    const clientId = this.#cfg[K.clientId]!;
    const clientSecret = this.#cfg[K.clientSecret] ?? "";
    const attempt = (style: AuthStyle): Promise<Answer> => {
      const form = new URLSearchParams({ grant_type: "refresh_token", refresh_token: refreshToken });
      const headers: Record<string, string> = {
        "content-type": "application/x-www-form-urlencoded",
        accept: "application/json",
      };
      if (style === "header") {
        // oauth2 internal/token.go: SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
        const basic = `${queryEscape(clientId)}:${queryEscape(clientSecret)}`;
        registerSecret(Buffer.from(basic).toString("base64"));
        headers.authorization = `Basic ${Buffer.from(basic).toString("base64")}`;
      } else {
        form.set("client_id", clientId);
        if (clientSecret) form.set("client_secret", clientSecret);
      }
      return this.#send(tokenUrl, "POST", headers, form.toString(), "the token endpoint");
    };
    this.refreshes++;
    const known = this.#authStyle;
    let style: AuthStyle = known ?? "header";
    let answer = await attempt(style);
    let parsed = parseTokenAnswer(answer);
    const clientRefused = answer.status === 401 || parsed.error === "invalid_client";
    if (!known && clientRefused) {
      // the server may want the credentials in the form instead (oauth2 AuthStyleAutoDetect; kubegen
      // retries only when the client authentication was refused, so a refused grant is sent once)
      style = "params";
      answer = await attempt(style);
      parsed = parseTokenAnswer(answer);
    }
    if (answer.status < 200 || answer.status > 299) {
      const code = typeof parsed.error === "string" ? parsed.error : undefined;
      const description = typeof parsed.error_description === "string" ? parsed.error_description : undefined;
      // the provider's own words, short and redacted (an error_description may echo what it was sent)
      const said = description ? `: ${redact(JSON.stringify(description.slice(0, 200)), this.secrets())}` : "";
      const detail = code === undefined ? "" : `, error ${JSON.stringify(code.slice(0, 64))}${said}`;
      if (answer.status === 400 || answer.status === 401) {
        const provider = `the OIDC provider ${displayUrl(this.#issuer)}`;
        if (code === "invalid_client" || code === "unauthorized_client") {
          const creds = `${K.clientId}${clientSecret ? ` and ${K.clientSecret}` : ""}`;
          throw this.#error(
            `${provider} refused the client credentials (HTTP ${answer.status}${detail}); check the kubeconfig's ${creds}`,
          );
        }
        const error = this.#error(
          `${provider} refused the refresh token (HTTP ${answer.status}${detail}); ${this.#loginHint()}`,
        );
        this.#refused = { refreshToken, error };
        throw error;
      }
      throw this.#error(`refreshing the ${K.idToken} at ${displayUrl(tokenUrl)} failed: HTTP ${answer.status}${detail}`);
    }
    if (Object.keys(parsed).length === 0) {
      throw this.#error(`the token endpoint ${displayUrl(tokenUrl)} answered with a body that is not a JSON object`);
    }
    this.#authStyle = style;
    return parsed;
  }

  /** One HTTPS exchange with the provider, read whole (at most 1 MiB), within the request deadline. */
  #send(url: URL, method: string, headers: Record<string, string>, body: string | undefined, what: string): Promise<Answer> {
    const tlsOptions: https.AgentOptions = { ...(this.#ca ? { ca: this.#ca } : {}), rejectUnauthorized: true };
    const proxy = proxyForUrl(url, { proxyEnv: this.#proxyEnv, origin: this.#where });
    const agent = proxy ? new TunnelHttpsAgent(tunnelDialer(proxy, { timeoutMs: this.#timeoutMs }), tlsOptions) : undefined;
    const target = displayUrl(url);
    return new Promise<Answer>((resolve, reject) => {
      let done = false;
      const finish = (fn: () => void): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        agent?.destroy();
        fn();
      };
      const req = https.request(
        url,
        {
          method,
          headers: { ...headers, ...(body !== undefined ? { "content-length": String(Buffer.byteLength(body)) } : {}) },
          ...(agent ? { agent } : { agent: false, ...tlsOptions }),
        },
        (res: IncomingMessage) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on("data", (c: Buffer) => {
            if (size >= MAX_BODY_BYTES) return;
            size += c.length;
            chunks.push(c);
          });
          res.on("error", (err) => finish(() => reject(this.#error(`reading the answer of ${what} ${target} failed`, err))));
          res.on("end", () =>
            finish(() =>
              resolve({
                status: res.statusCode ?? 0,
                contentType: (res.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase(),
                body: Buffer.concat(chunks).subarray(0, MAX_BODY_BYTES).toString("utf8"),
                location: res.headers.location,
              }),
            ),
          );
        },
      );
      const timer = setTimeout(() => {
        req.destroy();
        finish(() => reject(this.#error(`${what} ${target} did not answer within ${this.#timeoutMs / 1000} s`)));
      }, this.#timeoutMs);
      timer.unref?.();
      req.on("error", (err: NodeJS.ErrnoException) =>
        finish(() => reject(this.#error(`cannot reach ${what} ${target} (${err.code ?? err.message})`, err))),
      );
      req.end(body);
    });
  }
}

/**
 * A token endpoint's answer as fields: form-encoded for `text/plain` and
 * `application/x-www-form-urlencoded`, else JSON (golang.org/x/oauth2
 * internal/token.go). What the provider issued is registered with the redactor
 * before anything about it is checked or reported.
 */
function parseTokenAnswer(answer: Answer): Record<string, unknown> {
  let parsed: Record<string, unknown> = {};
  if (answer.contentType === "application/x-www-form-urlencoded" || answer.contentType === "text/plain") {
    parsed = Object.fromEntries(new URLSearchParams(answer.body));
  } else {
    try {
      const v: unknown = JSON.parse(answer.body);
      if (isRecord(v)) parsed = v;
    } catch {
      parsed = {};
    }
  }
  for (const key of ["id_token", "refresh_token", "access_token"]) registerSecret(parsed[key]);
  return parsed;
}

/** Go's url.QueryEscape: everything but `A-Za-z0-9-_.~` percent-encoded, spaces as `+`. */
function queryEscape(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, "+");
}

const shared = new Map<string, OidcAuthProvider>();

/**
 * The key of a shared provider: the server, every provider setting, where it
 * saves tokens and its proxy environment (hashed, so no secret is kept as a key).
 */
function sharedKey(config: RestConfig, settings: Record<string, string>): string {
  const sorted = (o: Readonly<Record<string, string | undefined>>) =>
    Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const env = config.proxyEnv === undefined ? "process.env" : config.proxyEnv === null ? null : sorted(config.proxyEnv);
  const key = [config.server, sorted(settings), config.authConfigPersister?.description ?? null, env];
  return createHash("sha256").update(JSON.stringify(key)).digest("hex");
}

/**
 * Makes kubeconfig users with `auth-provider: {name: oidc}` work (kubectl's
 * legacy OIDC login); call it once before loading such a config. Refreshed
 * tokens are written back into the kubeconfig file the user came from
 * (config/kubeconfig-persister.ts). Without it such a user is a ConfigError.
 */
export function enableOidcAuthProvider(): void {
  registerAuthProvider("oidc", {
    validate: (config, entry) =>
      validateOidcConfig(config, entry.where, {
        file: entry.file,
        resolvePath: (p) => (isAbsolute(p) ? p : resolve(dirname(entry.file), p)),
      }),
    persister: (entry) => new KubeconfigAuthProviderPersister(entry.file, entry.user),
    create(config, clock) {
      const settings = config.authProvider?.config ?? {};
      const make = (): OidcAuthProvider =>
        new OidcAuthProvider(settings, {
          clock,
          where: config.origin ?? "rest config",
          ...(config.authConfigPersister ? { persister: config.authConfigPersister } : {}),
          ...(config.proxyEnv !== undefined ? { proxyEnv: config.proxyEnv } : {}),
        });
      if (clock !== realClock) return make();
      const key = sharedKey(config, settings);
      let p = shared.get(key);
      if (!p) shared.set(key, (p = make()));
      return p;
    },
  });
}
