// Which proxy requests to the API server go through, decided once per
// Transport (its server is fixed) and validated before any request:
//
//   1. An explicit proxy URL (RestConfig.proxyUrl, from the kubeconfig's
//      cluster `proxy-url`) wins, and is used for every target, loopback
//      included: client-go sets rest.Config.Proxy = http.ProxyURL(u), which
//      never consults NO_PROXY or the environment (clientcmd client_config.go
//      and parseProxyURL there).
//   2. Otherwise the environment, by Go's http.ProxyFromEnvironment rules
//      (golang.org/x/net/http/httpproxy/proxy.go, mirrored here):
//      HTTPS_PROXY for https targets, HTTP_PROXY for http targets (the upper
//      case name wins over the lower case one when both are set and
//      non-empty; an https target never falls back to HTTP_PROXY);
//      NO_PROXY entries exclude targets; `localhost` and loopback addresses
//      are never proxied; HTTP_PROXY is refused in a CGI environment
//      (REQUEST_METHOD set; golang.org/s/cgihttpproxy).
//
// Deliberate differences from Go, all towards failing early and loudly:
//   - Go silently ignores an environment proxy it cannot parse (and so
//     connects directly); here it is a ConfigError naming the variable. Only
//     the variable that applies to the server's scheme is checked.
//   - Go turns a value with an unknown scheme into `http://<value>`; here a
//     value with `://` must use http, https, socks5 or socks5h, and only a
//     value without any scheme (`proxy:3128`) means http://.
//   - socks5h:// is accepted everywhere. socks5:// resolves the API server's
//     name on the client and socks5h:// lets the proxy resolve it (curl's
//     meaning). Go's net/http sends the name to the proxy for both.
//   - Credentials in a SOCKS proxy URL are checked against RFC 1929's limits
//     here (Go checks them when dialing).
//
// Errors never quote a proxy URL: it may carry a password.

import { isIP } from "node:net";
import { domainToASCII } from "node:url";
import { ConfigError } from "../config/rest-config.js";

/** The proxy schemes the transport supports. */
export type ProxyScheme = "http" | "https" | "socks5" | "socks5h";

const SCHEMES: ReadonlySet<string> = new Set<ProxyScheme>(["http", "https", "socks5", "socks5h"]);

/** Default proxy ports (httpproxy portMap: http 80, https 443, socks5 1080). */
const DEFAULT_PORTS: Readonly<Record<ProxyScheme, number>> = { http: 80, https: 443, socks5: 1080, socks5h: 1080 };

/** An environment to read proxy variables from (`process.env` or a test's record). */
export type ProxyEnv = Readonly<Record<string, string | undefined>>;

/** The variables environment proxy selection reads (Go httpproxy.FromEnvironment). */
export const PROXY_ENV_VARIABLES = [
  "HTTPS_PROXY",
  "https_proxy",
  "HTTP_PROXY",
  "http_proxy",
  "NO_PROXY",
  "no_proxy",
  "REQUEST_METHOD",
] as const;

/**
 * A parsed, validated proxy URL. Credentials are kept in private fields, so
 * printing, inspecting or JSON-serialising a ProxyUrl shows only
 * `scheme://host:port` ({@link ProxyUrl.display}).
 */
export class ProxyUrl {
  /** The scheme without `:`. */
  readonly scheme: ProxyScheme;
  /** Host name or IP address (IPv6 without brackets). */
  readonly hostname: string;
  /** Port, defaulted by scheme (http 80, https 443, socks5/socks5h 1080). */
  readonly port: number;
  /** `scheme://host:port`: safe to print, never carries credentials. */
  readonly display: string;
  /** Where the URL came from (`HTTPS_PROXY`, `kubeconfig ...: proxy-url`), for error messages. */
  readonly source: string;
  readonly #username: string | undefined;
  readonly #password: string | undefined;

  /** @internal use {@link parseProxyUrl}. */
  constructor(init: {
    scheme: ProxyScheme;
    hostname: string;
    port: number;
    source: string;
    username?: string | undefined;
    password?: string | undefined;
  }) {
    this.scheme = init.scheme;
    this.hostname = init.hostname;
    this.port = init.port;
    this.source = init.source;
    this.#username = init.username;
    this.#password = init.password;
    const host = this.hostname.includes(":") ? `[${this.hostname}]` : this.hostname;
    this.display = `${this.scheme}://${host}:${this.port}`;
  }

  /** Whether the proxy is a SOCKS5 proxy (`socks5` or `socks5h`). */
  get isSocks(): boolean {
    return this.scheme === "socks5" || this.scheme === "socks5h";
  }

  /** The decoded user name and password from the URL, or undefined when it has none. */
  credentials(): { username: string; password: string } | undefined {
    if (this.#username === undefined && this.#password === undefined) return undefined;
    return { username: this.#username ?? "", password: this.#password ?? "" };
  }

  /** The `Proxy-Authorization` value for an HTTP(S) proxy (Basic, as Go's connectMethod.proxyAuth), or undefined. */
  basicAuthorization(): string | undefined {
    const c = this.credentials();
    return c ? `Basic ${Buffer.from(`${c.username}:${c.password}`).toString("base64")}` : undefined;
  }

  /** The secret strings of this URL (for redaction). */
  secrets(): string[] {
    const c = this.credentials();
    if (!c) return [];
    const out = [c.password, c.username];
    const auth = this.basicAuthorization();
    if (auth) out.push(auth.slice("Basic ".length));
    return out.filter((s) => s.length > 0);
  }

  /** The display form. */
  toString(): string {
    return this.display;
  }

  /** The display form: a ProxyUrl never serialises its credentials. */
  toJSON(): string {
    return this.display;
  }
}

const HAS_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;

/**
 * Parses a proxy URL (clientcmd parseProxyURL for explicit URLs, httpproxy
 * parseProxy for environment values) and validates it.
 *
 * @param value the URL
 * @param options.source where it came from, named in errors (`HTTPS_PROXY`, `kubeconfig ...: proxy-url`)
 * @param options.bareHostIsHttp accept `host[:port]` without a scheme as `http://host[:port]` (environment values)
 * @param options.file the file the value came from (a kubeconfig), set as the ConfigError's `file`
 * @throws ConfigError for an invalid URL, an unsupported scheme, a missing host or unusable credentials; the
 *   message names the source and never quotes the value.
 */
export function parseProxyUrl(
  value: string,
  options: { source: string; bareHostIsHttp?: boolean; file?: string },
): ProxyUrl {
  const { source } = options;
  const fail = (why: string): never => {
    throw new ConfigError(`${source}: ${why}`, options.file === undefined ? undefined : { file: options.file });
  };
  let text = value.trim();
  if (!HAS_SCHEME.test(text)) {
    if (!options.bareHostIsHttp) {
      fail("the proxy URL must start with http://, https://, socks5:// or socks5h:// (the value is not shown: it may hold credentials)");
    }
    text = `http://${text}`;
  }
  const scheme = text.slice(0, text.indexOf("://")).toLowerCase();
  if (!SCHEMES.has(scheme)) {
    fail(`proxy scheme ${JSON.stringify(scheme)} is not supported (use http, https, socks5 or socks5h)`);
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // not chained: URL errors keep the input (with any password) in a field
    return fail("not a valid proxy URL (the value is not shown: it may hold credentials)");
  }
  const s = scheme as ProxyScheme;
  const hostname = url.hostname.replace(/^\[(.*)\]$/, "$1");
  if (!hostname) fail("the proxy URL has no host");
  let username: string | undefined;
  let password: string | undefined;
  try {
    if (url.username) username = decodeURIComponent(url.username);
    if (url.password) password = decodeURIComponent(url.password);
  } catch {
    fail("the proxy URL's user name or password is not valid percent-encoding");
  }
  if (username === undefined && password !== undefined) username = "";
  if (s === "socks5" || s === "socks5h") {
    // RFC 1929: ULEN 1-255, PLEN up to 255 (Go's socks UsernamePassword.Authenticate allows an empty password)
    if (username !== undefined) {
      const ulen = Buffer.byteLength(username);
      const plen = Buffer.byteLength(password ?? "");
      if (ulen === 0 || ulen > 255 || plen > 255) {
        fail("a SOCKS5 user name must be 1 to 255 bytes and its password at most 255 bytes (RFC 1929)");
      }
    }
  }
  const port = url.port ? Number(url.port) : DEFAULT_PORTS[s];
  return new ProxyUrl({ scheme: s, hostname, port, source, username, password });
}

/** Copies the proxy variables ({@link PROXY_ENV_VARIABLES}) that are set and non-empty out of `env`. */
export function proxyEnvFrom(env: ProxyEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of PROXY_ENV_VARIABLES) {
    const v = env[name];
    if (v) out[name] = v;
  }
  return out;
}

/** The first of `names` set to a non-empty value (httpproxy getEnvAny: upper case first). */
function getEnvAny(env: ProxyEnv, ...names: string[]): { name: string; value: string } | undefined {
  for (const name of names) {
    const value = env[name];
    if (value) return { name, value };
  }
  return undefined;
}

// ---- IP addresses -----------------------------------------------------------

/** An IP address as bytes: 4 for IPv4 (also an IPv4-mapped IPv6 address, as Go's To4), 16 for IPv6. */
type IpBytes = Uint8Array;

function parseIPv4(s: string): IpBytes | undefined {
  const parts = s.split(".");
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    // Go's ParseIP rejects leading zeros (since Go 1.17)
    if (!/^\d{1,3}$/.test(p) || (p.length > 1 && p[0] === "0")) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out[i] = n;
  }
  return out;
}

function parseIPv6(s: string): IpBytes | undefined {
  if (isIP(s) !== 6) return undefined; // also rejects zones (`%eth0`), as Go's ParseIP does
  let head = s;
  let tail = "";
  const dbl = s.indexOf("::");
  if (dbl >= 0) {
    head = s.slice(0, dbl);
    tail = s.slice(dbl + 2);
  }
  const groups = (part: string): number[] => {
    if (part === "") return [];
    const out: number[] = [];
    for (const g of part.split(":")) {
      if (g.includes(".")) {
        const v4 = parseIPv4(g);
        if (!v4) return [NaN];
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else {
        out.push(parseInt(g, 16));
      }
    }
    return out;
  };
  const h = groups(head);
  const t = groups(tail);
  const words = dbl >= 0 ? [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t] : h;
  if (words.length !== 8 || words.some((w) => !Number.isInteger(w) || w < 0 || w > 0xffff)) return undefined;
  const out = new Uint8Array(16);
  words.forEach((w, i) => {
    out[2 * i] = w >> 8;
    out[2 * i + 1] = w & 0xff;
  });
  return out;
}

/** Parses an IP address literal (no brackets), normalising IPv4-mapped IPv6 to IPv4 as Go's IP.To4 does. */
function parseIp(s: string): IpBytes | undefined {
  const v4 = parseIPv4(s);
  if (v4) return v4;
  const v6 = parseIPv6(s);
  if (!v6) return undefined;
  const mapped = v6.slice(0, 10).every((b) => b === 0) && v6[10] === 0xff && v6[11] === 0xff;
  return mapped ? v6.slice(12) : v6;
}

function isLoopback(ip: IpBytes): boolean {
  if (ip.length === 4) return ip[0] === 127;
  return ip.slice(0, 15).every((b) => b === 0) && ip[15] === 1;
}

function sameIp(a: IpBytes, b: IpBytes): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

interface Cidr {
  network: IpBytes;
  bits: number;
}

/** Parses `addr/bits` (Go net.ParseCIDR); undefined when it is not one. */
function parseCidr(s: string): Cidr | undefined {
  const slash = s.indexOf("/");
  if (slash < 0) return undefined;
  const addr = s.slice(0, slash);
  const bitsText = s.slice(slash + 1);
  // ParseCIDR takes the address as written: an IPv4-mapped IPv6 network stays IPv6
  const ip = parseIPv4(addr) ?? parseIPv6(addr);
  if (!ip || !/^\d{1,3}$/.test(bitsText)) return undefined;
  const bits = Number(bitsText);
  if (bits > ip.length * 8) return undefined;
  return { network: ip, bits };
}

/** Whether `ip` is in `cidr` (Go IPNet.Contains: an IPv4 address is only in an IPv4 network, and vice versa). */
function cidrContains(cidr: Cidr, ip: IpBytes): boolean {
  let net = cidr.network;
  let bits = cidr.bits;
  if (net.length === 16 && ip.length === 4) {
    // an IPv4-mapped IPv6 network (::ffff:a.b.c.d/n, n >= 96) contains IPv4 addresses, as in Go
    const mapped = net.slice(0, 10).every((b) => b === 0) && net[10] === 0xff && net[11] === 0xff && bits >= 96;
    if (!mapped) return false;
    net = net.slice(12);
    bits -= 96;
  }
  if (net.length !== ip.length) return false;
  for (let i = 0; i < bits; i++) {
    const byte = i >> 3;
    const mask = 0x80 >> (i & 7);
    if ((net[byte]! & mask) !== (ip[byte]! & mask)) return false;
  }
  return true;
}

// ---- NO_PROXY ---------------------------------------------------------------

/** Go net.SplitHostPort; undefined where it returns an error. */
function splitHostPort(s: string): { host: string; port: string } | undefined {
  if (s.startsWith("[")) {
    const end = s.indexOf("]");
    if (end < 0 || s[end + 1] !== ":") return undefined;
    const port = s.slice(end + 2);
    if (port.includes(":")) return undefined;
    return { host: s.slice(1, end), port };
  }
  const i = s.lastIndexOf(":");
  if (i < 0) return undefined;
  const host = s.slice(0, i);
  if (host.includes(":")) return undefined;
  return { host, port: s.slice(i + 1) };
}

type Matcher =
  | { kind: "all" }
  | { kind: "cidr"; cidr: Cidr }
  | { kind: "ip"; ip: IpBytes; port: string }
  | { kind: "domain"; suffix: string; port: string; matchHost: boolean };

/**
 * A parsed NO_PROXY value (httpproxy config.init and useProxy). Entries are
 * comma-separated and case-insensitive:
 * - `*` excludes every target;
 * - `10.0.0.0/8`, `fd00::/8`: CIDR ranges;
 * - `10.1.2.3`, `::1`, `10.1.2.3:8443`, `[fd00::1]:8443`: one address (and port);
 * - `foo.com` matches `foo.com` and its subdomains, `.foo.com` and `*.foo.com`
 *   only its subdomains; `foo.com:8443` only that port.
 * Malformed entries are ignored, as in Go. Loopback targets (`localhost`,
 * 127.0.0.0/8, ::1) are always excluded.
 */
export class NoProxy {
  readonly #ip: Matcher[] = [];
  readonly #domain: Matcher[] = [];

  constructor(value: string) {
    for (const raw of value.split(",")) {
      const p = raw.trim().toLowerCase();
      if (!p) continue;
      if (p === "*") {
        this.#ip.splice(0, this.#ip.length, { kind: "all" });
        this.#domain.splice(0, this.#domain.length, { kind: "all" });
        return;
      }
      const cidr = parseCidr(p);
      if (cidr) {
        this.#ip.push({ kind: "cidr", cidr });
        continue;
      }
      let host = p;
      let port = "";
      const hp = splitHostPort(p);
      if (hp) {
        if (!hp.host) continue; // ":8080": no host, malformed
        host = hp.host;
        port = hp.port;
      } else if (p.startsWith("[") && p.endsWith("]")) {
        host = p.slice(1, -1); // "[fd00::1]" without a port (Go ignores this form; it is meant as the address)
      }
      const ip = parseIp(host);
      if (ip) {
        this.#ip.push({ kind: "ip", ip, port });
        continue;
      }
      if (host.startsWith("*.")) host = host.slice(1);
      let matchHost = false;
      if (!host.startsWith(".")) {
        matchHost = true;
        host = `.${host}`;
      }
      const ascii = /^[\x00-\x7f]*$/.test(host) ? host : domainToASCII(host.slice(1));
      const suffix = ascii.startsWith(".") ? ascii : ascii ? `.${ascii}` : host;
      this.#domain.push({ kind: "domain", suffix, port, matchHost });
    }
  }

  /**
   * Whether a request to `host` on `port` must not use an environment proxy:
   * the host is `localhost` or a loopback address, or an entry matches it.
   * `host` is a host name or an IP address (IPv6 with or without brackets).
   */
  bypasses(host: string, port: string | number): boolean {
    const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, "$1");
    const portText = String(port);
    if (h === "localhost") return true;
    const ip = parseIp(h);
    if (ip && isLoopback(ip)) return true;
    if (ip) {
      for (const m of this.#ip) if (matches(m, h, portText, ip)) return true;
    }
    for (const m of this.#domain) if (matches(m, h, portText, ip)) return true;
    return false;
  }
}

function matches(m: Matcher, host: string, port: string, ip: IpBytes | undefined): boolean {
  switch (m.kind) {
    case "all":
      return true;
    case "cidr":
      return !!ip && cidrContains(m.cidr, ip);
    case "ip":
      return !!ip && sameIp(m.ip, ip) && (m.port === "" || m.port === port);
    case "domain":
      return (host.endsWith(m.suffix) || (m.matchHost && host === m.suffix.slice(1))) && (m.port === "" || m.port === port);
  }
}

// ---- selection --------------------------------------------------------------

/** What decides the proxy of a transport: the RestConfig fields it reads. */
export interface ProxySettings {
  /** An explicit proxy URL; wins over the environment and applies to every target. */
  proxyUrl?: string | undefined;
  /** The environment; undefined means `process.env`, null means no environment proxy. */
  proxyEnv?: ProxyEnv | null | undefined;
  /** Where the config came from, for error messages. */
  origin?: string | undefined;
}

/** The name an error gives an explicit proxy URL of a config from `origin`. */
export function proxyUrlSource(origin: string | undefined): string {
  const where = origin ?? "rest config";
  return where.startsWith("kubeconfig ") ? `${where}: proxy-url` : `${where}: proxyUrl`;
}

/**
 * The proxy for requests to `target`, or undefined for a direct connection.
 * An explicit `proxyUrl` always applies; otherwise the environment does, by
 * Go's ProxyFromEnvironment rules (see the module note).
 *
 * @throws ConfigError when the URL that applies is invalid or unsupported (naming the kubeconfig field or the
 *   environment variable), or when HTTP_PROXY would be used in a CGI environment.
 */
export function proxyForUrl(target: URL, settings: ProxySettings): ProxyUrl | undefined {
  if (settings.proxyUrl) return parseProxyUrl(settings.proxyUrl, { source: proxyUrlSource(settings.origin) });
  if (settings.proxyEnv === null) return undefined;
  const env = settings.proxyEnv ?? process.env;
  const scheme = target.protocol;
  const chosen =
    scheme === "https:"
      ? getEnvAny(env, "HTTPS_PROXY", "https_proxy")
      : scheme === "http:"
        ? getEnvAny(env, "HTTP_PROXY", "http_proxy")
        : undefined;
  if (!chosen) return undefined;
  const proxy = parseProxyUrl(chosen.value, { source: `environment variable ${chosen.name}`, bareHostIsHttp: true });
  if (scheme === "http:" && env.REQUEST_METHOD) {
    throw new ConfigError(
      `refusing to use ${chosen.name} in a CGI environment (REQUEST_METHOD is set): a client can set it; see golang.org/s/cgihttpproxy`,
    );
  }
  const noProxy = new NoProxy(getEnvAny(env, "NO_PROXY", "no_proxy")?.value ?? "");
  const port = target.port || (scheme === "https:" ? "443" : "80");
  return noProxy.bypasses(target.hostname, port) ? undefined : proxy;
}
