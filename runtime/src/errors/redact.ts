// Redaction: what decides which text may leave the runtime. It owns
//   - the secret registry, a process-wide set of credential values the
//     runtime has seen (tokens, token-file contents, exec-issued tokens and
//     keys, basic-auth passwords, client keys, URL userinfo, impersonation
//     extras, auth-provider settings), filled by whoever loads or obtains a
//     credential (kubeconfig, in-cluster, token file, exec plugin, the
//     authenticator of every transport);
//   - pattern redaction for secrets nobody registered (Authorization, Bearer
//     and Basic credentials, JWTs, PEM private keys, `token=`/`password:`/
//     `api-key:` style pairs, AWS access keys, URL passwords);
//   - KubegenError, the base of the runtime's errors: its message and cause
//     chain are redacted when it is built, and its toJSON() and util.inspect()
//     output show only redacted fields (never request headers, never a RestConfig).
//
// Why one registry for the whole process, not one per config: errors are
// built deep in the stack (transport, watch decoder, error constructors, fakes)
// where no config is in reach, and a per-config set would let one config's
// error carry another config's secret (a shared proxy or server may echo
// anything it has seen). A process-wide set needs no plumbing and cannot miss:
// redacting a secret everywhere is never wrong. The price is that the set only
// grows: one entry per distinct value (plus a few derived forms), so a
// long-running process with a rotating credential keeps every value it has
// used. Values shorter than MIN_SECRET_LENGTH (8) characters are ignored, since
// removing "a" or "admin" everywhere would mangle ordinary messages; short
// credentials are still caught by the patterns where they look like one.

import { inspect, type InspectOptions } from "node:util";
import type { ApiWarning } from "../config/rest-config.js";

/** What replaces a secret. */
export const REDACTED = "<redacted>";

/** Registered values shorter than this are ignored (they would mangle ordinary text). */
export const MIN_SECRET_LENGTH = 8;

// ---------------------------------------------------------------------------
// The registry

const registry = new Set<string>();
/** One alternation of every registered value, longest first; rebuilt after the set grows. */
let registryPattern: RegExp | undefined;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function addOne(value: string): void {
  if (value.length < MIN_SECRET_LENGTH || value === REDACTED || registry.has(value)) return;
  registry.add(value);
  registryPattern = undefined;
}

/** PEM armour lines (`-----BEGIN ...-----`) are not secret, and must not be redacted on their own. */
const PEM_ARMOUR = /^-----(BEGIN|END) [A-Z0-9 ]+-----$/;

/**
 * Registers a credential value so that {@link redact} removes it from every
 * text, in every config's errors and logs, for the rest of the process. Also
 * registers the forms it is likely to be echoed in: trimmed, percent-encoded
 * and JSON-escaped; for a multi-line value (a PEM key), each line but the
 * armour, and the base64 body joined into one line. Values shorter than
 * {@link MIN_SECRET_LENGTH} characters, and non-strings, are ignored.
 */
export function registerSecret(value: unknown): void {
  if (typeof value !== "string") return;
  const v = value.trim();
  if (v.length < MIN_SECRET_LENGTH) return;
  addOne(v);
  addOne(encodeURIComponent(v));
  addOne(JSON.stringify(v).slice(1, -1));
  if (/[\r\n]/.test(v)) {
    const lines = v.split(/\r?\n/).map((l) => l.trim());
    const body: string[] = [];
    for (const line of lines) {
      if (PEM_ARMOUR.test(line)) continue;
      addOne(line);
      if (/^[A-Za-z0-9+/=]+$/.test(line)) body.push(line);
    }
    addOne(body.join(""));
  }
}

/** {@link registerSecret} for each value. */
export function registerSecrets(values: Iterable<unknown>): void {
  for (const v of values) registerSecret(v);
}

/**
 * Registers a basic-auth credential: the password, and the base64
 * `user:password` an Authorization header carries. The user name alone is not
 * a secret (servers quote it in Forbidden messages) and is not registered.
 */
export function registerBasicAuth(username: string | undefined, password: string | undefined): void {
  if (!password) return;
  registerSecret(password);
  registerSecret(`${username ?? ""}:${password}`);
  registerSecret(Buffer.from(`${username ?? ""}:${password}`).toString("base64"));
}

/**
 * Registers the userinfo of a URL (`https://user:password@host`): the
 * password (raw and decoded) and `user:password`. A URL with a user and no
 * password registers the user, since such a URL usually carries a token there.
 * Text that is not a URL is ignored.
 */
export function registerUrlSecrets(url: string | undefined): void {
  if (!url) return;
  let u: URL;
  try {
    u = new URL(url.includes("://") ? url : `https://${url}`);
  } catch {
    return;
  }
  const decode = (s: string): string => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  if (u.password) {
    registerSecret(u.password);
    registerSecret(decode(u.password));
    registerSecret(`${u.username}:${u.password}`);
    registerSecret(`${decode(u.username)}:${decode(u.password)}`);
  } else if (u.username) {
    registerSecret(u.username);
    registerSecret(decode(u.username));
  }
}

/** Exec plugin environment variables whose values are registered (by name). */
const SECRET_ENV_NAME = /token|secret|password|passwd|credential|api[-_]?key|private[-_]?key|session/i;

/**
 * Registers the values of environment variables whose names look secret
 * (`*TOKEN*`, `*SECRET*`, `*PASSWORD*`, `*API_KEY*`, `*CREDENTIAL*`,
 * `*SESSION*`, ...), as an exec plugin's `env` list holds them. Malformed
 * entries are skipped.
 */
export function registerEnvSecrets(env: Iterable<unknown> | undefined): void {
  for (const e of env ?? []) {
    if (typeof e !== "object" || e === null) continue;
    const { name, value } = e as { name?: unknown; value?: unknown };
    if (typeof name === "string" && SECRET_ENV_NAME.test(name)) registerSecret(value);
  }
}

/** The parts of a RestConfig that can hold a credential (a RestConfig is one). */
export interface SecretSource {
  bearerToken?: string | undefined;
  username?: string | undefined;
  password?: string | undefined;
  keyData?: string | undefined;
  server?: string | undefined;
  proxyUrl?: string | undefined;
  /** Proxy variables (HTTPS_PROXY, ...); undefined means process.env, null none. */
  proxyEnv?: Readonly<Record<string, string | undefined>> | null | undefined;
  impersonate?: { extra?: Record<string, string[]> | undefined } | undefined;
  exec?: { env?: ReadonlyArray<{ name: string; value: string }> | undefined } | undefined;
  authProvider?: { config?: Readonly<Record<string, string>> | undefined } | undefined;
}

const PROXY_VARIABLE = /^(?:https?|all)_proxy$/i;

/**
 * Registers every credential a RestConfig holds: the bearer token, the
 * basic-auth password, the client key, the userinfo of `server`, `proxyUrl`
 * and the proxy variables (HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, any case, from
 * `proxyEnv` or else process.env), impersonation extra values, and exec plugin
 * environment values and auth-provider settings whose names look secret
 * (`*TOKEN*`, `*SECRET*`, ...: OIDC's id-token, refresh-token, client-secret).
 * Token files and exec plugins register what they produce when they produce
 * it. Cheap to call again.
 */
export function registerConfigSecrets(config: SecretSource): void {
  registerSecret(config.bearerToken);
  registerBasicAuth(config.username, config.password);
  registerSecret(config.keyData);
  registerUrlSecrets(config.server);
  registerUrlSecrets(config.proxyUrl);
  const env = config.proxyEnv === undefined ? process.env : (config.proxyEnv ?? {});
  for (const [name, value] of Object.entries(env)) if (PROXY_VARIABLE.test(name)) registerUrlSecrets(value);
  for (const values of Object.values(config.impersonate?.extra ?? {})) {
    if (Array.isArray(values)) registerSecrets(values);
  }
  registerEnvSecrets(config.exec?.env);
  registerEnvSecrets(Object.entries(config.authProvider?.config ?? {}).map(([name, value]) => ({ name, value })));
}

function registryRegExp(): RegExp | undefined {
  if (registry.size === 0) return undefined;
  registryPattern ??= new RegExp(
    [...registry]
      .sort((a, b) => b.length - a.length)
      .map(escapeRegExp)
      .join("|"),
    "g",
  );
  return registryPattern;
}

// ---------------------------------------------------------------------------
// Patterns, for secrets nobody registered

/** Names whose value is a secret in `name: value`, `name=value` and `"name": "value"` pairs. */
// The affixes are bounded so that a long unbroken word cannot make matching quadratic.
const SECRET_KEY =
  "[A-Za-z0-9_-]{0,40}?(?:token|password|passwd|secret|api[-_]?key|apikey|client[-_]?key[-_]?data|clientKeyData|private[-_]?key|access[-_]?key|cookie)[A-Za-z0-9_-]{0,40}";

const PATTERNS: ReadonlyArray<readonly [RegExp, string]> = [
  // PEM private key blocks (RSA, EC, PKCS#8, encrypted), also cut off ones
  [/-----BEGIN ([A-Z ]*)PRIVATE KEY-----(?!<redacted>)[\s\S]*?(-----END \1PRIVATE KEY-----|$)/g, `-----BEGIN $1PRIVATE KEY-----${REDACTED}`],
  // JWTs: base64url segments separated by dots, the first one a JSON object (`eyJ`)
  [/(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+){0,2}/g, REDACTED],
  // Authorization schemes: Bearer xyz, Basic xyz
  [/\b(Bearer|Basic)\s+(?!<redacted>)[A-Za-z0-9._~+/=-]+/gi, `$1 ${REDACTED}`],
  // Authorization / Proxy-Authorization header values with any other scheme: the whole value
  [
    /(\b(?:proxy-)?authorization["']?\s*[:=]\s*\[?\s*["']?)(?!(?:Bearer|Basic)\s+<redacted>|<redacted>)[^"'\s,}[\]][^"'\r\n,}[\]]*/gi,
    `$1${REDACTED}`,
  ],
  // secret-named pairs: token=..., "password": "...", X-Api-Key: ..., aws_secret_access_key = ...
  [
    new RegExp(`(\\b${SECRET_KEY}["']?\\s*[:=]\\s*\\[?\\s*["']?)(?!Bearer\\b|Basic\\b|<redacted>)[^"'\\s,;&}[\\]]+`, "gi"),
    `$1${REDACTED}`,
  ],
  // AWS access key ids
  [/\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|APKA|AROA)[A-Z0-9]{16}\b/g, REDACTED],
  // user:password@ in URLs
  [/(\/\/[^/\s:@]+:)[^@/\s]+@/g, `$1${REDACTED}@`],
];

/**
 * Returns `text` with credentials replaced by `<redacted>` (idempotent: a
 * redacted text is returned unchanged): every registered
 * secret (see {@link registerSecret}), every string in `secrets` (those shorter
 * than {@link MIN_SECRET_LENGTH} are ignored), and anything that looks like a
 * credential (Authorization values, Bearer/Basic credentials, JWTs, PEM private
 * keys, secret-named pairs, AWS access key ids, URL passwords).
 */
export function redact(text: string, secrets: Iterable<string | undefined> = []): string {
  let out = text;
  for (const s of secrets) {
    if (s && s.length >= MIN_SECRET_LENGTH) out = out.split(s).join(REDACTED);
  }
  const known = registryRegExp();
  if (known) out = out.replace(known, REDACTED);
  for (const [re, replacement] of PATTERNS) out = out.replace(re, replacement);
  return out;
}

/** A URL as text that is safe to show: userinfo removed, then {@link redact}ed. */
export function redactUrl(url: string | URL): string {
  const text = String(url);
  try {
    const u = new URL(text);
    if (u.username || u.password) {
      u.username = "";
      u.password = "";
      return redact(u.toString());
    }
  } catch {
    // not an absolute URL (a path): redact as text
  }
  return redact(text);
}

const SECRET_KEY_NAME = new RegExp(`^(?:${SECRET_KEY}|(?:proxy-)?authorization)$`, "i");

/**
 * A redacted deep copy of a JSON-like value (a Status, a log record's fields):
 * strings are {@link redact}ed, values under secret-named keys (`token`,
 * `password`, `authorization`, ...) become `<redacted>`, errors become their
 * redacted JSON form, cycles become `"[Circular]"` and anything nested deeper
 * than 32 levels `"[Too deep]"`.
 */
export function redactValue<T>(value: T): T {
  return copyRedacted(value, new WeakSet(), 0) as T;
}

function copyRedacted(value: unknown, seen: WeakSet<object>, depth: number): unknown {
  if (typeof value === "string") return redact(value);
  if (typeof value !== "object" || value === null) return value;
  if (depth > 32) return "[Too deep]";
  if (seen.has(value)) return "[Circular]";
  seen.add(value);
  try {
    if (value instanceof Error) return errorJSON(value, seen, depth);
    if (Array.isArray(value)) return value.map((v) => copyRedacted(v, seen, depth + 1));
    if (Buffer.isBuffer(value) || ArrayBuffer.isView(value)) return `[${value.constructor.name}]`;
    if (value instanceof Date) return value;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = SECRET_KEY_NAME.test(k) && v !== undefined && v !== null && v !== "" ? REDACTED : copyRedacted(v, seen, depth + 1);
    }
    return out;
  } finally {
    seen.delete(value);
  }
}

/** The JSON form of any error: our errors' toJSON(), else name, message, code and cause. */
function errorJSON(err: Error, seen: WeakSet<object>, depth: number): unknown {
  if (err instanceof KubegenError) return err.toJSON();
  const code = (err as { code?: unknown }).code;
  const cause = (err as { cause?: unknown }).cause;
  return {
    name: redact(String(err.name)),
    message: redact(String(err.message)),
    ...(typeof code === "string" || typeof code === "number" ? { code } : {}),
    ...(cause !== undefined ? { cause: copyRedacted(cause, seen, depth + 1) } : {}),
  };
}

// ---------------------------------------------------------------------------
// Errors

/** Sets a property that may be read-only or a prototype getter; failures are ignored. */
function overwrite(target: object, key: string, value: unknown): void {
  try {
    (target as Record<string, unknown>)[key] = value;
    if ((target as Record<string, unknown>)[key] === value) return;
  } catch {
    // fall through to defineProperty
  }
  try {
    Object.defineProperty(target, key, { value, writable: true, configurable: true, enumerable: false });
  } catch {
    // frozen: nothing more can be done
  }
}

function scrubInPlace(err: Error, seen: WeakSet<object>, depth: number): void {
  if (seen.has(err) || depth > 16) return;
  seen.add(err);
  for (const key of ["message", "stack"]) {
    const v = (err as unknown as Record<string, unknown>)[key];
    if (typeof v === "string") {
      const r = redact(v);
      if (r !== v) overwrite(err, key, r);
    }
  }
  for (const [key, v] of Object.entries(err)) {
    if (typeof v === "string") {
      const r = redact(v);
      if (r !== v) overwrite(err, key, r);
    }
  }
  if (err instanceof AggregateError && Array.isArray(err.errors)) {
    err.errors.forEach((e, i) => {
      if (e instanceof Error) scrubInPlace(e, seen, depth + 1);
      else if (typeof e === "string") err.errors[i] = redact(e);
    });
  }
  const cause = (err as { cause?: unknown }).cause;
  if (cause instanceof Error) scrubInPlace(cause, seen, depth + 1);
  else if (cause !== undefined && cause !== null) overwrite(err, "cause", redactCause(cause));
}

/**
 * Makes a value safe to keep as an error's `cause`. An Error is kept (so
 * `instanceof`, `code` and `cause` still work) but redacted in place: its
 * message, stack and own string properties (such as a URL error's `input`),
 * and the same for its own causes and AggregateError members. Other objects
 * are replaced by a redacted copy, strings by their redacted text.
 */
export function redactCause<T>(cause: T): T {
  if (cause instanceof Error) {
    scrubInPlace(cause, new WeakSet(), 0);
    return cause;
  }
  if (typeof cause === "string") return redact(cause) as T;
  if (typeof cause === "object" && cause !== null) return redactValue(cause);
  return cause;
}

/**
 * The base of the runtime's errors. The message and the `cause` chain are
 * redacted when the error is built (see {@link redactCause}), so `message`,
 * `stack` and `String(err)` never carry a known secret. `JSON.stringify(err)`
 * and `util.inspect(err)` show the name, the message, the fields a subclass
 * lists in {@link KubegenError.describe} and the cause, all redacted again
 * at that moment.
 */
export class KubegenError extends Error {
  override readonly name: string = "KubegenError";

  constructor(message: string, options?: { cause?: unknown }) {
    super(redact(String(message)), options?.cause === undefined ? undefined : { cause: redactCause(options.cause) });
  }

  /**
   * The fields shown by toJSON() and util.inspect() besides name, message
   * and cause. Subclasses list theirs; none may hold headers or a RestConfig.
   */
  protected describe(): Record<string, unknown> {
    return {};
  }

  /** The redacted JSON form: `{ name, message, ...fields, cause }`. */
  toJSON(): Record<string, unknown> {
    const cause = this.cause;
    return redactValue({
      name: this.name,
      message: this.message,
      ...this.describe(),
      ...(cause !== undefined ? { cause: cause instanceof Error ? cause : redactValue(cause) } : {}),
    });
  }

  /**
   * util.inspect(): `Name: message`, the stack frames and the redacted fields and cause.
   * (`options` is typed structurally: @types/node releases name the stylized options differently.)
   */
  [inspect.custom](depth: number, options: InspectOptions & { stylize?: (text: string, style: string) => string }, inspectFn: typeof inspect = inspect): string {
    const head = redact(`${this.name}: ${this.message}`);
    if (depth < 0) return options.stylize ? options.stylize(`[${head}]`, "special") : `[${head}]`;
    const frames = (this.stack ?? "").split("\n").filter((l) => /^\s+at /.test(l));
    const fields: Record<string, unknown> = redactValue(this.describe());
    for (const [k, v] of Object.entries(fields)) if (v === undefined) delete fields[k];
    const cause = this.cause;
    if (cause !== undefined) fields.cause = cause instanceof Error ? redactCause(cause) : redactValue(cause);
    let out = [head, ...frames].join("\n");
    if (Object.keys(fields).length > 0) {
      out += ` ${inspectFn(fields, { ...options, depth: options.depth == null ? options.depth : options.depth - 1 })}`;
    }
    return redact(out);
  }
}

// ---------------------------------------------------------------------------
// Headers and warnings

const SECRET_HEADERS = new Set(["authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "x-auth-token"]);

/** A copy of `headers` safe to log: Authorization and similar headers are replaced by `<redacted>`, other values redacted. */
export function redactHeaders(
  headers: Readonly<Record<string, string | string[] | number | undefined>>,
): Record<string, string | string[] | number | undefined> {
  const out: Record<string, string | string[] | number | undefined> = {};
  for (const [k, v] of Object.entries(headers)) {
    out[k] = SECRET_HEADERS.has(k.toLowerCase())
      ? REDACTED
      : typeof v === "string"
        ? redact(v)
        : Array.isArray(v)
          ? v.map((x) => redact(x))
          : v;
  }
  return out;
}

/** A server warning safe to hand to a warning handler: its text and agent {@link redact}ed. */
export function redactWarning(warning: ApiWarning): ApiWarning {
  return { ...warning, agent: redact(warning.agent), text: redact(warning.text) };
}
