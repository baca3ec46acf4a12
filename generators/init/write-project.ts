// Writing a scaffolded project into --out. The project is first written whole
// into a temporary sibling folder, so a failure changes nothing. A new --out
// is that folder, renamed into place. An existing --out is never moved or
// re-created: a non-empty one is refused unless `force`, and then each
// scaffold file is renamed over its path (keeping a replaced file's mode),
// while every other entry (files, links, folders, special files) stays.

import { randomBytes } from "node:crypto";
import { chmod, copyFile, lstat, mkdir, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { UsageError } from "../load/errors.js";

/** Lists `out`'s entries: undefined when it does not exist; a UsageError when it is not a folder. */
export async function existingEntries(out: string, shown = out): Promise<string[] | undefined> {
  let info;
  try {
    info = await stat(out);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new UsageError(`--out ${shown}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { cause: err });
  }
  if (!info.isDirectory()) throw new UsageError(`--out ${shown} exists and is not a folder`);
  return readdir(out);
}

/** Refuses a non-empty `out` unless `force`. */
export async function checkOutFolder(out: string, force: boolean, shown = out): Promise<void> {
  const entries = await existingEntries(out, shown);
  if (entries && entries.length > 0 && !force) {
    throw new UsageError(
      `--out ${shown} is not empty (${entries.slice(0, 3).join(", ")}${entries.length > 3 ? ", ..." : ""}); ` +
        "choose a new folder, or pass --force to write into it (its other files are kept)",
    );
  }
}

/**
 * Lets `fill` write the whole project into a temporary sibling of `out`, then
 * puts it in place. An absent `out` becomes the filled folder by one rename
 * (all or nothing). An existing `out` (empty, or any with `force`) is never
 * moved: each file of the project is written to a temporary sibling inside it
 * and renamed over its path, keeping the mode of a file it replaces; every
 * other entry, and the folder's own mode, stay as they were. Nothing of `out`
 * changes if `fill` fails.
 */
export async function writeProject(out: string, force: boolean, fill: (dir: string) => Promise<void>, shown = out): Promise<void> {
  const target = resolve(out);
  const entries = await existingEntries(target, shown);
  if (entries && entries.length > 0 && !force) await checkOutFolder(target, force, shown);
  const parent = dirname(target);
  // mkdir (not mkdtemp, which makes 0700) so the folder gets the user's default mode.
  const tmp = join(parent, `.${basename(target)}.kubegen-init-${process.pid}-${randomBytes(6).toString("hex")}`);
  try {
    await mkdir(parent, { recursive: true });
    await mkdir(tmp);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new UsageError(`cannot write --out ${shown}: ${e.code ?? e.message} (on ${e.path ?? parent})`, { cause: err });
  }
  let placed = 0;
  try {
    await fill(tmp);
    if (!entries) {
      await rename(tmp, target);
      return;
    }
    const files = await listFiles(tmp);
    await refuseInTheWay(target, files, shown);
    for (const rel of files) {
      await placeFile(join(tmp, rel), target, rel);
      placed++;
    }
  } catch (err) {
    if (err instanceof Error && (err.name === "UsageError" || err.name === "SchemaError")) throw err;
    const e = err as NodeJS.ErrnoException;
    const done = placed === 0 ? "it was left as it was" : `${placed} files of the scaffold were written; run again with --force to finish`;
    throw new UsageError(`cannot write --out ${shown}: ${e.code ?? e.message}; ${done}`, { cause: err });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** Relative paths of the regular files under `dir`. */
async function listFiles(dir: string, rel = ""): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(join(dir, rel), { withFileTypes: true })) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await listFiles(dir, p)));
    else out.push(p);
  }
  return out.sort();
}

/** Refuses before any write when a scaffold path, or a folder on its way, is something other than a file (or a folder). */
async function refuseInTheWay(target: string, files: readonly string[], shown: string): Promise<void> {
  const blocked = new Set<string>();
  for (const rel of files) {
    const parts = rel.split("/");
    for (let i = 1; i <= parts.length; i++) {
      const sub = parts.slice(0, i).join("/");
      const st = await lstat(join(target, sub)).catch(() => undefined);
      if (!st) break;
      const wantFolder = i < parts.length;
      if (wantFolder ? !st.isDirectory() : !st.isFile()) blocked.add(sub);
      if (!st.isDirectory()) break;
    }
  }
  if (blocked.size > 0) {
    throw new UsageError(
      `--out ${shown}: the scaffold would replace ${[...blocked].sort().join(", ")}, which ${blocked.size === 1 ? "is" : "are"} not a plain file ` +
        "(a symlink, a folder or a special file); move it away; nothing was written",
    );
  }
}

/** Moves `from` to `target/rel` through a temporary sibling, keeping the mode of a file it replaces. */
async function placeFile(from: string, target: string, rel: string): Promise<void> {
  const dest = join(target, rel);
  await mkdir(dirname(dest), { recursive: true });
  const before = await lstat(dest).catch(() => undefined);
  const tmp = join(dirname(dest), `.${basename(dest)}.kubegen-init-${process.pid}-${randomBytes(6).toString("hex")}.tmp`);
  await copyFile(from, tmp);
  try {
    await chmod(tmp, before?.isFile() ? before.mode & 0o7777 : 0o644);
    await rename(tmp, dest);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** Writes `content` at `dir/path`, making folders as needed. */
export async function put(dir: string, path: string, content: string | Uint8Array): Promise<void> {
  const file = join(dir, path);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, content);
}
