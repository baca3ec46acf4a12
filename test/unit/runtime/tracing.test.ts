// OpenTelemetry tracing (runtime/src/tracing/otel.ts) through the transport
// and the controller, recorded by the SDK's in-memory exporter, against a
// small local HTTP server that records the headers it receives.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { context, propagation, SpanKind, SpanStatusCode, type TextMapPropagator } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Controller, disableTracing, enableTracing, newRestConfig, RestClient, tracingEnabled } from "@kubegen/runtime";

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const contextManager = new AsyncLocalStorageContextManager();

const TOKEN = "tracing-test-bearer-token-0123456789";
const PASSWORD = "tracing-url-password-9876";

let server: http.Server;
let base: string;
const seen: http.IncomingHttpHeaders[] = [];
let script: ((res: http.ServerResponse, n: number) => void) | undefined;

beforeAll(async () => {
  context.setGlobalContextManager(contextManager.enable());
  server = http.createServer((req, res) => {
    seen.push(req.headers);
    req.resume();
    req.on("end", () => {
      if (script) return script(res, seen.length);
      res.writeHead(200, { "content-type": "application/json" }).end('{"kind":"Thing"}');
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.close();
  context.disable();
  propagation.disable();
  await provider.shutdown();
});

afterEach(() => {
  disableTracing();
  exporter.reset();
  seen.length = 0;
  script = undefined;
  propagation.disable();
});

function client(): RestClient {
  return new RestClient(newRestConfig(`http://user:${PASSWORD}@${base}`, { bearerToken: TOKEN, qps: -1 }));
}

describe("tracing disabled (the default)", () => {
  it("records nothing, sends no traceparent and does not fail", async () => {
    expect(tracingEnabled()).toBe(false);
    await expect(client().request({ path: "/api/v1/pods" })).resolves.toEqual({ kind: "Thing" });
    expect(exporter.getFinishedSpans()).toEqual([]);
    expect(seen[0]?.traceparent).toBeUndefined();
  });
});

describe("transport spans", () => {
  it("one CLIENT span per request, with HTTP semantic-convention attributes", async () => {
    await enableTracing({ tracerProvider: provider });
    await client().request({
      verb: "list",
      version: "v1",
      resource: "pods",
      namespace: "default",
      options: { labelSelector: "app=web" },
    });
    const spans = exporter.getFinishedSpans();
    expect(spans).toHaveLength(1);
    const [span] = spans;
    expect(span!.name).toBe("GET");
    expect(span!.kind).toBe(SpanKind.CLIENT);
    expect(span!.instrumentationScope.name).toBe("@kubegen/runtime");
    expect(span!.attributes).toMatchObject({
      "http.request.method": "GET",
      "url.full": `http://${base}/api/v1/namespaces/default/pods?labelSelector=app%3Dweb`,
      "server.address": "127.0.0.1",
      "server.port": Number(base.split(":")[1]),
      "http.response.status_code": 200,
    });
    expect(span!.attributes["error.type"]).toBeUndefined();
    expect(span!.status.code).toBe(SpanStatusCode.UNSET);
  });

  it("sends a W3C traceparent whose trace id and span id are the span's", async () => {
    await enableTracing({ tracerProvider: provider });
    await client().request({ path: "/version" });
    const [span] = exporter.getFinishedSpans();
    const ctx = span!.spanContext();
    expect(seen[0]?.traceparent).toBe(`00-${ctx.traceId}-${ctx.spanId}-01`);
  });

  it("injects through the global propagator when one is registered", async () => {
    const custom: TextMapPropagator = {
      inject: (_ctx, carrier, setter) => setter.set(carrier, "x-test-trace", "yes"),
      extract: (ctx) => ctx,
      fields: () => ["x-test-trace"],
    };
    propagation.setGlobalPropagator(custom);
    await enableTracing({ tracerProvider: provider });
    await client().request({ path: "/version" });
    expect(seen[0]?.["x-test-trace"]).toBe("yes");
    expect(seen[0]?.traceparent).toBeUndefined(); // the registered propagator decides
  });

  it("records retries as events, and a final error status with error.type", async () => {
    script = (res, n) => {
      if (n < 3) res.writeHead(503, { "retry-after": "0" }).end();
      else
        res
          .writeHead(404, { "content-type": "application/json" })
          .end('{"kind":"Status","status":"Failure","code":404}');
    };
    await enableTracing({ tracerProvider: provider });
    await expect(client().request({ path: "/api/v1/namespaces/default/pods/nope" })).rejects.toThrow();
    const spans = exporter.getFinishedSpans();
    expect(spans).toHaveLength(1);
    expect(spans[0]!.events.map((e) => [e.name, e.attributes])).toEqual([
      ["retry", { "http.request.resend_count": 1, "kubegen.retry.reason": "503" }],
      ["retry", { "http.request.resend_count": 2, "kubegen.retry.reason": "503" }],
    ]);
    expect(spans[0]!.attributes).toMatchObject({
      "http.response.status_code": 404,
      "error.type": "404",
      "http.request.resend_count": 2,
    });
    expect(spans[0]!.status.code).toBe(SpanStatusCode.ERROR);
    // every attempt carried the same span's traceparent
    expect(new Set(seen.map((h) => h.traceparent)).size).toBe(1);
  });

  it("a connection failure ends the span with error.type and an ERROR status", async () => {
    await enableTracing({ tracerProvider: provider });
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const rc = new RestClient(newRestConfig(`http://127.0.0.1:${port}`, { bearerToken: TOKEN, qps: -1 }));
    const err = await rc
      .request({ verb: "create", version: "v1", resource: "pods", namespace: "default", body: {} })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    const [span] = exporter.getFinishedSpans();
    expect(span, String(err)).toBeDefined();
    expect(span!.attributes["error.type"]).toBe("ECONNREFUSED");
    expect(span!.status.code).toBe(SpanStatusCode.ERROR);
  });

  it("never puts credentials in span attributes, events or status", async () => {
    await enableTracing({ tracerProvider: provider });
    await client().request({
      verb: "list",
      version: "v1",
      resource: "pods",
      options: { labelSelector: `token=${TOKEN}` },
    });
    const dump = JSON.stringify(
      exporter.getFinishedSpans().map((s) => ({ a: s.attributes, e: s.events, st: s.status, n: s.name })),
    );
    expect(dump).not.toContain(TOKEN);
    expect(dump).not.toContain(PASSWORD);
    expect(dump).not.toContain("user:");
    expect(dump).toContain("url.full");
    expect(seen[0]?.authorization).toBe(`Bearer ${TOKEN}`); // the request itself still authenticates
  });

  it("a disable function from enableTracing turns it off", async () => {
    const off = await enableTracing({ tracerProvider: provider });
    off();
    expect(tracingEnabled()).toBe(false);
    await client().request({ path: "/version" });
    expect(exporter.getFinishedSpans()).toEqual([]);
  });
});

describe("controller spans", () => {
  it("a reconcile is an INTERNAL span, the parent of the requests made in it", async () => {
    await enableTracing({ tracerProvider: provider });
    const rc = client();
    const ac = new AbortController();
    const logger = { info: () => {}, error: () => {} };
    let reconciled = 0;
    const c = new Controller({
      name: "widgets",
      workers: 1,
      logger,
      reconcile: async (key, { signal }) => {
        await rc.request({ path: `/api/v1/namespaces/default/configmaps/${key}`, signal });
        await rc.request({ path: "/version", signal });
        if (++reconciled === 2) ac.abort();
        return key === "b" ? { requeueAfterMs: 60_000 } : undefined;
      },
    });
    c.enqueue("a");
    c.enqueue("b");
    await c.run(ac.signal);
    const spans = exporter.getFinishedSpans();
    const reconciles = spans.filter((s) => s.name === "reconcile widgets");
    expect(reconciles).toHaveLength(2);
    for (const r of reconciles) {
      expect(r.kind).toBe(SpanKind.INTERNAL);
      const children = spans.filter((s) => s.parentSpanContext?.spanId === r.spanContext().spanId);
      expect(children.map((s) => s.kind)).toEqual([SpanKind.CLIENT, SpanKind.CLIENT]);
      for (const ch of children) expect(ch.spanContext().traceId).toBe(r.spanContext().traceId);
    }
    expect(
      reconciles.map((r) => [r.attributes["kubegen.reconcile.key"], r.attributes["kubegen.reconcile.result"]]),
    ).toEqual([
      ["a", "success"],
      ["b", "requeue_after"],
    ]);
    expect(reconciles[0]!.attributes["kubegen.controller"]).toBe("widgets");
    // the requests' traceparent carries the reconcile's trace id
    expect(seen.map((h) => String(h.traceparent).split("-")[1])).toEqual(
      reconciles.flatMap((r) => [r.spanContext().traceId, r.spanContext().traceId]),
    );
  });

  it("a failing reconcile's span has result error and an ERROR status", async () => {
    await enableTracing({ tracerProvider: provider });
    const ac = new AbortController();
    const c = new Controller({
      name: "failing",
      workers: 1,
      logger: { info: () => {}, error: () => {} },
      reconcile: () => {
        ac.abort();
        throw new Error(`boom with Authorization: Bearer ${TOKEN}`);
      },
    });
    c.enqueue("k");
    await c.run(ac.signal);
    const [span] = exporter.getFinishedSpans().filter((s) => s.name === "reconcile failing");
    expect(span!.attributes["kubegen.reconcile.result"]).toBe("error");
    expect(span!.attributes["error.type"]).toBe("Error");
    expect(span!.status.code).toBe(SpanStatusCode.ERROR);
    expect(span!.status.message).toContain("boom with");
    expect(span!.status.message).not.toContain(TOKEN); // redacted
  });
});
