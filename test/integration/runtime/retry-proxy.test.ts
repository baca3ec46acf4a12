// Retry-After and proxy-url against the real server, through small local
// proxies: a fault-injecting reverse proxy (first N requests get 429 +
// Retry-After: 1, the rest are forwarded) and a CONNECT proxy.
import http from "node:http";
import https from "node:https";
import net from "node:net";
import type { AddressInfo } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { isTooManyRequests, loadConfig, newRestConfig, RestClient, type ApiError } from "@kubegen/runtime";
import { controlPlane } from "../../helpers/cluster.js";
import { startDroppingProxy } from "../../helpers/connect-proxy.js";

const cp = controlPlane();
const servers: net.Server[] = [];
afterAll(() => servers.forEach((s) => s.close()));

/** A plain-HTTP reverse proxy to the API server that rejects the first `n` requests with 429. */
async function faultProxy(n: number): Promise<{ url: string; rejected: () => number; forwarded: () => number }> {
  let rejected = 0;
  let forwarded = 0;
  const upstream = new URL(cp!.server);
  const server = http.createServer((req, res) => {
    if (rejected < n) {
      rejected++;
      req.resume();
      res.writeHead(429, { "retry-after": "1", "content-type": "application/json" });
      res.end(JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", reason: "TooManyRequests", code: 429, message: "injected", details: { retryAfterSeconds: 1 } }));
      return;
    }
    forwarded++;
    const up = https.request(
      { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: { ...req.headers, host: upstream.host }, ca: cp!.caPem },
      (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      },
    );
    up.on("error", () => res.destroy());
    req.pipe(up);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, rejected: () => rejected, forwarded: () => forwarded };
}

describe.skipIf(!cp)("Retry-After and proxies", () => {
  it("retries 429 + Retry-After until the server answers", async () => {
    const proxy = await faultProxy(2);
    const rc = new RestClient(newRestConfig(proxy.url, { bearerToken: cp!.adminToken, warningHandler: null }));
    const version = await rc.request<{ gitVersion: string }>({ path: "/version" });
    expect(version.gitVersion).toBe(cp!.version);
    expect([proxy.rejected(), proxy.forwarded()]).toEqual([2, 1]);
    rc.close();
  });

  it("gives up with a TooManyRequests ApiError when retries run out", async () => {
    const proxy = await faultProxy(5);
    const rc = new RestClient(newRestConfig(proxy.url, { bearerToken: cp!.adminToken }));
    const err = (await rc.request({ path: "/version" }, { maxRetries: 1 }).catch((e: unknown) => e)) as ApiError;
    expect(isTooManyRequests(err)).toBe(true);
    expect(err.message).toBe("injected");
    expect(proxy.rejected()).toBe(2);
    expect(proxy.forwarded()).toBe(0);
    rc.close();
  });

  it("tunnels through proxy-url with CONNECT, TLS verified end to end", async () => {
    const proxy = await startDroppingProxy();
    const config = await loadConfig({ kubeconfigPath: cp!.kubeconfigPath });
    config.proxyUrl = proxy.url;
    const rc = new RestClient(config);
    try {
      const ns = await rc.request<{ kind: string }>({ version: "v1", resource: "namespaces", verb: "list" });
      expect(ns.kind).toBe("NamespaceList");
      expect(proxy.targets).toEqual([new URL(cp!.server).host]);
    } finally {
      rc.close();
      proxy.close();
    }
  });
});
