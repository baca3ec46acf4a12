// startHealthServer (runtime/src/health) over real HTTP on an ephemeral port:
// ok/failed bodies and codes in the Kubernetes healthz format, ?verbose,
// ?exclude, single checks, readiness = liveness + ready checks, async and
// throwing checks (reasons logged, never served), timeouts, 404/405, close.
import http from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import type { Logger } from "../../../runtime/src/controller/index.js";
import { startHealthServer, type HealthServer } from "../../../runtime/src/health/index.js";

function get(url: string, method = "GET"): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on("error", reject);
    req.end();
  });
}

function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    info: () => {},
    error: (m, f) => void lines.push(`${m} ${JSON.stringify(f, (_k, v: unknown) => (v instanceof Error ? v.message : v))}`),
  };
}

const servers: HealthServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(...args: Parameters<typeof startHealthServer>): Promise<HealthServer> {
  const s = await startHealthServer(...args);
  servers.push(s);
  return s;
}

describe("startHealthServer", () => {
  it("answers 200 ok when every check passes, and lists every check with ?verbose", async () => {
    const s = await start({
      port: 0,
      host: "127.0.0.1",
      checks: { ping: () => true, informers: async () => true },
      readyChecks: { workers: () => true },
    });
    expect(s.port).toBeGreaterThan(0);
    expect(s.url).toBe(`http://127.0.0.1:${s.port}`);
    const h = await get(`${s.url}/healthz`);
    expect(h).toMatchObject({ status: 200, body: "ok" });
    expect(h.headers["content-type"]).toBe("text/plain; charset=utf-8");
    expect(h.headers["x-content-type-options"]).toBe("nosniff");
    expect(await get(`${s.url}/livez`)).toMatchObject({ status: 200, body: "ok" });
    expect(await get(`${s.url}/readyz`)).toMatchObject({ status: 200, body: "ok" });
    expect((await get(`${s.url}/healthz?verbose`)).body).toBe("[+]ping ok\n[+]informers ok\nhealthz check passed\n");
    expect((await get(`${s.url}/readyz?verbose=true`)).body).toBe("[+]ping ok\n[+]informers ok\n[+]workers ok\nreadyz check passed\n");
  });

  it("answers 500 listing only the failed checks (false, throw, rejection, timeout) and logs the reasons without serving them", async () => {
    const logger = memoryLogger();
    let synced = false;
    const s = await start({
      port: 0,
      host: "127.0.0.1",
      logger,
      checkTimeoutMs: 50,
      checks: {
        ping: () => true,
        broken: () => {
          throw new Error("secret detail");
        },
        rejecting: () => Promise.reject(new Error("also secret")),
        hanging: () => new Promise<boolean>(() => {}),
      },
      readyChecks: { synced: () => synced },
    });
    const h = await get(`${s.url}/healthz`);
    expect(h.status).toBe(500);
    expect(h.body).toBe(
      "[-]broken failed: reason withheld\n[-]rejecting failed: reason withheld\n[-]hanging failed: reason withheld\nhealthz check failed\n",
    );
    expect(h.body).not.toContain("secret");
    expect(logger.lines.some((l) => l.includes('"check":"broken"') && l.includes("secret detail"))).toBe(true);
    expect(logger.lines.some((l) => l.includes('"check":"hanging"') && l.includes("no answer within 50 ms"))).toBe(true);

    const v = await get(`${s.url}/healthz?verbose`);
    expect(v.body.split("\n")[0]).toBe("[+]ping ok");

    // readiness: liveness checks plus its own; exclude the broken ones to see readiness alone
    const r = await get(`${s.url}/readyz?exclude=broken&exclude=rejecting&exclude=hanging`);
    expect(r).toMatchObject({ status: 500, body: "[-]synced failed: reason withheld\nreadyz check failed\n" });
    synced = true;
    expect(await get(`${s.url}/readyz?exclude=broken&exclude=rejecting&exclude=hanging`)).toMatchObject({ status: 200, body: "ok" });
    expect((await get(`${s.url}/readyz?exclude=nope&exclude=broken&exclude=rejecting&exclude=hanging&verbose`)).body).toContain(
      'warn: some health checks cannot be excluded: no matches for "nope"',
    );
  });

  it("serves one check at /<endpoint>/<name>, and 404/405 for anything else", async () => {
    let ok = true;
    const s = await start({ port: 0, host: "127.0.0.1", logger: memoryLogger(), checks: { ping: () => ok }, readyChecks: { synced: () => false } });
    expect(await get(`${s.url}/healthz/ping`)).toMatchObject({ status: 200, body: "ok" });
    ok = false;
    expect(await get(`${s.url}/healthz/ping`)).toMatchObject({ status: 500, body: "internal server error: ping check failed\n" });
    expect((await get(`${s.url}/readyz/synced`)).status).toBe(500);
    expect((await get(`${s.url}/healthz/synced`)).status).toBe(404); // a readiness check is not a liveness check
    expect((await get(`${s.url}/healthz/toString`)).status).toBe(404);
    expect((await get(`${s.url}/metrics`)).status).toBe(404);
    expect((await get(`${s.url}/`)).status).toBe(404);
    const post = await get(`${s.url}/healthz`, "POST");
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe("GET, HEAD");
    const head = await get(`${s.url}/healthz`, "HEAD");
    expect(head.status).toBe(500);
    expect(head.body).toBe("");
  });

  it("answers ok with no checks, reflects a controller's state live, and stops listening on close", async () => {
    let healthy = false;
    const s = await start({ port: 0, host: "127.0.0.1", logger: memoryLogger(), readyChecks: { controller: () => healthy } });
    expect(await get(`${s.url}/healthz`)).toMatchObject({ status: 200, body: "ok" });
    expect((await get(`${s.url}/readyz`)).status).toBe(500);
    healthy = true;
    expect((await get(`${s.url}/readyz`)).status).toBe(200);
    await s.close();
    await s.close(); // twice is fine
    await expect(get(`${s.url}/healthz`)).rejects.toMatchObject({ code: "ECONNREFUSED" });
  });

  it("rejects when the port is taken", async () => {
    const s = await start({ port: 0, host: "127.0.0.1" });
    await expect(startHealthServer({ port: s.port, host: "127.0.0.1" })).rejects.toMatchObject({ code: "EADDRINUSE" });
  });
});
