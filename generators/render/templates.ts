// The Handlebars environment: strict (a missing view key is an error), no
// HTML escaping, and no helpers beyond the built-in block helpers and the two
// escaping helpers, `str` (a string literal) and `comment` (text in a comment),
// which call ir/escape.ts, so templates stay logic-light and no input string
// is printed raw. Templates are read from templates/ once and
// compiled on first use; partials are the files whose names the templates use.
// The templates ship inside the kubegen package (see TEMPLATES_DIR).

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Handlebars from "handlebars";
import { commentText, stringLiteral } from "../ir/escape.js";
import type { EmittedFile } from "../emit/emitted.js";

/**
 * The templates folder, found relative to this module and nowhere else. From the
 * sources (`generators/render/`) it is the repository's `templates/`; from the
 * compiled package (`generators/dist/render/`) it is the package's own
 * `templates/`, which the build and `npm pack` copy there.
 */
export const TEMPLATES_DIR = fileURLToPath(new URL("../../templates/", import.meta.url));

function checkTemplatesDir(dir: string): string {
  if (!existsSync(join(dir, "header.hbs"))) {
    throw new Error(`kubegen's templates are missing from ${dir} (a broken install or build: reinstall kubegen, or run \`make build\` in its repository)`);
  }
  return dir;
}

const PARTIALS = ["header", "doc"];

/** The escaping helpers templates may call; any other helper is a compile error. */
const HELPERS: Record<string, (value: unknown) => string> = {
  str: (value) => stringLiteral(text(value, "str")),
  comment: (value) => commentText(text(value, "comment")),
};

function text(value: unknown, helper: string): string {
  if (typeof value !== "string") throw new Error(`internal error: the ${helper} helper got ${typeof value}, not a string`);
  return value;
}

/** Compile options every kubegen template is compiled with. */
const COMPILE_OPTIONS: Parameters<typeof Handlebars.compile>[1] = {
  strict: true,
  noEscape: true,
  knownHelpersOnly: true,
  knownHelpers: { str: true, comment: true },
  preventIndent: true,
};

/** A Handlebars environment with the escaping helpers, and a compiler with kubegen's options. */
export function templateEnvironment(): { env: typeof Handlebars; compile: (source: string) => Handlebars.TemplateDelegate } {
  const env = Handlebars.create();
  for (const [name, fn] of Object.entries(HELPERS)) env.registerHelper(name, fn);
  return { env, compile: (source) => env.compile(source, COMPILE_OPTIONS) };
}

/** A compiled template set. */
export class TemplateSet {
  readonly #env = templateEnvironment();
  readonly #compiled = new Map<string, Handlebars.TemplateDelegate>();
  readonly #dir: string;

  constructor(dir = TEMPLATES_DIR) {
    this.#dir = checkTemplatesDir(dir);
    for (const p of PARTIALS) this.#env.env.registerPartial(p, this.#source(p));
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
      t = this.#env.compile(this.#source(file.template));
      this.#compiled.set(file.template, t);
    }
    return t(file.view);
  }
}
