// Kubeconfig `auth-provider` plugins (client-go rest.RegisterAuthProviderPlugin):
// the registry that the loader (config/kubeconfig.ts) and the authenticator
// (transport/auth.ts) look a provider's name up in. As in client-go, where a
// program must import plugin/pkg/client/auth/oidc before an `oidc` user works,
// a provider works only once it is registered: `enableOidcAuthProvider()`
// (config/oidc.ts) registers kubegen's. That keeps the oidc client and the
// kubeconfig writer for refreshed tokens out of programs (and bundles) that
// never use them. This module also owns which settings of an `oidc` entry are
// secret, since the loader redacts them whether or not the provider is enabled.

import { registerSecret, registerSecrets } from "../errors/redact.js";
import type { Clock } from "../util/clock.js";
import type { RestConfig } from "./rest-config.js";

/** A kubeconfig user's `auth-provider` (client-go clientcmdapi.AuthProviderConfig). */
export interface AuthProviderConfig {
  /** The provider's name, as registered with {@link registerAuthProvider}. */
  name: string;
  /** The provider's settings, as in the kubeconfig. */
  config: Record<string, string>;
}

/**
 * Saves an auth-provider's settings after they changed (client-go
 * rest.AuthProviderConfigPersister), for example back into the kubeconfig file
 * the user entry came from.
 */
export interface AuthProviderConfigPersister {
  /** Stores the provider's settings; rejects when they could not be stored. */
  persist(config: Readonly<Record<string, string>>): Promise<void>;
  /** The settings as stored now (another process may have changed them), or undefined when there are none. */
  load?(): Promise<Record<string, string> | undefined>;
  /** Where the settings are stored, for messages (a file and user; never a secret). */
  readonly description?: string;
}

/** The bearer tokens of one provider instance. */
export interface AuthProviderTokens {
  /** The token for the next request (refreshed first when it is about to expire). */
  token(signal?: AbortSignal): Promise<string>;
  /** After a 401 with `used`: a different token, or undefined when there is none. */
  refreshAfterUnauthorized(used: string, signal?: AbortSignal): Promise<string | undefined>;
  /** Every secret the instance holds, for redaction. */
  secrets(): string[];
}

/** What the kubeconfig loader hands a provider besides its settings. */
export interface AuthProviderEntry {
  /** Prefix for messages: `kubeconfig <file>: user "<name>"`. */
  where: string;
  /** The kubeconfig file the user entry came from. */
  file: string;
  /** The user entry's name. */
  user: string;
}

/** An auth-provider implementation. */
export interface AuthProviderPlugin {
  /**
   * Checks a kubeconfig entry's settings (`config` is the raw mapping, or
   * undefined) and returns them as strings.
   * @throws ConfigError naming `entry.where`.
   */
  validate(config: Readonly<Record<string, unknown>> | undefined, entry: AuthProviderEntry): Record<string, string>;
  /** Where refreshed settings of a kubeconfig entry are saved (client-go persists them into the file). */
  persister?(entry: AuthProviderEntry): AuthProviderConfigPersister;
  /** The token source for a RestConfig whose `authProvider` names this plugin. */
  create(config: RestConfig, clock: Clock): AuthProviderTokens;
}

const plugins = new Map<string, AuthProviderPlugin>();

/**
 * Makes kubeconfig users with `auth-provider: {name}` work. Registering a name
 * twice keeps the first (client-go refuses the second registration).
 */
export function registerAuthProvider(name: string, plugin: AuthProviderPlugin): void {
  if (!plugins.has(name)) plugins.set(name, plugin);
}

/** The plugin registered under `name`, if any. */
export function authProviderPlugin(name: string): AuthProviderPlugin | undefined {
  return plugins.get(name);
}

/** What to tell a user whose provider is not registered (for the loader's and the authenticator's ConfigError). */
export function unregisteredProvider(name: string): string {
  if (name === "oidc") {
    return (
      'auth-provider "oidc" is not enabled: call enableOidcAuthProvider() from @kubegen/runtime once at start-up ' +
      "(client-go programs import k8s.io/client-go/plugin/pkg/client/auth/oidc for the same reason)"
    );
  }
  const removed = REMOVED_AUTH_PROVIDERS[name];
  const instead = removed ?? "register one with registerAuthProvider(), or use an exec credential plugin";
  return `auth-provider ${JSON.stringify(name)} is not supported by kubegen (${instead})`;
}

/** What kubegen says about auth-providers client-go no longer ships (removed in client-go v0.26). */
const REMOVED_AUTH_PROVIDERS: Readonly<Record<string, string>> = {
  gcp: "client-go removed it in v1.26; use the gke-gcloud-auth-plugin exec credential plugin",
  azure: "client-go removed it in v1.26; use the kubelogin exec credential plugin",
};

/** The settings of an `oidc` entry that hold secrets (its issuer URL and client id do not, and messages quote them). */
export const OIDC_SECRET_KEYS: readonly string[] = ["id-token", "refresh-token", "client-secret"];

/**
 * Registers an auth-provider's secret settings with the redactor: for `oidc`
 * those of {@link OIDC_SECRET_KEYS}, for any other provider every value (its
 * plugin may be registered later, or never).
 */
export function registerProviderSecrets(name: unknown, config: Readonly<Record<string, unknown>> | undefined): void {
  if (name === "oidc") registerOidcSecrets(config);
  else registerSecrets(Object.values(config ?? {}));
}

/** Registers the secret settings of an `oidc` auth-provider with the redactor. */
export function registerOidcSecrets(config: Readonly<Record<string, unknown>> | undefined): void {
  if (!config) return;
  for (const key of OIDC_SECRET_KEYS) registerSecret(config[key]);
}
