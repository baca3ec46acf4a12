// health: /healthz, /livez and /readyz for a controller's probes.

export { startHealthServer } from "./server.js";
export type { HealthCheck, HealthServer, HealthServerOptions } from "./server.js";
