// sharedHoistedNames: names for hoisted CRD sub-schemas from every place they
// are used, as a table of given/want cases. Names never depend on the order
// of the uses or of the types.
import { describe, expect, it } from "vitest";
import { sharedHoistedNames, type HoistedUse } from "../../../generators/ir/naming.js";

const use = (kind: string, path: string): HoistedUse => ({ kind, path: path.split(".") });

describe("sharedHoistedNames", () => {
  const cases: { name: string; types: HoistedUse[][]; want: string[] }[] = [
    {
      name: "one use each: kind, first property, shortest unique tail",
      types: [[use("Issuer", "spec.acme.solvers.dns01.route53")], [use("Issuer", "spec.vault.auth")], [use("Issuer", "spec.venafi.auth")]],
      want: ["IssuerSpecRoute53", "IssuerSpecVaultAuth", "IssuerSpecVenafiAuth"],
    },
    {
      name: "uses in one kind: the common tail after the shared first property, not the first path",
      types: [[use("Task", "spec.stepTemplate.computeResources"), use("Task", "spec.steps.computeResources"), use("Task", "spec.sidecars.computeResources")], [use("Task", "spec.stepTemplate")]],
      want: ["TaskSpecComputeResources", "TaskSpecStepTemplate"],
    },
    {
      name: "a tail two types share is lengthened until it is unique",
      types: [[use("Task", "spec.steps.computeResources"), use("Task", "spec.stepTemplate.computeResources")], [use("Task", "spec.sidecars.computeResources")]],
      want: ["TaskSpecComputeResources", "TaskSpecSidecarsComputeResources"],
    },
    {
      name: "uses ending differently: the first use in path order",
      types: [[use("Task", "status.applied"), use("Task", "spec.limits")]],
      want: ["TaskSpecLimits"],
    },
    {
      name: "several kinds: the words their names end with, else start with, else the group's first label",
      types: [
        [use("ClusterIssuer", "spec.acme"), use("Issuer", "spec.acme")],
        [use("HTTPRoute", "spec.parentRefs"), use("GRPCRoute", "spec.parentRefs")],
        [use("Certificate", "spec.subject"), use("CertificateRequest", "spec.subject")],
        [use("Prometheus", "spec.affinity"), use("Alertmanager", "spec.affinity")],
      ],
      want: ["IssuerSpecAcme", "RouteSpecParentRefs", "CertificateSpecSubject", "MonitoringSpecAffinity"],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(sharedHoistedNames(c.types, "monitoring.coreos.com")).toEqual(c.want);
      // The same uses in another order give the same names.
      const reversed = [...c.types].reverse().map((t) => [...t].reverse());
      expect(sharedHoistedNames(reversed, "monitoring.coreos.com")).toEqual([...c.want].reverse());
    });
  }
});
