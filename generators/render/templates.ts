// The Handlebars environment: strict (a missing view key is an error), no
// HTML escaping, and no helpers beyond the built-in block helpers and the two
// escaping helpers, `str` (a string literal) and `comment` (text in a comment),
// which call ir/escape.ts, so templates stay logic-light and no input string
// is printed raw, and the layout helpers, which mark where a line may break
// (laid out at printWidth 120 by layout.ts after rendering). Templates are read from templates/ once and
// compiled on first use; partials are the files whose names the templates use.
// The templates ship inside the kubegen package (see TEMPLATES_DIR).

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Handlebars from "handlebars";
import { commentText, stringLiteral } from "../ir/escape.js";
import type { EmittedFile } from "../emit/emitted.js";
import { ANY_MARK, MARK, fluid, group, ifBreak, ifFlat, indent, layout, propertyType, unionType } from "./layout.js";

const ANY_MARKS = new RegExp(ANY_MARK.source, "g");

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
  // Layout marks (control characters) in input text become U+FFFD.
  comment: (value) => commentText(text(value, "comment")).replace(ANY_MARKS, "\uFFFD"),
};

type BlockOptions = { fn: (context: unknown) => string; inverse: (context: unknown) => string };

/**
 * The layout helpers (see layout.ts): where the output may break a line.
 * `({{#args}}a{{sep}}b{{/args}})` is a parameter or argument list that breaks
 * one item a line, with a trailing comma, when it does not fit; `{{#typeArgs}}`
 * is the inside of `<...>` and `{{#restArgs}}` a parameter list ending in a
 * rest parameter (neither takes a trailing comma); `{{#object}}` is an object
 * literal `{ a, b }`; `{{commas items}}` joins a view's array with `{{sep}}`;
 * `{{union items}}` (or `{{union a b}}`) is a union type, `{{propertyUnion a b}}`
 * a property's (with its leading space). `{{#fit}}` (a group), `{{#nest}}` (one
 * level deeper), `{{br}}` (a space or a line break), `{{softbr}}` (nothing or
 * a line break) and `{{#ifBreak}}...{{else}}...{{/ifBreak}}` (text for the
 * broken and the flat group) are prettier's document parts, for the layouts
 * the others do not cover (class heritage, an arrow function's body).
 * `key:{{#fluid}}value{{/fluid}}` is a value that moves to the next line, one
 * level deeper, when its first line does not fit after the key.
 * Their names are chosen not to collide with view keys.
 */
const LAYOUT_HELPERS: Record<string, (this: unknown, ...args: never[]) => string> = {
  args(this: unknown, options: BlockOptions) {
    const body = options.fn(this);
    if (body === "") return "";
    return group(indent(MARK.softline + body) + ifBreak(",") + MARK.softline);
  },
  typeArgs(this: unknown, options: BlockOptions) {
    return group(indent(MARK.softline + options.fn(this)) + MARK.softline);
  },
  restArgs(this: unknown, options: BlockOptions) {
    return group(indent(MARK.softline + options.fn(this)) + MARK.softline);
  },
  // `{{union items}}` or `{{union a b}}`: a union type; `{{propertyUnion a b}}`: a property's union type, with its leading space.
  union(...args: unknown[]) {
    return unionType(members(args, "union"), true);
  },
  propertyUnion(...args: unknown[]) {
    return propertyType(members(args, "propertyUnion"));
  },
  object(this: unknown, options: BlockOptions) {
    const body = options.fn(this);
    return body === "" ? "{}" : group("{" + indent(MARK.line + body) + ifBreak(",") + MARK.line + "}");
  },
  commas(items: unknown) {
    return stringArray(items, "commas").join("," + MARK.line);
  },
  sep: () => "," + MARK.line,
  fit(this: unknown, options: BlockOptions) {
    return group(options.fn(this));
  },
  nest(this: unknown, options: BlockOptions) {
    return indent(options.fn(this));
  },
  fluid(this: unknown, options: BlockOptions) {
    return fluid(options.fn(this));
  },
  ifBreak(this: unknown, options: BlockOptions) {
    const flat = options.inverse(this);
    return ifBreak(options.fn(this)) + (flat === "" ? "" : ifFlat(flat));
  },
  softbr: () => MARK.softline,
  br: () => MARK.line,
};

/** A union helper's members: its one array argument, or its arguments (the last is Handlebars' options). */
function members(args: unknown[], helper: string): string[] {
  const values = args.slice(0, -1);
  return stringArray(values.length === 1 && Array.isArray(values[0]) ? values[0] : values, helper);
}

function stringArray(items: unknown, helper: string): string[] {
  if (!Array.isArray(items) || !items.every((i) => typeof i === "string")) throw new Error(`internal error: the ${helper} helper got something other than an array of strings`);
  return items;
}

function text(value: unknown, helper: string): string {
  if (typeof value !== "string") throw new Error(`internal error: the ${helper} helper got ${typeof value}, not a string`);
  return value;
}

/** Compile options every kubegen template is compiled with. */
const COMPILE_OPTIONS = {
  strict: true,
  noEscape: true,
  knownHelpersOnly: true,
  knownHelpers: { str: true, comment: true, ...Object.fromEntries(Object.keys(LAYOUT_HELPERS).map((h) => [h, true])) },
  preventIndent: true,
} satisfies Parameters<typeof Handlebars.compile>[1];

/**
 * A Handlebars environment with the escaping helpers, and a compiler with
 * kubegen's options. `extra` adds escaping helpers of one template family
 * (init's `yaml`); they become known helpers of that environment only.
 */
export function templateEnvironment(
  extra: Readonly<Record<string, (value: unknown) => string>> = {},
): { env: typeof Handlebars; compile: (source: string) => Handlebars.TemplateDelegate } {
  const env = Handlebars.create();
  for (const [name, fn] of Object.entries({ ...HELPERS, ...extra })) env.registerHelper(name, fn);
  for (const [name, fn] of Object.entries(LAYOUT_HELPERS)) env.registerHelper(name, fn as Handlebars.HelperDelegate);
  const options = { ...COMPILE_OPTIONS, knownHelpers: { ...COMPILE_OPTIONS.knownHelpers, ...Object.fromEntries(Object.keys(extra).map((h) => [h, true])) } };
  return { env, compile: (source) => env.compile(source, options) };
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
    return layout(t(file.view));
  }
}
