// Server-side apply through generated builders and clients, against the real
// server: conflicts between managers (typed 409 naming the other manager),
// force, removal of a dropped field, list-map merges (containers by name,
// ports by containerPort+protocol), applyStatus on the Foo CRD, and the
// checks made before anything is sent.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiError, isConflict, labelSelector, loadConfig, RequestBuildError, scale, scaleSpec } from "@kubegen/runtime";
import type * as K8s from "../../../.tmp/generated/k8s-1.36/index.js";
import type * as AppsV1 from "../../../.tmp/generated/k8s-1.36/apps/v1/index.js";
import type * as CoreV1 from "../../../.tmp/generated/k8s-1.36/core/v1/index.js";
import type * as Foo from "../../../.tmp/generated/foo/index.js";
import type * as FooV1 from "../../../.tmp/generated/foo/samplecontroller.kubegen.dev/v1alpha1/index.js";
import { generateApplyModules } from "../../helpers/apply-clients.js";
import { controlPlane, useTestNamespace } from "../../helpers/cluster.js";
import { removeGenerated } from "../../helpers/generated.js";

const cp = controlPlane();
const namespace = useTestNamespace(cp, "ssa");
const outs: string[] = [];
afterAll(() => outs.forEach(removeGenerated));

describe.skipIf(!cp)("server-side apply against the real server", () => {
  let cs: K8s.Clientset;
  let apps: typeof AppsV1;
  let core: typeof CoreV1;
  let fooCs: Foo.Clientset;
  let foo: typeof FooV1;

  beforeAll(async () => {
    const config = { ...(await loadConfig({ kubeconfigPath: cp!.kubeconfigPath })), qps: 200, burst: 400 };
    const m = await generateApplyModules(cp!, config, "ssa");
    outs.push(...m.outs);
    ({ apps, core, fooV1: foo } = m);
    cs = m.k8s.Clientset.forConfig(config);
    fooCs = m.foo.Clientset.forConfig(config);
  }, 120_000);

  const web = (name: string, replicas?: number) => {
    const spec = apps
      .deploymentSpec()
      .withSelector(labelSelector().withMatchLabels({ app: name }))
      .withTemplate(
        core
          .podTemplateSpec()
          .withLabels({ app: name })
          .withSpec(core.podSpec().withContainers(core.container().withName("web").withImage("nginx:1.27"))),
      );
    if (replicas !== undefined) spec.withReplicas(replicas);
    return apps.deployment(name, namespace()).withSpec(spec);
  };

  it("a second manager's apply of spec.replicas is a typed 409 naming the first; force takes ownership", async () => {
    const deps = cs.appsV1.deployments(namespace());
    await deps.apply(web("conflict", 2), { fieldManager: "alice" });
    const err = await deps.apply(web("conflict", 3), { fieldManager: "bob" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(isConflict(err)).toBe(true);
    const status = (err as ApiError).status;
    expect(status.code).toBe(409);
    expect(status.message).toContain('conflict with "alice"');
    expect(status.details?.causes).toContainEqual(expect.objectContaining({ reason: "FieldManagerConflict", field: ".spec.replicas", message: 'conflict with "alice"' }));
    expect((await deps.get("conflict")).spec?.replicas).toBe(2);

    const forced = await deps.apply(web("conflict", 3), { fieldManager: "bob", force: true });
    expect(forced.spec?.replicas).toBe(3);
    const owners = (forced.metadata?.managedFields ?? []).filter((m) => JSON.stringify(m.fieldsV1).includes('"f:replicas"'));
    expect(owners.map((m) => m.manager)).toEqual(["bob"]);
  });

  it("applyScale sets replicas through the scale subresource, owned by its manager", async () => {
    const deps = cs.appsV1.deployments(namespace());
    await deps.apply(web("scaled", 1), { fieldManager: "alice" });
    const scaled = await deps.applyScale("scaled", scale("scaled", namespace()).withSpec(scaleSpec().withReplicas(4)), { fieldManager: "autoscaler", force: true });
    expect(scaled.spec?.replicas).toBe(4);
    const live = await deps.get("scaled");
    expect(live.spec?.replicas).toBe(4);
    expect(live.metadata?.managedFields?.find((m) => m.manager === "autoscaler")).toMatchObject({ operation: "Apply", subresource: "scale" });
  });

  it("a field the manager stops applying is removed (unless someone else owns it)", async () => {
    const cms = cs.coreV1.configMaps(namespace());
    await cms.apply(core.configMap("drop", namespace()).withData({ a: "1", b: "2" }).withLabels({ keep: "yes", gone: "soon" }), { fieldManager: "alice" });
    const after = await cms.apply(core.configMap("drop", namespace()).withData({ a: "1" }).withLabels({ keep: "yes" }), { fieldManager: "alice" });
    expect(after.data).toEqual({ a: "1" });
    expect(after.metadata?.labels).toEqual({ keep: "yes" });

    // shared ownership: bob applies the same value, alice drops it, bob keeps it
    await cms.apply(core.configMap("drop", namespace()).withData({ a: "1", shared: "x" }), { fieldManager: "alice" });
    await cms.apply(core.configMap("drop", namespace()).withData({ shared: "x" }), { fieldManager: "bob" });
    const kept = await cms.apply(core.configMap("drop", namespace()).withData({ a: "1" }), { fieldManager: "alice" });
    expect(kept.data).toEqual({ a: "1", shared: "x" });

    // apply takes the builder of the client's own kind, checked through its brand (by make typecheck).
    // @ts-expect-error a Secret's builder is not a ConfigMap's
    void (() => cms.apply(core.secret("drop", namespace()), { fieldManager: "alice" }));
    // @ts-expect-error a plain object is not a builder
    void (() => cms.apply({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "drop" } }, { fieldManager: "alice" }));
  });

  it("containers merge by name and ports by containerPort+protocol", async () => {
    const deps = cs.appsV1.deployments(namespace());
    const podSpec = (...containers: CoreV1.ContainerApplyConfiguration[]) =>
      apps
        .deployment("merge", namespace())
        .withSpec(
          apps
            .deploymentSpec()
            .withSelector(labelSelector().withMatchLabels({ app: "merge" }))
            .withTemplate(core.podTemplateSpec().withLabels({ app: "merge" }).withSpec(core.podSpec().withContainers(...containers))),
        );
    const port = (n: number, protocol: string) => core.containerPort().withContainerPort(n).withProtocol(protocol as "TCP");
    await deps.apply(podSpec(core.container().withName("web").withImage("nginx:1.27").withPorts(port(80, "TCP"))), { fieldManager: "alice" });
    // bob adds a sidecar and a UDP port 80 on web: a different key (80/UDP), so no conflict
    const merged = await deps.apply(
      podSpec(
        core.container().withName("web").withPorts(port(80, "UDP")),
        core.container().withName("sidecar").withImage("busybox:1.36"),
      ),
      { fieldManager: "bob" },
    );
    const containers = merged.spec?.template.spec?.containers ?? [];
    expect(containers.map((c) => c.name)).toEqual(["web", "sidecar"]);
    expect(containers[0]!.image).toBe("nginx:1.27");
    expect(containers[0]!.ports?.map((p) => `${p.containerPort}/${p.protocol}`)).toEqual(["80/TCP", "80/UDP"]);
    // a field inside alice's item is hers: the conflict names the item by its key
    const err = await deps.apply(podSpec(core.container().withName("web").withImage("nginx:1.28")), { fieldManager: "bob" }).catch((e: unknown) => e);
    expect(isConflict(err)).toBe(true);
    expect((err as ApiError).status.details?.causes).toContainEqual(
      expect.objectContaining({ field: '.spec.template.spec.containers[name="web"].image', message: 'conflict with "alice"' }),
    );
  });

  it("applyStatus on the Foo CRD writes status only, under its own managedFields entry", async () => {
    const foos = fooCs.samplecontrollerV1alpha1.foos(namespace());
    await foos.apply(foo.foo("status-foo", namespace()).withSpec(foo.fooSpec().withDeploymentName("d").withReplicas(2)), { fieldManager: "user" });
    const withStatus = await foos.applyStatus(
      foo.foo("status-foo", namespace()).withStatus(foo.fooStatus().withAvailableReplicas(2)).withSpec(foo.fooSpec().withReplicas(9)),
      { fieldManager: "controller" },
    );
    expect(withStatus.status?.availableReplicas).toBe(2);
    expect(withStatus.spec?.replicas).toBe(2); // the status subresource ignores spec
    const entry = withStatus.metadata?.managedFields?.find((m) => m.manager === "controller");
    expect(entry).toMatchObject({ operation: "Apply", subresource: "status" });
    expect(foo.extractFooStatus(withStatus, "controller")).toEqual(
      foo.foo("status-foo", namespace()).withStatus(foo.fooStatus().withAvailableReplicas(2)),
    );
  });

  it("refuses before sending: no field manager, no name", async () => {
    const deps = cs.appsV1.deployments(namespace());
    await expect(deps.apply(web("x", 1), { fieldManager: "" })).rejects.toBeInstanceOf(RequestBuildError);
    await expect(deps.apply(apps.deployment("", namespace()), { fieldManager: "m" })).rejects.toThrow(/no metadata.name/);
  });
});
