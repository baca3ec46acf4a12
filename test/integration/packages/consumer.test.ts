// kubegen as a user installs it: an empty project in a temporary folder
// outside the repository installs the two packed tarballs (and TypeScript)
// from npm, runs `npx kubegen generate` on a CRD file, a CRD folder, a
// swagger, a folder of saved /openapi/v3 documents and --from-cluster, then
// compiles a program that uses the generated clients under strict and runs it
// against the shared control plane. Nothing resolves from this checkout.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { controlPlane, rawRequest, useTestNamespace } from "../../helpers/cluster.js";
import { npmInstall, packedTarballs, sh } from "../../helpers/packages.js";
import { installCrd } from "../../helpers/crd.js";
import { sharedData } from "../../helpers/shared-data.js";
import { loadConfig } from "@kubegen/runtime";

const cp = controlPlane();
const repo = fileURLToPath(new URL("../../../", import.meta.url));
const fooCrd = join(repo, "examples/sample-controller/crd/foos.yaml");
const shared = sharedData();
const swagger = join(shared ?? "", "openapi/kubernetes-v1.36.swagger.json.gz");
const project = mkdtempSync(join(tmpdir(), "kubegen-consumer-"));
afterAll(() => rmSync(project, { recursive: true, force: true }));

const kubegen = (...args: string[]) => sh(project, "npx", ["--no-install", "kubegen", ...args]);

const PROGRAM = `import { loadConfig, isNotFound } from "@kubegen/runtime";
import { Clientset } from "./k8s/index.js";
import { configMap } from "./k8s/core/v1/index.js";
import { Clientset as FooClientset } from "./foo/index.js";
import { foo, fooSpec } from "./foo/samplecontroller.kubegen.dev/v1alpha1/index.js";

const [kubeconfigPath, namespace] = process.argv.slice(2) as [string, string];
const config = await loadConfig({ kubeconfigPath });
const cs = Clientset.forConfig(config);
await cs.coreV1.configMaps(namespace).apply(configMap("settings", namespace).withData({ color: "blue" }), { fieldManager: "consumer" });
const got = await cs.coreV1.configMaps(namespace).get("settings");
const foos = FooClientset.forConfig(config).samplecontrollerV1alpha1.foos(namespace);
await foos.apply(foo("demo", namespace).withSpec(fooSpec().withDeploymentName("demo").withReplicas(2)), { fieldManager: "consumer" });
const demo = await foos.get("demo");
let missing = "found";
try {
  await cs.appsV1.deployments(namespace).get("nope");
} catch (e) {
  if (isNotFound(e)) missing = "not found";
  else throw e;
}
console.log(JSON.stringify({ color: got.data?.color, replicas: demo.spec?.replicas, missing }));
`;

describe.skipIf(!cp || !shared)("kubegen from its packed tarballs, in a project outside the repository", () => {
  const ns = useTestNamespace(cp, "consumer");

  beforeAll(async () => {
    const { runtime, generator } = packedTarballs();
    writeFileSync(join(project, "package.json"), `${JSON.stringify({ name: "consumer", private: true, type: "module" }, null, 2)}\n`);
    const install = npmInstall(project, runtime, generator, "typescript@~5.9.3");
    if (install.code !== 0) throw new Error(`npm install failed:\n${install.output}`);
    await installCrd(await loadConfig({ kubeconfigPath: cp!.kubeconfigPath }), fooCrd);
  }, 600_000);

  it("installs only what the packages declare: the templates ship inside kubegen, @types/node comes as the runtime's peer", () => {
    expect(existsSync(join(project, "node_modules/kubegen/templates/header.hbs"))).toBe(true);
    expect(existsSync(join(project, "node_modules/@types/node/package.json"))).toBe(true);
    expect(existsSync(join(project, "node_modules/kubegen/node_modules/@kubegen/runtime"))).toBe(false);
  });

  it("generates from a CRD file, a CRD folder, a swagger and --groups", () => {
    const crdFolder = join(project, "crds");
    mkdirSync(crdFolder);
    cpSync(fooCrd, join(crdFolder, "foos.yaml"));
    for (const args of [
      ["--crd", fooCrd, "--out", "src/foo"],
      ["--crd", "crds", "--out", "src/foo-from-folder"],
      ["--openapi", swagger, "--groups", "apps/v1,core/v1", "--out", "src/k8s"],
    ]) {
      const r = kubegen("generate", ...args, "-q");
      expect(r.code, `${args.join(" ")}\n${r.output}`).toBe(0);
    }
    expect(readFileSync(join(project, "src/foo-from-folder/index.ts"), "utf8")).toBe(readFileSync(join(project, "src/foo/index.ts"), "utf8"));
    expect(existsSync(join(project, "src/k8s/apps/v1/client.ts"))).toBe(true);
  }, 300_000);

  it("generates from a folder of saved /openapi/v3 documents and from --from-cluster", async () => {
    const index = await rawRequest(cp!, "cert", "GET", "/openapi/v3");
    const folder = join(project, "v3");
    mkdirSync(folder);
    for (const gv of ["api/v1", "apis/batch/v1"]) {
      const doc = await rawRequest(cp!, "cert", "GET", index.json().paths[gv].serverRelativeURL);
      writeFileSync(join(folder, `${gv.replaceAll("/", "_")}.json`), doc.body);
    }
    const fromFolder = kubegen("generate", "--openapi", "v3", "--out", "gen/v3-folder", "-q");
    expect(fromFolder.code, fromFolder.output).toBe(0);
    expect(existsSync(join(project, "gen/v3-folder/batch/v1/client.ts"))).toBe(true);
    const live = kubegen("generate", "--from-cluster", "--kubeconfig", cp!.kubeconfigPath, "--groups", "apps/v1,samplecontroller.kubegen.dev/v1alpha1", "--out", "gen/live", "-q");
    expect(live.code, live.output).toBe(0);
    expect(existsSync(join(project, "gen/live/apps/v1/client.ts"))).toBe(true);
  }, 300_000);

  it("a program using the generated clients compiles under strict and runs against the cluster", () => {
    writeFileSync(
      join(project, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: { target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true, skipLibCheck: true, rootDir: "src", outDir: "dist" },
        include: ["src"],
      }),
    );
    writeFileSync(join(project, "src/main.ts"), PROGRAM);
    const tsc = sh(project, "npx", ["--no-install", "tsc", "-p", "."]);
    expect(tsc.code, tsc.output).toBe(0);
    const run = sh(project, process.execPath, ["dist/main.js", cp!.kubeconfigPath, ns()], 120_000);
    expect(run.code, run.output).toBe(0);
    expect(JSON.parse(run.output.trim().split("\n")[0]!)).toEqual({ color: "blue", replicas: 2, missing: "not found" });
  }, 600_000);
});
