// TypeRef -> TypeScript type text, for one module. Cross-module references
// become `alias.Name` and are recorded so the emitter can write the imports;
// runtime types become `rt.Name`.

import { posix } from "node:path";
import { stringLiteral } from "../ir/escape.js";
import type { TypeRef, TypeTarget } from "../ir/types.js";
import { flatText, importSpecifiers, mapType } from "../render/layout.js";
import { printType, unionOfText } from "../render/type-expr.js";

/** Collects what a module refers to while its types are rendered. */
export class ImportCollector {
  readonly #modulePath: string;
  readonly #accessors: ReadonlyMap<string, string>;
  readonly #modules = new Map<string, string>();
  readonly #selfAlias: string | undefined;
  #siblings: { readonly files: ReadonlyMap<string, string>; readonly file: string } | undefined;
  readonly #locals = new Map<string, Set<string>>();
  runtime = false;

  /**
   * @param accessors modulePath -> import alias, for every module of the model.
   * @param selfAlias how this module's own types are reached from the file being
   *   written (`t` for `t.Name` from client.ts); bare names when undefined.
   */
  constructor(modulePath: string, accessors: ReadonlyMap<string, string>, selfAlias?: string) {
    this.#modulePath = modulePath;
    this.#accessors = accessors;
    this.#selfAlias = selfAlias;
  }

  /**
   * Writes for one file of a one-file-per-type folder: the module's own types are
   * imported by name from their sibling files (`files`: type name -> file base
   * name), except those of `file` itself.
   */
  perTypeFile(files: ReadonlyMap<string, string>, file: string): this {
    this.#siblings = { files, file };
    return this;
  }

  /** A name for `target` usable in this module. */
  reference(target: TypeTarget): string {
    if ("runtime" in target) {
      this.runtime = true;
      return `rt.${target.runtime}`;
    }
    if (target.module === this.#modulePath && this.#siblings) {
      const file = this.#siblings.files.get(target.name);
      if (file === undefined) throw new Error(`kubegen internal error: ${this.#modulePath} has no type ${target.name}`);
      if (file !== this.#siblings.file) {
        const names = this.#locals.get(file) ?? new Set<string>();
        this.#locals.set(file, names.add(target.name));
      }
      return target.name;
    }
    if (target.module === this.#modulePath) return this.#selfAlias ? `${this.#selfAlias}.${target.name}` : target.name;
    const alias = this.#accessors.get(target.module);
    if (alias === undefined) throw new Error(`kubegen internal error: ${this.#modulePath} refers to ${target.module}, which is not in the model`);
    this.#modules.set(target.module, alias);
    return `${alias}.${target.name}`;
  }

  /**
   * Imports of other modules' `file` (e.g. `types/index.js`), sorted by path,
   * written from `from` (the module's folder unless given).
   */
  moduleImports(file: string, from = this.#modulePath): { alias: string; path: string }[] {
    return [...this.#modules.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([module, alias]) => ({ alias, path: relativeImport(from, `${module}/${file}`) }));
  }

  /** The sibling files a per-type file imports its module's types from, sorted by file, with the braces of the names (perTypeFile). */
  siblingImports(): { path: string; names: string }[] {
    return [...this.#locals.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([file, names]) => ({ path: `./${file}.js`, names: importSpecifiers([...names].sort()) }));
  }
}

/** A relative ESM import specifier from one module folder to a file in another. */
export function relativeImport(fromModule: string, toFile: string): string {
  const rel = posix.relative(fromModule, toFile);
  return rel.startsWith(".") ? rel : `./${rel}`;
}

function literal(v: unknown): string {
  return v === null ? "null" : typeof v === "string" ? stringLiteral(v) : String(v);
}

function literalUnion(values: readonly unknown[], fallback: string): string[] {
  const ok = values.filter((v) => v === null || typeof v === "string" || typeof v === "boolean" || (typeof v === "number" && Number.isFinite(v)));
  if (ok.length === 0) return [fallback];
  return [...new Set(ok.map(literal))];
}

/** The TypeScript text of a TypeRef, on one line. */
export function tsType(ref: TypeRef, imports: ImportCollector): string {
  return flatText(typeLayout(ref, imports));
}

/**
 * The TypeScript text of a TypeRef with layout marks (render/layout.ts), laid
 * out as prettier lays out a type: a union breaks one member a line, an array
 * of a union is `(A | B)[]`. What templates print.
 */
export function typeLayout(ref: TypeRef, imports: ImportCollector): string {
  return printType(unionOfText(unionMembers(ref, imports)));
}

/** The members of a type's union (one for a type that is not a union); nested unions are flattened. */
export function unionMembers(ref: TypeRef, imports: ImportCollector): string[] {
  switch (ref.kind) {
    case "string":
      return ref.enum?.length ? literalUnion(ref.enum, "string") : ["string"];
    case "integer":
    case "number":
      return ref.enum?.length ? literalUnion(ref.enum, "number") : ["number"];
    case "boolean":
      return ref.enum?.length ? literalUnion(ref.enum, "boolean") : ["boolean"];
    case "intOrString":
      return [imports.reference({ runtime: "IntOrString" })];
    case "array":
      return [printType({ array: unionOfText(unionMembers(ref.items, imports)) })];
    case "map":
      return [mapType(typeLayout(ref.values, imports))];
    case "ref":
      return [imports.reference(ref.target)];
    case "union":
      return [...new Set(ref.variants.flatMap((v) => unionMembers(v, imports)))];
    case "unknown":
      return [ref.json === "object" ? "{ [key: string]: unknown }" : "unknown"];
  }
}
