// Line breaking for generated code: the one small printer that lays out
// parameter lists, arguments, object literals, type arguments, member chains
// and unions the way prettier does at `printWidth: 120` (FORMAT_OPTIONS).
//
// Templates (through the layout helpers of templates.ts: `{{#args}}`,
// `{{#object}}`, `{{#fit}}`, `{{#nest}}`, `{{br}}`, `{{softbr}}`,
// `{{#ifBreak}}`, `{{#fluid}}`) and the type printer (type-expr.ts) mark
// where a line may break; the marks are control characters, which no input
// string can carry into the output. `layout()` reads them as a prettier
// document (group, indent, line, softline, ifBreak, conditional group) and
// prints it with prettier's algorithm: a group stays on one line when it and
// the rest of its line fit in the width, else each of its lines breaks. Text
// outside the marks, template lines included, passes through untouched, and a
// file without marks costs one regular-expression test. The generator never
// runs prettier: test/unit/generators/formatted-output.test.ts checks that
// this printer and prettier agree.

import { objectKey, stringLiteral } from "../ir/escape.js";

/** The prettier options generated code is formatted with (a `.prettierrc`, as an object). */
export const FORMAT_OPTIONS = {
  printWidth: 120,
  tabWidth: 2,
  useTabs: false,
  semi: true,
  singleQuote: false,
  trailingComma: "all",
  bracketSpacing: true,
  arrowParens: "always",
} as const;

const WIDTH = FORMAT_OPTIONS.printWidth;
const INDENT = " ".repeat(FORMAT_OPTIONS.tabWidth);

/**
 * The marks: control characters, which never reach the output from input text:
 * string literals escape them (JSON) and the `comment` helper replaces them.
 */
export const MARK = {
  groupOpen: "\u0010",
  groupClose: "\u0011",
  indentOpen: "\u0012",
  indentClose: "\u0013",
  softline: "\u0014",
  line: "\u0015",
  ifBreakOpen: "\u0016",
  ifBreakClose: "\u0017",
  ifFlatOpen: "\u0018",
  ifFlatClose: "\u0019",
  choiceOpen: "\u001A",
  choiceNext: "\u001B",
  choiceClose: "\u001C",
  breakGroup: "\u001D",
  fluidOpen: "\u001E",
  fluidClose: "\u001F",
} as const;

export const ANY_MARK = /[\u0010-\u001F]/;
const SPLIT = /([\u0010-\u001F])/;

/** A group of marked text (what `{{#group}}` writes). */
export const group = (text: string): string => MARK.groupOpen + text + MARK.groupClose;
/** Marked text indented one level where its group breaks. */
export const indent = (text: string): string => MARK.indentOpen + text + MARK.indentClose;
/** Text printed only where its group breaks (a trailing comma, a leading `| `). */
export const ifBreak = (text: string): string => MARK.ifBreakOpen + text + MARK.ifBreakClose;
/**
 * A value after `key:` (prettier's "fluid" assignment layout): ` value` when
 * the line up to the value's first line break fits, else the value on the next
 * line, one level deeper, with its own lines (template text) indented too.
 */
export const fluid = (text: string): string => MARK.fluidOpen + text + MARK.fluidClose;
/** Text printed only where its group stays on one line. */
export const ifFlat = (text: string): string => MARK.ifFlatOpen + text + MARK.ifFlatClose;
/**
 * prettier's conditional group: the first layout that fits, tried in order: the
 * first on one line, each other one broken (only its first line must fit); the
 * last is the fallback.
 */
export const choice = (layouts: readonly string[]): string => MARK.choiceOpen + layouts.join(MARK.choiceNext) + MARK.choiceClose;

/**
 * The arguments of a call, `(a, b)`. When the last one is an object literal or
 * a function (`hugLast`), prettier keeps the others on the call's line and
 * breaks only the last, `f(a, {` ... `})`, if that fits.
 */
export function callArguments(args: readonly string[], hugLast = false): string {
  return "(" + argumentList(args, hugLast) + ")";
}

/** The inside of a call's `(...)`, as callArguments lays it out (what `{{#args list}}` writes). */
export function argumentList(args: readonly string[], hugLast = false): string {
  const all = commaList(args);
  if (!hugLast || args.length === 0) return all;
  const hugged = [...args.slice(0, -1), MARK.groupOpen + MARK.breakGroup + args[args.length - 1]! + MARK.groupClose].join(", ");
  return choice([all, hugged, all]);
}

/** `a, b, c` that breaks one item a line, with a trailing comma: the inside of `(...)`, `<...>`, `[...]`. */
export function commaList(items: readonly string[]): string {
  if (items.length === 0) return "";
  return group(indent(MARK.softline + items.join("," + MARK.line)) + ifBreak(",") + MARK.softline);
}

/**
 * The calls of a member chain `head.a().b().c()`, written after its head (what
 * `{{#memberChain}}` writes): with three calls or more it breaks before every
 * `.` when it does not fit; with fewer it never does (prettier's rule, for
 * calls whose arguments are identifiers and literals).
 */
export function memberCalls(calls: readonly string[]): string {
  if (calls.length <= 2) return calls.join("");
  return group(indent(MARK.softline + calls.join(MARK.softline)));
}

/** The inside of type arguments `<A, B>`: as commaList, but no trailing comma (prettier writes none there). */
export function typeArgumentList(items: readonly string[]): string {
  if (items.length === 0) return "";
  return group(indent(MARK.softline + items.join("," + MARK.line)) + MARK.softline);
}

/** `{ a, b }` that breaks one entry a line, with a trailing comma. */
export function objectLiteral(entries: readonly string[]): string {
  if (entries.length === 0) return "{}";
  return group("{" + indent(MARK.line + entries.join("," + MARK.line)) + ifBreak(",") + MARK.line + "}");
}

// The union layouts below are the type printer's (type-expr.ts decides which one a union takes).

/**
 * `A | B | C` that breaks one member a line, each after `| `. `indented` is
 * prettier's choice for a union that is a property's or an alias's type (the
 * members go one level deeper); type arguments and parenthesised unions are not.
 */
export function unionType(members: readonly string[], indented: boolean): string {
  if (members.length < 2) return members.join("");
  const body = ifBreak((indented ? MARK.softline : "") + "| ") + members.join(MARK.line + "| ");
  return group(indented ? indent(body) : body);
}

/**
 * The type of an interface or class property (` A`, with its leading space) as
 * prettier lays it out: a union that does not fit goes to the next line, and
 * breaks one member a line only if it does not fit there either.
 */
export function propertyType(members: readonly string[]): string {
  if (members.length < 2) return " " + members.join("");
  return group(indent(MARK.line + group(ifBreak("| ") + members.join(MARK.line + "| "))));
}

/** An index-signature type literal `{ [key: string]: T }`, broken as `{` / `[key: string]: T;` / `}`. */
export function mapType(values: string): string {
  return group("{" + indent(MARK.line + `[key: string]: ${values}`) + ifBreak(";") + MARK.line + "}");
}

/** A union that needs parentheses (an array's item): `(A | B)`, else `(`, the union on its own lines, `)`. */
export function parenthesizedUnion(members: readonly string[]): string {
  return "(" + group(indent(MARK.softline + group(ifBreak("| ") + members.join(MARK.line + "| "))) + MARK.softline) + ")";
}

type Doc = string | Node;
interface Node {
  kind: "group" | "indent" | "ifBreak" | "ifFlat" | "choice" | "concat" | "fluid" | "softline" | "line";
  /** The contents; a choice's are its layouts (concats). */
  parts: Doc[];
  /** A group that holds a newline, or a broken group, can never be flat. */
  breaks: boolean;
}

const OPENS: Record<string, Node["kind"]> = {
  [MARK.groupOpen]: "group",
  [MARK.indentOpen]: "indent",
  [MARK.ifBreakOpen]: "ifBreak",
  [MARK.ifFlatOpen]: "ifFlat",
  [MARK.choiceOpen]: "choice",
  [MARK.fluidOpen]: "fluid",
};
const CLOSES: Record<string, Node["kind"]> = {
  [MARK.groupClose]: "group",
  [MARK.indentClose]: "indent",
  [MARK.ifBreakClose]: "ifBreak",
  [MARK.ifFlatClose]: "ifFlat",
  [MARK.choiceClose]: "choice",
  [MARK.fluidClose]: "fluid",
};

const node = (kind: Node["kind"]): Node => ({ kind, parts: [], breaks: false });

function unbalanced(): never {
  throw new Error("kubegen internal error: unbalanced layout marks");
}

/** Marked text -> document. A break propagates out to every enclosing node up to a choice (as in prettier). */
function parse(text: string): Doc[] {
  const root = node("concat");
  const stack: Node[] = [root];
  const close = (): Node => {
    const done = stack.pop();
    if (!done || stack.length === 0) unbalanced();
    if (done.breaks && done.kind !== "choice" && done.kind !== "fluid") stack[stack.length - 1]!.breaks = true;
    return done;
  };
  for (const piece of text.split(SPLIT)) {
    if (piece === "") continue;
    const top = stack[stack.length - 1]!;
    const open = OPENS[piece];
    if (open) {
      const n = node(open);
      top.parts.push(n);
      stack.push(n);
      if (open === "choice") {
        const alt = node("concat");
        n.parts.push(alt);
        stack.push(alt);
      }
      continue;
    }
    const closing = CLOSES[piece];
    if (closing) {
      if (closing === "choice") {
        if (top.kind !== "concat") unbalanced();
        close();
      }
      if (close().kind !== closing) unbalanced();
      continue;
    }
    switch (piece) {
      case MARK.choiceNext: {
        if (top.kind !== "concat" || stack.length < 3) unbalanced();
        close();
        const alt = node("concat");
        stack[stack.length - 1]!.parts.push(alt);
        stack.push(alt);
        break;
      }
      case MARK.softline:
      case MARK.line:
        top.parts.push(node(piece === MARK.line ? "line" : "softline"));
        break;
      case MARK.breakGroup:
        top.breaks = true;
        break;
      default:
        if (piece.includes("\n")) top.breaks = true;
        top.parts.push(piece);
    }
  }
  if (stack.length !== 1) unbalanced();
  return root.parts;
}

type Mode = "flat" | "break";
interface Command {
  indent: string;
  mode: Mode;
  doc: Doc;
  /** Indentation added after every newline of the text (a fluid value moved to the next line). */
  extra?: string;
}

/** Whether `next` and the rest of its line fit in `width` columns (prettier's `fits`). */
function fits(next: Command, rest: readonly Command[], width: number): boolean {
  const todo: Command[] = [next];
  let restIndex = rest.length;
  while (width >= 0) {
    let cmd = todo.pop();
    if (!cmd) {
      if (restIndex === 0) return true;
      cmd = rest[--restIndex]!;
    }
    const { doc, mode } = cmd;
    if (typeof doc === "string") {
      const nl = doc.indexOf("\n");
      width -= nl < 0 ? doc.length : nl;
      if (nl >= 0) return width >= 0;
      continue;
    }
    switch (doc.kind) {
      case "choice":
        todo.push({ indent: cmd.indent, mode, doc: doc.parts[mode === "break" ? doc.parts.length - 1 : 0]! });
        break;
      case "fluid":
        width -= 1;
        for (let i = doc.parts.length - 1; i >= 0; i--) todo.push({ indent: cmd.indent, mode: "break", doc: doc.parts[i]! });
        break;
      case "group":
      case "indent":
      case "concat":
        for (let i = doc.parts.length - 1; i >= 0; i--) todo.push({ indent: cmd.indent, mode: doc.kind === "group" && doc.breaks ? "break" : mode, doc: doc.parts[i]! });
        break;
      case "ifBreak":
      case "ifFlat":
        if ((mode === "break") === (doc.kind === "ifBreak")) for (let i = doc.parts.length - 1; i >= 0; i--) todo.push({ indent: cmd.indent, mode, doc: doc.parts[i]! });
        break;
      case "line":
      case "softline":
        if (mode === "break") return true;
        if (doc.kind === "line") width -= 1;
        break;
    }
  }
  return false;
}

/**
 * prettier's choice of quotes: a string literal is double-quoted unless it
 * holds more double quotes than single ones. Rewrites the double-quoted
 * literals (outside comments) that prettier would single-quote; only files
 * with an escaped `"` pay for the scan.
 */
export function preferredQuotes(text: string): string {
  if (!text.includes('\\"')) return text;
  const out: string[] = [];
  let from = 0;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === "/" && (text[i + 1] === "/" || text[i + 1] === "*")) {
      const close = text[i + 1] === "/" ? "\n" : "*/";
      const end = text.indexOf(close, i + 2);
      i = end < 0 ? text.length : end + close.length;
    } else if (c === '"' || c === "'" || c === "`") {
      let j = i + 1;
      while (j < text.length && text[j] !== c) j += text[j] === "\\" ? 2 : 1;
      if (c === '"') {
        const literal = text.slice(i, j + 1);
        const requoted = singleQuoted(literal);
        if (requoted !== literal) {
          out.push(text.slice(from, i), requoted);
          from = j + 1;
        }
      }
      i = j + 1;
    } else i++;
  }
  out.push(text.slice(from));
  return out.join("");
}

function singleQuoted(literal: string): string {
  const body = literal.slice(1, -1);
  const doubles = body.split('\\"').length - 1;
  const singles = body.split("'").length - 1;
  if (doubles <= singles) return literal;
  return "'" + body.replace(/\\(.)|'/g, (m: string, ch: string | undefined) => (ch === undefined ? "\\'" : ch === '"' ? '"' : m)) + "'";
}

/** Marked text on one line, as it reads where nothing breaks (no marks left). */
export function flatText(text: string): string {
  if (!ANY_MARK.test(text)) return text;
  const out: string[] = [];
  const walk = (doc: Doc): void => {
    if (typeof doc === "string") out.push(doc);
    else if (doc.kind === "line") out.push(" ");
    else if (doc.kind === "choice") walk(doc.parts[0]!);
    else if (doc.kind !== "ifBreak" && doc.kind !== "softline") doc.parts.forEach(walk);
  };
  parse(text).forEach(walk);
  return out.join("");
}

/** Lays out the marked regions of rendered text; text without marks comes back unchanged (but for quotes). */
export function layout(rendered: string): string {
  const text = preferredQuotes(rendered);
  if (!ANY_MARK.test(text)) return text;
  const out: string[] = [];
  let column = 0;
  let lineIndent = "";
  let atLineStart = true;
  const write = (s: string): void => {
    out.push(s);
    const nl = s.lastIndexOf("\n");
    const tail = nl >= 0 ? s.slice(nl + 1) : s;
    if (nl >= 0) {
      column = 0;
      lineIndent = "";
      atLineStart = true;
    }
    column += tail.length;
    if (atLineStart) {
      const lead = /^ */.exec(tail)![0];
      lineIndent += lead;
      if (lead.length < tail.length) atLineStart = false;
    }
  };
  // Top-level regions (indent "\0") indent from the leading spaces of the line they start on.
  const stack: Command[] = parse(text)
    .reverse()
    .map((doc) => ({ indent: "\0", mode: "break" as Mode, doc }));
  while (stack.length) {
    const cmd = stack.pop()!;
    const { doc, mode } = cmd;
    const base = cmd.indent === "\0" ? lineIndent : cmd.indent;
    const extra = cmd.extra;
    const push = (c: Command): void => {
      stack.push(extra ? { ...c, extra } : c);
    };
    if (typeof doc === "string") {
      write(extra ? doc.replace(/\n(?=[^\n])/g, "\n" + extra) : doc);
      continue;
    }
    if (doc.kind === "fluid") {
      const flat = fits({ indent: base, mode: "break", doc: { kind: "concat", parts: [" ", ...doc.parts], breaks: false } }, stack, WIDTH - column);
      if (flat) write(" ");
      else write("\n" + base + INDENT);
      // Template lines follow the line they start on; moved down, they move one level deeper too.
      for (let i = doc.parts.length - 1; i >= 0; i--) {
        stack.push({ indent: "\0", mode: "break", doc: doc.parts[i]!, ...(flat ? (extra ? { extra } : {}) : { extra: (extra ?? "") + INDENT }) });
      }
      continue;
    }
    switch (doc.kind) {
      case "group": {
        const flat = !doc.breaks && (mode === "flat" || fits({ indent: base, mode: "flat", doc }, stack, WIDTH - column));
        for (let i = doc.parts.length - 1; i >= 0; i--) push({ indent: base, mode: flat ? "flat" : "break", doc: doc.parts[i]! });
        break;
      }
      case "choice": {
        // prettier's conditionalGroup: the first layout flat if it fits, else the
        // first other one whose first line fits, else the last one broken.
        const layouts = doc.parts;
        let next: Command = { indent: base, mode: "flat", doc: layouts[0]! };
        if (mode === "break" && !fits(next, stack, WIDTH - column)) {
          next = { indent: base, mode: "break", doc: layouts[layouts.length - 1]! };
          for (let i = 1; i < layouts.length - 1; i++) {
            const candidate: Command = { indent: base, mode: "flat", doc: layouts[i]! };
            if (fits(candidate, stack, WIDTH - column)) {
              next = candidate;
              break;
            }
          }
        }
        push(next);
        break;
      }
      case "concat":
        for (let i = doc.parts.length - 1; i >= 0; i--) push({ indent: base, mode, doc: doc.parts[i]! });
        break;
      case "indent":
        for (let i = doc.parts.length - 1; i >= 0; i--) push({ indent: base + INDENT, mode, doc: doc.parts[i]! });
        break;
      case "ifBreak":
      case "ifFlat":
        if ((mode === "break") === (doc.kind === "ifBreak")) for (let i = doc.parts.length - 1; i >= 0; i--) push({ indent: base, mode, doc: doc.parts[i]! });
        break;
      case "line":
      case "softline":
        if (mode === "break") {
          // prettier trims the spaces a broken line would leave at its end.
          while (out.length && / +$/.test(out[out.length - 1]!)) {
            const last = out[out.length - 1]!.replace(/ +$/, "");
            if (last === "") out.pop();
            else {
              out[out.length - 1] = last;
              break;
            }
          }
          write("\n" + base);
        }
        else if (doc.kind === "line") write(" ");
        break;
    }
  }
  return out.join("");
}

/** `[a, b]` that breaks one element a line, with a trailing comma. */
export function arrayLiteral(elements: readonly string[], forceBreak = false): string {
  if (elements.length === 0) return "[]";
  return "[" + group((forceBreak ? MARK.breakGroup : "") + indent(MARK.softline + elements.join("," + MARK.line)) + ifBreak(",") + MARK.softline) + "]";
}

/**
 * JSON data as a TypeScript expression laid out as prettier lays it out:
 * strings through stringLiteral, keys through objectKey, and an array of two
 * or more objects (or arrays) with two or more entries each always broken.
 */
export function literalLayout(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "string") return stringLiteral(value);
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "null";
  if (typeof value === "boolean") return String(value);
  if (Array.isArray(value)) {
    const size = (v: unknown): number => (Array.isArray(v) ? v.length : v !== null && typeof v === "object" ? Object.keys(v).length : 0);
    const first = value[0] as unknown;
    const sameKind = (v: unknown): boolean => Array.isArray(v) === Array.isArray(first) && v !== null && typeof v === "object";
    const forceBreak = value.length > 1 && value.every((v: unknown) => sameKind(v) && size(v) > 1);
    return arrayLiteral(value.map(literalLayout), forceBreak);
  }
  return objectLiteral(Object.entries(value as Record<string, unknown>).map(([k, v]) => propertyAssignment(objectKey(k), literalLayout(v), typeof v === "string")));
}

/**
 * `key: value`. A string value that does not fit goes to the next line, one
 * level deeper (prettier's break-after-operator), unless the key is shorter
 * than five columns (too little to gain).
 */
export function propertyAssignment(key: string, value: string, isString: boolean): string {
  return isString && key.length >= FORMAT_OPTIONS.tabWidth + 3 ? `${key}:` + group(indent(MARK.line + value)) : `${key}: ${value}`;
}

/** The braces of an import, `{ a, b }`: broken one name a line when it does not fit, except with one name (prettier never breaks those). */
export function importSpecifiers(names: readonly string[]): string {
  return names.length === 1 ? `{ ${names[0]!} }` : objectLiteral(names);
}
