// The webhook server (@kubegen/runtime/webhook) called by the real kube-apiserver over HTTPS on
// loopback (`clientConfig.url`, the test CA as `caBundle`, a serving certificate that CA signed):
// a validating webhook denies with the handler's message and allows good objects; a mutating
// webhook's patch is in the stored object; a webhook that times out is refused under
// failurePolicy Fail and let through under Ignore; a multi-version CRD with `strategy: Webhook`
// stores v1 and reads and writes v2 through the converter, round trips lose nothing and a list
// of mixed versions converts; a serving certificate replaced mid-run keeps the server answering.
// Webhook configurations select this file's namespace only, and are removed afterwards.
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ApiError, DynamicClient, loadConfig, type KubernetesObject, type Unstructured } from "@kubegen/runtime";
import { issueServingCertificate } from "@kubegen/runtime/testing";
import { WebhookServer, allow, deny, storageConverter } from "@kubegen/runtime/webhook";
import { controlPlane, useTestNamespace } from "../../helpers/cluster.js";

const cp = controlPlane();
const ns = useTestNamespace(cp, "webhook");
const suffix = randomBytes(3).toString("hex");
const group = `wh${suffix}.kubegen.dev`;
const VALIDATING = `kubegen-test-validating-${suffix}`;
const MUTATING = `kubegen-test-mutating-${suffix}`;
const CRD = `widgets.${group}`;

type ConfigMap = KubernetesObject & { data?: Record<string, string> };
type WidgetV1 = KubernetesObject & { spec: { size: number; color?: string } };
type WidgetV2 = KubernetesObject & { spec: { replicas: number; paint?: { color: string } } };

describe.skipIf(!cp)("webhooks called by kube-apiserver", () => {
  let dir: string;
  let server: WebhookServer;
  let dyn: DynamicClient;
  let caBundle: string;
  const reloaded: string[] = [];
  const gvr = (resource: string, group = "", version = "v1") => ({ group, version, resource });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "kubegen-webhook-it-"));
    const issue = (name: string) => issueServingCertificate({ dir, name, caCertFile: cp!.caCertPath, caKeyFile: cp!.caKeyPath, hosts: ["127.0.0.1"] });
    await issue("first");
    await issue("second");
    for (const f of ["crt", "key"]) writeFileSync(join(dir, `tls.${f}`), readFileSync(join(dir, `first.${f}`)));
    caBundle = Buffer.from(cp!.caPem).toString("base64");

    server = new WebhookServer({
      certFile: join(dir, "tls.crt"),
      keyFile: join(dir, "tls.key"),
      port: 0,
      host: "127.0.0.1",
      certCheckMs: 100,
      logger: { info: (m) => void reloaded.push(m), error: () => {} },
    })
      .validating<ConfigMap>("/validate", (req) => (req.object?.data?.bad ? deny(`bad data in ${req.object.metadata!.name}`) : allow()))
      .mutating<ConfigMap>("/mutate", (obj) => {
        obj.metadata!.labels = { ...obj.metadata!.labels, mutated: "yes" };
        return obj;
      })
      .validating("/slow", () => new Promise((r) => setTimeout(() => r(allow()), 5_000)))
      .conversion(
        "/convert",
        storageConverter<WidgetV1, { [k: string]: WidgetV2 }>({
          storage: `${group}/v1`,
          toStorage: {
            [`${group}/v2`]: (o) => ({ ...o, spec: { size: o.spec.replicas, ...(o.spec.paint ? { color: o.spec.paint.color } : {}) } }),
          },
          fromStorage: {
            [`${group}/v2`]: (o) => ({ ...o, spec: { replicas: o.spec.size, ...(o.spec.color ? { paint: { color: o.spec.color } } : {}) } }),
          },
        }),
      );
    await server.start();
    const url = (path: string) => `https://127.0.0.1:${server.port}${path}`;
    const config = await loadConfig({ kubeconfigPath: cp!.kubeconfigPath });
    dyn = new DynamicClient(config);
    const inThisNamespace = { matchLabels: { "kubernetes.io/metadata.name": ns() } };
    const rule = { apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["configmaps"], scope: "Namespaced" };
    const hook = (name: string, path: string, policy: string, selector: object, timeoutSeconds = 5) => ({
      name,
      clientConfig: { url: url(path), caBundle },
      rules: [rule],
      namespaceSelector: inThisNamespace,
      objectSelector: selector,
      failurePolicy: policy,
      sideEffects: "None",
      admissionReviewVersions: ["v1"],
      timeoutSeconds,
    });
    await dyn.resource(gvr("validatingwebhookconfigurations", "admissionregistration.k8s.io")).create({
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "ValidatingWebhookConfiguration",
      metadata: { name: VALIDATING },
      webhooks: [
        hook("validate.kubegen.dev", "/validate", "Fail", { matchLabels: { hook: "validate" } }),
        hook("slow-fail.kubegen.dev", "/slow", "Fail", { matchLabels: { hook: "slow-fail" } }, 1),
        hook("slow-ignore.kubegen.dev", "/slow", "Ignore", { matchLabels: { hook: "slow-ignore" } }, 1),
      ],
    } as Unstructured);
    await dyn.resource(gvr("mutatingwebhookconfigurations", "admissionregistration.k8s.io")).create({
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "MutatingWebhookConfiguration",
      metadata: { name: MUTATING },
      webhooks: [{ ...hook("mutate.kubegen.dev", "/mutate", "Fail", { matchLabels: { hook: "mutate" } }), reinvocationPolicy: "Never" }],
    } as Unstructured);
    const schema = (spec: object) => ({ openAPIV3Schema: { type: "object", properties: { spec: { type: "object", properties: spec } } } });
    await dyn.resource(gvr("customresourcedefinitions", "apiextensions.k8s.io")).create({
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: CRD },
      spec: {
        group,
        scope: "Namespaced",
        names: { plural: "widgets", singular: "widget", kind: "Widget", listKind: "WidgetList" },
        versions: [
          { name: "v1", served: true, storage: true, schema: schema({ size: { type: "integer" }, color: { type: "string" } }) },
          { name: "v2", served: true, storage: false, schema: schema({ replicas: { type: "integer" }, paint: { type: "object", properties: { color: { type: "string" } } } }) },
        ],
        conversion: { strategy: "Webhook", webhook: { conversionReviewVersions: ["v1"], clientConfig: { url: url("/convert"), caBundle } } },
      },
    } as Unstructured);
    await vi.waitFor(
      async () => {
        const crd = await dyn.resource(gvr("customresourcedefinitions", "apiextensions.k8s.io")).get(CRD);
        expect((crd.status as { conditions?: { type: string; status: string }[] }).conditions).toContainEqual(expect.objectContaining({ type: "Established", status: "True" }));
      },
      { timeout: 20_000, interval: 100 },
    );
  }, 60_000);

  afterAll(async () => {
    await dyn?.resource(gvr("validatingwebhookconfigurations", "admissionregistration.k8s.io")).delete(VALIDATING).catch(() => {});
    await dyn?.resource(gvr("mutatingwebhookconfigurations", "admissionregistration.k8s.io")).delete(MUTATING).catch(() => {});
    await dyn?.resource(gvr("customresourcedefinitions", "apiextensions.k8s.io")).delete(CRD).catch(() => {});
    await server?.stop(5_000);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const configMaps = () => dyn.resource(gvr("configmaps")).namespace(ns());
  const cm = (name: string, hook: string, data: Record<string, string> = {}): Unstructured => ({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name, labels: { hook } },
    data,
  });
  const refusal = (p: Promise<unknown>) => p.then(() => undefined, (err: unknown) => err);

  it("a validating webhook denies a bad object with the handler's message and allows a good one", async () => {
    // the API server picks up new webhook configurations within a moment
    await vi.waitFor(
      async () => {
        const err = await refusal(configMaps().create(cm(`bad-${randomBytes(2).toString("hex")}`, "validate", { bad: "1" })));
        expect(err instanceof ApiError && err.code).toBe(403);
        expect((err as Error).message).toContain('admission webhook "validate.kubegen.dev" denied the request: bad data in bad-');
      },
      { timeout: 20_000, interval: 200 },
    );
    const good = await configMaps().create(cm("good", "validate", { fine: "1" }));
    expect(good.metadata?.name).toBe("good");
  });

  it("a mutating webhook's patch shows in the stored object", async () => {
    await vi.waitFor(
      async () => {
        const name = `m-${randomBytes(2).toString("hex")}`;
        await configMaps().create(cm(name, "mutate"));
        const stored = await configMaps().get(name);
        expect(stored.metadata?.labels).toEqual({ hook: "mutate", mutated: "yes" });
      },
      { timeout: 20_000, interval: 200 },
    );
  });

  it("a webhook that times out refuses the request under failurePolicy Fail and lets it through under Ignore", async () => {
    await vi.waitFor(
      async () => {
        const err = await refusal(configMaps().create(cm(`sf-${randomBytes(2).toString("hex")}`, "slow-fail")));
        expect(err instanceof ApiError && err.code).toBe(500);
        expect((err as Error).message).toMatch(/failed calling webhook "slow-fail.kubegen.dev".*(deadline|timeout)/i);
      },
      { timeout: 30_000, interval: 200 },
    );
    const through = await configMaps().create(cm("slow-ignored", "slow-ignore"));
    expect(through.metadata?.name).toBe("slow-ignored");
  });

  it("a CRD with strategy Webhook stores v1 and serves v2 through the converter; round trips lose nothing; a mixed list converts", async () => {
    const v1 = dyn.resource(gvr("widgets", group, "v1")).namespace(ns());
    const v2 = dyn.resource(gvr("widgets", group, "v2")).namespace(ns());
    const made = await vi.waitFor(
      () =>
        v2.create({ apiVersion: `${group}/v2`, kind: "Widget", metadata: { name: "from-v2", labels: { a: "b" } }, spec: { replicas: 5, paint: { color: "red" } } } as Unstructured),
      { timeout: 20_000, interval: 200 },
    );
    expect(made.spec).toEqual({ replicas: 5, paint: { color: "red" } });
    expect((await v1.get("from-v2")).spec).toEqual({ size: 5, color: "red" });
    const asV2 = await v2.get("from-v2");
    expect([asV2.apiVersion, asV2.spec, asV2.metadata?.labels]).toEqual([`${group}/v2`, { replicas: 5, paint: { color: "red" } }, { a: "b" }]);
    // written as v2, read back as v2 after an update: nothing lost
    const updated = await v2.update({ ...asV2, spec: { replicas: 6, paint: { color: "blue" } } });
    expect(updated.spec).toEqual({ replicas: 6, paint: { color: "blue" } });
    await v1.create({ apiVersion: `${group}/v1`, kind: "Widget", metadata: { name: "from-v1" }, spec: { size: 2 } } as Unstructured);
    const list = await v2.list();
    expect(list.items.map((o) => [o.metadata?.name, o.apiVersion, o.spec]).sort()).toEqual([
      ["from-v1", `${group}/v2`, { replicas: 2 }],
      ["from-v2", `${group}/v2`, { replicas: 6, paint: { color: "blue" } }],
    ]);
    const crd = await dyn.resource(gvr("customresourcedefinitions", "apiextensions.k8s.io")).get(CRD);
    expect((crd.status as { storedVersions: string[] }).storedVersions).toEqual(["v1"]);
  });

  it("keeps answering while its serving certificate is replaced", async () => {
    for (const f of ["crt", "key"]) {
      writeFileSync(join(dir, `next.${f}`), readFileSync(join(dir, `second.${f}`)));
      renameSync(join(dir, `next.${f}`), join(dir, `tls.${f}`));
    }
    await vi.waitFor(() => expect(reloaded).toContain("webhook serving certificate reloaded"), { timeout: 10_000, interval: 50 });
    for (let i = 0; i < 5; i++) {
      const err = await refusal(configMaps().create(cm(`rot-${i}`, "validate", { bad: "1" })));
      expect((err as Error).message).toContain("bad data in rot-");
      expect((await configMaps().create(cm(`rot-ok-${i}`, "mutate"))).metadata?.labels?.mutated).toBe("yes");
    }
  });
});
