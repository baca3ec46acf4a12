// RestConfig: everything a client needs to reach one API server (client-go
// rest/config.go rest.Config). A plain mutable object: loadConfig() fills it
// from a kubeconfig or the in-cluster environment, users may adjust fields
// (qps, burst, userAgent...) before creating clients. Secrets live here, so
// describeConfig() is the only safe way to print one.

import { KubegenError } from "../errors/redact.js";
import { basename } from "node:path";
import type { Clock } from "../util/clock.js";
import type { AuthProviderConfig, AuthProviderConfigPersister } from "./auth-provider.js";

/** The version of @kubegen/runtime, used in the default user agent. */
export const RUNTIME_VERSION = "0.1.0";

/** client-go rest.DefaultQPS. */
export const DEFAULT_QPS = 5;
/** client-go rest.DefaultBurst. */
export const DEFAULT_BURST = 10;
/** How often a bearer token file is re-read by default (client-go transport/token_source.go: about once a minute). */
export const DEFAULT_TOKEN_FILE_RELOAD_MS = 60_000;

/** Impersonation headers (`Impersonate-User`, `-Uid`, `-Group` (repeated), `-Extra-<key>`). */
export interface ImpersonationConfig {
  user?: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

/** Cluster information passed to an exec plugin when `provideClusterInfo` is set. */
export interface ExecClusterInfo {
  server: string;
  "tls-server-name"?: string;
  "insecure-skip-tls-verify"?: boolean;
  /** Base64 PEM, as in the kubeconfig. */
  "certificate-authority-data"?: string;
  "proxy-url"?: string;
  "disable-compression"?: boolean;
  /** The cluster's `client.authentication.k8s.io/exec` extension. */
  config?: unknown;
}

/** An exec credential plugin (kubeconfig `users[].user.exec`). */
export interface ExecConfig {
  /** Executable; a relative path containing a separator was resolved against the kubeconfig's folder. */
  command: string;
  args?: string[];
  env?: Array<{ name: string; value: string }>;
  /** `client.authentication.k8s.io/v1` or `client.authentication.k8s.io/v1beta1`. */
  apiVersion: string;
  /** Printed when the command cannot be run. */
  installHint?: string;
  /** Pass the cluster's details in KUBERNETES_EXEC_INFO. */
  provideClusterInfo?: boolean;
  /** `Never`, `IfAvailable` or `Always`. kubegen never runs plugins interactively. */
  interactiveMode?: "Never" | "IfAvailable" | "Always";
  /** Filled by the loader when `provideClusterInfo` is set. */
  cluster?: ExecClusterInfo;
}

/** A server `Warning` header (RFC 7234 §5.5; Kubernetes uses code 299). */
export interface ApiWarning {
  code: number;
  agent: string;
  text: string;
}

/** Receives server warnings. `null` in a config suppresses them. */
export type WarningHandler = (warning: ApiWarning) => void;

/** Connection, authentication and client-behaviour settings for one API server (client-go rest.Config). */
export interface RestConfig {
  /** Base URL, e.g. `https://10.0.0.1:6443`; a path becomes a prefix of every request. */
  server: string;
  /** Default namespace: the context's, else `"default"`. Clients do not apply it implicitly. */
  namespace: string;
  /**
   * Client-side queries per second. 0 means the default (5); a negative value
   * disables client-side rate limiting entirely (client-go semantics).
   */
  qps: number;
  /** Bucket size of the rate limiter; 0 means the default (10). */
  burst: number;
  /** Per-request timeout in milliseconds; 0 or undefined = none. Watches and streams are not timed out. */
  timeoutMs?: number;
  /** User-Agent header; defaults to {@link defaultUserAgent}. */
  userAgent?: string;

  /** PEM CA bundle. Setting both this and {@link caFile} is an error. */
  caData?: string;
  /** Path to a PEM CA bundle. */
  caFile?: string;
  /** PEM client certificate. */
  certData?: string;
  certFile?: string;
  /** PEM client key. */
  keyData?: string;
  keyFile?: string;
  /**
   * How often, in milliseconds, the transport checks {@link caFile},
   * {@link certFile} and {@link keyFile} for change (a stat of each; the
   * contents are read only when a stat changed, and at least every 5 minutes).
   * Default 1 000 ms; 0 checks before every request; a negative value reads
   * the files once. Changed files that form a usable set (the certificate
   * matches the key, the CA parses) are used for new connections; a
   * half-written set is ignored until it is consistent. See
   * transport/cert-rotation.ts (client-go transport/cert_rotation.go). The
   * CA file is re-read only while the ClientsAllowCARotation gate is on.
   */
  tlsFileCheckMs?: number;
  /** Skip server certificate verification (insecure; a warning is emitted). */
  insecureSkipTlsVerify?: boolean;
  /** SNI / certificate name to verify instead of the server's host. */
  tlsServerName?: string;
  /**
   * Proxy for every request, loopback servers included (the kubeconfig's
   * `proxy-url`; client-go's `Proxy = http.ProxyURL(u)`): `http://` or
   * `https://` (HTTPS through a CONNECT tunnel), `socks5://` (the client
   * resolves the server's name) or `socks5h://` (the proxy resolves it), with
   * optional `user:password@`. Wins over {@link proxyEnv}. An invalid URL is a
   * ConfigError when loadConfig() returns or a client is created.
   */
  proxyUrl?: string;
  /**
   * Where HTTPS_PROXY, HTTP_PROXY and NO_PROXY (and their lower-case forms)
   * are read from when {@link proxyUrl} is unset, by Go's
   * http.ProxyFromEnvironment rules (see transport/proxy-env.ts). loadConfig()
   * copies them from its `env` (default process.env); when undefined, the
   * transport reads process.env when it is created; `null` disables
   * environment proxies.
   */
  proxyEnv?: Readonly<Record<string, string | undefined>> | null;

  /**
   * Do not ask for compressed responses (the kubeconfig cluster's
   * `disable-compression`; client-go rest.Config.DisableCompression). By
   * default requests carry `Accept-Encoding: gzip` and gzip responses are
   * decoded transparently (transport/compression.ts).
   */
  disableCompression?: boolean;

  /**
   * Speak HTTP/2 to an https:// server reached without a proxy (default true, as client-go does
   * over TLS; false, or the environment variable `DISABLE_HTTP2` set non-empty as for client-go,
   * keeps HTTP/1.1). Requests and watches then share one connection per server and credential
   * (transport/http2.ts); a server that answers ALPN with HTTP/1.1 gets HTTP/1.1. Upgraded
   * streams (exec, attach, port-forward) always use HTTP/1.1.
   */
  http2?: boolean;

  /** A kubeconfig `auth-provider`, served by a registered plugin (config/auth-provider.ts; `oidc` after enableOidcAuthProvider()). */
  authProvider?: AuthProviderConfig;
  /** Where the auth-provider saves refreshed tokens (the kubeconfig loader sets it to the user's kubeconfig file). */
  authConfigPersister?: AuthProviderConfigPersister;

  /** Static bearer token. */
  bearerToken?: string;
  /** File holding a bearer token, re-read every {@link tokenFileReloadMs}; wins over {@link bearerToken} once read. */
  bearerTokenFile?: string;
  /** Re-read period of {@link bearerTokenFile} (default 60 000 ms). */
  tokenFileReloadMs?: number;
  /** Basic auth user name. */
  username?: string;
  /** Basic auth password. */
  password?: string;
  /** Impersonation. */
  impersonate?: ImpersonationConfig;
  /** Exec credential plugin. */
  exec?: ExecConfig;

  /** Client-side feature gates (see features/feature-gates.ts); unknown names are an error. */
  featureGates?: Record<string, boolean>;
  /** Where server warnings go; default: deduplicated to stderr; `null` suppresses. */
  warningHandler?: WarningHandler | null;
  /** Clock for rate limiting, retries and credential expiry (tests inject FakeClock). */
  clock?: Clock;
  /** Where this config came from (kubeconfig file and entries, or in-cluster), used in error messages. */
  origin?: string;
}

/** The default User-Agent: `<program>/<runtime version> (<platform>/<arch>) kubegen/<runtime version>`. */
export function defaultUserAgent(): string {
  const program = basename(process.argv[1] ?? "node").replace(/\.(c|m)?(j|t)s$/, "") || "node";
  return `${program}/${RUNTIME_VERSION} (${process.platform}/${process.arch}) kubegen/${RUNTIME_VERSION}`;
}

/** A configuration problem; the message names the file and entry at fault and never a secret. */
export class ConfigError extends KubegenError {
  override readonly name: string = "ConfigError";
  /** The kubeconfig (or other) file at fault, when there is one. */
  readonly file: string | undefined;

  constructor(message: string, options?: { file?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.file = options?.file;
  }

  protected override describe(): Record<string, unknown> {
    return { file: this.file };
  }
}

/** Effective qps/burst after defaults: `undefined` when limiting is disabled (qps < 0). */
export function effectiveRateLimit(config: Pick<RestConfig, "qps" | "burst">): { qps: number; burst: number } | undefined {
  if (config.qps < 0) return undefined;
  const qps = config.qps === 0 || !Number.isFinite(config.qps) ? DEFAULT_QPS : config.qps;
  const burst = config.burst > 0 ? config.burst : DEFAULT_BURST;
  return { qps, burst };
}

/** A new RestConfig for `server` with client-go's defaults. */
export function newRestConfig(server: string, fields: Partial<RestConfig> = {}): RestConfig {
  return { namespace: "default", qps: DEFAULT_QPS, burst: DEFAULT_BURST, ...fields, server };
}
