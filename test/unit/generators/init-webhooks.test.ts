// `kubegen init controller --webhooks` in-process: the files it adds, the
// manifests' routing (configurations -> Service -> the Pod's port, the
// certificate's Secret -> the Deployment's volume), the CRD's conversion
// stanza added in place (comments and the other documents kept) for a
// multi-version CRD and no change to a single-version one, and sources that
// type-check. (test/integration/init/ installs such a scaffold, type-checks
// its tests and runs them against a real control plane.)
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse, parseAllDocuments } from "yaml";
import { afterAll, describe, expect, it } from "vitest";
import { kubegenIn } from "../../helpers/cli.js";
import { typecheck } from "../../helpers/typecheck.js";

const repo = fileURLToPath(new URL("../../../", import.meta.url));
const fooCrd = join(repo, "examples/sample-controller/crd/foos.yaml");
const work = mkdtempSync(join(tmpdir(), "kubegen-init-webhooks-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const kubegen = (...args: string[]) => kubegenIn(work, ...args);

type Doc = Record<string, any>;
const docs = (file: string): Doc[] => parseAllDocuments(readFileSync(file, "utf8")).map((d) => d.toJS() as Doc);

const version = (name: string, storage: boolean, color = "color") => `    - name: ${name}
      served: true
      storage: ${storage}
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                ${color}: { type: string }
`;

// Two documents, the CRD second, with comments that must survive the edit.
const TWO_VERSIONS = `# a ConfigMap first, to be kept as it is
apiVersion: v1
kind: ConfigMap
metadata: { name: unrelated }
data: { a: "1" }
---
# the Gadget CRD
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gadgets.toys.example.com
  labels: { team: toys } # kept
spec:
  group: toys.example.com
  scope: Cluster
  names: { kind: Gadget, listKind: GadgetList, plural: gadgets, singular: gadget }
  versions:
${version("v1beta1", false, "colour")}${version("v1", true)}`;

describe("kubegen init controller --webhooks: a multi-version CRD", () => {
  const crd = join(work, "gadgets.yaml");
  const out = join(work, "gadget-controller");
  writeFileSync(crd, TWO_VERSIONS);

  it("adds the webhooks, their conversion, manifests and tests, and says where the rules go", async () => {
    const r = await kubegen("init", "controller", "--crd", crd, "--out", out, "--webhooks");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("your webhook rules in src/webhooks.ts");
    for (const f of ["src/webhooks.ts", "src/conversion.ts", "test/webhooks.test.ts", "config/40-webhook-service.yaml", "config/50-webhooks.yaml", "config/cert-manager/certificate.yaml"]) {
      expect(readFileSync(join(out, f), "utf8").length, f).toBeGreaterThan(0);
    }
    // The controller works on the first served version; conversion goes through the storage version v1.
    const conversion = readFileSync(join(out, "src/conversion.ts"), "utf8");
    expect(conversion).toContain('import type { GadgetConversion } from "./generated/toys.example.com/conversion.js";');
    expect(conversion).toContain('storage: "toys.example.com/v1",');
    expect(conversion).toMatch(/toStorage: \{\n.*\n\s+"toys\.example\.com\/v1beta1": \(object\) => sameFields\(object\),/);
    const webhooks = readFileSync(join(out, "src/webhooks.ts"), "utf8");
    expect(webhooks).toContain('import type { Gadget } from "./generated/toys.example.com/v1beta1/index.js";');
    expect(webhooks).toContain(".conversion(WEBHOOK_PATHS.convert, storageConverter(conversion))");
  });

  it("adds the conversion stanza and the CA annotation to the CRD in place, keeping comments and the other document", () => {
    const before = parseAllDocuments(TWO_VERSIONS).map((d) => d.toJS() as Doc);
    const text = readFileSync(join(out, "crd/gadgets.yaml"), "utf8");
    expect(text).toContain("# a ConfigMap first, to be kept as it is");
    expect(text).toContain("# the Gadget CRD");
    expect(text).toContain("# kept");
    const after = docs(join(out, "crd/gadgets.yaml"));
    expect(after[0]).toEqual(before[0]);
    const { conversion, ...spec } = after[1]!.spec;
    expect(spec).toEqual(before[1]!.spec);
    expect(conversion).toEqual({
      strategy: "Webhook",
      webhook: {
        conversionReviewVersions: ["v1"],
        clientConfig: { service: { namespace: "gadget-controller-system", name: "gadget-controller-webhook", path: "/convert", port: 443 } },
      },
    });
    expect(after[1]!.metadata).toEqual({
      ...before[1]!.metadata,
      annotations: { "cert-manager.io/inject-ca-from": "gadget-controller-system/gadget-controller-serving-cert" },
    });
  });

  it("routes each webhook configuration to the Service, the Service to the Pod's webhook port, and mounts the certificate's Secret there", () => {
    const [mutating, validating] = docs(join(out, "config/50-webhooks.yaml"));
    const [service] = docs(join(out, "config/40-webhook-service.yaml"));
    const deployment = parse(readFileSync(join(out, "config/30-deployment.yaml"), "utf8")) as Doc;
    const certificate = docs(join(out, "config/cert-manager/certificate.yaml")).find((d) => d.kind === "Certificate")!;
    expect([mutating!.kind, validating!.kind]).toEqual(["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"]);
    for (const [config, verb] of [[mutating!, "mutate"], [validating!, "validate"]] as const) {
      expect(config.metadata.annotations).toEqual({ "cert-manager.io/inject-ca-from": `${certificate.metadata.namespace}/${certificate.metadata.name}` });
      const [hook] = config.webhooks;
      expect(hook.name).toBe(`${verb}.gadgets.toys.example.com`);
      expect(hook.clientConfig.service).toEqual({ namespace: service!.metadata.namespace, name: service!.metadata.name, path: `/${verb}-toys-example-com-v1beta1-gadget`, port: 443 });
      expect(hook.rules).toEqual([{ apiGroups: ["toys.example.com"], apiVersions: ["v1beta1"], operations: ["CREATE", "UPDATE"], resources: ["gadgets"], scope: "Cluster" }]);
      expect(hook).toMatchObject({ failurePolicy: "Fail", sideEffects: "None", matchPolicy: "Equivalent", admissionReviewVersions: ["v1"] });
    }
    const pod = deployment.spec.template.spec;
    expect(service!.spec.selector).toEqual(deployment.spec.selector.matchLabels);
    expect(service!.spec.ports).toEqual([{ name: "webhook", port: 443, targetPort: "webhook", protocol: "TCP" }]);
    const [container] = pod.containers;
    expect(container.ports).toContainEqual({ name: "webhook", containerPort: 9443, protocol: "TCP" });
    expect(container.args).toEqual(["--leader-elect", "--health-port=8081", "--webhook-port=9443", "--webhook-cert-dir=/tmp/k8s-webhook-server/serving-certs"]);
    expect(container.volumeMounts).toEqual([{ name: "webhook-cert", mountPath: "/tmp/k8s-webhook-server/serving-certs", readOnly: true }]);
    expect(pod.volumes).toEqual([{ name: "webhook-cert", secret: { secretName: certificate.spec.secretName, defaultMode: 0o440 /* written as 288 */ } }]);
    expect(pod.securityContext.fsGroup).toBe(65532);
    expect(certificate.spec.dnsNames).toEqual(["gadget-controller-webhook.gadget-controller-system.svc", "gadget-controller-webhook.gadget-controller-system.svc.cluster.local"]);
  });

  it("refuses a CRD whose YAML has no map to add the annotation to, naming the file, and writes nothing", async () => {
    const bad = join(work, "scalar-annotations.yaml");
    writeFileSync(bad, TWO_VERSIONS.replace("  labels: { team: toys } # kept", '  labels: { team: toys }\n  annotations: "not a map"'));
    const r = await kubegen("init", "controller", "--crd", bad, "--out", join(work, "never"), "--webhooks");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/scalar-annotations\.yaml/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(() => readFileSync(join(work, "never", "package.json"))).toThrow(/ENOENT/);
  });

  it("type-checks", () => {
    expect(typecheck([join(out, "src")]).errors).toEqual([]);
  });
});

describe("kubegen init controller --webhooks: a single-version CRD", () => {
  it("adds the admission webhooks only, and copies the CRD unchanged", async () => {
    const out = join(work, "foo-controller");
    const r = await kubegen("init", "controller", "--crd", fooCrd, "--out", out, "--webhooks", "-q");
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(out, "crd/foos.yaml"), "utf8")).toBe(readFileSync(fooCrd, "utf8"));
    expect(() => readFileSync(join(out, "src/conversion.ts"))).toThrow(/ENOENT/);
    const webhooks = readFileSync(join(out, "src/webhooks.ts"), "utf8");
    expect(webhooks).not.toMatch(/conversion|storageConverter/);
    expect(readFileSync(join(out, "test/webhooks.test.ts"), "utf8")).not.toContain("the conversion webhook");
    expect(typecheck([join(out, "src")]).errors).toEqual([]);
  });

  it("without --webhooks, adds none of it", async () => {
    const out = join(work, "plain-controller");
    const r = await kubegen("init", "controller", "--crd", fooCrd, "--out", out, "-q");
    expect(r.code, r.stderr).toBe(0);
    for (const f of ["src/webhooks.ts", "config/50-webhooks.yaml", "test/webhooks.test.ts"]) expect(() => readFileSync(join(out, f)), f).toThrow(/ENOENT/);
    expect(readFileSync(join(out, "src/manager.ts"), "utf8")).not.toMatch(/webhook/i);
    expect(readFileSync(join(out, "config/30-deployment.yaml"), "utf8")).not.toMatch(/webhook/i);
  });
});
