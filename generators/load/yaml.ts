// Reading untrusted YAML: a stream of documents turned into plain JSON values
// the way the API server would accept them, with every problem reported (file,
// JSON pointer, line) instead of thrown. Guards, in order:
// - nesting: a document nests at most MAX_DOCUMENT_DEPTH maps and lists,
//   measured on the parser's tokens (the parser is iterative) before the
//   recursive composer runs, so deep input never overflows the stack;
// - duplicate keys are errors (the API server rejects them; YAML's "last one
//   wins" would silently drop a field), compared as the JSON keys they become;
// - keys must be scalars (a map or list as a key has no JSON form), and a
//   plain `<<` (a YAML 1.1 merge key, which the API server would merge but
//   YAML 1.2 keeps as a key) is refused rather than read differently;
// - aliases: at most MAX_YAML_ALIASES per document, each naming an anchor set
//   before it and outside itself (a recursive alias has no JSON form), and
//   together adding at most MAX_ALIAS_EXPANSION nodes, so a "billion laughs"
//   document is refused before anything expands it.
// Keys such as `__proto__` become own properties (the yaml package defines
// them, never assigns them), so parsing never changes a prototype.

import { Composer, CST, isAlias, isCollection, isMap, isScalar, isSeq, LineCounter, Parser, type Document } from "yaml";
import type { Diagnostics } from "./errors.js";
import { quoted } from "./names.js";
import { pointerJoin } from "./schema.js";
import { MAX_DOCUMENT_DEPTH, TOO_DEEP_DOCUMENT, tooDeep } from "./shape.js";
import type { SourceText } from "./sources.js";

/** At most this many aliases (`*name`) in one YAML document. */
export const MAX_YAML_ALIASES = 100;
/** Aliases may add at most this many nodes to a document when expanded. */
export const MAX_ALIAS_EXPANSION = 10_000;

/** One parsed YAML document of a stream. */
export interface YamlDocument {
  /** 0-based position in the stream. */
  readonly index: number;
  readonly doc: Document;
  /** The document as JSON data (plain objects with own properties, arrays, scalars). */
  readonly value: unknown;
}

export interface YamlStream {
  /** The documents that could be read; the others were reported. */
  readonly docs: readonly YamlDocument[];
  /** How many documents the stream holds. */
  readonly count: number;
  readonly lines: LineCounter;
}

/** A place in a walk: its parent and its key or index there, so a pointer is built only when a problem is reported. */
interface Place {
  readonly parent?: Place;
  readonly segment?: () => string | number;
}

function pointerOf(place: Place): string {
  const segments: (string | number)[] = [];
  for (let p: Place | undefined = place; p?.segment; p = p.parent) segments.push(p.segment());
  return pointerJoin("", ...segments.reverse());
}

/**
 * The first collection nested deeper than `limit` in a CST token (its offset
 * and JSON pointer), and whether the document uses aliases. Iterative, so any
 * depth is safe to measure.
 */
function scanTokens(root: CST.Token | undefined, limit: number): { tooDeep?: { offset: number; pointer: string }; aliases: boolean } {
  let aliases = false;
  const stack: { t: CST.Token; depth: number; place: Place }[] = root ? [{ t: root, depth: 0, place: {} }] : [];
  while (stack.length > 0) {
    const { t, depth, place } = stack.pop()!;
    if (t.type === "alias") aliases = true;
    if (t.type !== "block-map" && t.type !== "block-seq" && t.type !== "flow-collection") continue;
    if (depth + 1 > limit) return { tooDeep: { offset: t.offset, pointer: pointerOf(place) }, aliases };
    const isSeq = t.type === "block-seq" || (t.type === "flow-collection" && t.start.source === "[");
    const items = t.items as CST.CollectionItem[];
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      const segment = isSeq ? () => i : () => (item.key ? (CST.resolveAsScalar(item.key)?.value ?? "?") : "");
      const at: Place = { parent: place, segment };
      if (item.key) stack.push({ t: item.key, depth: depth + 1, place: at });
      if (item.value) stack.push({ t: item.value, depth: depth + 1, place: at });
    }
  }
  return { aliases };
}

/** The JSON key a scalar map key becomes (as the yaml package's toJS makes it). */
function keyString(key: unknown): string {
  const v = isScalar(key) ? key.value : key;
  return v === null || v === undefined ? "" : String(v);
}

type YamlNode = NonNullable<Document["contents"]>;

/** Reads a YAML stream. Problems go to `diags`; the readable documents are returned. */
export function readYamlStream(source: SourceText, diags: Diagnostics): YamlStream {
  const lines = new LineCounter();
  try {
    return readStream(source, diags, lines);
  } catch (err) {
    // The guards above should leave nothing that throws; if something still does, it is the input's problem, reported.
    diags.error(source.name, "", `cannot read the YAML: ${(err as Error).message}`);
    return { docs: [], count: 0, lines };
  }
}

function readStream(source: SourceText, diags: Diagnostics, lines: LineCounter): YamlStream {
  const lineAt = (offset: number | undefined): number | undefined => (offset === undefined ? undefined : lines.linePos(offset).line);
  const tokens = [...new Parser(lines.addNewLine).parse(source.text)];
  const documents = tokens.filter((t): t is CST.Document => t.type === "document");
  const label = (i: number): string => (documents.length > 1 ? ` (document ${i + 1})` : "");
  let deep = false;
  const scans = documents.map((d, i) => {
    const scan = scanTokens(d.value, MAX_DOCUMENT_DEPTH);
    if (scan.tooDeep) {
      deep = true;
      diags.error(source.name, scan.tooDeep.pointer, `${TOO_DEEP_DOCUMENT}${label(i)}`, lineAt(scan.tooDeep.offset));
    }
    return scan;
  });
  if (deep) return { docs: [], count: documents.length, lines };
  const aliases = scans.some((scan) => scan.aliases);

  const composed = [...new Composer({ version: "1.2", uniqueKeys: false }).compose(tokens)];
  const docs: YamlDocument[] = [];
  composed.forEach((doc, index) => {
    if (doc.errors.length > 0) {
      const overflow = doc.errors.find((e) => /Maximum call stack size exceeded/.test(e.message));
      if (overflow) {
        diags.error(source.name, "", `${TOO_DEEP_DOCUMENT}${label(index)}`, lineAt(overflow.pos[0]));
        return;
      }
      for (const e of doc.errors) {
        diags.error(source.name, "", `invalid YAML${label(index)}: ${e.message.split("\n")[0]!}`, lineAt(e.pos[0]));
      }
      return;
    }
    // Without aliases the tokens' depth is the value's depth, and the alias checks have nothing to find.
    if (!checkStructure(doc, source, diags, lineAt, label(index), aliases)) return;
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_EXPANSION });
    } catch (err) {
      diags.error(source.name, "", `cannot read the YAML${label(index)}: ${(err as Error).message}`, lineAt(doc.range[0]));
      return;
    }
    const deepAt = aliases ? tooDeep(value) : undefined;
    if (deepAt !== undefined) {
      diags.error(source.name, deepAt, `${TOO_DEEP_DOCUMENT}${label(index)} (with its aliases expanded)`);
      return;
    }
    docs.push({ index, doc, value });
  });
  return { docs, count: composed.length, lines };
}

/**
 * Checks keys and aliases of one composed document, reporting each problem
 * with its pointer and line. Returns false when anything was reported.
 * Alias bookkeeping (anchors, ancestors, expanded sizes) is only done when the
 * document has aliases.
 */
function checkStructure(
  doc: Document,
  source: SourceText,
  diags: Diagnostics,
  lineAt: (offset: number | undefined) => number | undefined,
  label: string,
  withAliases: boolean,
): boolean {
  let ok = true;
  const fail = (place: Place, node: { range?: [number, number, number] | null } | null | undefined, message: string): void => {
    ok = false;
    diags.error(source.name, pointerOf(place), `${message}${label}`, lineAt(node?.range?.[0]));
  };
  interface Frame {
    readonly node: YamlNode | null | undefined;
    readonly place: Place;
    readonly exit?: boolean;
  }
  const anchors = new Map<string, YamlNode>();
  const open = new Set<YamlNode>(); // collections being walked: the ancestors of the current node
  const size = new Map<YamlNode, number>(); // nodes each node stands for, aliases expanded
  let literal = 0;
  let aliases = 0;
  let largest: { place: Place; node: YamlNode; size: number } | undefined;
  const stack: Frame[] = [{ node: doc.contents, place: {} }];
  const sizeOf = (n: YamlNode | null | undefined): number => (n ? (size.get(n) ?? 1) : 0);
  while (stack.length > 0) {
    const { node, place, exit } = stack.pop()!;
    if (!node) continue;
    if (exit) {
      let n = 1;
      if (isMap(node)) for (const p of node.items) n += 1 + sizeOf(p.value as YamlNode | null);
      else if (isSeq(node)) for (const item of node.items) n += sizeOf(item as YamlNode | null);
      size.set(node, n);
      open.delete(node);
      continue;
    }
    if (withAliases) {
      literal++;
      if (node.anchor) anchors.set(node.anchor, node);
      if (isAlias(node)) {
        aliases++;
        if (aliases === MAX_YAML_ALIASES + 1) fail(place, node, `more than ${MAX_YAML_ALIASES} YAML aliases in one document (kubegen's limit)`);
        const target = anchors.get(node.source);
        if (!target) {
          fail(place, node, `the alias *${node.source} refers to no anchor (&${node.source}) before it`);
        } else if (open.has(target)) {
          fail(place, node, `the alias *${node.source} refers to a node that contains it (a recursive alias has no JSON form)`);
        } else {
          const s = sizeOf(target);
          size.set(node, s);
          if (!largest || s > largest.size) largest = { place, node, size: s };
        }
        continue;
      }
    }
    if (!isCollection(node)) continue;
    if (withAliases) {
      open.add(node);
      stack.push({ node, place, exit: true });
    }
    const children: Frame[] = [];
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        const key = pair.key as YamlNode | null;
        if (key && !isScalar(key)) {
          fail(place, key, `a map key must be a string, not ${isAlias(key) ? "an alias" : isSeq(key) ? "a list" : "a map"}`);
          continue;
        }
        const k = keyString(key);
        const at: Place = { parent: place, segment: () => k };
        if (isScalar(key) && key.type === "PLAIN" && k === "<<") {
          // YAML 1.1 merge keys: the API server's YAML reader merges them, this reader (YAML 1.2) would keep a key "<<".
          fail(at, key, "YAML merge keys (<<) are not supported: write the keys out, or quote \"<<\" if it is a field name");
          continue;
        }
        if (seen.has(k)) {
          fail(at, key, `duplicate key ${quoted(k)}: the API server rejects a document that sets a field twice`);
          continue;
        }
        seen.add(k);
        // Keys first, so anchors resolve in document order as the yaml package resolves them.
        if (key && withAliases) children.push({ node: key, place: at });
        children.push({ node: pair.value as YamlNode | null, place: at });
      }
    } else {
      node.items.forEach((item, i) => children.push({ node: item as YamlNode | null, place: { parent: place, segment: () => i } }));
    }
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
  }
  const total = sizeOf(doc.contents as YamlNode | null);
  if (ok && withAliases && total - literal > MAX_ALIAS_EXPANSION && largest) {
    fail(
      largest.place,
      largest.node,
      `YAML aliases expand this document by ${total - literal} nodes, more than kubegen's limit of ${MAX_ALIAS_EXPANSION} (a "billion laughs" document?)`,
    );
  }
  return ok;
}
