// The metrics registry and exposition (runtime/src/metrics), checked twice:
// against exact expected text, and through Prometheus' own parser (the Go
// metrics checker, test/metrics-checker). Then each instrumentation point with
// fakes: the transport against a scripted local HTTP server, the workqueue and
// the controller with a FakeClock, leader status and informer gauges from
// fake sources, and /metrics on the health server.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import {
  Controller,
  Registry,
  Transport,
  createRateLimitingQueue,
  exponentialBuckets,
  formatFloat,
  newRestConfig,
  registerInformerMetrics,
  registerLeaderElectionMetrics,
  registerRestClientMetrics,
  requestMetricsSink,
  startHealthServer,
  workqueueMetricsProvider,
  WORKQUEUE_DURATION_BUCKETS,
  type Logger,
} from "@kubegen/runtime";
import { FakeClock } from "@kubegen/runtime/testing";
import { family, findMetricsChecker, parseExposition, sample, type ParsedFamily } from "../../helpers/metrics-checker.js";

const checker = findMetricsChecker();
const needChecker = process.env.CI === "true";
if (!checker.found && !needChecker) console.warn(`skipping the expfmt checks: ${checker.reason}`);

/** Parses `text` with expfmt; fails (CI) or returns undefined (no checker, not CI). */
async function parsed(text: string): Promise<ParsedFamily[] | undefined> {
  if (!checker.found) {
    if (needChecker) throw new Error(`the metrics tests need the metrics checker (CI=true): ${checker.reason}`);
    return undefined;
  }
  const verdict = await parseExposition(checker.path, text);
  if (!verdict.ok) throw new Error(`expfmt rejected the exposition: ${verdict.error}\n${text}`);
  return verdict.families;
}

const quietLogger: Logger = { info: () => {}, error: () => {} };

describe("Registry exposition", () => {
  it("renders counters, gauges and histograms in text format 0.0.4, sorted, with escaping", async () => {
    const r = new Registry();
    const c = r.counter({ name: "things_total", help: 'Things, with a \\ and a\nnewline and "quotes".', labelNames: ["kind"] });
    c.inc({ kind: "b" }, 2);
    c.inc({ kind: 'a"\\\nz' });
    r.gauge({ name: "temperature", help: "Now." }).set({}, -1.5);
    const h = r.histogram({ name: "latency_seconds", help: "Latency.", labelNames: ["verb"], buckets: [0.1, 1] });
    h.observe({ verb: "GET" }, 0.1); // on the bound: le is inclusive
    h.observe({ verb: "GET" }, 0.5);
    h.observe({ verb: "GET" }, 7);
    expect(r.expose()).toBe(
      [
        "# HELP latency_seconds Latency.",
        "# TYPE latency_seconds histogram",
        'latency_seconds_bucket{verb="GET",le="0.1"} 1',
        'latency_seconds_bucket{verb="GET",le="1"} 2',
        'latency_seconds_bucket{verb="GET",le="+Inf"} 3',
        'latency_seconds_sum{verb="GET"} 7.6',
        'latency_seconds_count{verb="GET"} 3',
        "# HELP temperature Now.",
        "# TYPE temperature gauge",
        "temperature -1.5",
        '# HELP things_total Things, with a \\\\ and a\\nnewline and "quotes".',
        "# TYPE things_total counter",
        'things_total{kind="a\\"\\\\\\nz"} 1',
        'things_total{kind="b"} 2',
        "",
      ].join("\n"),
    );
    const families = await parsed(r.expose());
    if (!families) return;
    expect(sample(family(families, "things_total"), { kind: 'a"\\\nz' }).value).toBe(1);
    expect(family(families, "things_total").help).toBe('Things, with a \\ and a\nnewline and "quotes".');
    const lat = sample(family(families, "latency_seconds"), { verb: "GET" });
    expect(lat).toMatchObject({ count: 3, sum: 7.6, buckets: [{ le: "0.1", count: 1 }, { le: "1", count: 2 }, { le: "+Inf", count: 3 }] });
  });

  it("writes numbers as client_golang does and builds controller-runtime's exponential buckets", async () => {
    expect([0, 1, 0.25, 1e-8, 0.0001, 0.00001, 123456, 1e6, 1234567, Infinity, -Infinity, NaN].map(formatFloat)).toEqual([
      "0", "1", "0.25", "1e-08", "0.0001", "1e-05", "123456", "1e+06", "1.234567e+06", "+Inf", "-Inf", "NaN",
    ]);
    expect(exponentialBuckets(10e-9, 10, 12)).toHaveLength(12);
    expect(WORKQUEUE_DURATION_BUCKETS[0]).toBe(1e-8);
    expect(WORKQUEUE_DURATION_BUCKETS[11]).toBeCloseTo(1000, 9);
    const r = new Registry();
    r.histogram({ name: "tiny_seconds", help: "h", buckets: WORKQUEUE_DURATION_BUCKETS }).observe({}, 3e-6);
    const families = await parsed(r.expose());
    if (!families) return;
    const s = sample(family(families, "tiny_seconds"), {});
    expect(s.buckets?.map((b) => b.count)).toEqual([0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
    expect(s.buckets?.at(-1)?.le).toBe("+Inf");
  });

  it("shares a family between callers with the same shape and refuses a different one", () => {
    const r = new Registry();
    const a = r.counter({ name: "x_total", help: "h", labelNames: ["a"] });
    expect(r.counter({ name: "x_total", help: "h", labelNames: ["a"] })).toBe(a);
    expect(() => r.gauge({ name: "x_total", help: "h", labelNames: ["a"] })).toThrow(/already registered as a counter/);
    expect(() => r.counter({ name: "x_total", help: "h", labelNames: ["b"] })).toThrow(/already registered/);
    r.histogram({ name: "h_seconds", help: "h", buckets: [1, 2] });
    expect(() => r.histogram({ name: "h_seconds", help: "h", buckets: [1, 3] })).toThrow(/other buckets/);
    expect(() => r.counter({ name: "bad-name", help: "h" })).toThrow(/not valid/);
    expect(() => r.counter({ name: "y_total", help: "h", labelNames: ["__x"] })).toThrow(/not valid/);
    expect(() => r.histogram({ name: "z", help: "h", labelNames: ["le"] })).toThrow(/reserved/);
    expect(() => r.histogram({ name: "z2", help: "h", buckets: [2, 1] })).toThrow(/increasing/);
    expect(() => a.inc({})).toThrow(/label a is missing/);
    expect(() => a.inc({ a: "1", b: "2" })).toThrow(/unknown label/);
    expect(() => a.inc({ a: "1" }, -1)).toThrow(/cannot decrease/);
  });

  it("runs collect hooks before each exposition, skipping one that throws", () => {
    const r = new Registry();
    const g = r.gauge({ name: "live", help: "h" });
    let n = 1;
    r.addCollector(() => {
      throw new Error("broken");
    });
    const remove = r.addCollector(() => g.set({}, n++));
    expect(r.expose()).toContain("\nlive 1\n");
    expect(r.expose()).toContain("\nlive 2\n");
    remove();
    expect(r.expose()).toContain("\nlive 2\n");
  });

  it("is rejected by expfmt when the text is broken (the checker can fail)", async () => {
    if (!checker.found) {
      if (needChecker) throw new Error(`the metrics tests need the metrics checker (CI=true): ${checker.reason}`);
      return;
    }
    const bad = await parseExposition(checker.path, '# TYPE a counter\na{x="1} 3\n');
    expect(bad.ok).toBe(false);
    const badHistogram = await parseExposition(
      checker.path,
      '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n',
    );
    expect(badHistogram).toMatchObject({ ok: false, error: expect.stringMatching(/below the previous bucket/) });
  });
});

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, n: number) => void;
const servers: http.Server[] = [];
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const s of servers.splice(0)) s.close();
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function serve(handler: Handler): Promise<{ url: string; host: string }> {
  let n = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => handler(req, res, ++n));
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}`, host: `127.0.0.1:${port}` };
}

describe("Transport instrumentation", () => {
  it("records nothing and costs one check when no registry is attached", async () => {
    expect(requestMetricsSink()).toBeUndefined();
    const { url } = await serve((_req, res) => res.end("{}"));
    const t = new Transport(newRestConfig(url, { warningHandler: null }));
    const res = await t.send({ method: "GET", path: "/api", query: [], headers: {} });
    res.resume();
    t.close();
  });

  it("counts every attempt by code, method and host, and one latency per request", async () => {
    const r = new Registry();
    cleanups.push(registerRestClientMetrics(r));
    const { url, host } = await serve((_req, res, n) => {
      if (n === 1) {
        res.writeHead(429, { "retry-after": "0" });
        res.end();
      } else {
        res.writeHead(200, { "content-type": "application/json" });
        res.end("{}");
      }
    });
    const t = new Transport(newRestConfig(url, { warningHandler: null, qps: -1 }));
    const res = await t.send({ method: "GET", path: "/api/v1/pods", query: [], headers: {} });
    res.resume();
    await t.send({ method: "GET", path: "/watch", query: [], headers: {} }, { kind: "watch" }).then((w) => w.resume());
    await expect(
      new Transport(newRestConfig("http://127.0.0.1:1", { warningHandler: null, qps: -1 })).send(
        { method: "POST", path: "/x", query: [], headers: {}, body: "{}" },
        { maxRetries: 0 },
      ),
    ).rejects.toThrow();
    t.close();
    const text = r.expose();
    expect(text).toContain(`rest_client_requests_total{code="429",method="GET",host="${host}"} 1\n`);
    expect(text).toContain(`rest_client_requests_total{code="200",method="GET",host="${host}"} 2\n`); // the request's retry and the watch
    expect(text).toContain(`rest_client_requests_total{code="<error>",method="POST",host="127.0.0.1:1"} 1\n`);
    // one latency for the GET request (its two attempts together), none for the watch, one for the failed POST
    expect(text).toContain(`rest_client_request_duration_seconds_count{verb="GET",host="${host}"} 1\n`);
    expect(text).toContain(`rest_client_request_duration_seconds_count{verb="POST",host="127.0.0.1:1"} 1\n`);
    const families = await parsed(text);
    if (!families) return;
    expect(family(families, "rest_client_request_duration_seconds").type).toBe("HISTOGRAM");
    expect(sample(family(families, "rest_client_request_duration_seconds"), { verb: "GET" }).buckets?.map((b) => b.le)).toEqual([
      "0.005", "0.025", "0.1", "0.25", "0.5", "1", "2", "4", "8", "15", "30", "60", "+Inf",
    ]);
  });
});

describe("Workqueue instrumentation", () => {
  it("records adds, depth, queue and work durations, retries and unfinished work under the queue's name", async () => {
    const r = new Registry();
    const clock = new FakeClock(0);
    const q = createRateLimitingQueue<string>(undefined, { name: "things", clock, metricsProvider: workqueueMetricsProvider(r) });
    q.add("a");
    q.add("a"); // deduplicated: not counted
    q.add("b");
    await clock.advance(2_000);
    const got = await q.get();
    expect(got).toMatchObject({ item: "a" });
    await clock.advance(1_000); // "a" is processed for 1 s; the 500 ms refresh sees it
    let text = r.expose();
    expect(text).toContain('workqueue_adds_total{name="things",controller="things"} 2\n');
    expect(text).toContain('workqueue_depth{name="things",controller="things"} 1\n');
    expect(text).toContain('workqueue_queue_duration_seconds_count{name="things",controller="things"} 1\n');
    expect(text).toContain('workqueue_queue_duration_seconds_sum{name="things",controller="things"} 2\n');
    expect(text).toContain('workqueue_longest_running_processor_seconds{name="things",controller="things"} 1\n');
    q.done("a");
    q.addAfter("c", 10);
    text = r.expose();
    expect(text).toContain('workqueue_work_duration_seconds_sum{name="things",controller="things"} 1\n');
    expect(text).toContain('workqueue_retries_total{name="things",controller="things"} 1\n');
    q.shutDown();
    await parsed(text);
  });
});

describe("Controller instrumentation", () => {
  it("counts reconciles by result, errors, time and active workers", async () => {
    const r = new Registry();
    const clock = new FakeClock(0);
    const outcomes: Record<string, () => unknown> = {
      ok: () => undefined,
      boom: () => {
        throw new Error("boom");
      },
      again: () => ({ requeue: true }),
      later: () => ({ requeueAfterMs: 60_000 }),
    };
    const seen: string[] = [];
    let release!: () => void;
    const allSeen = new Promise<void>((res) => (release = res));
    const c = new Controller<string>({
      name: "widgets",
      clock,
      workers: 1,
      logger: quietLogger,
      metrics: r,
      // retries wait far longer than this test advances the clock, so each key is reconciled once
      rateLimiter: { when: () => 3_600_000, forget: () => {}, numRequeues: () => 0 },
      reconcile: async (key) => {
        seen.push(key);
        await clock.advance(250);
        if (seen.length === 4) release();
        return outcomes[key]!() as never;
      },
    });
    // before any reconcile every result is exported at 0 (controller-runtime's initMetrics)
    expect(r.expose()).toContain('controller_runtime_reconcile_total{controller="widgets",result="requeue_after"} 0\n');
    for (const k of ["ok", "boom", "again", "later"]) c.enqueue(k);
    const ac = new AbortController();
    const running = c.run(ac.signal);
    await allSeen;
    await new Promise((res) => setImmediate(res));
    const during = r.expose();
    expect(during).toContain('controller_runtime_active_workers{controller="widgets"} 1\n');
    ac.abort();
    await running;
    const text = r.expose();
    for (const result of ["success", "error", "requeue", "requeue_after"]) {
      expect(text).toContain(`controller_runtime_reconcile_total{controller="widgets",result="${result}"} 1\n`);
    }
    expect(text).toContain('controller_runtime_reconcile_errors_total{controller="widgets"} 1\n');
    expect(text).toContain('controller_runtime_reconcile_time_seconds_count{controller="widgets"} 4\n');
    expect(text).toContain('controller_runtime_reconcile_time_seconds_sum{controller="widgets"} 1\n');
    expect(text).toContain('controller_runtime_max_concurrent_reconciles{controller="widgets"} 1\n');
    expect(text).toContain('controller_runtime_active_workers{controller="widgets"} 0\n');
    expect(text).toContain('workqueue_adds_total{name="widgets",controller="widgets"} 4\n');
    const families = await parsed(text);
    if (!families) return;
    expect(sample(family(families, "controller_runtime_reconcile_time_seconds"), { controller: "widgets" }).count).toBe(4);
  });

  it("records nothing without a registry", async () => {
    const r = new Registry();
    const c = new Controller<string>({ name: "plain", logger: quietLogger, reconcile: () => {} });
    c.enqueue("a");
    const ac = new AbortController();
    ac.abort();
    await c.run(ac.signal);
    expect(r.expose()).toBe("");
  });
});

describe("Leader election and informer gauges", () => {
  it("reads isLeader() and store sizes at each scrape", async () => {
    const r = new Registry();
    let leading = false;
    const elector = { isLeader: () => leading, config: { lock: { describe: () => "kube-system/my-lock" } } };
    const removeLeader = registerLeaderElectionMetrics(r, elector);
    const store = { size: 3 };
    let synced = false;
    let pendingNotifications = 0;
    registerInformerMetrics(r, {
      "deployments.apps": { store, hasSynced: () => synced, health: () => ({ pendingNotifications }) },
      "pods": { store: { size: 1 }, hasSynced: () => true },
    });
    expect(r.expose()).toContain('leader_election_master_status{name="kube-system/my-lock"} 0\n');
    expect(r.expose()).toContain('kubegen_informer_synced{resource="deployments.apps"} 0\n');
    leading = true;
    synced = true;
    store.size = 5;
    pendingNotifications = 7;
    const text = r.expose();
    expect(text).toContain('kubegen_informer_handler_queue_depth{resource="deployments.apps"} 7\n');
    expect(text).not.toContain('kubegen_informer_handler_queue_depth{resource="pods"}'); // no health(): no series
    expect(text).toContain('leader_election_master_status{name="kube-system/my-lock"} 1\n');
    expect(text).toContain('kubegen_informer_store_objects{resource="deployments.apps"} 5\n');
    expect(text).toContain('kubegen_informer_synced{resource="deployments.apps"} 1\n');
    const named = { isLeader: () => false, config: { name: "other", lock: { describe: () => "x/y" } } };
    registerLeaderElectionMetrics(r, named);
    expect(r.expose()).toContain('leader_election_master_status{name="other"} 0\n');
    removeLeader();
    expect(r.expose()).not.toContain("my-lock");
    await parsed(text);
  });
});

describe("/metrics on the health server", () => {
  it("serves the registry with the text content type, and 404 without one", async () => {
    const r = new Registry();
    r.counter({ name: "hits_total", help: "h" }).inc();
    const withMetrics = await startHealthServer({ port: 0, host: "127.0.0.1", metrics: r, logger: quietLogger });
    const without = await startHealthServer({ port: 0, host: "127.0.0.1", logger: quietLogger });
    cleanups.push(() => withMetrics.close(), () => without.close());
    const get = (url: string, method = "GET") =>
      new Promise<{ status: number; body: string; type: string | undefined }>((resolve, reject) => {
        const req = http.request(url, { method, agent: false }, (res) => {
          let body = "";
          res.setEncoding("utf8");
          res.on("data", (c: string) => (body += c));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body, type: res.headers["content-type"] }));
        });
        req.on("error", reject);
        req.end();
      });
    const ok = await get(`${withMetrics.url}/metrics`);
    expect(ok).toEqual({ status: 200, body: "# HELP hits_total h\n# TYPE hits_total counter\nhits_total 1\n", type: "text/plain; version=0.0.4; charset=utf-8" });
    expect((await get(`${withMetrics.url}/metrics`, "HEAD")).status).toBe(200);
    expect((await get(`${withMetrics.url}/metrics`, "POST")).status).toBe(405);
    expect((await get(`${withMetrics.url}/healthz`)).body).toBe("ok");
    expect((await get(`${without.url}/metrics`)).status).toBe(404);
  });
});
