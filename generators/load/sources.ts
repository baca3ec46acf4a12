// Reading inputs: local files (plain or gzip), folders (expanded to their
// schema files, sorted, following symbolic links), and http(s) URLs. Every
// failure names the input.

import type { Dirent } from "node:fs";
import { readdir, readFile, realpath, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { gunzipSync } from "node:zlib";
import { UsageError } from "./errors.js";

/** One input file's text and the name to show in messages. */
export interface SourceText {
  readonly name: string;
  readonly text: string;
}

const SCHEMA_FILE = /\.(ya?ml|json)(\.gz)?$/i;

/** A gzip input may expand to at most this many bytes (a gzip bomb stops here). The Kubernetes swagger is about 4 MB. */
const MAX_INPUT_BYTES = 256 * 1024 * 1024;

export function isUrl(input: string): boolean {
  return /^https?:\/\//i.test(input);
}

function decode(name: string, bytes: Uint8Array): string {
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      return gunzipSync(bytes, { maxOutputLength: MAX_INPUT_BYTES }).toString("utf8");
    } catch (err) {
      throw new UsageError(`${name}: looks gzip-compressed but cannot be decompressed (${(err as Error).message})`, { cause: err });
    }
  }
  return Buffer.from(bytes).toString("utf8");
}

async function fetchText(url: string): Promise<SourceText> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(60_000) });
  } catch (err) {
    throw new UsageError(`cannot fetch ${url}: ${(err as Error).message}`, { cause: err });
  }
  if (!res.ok) throw new UsageError(`cannot fetch ${url}: HTTP ${res.status} ${res.statusText}`);
  return { name: url, text: decode(url, new Uint8Array(await res.arrayBuffer())) };
}

/**
 * The schema files under `dir`, in name order. Symbolic links are followed,
 * to files and to folders; a folder reached twice (a link loop, or two links
 * to one folder) is walked once, and a file reached twice is read once.
 */
async function listFolder(root: string, shownRoot: string): Promise<{ path: string; shown: string }[]> {
  const out: { path: string; shown: string }[] = [];
  const seenDirs = new Set<string>();
  const seenFiles = new Set<string>();
  const walk = async (dir: string, shown: string): Promise<void> => {
    let real: string;
    let entries: Dirent[];
    try {
      real = await realpath(dir);
      if (seenDirs.has(real)) return;
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      throw new UsageError(`${shown}: cannot read the folder (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { cause: err });
    }
    seenDirs.add(real);
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const p = join(dir, e.name);
      const s = join(shown, e.name);
      let isDir = e.isDirectory();
      let isFile = e.isFile();
      if (e.isSymbolicLink()) {
        let target;
        try {
          target = await stat(p); // follows the link
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          // A dangling link, or a loop of links (ELOOP): nothing to read there.
          if (SCHEMA_FILE.test(e.name)) throw new UsageError(`${s}: a symbolic link that leads nowhere (${code ?? (err as Error).message})`, { cause: err });
          continue;
        }
        isDir = target.isDirectory();
        isFile = target.isFile();
      }
      if (isDir) {
        await walk(p, s);
      } else if (isFile && SCHEMA_FILE.test(e.name)) {
        const realFile = await realpath(p).catch(() => p);
        if (seenFiles.has(realFile)) continue;
        seenFiles.add(realFile);
        out.push({ path: p, shown: s });
      }
    }
  };
  await walk(root, shownRoot);
  return out;
}

/**
 * Expands one input (file, folder or URL) into the texts it holds. Folders are
 * walked recursively for .yaml/.yml/.json(.gz) files in name order.
 */
export async function readInput(input: string, cwd = process.cwd()): Promise<SourceText[]> {
  if (isUrl(input)) return [await fetchText(input)];
  const path = resolve(cwd, input);
  let info;
  try {
    info = await stat(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(
      code === "ENOENT" ? `${input}: no such file or folder` : `${input}: cannot read (${code ?? (err as Error).message})`,
      { cause: err },
    );
  }
  const files = info.isDirectory() ? await listFolder(path, input) : [{ path, shown: input }];
  if (info.isDirectory() && files.length === 0) {
    throw new UsageError(`${input}: the folder holds no .yaml, .yml or .json files`);
  }
  return Promise.all(
    files.map(async ({ path: f, shown }) => {
      try {
        return { name: shown, text: decode(shown, await readFile(f)) };
      } catch (err) {
        if (err instanceof UsageError) throw err;
        throw new UsageError(`${shown}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { cause: err });
      }
    }),
  );
}
