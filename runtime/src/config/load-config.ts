// loadConfig(): client-go's deferred loading (clientcmd
// NewNonInteractiveDeferredLoadingClientConfig): kubeconfig loading rules
// first, then the in-cluster environment when no kubeconfig (or no context)
// is found, and a clear error when neither exists. It never guesses
// localhost:8080.
//
// The returned config also carries the proxy variables of the environment it
// was loaded from (RestConfig.proxyEnv), and its proxy is validated here: an
// invalid or unsupported kubeconfig proxy-url, or HTTPS_PROXY/HTTP_PROXY
// value, is a ConfigError from loadConfig() rather than a failure of the
// first request (transport/proxy-env.ts).

import { inClusterConfig, isInCluster, type InClusterOptions } from "./in-cluster.js";
import {
  kubeconfigPaths,
  kubeconfigToRestConfig,
  loadKubeconfig,
  type KubeconfigLoadOptions,
  type KubeconfigOverrides,
} from "./kubeconfig.js";
import { ConfigError, type RestConfig } from "./rest-config.js";
import { proxyEnvFrom, proxyForUrl } from "../transport/proxy-env.js";

/** Options for {@link loadConfig}. */
export interface LoadConfigOptions extends KubeconfigLoadOptions, KubeconfigOverrides {
  /** Where to look for the in-cluster token and CA (defaults: the service-account mount). */
  inCluster?: Omit<InClusterOptions, "env">;
}

/**
 * Loads a RestConfig by client-go's rules: an explicit kubeconfig path, else
 * the KUBECONFIG list, else ~/.kube/config (with context/cluster/user/namespace
 * overrides); if no kubeconfig exists, or it selects no context, the in-cluster
 * configuration; otherwise a ConfigError that says where it looked.
 */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<RestConfig> {
  const env = options.env ?? process.env;
  const kc = await loadKubeconfig(options);
  const inCluster = { ...options.inCluster, env };
  if (kc && (options.context || kc.currentContext || !isInCluster(inCluster))) {
    return withProxy(kubeconfigToRestConfig(kc, options), env);
  }
  if (isInCluster(inCluster)) {
    const config = inClusterConfig(inCluster);
    if (options.namespace) config.namespace = options.namespace;
    if (options.server) config.server = options.server;
    return withProxy(config, env);
  }
  const { paths } = kubeconfigPaths(options);
  throw new ConfigError(
    `no Kubernetes configuration found: no kubeconfig at ${paths.join(", ")}${env.KUBECONFIG ? " (from KUBECONFIG)" : ""}, ` +
      "and not running in a cluster (KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set)",
  );
}

/**
 * Records the environment's proxy variables in `config` and checks the proxy
 * that will apply to its server, so that a bad one fails here.
 */
function withProxy(config: RestConfig, env: Record<string, string | undefined>): RestConfig {
  config.proxyEnv = proxyEnvFrom(env);
  let target: URL | undefined;
  try {
    target = new URL(config.server.includes("://") ? config.server : `https://${config.server}`);
  } catch {
    target = undefined; // the transport reports an unparsable server
  }
  if (target) proxyForUrl(target, config);
  return config;
}
