// Copying files to and from a container: a tar stream over exec (the same
// approach as kubectl's `cp` command, kubectl pkg/cmd/cp/cp.go; written
// anew). tar-stream packs and unpacks on this side; the container runs
// `tar xmf - -C <dir>` (to) or `tar cf - -C <dir> ./<name>` (from), with
// every path one argv word, never a shell string. Both flag sets work with
// GNU tar and busybox tar.
//
// The contract:
//   - Streaming both ways: files are read and written chunk by chunk with
//     backpressure through the exec session; no file is held in memory.
//   - `dest` names the path `src` gets (like `cp -r src dest` when dest does
//     not exist): a folder's contents land in dest (merged into an existing
//     folder), a file becomes dest (replacing a file there).
//   - What is copied: regular files with their permission bits (mode & 0o777;
//     set-id and sticky bits are dropped), folders (recursively, modes set
//     once their contents are written), symbolic links as links (never
//     followed), and hard links within the copy. Other entries (devices,
//     FIFOs, sockets) are skipped and reported to `onWarning`. Times are not
//     kept.
//   - The archive from a container is untrusted. copyFromPod refuses (throws
//     UnsafeArchiveEntryError and closes the session) an entry that
//       * has an absolute name (kubectl strips the `/` and warns; a tar that
//         kubegen runs with `-C` never writes one, so one here is hostile),
//       * has a `..` segment anywhere in its name (even one that stays
//         inside: lexical checks cannot see through links),
//       * is a symlink whose target is absolute or leads out of dest,
//       * would be written through a symlink (every folder on the way is
//         checked with lstat; files are created with O_EXCL | O_NOFOLLOW),
//       * is a hard link to anything but a regular file inside dest.
//     After extraction every created symlink is resolved once more
//     (realpath); one that leads out of dest (through other links) is
//     removed and refused. Entries before a refused one stay (inside dest).
//   - copyToPod sends what it finds locally, and the container's tar applies
//     its own rules (GNU tar refuses `..` and strips `/`).
//   - Errors: TarNotFoundError when the container has no `tar` (the runtime's
//     "executable file not found" InternalError, or exit code 127),
//     CopyError with the tar's stderr for a failed tar (e.g. a missing
//     path), the ApiError / NetworkError of exec for the rest, and the
//     signal's reason on abort.
//   - Needs v5.channel.k8s.io (every API server since 1.30): on v4 the
//     container's tar never sees the end of stdin, so copyToPod would hang.

import { constants as fsConstants, createReadStream } from "node:fs";
import { lstat, link, mkdir, open, readdir, readlink, realpath, symlink, unlink, chmod } from "node:fs/promises";
import { join, posix, relative, resolve, sep } from "node:path";
import { Readable, Writable } from "node:stream";
import tar, { type Extract as TarExtract, type Header } from "tar-stream";

type TarEntry = TarExtract extends AsyncIterable<infer S> ? S : never;
import { ApiError } from "../errors/api-error.js";
import { findInChain } from "../errors/network-error.js";
import { KubegenError } from "../errors/redact.js";
import type { RequestExecutor } from "../rest/resource-client.js";
import { execPod, ExitCodeError, type StreamTarget } from "./exec.js";

/** Which container, plus the controls shared by both directions. */
export interface CopyOptions {
  /** The pod's namespace. */
  namespace: string;
  /** The pod's name. */
  name: string;
  /** The container; the server picks the default one when omitted. */
  container?: string;
  /** The source: a local path for copyToPod, a path in the container for copyFromPod. */
  src: string;
  /** The destination: the path `src` gets (in the container for copyToPod, locally for copyFromPod). */
  dest: string;
  /** Aborts the copy: the session is closed and the call rejects with the reason. */
  signal?: AbortSignal;
  /** Called for entries that are skipped (devices, FIFOs, sockets). */
  onWarning?: (message: string) => void;
}

/** What a finished copy did. */
export interface CopyResult {
  /** Entries written (files, folders, links). */
  entries: number;
  /** Bytes of file content copied. */
  bytes: number;
}

interface Where {
  namespace: string;
  name: string;
  container?: string | undefined;
}

/** A copy failed: the container's tar failed, or the input cannot be copied. */
export class CopyError extends KubegenError {
  override readonly name: string = "CopyError";
  readonly namespace: string;
  readonly pod: string;
  readonly container: string | undefined;
  /** The tar's stderr (at most 16 KiB), when it ran. */
  readonly stderr: string;

  constructor(message: string, where: Where, init: { stderr?: string; cause?: unknown } = {}) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.namespace = where.namespace;
    this.pod = where.name;
    this.container = where.container;
    this.stderr = init.stderr ?? "";
  }

  protected override describe(): Record<string, unknown> {
    return { namespace: this.namespace, pod: this.pod, container: this.container, stderr: this.stderr };
  }
}

/** The container has no `tar` executable (cp needs one). */
export class TarNotFoundError extends CopyError {
  override readonly name = "TarNotFoundError";
}

/** copyFromPod refused an archive entry that would land outside `dest` (see cp.ts's contract). */
export class UnsafeArchiveEntryError extends CopyError {
  override readonly name = "UnsafeArchiveEntryError";
  /** The entry's name as the archive gave it. */
  readonly entry: string;
  /** Why it was refused. */
  readonly reason: string;

  constructor(entry: string, reason: string, where: Where) {
    super(`refusing archive entry ${JSON.stringify(entry)} from pod ${where.namespace}/${where.name}: ${reason}`, where);
    this.entry = entry;
    this.reason = reason;
  }

  protected override describe(): Record<string, unknown> {
    return { ...super.describe(), entry: this.entry, reason: this.reason };
  }
}

/** Whether `err` is (or wraps) a {@link CopyError} (TarNotFoundError and UnsafeArchiveEntryError included). */
export function isCopyError(err: unknown): err is CopyError {
  return findInChain(err, (e) => e instanceof CopyError) !== undefined;
}

// ---- path safety (pure; unit-tested) ----

/** The outcome of a path check: the normalised relative path (`""` for the root), or why it is refused. */
export type ArchivePathCheck = { ok: true; path: string } | { ok: false; reason: string };

/**
 * Checks an archive entry's name: refuses empty names, NUL bytes, absolute
 * names and any `..` segment; drops `.` and empty segments. No I/O.
 */
export function checkArchivePath(name: string): ArchivePathCheck {
  if (name.includes("\0")) return { ok: false, reason: "the name contains a NUL byte" };
  if (name === "") return { ok: false, reason: "the name is empty" };
  if (name.startsWith("/")) return { ok: false, reason: "the name is absolute" };
  const parts = name.split("/").filter((s) => s !== "" && s !== ".");
  if (parts.includes("..")) return { ok: false, reason: "the name has a '..' segment" };
  return { ok: true, path: parts.join("/") };
}

/**
 * Checks a symlink's target for a link at `entryPath` (a checked relative
 * path): the target must be relative and, resolved from the link's folder,
 * stay inside the root. Returns the resolved relative path. No I/O.
 */
export function checkLinkTarget(entryPath: string, target: string): ArchivePathCheck {
  if (target.includes("\0")) return { ok: false, reason: "the link target contains a NUL byte" };
  if (target === "") return { ok: false, reason: "the link target is empty" };
  if (target.startsWith("/")) return { ok: false, reason: `the link points to the absolute path ${JSON.stringify(target)}` };
  const stack = entryPath === "" ? [] : entryPath.split("/").slice(0, -1);
  if (entryPath === "") return { ok: false, reason: "the destination itself cannot be a link to somewhere inside it" };
  for (const part of target.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (stack.length === 0) return { ok: false, reason: `the link target ${JSON.stringify(target)} leads out of the destination` };
      stack.pop();
    } else stack.push(part);
  }
  return { ok: true, path: stack.join("/") };
}

/** An entry's path relative to dest: the archive's first segment (the source's own name) is dropped. */
export function stripFirstSegment(path: string): string {
  const i = path.indexOf("/");
  return i < 0 ? "" : path.slice(i + 1);
}

// ---- shared ----

const STDERR_LIMIT = 16 * 1024;

function collector(): { sink: Writable; text: () => string } {
  const parts: Buffer[] = [];
  let size = 0;
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (size < STDERR_LIMIT) {
        parts.push(chunk.subarray(0, STDERR_LIMIT - size));
        size += Math.min(chunk.length, STDERR_LIMIT - size);
      }
      cb();
    },
  });
  return { sink, text: () => Buffer.concat(parts).toString("utf8").trim() };
}

const TAR_MISSING = /executable file not found|no such file or directory|not found/i;

/** Maps the end of a tar session to the copy's error, or undefined when it succeeded. */
function tarFailure(err: unknown, where: Where, stderr: string, what: string): unknown {
  const label = `container ${where.container ?? "(default)"} of pod ${where.namespace}/${where.name}`;
  const exit = findInChain(err, (e) => e instanceof ExitCodeError) as ExitCodeError | undefined;
  if (exit?.exitCode === 127) return new TarNotFoundError(`tar is not available in ${label}`, where, { stderr, cause: err });
  if (exit) {
    return new CopyError(`${what}: tar in ${label} exited with code ${exit.exitCode}${stderr ? `: ${stderr.split("\n").slice(-3).join("; ")}` : ""}`, where, {
      stderr,
      cause: err,
    });
  }
  const api = findInChain(err, (e) => e instanceof ApiError) as ApiError | undefined;
  if (api && api.code === 500 && /\btar\b/.test(api.message) && TAR_MISSING.test(api.message)) {
    return new TarNotFoundError(`tar is not available in ${label}`, where, { stderr, cause: err });
  }
  return err;
}

function execTarget(o: CopyOptions): Where & { container?: string } {
  return { namespace: o.namespace, name: o.name, ...(o.container !== undefined ? { container: o.container } : {}) };
}

// ---- to the pod ----

/**
 * Copies a local file or folder into a container (`tar xmf - -C <dir>` over
 * exec), streaming. `dest` is the path `src` gets in the container; its
 * parent folder must exist there.
 *
 * ```ts
 * await copyToPod(client, { namespace: "default", name: "web", src: "./site", dest: "/usr/share/site" });
 * ```
 */
export async function copyToPod(target: StreamTarget | RequestExecutor, options: CopyOptions): Promise<CopyResult> {
  const where = execTarget(options);
  const destName = posix.basename(options.dest);
  const destDir = posix.dirname(options.dest);
  if (destName === "" || destName === "." || destName === ".." || options.dest.includes("\0")) {
    throw new CopyError(`copyToPod: dest ${JSON.stringify(options.dest)} must name a file or folder (not "/", "." or "..")`, where);
  }
  const top = await lstat(options.src); // a missing src fails here, before any exec
  options.signal?.throwIfAborted();
  const pack = tar.pack();
  const result: CopyResult = { entries: 0, bytes: 0 };
  const input = Readable.from(pack as AsyncIterable<Buffer>, { objectMode: false });
  const stdout = collector();
  const stderr = collector();
  const session = await execPod(target, {
    ...where,
    command: ["tar", "xmf", "-", "-C", destDir],
    stdin: input,
    stdout: stdout.sink,
    stderr: stderr.sink,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  let packError: unknown;
  const packing = packTree(pack, options.src, destName, top, result, options.onWarning).then(
    () => pack.finalize(),
    (err: unknown) => {
      packError = err;
      session.abort(err);
    },
  );
  try {
    await session.done;
  } catch (err) {
    // only a packing error from before the session ended is the cause: destroying the archive
    // below makes packing fail too ("the archive was closed"), and that must not hide why tar failed
    const cause = packError;
    pack.destroy();
    input.destroy();
    await packing;
    if (cause !== undefined) throw cause;
    throw tarFailure(err, where, stderr.text() || stdout.text(), `copy ${options.src} to ${options.dest}`);
  }
  await packing;
  if (packError !== undefined) throw packError;
  return result;
}

type Pack = ReturnType<typeof tar.pack>;

async function packTree(
  pack: Pack,
  path: string,
  name: string,
  st: Awaited<ReturnType<typeof lstat>>,
  result: CopyResult,
  warn: ((m: string) => void) | undefined,
): Promise<void> {
  const header = { name, mode: Number(st.mode) & 0o777, mtime: st.mtime };
  if (st.isSymbolicLink()) {
    await entry(pack, { ...header, type: "symlink", linkname: await readlink(path) });
  } else if (st.isDirectory()) {
    await entry(pack, { ...header, type: "directory" });
    for (const child of (await readdir(path)).sort()) {
      const p = join(path, child);
      await packTree(pack, p, `${name}/${child}`, await lstat(p), result, warn);
    }
  } else if (st.isFile()) {
    const size = Number(st.size);
    let finished!: Promise<void>;
    const sink = await new Promise<ReturnType<Pack["entry"]>>((res) => {
      finished = new Promise<void>((ok, fail) => {
        res(pack.entry({ ...header, type: "file", size }, (err) => (err ? fail(err) : ok())));
      });
    });
    finished.catch(() => {}); // awaited below; a destroyed pack must not leave an unhandled rejection
    let sent = 0;
    if (size > 0) {
      for await (const chunk of createReadStream(path, { end: size - 1, highWaterMark: 64 * 1024 })) {
        if (sink.destroyed) throw new Error("the archive was closed");
        sent += (chunk as Buffer).length;
        if (!sink.write(chunk as Buffer)) await drained(sink);
      }
    }
    if (sent !== size) throw new Error(`${path} changed size while it was being copied (${size} bytes expected, ${sent} read)`);
    sink.end(undefined);
    await finished;
    result.bytes += size;
  } else {
    warn?.(`skipping ${path}: not a file, folder or symlink`);
    return;
  }
  result.entries++;
}

/** Resolves on 'drain', or when the stream is closed (destroyed streams never drain). */
function drained(stream: { once(event: string, fn: () => void): unknown; off(event: string, fn: () => void): unknown }): Promise<void> {
  return new Promise<void>((r) => {
    const done = (): void => {
      stream.off("drain", done);
      stream.off("close", done);
      r();
    };
    stream.once("drain", done);
    stream.once("close", done);
  });
}

function entry(pack: Pack, header: Partial<Header> & { name: string }): Promise<void> {
  return new Promise((res, rej) => pack.entry(header, (err) => (err ? rej(err) : res())));
}

// ---- from the pod ----

/**
 * Copies a file or folder out of a container (`tar cf - -C <dir> ./<name>`
 * over exec), streaming, into the local path `dest`. The archive is
 * untrusted: see the module's contract for what is refused.
 *
 * ```ts
 * await copyFromPod(client, { namespace: "default", name: "web", src: "/var/log/app", dest: "./app-logs" });
 * ```
 */
export async function copyFromPod(target: StreamTarget | RequestExecutor, options: CopyOptions): Promise<CopyResult> {
  const where = execTarget(options);
  const srcName = posix.basename(options.src);
  const srcDir = posix.dirname(options.src);
  if (options.src.includes("\0")) throw new CopyError("copyFromPod: src contains a NUL byte", where);
  // "./name" keeps a name that starts with "-" from reading as an option; "/" becomes "-C / ."
  const member = srcName === "" ? "." : `./${srcName}`;
  const root = resolve(options.dest);
  options.signal?.throwIfAborted();
  const stderr = collector();
  const session = await execPod(target, {
    ...where,
    command: ["tar", "cf", "-", "-C", srcDir === "" ? "." : srcDir, member],
    stdout: true,
    stderr: stderr.sink,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const extractor = new Extractor(root, where, options.onWarning);
  let extractError: unknown;
  try {
    await extractor.run(session.stdout!, srcName === "");
  } catch (err) {
    extractError = err;
    session.abort(err);
  }
  let sessionError: unknown;
  try {
    await session.done;
  } catch (err) {
    sessionError = err;
  }
  const mapped = sessionError === undefined ? undefined : tarFailure(sessionError, where, stderr.text(), `copy ${options.src} to ${options.dest}`);
  // a missing tar or a failed tar explains a broken archive better than the parser does
  if (mapped instanceof CopyError) throw mapped;
  // so does a session that failed on its own (the connection, the API server), not by our abort
  const failedFirst = sessionError !== undefined && sessionError !== extractError && !(extractError instanceof UnsafeArchiveEntryError);
  if (extractError !== undefined && !failedFirst) throw extractError;
  if (sessionError !== undefined) throw mapped;
  await extractor.finish();
  return extractor.result;
}

/**
 * Extracts an untrusted tar stream into `dest` with copyFromPod's rules (the
 * archive's first path segment is the source's own name and is dropped).
 * Internal: exported for tests, not from the package index.
 */
export async function extractUntrustedTar(source: Readable, dest: string, where: Where, onWarning?: (m: string) => void): Promise<CopyResult> {
  const extractor = new Extractor(resolve(dest), where, onWarning);
  await extractor.run(source, false);
  await extractor.finish();
  return extractor.result;
}

/** Writes one untrusted archive under `root`, refusing what would land outside it. */
class Extractor {
  readonly result: CopyResult = { entries: 0, bytes: 0 };
  readonly #dirs: { path: string; mode: number }[] = [];
  readonly #links: { path: string; entry: string }[] = [];

  constructor(
    readonly root: string,
    readonly where: Where,
    readonly warn: ((m: string) => void) | undefined,
  ) {}

  async run(stdout: Readable, wholeRoot: boolean): Promise<void> {
    const extract = tar.extract();
    const feeding = (async () => {
      try {
        for await (const chunk of stdout) {
          if (extract.destroyed) break;
          if (!extract.write(chunk as Buffer)) await drained(extract);
        }
        extract.end(undefined);
      } catch (err) {
        extract.destroy(err as Error);
      }
    })();
    try {
      for await (const e of extract) {
        await this.#entry(e, wholeRoot);
      }
    } catch (err) {
      stdout.destroy();
      throw err;
    } finally {
      await feeding;
    }
  }

  #refuse(entry: string, reason: string): never {
    throw new UnsafeArchiveEntryError(entry, reason, this.where);
  }

  async #entry(e: TarEntry, wholeRoot: boolean): Promise<void> {
    const h = e.header;
    const checked = checkArchivePath(h.name);
    if (!checked.ok) this.#refuse(h.name, checked.reason);
    const rel = wholeRoot ? checked.path : stripFirstSegment(checked.path);
    const abs = rel === "" ? this.root : join(this.root, ...rel.split("/"));
    const mode = (h.mode ?? 0o644) & 0o777;
    switch (h.type) {
      case "directory": {
        await this.#parents(h.name, rel, true);
        e.resume();
        this.#dirs.push({ path: abs, mode });
        break;
      }
      case "file":
      case "contiguous-file": {
        await this.#parents(h.name, rel, false);
        await this.#clear(h.name, abs);
        const fh = await open(abs, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_NOFOLLOW, 0o600);
        try {
          for await (const chunk of e) {
            await fh.write(chunk as Buffer);
            this.result.bytes += (chunk as Buffer).length;
          }
          await fh.chmod(mode);
        } finally {
          await fh.close();
        }
        break;
      }
      case "symlink": {
        const target = h.linkname ?? "";
        const t = checkLinkTarget(rel, target);
        if (!t.ok) this.#refuse(h.name, t.reason);
        await this.#parents(h.name, rel, false);
        await this.#clear(h.name, abs);
        e.resume();
        await symlink(target, abs);
        this.#links.push({ path: abs, entry: h.name });
        break;
      }
      case "link": {
        const lt = checkArchivePath(h.linkname ?? "");
        if (!lt.ok) this.#refuse(h.name, `hard link: ${lt.reason}`);
        const targetRel = wholeRoot ? lt.path : stripFirstSegment(lt.path);
        if (targetRel === "") this.#refuse(h.name, "hard link to the destination itself");
        const targetAbs = join(this.root, ...targetRel.split("/"));
        await this.#parents(h.name, targetRel, false);
        const st = await lstat(targetAbs).catch(() => undefined);
        if (!st?.isFile()) this.#refuse(h.name, `hard link to ${JSON.stringify(h.linkname)}, which is not a file extracted here`);
        await this.#parents(h.name, rel, false);
        await this.#clear(h.name, abs);
        e.resume();
        await link(targetAbs, abs);
        break;
      }
      default:
        e.resume();
        this.warn?.(`skipping ${JSON.stringify(h.name)}: a ${h.type ?? "unknown"} entry`);
        return;
    }
    this.result.entries++;
  }

  /**
   * Makes sure every folder from root down to `rel` (its parent, or itself
   * when `self`) is a real folder: created when missing, refused when it is
   * a symlink or something else.
   */
  async #parents(entry: string, rel: string, self: boolean): Promise<void> {
    const parts = rel === "" ? [] : rel.split("/");
    const upto = self ? parts.length : parts.length - 1;
    let cur = this.root;
    for (let i = -1; i < upto; i++) {
      if (i >= 0) cur = join(cur, parts[i]!);
      const st = await lstat(cur).catch((err: NodeJS.ErrnoException) => {
        if (err.code === "ENOENT") return undefined;
        throw err;
      });
      if (!st) {
        await mkdir(cur, { mode: 0o700 });
        continue;
      }
      if (i >= 0 && st.isSymbolicLink()) this.#refuse(entry, `it would be written through the symlink ${JSON.stringify(parts.slice(0, i + 1).join("/"))}`);
      if (!st.isDirectory() && !(i < 0 && st.isSymbolicLink())) {
        throw new CopyError(`cannot extract ${JSON.stringify(entry)}: ${cur} exists and is not a folder`, this.where);
      }
    }
  }

  /** Removes a non-folder at `abs` (an entry replaces it); a folder there is an error. */
  async #clear(entry: string, abs: string): Promise<void> {
    const st = await lstat(abs).catch(() => undefined);
    if (!st) return;
    if (st.isDirectory()) throw new CopyError(`cannot extract ${JSON.stringify(entry)}: ${abs} is a folder`, this.where);
    await unlink(abs);
  }

  /** Sets folder modes (deepest first) and re-checks every created symlink against the root. */
  async finish(): Promise<void> {
    const realRoot = await realpath(this.root);
    for (const l of this.#links) {
      const real = await realpath(l.path).catch(() => undefined); // a dangling link passed the lexical check
      if (real === undefined) continue;
      const r = relative(realRoot, real);
      if (r === ".." || r.startsWith(`..${sep}`) || resolve(realRoot, r) !== real) {
        await unlink(l.path);
        this.#refuse(l.entry, "the link leads out of the destination through other links");
      }
    }
    for (const d of this.#dirs.reverse()) await chmod(d.path, d.mode);
  }
}
