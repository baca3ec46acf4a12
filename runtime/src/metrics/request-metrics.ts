// metrics/request-metrics: the one process-wide hook the transport reports
// HTTP requests through, as client-go's tools/metrics package holds
// `RequestResult` and `RequestLatency` for rest/request.go. Unset by default:
// the transport then does one `undefined` check per attempt and nothing else.
// registerRestClientMetrics (kube-metrics.ts) sets it; this file has no
// imports so the transport pulls in nothing else.

/** Where the transport reports requests (client-go `metrics.RequestResult` and `metrics.RequestLatency`). */
export interface RequestMetricsSink {
  /** One HTTP attempt ended: `code` is the status (`"200"`) or `"<error>"` when no response came. */
  result(code: string, method: string, host: string): void;
  /** One request (every attempt, throttling and retry waits included) took `seconds` until its response head. */
  latency(verb: string, host: string, seconds: number): void;
}

let current: RequestMetricsSink | undefined;

/** The sink requests report to, or undefined (the default: nothing is recorded). */
export function requestMetricsSink(): RequestMetricsSink | undefined {
  return current;
}

/**
 * Sets (or, with undefined, clears) the sink every Transport in the process
 * reports to. Returns a function that restores the previous sink.
 */
export function setRequestMetricsSink(sink: RequestMetricsSink | undefined): () => void {
  const previous = current;
  current = sink;
  return () => {
    if (current === sink) current = previous;
  };
}
