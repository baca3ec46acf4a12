// The kubeconfig YAML reader (runtime/src/config/yaml.ts). Tables of small
// given/want cases for every feature it reads and every form it refuses (each
// checked against the `yaml` package, the oracle: the same value, or also an
// error, or marked as a deliberate difference), then differential tests: a
// corpus of kubeconfigs as kubectl, PyYAML (aws), gcloud, az, kind, minikube,
// k3s and people write them, documents the yaml package itself writes from
// random data in its various styles, and random mutations of valid documents
// (which must never be accepted when yaml refuses them). Last: errors never
// quote the document, and large or hostile inputs stay linear and bounded.
import fc from "fast-check";
import { isDeepStrictEqual } from "node:util";
import { describe, expect, it } from "vitest";
import { parseDocument, stringify, type ToStringOptions } from "yaml";
import { parseKubeconfig } from "../../../runtime/src/config/kubeconfig.js";
import { ConfigError } from "../../../runtime/src/config/rest-config.js";
import {
  parseYaml,
  yamlScalarValue,
  yamlToJS,
  YamlSyntaxError,
  type YamlMap,
  type YamlScalar,
  type YamlSeq,
} from "../../../runtime/src/config/yaml.js";

const read = (text: string): unknown => yamlToJS(parseYaml(text));

/** What the yaml package reads (parseDocument().toJS(), as kubeconfig.ts used to), or undefined when it reports an error. */
function oracle(text: string): { value: unknown } | undefined {
  const doc = parseDocument(text, { logLevel: "error" });
  if (doc.errors.length > 0) return undefined;
  try {
    return { value: doc.toJS({ maxAliasCount: 100 }) };
  } catch {
    return undefined; // an alias bomb or a circular alias
  }
}

function refusal(text: string): YamlSyntaxError {
  try {
    parseYaml(text);
  } catch (err) {
    if (err instanceof YamlSyntaxError) return err;
    throw err;
  }
  throw new Error(`accepted: ${JSON.stringify(text)}`);
}

describe("what the reader reads (each also read so by the yaml package)", () => {
  const cases: Array<[string, string, unknown]> = [
    // documents
    ["an empty document", "", null],
    ["only comments", "# a\n  # b\n", null],
    ["only ---", "---\n", null],
    ["--- and ...", "--- # start\na: 1\n...\n# after the end\n", { a: 1 }],
    ["a scalar after ---", "--- text", "text"],
    ["a block scalar after ---", "--- |\n  x\n", "x\n"],
    ["a BOM", "\ufeffa: 1", { a: 1 }],
    ["CRLF line ends", "a: 1\r\nb:\r\n  - x\r\n  - |\r\n    l1\r\n    l2\r\n", { a: 1, b: ["x", "l1\nl2\n"] }],
    ["a root sequence", "- a\n- b", ["a", "b"]],
    ["an indented root mapping", "  a: 1\n  b: 2\n", { a: 1, b: 2 }],
    // null, booleans, numbers (the core schema)
    [
      "nulls",
      "a: ~\nb: null\nc: Null\nd: NULL\ne:\nf: nULL",
      { a: null, b: null, c: null, d: null, e: null, f: "nULL" },
    ],
    [
      "booleans are only true/false in three cases",
      "a: true\nb: True\nc: TRUE\nd: false\ne: False\nf: FALSE\ng: yes\nh: no\ni: on\nj: tRUE\nk: y",
      { a: true, b: true, c: true, d: false, e: false, f: false, g: "yes", h: "no", i: "on", j: "tRUE", k: "y" },
    ],
    [
      "integers",
      "a: 0\nb: -12\nc: +12\nd: 012\ne: 0o17\nf: 0x1F\ng: 0xff\nh: 1_000\ni: 0b101\nj: 0o8\nk: 123456789012345678901234567890",
      { a: 0, b: -12, c: 12, d: 12, e: 15, f: 31, g: 255, h: "1_000", i: "0b101", j: "0o8", k: 1.2345678901234568e29 },
    ],
    [
      "floats",
      "a: 1.5\nb: .5\nc: 5.\nd: -1.5e3\ne: 1e3\nf: 1E-2\ng: .inf\nh: -.Inf\ni: +.INF\nj: .nan\nk: .NaN\nl: 1e400\nm: .Nan\nn: 1.2.3",
      {
        a: 1.5,
        b: 0.5,
        c: 5,
        d: -1500,
        e: 1000,
        f: 0.01,
        g: Infinity,
        h: -Infinity,
        i: Infinity,
        j: NaN,
        k: NaN,
        l: Infinity,
        m: ".Nan",
        n: "1.2.3",
      },
    ],
    ["quoted scalars are strings", "a: \"1\"\nb: 'true'\nc: \"null\"\nd: ''", { a: "1", b: "true", c: "null", d: "" }],
    ["block scalars are strings", "a: |-\n  12\nb: >-\n  true", { a: "12", b: "true" }],
    // tags
    [
      "standard tags",
      'a: !!str 12\nb: !!int "12"\nc: !!float "1.5"\nd: !!bool "true"\ne: !!null ""\nf: !!str\ng: !!null\nh: ! 12',
      { a: "12", b: 12, c: 1.5, d: true, e: null, f: "", g: null, h: "12" },
    ],
    [
      "a tag whose type does not fit the text keeps the text (like the yaml package)",
      "a: !!bool yes\nb: !!int 1.5\nc: !!float 1\nd: !!null x\ne: !!int",
      { a: "yes", b: "1.5", c: "1", d: "x", e: "" },
    ],
    ["collection tags", "a: !!map {b: 1}\nc: !!seq\n- d\ne: !!map\n  f: 1", { a: { b: 1 }, c: ["d"], e: { f: 1 } }],
    // block mappings
    ["a nested mapping", "a:\n  b:\n    c: d\n  e: f\ng: h", { a: { b: { c: "d" }, e: "f" }, g: "h" }],
    ["spaces before the colon", "a : 1\n'b' : 2", { a: 1, b: 2 }],
    ["a tab after the colon", "a:\tb", { a: "b" }],
    [
      "colons inside plain scalars",
      "u: http://x:80/a?b=c#d\na:b: c\nt: 10:20:30",
      { u: "http://x:80/a?b=c#d", "a:b": "c", t: "10:20:30" },
    ],
    ["quoted keys", "\"a b\": 1\n'c''d': 2\n\"\": 3", { "a b": 1, "c'd": 2, "": 3 }],
    [
      "non-string keys become strings",
      "1: a\ntrue: b\n~: c\n1.5: d\n0x1F: e\n.inf: f",
      { "1": "a", true: "b", "": "c", "1.5": "d", "31": "e", Infinity: "f" },
    ],
    ["keys that stringify alike: the last wins", '1: a\n"1": b', { "1": "b" }],
    ["a value on the next line", "a:\n  b\nc:\n    d\n  e", { a: "b", c: "d e" }],
    ["empty values", "a:\nb:\n  # comment\nc: # comment\n", { a: null, b: null, c: null }],
    // block sequences
    ["a sequence at the key's indent", "a:\n- b\n- c\nd: 1", { a: ["b", "c"], d: 1 }],
    ["an indented sequence", "a:\n  - b\n  - c\nd: 1", { a: ["b", "c"], d: 1 }],
    ["compact nested mappings", "- a: 1\n  b: 2\n- c: 3", [{ a: 1, b: 2 }, { c: 3 }]],
    ["compact nested sequences", "- - a\n  - b\n- - - c", [["a", "b"], [["c"]]]],
    ["a compact mapping after more spaces", "-   a: b\n    c: d", [{ a: "b", c: "d" }]],
    ["empty entries", "-\n- a\n-\n  - b\n-", [null, "a", ["b"], null]],
    ["a tab after the dash", "- \ta\n-\tb", ["a", "b"]],
    ["a dash inside a plain scalar", "- a\n  - b\n- -c", ["a - b", "-c"]],
    // plain scalars
    ["multi-line plain scalars fold", "a: x\n  y\n\n  z\n\n\n  w", { a: "x y\nz\n\nw" }],
    ["trailing spaces and tabs are dropped", "a: x \t\n  y  \nb: z\t", { a: "x y", b: "z" }],
    ["a comment ends a plain scalar", "a: x # c\nb: x#c\nc: x\t# c", { a: "x", b: "x#c", c: "x" }],
    [
      "plain scalars with indicators inside",
      "a: x]\nb: x, y\nc: -x\nd: ?x\ne: :x\nf: a'b\"c",
      { a: "x]", b: "x, y", c: "-x", d: "?x", e: ":x", f: "a'b\"c" },
    ],
    ["a plain root scalar over lines", "a\nb\n\nc", "a b\nc"],
    ["unicode", "ключ: значение\nemoji: 😀\nnel: a\u0085b", { ключ: "значение", emoji: "😀", nel: "a\u0085b" }],
    // single-quoted
    ["single quotes", "a: 'it''s'\nb: '#x: y'\nc: 'a\\nb'", { a: "it's", b: "#x: y", c: "a\\nb" }],
    ["single quotes over lines", "a: 'x  \n   y\n\n   z'\nb: '\n  x\n  '", { a: "x y\nz", b: " x " }],
    // double-quoted
    [
      "every double-quoted escape",
      'a: "\\0\\a\\b\\t\\\t\\n\\v\\f\\r\\e\\ \\"\\/\\\\\\N\\_\\L\\P"',
      { a: '\0\x07\b\t\t\n\v\f\r\x1b "/\\\x85\xa0\u2028\u2029' },
    ],
    ["hex and unicode escapes", 'a: "\\x41\\u00e9\\U0001F600\\ud83d\\ude00"', { a: "Aé😀😀" }],
    [
      "double quotes over lines",
      'a: "x  \n   y\n\n   z"\nb: "x\\\n   y"\nc: "x \\\n  y"',
      { a: "x y\nz", b: "xy", c: "x y" },
    ],
    ["an escaped space or tab before a line break stays", 'a: "x\\ \n  y"\nb: "x\\t\n  y"', { a: "x  y", b: "x\t y" }],
    ["a tab inside double quotes", 'a: "x\ty"\nb: "x\t"', { a: "x\ty", b: "x\t" }],
    // block scalars
    ["literal", "a: |\n  l1\n   l2\n\n  l3\nb: 1", { a: "l1\n l2\n\nl3\n", b: 1 }],
    ["literal keeps # and quotes", "a: |\n  # not a comment\n  'x' \"y\"\n", { a: "# not a comment\n'x' \"y\"\n" }],
    ["folded", "a: >\n  f1\n  f2\n\n  p2\n    more\n  back\n", { a: "f1 f2\np2\n  more\nback\n" }],
    ["folded with a tab-led line", "a: >\n  x\n  \ty\n  z", { a: "x\n\ty\nz\n" }],
    [
      "strip, clip and keep",
      "a: |-\n  x\n\nb: |\n  x\n\nc: |+\n  x\n\n\nd: 1",
      { a: "x", b: "x\n", c: "x\n\n\n", d: 1 },
    ],
    ["keep at the end of the document", "a: |+\n  x\n\n", { a: "x\n\n" }],
    ["empty block scalars", "a: |\nb: |+\n\nc: >-\n\nd: |+", { a: "", b: "\n", c: "", d: "" }],
    ["indentation indicators", "a: |2\n   x\n  y\nb: >1-\n  z\nc: |+2\n    w\n", { a: " x\ny\n", b: " z", c: "  w\n" }],
    ["an indicator in a sequence and a compact mapping", "- |1\n  x\n- k: |1\n    y", [" x\n", { k: " y\n" }]],
    ["a comment after the header", "a: |  # c\n  x", { a: "x\n" }],
    ["more-indented trailing blank lines", "a: |\n  x\n     \nb: 1", { a: "x\n   \n", b: 1 }],
    ["trailing blank lines within the first line's indent are dropped", "- >1\n  folded\n  \n", [" folded\n"]],
    ["a block scalar at the document root", "|\nx\ny", "x\ny\n"],
    // flow collections
    [
      "flow collections",
      "a: [b, c]\nd: {e: f, g: [h, {i: j}]}\nk: []\nl: {}",
      { a: ["b", "c"], d: { e: "f", g: ["h", { i: "j" }] }, k: [], l: {} },
    ],
    ["trailing commas", "a: [1,]\nb: {x: 1,}", { a: [1], b: { x: 1 } }],
    ["flow over lines", "a: [\n  b,\n  c\n]\nd: {\n  e: 1,   # c\n  f: 2\n  }", { a: ["b", "c"], d: { e: 1, f: 2 } }],
    ["flow scalars", "a: ['x, y', \"z]\", a:b, -c, 'q''']", { a: ["x, y", "z]", "a:b", "-c", "q'"] }],
    ["a multi-line plain scalar in flow", "a: [b\n  c, d]", { a: ["b c", "d"] }],
    [
      "flow map keys without values and adjacent colons",
      '{a, b: , "c":d, e:f}',
      { a: null, b: null, c: "d", "e:f": null },
    ],
    ["JSON", '{"a": [1, 2.5, true, null, "x"], "b": {"c": {}}}', { a: [1, 2.5, true, null, "x"], b: { c: {} } }],
    ["tags and anchors in flow", "[&a !!str 1, *a, !!int '2']", ["1", "1", 2]],
    // anchors and aliases
    ["an alias to a scalar", "a: &x 1\nb: *x\nc: [*x, *x]", { a: 1, b: 1, c: [1, 1] }],
    [
      "an alias to a mapping",
      "base: &b\n  server: https://x\nc: *b",
      { base: { server: "https://x" }, c: { server: "https://x" } },
    ],
    ["an anchor on a key", "&k a: 1\nb: *k", { a: 1, b: "a" }],
    ["an anchor on a compact mapping's key", "- &k a: 1\n  b: *k", [{ a: 1, b: "a" }]],
    ["an anchor on its own line", "a: &x\n  - y\nb: *x\nc: &e\nd: *e", { a: ["y"], b: ["y"], c: null, d: null }],
    ["a redefined anchor", "a: &x 1\nb: *x\nc: &x 2\nd: *x", { a: 1, b: 1, c: 2, d: 2 }],
    ["merge keys are plain keys (YAML 1.2)", "a: &x {b: 1}\nc:\n  <<: *x", { a: { b: 1 }, c: { "<<": { b: 1 } } }],
    // keys that could reach a prototype
    [
      "__proto__ and friends are plain keys",
      "__proto__: 1\nconstructor: 2\ntoString: 3",
      { ["__proto__"]: 1, constructor: 2, toString: 3 },
    ],
  ];

  it.each(cases)("%s", (_, text, want) => {
    const got = read(text);
    expect(isDeepStrictEqual(got, want), JSON.stringify(got)).toBe(true);
    const theirs = oracle(text);
    expect(theirs, "the yaml package refuses it").toBeDefined();
    expect(isDeepStrictEqual(theirs!.value, want), `yaml reads ${JSON.stringify(theirs!.value)}`).toBe(true);
  });

  it("gives an alias the very value of its anchor, like the yaml package", () => {
    const text = "a: &x {b: [1]}\nc: *x\nd: &y [2]\ne: [*y, *x]";
    const ours = read(text) as Record<string, any>;
    const theirs = oracle(text)!.value as Record<string, any>;
    for (const doc of [ours, theirs]) {
      expect(doc.c).toBe(doc.a);
      expect(doc.e[0]).toBe(doc.d);
      expect(doc.e[1]).toBe(doc.a);
    }
  });

  it("makes __proto__ an own data property and never touches a prototype", () => {
    for (const text of [
      "__proto__: {polluted: yes}",
      '"__proto__": {polluted: yes}',
      "{__proto__: {polluted: yes}}",
      "a: &p {polluted: yes}\n__proto__: *p",
      "- __proto__:\n    polluted: yes",
    ]) {
      const got = read(text);
      const doc = (Array.isArray(got) ? got[0] : got) as Record<string, unknown>;
      expect(Object.getPrototypeOf(doc)).toBe(Object.prototype);
      expect(Object.getOwnPropertyDescriptor(doc, "__proto__")).toMatchObject({
        value: { polluted: "yes" },
        writable: true,
        enumerable: true,
        configurable: true,
      });
      expect(Object.keys(doc)).toContain("__proto__");
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(isDeepStrictEqual(got, oracle(text)!.value)).toBe(true);
    }
  });
});

describe("the node tree", () => {
  it("keeps each scalar's text, style, tag and position", () => {
    const root = parseYaml(
      "a: plain\nb: 'single'\nc: \"double\"\nd: |\n  literal\ne: >-\n  folded\nf: !!str 12\n",
    ) as YamlMap;
    expect(root).toMatchObject({ kind: "map", line: 1, column: 1 });
    const got = root.entries.map(({ key, value }) => [key.text, value]);
    expect(got).toEqual([
      ["a", { kind: "scalar", text: "plain", style: "plain", line: 1, column: 4 }],
      ["b", { kind: "scalar", text: "single", style: "single", line: 2, column: 4 }],
      ["c", { kind: "scalar", text: "double", style: "double", line: 3, column: 4 }],
      ["d", { kind: "scalar", text: "literal\n", style: "literal", line: 4, column: 4 }],
      ["e", { kind: "scalar", text: "folded", style: "folded", line: 6, column: 4 }],
      ["f", { kind: "scalar", text: "12", style: "plain", tag: "!!str", line: 8, column: 10 }],
    ]);
  });

  it("keeps the order of entries, positions of collections, anchors, and aliases pointing at their anchor's node", () => {
    const root = parseYaml("z: 1\na:\n  - &n {x: 1}\n  - *n\n") as YamlMap;
    expect(root.entries.map((e) => e.key.text)).toEqual(["z", "a"]);
    const seq = root.entries[1]!.value as YamlSeq;
    expect(seq).toMatchObject({ kind: "seq", line: 3, column: 3 });
    expect(seq.items[0]).toMatchObject({ kind: "map", anchor: "n", line: 3, column: 8 });
    expect(seq.items[1]).toMatchObject({ kind: "alias", line: 4, column: 5 });
    expect(seq.items[1]!.kind === "alias" && seq.items[1]!.target).toBe(seq.items[0]);
  });

  it("resolves scalar values like the yaml package's core schema", () => {
    const scalar = (text: string, style: YamlScalar["style"] = "plain", tag?: string): YamlScalar => ({
      kind: "scalar",
      text,
      style,
      line: 1,
      column: 1,
      ...(tag ? { tag } : {}),
    });
    expect(yamlScalarValue(scalar(""))).toBeNull();
    expect(yamlScalarValue(scalar("", "double"))).toBe("");
    expect(yamlScalarValue(scalar("True"))).toBe(true);
    expect(yamlScalarValue(scalar("true", "single"))).toBe("true");
    expect(yamlScalarValue(scalar("yes", "plain", "!!bool"))).toBe("yes");
    expect(yamlScalarValue(scalar("0o10"))).toBe(8);
    expect(yamlScalarValue(scalar("10", "literal", "!!int"))).toBe(10);
    expect(yamlScalarValue(scalar("10", "plain", "!"))).toBe("10");
  });
});

describe("what the reader refuses, with a position", () => {
  // [name, text, line, column]; the yaml package reports an error for these too
  const likeYaml: Array<[string, string, number, number]> = [
    ["a second document", "a: 1\n---\nb: 2", 2, 1],
    ["a second document after ...", "a: 1\n...\nb: 2", 3, 1],
    ["an empty second document", "a: 1\n---\n", 2, 1],
    ["a tab as indentation", "a:\n\tb: c", 2, 1],
    ["a tab as indentation of a sequence", "a:\n \t- b", 2, 2],
    ["a tab as indentation of a continuation line", "a: x\n\ty", 2, 1],
    ["a tab as indentation in a block scalar", "a: |\n  x\n\t\n  y", 3, 1],
    ["a tab as indentation of a flow line", "k: [a,\n\tb]", 2, 2],
    ["a tab as indentation of a quoted line", 'a: "x\n\ty"', 2, 1],
    ["duplicate keys", "a: 1\nb: 2\na: 3", 3, 1],
    ["duplicate keys written differently", "0x1: a\n1: b", 2, 1],
    ["duplicate null keys", "~: a\nnull: b", 2, 1],
    ["duplicate keys in flow", "{a: 1, 'a': 2}", 1, 8],
    ["duplicate keys in a nested mapping", "x:\n  - a: 1\n    a: 2", 3, 5],
    ["a mapping indented more", "a:\n  b: 1\n   c: 2", 3, 5],
    ["a mapping indented more after a collection", "a:\n  b: [1]\n   c: 2", 3, 4],
    ["a mapping indented less", "a:\n  b: 1\n c: 2", 3, 2],
    ["a sequence indented more after a collection", "a:\n  - [b]\n   - c", 3, 4],
    ["a mapping on the line of its key", "a: b: c", 1, 4],
    ["a sequence on the line of its key", "a: - b", 1, 4],
    ["a block mapping on the --- line", "--- a: 1", 1, 5],
    ["a key spanning lines", "a: x\n  y: z", 2, 4],
    ["a missing colon", "a: 1\nb\nc: 2", 2, 1],
    ["a sequence entry among keys", "a: 1\n- b", 2, 1],
    ["text after a quoted value", 'a: "b" c', 1, 8],
    ["text after a flow collection", "a: [b] c", 1, 8],
    ["a comment without a space", 'a: "b"# c', 1, 7],
    ["a comment without a space after a flow collection", "a: [b]# c", 1, 7],
    ["a comment without a space after a block scalar header", "a: |#c\n  x", 1, 5],
    ["an unterminated double-quoted string", 'a: "abc\n  def', 1, 4],
    ["an unterminated single-quoted string", "a: 'abc", 1, 4],
    ["an unterminated flow sequence", "a: [b, c\n", 1, 4],
    ["an unterminated flow mapping", "a: {b: c", 1, 4],
    ["a flow line indented too little", "a:\n  b: [c,\n  d]", 3, 3],
    ["a flow close indented too little", "a:\n  k: [\n    a\n ]", 4, 2],
    ["an inner flow close at the parent's indent", "a:\n  k: [[\n    a\n  ], b]", 4, 3],
    ["a quoted line indented too little", "a:\n  b: 'x\n  y'", 3, 1],
    ["a tab in a quoted line's indentation after spaces", "a:\n  b: 'x\n  \ty'", 3, 1],
    ["a double-quoted line at column 1", 'a: "x\ny"', 2, 1],
    ["an empty flow entry", "a: [1,,2]", 1, 7],
    ["a comma first in a flow collection", "[, a]", 1, 2],
    ["a block collection in flow", "[a, - b]", 1, 5],
    ["a flow mapping inside a flow value", "{a: b: c}", 1, 6],
    ["an invalid escape", 'a: "\\q"', 1, 5],
    ["a short hex escape", 'a: "\\x4"', 1, 5],
    ["a bad unicode escape", 'a: "\\u12G4"', 1, 5],
    ["a code point beyond U+10FFFF", 'a: "\\U00110000"', 1, 5],
    ["a plain scalar starting with %", "a: %x", 1, 4],
    ["a plain scalar starting with @", "a: @x", 1, 4],
    ["a plain scalar starting with a backtick", "a: `x", 1, 4],
    ["a plain scalar starting with ,", "a: ,x", 1, 4],
    ["a stray ]", "a: ]", 1, 4],
    ["a stray }", "a: }", 1, 4],
    ["a bad block scalar header", "a: |x\n  y", 1, 5],
    ["a zero indentation indicator", "a: |0\n  y", 1, 5],
    ["block scalar lines indented less than the first", "a: |\n   x\n  y", 3, 3],
    ["more-indented leading blank lines in a block scalar", "a: |\n\n   \n  x", 1, 4],
    ["a block scalar line less indented than its indicator", "a: |2\n   x\n  y\n z", 4, 2],
    ["a directive without ---", "%YAML 1.2\na: 1", 1, 1],
    ["an alias to an undefined anchor", "a: *b", 1, 4],
    ["an alias before its anchor", "a: *b\nc: &b 1", 1, 4],
    ["a carriage return alone", "a: 1\rb: 2", 1, 5],
    ["a quoted key followed directly by a value", '"a":b', 1, 4],
    ["properties on a compact sequence entry", "- &a - x", 1, 6],
    ["a tab after a dash before a compact mapping", "-\ta: 1", 1, 2],
    ["a nested mapping in a compact key", "- a: 1\n  b: 2\n   c: 3", 3, 5],
  ];
  // Forms the yaml package reads (sometimes with a warning) that this reader refuses on purpose.
  const stricter: Array<[string, string, number, number]> = [
    ["a %YAML directive", "%YAML 1.2\n---\na: 1", 1, 1],
    ["a %TAG directive", "%TAG ! tag:x,2024:\n---\na: 1", 1, 1],
    ["an explicit key", "? a\n: b", 1, 1],
    ["an explicit key in flow", "{? a: b}", 1, 2],
    ["an empty key", ": a", 1, 1],
    ["a flow collection as a key", "[a, b]: c", 1, 1],
    ["an alias as a key", "a: &x 1\nb: {*x : 1}", 2, 5],
    ["an alias as a block key", "a: &x 1\n*x : 1", 2, 1],
    ["a multi-line key in flow", "{a\n b: c}", 2, 3],
    ["a key: value pair inside [ ]", "a: [b: c]", 1, 6],
    ["a quoted key: value pair inside [ ]", 'a: ["b":c]', 1, 8],
    ["an unknown tag", "a: !foo x", 1, 4],
    ["a verbatim tag", "a: !<tag:yaml.org,2002:str> x", 1, 4],
    ["a YAML 1.1 tag", "a: !!binary aGk=", 1, 4],
    ["a scalar tag on a collection", "a: !!str\n  b: 1", 1, 4],
    ["a collection tag on a scalar", "a: !!map x", 1, 4],
    ["a collection tag on an empty value", "a: !!seq", 1, 4],
    ["an alias inside its own anchor", "a: &x [1, *x]", 1, 11],
    ["an alias inside its own block anchor", "a: &x\n  b: *x", 2, 6],
    ["an alias to a redefinition still being read", "a: &x 1\nb: &x [*x]", 2, 8],
    ["an anchor name with odd characters", 'a: &x" 1', 1, 6],
    ["an empty key after another", "a: 1\n: b", 2, 1],
    ["control characters that YAML forbids", "a: x\x01y", 1, 5],
    ["anchors or tags on two lines", "a: &x\n  !!str b", 2, 3],
  ];

  it.each(likeYaml)("%s", (_, text, line, column) => {
    const err = refusal(text);
    expect({ line: err.line, column: err.column }).toEqual({ line, column });
    expect(err.message).toMatch(new RegExp(` at line ${line}, column ${column}$`));
    expect(oracle(text), "the yaml package accepts it").toBeUndefined();
  });

  it.each(stricter)("%s (the yaml package reads it)", (_, text, line, column) => {
    const err = refusal(text);
    expect({ line: err.line, column: err.column }).toEqual({ line, column });
    expect(oracle(text), "the yaml package refuses it too: move it to the other table").toBeDefined();
  });

  it("caps nesting at 100 levels, block or flow, without exhausting the stack", () => {
    const block = (n: number): string =>
      Array.from({ length: n }, (_, i) => `${" ".repeat(i)}k:\n`).join("") + `${" ".repeat(n)}v`;
    const flow = (n: number): string => "[".repeat(n) + "]".repeat(n);
    const dashes = (n: number): string => "- ".repeat(n) + "x";
    for (const build of [block, flow, dashes]) {
      expect(() => read(build(100))).not.toThrow();
      expect(refusal(build(101)).message).toMatch(/nested more than 100 deep/);
    }
    for (const huge of ["[".repeat(200_000), "{a: ".repeat(200_000), "- ".repeat(200_000)]) {
      expect(refusal(huge).message).toMatch(/nested more than 100 deep/);
    }
  });

  it("counts alias expansions like the yaml package's maxAliasCount (100) and refuses a bomb", () => {
    const scalarAliases = (n: number): string => `a: &a x\nb: [${Array(n).fill("*a").join(", ")}]`;
    const bomb = (width: number, levels: number): string => {
      let text = `l0: &l0 [${Array(width).fill("x").join(", ")}]\n`;
      for (let i = 1; i < levels; i++)
        text += `l${i}: &l${i} [${Array(width)
          .fill(`*l${i - 1}`)
          .join(", ")}]\n`;
      return text;
    };
    const docs = [99, 100, 101].map(scalarAliases);
    for (const w of [2, 3, 5, 9, 10, 11]) for (const l of [2, 3, 4, 5]) docs.push(bomb(w, l));
    let accepted = 0;
    for (const text of docs) {
      const ours = (() => {
        try {
          return { value: read(text) };
        } catch (err) {
          expect(err).toBeInstanceOf(YamlSyntaxError);
          return undefined;
        }
      })();
      const theirs = oracle(text);
      expect(ours !== undefined, text.slice(0, 60)).toBe(theirs !== undefined);
      if (ours) accepted++;
      if (ours) expect(isDeepStrictEqual(ours.value, theirs!.value)).toBe(true);
    }
    expect(accepted).toBeGreaterThan(3);
    expect(accepted).toBeLessThan(docs.length - 3);
    expect(refusal(scalarAliases(100)).message).toMatch(/aliases that expand to more than 100 nodes at line 2, column/);
    const start = performance.now();
    expect(() => read(bomb(10, 30))).toThrow(YamlSyntaxError); // the billion laughs
    expect(performance.now() - start).toBeLessThan(1000);
  });
});

describe("errors never quote the document", () => {
  const secret = "sk-live-0123456789abcdef";
  const templates = [
    "token: {SECRET",
    "token: [SECRET",
    'token: "SECRET',
    "token: 'SECRET",
    'token: "SECRET\\q"',
    "token: SECRET\n  x: y",
    "token: SECRET\ntoken: SECRET",
    "SECRET: 1\nSECRET: 2",
    "token: !SECRET x",
    'token: &SECRET" x',
    "token: *SECRET",
    "token: &a [*a, SECRET]",
    "token: SECRET\n---\nb: 1",
    "token: SECRET\n\tb: 1",
    "token: |SECRET\n  x",
    "token: 'SECRET' trailing",
    "? SECRET\n: x",
    "token: SECRET\x01",
    "[SECRET]: 1",
    "token: SECRET\n - x\nb: [",
    "users:\n- name: u\n  user: {token: SECRET\n",
  ];
  it.each(templates)("%j", (template) => {
    const text = template.replaceAll("SECRET", secret);
    const err = refusal(text);
    for (const shown of [err.message, String(err), JSON.stringify(err), err.stack ?? ""]) {
      expect(shown).not.toContain(secret);
      expect(shown).not.toContain(secret.slice(0, 8));
    }
  });

  it("parseKubeconfig reports the position only, as a ConfigError", () => {
    const file = "/home/dev/.kube/config";
    for (const [text, line, column] of [
      [`users:\n- name: u\n  user: {token: ${secret}\n`, 3, 9],
      [`users:\n- name: u\n  user:\n    token: "${secret}\n`, 4, 12],
      [
        `a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [${Array(10).fill("*a").join(", ")}]\nc: [${Array(10).fill("*b").join(", ")}]\n`,
        3,
        37,
      ],
    ] as const) {
      const err = (() => {
        try {
          parseKubeconfig(text, file);
        } catch (e) {
          return e as ConfigError;
        }
        throw new Error("accepted");
      })();
      expect(err).toBeInstanceOf(ConfigError);
      expect(err.message).toBe(`kubeconfig ${file}: not valid YAML at line ${line}, column ${column}`);
      expect(err.file).toBe(file);
      expect(err.cause).toBeInstanceOf(YamlSyntaxError);
      expect(JSON.stringify(err) + String(err.cause)).not.toContain(secret);
    }
  });
});

// A corpus of kubeconfigs in the shapes real tools write them. The data fields are long, like real ones.
const b64 = (text: string): string => Buffer.from(text).toString("base64");
const pem = (kind: string, n: number): string =>
  `-----BEGIN ${kind}-----\n${Array.from({ length: n }, (_, i) =>
    Buffer.from(Array.from({ length: 48 }, (_, j) => (i * 131 + j * 7) % 256)).toString("base64"),
  ).join("\n")}\n-----END ${kind}-----\n`;
const CA = b64(pem("CERTIFICATE", 24));
const CERT = b64(pem("CERTIFICATE", 20));
const KEY = b64(pem("EC PRIVATE KEY", 4));
const kubectlDoc = (name: string, server: string, user: string): string => `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: ${CA}
    server: ${server}
  name: ${name}
contexts:
- context:
    cluster: ${name}
    user: ${name}
  name: ${name}
current-context: ${name}
kind: Config
preferences: {}
users:
- name: ${name}
  user:
${user}`;

const corpus: Record<string, string> = {
  "kind (kubectl, go-yaml)": kubectlDoc(
    "kind-kind",
    "https://127.0.0.1:41367",
    `    client-certificate-data: ${CERT}\n    client-key-data: ${KEY}\n`,
  ),
  k3s: kubectlDoc(
    "default",
    "https://127.0.0.1:6443",
    `    client-certificate-data: ${CERT}\n    client-key-data: ${KEY}\n`,
  ),
  "aws eks update-kubeconfig (PyYAML, block style)": kubectlDoc(
    "arn:aws:eks:us-west-2:123456789012:cluster/demo",
    "https://0123456789ABCDEF0123456789ABCDEF.gr7.us-west-2.eks.amazonaws.com",
    `    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      args:
      - --region
      - us-west-2
      - eks
      - get-token
      - --cluster-name
      - demo
      - --output
      - json
      command: aws
      env:
      - name: AWS_PROFILE
        value: prod
`,
  ),
  "older aws cli (PyYAML, flow style for leaves, wrapped at 80 columns)": `apiVersion: v1
clusters:
- cluster: {certificate-authority-data: ${CA},
    server: 'https://ABCDEF0123456789.yl4.us-east-1.eks.amazonaws.com'}
  name: arn:aws:eks:us-east-1:123456789012:cluster/old
contexts:
- context: {cluster: 'arn:aws:eks:us-east-1:123456789012:cluster/old', user: 'arn:aws:eks:us-east-1:123456789012:cluster/old'}
  name: arn:aws:eks:us-east-1:123456789012:cluster/old
current-context: arn:aws:eks:us-east-1:123456789012:cluster/old
kind: Config
preferences: {}
users:
- name: arn:aws:eks:us-east-1:123456789012:cluster/old
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1alpha1
      args: [--region, us-east-1, eks, get-token, --cluster-name, old, --role, 'arn:aws:iam::123456789012:role/admin']
      command: aws
      env: null
`,
  "gcloud (exec plugin with a folded install hint, and the legacy gcp provider)": kubectlDoc(
    "gke_my-project_us-central1_prod",
    "https://34.118.0.10",
    `    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: gke-gcloud-auth-plugin
      installHint: Install gke-gcloud-auth-plugin for use with kubectl by following
        https://cloud.google.com/kubernetes-engine/docs/how-to/cluster-access-for-kubectl#install_plugin
      provideClusterInfo: true
- name: legacy
  user:
    auth-provider:
      config:
        access-token: ya29.a0AfH6SMBx-long-access-token-0123456789
        cmd-args: config config-helper --format=json
        cmd-path: /usr/lib/google-cloud-sdk/bin/gcloud
        expiry: "2024-01-01T10:00:00Z"
        expiry-key: '{.credential.token_expiry}'
        token-key: '{.credential.access_token}'
      name: gcp
`,
  ),
  "az aks get-credentials (kubelogin, a |2 literal)": kubectlDoc(
    "myaks",
    "https://myaks-dns-1a2b3c4d.hcp.westeurope.azmk8s.io:443",
    `    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      args:
      - get-token
      - --environment
      - AzurePublicCloud
      - --server-id
      - 6dae42f8-4368-4678-94ff-3960e28e3630
      - --client-id
      - 80faf920-1908-4b52-b5ef-a8e7bedfc67a
      - --tenant-id
      - 72f988bf-86f1-41af-91ab-2d7cd011db47
      - --login
      - devicecode
      command: kubelogin
      env: null
      installHint: |2

        kubelogin is not installed which is required to connect to AAD enabled cluster.

        To learn more, please go to https://aka.ms/aks/kubelogin
      provideClusterInfo: false
- name: clusterAdmin_myrg_myaks
  user:
    client-certificate-data: ${CERT}
    client-key-data: ${KEY}
    token: 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
`,
  ),
  minikube: `apiVersion: v1
clusters:
- cluster:
    certificate-authority: /home/dev/.minikube/ca.crt
    extensions:
    - extension:
        last-update: Mon, 15 Jan 2024 10:20:30 CET
        provider: minikube.sigs.k8s.io
        version: v1.32.0
      name: cluster_info
    server: https://192.168.49.2:8443
  name: minikube
contexts:
- context:
    cluster: minikube
    extensions:
    - extension:
        last-update: Mon, 15 Jan 2024 10:20:30 CET
        provider: minikube.sigs.k8s.io
        version: v1.32.0
      name: context_info
    namespace: default
    user: minikube
  name: minikube
current-context: minikube
kind: Config
preferences: {}
users:
- name: minikube
  user:
    client-certificate: /home/dev/.minikube/profiles/minikube/client.crt
    client-key: /home/dev/.minikube/profiles/minikube/client.key
`,
  "oc login (names with colons and slashes, go-yaml quoting)": `apiVersion: v1
clusters:
- cluster:
    insecure-skip-tls-verify: true
    server: https://api.ocp.example.com:6443
  name: api-ocp-example-com:6443
contexts:
- context:
    cluster: api-ocp-example-com:6443
    namespace: "007"
    user: kube:admin/api-ocp-example-com:6443
  name: default/api-ocp-example-com:6443/kube:admin
current-context: default/api-ocp-example-com:6443/kube:admin
kind: Config
preferences: {}
users:
- name: kube:admin/api-ocp-example-com:6443
  user:
    token: sha256~AbCdEf0123456789-_AbCdEf0123456789
    exec:
      command: helper
      args:
      - "true"
      - "123"
      - "yes"
      - ""
      - '*.example.com'
      - --flag=value
      - "it's"
      - "with \\"quotes\\" and \\\\ and \\t"
`,
  "hand-edited (comments, anchors, quoted ports, flow args, folded data, ---/...)": `# my clusters
---
apiVersion: v1
kind: Config
current-context: "dev"   # switch here
preferences: {}

clusters:
  - name: dev
    cluster: &dev-cluster
      server: "https://dev.example.com:6443"
      # the CA, folded by hand
      certificate-authority-data: >-
        ${CA.slice(0, 76)}
        ${CA.slice(76, 152)}
      insecure-skip-tls-verify: false
  - name: dev-copy
    cluster: *dev-cluster
  - name: staging
    cluster:
      server: 'https://10.0.0.1:6443'
      tls-server-name: staging.internal
      proxy-url: http://proxy.corp:3128   # corporate proxy

users:
  - name: alice
    user:
      token: "eyJhbGciOiJSUzI1NiIsImtpZCI6IiJ9.eyJpc3MiOiJrdWJlcm5ldGVzIn0.c2lnbmF0dXJl"
  - name: bob
    user:
      exec:
        apiVersion: client.authentication.k8s.io/v1
        command: /usr/local/bin/get-token
        args: ["--cluster", "dev", '--port', "8443"]
        env: [{name: HOME, value: /home/bob}, {name: "DEBUG", value: "1"}]
        interactiveMode: Never
        provideClusterInfo: yes  # YAML 1.1 style; kubegen reads it as client-go does
  - name: carol
    user:
      username: carol
      password: 'p@ss: word # not a comment'
      as: admin
      as-groups: [system:masters]
      as-user-extra:
        scopes:
          - read
          - write

contexts:
  - name: dev
    context: {cluster: dev, user: alice, namespace: team-a}
  - name: staging
    context:
      cluster: staging
      user: bob
      namespace: "007"
...
`,
  "kubectl config view -o json": JSON.stringify(
    {
      kind: "Config",
      apiVersion: "v1",
      preferences: {},
      clusters: [{ name: "json", cluster: { server: "https://json.example:443", "certificate-authority-data": CA } }],
      users: [{ name: "json", user: { token: "abc.def.ghi" } }],
      contexts: [{ name: "json", context: { cluster: "json", user: "json", namespace: "default" } }],
      "current-context": "json",
    },
    null,
    2,
  ),
};
corpus["kind with CRLF line ends and a BOM (Windows editor)"] =
  "\ufeff" + corpus["kind (kubectl, go-yaml)"]!.replace(/\n/g, "\r\n");

describe("a corpus of real-world kubeconfigs reads exactly as the yaml package reads it", () => {
  it.each(Object.entries(corpus))("%s", (_, text) => {
    const theirs = oracle(text);
    expect(theirs).toBeDefined();
    expect(read(text)).toStrictEqual(theirs!.value);
    expect(() => parseKubeconfig(text, "/home/dev/.kube/config")).not.toThrow();
  });
});

describe("documents the yaml package writes from random data", () => {
  const piece = fc.constantFrom(
    ..."abz01 ".split(""),
    ...["  ", "\n", "\n\n", "\t", ": ", ":", " #", "#", "- ", "-", "'", '"', "\\", "|", ">", "[", "]", "{", "}", ","],
    ...["&", "*", "!", "?", "%", "@", "`", "~", ".", "=", "/", "é", "😀", "\u2028", "\x7f", "\x01", "\r\n"],
    ...["yes", "no", "null", "true", "1.5", "0x1F", "1e3", ".inf", "---", "..."],
  );
  const str = fc.oneof(
    fc.array(piece, { maxLength: 12 }).map((a) => a.join("")),
    fc.string({ maxLength: 30 }),
    fc.uint8Array({ minLength: 30, maxLength: 300 }).map((b) => Buffer.from(b).toString("base64")),
  );
  const key = fc.oneof(
    str.filter((k) => !k.includes("\n") && !k.includes("\r") && k.length < 40),
    fc.constantFrom("__proto__", "constructor", "1", "true", "null", "", "<<", "server", "insecure-skip-tls-verify"),
  );
  const leaf = fc.oneof(str, fc.integer(), fc.double(), fc.boolean(), fc.constant(null));
  const { tree } = fc.letrec((tie) => ({
    tree: fc.oneof({ depthSize: "small" }, leaf, tie("list"), tie("dict")),
    list: fc.array(tie("tree"), { maxLength: 4 }),
    dict: fc.dictionary(key, tie("tree"), { maxKeys: 4, noNullPrototype: true }),
  }));
  const options: fc.Arbitrary<ToStringOptions> = fc.record(
    {
      defaultStringType: fc.constantFrom("PLAIN", "QUOTE_DOUBLE", "QUOTE_SINGLE", "BLOCK_LITERAL", "BLOCK_FOLDED"),
      defaultKeyType: fc.constantFrom(null, "PLAIN", "QUOTE_DOUBLE", "QUOTE_SINGLE"),
      collectionStyle: fc.constantFrom("any", "block", "flow"),
      indent: fc.integer({ min: 1, max: 4 }),
      indentSeq: fc.boolean(),
      lineWidth: fc.constantFrom(0, 8, 20, 80),
      minContentWidth: fc.constantFrom(0, 4, 20),
    },
    { requiredKeys: [] },
  );

  it("reads them as the yaml package does", () => {
    let faithful = 0;
    fc.assert(
      fc.property(tree, options, (value, opts) => {
        const text = stringify(value, opts);
        const theirs = oracle(text);
        // now and then yaml writes what it does not read back as the data (or at all): only those may be refused
        const roundTrips = theirs !== undefined && isDeepStrictEqual(theirs.value, value);
        if (roundTrips) faithful++;
        let ours: unknown;
        try {
          ours = read(text);
        } catch (err) {
          if (!(err instanceof YamlSyntaxError)) throw err;
          return !roundTrips;
        }
        return theirs !== undefined && isDeepStrictEqual(ours, theirs.value);
      }),
      { numRuns: 600 },
    );
    expect(faithful).toBeGreaterThan(500);
  });

  it("reads every style it can be asked for (fixed examples)", () => {
    const value = {
      "current-context": "dev",
      clusters: [{ name: "a b", cluster: { server: "https://x:6443", "insecure-skip-tls-verify": true } }],
      text: "line one\nline two\n\n  indented\n",
      lead: "  leading spaces",
      trail: "trailing newlines\n\n\n",
      long: "a fairly long string that will need folding once the line width is small enough to force it",
      empty: [[], {}, ""],
      nums: [0, -1, 1.5, 1e21, 0.1],
    };
    const styles: ToStringOptions[] = [
      {},
      { defaultStringType: "QUOTE_DOUBLE" },
      { defaultStringType: "QUOTE_SINGLE" },
      { defaultStringType: "BLOCK_LITERAL" },
      { defaultStringType: "BLOCK_FOLDED" },
      { collectionStyle: "flow" },
      { indent: 4, indentSeq: false },
      { lineWidth: 20, minContentWidth: 0 },
      { defaultStringType: "QUOTE_DOUBLE", lineWidth: 12, minContentWidth: 0 },
      { defaultStringType: "BLOCK_FOLDED", lineWidth: 16, minContentWidth: 0, indent: 3 },
    ];
    for (const opts of styles) {
      const text = stringify(value, opts);
      expect(read(text), JSON.stringify(opts)).toStrictEqual(oracle(text)!.value);
    }
    expect(read(stringify(value))).toStrictEqual(value);
  });
});

describe("random mutations of valid documents", () => {
  const seeds = [
    ...Object.values(corpus).map((t) => t.slice(0, 600)),
    "a: 1\nb:\n  c: [x, y]\n  d: {e: f}\n",
    "- a\n- b: c\n  d: e\n- - f\n  - g\n",
    "k: |\n  line1\n   more\n\n  line3\nz: >-\n  fold\n  ed\n\n  para\n",
    "s: 'it''s'\nd: \"a\\tb\\u00e9\\\n  c\"\np: plain\n  multi\n",
    'a: &x {b: 1}\nc: *x\nd: !!str 12\ne: !!int "7"\n',
    "--- # c\nlist:\n- x\n- y # c\n...\n",
    "f: [\n  a,\n  b\n]\ng: {\n  h: 1,\n  i: [2, 3]\n}\n",
    "x: |+\n  keep\n\n\ny: |-\n  strip\n\n",
    "- |2\n    indented\n  text\n- >1\n  folded\n",
  ];
  const inserts = [" ", "  ", "\n", "\n  ", ":", ": ", "-", "- ", "#", " #", "'", '"', "\\", "|", ">", "[", "]", "{"];
  inserts.push(
    ...["}", ",", "&a ", "*a", "!!str ", "!", "?", "\t", "x", "1", ".", "~", "%", "...", "---", "\\x4", "''"],
  );
  inserts.push(...["!!bool ", "!!map ", "yes", "\n\n", "&b", "*b", "|2", ">-", "|+", "\r\n", "\ufeff"]);
  const edit = fc.record({
    at: fc.nat(),
    op: fc.constantFrom("insert", "delete", "replace"),
    text: fc.constantFrom(...inserts),
    n: fc.nat(3),
  });
  const mutated = fc
    .tuple(fc.constantFrom(...seeds), fc.array(edit, { minLength: 1, maxLength: 3 }))
    .map(([seed, edits]) => {
      let t = seed;
      for (const { at, op, text, n } of edits) {
        const p = at % (t.length + 1);
        t =
          op === "insert"
            ? t.slice(0, p) + text + t.slice(p)
            : op === "delete"
              ? t.slice(0, p) + t.slice(p + 1 + n)
              : t.slice(0, p) + text + t.slice(p + text.length);
      }
      return t;
    });

  it("are never accepted when the yaml package refuses them, and read as it reads them otherwise", () => {
    let both = 0;
    fc.assert(
      fc.property(mutated, (text) => {
        let ours: unknown;
        try {
          ours = read(text);
        } catch (err) {
          if (!(err instanceof YamlSyntaxError)) throw err;
          return true;
        }
        const theirs = oracle(text);
        both++;
        return theirs !== undefined && isDeepStrictEqual(ours, theirs.value);
      }),
      { numRuns: 2500 },
    );
    expect(both).toBeGreaterThan(500);
  });
});

describe("large inputs stay linear", () => {
  const time = (text: string): number => {
    const start = performance.now();
    read(text);
    return performance.now() - start;
  };

  it("reads a 4 MB kubeconfig with many entries quickly", () => {
    const entry = (i: number): string =>
      `- name: c${i}\n  cluster:\n    server: "https://10.0.${i % 250}.1:6443"\n    certificate-authority-data: ${CA.slice(0, 200)}\n    extensions: [{name: x, extension: {a: 'b'}}]\n`;
    const text = "clusters:\n" + Array.from({ length: 10_000 }, (_, i) => entry(i)).join("");
    expect(text.length).toBeGreaterThan(3_000_000);
    expect(time(text)).toBeLessThan(3000);
  });

  it("reads long lines, long runs of spaces and many blank lines without going quadratic", () => {
    const n = 1_000_000;
    const cases = [
      `a: ${"x".repeat(n)}`,
      `a: "${"x ".repeat(n / 2)}"`,
      `a: '${"x".repeat(n)}'`,
      `a: x${" ".repeat(n)}y`,
      `a: "x${" ".repeat(n)}\n  y"`,
      `a: 'x${" ".repeat(n)}y'`,
      `a: x${"\n".repeat(n)}b: y`,
      `a: |\n${"  line\n".repeat(n / 8)}`,
      `a: >\n${"  word\n\n".repeat(n / 8)}`,
      `a: [${"1, ".repeat(n / 4)}2]`,
      Array.from({ length: n / 20 }, (_, i) => `k${i}: v`).join("\n"),
      `a:${" #".repeat(n / 2)}\n  b`,
    ];
    for (const text of cases) expect(time(text), text.slice(0, 20)).toBeLessThan(1500);
  });

  it("reports an error far into a large document quickly", () => {
    const text = Array.from({ length: 200_000 }, (_, i) => `k${i}: 1\n`).join("") + "b: [";
    const start = performance.now();
    expect(refusal(text)).toMatchObject({ line: 200_001, column: 4 });
    expect(performance.now() - start).toBeLessThan(1500);
  });
});
