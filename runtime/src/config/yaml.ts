// A small, strict YAML reader for kubeconfig files, so the runtime needs no
// YAML package. It owns turning one YAML 1.2 document into a node tree (scalars
// keep their text, style, tag and position, so a caller can tell `no` from
// "no") and turning that tree into plain data exactly as the `yaml` package's
// parseDocument(text).toJS() does with its default core schema.
//
// It reads: block mappings and sequences (also `-` at the indent of its parent
// key, and compact `- key: v`); plain scalars (also over several lines);
// single- and double-quoted scalars (every YAML escape, line folding); literal
// `|` and folded `>` block scalars with chomping and indentation indicators;
// flow `[...]` and `{...}` collections, nested and over several lines;
// comments; `---` and a final `...`; anchors and aliases (an alias is the same
// value as its anchor; expansions are capped like the yaml package's
// maxAliasCount of 100); the tags !!str !!int !!float !!bool !!null !!map !!seq
// and `!`; CRLF line ends and a BOM.
//
// It refuses, with a YamlSyntaxError giving a line and column but never
// quoting the document (kubeconfigs hold secrets): a second document,
// directives (also %YAML), tabs as indentation, explicit `? ` keys, keys that
// are not scalars or span lines, `key: value` inside `[ ]`, other tags,
// duplicate keys, an alias inside its own anchor, control characters, nesting
// deeper than 100 and anything else malformed.

/** How a scalar was written. */
export type YamlScalarStyle = "plain" | "single" | "double" | "literal" | "folded";

/** A 1-based position in the document; for a node, where its content starts (after any anchor or tag). */
export interface YamlPosition {
  line: number;
  column: number;
}

interface YamlProps extends YamlPosition {
  /** The tag as written (`!!bool`, `!`), if any. */
  tag?: string;
  /** The anchor name, if any. */
  anchor?: string;
}

/** A scalar: its text after quotes, escapes and folding are decoded, before the tag or schema gives it a type. */
export interface YamlScalar extends YamlProps {
  kind: "scalar";
  text: string;
  style: YamlScalarStyle;
}

/** A mapping, its entries in document order. */
export interface YamlMap extends YamlProps {
  kind: "map";
  entries: Array<{ key: YamlScalar; value: YamlNode }>;
}

/** A sequence. */
export interface YamlSeq extends YamlProps {
  kind: "seq";
  items: YamlNode[];
}

/** An alias (`*name`): `target` is the node its anchor is on. */
export interface YamlAlias extends YamlPosition {
  kind: "alias";
  target: YamlScalar | YamlMap | YamlSeq;
}

/** Any node of the tree. */
export type YamlNode = YamlScalar | YamlMap | YamlSeq | YamlAlias;

/** A document {@link parseYaml} refuses. The message names the problem, never the document's text. */
export class YamlSyntaxError extends Error {
  override name = "YamlSyntaxError";
  constructor(
    message: string,
    /** 1-based line of the problem. */
    readonly line: number,
    /** 1-based column of the problem. */
    readonly column: number,
  ) {
    super(`${message} at line ${line}, column ${column}`);
  }
}

const MAX_DEPTH = 100;
const MAX_ALIAS_COUNT = 100;
const FLOW = ",[]{}";
const NAME = /[\w./-]*/y;
const TAG_NAME = /[^\s,[\]{}]*/y;
const TAG = /^!(!(str|int|float|bool|null|map|seq))?$/;
// double-quoted escapes (compose/resolve-flow-scalar.js): the letter after \ and what it stands for
const ESCAPE = '0abefnrtvN_LP "/\\\t';
const ESCAPED = '\0\x07\b\x1b\f\n\r\t\v\x85\xa0\u2028\u2029 "/\\\t';

type Node = YamlScalar | YamlMap | YamlSeq;
type Props = { tag?: string; anchor?: string; at: number; line: number };

const ws = (c: string): boolean => c === " " || c === "\t";
const wsOrEnd = (c: string): boolean => ws(c) || c === "\n" || c === "";
const scalar = (text: string, style: YamlScalarStyle, at: YamlPosition): YamlScalar => ({
  kind: "scalar",
  text,
  style,
  ...at,
});
const empty = (at: YamlPosition): YamlScalar => scalar("", "plain", at);
const folds = (breaks: number): string => (breaks > 1 ? "\n".repeat(breaks - 1) : " ");

/**
 * Parses one YAML document into a node tree. An empty document is a null
 * plain scalar. Throws a {@link YamlSyntaxError} for anything outside the
 * subset described at the top of this module.
 */
export function parseYaml(input: string): YamlNode {
  const s = (input.charCodeAt(0) === 0xfeff ? input.slice(1) : input).replace(/\r\n/g, "\n");
  let pos = 0;
  let line = 1;
  let ls = 0; // where the current line starts
  const anchors = new Map<string, Node | null>(); // null while its node is being read
  const aliasData = new Map<YamlNode, { count: number; aliases: number }>();

  const fail = (message: string, at: number | YamlPosition = pos): never => {
    if (typeof at !== "number") throw new YamlSyntaxError(message, at.line, at.column);
    const before = s.slice(0, at).split("\n");
    throw new YamlSyntaxError(message, before.length, before[before.length - 1]!.length + 1);
  };
  const ch = (i = pos): string => s.charAt(i);
  const here = (): YamlPosition => ({ line, column: pos - ls + 1 });
  const atEol = (): boolean => ch() === "\n" || ch() === "";
  const newline = (): void => {
    line++;
    ls = ++pos;
  };
  const skipWs = (): void => {
    while (ws(ch())) pos++;
  };
  const spaces = (i: number): number => {
    let j = i;
    while (s[j] === " ") j++;
    return j - i;
  };
  const marker = (i = pos): boolean =>
    i === ls && (s.startsWith("---", i) || s.startsWith("...", i)) && wsOrEnd(ch(i + 3));
  const seqEntry = (): boolean => ch() === "-" && wsOrEnd(ch(pos + 1));
  // Block indentation (up to column col of the current line) must be spaces.
  const noTab = (col = pos - ls): void => {
    for (let i = ls; i < ls + col; i++) if (s[i] === "\t") fail("a tab used as indentation", i);
  };
  const checkDepth = (depth: number): void => {
    if (depth > MAX_DEPTH) fail(`nested more than ${MAX_DEPTH} deep`);
  };

  // Skips spaces, tabs and a comment on the current line.
  const skipInline = (): void => {
    skipWs();
    if (ch() === "#") {
      if (pos > ls && !ws(ch(pos - 1))) fail("a comment needs a space before #");
      const e = s.indexOf("\n", pos);
      pos = e < 0 ? s.length : e;
    }
  };
  // Moves past blank and comment lines to the next content (or the end).
  const skipLines = (): void => {
    for (skipInline(); ch() === "\n"; skipInline()) newline();
  };
  // The same, to the next line of a block collection, whose indentation must be spaces.
  const blockLine = (): void => {
    skipLines();
    if (pos < s.length) noTab();
  };
  const lineEnd = (): void => {
    skipInline();
    if (!atEol()) fail("unexpected text after a value");
  };
  // Skips whitespace, comments and line breaks inside a flow collection whose block parent is at indent n.
  const flowSpace = (n: number, close: string): void => {
    const l = line;
    skipLines();
    if (line === l || pos >= s.length) return;
    const indent = spaces(ls);
    if (marker()) fail("a document marker in a flow collection");
    if (indent <= n && !(indent === n && pos - ls === n && ch() === close)) {
      fail("a line of a flow collection indented too little");
    }
  };

  const props = (flow: boolean): Props | undefined => {
    let p: Props | undefined;
    for (let c = ch(); c === "&" || c === "!"; c = ch()) {
      p ??= { at: pos, line };
      const at = pos;
      if (c === "&" ? p.anchor !== undefined : p.tag !== undefined) fail("two anchors or tags on a node");
      const re = c === "&" ? NAME : TAG_NAME;
      re.lastIndex = ++pos;
      pos += re.exec(s)![0].length;
      const name = s.slice(at + 1, pos);
      if (c === "&") {
        if (!name) fail("an anchor without a name", at);
        p.anchor = name;
        anchors.set(name, null);
      } else {
        if (!TAG.test((p.tag = c + name))) fail("an unsupported tag", at);
      }
      if (!wsOrEnd(ch()) && !(flow && ",]}".includes(ch()))) fail("no space after an anchor or tag");
      skipWs();
    }
    return p;
  };

  const withProps = <T extends YamlNode>(node: T, p: Props | undefined): T => {
    if (!p) return node;
    if (node.kind === "alias") fail("an alias cannot have an anchor or tag", p.at);
    const n = node as Node;
    if (p.tag) {
      if (n.kind !== (p.tag === "!!map" ? "map" : p.tag === "!!seq" ? "seq" : "scalar"))
        fail("a tag that does not fit its node", p.at);
      n.tag = p.tag;
    }
    if (p.anchor !== undefined) {
      anchors.set((n.anchor = p.anchor), n);
      aliasData.set(n, { count: 1, aliases: -1 });
    }
    return node;
  };

  // How many nodes an alias to `node` counts for (the yaml package's getAliasCount, nodes/Alias.js).
  const aliasCount = (node: YamlNode): number => {
    if (node.kind === "alias") {
      const a = aliasData.get(node.target)!;
      return a.count * a.aliases;
    }
    if (node.kind === "scalar") return 1;
    const kids = node.kind === "map" ? node.entries.flatMap((e) => [e.key, e.value]) : node.items;
    return kids.reduce((max, kid) => Math.max(max, aliasCount(kid)), 0);
  };

  const alias = (): YamlAlias => {
    const start = here();
    const at = pos;
    NAME.lastIndex = ++pos;
    pos += NAME.exec(s)![0].length;
    const target = anchors.get(s.slice(at + 1, pos));
    if (!target) fail(target === null ? "an alias inside its own anchor" : "an alias to an undefined anchor", at);
    // counted when read, in document order, as the yaml package counts when converting
    const a = aliasData.get(target!)!;
    a.count++;
    if (a.aliases < 0) a.aliases = aliasCount(target!);
    if (a.count * a.aliases > MAX_ALIAS_COUNT) fail(`aliases that expand to more than ${MAX_ALIAS_COUNT} nodes`, at);
    return { kind: "alias", target: target!, ...start };
  };

  const plain = (n: number, flow: boolean): YamlScalar => {
    const start = here();
    const c = ch();
    if (wsOrEnd(c)) fail("a value is missing");
    if (
      "[]{},#&*!|>'\"%@`".includes(c) ||
      ("-?:".includes(c) && (wsOrEnd(ch(pos + 1)) || (flow && FLOW.includes(ch(pos + 1)))))
    ) {
      fail(c === "?" ? "explicit keys (? ) are not supported" : "a scalar starting with an indicator");
    }
    let stop = "";
    // Reads to the end of the line, a ": ", a " #" or (in flow) a flow indicator, dropping trailing spaces.
    const segment = (): string => {
      const b = pos;
      let e = pos;
      for (let c = ch(); !atEol(); c = ch()) {
        const next = ch(pos + 1);
        if (c === ":" && (wsOrEnd(next) || (flow && FLOW.includes(next)))) break;
        if ((c === "#" && ws(ch(pos - 1))) || (flow && FLOW.includes(c))) break;
        pos++;
        if (!ws(c)) e = pos;
      }
      stop = ch();
      return s.slice(b, e);
    };
    let text = segment();
    while (stop === "\n") {
      const save = [pos, line, ls] as const;
      let breaks = 0;
      for (; ch() === "\n"; breaks++, skipWs()) newline();
      const c = ch();
      if (c === "" || c === "#" || spaces(ls) <= n || marker(ls) || (flow && FLOW.includes(c))) {
        [pos, line, ls] = save;
        break;
      }
      text += folds(breaks) + segment();
      if ((stop as string) === ":") fail("a mapping key cannot span lines");
    }
    return scalar(text, "plain", start);
  };

  // A single- or double-quoted scalar; the folding and escapes mirror the yaml package (compose/resolve-flow-scalar.js).
  const quoted = (n: number): YamlScalar => {
    const start = here();
    const q = ch();
    const open = pos++;
    let text = "";
    const nextLine = (): void => {
      newline();
      let j = pos;
      while (ws(ch(j))) j++;
      if (ch(j) === "") fail("an unterminated quoted string", open);
      if (ch(j) !== "\n" && (spaces(pos) <= n || marker())) fail("a line of a quoted string indented too little");
    };
    for (let c = ch(); c !== q || (q === "'" && ch(pos + 1) === "'"); c = ch()) {
      if (c === "") fail("an unterminated quoted string", open);
      if (c === "\n") {
        let breaks = 0;
        for (; ch() === "\n"; breaks++, skipWs()) nextLine();
        text += folds(breaks);
      } else if (ws(c)) {
        const b = pos;
        skipWs();
        if (ch() !== "\n") text += s.slice(b, pos); // spaces before a line break are dropped
      } else if (c === "'" && q === "'") {
        text += "'";
        pos += 2;
      } else if (c === "\\" && q === '"') {
        const e = ch(++pos);
        if (e === "\n") {
          nextLine();
          skipWs();
          continue;
        }
        const len = e === "x" ? 2 : e === "u" ? 4 : e === "U" ? 8 : 0;
        const hex = s.slice(pos + 1, pos + 1 + len);
        const code = hex.length === len && /^[0-9a-fA-F]*$/.test(hex) ? parseInt(hex, 16) : NaN;
        if (len ? !(code <= 0x10ffff) : ESCAPE.indexOf(e) < 0) fail("an invalid escape sequence", pos - 1);
        text += len ? String.fromCodePoint(code) : ESCAPED[ESCAPE.indexOf(e)];
        pos += 1 + len;
      } else {
        const b = pos++;
        while (!"\n \t\\'\"".includes(ch())) pos++;
        text += s.slice(b, pos);
      }
    }
    pos++;
    return scalar(text, q === "'" ? "single" : "double", start);
  };

  // A literal or folded block scalar after a parent at indent n; mirrors the yaml package's
  // compose/resolve-block-scalar.js and the lines its lexer gives that (parse/lexer.js).
  const blockScalar = (n: number): YamlScalar => {
    const start = here();
    const folded = ch() === ">";
    let chomp = "";
    let explicit = 0;
    for (let c = ch(++pos), k = 0; k < 2; c = ch(++pos), k++) {
      if (!chomp && (c === "-" || c === "+")) chomp = c;
      else if (!explicit && c >= "1" && c <= "9") explicit = +c;
      else break;
    }
    if (!wsOrEnd(ch())) fail("a bad block scalar header");
    lineEnd();
    const base = Math.max(n, 0);
    let indent = explicit ? base + explicit : -1; // of the content, once known
    const lines: Array<[indent: number, raw: string]> = [];
    const begin = pos + 1;
    while (ch() === "\n") {
      const b = pos + 1;
      const sp = spaces(b);
      const c = ch(b + sp);
      if (c !== "\n" && c !== "") {
        if (indent < 0 && sp > n) indent = sp;
        if (sp < indent || indent < 0 || (n < 0 && sp === 0 && /^(---|\.\.\.)(\s|$)/.test(s.slice(b, b + 4)))) {
          if (c === "\t") fail("a tab used as indentation", b + sp);
          break;
        }
      }
      newline();
      const e = s.indexOf("\n", b);
      pos = e < 0 ? s.length : e;
      lines.push([sp, s.slice(b, pos)]);
    }
    // the yaml package splits the raw text, which ends with the line break before a next line
    if (pos < s.length) {
      if (lines.length) lines.push([0, ""]);
    } else if (begin >= s.length) lines.length = 0;
    const blank = (i: number): boolean => lines[i]![1].length === lines[i]![0];
    // its lexer leaves out trailing blank lines no longer than the first content line's indent, unless keeping
    const first = lines.find((_, i) => !blank(i))?.[0] ?? 0;
    while (chomp !== "+" && lines.length && blank(lines.length - 1) && lines[lines.length - 1]![0] <= first)
      lines.pop();
    let end = lines.length; // content lines end here; chomping applies to the rest
    while (end > 0 && blank(end - 1)) end--;
    const style = folded ? "folded" : "literal";
    if (end === 0)
      return scalar(chomp === "+" && lines.length ? "\n".repeat(Math.max(1, lines.length - 1)) : "", style, start);
    let trim = explicit ? base + explicit : base;
    let contentStart = 0;
    for (; blank(contentStart); contentStart++) if (!explicit) trim = Math.max(trim, lines[contentStart]![0]);
    if (lines[contentStart]![0] < trim) fail("a block scalar needs an indentation indicator", start);
    if (!explicit) trim = lines[contentStart]![0];
    for (let i = lines.length - 1; i >= end; i--) if (lines[i]![0] > trim) end = i + 1;
    let text = "";
    for (let i = 0; i < contentStart; i++) text += lines[i]![1].slice(trim) + "\n";
    let sep = "";
    let prevMore = false;
    for (let i = contentStart; i < end; i++) {
      const [sp, raw] = lines[i]!;
      const content = raw.slice(sp);
      if (!folded) {
        text += sep + raw.slice(trim);
        sep = "\n";
      } else if (sp > trim || content[0] === "\t") {
        if (sep === " ") sep = "\n";
        else if (!prevMore && sep === "\n") sep = "\n\n";
        text += sep + raw.slice(trim);
        sep = "\n";
        prevMore = true;
      } else if (content === "") {
        if (sep === "\n") text += "\n";
        else sep = "\n";
      } else {
        text += sep + content;
        sep = " ";
        prevMore = false;
      }
    }
    if (chomp === "+") {
      for (let i = end; i < lines.length; i++) text += "\n" + lines[i]![1].slice(trim);
      if (!text.endsWith("\n")) text += "\n";
    } else if (!chomp) text += "\n";
    return scalar(text, style, start);
  };

  // A node that is not a block collection: a flow collection, an alias, a quoted, block or plain scalar.
  const atom = (n: number, flow: boolean, depth: number): YamlNode => {
    const c = ch();
    if (c === "[" || c === "{") return flowCollection(n, depth + 1, !flow);
    if (c === "*") return alias();
    if (c === "'" || c === '"') return quoted(n);
    if (!flow && (c === "|" || c === ">")) return blockScalar(n);
    return plain(n, flow);
  };

  const keyIndicator = (): boolean => {
    let i = pos;
    while (ws(ch(i))) i++;
    if (ch(i) !== ":" || !wsOrEnd(ch(i + 1))) return false;
    pos = i;
    return true;
  };
  const asKey = (node: YamlNode, p: Props | undefined): YamlScalar => {
    if (node.kind !== "scalar" || node.style === "literal" || node.style === "folded")
      fail("a mapping key must be a scalar", node);
    if (node.line !== line) fail("a mapping key must be on one line", node);
    return withProps(node as YamlScalar, p);
  };
  const addEntry = (map: YamlMap, seen: Set<unknown>, key: YamlScalar, value: YamlNode): void => {
    const v = yamlScalarValue(key);
    if (seen.has(v) && !Number.isNaN(v)) fail("a duplicate mapping key", key);
    seen.add(v);
    map.entries.push({ key, value });
  };

  // A [ ] or { } collection; n is the indent of the block collection it is in.
  const flowCollection = (n: number, depth: number, outermost: boolean): YamlMap | YamlSeq => {
    checkDepth(depth);
    const start = here();
    const isMap = ch() === "{";
    const close = isMap ? "}" : "]";
    const open = pos++;
    const map: YamlMap = { kind: "map", entries: [], ...start };
    const seq: YamlSeq = { kind: "seq", items: [], ...start };
    const seen = new Set<unknown>();
    const space = (): void => flowSpace(n, outermost ? close : "");
    const item = (): YamlNode => {
      const p = props(true);
      if (p) space();
      return withProps(ch() === "," || ch() === close ? empty(here()) : atom(n, true, depth), p);
    };
    for (space(); ch() !== close; space()) {
      if (ch() === "," || !ch())
        fail(ch() ? "an empty entry in a flow collection" : "an unclosed flow collection", ch() ? pos : open);
      if (isMap) {
        const p = props(true);
        if (p) space();
        const key = asKey(atom(n, true, depth), p);
        skipWs();
        let value: YamlNode = empty(here());
        if (ch() === ":") {
          pos++;
          space();
          value = item();
        }
        addEntry(map, seen, key, value);
      } else {
        seq.items.push(item());
        skipWs();
        if (ch() === ":") fail("a key: value pair inside [ ]");
      }
      space();
      if (ch() === ",") pos++;
      else if (ch() !== close) fail(ch() ? `expected , or ${close}` : "an unclosed flow collection", ch() ? pos : open);
    }
    pos++;
    return isMap ? map : seq;
  };

  const blockSeq = (m: number, depth: number): YamlSeq => {
    checkDepth(depth);
    noTab(m);
    const seq: YamlSeq = { kind: "seq", items: [], ...here() };
    do {
      pos++;
      seq.items.push(blockValue(m, "entry", depth));
      blockLine();
    } while (pos < s.length && pos - ls === m && seqEntry());
    if (pos < s.length && pos - ls > m) fail("a line indented too much");
    return seq;
  };

  const blockMap = (m: number, first: YamlScalar, depth: number): YamlMap => {
    checkDepth(depth);
    noTab(m);
    const map: YamlMap = {
      kind: "map",
      entries: [],
      line: first.line,
      column: first.column,
    };
    const seen = new Set<unknown>();
    for (let key = first; ;) {
      pos++; // the ":"
      addEntry(map, seen, key, blockValue(m, "key", depth));
      blockLine();
      if (pos >= s.length || pos - ls < m || marker()) return map;
      if (pos - ls > m) fail("a line indented too much");
      if (seqEntry()) fail("a sequence entry in a mapping");
      const p = props(false);
      const node = atEol() ? fail("a mapping key is missing") : atom(m, false, depth);
      if (!keyIndicator()) fail("a mapping key without ': '", node);
      key = asKey(node, p);
    }
  };

  /**
   * The node after `key:` (mode "key"), after `-` ("entry") or at the start of
   * the document or after `---` ("doc"), for a parent at indent n; `fresh`
   * when it starts a line.
   */
  const blockValue = (n: number, mode: "key" | "entry" | "doc", depth: number, fresh = false): YamlNode => {
    const at = here();
    let p: Props | undefined;
    for (;;) {
      skipInline();
      if (atEol()) {
        skipLines();
        const indent = pos - ls;
        if (pos >= s.length || marker() || indent < n || (indent === n && !(mode === "key" && seqEntry()))) {
          return withProps(empty(at), p);
        }
        fresh = true;
      }
      if (fresh) noTab();
      if (p || (ch() !== "&" && ch() !== "!")) break;
      p = props(false);
    }
    const sameLine = p?.line === line;
    const col = (sameLine ? p!.at : pos) - ls; // where a block collection here starts
    const block = fresh || mode === "entry";
    if (seqEntry()) {
      if (!block || sameLine) fail("a block sequence cannot start here");
      return withProps(blockSeq(col, depth + 1), p);
    }
    let kp = ch() === "&" || ch() === "!" ? props(false) : undefined;
    if (kp && atEol()) fail("anchors or tags on two lines");
    const node = atom(n, false, depth);
    if (node.kind !== "scalar" || (node.style !== "literal" && node.style !== "folded")) {
      if (keyIndicator()) {
        if (!block) fail("a mapping on the line of its key", node);
        if (sameLine && !kp) [kp, p] = [p, undefined]; // `&a key: v` anchors the key
        return withProps(blockMap(col, asKey(node, kp), depth + 1), p);
      }
      lineEnd();
    }
    if (kp && p) fail("anchors or tags on two lines", kp.at);
    return withProps(node, p ?? kp);
  };

  // the document
  const control = /[\x00-\x08\x0b-\x1f]/.exec(s);
  if (control) fail("a control character", control.index);
  skipLines();
  if (ch() === "%") fail("a directive (they are not supported)");
  const started = marker() && ch() === "-";
  if (started) pos += 3;
  const root = blockValue(-1, "doc", 0, !started);
  skipLines();
  const ended = marker() && ch() === ".";
  if (ended) {
    pos += 3;
    skipLines();
  }
  if (pos < s.length) fail(ended || marker() ? "more than one document" : "unexpected text after a value");
  return root;
}

// The core schema's scalar types, in the order the yaml package tries them (schema/core/*.js).
const CORE: Array<[string, RegExp, (t: string) => null | boolean | number]> = [
  ["!!null", /^(?:~|[Nn]ull|NULL)?$/, () => null],
  ["!!bool", /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/, (t) => t[0] === "t" || t[0] === "T"],
  ["!!int", /^0o[0-7]+$/, (t) => parseInt(t.slice(2), 8)],
  ["!!int", /^[-+]?[0-9]+$/, (t) => parseInt(t, 10)],
  ["!!int", /^0x[0-9a-fA-F]+$/, (t) => parseInt(t.slice(2), 16)],
  [
    "!!float",
    /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/,
    (t) => (/nan$/i.test(t) ? NaN : t[0] === "-" ? -Infinity : Infinity),
  ],
  ["!!float", /^[-+]?(?:(?:\.[0-9]+|[0-9]+\.[0-9]*)(?:[eE][-+]?[0-9]+)?|[0-9]+[eE][-+]?[0-9]+)$/, parseFloat],
];

/**
 * The value of a scalar under the core schema, as the yaml package resolves
 * it: an untagged plain scalar may be null, a boolean (true/false in three
 * cases only) or a number; a tagged one is of its tag's type when its text
 * fits that type, else (like `!!bool yes`) the string; anything else is its
 * text.
 */
export function yamlScalarValue(node: YamlScalar): null | boolean | number | string {
  const { tag, text } = node;
  if (tag === "!" || tag === "!!str" || (!tag && node.style !== "plain")) return text;
  for (const [t, re, resolve] of CORE) if ((!tag || tag === t) && re.test(text)) return resolve(text);
  return text;
}

/**
 * Converts a node tree to plain data like the yaml package's toJS(): maps
 * become plain objects (keys turned to strings as String() does, null as ""),
 * an alias gives the very value of its anchor's node, and a key such as
 * `__proto__` becomes an own property, never a prototype.
 */
export function yamlToJS(root: YamlNode): unknown {
  const done = new Map<YamlNode, unknown>();
  const convert = (node: YamlNode): unknown => {
    if (node.kind === "alias") return done.has(node.target) ? done.get(node.target) : convert(node.target);
    if (node.kind === "scalar") {
      const v = yamlScalarValue(node);
      if (node.anchor !== undefined) done.set(node, v);
      return v;
    }
    if (node.kind === "seq") {
      const out: unknown[] = [];
      done.set(node, out);
      for (const item of node.items) out.push(convert(item));
      return out;
    }
    const out: Record<string, unknown> = {};
    done.set(node, out);
    for (const { key, value } of node.entries) {
      const k = convert(key);
      const v = convert(value);
      Object.defineProperty(out, k === null ? "" : String(k), {
        value: v,
        writable: true,
        enumerable: true,
        configurable: true,
      });
    }
    return out;
  };
  return convert(root);
}
