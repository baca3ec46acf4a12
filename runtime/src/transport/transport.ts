// The transport: sends one built HTTP request to the API server and returns
// the response head with its body unread (client-go rest/request.go request()
// and rest/with_retry.go, transport/*). It owns, per RestConfig:
//   - HTTP/2 connections to an https:// server without a proxy (http2.ts: one
//     connection for every request and watch, per TLS identity) unless
//     config.http2 is false or DISABLE_HTTP2 is set,
//   - a keep-alive https.Agent (connection pooling; one more per exec client
//     cert) for HTTP/1.1: proxies, http:// servers, servers without HTTP/2,
//     upgrades,
//   - TLS (CA, client cert, server name, insecure skip-verify with a warning);
//     caFile, certFile and keyFile are re-checked for change (cert-rotation.ts,
//     client-go transport/cert_rotation.go): new material gets a new agent for
//     new connections, and the previous agent is retired: its idle
//     connections are closed at once, its busy ones (a request or a watch in
//     flight) when their response ends, so a rotation breaks nothing (HTTP/2
//     connections likewise take no new streams and close when theirs end). A
//     new exec client certificate retires the previous one's agent the same way,
//   - compression (compression.ts): `Accept-Encoding: gzip` unless
//     config.disableCompression, and gzip responses decoded as a stream,
//   - the proxy: chosen once, when the transport is created, from proxyUrl or
//     the environment (proxy-env.ts; an invalid one is a ConfigError then,
//     never a failure of the first request), and connected through by
//     proxy-agent.ts (CONNECT) or socks.ts (SOCKS5),
//   - authentication headers, impersonation, User-Agent (a request's abort
//     signal and timeout also bound the wait for an exec credential plugin),
//   - one TokenBucket for client-side QPS/burst (watches are not limited),
//   - retries: up to maxRetries (10) on 429/5xx that carry an integer
//     Retry-After, and on connection resets for GET (any method for watches;
//     never for streams); one retry after a 401 when the credential rotated,
//   - server Warning headers -> the warning handler,
//   - redaction of secrets in every error it raises,
//   - request metrics, when a sink is set (metrics/request-metrics.ts): one
//     result per HTTP attempt and one latency per `do` request, as client-go
//     rest/request.go (updateURLMetrics in the retry loop; RequestLatency per request),
//   - tracing, when enableTracing() was called (tracing/otel.ts): one CLIENT
//     span per request (retries are its `retry` events; it ends with the
//     final response head), and its W3C traceparent/tracestate headers.
// Request building (rest/build-request.ts) does no I/O; this does no building.

import http, { type IncomingMessage } from "node:http";
import https from "node:https";
import type { ConnectionOptions } from "node:tls";
import { ConfigError, defaultUserAgent, effectiveRateLimit, type RestConfig } from "../config/rest-config.js";
import { NetworkError } from "../errors/network-error.js";
import { featureGatesFor } from "../features/feature-gates.js";
import { redact, redactWarning, registerConfigSecrets, registerSecret } from "../errors/redact.js";
import { realClock, type Clock } from "../util/clock.js";
import { requestMetricsSink, type RequestMetricsSink } from "../metrics/request-metrics.js";
import { startRequestSpan, tracingEnabled } from "../tracing/active.js";
import type { RequestSpan } from "../tracing/otel.js";
import { TokenBucket } from "../util/token-bucket.js";
import { Authenticator, impersonationHeaders, type AuthState } from "./auth.js";
import { TlsFileSource } from "./cert-rotation.js";
import { ACCEPT_ENCODING, decodeResponse } from "./compression.js";
import { Http2Pool } from "./http2.js";
import { forwardProxyAgent, forwardRequestOptions, TunnelHttpAgent, TunnelHttpsAgent, tunnelDialer } from "./proxy-agent.js";
import { proxyForUrl, type ProxyUrl } from "./proxy-env.js";
import { defaultWarningHandler, parseWarningHeaders } from "./warnings.js";

/** An HTTP request as rest/build-request.ts produces it: data only. */
export interface HttpRequest {
  /** Upper-case HTTP method. */
  method: string;
  /** Absolute path below the server URL, e.g. `/api/v1/namespaces/default/pods`. */
  path: string;
  /** Query parameters in order (names may repeat). */
  query: Array<[string, string]>;
  /** Request headers (lower-case names). */
  headers: Record<string, string | string[]>;
  /** The body, already serialised. */
  body?: string | Buffer;
}

/** What {@link Transport.upgradeOptions} returns: how to open an upgraded connection to the API server. */
export interface UpgradeOptions {
  /** The full https:// (or http://) URL. */
  url: URL;
  /** User-Agent, impersonation and Authorization headers (lower-case names). Never log them. */
  headers: Record<string, string | string[]>;
  /** The agent that opens the connection: TLS settings and proxy included. */
  agent: http.Agent;
  /** The credential used, for 401 handling. */
  auth: AuthState;
  /** Every secret known to the transport, for redaction of error texts. */
  secrets: string[];
}

/** What kind of call a request is: it decides throttling, timeouts and which failures are retried. */
export type RequestKind = "do" | "watch" | "stream";

/** Per-call transport options. */
export interface SendOptions {
  kind?: RequestKind;
  signal?: AbortSignal;
  /** Overrides config.timeoutMs for a `do` call; ignored for watches and streams. */
  timeoutMs?: number;
  /** Retry budget for Retry-After responses and connection resets (default 10; 0 disables). */
  maxRetries?: number;
}

/** client-go rest/request.go maxRetries default. */
export const DEFAULT_MAX_RETRIES = 10;

const NETWORK_RETRY_CODES = new Set(["ECONNRESET", "EPIPE", "ECONNABORTED", "ERR_STREAM_PREMATURE_CLOSE"]);

/** Sends requests for one RestConfig. Create one per config and reuse it: it holds the connection pool. */
export class Transport {
  readonly config: RestConfig;
  /** The client-side rate limiter, or undefined when qps < 0 disabled it. */
  readonly limiter: TokenBucket | undefined;
  readonly #clock: Clock;
  readonly #auth: Authenticator;
  readonly #base: URL;
  readonly #agents = new Map<string, http.Agent>();
  /** Agents replaced by newer TLS material, kept until their busy connections end (for close()). */
  readonly #retired = new Set<http.Agent>();
  /** HTTP/2 pools by client identity, like #agents; undefined when HTTP/2 is off. */
  readonly #h2: Map<string, Http2Pool> | undefined;
  readonly #h2Retired = new Set<Http2Pool>();
  readonly #tls: TlsFileSource;
  #tlsGeneration = 0;
  readonly #userAgent: string;
  readonly #proxy: ProxyUrl | undefined;

  constructor(config: RestConfig) {
    registerConfigSecrets(config);
    this.config = config;
    this.#clock = config.clock ?? realClock;
    const where = config.origin ?? "rest config";
    try {
      this.#base = new URL(config.server.includes("://") ? config.server : `https://${config.server}`);
    } catch (err) {
      throw new ConfigError(`${where}: server ${JSON.stringify(config.server)} is not a URL`, { cause: err });
    }
    // an unusable proxy is a configuration error now, not a failure of the first request
    this.#proxy = proxyForUrl(this.#base, config);
    if (config.caData && config.caFile) {
      throw new ConfigError(`${where}: both caData and caFile (${config.caFile}) are set; set only one`);
    }
    if (config.insecureSkipTlsVerify && (config.caData || config.caFile)) {
      throw new ConfigError(`${where}: a CA cannot be combined with insecureSkipTlsVerify`);
    }
    if (config.insecureSkipTlsVerify) {
      process.emitWarning(`${where}: insecure-skip-tls-verify is set: the server's certificate is not verified`, {
        code: "KUBEGEN_INSECURE_TLS",
      });
    }
    const gates = featureGatesFor(config); // an unknown gate in config.featureGates is an error now, not at first use
    this.#tls = new TlsFileSource(config, {
      clock: this.#clock,
      rotateCa: gates.enabled("ClientsAllowCARotation"),
      ...(config.tlsFileCheckMs !== undefined ? { checkMs: config.tlsFileCheckMs } : {}),
    });
    const limit = effectiveRateLimit(config);
    this.limiter = limit ? new TokenBucket(limit.qps, limit.burst, this.#clock) : undefined;
    this.#auth = new Authenticator(config, this.#clock);
    this.#userAgent = config.userAgent || defaultUserAgent();
    const h2 = config.http2 !== false && !process.env.DISABLE_HTTP2;
    this.#h2 = h2 && this.#base.protocol === "https:" && !this.#proxy ? new Map() : undefined;
  }

  /**
   * The connections open now: HTTP/2 connections and the streams on them, and HTTP/1.1
   * sockets (busy and idle), for diagnostics and tests.
   */
  get connections(): { http2: number; http2Streams: number; http1: number } {
    let http2 = 0;
    let http2Streams = 0;
    for (const pool of [...(this.#h2?.values() ?? []), ...this.#h2Retired]) {
      const s = pool.stats;
      http2 += s.connections;
      http2Streams += s.streams;
    }
    let http1 = 0;
    for (const a of [...this.#agents.values(), ...this.#retired]) {
      for (const list of [...Object.values(a.sockets), ...Object.values(a.freeSockets)]) http1 += list?.length ?? 0;
    }
    return { http2, http2Streams, http1 };
  }

  /**
   * The proxy requests go through, as `scheme://host:port` (never with
   * credentials), or undefined for direct connections.
   */
  get proxy(): string | undefined {
    return this.#proxy?.display;
  }

  /**
   * The source of the CA, client certificate and key (its `generation` counts
   * accepted rotations of caFile, certFile and keyFile), for diagnostics.
   */
  get tlsFiles(): TlsFileSource {
    return this.#tls;
  }

  /** The authenticator (exposes the exec provider for diagnostics). */
  get authenticator(): Authenticator {
    return this.#auth;
  }

  /** The full URL a request goes to (server prefix + path + query). */
  url(req: Pick<HttpRequest, "path" | "query">): URL {
    const u = new URL(this.#base.toString());
    u.username = "";
    u.password = "";
    u.pathname = (this.#base.pathname.replace(/\/$/, "") + req.path).replace(/\/{2,}/g, "/");
    u.search = "";
    for (const [k, v] of req.query) u.searchParams.append(k, v);
    return u;
  }

  /**
   * Sends a request, with throttling, auth and retries, and resolves with the
   * final response (body unread: the caller must consume or destroy it). A
   * gzip-encoded body is decoded (compression.ts) unless the request set its
   * own Accept-Encoding, in which case the body is returned as sent.
   * Rejects with the signal's reason when the caller aborts, with a
   * ConfigError when the TLS files cannot be loaded the first time, and with
   * a NetworkError for transport failures (including the timeout).
   */
  async send(req: HttpRequest, options: SendOptions = {}): Promise<IncomingMessage> {
    const span = tracingEnabled() ? startRequestSpan(req.method, this.url(req)) : undefined;
    if (!span) return this.#measured(req, options, undefined);
    try {
      // the caller's own traceparent, if any, wins
      const res = await this.#measured({ ...req, headers: { ...span.headers, ...req.headers } }, options, span);
      span.end(res.statusCode ?? 0);
      return res;
    } catch (err) {
      span.fail(err);
      throw err;
    }
  }

  async #measured(req: HttpRequest, options: SendOptions, span: RequestSpan | undefined): Promise<IncomingMessage> {
    const metrics = requestMetricsSink();
    if (!metrics || (options.kind ?? "do") !== "do") return this.#send(req, options, metrics, span);
    const start = this.#clock.monotonicMs();
    try {
      return await this.#send(req, options, metrics, span);
    } finally {
      metrics.latency(req.method, this.#base.host, (this.#clock.monotonicMs() - start) / 1000);
    }
  }

  async #send(
    req: HttpRequest,
    options: SendOptions,
    metrics: RequestMetricsSink | undefined,
    span: RequestSpan | undefined,
  ): Promise<IncomingMessage> {
    const kind = options.kind ?? "do";
    const maxRetries = Math.max(0, options.maxRetries ?? DEFAULT_MAX_RETRIES);
    const url = this.url(req);
    const timeoutMs = kind === "do" ? (options.timeoutMs ?? this.config.timeoutMs ?? 0) : 0;
    const timeout = timeoutMs > 0 ? AbortSignal.timeout(timeoutMs) : undefined;
    const signals = [options.signal, timeout].filter((s): s is AbortSignal => !!s);
    const signal = signals.length === 0 ? undefined : signals.length === 1 ? signals[0] : AbortSignal.any(signals);
    const fail = (err: unknown, what?: string, during = ""): never => {
      if (options.signal?.aborted) throw options.signal.reason;
      if (timeout?.aborted) {
        throw new NetworkError(`${req.method} ${url}: timed out after ${timeoutMs} ms${during}`, {
          method: req.method,
          url: url.toString(),
          code: "ETIMEDOUT",
          cause: err,
        });
      }
      const code = (err as NodeJS.ErrnoException)?.code;
      const msg = redact(what ?? (err as Error)?.message ?? String(err), [...this.#auth.secrets(), ...(this.#proxy?.secrets() ?? [])]);
      throw new NetworkError(`${req.method} ${url}: ${msg}`, { method: req.method, url: url.toString(), code, cause: err });
    };

    let attempt = 0;
    let authRetried = false;
    for (;;) {
      try {
        if (kind !== "watch" && this.limiter) await this.limiter.wait(signal);
      } catch (err) {
        fail(err);
      }
      let auth: AuthState;
      try {
        auth = await this.#auth.credentials(signal);
      } catch (err) {
        if (signal?.aborted) return fail(err, undefined, " waiting for credentials");
        if (err instanceof ConfigError) throw err;
        return fail(err);
      }
      let res: IncomingMessage;
      try {
        res = await this.#once(url, req, auth, signal);
      } catch (err) {
        metrics?.result("<error>", req.method, this.#base.host);
        if (signal?.aborted) return fail(err);
        if (err instanceof ConfigError) throw err;
        const code = (err as NodeJS.ErrnoException)?.code ?? "";
        const retryable =
          (kind === "do" && req.method === "GET" && NETWORK_RETRY_CODES.has(code)) ||
          (kind === "watch" && (NETWORK_RETRY_CODES.has(code) || code === "ETIMEDOUT"));
        if (retryable && attempt < maxRetries) {
          attempt++;
          span?.retry(code);
          // client-go synthesises a 500 with Retry-After: 1 for these
          await this.#sleep(1000, signal).catch(fail);
          continue;
        }
        return fail(err);
      }
      this.#handleWarnings(res.headers.warning);
      const status = res.statusCode ?? 0;
      metrics?.result(String(status), req.method, this.#base.host);
      if (status === 401 && !authRetried && !hasHeader(req.headers, "authorization")) {
        let rotated = false;
        try {
          rotated = await this.#auth.afterUnauthorized(auth, signal);
        } catch (err) {
          if (signal?.aborted) {
            res.resume();
            return fail(err, undefined, " waiting for credentials");
          }
          rotated = false;
        }
        if (rotated) {
          authRetried = true;
          span?.retry("401");
          res.resume();
          continue;
        }
      }
      const retryAfter = parseRetryAfter(res.headers["retry-after"]);
      if ((status === 429 || status >= 500) && retryAfter !== undefined && attempt < maxRetries) {
        attempt++;
        span?.retry(String(status));
        res.resume();
        await this.#sleep(retryAfter * 1000, signal).catch(fail);
        continue;
      }
      // a caller that chose its own Accept-Encoding gets the body as the server sent it (as in Go)
      return hasHeader(req.headers, "accept-encoding") ? res : decodeResponse(res, { method: req.method, url: url.toString() });
    }
  }

  /**
   * What an upgraded connection (the WebSocket of exec and attach) needs to
   * reach the API server exactly as this transport's requests do: the URL,
   * the headers (User-Agent, impersonation, the credential) and an agent that
   * carries the TLS settings (CA, client certificate, server name; rotated
   * files are picked up as for requests) and the proxy. HTTP(S) proxies are
   * reached with CONNECT for http:// servers too, since an upgrade cannot be
   * forwarded in absolute form. Not rate limited: client-go's streaming
   * executors are not either. After a 401, pass `auth` to
   * `authenticator.afterUnauthorized()` to learn whether a retry is worth it.
   * Rejects with the signal's reason on abort, a ConfigError for unusable
   * TLS files or credentials settings, and a NetworkError when the
   * credential cannot be obtained.
   */
  async upgradeOptions(req: Pick<HttpRequest, "path" | "query">, signal?: AbortSignal): Promise<UpgradeOptions> {
    const url = this.url(req);
    const secrets = (): string[] => [...this.#auth.secrets(), ...(this.#proxy?.secrets() ?? [])];
    let auth: AuthState;
    try {
      signal?.throwIfAborted();
      auth = await this.#auth.credentials(signal);
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      if (err instanceof ConfigError) throw err;
      throw new NetworkError(`GET ${url}: ${redact((err as Error)?.message ?? String(err), secrets())}`, {
        method: "GET",
        url: url.toString(),
        code: (err as NodeJS.ErrnoException)?.code,
        cause: err,
      });
    }
    const headers: Record<string, string | string[]> = {
      "user-agent": this.#userAgent,
      ...lowerKeys(impersonationHeaders(this.config)),
    };
    if (auth.authorization) headers.authorization = auth.authorization;
    const isHttps = url.protocol === "https:";
    const proxy = this.#proxy;
    let agent: http.Agent;
    if (!isHttps && proxy && !proxy.isSocks) {
      const ca = proxy.scheme === "https" ? this.#tls.current().ca : undefined;
      agent = new TunnelHttpAgent(tunnelDialer(proxy, { proxyCa: ca }), {});
    } else {
      agent = this.#agent(isHttps, auth.clientCert);
    }
    return { url, headers, agent, auth, secrets: secrets() };
  }

  /** Closes pooled connections. The transport stays usable (new connections are opened on demand). */
  close(): void {
    for (const a of [...this.#agents.values(), ...this.#retired]) a.destroy();
    this.#agents.clear();
    this.#retired.clear();
    for (const p of [...(this.#h2?.values() ?? []), ...this.#h2Retired]) p.close();
    this.#h2?.clear();
    this.#h2Retired.clear();
  }

  /**
   * Stops using `agent` for new requests: its idle connections close now, and
   * each busy one closes when its response ends (keepSocketAlive says no), so
   * requests and watches in flight are not broken.
   */
  #retire(agent: http.Agent): void {
    agent.keepSocketAlive = () => false;
    for (const list of Object.values(agent.freeSockets)) for (const s of list ?? []) s.destroy();
    for (const a of this.#retired) if (!Object.values(a.sockets).some((l) => l?.length)) this.#retired.delete(a);
    if (Object.values(agent.sockets).some((l) => l?.length)) this.#retired.add(agent);
  }

  #sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
    return this.#clock.sleep(ms, signal);
  }

  #handleWarnings(header: string | string[] | undefined): void {
    if (!header) return;
    const handler = this.config.warningHandler === undefined ? defaultWarningHandler : this.config.warningHandler;
    if (!handler) return;
    for (const w of parseWarningHeaders(header)) handler(redactWarning(w));
  }

  async #once(url: URL, req: HttpRequest, auth: AuthState, signal: AbortSignal | undefined): Promise<IncomingMessage> {
    const headers = this.#headers(req, auth);
    if (this.#h2) {
      const res = await this.#h2Pool(auth.clientCert).request(req.method, url.pathname + url.search, headers, req.body, signal);
      if (res !== "http1") return res;
    }
    return this.#http1(url, req, headers, auth, signal);
  }

  #headers(req: HttpRequest, auth: AuthState): Record<string, string | string[]> {
    const headers: Record<string, string | string[]> = {
      "user-agent": this.#userAgent,
      ...lowerKeys(impersonationHeaders(this.config)),
      ...lowerKeys(req.headers),
    };
    if (!headers.authorization && auth.authorization) headers.authorization = auth.authorization;
    if (!this.config.disableCompression && headers["accept-encoding"] === undefined) headers["accept-encoding"] = ACCEPT_ENCODING;
    // Node does not chunk DELETE (or GET) bodies by default: without a length the server never sees them.
    if (req.body !== undefined) headers["content-length"] = String(Buffer.byteLength(req.body));
    return headers;
  }

  #http1(
    url: URL,
    req: HttpRequest,
    headers: Record<string, string | string[]>,
    auth: AuthState,
    signal: AbortSignal | undefined,
  ): Promise<IncomingMessage> {
    const isHttps = url.protocol === "https:";
    const agent = this.#agent(isHttps, auth.clientCert);
    const proxy = this.#proxy;
    return new Promise((resolve, reject) => {
      let r: http.ClientRequest;
      if (!isHttps && proxy && !proxy.isSocks) {
        // an http target through an HTTP(S) proxy: absolute-form request to the proxy (Go transport.go, targetScheme http)
        const forward = forwardRequestOptions(proxy, url, headers);
        r = forward.module.request({ ...forward.options, method: req.method, agent, ...(signal ? { signal } : {}) }, resolve);
      } else {
        r = (isHttps ? https : http).request(url, { method: req.method, headers, agent, ...(signal ? { signal } : {}) }, resolve);
      }
      r.on("error", reject);
      r.end(req.body);
    });
  }

  /** The HTTP/2 pool for the current TLS material and `clientCert` (the agents' rules, http2.ts's connections). */
  #h2Pool(clientCert: { cert: string; key: string } | undefined): Http2Pool {
    const pools = this.#h2!;
    const tls = this.#currentTls(true);
    const key = clientCert ? `${clientCert.cert}\n${clientCert.key}` : "";
    let pool = pools.get(key);
    if (pool) return pool;
    if (clientCert) {
      for (const [k, p] of pools) {
        if (k !== "") {
          this.#retireH2(p);
          pools.delete(k);
        }
      }
    }
    pool = new Http2Pool(this.#base, this.#tlsOptions(tls.ca, clientCert, tls));
    pools.set(key, pool);
    return pool;
  }

  #retireH2(pool: Http2Pool): void {
    pool.retire();
    for (const p of this.#h2Retired) if (p.stats.connections === 0) this.#h2Retired.delete(p);
    if (pool.stats.connections > 0) this.#h2Retired.add(pool);
  }

  /**
   * The TLS material now (caFile/certFile/keyFile re-checked at most every tlsFileCheckMs).
   * Rotated files retire every agent and HTTP/2 pool built from the previous material.
   */
  #currentTls(needsTls: boolean): { ca: string | undefined; cert: string | undefined; key: string | undefined } {
    const tls = needsTls ? this.#tls.current() : { ca: undefined, cert: undefined, key: undefined, generation: this.#tlsGeneration };
    if (tls.generation !== this.#tlsGeneration) {
      for (const a of this.#agents.values()) this.#retire(a);
      this.#agents.clear();
      for (const p of this.#h2?.values() ?? []) this.#retireH2(p);
      this.#h2?.clear();
      this.#tlsGeneration = tls.generation;
    }
    return tls;
  }

  /** TLS options for the API server: verification, CA, client certificate, server name. */
  #tlsOptions(
    ca: string | undefined,
    clientCert: { cert: string; key: string } | undefined,
    files: { cert: string | undefined; key: string | undefined },
  ): ConnectionOptions {
    const c = this.config;
    const options: ConnectionOptions = { rejectUnauthorized: !c.insecureSkipTlsVerify };
    if (ca) options.ca = ca;
    const cert = clientCert?.cert ?? files.cert;
    const keyPem = clientCert?.key ?? files.key;
    if (keyPem) registerSecret(keyPem);
    if (cert && keyPem) {
      options.cert = cert;
      options.key = keyPem;
    }
    if (c.tlsServerName) options.servername = c.tlsServerName;
    return options;
  }

  #agent(isHttps: boolean, clientCert: { cert: string; key: string } | undefined): http.Agent {
    const proxy = this.#proxy;
    // plain http needs TLS material only to reach an https:// proxy
    const tls = this.#currentTls(isHttps || (!!proxy && proxy.scheme === "https"));
    const key = clientCert ? `${clientCert.cert}\n${clientCert.key}` : "";
    let agent = this.#agents.get(key);
    if (agent) return agent;
    if (clientCert) {
      // a rotated exec certificate replaces the previous one's connections
      for (const [k, a] of this.#agents) {
        if (k !== "") {
          this.#retire(a);
          this.#agents.delete(k);
        }
      }
    }
    const base: http.AgentOptions = { keepAlive: true, scheduling: "lifo" };
    const ca = tls.ca;
    if (!isHttps) {
      if (!proxy) agent = new http.Agent(base);
      else if (proxy.isSocks) agent = new TunnelHttpAgent(tunnelDialer(proxy), base);
      else agent = forwardProxyAgent(proxy, base, { proxyCa: proxy.scheme === "https" ? ca : undefined });
    } else {
      const tlsOptions: https.AgentOptions = { ...base, ...this.#tlsOptions(ca, clientCert, tls) };
      agent = proxy ? new TunnelHttpsAgent(tunnelDialer(proxy, { proxyCa: ca }), tlsOptions) : new https.Agent(tlsOptions);
    }
    this.#agents.set(key, agent);
    return agent;
  }
}

function lowerKeys(h: Record<string, string | string[]>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(h)) out[k.toLowerCase()] = v;
  return out;
}

function hasHeader(h: Record<string, string | string[]>, name: string): boolean {
  return Object.keys(h).some((k) => k.toLowerCase() === name);
}

/** Retry-After as whole seconds (client-go accepts only an integer), or undefined. */
export function parseRetryAfter(value: string | string[] | undefined): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || !/^\s*\d+\s*$/.test(v)) return undefined;
  return Number(v.trim());
}
