// `kubegen init controller` end to end, by the packed route a user takes: the
// two tarballs (packages-setup.ts) are installed into a tools project outside
// the repository, whose kubegen scaffolds projects with `--packages`. Each
// project runs `npm install` (its kubegen dependencies are the tarballs, by
// relative file: path), builds, type-checks and passes its own test, which
// starts its own control plane: the controller test, and the deploy test
// (config/ dry-run and applied, then the manager run with only the
// ServiceAccount's token, so the generated RBAC is exactly enough). The Foo
// project's main.ts then runs against the shared control plane: health and
// metrics endpoints, a Lease with --leader-elect, a reconcile, and a clean
// exit on SIGTERM that releases the Lease. A third project is scaffolded from
// a real third-party CRD in ../shared/crds and passes its own tests too.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig, type RestConfig } from "@kubegen/runtime";
import { controlPlane, rawRequest, useTestNamespace } from "../../helpers/cluster.js";
import { installCrd } from "../../helpers/crd.js";
import { childEnv, npmInstall, packedTarballs, sh, type CommandResult } from "../../helpers/packages.js";
import { sharedData } from "../../helpers/shared-data.js";

const cp = controlPlane();
const repo = fileURLToPath(new URL("../../../", import.meta.url));
const fooCrd = join(repo, "examples/sample-controller/crd/foos.yaml");
const work = mkdtempSync(join(tmpdir(), "kubegen-init-"));
const tools = join(work, "tools");
const project = join(work, "foo-controller");

afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The tools project's kubegen (installed from the tarballs), run in `cwd`. */
function kubegen(cwd: string, ...args: string[]): CommandResult {
  return sh(cwd, process.execPath, [join(tools, "node_modules/kubegen/bin/kubegen.js"), ...args]);
}

const run = (cmd: string, args: string[]) => sh(project, cmd, args);

beforeAll(() => {
  if (!cp) return;
  const { runtime, generator } = packedTarballs();
  mkdirSync(tools);
  writeFileSync(join(tools, "package.json"), `${JSON.stringify({ name: "tools", private: true, type: "module" }, null, 2)}\n`);
  const install = npmInstall(tools, runtime, generator);
  if (install.code !== 0) throw new Error(`npm install of the tarballs failed:\n${install.output}`);
}, 600_000);

describe.skipIf(!cp)("kubegen init controller", () => {
  const ns = useTestNamespace(cp, "init");
  let scaffold: CommandResult;

  beforeAll(() => {
    scaffold = kubegen(work, "init", "controller", "--crd", fooCrd, "--out", project, "--packages", packedTarballs().dir);
  }, 120_000);

  it("scaffolds the project, depending on the tarballs, and prints the next steps", () => {
    expect(scaffold.output).not.toMatch(/error/i);
    expect(scaffold.code, scaffold.output).toBe(0);
    expect(scaffold.output).toContain(`cd ${project}\n  npm install\n  npm test`);
    const pkg = JSON.parse(readFileSync(join(project, "package.json"), "utf8"));
    expect(pkg.name).toBe("foo-controller");
    expect(pkg.type).toBe("module");
    expect(pkg.dependencies["@kubegen/runtime"]).toMatch(/^file:\.\.\/.*\/kubegen-runtime-[\d.]+\.tgz$/);
    expect(pkg.devDependencies.kubegen).toMatch(/^file:\.\.\/.*\/kubegen-[\d.]+\.tgz$/);
    expect(pkg.scripts).toMatchObject({
      generate: "kubegen generate --crd crd/foos.yaml --out src/generated",
      build: "tsc",
      test: "vitest run",
      start: "node dist/main.js",
    });
    expect(readFileSync(join(project, "crd/foos.yaml"), "utf8")).toBe(readFileSync(fooCrd, "utf8"));
    for (const f of [
      ".gitignore",
      ".dockerignore",
      "Dockerfile",
      "README.md",
      "tsconfig.json",
      "src/main.ts",
      "src/manager.ts",
      "src/controller.ts",
      "test/controller.test.ts",
      "test/deploy.test.ts",
      "src/generated/index.ts",
    ]) {
      expect(existsSync(join(project, f)), f).toBe(true);
    }
  });

  it("writes config/: a Namespace, ServiceAccount, exactly the RBAC the code uses, and a hardened Deployment", () => {
    const docs = configDocuments(project);
    expect(docs.map((d) => `${d.kind}/${d.metadata.namespace ?? ""}/${d.metadata.name}`)).toEqual([
      "Namespace//foo-controller-system",
      "ServiceAccount/foo-controller-system/foo-controller",
      "ClusterRole//foo-controller",
      "ClusterRoleBinding//foo-controller",
      "Role/foo-controller-system/foo-controller-leader-election",
      "RoleBinding/foo-controller-system/foo-controller-leader-election",
      "Deployment/foo-controller-system/foo-controller",
    ]);
    const kind = (k: string) => docs.find((d) => d.kind === k)!;
    const group = "samplecontroller.kubegen.dev";
    expect(kind("ClusterRole").rules).toEqual([
      { apiGroups: [group], resources: ["foos"], verbs: ["list", "watch"] },
      { apiGroups: [group], resources: ["foos"], verbs: ["patch"] },
      { apiGroups: [group], resources: ["foos/status"], verbs: ["patch"] },
      { apiGroups: ["events.k8s.io"], resources: ["events"], verbs: ["create", "patch"] },
    ]);
    expect(kind("Role").rules).toEqual([
      { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["create"] },
      { apiGroups: ["coordination.k8s.io"], resources: ["leases"], resourceNames: ["foo-controller"], verbs: ["get", "update"] },
    ]);
    const pod = kind("Deployment").spec.template.spec;
    expect(pod.serviceAccountName).toBe("foo-controller");
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: "RuntimeDefault" } });
    const [container] = pod.containers;
    expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
    expect(container.args).toContain("--leader-elect");
    expect(container.livenessProbe.httpGet.path).toBe("/healthz");
    expect(container.readinessProbe.httpGet.path).toBe("/readyz");
    expect(container.resources.limits.memory).toBeTruthy();
    expect(readFileSync(join(project, "README.md"), "utf8")).toContain("kubectl apply -f crd/ -f config/");
  });

  it("writes a multi-stage Dockerfile that runs production dependencies as a numeric non-root user", () => {
    const dockerfile = readFileSync(join(project, "Dockerfile"), "utf8");
    const from = dockerfile.match(/^FROM .*$/gm) ?? [];
    expect(from).toEqual(["FROM ${NODE_IMAGE} AS build", "FROM ${NODE_IMAGE}"]);
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:20-slim$/m);
    const [build, runtime] = dockerfile.split(/^FROM \$\{NODE_IMAGE\}$/m);
    expect(build).toMatch(/^RUN npm ci$/m);
    expect(build).toMatch(/^RUN npm run build$/m);
    expect(runtime).toMatch(/^RUN npm ci --omit=dev\b/m);
    expect(runtime).toMatch(/^COPY --from=build \/app\/dist \.\/dist$/m);
    const users = runtime!.match(/^USER (\d+)(?::(\d+))?$/m);
    expect(users, "USER must be numeric").not.toBeNull();
    expect(Number(users![1])).toBeGreaterThan(0);
    expect(runtime).toMatch(/^ENTRYPOINT \["node", "dist\/main\.js"\]$/m);
    expect(runtime).toMatch(/^CMD \["--leader-elect"\]$/m);
    expect(readFileSync(join(project, ".dockerignore"), "utf8").split("\n")).toEqual(expect.arrayContaining(["node_modules/", "dist/"]));
  });

  it("installs, builds and type-checks", () => {
    const install = npmInstall(project);
    expect(install.code, install.output).toBe(0);
    expect(existsSync(join(project, "node_modules/kubegen/templates/header.hbs"))).toBe(true);
    const build = run("npm", ["run", "build"]);
    expect(build.code, build.output).toBe(0);
    expect(existsSync(join(project, "dist/main.js"))).toBe(true);
    const typecheck = run("npm", ["run", "typecheck"]);
    expect(typecheck.code, typecheck.output).toBe(0);
  }, 900_000);

  it("passes its own tests against a control plane it starts: the controller, and config/ deployed with only its RBAC", () => {
    const test = run("npm", ["test"]);
    expect(test.code, test.output).toBe(0);
    expect(test.output).toMatch(/(?<!\d)3 passed/);
  }, 600_000);

  it("regenerates src/generated with npm run generate, changing nothing", () => {
    const before = readFileSync(join(project, "src/generated/samplecontroller.kubegen.dev/v1alpha1/client.ts"), "utf8");
    const gen = run("npm", ["run", "generate"]);
    expect(gen.code, gen.output).toBe(0);
    expect(gen.output).toMatch(/already up to date/);
    expect(readFileSync(join(project, "src/generated/samplecontroller.kubegen.dev/v1alpha1/client.ts"), "utf8")).toBe(before);
  }, 300_000);

  describe("main.ts against the shared control plane", () => {
    let config: RestConfig;
    let child: ChildProcess | undefined;
    let output = "";

    beforeAll(async () => {
      config = await loadConfig({ kubeconfigPath: cp!.kubeconfigPath });
      await installCrd(config, fooCrd);
    });

    afterAll(() => {
      if (child && child.exitCode === null) child.kill("SIGKILL");
    });

    it("serves health, takes the Lease, reconciles, and exits 0 on SIGTERM releasing the Lease", async () => {
      const args = ["dist/main.js", "--kubeconfig", cp!.kubeconfigPath, "--namespace", ns(), "--health-port", "0", "--leader-elect", "--leader-elect-namespace", ns()];
      child = spawn(process.execPath, args, { cwd: project, env: childEnv(), stdio: ["ignore", "pipe", "pipe"] });
      const exited = new Promise<number | null>((resolve) => child!.once("exit", (code) => resolve(code)));
      child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
      child.stderr!.on("data", (d: Buffer) => (output += d.toString()));

      const health = await until(() => /serving \/healthz, \/readyz and \/metrics url="([^"]+)"/.exec(output)?.[1]);
      expect((await fetch(`${health}/healthz`)).status).toBe(200);

      const lease = await until<{ spec: { holderIdentity: string } }>(async () => {
        const r = await rawRequest(cp!, "cert", "GET", `/apis/coordination.k8s.io/v1/namespaces/${ns()}/leases/foo-controller`);
        return r.status === 200 && r.json().spec?.holderIdentity ? r.json() : undefined;
      });
      expect(lease.spec.holderIdentity).toMatch(/_[0-9a-f]{12}$/);

      const created = await rawRequest(cp!, "cert", "POST", `/apis/samplecontroller.kubegen.dev/v1alpha1/namespaces/${ns()}/foos`, {
        apiVersion: "samplecontroller.kubegen.dev/v1alpha1",
        kind: "Foo",
        metadata: { name: "web" },
        spec: { deploymentName: "web", replicas: 1 },
      });
      expect(created.status, created.body).toBe(201);
      const reconciled = await until(async () => {
        const r = await rawRequest(cp!, "cert", "GET", `/apis/samplecontroller.kubegen.dev/v1alpha1/namespaces/${ns()}/foos/web`);
        return r.json().metadata?.annotations?.["samplecontroller.kubegen.dev/reconciled-generation"];
      });
      expect(reconciled).toBe("1");
      expect((await fetch(`${health}/readyz`)).status).toBe(200);
      const metrics = await fetch(`${health}/metrics`);
      expect(metrics.status).toBe(200);
      const text = await metrics.text();
      expect(text).toMatch(/^controller_runtime_reconcile_total\{controller="foo-controller",result="success"\} [1-9]/m);
      expect(text).toMatch(/^leader_election_master_status\{name="foo-controller"\} 1$/m);

      // The event the reconcile recorded (events.k8s.io/v1).
      const events = await until(async () => {
        const r = await rawRequest(cp!, "cert", "GET", `/apis/events.k8s.io/v1/namespaces/${ns()}/events`);
        const items = (r.json().items ?? []) as { reason: string; regarding: { name: string } }[];
        return items.find((e) => e.reason === "Reconciled" && e.regarding.name === "web");
      });
      expect(events.reason).toBe("Reconciled");

      child.kill("SIGTERM");
      expect(await exited, output).toBe(0);
      expect(output).toMatch(/shutting down signal="SIGTERM"/);
      const released = await rawRequest(cp!, "cert", "GET", `/apis/coordination.k8s.io/v1/namespaces/${ns()}/leases/foo-controller`);
      expect(released.json().spec?.holderIdentity ?? "").toBe("");
    }, 120_000);
  });
});

// A cluster-scoped CRD whose status has observedGeneration and
// metav1.Condition-shaped conditions, served as v2 and stored as v1, scaffolded
// with --webhooks: the other branches of the skeleton (cluster-scoped lister
// and client, applyStatus with both) at runtime, and the webhooks: the
// controller works on v2, so every read and write goes through the conversion
// webhook, and its tests check defaulting, validation and conversion.
/** One version of the Widget CRD; both versions have this schema. */
const widgetVersion = (name: string, storage: boolean): string => `    - name: ${name}
      served: true
      storage: ${storage}
      subresources: { status: {} }
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              required: [color]
              properties:
                color: { type: string, enum: [red, blue] }
            status:
              type: object
              properties:
                observedGeneration: { type: integer, format: int64 }
                conditions:
                  type: array
                  x-kubernetes-list-type: map
                  x-kubernetes-list-map-keys: [type]
                  items:
                    type: object
                    required: [lastTransitionTime, message, reason, status, type]
                    properties:
                      lastTransitionTime: { type: string, format: date-time }
                      message: { type: string, maxLength: 32768 }
                      observedGeneration: { type: integer, format: int64, minimum: 0 }
                      reason: { type: string, maxLength: 1024, minLength: 1 }
                      status: { type: string, enum: ["True", "False", Unknown] }
                      type: { type: string, maxLength: 316 }
`;

const WIDGETS = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.demo.kubegen.dev
spec:
  group: demo.kubegen.dev
  scope: Cluster
  names: { kind: Widget, listKind: WidgetList, plural: widgets, singular: widget }
  versions:
${widgetVersion("v2", false)}${widgetVersion("v1", true)}`;

describe.skipIf(!cp)("kubegen init controller: cluster-scoped CRD with conditions", () => {
  it("scaffolds a project with webhooks that installs, type-checks under strict and passes its tests (observedGeneration, a Ready condition, admission, conversion)", () => {
    writeFileSync(join(work, "widgets.yaml"), WIDGETS);
    const out = join(work, "widget-controller");
    const init = kubegen(work, "init", "controller", "--crd", "widgets.yaml", "--out", out, "--packages", packedTarballs().dir, "--webhooks", "-q");
    expect(init.code, init.output).toBe(0);
    const install = npmInstall(out);
    expect(install.code, install.output).toBe(0);
    const typecheck = sh(out, "npm", ["run", "typecheck"]);
    expect(typecheck.code, typecheck.output).toBe(0);
    const test = sh(out, "npm", ["test"]);
    expect(test.code, test.output).toBe(0);
    // controller 1, deploy 3 (with the webhooks' routing), webhooks 4 (defaulting, validation, round trips, lists)
    expect(test.output).toMatch(/(?<!\d)8 passed/);
    expect(readFileSync(join(out, "src/conversion.ts"), "utf8")).toContain('"demo.kubegen.dev/v2": (object) => sameFields(object)');
  }, 900_000);
});

// A real third-party CRD, read from ../shared at run time (never copied into
// the repository): cert-manager's Issuer, namespaced, with a status
// subresource and conditions, scaffolded with --webhooks (namespaced admission
// webhooks; one version, so no conversion). Its project must pass its own
// tests with only the RBAC it generated. It shares the Widget project's node_modules (the
// same dependencies, by the same relative tarball paths), which saves an npm
// install; its own control plane start is the cost.
const ISSUER_CRD = "cert-manager/cert-manager.io_issuers.yaml";

function sharedCrd(rel: string): string | undefined {
  const shared = sharedData();
  const file = shared && join(shared, "crds", rel);
  if (file && existsSync(file)) return file;
  if (process.env.CI === "true") throw new Error(`the init test needs ../shared/crds/${rel} under CI=true`);
  console.warn(`skipping the third-party CRD scaffold: ../shared/crds/${rel} is not present`);
  return undefined;
}

const issuerCrd = cp ? sharedCrd(ISSUER_CRD) : undefined;

describe.skipIf(!cp || !issuerCrd)("kubegen init controller: a third-party CRD (cert-manager Issuer)", () => {
  it("scaffolds a project with webhooks whose tests pass with only its generated RBAC (issuers, issuers/status, events, leases)", () => {
    const out = join(work, "issuer-controller");
    const init = kubegen(work, "init", "controller", "--crd", issuerCrd!, "--out", out, "--packages", packedTarballs().dir, "--webhooks", "-q");
    expect(init.code, init.output).toBe(0);
    const role = configDocuments(out).find((d) => d.kind === "ClusterRole")!;
    expect(role.rules).toEqual([
      { apiGroups: ["cert-manager.io"], resources: ["issuers"], verbs: ["list", "watch"] },
      { apiGroups: ["cert-manager.io"], resources: ["issuers"], verbs: ["patch"] },
      { apiGroups: ["cert-manager.io"], resources: ["issuers/status"], verbs: ["patch"] },
      { apiGroups: ["events.k8s.io"], resources: ["events"], verbs: ["create", "patch"] },
    ]);
    const widgetModules = join(work, "widget-controller/node_modules");
    if (existsSync(widgetModules)) symlinkSync(widgetModules, join(out, "node_modules"), "dir");
    else expect(npmInstall(out).code).toBe(0);
    const typecheck = sh(out, "npm", ["run", "typecheck"]);
    expect(typecheck.code, typecheck.output).toBe(0);
    const test = sh(out, "npm", ["test"]);
    expect(test.code, test.output).toBe(0);
    // controller 1, deploy 3, webhooks 2 (defaulting, validation)
    expect(test.output).toMatch(/(?<!\d)6 passed/);
  }, 900_000);
});

type Manifest = { kind: string; metadata: { name: string; namespace?: string }; [field: string]: any };

/** Every document of a project's config/*.yaml, in file order. */
function configDocuments(dir: string): Manifest[] {
  const files = ["00-namespace.yaml", "10-service-account.yaml", "20-rbac.yaml", "30-deployment.yaml"];
  return files.flatMap((f) =>
    parseAllDocuments(readFileSync(join(dir, "config", f), "utf8")).map((d) => {
      if (d.errors.length > 0) throw new Error(`config/${f}: ${d.errors[0]!.message}`);
      return d.toJS() as Manifest;
    }),
  );
}

/** Polls `read` every 100 ms until it returns something other than undefined (the test's timeout bounds it). */
async function until<T>(read: () => T | undefined | Promise<T | undefined>): Promise<T> {
  for (;;) {
    const v = await read();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}
