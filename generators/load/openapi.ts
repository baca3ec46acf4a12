// OpenAPI -> OpenApiInput: a v2 swagger.json, or v3 group-version documents
// (a folder of them, or a server's /openapi/v3 index followed to each
// document). $refs stay as written; ir/ resolves them against `schemas` and
// reports dangling ones with their pointer.

import type { Diagnostics } from "./errors.js";
import { pointerJoin, type OpenApiInput, type PathItem, type Schema } from "./schema.js";
import { isMap, jsonKind, own, TOO_DEEP_DOCUMENT, tooDeep } from "./shape.js";
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
  if (!isMap(doc)) return false;
  if (Object.hasOwn(doc, "openapi") || Object.hasOwn(doc, "swagger")) return false;
  const paths = own(doc, "paths");
  if (!isMap(paths)) return false;
  return Object.values(paths).every((v) => isMap(v) && typeof own(v, "serverRelativeURL") === "string");
}

const HTTP_METHODS = ["get", "put", "post", "delete", "patch", "head", "options", "trace"] as const;

/** Checks the containers the loader hands on: `paths` and its items and operations are maps. */
function checkPaths(file: string, paths: unknown, diags: Diagnostics): boolean {
  if (paths === undefined) return true;
  if (!isMap(paths)) {
    diags.error(file, "/paths", `\`paths\` must be a map, got ${jsonKind(paths)}`);
    return false;
  }
  let ok = true;
  for (const [path, item] of Object.entries(paths)) {
    const at = pointerJoin("/paths", path);
    if (!isMap(item)) {
      diags.error(file, at, `a path item must be a map, got ${jsonKind(item)}`);
      ok = false;
      continue;
    }
    for (const method of HTTP_METHODS) {
      const op = own(item, method);
      if (op !== undefined && !isMap(op)) {
        diags.error(file, pointerJoin(at, method), `an operation must be a map, got ${jsonKind(op)}`);
        ok = false;
      }
    }
    const params = own(item, "parameters");
    if (params !== undefined && !Array.isArray(params)) {
      diags.error(file, pointerJoin(at, "parameters"), `\`parameters\` must be a list, got ${jsonKind(params)}`);
      ok = false;
    }
  }
  return ok;
}

/** Turns one parsed OpenAPI document into an OpenApiInput, or reports why it is not one. */
export function toOpenApiInput(source: SourceText, doc: unknown, diags: Diagnostics): OpenApiInput | undefined {
  if (!isMap(doc)) {
    diags.error(source.name, "", "expected an OpenAPI document (a JSON object with `swagger: \"2.0\"` or `openapi: \"3.x\"`)");
    return undefined;
  }
  const deep = tooDeep(doc);
  if (deep !== undefined) {
    diags.error(source.name, deep, TOO_DEEP_DOCUMENT);
    return undefined;
  }
  const d = doc;
  const rawPaths = own(d, "paths");
  const pathsOk = checkPaths(source.name, rawPaths, diags);
  const paths = (pathsOk && isMap(rawPaths) ? rawPaths : {}) as Record<string, PathItem>;
  if (own(d, "swagger") === "2.0") {
    const definitions = own(d, "definitions");
    if (definitions === undefined || definitions === null) {
      diags.error(source.name, "/definitions", "the swagger document has no definitions");
      return undefined;
    }
    if (!isMap(definitions)) {
      diags.error(source.name, "/definitions", `\`definitions\` must be a map of schemas, got ${jsonKind(definitions)}`);
      return undefined;
    }
    if (!pathsOk) return undefined;
    return {
      kind: "openapi",
      file: source.name,
      openapiVersion: 2,
      schemas: definitions as Record<string, Schema>,
      schemasPointer: "/definitions",
      paths,
    };
  }
  const openapi = own(d, "openapi");
  if (typeof openapi === "string" && openapi.startsWith("3.")) {
    // Some documents a server lists (e.g. .well-known/openid-configuration) have no schemas; they add nothing.
    const components = own(d, "components") ?? {};
    if (!isMap(components)) {
      diags.error(source.name, "/components", `\`components\` must be a map, got ${jsonKind(components)}`);
      return undefined;
    }
    const schemas = own(components, "schemas") ?? {};
    if (!isMap(schemas)) {
      diags.error(source.name, "/components/schemas", `components.schemas must be a map of schemas, got ${jsonKind(schemas)}`);
      return undefined;
    }
    if (!pathsOk) return undefined;
    return {
      kind: "openapi",
      file: source.name,
      openapiVersion: 3,
      schemas: schemas as Record<string, Schema>,
      schemasPointer: "/components/schemas",
      paths,
    };
  }
  diags.error(source.name, "", "not an OpenAPI document: expected `swagger: \"2.0\"` or `openapi: \"3.x\"` at the top level");
  return undefined;
}
