// Value expressions as view data (JSON): the parameters of a function, the
// arguments of a call and the values of an object literal's entries (names,
// string literals, object literals with spreads, calls, member chains). The
// templates print them with the `param`, `arg`, `entry` and `call` partials
// (templates/*.hbs), the layout helpers `{{#args}}` and `{{#object}}`, and
// `{{#memberChain}}`, which owns prettier's member-chain rule (layout.ts
// memberCalls). Types inside them are type expressions (type-expr.ts).

import type { TypeExpr } from "./type-expr.js";

/** A parameter, `name?: type`. */
export interface ParamView {
  name: string;
  type: TypeExpr;
  optional: boolean;
}

/** An argument of a call, or the value of an object literal's entry. */
export type ArgView =
  /** An identifier or a member (`name`, `this.executor`, `podApplySchema.type`), as written; `name ?? fallback` with a fallback. */
  | { name: string; fallback?: ArgView }
  /** A string literal. */
  | { string: string }
  /** An object literal, `{ ...options, namespace: this.namespace ?? "", name }` (hugged as the last argument). */
  | { object: EntryView[] }
  /** A call, `callee<...>(...)`. */
  | { call: CallView }
  /** A member chain, `head.a().b()`. */
  | { chain: ChainView };

/** An entry of an object literal: `...spread`, `key: value`, or `key` alone (shorthand) when it has no value. */
export type EntryView = { spread: string } | { key: string; value?: ArgView };

/** A call, `callee<typeArgs>(args)` (no `<>` without type arguments). */
export interface CallView {
  callee: string;
  typeArgs: TypeExpr[];
  args: ArgView[];
}

/**
 * A member chain: `head` and the calls on it, `new Builder().withKind("Pod")`
 * (written on one line with up to two calls, else broken before each `.` when
 * it does not fit).
 */
export interface ChainView {
  head: string;
  calls: CallView[];
}

/** `callee(args)` without type arguments. */
export const call = (callee: string, ...args: ArgView[]): CallView => ({ callee, typeArgs: [], args });

/** Identifiers (or members) as arguments. */
export const names = (...list: string[]): ArgView[] => list.map((name) => ({ name }));
