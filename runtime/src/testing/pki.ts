// Throwaway credentials for a test control plane: a CA, a serving certificate,
// an admin client certificate in system:masters, service-account signing keys
// and a static token file; for a test kubelet, its serving certificate and the
// API server's kubelet client certificate (createKubeletPki); for a test
// webhook, a serving certificate the same CA signs (issueServingCertificate).
// Certificates are made with the `openssl` CLI (Node has no X.509 issuing
// API); keys for service accounts with node:crypto.

import { execFile } from "node:child_process";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { isIP } from "node:net";
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

async function issue(
  dir: string,
  name: string,
  subject: string,
  extensions: string[],
  ca = { cert: join(dir, "ca.crt"), key: join(dir, "ca.key") },
): Promise<{ cert: string; key: string }> {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  await openssl([
    "req", "-x509", ...EC, "-keyout", key, "-out", cert, "-days", "2", "-subj", subject,
    "-CA", ca.cert, "-CAkey", ca.key,
    ...extensions.flatMap((e) => ["-addext", e]),
  ]);
  return { cert, key };
}

/** What {@link issueServingCertificate} needs. */
export interface ServingCertificateOptions {
  /** Where the certificate and key are written (`<name>.crt`, `<name>.key`). */
  readonly dir: string;
  /** The CA that signs it: a test control plane's `caCertPath` and `caKeyPath`. */
  readonly caCertFile: string;
  readonly caKeyFile: string;
  /** The file names' stem (default `serving`). */
  readonly name?: string;
  /** Its subject alternative names, IP addresses or DNS names (default 127.0.0.1 and localhost). */
  readonly hosts?: readonly string[];
}

const DNS_NAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i;

/**
 * Issues a serving certificate signed by a test CA, for an HTTPS server the
 * API server calls: a webhook on loopback (`clientConfig.url`, the CA as
 * `caBundle`), valid for two days.
 */
export async function issueServingCertificate(options: ServingCertificateOptions): Promise<{ certFile: string; keyFile: string }> {
  const name = options.name ?? "serving";
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) throw new Error(`issueServingCertificate: name ${JSON.stringify(name)} is not a plain file name`);
  const hosts = options.hosts ?? ["127.0.0.1", "localhost"];
  const sans = hosts.map((h) => {
    if (isIP(h)) return `IP:${h}`;
    if (DNS_NAME.test(h)) return `DNS:${h}`;
    throw new Error(`issueServingCertificate: ${JSON.stringify(h)} is neither an IP address nor a DNS name`);
  });
  if (sans.length === 0) throw new Error("issueServingCertificate: hosts is empty");
  const { cert, key } = await issue(
    options.dir,
    name,
    `/CN=${hosts[0]}`,
    [`subjectAltName=${sans.join(",")}`, "extendedKeyUsage=serverAuth", "keyUsage=critical,digitalSignature,keyEncipherment"],
    { cert: options.caCertFile, key: options.caKeyFile },
  );
  return { certFile: cert, keyFile: key };
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
