// loadConfig(): client-go's deferred loading (clientcmd
// NewNonInteractiveDeferredLoadingClientConfig): kubeconfig loading rules
// first, then the in-cluster environment when no kubeconfig (or no context)
// is found, and a clear error when neither exists. It never guesses
// localhost:8080.

import { inClusterConfig, isInCluster, type InClusterOptions } from "./in-cluster.js";
import {
  kubeconfigPaths,
  kubeconfigToRestConfig,
  loadKubeconfig,
  type KubeconfigLoadOptions,
  type KubeconfigOverrides,
} from "./kubeconfig.js";
import { ConfigError, type RestConfig } from "./rest-config.js";

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
    const config = kubeconfigToRestConfig(kc, options);
    return config;
  }
  if (isInCluster(inCluster)) {
    const config = inClusterConfig(inCluster);
    if (options.namespace) config.namespace = options.namespace;
    if (options.server) config.server = options.server;
    return config;
  }
  const { paths } = kubeconfigPaths(options);
  throw new ConfigError(
    `no Kubernetes configuration found: no kubeconfig at ${paths.join(", ")}${env.KUBECONFIG ? " (from KUBECONFIG)" : ""}, ` +
      "and not running in a cluster (KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set)",
  );
}
