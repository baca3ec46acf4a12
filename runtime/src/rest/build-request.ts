// Request building with no I/O (client-go rest/request.go URL/param/body
// assembly; kube-core request.rs). A RequestSpec names a resource and a verb
// with its options; buildRequest() returns the method, path, query, headers
// and serialised body. The transport sends what this returns.

import { formatFieldSelector, formatLabelSelector } from "../meta/selectors.js";
import {
  PatchType,
  type ApplyOptions,
  type CreateOptions,
  type DeleteCollectionOptions,
  type DeleteOptions,
  type DryRun,
  type GetOptions,
  type ListOptions,
  type PatchOptions,
  type UpdateOptions,
  type WatchOptions,
} from "../meta/options.js";
import type { HttpRequest } from "../transport/transport.js";

/** The resource verbs; each decides the method and how options are encoded. */
export type Verb = "get" | "list" | "watch" | "create" | "update" | "patch" | "apply" | "delete" | "deletecollection";

/** Which resource (or object, or subresource) a request addresses. */
export interface ResourceRef {
  /** API group; `""` or undefined for the core group (`/api/v1`). */
  group?: string;
  /** API version, e.g. `v1`. */
  version: string;
  /** Plural resource name, e.g. `deployments`. */
  resource: string;
  /** Namespace for namespaced resources; omit for cluster-scoped ones or all namespaces. */
  namespace?: string;
  /** Object name. */
  name?: string;
  /** Subresource, e.g. `status`, `scale`, `log`, `eviction`. */
  subresource?: string;
}

/** Everything needed to build one request. Either a resource (`group`/`version`/`resource`...) or a raw `path`. */
export interface RequestSpec extends Partial<ResourceRef> {
  /** A resource verb. Without one, `method` (default GET) is used as a custom verb. */
  verb?: Verb;
  /** HTTP method for custom verbs and raw paths (ignored when `verb` sets one). */
  method?: string;
  /** A raw absolute path such as `/version` or `/apis`, instead of a resource. */
  path?: string;
  /** Options of the verb. */
  options?:
    | ListOptions
    | WatchOptions
    | GetOptions
    | CreateOptions
    | UpdateOptions
    | PatchOptions
    | ApplyOptions
    | DeleteOptions
    | DeleteCollectionOptions;
  /** Body: an object or array is sent as JSON; a string or Buffer is sent as is. */
  body?: unknown;
  /** Content type of a `patch` body. */
  patchType?: PatchType;
  /** Extra query parameters (e.g. `container`, `follow` for pod logs). Arrays repeat the name. */
  query?: Record<string, string | number | boolean | readonly string[] | undefined>;
  /** Extra headers. */
  headers?: Record<string, string>;
  /** Accept header (default `application/json`). */
  accept?: string;
  /** Content-Type for a non-patch body (default `application/json`). */
  contentType?: string;
  /** Aborts the call (also read from `options.signal`). */
  signal?: AbortSignal;
}

/** Raised for a spec that cannot become a valid request (bad name, missing field manager...). */
export class RequestBuildError extends Error {
  override readonly name = "RequestBuildError";
}

const METHODS: Record<Verb, string> = {
  get: "GET",
  list: "GET",
  watch: "GET",
  create: "POST",
  update: "PUT",
  patch: "PATCH",
  apply: "PATCH",
  delete: "DELETE",
  deletecollection: "DELETE",
};

/** `/api/v1` for the core group, else `/apis/<group>/<version>`. */
export function groupVersionPath(group: string | undefined, version: string): string {
  return group ? `/apis/${group}/${version}` : `/api/${version}`;
}

function segment(value: string, what: string): string {
  // client-go rest.Request.Name/Namespace/Resource: a path segment may not be
  // empty, "." or "..", nor contain "/" or "%".
  if (value === "" || value === "." || value === ".." || value.includes("/") || value.includes("%")) {
    throw new RequestBuildError(`invalid ${what} ${JSON.stringify(value)}: it may not be empty, "." or "..", nor contain "/" or "%"`);
  }
  return encodeURIComponent(value);
}

/** The path of a resource reference (no query). */
export function resourcePath(ref: ResourceRef): string {
  let p = groupVersionPath(ref.group, segment(ref.version, "version"));
  if (ref.namespace !== undefined && ref.namespace !== "") p += `/namespaces/${segment(ref.namespace, "namespace")}`;
  p += `/${segment(ref.resource, "resource")}`;
  if (ref.name !== undefined) p += `/${segment(ref.name, "name")}`;
  if (ref.subresource !== undefined) p += `/${ref.subresource.split("/").map((s) => segment(s, "subresource")).join("/")}`;
  return p;
}

type Q = Array<[string, string]>;

function put(q: Q, name: string, value: string | number | boolean | undefined): void {
  if (value === undefined || value === "") return;
  q.push([name, String(value)]);
}

function dryRunValue(d: DryRun | undefined): string | undefined {
  return d === true || d === "All" ? "All" : undefined;
}

function listParams(q: Q, o: ListOptions & WatchOptions): void {
  if (o.labelSelector !== undefined) {
    put(q, "labelSelector", typeof o.labelSelector === "string" ? o.labelSelector : formatLabelSelector(o.labelSelector));
  }
  if (o.fieldSelector !== undefined) put(q, "fieldSelector", formatFieldSelector(o.fieldSelector));
  if (o.resourceVersion !== undefined) put(q, "resourceVersion", o.resourceVersion);
  put(q, "resourceVersionMatch", o.resourceVersionMatch);
  if (o.limit !== undefined && o.limit > 0) put(q, "limit", Math.floor(o.limit));
  put(q, "continue", o.continue);
  if (o.timeoutSeconds !== undefined) put(q, "timeoutSeconds", Math.floor(o.timeoutSeconds));
}

function writeParams(q: Q, o: CreateOptions & { force?: boolean }): void {
  put(q, "dryRun", dryRunValue(o.dryRun));
  put(q, "fieldManager", o.fieldManager);
  put(q, "fieldValidation", o.fieldValidation);
  if (o.force !== undefined) put(q, "force", o.force);
}

/** The metav1.DeleteOptions body client-go sends with DELETE. */
export function deleteOptionsBody(o: DeleteOptions): Record<string, unknown> {
  const body: Record<string, unknown> = { kind: "DeleteOptions", apiVersion: "v1" };
  if (o.gracePeriodSeconds !== undefined) body.gracePeriodSeconds = o.gracePeriodSeconds;
  if (o.propagationPolicy !== undefined) body.propagationPolicy = o.propagationPolicy;
  if (o.preconditions && (o.preconditions.uid !== undefined || o.preconditions.resourceVersion !== undefined)) {
    body.preconditions = { ...o.preconditions };
  }
  const dry = dryRunValue(o.dryRun);
  if (dry) body.dryRun = [dry];
  return body;
}

/** Builds the HTTP request for a spec. Pure: no I/O, no clock, no config. */
export function buildRequest(spec: RequestSpec): HttpRequest {
  const verb = spec.verb;
  const method = verb ? METHODS[verb] : (spec.method ?? "GET").toUpperCase();
  let path: string;
  if (spec.path !== undefined) {
    if (!spec.path.startsWith("/")) throw new RequestBuildError(`raw path ${JSON.stringify(spec.path)} must start with "/"`);
    path = spec.path;
  } else {
    if (!spec.version || !spec.resource) {
      throw new RequestBuildError("a request needs either a raw path or a version and a resource");
    }
    const needsName = verb === "get" || verb === "update" || verb === "patch" || verb === "apply" || verb === "delete";
    if (needsName && !spec.name) throw new RequestBuildError(`${verb} ${spec.resource}: the resource name may not be empty`);
    if ((verb === "list" || verb === "watch" || verb === "deletecollection") && spec.name !== undefined) {
      throw new RequestBuildError(`${verb} ${spec.resource}: a collection request takes no name`);
    }
    path = resourcePath(spec as ResourceRef);
  }

  const query: Q = [];
  const headers: Record<string, string | string[]> = { accept: spec.accept ?? "application/json" };
  let body: string | Buffer | undefined;
  const o = (spec.options ?? {}) as Record<string, unknown>;

  switch (verb) {
    case "get":
      if ((o as GetOptions).resourceVersion !== undefined) put(query, "resourceVersion", (o as GetOptions).resourceVersion);
      break;
    case "list":
      listParams(query, o as ListOptions);
      break;
    case "watch": {
      const w = o as WatchOptions;
      query.push(["watch", "true"]);
      listParams(query, w);
      if (w.allowWatchBookmarks !== undefined) put(query, "allowWatchBookmarks", w.allowWatchBookmarks);
      if (w.sendInitialEvents !== undefined) put(query, "sendInitialEvents", w.sendInitialEvents);
      break;
    }
    case "create":
    case "update":
      writeParams(query, o as CreateOptions);
      break;
    case "patch":
      if (!spec.patchType) throw new RequestBuildError(`patch ${spec.resource ?? path}: a patchType is required`);
      writeParams(query, o as PatchOptions);
      headers["content-type"] = spec.patchType;
      break;
    case "apply": {
      const a = o as Partial<ApplyOptions>;
      if (!a.fieldManager) {
        throw new RequestBuildError(`apply ${spec.resource ?? path} ${spec.name ?? ""}: fieldManager is required`.trim());
      }
      writeParams(query, a as ApplyOptions);
      headers["content-type"] = PatchType.Apply;
      break;
    }
    case "delete":
      body = JSON.stringify(deleteOptionsBody(o as DeleteOptions));
      break;
    case "deletecollection":
      listParams(query, o as DeleteCollectionOptions);
      body = JSON.stringify(deleteOptionsBody(o as DeleteOptions));
      break;
    default:
      break;
  }

  for (const [k, v] of Object.entries(spec.query ?? {})) {
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const item of v) query.push([k, String(item)]);
    else query.push([k, String(v)]);
  }

  if (spec.body !== undefined) {
    body =
      typeof spec.body === "string" || Buffer.isBuffer(spec.body)
        ? (spec.body as string | Buffer)
        : JSON.stringify(spec.body);
  }
  if (body !== undefined && !headers["content-type"]) headers["content-type"] = spec.contentType ?? "application/json";
  for (const [k, v] of Object.entries(spec.headers ?? {})) headers[k.toLowerCase()] = v;
  return body === undefined ? { method, path, query, headers } : { method, path, query, headers, body };
}
