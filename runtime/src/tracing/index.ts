// tracing: OpenTelemetry spans for transport requests and controller
// reconciles, through the optional peer dependency @opentelemetry/api
// (loaded only by enableTracing()).

export { TRACER_NAME, disableTracing, enableTracing, tracingEnabled } from "./otel.js";
export type { TracerProviderLike, TracingOptions } from "./otel.js";
