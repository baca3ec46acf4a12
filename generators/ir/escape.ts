// The one escaping layer: every string that comes from a CRD or an OpenAPI
// document (names, descriptions, enum values, defaults, paths) reaches the
// generated code through exactly one of these functions, chosen by where it
// lands. Templates call them through the `str` and `comment` helpers
// (render/templates.ts); emitters call them directly. Identifiers are never
// escaped: naming.ts derives them from input by keeping only [A-Za-z0-9_$].
//
//   string literal      stringLiteral     "a\"b"
//   comment text        commentText       a line in a JSDoc block or a `//` comment
//   documentation       docText, docLines input text in JSDoc (a leading `@` is not a tag)
//   member key          propertyKey       interface members, `declare` fields
//   object-literal key  objectKey         keys of object literals (`__proto__` stays an own key)
//   member access       memberAccess      this.x, this["x-y"]
//   expression          literalExpression JSON data as a TypeScript expression

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** True when `s` can be written unquoted as a property name. */
export function isIdentifierName(s: string): boolean {
  return IDENTIFIER.test(s);
}

/**
 * A double-quoted TypeScript string literal holding exactly `s`. JSON escaping
 * covers quotes, backslashes and control characters; U+2028 and U+2029 are
 * escaped too, so the literal reads the same to every tool.
 */
export function stringLiteral(s: string): string {
  return JSON.stringify(s).replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

/**
 * Text that is safe on one line of a comment, block (JSDoc) or line (`//`):
 * line terminators become spaces and `*\/` cannot end the block. Idempotent,
 * so text escaped twice reads the same. The `comment` template helper.
 */
export function commentText(s: string): string {
  return s
    .replace(/\r\n|[\r\n\u2028\u2029\u0085]/g, " ")
    .replace(/\*\//g, "*\\/")
    .trimEnd();
}

/** commentText for input text in a JSDoc block: a leading `@` is also escaped, so it is not read as a tag. */
export function docText(s: string): string {
  return commentText(s).replace(/^(\s*)@/, "$1\\@");
}

/** JSDoc lines for a multi-line input text (a description): one docText per line. */
export function docLines(text: string): string[] {
  return text
    .replace(/\r\n?/g, "\n")
    .split(/[\n\u2028\u2029\u0085]/)
    .map(docText);
}

/** A member key in an interface or class: bare when it is an identifier, else a string literal. */
export function propertyKey(name: string): string {
  return isIdentifierName(name) ? name : stringLiteral(name);
}

/**
 * A key in an object literal. Like propertyKey, except that `__proto__` is
 * written as a computed key: bare or quoted, it would set the object's
 * prototype instead of adding a property.
 */
export function objectKey(name: string): string {
  return name === "__proto__" ? `[${stringLiteral(name)}]` : propertyKey(name);
}

/** `target.name`, or `target["name"]` when the name is not an identifier. */
export function memberAccess(target: string, name: string): string {
  return isIdentifierName(name) ? `${target}.${name}` : `${target}[${stringLiteral(name)}]`;
}

/**
 * JSON data as a TypeScript expression: strings through stringLiteral, object
 * keys through objectKey. `indent` > 0 prints one entry per line, with every
 * line after the first indented by `start` spaces.
 */
export function literalExpression(value: unknown, indent = 0, start = 0): string {
  const pad = (depth: number) => " ".repeat(start + depth * indent);
  const print = (v: unknown, depth: number): string => {
    if (v === null || v === undefined) return "null";
    if (typeof v === "string") return stringLiteral(v);
    if (typeof v === "number") return Number.isFinite(v) ? String(v) : "null";
    if (typeof v === "boolean") return String(v);
    const open = indent ? `\n${pad(depth + 1)}` : "";
    const close = indent ? `,\n${pad(depth)}` : "";
    const sep = indent ? `,\n${pad(depth + 1)}` : ", ";
    if (Array.isArray(v)) {
      if (v.length === 0) return "[]";
      return `[${open}${v.map((x) => print(x, depth + 1)).join(sep)}${close}]`;
    }
    const entries = Object.entries(v as Record<string, unknown>);
    if (entries.length === 0) return "{}";
    const body = entries.map(([k, x]) => `${objectKey(k)}: ${print(x, depth + 1)}`).join(sep);
    return indent ? `{${open}${body}${close}}` : `{ ${body} }`;
  };
  return print(value, 0);
}

/**
 * A YAML double-quoted scalar holding exactly `s`, for text written into YAML
 * (the scaffold's config/ manifests; the `yaml` helper of templates/init).
 * JSON's escaping is a valid YAML double-quoted scalar; the characters YAML
 * does not allow unescaped (DEL, C1 controls, the BOM, U+FFFE and U+FFFF),
 * and U+2028, U+2029 (line breaks to YAML 1.1 readers), become `\uXXXX`.
 * Quoted always, so `yes`, `on`, `0x10`, `~` or `null` stay strings.
 */
export function yamlString(s: string): string {
  return JSON.stringify(s).replace(/[\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
