// CRD YAML -> CrdInput: multi-document streams and `kind: List` wrappers,
// parsed as YAML 1.2 with line numbers kept so later errors can name a line.
// Only apiextensions.k8s.io/v1 is accepted; v1beta1 gets an upgrade hint.

import { LineCounter, parseAllDocuments, type Document } from "yaml";
import type { Diagnostics } from "./errors.js";
import { pointerJoin, type CrdInput } from "./schema.js";
import type { SourceText } from "./sources.js";

function pointerToPath(pointer: string): string[] {
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

function lineFinder(doc: Document, lines: LineCounter, prefix: string[]): (pointer: string) => number | undefined {
  return (pointer) => {
    const path = [...prefix, ...pointerToPath(pointer)];
    // Walk up until a node exists, so a missing key reports its parent's line.
    // (Sequences accept numeric strings as indexes.)
    for (let n = path.length; n >= 0; n--) {
      const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
      const range = (node as { range?: [number, number, number] } | undefined)?.range;
      if (range) return lines.linePos(range[0]).line;
    }
    return undefined;
  };
}

function isRecord(v: unknown): v is Record<string, any> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Parses CRD YAML text. Problems go to `diags`; the CRDs found are returned. */
export function parseCrdText(source: SourceText, diags: Diagnostics): CrdInput[] {
  const lines = new LineCounter();
  const docs = parseAllDocuments(source.text, { version: "1.2", lineCounter: lines, prettyErrors: true, uniqueKeys: false });
  const out: CrdInput[] = [];
  const all = Array.isArray(docs) ? docs : [];
  if (!Array.isArray(docs)) {
    diags.error(source.name, "", "not a YAML document stream");
    return out;
  }
  all.forEach((doc, documentIndex) => {
    if (doc.errors.length > 0) {
      for (const e of doc.errors) {
        const line = e.linePos?.[0]?.line;
        const doc = all.length > 1 ? ` (document ${documentIndex + 1})` : "";
        diags.error(source.name, "", `invalid YAML${doc}: ${e.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "")}`, line);
      }
      return;
    }
    const value = doc.toJS({ maxAliasCount: 1000 }) as unknown;
    if (value === null || value === undefined) return; // empty document, e.g. a trailing `---`
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
        diags.warn(source.name, pointer, `skipped a ${String(obj.kind ?? "document without kind")}: only CustomResourceDefinitions are read`, line);
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
        diags.error(source.name, pointerJoin(pointer, "apiVersion"), `unsupported CRD apiVersion ${JSON.stringify(obj.apiVersion)}; expected apiextensions.k8s.io/v1`, line);
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
  });
  return out;
}
