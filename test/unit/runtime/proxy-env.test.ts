// Proxy selection without any network: Go's ProxyFromEnvironment rules
// (golang.org/x/net/http/httpproxy proxy_test.go is the model for the tables),
// the explicit proxy URL winning over the environment, proxy URL validation
// when a config is loaded or a client created (never on the first request),
// and credentials staying out of every error. The environment is always an
// injected record: process.env is never touched.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, newRestConfig, RestClient } from "@kubegen/runtime";
import { NoProxy, parseProxyUrl, proxyEnvFrom, proxyForUrl } from "../../../runtime/src/transport/proxy-env.js";
import { socksReplyText } from "../../../runtime/src/transport/socks.js";

const CANARY = "canary-pw-9f3b1c";

/** The proxy (display form) for `target` under `env`, or "direct". */
function pick(target: string, env: Record<string, string>, proxyUrl?: string): string {
  return proxyForUrl(new URL(target), { proxyEnv: env, proxyUrl })?.display ?? "direct";
}

/** Every way an error could be printed or serialised, joined. */
function everyRendering(err: unknown): string {
  const e = err as Error;
  return [String(e), e.message, e.stack, JSON.stringify(e), JSON.stringify({ ...e }), inspect(e, { depth: 10, showHidden: true })].join("\n");
}

describe("NO_PROXY matching (httpproxy useProxy)", () => {
  // [NO_PROXY, host, port, bypasses the proxy]
  const table: Array<[string, string, number, boolean]> = [
    // loopback is never proxied, whatever NO_PROXY says
    ["", "localhost", 443, true],
    ["", "127.0.0.1", 443, true],
    ["", "127.1.2.3", 6443, true],
    ["", "::1", 443, true],
    ["", "[::1]", 443, true],
    ["", "::ffff:127.0.0.1", 443, true],
    ["", "::2", 443, false],
    ["", "localhost.net", 443, false],
    ["", "foo.localhost", 443, false],
    ["", "kube.test", 443, false],
    // host names: `foo.com` matches itself and subdomains, `.foo.com` / `*.foo.com` only subdomains
    ["foo.com", "foo.com", 443, true],
    ["foo.com", "bar.foo.com", 443, true],
    ["foo.com", "a.b.foo.com", 443, true],
    ["foo.com", "foofoo.com", 443, false],
    ["foo.com", "foo.com.evil", 443, false],
    [".foo.com", "foo.com", 443, false],
    [".foo.com", "bar.foo.com", 443, true],
    ["*.foo.com", "foo.com", 443, false],
    ["*.foo.com", "bar.foo.com", 443, true],
    ["FOO.com", "foo.com", 443, true],
    [" foo.com , bar.org ", "x.bar.org", 443, true],
    ["foo.com,,bar.org", "bar.org", 443, true],
    // entries with a port match only that port
    ["foo.com:8443", "foo.com", 8443, true],
    ["foo.com:8443", "foo.com", 443, false],
    ["foo.com:8443", "api.foo.com", 8443, true],
    // IP addresses, with and without a port
    ["10.1.2.3", "10.1.2.3", 443, true],
    ["10.1.2.3", "10.1.2.4", 443, false],
    ["10.1.2.3:6443", "10.1.2.3", 6443, true],
    ["10.1.2.3:6443", "10.1.2.3", 443, false],
    ["2001:db8::1", "2001:db8::1", 443, true],
    ["2001:db8::1", "[2001:db8::1]", 443, true],
    ["[2001:db8::1]:6443", "2001:db8::1", 6443, true],
    ["[2001:db8::1]:6443", "2001:db8::1", 443, false],
    ["[2001:db8::1]", "2001:db8::1", 443, true],
    ["10.1.2.3", "::ffff:10.1.2.3", 443, true],
    // CIDR ranges, IPv4 and IPv6
    ["10.0.0.0/8", "10.200.3.4", 443, true],
    ["10.0.0.0/8", "11.0.0.1", 443, false],
    ["192.168.1.0/24", "192.168.1.255", 443, true],
    ["192.168.1.0/24", "192.168.2.1", 443, false],
    ["10.1.2.3/32", "10.1.2.3", 443, true],
    ["0.0.0.0/0", "8.8.8.8", 443, true],
    ["2001:db8::/32", "2001:db8:ffff::1", 443, true],
    ["2001:db8::/32", "2001:db9::1", 443, false],
    ["fd00::/8", "[fd12:3456::1]", 443, true],
    ["::/0", "10.0.0.1", 443, false], // an IPv6 range holds no IPv4 address (Go IPNet.Contains)
    ["10.0.0.0/8", "fd00::1", 443, false],
    ["10.0.0.0/8", "ten.example", 443, false], // CIDRs only match addresses
    // `*` matches everything, wherever it appears
    ["*", "anything.example", 443, true],
    ["*", "10.0.0.1", 443, true],
    ["foo.com,*", "bar.org", 443, true],
    // malformed entries are ignored, as in Go
    [":8080", "foo.com", 8080, false],
    ["10.0.0.0/99", "10.0.0.1", 443, false],
    ["010.1.2.3", "10.1.2.3", 443, false], // leading zeros are no IP address for Go
  ];
  it.each(table)("NO_PROXY=%j, %s:%d -> bypass %s", (noProxy, host, port, want) => {
    expect(new NoProxy(noProxy).bypasses(host, port)).toBe(want);
  });

  it("matches internationalised names in either form", () => {
    expect(new NoProxy(".示例.com").bypasses("www.xn--fsq092h.com", 443)).toBe(true);
    expect(new NoProxy("xn--fsq092h.com").bypasses("www.xn--fsq092h.com", 443)).toBe(true);
  });
});

describe("proxy selection (httpproxy proxyForURL)", () => {
  // [target, env, want]
  const table: Array<[string, Record<string, string>, string]> = [
    ["https://kube.test", {}, "direct"],
    ["https://kube.test", { HTTPS_PROXY: "http://p:3128" }, "http://p:3128"],
    ["https://kube.test", { https_proxy: "http://p:3128" }, "http://p:3128"],
    // the upper-case name wins when both are set (getEnvAny("HTTPS_PROXY", "https_proxy"))
    ["https://kube.test", { HTTPS_PROXY: "http://upper:1", https_proxy: "http://lower:2" }, "http://upper:1"],
    ["https://kube.test", { HTTPS_PROXY: "", https_proxy: "http://lower:2" }, "http://lower:2"],
    // https never falls back to HTTP_PROXY; http uses only HTTP_PROXY
    ["https://kube.test", { HTTP_PROXY: "http://p:3128" }, "direct"],
    ["http://kube.test", { HTTPS_PROXY: "http://p:3128" }, "direct"],
    ["http://kube.test", { HTTP_PROXY: "http://p:3128" }, "http://p:3128"],
    ["http://kube.test", { HTTP_PROXY: "http://upper:1", http_proxy: "http://lower:2" }, "http://upper:1"],
    // a value without a scheme means http://, default ports by scheme
    ["https://kube.test", { HTTPS_PROXY: "p:3128" }, "http://p:3128"],
    ["https://kube.test", { HTTPS_PROXY: "p" }, "http://p:80"],
    ["https://kube.test", { HTTPS_PROXY: "https://p" }, "https://p:443"],
    ["https://kube.test", { HTTPS_PROXY: "socks5://p" }, "socks5://p:1080"],
    ["https://kube.test", { HTTPS_PROXY: "socks5h://p:9050" }, "socks5h://p:9050"],
    ["https://kube.test", { HTTPS_PROXY: "HTTP://P:1" }, "http://p:1"],
    ["https://kube.test", { HTTPS_PROXY: "http://[fd00::1]:3128" }, "http://[fd00::1]:3128"],
    // NO_PROXY and loopback
    ["https://kube.test", { HTTPS_PROXY: "p:1", NO_PROXY: "kube.test" }, "direct"],
    ["https://kube.test", { HTTPS_PROXY: "p:1", no_proxy: "kube.test" }, "direct"],
    ["https://kube.test", { HTTPS_PROXY: "p:1", NO_PROXY: "other.test", no_proxy: "kube.test" }, "http://p:1"],
    ["https://kube.test:6443", { HTTPS_PROXY: "p:1", NO_PROXY: "kube.test:6443" }, "direct"],
    ["https://kube.test", { HTTPS_PROXY: "p:1", NO_PROXY: "kube.test:6443" }, "http://p:1"],
    ["https://kube.test", { HTTPS_PROXY: "p:1", NO_PROXY: "kube.test:443" }, "direct"], // the default port counts
    ["http://kube.test", { HTTP_PROXY: "p:1", NO_PROXY: "kube.test:80" }, "direct"],
    ["https://10.0.0.1:6443", { HTTPS_PROXY: "p:1", NO_PROXY: "10.0.0.0/8" }, "direct"],
    ["https://[fd00::1]:6443", { HTTPS_PROXY: "p:1", NO_PROXY: "fd00::/8" }, "direct"],
    ["https://127.0.0.1:6443", { HTTPS_PROXY: "p:1" }, "direct"],
    ["https://localhost:6443", { HTTPS_PROXY: "p:1" }, "direct"],
    ["https://[::1]:6443", { HTTPS_PROXY: "p:1" }, "direct"],
    ["https://kube.test", { HTTPS_PROXY: "p:1", NO_PROXY: "*" }, "direct"],
  ];
  it.each(table)("%s with %j -> %s", (target, env, want) => {
    expect(pick(target, env)).toBe(want);
  });

  it("uses an explicit proxy URL for every target, loopback and NO_PROXY included, and ignores the environment", () => {
    const env = { HTTPS_PROXY: "http://env:1", NO_PROXY: "*" };
    expect(pick("https://127.0.0.1:6443", env, "socks5h://explicit:2")).toBe("socks5h://explicit:2");
    expect(pick("https://kube.test", env, "http://explicit:3")).toBe("http://explicit:3");
    expect(pick("http://kube.test", {}, "https://explicit")).toBe("https://explicit:443");
  });

  it("uses no environment proxy when proxyEnv is null", () => {
    expect(proxyForUrl(new URL("https://kube.test"), { proxyEnv: null })).toBeUndefined();
  });

  it("refuses HTTP_PROXY for http targets in a CGI environment, as Go does", () => {
    const env = { HTTP_PROXY: "p:1", REQUEST_METHOD: "GET" };
    expect(() => pick("http://kube.test", env)).toThrow(/refusing to use HTTP_PROXY in a CGI environment/);
    expect(pick("https://kube.test", { ...env, HTTPS_PROXY: "q:2" })).toBe("http://q:2");
  });

  it("copies only the proxy variables, and only set ones", () => {
    expect(proxyEnvFrom({ HTTPS_PROXY: "p:1", no_proxy: "x", HTTP_PROXY: "", PATH: "/bin", TOKEN: "t" })).toEqual({
      HTTPS_PROXY: "p:1",
      no_proxy: "x",
    });
  });
});

describe("proxy URL validation", () => {
  // [value, bare host allowed (environment), error]
  const bad: Array<[string, boolean, RegExp]> = [
    ["ftp://p:21", true, /proxy scheme "ftp" is not supported \(use http, https, socks5 or socks5h\)/],
    ["socks4://p:1080", false, /proxy scheme "socks4" is not supported/],
    ["p:3128", false, /must start with http:\/\/, https:\/\/, socks5:\/\/ or socks5h:\/\//],
    [`user:${CANARY}@p:3128`, false, /must start with/],
    ["http://", true, /not a valid proxy URL|has no host/],
    [`http://user:${CANARY}@[not-an-ip]:1`, true, /not a valid proxy URL/],
    [`http://us%ZZer:${CANARY}@p:1`, true, /not valid percent-encoding/],
    [`socks5://:${CANARY}@p:1`, true, /SOCKS5 user name must be 1 to 255 bytes/],
    [`socks5h://${"u".repeat(256)}:${CANARY}@p:1`, true, /SOCKS5 user name must be 1 to 255 bytes/],
    ["http://p:99999", true, /not a valid proxy URL/],
  ];
  it.each(bad)("rejects %j", (value, bare, want) => {
    let err: unknown;
    try {
      parseProxyUrl(value, { source: "environment variable HTTPS_PROXY", bareHostIsHttp: bare });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/^environment variable HTTPS_PROXY: /);
    expect((err as Error).message).toMatch(want);
    expect(everyRendering(err)).not.toContain(CANARY);
    expect(everyRendering(err)).not.toContain("us%ZZer");
  });

  it("keeps credentials out of printing and serialising a parsed proxy URL", () => {
    const p = parseProxyUrl(`socks5h://alice:${CANARY}@proxy.example:1080`, { source: "test" });
    expect(p.credentials()).toEqual({ username: "alice", password: CANARY });
    expect(p.display).toBe("socks5h://proxy.example:1080");
    expect(String(p)).toBe("socks5h://proxy.example:1080");
    expect(JSON.stringify({ p })).toBe('{"p":"socks5h://proxy.example:1080"}');
    expect(inspect(p, { depth: 5, showHidden: true })).not.toContain(CANARY);
  });

  it("decodes percent-encoded credentials", () => {
    const p = parseProxyUrl("http://al%40ce:p%3Ass@proxy:3128", { source: "test" });
    expect(p.credentials()).toEqual({ username: "al@ce", password: "p:ss" });
    expect(p.basicAuthorization()).toBe(`Basic ${Buffer.from("al@ce:p:ss").toString("base64")}`);
  });
});

describe("an unusable proxy fails when the config is loaded or the client created", () => {
  function kubeconfig(proxyUrl?: string): string {
    const dir = mkdtempSync(join(tmpdir(), "kubegen-proxy-env-"));
    const file = join(dir, "config");
    writeFileSync(
      file,
      [
        "apiVersion: v1",
        "kind: Config",
        "current-context: c",
        "contexts: [{name: c, context: {cluster: k, user: u}}]",
        `clusters: [{name: k, cluster: {server: "https://kube.test:6443"${proxyUrl ? `, proxy-url: "${proxyUrl}"` : ""}}}]`,
        "users: [{name: u, user: {token: abcdef}}]",
        "",
      ].join("\n"),
    );
    return file;
  }

  it("loadConfig: a bad HTTPS_PROXY is a ConfigError naming the variable (and not its password)", async () => {
    const file = kubeconfig();
    const err = await loadConfig({ kubeconfigPath: file, env: { HTTPS_PROXY: `ftp://u:${CANARY}@p:21` } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toBe(
      'environment variable HTTPS_PROXY: proxy scheme "ftp" is not supported (use http, https, socks5 or socks5h)',
    );
    expect(everyRendering(err)).not.toContain(CANARY);
    // the variable that does not apply to an https server is not consulted
    await expect(loadConfig({ kubeconfigPath: file, env: { HTTP_PROXY: "ftp://p:21" } })).resolves.toBeDefined();
    // the lower-case name is named when it is the one in use
    await expect(loadConfig({ kubeconfigPath: file, env: { https_proxy: "gopher://p" } })).rejects.toThrow(
      /^environment variable https_proxy: /,
    );
  });

  it("loadConfig: records the environment's proxy variables; the kubeconfig proxy-url wins over them", async () => {
    const env = { HTTPS_PROXY: "http://env-proxy:3128", NO_PROXY: "other.test", HOME: "/nowhere" };
    const fromEnv = await loadConfig({ kubeconfigPath: kubeconfig(), env });
    expect(fromEnv.proxyEnv).toEqual({ HTTPS_PROXY: "http://env-proxy:3128", NO_PROXY: "other.test" });
    const rc = new RestClient(fromEnv);
    expect(rc.transport.proxy).toBe("http://env-proxy:3128");
    rc.close();

    const explicit = await loadConfig({ kubeconfigPath: kubeconfig("socks5://kc-proxy:1080"), env });
    const rc2 = new RestClient(explicit);
    expect(rc2.transport.proxy).toBe("socks5://kc-proxy:1080");
    rc2.close();
  });

  it("loadConfig: an in-cluster config gets the environment's proxy too", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kubegen-proxy-incluster-"));
    writeFileSync(join(dir, "token"), "tok");
    const env = { KUBERNETES_SERVICE_HOST: "10.96.0.1", KUBERNETES_SERVICE_PORT: "443", HTTPS_PROXY: "p:3128", HOME: dir };
    const inCluster = { tokenPath: join(dir, "token"), caPath: join(dir, "missing-ca"), namespacePath: join(dir, "ns") };
    // (the missing CA file is reported as a process warning, and the system roots apply)
    const config = await loadConfig({ env, kubeconfigPath: undefined, homeDir: dir, inCluster });
    expect(new RestClient(config).transport.proxy).toBe("http://p:3128");
    const bypassed = await loadConfig({ env: { ...env, NO_PROXY: "10.96.0.0/12" }, homeDir: dir, inCluster });
    expect(new RestClient(bypassed).transport.proxy).toBeUndefined();
  });

  it("creating a client: a bad proxyUrl is a ConfigError naming the field, before any request", () => {
    const make = (proxyUrl: string) => () =>
      new RestClient(newRestConfig("https://kube.test:6443", { proxyUrl, proxyEnv: {}, origin: "test config" }));
    expect(make("socks4://p:1080")).toThrow(ConfigError);
    expect(make("socks4://p:1080")).toThrow(/^test config: proxyUrl: proxy scheme "socks4" is not supported/);
    expect(make(`http://u:${CANARY}@bad host:1`)).toThrow(/^test config: proxyUrl: not a valid proxy URL/);
    let err: unknown;
    try {
      make(`http://u:${CANARY}@bad host:1`)();
    } catch (e) {
      err = e;
    }
    expect(everyRendering(err)).not.toContain(CANARY);
    // environment values are checked the same way when the client is created
    expect(() => new RestClient(newRestConfig("https://kube.test", { proxyEnv: { HTTPS_PROXY: "ldap://p" } }))).toThrow(
      /^environment variable HTTPS_PROXY: proxy scheme "ldap" is not supported/,
    );
  });

  it("names the kubeconfig field for a config loaded from a kubeconfig", () => {
    const config = newRestConfig("https://kube.test", { origin: 'kubeconfig /x/config, context "c"', proxyUrl: "nope://x" });
    expect(() => new RestClient(config)).toThrow(/^kubeconfig \/x\/config, context "c": proxy-url: proxy scheme "nope"/);
  });
});

describe("SOCKS5 reply codes (RFC 1928 section 6)", () => {
  it.each([
    [1, "general SOCKS server failure"],
    [2, "connection not allowed by ruleset"],
    [3, "network unreachable"],
    [4, "host unreachable"],
    [5, "connection refused"],
    [6, "TTL expired"],
    [7, "command not supported"],
    [8, "address type not supported"],
    [9, "unassigned reply code 9"],
    [255, "unassigned reply code 255"],
  ])("%d: %s", (code, text) => {
    expect(socksReplyText(code)).toBe(text);
  });
});
