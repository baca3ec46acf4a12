// Proxy requests: one HTTP request through the API server to an object's
// `proxy` connect subresource (pods/proxy, services/proxy, nodes/proxy;
// client-go's `ProxyGet` in kubernetes/typed/core/v1/{pod,service,node}_expansion.go
// and rest.Request.DoRaw).
//
// The contract:
//   - proxyPath builds the URL path with no I/O: the resource, namespace and
//     name go through the REST path-segment escaping (resourcePath), and the
//     proxied `path` is split on "/", each segment percent-encoded
//     (encodeURIComponent, so `?`, `#` and `%` stay inside the path) and "."
//     or ".." segments rejected with a RequestBuildError, so a path can never
//     climb out of the object's proxy into another API path.
//   - proxyRequest resolves with the status, headers and whole body (a
//     Buffer) of a 2xx answer. A non-2xx answer (the proxied server's or the
//     API server's) rejects with an ApiError carrying the code, as DoRaw does.
//     Only GET and HEAD are retried (on the REST client's retry rules).
//   - A fake clientset has no server to proxy to: the call rejects with a
//     TypeError that says so.

import type { IncomingHttpHeaders } from "node:http";
import { RequestBuildError, resourcePath, type RequestSpec } from "../rest/build-request.js";
import { RestClient, type CallOptions } from "../rest/rest-client.js";
import type { RequestExecutor, ResourceInfo } from "../rest/resource-client.js";
import type { StreamTarget } from "./exec.js";
import { clientFor } from "./logs.js";

/** The HTTP methods a proxy request may use. */
export const PROXY_METHODS: readonly string[] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

/** What a generated client's `proxy(name, path, options)` takes. */
export interface ProxyOptions {
  /** HTTP method (default GET). */
  method?: string;
  /** Request body, sent as is. */
  body?: string | Buffer;
  /** Query parameters for the proxied server. Arrays repeat the name. */
  query?: Record<string, string | readonly string[]>;
  /** Extra headers (e.g. `content-type` for a body). */
  headers?: Record<string, string>;
  /** Aborts the request. */
  signal?: AbortSignal;
}

/** Options of {@link proxyRequest}: the object, the path below its proxy, and the request. */
export interface ProxyRequestOptions extends ProxyOptions {
  /** The resource (group, version, plural, scope). */
  resource: Pick<ResourceInfo, "group" | "version" | "resource" | "namespaced">;
  /** The namespace, for namespaced resources. */
  namespace?: string | undefined;
  /** The object's name (a pod, a service — `name` or `https:name:port` — or a node). */
  name: string;
  /** The path on the proxied server, e.g. `/healthz` or `"/"`; "" for the proxy root. */
  path?: string;
  /** The connect subresource (default `proxy`). */
  subresource?: string;
}

/** A proxied server's answer. */
export interface ProxyResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** The escaped proxied path (`a/b%20c/`), without a leading "/"; throws a RequestBuildError for "." or ".." segments. No I/O. */
export function proxiedPath(path: string): string {
  const segments = (path.startsWith("/") ? path.slice(1) : path).split("/");
  return segments
    .map((s) => {
      if (s === "." || s === "..") {
        throw new RequestBuildError(`proxy path ${JSON.stringify(path)}: "." and ".." segments are not allowed`);
      }
      return encodeURIComponent(s);
    })
    .join("/");
}

/** The URL path of a proxy request (`/api/v1/namespaces/ns/pods/web/proxy/healthz`). No I/O. */
export function proxyPath(options: Pick<ProxyRequestOptions, "resource" | "namespace" | "name" | "path" | "subresource">): string {
  const { resource: r, namespace, name } = options;
  const sub = options.subresource ?? "proxy";
  if (r.namespaced && !namespace) throw new RequestBuildError(`${sub} ${r.resource} ${JSON.stringify(name)}: a namespace is required`);
  if (!r.namespaced && namespace) throw new RequestBuildError(`${r.resource} is cluster-scoped: it takes no namespace`);
  if (!name) throw new RequestBuildError(`${sub} ${r.resource}: the name may not be empty`);
  const base = resourcePath({
    group: r.group,
    version: r.version,
    resource: r.resource,
    ...(namespace ? { namespace } : {}),
    name,
    subresource: sub,
  });
  const path = options.path ?? "";
  return path === "" ? base : `${base}/${proxiedPath(path)}`;
}

/** The RequestSpec of a proxy request (no I/O). */
export function proxyRequestSpec(options: ProxyRequestOptions): RequestSpec {
  const method = (options.method ?? "GET").toUpperCase();
  if (!PROXY_METHODS.includes(method)) {
    throw new RequestBuildError(`proxy: method ${JSON.stringify(options.method)} is not one of ${PROXY_METHODS.join(", ")}`);
  }
  return {
    path: proxyPath(options),
    method,
    accept: "*/*",
    ...(options.query ? { query: options.query } : {}),
    ...(options.headers ? { headers: options.headers } : {}),
    ...(options.body !== undefined ? { body: options.body } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  };
}

/**
 * Sends one request through the API server to an object's proxy
 * subresource and resolves with the whole answer (see the module's contract).
 *
 * ```ts
 * const res = await proxyRequest(client, { resource: podsInfo, namespace: "default", name: "web", path: "/healthz" });
 * res.body.toString(); // "ok"
 * ```
 */
export async function proxyRequest(target: StreamTarget | RequestExecutor, options: ProxyRequestOptions): Promise<ProxyResponse> {
  const spec = proxyRequestSpec(options);
  let client: RestClient;
  try {
    client = target instanceof RestClient ? target : clientFor(target);
  } catch (err) {
    throw new TypeError(
      `proxy ${options.resource.resource} ${JSON.stringify(options.name)}: needs a RestClient, a Transport or a RestConfig (a real API server); the fake clientset does not implement proxy`,
      { cause: err },
    );
  }
  const call: CallOptions = spec.method === "GET" || spec.method === "HEAD" ? {} : { maxRetries: 0 };
  const raw = await client.requestRaw(spec, call);
  return { status: raw.status, headers: raw.headers, body: raw.body };
}
