// In-cluster configuration (client-go rest/config.go InClusterConfig): the
// service host/port from the environment, the service-account token file
// (kept as bearerTokenFile so projected-token rotation is picked up) and the
// cluster CA file when it parses. The token is registered with the redactor
// (errors/redact.ts) as soon as it is read.

import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { redact, registerSecret } from "../errors/redact.js";
import { ConfigError, DEFAULT_BURST, DEFAULT_QPS, type RestConfig } from "./rest-config.js";

/** Default location of the service-account token. */
export const SERVICE_ACCOUNT_TOKEN_PATH = "/var/run/secrets/kubernetes.io/serviceaccount/token";
/** Default location of the cluster CA bundle. */
export const SERVICE_ACCOUNT_CA_PATH = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt";
/** Default location of the pod's namespace. */
export const SERVICE_ACCOUNT_NAMESPACE_PATH = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";

/** Where inClusterConfig() looks; tests point these at temporary files. */
export interface InClusterOptions {
  env?: Record<string, string | undefined>;
  tokenPath?: string;
  caPath?: string;
  namespacePath?: string;
}

/** Thrown when KUBERNETES_SERVICE_HOST / KUBERNETES_SERVICE_PORT are not set (client-go ErrNotInCluster). */
export class NotInClusterError extends ConfigError {
  override readonly name = "NotInClusterError";
}

/** Whether the in-cluster environment variables are present. */
export function isInCluster(options: InClusterOptions = {}): boolean {
  const env = options.env ?? process.env;
  return !!(env.KUBERNETES_SERVICE_HOST && env.KUBERNETES_SERVICE_PORT);
}

/**
 * A RestConfig for a process running in a pod. The namespace is read from the
 * service-account namespace file when present (else `"default"`).
 * @throws NotInClusterError outside a cluster; ConfigError if the token cannot be read.
 */
export function inClusterConfig(options: InClusterOptions = {}): RestConfig {
  const env = options.env ?? process.env;
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) {
    throw new NotInClusterError(
      "unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined",
    );
  }
  const tokenPath = options.tokenPath ?? SERVICE_ACCOUNT_TOKEN_PATH;
  let token: string;
  try {
    token = readFileSync(tokenPath, "utf8").trim();
    registerSecret(token);
  } catch (err) {
    throw new ConfigError(`in-cluster config: cannot read the service-account token ${tokenPath}`, {
      file: tokenPath,
      cause: err,
    });
  }
  const hostPart = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  const config: RestConfig = {
    server: `https://${hostPart}:${port}`,
    namespace: "default",
    qps: DEFAULT_QPS,
    burst: DEFAULT_BURST,
    bearerToken: token,
    bearerTokenFile: tokenPath,
    origin: `in-cluster config (token ${tokenPath})`,
  };
  const caPath = options.caPath ?? SERVICE_ACCOUNT_CA_PATH;
  try {
    new X509Certificate(readFileSync(caPath));
    config.caFile = caPath;
  } catch (err) {
    // client-go logs and continues without a CA (the system roots apply).
    process.emitWarning(redact(`in-cluster config: expected to load a CA from ${caPath}: ${(err as Error).message}`));
  }
  try {
    const ns = readFileSync(options.namespacePath ?? SERVICE_ACCOUNT_NAMESPACE_PATH, "utf8").trim();
    if (ns) config.namespace = ns;
  } catch {
    // no namespace file: keep "default"
  }
  return config;
}
