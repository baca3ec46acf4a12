// The health endpoints a controller's pod probes: /healthz (liveness; also
// served as /livez) and /readyz (readiness), in the format of the Kubernetes
// components' endpoints (k8s.io/apiserver pkg/server/healthz/healthz.go):
// 200 "ok" when every check passes, 500 with one `[-]<name> failed: reason
// withheld` line per failed check otherwise; `?verbose` lists every check;
// `?exclude=<name>` skips one (repeatable); `/healthz/<name>` runs one.
// Failure reasons are logged, never served. Given a metrics Registry it also
// serves `/metrics` (Prometheus text format 0.0.4, metrics/registry.ts).

import http from "node:http";
import type { AddressInfo } from "node:net";
import { consoleLogger, type Logger } from "../controller/controller.js";
import { informersReadyCheck, type HasInformerHealth } from "../cache/readiness.js";
import { PROMETHEUS_TEXT_CONTENT_TYPE, type Registry } from "../metrics/registry.js";

/** A named check: true (or a promise of true) means healthy; false, a throw or a rejection means not. */
export type HealthCheck = () => boolean | Promise<boolean>;

/** Options of {@link startHealthServer}. */
export interface HealthServerOptions {
  /** TCP port; 0 picks a free one (read it from {@link HealthServer.port}). */
  readonly port: number;
  /** Address to bind; default every interface (`::` / `0.0.0.0`), as a pod's probes need. */
  readonly host?: string;
  /** Liveness checks, served by `/healthz` (and `/livez`); `/readyz` runs them too. */
  readonly checks?: Readonly<Record<string, HealthCheck>>;
  /** Readiness-only checks (e.g. caches synced, workers running), served by `/readyz`. */
  readonly readyChecks?: Readonly<Record<string, HealthCheck>>;
  /** Informers whose caches `/readyz` checks (as `informers`): each must be synced and not stale. */
  readonly informers?: readonly HasInformerHealth[];
  /** A check that has not answered after this many ms fails (default 5000). */
  readonly checkTimeoutMs?: number;
  /** Where failing checks' errors are logged; default the console. */
  readonly logger?: Logger;
  /** Serve this registry at `/metrics` (GET or HEAD); without it `/metrics` is a 404. */
  readonly metrics?: Registry;
}

/** A running health server. */
export interface HealthServer {
  /** The port it listens on. */
  readonly port: number;
  /** `http://<host>:<port>` (loopback when bound to every interface). */
  readonly url: string;
  /** Stops listening and closes open connections. Safe to call twice. */
  close(): Promise<void>;
}

interface CheckOutcome {
  readonly name: string;
  readonly ok: boolean;
}

/**
 * Starts an HTTP server for `/healthz`, `/livez` and `/readyz` (GET or HEAD),
 * and `/metrics` when {@link HealthServerOptions.metrics} is set.
 * Every check named in a response runs for that request; with no checks an
 * endpoint answers "ok". Resolves once listening; rejects if the port cannot
 * be bound.
 */
export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const live = options.checks ?? {};
  const ready = {
    ...live,
    ...(options.informers?.length ? { informers: informersReadyCheck(...options.informers) } : {}),
    ...(options.readyChecks ?? {}),
  };
  const timeoutMs = options.checkTimeoutMs ?? 5_000;
  const logger = options.logger ?? consoleLogger("health");
  const endpoints: Record<string, Readonly<Record<string, HealthCheck>>> = { healthz: live, livez: live, readyz: ready };

  const runCheck = async (endpoint: string, name: string, check: HealthCheck): Promise<CheckOutcome> => {
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      });
      const ok = (await Promise.race([Promise.resolve().then(check), timeout])) === true;
      if (!ok) logger.info(`/${endpoint} check failed`, { check: name });
      return { name, ok };
    } catch (err) {
      logger.error(`/${endpoint} check failed`, { check: name, error: err });
      return { name, ok: false };
    } finally {
      clearTimeout(timer);
    }
  };

  const server = http.createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => {
      logger.error("health request failed", { error: err });
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });

  const send = (res: http.ServerResponse, status: number, body: string, head: boolean): void => {
    res.writeHead(status, {
      "content-type": "text/plain; charset=utf-8",
      "x-content-type-options": "nosniff",
      "cache-control": "no-cache, private",
      "content-length": Buffer.byteLength(body),
    });
    res.end(head ? undefined : body);
  };

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://health.invalid");
    const head = req.method === "HEAD";
    if (url.pathname === "/metrics" && options.metrics) {
      if (req.method !== "GET" && !head) {
        res.setHeader("allow", "GET, HEAD");
        send(res, 405, "method not allowed\n", head);
        return;
      }
      const body = options.metrics.expose();
      res.writeHead(200, {
        "content-type": PROMETHEUS_TEXT_CONTENT_TYPE,
        "cache-control": "no-cache, private",
        "content-length": Buffer.byteLength(body),
      });
      res.end(head ? undefined : body);
      return;
    }
    const [, endpoint, single, ...rest] = url.pathname.split("/");
    const checks = endpoint !== undefined ? endpoints[endpoint] : undefined;
    if (!checks || rest.length > 0 || (single !== undefined && single === "")) {
      send(res, 404, "404 page not found\n", head);
      return;
    }
    if (req.method !== "GET" && !head) {
      res.setHeader("allow", "GET, HEAD");
      send(res, 405, "method not allowed\n", head);
      return;
    }
    if (single !== undefined) {
      const check = Object.hasOwn(checks, single) ? checks[single] : undefined;
      if (!check) {
        send(res, 404, "404 page not found\n", head);
        return;
      }
      const outcome = await runCheck(endpoint!, single, check);
      send(res, outcome.ok ? 200 : 500, outcome.ok ? "ok" : `internal server error: ${single} check failed\n`, head);
      return;
    }
    const excluded = new Set(url.searchParams.getAll("exclude"));
    const verbose = url.searchParams.has("verbose");
    const names = Object.keys(checks).filter((n) => !excluded.has(n));
    const outcomes = await Promise.all(names.map((n) => runCheck(endpoint!, n, checks[n]!)));
    const failed = outcomes.filter((o) => !o.ok);
    const unknownExcludes = [...excluded].filter((n) => !Object.hasOwn(checks, n));
    if (failed.length === 0 && !verbose) {
      send(res, 200, "ok", head);
      return;
    }
    const lines = outcomes
      .filter((o) => verbose || !o.ok)
      .map((o) => (o.ok ? `[+]${o.name} ok` : `[-]${o.name} failed: reason withheld`));
    for (const n of unknownExcludes) lines.push(`warn: some health checks cannot be excluded: no matches for "${n}"`);
    lines.push(failed.length === 0 ? `${endpoint} check passed` : `${endpoint} check failed`);
    send(res, failed.length === 0 ? 200 : 500, `${lines.join("\n")}\n`, head);
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = options.host && options.host !== "::" && options.host !== "0.0.0.0" ? options.host : "127.0.0.1";
  let closed: Promise<void> | undefined;
  return {
    port: address.port,
    url: `http://${host.includes(":") ? `[${host}]` : host}:${address.port}`,
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
