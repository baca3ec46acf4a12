// --from-cluster against a stub HTTP server: a group-version listed in the
// /openapi/v3 index but gone when fetched (a CRD deleted between the two
// reads) is skipped with a warning naming it; other failures still stop the
// run; --groups fetches only the documents asked for.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Diagnostics, loadInputs } from "../../../generators/index.js";

const doc = { openapi: "3.0.0", info: { title: "stub", version: "v1" }, paths: {}, components: { schemas: {} } };
const notFound = { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: "the server could not find the requested resource", reason: "NotFound", code: 404 };

describe("--from-cluster loader", () => {
  let server: Server;
  let kubeconfig = "";
  let failWith = 404;
  const dir = mkdtempSync(join(tmpdir(), "kubegen-cluster-loader-"));

  beforeAll(async () => {
    server = createServer((req, res) => {
      const path = new URL(req.url ?? "/", "http://x").pathname;
      res.setHeader("content-type", "application/json");
      if (path === "/openapi/v3") {
        res.end(JSON.stringify({ paths: { "apis/kept.example.com/v1": { serverRelativeURL: "/openapi/v3/apis/kept.example.com/v1?hash=A" }, "apis/gone.example.com/v1": { serverRelativeURL: "/openapi/v3/apis/gone.example.com/v1?hash=B" } } }));
      } else if (path === "/openapi/v3/apis/kept.example.com/v1") {
        res.end(JSON.stringify(doc));
      } else {
        res.statusCode = failWith;
        res.end(JSON.stringify({ ...notFound, code: failWith, reason: failWith === 404 ? "NotFound" : "Forbidden", message: failWith === 404 ? notFound.message : "forbidden" }));
      }
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as AddressInfo;
    kubeconfig = join(dir, "kubeconfig");
    writeFileSync(
      kubeconfig,
      `apiVersion: v1\nkind: Config\nclusters: [{name: stub, cluster: {server: "http://127.0.0.1:${port}"}}]\nusers: [{name: u, user: {}}]\ncontexts: [{name: stub, context: {cluster: stub, user: u}}]\ncurrent-context: stub\n`,
    );
  });
  afterAll(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("skips a group-version that vanished between the index and its document, with a warning", async () => {
    failWith = 404;
    const diags = new Diagnostics();
    const inputs = await loadInputs({ fromCluster: { kubeconfig } }, diags);
    expect(inputs.map((i) => i.file)).toEqual([expect.stringMatching(/\/openapi\/v3\/apis\/kept\.example\.com\/v1$/)]);
    expect(diags.warnings).toEqual([expect.objectContaining({ file: expect.stringMatching(/gone\.example\.com\/v1$/), message: expect.stringContaining("gone when fetched") })]);
  });

  it("with --groups, fetches only those group-versions' documents", async () => {
    failWith = 500; // fetching the other document would fail the run
    const diags = new Diagnostics();
    const inputs = await loadInputs({ fromCluster: { kubeconfig }, groups: ["kept.example.com/v1"] }, diags);
    expect(inputs.map((i) => i.file)).toEqual([expect.stringMatching(/kept\.example\.com\/v1$/)]);
    expect(diags.warnings).toEqual([]);
  });

  it("any other failure still stops the run", async () => {
    failWith = 403;
    await expect(loadInputs({ fromCluster: { kubeconfig } }, new Diagnostics())).rejects.toThrow(/forbidden/);
  });
});
