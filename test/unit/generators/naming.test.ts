// naming.ts as a table of given/want cases.
import { describe, expect, it } from "vitest";
import { propertyKey } from "../../../generators/ir/escape.js";
import { groupVersionNames, pascalCase, shortHoistedNames, uniqueName } from "../../../generators/ir/naming.js";

describe("groupVersionNames", () => {
  const builtIn = ["", "apps", "networking.k8s.io", "rbac.authorization.k8s.io"];
  it.each([
    ["", "v1", builtIn, "core/v1", "coreV1", "v1"],
    ["apps", "v1", builtIn, "apps/v1", "appsV1", "apps/v1"],
    ["networking.k8s.io", "v1", builtIn, "networking/v1", "networkingV1", "networking.k8s.io/v1"],
    ["rbac.authorization.k8s.io", "v1", builtIn, "rbac/v1", "rbacV1", "rbac.authorization.k8s.io/v1"],
    ["networking.istio.io", "v1", [...builtIn, "networking.istio.io"], "networking.istio.io/v1", "networkingIstioIoV1", "networking.istio.io/v1"],
    ["networking.k8s.io", "v1", [...builtIn, "networking.istio.io"], "networking/v1", "networkingV1", "networking.k8s.io/v1"],
    ["cert-manager.io", "v1", ["cert-manager.io"], "cert-manager.io/v1", "certManagerV1", "cert-manager.io/v1"],
    ["samplecontroller.kubegen.dev", "v1alpha1", [], "samplecontroller.kubegen.dev/v1alpha1", "samplecontrollerV1alpha1", "samplecontroller.kubegen.dev/v1alpha1"],
  ])("%s %s", (group, version, all, modulePath, accessor, apiVersion) => {
    const n = groupVersionNames(group, version, all);
    expect([n.modulePath, n.accessor, n.apiVersion]).toEqual([modulePath, accessor, apiVersion]);
  });
});

describe("pascalCase and propertyKey", () => {
  it.each([
    ["proxyURL", "ProxyURL"],
    ["proxyUrl", "ProxyUrl"],
    ["mirror_percent", "MirrorPercent"],
    ["x-foo.bar", "XFooBar"],
    ["3d", "X3d"],
    ["", "X"],
  ])("pascalCase(%j) = %j", (given, want) => expect(pascalCase(given)).toBe(want));

  it.each([
    ["default", "default"],
    ["$ref", "$ref"],
    ["x-header", '"x-header"'],
    ["3d", '"3d"'],
    ["with space", '"with space"'],
  ])("propertyKey(%j) = %s", (given, want) => expect(propertyKey(given)).toBe(want));
});

describe("shortHoistedNames", () => {
  it("keeps the first segment and the shortest unambiguous tail", () => {
    const paths = [
      ["spec", "privateKey"],
      ["spec", "acme", "solvers", "dns01", "route53"],
      ["spec", "acme", "solvers", "http01", "ingress", "secretRef"],
      ["spec", "vault", "auth", "secretRef"],
      ["status", "conditions"],
    ];
    expect(shortHoistedNames("Issuer", paths)).toEqual([
      "IssuerSpecPrivateKey",
      "IssuerSpecRoute53",
      "IssuerSpecIngressSecretRef",
      "IssuerSpecAuthSecretRef",
      "IssuerStatusConditions",
    ]);
  });

  it("falls back to the whole path when tails collide", () => {
    expect(shortHoistedNames("K", [["spec", "a", "x"], ["spec", "b", "x"], ["spec", "x"]])).toEqual(["KSpecAX", "KSpecBX", "KSpecX"]);
  });

  it("uniqueName adds deterministic suffixes", () => {
    const taken = new Set(["Foo"]);
    expect([uniqueName("Foo", taken), uniqueName("Foo", taken), uniqueName("Bar", taken)]).toEqual(["Foo2", "Foo3", "Bar"]);
  });
});
