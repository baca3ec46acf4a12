// Field sets: the sets of field paths server-side apply tracks per manager, and their FieldsV1
// encoding. Mirrors sigs.k8s.io/structured-merge-diff `fieldpath` (path.go, element.go, set.go,
// serialize.go, serialize-pe.go): a path is a list of elements — a struct field or map key
// (`f:name`), a map-list item by its key fields (`k:{"name":"a"}`, keys sorted by name), a set item
// by its value (`v:"x"`) or a list index (`i:0`, never produced by apply). A set is a trie whose
// nodes have members (paths that end there) and children; FieldsV1 writes a member that also has
// children as a `"."` entry inside the child. Ordering is the server's, so encoded JSON matches it
// byte for byte.

import type { FieldsV1, JsonValue } from "../meta/types.js";

/** One step of a field path. */
export type PathElement =
  /** A struct field or a map key: `f:<name>`. */
  | { readonly field: string }
  /** A map-list item by its key fields, sorted by name: `k:{"name":"a"}`. */
  | { readonly key: readonly (readonly [string, JsonValue])[] }
  /** A set item by its value: `v:"x"`. */
  | { readonly value: JsonValue }
  /** A list item by position: `i:0`. */
  | { readonly index: number };

/** A path from the object's root. */
export type FieldPath = readonly PathElement[];

/** Go's byte-wise string order (UTF-8), which differs from UTF-16 order above U+FFFF. */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  // ASCII fast path: UTF-16 and UTF-8 orders agree.
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(a) && /^[\x00-\x7f]*$/.test(b)) return a < b ? -1 : 1;
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

function typeRank(v: JsonValue): number {
  if (typeof v === "number") return 0;
  if (typeof v === "string") return 1;
  if (typeof v === "boolean") return 2;
  if (Array.isArray(v)) return 3;
  if (v !== null && typeof v === "object") return 4;
  return 5; // null
}

/** structured-merge-diff `value.Compare`: numbers < strings < booleans < lists < maps < null. */
export function compareValues(a: JsonValue, b: JsonValue): number {
  const ra = typeRank(a);
  const rb = typeRank(b);
  if (ra !== rb) return ra - rb;
  switch (ra) {
    case 0:
      return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
    case 1:
      return compareStrings(a as string, b as string);
    case 2:
      return a === b ? 0 : a ? 1 : -1;
    case 3: {
      const la = a as JsonValue[];
      const lb = b as JsonValue[];
      for (let i = 0; i < Math.min(la.length, lb.length); i++) {
        const c = compareValues(la[i]!, lb[i]!);
        if (c !== 0) return c;
      }
      return la.length - lb.length;
    }
    case 4: {
      const ma = a as { [k: string]: JsonValue };
      const mb = b as { [k: string]: JsonValue };
      const ka = Object.keys(ma).sort(compareStrings);
      const kb = Object.keys(mb).sort(compareStrings);
      for (let i = 0; i < Math.min(ka.length, kb.length); i++) {
        const c = compareStrings(ka[i]!, kb[i]!) || compareValues(ma[ka[i]!]!, mb[kb[i]!]!);
        if (c !== 0) return c;
      }
      return ka.length - kb.length;
    }
    default:
      return 0;
  }
}

function elementRank(pe: PathElement): number {
  return "field" in pe ? 0 : "key" in pe ? 1 : "value" in pe ? 2 : 3;
}

/** The server's order of path elements (fieldpath PathElement.Compare): fields, keys, values, indexes. */
export function comparePathElements(a: PathElement, b: PathElement): number {
  const ra = elementRank(a);
  const rb = elementRank(b);
  if (ra !== rb) return ra - rb;
  if ("field" in a) return compareStrings(a.field, (b as { field: string }).field);
  if ("key" in a) {
    const ka = a.key;
    const kb = (b as { key: readonly (readonly [string, JsonValue])[] }).key;
    for (let i = 0; ; i++) {
      if (i >= ka.length && i >= kb.length) return 0;
      if (i >= ka.length) return -1;
      if (i >= kb.length) return 1;
      const c = compareStrings(ka[i]![0], kb[i]![0]) || compareValues(ka[i]![1], kb[i]![1]);
      if (c !== 0) return c;
    }
  }
  if ("value" in a) return compareValues(a.value, (b as { value: JsonValue }).value);
  return a.index - (b as { index: number }).index;
}

/** JSON as Go's encoding/json writes it (HTML-sensitive characters escaped). */
export function goJson(v: JsonValue): string {
  return JSON.stringify(v)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

/** A map-list item's key element: the key fields sorted by name. */
export function keyElement(fields: Iterable<readonly [string, JsonValue]>): PathElement {
  return { key: [...fields].sort((x, y) => compareStrings(x[0], y[0])) };
}

/** The FieldsV1 token of an element: `f:name`, `k:{...}`, `v:...`, `i:n` (serialize-pe.go). */
export function elementToken(pe: PathElement): string {
  if ("field" in pe) return `f:${pe.field}`;
  if ("key" in pe) return `k:{${pe.key.map(([k, v]) => `${goJson(k)}:${goJson(v)}`).join(",")}}`;
  if ("value" in pe) return `v:${goJson(pe.value)}`;
  return `i:${pe.index}`;
}

/** Parses a FieldsV1 token; throws an Error naming it when it is malformed. */
export function parseElementToken(token: string): PathElement {
  const kind = token.slice(0, 2);
  const rest = token.slice(2);
  try {
    switch (kind) {
      case "f:":
        return { field: rest };
      case "k:": {
        const obj = JSON.parse(rest) as unknown;
        if (typeof obj !== "object" || obj === null || Array.isArray(obj)) break;
        return keyElement(Object.entries(obj as Record<string, JsonValue>));
      }
      case "v:":
        return { value: JSON.parse(rest) as JsonValue };
      case "i:":
        if (/^(0|[1-9][0-9]*)$/.test(rest)) return { index: Number(rest) };
        break;
    }
  } catch {
    // fall through to the error below
  }
  throw new Error(`malformed FieldsV1 key ${JSON.stringify(token)}`);
}

function valueString(v: JsonValue): string {
  if (v === null) return "null";
  if (typeof v === "string") return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(valueString).join(",")}]`;
  if (typeof v === "object") {
    return `{${Object.keys(v)
      .sort(compareStrings)
      .map((k) => `${k}=${valueString(v[k]!)}`)
      .join(";")}}`;
  }
  return String(v);
}

/** An element as the server prints it in messages: `.name`, `[name="a",port=80]`, `[="x"]`, `[0]`. */
export function formatElement(pe: PathElement): string {
  if ("field" in pe) return `.${pe.field}`;
  if ("key" in pe) return `[${pe.key.map(([k, v]) => `${k}=${valueString(v)}`).join(",")}]`;
  if ("value" in pe) return `[=${valueString(pe.value)}]`;
  return `[${pe.index}]`;
}

/** A path as the server prints it (fieldpath Path.String), e.g. `.spec.containers[name="a"].image`. */
export function formatPath(path: FieldPath): string {
  return path.map(formatElement).join("");
}

/**
 * A set of field paths (structured-merge-diff `fieldpath.Set`). Sets are built with
 * {@link FieldSet.insert}; the set operations return new sets and leave their inputs alone.
 */
export class FieldSet {
  readonly #members = new Map<string, PathElement>();
  readonly #children = new Map<string, { readonly pe: PathElement; readonly set: FieldSet }>();

  /** A set holding the given paths. */
  static of(...paths: FieldPath[]): FieldSet {
    const s = new FieldSet();
    for (const p of paths) s.insert(p);
    return s;
  }

  /** Adds a path (the empty path is ignored). Returns this set. */
  insert(path: FieldPath): this {
    if (path.length === 0) return this;
    let node: FieldSet = this;
    for (let i = 0; i < path.length - 1; i++) node = node.#child(path[i]!);
    const last = path[path.length - 1]!;
    node.#members.set(elementToken(last), last);
    return this;
  }

  #child(pe: PathElement): FieldSet {
    const t = elementToken(pe);
    let c = this.#children.get(t);
    if (!c) {
      c = { pe, set: new FieldSet() };
      this.#children.set(t, c);
    }
    return c.set;
  }

  /** Whether the path is a member (it ends here, not merely passes through). */
  has(path: FieldPath): boolean {
    if (path.length === 0) return false;
    let node: FieldSet | undefined = this;
    for (let i = 0; i < path.length - 1 && node; i++) node = node.#children.get(elementToken(path[i]!))?.set;
    return !!node && node.#members.has(elementToken(path[path.length - 1]!));
  }

  /** Whether the element is a member of this node. */
  hasMember(pe: PathElement): boolean {
    return this.#members.has(elementToken(pe));
  }

  /** The paths under an element, relative to it (fieldpath Set.WithPrefix); empty when none. */
  withPrefix(pe: PathElement): FieldSet {
    return this.#children.get(elementToken(pe))?.set ?? new FieldSet();
  }

  /** Whether the set holds no path. */
  isEmpty(): boolean {
    if (this.#members.size) return false;
    for (const c of this.#children.values()) if (!c.set.isEmpty()) return false;
    return true;
  }

  /** Number of paths. */
  get size(): number {
    let n = this.#members.size;
    for (const c of this.#children.values()) n += c.set.size;
    return n;
  }

  /** Paths in the server's iteration order: this node's members, then each child's paths. */
  paths(): FieldPath[] {
    const out: FieldPath[] = [];
    const walk = (s: FieldSet, prefix: PathElement[]): void => {
      for (const pe of [...s.#members.values()].sort(comparePathElements)) out.push([...prefix, pe]);
      for (const c of [...s.#children.values()].sort((a, b) => comparePathElements(a.pe, b.pe))) walk(c.set, [...prefix, c.pe]);
    };
    walk(this, []);
    return out;
  }

  /** Members of this node (the elements of paths that end here). */
  memberElements(): PathElement[] {
    return [...this.#members.values()];
  }

  /** Children of this node with their sets. */
  childEntries(): { pe: PathElement; set: FieldSet }[] {
    return [...this.#children.values()].map((c) => ({ pe: c.pe, set: c.set }));
  }

  #combine(other: FieldSet, member: (inThis: boolean, inOther: boolean) => boolean, child: (a?: FieldSet, b?: FieldSet) => FieldSet | undefined): FieldSet {
    const out = new FieldSet();
    const tokens = new Set([...this.#members.keys(), ...other.#members.keys()]);
    for (const t of tokens) {
      if (member(this.#members.has(t), other.#members.has(t))) out.#members.set(t, (this.#members.get(t) ?? other.#members.get(t))!);
    }
    const childTokens = new Set([...this.#children.keys(), ...other.#children.keys()]);
    for (const t of childTokens) {
      const a = this.#children.get(t);
      const b = other.#children.get(t);
      const s = child(a?.set, b?.set);
      if (s && !s.isEmpty()) out.#children.set(t, { pe: (a ?? b)!.pe, set: s });
    }
    return out;
  }

  /** Paths in either set. */
  union(other: FieldSet): FieldSet {
    return this.#combine(
      other,
      (a, b) => a || b,
      (a, b) => (a && b ? a.union(b) : (a ?? b)!.union(new FieldSet())),
    );
  }

  /** Paths in both sets. */
  intersection(other: FieldSet): FieldSet {
    return this.#combine(
      other,
      (a, b) => a && b,
      (a, b) => (a && b ? a.intersection(b) : undefined),
    );
  }

  /** Paths of this set that are not in `other`. */
  difference(other: FieldSet): FieldSet {
    return this.#combine(
      other,
      (a, b) => a && !b,
      (a, b) => (a ? (b ? a.difference(b) : a.union(new FieldSet())) : undefined),
    );
  }

  /**
   * Paths of this set that are neither in `other` nor under one of its members
   * (fieldpath Set.RecursiveDifference): a member of `other` removes its whole subtree here.
   */
  recursiveDifference(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const [t, pe] of this.#members) if (!other.#members.has(t)) out.#members.set(t, pe);
    for (const [t, c] of this.#children) {
      if (other.#members.has(t)) continue;
      const o = other.#children.get(t);
      const s = o ? c.set.recursiveDifference(o.set) : c.set.union(new FieldSet());
      if (!s.isEmpty()) out.#children.set(t, { pe: c.pe, set: s });
    }
    return out;
  }

  /**
   * The set's leaves (fieldpath Set.Leaves): every path except those that end where another path
   * goes on, so a map-list item owned together with some of its fields keeps only the fields.
   */
  leaves(): FieldSet {
    const out = new FieldSet();
    for (const [t, pe] of this.#members) {
      const c = this.#children.get(t);
      if (!c || c.set.isEmpty()) out.#members.set(t, pe);
    }
    for (const [t, c] of this.#children) {
      const s = c.set.leaves();
      if (!s.isEmpty()) out.#children.set(t, { pe: c.pe, set: s });
    }
    return out;
  }

  /** Whether both sets hold the same paths. */
  equals(other: FieldSet): boolean {
    return this.difference(other).isEmpty() && other.difference(this).isEmpty();
  }

  /** The FieldsV1 trie of this set, with keys in the server's order (Set.ToJSON). */
  toFieldsV1(): FieldsV1 {
    return this.#emit(false);
  }

  #emit(self: boolean): FieldsV1 {
    const out: FieldsV1 = {};
    if (self) out["."] = {};
    const entries: { pe: PathElement; member: boolean; child?: FieldSet }[] = [];
    const byToken = new Map<string, { pe: PathElement; member: boolean; child?: FieldSet }>();
    for (const [t, pe] of this.#members) {
      const e = { pe, member: true };
      byToken.set(t, e);
      entries.push(e);
    }
    for (const [t, c] of this.#children) {
      if (c.set.isEmpty()) continue;
      const e = byToken.get(t);
      if (e) e.child = c.set;
      else entries.push({ pe: c.pe, member: false, child: c.set });
    }
    entries.sort((a, b) => comparePathElements(a.pe, b.pe));
    for (const e of entries) out[elementToken(e.pe)] = e.child ? e.child.#emit(e.member) : {};
    return out;
  }

  /** Parses a FieldsV1 trie (Set.FromJSON); throws an Error naming a malformed key. */
  static fromFieldsV1(fields: FieldsV1): FieldSet {
    const s = new FieldSet();
    const read = (node: FieldSet, obj: FieldsV1): void => {
      for (const [token, sub] of Object.entries(obj)) {
        if (token === ".") continue;
        const pe = parseElementToken(token);
        const children = typeof sub === "object" && sub !== null ? Object.keys(sub) : [];
        if (children.length === 0 || children.includes(".")) node.#members.set(elementToken(pe), pe);
        if (children.some((k) => k !== ".")) read(node.#child(pe), sub);
      }
    };
    read(s, fields);
    return s;
  }
}
