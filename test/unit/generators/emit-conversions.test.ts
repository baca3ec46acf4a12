// Conversions as a plan and a view (ir/plan.ts conversionPlans, emit/conversions.ts): which CRDs
// get a conversion type (served in several versions of the run, storage version included), in
// what order their versions come, and what `<group>/conversion.ts` prints for them.
import { describe, expect, it } from "vitest";
import { emitConversions } from "../../../generators/emit/conversions.js";
import { planModel } from "../../../generators/ir/plan.js";
import type { CrdVersionInfo, GroupVersion } from "../../../generators/ir/types.js";
import { TemplateSet } from "../../../generators/render/templates.js";
import { META, groupVersion, resource, type } from "./given-ir.js";

const crd = (crdName: string, version: string, storage: boolean, allVersions: string[], served = true): CrdVersionInfo => ({
  crdName,
  served,
  storage,
  deprecated: false,
  allVersions,
  selectableFields: [],
});
const versionOf = (group: string, version: string, kinds: { kind: string; plural: string; crd: CrdVersionInfo }[]): GroupVersion =>
  groupVersion(
    group,
    version,
    `${group.split(".")[0]}${version[0]!.toUpperCase()}${version.slice(1)}`,
    kinds.map((k) => type(k.kind, [META], { gvk: { apiVersion: `${group}/${version}`, kind: k.kind } })),
    kinds.map((k) => resource(k.kind, k.plural, { crd: k.crd })),
  );

const ALL = ["v2", "v1", "v1beta1"];
// widgets: v1 stores, v2 and v1beta1 are served too; gizmos: one version; gadgets: its storage version is not served.
const model = {
  groupVersions: [
    versionOf("x.dev", "v1beta1", [{ kind: "Widget", plural: "widgets", crd: crd("widgets.x.dev", "v1beta1", false, ALL) }]),
    versionOf("x.dev", "v1", [
      { kind: "Widget", plural: "widgets", crd: crd("widgets.x.dev", "v1", true, ALL) },
      { kind: "Gizmo", plural: "gizmos", crd: crd("gizmos.x.dev", "v1", true, ["v1"]) },
    ]),
    versionOf("x.dev", "v2", [
      { kind: "Widget", plural: "widgets", crd: crd("widgets.x.dev", "v2", false, ALL) },
      { kind: "Gadget", plural: "gadgets", crd: crd("gadgets.x.dev", "v2", false, ["v1", "v2"]) },
    ]),
  ],
};

describe("conversion plans", () => {
  const plan = planModel(model);

  it("take CRDs served in several versions with the storage one among them, other versions in the CRD's order", () => {
    expect(plan.conversions).toEqual([
      {
        crdName: "widgets.x.dev",
        typeName: "WidgetConversion",
        kind: "Widget",
        folder: "x.dev",
        storage: { apiVersion: "x.dev/v1", modulePath: "x.dev/v1", alias: "xV1", typeName: "Widget" },
        others: [
          { apiVersion: "x.dev/v2", modulePath: "x.dev/v2", alias: "xV2", typeName: "Widget" },
          { apiVersion: "x.dev/v1beta1", modulePath: "x.dev/v1beta1", alias: "xV1beta1", typeName: "Widget" },
        ],
      },
    ]);
  });

  it("print one conversion.ts per group: the storage kind and each other version's, typed", () => {
    const files = emitConversions(plan);
    expect(files.map((f) => f.path)).toEqual(["x.dev/conversion.ts"]);
    const text = new TemplateSet().render(files[0]!);
    expect(text).toContain('import type * as xV1 from "./v1/types/index.js";');
    expect(text).toContain(
      ['export type WidgetConversion = StorageConverter<', "  xV1.Widget,", "  {", '    "x.dev/v2": xV2.Widget;', '    "x.dev/v1beta1": xV1beta1.Widget;', "  }", ">;"].join("\n"),
    );
  });

  it("are none for built-in APIs", () => {
    expect(planModel({ groupVersions: [groupVersion("apps", "v1", "appsV1", [type("Deployment", [META])], [resource("Deployment", "deployments")])] }).conversions).toEqual([]);
  });
});
