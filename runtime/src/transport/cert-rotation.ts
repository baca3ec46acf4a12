// TLS material of one RestConfig, with rotation of the files it names
// (client-go transport/cert_rotation.go dynamicClientCert for the client
// certificate and key, transport/ca_rotation.go dynamicCALoader for the CA
// behind the ClientsAllowCARotation gate). It owns: reading caFile, certFile
// and keyFile (inline caData, certData and keyData never change), noticing
// when those files change, checking that new contents are usable before they
// are used, and numbering each accepted set of material (its generation). The
// transport builds one TLS agent per generation, so new connections use the
// newest material while requests and watches already in flight keep theirs.
//
// How change is noticed, per call of current():
//   - at most every `checkMs` (default 1 s) the named files are stat()ed
//     (device, inode, size, mtime and ctime in nanoseconds; symlinks are
//     followed, so a Kubernetes secret volume's `..data` swap is a change);
//   - only when a stat differs from the last accepted one (or every
//     `rereadMs`, default 5 min as client-go's CertCallbackRefreshDuration,
//     for file systems with coarse timestamps) are the files read;
//   - contents equal to the current material are no change (touching a file
//     rebuilds nothing);
//   - new contents must hold: a CA bundle of complete, parseable certificates,
//     and a client certificate that matches its key. A half-written or
//     mismatched set is not used: the previous material stays in use and the
//     files are read again at the next check, until they are consistent. A
//     rejected set is reported once (a process warning naming the files and
//     the reason, never their contents).
// The first load is different: there is no previous material, so a missing
// file or an unusable set is a ConfigError for the request that needed it
// (and the next request tries again).
//
// client-go closes every connection when the certificate changes
// (connrotation.Dialer CloseAll), watches included; kubegen closes only idle
// ones (the transport retires the previous agent), so long watches are not
// cut by a rotation. Checks run on the request path, synchronously (a stat of
// at most three files per `checkMs`); there is no timer.

import { statSync, readFileSync, type BigIntStats } from "node:fs";
import { createPrivateKey, X509Certificate } from "node:crypto";
import tls from "node:tls";
import { ConfigError, type RestConfig } from "../config/rest-config.js";
import { redact, registerSecret } from "../errors/redact.js";
import { realClock, type Clock } from "../util/clock.js";

/** How often the TLS files are stat()ed for change by default (RestConfig.tlsFileCheckMs). */
export const DEFAULT_TLS_FILE_CHECK_MS = 1_000;
/** How often the TLS files are read even when their stat did not change (client-go CertCallbackRefreshDuration, 5 min). */
export const DEFAULT_TLS_FILE_REREAD_MS = 5 * 60_000;

/** The CA, client certificate and key one TLS agent is built from (PEM text). */
export interface TlsMaterial {
  /** CA bundle, or undefined for the system roots. */
  readonly ca: string | undefined;
  /** Client certificate (chain), or undefined. */
  readonly cert: string | undefined;
  /** Client key, or undefined. */
  readonly key: string | undefined;
  /** 1 for the first material, then one more for every accepted change. */
  readonly generation: number;
}

/** What a {@link TlsFileSource} reports. Paths only: never file contents. */
export type TlsFileEvent =
  | { type: "rotated"; generation: number; files: readonly string[] }
  | { type: "rejected"; reason: string; files: readonly string[] };

/** Options of a {@link TlsFileSource}. */
export interface TlsFileSourceOptions {
  /** Minimum time between two stat() checks (default {@link DEFAULT_TLS_FILE_CHECK_MS}); 0 checks on every call, a negative value never re-checks. */
  checkMs?: number;
  /** Maximum time between two reads of the files (default {@link DEFAULT_TLS_FILE_REREAD_MS}). */
  rereadMs?: number;
  /** Whether caFile is watched too (client-go gate ClientsAllowCARotation; default true). */
  rotateCa?: boolean;
  /** Time source (tests inject FakeClock). */
  clock?: Clock;
  /** Receives rotations and rejections. Default: rejections become a process warning (code KUBEGEN_TLS_FILES). */
  onEvent?: (event: TlsFileEvent) => void;
}

/** The three pieces of TLS material a config may name a file for. */
export type TlsRole = "ca" | "cert" | "key";
const WHAT: Record<TlsRole, string> = { ca: "CA file", cert: "client certificate file", key: "client key file" };

/**
 * The TLS material for one RestConfig: inline data as given, files re-read
 * when they change (see the module notes for the rules).
 */
export class TlsFileSource {
  /** The files watched for change, by role. */
  readonly files: Readonly<Partial<Record<TlsRole, string>>>;
  readonly #inline: Readonly<Partial<Record<TlsRole, string>>>;
  readonly #checkMs: number;
  readonly #rereadMs: number;
  readonly #clock: Clock;
  readonly #where: string;
  readonly #onEvent: (event: TlsFileEvent) => void;
  /** The roles whose files are re-checked after the first load. */
  readonly #watched: TlsRole[];
  #material: TlsMaterial | undefined;
  #stats = "";
  #checkedAt = Number.NEGATIVE_INFINITY;
  #readAt = Number.NEGATIVE_INFINITY;
  #lastRejected = "";
  #reads = 0;

  constructor(
    config: Pick<RestConfig, "caData" | "caFile" | "certData" | "certFile" | "keyData" | "keyFile" | "origin">,
    options: TlsFileSourceOptions = {},
  ) {
    this.#where = config.origin ?? "rest config";
    this.#clock = options.clock ?? realClock;
    this.#checkMs = options.checkMs ?? DEFAULT_TLS_FILE_CHECK_MS;
    this.#rereadMs = options.rereadMs ?? DEFAULT_TLS_FILE_REREAD_MS;
    this.#onEvent =
      options.onEvent ??
      ((e) => {
        if (e.type === "rejected") process.emitWarning(`${this.#where}: ${e.reason}`, { code: "KUBEGEN_TLS_FILES" });
      });
    const files: Partial<Record<TlsRole, string>> = {};
    const inline: Partial<Record<TlsRole, string>> = {};
    // inline data wins over a file for the same role, as the transport always did
    if (config.caData) inline.ca = config.caData;
    else if (config.caFile) files.ca = config.caFile;
    if (config.certData) inline.cert = config.certData;
    else if (config.certFile) files.cert = config.certFile;
    if (config.keyData) inline.key = config.keyData;
    else if (config.keyFile) files.key = config.keyFile;
    this.files = files;
    this.#inline = inline;
    this.#watched = (Object.keys(files) as TlsRole[]).filter((p) => p !== "ca" || options.rotateCa !== false);
  }

  /** Whether any file is watched for change (false: the material never changes after the first load). */
  get rotating(): boolean {
    return this.#watched.length > 0 && this.#checkMs >= 0;
  }

  /** How many times the files were read (the first load included); for diagnostics and tests. */
  get reads(): number {
    return this.#reads;
  }

  /** The generation of the current material (0 before the first load). */
  get generation(): number {
    return this.#material?.generation ?? 0;
  }

  /**
   * The material to build new connections with. Loads it on first use, then
   * checks the files for change as the module notes describe.
   * @throws ConfigError when the first load fails (a file cannot be read, or
   *   the set is unusable); later failures keep the previous material.
   */
  current(): TlsMaterial {
    const now = this.#clock.now();
    if (!this.#material) {
      const stats = this.#statAll();
      const read = this.#readAll(true);
      const problem = checkTlsMaterial(read, this.files);
      if (problem) throw new ConfigError(`${this.#where}: ${problem}`, fileNamedIn(problem, this.files));
      this.#material = { ...read, generation: 1 };
      this.#stats = stats;
      this.#checkedAt = now;
      this.#readAt = now;
      return this.#material;
    }
    if (!this.rotating || now - this.#checkedAt < this.#checkMs) return this.#material;
    this.#checkedAt = now;
    const stats = this.#statAll();
    if (stats === this.#stats && now - this.#readAt < this.#rereadMs) return this.#material;

    let read: Omit<TlsMaterial, "generation">;
    try {
      read = this.#readAll(false);
    } catch (err) {
      this.#reject(stats, (err as Error).message);
      return this.#material;
    }
    this.#readAt = now;
    const cur = this.#material;
    if (read.ca === cur.ca && read.cert === cur.cert && read.key === cur.key) {
      this.#stats = stats; // touched, or rewritten with the same contents: nothing to rebuild
      this.#lastRejected = "";
      return cur;
    }
    const problem = checkTlsMaterial(read, this.files);
    if (problem) {
      this.#reject(stats, problem);
      return cur;
    }
    const changed = this.#watched.filter((p) => read[p] !== cur[p]).map((p) => this.files[p]!);
    this.#material = { ...read, generation: cur.generation + 1 };
    this.#stats = stats;
    this.#lastRejected = "";
    this.#onEvent({ type: "rotated", generation: this.#material.generation, files: changed });
    return this.#material;
  }

  #reject(stats: string, reason: string): void {
    // the previous material stays; #stats is not updated, so the next check reads again
    if (stats === this.#lastRejected) return;
    this.#lastRejected = stats;
    this.#onEvent({
      type: "rejected",
      reason: `${reason}; keeping the previous TLS material until the files are consistent (checked every ${this.#checkMs} ms)`,
      files: this.#watched.map((p) => this.files[p]!),
    });
  }

  /** A fingerprint of every watched file's stat (a missing file has one too). */
  #statAll(): string {
    return this.#watched
      .map((p) => {
        const f = this.files[p]!;
        let s: BigIntStats;
        try {
          s = statSync(f, { bigint: true });
        } catch (err) {
          return `${p}:${(err as NodeJS.ErrnoException).code ?? "error"}`;
        }
        return `${p}:${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
      })
      .join("|");
  }

  /** Every part, inline or read from its file. The first load reads unwatched files too. */
  #readAll(first: boolean): Omit<TlsMaterial, "generation"> {
    this.#reads++;
    const out: Partial<Record<TlsRole, string>> = { ...this.#inline };
    for (const p of ["ca", "cert", "key"] as const) {
      const file = this.files[p];
      if (!file) continue;
      if (!first && !this.#watched.includes(p)) {
        out[p] = this.#material![p];
        continue;
      }
      try {
        out[p] = readFileSync(file, "utf8");
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        const message = `cannot read ${WHAT[p]} ${file}${code ? ` (${code})` : ""}`;
        if (first) throw new ConfigError(`${this.#where}: ${message}`, { file, cause: err });
        throw new Error(message, { cause: err });
      }
    }
    if (out.key) registerSecret(out.key); // before anything could quote it, even when the set is rejected
    return { ca: out.ca, cert: out.cert, key: out.key };
  }
}

/** The file a problem message names first (for ConfigError.file). */
function fileNamedIn(problem: string, files: Readonly<Partial<Record<TlsRole, string>>>): { file?: string } {
  const named = (Object.values(files) as string[])
    .map((f) => ({ f, at: problem.indexOf(f) }))
    .filter((x) => x.at >= 0)
    .sort((x, y) => x.at - y.at)[0];
  return named ? { file: named.f } : {};
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

/**
 * Why a set of TLS material cannot be used, or undefined when it can: the CA
 * must be complete PEM certificates, and a client certificate must match its
 * key. Messages name files and roles, never contents.
 */
export function checkTlsMaterial(
  m: Pick<TlsMaterial, "ca" | "cert" | "key">,
  files: Readonly<Partial<Record<TlsRole, string>>> = {},
): string | undefined {
  const name = (p: TlsRole) => (files[p] ? `${WHAT[p]} ${files[p]}` : p === "ca" ? "caData" : p === "cert" ? "certData" : "keyData");
  if (m.ca !== undefined) {
    const problem = checkCertificates(m.ca);
    if (problem) return `${name("ca")} ${problem}`;
  }
  if (m.cert !== undefined && m.key !== undefined) {
    const problem = checkCertificates(m.cert);
    if (problem) return `${name("cert")} ${problem}`;
    let key;
    try {
      key = createPrivateKey(m.key);
    } catch {
      return `${name("key")} does not hold a usable private key (PEM)`;
    }
    let leaf: X509Certificate;
    try {
      leaf = new X509Certificate(m.cert);
    } catch {
      return `${name("cert")} does not hold a certificate`;
    }
    if (!leaf.checkPrivateKey(key)) return `${name("cert")} does not match ${name("key")} (a rotation may be half written)`;
  }
  try {
    tls.createSecureContext({
      ...(m.ca !== undefined ? { ca: m.ca } : {}),
      ...(m.cert !== undefined && m.key !== undefined ? { cert: m.cert, key: m.key } : {}),
    });
  } catch (err) {
    // OpenSSL reasons ("key values mismatch", "no start line") quote no key material; redact anyway
    const reason = (err as { reason?: string }).reason ?? (err as Error).message;
    return `the TLS material cannot be loaded: ${redact(String(reason))}`;
  }
  return undefined;
}

/** Why a PEM bundle is not a list of complete certificates, or undefined. */
function checkCertificates(pem: string): string | undefined {
  const begins = pem.match(/-----BEGIN [A-Z0-9 ]+-----/g)?.length ?? 0;
  const all = [...pem.matchAll(PEM_BLOCK)];
  const blocks = all.filter((b) => b[1] === "CERTIFICATE");
  if (blocks.length === 0) return "holds no PEM certificate";
  if (begins !== all.length) return "holds an unterminated PEM block (a rotation may be half written)";
  for (const [i, b] of blocks.entries()) {
    try {
      new X509Certificate(b[0]);
    } catch {
      return `holds a certificate (#${i + 1}) that does not parse`;
    }
  }
  return undefined;
}
