// examples/sample-controller end to end: the controller runs as a CHILD
// PROCESS (node + tsx, exactly as a user starts it) against a control plane
// this file starts itself, with kube-controller-manager for garbage
// collection. The built-in clients the example needs are generated first from
// that cluster's OpenAPI (`kubegen generate --from-cluster --groups apps/v1`,
// through the generator's generate()), into the example's ignored src/k8s/.
//
// It shows: a Foo gets its Deployment (replicas, labels, controller owner
// with blockOwnerDeletion, applied by field manager sample-controller);
// replicas follow the Foo; the Foo's status follows the Deployment's status
// (set with updateStatus: there is no kubelet or deployment controller); an
// unowned Deployment with the Foo's name gets a Warning ErrResourceExists
// event (events.k8s.io/v1) and is left untouched; deleting the Foo garbage-
// collects the Deployment (kube-controller-manager; without its binary the
// test checks the ownerReference instead and says so); /readyz and /healthz
// answer; SIGTERM exits 0. Then two replicas with --leader-elect: only the
// Lease holder reconciles, SIGKILL of the leader hands over to the other,
// which reconciles a new Foo, and SIGTERM on that leader releases the Lease
// (empty holder) and exits 0. Last, a replica running as a user bound only to
// artifacts/rbac.yaml's roles does all of that without a 403.
//
// Every wait polls the real server or the child's logs with generous
// deadlines (nothing asserts how fast anything happens).
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { DynamicClient, isNotFound, loadConfig, PatchType, RestClient, type RestConfig, type Unstructured } from "@kubegen/runtime";
import { startControlPlane, type ControlPlane } from "@kubegen/runtime/testing";
import { generate } from "../../../generators/generate.js";
import { Clientset as SampleClientset } from "../../../examples/sample-controller/src/generated/index.js";
import type { Foo } from "../../../examples/sample-controller/src/generated/samplecontroller.kubegen.dev/v1alpha1/index.js";
import { controlPlane } from "../../helpers/cluster.js";
import { installCrd } from "../../helpers/crd.js";

const repo = fileURLToPath(new URL("../../../", import.meta.url));
const example = `${repo}examples/sample-controller/`;
const tsxLoader = `${repo}node_modules/tsx/dist/loader.mjs`;
// The shared control plane's availability is the gate (assets found, or CI); this file starts its own.
const gate = controlPlane();
const DEADLINE_MS = 90_000;

interface LogLine {
  ts: string;
  level: string;
  msg: string;
  [field: string]: unknown;
}

/** A sample-controller child process and everything it logged. */
class ControllerProcess {
  readonly child: ChildProcess;
  readonly logs: LogLine[] = [];
  readonly raw: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(readonly name: string, args: readonly string[]) {
    this.child = spawn(process.execPath, ["--import", tsxLoader, "src/main.ts", ...args], {
      cwd: example, // tsx reads the example's tsconfig paths from here: @kubegen/runtime is the workspace source
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, KUBECONFIG: "" },
    });
    let buf = "";
    const onData = (chunk: Buffer): void => {
      buf += chunk.toString("utf8");
      let nl;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        this.raw.push(line);
        try {
          this.logs.push(JSON.parse(line) as LogLine);
        } catch {
          // not a log line (e.g. a Node warning); kept in raw
        }
      }
    };
    this.child.stderr!.on("data", onData);
    this.child.stdout!.on("data", onData);
    this.exited = new Promise((resolve) => this.child.on("exit", (code, signal) => resolve({ code, signal })));
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  has(msg: string, match: (l: LogLine) => boolean = () => true): boolean {
    return this.logs.some((l) => l.msg === msg && match(l));
  }

  /** The last lines, for failure messages. */
  tail(n = 30): string {
    return `${this.name}:\n${this.raw.slice(-n).join("\n")}`;
  }
}

/** Polls `probe` until it returns a value other than undefined; fails with `what` after the deadline. */
async function until<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  context: () => string = () => "",
  deadlineMs = DEADLINE_MS,
): Promise<T> {
  const end = Date.now() + deadlineMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) {
      throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${String(last)})` : ""}\n${context()}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe.skipIf(!gate)("examples/sample-controller end to end", () => {
  let cp: ControlPlane;
  let config: RestConfig;
  let rest: RestClient;
  let sample: SampleClientset;
  let dyn: DynamicClient;
  const procs: ControllerProcess[] = [];
  const ns = "sc-e2e";

  const deployments = () => dyn.resource({ group: "apps", version: "v1", resource: "deployments" }).namespace(ns);
  const events = () => dyn.resource({ group: "events.k8s.io", version: "v1", resource: "events" }).namespace(ns);
  const leases = () => dyn.resource({ group: "coordination.k8s.io", version: "v1", resource: "leases" }).namespace(ns);
  const foos = () => sample.samplecontrollerV1alpha1.foos(ns);

  async function getDeployment(name: string): Promise<Unstructured | undefined> {
    try {
      return await deployments().get(name);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async function eventsAbout(fooName: string): Promise<Unstructured[]> {
    const list = await events().list({ fieldSelector: `regarding.name=${fooName}` });
    return list.items;
  }

  function createFoo(name: string, deploymentName: string, replicas: number): Promise<Foo> {
    return foos().create({
      apiVersion: "samplecontroller.kubegen.dev/v1alpha1",
      kind: "Foo",
      metadata: { name, namespace: ns },
      spec: { deploymentName, replicas },
    });
  }

  function startController(name: string, extra: readonly string[] = []): ControllerProcess {
    const p = new ControllerProcess(name, [
      "--kubeconfig",
      cp.kubeconfigPath,
      "--health-addr",
      "127.0.0.1:0",
      "--log-level",
      "debug",
      ...extra,
    ]);
    procs.push(p);
    return p;
  }

  beforeAll(async () => {
    cp = await startControlPlane({ controllerManager: true });
    config = await loadConfig({ kubeconfigPath: cp.kubeconfigPath });
    config.qps = -1;
    rest = new RestClient(config);
    sample = new SampleClientset(rest);
    dyn = new DynamicClient(rest);
    await installCrd(config, `${example}crd/foos.yaml`);
    await dyn.resource({ group: "", version: "v1", resource: "namespaces" }).create({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
    // What `npm run generate:k8s` does, from this cluster.
    await generate({ fromCluster: { kubeconfig: cp.kubeconfigPath }, groups: ["apps/v1"], out: `${example}src/k8s` });
  }, 300_000);

  afterAll(async () => {
    for (const p of procs) if (p.running) p.child.kill("SIGKILL");
    await Promise.all(procs.map((p) => p.exited));
    rest?.close();
    await cp?.stop();
  }, 120_000);

  it("prints --help, and exits 2 on a bad flag", async () => {
    const help = new ControllerProcess("help", ["--help"]);
    expect((await help.exited).code).toBe(0);
    expect(help.raw[0]).toBe("Usage: sample-controller [flags]");
    for (const flag of ["--kubeconfig", "--context", "--leader-elect", "--leader-elect-namespace", "--leader-elect-id", "--workers", "--health-addr", "--log-level"]) {
      expect(help.raw.some((l) => l.trimStart().startsWith(`${flag} `))).toBe(true);
    }
    const bad = new ControllerProcess("bad flag", ["--workers", "0"]);
    expect((await bad.exited).code).toBe(2);
    expect(bad.raw[0]).toBe('sample-controller: --workers: must be an integer >= 1, got "0"');
  }, 60_000);

  describe("one replica", () => {
    let controller: ControllerProcess;
    let foo1: Foo;

    beforeAll(() => {
      controller = startController("controller");
    });

    it("serves /healthz and /readyz once its caches synced", async () => {
      const port = await until(
        "the health server's port in the logs",
        () => controller.logs.find((l) => l.msg === "health server listening")?.port as number | undefined,
        () => controller.tail(),
      );
      await until(
        "/readyz to answer ok",
        async () => {
          const res = await fetch(`http://127.0.0.1:${port}/readyz`);
          return res.status === 200 && (await res.text()) === "ok" ? true : undefined;
        },
        () => controller.tail(),
      );
      const live = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(live.status).toBe(200);
      expect(controller.has("caches synced, starting workers")).toBe(true);
      // every line is one JSON object with ts, level and msg
      expect(controller.raw.length).toBeGreaterThan(0);
      for (const l of controller.logs) expect(Object.keys(l).slice(0, 3)).toEqual(["ts", "level", "msg"]);
      expect(controller.logs.length).toBe(controller.raw.length);
    }, 120_000);

    it("1. creates the Deployment of a new Foo, with its replicas and the Foo as controller owner", async () => {
      foo1 = await createFoo("foo-1", "foo-1-nginx", 2);
      const dep = await until("Deployment foo-1-nginx", () => getDeployment("foo-1-nginx"), () => controller.tail());
      const spec = dep.spec as { replicas: number; selector: { matchLabels: Record<string, string> }; template: any };
      expect(spec.replicas).toBe(2);
      expect(spec.selector.matchLabels).toEqual({ app: "nginx", controller: "foo-1" });
      expect(spec.template.metadata.labels).toEqual({ app: "nginx", controller: "foo-1" });
      expect(spec.template.spec.containers.map((c: any) => [c.name, c.image])).toEqual([["nginx", "nginx:latest"]]);
      expect(dep.metadata?.ownerReferences).toEqual([
        {
          apiVersion: "samplecontroller.kubegen.dev/v1alpha1",
          kind: "Foo",
          name: "foo-1",
          uid: foo1.metadata!.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ]);
      const managers = (dep.metadata?.managedFields ?? []).map((m) => [m.manager, m.operation]);
      expect(managers).toContainEqual(["sample-controller", "Apply"]);
    }, 120_000);

    it("2. follows a change of spec.replicas", async () => {
      await foos().patch("foo-1", PatchType.Merge, { spec: { replicas: 3 } });
      await until(
        "Deployment foo-1-nginx to have 3 replicas",
        async () => ((await getDeployment("foo-1-nginx"))?.spec as { replicas?: number } | undefined)?.replicas === 3 || undefined,
        () => controller.tail(),
      );
    }, 120_000);

    it("3. copies the Deployment's availableReplicas into the Foo's status, and records Synced", async () => {
      const dep = (await getDeployment("foo-1-nginx"))!;
      // No kubelet and no deployment controller here: write the status a real cluster would report.
      await deployments().updateStatus({
        ...dep,
        status: { observedGeneration: dep.metadata?.generation, replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3 },
      });
      const foo = await until(
        "Foo foo-1 status.availableReplicas = 3",
        async () => {
          const f = await foos().get("foo-1");
          return f.status?.availableReplicas === 3 ? f : undefined;
        },
        () => controller.tail(),
      );
      expect((foo.metadata?.managedFields ?? []).some((m) => m.manager === "sample-controller" && m.subresource === "status")).toBe(true);
      const synced = await until(
        "a Normal Synced event about foo-1",
        async () => (await eventsAbout("foo-1")).find((e) => e.reason === "Synced"),
        () => controller.tail(),
      );
      expect(synced).toMatchObject({
        type: "Normal",
        note: "Foo synced successfully",
        reportingController: "sample-controller",
        regarding: { apiVersion: "samplecontroller.kubegen.dev/v1alpha1", kind: "Foo", name: "foo-1", uid: foo1.metadata!.uid },
      });
    }, 120_000);

    it("4. warns about a Deployment it does not own and leaves it alone", async () => {
      const before = await deployments().create({
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "taken" },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: "other" } },
          template: { metadata: { labels: { app: "other" } }, spec: { containers: [{ name: "web", image: "busybox" }] } },
        },
      });
      const foo = await createFoo("foo-taken", "taken", 4);
      const warning = await until(
        "a Warning ErrResourceExists event about foo-taken",
        async () => (await eventsAbout("foo-taken")).find((e) => e.reason === "ErrResourceExists"),
        () => controller.tail(),
      );
      expect(warning).toMatchObject({
        type: "Warning",
        note: 'Resource "taken" already exists and is not managed by Foo',
        reportingController: "sample-controller",
        regarding: { kind: "Foo", name: "foo-taken", uid: foo.metadata!.uid },
      });
      // It retries with backoff; wait for a retry to be logged, then check nothing changed.
      await until(
        "a second failed reconcile of foo-taken",
        () => (controller.logs.filter((l) => l.msg === "reconcile failed; requeued with backoff" && l.key === `${ns}/foo-taken`).length >= 2 ? true : undefined),
        () => controller.tail(),
      );
      const after = (await getDeployment("taken"))!;
      expect(after.metadata?.resourceVersion).toBe(before.metadata?.resourceVersion);
      expect(after.metadata?.ownerReferences).toBeUndefined();
      expect((after.spec as { replicas: number }).replicas).toBe(1);
      expect((after.metadata?.managedFields ?? []).map((m) => m.manager)).not.toContain("sample-controller");
      expect((await foos().get("foo-taken")).status).toBeUndefined();
    }, 120_000);

    it("5. the Deployment goes when its Foo is deleted (garbage collection)", async () => {
      await foos().delete("foo-1");
      if (!cp.controllerManager) {
        // kube-controller-manager was not built (KUBEGEN_WITH_KCM=0): no garbage collector runs, so check
        // what it acts on instead: the controller owner reference to the deleted Foo's uid.
        console.warn("sample-controller e2e: kube-controller-manager missing; checking the ownerReference instead of garbage collection");
        const dep = (await getDeployment("foo-1-nginx"))!;
        expect(dep.metadata?.ownerReferences?.[0]).toMatchObject({ uid: foo1.metadata!.uid, controller: true, blockOwnerDeletion: true });
        return;
      }
      // The garbage collector notices a CRD created after it started at its next discovery resync (30 s).
      await until(
        "Deployment foo-1-nginx to be garbage-collected",
        async () => ((await getDeployment("foo-1-nginx")) === undefined ? true : undefined),
        () => controller.tail(),
        180_000,
      );
    }, 240_000);

    it("exits 0 on SIGTERM after draining", async () => {
      controller.child.kill("SIGTERM");
      const { code } = await controller.exited;
      expect(code, controller.tail()).toBe(0);
      const last = controller.logs.map((l) => l.msg);
      expect(last).toContain("signal received; shutting down");
      expect(last.at(-1)).toBe("shut down");
    }, 120_000);
  });

  describe("two replicas with --leader-elect", () => {
    const leArgs = (identity: string) => [
      "--leader-elect",
      "--leader-elect-namespace",
      ns,
      "--leader-elect-id",
      "sample-controller-e2e",
      "--leader-elect-identity",
      identity,
      "--leader-elect-lease-duration",
      "4s",
      "--leader-elect-renew-deadline",
      "3s",
      "--leader-elect-retry-period",
      "500ms",
    ];
    const holder = async (): Promise<string | undefined> => {
      try {
        return ((await leases().get("sample-controller-e2e")).spec as { holderIdentity?: string } | undefined)?.holderIdentity;
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    };
    const reconciled = (p: ControllerProcess, foo: string) => p.has("applied deployment", (l) => l.foo === `${ns}/${foo}`);
    const reconciledAnything = (p: ControllerProcess) => p.logs.some((l) => l.component === "controller");

    let replicas: Record<string, ControllerProcess>;
    let leader: ControllerProcess;
    let standby: ControllerProcess;

    beforeAll(() => {
      replicas = { a: startController("replica a", leArgs("a")), b: startController("replica b", leArgs("b")) };
    });

    it("only the Lease holder reconciles", async () => {
      const context = () => `${replicas.a!.tail()}\n${replicas.b!.tail()}`;
      const id = await until("a Lease holder", async () => ((await holder()) || undefined), context);
      expect(["a", "b"]).toContain(id);
      leader = replicas[id]!;
      standby = replicas[id === "a" ? "b" : "a"]!;
      await until("the leader to log that it leads", () => (leader.has("started leading") ? true : undefined), context);
      // The standby is up and has seen the leader.
      await until("the standby to observe the leader", () => (standby.has("new leader observed", (l) => l.leader === id) ? true : undefined), context);

      await createFoo("le-1", "le-1-nginx", 1);
      await until("Deployment le-1-nginx", () => getDeployment("le-1-nginx"), context);
      await until("the leader to log its reconcile of le-1", () => (reconciled(leader, "le-1") ? true : undefined), context);
      const synced = await until(
        "a Synced event about le-1",
        async () => (await eventsAbout("le-1")).find((e) => e.reason === "Synced"),
        context,
      );
      expect(synced.reportingInstance).toBe(`sample-controller-${id}`);
      expect(standby.has("started leading")).toBe(false);
      expect(reconciledAnything(standby), standby.tail()).toBe(false);
    }, 150_000);

    it("SIGKILL of the leader hands over to the standby, which reconciles a new Foo", async () => {
      const context = () => `${leader.tail()}\n${standby.tail()}`;
      const newId = standby === replicas.a ? "a" : "b";
      leader.child.kill("SIGKILL");
      await leader.exited;
      await until(`the Lease to pass to ${newId}`, async () => ((await holder()) === newId ? true : undefined), context);
      await until("the new leader to log that it leads", () => (standby.has("started leading") ? true : undefined), context);

      await createFoo("le-2", "le-2-nginx", 2);
      const dep = await until("Deployment le-2-nginx", () => getDeployment("le-2-nginx"), context);
      expect((dep.spec as { replicas: number }).replicas).toBe(2);
      await until("the new leader to log its reconcile of le-2", () => (reconciled(standby, "le-2") ? true : undefined), context);
      const synced = await until(
        "a Synced event about le-2",
        async () => (await eventsAbout("le-2")).find((e) => e.reason === "Synced"),
        context,
      );
      expect(synced.reportingInstance).toBe(`sample-controller-${newId}`);
      expect(reconciled(leader, "le-2")).toBe(false);
    }, 150_000);

    it("SIGTERM on the leader releases the Lease and exits 0", async () => {
      const id = standby === replicas.a ? "a" : "b";
      expect(await holder()).toBe(id);
      standby.child.kill("SIGTERM");
      const { code } = await standby.exited;
      expect(code, standby.tail()).toBe(0);
      const lease = await leases().get("sample-controller-e2e");
      const spec = lease.spec as { holderIdentity?: string; leaseDurationSeconds?: number };
      expect(spec.holderIdentity ?? "").toBe("");
      expect(spec.leaseDurationSeconds).toBe(1);
      const msgs = standby.logs.map((l) => l.msg);
      // drained, then released, then shut down
      expect(msgs.indexOf("signal received; shutting down")).toBeLessThan(msgs.indexOf("stopped leading"));
      expect(msgs.at(-1)).toBe("shut down");
    }, 120_000);
  });

  describe("with only the permissions of artifacts/rbac.yaml", () => {
    const user = "kubegen-limited"; // the control plane's `limited` context: a user with no RBAC of its own
    let controller: ControllerProcess;

    beforeAll(async () => {
      const rbac = (r: string) => dyn.resource({ group: "rbac.authorization.k8s.io", version: "v1", resource: r });
      for (const doc of parseAllDocuments(readFileSync(`${example}artifacts/rbac.yaml`, "utf8"))) {
        const obj = doc.toJS() as Unstructured & { subjects?: unknown[] };
        const namespaced = obj.kind === "Role" || obj.kind === "RoleBinding";
        // The manifest binds a ServiceAccount in namespace sample-controller; here the subject is the test user
        // and the Lease's namespace is this test's.
        if (obj.subjects) obj.subjects = [{ kind: "User", apiGroup: "rbac.authorization.k8s.io", name: user }];
        if (namespaced) obj.metadata = { ...obj.metadata, namespace: ns };
        const client = rbac(`${obj.kind!.toLowerCase()}s`);
        await (namespaced ? client.namespace(ns) : client).create(obj);
      }
      controller = startController("least-privilege replica", [
        "--context",
        "limited",
        "--leader-elect",
        "--leader-elect-namespace",
        ns,
        "--leader-elect-id",
        "sample-controller-rbac",
        "--leader-elect-identity",
        "rbac",
        "--leader-elect-lease-duration",
        "4s",
        "--leader-elect-renew-deadline",
        "3s",
        "--leader-elect-retry-period",
        "500ms",
      ]);
    });

    it("reconciles, records events and holds the Lease without a 403, then releases it", async () => {
      const context = () => controller.tail();
      await until("the rbac replica to lead", () => (controller.has("started leading") ? true : undefined), context);
      await createFoo("rbac-1", "rbac-1-nginx", 2);
      const dep = await until("Deployment rbac-1-nginx", () => getDeployment("rbac-1-nginx"), context);
      await deployments().updateStatus({
        ...dep,
        status: { observedGeneration: dep.metadata?.generation, replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 },
      });
      await until(
        "Foo rbac-1 status.availableReplicas = 2",
        async () => ((await foos().get("rbac-1")).status?.availableReplicas === 2 ? true : undefined),
        context,
      );
      const synced = await until(
        "a Synced event about rbac-1 from this replica",
        async () => (await eventsAbout("rbac-1")).find((e) => e.reason === "Synced" && e.reportingInstance === "sample-controller-rbac"),
        context,
      );
      expect(synced.type).toBe("Normal");
      controller.child.kill("SIGTERM");
      expect((await controller.exited).code, context()).toBe(0);
      const lease = await leases().get("sample-controller-rbac");
      expect((lease.spec as { holderIdentity?: string }).holderIdentity ?? "").toBe("");
      expect(controller.raw.filter((l) => /forbidden|\b403\b/i.test(l)), context()).toEqual([]);
    }, 150_000);
  });
});
