// The test control plane itself, checked with raw HTTPS only: both auth
// methods, RBAC, /version, the OpenAPI documents, and that stop() (or the
// runner dying) leaves no process or folder behind.
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { startControlPlane } from "@kubegen/runtime/testing";
import { controlPlane, rawRequest, useTestNamespace } from "../helpers/cluster.js";

const cp = controlPlane();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function eventually(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
}

describe.skipIf(!cp)("test control plane", () => {
  const ns = useTestNamespace(cp, "cp");

  it("creates with a client certificate and reads back with the admin token", async () => {
    const created = await rawRequest(cp!, "cert", "POST", `/api/v1/namespaces/${ns()}/configmaps`, {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "hello" },
      data: { greeting: "hi" },
    });
    expect(created.status).toBe(201);
    const read = await rawRequest(cp!, "admin-token", "GET", `/api/v1/namespaces/${ns()}/configmaps/hello`);
    expect(read.status).toBe(200);
    expect(read.json().data).toEqual({ greeting: "hi" });
    expect(read.json().metadata.uid).toBe(created.json().metadata.uid);
  });

  it("denies the unprivileged token with 403 Forbidden", async () => {
    const res = await rawRequest(cp!, "limited", "GET", `/api/v1/namespaces/${ns()}/configmaps`);
    expect(res.status).toBe(403);
    const status = res.json();
    expect(status.kind).toBe("Status");
    expect(status.reason).toBe("Forbidden");
    expect(status.message).toContain("kubegen-limited");
  });

  it("rejects an unknown token with 401", async () => {
    const res = await rawRequest({ ...cp!, limitedToken: "not-a-token" }, "limited", "GET", "/api/v1/namespaces");
    expect(res.status).toBe(401);
  });

  it("serves /version matching the built binary", async () => {
    const res = await rawRequest(cp!, "cert", "GET", "/version");
    expect(res.status).toBe(200);
    expect(res.json().gitVersion).toBe(cp!.version);
    if (process.env.KUBE_VERSION) expect(cp!.version).toBe(process.env.KUBE_VERSION);
  });

  it("serves /openapi/v2 and /openapi/v3", async () => {
    const v2 = await rawRequest(cp!, "cert", "GET", "/openapi/v2");
    expect(v2.status).toBe(200);
    const swagger = v2.json();
    expect(swagger.swagger).toBe("2.0");
    expect(swagger.definitions["io.k8s.api.core.v1.ConfigMap"]).toBeDefined();

    const index = await rawRequest(cp!, "cert", "GET", "/openapi/v3");
    expect(index.status).toBe(200);
    const paths = index.json().paths as Record<string, { serverRelativeURL: string }>;
    expect(Object.keys(paths)).toContain("apis/apps/v1");
    const apps = await rawRequest(cp!, "cert", "GET", paths["apis/apps/v1"]!.serverRelativeURL);
    expect(apps.status).toBe(200);
    const doc = apps.json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.components.schemas["io.k8s.api.apps.v1.Deployment"]).toBeDefined();
  });
});

describe.skipIf(!cp)("control plane lifecycle", () => {
  it("stop() ends every process and removes the temporary folder", async () => {
    const own = await startControlPlane({ log: () => {} });
    const pids = readFileSync(`${own.dir}/pids`, "utf8").split("\n").filter(Boolean).map(Number);
    expect(pids.length).toBeGreaterThanOrEqual(2);
    expect(pids.every(alive)).toBe(true);
    await own.stop();
    expect(pids.filter(alive)).toEqual([]);
    expect(existsSync(own.dir)).toBe(false);
    await own.stop(); // idempotent
  });

  it("cleans up after a runner that is killed without stopping", async () => {
    const script = fileURLToPath(new URL("../helpers/start-and-hang.ts", import.meta.url));
    const child = spawn(process.execPath, ["--import", "tsx", script], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.setEncoding("utf8");
    const ready = await new Promise<{ dir: string; pids: number[] }>((resolve, reject) => {
      child.stdout.on("data", (c: string) => {
        out += c;
        const line = out.split("\n").find((l) => l.startsWith("READY "));
        if (line) resolve(JSON.parse(line.slice(6)));
      });
      child.once("exit", (code) => reject(new Error(`child exited early (${code}): ${out}`)));
    });
    expect(ready.pids.every(alive)).toBe(true);
    child.kill("SIGKILL"); // no exit hooks run: only the watchdog can clean up
    expect(await eventually(() => ready.pids.every((p) => !alive(p)), 15_000)).toBe(true);
    expect(await eventually(() => !existsSync(ready.dir), 15_000)).toBe(true);
  });
});
