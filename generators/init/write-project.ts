// Writing a scaffolded project into --out, all or nothing: the files are
// written into a temporary sibling folder, which is then renamed into place.
// A non-empty --out is refused unless `force`; with `force` the folder's
// other files are kept (copied into the new tree) and the scaffold's files
// replace theirs.

import { cp, mkdir, mkdtemp, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
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
 * Makes a temporary folder next to `out`, lets `fill` write the project into
 * it, then swaps it in. Nothing of `out` changes if anything fails.
 */
export async function writeProject(out: string, force: boolean, fill: (dir: string) => Promise<void>, shown = out): Promise<void> {
  const target = resolve(out);
  const entries = await existingEntries(target, shown);
  if (entries && entries.length > 0 && !force) await checkOutFolder(target, force, shown);
  const parent = dirname(target);
  let tmp: string;
  try {
    await mkdir(parent, { recursive: true });
    tmp = await mkdtemp(join(parent, `.${basename(target)}.kubegen-init-`));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new UsageError(`cannot write --out ${shown}: ${e.code ?? e.message} (on ${e.path ?? parent})`, { cause: err });
  }
  try {
    if (entries && entries.length > 0) await cp(target, tmp, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
    await fill(tmp);
    if (entries) {
      const old = `${tmp}.old`;
      await rename(target, old);
      try {
        await rename(tmp, target);
      } catch (err) {
        await rename(old, target);
        throw err;
      }
      await rm(old, { recursive: true, force: true });
    } else {
      await rename(tmp, target);
    }
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    if (err instanceof Error && (err.name === "UsageError" || err.name === "SchemaError")) throw err;
    const e = err as NodeJS.ErrnoException;
    throw new UsageError(`cannot write --out ${shown}: ${e.code ?? e.message}; it was left as it was`, { cause: err });
  }
}

/** Writes `content` at `dir/path`, making folders as needed. */
export async function put(dir: string, path: string, content: string | Uint8Array): Promise<void> {
  const file = join(dir, path);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, content);
}
