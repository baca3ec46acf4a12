// Type-checking many generated outputs quickly, under exactly the strict
// options of test/helpers/typecheck.ts. Two differences make repeated calls
// cheap: parsed files outside the outputs (TypeScript's lib, @types/node, the
// runtime's sources) are cached across calls, and diagnostics are asked only
// of the generated files (the checker still checks every runtime type they
// use; the runtime's own bodies are type-checked by `make typecheck`).
import { existsSync, writeFileSync } from "node:fs";
import { join, resolve, sep } from "node:path";
import ts from "typescript";
import { strictOptions } from "../typecheck.js";
import { filesUnder } from "./load-modules.js";

const cache = new Map<string, ts.SourceFile>();
let host: ts.CompilerHost | undefined;

function cachingHost(options: ts.CompilerOptions, outputs: readonly string[]): ts.CompilerHost {
  host ??= ts.createCompilerHost(options, true);
  const base = host;
  const generated = (file: string): boolean => outputs.some((o) => resolve(file).startsWith(o + sep));
  return {
    ...base,
    getSourceFile(fileName, languageVersion, onError, shouldCreate) {
      if (generated(fileName)) return base.getSourceFile(fileName, languageVersion, onError, shouldCreate);
      const hit = cache.get(fileName);
      if (hit) return hit;
      const sf = base.getSourceFile(fileName, languageVersion, onError, shouldCreate);
      if (sf) cache.set(fileName, sf);
      return sf;
    },
  };
}

/** Type-checks every .ts file under each output folder in one program; returns `file:line:col: message` lines. */
export function typecheckOutputs(dirs: readonly string[]): { errors: string[]; files: number } {
  const outs = dirs.map((d) => resolve(d));
  const roots: string[] = [];
  for (const dir of outs) {
    if (!existsSync(join(dir, "package.json"))) writeFileSync(join(dir, "package.json"), '{ "type": "module" }\n');
    roots.push(...filesUnder(dir).filter((f) => f.endsWith(".ts")).map((f) => join(dir, f)));
  }
  const options = strictOptions();
  const program = ts.createProgram({ rootNames: roots, options, host: cachingHost(options, outs) });
  const rootSet = new Set(roots.map((r) => resolve(r)));
  const diagnostics: ts.Diagnostic[] = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()];
  for (const sf of program.getSourceFiles()) {
    if (!rootSet.has(resolve(sf.fileName))) continue;
    diagnostics.push(...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf));
  }
  const errors = diagnostics.map((d) => {
    const msg = ts.flattenDiagnosticMessageText(d.messageText, "\n");
    if (!d.file || d.start === undefined) return msg;
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
    return `${resolve(d.file.fileName)}:${line + 1}:${character + 1}: ${msg}`;
  });
  return { errors, files: roots.length };
}
