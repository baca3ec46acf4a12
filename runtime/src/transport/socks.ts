// The client side of SOCKS5 (RFC 1928) with username/password authentication
// (RFC 1929), enough to open one TCP tunnel per call: greeting, optional
// sub-negotiation, CONNECT, reply. It mirrors the shape of Go's
// golang.org/x/net/internal/socks client.go (the dialer net/http uses for
// socks5:// proxies): offer "no authentication" plus "username/password" when
// the URL has credentials, and map each failure reply to its own error.
//
// Name resolution: as in Go's net/http, both `socks5` and `socks5h` send the
// host name and let the proxy resolve it (so a name that only resolves behind
// an SSH -D tunnel works); an IP literal is sent as an address.
//
// What goes over the tunnel (TLS to the API server, or plain HTTP) is the
// caller's business (proxy-agent.ts). Errors are ProxyErrors that name the
// proxy as scheme://host:port and never carry its credentials.

import net from "node:net";
import { plainCause, ProxyError } from "./proxy-error.js";
import type { ProxyUrl } from "./proxy-env.js";

/** How long opening a tunnel may take (TCP to the proxy plus handshake) by default: client-go's 30 s dial timeout. */
export const DEFAULT_PROXY_HANDSHAKE_TIMEOUT_MS = 30_000;

const VERSION = 0x05;
const AUTH_NONE = 0x00;
const AUTH_USER_PASS = 0x02;
const AUTH_NO_ACCEPTABLE = 0xff;
const USER_PASS_VERSION = 0x01;
const CMD_CONNECT = 0x01;
const ATYP_IPV4 = 0x01;
const ATYP_DOMAIN = 0x03;
const ATYP_IPV6 = 0x04;

/** RFC 1928 section 6 reply codes and what they mean. */
const REPLIES: Readonly<Record<number, string>> = {
  0x01: "general SOCKS server failure",
  0x02: "connection not allowed by ruleset",
  0x03: "network unreachable",
  0x04: "host unreachable",
  0x05: "connection refused",
  0x06: "TTL expired",
  0x07: "command not supported",
  0x08: "address type not supported",
};

/** The text for a SOCKS5 reply code (RFC 1928 section 6), e.g. `connection refused` for 5. */
export function socksReplyText(code: number): string {
  return REPLIES[code] ?? `unassigned reply code ${code}`;
}

/** Options for {@link socksConnect}. */
export interface SocksConnectOptions {
  /** The proxy: scheme `socks5` or `socks5h`, with optional credentials. */
  proxy: ProxyUrl;
  /** The target host name or IP address (IPv6 without brackets). */
  host: string;
  /** The target port. */
  port: number;
  /** Deadline for TCP connect plus handshake (default {@link DEFAULT_PROXY_HANDSHAKE_TIMEOUT_MS}). */
  timeoutMs?: number;
}

/**
 * Opens a TCP connection to `host:port` through a SOCKS5 proxy and resolves
 * with the socket, positioned at the first byte of the tunnelled stream.
 * Rejects with a {@link ProxyError} and destroys the socket on any failure.
 */
export async function socksConnect(options: SocksConnectOptions): Promise<net.Socket> {
  const { proxy, port } = options;
  const host = options.host.replace(/^\[(.*)\]$/, "$1");
  const timeoutMs = options.timeoutMs ?? DEFAULT_PROXY_HANDSHAKE_TIMEOUT_MS;
  const error = (code: string, message: string, extra: { socksReply?: number; cause?: unknown } = {}): ProxyError =>
    new ProxyError(`SOCKS5 proxy ${proxy.display}: ${message}`, { code, proxy: proxy.display, ...extra });

  const address = encodeAddress(host, error);

  const socket = net.connect({ host: proxy.hostname, port: proxy.port });
  const reader = new Reader(socket);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(error("ERR_PROXY_TIMEOUT", `no SOCKS5 handshake within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    await Promise.race([handshake(socket, reader, proxy, address, port, error), timeout]);
  } catch (err) {
    socket.destroy();
    if (err instanceof ProxyError) throw err;
    const cause = plainCause(err);
    throw new ProxyError(`SOCKS5 proxy ${proxy.display}: ${cause.message}`, {
      code: (cause as NodeJS.ErrnoException).code ?? "ECONNRESET",
      proxy: proxy.display,
      cause,
    });
  } finally {
    clearTimeout(timer);
  }
  const rest = reader.detach();
  if (rest.length > 0) {
    socket.destroy();
    throw error("ERR_PROXY_PROTOCOL", "sent data after its CONNECT reply, before the client spoke");
  }
  return socket;
}

type MakeError = (code: string, message: string, extra?: { socksReply?: number; cause?: unknown }) => ProxyError;

async function handshake(
  socket: net.Socket,
  reader: Reader,
  proxy: ProxyUrl,
  address: Buffer,
  port: number,
  error: MakeError,
): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    socket.once("error", onError);
    socket.once("connect", () => {
      socket.off("error", onError);
      resolve();
    });
  });
  const creds = proxy.credentials();
  // greeting: VER, NMETHODS, METHODS
  const methods = creds ? [AUTH_NONE, AUTH_USER_PASS] : [AUTH_NONE];
  socket.write(Buffer.from([VERSION, methods.length, ...methods]));
  const [ver, method] = await reader.read(2);
  if (ver !== VERSION) throw error("ERR_PROXY_PROTOCOL", `is not a SOCKS5 proxy (it answered version ${ver})`);
  if (method === AUTH_NO_ACCEPTABLE) {
    throw error(
      "ERR_PROXY_AUTH",
      creds
        ? "accepts neither no authentication nor username/password authentication"
        : "requires authentication (put a user name and password in the proxy URL)",
    );
  }
  if (method === AUTH_USER_PASS) {
    if (!creds) throw error("ERR_PROXY_PROTOCOL", "chose username/password authentication, which was not offered");
    const user = Buffer.from(creds.username);
    const pass = Buffer.from(creds.password);
    socket.write(Buffer.concat([Buffer.from([USER_PASS_VERSION, user.length]), user, Buffer.from([pass.length]), pass]));
    const [authVer, status] = await reader.read(2);
    if (authVer !== USER_PASS_VERSION) {
      throw error("ERR_PROXY_PROTOCOL", `answered username/password authentication with version ${authVer}`);
    }
    if (status !== 0) {
      throw error("ERR_PROXY_AUTH", `rejected the user name and password from the proxy URL (RFC 1929 status ${status})`);
    }
  } else if (method !== AUTH_NONE) {
    throw error("ERR_PROXY_PROTOCOL", `chose authentication method ${method}, which was not offered`);
  }

  // CONNECT: VER, CMD, RSV, ATYP + DST.ADDR, DST.PORT
  const portBytes = Buffer.from([port >> 8, port & 0xff]);
  socket.write(Buffer.concat([Buffer.from([VERSION, CMD_CONNECT, 0x00]), address, portBytes]));
  // reply: VER, REP (read first: a refusing server may close right after), RSV, ATYP, BND.ADDR, BND.PORT
  const [replyVer, rep] = await reader.read(2);
  if (replyVer !== VERSION) throw error("ERR_PROXY_PROTOCOL", `answered CONNECT with version ${replyVer}`);
  if (rep !== 0x00) {
    throw error("ERR_PROXY_REFUSED", `cannot connect to the API server: ${socksReplyText(rep!)} (SOCKS5 reply ${rep})`, {
      socksReply: rep!,
    });
  }
  const [, atyp] = await reader.read(2);
  if (atyp === ATYP_IPV4) await reader.read(4 + 2);
  else if (atyp === ATYP_IPV6) await reader.read(16 + 2);
  else if (atyp === ATYP_DOMAIN) {
    const [len] = await reader.read(1);
    await reader.read(len! + 2);
  } else throw error("ERR_PROXY_PROTOCOL", `answered CONNECT with unknown address type ${atyp}`);
}

function isIPv4(host: string): boolean {
  return net.isIPv4(host);
}

function isIPv6(host: string): boolean {
  return net.isIPv6(host);
}

/** ATYP + DST.ADDR for `host`: an IPv4 or IPv6 address, or a domain name (at most 255 bytes). */
function encodeAddress(host: string, error: MakeError): Buffer {
  if (net.isIPv4(host)) return Buffer.from([ATYP_IPV4, ...host.split(".").map(Number)]);
  if (net.isIPv6(host)) {
    // let the URL parser expand `::` and embedded IPv4 for us
    const expanded = new URL(`http://[${host}]/`).hostname.slice(1, -1);
    const words = expandIPv6(expanded);
    const out = Buffer.alloc(17);
    out[0] = ATYP_IPV6;
    words.forEach((w, i) => out.writeUInt16BE(w, 1 + 2 * i));
    return out;
  }
  const name = Buffer.from(host, "ascii");
  if (name.length === 0 || name.length > 255) {
    throw error("ERR_PROXY_PROTOCOL", `the host name of the API server is ${name.length} bytes; SOCKS5 allows 1 to 255`);
  }
  return Buffer.concat([Buffer.from([ATYP_DOMAIN, name.length]), name]);
}

/** The eight 16-bit words of a canonical IPv6 address (hex groups, at most one `::`). */
function expandIPv6(addr: string): number[] {
  const [head = "", tail] = addr.split("::");
  const h = head ? head.split(":").map((g) => parseInt(g, 16)) : [];
  const t = tail ? tail.split(":").map((g) => parseInt(g, 16)) : [];
  return tail === undefined ? h : [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
}

/** Reads exact byte counts from a socket during the handshake. */
class Reader {
  readonly #socket: net.Socket;
  #buffer = Buffer.alloc(0);
  #want: { n: number; resolve: (b: Buffer) => void; reject: (e: Error) => void } | undefined;
  #ended: Error | undefined;
  readonly #onData = (chunk: Buffer): void => {
    this.#buffer = Buffer.concat([this.#buffer, chunk]);
    this.#pump();
  };
  readonly #onEnd = (): void => this.#fail(new Error("the proxy closed the connection during the SOCKS5 handshake"));
  readonly #onError = (err: Error): void => this.#fail(err);

  constructor(socket: net.Socket) {
    this.#socket = socket;
    socket.on("data", this.#onData);
    socket.on("end", this.#onEnd);
    socket.on("close", this.#onEnd);
    socket.on("error", this.#onError);
  }

  read(n: number): Promise<Buffer> {
    if (this.#want) return Promise.reject(new Error("concurrent SOCKS5 reads"));
    return new Promise((resolve, reject) => {
      this.#want = { n, resolve, reject };
      this.#pump();
    });
  }

  /**
   * Stops listening and returns what was received beyond the handshake. The
   * socket keeps flowing: its next reader attaches before any further I/O
   * callback can run (the tunnel is handed over in the same tick).
   */
  detach(): Buffer {
    this.#socket.off("data", this.#onData);
    this.#socket.off("end", this.#onEnd);
    this.#socket.off("close", this.#onEnd);
    this.#socket.off("error", this.#onError);
    const rest = this.#buffer;
    this.#buffer = Buffer.alloc(0);
    return rest;
  }

  #pump(): void {
    const want = this.#want;
    if (!want) return;
    if (this.#buffer.length >= want.n) {
      this.#want = undefined;
      const out = this.#buffer.subarray(0, want.n);
      this.#buffer = this.#buffer.subarray(want.n);
      want.resolve(out);
    } else if (this.#ended) {
      this.#want = undefined;
      want.reject(this.#ended);
    }
  }

  #fail(err: Error): void {
    this.#ended ??= err;
    this.#pump();
  }
}
