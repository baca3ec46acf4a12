// OpenAPI -> OpenApiInput: a v2 swagger.json, or v3 group-version documents
// (a folder of them, or a server's /openapi/v3 index followed to each
// document). $refs stay as written; ir/ resolves them against `schemas` and
// reports dangling ones with their pointer.

import type { Diagnostics } from "./errors.js";
import type { OpenApiInput, PathItem, Schema } from "./schema.js";
import type { SourceText } from "./sources.js";

/** Line (1-based) of a character offset. */
function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** Parses JSON, reporting syntax errors with a line. Returns undefined on error. */
export function parseJson(source: SourceText, diags: Diagnostics): unknown {
  try {
    return JSON.parse(source.text);
  } catch (err) {
    const msg = (err as Error).message;
    const pos = /position (\d+)/.exec(msg);
    const line = pos ? lineAt(source.text, Number(pos[1])) : undefined;
    const truncated = /Unexpected end of JSON input|Unterminated/.test(msg) ? " (the file looks truncated)" : "";
    diags.error(source.name, "", `invalid JSON: ${msg}${truncated}`, line);
    return undefined;
  }
}

/** A server's /openapi/v3 discovery document. */
export interface OpenApiV3Index {
  paths: Record<string, { serverRelativeURL: string }>;
}

export function isV3Index(doc: unknown): doc is OpenApiV3Index {
  if (typeof doc !== "object" || doc === null) return false;
  const d = doc as Record<string, unknown>;
  if ("openapi" in d || "swagger" in d || typeof d.paths !== "object" || d.paths === null) return false;
  return Object.values(d.paths as Record<string, unknown>).every(
    (v) => typeof v === "object" && v !== null && typeof (v as { serverRelativeURL?: unknown }).serverRelativeURL === "string",
  );
}

/** Turns one parsed OpenAPI document into an OpenApiInput, or reports why it is not one. */
export function toOpenApiInput(source: SourceText, doc: unknown, diags: Diagnostics): OpenApiInput | undefined {
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    diags.error(source.name, "", "expected an OpenAPI document (a JSON object with `swagger: \"2.0\"` or `openapi: \"3.x\"`)");
    return undefined;
  }
  const d = doc as Record<string, any>;
  const paths = (typeof d.paths === "object" && d.paths) || {};
  if (d.swagger === "2.0") {
    if (typeof d.definitions !== "object" || d.definitions === null) {
      diags.error(source.name, "/definitions", "the swagger document has no definitions");
      return undefined;
    }
    return {
      kind: "openapi",
      file: source.name,
      openapiVersion: 2,
      schemas: d.definitions as Record<string, Schema>,
      schemasPointer: "/definitions",
      paths: paths as Record<string, PathItem>,
    };
  }
  if (typeof d.openapi === "string" && d.openapi.startsWith("3.")) {
    // Some documents a server lists (e.g. .well-known/openid-configuration) have no schemas; they add nothing.
    const schemas = d.components?.schemas ?? {};
    if (typeof schemas !== "object" || schemas === null || Array.isArray(schemas)) {
      diags.error(source.name, "/components/schemas", "components.schemas must be an object");
      return undefined;
    }
    return {
      kind: "openapi",
      file: source.name,
      openapiVersion: 3,
      schemas: schemas as Record<string, Schema>,
      schemasPointer: "/components/schemas",
      paths: paths as Record<string, PathItem>,
    };
  }
  diags.error(source.name, "", "not an OpenAPI document: expected `swagger: \"2.0\"` or `openapi: \"3.x\"` at the top level");
  return undefined;
}
