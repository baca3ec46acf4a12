// ir/plan.ts as tables of given/want cases: the names and facts derived once
// per resource and group-version, including the collision rules.
import { describe, expect, it } from "vitest";
import { planModel } from "../../../generators/ir/plan.js";
import type { ApiModel, Field, GroupVersion, Resource, TypeDef, Verb } from "../../../generators/ir/types.js";

const source = { file: "given.yaml", pointer: "" };
const ALL: Verb[] = ["create", "update", "delete", "deletecollection", "get", "list", "watch", "patch"];
const META: Field = { name: "metadata", type: { kind: "ref", target: { runtime: "ObjectMeta" } }, required: false, nullable: false, source, validations: [] };

function type(name: string, extra: Partial<TypeDef> = {}): TypeDef {
  return { name, fields: [], preserveUnknownFields: false, embeddedResource: false, mapType: "granular", source, validations: [], ...extra };
}

/** A kind (with metadata), its list type, and its resource. */
function kind(name: string, plural: string, extra: Partial<Resource> = {}): { types: TypeDef[]; resource: Resource } {
  return {
    types: [type(name, { fields: [META], gvk: { apiVersion: "given.dev/v1", kind: name } }), type(`${name}List`, { listOf: name })],
    resource: {
      kind: name,
      typeName: name,
      listKind: `${name}List`,
      plural,
      singular: plural,
      shortNames: [],
      categories: [],
      namespaced: true,
      verbs: ALL,
      subresources: [],
      source,
      ...extra,
    },
  };
}

function groupVersion(kinds: ReturnType<typeof kind>[], types: TypeDef[] = []): GroupVersion {
  return {
    group: "given.dev",
    version: "v1",
    names: { modulePath: "given.dev/v1", accessor: "givenV1", typePrefix: "GivenV1", apiVersion: "given.dev/v1" },
    resources: kinds.map((k) => k.resource),
    types: [...kinds.flatMap((k) => k.types), ...types].sort((a, b) => (a.name < b.name ? -1 : 1)),
  };
}

const core: GroupVersion = {
  group: "",
  version: "v1",
  names: { modulePath: "core/v1", accessor: "coreV1", typePrefix: "CoreV1", apiVersion: "v1" },
  resources: [],
  types: [type("Plain")],
};

describe("planModel: resource names", () => {
  it.each([
    // kind, plural, getter, clientType, implClass, infoConst, lister, namespaceAccessor, informer
    ["Deployment", "deployments", "deployments", "DeploymentsClient", "DeploymentsClientImpl", "deploymentsResource", "DeploymentLister", "deployments", "DeploymentInformer"],
    ["NetworkPolicy", "networkpolicies", "networkPolicies", "NetworkPoliciesClient", "NetworkPoliciesClientImpl", "networkPoliciesResource", "NetworkPolicyLister", "networkPolicies", "NetworkPolicyInformer"],
    // Object.prototype members and `new` (a construct signature in the lister interface) are suffixed.
    ["Constructor", "constructor", "constructor2", "Constructor2Client", "Constructor2ClientImpl", "constructor2Resource", "ConstructorLister", "constructor2", "ConstructorInformer"],
    ["New", "new", "new2", "New2Client", "New2ClientImpl", "new2Resource", "NewLister", "new2", "NewInformer"],
    ["ForConfig", "forconfig", "forConfig2", "ForConfig2Client", "ForConfig2ClientImpl", "forConfig2Resource", "ForConfigLister", "forConfig2", "ForConfigInformer"],
    // A getter that is a ResourceLister member keeps its name on the client, not on the lister.
    ["List", "list", "list", "ListClient", "ListClientImpl", "listResource", "ListLister", "list2", "ListInformer"],
    ["Then", "thens", "thens", "ThensClient", "ThensClientImpl", "thensResource", "ThenLister", "thens", "ThenInformer"],
  ])("%s (%s)", (k, plural, getter, clientType, implClass, infoConst, lister, namespaceAccessor, informer) => {
    const gv = groupVersion([kind(k, plural)]);
    const [r] = planModel({ groupVersions: [gv] }).groupVersion(gv).resources;
    expect(r!.names).toEqual({
      getter,
      clientType,
      implClass,
      infoConst,
      lister: {
        lister,
        namespaceLister: `${k}NamespaceLister`,
        listerImpl: `${k}ListerImpl`,
        newLister: `new${k}Lister`,
        resourceConst: `${getter}ListerResource`,
        informer,
        namespaceAccessor,
      },
    });
  });

  it("gives lister names only to resources that serve list and watch, unique among them", () => {
    const gv = groupVersion([kind("Foo", "foos"), kind("Bar", "bars", { verbs: ["get", "create"] })]);
    const p = planModel({ groupVersions: [gv] }).groupVersion(gv);
    expect(p.resources.map((r) => [r.resource.kind, r.names.getter, r.names.lister?.lister])).toEqual([
      ["Foo", "foos", "FooLister"],
      ["Bar", "bars", undefined],
    ]);
    expect(p.listable.map((r) => r.resource.kind)).toEqual(["Foo"]);
    expect(p.has).toEqual({ applyconfigurations: true, client: true, listers: true });
  });

  it("gives every type its file in the one-file-per-type folders, and every builder type its apply-schema struct", () => {
    const gv = groupVersion([kind("Foo", "foos"), kind("FOO", "fooz")]);
    const p = planModel({ groupVersions: [gv] }).groupVersion(gv);
    // In the module's type order (here sorted: FOO before Foo).
    expect([...p.typeFiles.entries()].filter(([t]) => t === "Foo" || t === "FOO")).toEqual([
      ["FOO", "foo"],
      ["Foo", "foo2"],
    ]);
    expect(p.applyStructs.get("Foo")).toBe("fooApplySchema");
    expect(p.applyStructs.get("FOO")).toBe("fOOApplySchema");
  });

  it("keeps getters unique within the module", () => {
    // `constructor` is taken by Object.prototype, so the first takes `constructor2`, and the
    // second's own `constructor2` is then taken: it is suffixed in turn (uniqueName).
    const gv = groupVersion([kind("Constructor", "constructor"), kind("Constructor2", "constructor2")]);
    const p = planModel({ groupVersions: [gv] }).groupVersion(gv);
    expect(p.resources.map((r) => r.names.getter)).toEqual(["constructor2", "constructor22"]);
  });
});

describe("planModel: group-version facts", () => {
  const foo = kind("Foo", "foos", { subresources: [{ name: "status", verbs: ["get", "update", "patch"], stream: false }] });
  const then = kind("Then", "thens");
  const unpatchable = kind("Frozen", "frozens", { verbs: ["get", "list", "watch"] });
  const extra = [type("FooApplyConfiguration"), type("Alias", { alias: { kind: "string" } }), type("CoreV1")];
  const gv = groupVersion([foo, then, unpatchable], extra);
  const model: ApiModel = { groupVersions: [core, gv] };
  const plan = planModel(model);
  const p = plan.groupVersion(gv);

  it.each([
    // type, builder?, builder class, factory
    ["Foo", true, "FooApplyConfiguration2", "foo"],
    ["FooApplyConfiguration", true, "FooApplyConfigurationApplyConfiguration", "fooApplyConfiguration"],
    ["FooList", false, "FooListApplyConfiguration", undefined],
    ["Alias", false, "AliasApplyConfiguration", undefined],
    // `then` would make the module a thenable; `coreV1` is another module's import alias.
    ["Then", true, "ThenApplyConfiguration", "then2"],
    ["CoreV1", true, "CoreV1ApplyConfiguration", "coreV12"],
  ])("%s", (name, builder, className, factory) => {
    expect(p.builderTypes.some((t) => t.name === name)).toBe(builder);
    expect(p.builderClasses.get(name)).toBe(className);
    expect(p.factories.get(name)).toBe(factory);
    expect(p.types.get(name)?.name).toBe(name);
  });

  it("derives extraction functions for patchable kinds with metadata", () => {
    expect(Object.fromEntries(p.extracts)).toEqual({
      Foo: { main: "extractFoo", status: "extractFooStatus" },
      Then: { main: "extractThen" },
    });
  });

  it("records per resource its types and whether apply takes a builder", () => {
    expect(p.resources.map((r) => [r.resource.kind, r.kindType?.name, r.listType?.name, r.hasBuilder])).toEqual([
      ["Foo", "Foo", "FooList", true],
      ["Then", "Then", "ThenList", true],
      ["Frozen", "Frozen", "FrozenList", true],
    ]);
    expect(p.resourceOfType.get("Then")?.plural).toBe("thens");
    expect(p.resourceOfType.has("Alias")).toBe(false);
  });

  it("brands each applied builder with its group-version and kind, once for the client and the builder", () => {
    expect(p.resources.map((r) => r.applyBrand)).toEqual(["given.dev/v1, Kind=Foo", "given.dev/v1, Kind=Then", "given.dev/v1, Kind=Frozen"]);
    expect([...p.applyBrands]).toEqual(p.resources.map((r) => [r.resource.typeName, r.applyBrand]));
  });

  it("names the group classes and the artifacts each module has", () => {
    expect([p.clientClass, p.informersClass]).toEqual(["GivenV1Client", "GivenV1Informers"]);
    expect(plan.groupVersion(core).has).toEqual({ applyconfigurations: true, client: false, listers: false });
    expect(plan.module("core/v1")?.gv).toBe(core);
    expect(plan.module("missing/v1")).toBeUndefined();
    expect(Object.fromEntries(plan.accessors)).toEqual({ "core/v1": "coreV1", "given.dev/v1": "givenV1" });
    expect(() => plan.groupVersion({ ...gv })).toThrow(/not in the planned model/);
  });

  it("leaves the IR as it was (ir.json does not change)", () => {
    const before = JSON.stringify(model);
    planModel(model);
    expect(JSON.stringify(model)).toBe(before);
  });
});
