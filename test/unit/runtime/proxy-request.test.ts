// The proxy request's building (runtime/src/stream/proxy.ts) as given/want
// tables: no I/O, names escaped as every REST path, the proxied path split,
// percent-encoded and never climbing out with "." or "..".
import { describe, expect, it } from "vitest";
import { proxyPath, proxyRequest, proxyRequestSpec, RequestBuildError } from "@kubegen/runtime";
import { FakeClient } from "@kubegen/runtime/testing";

const pods = { group: "", version: "v1", resource: "pods", namespaced: true };
const nodes = { group: "", version: "v1", resource: "nodes", namespaced: false };

describe("proxyPath", () => {
  it.each<[string, Parameters<typeof proxyPath>[0], string]>([
    ["the proxy root", { resource: pods, namespace: "ns", name: "web" }, "/api/v1/namespaces/ns/pods/web/proxy"],
    ["a trailing slash is kept", { resource: pods, namespace: "ns", name: "web", path: "/" }, "/api/v1/namespaces/ns/pods/web/proxy/"],
    ["segments percent-encoded, ? and # stay in the path", { resource: pods, namespace: "ns", name: "web", path: "/a b/c?d#e/%2e%2e" }, "/api/v1/namespaces/ns/pods/web/proxy/a%20b/c%3Fd%23e/%252e%252e"],
    ["no leading slash", { resource: pods, namespace: "ns", name: "web", path: "healthz" }, "/api/v1/namespaces/ns/pods/web/proxy/healthz"],
    ["a service's scheme:name:port", { resource: { ...pods, resource: "services" }, namespace: "ns", name: "https:web:443", path: "/x" }, "/api/v1/namespaces/ns/services/https%3Aweb%3A443/proxy/x"],
    ["cluster-scoped nodes", { resource: nodes, name: "node-a", path: "/metrics" }, "/api/v1/nodes/node-a/proxy/metrics"],
    ["a group", { resource: { group: "example.com", version: "v1", resource: "things", namespaced: false }, name: "t" }, "/apis/example.com/v1/things/t/proxy"],
  ])("%s", (_, given, want) => {
    expect(proxyPath(given)).toBe(want);
  });

  it.each<[string, Parameters<typeof proxyPath>[0], RegExp]>([
    ["..", { resource: pods, namespace: "ns", name: "web", path: "/a/../../secrets" }, /"\." and "\.\." segments are not allowed/],
    [".", { resource: pods, namespace: "ns", name: "web", path: "./x" }, /are not allowed/],
    ["a bare ..", { resource: pods, namespace: "ns", name: "web", path: ".." }, /are not allowed/],
    ["no namespace for a namespaced resource", { resource: pods, name: "web" }, /a namespace is required/],
    ["a namespace for a cluster-scoped one", { resource: nodes, namespace: "ns", name: "n" }, /cluster-scoped/],
    ["an empty name", { resource: pods, namespace: "ns", name: "" }, /may not be empty/],
    ["a name with a slash", { resource: pods, namespace: "ns", name: "a/b" }, /invalid name/],
  ])("refuses %s", (_, given, want) => {
    expect(() => proxyPath(given)).toThrow(RequestBuildError);
    expect(() => proxyPath(given)).toThrow(want);
  });
});

describe("proxyRequestSpec", () => {
  it("carries method, query, headers, body and signal; accepts any content", () => {
    const signal = new AbortController().signal;
    expect(
      proxyRequestSpec({ resource: pods, namespace: "ns", name: "web", path: "/p", method: "post", query: { a: "1" }, headers: { "content-type": "text/plain" }, body: "hi", signal }),
    ).toEqual({ path: "/api/v1/namespaces/ns/pods/web/proxy/p", method: "POST", accept: "*/*", query: { a: "1" }, headers: { "content-type": "text/plain" }, body: "hi", signal });
  });

  it("refuses a method that is not an HTTP method of the proxy", () => {
    expect(() => proxyRequestSpec({ resource: pods, namespace: "ns", name: "web", method: "CONNECT" })).toThrow(/is not one of GET, HEAD/);
  });

  it("a fake client has no server to proxy to: a clear TypeError", async () => {
    const fake = new FakeClient({ resources: [], objects: [] });
    await expect(proxyRequest(fake, { resource: pods, namespace: "ns", name: "web" })).rejects.toThrow(/the fake clientset does not implement proxy/);
  });
});
