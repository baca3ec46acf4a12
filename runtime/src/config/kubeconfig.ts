// Kubeconfig loading and merging (client-go tools/clientcmd: loader.go,
// merged_client_builder.go, client_config.go, validation.go). Files come from
// an explicit path, else the KUBECONFIG list, else ~/.kube/config. Map entries
// (clusters, users, contexts) are merged by name with the first file winning
// whole; current-context comes from the first file that sets one. Relative
// paths are resolved against the folder of the file that defined the entry.
// toRestConfig() applies overrides, validates only the selected context,
// cluster and user, and turns them into a RestConfig.
//
// Boolean fields are read as client-go reads them. Its loader turns YAML into
// JSON with sigs.k8s.io/yaml (go-yaml v2, YAML 1.1), so the unquoted words
// true/false, yes/no, on/off and y/n (lower, Capitalised and UPPER case) are
// booleans, and anything else in a boolean field (a quoted "false", a number,
// a mapping) fails to decode. The rest of the document is parsed as YAML 1.2
// as before; only the boolean fields look at how their scalar was written.
//
// Every credential a parsed file holds (tokens, token-file contents once read,
// passwords, client keys, URL userinfo of server and proxy-url, impersonation
// extras, auth-provider settings; for the `oidc` provider only its id-token,
// refresh-token and client-secret) is registered with the redactor
// (errors/redact.ts) as soon as it is parsed, so no later error or log line
// can carry it.
//
// A user's `auth-provider: {name: oidc}` becomes RestConfig.authProvider plus
// a persister that writes refreshed tokens back into the file the user entry
// came from, once enableOidcAuthProvider() registered the provider
// (config/auth-provider.ts, config/oidc.ts, config/kubeconfig-persister.ts); a
// relative idp-certificate-authority is resolved against that file's folder,
// like the other paths here (client-go leaves it relative to the working
// directory). Names no plugin is registered for are a ConfigError.

import { parseProxyUrl } from "../transport/proxy-env.js";
import { accessSync, constants, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { delimiter, dirname, isAbsolute, join, resolve, sep } from "node:path";
import { parseYaml, yamlScalarValue, yamlToJS, YamlSyntaxError, type YamlNode } from "./yaml.js";
import {
  redact,
  redactCause,
  registerBasicAuth,
  registerEnvSecrets,
  registerSecret,
  registerSecrets,
  registerUrlSecrets,
} from "../errors/redact.js";
import { ConfigError, DEFAULT_BURST, DEFAULT_QPS, type ExecConfig, type RestConfig } from "./rest-config.js";
import { authProviderPlugin, registerProviderSecrets, unregisteredProvider } from "./auth-provider.js";

/** A kubeconfig `cluster` entry (field names as in the file). */
export interface KubeconfigCluster {
  server?: string;
  "tls-server-name"?: string;
  "insecure-skip-tls-verify"?: boolean;
  "certificate-authority"?: string;
  "certificate-authority-data"?: string;
  "proxy-url"?: string;
  "disable-compression"?: boolean;
  extensions?: Array<{ name: string; extension: unknown }>;
}

/** A kubeconfig `user` entry. */
export interface KubeconfigUser {
  "client-certificate"?: string;
  "client-certificate-data"?: string;
  "client-key"?: string;
  "client-key-data"?: string;
  token?: string;
  tokenFile?: string;
  as?: string;
  "as-uid"?: string;
  "as-groups"?: string[];
  "as-user-extra"?: Record<string, string[]>;
  username?: string;
  password?: string;
  /** A legacy auth-provider; kubegen supports `oidc` (config/oidc.ts). */
  "auth-provider"?: { name: string; config?: Record<string, string> };
  exec?: ExecConfig;
}

/** A kubeconfig `context` entry. */
export interface KubeconfigContext {
  cluster?: string;
  user?: string;
  namespace?: string;
}

/** A named entry plus the file that defined it. */
export interface Named<T> {
  name: string;
  value: T;
  /** Absolute path of the kubeconfig file this entry came from. */
  origin: string;
}

/** A merged kubeconfig. */
export interface Kubeconfig {
  /** The files that were read, in merge order. */
  files: string[];
  clusters: Map<string, Named<KubeconfigCluster>>;
  users: Map<string, Named<KubeconfigUser>>;
  contexts: Map<string, Named<KubeconfigContext>>;
  currentContext: string | undefined;
  /** The file the current-context came from. */
  currentContextOrigin: string | undefined;
}

/** Where to look for kubeconfig files. */
export interface KubeconfigLoadOptions {
  /** An explicit file (like `--kubeconfig`): overrides KUBECONFIG and the home file, and must exist. */
  kubeconfigPath?: string;
  /** Environment to read KUBECONFIG/HOME from (default process.env). */
  env?: Record<string, string | undefined>;
  /** Home folder (default os.homedir() or $HOME from `env`). */
  homeDir?: string;
}

/** Selection and overrides applied when turning a kubeconfig into a RestConfig (clientcmd ConfigOverrides). */
export interface KubeconfigOverrides {
  /** Context to use instead of current-context. */
  context?: string;
  /** Cluster to use instead of the context's. */
  cluster?: string;
  /** User to use instead of the context's. */
  user?: string;
  /** Namespace to use instead of the context's. */
  namespace?: string;
  /** Server URL to use instead of the cluster's. */
  server?: string;
}

/** The files the loading rules would consider, in order (client-go ClientConfigLoadingRules.GetLoadingPrecedence). */
export function kubeconfigPaths(options: KubeconfigLoadOptions = {}): { paths: string[]; explicit: boolean } {
  if (options.kubeconfigPath) return { paths: [resolve(options.kubeconfigPath)], explicit: true };
  const env = options.env ?? process.env;
  const list = env.KUBECONFIG;
  if (list) {
    const seen = new Set<string>();
    const paths: string[] = [];
    for (const p of list.split(delimiter)) {
      if (!p) continue;
      const abs = resolve(p);
      if (!seen.has(abs)) {
        seen.add(abs);
        paths.push(abs);
      }
    }
    return { paths, explicit: false };
  }
  const home = options.homeDir ?? env.HOME ?? homedir();
  return { paths: [join(home, ".kube", "config")], explicit: false };
}

function resolvePath(p: string | undefined, base: string): string | undefined {
  if (!p) return p;
  return isAbsolute(p) ? p : resolve(base, p);
}

type Raw = Record<string, unknown>;

function asList(doc: Raw, key: string, file: string): Raw[] {
  const v = doc[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new ConfigError(`kubeconfig ${file}: "${key}" must be a list`, { file });
  return v as Raw[];
}

/** The unquoted YAML 1.1 scalars that read as true (go-yaml v2 resolve.go, used by sigs.k8s.io/yaml). */
const YAML11_TRUE: ReadonlySet<string> = new Set([
  ...["true", "True", "TRUE", "yes", "Yes", "YES"],
  ...["on", "On", "ON", "y", "Y"],
]);
/** The unquoted YAML 1.1 scalars that read as false. */
const YAML11_FALSE: ReadonlySet<string> = new Set([
  ...["false", "False", "FALSE", "no", "No", "NO"],
  ...["off", "Off", "OFF", "n", "N"],
]);

type PathKey = string | number;

function formatPath(path: readonly PathKey[]): string {
  return path.map((k, i) => (typeof k === "number" ? `[${k}]` : i === 0 ? k : `.${k}`)).join("");
}

/** The YAML node at `path`, following aliases on the way; undefined when some step is missing. */
function nodeAt(root: YamlNode, path: readonly PathKey[]): YamlNode | undefined {
  let node: YamlNode | undefined = root;
  for (const key of path) {
    if (node.kind === "alias") node = node.target;
    if (node.kind === "map") node = node.entries.find((e) => yamlScalarValue(e.key) === key)?.value;
    else if (node.kind === "seq" && typeof key === "number") node = node.items[key];
    else return undefined;
    if (node === undefined) return undefined;
  }
  return node.kind === "alias" ? node.target : node;
}

/**
 * Reads a boolean field the way client-go's loader does: a YAML boolean, or
 * one of the YAML 1.1 words written without quotes (or tagged `!!bool`). An
 * absent or null field is undefined. Anything else is a ConfigError naming
 * the file and the field; the offending text is quoted only when it is one of
 * the boolean words (so a misplaced secret is never echoed).
 */
function readBoolean(root: YamlNode, path: readonly PathKey[], file: string): boolean | undefined {
  const node = nodeAt(root, path);
  if (node === undefined) return undefined;
  let found = "a value that is not a boolean";
  if (node.kind === "scalar") {
    const v = yamlScalarValue(node);
    if (v === null) return undefined;
    if (typeof v === "boolean") return v;
    if (typeof v === "string") {
      const word = YAML11_TRUE.has(v) ? true : YAML11_FALSE.has(v) ? false : undefined;
      const explicitBool = node.tag === "!!bool";
      if (word !== undefined && (explicitBool || (node.style === "plain" && node.tag === undefined))) return word;
      if (node.style === "double" || node.style === "single") {
        found =
          word === undefined
            ? "a quoted string"
            : `the quoted string ${JSON.stringify(v)} (write ${v} without quotes for a boolean)`;
      } else if (node.style === "literal" || node.style === "folded") {
        found = "a block string";
      } else if (node.tag !== undefined && !explicitBool) {
        found = `a string (tagged ${node.tag})`;
      } else {
        found = "a string";
      }
    } else {
      found = "a number";
    }
  } else if (node.kind === "map") {
    found = "a mapping";
  } else if (node.kind === "seq") {
    found = "a sequence";
  }
  const forms = "true/false, yes/no, on/off or y/n, unquoted";
  throw new ConfigError(`kubeconfig ${file}: ${formatPath(path)} must be a boolean (${forms}), but is ${found}`, { file });
}

/** Sets `key` of `obj` to a boolean read by {@link readBoolean}, or removes it when the field is absent or null. */
function setBoolean<T extends object>(obj: T, key: keyof T & string, value: boolean | undefined): void {
  if (value === undefined) delete obj[key];
  else (obj as Record<string, unknown>)[key] = value;
}

/** Parses one kubeconfig document; entries carry `origin` and resolved paths. */
export function parseKubeconfig(text: string, file: string): Kubeconfig {
  let parsed: YamlNode;
  try {
    parsed = parseYaml(text);
  } catch (err) {
    // config/yaml.ts errors give a position and never quote the document (also for an alias bomb)
    if (!(err instanceof YamlSyntaxError)) throw err;
    throw new ConfigError(`kubeconfig ${file}: not valid YAML at line ${err.line}, column ${err.column}`, {
      file,
      cause: err,
    });
  }
  let doc = yamlToJS(parsed);
  if (doc === null || doc === undefined) doc = {};
  if (typeof doc !== "object" || Array.isArray(doc)) {
    throw new ConfigError(`kubeconfig ${file}: expected a mapping at the top level`, { file });
  }
  const raw = doc as Raw;
  const base = dirname(file);
  const bool = (path: readonly PathKey[]): boolean | undefined => readBoolean(parsed, path, file);
  // not used by kubegen, but client-go fails the whole file when it is not a boolean
  bool(["preferences", "colors"]);
  const kc: Kubeconfig = {
    files: [file],
    clusters: new Map(),
    users: new Map(),
    contexts: new Map(),
    currentContext: typeof raw["current-context"] === "string" && raw["current-context"] ? raw["current-context"] : undefined,
    currentContextOrigin: undefined,
  };
  if (kc.currentContext) kc.currentContextOrigin = file;
  // Every entry is checked, also those a later name shadows: client-go decodes the whole file.
  type Fix<T> = (v: T, at: readonly PathKey[]) => T;
  const entries = <T>(key: string, inner: string, into: Map<string, Named<T>>, fix: Fix<T>): void => {
    asList(raw, key, file).forEach((item, i) => {
      const name = item?.name;
      if (typeof name !== "string" || !name) {
        throw new ConfigError(`kubeconfig ${file}: ${key}[${i}] has no name`, { file });
      }
      const value = (item[inner] ?? {}) as T;
      if (typeof value !== "object" || Array.isArray(value)) {
        throw new ConfigError(`kubeconfig ${file}: ${key}[${i}] (${JSON.stringify(name)}).${inner} must be a mapping`, { file });
      }
      const fixed = fix({ ...value }, [key, i, inner]);
      if (!into.has(name)) into.set(name, { name, value: fixed, origin: file });
    });
  };
  entries<KubeconfigCluster>("clusters", "cluster", kc.clusters, (c, at) => {
    const out: KubeconfigCluster = { ...c, "certificate-authority": resolvePath(c["certificate-authority"], base) };
    setBoolean(out, "insecure-skip-tls-verify", bool([...at, "insecure-skip-tls-verify"]));
    setBoolean(out, "disable-compression", bool([...at, "disable-compression"]));
    return out;
  });
  entries<KubeconfigUser>("users", "user", kc.users, (u, at) => ({
    ...u,
    "client-certificate": resolvePath(u["client-certificate"], base),
    "client-key": resolvePath(u["client-key"], base),
    tokenFile: resolvePath(u.tokenFile, base),
    ...(u.exec
      ? {
          exec: (() => {
            const exec: ExecConfig = {
              ...u.exec,
              command:
                typeof u.exec.command === "string" && (u.exec.command.includes("/") || u.exec.command.includes(sep))
                  ? resolve(base, u.exec.command)
                  : u.exec.command,
            };
            setBoolean(exec, "provideClusterInfo", bool([...at, "exec", "provideClusterInfo"]));
            return exec;
          })(),
        }
      : {}),
  }));
  entries<KubeconfigContext>("contexts", "context", kc.contexts, (c) => c);
  registerKubeconfigSecrets(raw);
  return kc;
}

/**
 * Registers with the redactor every credential in a parsed kubeconfig
 * document, also those of entries that are shadowed or never selected
 * (redacting a secret everywhere is never wrong). Reads no files: a tokenFile
 * is registered when it is read.
 */
function registerKubeconfigSecrets(raw: Raw): void {
  const list = (key: string): Raw[] => (Array.isArray(raw[key]) ? (raw[key] as unknown[]) : []).filter(isRecord);
  for (const item of list("clusters")) {
    const c = item.cluster;
    if (!isRecord(c)) continue;
    if (typeof c.server === "string") registerUrlSecrets(c.server);
    if (typeof c["proxy-url"] === "string") registerUrlSecrets(c["proxy-url"]);
  }
  for (const item of list("users")) {
    const u = item.user;
    if (!isRecord(u)) continue;
    registerSecret(u.token);
    registerBasicAuth(typeof u.username === "string" ? u.username : undefined, typeof u.password === "string" ? u.password : undefined);
    const keyData = u["client-key-data"];
    if (typeof keyData === "string") {
      registerSecret(keyData);
      registerSecret(keyData.replace(/\s+/g, ""));
      registerSecret(Buffer.from(keyData.replace(/\s+/g, ""), "base64").toString("utf8"));
    }
    const extra = u["as-user-extra"];
    if (isRecord(extra)) {
      for (const values of Object.values(extra)) if (Array.isArray(values)) registerSecrets(values);
    }
    const provider = u["auth-provider"];
    if (isRecord(provider) && isRecord(provider.config)) {
      // an oidc provider's issuer URL and client id are not secret, and are quoted in its messages
      registerProviderSecrets(provider.name, provider.config);
    }
    if (isRecord(u.exec) && Array.isArray(u.exec.env)) registerEnvSecrets(u.exec.env);
  }
}

function isRecord(v: unknown): v is Raw {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Merges kubeconfigs in priority order: the first definition of each name wins, as does the first current-context. */
export function mergeKubeconfigs(configs: Kubeconfig[]): Kubeconfig {
  const out: Kubeconfig = {
    files: [],
    clusters: new Map(),
    users: new Map(),
    contexts: new Map(),
    currentContext: undefined,
    currentContextOrigin: undefined,
  };
  for (const kc of configs) {
    out.files.push(...kc.files);
    for (const [k, v] of kc.clusters) if (!out.clusters.has(k)) out.clusters.set(k, v);
    for (const [k, v] of kc.users) if (!out.users.has(k)) out.users.set(k, v);
    for (const [k, v] of kc.contexts) if (!out.contexts.has(k)) out.contexts.set(k, v);
    if (!out.currentContext && kc.currentContext) {
      out.currentContext = kc.currentContext;
      out.currentContextOrigin = kc.currentContextOrigin;
    }
  }
  return out;
}

/**
 * Loads and merges kubeconfig files by client-go's rules. Returns undefined
 * when none of the candidate files exists (an explicit path that is missing
 * is an error). Unreadable or malformed files are errors naming the file.
 */
export async function loadKubeconfig(options: KubeconfigLoadOptions = {}): Promise<Kubeconfig | undefined> {
  const { paths, explicit } = kubeconfigPaths(options);
  const loaded: Kubeconfig[] = [];
  for (const file of paths) {
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOENT" && !explicit) continue;
      throw new ConfigError(
        code === "ENOENT" ? `kubeconfig ${file} does not exist` : `kubeconfig ${file} cannot be read (${code ?? "error"})`,
        { file, cause: err },
      );
    }
    loaded.push(parseKubeconfig(text, file));
  }
  return loaded.length === 0 ? undefined : mergeKubeconfigs(loaded);
}

function decodeBase64(data: string, what: string, where: string, file: string): string {
  const clean = data.replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean)) {
    throw new ConfigError(`kubeconfig ${file}: ${where}: ${what} is not valid base64`, { file });
  }
  return Buffer.from(clean, "base64").toString("utf8");
}

function checkReadable(path: string, what: string, where: string, file: string): void {
  try {
    accessSync(path, constants.R_OK);
  } catch (err) {
    throw new ConfigError(`kubeconfig ${file}: ${where}: cannot read ${what} ${path}`, { file, cause: err });
  }
}

/**
 * Turns a merged kubeconfig into a RestConfig for the selected context
 * (clientcmd DirectClientConfig.ClientConfig + ConfirmUsable). Errors name the
 * file and the context/cluster/user at fault.
 */
export function kubeconfigToRestConfig(kc: Kubeconfig, overrides: KubeconfigOverrides = {}): RestConfig {
  const files = kc.files.join(", ");
  const contextName = overrides.context || kc.currentContext;
  if (!contextName) {
    throw new ConfigError(`kubeconfig ${files}: no current-context is set and no context was requested`, {
      file: kc.files[0],
    });
  }
  const ctx = kc.contexts.get(contextName);
  if (!ctx) {
    const file = overrides.context ? files : (kc.currentContextOrigin ?? files);
    throw new ConfigError(`kubeconfig ${file}: context ${JSON.stringify(contextName)} not found`, { file });
  }
  const clusterName = overrides.cluster || ctx.value.cluster;
  const userName = overrides.user || ctx.value.user;
  if (!clusterName) {
    throw new ConfigError(`kubeconfig ${ctx.origin}: context ${JSON.stringify(contextName)} names no cluster`, {
      file: ctx.origin,
    });
  }
  const cluster = kc.clusters.get(clusterName);
  if (!cluster) {
    throw new ConfigError(
      `kubeconfig ${ctx.origin}: cluster ${JSON.stringify(clusterName)} (of context ${JSON.stringify(contextName)}) not found`,
      { file: ctx.origin },
    );
  }
  const c = cluster.value;
  const cWhere = `cluster ${JSON.stringify(clusterName)}`;
  const server = overrides.server || c.server;
  if (!server) {
    throw new ConfigError(`kubeconfig ${cluster.origin}: no server found for ${cWhere}`, { file: cluster.origin });
  }
  registerUrlSecrets(server); // an override may bring its own userinfo
  let url: URL;
  try {
    url = new URL(server.includes("://") ? server : `https://${server}`);
  } catch (err) {
    // the URL error's `input` holds the whole server text: redact it with the message
    throw new ConfigError(`kubeconfig ${cluster.origin}: ${cWhere}: server ${redact(JSON.stringify(server))} is not a URL`, {
      file: cluster.origin,
      cause: redactCause(err),
    });
  }
  if (c["certificate-authority"] && c["certificate-authority-data"]) {
    throw new ConfigError(
      `kubeconfig ${cluster.origin}: ${cWhere} sets both certificate-authority (${c["certificate-authority"]}) and certificate-authority-data; set only one`,
      { file: cluster.origin },
    );
  }
  if (c["proxy-url"]) {
    // http, https, socks5 and socks5h; checked now, so a bad proxy never fails the first request instead
    parseProxyUrl(c["proxy-url"], { source: `kubeconfig ${cluster.origin}: ${cWhere}: proxy-url`, file: cluster.origin });
  }

  const namespace = overrides.namespace || ctx.value.namespace || "default";
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(namespace) || namespace.length > 63) {
    throw new ConfigError(
      `kubeconfig ${ctx.origin}: context ${JSON.stringify(contextName)}: namespace ${JSON.stringify(namespace)} is not a valid DNS label`,
      { file: ctx.origin },
    );
  }

  const config: RestConfig = {
    server: url.toString().replace(/\/$/, ""),
    namespace,
    qps: DEFAULT_QPS,
    burst: DEFAULT_BURST,
    origin: `kubeconfig ${files}, context ${JSON.stringify(contextName)}`,
  };
  if (c["tls-server-name"]) config.tlsServerName = c["tls-server-name"];
  if (c["insecure-skip-tls-verify"] === true) config.insecureSkipTlsVerify = true;
  if (c["proxy-url"]) config.proxyUrl = c["proxy-url"];
  if (c["disable-compression"] === true) config.disableCompression = true;
  if (c["certificate-authority"]) {
    checkReadable(c["certificate-authority"], "certificate-authority", cWhere, cluster.origin);
    config.caFile = c["certificate-authority"];
  }
  if (c["certificate-authority-data"]) {
    config.caData = decodeBase64(c["certificate-authority-data"], "certificate-authority-data", cWhere, cluster.origin);
  }

  if (userName) {
    const user = kc.users.get(userName);
    if (!user) {
      throw new ConfigError(
        `kubeconfig ${ctx.origin}: user ${JSON.stringify(userName)} (of context ${JSON.stringify(contextName)}) not found`,
        { file: ctx.origin },
      );
    }
    applyUser(config, user, cluster);
  }
  return config;
}

/**
 * A user's `auth-provider`: its registered plugin (config/auth-provider.ts)
 * checks the settings and gives a persister for refreshed ones, which writes
 * to the file the entry came from (client-go clientcmd's
 * PersistAuthProviderConfigForUser); a name without a plugin is a ConfigError.
 */
function applyAuthProvider(config: RestConfig, user: Named<KubeconfigUser>): void {
  const file = user.origin;
  const where = `kubeconfig ${file}: user ${JSON.stringify(user.name)}`;
  const provider: unknown = user.value["auth-provider"];
  const name = isRecord(provider) ? provider.name : undefined;
  if (typeof name !== "string" || name === "") {
    throw new ConfigError(`${where}: auth-provider.name is required`, { file });
  }
  const plugin = authProviderPlugin(name);
  if (!plugin) throw new ConfigError(`${where}: ${unregisteredProvider(name)}`, { file });
  const raw = (provider as Raw).config;
  if (raw !== undefined && raw !== null && !isRecord(raw)) {
    throw new ConfigError(`${where}: auth-provider.config must be a mapping`, { file });
  }
  const entry = { where, file, user: user.name };
  config.authProvider = { name, config: plugin.validate((raw ?? undefined) as Raw | undefined, entry) };
  const persister = plugin.persister?.(entry);
  if (persister) config.authConfigPersister = persister;
}

function applyUser(config: RestConfig, user: Named<KubeconfigUser>, cluster: Named<KubeconfigCluster>): void {
  const u = user.value;
  const file = user.origin;
  const where = `user ${JSON.stringify(user.name)}`;
  const fail = (msg: string): never => {
    throw new ConfigError(`kubeconfig ${file}: ${where}: ${msg}`, { file });
  };
  const methods: string[] = [];
  if (u.token || u.tokenFile) methods.push("token");
  if (u.username || u.password) methods.push("basicAuth");
  if (methods.length > 1) fail(`more than one authentication method found (${methods.join(", ")}); only one is allowed`);

  if (u["client-certificate"] && u["client-certificate-data"]) fail("both client-certificate and client-certificate-data are set");
  if (u["client-key"] && u["client-key-data"]) fail("both client-key and client-key-data are set");
  const hasCert = !!(u["client-certificate"] || u["client-certificate-data"]);
  const hasKey = !!(u["client-key"] || u["client-key-data"]);
  if (hasCert && !hasKey) fail("client-key or client-key-data is required with a client certificate");
  if (hasKey && !hasCert) fail("client-certificate or client-certificate-data is required with a client key");

  if (u["client-certificate"]) {
    checkReadable(u["client-certificate"], "client-certificate", where, file);
    config.certFile = u["client-certificate"];
  }
  if (u["client-certificate-data"]) {
    config.certData = decodeBase64(u["client-certificate-data"], "client-certificate-data", where, file);
  }
  if (u["client-key"]) {
    checkReadable(u["client-key"], "client-key", where, file);
    config.keyFile = u["client-key"];
  }
  if (u["client-key-data"]) config.keyData = decodeBase64(u["client-key-data"], "client-key-data", where, file);

  if (u.token) config.bearerToken = u.token;
  if (u.tokenFile) {
    try {
      config.bearerToken = readFileSync(u.tokenFile, "utf8").trim();
      registerSecret(config.bearerToken);
    } catch (err) {
      throw new ConfigError(`kubeconfig ${file}: ${where}: cannot read tokenFile ${u.tokenFile}`, { file, cause: err });
    }
    config.bearerTokenFile = u.tokenFile;
  }
  if (u.username) config.username = u.username;
  if (u.password) config.password = u.password;

  const groups = u["as-groups"] ?? [];
  const extra = u["as-user-extra"] ?? {};
  if (!u.as && (u["as-uid"] || groups.length > 0 || Object.keys(extra).length > 0)) {
    fail("as-uid, as-groups and as-user-extra need `as` (the user to impersonate)");
  }
  if (u.as) {
    config.impersonate = {
      user: u.as,
      ...(u["as-uid"] ? { uid: u["as-uid"] } : {}),
      ...(groups.length ? { groups: [...groups] } : {}),
      ...(Object.keys(extra).length ? { extra: { ...extra } } : {}),
    };
  }

  if (u["auth-provider"]) {
    if (u.exec) fail("auth-provider and exec cannot both be set");
    applyAuthProvider(config, user);
  }
  if (u.exec) {
    const e = u.exec;
    if (!e.command) fail("exec.command is required");
    if (e.apiVersion !== "client.authentication.k8s.io/v1" && e.apiVersion !== "client.authentication.k8s.io/v1beta1") {
      fail(
        `exec.apiVersion ${JSON.stringify(e.apiVersion ?? "")} is not supported (use client.authentication.k8s.io/v1 or v1beta1)`,
      );
    }
    if (e.apiVersion === "client.authentication.k8s.io/v1" && !e.interactiveMode) {
      fail("exec.interactiveMode is required for client.authentication.k8s.io/v1 (Never, IfAvailable or Always)");
    }
    if (e.interactiveMode && !["Never", "IfAvailable", "Always"].includes(e.interactiveMode)) {
      fail(`exec.interactiveMode ${JSON.stringify(e.interactiveMode)} is invalid (Never, IfAvailable or Always)`);
    }
    const exec: ExecConfig = { ...e, interactiveMode: e.interactiveMode ?? "IfAvailable" };
    if (e.provideClusterInfo === true) {
      const c = cluster.value;
      exec.cluster = {
        server: config.server,
        ...(c["tls-server-name"] ? { "tls-server-name": c["tls-server-name"] } : {}),
        ...(c["insecure-skip-tls-verify"] === true ? { "insecure-skip-tls-verify": true } : {}),
        ...(config.caData || config.caFile
          ? {
              "certificate-authority-data": Buffer.from(config.caData ?? readFileSync(config.caFile!, "utf8")).toString(
                "base64",
              ),
            }
          : {}),
        ...(c["proxy-url"] ? { "proxy-url": c["proxy-url"] } : {}),
        ...(c["disable-compression"] === true ? { "disable-compression": true } : {}),
        ...(() => {
          const ext = c.extensions?.find((x) => x.name === "client.authentication.k8s.io/exec");
          return ext ? { config: ext.extension } : {};
        })(),
      };
    }
    config.exec = exec;
  }
  config.origin = `${config.origin}, user ${JSON.stringify(user.name)}`;
}
