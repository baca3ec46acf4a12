// tracing/active: all the transport and the controller see of tracing. It
// holds the span starters that enableTracing() (tracing/otel.ts) installs, or
// none; with none, starting a span is one `undefined` check. Keeping the
// OpenTelemetry glue behind this door keeps it out of programs (and bundles)
// that never enable tracing.

import type { ReconcileSpan, RequestSpan } from "./otel.js";

/** What enableTracing() installs. */
export interface SpanStarters {
  request(method: string, url: URL): RequestSpan;
  reconcile(controller: string, key: string): ReconcileSpan;
}

let starters: SpanStarters | undefined;

/** Installs the span starters (undefined turns tracing off). */
export function installSpanStarters(next: SpanStarters | undefined): void {
  starters = next;
}

/** Whether tracing is on (enableTracing() is in force). */
export function tracingEnabled(): boolean {
  return starters !== undefined;
}

/** The CLIENT span of one request, a child of the active context; undefined when tracing is off. */
export function startRequestSpan(method: string, url: URL): RequestSpan | undefined {
  return starters?.request(method, url);
}

/** The INTERNAL span `reconcile <controller>`; undefined when tracing is off. */
export function startReconcileSpan(controller: string, key: string): ReconcileSpan | undefined {
  return starters?.reconcile(controller, key);
}
