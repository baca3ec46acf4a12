// Built-in types generated from what a real kube-apiserver serves: its
// /openapi/v3 (through --from-cluster and the kubeconfig) and its /openapi/v2
// (saved to a file), both type-checked under strict.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildModel, Diagnostics, generate, loadInputs } from "../../../generators/index.js";
import { controlPlane, rawRequest } from "../../helpers/cluster.js";
import { typecheck } from "../../helpers/typecheck.js";

const cp = controlPlane();
const work = mkdtempSync(join(tmpdir(), "kubegen-from-cluster-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe.skipIf(!cp)("generate from a live cluster", () => {
  it("--from-cluster reads /openapi/v3 and the output type-checks", async () => {
    const out = join(work, "v3");
    const r = await generate({ fromCluster: { kubeconfig: cp!.kubeconfigPath }, out });
    expect(r.modules).toBeGreaterThan(20);
    const diags = new Diagnostics();
    const model = buildModel(await loadInputs({ fromCluster: { kubeconfig: cp!.kubeconfigPath } }, diags), diags);
    const apps = model.groupVersions.find((g) => g.names.modulePath === "apps/v1")!;
    const deployments = apps.resources.find((x) => x.plural === "deployments")!;
    expect(deployments.namespaced).toBe(true);
    expect(deployments.subresources.map((s) => s.name)).toEqual(["scale", "status"]);
    const pods = model.groupVersions.find((g) => g.names.modulePath === "core/v1")!.resources.find((x) => x.plural === "pods")!;
    expect(pods.subresources.find((s) => s.name === "log")?.stream).toBe(true);
    expect(typecheck([out]).errors).toEqual([]);
  }, 120_000);

  it("--openapi with the server's /openapi/v2 saved to a file", async () => {
    const res = await rawRequest(cp!, "cert", "GET", "/openapi/v2");
    expect(res.status).toBe(200);
    const file = join(work, "swagger.json");
    writeFileSync(file, res.body);
    const out = join(work, "v2");
    const r = await generate({ openapi: [file], out });
    expect(r.resources).toBeGreaterThan(50);
    expect(typecheck([out]).errors).toEqual([]);
  }, 120_000);

  it("--openapi with a folder of saved /openapi/v3 group-version documents", async () => {
    const index = await rawRequest(cp!, "cert", "GET", "/openapi/v3");
    const folder = join(work, "v3-docs");
    mkdirSync(folder);
    for (const gv of ["api/v1", "apis/apps/v1", "apis/batch/v1"]) {
      const doc = await rawRequest(cp!, "cert", "GET", index.json().paths[gv].serverRelativeURL);
      writeFileSync(join(folder, `${gv.replaceAll("/", "_")}.json`), doc.body);
    }
    const out = join(work, "v3-folder");
    const r = await generate({ openapi: [folder], out });
    expect(r.resources).toBeGreaterThan(20);
    expect(existsSync(join(out, "batch/v1/types/index.ts"))).toBe(true);
    expect(typecheck([out]).errors).toEqual([]);
  }, 120_000);

  it("--from-cluster with an unknown context fails naming it, and writes nothing", async () => {
    const out = join(work, "denied");
    await expect(generate({ fromCluster: { kubeconfig: cp!.kubeconfigPath, context: "nope" }, out })).rejects.toThrow(/--from-cluster: .*nope/);
    expect(existsSync(out)).toBe(false);
  });
});
