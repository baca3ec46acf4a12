// Throwaway credentials for a test control plane: a CA, a serving certificate,
// an admin client certificate in system:masters, service-account signing keys
// and a static token file; for a test kubelet, its serving certificate and the
// API server's kubelet client certificate (createKubeletPki). Certificates are made with the `openssl` CLI
// (Node has no X.509 issuing API); keys for service accounts with node:crypto.

import { execFile } from "node:child_process";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Everything the API server and its clients need, as file paths and PEM text. */
export interface TestPki {
  readonly caCertFile: string;
  readonly caKeyFile: string;
  readonly caPem: string;
  readonly servingCertFile: string;
  readonly servingKeyFile: string;
  readonly clientCertFile: string;
  readonly clientKeyFile: string;
  readonly clientCert: string;
  readonly clientKey: string;
  readonly serviceAccountKeyFile: string;
  readonly serviceAccountPublicKeyFile: string;
  readonly tokenFile: string;
  readonly adminToken: string;
  readonly limitedToken: string;
}

/** The user names the static token file defines. */
export const TEST_USERS = {
  certAdmin: "kubegen-admin",
  tokenAdmin: "kubegen-token-admin",
  limited: "kubegen-limited",
} as const;

async function openssl(args: string[]): Promise<void> {
  try {
    await run("openssl", args);
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === "ENOENT") {
      throw new Error("the test control plane needs the `openssl` command to make certificates; install it (apt-get install openssl)", { cause: err });
    }
    throw new Error(`openssl ${args[0]} failed: ${e.stderr?.trim() ?? e.message}`, { cause: err });
  }
}

const EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

async function issue(dir: string, name: string, subject: string, extensions: string[]): Promise<{ cert: string; key: string }> {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  await openssl([
    "req", "-x509", ...EC, "-keyout", key, "-out", cert, "-days", "2", "-subj", subject,
    "-CA", join(dir, "ca.crt"), "-CAkey", join(dir, "ca.key"),
    ...extensions.flatMap((e) => ["-addext", e]),
  ]);
  return { cert, key };
}

/** The common name of the client certificate kube-apiserver presents to the test kubelet. */
export const KUBELET_CLIENT_USER = "kube-apiserver-kubelet-client";

/** Credentials between kube-apiserver and the test kubelet, all signed by the test CA. */
export interface KubeletPki {
  /** The kubelet's serving certificate (SAN IP 127.0.0.1, the node name, localhost) and key. */
  readonly servingCertFile: string;
  readonly servingKeyFile: string;
  /** What kube-apiserver presents to the kubelet (`--kubelet-client-certificate`/`-key`), CN {@link KUBELET_CLIENT_USER}. */
  readonly clientCertFile: string;
  readonly clientKeyFile: string;
  readonly clientCert: string;
  readonly clientKey: string;
}

/**
 * Issues the kubelet's credentials in `dir`, which must already hold the CA from
 * {@link createTestPki}. The kubelet authorises only {@link KUBELET_CLIENT_USER}.
 */
export async function createKubeletPki(dir: string, nodeName: string): Promise<KubeletPki> {
  const serving = await issue(dir, "kubelet-serving", `/CN=system:node:${nodeName}`, [
    `subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:${nodeName}`,
    "extendedKeyUsage=serverAuth",
    "keyUsage=critical,digitalSignature,keyEncipherment",
  ]);
  const client = await issue(dir, "apiserver-kubelet-client", `/CN=${KUBELET_CLIENT_USER}`, [
    "extendedKeyUsage=clientAuth",
    "keyUsage=critical,digitalSignature,keyEncipherment",
  ]);
  return {
    servingCertFile: serving.cert,
    servingKeyFile: serving.key,
    clientCertFile: client.cert,
    clientKeyFile: client.key,
    clientCert: await readFile(client.cert, "utf8"),
    clientKey: await readFile(client.key, "utf8"),
  };
}

/** Creates all credentials in `dir` (which must exist and be private to the caller). */
export async function createTestPki(dir: string): Promise<TestPki> {
  await openssl([
    "req", "-x509", ...EC, "-keyout", join(dir, "ca.key"), "-out", join(dir, "ca.crt"), "-days", "2",
    "-subj", "/CN=kubegen-test-ca",
    "-addext", "basicConstraints=critical,CA:TRUE",
    "-addext", "keyUsage=critical,keyCertSign,cRLSign,digitalSignature",
  ]);
  const serving = await issue(dir, "serving", "/CN=kube-apiserver", [
    "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc",
    "extendedKeyUsage=serverAuth",
    "keyUsage=critical,digitalSignature,keyEncipherment",
  ]);
  const client = await issue(dir, "admin", `/O=system:masters/CN=${TEST_USERS.certAdmin}`, [
    "extendedKeyUsage=clientAuth",
    "keyUsage=critical,digitalSignature,keyEncipherment",
  ]);

  const sa = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const serviceAccountKeyFile = join(dir, "sa.key");
  const serviceAccountPublicKeyFile = join(dir, "sa.pub");
  await writeFile(serviceAccountKeyFile, sa.privateKey.export({ type: "sec1", format: "pem" }), { mode: 0o600 });
  await writeFile(serviceAccountPublicKeyFile, sa.publicKey.export({ type: "spki", format: "pem" }));

  const adminToken = randomBytes(24).toString("hex");
  const limitedToken = randomBytes(24).toString("hex");
  const tokenFile = join(dir, "tokens.csv");
  // token,user,uid,"group1,group2"
  await writeFile(
    tokenFile,
    `${adminToken},${TEST_USERS.tokenAdmin},uid-token-admin,"system:masters"\n` +
      `${limitedToken},${TEST_USERS.limited},uid-limited,"kubegen:limited"\n`,
    { mode: 0o600 },
  );

  return {
    caCertFile: join(dir, "ca.crt"),
    caKeyFile: join(dir, "ca.key"),
    caPem: await readFile(join(dir, "ca.crt"), "utf8"),
    servingCertFile: serving.cert,
    servingKeyFile: serving.key,
    clientCertFile: client.cert,
    clientKeyFile: client.key,
    clientCert: await readFile(client.cert, "utf8"),
    clientKey: await readFile(client.key, "utf8"),
    serviceAccountKeyFile,
    serviceAccountPublicKeyFile,
    tokenFile,
    adminToken,
    limitedToken,
  };
}
