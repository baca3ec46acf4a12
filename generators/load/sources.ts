// Reading inputs: local files (plain or gzip), folders (expanded to their
// schema files, sorted), and http(s) URLs. Every failure names the input.

import { readdir, readFile, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { gunzipSync } from "node:zlib";
import { UsageError } from "./errors.js";

/** One input file's text and the name to show in messages. */
export interface SourceText {
  readonly name: string;
  readonly text: string;
}

const SCHEMA_FILE = /\.(ya?ml|json)(\.gz)?$/i;

export function isUrl(input: string): boolean {
  return /^https?:\/\//i.test(input);
}

function decode(name: string, bytes: Uint8Array): string {
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      return gunzipSync(bytes).toString("utf8");
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

async function listFolder(dir: string): Promise<string[]> {
  const out: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listFolder(p)));
    else if (e.isFile() && SCHEMA_FILE.test(e.name)) out.push(p);
  }
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
  const files = info.isDirectory() ? await listFolder(path) : [path];
  if (info.isDirectory() && files.length === 0) {
    throw new UsageError(`${input}: the folder holds no .yaml, .yml or .json files`);
  }
  return Promise.all(
    files.map(async (f) => {
      const shown = info.isDirectory() ? join(input, f.slice(path.length + 1)) : input;
      try {
        return { name: shown, text: decode(shown, await readFile(f)) };
      } catch (err) {
        if (err instanceof UsageError) throw err;
        throw new UsageError(`${shown}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { cause: err });
      }
    }),
  );
}
