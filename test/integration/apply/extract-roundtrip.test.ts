// Extraction round trip on the real server: apply a configuration, get the
// object, extract what the same manager owns, and get back exactly the
// applied configuration (same builder classes, same fields), for a Deployment
// (containers, env, ports, resources with quantities, tolerations), a Service,
// a ConfigMap and the Foo CRD. A second manager's fields never leak in.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { labelSelector, loadConfig } from "@kubegen/runtime";
import type * as K8s from "../../../.tmp/generated/k8s-1.36/index.js";
import type * as AppsV1 from "../../../.tmp/generated/k8s-1.36/apps/v1/index.js";
import type * as CoreV1 from "../../../.tmp/generated/k8s-1.36/core/v1/index.js";
import type * as Foo from "../../../.tmp/generated/foo/index.js";
import type * as FooV1 from "../../../.tmp/generated/foo/samplecontroller.kubegen.dev/v1alpha1/index.js";
import { generateApplyModules } from "../../helpers/apply-clients.js";
import { controlPlane, useTestNamespace } from "../../helpers/cluster.js";
import { removeGenerated } from "../../helpers/generated.js";

const cp = controlPlane();
const namespace = useTestNamespace(cp, "extract");
const outs: string[] = [];
afterAll(() => outs.forEach(removeGenerated));

describe.skipIf(!cp)("apply, get, extract round trip", () => {
  let cs: K8s.Clientset;
  let apps: typeof AppsV1;
  let core: typeof CoreV1;
  let fooCs: Foo.Clientset;
  let foo: typeof FooV1;
  const manager = "round-trip";

  beforeAll(async () => {
    const config = { ...(await loadConfig({ kubeconfigPath: cp!.kubeconfigPath })), qps: 200, burst: 400 };
    const m = await generateApplyModules(cp!, config, "extract");
    outs.push(...m.outs);
    ({ apps, core, fooV1: foo } = m);
    cs = m.k8s.Clientset.forConfig(config);
    fooCs = m.foo.Clientset.forConfig(config);
  }, 120_000);

  it("Deployment: containers, env, ports, resources, tolerations", async () => {
    const ns = namespace();
    const applied = apps
      .deployment("web", ns)
      .withLabels({ tier: "frontend" })
      .withAnnotations({ "example.com/owner": "team-a" })
      .withSpec(
        apps
          .deploymentSpec()
          .withReplicas(3)
          .withSelector(labelSelector().withMatchLabels({ app: "web" }))
          .withTemplate(
            core
              .podTemplateSpec()
              .withLabels({ app: "web" })
              .withSpec(
                core
                  .podSpec()
                  .withContainers(
                    core
                      .container()
                      .withName("web")
                      .withImage("nginx:1.27")
                      .withArgs("--port", "8080")
                      .withEnv(
                        core.envVar().withName("MODE").withValue("production"),
                        core.envVar().withName("POD").withValueFrom(core.envVarSource().withFieldRef(core.objectFieldSelector().withApiVersion("v1").withFieldPath("metadata.name"))),
                      )
                      .withPorts(
                        core.containerPort().withName("http").withContainerPort(8080).withProtocol("TCP"),
                        core.containerPort().withName("dns").withContainerPort(53).withProtocol("UDP"),
                      )
                      .withResources(core.resourceRequirements().withRequests({ cpu: "250m", memory: "64Mi" }).withLimits({ cpu: "1", memory: "128Mi" })),
                    core.container().withName("sidecar").withImage("busybox:1.36").withCommand("sleep", "3600"),
                  )
                  .withTolerations(
                    core.toleration().withKey("dedicated").withOperator("Equal").withValue("web").withEffect("NoSchedule"),
                    core.toleration().withKey("node.kubernetes.io/not-ready").withOperator("Exists").withEffect("NoExecute").withTolerationSeconds(30),
                  )
                  .withNodeSelector({ "kubernetes.io/os": "linux" }),
              ),
          ),
      );
    const deps = cs.appsV1.deployments(ns);
    await deps.apply(applied, { fieldManager: manager });
    // another manager's field must not show up in our extraction
    await deps.apply(apps.deployment("web", ns).withAnnotations({ "example.com/other": "x" }), { fieldManager: "someone-else" });
    const extracted = apps.extractDeployment(await deps.get("web"), manager);
    expect(extracted).toStrictEqual(applied);
    expect(extracted.spec).toBeInstanceOf(apps.DeploymentSpecApplyConfiguration);
    // what the extraction says is enough to apply again with no change
    const again = await deps.apply(extracted.withSpec(extracted.spec!.withReplicas(4)), { fieldManager: manager });
    expect(again.spec?.replicas).toBe(4);
    expect(again.metadata?.annotations).toEqual({ "example.com/owner": "team-a", "example.com/other": "x" });
  });

  it("Service: ports keyed by port+protocol, an atomic selector", async () => {
    const ns = namespace();
    const applied = core
      .service("api", ns)
      .withLabels({ app: "api" })
      .withSpec(
        core
          .serviceSpec()
          .withSelector({ app: "api" })
          .withPorts(
            core.servicePort().withName("http").withPort(80).withProtocol("TCP").withTargetPort("http"),
            core.servicePort().withName("metrics").withPort(9090).withProtocol("TCP").withTargetPort(9090),
          ),
      );
    const svcs = cs.coreV1.services(ns);
    await svcs.apply(applied, { fieldManager: manager });
    expect(core.extractService(await svcs.get("api"), manager)).toStrictEqual(applied);
  });

  it("ConfigMap: data and binaryData", async () => {
    const ns = namespace();
    const applied = core.configMap("settings", ns).withData({ "app.yaml": "debug: false\n", mode: "fast" }).withBinaryData({ blob: "AAEC" }).withImmutable(false);
    const cms = cs.coreV1.configMaps(ns);
    await cms.apply(applied, { fieldManager: manager });
    expect(core.extractConfigMap(await cms.get("settings"), manager)).toStrictEqual(applied);
    // a manager that owns nothing gets only the identity fields, as in client-go
    expect(core.extractConfigMap(await cms.get("settings"), "nobody")).toStrictEqual(core.configMap("settings", ns));
  });

  it("Foo CRD: spec through apply, status through applyStatus", async () => {
    const ns = namespace();
    const foos = fooCs.samplecontrollerV1alpha1.foos(ns);
    const spec = foo.foo("round", ns).withLabels({ app: "round" }).withSpec(foo.fooSpec().withDeploymentName("round-deploy").withReplicas(2));
    await foos.apply(spec, { fieldManager: manager });
    const status = foo.foo("round", ns).withStatus(foo.fooStatus().withAvailableReplicas(1));
    await foos.applyStatus(status, { fieldManager: manager });
    const live = await foos.get("round");
    expect(foo.extractFoo(live, manager)).toStrictEqual(spec);
    expect(foo.extractFooStatus(live, manager)).toStrictEqual(status);
  });
});
