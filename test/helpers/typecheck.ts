// Type-checks generated output in memory with the TypeScript compiler API,
// under the project's strict settings, with `@kubegen/runtime` resolved to the
// runtime's sources. Returns formatted diagnostics (empty means clean).
import { readdirSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const repo = fileURLToPath(new URL("../../", import.meta.url));

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...tsFiles(p));
    else if (e.name.endsWith(".ts")) out.push(p);
  }
  return out;
}

/** Strict compiler options matching tsconfig.json. */
export function strictOptions(): ts.CompilerOptions {
  return {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ["lib.es2023.d.ts"],
    types: ["node"],
    typeRoots: [join(repo, "node_modules/@types")],
    strict: true,
    noUncheckedIndexedAccess: true,
    noImplicitOverride: true,
    verbatimModuleSyntax: true,
    isolatedModules: true,
    skipLibCheck: true,
    noEmit: true,
    paths: {
      "@kubegen/runtime": [join(repo, "runtime/src/index.ts")],
      "@kubegen/runtime/testing": [join(repo, "runtime/src/testing/index.ts")],
      "@kubegen/runtime/webhook": [join(repo, "runtime/src/webhook/index.ts")],
    },
  };
}

/**
 * Type-checks every .ts file under each folder (each folder is treated as an
 * ES module package). Returns one line per diagnostic.
 */
export function typecheck(dirs: readonly string[]): { errors: string[]; files: number } {
  const roots: string[] = [];
  for (const dir of dirs) {
    if (!existsSync(join(dir, "package.json"))) writeFileSync(join(dir, "package.json"), '{ "type": "module" }\n');
    roots.push(...tsFiles(dir));
  }
  const program = ts.createProgram(roots, strictOptions());
  const diagnostics = ts.getPreEmitDiagnostics(program);
  const errors = diagnostics.map((d) => {
    const msg = ts.flattenDiagnosticMessageText(d.messageText, "\n");
    if (!d.file || d.start === undefined) return msg;
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
    return `${d.file.fileName}:${line + 1}:${character + 1}: ${msg}`;
  });
  return { errors, files: roots.length };
}
