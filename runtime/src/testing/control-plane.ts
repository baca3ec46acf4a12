// startControlPlane(): a real etcd + kube-apiserver (and optionally
// kube-controller-manager and kubegen's test kubelet, a Node whose pods run as
// local processes, for exec/attach/port-forward/logs) on free loopback ports,
// with its own PKI, RBAC, static tokens and service-account keys, for
// integration tests and for users who want a disposable cluster. Mirrors what
// controller-runtime's envtest does, without Go.

import { execFile } from "node:child_process";
import { rmSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import https from "node:https";
import http from "node:http";
import { createServer } from "node:net";
import { networkInterfaces, tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { findControlPlaneAssets, type ControlPlaneAssets } from "./assets.js";
import { createKubeletPki, createTestPki, KUBELET_CLIENT_USER, TEST_USERS, type TestPki } from "./pki.js";
import {
  KUBELET_PIDS_FILE,
  killNow,
  killRecordedGroups,
  logTail,
  startProcess,
  startWatchdog,
  stopProcess,
  type ManagedProcess,
} from "./processes.js";

/** The name of the Node the test kubelet registers. */
export const TEST_NODE_NAME = "kubegen-test-node";

/** Options for {@link startControlPlane}. */
export interface ControlPlaneOptions {
  /** Binaries to run; found with {@link findControlPlaneAssets} when omitted. */
  readonly assets?: ControlPlaneAssets;
  /** Also start kube-controller-manager (garbage collection, namespace deletion) if its binary is available. */
  readonly controllerManager?: boolean;
  /** Controllers kube-controller-manager runs. Default: garbagecollector and namespace. */
  readonly controllers?: readonly string[];
  /**
   * Also start kubegen's test kubelet (built from test/kubelet by `make envtest`): it registers
   * the Node {@link TEST_NODE_NAME} and runs the containers of pods bound to it (`spec.nodeName`)
   * as local processes, so pods/exec, attach, portforward and log work through the API server.
   * Throws, before starting anything, when the binary is missing.
   */
  readonly kubelet?: boolean;
  /** Extra kube-apiserver flags, e.g. `["--feature-gates=Foo=true"]`. */
  readonly apiServerFlags?: readonly string[];
  /** How long to wait for each component to become ready. Default 90 s. */
  readonly readyTimeoutMs?: number;
  /** Where progress lines go. Default: stderr. */
  readonly log?: (line: string) => void;
}

/** The test kubelet of a control plane started with `kubelet: true`. */
export interface TestKubelet {
  /** The Node it registered (Ready, InternalIP 127.0.0.1); bind pods to it with `spec.nodeName`. */
  readonly nodeName: string;
  /**
   * The address every pod reports as `status.podIP` (the pods' processes share this machine's
   * network): the first non-loopback IPv4 address of the machine, or 127.0.0.1 when it has none.
   * kube-apiserver proxies pods/proxy and services/proxy only to a non-loopback address, so a
   * server in a pod must listen on it (or on 0.0.0.0) to be reached that way.
   */
  readonly podIP: string;
  /** Its HTTPS endpoint, e.g. `https://127.0.0.1:41235` (client certificate {@link clientCertPath} only). */
  readonly url: string;
  /** The client certificate and key kube-apiserver uses to call it (PEM files). */
  readonly clientCertPath: string;
  readonly clientKeyPath: string;
  /** Its log file. */
  readonly logFile: string;
}

/** A running control plane and the credentials to talk to it. */
export interface ControlPlane {
  /** The API server URL, e.g. `https://127.0.0.1:41234`. */
  readonly server: string;
  /** A kubeconfig with contexts `admin` (current; client certificate), `token-admin` and `limited`. */
  readonly kubeconfigPath: string;
  /** The CA that signed the serving and client certificates (PEM). */
  readonly caPem: string;
  /** Files holding that CA's certificate and key (PEM), for tests that issue their own client certificates. */
  readonly caCertPath: string;
  readonly caKeyPath: string;
  /** Bearer token of a user in `system:masters`. */
  readonly adminToken: string;
  /** Bearer token of a user with no RBAC bindings at all. */
  readonly limitedToken: string;
  /** Admin client certificate (`O=system:masters`), PEM. */
  readonly clientCert: string;
  /** Key of {@link clientCert}, PEM. */
  readonly clientKey: string;
  /** The Kubernetes version the kube-apiserver binary reports, e.g. `v1.36.3`. */
  readonly version: string;
  /** The etcd client URL (for tests that compact or inspect storage). */
  readonly etcdUrl: string;
  /** Temporary folder holding data, logs and credentials; removed by stop(). */
  readonly dir: string;
  /** True when kube-controller-manager is running. */
  readonly controllerManager: boolean;
  /** The test kubelet, when started with `kubelet: true`. */
  readonly kubelet: TestKubelet | undefined;
  /** Start-to-ready time in milliseconds. */
  readonly startupMs: number;
  /**
   * The running kube-apiserver's process id (a new one after
   * {@link restartApiServer}; undefined if it could not be spawned), for tests
   * that pause it with SIGSTOP/SIGCONT. Read-only: stop it with stopApiServer.
   */
  readonly apiServerPid: number | undefined;
  /** kube-apiserver alone: stop it (SIGTERM) without touching etcd. */
  stopApiServer(): Promise<void>;
  /** Starts kube-apiserver again on the same port after {@link stopApiServer}. */
  restartApiServer(): Promise<void>;
  /** Stops every process (the kubelet and its pods first) and removes {@link dir}. Safe to call more than once. */
  stop(): Promise<void>;
}

const execFileP = promisify(execFile);

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === "object" && addr ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

interface Probe {
  status: number;
  body: string;
}

function probe(url: string, tls?: https.RequestOptions): Promise<Probe> {
  return new Promise((resolve, reject) => {
    const mod = url.startsWith("https:") ? https : http;
    const req = mod.get(url, { ...tls, timeout: 2000, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
  });
}

async function waitUntil(
  what: string,
  proc: ManagedProcess,
  timeoutMs: number,
  check: () => Promise<boolean>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = "";
  while (Date.now() < deadline) {
    if (proc.hasExited()) {
      throw new Error(`${what} exited during start-up. Last lines of ${proc.logFile}:\n${logTail(proc)}`);
    }
    try {
      if (await check()) return;
    } catch (err) {
      lastError = (err as Error).message;
    }
    await sleep(100);
  }
  throw new Error(
    `${what} was not ready after ${timeoutMs} ms${lastError ? ` (last error: ${lastError})` : ""}. ` +
      `Last lines of ${proc.logFile}:\n${logTail(proc)}`,
  );
}

/** The first non-loopback IPv4 address of this machine, else 127.0.0.1 (the test kubelet's pod IP). */
function podNetworkAddress(): string {
  for (const addrs of Object.values(networkInterfaces())) {
    const v4 = addrs?.find((a) => a.family === "IPv4" && !a.internal);
    if (v4) return v4.address;
  }
  return "127.0.0.1";
}

// A Node is usable for streaming when it is Ready and advertises the kubelet's port.
function nodeReady(body: string, port: number): boolean {
  const node = JSON.parse(body) as {
    status?: {
      conditions?: Array<{ type: string; status: string }>;
      daemonEndpoints?: { kubeletEndpoint?: { Port?: number } };
    };
  };
  const ready = node.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
  return ready && node.status?.daemonEndpoints?.kubeletEndpoint?.Port === port;
}

/** The version a kube-apiserver binary was built as (`kube-apiserver --version`). */
export async function binaryVersion(kubeApiserver: string): Promise<string> {
  const { stdout } = await execFileP(kubeApiserver, ["--version"]);
  const m = /v\d+\.\d+\.\d+\S*/.exec(stdout);
  if (!m) throw new Error(`cannot read the version from \`${kubeApiserver} --version\`: ${stdout.trim()}`);
  return m[0];
}

function yamlString(s: string): string {
  return JSON.stringify(s); // a JSON string is a valid YAML double-quoted scalar
}

function kubeconfigText(server: string, pki: TestPki): string {
  const b64 = (s: string) => Buffer.from(s).toString("base64");
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "- name: kubegen-test",
    "  cluster:",
    `    server: ${yamlString(server)}`,
    `    certificate-authority-data: ${b64(pki.caPem)}`,
    "users:",
    "- name: admin",
    "  user:",
    `    client-certificate-data: ${b64(pki.clientCert)}`,
    `    client-key-data: ${b64(pki.clientKey)}`,
    "- name: token-admin",
    "  user:",
    `    token: ${yamlString(pki.adminToken)}`,
    "- name: limited",
    "  user:",
    `    token: ${yamlString(pki.limitedToken)}`,
    "contexts:",
    "- name: admin",
    "  context: {cluster: kubegen-test, user: admin, namespace: default}",
    "- name: token-admin",
    "  context: {cluster: kubegen-test, user: token-admin, namespace: default}",
    "- name: limited",
    "  context: {cluster: kubegen-test, user: limited, namespace: default}",
    "current-context: admin",
    "",
  ].join("\n");
}

/**
 * Starts etcd, then kube-apiserver (then kube-controller-manager if asked), and
 * waits for `/readyz`. Everything lives in a fresh temporary folder; `stop()`
 * ends the processes and removes it. If the calling process dies without
 * calling `stop()`, a detached watchdog does the same.
 *
 * @throws Error naming what is missing when the binaries cannot be found, or
 *   quoting the component's log when it fails to start.
 */
export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const timeout = options.readyTimeoutMs ?? 90_000;
  const found = options.assets ? undefined : findControlPlaneAssets();
  if (found && !found.found) throw new Error(`cannot start a test control plane: ${found.reason}`);
  const assets: ControlPlaneAssets = options.assets ?? (found as { assets: ControlPlaneAssets }).assets;
  if (options.kubelet && !assets.testKubelet) {
    const named = process.env.KUBEGEN_TEST_KUBELET;
    throw new Error(
      "cannot start a test control plane with kubelet: true: " +
        (named
          ? `KUBEGEN_TEST_KUBELET=${named} is missing or not executable`
          : `the test kubelet (kubegen-test-kubelet) is not beside the binaries from ${assets.source}. ` +
            "Run `make envtest` (test/envtest/build-kubelet.sh builds it from test/kubelet into the envtest cache folder), " +
            "or set KUBEGEN_TEST_KUBELET to its path"),
    );
  }

  const started = Date.now();
  const dir = await mkdtemp(join(tmpdir(), "kubegen-cp-"));
  startWatchdog(dir);
  const procs: ManagedProcess[] = [];
  let stopped = false;
  const onExit = (): void => {
    for (const p of procs) killNow(p);
    killRecordedGroups(dir);
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // best effort at exit
    }
  };
  process.once("exit", onExit);

  const stopAll = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    process.removeListener("exit", onExit);
    // Reverse start order: kubelet (it ends its pods' processes), controller-manager,
    // apiserver, then etcd. Pod processes a killed kubelet left behind go too.
    for (const p of [...procs].reverse()) {
      await stopProcess(p);
      if (p.name === "kubelet") killRecordedGroups(dir);
    }
    await rm(dir, { recursive: true, force: true });
  };

  try {
    const [version, pki] = await Promise.all([binaryVersion(assets.kubeApiserver), createTestPki(dir)]);
    const kubeletPki = options.kubelet ? await createKubeletPki(dir, TEST_NODE_NAME) : undefined;
    const [etcdPort, etcdPeerPort, apiPort] = await Promise.all([freePort(), freePort(), freePort()]);
    const etcdUrl = `http://127.0.0.1:${etcdPort}`;

    const etcd = startProcess(dir, "etcd", assets.etcd, [
      `--data-dir=${join(dir, "etcd-data")}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
      `--initial-cluster=default=http://127.0.0.1:${etcdPeerPort}`,
      "--unsafe-no-fsync",
      "--log-level=warn",
    ]);
    procs.push(etcd);
    await waitUntil("etcd", etcd, timeout, async () => {
      const r = await probe(`${etcdUrl}/health`);
      return r.status === 200 && r.body.includes('"true"');
    });

    const server = `https://127.0.0.1:${apiPort}`;
    const apiArgs = [
      `--etcd-servers=${etcdUrl}`,
      "--bind-address=127.0.0.1",
      "--advertise-address=127.0.0.1",
      `--secure-port=${apiPort}`,
      `--cert-dir=${join(dir, "apiserver-certs")}`,
      `--tls-cert-file=${pki.servingCertFile}`,
      `--tls-private-key-file=${pki.servingKeyFile}`,
      `--client-ca-file=${pki.caCertFile}`,
      `--token-auth-file=${pki.tokenFile}`,
      `--service-account-issuer=https://kubernetes.default.svc.cluster.local`,
      `--service-account-key-file=${pki.serviceAccountPublicKeyFile}`,
      `--service-account-signing-key-file=${pki.serviceAccountKeyFile}`,
      "--authorization-mode=RBAC",
      "--service-cluster-ip-range=10.0.0.0/24",
      "--allow-privileged=true",
      // No kube-controller-manager creates default service accounts, so pods
      // would be refused by the ServiceAccount admission plugin.
      "--disable-admission-plugins=ServiceAccount",
      // How kube-apiserver reaches the test kubelet: by the Node's InternalIP, verifying its
      // serving certificate with the test CA, presenting its own client certificate.
      ...(kubeletPki
        ? [
            `--kubelet-client-certificate=${kubeletPki.clientCertFile}`,
            `--kubelet-client-key=${kubeletPki.clientKeyFile}`,
            `--kubelet-certificate-authority=${pki.caCertFile}`,
            "--kubelet-preferred-address-types=InternalIP",
          ]
        : []),
      ...(options.apiServerFlags ?? []),
    ];
    const tls: https.RequestOptions = { ca: pki.caPem, cert: pki.clientCert, key: pki.clientKey };
    let apiserver = startProcess(dir, "kube-apiserver", assets.kubeApiserver, apiArgs);
    procs.push(apiserver);
    const waitApi = (p: ManagedProcess) =>
      waitUntil("kube-apiserver", p, timeout, async () => (await probe(`${server}/readyz`, tls)).status === 200);
    await waitApi(apiserver);

    const kubeconfigPath = join(dir, "kubeconfig");
    await writeFile(kubeconfigPath, kubeconfigText(server, pki), { mode: 0o600 });

    let controllerManager = false;
    if (options.controllerManager && assets.kubeControllerManager) {
      const kcmPort = await freePort();
      const kcm = startProcess(dir, "kube-controller-manager", assets.kubeControllerManager, [
        `--kubeconfig=${kubeconfigPath}`,
        `--authentication-kubeconfig=${kubeconfigPath}`,
        `--authorization-kubeconfig=${kubeconfigPath}`,
        "--bind-address=127.0.0.1",
        `--secure-port=${kcmPort}`,
        `--cert-dir=${join(dir, "kcm-certs")}`,
        "--leader-elect=false",
        `--controllers=${(options.controllers ?? ["garbagecollector", "namespace"]).join(",")}`,
        `--service-account-private-key-file=${pki.serviceAccountKeyFile}`,
        `--root-ca-file=${pki.caCertFile}`,
      ]);
      procs.push(kcm);
      await waitUntil("kube-controller-manager", kcm, timeout, async () => {
        const r = await probe(`https://127.0.0.1:${kcmPort}/healthz`, { rejectUnauthorized: false });
        return r.status === 200;
      });
      controllerManager = true;
    } else if (options.controllerManager) {
      log("control plane: kube-controller-manager requested but not built (run `make envtest`); running without it");
    }

    let kubelet: TestKubelet | undefined;
    if (kubeletPki && assets.testKubelet) {
      const port = await freePort();
      const podIP = podNetworkAddress();
      const proc = startProcess(dir, "kubelet", assets.testKubelet, [
        `--kubeconfig=${kubeconfigPath}`,
        `--node-name=${TEST_NODE_NAME}`,
        "--address=127.0.0.1",
        `--pod-ip=${podIP}`,
        `--port=${port}`,
        `--tls-cert-file=${kubeletPki.servingCertFile}`,
        `--tls-private-key-file=${kubeletPki.servingKeyFile}`,
        `--client-ca-file=${pki.caCertFile}`,
        `--allowed-user=${KUBELET_CLIENT_USER}`,
        `--root-dir=${join(dir, "kubelet")}`,
        `--pids-file=${join(dir, KUBELET_PIDS_FILE)}`,
      ]);
      procs.push(proc);
      const url = `https://127.0.0.1:${port}`;
      const kubeletTls: https.RequestOptions = {
        ca: pki.caPem,
        cert: kubeletPki.clientCert,
        key: kubeletPki.clientKey,
      };
      await waitUntil("the test kubelet", proc, timeout, async () => {
        const health = await probe(`${url}/healthz`, kubeletTls);
        if (health.status !== 200) return false;
        const node = await probe(`${server}/api/v1/nodes/${TEST_NODE_NAME}`, tls);
        return node.status === 200 && nodeReady(node.body, port);
      });
      kubelet = {
        nodeName: TEST_NODE_NAME,
        podIP,
        url,
        clientCertPath: kubeletPki.clientCertFile,
        clientKeyPath: kubeletPki.clientKeyFile,
        logFile: proc.logFile,
      };
    }

    const startupMs = Date.now() - started;
    log(`control plane: kube-apiserver ${version} ready at ${server} in ${startupMs} ms`);

    return {
      server,
      kubeconfigPath,
      caPem: pki.caPem,
      caCertPath: pki.caCertFile,
      caKeyPath: pki.caKeyFile,
      adminToken: pki.adminToken,
      limitedToken: pki.limitedToken,
      clientCert: pki.clientCert,
      clientKey: pki.clientKey,
      version,
      etcdUrl,
      dir,
      controllerManager,
      kubelet,
      startupMs,
      get apiServerPid() {
        return apiserver.child.pid;
      },
      async stopApiServer() {
        await stopProcess(apiserver);
      },
      async restartApiServer() {
        if (!apiserver.hasExited()) throw new Error("kube-apiserver is still running; call stopApiServer() first");
        const next = startProcess(dir, "kube-apiserver", assets.kubeApiserver, apiArgs);
        procs[procs.indexOf(apiserver)] = next;
        apiserver = next;
        await waitApi(next);
      },
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

export { TEST_USERS };
