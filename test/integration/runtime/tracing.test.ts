// OpenTelemetry tracing against the real API server: a list through the
// RestClient is one CLIENT span with status 200 (the server accepts the
// traceparent header the transport sends).
import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { afterAll, describe, expect, it } from "vitest";
import { disableTracing, enableTracing, loadConfig, RestClient } from "@kubegen/runtime";
import { controlPlane, useTestNamespace } from "../../helpers/cluster.js";

const cp = controlPlane();

describe.skipIf(!cp)("tracing against a real server", () => {
  const ns = useTestNamespace(cp, "trace");
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  afterAll(async () => {
    disableTracing();
    await provider.shutdown();
  });

  it("a list is one CLIENT span with http.response.status_code 200", async () => {
    const config = await loadConfig({ kubeconfigPath: cp!.kubeconfigPath });
    await enableTracing({ tracerProvider: provider });
    const rc = new RestClient(config);
    const list = await rc.request<{ kind: string }>({
      verb: "list",
      version: "v1",
      resource: "configmaps",
      namespace: ns(),
    });
    expect(list.kind).toBe("ConfigMapList");
    const spans = exporter
      .getFinishedSpans()
      .filter((s) => String(s.attributes["url.full"]).includes(`/namespaces/${ns()}/configmaps`));
    expect(spans).toHaveLength(1);
    const [span] = spans;
    expect(span!.kind).toBe(SpanKind.CLIENT);
    expect(span!.name).toBe("GET");
    expect(span!.status.code).toBe(SpanStatusCode.UNSET);
    const server = new URL(config.server);
    expect(span!.attributes).toMatchObject({
      "http.request.method": "GET",
      "http.response.status_code": 200,
      "server.address": server.hostname,
      "server.port": Number(server.port || 443),
    });
    expect(JSON.stringify(span!.attributes)).not.toContain(cp!.adminToken);
  });
});
