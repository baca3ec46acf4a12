// /metrics against the real kube-apiserver: a controller (runtime Controller
// + workqueue + informer + RestClient) that runs only while it leads (LeaderElector
// with a Lease lock) reconciles three ConfigMaps, then the health server's
// /metrics is scraped and parsed by Prometheus' own parser (the Go metrics
// checker, test/metrics-checker). Asserted: the families are there with
// client-go's and controller-runtime's names and types, GET requests counted
// with code 200 and the server's host, three successful reconciles, workqueue
// adds, leader_election_master_status 1 and the informer's object count.
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  Controller,
  LeaderElector,
  LeaseLock,
  Registry,
  ResourceClient,
  RestClient,
  RestLeaseClient,
  registerInformerMetrics,
  registerLeaderElectionMetrics,
  registerRestClientMetrics,
  startHealthServer,
  type Logger,
  type RestConfig,
} from "@kubegen/runtime";
import { SharedIndexInformer } from "../../../runtime/src/cache/index.js";
import type { KubernetesObject } from "../../../runtime/src/meta/types.js";
import { controlPlane, useTestNamespace } from "../../helpers/cluster.js";
import { family, findMetricsChecker, parseExposition, sample, type ParsedFamily } from "../../helpers/metrics-checker.js";

const cp = controlPlane();
const checker = findMetricsChecker();
if (cp && !checker.found && process.env.CI !== "true") console.warn(`skipping the /metrics integration test: ${checker.reason}`);

interface ConfigMap extends KubernetesObject {
  data?: Record<string, string>;
}
const CM_INFO = { group: "", version: "v1", resource: "configmaps", kind: "ConfigMap", namespaced: true } as const;
const quiet: Logger = { info: () => {}, error: () => {} };

function scrape(url: string): Promise<{ status: number; type: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (body += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, type: res.headers["content-type"], body }));
      })
      .on("error", reject);
  });
}

describe.skipIf(!cp || (!checker.found && process.env.CI !== "true"))("/metrics of a running controller on a real API server", () => {
  const ns = useTestNamespace(cp, "metrics");
  const registry = new Registry();
  let detach: (() => void) | undefined;
  let rest: RestClient;

  beforeAll(() => {
    // Under CI=true a missing checker is a failure, never a skip.
    if (!checker.found) throw new Error(`the /metrics integration test needs the metrics checker (CI=true): ${checker.reason}`);
    detach = registerRestClientMetrics(registry);
    const config: RestConfig = {
      server: cp!.server,
      namespace: ns(),
      qps: -1,
      burst: 0,
      caData: cp!.caPem,
      certData: cp!.clientCert,
      keyData: cp!.clientKey,
    };
    rest = new RestClient(config);
  });
  afterAll(() => {
    detach?.();
    rest?.close();
  });

  it("serves client-go and controller-runtime families that expfmt parses, with the controller's real counts", async () => {
    const cms = new ResourceClient<ConfigMap>(rest, CM_INFO, ns());
    for (const name of ["a", "b", "c"]) await cms.create({ metadata: { name }, data: { v: name } });

    const informer = new SharedIndexInformer<ConfigMap>(cms, { name: "configmaps", useWatchList: false });
    const reconciled = new Set<string>();
    const controller = new Controller({
      name: "cm-metrics",
      logger: quiet,
      informers: [informer],
      metrics: registry,
      reconcile: async (key, { signal }) => {
        const name = key.slice(key.indexOf("/") + 1);
        await cms.get(name, { signal }); // a GET through the instrumented transport
        reconciled.add(key);
      },
    });
    informer.addEventHandler(controller.enqueueHandler<ConfigMap>({ skipResync: true }));
    const elector = new LeaderElector({
      lock: new LeaseLock({ client: new RestLeaseClient(rest), namespace: ns(), name: "cm-metrics", identity: "metrics-test" }),
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
      releaseOnCancel: true,
      onError: () => {},
      callbacks: {
        onStartedLeading: (signal) => controller.run(signal),
        onStoppedLeading: () => {},
      },
    });
    registerLeaderElectionMetrics(registry, elector);
    registerInformerMetrics(registry, { configmaps: informer });
    const health = await startHealthServer({ port: 0, host: "127.0.0.1", metrics: registry, logger: quiet });

    const ac = new AbortController();
    const informerRun = informer.run(ac.signal);
    const electorRun = elector.run(ac.signal);
    try {
      // scrape until the three reconciles are counted (bounded by the test timeout, not by a duration)
      let families: ParsedFamily[] = [];
      for (;;) {
        const res = await scrape(`${health.url}/metrics`);
        expect(res.status).toBe(200);
        expect(res.type).toBe("text/plain; version=0.0.4; charset=utf-8");
        const verdict = await parseExposition(checker.found ? checker.path : "", res.body);
        if (!verdict.ok) throw new Error(`expfmt rejected /metrics: ${verdict.error}\n${res.body}`);
        families = verdict.families;
        const total = families.find((f) => f.name === "controller_runtime_reconcile_total");
        const success = total?.metrics.find((m) => m.labels.controller === "cm-metrics" && m.labels.result === "success");
        if ((success?.value ?? 0) >= 3) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      expect([...reconciled].sort()).toEqual([`${ns()}/a`, `${ns()}/b`, `${ns()}/c`]);

      const types = Object.fromEntries(families.map((f) => [f.name, f.type]));
      expect(types).toMatchObject({
        rest_client_requests_total: "COUNTER",
        rest_client_request_duration_seconds: "HISTOGRAM",
        workqueue_depth: "GAUGE",
        workqueue_adds_total: "COUNTER",
        workqueue_queue_duration_seconds: "HISTOGRAM",
        workqueue_work_duration_seconds: "HISTOGRAM",
        workqueue_retries_total: "COUNTER",
        workqueue_unfinished_work_seconds: "GAUGE",
        workqueue_longest_running_processor_seconds: "GAUGE",
        controller_runtime_reconcile_total: "COUNTER",
        controller_runtime_reconcile_errors_total: "COUNTER",
        controller_runtime_reconcile_time_seconds: "HISTOGRAM",
        leader_election_master_status: "GAUGE",
        kubegen_informer_store_objects: "GAUGE",
      });

      const host = new URL(cp!.server).host;
      // the three reconcile GETs at least (the lease GET and the informer's LIST add more)
      const gets = sample(family(families, "rest_client_requests_total"), { code: "200", method: "GET", host });
      expect(gets.value).toBeGreaterThanOrEqual(4);
      expect(sample(family(families, "rest_client_requests_total"), { code: "201", method: "POST", host }).value).toBeGreaterThanOrEqual(3);
      const getLatency = sample(family(families, "rest_client_request_duration_seconds"), { verb: "GET", host });
      expect(getLatency.count).toBeGreaterThanOrEqual(4);
      expect(getLatency.buckets?.at(-1)).toEqual({ le: "+Inf", count: getLatency.count });

      const reconcileTotal = family(families, "controller_runtime_reconcile_total");
      expect(sample(reconcileTotal, { controller: "cm-metrics", result: "success" }).value).toBe(3);
      expect(sample(reconcileTotal, { controller: "cm-metrics", result: "error" }).value).toBe(0);
      expect(sample(family(families, "controller_runtime_reconcile_errors_total"), { controller: "cm-metrics" }).value).toBe(0);
      expect(sample(family(families, "controller_runtime_reconcile_time_seconds"), { controller: "cm-metrics" }).count).toBe(3);
      expect(sample(family(families, "workqueue_adds_total"), { name: "cm-metrics" }).value).toBe(3);
      expect(sample(family(families, "workqueue_work_duration_seconds"), { name: "cm-metrics" }).count).toBe(3);
      expect(sample(family(families, "leader_election_master_status"), { name: `${ns()}/cm-metrics` }).value).toBe(1);
      expect(sample(family(families, "kubegen_informer_store_objects"), { resource: "configmaps" }).value).toBe(3);
    } finally {
      ac.abort();
      await Promise.allSettled([electorRun, informerRun]);
      await health.close();
    }
    // once the elector has stopped, the gauge reads 0
    const after = await parseExposition((checker as { path: string }).path, registry.expose());
    if (!after.ok) throw new Error(after.error);
    expect(sample(family(after.families, "leader_election_master_status"), { name: `${ns()}/cm-metrics` }).value).toBe(0);
  });
});
