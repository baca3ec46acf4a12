// CRD YAML -> CrdInput: multi-document streams and `kind: List` wrappers,
// parsed as YAML 1.2 with line numbers kept so later errors can name a line.
// Only apiextensions.k8s.io/v1 is accepted; v1beta1 gets an upgrade hint.

import { isMap, isScalar, isSeq, type Document, type LineCounter } from "yaml";
import type { Diagnostics } from "./errors.js";
import { quoted } from "./names.js";
import { pointerJoin, type CrdInput } from "./schema.js";
import { jsonKind } from "./shape.js";
import type { SourceText } from "./sources.js";
import { readYamlStream } from "./yaml.js";

function pointerToPath(pointer: string): string[] {
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

/**
 * Maps a JSON pointer (below `prefix`) to the 1-based line that shows it: the
 * line of its key for a map entry, of its item for a list entry. A place that
 * does not exist reports the line of the deepest part of its path that does.
 */
function lineFinder(doc: Document, lines: LineCounter, prefix: string[]): (pointer: string) => number | undefined {
  const lineOf = (node: { range?: [number, number, number] | null } | null | undefined): number | undefined =>
    node?.range ? lines.linePos(node.range[0]).line : undefined;
  return (pointer) => {
    const path = [...prefix, ...pointerToPath(pointer)];
    let node: unknown = doc.contents;
    let line = lineOf(doc.contents as { range?: [number, number, number] });
    for (const segment of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value ?? "") === segment);
        if (!pair) break;
        line = lineOf(pair.key as { range?: [number, number, number] }) ?? line;
        node = pair.value;
      } else if (isSeq(node) && /^\d+$/.test(segment) && Number(segment) < node.items.length) {
        node = node.items[Number(segment)];
        line = lineOf(node as { range?: [number, number, number] }) ?? line;
      } else {
        break;
      }
    }
    return line;
  };
}

function isRecord(v: unknown): v is Record<string, any> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Parses CRD YAML text. Problems go to `diags`; the CRDs found are returned. */
export function parseCrdText(source: SourceText, diags: Diagnostics): CrdInput[] {
  const out: CrdInput[] = [];
  const { docs, lines } = readYamlStream(source, diags);
  for (const { doc, index: documentIndex, value } of docs) {
    if (value === null || value === undefined) continue; // empty document, e.g. a trailing `---`
    const consider = (obj: unknown, prefix: string[]): void => {
      const pointer = prefix.length ? pointerJoin("", ...prefix) : "";
      const line = lineFinder(doc, lines, prefix)("");
      if (!isRecord(obj)) {
        diags.error(source.name, pointer, "expected a CustomResourceDefinition object", line);
        return;
      }
      if (obj.kind === "List" && Array.isArray(obj.items)) {
        obj.items.forEach((item: unknown, i: number) => consider(item, [...prefix, "items", String(i)]));
        return;
      }
      if (obj.kind !== "CustomResourceDefinition") {
        const what =
          typeof obj.kind !== "string" ? "a document without kind" : /^[A-Za-z][A-Za-z0-9-]{0,62}$/.test(obj.kind) ? `a ${obj.kind}` : `a ${quoted(obj.kind)}`;
        diags.warn(source.name, pointer, `skipped ${what}: only CustomResourceDefinitions are read`, line);
        return;
      }
      if (obj.apiVersion === "apiextensions.k8s.io/v1beta1") {
        diags.error(
          source.name,
          pointerJoin(pointer, "apiVersion"),
          "apiextensions.k8s.io/v1beta1 CRDs are not supported (removed in Kubernetes 1.22); convert the CRD to apiextensions.k8s.io/v1 " +
            "(spec.versions[].schema.openAPIV3Schema instead of spec.validation), e.g. by applying it to a cluster and reading it back",
          line,
        );
        return;
      }
      if (obj.apiVersion !== "apiextensions.k8s.io/v1") {
        diags.error(source.name, pointerJoin(pointer, "apiVersion"), `unsupported CRD apiVersion ${typeof obj.apiVersion === "string" ? quoted(obj.apiVersion) : jsonKind(obj.apiVersion)}; expected apiextensions.k8s.io/v1`, line);
        return;
      }
      out.push({
        kind: "crd",
        file: source.name,
        documentIndex,
        pointerPrefix: pointer,
        crd: obj,
        lineOf: lineFinder(doc, lines, prefix),
      });
    };
    consider(value, []);
  }
  return out;
}
