// buildRequest: table of specs -> {method, path, query, headers, body}. No I/O.
import { describe, expect, it } from "vitest";
import { buildRequest, PatchType, type RequestSpec } from "@kubegen/runtime";

const pods = { version: "v1", resource: "pods", namespace: "ns" } as const;
const deps = { group: "apps", version: "v1", resource: "deployments", namespace: "ns" } as const;

type Want = { method: string; path: string; query?: string; headers?: Record<string, string | string[]>; body?: unknown };

const cases: Array<[string, RequestSpec, Want]> = [
  ["core get", { ...pods, verb: "get", name: "p" }, { method: "GET", path: "/api/v1/namespaces/ns/pods/p" }],
  ["group get with rv", { ...deps, verb: "get", name: "d", options: { resourceVersion: "0" } }, { method: "GET", path: "/apis/apps/v1/namespaces/ns/deployments/d", query: "resourceVersion=0" }],
  ["cluster-scoped list", { version: "v1", resource: "nodes", verb: "list" }, { method: "GET", path: "/api/v1/nodes" }],
  ["all-namespaces list", { group: "apps", version: "v1", resource: "deployments", verb: "list" }, { method: "GET", path: "/apis/apps/v1/deployments" }],
  [
    "list with every option",
    {
      ...pods,
      verb: "list",
      options: {
        labelSelector: "app=web",
        fieldSelector: { "status.phase": "Running" },
        resourceVersion: "100",
        resourceVersionMatch: "NotOlderThan",
        limit: 50,
        continue: "tok",
        timeoutSeconds: 30,
      },
    },
    {
      method: "GET",
      path: "/api/v1/namespaces/ns/pods",
      query: "labelSelector=app%3Dweb&fieldSelector=status.phase%3DRunning&resourceVersion=100&resourceVersionMatch=NotOlderThan&limit=50&continue=tok&timeoutSeconds=30",
    },
  ],
  [
    "structured label selector",
    { ...pods, verb: "list", options: { labelSelector: { matchLabels: { b: "2", a: "1" } } } },
    { method: "GET", path: "/api/v1/namespaces/ns/pods", query: "labelSelector=a%3D1%2Cb%3D2" },
  ],
  [
    "watch",
    { ...pods, verb: "watch", options: { resourceVersion: "5", allowWatchBookmarks: true, sendInitialEvents: true, resourceVersionMatch: "NotOlderThan", timeoutSeconds: 1 } },
    {
      method: "GET",
      path: "/api/v1/namespaces/ns/pods",
      query: "watch=true&resourceVersion=5&resourceVersionMatch=NotOlderThan&timeoutSeconds=1&allowWatchBookmarks=true&sendInitialEvents=true",
    },
  ],
  [
    "create with write options",
    { ...deps, verb: "create", body: { metadata: { name: "d" } }, options: { dryRun: "All", fieldManager: "me", fieldValidation: "Strict" } },
    {
      method: "POST",
      path: "/apis/apps/v1/namespaces/ns/deployments",
      query: "dryRun=All&fieldManager=me&fieldValidation=Strict",
      headers: { accept: "application/json", "content-type": "application/json" },
      body: { metadata: { name: "d" } },
    },
  ],
  [
    "update status subresource",
    { ...deps, verb: "update", name: "d", subresource: "status", body: { a: 1 }, options: { dryRun: true } },
    { method: "PUT", path: "/apis/apps/v1/namespaces/ns/deployments/d/status", query: "dryRun=All", body: { a: 1 } },
  ],
  ...(
    [
      [PatchType.JSON, [{ op: "add", path: "/x", value: 1 }]],
      [PatchType.Merge, { spec: { replicas: 2 } }],
      [PatchType.StrategicMerge, { spec: { replicas: 2 } }],
    ] as const
  ).map(
    ([pt, body]): [string, RequestSpec, Want] => [
      `patch ${pt}`,
      { ...deps, verb: "patch", name: "d", patchType: pt, body, options: { fieldManager: "m", force: false } },
      {
        method: "PATCH",
        path: "/apis/apps/v1/namespaces/ns/deployments/d",
        query: "fieldManager=m&force=false",
        headers: { accept: "application/json", "content-type": pt },
        body,
      },
    ],
  ),
  [
    "apply",
    { ...deps, verb: "apply", name: "d", body: { apiVersion: "apps/v1", kind: "Deployment" }, options: { fieldManager: "ctl", force: true } },
    {
      method: "PATCH",
      path: "/apis/apps/v1/namespaces/ns/deployments/d",
      query: "fieldManager=ctl&force=true",
      headers: { accept: "application/json", "content-type": "application/apply-patch+yaml" },
      body: { apiVersion: "apps/v1", kind: "Deployment" },
    },
  ],
  [
    "delete with options body",
    {
      ...pods,
      verb: "delete",
      name: "p",
      options: { gracePeriodSeconds: 0, propagationPolicy: "Foreground", preconditions: { uid: "u1", resourceVersion: "9" }, dryRun: "All" },
    },
    {
      method: "DELETE",
      path: "/api/v1/namespaces/ns/pods/p",
      body: {
        kind: "DeleteOptions",
        apiVersion: "v1",
        gracePeriodSeconds: 0,
        propagationPolicy: "Foreground",
        preconditions: { uid: "u1", resourceVersion: "9" },
        dryRun: ["All"],
      },
    },
  ],
  [
    "deletecollection",
    { ...pods, verb: "deletecollection", options: { labelSelector: "a=b", propagationPolicy: "Background" } },
    { method: "DELETE", path: "/api/v1/namespaces/ns/pods", query: "labelSelector=a%3Db", body: { kind: "DeleteOptions", apiVersion: "v1", propagationPolicy: "Background" } },
  ],
  [
    "pod logs (custom query)",
    { ...pods, name: "p", subresource: "log", query: { follow: true, container: "c", tailLines: 10 } },
    { method: "GET", path: "/api/v1/namespaces/ns/pods/p/log", query: "follow=true&container=c&tailLines=10" },
  ],
  [
    "custom verb: eviction",
    { ...pods, method: "post", name: "p", subresource: "eviction", body: { apiVersion: "policy/v1", kind: "Eviction" } },
    { method: "POST", path: "/api/v1/namespaces/ns/pods/p/eviction", body: { apiVersion: "policy/v1", kind: "Eviction" } },
  ],
  ["raw path", { path: "/version" }, { method: "GET", path: "/version" }],
  [
    "raw path with accept and repeated query",
    { path: "/apis", accept: "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList", query: { x: ["1", "2"] } },
    { method: "GET", path: "/apis", query: "x=1&x=2", headers: { accept: "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList" } },
  ],
  ["escapes names", { ...pods, verb: "get", name: "a b:c" }, { method: "GET", path: "/api/v1/namespaces/ns/pods/a%20b%3Ac" }],
];

describe("buildRequest", () => {
  it.each(cases)("%s", (_name, spec, want) => {
    const got = buildRequest(spec);
    expect(got.method).toBe(want.method);
    expect(got.path).toBe(want.path);
    expect(new URLSearchParams(got.query).toString()).toBe(want.query ?? "");
    if (want.headers) expect(got.headers).toEqual(want.headers);
    if (want.body === undefined) expect(got.body).toBeUndefined();
    else expect(JSON.parse(String(got.body))).toEqual(want.body);
  });

  it.each<[string, RequestSpec, RegExp]>([
    ["get without name", { ...pods, verb: "get" }, /name may not be empty/],
    ["name with slash", { ...pods, verb: "get", name: "a/b" }, /invalid name/],
    ["name ..", { ...pods, verb: "delete", name: ".." }, /invalid name/],
    ["apply without fieldManager", { ...pods, verb: "apply", name: "p", body: {} }, /fieldManager is required/],
    ["patch without type", { ...pods, verb: "patch", name: "p", body: {} }, /patchType is required/],
    ["list with name", { ...pods, verb: "list", name: "p" }, /takes no name/],
    ["relative raw path", { path: "version" }, /must start with/],
  ])("rejects %s", (_n, spec, re) => {
    expect(() => buildRequest(spec)).toThrow(re);
  });
});
