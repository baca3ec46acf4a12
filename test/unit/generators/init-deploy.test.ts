// The scaffold's deployment (generators/init/deploy-view.ts and
// templates/init/config/*): the RBAC rules for each kind of CRD, the names
// derived from the npm name, the YAML escaping, and the rendered manifests,
// parsed back with the yaml package. (test/integration/init/ applies them to
// a real API server and runs the controller with only their permissions.)
import { parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import { yamlString } from "../../../generators/ir/escape.js";
import { CONFIG_FILES, clusterRules, deployNames, deployView, dnsLabel, leaderElectionRules, type RbacFacts } from "../../../generators/init/deploy-view.js";
import { InitTemplates } from "../../../generators/init/templates.js";

type Rule = { apiGroups: string[]; resources: string[]; resourceNames?: string[]; verbs: string[] };

/** Rules as the API server sees them (no comments, no empty resourceNames). */
function plain(rules: ReturnType<typeof clusterRules>): Rule[] {
  return rules.map((r) => ({
    apiGroups: [...r.apiGroups],
    resources: [...r.resources],
    ...(r.resourceNames.length > 0 ? { resourceNames: [...r.resourceNames] } : {}),
    verbs: [...r.verbs],
  }));
}

const events: Rule = { apiGroups: ["events.k8s.io"], resources: ["events"], verbs: ["create", "patch"] };

describe("clusterRules", () => {
  const cases: { name: string; given: RbacFacts; want: Rule[] }[] = [
    {
      name: "a namespaced kind whose status the reconcile applies",
      given: { group: "samplecontroller.kubegen.dev", plural: "foos", appliesStatus: true, leaseName: "foo-controller" },
      want: [
        { apiGroups: ["samplecontroller.kubegen.dev"], resources: ["foos"], verbs: ["list", "watch"] },
        { apiGroups: ["samplecontroller.kubegen.dev"], resources: ["foos"], verbs: ["patch"] },
        { apiGroups: ["samplecontroller.kubegen.dev"], resources: ["foos/status"], verbs: ["patch"] },
        events,
      ],
    },
    {
      name: "a kind without a status the reconcile applies (no status subresource, or required fields): no status rule",
      given: { group: "demo.kubegen.dev", plural: "gadgets", appliesStatus: false, leaseName: "gadget-controller" },
      want: [
        { apiGroups: ["demo.kubegen.dev"], resources: ["gadgets"], verbs: ["list", "watch"] },
        { apiGroups: ["demo.kubegen.dev"], resources: ["gadgets"], verbs: ["patch"] },
        events,
      ],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(plain(clusterRules(c.given))).toEqual(c.want);
    });
  }

  it("never grants get, create, update, delete or a wildcard on the kind", () => {
    for (const appliesStatus of [true, false]) {
      const verbs = clusterRules({ group: "g.example.com", plural: "things", appliesStatus, leaseName: "x" }).flatMap((r) => r.verbs);
      for (const v of ["get", "update", "delete", "deletecollection", "*"]) expect(verbs).not.toContain(v);
    }
  });
});

describe("leaderElectionRules", () => {
  it("create on leases (a name cannot limit create), get and update on the one Lease", () => {
    expect(plain(leaderElectionRules({ group: "g", plural: "p", appliesStatus: false, leaseName: "widget-controller" }))).toEqual([
      { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["create"] },
      { apiGroups: ["coordination.k8s.io"], resources: ["leases"], resourceNames: ["widget-controller"], verbs: ["get", "update"] },
    ]);
  });
});

describe("names", () => {
  const cases: { given: string; want: string | undefined }[] = [
    { given: "foo-controller", want: "foo-controller" },
    { given: "My_Thing.v2~x", want: "my-thing-v2-x" },
    { given: "--a--", want: "a" },
    { given: "___", want: undefined },
    { given: "a".repeat(80), want: "a".repeat(63) },
    { given: `${"a".repeat(62)}-b`, want: "a".repeat(62) },
  ];
  for (const c of cases) {
    it(`dnsLabel(${JSON.stringify(c.given.slice(0, 20))}) is ${JSON.stringify(c.want)}`, () => {
      expect(dnsLabel(c.given)).toBe(c.want);
    });
  }

  it("drops an npm scope, keeps room for suffixes, and falls back to the controller's name", () => {
    expect(deployNames("@acme/foo-controller", "foo-controller")).toEqual({
      name: "foo-controller",
      namespace: "foo-controller-system",
      leaderElectionRole: "foo-controller-leader-election",
      image: "registry.example.com/foo-controller:0.1.0",
    });
    const long = deployNames("x".repeat(214), "fallback");
    expect(long.name).toHaveLength(40);
    expect(long.leaderElectionRole.length).toBeLessThanOrEqual(63);
    expect(deployNames("@s/___", "bar-controller").name).toBe("bar-controller");
  });
});

describe("yamlString", () => {
  const awkward = ["yes", "no", "on", "~", "null", "0x10", "1e3", "- a", "a: b", "# c", "'q'", '"dq"', "\\", "tab\there", "line\nbreak", "\u0085\u2028\u2029\ufeff\u007f", "&anchor", "*alias", "!tag", "%dir", "@", "`"];
  for (const s of awkward) {
    it(`round-trips ${JSON.stringify(s)} as a string`, () => {
      const doc = parseAllDocuments(`key: ${yamlString(s)}\n`);
      expect(doc).toHaveLength(1);
      expect(doc[0]!.errors).toEqual([]);
      expect(doc[0]!.toJS()).toEqual({ key: s });
    });
  }

  it("escapes the characters YAML does not allow raw", () => {
    expect(yamlString("\u0085\u2028\ufeff")).toBe('"\\u0085\\u2028\\ufeff"');
  });
});

describe("templates/init/config", () => {
  const templates = new InitTemplates();
  const facts: RbacFacts = { group: "demo.kubegen.dev", plural: "widgets", appliesStatus: true, leaseName: "widget-controller" };
  const view = { plural: facts.plural, deploy: deployView("@acme/widget-controller", facts) };
  const docs = CONFIG_FILES.flatMap((f) =>
    parseAllDocuments(templates.render(`config/${f}`, view)).map((d) => {
      expect(d.errors, f).toEqual([]);
      return d.toJS() as { kind: string; metadata: { name: string; namespace?: string }; [k: string]: unknown };
    }),
  );
  const byKind = (kind: string) => docs.find((d) => d.kind === kind)!;

  it("renders the Namespace, ServiceAccount, RBAC and Deployment, namespaced objects in <name>-system", () => {
    expect(docs.map((d) => `${d.kind}/${d.metadata.namespace ?? ""}/${d.metadata.name}`)).toEqual([
      "Namespace//widget-controller-system",
      "ServiceAccount/widget-controller-system/widget-controller",
      "ClusterRole//widget-controller",
      "ClusterRoleBinding//widget-controller",
      "Role/widget-controller-system/widget-controller-leader-election",
      "RoleBinding/widget-controller-system/widget-controller-leader-election",
      "Deployment/widget-controller-system/widget-controller",
    ]);
  });

  it("writes exactly the view's rules, and binds them to the ServiceAccount", () => {
    expect(byKind("ClusterRole").rules).toEqual(plain(clusterRules(facts)));
    expect(byKind("Role").rules).toEqual(plain(leaderElectionRules(facts)));
    const subject = [{ kind: "ServiceAccount", name: "widget-controller", namespace: "widget-controller-system" }];
    expect(byKind("ClusterRoleBinding")).toMatchObject({ roleRef: { kind: "ClusterRole", name: "widget-controller" }, subjects: subject });
    expect(byKind("RoleBinding")).toMatchObject({ roleRef: { kind: "Role", name: "widget-controller-leader-election" }, subjects: subject });
  });

  it("runs the Deployment non-root, read-only, with probes, metrics, leader election and resources", () => {
    const template = (byKind("Deployment").spec as { template: { metadata: { annotations: Record<string, string> }; spec: Record<string, any> } }).template;
    const pod = template.spec;
    const container = pod.containers[0];
    expect(pod.serviceAccountName).toBe("widget-controller");
    expect(pod.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: "RuntimeDefault" } });
    expect(container.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 65532,
      runAsGroup: 65532,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
    });
    expect(container.image).toBe("registry.example.com/widget-controller:0.1.0");
    expect(container.args).toEqual(["--leader-elect", "--health-port=8081"]);
    expect(container.env).toContainEqual({ name: "POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } });
    expect(container.ports).toEqual([{ name: "metrics", containerPort: 8081, protocol: "TCP" }]);
    expect(container.livenessProbe.httpGet).toEqual({ path: "/healthz", port: "metrics" });
    expect(container.readinessProbe.httpGet).toEqual({ path: "/readyz", port: "metrics" });
    expect(container.resources).toEqual({ requests: { cpu: "50m", memory: "96Mi" }, limits: { memory: "256Mi" } });
    expect(template.metadata.annotations).toEqual({ "prometheus.io/scrape": "true", "prometheus.io/port": "8081", "prometheus.io/path": "/metrics" });
  });
});
