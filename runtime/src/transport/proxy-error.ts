// ProxyError: a failure while opening a connection through a proxy (the CONNECT
// tunnel of an HTTP(S) proxy or the SOCKS5 handshake), before any byte reached
// the API server. The transport wraps it in a NetworkError (as `cause`). It
// names the proxy as scheme://host:port only: proxy credentials never appear
// in its message or in any of its fields.

/** What went wrong with a proxy; also the error's `code`, so retry rules can look at it. */
import { KubegenError } from "../errors/redact.js";

export type ProxyErrorCode =
  /** The proxy wants credentials, or rejected the ones in the proxy URL (HTTP 407, SOCKS5 auth). */
  | "ERR_PROXY_AUTH"
  /** The proxy would not connect to the API server (CONNECT answered non-2xx, SOCKS5 reply other than 0). */
  | "ERR_PROXY_REFUSED"
  /** The proxy answered something the protocol does not allow. */
  | "ERR_PROXY_PROTOCOL"
  /** The proxy did not finish the handshake within the handshake timeout. */
  | "ERR_PROXY_TIMEOUT";

/** A proxy could not open the tunnel to the API server. */
export class ProxyError extends KubegenError {
  override readonly name: string = "ProxyError";
  /** A {@link ProxyErrorCode}, or the Node code of a connection failure to the proxy (`ECONNREFUSED`, `ECONNRESET`, ...). */
  readonly code: string;
  /** The proxy as `scheme://host:port`, without credentials. */
  readonly proxy: string;
  /** The HTTP status of a refused CONNECT. */
  readonly statusCode: number | undefined;
  /** The SOCKS5 reply code (RFC 1928 section 6) of a refused CONNECT. */
  readonly socksReply: number | undefined;

  constructor(
    message: string,
    init: { code: string; proxy: string; statusCode?: number; socksReply?: number; cause?: unknown },
  ) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = init.code;
    this.proxy = init.proxy;
    this.statusCode = init.statusCode;
    this.socksReply = init.socksReply;
  }

  protected override describe(): Record<string, unknown> {
    return { code: this.code, proxy: this.proxy, statusCode: this.statusCode, socksReply: this.socksReply };
  }
}

/**
 * A copy of a low-level error (from a socket or DNS) that keeps only its
 * message, code and syscall, so that chaining it as `cause` cannot carry
 * anything else (Node errors may hold the options or URL they were given).
 */
export function plainCause(err: unknown): Error {
  const e = err as NodeJS.ErrnoException | undefined;
  const copy = new Error(e?.message ?? String(err)) as NodeJS.ErrnoException;
  if (e?.name && e.name !== "Error") Object.defineProperty(copy, "name", { value: e.name, enumerable: false });
  if (typeof e?.code === "string") copy.code = e.code;
  if (typeof e?.syscall === "string") copy.syscall = e.syscall;
  copy.stack = `${copy.name}: ${copy.message}`;
  return copy;
}
