// Transport behaviour against a scripted local HTTP server (not a Kubernetes
// server: these tests check client-side mechanics only) with a FakeClock.
import { mkdtempSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  ApiError,
  isServiceUnavailable,
  isTooManyRequests,
  isUnauthorized,
  NetworkError,
  newRestConfig,
  parseWarningHeaders,
  RestClient,
  type ApiWarning,
  type RestConfig,
} from "@kubegen/runtime";
import { FakeClock } from "@kubegen/runtime/testing";

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, n: number) => void;

const servers: http.Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

async function serve(handler: Handler): Promise<{ url: string; seen: http.IncomingMessage[] }> {
  const seen: http.IncomingMessage[] = [];
  const server = http.createServer((req, res) => {
    seen.push(req);
    req.resume();
    req.on("end", () => handler(req, res, seen.length));
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

const okJson = (res: http.ServerResponse, body: unknown = { kind: "Thing" }) => {
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
};

/** Settles `p` by advancing the fake clock to each due timer; real I/O runs in between. */
async function drive<T>(clock: FakeClock, p: Promise<T>): Promise<T> {
  let done = false;
  const settled = p.finally(() => {
    done = true;
  });
  settled.catch(() => {});
  while (!done) {
    const due = clock.nextDue();
    if (due !== undefined) await clock.advance(due - clock.now());
    else await new Promise((r) => setTimeout(r, 1));
  }
  return settled;
}

function client(url: string, extra: Partial<RestConfig> = {}): { rc: RestClient; clock: FakeClock } {
  const clock = new FakeClock(0);
  const rc = new RestClient(newRestConfig(url, { clock, warningHandler: null, ...extra }));
  return { rc, clock };
}

describe("client-side rate limiting", () => {
  it("100 requests at qps=20, burst=5 take (100-5)/20 = 4.75 s of fake time", async () => {
    const { url, seen } = await serve((_q, res) => okJson(res));
    const { rc, clock } = client(url, { qps: 20, burst: 5 });
    const sentAt: number[] = [];
    for (let i = 0; i < 100; i++) {
      await drive(clock, rc.request({ path: "/x" }));
      sentAt.push(clock.now());
    }
    expect(seen).toHaveLength(100);
    expect(clock.now()).toBe(4750);
    expect(sentAt.slice(0, 5)).toEqual([0, 0, 0, 0, 0]);
    expect(sentAt[5]).toBe(50);
    rc.close();
  });

  it("does not limit watches, and qps < 0 disables limiting", async () => {
    const { url } = await serve((_q, res) => okJson(res));
    const { rc, clock } = client(url, { qps: -1 });
    expect(rc.transport.limiter).toBeUndefined();
    for (let i = 0; i < 30; i++) await rc.request({ path: "/x" });
    expect(clock.now()).toBe(0);
    const defaults = client(url, { qps: 0, burst: 0 });
    expect([defaults.rc.transport.limiter!.qps, defaults.rc.transport.limiter!.burst]).toEqual([5, 10]);
    rc.close();
    defaults.rc.close();
  });
});

describe("retries", () => {
  it("honours Retry-After on 429 and 5xx, waiting on the clock", async () => {
    const { url, seen } = await serve((_q, res, n) => {
      if (n === 1) res.writeHead(429, { "retry-after": "2" }).end("slow down");
      else if (n === 2) res.writeHead(503, { "retry-after": "3" }).end();
      else okJson(res, { n });
    });
    const { rc, clock } = client(url, { qps: -1 });
    expect(await drive(clock, rc.request({ path: "/x" }))).toEqual({ n: 3 });
    expect(seen).toHaveLength(3);
    expect(clock.now()).toBe(5000);
  });

  it("does not retry without Retry-After, and stops after maxRetries", async () => {
    const plain = await serve((_q, res) => res.writeHead(503).end("down"));
    const a = client(plain.url, { qps: -1 });
    const err = await a.rc.request({ path: "/x" }).catch((e: unknown) => e);
    expect(isServiceUnavailable(err)).toBe(true);
    expect(plain.seen).toHaveLength(1);

    const always = await serve((_q, res) => res.writeHead(429, { "retry-after": "1", "content-type": "text/plain" }).end("busy"));
    const b = client(always.url, { qps: -1 });
    const err2 = await drive(b.clock, b.rc.request({ path: "/x" })).catch((e: unknown) => e);
    expect(isTooManyRequests(err2)).toBe(true);
    expect((err2 as ApiError).retryAfterSeconds).toBe(1);
    expect(always.seen).toHaveLength(11); // 1 + 10 retries
    const err3 = await drive(b.clock, b.rc.request({ path: "/x" }, { maxRetries: 0 })).catch((e: unknown) => e);
    expect(isTooManyRequests(err3)).toBe(true);
    expect(always.seen).toHaveLength(12);
  });

  it("retries a reset connection for GET only", async () => {
    const { url, seen } = await serve((req, res, n) => {
      if (n === 1 || (req.method === "POST" && n === 3)) req.socket.destroy();
      else okJson(res, { n });
    });
    const { rc, clock } = client(url, { qps: -1 });
    expect(await drive(clock, rc.request({ path: "/x" }))).toEqual({ n: 2 });
    const err = await drive(clock, rc.request({ path: "/y", method: "POST", body: {} })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetworkError);
    expect((err as NetworkError).code).toBe("ECONNRESET");
    expect(seen).toHaveLength(3);
  });
});

describe("headers, auth and warnings", () => {
  it("sends request bodies with a length, including DELETE bodies", async () => {
    const bodies: string[] = [];
    const server = http.createServer((req, res) => {
      let b = "";
      req.setEncoding("utf8").on("data", (c: string) => (b += c));
      req.on("end", () => {
        bodies.push(`${req.method} ${req.headers["content-length"]} ${b}`);
        okJson(res);
      });
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { rc } = client(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, { qps: -1 });
    await rc.request({ version: "v1", resource: "pods", namespace: "n", verb: "delete", name: "p", options: { gracePeriodSeconds: 0 } });
    await rc.request({ version: "v1", resource: "pods", namespace: "n", verb: "create", body: { a: "é" } });
    const del = '{"kind":"DeleteOptions","apiVersion":"v1","gracePeriodSeconds":0}';
    expect(bodies).toEqual([`DELETE ${del.length} ${del}`, 'POST 10 {"a":"é"}']);
    rc.close();
  });

  it("sends user agent, auth and impersonation headers; redacts tokens from errors", async () => {
    const { url, seen } = await serve((_q, res) => res.writeHead(500, { "content-type": "text/plain" }).end("bad token sekrit-token-1"));
    const { rc } = client(url, {
      qps: -1,
      userAgent: "my-agent/1",
      bearerToken: "sekrit-token-1",
      impersonate: { user: "jane", uid: "7", groups: ["g1", "g2"], extra: { "acme.com/scope": ["a", "b"] } },
    });
    const err = (await rc.request({ version: "v1", resource: "pods", verb: "get", name: "p" }).catch((e: unknown) => e)) as ApiError;
    const h = seen[0]!.headers;
    expect(h["user-agent"]).toBe("my-agent/1");
    expect(h.authorization).toBe("Bearer sekrit-token-1");
    expect(h["impersonate-user"]).toBe("jane");
    expect(h["impersonate-uid"]).toBe("7");
    expect(seen[0]!.rawHeaders.filter((x, i, a) => i > 0 && a[i - 1]!.toLowerCase() === "impersonate-group")).toEqual(["g1", "g2"]);
    expect(h["impersonate-extra-acme.com%2fscope"]).toBe("a, b");
    expect(err.message).toContain("<redacted>");
    expect(err.message).not.toContain("sekrit");
    expect(err.message).toContain("(get pods p)");
  });

  it("re-reads a rotated token file after a 401 and retries once", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kubegen-tok-"));
    const file = join(dir, "token");
    writeFileSync(file, "old");
    const { url, seen } = await serve((req, res) => {
      if (req.headers.authorization === "Bearer new") okJson(res);
      else res.writeHead(401).end();
    });
    const { rc } = client(url, { qps: -1, bearerTokenFile: file });
    const err = await rc.request({ path: "/x" }).catch((e: unknown) => e);
    expect(isUnauthorized(err)).toBe(true);
    expect(seen).toHaveLength(1); // token unchanged: no retry
    writeFileSync(file, "new\n");
    await rc.request({ path: "/x" });
    expect(seen.map((r) => r.headers.authorization)).toEqual(["Bearer old", "Bearer old", "Bearer new"]);
  });

  it("re-reads the token file after the reload period on the injected clock", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kubegen-tok-"));
    const file = join(dir, "token");
    writeFileSync(file, "one");
    const { url, seen } = await serve((_q, res) => okJson(res));
    const { rc, clock } = client(url, { qps: -1, bearerTokenFile: file, tokenFileReloadMs: 1000 });
    await rc.request({ path: "/x" });
    writeFileSync(file, "two");
    await rc.request({ path: "/x" });
    await clock.advance(1000);
    await rc.request({ path: "/x" });
    expect(seen.map((r) => r.headers.authorization)).toEqual(["Bearer one", "Bearer one", "Bearer two"]);
  });

  it("passes parsed Warning headers to the handler", async () => {
    const { url } = await serve((_q, res) => {
      res.setHeader("warning", ['299 - "first, with comma"', '299 - "second" "Sat, 01 Jan 2000 00:00:00 GMT", 199 agent "third"']);
      okJson(res);
    });
    const got: ApiWarning[] = [];
    const { rc } = client(url, { qps: -1, warningHandler: (w) => got.push(w) });
    await rc.request({ path: "/x" });
    expect(got).toEqual([
      { code: 299, agent: "-", text: "first, with comma" },
      { code: 299, agent: "-", text: "second" },
      { code: 199, agent: "agent", text: "third" },
    ]);
    expect(parseWarningHeaders('299 - "esc \\"q\\""')).toEqual([{ code: 299, agent: "-", text: 'esc "q"' }]);
  });

  it("times out with a NetworkError and aborts with the signal's reason", async () => {
    const { url } = await serve(() => {
      /* never answers */
    });
    const { rc } = client(url, { qps: -1, timeoutMs: 50 });
    const err = (await rc.request({ path: "/x" }).catch((e: unknown) => e)) as NetworkError;
    expect(err).toBeInstanceOf(NetworkError);
    expect(err.code).toBe("ETIMEDOUT");
    const ac = new AbortController();
    const p = rc.request({ path: "/x", signal: ac.signal, options: { timeoutMs: 0 } });
    ac.abort(new Error("stop"));
    await expect(p).rejects.toThrow("stop");
    rc.close();
  });
});
