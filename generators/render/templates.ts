// The Handlebars environment: strict (a missing view key is an error), no
// HTML escaping, and no helpers beyond the built-in block helpers, so
// templates stay logic-light. Templates are read from templates/ once and
// compiled on first use; partials are the files whose names the templates use.

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import Handlebars from "handlebars";
import type { EmittedFile } from "../emit/emitted.js";

/** Finds the templates folder: next to the package (published) or at the repository root. */
export function findTemplatesDir(start = dirname(fileURLToPath(import.meta.url))): string {
  let dir = start;
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, "templates");
    if (existsSync(join(candidate, "header.hbs"))) return candidate;
    dir = dirname(dir);
  }
  throw new Error(`kubegen: cannot find its templates folder above ${start}`);
}

const PARTIALS = ["header", "doc"];

/** A compiled template set. */
export class TemplateSet {
  readonly #env = Handlebars.create();
  readonly #compiled = new Map<string, Handlebars.TemplateDelegate>();
  readonly #dir: string;

  constructor(dir = findTemplatesDir()) {
    this.#dir = dir;
    for (const p of PARTIALS) this.#env.registerPartial(p, this.#source(p));
  }

  #source(name: string): string {
    return readFileSync(join(this.#dir, `${name}.hbs`), "utf8");
  }

  /** Names of every template file. */
  names(): string[] {
    return readdirSync(this.#dir).filter((f) => f.endsWith(".hbs")).map((f) => f.slice(0, -4));
  }

  /** Renders one emitted file. */
  render(file: EmittedFile): string {
    let t = this.#compiled.get(file.template);
    if (!t) {
      t = this.#env.compile(this.#source(file.template), { strict: true, noEscape: true, knownHelpersOnly: true, preventIndent: true });
      this.#compiled.set(file.template, t);
    }
    return t(file.view);
  }
}
