// IR documentation facts -> JSDoc lines (without the comment frame). The one
// place that decides what a reader sees about a field: description, format
// caveats, defaults, constraints, list/map merge semantics, CEL rules.

import { commentText, docLines, docText } from "../ir/escape.js";
import type { Docs, Field, ListSemantics, TypeDef, TypeRef } from "../ir/types.js";

function descriptionLines(text: string | undefined): string[] {
  if (typeof text !== "string" || text.trim() === "") return [];
  return docLines(text.trim());
}

function json(v: unknown): string {
  return JSON.stringify(v);
}

function formatNote(ref: TypeRef): string | undefined {
  const format = "format" in ref ? ref.format : undefined;
  if (!format) return undefined;
  if (format === "int64") return "Format: int64. Values beyond ±2^53 (Number.MAX_SAFE_INTEGER) lose precision as JavaScript numbers.";
  if (format === "date-time") return "Format: date-time (RFC 3339).";
  if (format === "byte") return "Format: byte (base64-encoded data).";
  return `Format: ${format}.`;
}

function listNote(list: ListSemantics): string | undefined {
  const parts: string[] = [];
  if (list.explicit) {
    if (list.type === "map") parts.push(`List type: map, keyed by ${list.mapKeys.join(" + ") || "(no keys)"}.`);
    else if (list.type === "set") parts.push("List type: set (items are unique scalars).");
    else parts.push("List type: atomic (replaced as a whole by server-side apply).");
  }
  if (list.patchStrategy) {
    parts.push(`Patch strategy: ${list.patchStrategy}${list.patchMergeKey ? ` on key \`${list.patchMergeKey}\`` : ""}.`);
  }
  return parts.length ? parts.join(" ") : undefined;
}

function typeNotes(ref: TypeRef): string[] {
  const notes: string[] = [];
  const f = formatNote(ref);
  if (f) notes.push(f);
  if (ref.kind === "array") {
    const l = listNote(ref.list);
    if (l) notes.push(l);
    const inner = formatNote(ref.items);
    if (inner) notes.push(`Items: ${inner}`);
  }
  if (ref.kind === "map" && ref.mapType === "atomic") notes.push("Map type: atomic (replaced as a whole by server-side apply).");
  if (ref.kind === "intOrString") notes.push("Integer or string.");
  return notes;
}

function factLines(d: Docs): string[] {
  const out: string[] = [];
  if (d.constraints) {
    out.push(
      docText(`Constraints: ${Object.entries(d.constraints).map(([k, v]) => `${k} ${typeof v === "string" ? v : json(v)}`).join(", ")}.`),
    );
  }
  for (const g of d.oneOfGroups ?? []) out.push(docText(`Alternative: ${g.join(", ")}.`));
  for (const v of d.validations) {
    out.push(docText(`Validation: \`${v.rule.replace(/\s+/g, " ")}\`${v.message ? ` (${v.message.replace(/\s+/g, " ")})` : ""}.`));
  }
  if (d.default !== undefined) out.push(`@defaultValue ${docText(json(d.default))}`);
  if (d.deprecated) out.push("@deprecated");
  return out;
}

/** JSDoc lines for a field. */
export function fieldDoc(f: Field): string[] {
  const lines = descriptionLines(f.description);
  const facts = [...typeNotes(f.type).map(docText), ...factLines(f)];
  return lines.length && facts.length ? [...lines, "", ...facts] : [...lines, ...facts];
}

/** JSDoc lines for a named type. */
export function typeDoc(t: TypeDef, extra: readonly string[] = []): string[] {
  const lines = descriptionLines(t.description);
  const facts: string[] = [];
  if (t.embeddedResource) facts.push("An embedded Kubernetes object (apiVersion, kind and metadata).");
  if (t.preserveUnknownFields) facts.push("Unknown fields are preserved by the server.");
  if (t.mapType === "atomic") facts.push("Map type: atomic (replaced as a whole by server-side apply).");
  if (t.alias) facts.push(...typeNotes(t.alias).map(docText));
  facts.push(...factLines(t), ...extra.map(commentText));
  return lines.length && facts.length ? [...lines, "", ...facts] : [...lines, ...facts];
}
