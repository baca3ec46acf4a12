// `--emit js`: turns the rendered `.ts` files into `.js` + `.d.ts` in memory,
// before the writer sees anything, so the writer's rules hold unchanged.
// Generated code is written to satisfy `isolatedDeclarations` (every export has
// an explicit type), so each file compiles alone, as TypeScript's
// transpileModule and transpileDeclaration do: no type checker, no lib and no
// module resolution, all files in one program that emits both. A file of types
// only (the per-type files, most of the output) needs no compiler: it is its own
// `.d.ts`, and its `.js` is an empty module. Output is ESM for ES2022; relative
// imports already end in `.js`, so the files work under NodeNext as they are. If a file ever breaks
// that rule, the whole set is compiled once more as one program (declaration
// emit with the checker), which is slower but gives the same files.
// Every output file starts with GENERATED_HEADER, so the writer owns it.

import { createRequire } from "node:module";
import type * as TS from "typescript";
import { UsageError } from "../load/errors.js";
import { GENERATED_HEADER, type RenderedFile } from "./output.js";

/** What kubegen writes: TypeScript source (the default) or compiled JavaScript with declarations. */
export type EmitMode = "ts" | "js";

/** The emit modes, as `--emit` accepts them. */
export const EMIT_MODES: readonly EmitMode[] = ["ts", "js"];

/** Checks a user-given mode (flag or config key). */
export function parseEmitMode(value: unknown): EmitMode {
  if (value === undefined) return "ts";
  if (typeof value === "string" && (EMIT_MODES as readonly string[]).includes(value)) return value as EmitMode;
  throw new UsageError(`--emit must be one of ${EMIT_MODES.join(", ")} (got ${JSON.stringify(value)})`);
}

type Ts = typeof TS;

function compilerOptions(ts: Ts): TS.CompilerOptions {
  return {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    declaration: true,
    isolatedDeclarations: true,
    isolatedModules: true,
    verbatimModuleSyntax: true,
    strict: true,
    skipLibCheck: true,
    removeComments: false,
    newLine: ts.NewLineKind.LineFeed,
    noEmitOnError: false,
    types: [],
  };
}

/** The header first, once; the compiler keeps it as the first statement's comment, but not always (e.g. a file of types only). */
function withHeader(text: string): string {
  const body = text.startsWith(GENERATED_HEADER) ? text.slice(GENERATED_HEADER.length).replace(/^\r?\n/, "") : text;
  return `${GENERATED_HEADER}\n${body.endsWith("\n") ? body : `${body}\n`}`;
}

function stem(path: string): string {
  if (!path.endsWith(".ts") || path.endsWith(".d.ts")) throw new Error(`kubegen bug: cannot compile ${path} (not a .ts source file)`);
  return path.slice(0, -3);
}

function messageOf(ts: Ts, d: TS.Diagnostic): string {
  const where = d.file && d.start !== undefined ? `${d.file.fileName}(${d.file.getLineAndCharacterOfPosition(d.start).line + 1}): ` : "";
  return `${where}${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
}

/** Just enough of a lib for declaration emit without the checker (as in TypeScript's own transpileDeclaration). */
const BARE_LIB = `/// <reference no-default-lib="true"/>
interface Boolean {}
interface Function {}
interface CallableFunction {}
interface NewableFunction {}
interface IArguments {}
interface Number {}
interface Object {}
interface RegExp {}
interface String {}
interface Array<T> { length: number; [n: number]: T; }
interface SymbolConstructor { readonly iterator: symbol; }
declare var Symbol: SymbolConstructor;
`;
const VIRTUAL_ROOT = "/kubegen-out";
const LIB_NAME = `${VIRTUAL_ROOT}/.lib.d.ts`;

/**
 * Compiles every file alone, as TypeScript's transpileModule and transpileDeclaration would,
 * but in one program (one setup instead of two per file): no lib, no module resolution, no
 * checking. Returns undefined when some file needs the checker for its declarations.
 */
function compileIsolated(ts: Ts, files: readonly RenderedFile[], options: TS.CompilerOptions): RenderedFile[] | undefined {
  const opts: TS.CompilerOptions = {
    ...options,
    noLib: true,
    noResolve: true,
    noCheck: true,
    suppressOutputPathCheck: true,
    outDir: VIRTUAL_ROOT,
    rootDir: VIRTUAL_ROOT,
  } as TS.CompilerOptions;
  const sources = new Map<string, TS.SourceFile>();
  for (const f of files) {
    const name = `${VIRTUAL_ROOT}/${f.path}`;
    sources.set(name, ts.createSourceFile(name, f.content, { languageVersion: ts.ScriptTarget.ES2022, impliedNodeFormat: ts.ModuleKind.ESNext, jsDocParsingMode: ts.JSDocParsingMode.ParseNone }, false, ts.ScriptKind.TS));
  }
  sources.set(LIB_NAME, ts.createSourceFile(LIB_NAME, BARE_LIB, ts.ScriptTarget.ES2022));
  const emitted = new Map<string, string>();
  const host: TS.CompilerHost = {
    getSourceFile: (name) => sources.get(name),
    writeFile: (name, text) => {
      if (!name.startsWith(`${VIRTUAL_ROOT}/`)) throw new Error(`kubegen bug: the compiler wrote outside the output folder: ${name}`);
      emitted.set(name.slice(VIRTUAL_ROOT.length + 1), text);
    },
    getDefaultLibFileName: () => LIB_NAME,
    useCaseSensitiveFileNames: () => true,
    getCanonicalFileName: (name) => name,
    getCurrentDirectory: () => VIRTUAL_ROOT,
    getNewLine: () => "\n",
    fileExists: (name) => sources.has(name),
    readFile: () => undefined,
    directoryExists: () => true,
    getDirectories: () => [],
  };
  const parsed = ts.createProgram({ rootNames: [...sources.keys()], options: opts, host });
  const syntax = parsed.getSyntacticDiagnostics();
  if (syntax.length > 0) throw new Error(`kubegen bug: generated code does not parse: ${syntax.slice(0, 5).map((d) => messageOf(ts, d)).join("; ")}`);
  // A file of types only is its own declaration file, and its JavaScript is an empty module.
  const compiled: string[] = [LIB_NAME];
  for (const f of files) {
    const name = `${VIRTUAL_ROOT}/${f.path}`;
    if (!declarationsOnly(ts, sources.get(name)!)) compiled.push(name);
    else emitted.set(`${stem(f.path)}.js`, "export {};\n").set(`${stem(f.path)}.d.ts`, f.content);
  }
  const program = ts.createProgram({ rootNames: compiled, options: opts, host, oldProgram: parsed });
  const result = program.emit();
  // isolatedDeclarations errors: some export's type would need inference.
  if (result.diagnostics.some((d) => d.category === ts.DiagnosticCategory.Error)) return undefined;
  return collect(files, emitted);
}

/** True when every statement of `file` is a type: interfaces, type aliases, and type-only imports and exports. */
function declarationsOnly(ts: Ts, file: TS.SourceFile): boolean {
  return file.statements.every(
    (st) =>
      ts.isInterfaceDeclaration(st) ||
      ts.isTypeAliasDeclaration(st) ||
      (ts.isImportDeclaration(st) && st.importClause?.isTypeOnly === true) ||
      (ts.isExportDeclaration(st) && st.isTypeOnly),
  );
}

/** Pairs each source with its two outputs, in the sources' order, header first. */
function collect(files: readonly RenderedFile[], emitted: ReadonlyMap<string, string>): RenderedFile[] {
  const out: RenderedFile[] = [];
  for (const f of files) {
    for (const path of [`${stem(f.path)}.js`, `${stem(f.path)}.d.ts`]) {
      const content = emitted.get(path);
      if (content === undefined) throw new Error(`kubegen bug: the compiler produced no ${path}`);
      out.push({ path, content: withHeader(content) });
    }
  }
  return out;
}

/**
 * The fallback: all files as one program, resolved as if they sat in `root` (so `@kubegen/runtime`
 * resolves as it would for the user), declarations from the checker. `noCheck`: the code is
 * kubegen's own and type-checked by its tests; the checker is only asked for the types it infers.
 */
function compileProgram(ts: Ts, files: readonly RenderedFile[], options: TS.CompilerOptions, root: string): RenderedFile[] {
  const opts: TS.CompilerOptions = {
    ...options,
    isolatedDeclarations: false,
    noCheck: true,
    outDir: root,
    rootDir: root,
  };
  const sources = new Map(files.map((f) => [`${root}/${f.path}`, f.content]));
  const host = ts.createCompilerHost(opts);
  const { getSourceFile, fileExists, readFile } = host;
  host.fileExists = (name) => sources.has(name) || fileExists.call(host, name);
  host.readFile = (name) => sources.get(name) ?? readFile.call(host, name);
  host.getSourceFile = (name, language, ...rest) => {
    const text = sources.get(name);
    return text !== undefined ? ts.createSourceFile(name, text, language, true) : getSourceFile.call(host, name, language, ...rest);
  };
  const emitted = new Map<string, string>();
  host.writeFile = (name, text) => {
    if (!name.startsWith(`${root}/`)) throw new Error(`kubegen bug: the compiler wrote outside the output folder: ${name}`);
    emitted.set(name.slice(root.length + 1), text);
  };
  const program = ts.createProgram({ rootNames: [...sources.keys()], options: opts, host });
  const result = program.emit();
  const errors = result.diagnostics.filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length > 0) throw new Error(`kubegen bug: generated code does not compile: ${errors.slice(0, 5).map((d) => messageOf(ts, d)).join("; ")}`);
  return collect(files, emitted);
}

/**
 * TypeScript, an optional peer dependency that only `--emit js` needs. Loaded with require: an
 * ESM import of its 9 MB CommonJS file first scans all of it for export names (about 0.5 s).
 */
function loadTypeScript(): Ts {
  try {
    return createRequire(import.meta.url)("typescript") as Ts;
  } catch (err) {
    throw new UsageError("--emit js needs the typescript package next to kubegen (npm install --save-dev typescript)", { cause: err });
  }
}

/** Result of {@link compileToJs}. */
export interface CompileResult {
  readonly files: RenderedFile[];
  /** "isolated": file by file, no checker (the usual case); "program": the checker's fallback. */
  readonly how: "isolated" | "program";
}

/**
 * Compiles rendered `.ts` files to `.js` + `.d.ts` (ESM, ES2022), each starting with the
 * generated header. `root` is the output folder (used only by the fallback, for resolution).
 * TypeScript is loaded only here, so `--emit ts` never pays for it.
 */
export async function compileToJs(files: readonly RenderedFile[], root: string): Promise<CompileResult> {
  const ts = loadTypeScript();
  const options = compilerOptions(ts);
  const isolated = compileIsolated(ts, files, options);
  if (isolated) return { files: isolated, how: "isolated" };
  return { files: compileProgram(ts, files, options, root.replace(/\\/g, "/")), how: "program" };
}
