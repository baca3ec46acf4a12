// Type expressions: the plain data a view carries for a TypeScript type (a
// name, a literal, a generic, a union, an array), and the one printer that
// writes them, with the layout marks of layout.ts. It owns the one rule for
// unions and parentheses, by where the union stands:
//   - an array's item: `(A | B)[]`, the only place a union gets parentheses
//     (an intersection's member would be another; views have no intersections);
//   - a type argument: `Pick<T, "a" | "b">`, broken one `| member` a line at
//     the argument's level;
//   - a property's type: on the next line when it does not fit (propertyType);
//   - any other type (a parameter's, a return's, an alias's): broken one level
//     deeper.
// A union's members that are unions are flattened into it; a union of one
// member is that member, and a union of none is `never`. Type arguments break
// one a line, except one name or literal, which prettier never breaks.

import { stringLiteral } from "../ir/escape.js";
import { parenthesizedUnion, propertyType, typeArgumentList, unionType } from "./layout.js";

/** A TypeScript type as view data (JSON). */
export type TypeExpr =
  /** A type written as is: a name (`t.Pod`, `rt.GetOptions`, `Readable`), a keyword, or text another printer wrote. */
  | { readonly ref: string }
  /** A literal type: `"get"`, `42`, `true`, `null`. */
  | { readonly literal: string | number | boolean | null }
  /** A generic type: `Promise<t.Pod>`, `Omit<T, "name">`. */
  | { readonly generic: string; readonly args: readonly TypeExpr[] }
  /** A union: `A | B`; `never` when empty. */
  | { readonly union: readonly TypeExpr[] }
  /** An array: `T[]`. */
  | { readonly array: TypeExpr };

/** Where a type stands, which decides how a union there is written (see the module note). */
export type TypePosition = "type" | "typeArgument" | "property" | "arrayItem";

/** The marked text of a type expression at `at` (the "property" position includes the property's leading space). */
export function printType(expr: TypeExpr, at: TypePosition = "type"): string {
  if ("union" in expr) return printUnion(members(expr), at);
  const text = "ref" in expr ? expr.ref : "literal" in expr ? printLiteral(expr.literal) : "generic" in expr ? expr.generic + printTypeArguments(expr.args) : arrayOf(expr);
  return at === "property" ? propertyType([text]) : text;
}

/** The union of types another printer wrote (each as is), for emitters that print IR types member by member. */
export function unionOfText(members: readonly string[]): TypeExpr {
  return { union: members.map((ref) => ({ ref })) };
}

/** Type arguments with their angle brackets, `<A, B>` (nothing when there are none). */
export function printTypeArguments(args: readonly TypeExpr[]): string {
  if (args.length === 0) return "";
  const [only] = args;
  if (args.length === 1 && only && ("ref" in only || "literal" in only)) return `<${printType(only, "typeArgument")}>`;
  return `<${typeArgumentList(args.map((a) => printType(a, "typeArgument")))}>`;
}

/** The names a type expression refers to (`ref`s and generics), in order, each once. */
export function typeNames(expr: TypeExpr): string[] {
  const names = new Set<string>();
  const walk = (e: TypeExpr): void => {
    if ("ref" in e) names.add(e.ref);
    else if ("generic" in e) {
      names.add(e.generic);
      e.args.forEach(walk);
    } else if ("union" in e) e.union.forEach(walk);
    else if ("array" in e) walk(e.array);
  };
  walk(expr);
  return [...names];
}

function printUnion(items: readonly TypeExpr[], at: TypePosition): string {
  if (items.length === 0) return printType({ ref: "never" }, at);
  if (items.length === 1) return printType(items[0]!, at);
  const texts = items.map((m) => printType(m));
  switch (at) {
    case "arrayItem":
      return parenthesizedUnion(texts);
    case "typeArgument":
      return unionType(texts, false);
    case "property":
      return propertyType(texts);
    case "type":
      return unionType(texts, true);
  }
}

/** A union's members, with the members of its member unions in their place. */
function members(expr: { readonly union: readonly TypeExpr[] }): TypeExpr[] {
  return expr.union.flatMap((m) => ("union" in m ? members(m) : [m]));
}

function arrayOf(expr: TypeExpr): string {
  if (!("array" in expr)) throw new Error(`kubegen internal error: not a type expression: ${JSON.stringify(expr)}`);
  return `${printType(expr.array, "arrayItem")}[]`;
}

function printLiteral(value: string | number | boolean | null): string {
  return typeof value === "string" ? stringLiteral(value) : String(value);
}
