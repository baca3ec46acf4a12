// --from-cluster against a stub HTTP server: a group-version listed in the
// /openapi/v3 index but gone when fetched (a CRD deleted between the two
// reads) is skipped with a warning naming it; other failures still stop the
// run; --groups fetches only the documents asked for. Group-versions served by
// CRDs are read from the CRD objects (listed page by page), not their OpenAPI.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildModel, Diagnostics, loadInputs } from "../../../generators/index.js";

const doc = { openapi: "3.0.0", info: { title: "stub", version: "v1" }, paths: {}, components: { schemas: {} } };
const notFound = { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: "the server could not find the requested resource", reason: "NotFound", code: 404 };

/** Starts `server` on a free loopback port and writes a kubeconfig for it into `dir`; returns its path. */
async function listenWithKubeconfig(server: Server, dir: string): Promise<string> {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  const path = join(dir, "kubeconfig");
  writeFileSync(
    path,
    `apiVersion: v1\nkind: Config\nclusters: [{name: stub, cluster: {server: "http://127.0.0.1:${port}"}}]\nusers: [{name: u, user: {}}]\ncontexts: [{name: stub, context: {cluster: stub, user: u}}]\ncurrent-context: stub\n`,
  );
  return path;
}

describe("--from-cluster loader", () => {
  let server: Server;
  let kubeconfig = "";
  let failWith = 404;
  const authorizations: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), "kubegen-cluster-loader-"));

  beforeAll(async () => {
    server = createServer((req, res) => {
      authorizations.push(req.headers.authorization ?? "");
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
    kubeconfig = await listenWithKubeconfig(server, dir);
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

  it("reads through a kubeconfig user with the legacy oidc auth-provider (the CLI enables it, as kubectl does)", async () => {
    failWith = 500;
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
    const idToken = `${b64({ alg: "RS256" })}.${b64({ sub: "u", exp: Math.floor(Date.now() / 1000) + 3600 })}.c2ln`;
    const oidc = join(dir, "kubeconfig-oidc");
    const user = `{auth-provider: {name: oidc, config: {idp-issuer-url: "https://issuer.example", client-id: kubectl, id-token: "${idToken}"}}}`;
    writeFileSync(oidc, readFileSync(kubeconfig, "utf8").replace("user: {}", `user: ${user}`));
    authorizations.length = 0;
    const inputs = await loadInputs({ fromCluster: { kubeconfig: oidc }, groups: ["kept.example.com/v1"] }, new Diagnostics());
    expect(inputs).toHaveLength(1);
    expect(authorizations.length).toBeGreaterThan(0);
    expect(authorizations.every((a) => a === `Bearer ${idToken}`)).toBe(true);
  });
});

// A group-version being removed can answer 200 with an empty or cut body while the index still
// lists it (seen on kube-apiserver v1.36 while a CRD was deleted): the loader asks discovery
// (/apis/<group>/<version>) and skips the document when the group-version is gone; one still
// served is read again, up to 3 times.
describe("--from-cluster: a document cut short while its group-version is removed", () => {
  let server: Server;
  let kubeconfig = "";
  let stillServed = false;
  let cutReads = 0;
  let healAfter = Infinity; // the cut document answers whole from this read on
  const dir = mkdtempSync(join(tmpdir(), "kubegen-cluster-cut-"));

  beforeAll(async () => {
    server = createServer((req, res) => {
      const path = new URL(req.url ?? "/", "http://x").pathname;
      res.setHeader("content-type", "application/json");
      if (path === "/openapi/v3") {
        const paths: Record<string, unknown> = { "apis/kept.example.com/v1": { serverRelativeURL: "/openapi/v3/apis/kept.example.com/v1?hash=A" } };
        paths["apis/cut.example.com/v1"] = { serverRelativeURL: "/openapi/v3/apis/cut.example.com/v1?hash=C" };
        res.end(JSON.stringify({ paths }));
      } else if (path === "/openapi/v3/apis/kept.example.com/v1") {
        res.end(JSON.stringify(doc));
      } else if (path === "/apis/cut.example.com/v1" && stillServed) {
        res.end(JSON.stringify({ kind: "APIResourceList", groupVersion: "cut.example.com/v1", resources: [] }));
      } else if (path === "/openapi/v3/apis/cut.example.com/v1") {
        cutReads++;
        res.end(cutReads >= healAfter ? JSON.stringify(doc) : JSON.stringify(doc).slice(0, 20));
      } else {
        res.statusCode = 404;
        res.end(JSON.stringify(notFound));
      }
    });
    kubeconfig = await listenWithKubeconfig(server, dir);
  });
  afterAll(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const reset = (served: boolean, heal: number): void => {
    cutReads = 0;
    stillServed = served;
    healAfter = heal;
  };

  it("no longer served (discovery answers 404): skipped with a warning", async () => {
    reset(false, Infinity);
    const diags = new Diagnostics();
    const inputs = await loadInputs({ fromCluster: { kubeconfig } }, diags);
    expect(inputs.map((i) => i.file)).toEqual([expect.stringMatching(/kept\.example\.com\/v1$/)]);
    expect(diags.warnings).toEqual([expect.objectContaining({ file: expect.stringMatching(/cut\.example\.com\/v1$/), message: expect.stringContaining("removed while it was read") })]);
    expect(diags.errors).toEqual([]);
  });

  it("still served and whole when read again: used", async () => {
    reset(true, 2);
    const diags = new Diagnostics();
    const inputs = await loadInputs({ fromCluster: { kubeconfig } }, diags);
    expect(inputs.map((i) => i.file).sort()).toEqual([expect.stringMatching(/cut\.example\.com\/v1$/), expect.stringMatching(/kept\.example\.com\/v1$/)]);
    expect(cutReads).toBe(2);
  });

  it("still served and still cut after 3 more reads: an error naming the document (a SchemaError from generate)", async () => {
    reset(true, Infinity);
    const diags = new Diagnostics();
    await loadInputs({ fromCluster: { kubeconfig } }, diags);
    expect(diags.errors).toEqual([expect.objectContaining({ file: expect.stringMatching(/cut\.example\.com\/v1$/), message: expect.stringContaining("invalid JSON") })]);
    expect(cutReads).toBe(4);
  }, 30_000);
});

// Group-versions served by CRDs are read from the CRD objects (so they give
// what --crd gives), the others from /openapi/v3.
describe("--from-cluster with CustomResourceDefinitions", () => {
  let server: Server;
  let kubeconfig = "";
  let crdList: "ok" | "forbidden" | "broken" = "ok";
  const fetched: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), "kubegen-cluster-crds-"));
  const established = { conditions: [{ type: "Established", status: "True" }] };
  const crd = (plural: string, group: string, kind: string, status: unknown) => ({
    metadata: { name: `${plural}.${group}`, uid: "u", managedFields: [{ manager: "m" }] },
    spec: {
      group,
      scope: "Namespaced",
      names: { plural, singular: kind.toLowerCase(), kind, listKind: `${kind}List` },
      versions: [
        {
          name: "v1",
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: "object", properties: { spec: { type: "object", properties: { size: { type: "integer" } } } } } },
        },
      ],
    },
    status,
  });
  const pages: Record<string, unknown> = {
    "": { kind: "CustomResourceDefinitionList", metadata: { continue: "page 2" }, items: [crd("widgets", "crd.example.com", "Widget", established)] },
    "page 2": {
      kind: "CustomResourceDefinitionList",
      metadata: {},
      items: [crd("gadgets", "other.example.com", "Gadget", established), crd("pendings", "crd.example.com", "Pending", { conditions: [] })],
    },
  };

  beforeAll(async () => {
    server = createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://x");
      fetched.push(url.pathname);
      res.setHeader("content-type", "application/json");
      const send = (code: number, body: unknown): void => {
        res.statusCode = code;
        res.end(JSON.stringify(body));
      };
      const v3 = (gv: string) => ({ serverRelativeURL: `/openapi/v3/${gv}?hash=H` });
      if (url.pathname === "/openapi/v3") {
        send(200, { paths: { "apis/apiextensions.k8s.io/v1": v3("apis/apiextensions.k8s.io/v1"), "apis/crd.example.com/v1": v3("apis/crd.example.com/v1"), "apis/other.example.com/v1": v3("apis/other.example.com/v1"), "apis/apps/v1": v3("apis/apps/v1") } });
      } else if (url.pathname === "/apis/apiextensions.k8s.io/v1/customresourcedefinitions") {
        if (crdList === "forbidden") send(403, { ...notFound, code: 403, reason: "Forbidden", message: "forbidden" });
        else if (crdList === "broken") send(500, { ...notFound, code: 500, reason: "InternalError", message: "etcd is on fire" });
        else if (url.searchParams.get("limit") === null) send(400, { ...notFound, code: 400, reason: "BadRequest", message: "expected a limit" });
        else send(200, pages[url.searchParams.get("continue") ?? ""] ?? pages[""]);
      } else if (url.pathname.startsWith("/openapi/v3/apis/")) {
        // A CRD group's document is only read when the CRDs cannot be listed.
        if (url.pathname.includes("example.com") && crdList === "ok") send(500, { ...notFound, code: 500, reason: "InternalError", message: "must not be fetched" });
        else send(200, doc);
      } else {
        send(404, notFound);
      }
    });
    kubeconfig = await listenWithKubeconfig(server, dir);
  });
  afterAll(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("reads CRD-served group-versions from the CRD objects (every page), built-in ones from OpenAPI", async () => {
    crdList = "ok";
    fetched.length = 0;
    const diags = new Diagnostics();
    const lines: string[] = [];
    const inputs = await loadInputs({ fromCluster: { kubeconfig }, progress: (l) => lines.push(l) }, diags);
    expect(inputs.filter((i) => i.kind === "crd").map((i) => i.file)).toEqual([
      expect.stringMatching(/\/apis\/apiextensions\.k8s\.io\/v1\/customresourcedefinitions\/gadgets\.other\.example\.com$/),
      expect.stringMatching(/\/customresourcedefinitions\/widgets\.crd\.example\.com$/),
    ]);
    expect(inputs.filter((i) => i.kind === "openapi").map((i) => i.file)).toEqual([
      expect.stringMatching(/\/openapi\/v3\/apis\/apiextensions\.k8s\.io\/v1$/),
      expect.stringMatching(/\/openapi\/v3\/apis\/apps\/v1$/),
    ]);
    expect(fetched.filter((p) => p.includes("example.com"))).toEqual([]);
    expect(diags.errors).toEqual([]);
    expect(diags.warnings).toEqual([expect.objectContaining({ file: expect.stringMatching(/pendings\.crd\.example\.com$/), message: expect.stringContaining("not established") })]);
    expect(lines).toContain(`read 2 CustomResourceDefinitions from ${lines[0]!.split(" from ")[1]}`);
    const model = buildModel(inputs, diags);
    expect(model.groupVersions.find((g) => g.group === "crd.example.com")?.types.map((t) => t.name)).toEqual(["Widget", "WidgetList", "WidgetSpec"]);
  });

  it("with --groups, keeps only the CRDs of those groups and fetches no other document", async () => {
    crdList = "ok";
    fetched.length = 0;
    const diags = new Diagnostics();
    const inputs = await loadInputs({ fromCluster: { kubeconfig }, groups: ["crd.example.com/v1"] }, diags);
    expect(inputs.map((i) => `${i.kind} ${i.file.replace(/^.*\//, "")}`)).toEqual(["crd widgets.crd.example.com"]);
    expect(fetched.filter((p) => p.startsWith("/openapi/v3/"))).toEqual([]);
  });

  it("when the CRDs cannot be listed, reads their OpenAPI and warns that the API may differ", async () => {
    crdList = "forbidden";
    const diags = new Diagnostics();
    const inputs = await loadInputs({ fromCluster: { kubeconfig } }, diags);
    expect(inputs.every((i) => i.kind === "openapi")).toBe(true);
    expect(inputs.map((i) => i.file)).toContainEqual(expect.stringMatching(/\/openapi\/v3\/apis\/crd\.example\.com\/v1$/));
    expect(diags.warnings).toEqual([expect.objectContaining({ message: expect.stringMatching(/cannot list CustomResourceDefinitions \(forbidden\)/) })]);
  });

  it("any other failure to list the CRDs stops the run, naming what was being read", async () => {
    crdList = "broken";
    await expect(loadInputs({ fromCluster: { kubeconfig } }, new Diagnostics())).rejects.toThrow(
      /--from-cluster: reading CustomResourceDefinitions from http:\/\/127\.0\.0\.1:\d+ failed: .*etcd is on fire/,
    );
  });
});
