// The generated v1.36 clientset's connect methods (emitted from the spec's
// `x-kubernetes-action: connect` operations, ir/plan.ts connectPlan) against a
// real kube-apiserver and the test kubelet (startControlPlane({ kubelet: true })):
// pods(ns).exec and execCapture run commands in a pod, attach reads the main
// process, portForward and dialPort reach a server in the pod through the
// kubelet's port-forward, and pods(ns).proxy and services(ns).proxy reach it
// through the API server's proxy (the pod IP is the machine's non-loopback
// address: kube-apiserver refuses to proxy to loopback), with the proxied path
// escaped. The clientset is generated here from the v1.36
// swagger into .tmp/generated (fresh, so it matches the current generator).
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiError, newRestConfig, RequestBuildError, RestClient, type RestConfig } from "@kubegen/runtime";
import { startControlPlane, type ControlPlane } from "@kubegen/runtime/testing";
import type * as K8s from "../../../.tmp/generated/k8s-1.36/index.js";
import { generateFresh, importGenerated, removeGenerated, repoRoot } from "../../helpers/generated.js";
import { eventually } from "../../helpers/eventually.js";
import { findAssetsWithKubelet } from "../../helpers/streaming-checker.js";

const assets = findAssetsWithKubelet();
const ci = process.env.CI === "true";
const spec = `${repoRoot}../shared/openapi/kubernetes-v1.36.swagger.json.gz`;
if (!assets.found && !ci) console.warn(`skipping the clientset connect integration test: ${assets.reason}`);

const T = 90_000;

describe.skipIf(!assets.found && !ci)("generated clientset: exec, attach and proxy through kube-apiserver", () => {
  let cp: ControlPlane;
  let admin: RestConfig;
  let cs: K8s.Clientset;
  let out: string;
  const ns = `connect-${randomBytes(4).toString("hex")}`;
  const pod = "main";
  const port = 20_000 + Math.floor(Math.random() * 12_000); // below the ephemeral range (32768+), where connections may hold a port

  beforeAll(async () => {
    if (!assets.found) throw new Error(`the clientset connect test needs (CI=true, so this is a failure): ${assets.reason}`);
    if (!existsSync(spec)) throw new Error(`the clientset connect test needs ${spec}`);
    out = await generateFresh("connect", { openapi: [spec] });
    const gen = await importGenerated<typeof K8s>(out);
    cp = await startControlPlane({ assets: assets.assets, kubelet: true, readyTimeoutMs: 90_000, log: () => {} });
    admin = newRestConfig(cp.server, { caData: cp.caPem, bearerToken: cp.adminToken, warningHandler: null });
    cs = gen.Clientset.forConfig(admin);
    await cs.coreV1.namespaces().create({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
    const podIP = cp.kubelet!.podIP;
    // kube-apiserver's pod and service proxies refuse loopback addresses (proxyutil.IsProxyableIP);
    // the server listens on every address, so the pod IP serves the proxies and loopback port-forward.
    if (podIP.startsWith("127.")) throw new Error("the connect test needs a non-loopback IPv4 address on this machine for the pod IP");
    const server = `require('http').createServer((q,s)=>{let b='';q.on('data',(c)=>b+=c);q.on('end',()=>s.end('hi '+q.method+' '+q.url+(b?' '+b:'')))}).listen(${port},'0.0.0.0');console.log('started')`;
    await cs.coreV1.pods(ns).create({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: pod },
      spec: {
        nodeName: cp.kubelet!.nodeName,
        containers: [{ name: "c", image: "kubegen.invalid/none", command: [process.execPath, "-e", server], ports: [{ containerPort: port }] }],
      },
    });
    await eventually(`pod ${pod} running`, 60_000, async () => {
      const p = await cs.coreV1.pods(ns).get(pod);
      return p.status?.phase === "Running" && p.status.containerStatuses?.[0]?.ready ? p : undefined;
    });
  }, 240_000);

  afterAll(async () => {
    await cp?.stop();
    if (out) removeGenerated(out);
  }, 60_000);

  it("pods(ns).execCapture: stdout, stderr and the exit code", { timeout: T }, async () => {
    expect(await cs.coreV1.pods(ns).execCapture(pod, { command: ["sh", "-c", "echo out; echo err >&2; exit 3"] })).toEqual({
      stdout: "out\n",
      stderr: "err\n",
      exitCode: 3,
    });
  });

  it("pods(ns).exec: an open session whose stdout is a Readable", { timeout: T }, async () => {
    const s = await cs.coreV1.pods(ns).exec(pod, { command: ["echo", "hello"], stdout: true });
    const chunks: Buffer[] = [];
    for await (const c of s.stdout!) chunks.push(c as Buffer);
    await s.done;
    expect(Buffer.concat(chunks).toString()).toBe("hello\n");
  });

  it("pods(ns).attach: the main process's output", { timeout: T }, async () => {
    const s = await cs.coreV1.pods(ns).attach(pod, { stdout: true });
    expect(s.stdout).toBeDefined();
    s.close();
    await s.done;
  });

  it("pods(ns).proxy: GET and POST reach the pod's server, the path escaped; `..` is refused before any I/O", { timeout: T }, async () => {
    await expect(cs.coreV1.pods(ns).proxy(pod, "/a/../../secrets")).rejects.toBeInstanceOf(RequestBuildError);
    // The pod is Running once its process started; its server may take a moment more to listen.
    const got = await eventually("pods/proxy answers", 30_000, () => cs.coreV1.pods(ns).proxy(pod, "/hello world?x", { query: { q: "1" } }));
    expect(got.status).toBe(200);
    expect(got.body.toString()).toBe("hi GET /hello%20world%3Fx?q=1");
    const posted = await cs.coreV1.pods(ns).proxy(`${pod}:${port}`, "/submit", { method: "POST", body: "payload", headers: { "content-type": "text/plain" } });
    expect(posted.body.toString()).toBe("hi POST /submit payload");
  });

  it("pods(ns).proxy: a port nothing listens on is an ApiError from the API server", { timeout: T }, async () => {
    const err = await cs.coreV1
      .pods(ns)
      .proxy(`${pod}:1`, "/")
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBeGreaterThanOrEqual(500);
  });

  it("services(ns).proxy: through a Service and its Endpoints to the pod", { timeout: T }, async () => {
    await cs.coreV1.services(ns).create({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "web" },
      spec: { ports: [{ name: "http", port: 80, targetPort: port }] },
    });
    // A Service without a selector takes hand-made Endpoints (no endpoints controller needed);
    // kube-apiserver's services/proxy picks an address from them, and only one whose targetRef
    // names a pod reporting that IP.
    await cs.coreV1.endpoints(ns).create({
      apiVersion: "v1",
      kind: "Endpoints",
      metadata: { name: "web" },
      subsets: [{ addresses: [{ ip: cp.kubelet!.podIP, targetRef: { kind: "Pod", namespace: ns, name: pod } }], ports: [{ name: "http", port, protocol: "TCP" }] }],
    });
    const got = await eventually("services/proxy answers", 30_000, async () => {
      const r = await cs.coreV1.services(ns).proxy("web:http", "/via service", { query: { a: ["1", "2"] } });
      return r.status === 200 ? r : undefined;
    });
    expect(got.body.toString()).toBe("hi GET /via%20service?a=1&a=2");
  });

  it("pods(ns).portForward and dialPort: the pod's server through the kubelet's port-forward", { timeout: T }, async () => {
    const fwd = await cs.coreV1.pods(ns).portForward(pod, { ports: [{ local: 0, remote: port }] });
    try {
      const res = await fetch(`http://127.0.0.1:${fwd.ports[0]!.local}/forwarded`);
      expect(await res.text()).toBe("hi GET /forwarded");
    } finally {
      await fwd.close();
    }
    const conn = await cs.coreV1.pods(ns).dialPort(pod, { port });
    conn.write("GET /dialed HTTP/1.0\r\n\r\n");
    let text = "";
    for await (const c of conn) text += (c as Buffer).toString();
    expect(text.endsWith("hi GET /dialed")).toBe(true);
  });

  it("the fake clientset has the methods, and says it cannot run them", { timeout: T }, async () => {
    const fake = await importGenerated<{ FakeClientset: new () => K8s.Clientset }>(out, "fake.ts");
    const f = new fake.FakeClientset();
    await expect(f.coreV1.pods("default").execCapture("p", { command: ["true"] })).rejects.toThrow(/fake clients do not implement/);
    await expect(f.coreV1.services("default").proxy("s", "/")).rejects.toThrow(/fake clientset does not implement proxy/);
    await expect(f.coreV1.pods("default").portForward("p", { ports: [80] })).rejects.toThrow(/fake clients do not implement/);
  });

  it("uses the clientset's own RestClient (one rate limiter)", () => {
    expect(cs.coreV1.executor).toBeInstanceOf(RestClient);
  });
});
