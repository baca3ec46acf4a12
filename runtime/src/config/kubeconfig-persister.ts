// Saving a kubeconfig user's refreshed auth-provider tokens back into the file
// the user entry came from (client-go tools/clientcmd/config.go
// PersistAuthProviderConfigForUser + ModifyConfig, loader.go lockFile).
// It owns:
//   - rewriteAuthProviderConfig(): a pure text edit that replaces only the
//     values of the given auth-provider settings (the id-token and the
//     refresh-token) of one user entry. Every other byte of the file stays as
//     it was: comments, quoting, indentation, key order, the other users. The
//     result is parsed again and must differ from the original only in those
//     values, or nothing is written. (client-go re-serialises the whole file.)
//   - KubeconfigAuthProviderPersister: reads the file, applies the edit and
//     writes it atomically: a temporary file in the same folder, given the
//     original's mode, then renamed over it. A symbolic link is followed, so
//     the link stays a link and its target is updated. Like client-go, it
//     holds `<file>.lock` (created exclusively) while it reads and writes, so
//     it does not race kubectl.
// Nothing here puts a secret into an error message: messages name the file,
// the user and the setting, never a value.

import { randomBytes } from "node:crypto";
import { chmod, open, readFile, realpath, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { isAlias, isMap, isScalar, isSeq, parseDocument, Scalar, type Document, type YAMLMap } from "yaml";
import type { AuthProviderConfigPersister } from "./auth-provider.js";

/** The settings a persister writes back: the ones a refresh changes. */
export const PERSISTED_AUTH_PROVIDER_KEYS: readonly string[] = ["id-token", "refresh-token"];

/** How long {@link KubeconfigAuthProviderPersister} waits for another writer's lock file by default (2 s). */
export const DEFAULT_KUBECONFIG_LOCK_TIMEOUT_MS = 2_000;

/** Why a kubeconfig could not be updated; `code` is a stable word for messages. */
export class KubeconfigUpdateError extends Error {
  override readonly name = "KubeconfigUpdateError";
  /** `ENTRY_NOT_FOUND`, `UNSUPPORTED_LAYOUT`, `NOT_VALID_YAML`, `LOCKED` or `VERIFY_FAILED`. */
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

function fail(code: string, message: string): never {
  throw new KubeconfigUpdateError(code, message);
}

/** The auth-provider `config` mapping of the first user entry named `user`, or undefined when there is none. */
function findConfigMap(doc: Document, user: string): YAMLMap | undefined {
  const root = doc.contents;
  if (!isMap(root)) return undefined;
  const users = root.get("users", true);
  if (isAlias(users)) fail("UNSUPPORTED_LAYOUT", "the users list is an alias");
  if (!isSeq(users)) return undefined;
  for (const item of users.items) {
    if (isAlias(item)) fail("UNSUPPORTED_LAYOUT", "a users entry is an alias");
    if (!isMap(item)) continue;
    const name = item.get("name", true);
    if (!isScalar(name) || name.value !== user) continue;
    // the first entry with the name is the one the loader used
    const step = (node: unknown, key: string): unknown => {
      if (isAlias(node)) fail("UNSUPPORTED_LAYOUT", `the ${key} of the user entry is an alias`);
      return isMap(node) ? node.get(key, true) : undefined;
    };
    const provider = step(step(item, "user"), "auth-provider");
    const config = step(provider, "config");
    if (isAlias(config)) fail("UNSUPPORTED_LAYOUT", "the auth-provider config is an alias");
    return isMap(config) ? config : undefined;
  }
  return undefined;
}

const BOOL_OR_NULL = /^(?:true|false|yes|no|on|off|y|n|null|~)$/i;

/** The value as a YAML scalar in (as far as it can keep) the style `like` was written in. */
function scalarText(value: string, like: Scalar.Type | undefined): string {
  const plainOk = /^[A-Za-z_][A-Za-z0-9._~+/=-]*$/.test(value) && !BOOL_OR_NULL.test(value);
  if (like === Scalar.PLAIN && plainOk) return value;
  if (like === Scalar.QUOTE_SINGLE && /^[\x20-\x7e]*$/.test(value)) return `'${value.replace(/'/g, "''")}'`;
  // a JSON string is a valid YAML double-quoted scalar (and keeps a JSON kubeconfig JSON)
  return JSON.stringify(value);
}

interface Edit {
  start: number;
  end: number;
  text: string;
}

/**
 * Returns `text` (a kubeconfig) with the auth-provider settings in `values`
 * set for the user entry named `user`, changing nothing else: existing values
 * are replaced in place (keeping their quoting where the new value allows it),
 * missing keys are added at the top of the `config` mapping with its
 * indentation. Values equal to the stored ones are left alone.
 *
 * @throws KubeconfigUpdateError when the file is not valid YAML, has no such
 *   user with an auth-provider config, uses aliases on the way to it, or the
 *   edit would change anything but the given values.
 */
export function rewriteAuthProviderConfig(text: string, user: string, values: Readonly<Record<string, string>>): string {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) fail("NOT_VALID_YAML", "the file is not valid YAML");
  const config = findConfigMap(doc, user);
  if (!config) fail("ENTRY_NOT_FOUND", `the file has no user ${JSON.stringify(user)} with an auth-provider config`);
  const edits: Edit[] = [];
  const missing: Array<[string, string]> = [];
  for (const [key, value] of Object.entries(values)) {
    const pair = config.items.find((p) => isScalar(p.key) && p.key.value === key);
    if (!pair) {
      missing.push([key, value]);
      continue;
    }
    const node = pair.value;
    if (isScalar(node) && node.value === value) continue;
    if ((!isScalar(node) && !isAlias(node)) || !node.range) {
      fail("UNSUPPORTED_LAYOUT", `auth-provider config.${key} is not a scalar`);
    }
    if (isScalar(node) && node.anchor) fail("UNSUPPORTED_LAYOUT", `auth-provider config.${key} carries an anchor`);
    const [start, valueEnd] = node.range;
    const old = text.slice(start, valueEnd);
    let replacement = scalarText(value, isScalar(node) ? node.type : undefined);
    // a block scalar's range ends after its last line break; keep that break
    if (isScalar(node) && (node.type === Scalar.BLOCK_LITERAL || node.type === Scalar.BLOCK_FOLDED) && /\n$/.test(old)) {
      replacement += "\n";
    }
    edits.push({ start, end: valueEnd, text: replacement });
  }
  if (missing.length > 0) {
    const lines = missing.map(([k, v]) => `${k}: ${scalarText(v, Scalar.PLAIN)}`);
    const range = config.range;
    if (!range) fail("UNSUPPORTED_LAYOUT", "the auth-provider config has no source position");
    if (text[range[0]] === "{") {
      const empty = config.items.length === 0;
      edits.push({ start: range[0] + 1, end: range[0] + 1, text: `${lines.join(", ")}${empty ? "" : ", "}` });
    } else {
      const firstKey = config.items[0]?.key;
      const at = isScalar(firstKey) ? firstKey.range?.[0] : undefined;
      if (at === undefined) fail("UNSUPPORTED_LAYOUT", "the auth-provider config is empty or unusual");
      const lineStart = text.lastIndexOf("\n", at - 1) + 1;
      const indent = text.slice(lineStart, at);
      if (!/^[ ]*$/.test(indent)) fail("UNSUPPORTED_LAYOUT", "the auth-provider config does not start on its own line");
      edits.push({ start: at, end: at, text: lines.map((l) => `${l}\n${indent}`).join("") });
    }
  }
  if (edits.length === 0) return text;
  let out = text;
  for (const e of edits.sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  verify(doc, out, user, values);
  return out;
}

/** The edited text must parse to the original document with exactly `values` set for the user. */
function verify(before: Document, after: string, user: string, values: Readonly<Record<string, string>>): void {
  const parsed = parseDocument(after);
  if (parsed.errors.length > 0) fail("VERIFY_FAILED", "the edit did not produce valid YAML");
  const expected = before.toJS({ maxAliasCount: 100 }) as unknown;
  const users = (expected as { users?: unknown }).users;
  const entry = Array.isArray(users)
    ? (users as Array<{ name?: unknown; user?: { "auth-provider"?: { config?: Record<string, unknown> } } }>).find(
        (u) => u?.name === user,
      )
    : undefined;
  const cfg = entry?.user?.["auth-provider"]?.config;
  if (!cfg) fail("VERIFY_FAILED", "the user entry could not be read back");
  Object.assign(cfg, values);
  if (!isDeepStrictEqual(parsed.toJS({ maxAliasCount: 100 }), expected)) {
    fail("VERIFY_FAILED", "the edit would have changed more than the refreshed tokens");
  }
}

/** Reads the auth-provider settings of `user` from kubeconfig text (strings only), or undefined when absent. */
export function readAuthProviderConfig(text: string, user: string): Record<string, string> | undefined {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) return undefined;
  let config: YAMLMap | undefined;
  try {
    config = findConfigMap(doc, user);
  } catch {
    return undefined;
  }
  if (!config) return undefined;
  const out: Record<string, string> = {};
  for (const pair of config.items) {
    const key = isScalar(pair.key) ? pair.key.value : undefined;
    const value = isScalar(pair.value) ? pair.value.value : undefined;
    if (typeof key === "string" && typeof value === "string") out[key] = value;
  }
  return out;
}

/** Options of a {@link KubeconfigAuthProviderPersister}. */
export interface KubeconfigPersisterOptions {
  /** How long to wait for another writer's `<file>.lock` (default {@link DEFAULT_KUBECONFIG_LOCK_TIMEOUT_MS}). */
  lockTimeoutMs?: number;
}

/**
 * Saves a kubeconfig user's refreshed `id-token` and `refresh-token` into the
 * file the entry came from, atomically and keeping everything else (see the
 * module note). Rejects with the file system's error (its `code`, e.g.
 * EACCES) or a {@link KubeconfigUpdateError}; the file is then unchanged.
 */
export class KubeconfigAuthProviderPersister implements AuthProviderConfigPersister {
  /** The kubeconfig file (absolute, as the loader read it). */
  readonly file: string;
  /** The user entry's name. */
  readonly user: string;
  readonly #lockTimeoutMs: number;

  constructor(file: string, user: string, options: KubeconfigPersisterOptions = {}) {
    this.file = file;
    this.user = user;
    this.#lockTimeoutMs = Math.max(0, options.lockTimeoutMs ?? DEFAULT_KUBECONFIG_LOCK_TIMEOUT_MS);
  }

  /** `kubeconfig <file>, user "<name>"`. */
  get description(): string {
    return `kubeconfig ${this.file}, user ${JSON.stringify(this.user)}`;
  }

  /** The user's auth-provider settings as the file holds them now, or undefined. */
  async load(): Promise<Record<string, string> | undefined> {
    return readAuthProviderConfig(await readFile(this.file, "utf8"), this.user);
  }

  /** Writes the {@link PERSISTED_AUTH_PROVIDER_KEYS} of `config` into the file. */
  async persist(config: Readonly<Record<string, string>>): Promise<void> {
    const values: Record<string, string> = {};
    for (const key of PERSISTED_AUTH_PROVIDER_KEYS) if (config[key] !== undefined) values[key] = config[key]!;
    const unlock = await this.#lock();
    try {
      const target = await realpath(this.file); // a link stays a link: its target is rewritten
      const text = await readFile(target, "utf8");
      const next = rewriteAuthProviderConfig(text, this.user, values);
      if (next !== text) await writeAtomically(target, next);
    } finally {
      await unlock();
    }
  }

  /** Takes `<file>.lock` (client-go loader.go lockFile: created with O_EXCL), waiting a little for another writer. */
  async #lock(): Promise<() => Promise<void>> {
    const lockPath = `${this.file}.lock`;
    const deadline = Date.now() + this.#lockTimeoutMs;
    for (;;) {
      try {
        const handle = await open(lockPath, "wx", 0o600);
        await handle.close();
        return () => rm(lockPath, { force: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
        if (Date.now() >= deadline) {
          fail("LOCKED", `${lockPath} exists (another program is writing the kubeconfig, or a stale lock was left behind)`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }
}

/** Writes `text` to a temporary sibling of `target` with `target`'s mode, then renames it over `target`. */
async function writeAtomically(target: string, text: string): Promise<void> {
  const mode = (await stat(target)).mode & 0o7777;
  const tmp = join(dirname(target), `.${basename(target)}.kubegen-${randomBytes(6).toString("hex")}.tmp`);
  let renamed = false;
  try {
    const handle = await open(tmp, "wx", mode & 0o777);
    try {
      await handle.writeFile(text, "utf8");
      await handle.sync();
    } finally {
      await handle.close();
    }
    await chmod(tmp, mode); // the umask narrowed the mode open() was given
    await rename(tmp, target);
    renamed = true;
  } finally {
    if (!renamed) await rm(tmp, { force: true });
  }
}
