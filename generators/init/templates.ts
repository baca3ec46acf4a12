// The init templates (templates/init/*.hbs) in a Handlebars environment set up
// like the generator's (render/templates.ts): strict, no HTML escaping, the
// built-in block helpers and the escaping helpers only. Kept apart because init templates share no partials.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { TEMPLATES_DIR, templateEnvironment } from "../render/templates.js";

/** Renders `templates/init/<name>.hbs` with `view`. */
export class InitTemplates {
  readonly #env = templateEnvironment();
  readonly #dir: string;

  constructor(dir = join(TEMPLATES_DIR, "init")) {
    this.#dir = dir;
  }

  render(name: string, view: object): string {
    const source = readFileSync(join(this.#dir, `${name}.hbs`), "utf8");
    const template = this.#env.compile(source);
    return template(view);
  }
}
