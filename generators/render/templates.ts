// The Handlebars environment: strict (a missing view key is an error), no
// HTML escaping, and no helpers beyond the built-in block helpers, so
// templates stay logic-light. Templates are read from templates/ once and
// compiled on first use; partials are the files whose names the templates use.
// The templates ship inside the kubegen package (see TEMPLATES_DIR).

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Handlebars from "handlebars";
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

/** A compiled template set. */
export class TemplateSet {
  readonly #env = Handlebars.create();
  readonly #compiled = new Map<string, Handlebars.TemplateDelegate>();
  readonly #dir: string;

  constructor(dir = TEMPLATES_DIR) {
    this.#dir = checkTemplatesDir(dir);
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
