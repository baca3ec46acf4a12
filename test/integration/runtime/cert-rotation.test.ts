// Client certificate rotation against the real kube-apiserver
// (transport/cert-rotation.ts; client-go transport/cert_rotation.go). A
// kubeconfig names client-certificate and client-key files holding user A
// (O=system:masters), signed by the control plane's CA. A watch on ConfigMaps
// starts as A; then the files are rewritten with a new key pair for user B,
// signed by the same CA. The watch must keep delivering events on its
// connection, and new requests must authenticate as B (SelfSubjectReview).
// Signing needs the control plane's CA key (ControlPlaneInfo.caKeyPath).
//
// The config keeps the default check interval (1 s): the switch to B is
// polled for with a bounded number of attempts, never a fixed sleep.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig, RestClient, type WatchEvent } from "@kubegen/runtime";
import { controlPlane, useTestNamespace } from "../../helpers/cluster.js";

const cp = controlPlane();
const T = 90_000;

interface ConfigMap {
  metadata: { name: string; resourceVersion: string };
}
interface SelfSubjectReview {
  status: { userInfo: { username: string; groups?: string[] } };
}

describe.skipIf(!cp)("client certificate rotation", () => {
  const ns = useTestNamespace(cp, "certrot");
  const dir = mkdtempSync(join(tmpdir(), "kubegen-certrot-it-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** A fresh EC key pair for `user` in system:masters, signed by the control plane's CA, as PEM text. */
  const issue = (user: string): { cert: string; key: string } => {
    const ca = { cert: cp!.caCertPath, key: cp!.caKeyPath };
    const out = join(dir, user);
    execFileSync(
      "openssl",
      ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
        "-keyout", `${out}.key`, "-out", `${out}.crt`, "-subj", `/O=system:masters/CN=${user}`,
        "-CA", ca.cert, "-CAkey", ca.key, "-addext", "extendedKeyUsage=clientAuth"],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    return { cert: readFileSync(`${out}.crt`, "utf8"), key: readFileSync(`${out}.key`, "utf8") };
  };

  it(
    "a watch keeps receiving events across the rotation, and new requests authenticate as the new user",
    async () => {
      const userA = `certrot-a-${ns()}`;
      const userB = `certrot-b-${ns()}`;
      const a = issue(userA);
      const b = issue(userB);
      const certFile = join(dir, "tls.crt");
      const keyFile = join(dir, "tls.key");
      writeFileSync(certFile, a.cert);
      writeFileSync(keyFile, a.key, { mode: 0o600 });
      const kubeconfig = join(dir, "kubeconfig");
      writeFileSync(
        kubeconfig,
        [
          "apiVersion: v1",
          "kind: Config",
          "clusters:",
          "- name: test",
          "  cluster:",
          `    server: ${cp!.server}`,
          `    certificate-authority-data: ${Buffer.from(cp!.caPem).toString("base64")}`,
          "users:",
          "- name: rotating",
          "  user:",
          `    client-certificate: ${certFile}`,
          `    client-key: ${keyFile}`,
          "contexts:",
          "- name: test",
          "  context: { cluster: test, user: rotating }",
          "current-context: test",
          "",
        ].join("\n"),
        { mode: 0o600 },
      );
      const config = await loadConfig({ kubeconfigPath: kubeconfig });
      expect([config.certFile, config.keyFile]).toEqual([certFile, keyFile]);
      const rc = new RestClient({ ...config, warningHandler: null });
      const cms = { version: "v1", resource: "configmaps", namespace: ns() } as const;
      const whoami = async () =>
        (
          await rc.request<SelfSubjectReview>({
            group: "authentication.k8s.io",
            version: "v1",
            resource: "selfsubjectreviews",
            verb: "create",
            body: { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" },
          })
        ).status.userInfo.username;
      const ac = new AbortController();
      try {
        expect(await whoami()).toBe(userA);
        const list = await rc.request<{ metadata: { resourceVersion: string } }>({ ...cms, verb: "list" });
        const watch = rc.watch<ConfigMap>({ ...cms, options: { resourceVersion: list.metadata.resourceVersion }, signal: ac.signal });
        const nextName = async (): Promise<string> => {
          const r = await watch.next();
          if (r.done) throw new Error("the watch ended");
          return (r.value as WatchEvent<ConfigMap>).object.metadata.name;
        };

        const first = nextName();
        await rc.request({ ...cms, verb: "create", body: { metadata: { name: "before" } } });
        expect(await first).toBe("before");

        writeFileSync(certFile, b.cert);
        writeFileSync(keyFile, b.key, { mode: 0o600 });
        let user = "";
        for (let i = 0; i < 100 && user !== userB; i++) {
          user = await whoami();
          if (user !== userB) await new Promise((r) => setTimeout(r, 100));
        }
        expect(user).toBe(userB);
        expect(rc.transport.tlsFiles.generation).toBe(2);

        // the watch, opened as A before the rotation, goes on
        const second = nextName();
        await rc.request({ ...cms, verb: "create", body: { metadata: { name: "after" } } });
        expect(await second).toBe("after");
        expect(await whoami()).toBe(userB);
      } finally {
        ac.abort();
        rc.close();
      }
    },
    T,
  );
});
