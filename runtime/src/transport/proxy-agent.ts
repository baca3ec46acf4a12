// HTTPS through an HTTP(S) proxy with CONNECT (the kubeconfig `proxy-url`,
// client-go's http.Transport Proxy). The tunnel is opened per pooled
// connection; TLS to the API server runs inside it, so the proxy sees nothing.

import http from "node:http";
import https from "node:https";
import type { Duplex } from "node:stream";
import tls from "node:tls";

/** A keep-alive https.Agent whose connections are CONNECT tunnels through `proxyUrl`. */
export class ConnectProxyAgent extends https.Agent {
  readonly #proxy: URL;

  constructor(proxyUrl: string, options: https.AgentOptions) {
    super(options);
    this.#proxy = new URL(proxyUrl);
    if (this.#proxy.protocol !== "http:" && this.#proxy.protocol !== "https:") {
      throw new Error(`proxy-url scheme ${this.#proxy.protocol} is not supported (use http or https)`);
    }
  }

  override createConnection(
    requestOptions: http.RequestOptions,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): Duplex | null | undefined {
    // the agent merges its TLS options into the request options it passes here
    const options = requestOptions as tls.ConnectionOptions & { host?: string; port?: number | string };
    const failed = (err: Error): void => callback?.(err, undefined as unknown as Duplex);
    const target = `${options.host ?? "localhost"}:${options.port ?? 443}`;
    const proxy = this.#proxy;
    const headers: Record<string, string> = { host: target };
    if (proxy.username) {
      const cred = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
      headers["proxy-authorization"] = `Basic ${Buffer.from(cred).toString("base64")}`;
    }
    const request = (proxy.protocol === "https:" ? https : http).request({
      host: proxy.hostname,
      port: proxy.port || (proxy.protocol === "https:" ? 443 : 80),
      method: "CONNECT",
      path: target,
      headers,
      agent: false,
    });
    request.once("connect", (res, socket) => {
      if (res.statusCode !== 200) {
        socket.destroy();
        failed(new Error(`proxy ${proxy.host} refused CONNECT to ${target}: HTTP ${res.statusCode}`));
        return;
      }
      const secure = tls.connect({ ...options, socket, servername: options.servername ?? stripBrackets(options.host) });
      callback?.(null, secure);
    });
    request.once("error", failed);
    request.end();
    return undefined;
  }
}

function stripBrackets(host: string | undefined): string | undefined {
  if (!host) return host;
  // SNI must not be an IP address
  if (/^[\d.]+$/.test(host) || host.includes(":")) return undefined;
  return host;
}
