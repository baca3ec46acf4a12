// The test kubelet behind a real kube-apiserver (startControlPlane({ kubelet: true })), proved
// with client-go's own streaming clients (the Go streaming checker) before any TypeScript client
// exists: exec over v5.channel.k8s.io (translated by the API server to SPDY for the kubelet),
// attach, port-forward tunnelled over WebSocket (SPDY/3.1+portforward.k8s.io), pods/log, the
// v5 frames as the server sends them, the kubelet's own authentication, and the pod lifecycle
// (status, exit codes, deletion kills the processes). Each checker run has its own deadline.
import { randomBytes } from "node:crypto";
import https from "node:https";
import { createServer, type Server } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startControlPlane, type ControlPlane } from "@kubegen/runtime/testing";
import { eventually } from "../../helpers/eventually.js";
import { findAssetsWithKubelet, findStreamingChecker, runStreamingChecker } from "../../helpers/streaming-checker.js";

const assets = findAssetsWithKubelet();
const checker = findStreamingChecker();
const missing = [...(assets.found ? [] : [assets.reason]), ...(checker.found ? [] : [checker.reason])];
const ci = process.env.CI === "true";
if (missing.length > 0 && !ci) console.warn(`skipping the test kubelet integration test: ${missing.join("; ")}`);

interface ExecAnswer {
  stdout: string;
  stderr: string;
  exitCode: number;
  error: string | null;
}

function request(
  url: string,
  tls: https.RequestOptions,
  method = "GET",
  body?: unknown,
): Promise<{ status: number; body: string; json<T = any>(): T }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      {
        ...tls,
        method,
        timeout: 10_000,
        agent: false,
        headers: { "content-type": "application/json", accept: "application/json" },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (text += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text, json: () => JSON.parse(text) }));
      },
    );
    req.on("timeout", () => req.destroy(new Error(`timeout: ${method} ${url}`)));
    req.on("error", reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}


describe.skipIf(missing.length > 0 && !ci)(
  "test kubelet: exec, attach, port-forward and logs through kube-apiserver",
  () => {
    let cp: ControlPlane;
    let bin = "";
    let api: (method: string, path: string, body?: unknown) => ReturnType<typeof request>;
    const ns = `kubelet-${randomBytes(4).toString("hex")}`;
    const pod = "shell";
    let echo: Server;
    let echoPort = 0;
    let startupMs = 0;

    const target = () => ["--kubeconfig", cp.kubeconfigPath, "--namespace", ns, "--pod", pod, "--timeout", "25s"];
    const exec = (...argv: string[]) => runStreamingChecker<ExecAnswer>(bin, ["exec", ...target(), "--", ...argv]);
    const podStatus = async (name: string) => (await api("GET", `/api/v1/namespaces/${ns}/pods/${name}`)).json();

    async function createPod(name: string, spec: Record<string, unknown>): Promise<void> {
      const res = await api("POST", `/api/v1/namespaces/${ns}/pods`, {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name },
        spec: { nodeName: cp.kubelet!.nodeName, ...spec },
      });
      if (res.status !== 201) throw new Error(`creating pod ${name}: HTTP ${res.status} ${res.body}`);
    }

    beforeAll(async () => {
      if (missing.length > 0)
        throw new Error(
          `the test kubelet integration test needs (CI=true, so this is a failure): ${missing.join("; ")}`,
        );
      if (!assets.found || !checker.found) return;
      bin = checker.path;
      const t0 = Date.now();
      cp = await startControlPlane({ assets: assets.assets, kubelet: true, readyTimeoutMs: 90_000, log: () => {} });
      startupMs = Date.now() - t0;
      const tls = { ca: cp.caPem, cert: cp.clientCert, key: cp.clientKey };
      api = (method, path, body) => request(new URL(path, cp.server).toString(), tls, method, body);
      const created = await api("POST", "/api/v1/namespaces", {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name: ns },
      });
      if (created.status !== 201) throw new Error(`creating namespace: HTTP ${created.status} ${created.body}`);
      await createPod(pod, {
        containers: [
          { name: "main", image: "kubegen.invalid/none", command: ["sh", "-c", "echo started; cat"], stdin: true },
        ],
      });
      await eventually("the shell pod running", 30_000, async () => {
        const p = await podStatus(pod);
        return p.status?.phase === "Running" && p.status.containerStatuses?.[0]?.ready ? p : undefined;
      });
      echo = createServer((socket) => socket.pipe(socket));
      await new Promise<void>((resolve) => echo.listen(0, "127.0.0.1", resolve));
      echoPort = (echo.address() as { port: number }).port;
    }, 150_000);

    afterAll(async () => {
      echo?.close();
      await cp?.stop();
    }, 60_000);

    it("registers a Ready node with InternalIP 127.0.0.1 and the kubelet's port", async () => {
      const node = (await api("GET", `/api/v1/nodes/${cp.kubelet!.nodeName}`)).json();
      expect(node.status.addresses).toContainEqual({ type: "InternalIP", address: "127.0.0.1" });
      expect(node.status.daemonEndpoints.kubeletEndpoint.Port).toBe(Number(new URL(cp.kubelet!.url).port));
      expect(node.status.conditions.find((c: { type: string }) => c.type === "Ready").status).toBe("True");
      console.log(`test kubelet: control plane with kubelet ready in ${startupMs} ms`);
    });

    it("reports the running container in the pod status", async () => {
      const p = await podStatus(pod);
      const cs = p.status.containerStatuses[0];
      expect(cs.name).toBe("main");
      expect(cs.state.running.startedAt).toBeTruthy();
      expect(cs.started).toBe(true);
      expect(cs.containerID).toMatch(/^kubegen:\/\/[0-9a-f]{32}$/);
      expect(p.status.podIP).toBe(cp.kubelet!.podIP);
      expect(p.status.conditions.find((c: { type: string }) => c.type === "Ready").status).toBe("True");
    });

    it("exec echo hello: stdout hello, exit 0", async () => {
      const r = await exec("echo", "hello");
      expect(r).toEqual({ stdout: "hello\n", stderr: "", exitCode: 0, error: null });
    });

    it("exec keeps stdout and stderr apart and passes stdin", async () => {
      const r = await runStreamingChecker<ExecAnswer>(bin, [
        "exec",
        ...target(),
        "--stdin",
        "from stdin",
        "--",
        "sh",
        "-c",
        "cat; echo oops >&2",
      ]);
      expect(r).toEqual({ stdout: "from stdin", stderr: "oops\n", exitCode: 0, error: null });
    });

    it("exec sh -c 'exit 3': exit code 3 in the status channel", async () => {
      const r = await exec("sh", "-c", "exit 3");
      expect(r.exitCode).toBe(3);
      expect(r.error).toBe("command terminated with exit code 3");
    });

    it("exec of a missing command: the runtime's error, no exit code", async () => {
      const r = await exec("kubegen-no-such-command");
      expect(r.exitCode).toBe(-1);
      expect(r.error).toContain("error executing command in container");
      expect(r.error).toContain('exec: "kubegen-no-such-command": executable file not found in $PATH');
    });

    it("exec with a TTY runs on a pseudo-terminal", async () => {
      const r = await runStreamingChecker<ExecAnswer>(bin, ["exec", ...target(), "--tty", "--", "tty"]);
      expect(r.error).toBeNull();
      expect(r.stdout).toMatch(/^\/dev\/pts\/\d+\r\n$/);
    });

    it("attach reaches the container's stdin and stdout", async () => {
      const word = `attached-${randomBytes(3).toString("hex")}`;
      const r = await runStreamingChecker<{ stdout: string; error: string | null }>(bin, [
        "attach",
        ...target(),
        "--stdin",
        `${word}\n`,
        "--until",
        word,
      ]);
      expect(r.error).toBeNull();
      expect(r.stdout).toContain(word);
    });

    it("port-forward over WebSocket reaches a listener on the pod's loopback", async () => {
      const payload = `ping-${randomBytes(6).toString("hex")}`;
      const r = await runStreamingChecker<{ received: string; protocol: string; error: string | null }>(bin, [
        "portforward",
        ...target(),
        "--port",
        String(echoPort),
        "--send",
        payload,
      ]);
      expect(r.error).toBeNull();
      expect(r.received).toBe(payload);
      expect(r.protocol).toBe("portforward.k8s.io");
    });

    it("pods/log returns what the container wrote, and follows it", async () => {
      const plain = await runStreamingChecker<{ body: string; error: string | null }>(bin, ["logs", ...target()]);
      expect(plain.error).toBeNull();
      expect(plain.body.startsWith("started\n")).toBe(true);
      const followed = await runStreamingChecker<{ body: string; error: string | null }>(bin, [
        "logs",
        ...target(),
        "--follow",
        "--until",
        "started",
      ]);
      expect(followed).toEqual({ body: expect.stringContaining("started\n"), error: null });
      const stamped = await runStreamingChecker<{ body: string }>(bin, [
        "logs",
        ...target(),
        "--query",
        "timestamps=true&tailLines=1",
      ]);
      expect(stamped.body).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z \S+\n$/);
    });

    it("negotiates v5.channel.k8s.io for exec and SPDY/3.1+portforward.k8s.io for port-forward", async () => {
      const base = `/api/v1/namespaces/${ns}/pods/${pod}`;
      const hs = (path: string, protocols: string) =>
        runStreamingChecker<{ protocol?: string; error: string | null }>(bin, [
          "handshake",
          "--kubeconfig",
          cp.kubeconfigPath,
          "--path",
          path,
          "--protocols",
          protocols,
        ]);
      const execPath = `${base}/exec?command=true&stdout=true`;
      expect(await hs(execPath, "v5.channel.k8s.io,v4.channel.k8s.io")).toEqual({
        status: 101,
        protocol: "v5.channel.k8s.io",
        error: null,
      });
      expect(await hs(`${base}/portforward`, "SPDY/3.1+portforward.k8s.io")).toEqual({
        status: 101,
        protocol: "SPDY/3.1+portforward.k8s.io",
        error: null,
      });
    });

    it("sends v5 frames: stdout on channel 1, the status JSON on channel 3", async () => {
      const query = new URLSearchParams([
        ["command", "sh"],
        ["command", "-c"],
        ["command", "echo hi; exit 5"],
        ["stdout", "true"],
        ["stderr", "true"],
      ]);
      const r = await runStreamingChecker<{ protocol: string; frames: Array<{ channel: number; data: string }> }>(bin, [
        "rawexec",
        "--kubeconfig",
        cp.kubeconfigPath,
        "--path",
        `/api/v1/namespaces/${ns}/pods/${pod}/exec?${query}`,
      ]);
      expect(r.protocol).toBe("v5.channel.k8s.io");
      const out = r.frames
        .filter((f) => f.channel === 1)
        .map((f) => f.data)
        .join("");
      expect(out).toBe("hi\n");
      const status = JSON.parse(r.frames.find((f) => f.channel === 3)!.data);
      expect(status).toMatchObject({
        status: "Failure",
        reason: "NonZeroExitCode",
        details: { causes: [{ reason: "ExitCode", message: "5" }] },
      });
      console.log(`test kubelet: v5 frames ${JSON.stringify(r.frames)}`);
    });

    it("exec with a TTY follows a resize sent on channel 4", async () => {
      // The shell polls its terminal size until it is the one sent (or gives up after 10 s).
      const script =
        'i=0; while [ $i -lt 100 ]; do [ "$(stty size)" = "33 101" ] && echo resized && exit 0; i=$((i+1)); sleep 0.1; done; stty size; exit 1';
      const query = new URLSearchParams([
        ["command", "sh"],
        ["command", "-c"],
        ["command", script],
        ["stdout", "true"],
        ["tty", "true"],
      ]);
      const r = await runStreamingChecker<{ frames: Array<{ channel: number; data: string }> }>(bin, [
        "rawexec",
        "--kubeconfig",
        cp.kubeconfigPath,
        "--resize",
        "101x33",
        "--path",
        `/api/v1/namespaces/${ns}/pods/${pod}/exec?${query}`,
      ]);
      const out = r.frames
        .filter((f) => f.channel === 1)
        .map((f) => f.data)
        .join("");
      expect(out).toBe("resized\r\n");
      expect(JSON.parse(r.frames.find((f) => f.channel === 3)!.data)).toEqual({ metadata: {}, status: "Success" });
    });

    it("restarts an exited container (restartPolicy Always) and serves the previous attempt's log", async () => {
      // The first attempt prints run-0 and exits 2; the restart (same pod folder) prints run-1 and stays.
      const script =
        'n=$(cat count 2>/dev/null || echo 0); echo run-$n; echo $((n+1)) > count; [ "$n" -ge 1 ] && exec sleep 600; exit 2';
      await createPod("restarts", {
        containers: [{ name: "main", image: "kubegen.invalid/none", command: ["sh", "-c", script] }],
      });
      const p = await eventually("a restart", 30_000, async () => {
        const s = await podStatus("restarts");
        const cs = s.status?.containerStatuses?.[0];
        return cs?.restartCount === 1 && cs.state.running ? s : undefined;
      });
      expect(p.status.phase).toBe("Running");
      expect(p.status.containerStatuses[0].lastState.terminated).toMatchObject({ exitCode: 2, reason: "Error" });
      const logArgs = target().map((a) => (a === pod ? "restarts" : a));
      const previous = await runStreamingChecker<{ body: string }>(bin, [
        "logs",
        ...logArgs,
        "--query",
        "previous=true",
      ]);
      expect(previous.body).toBe("run-0\n");
      const current = await runStreamingChecker<{ body: string }>(bin, [
        "logs",
        ...logArgs,
        "--follow",
        "--until",
        "run-1",
      ]);
      expect(current.body).toBe("run-1\n");
    });

    it("pods/log honours tailLines and limitBytes", async () => {
      await createPod("lines", {
        restartPolicy: "Never",
        containers: [
          {
            name: "main",
            image: "kubegen.invalid/none",
            command: ["sh", "-c", "for i in 1 2 3 4 5; do echo line-$i; done"],
          },
        ],
      });
      await eventually("pod lines succeeded", 30_000, async () =>
        (await podStatus("lines")).status?.phase === "Succeeded" ? true : undefined,
      );
      const args = target().map((a) => (a === pod ? "lines" : a));
      expect((await runStreamingChecker<{ body: string }>(bin, ["logs", ...args])).body).toBe(
        "line-1\nline-2\nline-3\nline-4\nline-5\n",
      );
      expect((await runStreamingChecker<{ body: string }>(bin, ["logs", ...args, "--query", "tailLines=2"])).body).toBe(
        "line-4\nline-5\n",
      );
      expect(
        (await runStreamingChecker<{ body: string }>(bin, ["logs", ...args, "--query", "limitBytes=9"])).body,
      ).toBe("line-1\nli");
    });

    it("the kubelet answers only the API server's kubelet client certificate", async () => {
      const kubeletTls = { ca: cp.caPem };
      const { readFile } = await import("node:fs/promises");
      const cert = await readFile(cp.kubelet!.clientCertPath, "utf8");
      const key = await readFile(cp.kubelet!.clientKeyPath, "utf8");
      expect((await request(`${cp.kubelet!.url}/healthz`, { ...kubeletTls, cert, key })).status).toBe(200);
      expect((await request(`${cp.kubelet!.url}/healthz`, kubeletTls)).status).toBe(401);
      // Signed by the same CA, but another user (the admin in system:masters).
      expect(
        (await request(`${cp.kubelet!.url}/healthz`, { ...kubeletTls, cert: cp.clientCert, key: cp.clientKey })).status,
      ).toBe(403);
    });

    it("records the exit code of a finished container and keeps its log", async () => {
      await createPod("once", {
        restartPolicy: "Never",
        containers: [{ name: "main", image: "kubegen.invalid/none", command: ["sh", "-c", "echo bye; exit 7"] }],
      });
      const p = await eventually("pod once failed", 30_000, async () => {
        const s = await podStatus("once");
        return s.status?.phase === "Failed" ? s : undefined;
      });
      expect(p.status.containerStatuses[0].state.terminated).toMatchObject({ exitCode: 7, reason: "Error" });
      const logs = await runStreamingChecker<{ body: string }>(bin, [
        "logs",
        ...target().map((a) => (a === pod ? "once" : a)),
      ]);
      expect(logs.body).toBe("bye\n");
    });

    it("deleting a pod kills its processes and the kubelet confirms the deletion", async () => {
      await createPod("sleeper", {
        containers: [
          { name: "main", image: "kubegen.invalid/none", command: ["sh", "-c", "echo pid=$$; exec sleep 600"] },
        ],
      });
      await eventually("pod sleeper running", 30_000, async () =>
        (await podStatus("sleeper")).status?.phase === "Running" ? true : undefined,
      );
      const logs = await runStreamingChecker<{ body: string }>(bin, [
        "logs",
        ...target().map((a) => (a === pod ? "sleeper" : a)),
        "--follow",
        "--until",
        "pid=",
      ]);
      const pid = Number(/pid=(\d+)/.exec(logs.body)?.[1]);
      expect(pid).toBeGreaterThan(1);
      const alive = () => {
        try {
          process.kill(pid, 0);
          return true;
        } catch {
          return false;
        }
      };
      expect(alive()).toBe(true);
      expect((await api("DELETE", `/api/v1/namespaces/${ns}/pods/sleeper`)).status).toBe(200);
      await eventually("pod sleeper gone", 30_000, async () =>
        (await api("GET", `/api/v1/namespaces/${ns}/pods/sleeper`)).status === 404 ? true : undefined,
      );
      expect(alive()).toBe(false);
    });
  },
);
