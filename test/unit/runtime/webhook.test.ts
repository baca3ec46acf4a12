// The webhook server (runtime/src/webhook) over real HTTPS on loopback, with certificates from
// openssl: reviews of the wrong kind, without a uid, not JSON or too large get a clear 4xx and
// the server goes on; a handler that throws or outlasts its timeout becomes a denial (or a
// failed conversion) with the message, logged with the uid; mutations come back as a JSON Patch
// that turns the object into the handler's; conversions go through the storage version; health
// and readiness; stop() waits for requests in flight; a replaced certificate serves new
// connections. The JSON Patch itself is checked by a property: applied to the object it was
// computed from, it gives the target.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import https from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import tls from "node:tls";
import fc from "fast-check";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { WebhookServer, allow, deny, jsonPatch, storageConverter, type JsonPatchOperation } from "@kubegen/runtime/webhook";
import type { KubernetesObject } from "@kubegen/runtime";

const T = 30_000;
let dir: string;
let ca: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "kubegen-webhook-"));
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2"];
  const openssl = (args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
  openssl(["req", "-x509", ...ec, "-keyout", "ca.key", "-out", "ca.crt", "-subj", "/CN=webhook-ca", "-addext", "basicConstraints=critical,CA:TRUE",
    "-addext", "keyUsage=critical,keyCertSign,cRLSign,digitalSignature"]);
  for (const name of ["one", "two"]) {
    openssl(["req", "-x509", ...ec, "-keyout", `${name}.key`, "-out", `${name}.crt`, "-subj", `/CN=${name}`, "-CA", "ca.crt", "-CAkey", "ca.key",
      "-addext", "subjectAltName=IP:127.0.0.1", "-addext", "extendedKeyUsage=serverAuth"]);
  }
  ca = readFileSync(join(dir, "ca.crt"), "utf8");
  for (const f of ["crt", "key"]) writeFileSync(join(dir, `serving.${f}`), readFileSync(join(dir, `one.${f}`)));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const servers: WebhookServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop(1_000);
});

interface Logged {
  message: string;
  fields?: Record<string, unknown>;
}
async function start(configure: (s: WebhookServer) => void, options: { handlerTimeoutMs?: number; maxBodyBytes?: number; certCheckMs?: number } = {}) {
  const errors: Logged[] = [];
  const server = new WebhookServer({
    certFile: join(dir, "serving.crt"),
    keyFile: join(dir, "serving.key"),
    port: 0,
    host: "127.0.0.1",
    logger: { info: () => {}, error: (message, fields) => void errors.push({ message, ...(fields ? { fields } : {}) }) },
    ...options,
  });
  configure(server);
  await server.start();
  servers.push(server);
  return { server, errors };
}

function post(port: number, path: string, body: unknown, method = "POST"): Promise<{ status: number; text: string; json: () => any }> {
  const data = typeof body === "string" ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = https.request({ host: "127.0.0.1", port, path, method, ca, headers: { "content-type": "application/json" } }, (res) => {
      let text = "";
      res.on("data", (c) => (text += String(c)));
      res.on("end", () => resolve({ status: res.statusCode!, text, json: () => JSON.parse(text) }));
    });
    req.on("error", reject);
    req.end(method === "GET" ? undefined : data);
  });
}

const configMap = (data: Record<string, string>): KubernetesObject & { data: Record<string, string> } => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: "c", namespace: "ns" },
  data,
});
const admission = (object: unknown, uid = "uid-1") => ({
  apiVersion: "admission.k8s.io/v1",
  kind: "AdmissionReview",
  request: { uid, kind: { group: "", version: "v1", kind: "ConfigMap" }, resource: { group: "", version: "v1", resource: "configmaps" }, operation: "CREATE", userInfo: {}, object },
});

/** A small RFC 6902 applier for add, remove and replace on objects (what jsonPatch emits). */
function applyPatch(doc: unknown, ops: readonly JsonPatchOperation[]): unknown {
  let root = structuredClone(doc);
  for (const op of ops) {
    const tokens = op.path.split("/").slice(1).map((t) => t.replace(/~1/g, "/").replace(/~0/g, "~"));
    if (tokens.length === 0) {
      if (op.op === "remove") throw new Error("remove of the root");
      root = structuredClone(op.value);
      continue;
    }
    let parent = root as Record<string, unknown>;
    for (const t of tokens.slice(0, -1)) parent = parent[t] as Record<string, unknown>;
    const last = tokens[tokens.length - 1]!;
    if (op.op === "remove") {
      if (!Object.hasOwn(parent, last)) throw new Error(`remove of a missing ${op.path}`);
      delete parent[last];
    } else if (op.op === "replace" && !Object.hasOwn(parent, last)) throw new Error(`replace of a missing ${op.path}`);
    else parent[last] = structuredClone(op.value);
  }
  return root;
}

describe("jsonPatch", () => {
  it("turns the object it was computed from into the target, for any two JSON objects", () => {
    const key = fc.oneof(fc.constantFrom("a", "b", "x/y", "~t", "~1", ""), fc.string({ maxLength: 3 }));
    const json = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: "small" }, fc.constant(null), fc.boolean(), fc.integer(), fc.string({ maxLength: 4 }), fc.array(tie("value"), { maxLength: 3 }), tie("object")),
      object: fc.dictionary(key, tie("value"), { maxKeys: 4 }),
    }));
    fc.assert(
      fc.property(json.object, json.object, (a, b) => {
        expect(applyPatch(a, jsonPatch(a, b))).toEqual(b);
      }),
      { numRuns: 500 },
    );
  });

  it("escapes ~ and / in paths, and is empty for equal objects", () => {
    expect(jsonPatch({ "a/b": 1, "c~d": 1 }, { "a/b": 2 })).toEqual([
      { op: "remove", path: "/c~0d" },
      { op: "replace", path: "/a~1b", value: 2 },
    ]);
    expect(jsonPatch({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] })).toEqual([]);
  });
});

describe("WebhookServer", () => {
  it("validates: allows, denies with the handler's message and code, and passes warnings", { timeout: T }, async () => {
    const { server } = await start((s) =>
      s.validating<ReturnType<typeof configMap>>("/validate", (req) => (req.object?.data.bad ? deny(`bad is not allowed in ${req.object.metadata!.name}`, 422) : allow("looked at it"))),
    );
    const ok = await post(server.port, "/validate", admission(configMap({ good: "1" })));
    expect([ok.status, ok.json().response]).toEqual([200, { uid: "uid-1", allowed: true, warnings: ["looked at it"] }]);
    const no = await post(server.port, "/validate", admission(configMap({ bad: "1" }), "uid-2"));
    expect(no.json()).toEqual({
      apiVersion: "admission.k8s.io/v1",
      kind: "AdmissionReview",
      response: { uid: "uid-2", allowed: false, status: { status: "Failure", message: "bad is not allowed in c", code: 422 } },
    });
  });

  it("mutates: the handler's changes come back as a base64 JSON Patch; no change, no patch", { timeout: T }, async () => {
    const { server } = await start((s) =>
      s.mutating<ReturnType<typeof configMap>>("/mutate", (obj) => {
        if (obj.data.skip) return;
        obj.metadata!.labels = { mutated: "yes" };
        delete obj.data.remove;
        obj.data["a/b"] = "added";
        return obj;
      }),
    );
    const before = configMap({ keep: "1", remove: "x" });
    const res = (await post(server.port, "/mutate", admission(before))).json().response;
    expect(res.patchType).toBe("JSONPatch");
    const ops = JSON.parse(Buffer.from(res.patch, "base64").toString()) as JsonPatchOperation[];
    expect(applyPatch(before, ops)).toEqual({ ...before, metadata: { ...before.metadata, labels: { mutated: "yes" } }, data: { keep: "1", "a/b": "added" } });
    const unchanged = (await post(server.port, "/mutate", admission(configMap({ skip: "1" })))).json().response;
    expect(unchanged).toEqual({ uid: "uid-1", allowed: true });
  });

  it("a handler that throws or outlasts its timeout becomes a denial with the message, logged with the uid, and the server goes on", { timeout: T }, async () => {
    const { server, errors } = await start(
      (s) =>
        s
          .validating("/throws", () => {
            throw new Error("lookup failed");
          })
          .validating("/slow", () => new Promise<never>(() => {}))
          .validating("/fine", () => allow()),
      { handlerTimeoutMs: 200 },
    );
    const thrown = (await post(server.port, "/throws", admission(configMap({}), "u-throw"))).json().response;
    expect(thrown).toMatchObject({ uid: "u-throw", allowed: false, status: { message: "webhook error: lookup failed", code: 500 } });
    const slow = (await post(server.port, "/slow", admission(configMap({}), "u-slow"))).json().response;
    expect(slow).toMatchObject({ uid: "u-slow", allowed: false, status: { message: "webhook timed out: the handler did not finish within 200 ms" } });
    expect(errors.map((e) => e.fields?.uid)).toEqual(["u-throw", "u-slow"]);
    expect((await post(server.port, "/fine", admission(configMap({})))).json().response.allowed).toBe(true);
  });

  it("answers bad input with a clear 4xx and keeps serving", { timeout: T }, async () => {
    const { server } = await start((s) => s.validating("/v", () => allow()), { maxBodyBytes: 10_000 });
    const cases: Array<[unknown, number, string]> = [
      [{ ...admission({}), apiVersion: "admission.k8s.io/v1beta1" }, 400, "expected apiVersion admission.k8s.io/v1 and kind AdmissionReview"],
      [{ ...admission({}), request: { ...admission({}).request, uid: "" } }, 400, "AdmissionReview request has no uid"],
      ["{not json", 400, "the review is not JSON"],
      [{ big: "x".repeat(20_000) }, 413, "larger than 10000 bytes"],
    ];
    for (const [body, status, text] of cases) {
      const res = await post(server.port, "/v", body);
      expect([res.status, res.text]).toEqual([status, expect.stringContaining(text)]);
    }
    expect((await post(server.port, "/nowhere", admission({}))).status).toBe(404);
    expect((await post(server.port, "/v", "", "GET")).status).toBe(405);
    expect((await post(server.port, "/v", admission(configMap({})))).json().response.allowed).toBe(true);
  });

  it("converts through the storage version, keeping kind and metadata, and fails the review with the message", { timeout: T }, async () => {
    type V1 = KubernetesObject & { spec: { size: number } };
    type V2 = KubernetesObject & { spec: { replicas: number } };
    const convert = storageConverter<V1, { "x.dev/v2": V2 }>({
      storage: "x.dev/v1",
      toStorage: { "x.dev/v2": (o) => ({ ...o, spec: { size: o.spec.replicas } }) },
      fromStorage: { "x.dev/v2": (o) => ({ ...o, spec: { replicas: o.spec.size } }) },
    });
    const { server } = await start((s) => s.conversion("/convert", convert));
    const review = (desiredAPIVersion: string, objects: unknown[]) => ({
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "ConversionReview",
      request: { uid: "c-1", desiredAPIVersion, objects },
    });
    const meta = { name: "w", namespace: "ns", uid: "u" };
    const mixed = [
      { apiVersion: "x.dev/v1", kind: "Widget", metadata: meta, spec: { size: 3 } },
      { apiVersion: "x.dev/v2", kind: "Widget", metadata: meta, spec: { replicas: 4 } },
    ];
    const res = (await post(server.port, "/convert", review("x.dev/v2", mixed))).json().response;
    expect(res).toEqual({
      uid: "c-1",
      result: { status: "Success" },
      convertedObjects: [
        { apiVersion: "x.dev/v2", kind: "Widget", metadata: meta, spec: { replicas: 3 } },
        { apiVersion: "x.dev/v2", kind: "Widget", metadata: meta, spec: { replicas: 4 } },
      ],
    });
    const failed = (await post(server.port, "/convert", review("x.dev/v9", mixed))).json().response;
    expect(failed).toEqual({ uid: "c-1", convertedObjects: [], result: { status: "Failure", message: expect.stringContaining('no conversion for "x.dev/v9"') } });
  });

  it("reports health and readiness, and stop() waits for a request in flight", { timeout: T }, async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { server } = await start((s) => s.validating("/wait", async () => (await gate, allow())));
    const port = server.port;
    expect((await post(port, "/healthz", "", "GET")).status).toBe(200);
    expect((await post(port, "/readyz", "", "GET")).status).toBe(200);
    expect(server.ready()).toBe(true);
    const inFlight = post(port, "/wait", admission(configMap({})));
    await new Promise((r) => setTimeout(r, 100));
    const stopped = server.stop(10_000);
    expect(server.ready()).toBe(false);
    let done = false;
    void stopped.then(() => (done = true));
    await new Promise((r) => setTimeout(r, 100));
    expect(done).toBe(false);
    release();
    expect((await inFlight).json().response.allowed).toBe(true);
    await stopped;
    await expect(post(port, "/healthz", "", "GET")).rejects.toThrow();
  });

  it("serves a replaced certificate to new connections", { timeout: T }, async () => {
    const { server } = await start(() => {}, { certCheckMs: 50 });
    const servedCn = () =>
      new Promise<string>((resolve, reject) => {
        const s = tls.connect({ host: "127.0.0.1", port: server.port, ca }, () => {
          resolve(String(s.getPeerCertificate().subject.CN));
          s.end();
        });
        s.on("error", reject);
      });
    expect(await servedCn()).toBe("one");
    // replaced as a secret volume does: new files moved into place
    for (const f of ["crt", "key"]) {
      writeFileSync(join(dir, `next.${f}`), readFileSync(join(dir, `two.${f}`)));
      renameSync(join(dir, `next.${f}`), join(dir, `serving.${f}`));
    }
    await vi.waitFor(async () => expect(await servedCn()).toBe("two"), { timeout: 10_000, interval: 50 });
    for (const f of ["crt", "key"]) writeFileSync(join(dir, `serving.${f}`), readFileSync(join(dir, `one.${f}`)));
  });
});
