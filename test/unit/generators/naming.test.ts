// naming.ts as a table of given/want cases.
import { describe, expect, it } from "vitest";
import { propertyKey } from "../../../generators/ir/escape.js";
import { applyModuleFunctions, conversionTypeNames, groupVersionNames, pascalCase, shortHoistedNames, typeFileNames, uniqueName } from "../../../generators/ir/naming.js";

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

describe("typeFileNames (one file per type in types/ and applyconfigurations/)", () => {
  it.each([
    [["DeploymentSpec"], ["deployment-spec"]],
    [["HTTPGetAction", "IPBlock", "PodIP"], ["http-get-action", "ip-block", "pod-ip"]],
    [["X509Cert", "V1Beta1"], ["x509-cert", "v1-beta1"]],
    // names equal but for case get their own files, in type order
    [["FooBar", "FOOBar", "Foobar", "TLS", "Tls"], ["foo-bar", "foo-bar2", "foobar", "tls", "tls2"]],
    // the folder's index and Windows device names (reserved whatever the extension)
    [["Index", "Con", "Nul", "Com1", "Lpt9", "Aux", "Prn"], ["index-type", "con-type", "nul-type", "com1-type", "lpt9-type", "aux-type", "prn-type"]],
    [["IndexType", "Index"], ["index-type", "index-type2"]],
  ])("%j", (types, want) => {
    expect([...typeFileNames(types).values()]).toEqual(want);
  });

  it("cuts very long names, and keeps them unique", () => {
    const long = "A".repeat(30) + "Spec".repeat(40);
    const files = [...typeFileNames([long, `${long}X`]).values()];
    expect(files[0]!.length).toBeLessThanOrEqual(100);
    expect(new Set(files).size).toBe(2);
    expect(files.every((f) => /^[a-z0-9-]+$/.test(f))).toBe(true);
  });
});

describe("applyModuleFunctions: apply-schema structs", () => {
  it("are <type>ApplySchema, clear of factories, extract functions and each other", () => {
    const f = applyModuleFunctions(["Foo", "FooApplySchema", "Then"], [{ typeName: "Foo", status: false }], ["coreV1"]);
    expect([...f.factories.values()]).toEqual(["foo", "fooApplySchema", "then2"]);
    expect([...f.schemas.values()]).toEqual(["fooApplySchema2", "fooApplySchemaApplySchema", "thenApplySchema"]);
  });

  it("names conversion types uniquely in their file: apart from each other, the module aliases and StorageConverter", () => {
    expect(conversionTypeNames(["Widget", "Gadget"], ["xV1", "xV2"])).toEqual(["WidgetConversion", "GadgetConversion"]);
    // Two CRDs whose storage kinds share a type name in different versions of one group.
    expect(conversionTypeNames(["Widget", "Widget"], ["xV1"])).toEqual(["WidgetConversion", "WidgetConversion2"]);
    expect(conversionTypeNames(["Storage"], ["StorageConversion"])).toEqual(["StorageConversion2"]);
  });
});
