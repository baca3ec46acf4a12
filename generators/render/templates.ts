// The Handlebars environment: strict (a missing view key is an error), no
// HTML escaping, and no helpers beyond the built-in block helpers and the two
// escaping helpers, `str` (a string literal) and `comment` (text in a comment),
// which call ir/escape.ts, so templates stay logic-light and no input string
// is printed raw, and the layout helpers, which mark where a line may break
// (laid out at printWidth 120 by layout.ts after rendering) and print type
// expressions (type-expr.ts) and JSON values; the partials print the value
// expressions of code-expr.ts. Templates are read from templates/ once and
// compiled on first use; partials are the files whose names the templates use.
// The templates ship inside the kubegen package (see TEMPLATES_DIR).

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Handlebars from "handlebars";
import { commentText, stringLiteral } from "../ir/escape.js";
import type { EmittedFile } from "../emit/emitted.js";
import { ANY_MARK, MARK, argumentList, fluid, group, ifBreak, ifFlat, indent, layout, literalLayout, memberCalls, objectLiteral } from "./layout.js";
import { printType, printTypeArguments, type TypeExpr } from "./type-expr.js";

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

/** The partials: the header and doc comments, and the value expressions of code-expr.ts. */
const PARTIALS = ["header", "doc", "param", "arg", "entry", "call"];

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
 * one item a line, with a trailing comma, when it does not fit;
 * `({{#args items}}...{{/args}})` is the same list with the block written once
 * per item of a view's array, and a last item that is an object literal (one
 * with an `object` key) hugged, `f(a, {` ... `})`, as prettier does;
 * `{{#typeArgs}}` is the inside of `<...>` and `{{#restArgs}}` a parameter
 * list ending in a rest parameter (neither takes a trailing comma);
 * `{{#object}}` (or `{{#object items}}`, once per item) is an object literal
 * `{ a, b }`; `{{#memberChain calls}}.{{> call}}{{/memberChain}}` the calls
 * of a member chain after its head (once per call; broken before each `.` as
 * prettier does); `{{json value}}` a view's JSON value as a TypeScript literal
 * (strings and keys escaped); `{{commas items}}` joins a view's array with `{{sep}}`. Types go
 * through the type printer (type-expr.ts), which owns how unions are written:
 * `{{tsType expr}}` is a type expression, `{{typeArguments exprs}}` a list of
 * them as type arguments `<...>` (nothing when empty), `{{keyUnion names}}` the union of string literals of a
 * `Pick`'s or `Omit`'s keys (`never` when empty), `{{union items}}` (or
 * `{{union a b}}`, of type expressions or type text) a union type and
 * `{{propertyUnion a b}}` a property's (with its leading space). `{{#fit}}`
 * (a group), `{{#nest}}` (one level deeper), `{{br}}` (a space or a line
 * break), `{{softbr}}` (nothing or a line break) and
 * `{{#ifBreak}}...{{else}}...{{/ifBreak}}` (text for the broken and the flat
 * group) are prettier's document parts, for the layouts
 * the others do not cover (class heritage, an arrow function's body).
 * `key:{{#fluid}}value{{/fluid}}` is a value that moves to the next line, one
 * level deeper, when its first line does not fit after the key.
 * Their names are chosen not to collide with view keys.
 */
const LAYOUT_HELPERS: Record<string, (this: unknown, ...args: never[]) => string> = {
  args(this: unknown, ...args: unknown[]) {
    const options = args[args.length - 1] as BlockOptions;
    if (args.length > 1) {
      const items = list(args[0], "args");
      const last: unknown = items[items.length - 1];
      return argumentList(items.map((i) => options.fn(i)), typeof last === "object" && last !== null && "object" in last);
    }
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
  tsType: (expr: unknown) => printType(typeExpr(expr, "tsType")),
  typeArguments: (exprs: unknown) => printTypeArguments(list(exprs, "typeArguments").map((e) => typeExpr(e, "typeArguments"))),
  keyUnion: (names: unknown) => printType({ union: stringArray(names, "keyUnion").map((literal) => ({ literal })) }, "typeArgument"),
  // `{{union items}}` or `{{union a b}}`: a union type; `{{propertyUnion a b}}`: a property's union type, with its leading space.
  union(...args: unknown[]) {
    return printType({ union: members(args, "union") });
  },
  propertyUnion(...args: unknown[]) {
    return printType({ union: members(args, "propertyUnion") }, "property");
  },
  object(this: unknown, ...args: unknown[]) {
    const options = args[args.length - 1] as BlockOptions;
    if (args.length > 1) return objectLiteral(list(args[0], "object").map((i) => options.fn(i)));
    const body = options.fn(this);
    return body === "" ? "{}" : group("{" + indent(MARK.line + body) + ifBreak(",") + MARK.line + "}");
  },
  memberChain(this: unknown, items: unknown, options: BlockOptions) {
    return memberCalls(list(items, "memberChain").map((i) => options.fn(i)));
  },
  json: (value: unknown) => literalLayout(value),
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
function members(args: unknown[], helper: string): TypeExpr[] {
  const values = args.slice(0, -1);
  return (values.length === 1 && Array.isArray(values[0]) ? (values[0] as unknown[]) : values).map((v) => typeExpr(v, helper));
}

/** A type expression from a view: type text (a string) is written as is; the printer rejects what is neither. */
function typeExpr(value: unknown, helper: string): TypeExpr {
  if (typeof value === "string") return { ref: value };
  if (typeof value !== "object" || value === null) throw new Error(`internal error: the ${helper} helper got ${String(value)}, not a type expression`);
  return value as TypeExpr;
}

function list(items: unknown, helper: string): unknown[] {
  if (!Array.isArray(items)) throw new Error(`internal error: the ${helper} helper got something other than an array`);
  return items;
}

function stringArray(items: unknown, helper: string): string[] {
  if (!list(items, helper).every((i) => typeof i === "string")) throw new Error(`internal error: the ${helper} helper got something other than an array of strings`);
  return items as string[];
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
