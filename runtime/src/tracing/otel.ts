// tracing/otel: the runtime's one door to OpenTelemetry. It owns
//   - loading `@opentelemetry/api`, an optional peer dependency: only
//     enableTracing() imports it (once, with a dynamic import), so a process
//     that never calls it never loads it, and it need not be installed;
//   - the process-wide tracer every Transport and Controller reports to,
//     through the span starters it installs in tracing/active.ts (none by
//     default: the transport and the controller then do one `undefined` check
//     per request or reconcile and nothing else);
//   - the spans: one CLIENT span per transport request (named after the
//     method, attributes of the OTel HTTP semantic conventions, retries as
//     `retry` events, credentials redacted), the W3C `traceparent` and
//     `tracestate` headers it sends, and one INTERNAL span per reconcile
//     (`reconcile <controller>`), made the active context while the reconcile
//     runs so the requests made in it are its children.
// Why explicit, not "whenever the package is installed": a dynamic import is
// asynchronous, so an implicit load would miss the first requests; and a
// process must be able to have the API installed without paying for spans.
// Only `import type` from "@opentelemetry/api" appears here (erased from the
// JavaScript), and no exported type names it, so neither the built code nor
// its declarations need the package.

import type * as Otel from "@opentelemetry/api";
import { ConfigError } from "../config/rest-config.js";
import { redact } from "../errors/redact.js";
import { installSpanStarters, tracingEnabled } from "./active.js";

type OtelApi = typeof Otel;

/** Anything with `getTracer`: an OpenTelemetry `TracerProvider` (e.g. the SDK's `BasicTracerProvider`). */
export interface TracerProviderLike {
  getTracer(name: string, version?: string, options?: object): unknown;
}

/** Options of {@link enableTracing}. */
export interface TracingOptions {
  /** Where spans go. Default: the global provider registered with `@opentelemetry/api` (`trace.setGlobalTracerProvider`). */
  readonly tracerProvider?: TracerProviderLike;
}

/** The instrumentation scope of the runtime's spans. */
export const TRACER_NAME = "@kubegen/runtime";

interface Active {
  readonly api: OtelApi;
  readonly tracer: Otel.Tracer;
}

let active: Active | undefined;
let loading: Promise<OtelApi> | undefined;

function loadApi(): Promise<OtelApi> {
  loading ??= import("@opentelemetry/api").catch((err: unknown) => {
    loading = undefined;
    throw new ConfigError(
      "enableTracing: @opentelemetry/api is not installed (it is an optional peer dependency of @kubegen/runtime: npm install @opentelemetry/api)",
      { cause: err },
    );
  });
  return loading;
}

/**
 * Turns tracing on for every Transport and Controller in the process: loads
 * `@opentelemetry/api` (rejects with a ConfigError when it is not installed)
 * and takes a tracer from `options.tracerProvider` or the global provider.
 * Await it before the first request that should be traced. Returns a function
 * that turns tracing off again (as {@link disableTracing}).
 */
export async function enableTracing(options: TracingOptions = {}): Promise<() => void> {
  const api = await loadApi();
  const provider = (options.tracerProvider as Otel.TracerProvider | undefined) ?? api.trace;
  const mine: Active = { api, tracer: provider.getTracer(TRACER_NAME) };
  active = mine;
  installSpanStarters({ request: (method, url) => requestSpan(mine, method, url), reconcile: (c, key) => reconcileSpan(mine, c, key) });
  return () => {
    if (active === mine) disableTracing();
  };
}

/** Turns tracing off: no span is started afterwards (spans in flight still end). */
export function disableTracing(): void {
  active = undefined;
  installSpanStarters(undefined);
}

export { tracingEnabled };

// ---------------------------------------------------------------------------
// Transport requests

/** One request's span, as the transport drives it. */
export interface RequestSpan {
  /** The propagation headers to send (`traceparent`, `tracestate`, or whatever the global propagator writes). */
  readonly headers: Record<string, string>;
  /** The request is sent again (`reason`: the status or the error code); recorded as a `retry` event. */
  retry(reason: string): void;
  /** The final response head arrived. */
  end(status: number): void;
  /** The request failed without a final response. */
  fail(err: unknown): void;
}

/** Starts the CLIENT span of one request, a child of the active context. */
function requestSpan(t: Active, method: string, url: URL): RequestSpan {
  const { api, tracer } = t;
  const parent = api.context.active();
  const https = url.protocol === "https:";
  const span = tracer.startSpan(
    method,
    {
      kind: api.SpanKind.CLIENT,
      attributes: {
        "http.request.method": method,
        "url.full": redact(url.toString()),
        "server.address": url.hostname.replace(/^\[(.*)\]$/, "$1"),
        "server.port": url.port ? Number(url.port) : https ? 443 : 80,
      },
    },
    parent,
  );
  const headers: Record<string, string> = {};
  api.propagation.inject(api.trace.setSpan(parent, span), headers);
  if (api.propagation.fields().length === 0) w3cInject(api, span.spanContext(), headers); // no propagator registered
  let resends = 0;
  return {
    headers,
    retry(reason) {
      resends++;
      span.addEvent("retry", { "http.request.resend_count": resends, "kubegen.retry.reason": reason });
    },
    end(status) {
      span.setAttribute("http.response.status_code", status);
      if (resends > 0) span.setAttribute("http.request.resend_count", resends);
      if (status >= 400) {
        span.setAttribute("error.type", String(status));
        span.setStatus({ code: api.SpanStatusCode.ERROR });
      }
      span.end();
    },
    fail(err) {
      if (resends > 0) span.setAttribute("http.request.resend_count", resends);
      span.setAttribute("error.type", errorType(err));
      span.setStatus({ code: api.SpanStatusCode.ERROR, message: errorMessage(err) });
      span.end();
    },
  };
}

/** W3C Trace Context when the process registered no propagator (the API's default propagates nothing). */
function w3cInject(api: OtelApi, sc: Otel.SpanContext, headers: Record<string, string>): void {
  if (!api.trace.isSpanContextValid(sc)) return;
  headers.traceparent = `00-${sc.traceId}-${sc.spanId}-0${(sc.traceFlags & 1).toString(16)}`;
  const state = sc.traceState?.serialize();
  if (state) headers.tracestate = state;
}

// ---------------------------------------------------------------------------
// Controller reconciles

/** One reconcile's span, as the controller drives it. */
export interface ReconcileSpan {
  /** Runs `fn` with this span as the active context (requests made in it are its children). */
  run<T>(fn: () => T): T;
  /** The reconcile ended with `result` (`success`, `requeue`, `requeue_after` or `error`). */
  end(result: string, err?: unknown): void;
}

/** Starts the INTERNAL span `reconcile <controller>`. */
function reconcileSpan(t: Active, controller: string, key: string): ReconcileSpan {
  const { api, tracer } = t;
  const parent = api.context.active();
  const span = tracer.startSpan(
    `reconcile ${controller}`,
    {
      kind: api.SpanKind.INTERNAL,
      attributes: { "kubegen.controller": controller, "kubegen.reconcile.key": redact(key) },
    },
    parent,
  );
  const ctx = api.trace.setSpan(parent, span);
  return {
    run: (fn) => api.context.with(ctx, fn),
    end(result, err) {
      span.setAttribute("kubegen.reconcile.result", result);
      if (result === "error") {
        span.setAttribute("error.type", errorType(err));
        span.setStatus({ code: api.SpanStatusCode.ERROR, message: errorMessage(err) });
      }
      span.end();
    },
  };
}

function errorType(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === "string" && code) return code;
  if (err instanceof Error) return err.constructor?.name || err.name || "Error";
  return "_OTHER";
}

function errorMessage(err: unknown): string {
  return redact(err instanceof Error ? err.message : String(err));
}
