// The init templates (templates/init/*.hbs, and config/*.yaml.hbs below it) in
// a Handlebars environment set up like the generator's (render/templates.ts):
// strict, no HTML escaping, the built-in block helpers and the escaping
// helpers only, plus `yaml` (ir/escape.ts yamlString) for every value the
// manifests print. Kept apart because init templates share no partials.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { yamlString } from "../ir/escape.js";
import { TEMPLATES_DIR, templateEnvironment } from "../render/templates.js";

/** The helper that puts a string into YAML: a double-quoted scalar. */
function yamlHelper(value: unknown): string {
  if (typeof value !== "string") throw new Error(`internal error: the yaml helper got ${typeof value}, not a string`);
  return yamlString(value);
}

/** Renders `templates/init/<name>.hbs` with `view`. */
export class InitTemplates {
  readonly #env = templateEnvironment({ yaml: yamlHelper });
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
