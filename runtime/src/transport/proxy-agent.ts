// Connections through a proxy, as keep-alive agents for the transport
// (client-go's http.Transport with Proxy set; Go net/http transport.go
// dialConn):
//   - https targets: a tunnel, opened by HTTP CONNECT through an http:// or
//     https:// proxy or by the SOCKS5 handshake (socks.ts), then TLS to the
//     API server inside it with the configured CA, client certificate and
//     server name. The proxy sees only ciphertext. One tunnel per pooled
//     connection.
//   - http targets: through an HTTP(S) proxy, requests in absolute form
//     (`GET http://host/path`, with Proxy-Authorization) sent to the proxy, as
//     Go does; through SOCKS5, plain HTTP over the tunnel.
// Credentials in a proxy URL become `Proxy-Authorization: Basic` for HTTP(S)
// proxies and RFC 1929 username/password for SOCKS5; they appear in no error.
//
// TLS to an https:// proxy itself verifies the proxy's certificate against
// the system roots plus the configured CA, and sends no client certificate.
// (Go reuses the API server's TLS config for the proxy, so a configured CA
// replaces the system roots there, and the client certificate is offered to
// the proxy too.)

import http from "node:http";
import https from "node:https";
import net from "node:net";
import type { Duplex } from "node:stream";
import tls from "node:tls";
import { redact } from "../errors/redact.js";
import { parseProxyUrl, type ProxyUrl } from "./proxy-env.js";
import { plainCause, ProxyError } from "./proxy-error.js";
import { DEFAULT_PROXY_HANDSHAKE_TIMEOUT_MS, socksConnect } from "./socks.js";

/** Opens a tunnel to `host:port` and resolves with the stream (its first byte is the target's). */
export type TunnelDialer = (host: string, port: number) => Promise<Duplex>;

/** How tunnels are opened. */
export interface TunnelOptions {
  /** CAs that may sign an https:// proxy's certificate, in addition to the system roots. */
  proxyCa?: string | string[] | undefined;
  /** Deadline for connecting to the proxy plus its handshake (default 30 s). */
  timeoutMs?: number | undefined;
}

function hostPort(host: string, port: number): string {
  return net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}

/** TLS options for connecting to an https:// proxy itself. */
function proxyTlsOptions(proxy: ProxyUrl, options: TunnelOptions): tls.ConnectionOptions {
  const extra = options.proxyCa === undefined ? [] : Array.isArray(options.proxyCa) ? options.proxyCa : [options.proxyCa];
  return {
    ...(extra.length ? { ca: [...tls.rootCertificates, ...extra] } : {}),
    ...(net.isIP(proxy.hostname) ? {} : { servername: proxy.hostname }),
    rejectUnauthorized: true,
  };
}

/**
 * Opens a tunnel to `host:port` with HTTP CONNECT through an http:// or
 * https:// proxy (Go transport.go dialConn, CONNECT case). Any 2xx answer
 * opens the tunnel (RFC 9110 section 9.3.6); 407 is an ERR_PROXY_AUTH
 * ProxyError, any other answer ERR_PROXY_REFUSED.
 */
export function connectTunnel(proxy: ProxyUrl, host: string, port: number, options: TunnelOptions = {}): Promise<Duplex> {
  const target = hostPort(host, port);
  const timeoutMs = options.timeoutMs ?? DEFAULT_PROXY_HANDSHAKE_TIMEOUT_MS;
  const headers: Record<string, string> = { host: target };
  const auth = proxy.basicAuthorization();
  if (auth) headers["proxy-authorization"] = auth;
  const error = (code: string, message: string, extra: { statusCode?: number; cause?: unknown } = {}): ProxyError =>
    new ProxyError(`proxy ${proxy.display}: ${message}`, { code, proxy: proxy.display, ...extra });
  return new Promise<Duplex>((resolve, reject) => {
    let settled = false;
    const settle = (err: Error | undefined, socket?: Duplex): void => {
      if (settled) {
        socket?.destroy();
        return;
      }
      settled = true;
      clearTimeout(timer);
      if (err) {
        socket?.destroy();
        request.destroy();
        reject(err);
      } else resolve(socket!);
    };
    const refused = (status: number, statusMessage: string | undefined): ProxyError => {
      const text = redact(`HTTP ${status}${statusMessage ? ` ${statusMessage}` : ""}`, proxy.secrets());
      if (status === 407) {
        return error(
          "ERR_PROXY_AUTH",
          proxy.credentials()
            ? `rejected the credentials in the proxy URL (${text})`
            : `requires authentication (${text}); put a user name and password in the proxy URL`,
          { statusCode: status },
        );
      }
      return error("ERR_PROXY_REFUSED", `refused to CONNECT to ${target}: ${text}`, { statusCode: status });
    };
    const request = (proxy.scheme === "https" ? https : http).request({
      host: proxy.hostname,
      port: proxy.port,
      method: "CONNECT",
      path: target,
      headers,
      agent: false,
      ...(proxy.scheme === "https" ? proxyTlsOptions(proxy, options) : {}),
    });
    const timer = setTimeout(
      () => settle(error("ERR_PROXY_TIMEOUT", `no answer to CONNECT ${target} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    request.once("connect", (res: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      const status = res.statusCode ?? 0;
      if (status < 200 || status > 299) return settle(refused(status, res.statusMessage), socket);
      if (head.length > 0) return settle(error("ERR_PROXY_PROTOCOL", "sent data after its CONNECT answer"), socket);
      settle(undefined, socket);
    });
    request.once("response", (res: http.IncomingMessage) => {
      res.resume();
      settle(refused(res.statusCode ?? 0, res.statusMessage));
    });
    request.on("error", (err) => {
      if (err instanceof ProxyError) return settle(err);
      const cause = plainCause(err);
      settle(error((cause as NodeJS.ErrnoException).code ?? "ECONNRESET", cause.message, { cause }));
    });
    request.end();
  });
}

/** The dialer for a proxy: CONNECT for http:// and https:// proxies, the SOCKS5 handshake for socks5:// and socks5h://. */
export function tunnelDialer(proxy: ProxyUrl, options: TunnelOptions = {}): TunnelDialer {
  if (proxy.isSocks) {
    return (host, port) =>
      socksConnect({ proxy, host, port, ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}) });
  }
  return (host, port) => connectTunnel(proxy, host, port, options);
}

type ConnectOptions = tls.ConnectionOptions & { host?: string | null; port?: number | string | null };

function targetOf(options: ConnectOptions, defaultPort: number): { host: string; port: number } {
  const host = (options.host ?? "localhost").replace(/^\[(.*)\]$/, "$1");
  return { host, port: Number(options.port ?? defaultPort) };
}

/** A keep-alive https.Agent whose connections are tunnels opened by a {@link TunnelDialer}, with TLS to the target inside. */
export class TunnelHttpsAgent extends https.Agent {
  readonly #dial: TunnelDialer;

  /** `options` are the TLS options for the API server (CA, client certificate, server name) and pool settings. */
  constructor(dial: TunnelDialer, options: https.AgentOptions) {
    super(options);
    this.#dial = dial;
  }

  override createConnection(
    requestOptions: http.RequestOptions,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): Duplex | null | undefined {
    // the agent merges its TLS options into the request options it passes here
    const options = requestOptions as ConnectOptions;
    const { host, port } = targetOf(options, 443);
    this.#dial(host, port).then(
      (tunnel) => {
        // SNI is never an IP address; the certificate is still checked against options.host
        const servername = options.servername || (net.isIP(host) ? undefined : host);
        const secure = tls.connect({ ...options, host, port, socket: tunnel as net.Socket, servername });
        tunnel.on("error", (err) => secure.destroy(err));
        secure.once("close", () => tunnel.destroy());
        callback?.(null, secure);
      },
      (err: Error) => callback?.(err, undefined as unknown as Duplex),
    );
    return undefined;
  }
}

/** A keep-alive http.Agent whose connections are tunnels opened by a {@link TunnelDialer} (plain HTTP inside). */
export class TunnelHttpAgent extends http.Agent {
  readonly #dial: TunnelDialer;

  constructor(dial: TunnelDialer, options: http.AgentOptions) {
    super(options);
    this.#dial = dial;
  }

  override createConnection(
    requestOptions: http.ClientRequestArgs,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): Duplex | null | undefined {
    const { host, port } = targetOf(requestOptions as ConnectOptions, 80);
    this.#dial(host, port).then(
      (tunnel) => callback?.(null, tunnel),
      (err: Error) => callback?.(err, undefined as unknown as Duplex),
    );
    return undefined;
  }
}

/**
 * A keep-alive https.Agent whose connections are CONNECT tunnels through an
 * http:// or https:// proxy (kept for callers that build one directly; the
 * transport builds its agents with {@link tunnelDialer}).
 * @throws ConfigError when `proxyUrl` is invalid or not an http:// or https:// URL.
 */
export class ConnectProxyAgent extends TunnelHttpsAgent {
  constructor(proxyUrl: string | ProxyUrl, options: https.AgentOptions, tunnel: TunnelOptions = {}) {
    const proxy = typeof proxyUrl === "string" ? parseProxyUrl(proxyUrl, { source: "ConnectProxyAgent proxy URL" }) : proxyUrl;
    if (proxy.isSocks) {
      throw new TypeError(`ConnectProxyAgent needs an http:// or https:// proxy, not ${proxy.scheme}://`);
    }
    super((host, port) => connectTunnel(proxy, host, port, tunnel), options);
  }
}

/** The pooled agent for requests sent to an HTTP(S) proxy in absolute form (http targets only). */
export function forwardProxyAgent(proxy: ProxyUrl, options: http.AgentOptions, tunnel: TunnelOptions = {}): http.Agent {
  if (proxy.scheme === "https") return new https.Agent({ ...options, ...proxyTlsOptions(proxy, tunnel) });
  return new http.Agent(options);
}

/**
 * Request options that send a request for `url` (an http:// URL) to an HTTP(S)
 * proxy in absolute form, with `Proxy-Authorization` from the proxy URL.
 */
export function forwardRequestOptions(
  proxy: ProxyUrl,
  url: URL,
  headers: Record<string, string | string[]>,
): { module: typeof http | typeof https; options: http.RequestOptions } {
  const auth = proxy.basicAuthorization();
  return {
    module: proxy.scheme === "https" ? https : http,
    options: {
      host: proxy.hostname,
      port: proxy.port,
      path: url.toString(),
      headers: { ...headers, host: url.host, ...(auth ? { "proxy-authorization": auth } : {}) },
    },
  };
}
