// Label selectors (apimachinery pkg/labels/selector.go): parse the string
// syntax, convert a structured metav1.LabelSelector, format, and match label
// sets. Field selectors (pkg/fields/selector.go) are only formatted here; the
// server evaluates them.

import type { LabelSelector } from "./types.js";

/** A label requirement operator, as the string syntax spells them. */
export type LabelOperator = "=" | "!=" | "in" | "notin" | "exists" | "!" | "gt" | "lt";

/** One parsed label requirement: `key op values`. */
export interface LabelRequirement {
  readonly key: string;
  readonly operator: LabelOperator;
  /** Values for `=`/`!=` (one), `in`/`notin` (one or more), `gt`/`lt` (one integer); empty otherwise. */
  readonly values: readonly string[];
}

/** Raised for a malformed label selector; the message names the position. */
export class SelectorParseError extends Error {
  override readonly name = "SelectorParseError";
}

const QUALIFIED_NAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

function checkKey(key: string, selector: string): void {
  const name = key.includes("/") ? key.slice(key.indexOf("/") + 1) : key;
  if (!QUALIFIED_NAME.test(key) || name.length > 63 || key.length - name.length > 254) {
    throw new SelectorParseError(`invalid label key ${JSON.stringify(key)} in selector ${JSON.stringify(selector)}`);
  }
}

function checkValue(value: string, selector: string): void {
  if (value.length > 63 || !LABEL_VALUE.test(value)) {
    throw new SelectorParseError(`invalid label value ${JSON.stringify(value)} in selector ${JSON.stringify(selector)}`);
  }
}

type Token = { kind: "id" | "op" | "(" | ")" | "," | "end"; text: string; pos: number };

function tokenize(s: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "(" || c === ")" || c === ",") {
      out.push({ kind: c, text: c, pos: i });
      i++;
    } else if (c === "=" || c === "!" || c === "<" || c === ">") {
      const two = s.slice(i, i + 2);
      const text = two === "==" || two === "!=" ? two : c;
      out.push({ kind: "op", text, pos: i });
      i += text.length;
    } else {
      let j = i;
      while (j < s.length && !/[\s(),=!<>]/.test(s[j]!)) j++;
      out.push({ kind: "id", text: s.slice(i, j), pos: i });
      i = j;
    }
  }
  out.push({ kind: "end", text: "", pos: s.length });
  return out;
}

/**
 * Parses a label selector string such as `app=web,tier in (a,b),!legacy`.
 * The empty string selects everything (no requirements).
 * @throws SelectorParseError naming the offending position.
 */
export function parseLabelSelector(selector: string): LabelRequirement[] {
  const toks = tokenize(selector);
  let p = 0;
  const peek = (): Token => toks[p]!;
  const fail = (what: string): never => {
    throw new SelectorParseError(`${what} at position ${peek().pos} in label selector ${JSON.stringify(selector)}`);
  };
  const reqs: LabelRequirement[] = [];
  if (peek().kind === "end") return reqs;
  for (;;) {
    let t = peek();
    if (t.kind === "op" && t.text === "!") {
      p++;
      t = peek();
      if (t.kind !== "id") fail("expected a label key after '!'");
      checkKey(t.text, selector);
      reqs.push({ key: t.text, operator: "!", values: [] });
      p++;
    } else if (t.kind === "id") {
      const key = t.text;
      checkKey(key, selector);
      p++;
      const op = peek();
      if (op.kind === "," || op.kind === "end") {
        reqs.push({ key, operator: "exists", values: [] });
      } else if (op.kind === "op") {
        p++;
        let operator: LabelOperator;
        if (op.text === "=" || op.text === "==") operator = "=";
        else if (op.text === "!=") operator = "!=";
        else if (op.text === ">") operator = "gt";
        else if (op.text === "<") operator = "lt";
        else return fail(`unexpected operator '${op.text}'`);
        let value = "";
        if (peek().kind === "id") {
          value = peek().text;
          p++;
        } else if (operator === "gt" || operator === "lt") {
          fail("expected an integer value");
        }
        if ((operator === "gt" || operator === "lt") && !/^-?\d+$/.test(value)) {
          fail(`expected an integer value for '${op.text}', got ${JSON.stringify(value)}`);
        }
        if (operator === "=" || operator === "!=") checkValue(value, selector);
        reqs.push({ key, operator, values: [value] });
      } else if (op.kind === "id" && (op.text === "in" || op.text === "notin")) {
        p++;
        if (peek().kind !== "(") fail(`expected '(' after '${op.text}'`);
        p++;
        const values: string[] = [];
        for (;;) {
          const v = peek();
          if (v.kind === "id") {
            checkValue(v.text, selector);
            values.push(v.text);
            p++;
          } else {
            values.push(""); // an empty entry, as in `in (a,)`
          }
          const sep = peek();
          if (sep.kind !== ")" && sep.kind !== ",") fail("expected ',' or ')' in value list");
          p++;
          if (sep.kind === ")") break;
        }
        reqs.push({ key, operator: op.text, values: [...new Set(values)].sort() });
      } else {
        fail(`unexpected ${JSON.stringify(op.text)} after label key`);
      }
    } else {
      fail("expected a label key");
    }
    const sep = peek();
    if (sep.kind === "end") return reqs;
    if (sep.kind !== ",") fail("expected ','");
    p++;
  }
}

/** Converts a structured {@link LabelSelector} to requirements (metav1.LabelSelectorAsSelector). */
export function labelSelectorRequirements(selector: LabelSelector): LabelRequirement[] {
  const reqs: LabelRequirement[] = [];
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    reqs.push({ key, operator: "=", values: [value] });
  }
  for (const e of selector.matchExpressions ?? []) {
    const values = [...(e.values ?? [])].sort();
    switch (e.operator) {
      case "In":
        reqs.push({ key: e.key, operator: "in", values });
        break;
      case "NotIn":
        reqs.push({ key: e.key, operator: "notin", values });
        break;
      case "Exists":
        reqs.push({ key: e.key, operator: "exists", values: [] });
        break;
      case "DoesNotExist":
        reqs.push({ key: e.key, operator: "!", values: [] });
        break;
      default:
        throw new SelectorParseError(`${JSON.stringify(e.operator)} is not a valid label selector operator`);
    }
  }
  return reqs;
}

function requirementString(r: LabelRequirement): string {
  switch (r.operator) {
    case "exists":
      return r.key;
    case "!":
      return `!${r.key}`;
    case "in":
    case "notin":
      return `${r.key} ${r.operator} (${r.values.join(",")})`;
    case "gt":
      return `${r.key}>${r.values[0] ?? ""}`;
    case "lt":
      return `${r.key}<${r.values[0] ?? ""}`;
    default:
      return `${r.key}${r.operator}${r.values[0] ?? ""}`;
  }
}

/** Formats a structured selector or requirements as the string the API server accepts (sorted by key). */
export function formatLabelSelector(selector: LabelSelector | readonly LabelRequirement[]): string {
  const reqs = Array.isArray(selector) ? [...selector] : labelSelectorRequirements(selector as LabelSelector);
  return reqs
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map(requirementString)
    .join(",");
}

function matchesOne(r: LabelRequirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  const v = has ? labels[r.key] : undefined;
  switch (r.operator) {
    case "=":
    case "in":
      return has && r.values.includes(v!);
    case "!=":
    case "notin":
      return !has || !r.values.includes(v!);
    case "exists":
      return has;
    case "!":
      return !has;
    case "gt":
    case "lt": {
      if (!has || !/^-?\d+$/.test(v!)) return false;
      const n = Number(v);
      const bound = Number(r.values[0]);
      return r.operator === "gt" ? n > bound : n < bound;
    }
  }
}

/**
 * Whether a label set satisfies a selector (every requirement holds).
 * Accepts the string syntax, a structured {@link LabelSelector} or parsed requirements;
 * an empty selector matches everything.
 */
export function matchesLabelSelector(
  selector: string | LabelSelector | readonly LabelRequirement[],
  labels: Readonly<Record<string, string>> | undefined,
): boolean {
  const reqs =
    typeof selector === "string"
      ? parseLabelSelector(selector)
      : Array.isArray(selector)
        ? (selector as readonly LabelRequirement[])
        : labelSelectorRequirements(selector as LabelSelector);
  const set = labels ?? {};
  return reqs.every((r) => matchesOne(r, set));
}

/** Escapes a field selector value (fields.EscapeValue): `\`, `,` and `=`. */
export function escapeFieldValue(value: string): string {
  return value.replace(/[\\,=]/g, (c) => `\\${c}`);
}

/** One field selector term. */
export interface FieldRequirement {
  field: string;
  operator?: "=" | "==" | "!=";
  value: string;
}

/**
 * Formats a field selector: a map of exact matches (`{"metadata.name": "x"}`)
 * or a list of terms, with values escaped. Strings pass through unchanged.
 */
export function formatFieldSelector(selector: string | Record<string, string> | readonly FieldRequirement[]): string {
  if (typeof selector === "string") return selector;
  const terms: FieldRequirement[] = Array.isArray(selector)
    ? [...(selector as readonly FieldRequirement[])]
    : Object.entries(selector as Record<string, string>).map(([field, value]) => ({ field, value }));
  return terms.map((t) => `${t.field}${t.operator === "!=" ? "!=" : "="}${escapeFieldValue(t.value)}`).join(",");
}
