// What integration tests use to reach the shared control plane: its
// credentials (from the global setup), a skip-or-fail gate, and a fresh
// namespace per test file. Raw HTTPS only, so the harness does not depend on
// the client library it tests.
import { randomBytes } from "node:crypto";
import https from "node:https";
import { afterAll, beforeAll, inject } from "vitest";

export type ControlPlaneInfo =
  | { available: false; reason: string }
  | {
      available: true;
      server: string;
      kubeconfigPath: string;
      caPem: string;
      caCertPath: string;
      caKeyPath: string;
      adminToken: string;
      limitedToken: string;
      clientCert: string;
      clientKey: string;
      version: string;
      etcdUrl: string;
      controllerManager: boolean;
    };

declare module "vitest" {
  export interface ProvidedContext {
    controlPlane: ControlPlaneInfo;
  }
}

export type AvailableControlPlane = Extract<ControlPlaneInfo, { available: true }>;

/**
 * The shared control plane, or undefined when it is unavailable outside CI
 * (the reason is printed once). Use with `describe.skipIf(!cp)`.
 */
export function controlPlane(): AvailableControlPlane | undefined {
  const info = inject("controlPlane");
  if (info.available) return info;
  console.warn(`skipping integration tests: ${info.reason}`);
  return undefined;
}

export type Identity = "cert" | "admin-token" | "limited";

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json<T = any>(): T;
}

/** One HTTPS request to the API server as `who`, on a new connection, with no client library in between. */
export function rawRequest(
  cp: AvailableControlPlane,
  who: Identity,
  method: string,
  path: string,
  body?: unknown,
): Promise<RawResponse> {
  const url = new URL(path, cp.server);
  const headers: Record<string, string> = { accept: "application/json" };
  if (who === "admin-token") headers.authorization = `Bearer ${cp.adminToken}`;
  if (who === "limited") headers.authorization = `Bearer ${cp.limitedToken}`;
  const payload = body === undefined ? undefined : JSON.stringify(body);
  if (payload !== undefined) headers["content-type"] = "application/json";
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      {
        method,
        headers,
        ca: cp.caPem,
        ...(who === "cert" ? { cert: cp.clientCert, key: cp.clientKey } : {}),
        // A connection of its own: a pooled keep-alive socket the server closed while a test
        // blocked the event loop (a long spawnSync) would fail the next request with
        // "socket hang up".
        agent: false,
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (text += c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, json: () => JSON.parse(text) }),
        );
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

/**
 * Registers beforeAll/afterAll hooks that create a uniquely named namespace
 * for this test file and delete it afterwards. Returns a getter for its name.
 */
export function useTestNamespace(cp: AvailableControlPlane | undefined, prefix = "t"): () => string {
  let name = "";
  beforeAll(async () => {
    if (!cp) return;
    name = `${prefix}-${randomBytes(4).toString("hex")}`;
    const res = await rawRequest(cp, "cert", "POST", "/api/v1/namespaces", {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name, labels: { "kubegen.test/namespace": "true" } },
    });
    if (res.status !== 201) throw new Error(`creating test namespace ${name}: HTTP ${res.status} ${res.body}`);
  });
  afterAll(async () => {
    if (!cp || !name) return;
    await rawRequest(cp, "cert", "DELETE", `/api/v1/namespaces/${name}`);
  });
  return () => {
    if (!name) throw new Error("the test namespace exists only inside tests (after beforeAll)");
    return name;
  };
}
