// Canary tests: a distinctive value in each place a credential can live
// (kubeconfig token, token file, in-cluster token, exec-issued token and key,
// basic-auth password, client key, URL userinfo of server and proxy-url,
// impersonation extra), an error that could echo it, and a check that the
// canary is nowhere in what leaves the runtime: message, stack, String(),
// JSON.stringify(), util.inspect() of the error and of every cause, and
// whatever the runtime logs meanwhile.
//
// The servers are loopback servers written to be hostile: they echo every
// credential they receive (and whatever the test tells them) in the Status
// message, reason, details.name, causes and in a Warning header. Nothing
// here waits on a timer; every test has an explicit timeout.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { inspect } from "node:util";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import {
  ApiError,
  ConfigError,
  ExecCredentialProvider,
  inClusterConfig,
  isNetworkError,
  loadConfig,
  RestClient,
  type RestConfig,
  type Status,
} from "@kubegen/runtime";

const TIMEOUT = { timeout: 30_000 };
const V1 = "client.authentication.k8s.io/v1";

const canary = (): string => `CANARY-${randomBytes(10).toString("hex")}`;

let dir: string;
let tlsKey: string;
let tlsCert: string;
let tlsCertFile: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "kubegen-redact-"));
  const keyFile = join(dir, "tls.key");
  tlsCertFile = join(dir, "tls.crt");
  execFileSync(
    "openssl",
    [
      ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"],
      ...["-keyout", keyFile, "-out", tlsCertFile, "-days", "2", "-subj", "/CN=localhost"],
      ...["-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
    ],
    { stdio: "ignore", timeout: 60_000 },
  );
  tlsKey = readFileSync(keyFile, "utf8");
  tlsCert = readFileSync(tlsCertFile, "utf8");
}, 90_000);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------
// The hostile server

interface HostileOptions {
  /** HTTP code of every answer. */
  code: number;
  /** Extra texts to echo (values the test knows, that are never sent). */
  echo?: readonly string[];
  /** Answer text/plain instead of a Status. */
  plain?: boolean;
  /** Serve https with the test certificate. */
  tls?: boolean;
  /** Called for each request before answering. */
  onRequest?: (req: http.IncomingMessage, n: number) => void;
}

interface Hostile {
  url: string;
  port: number;
  /** Every credential text the server received. */
  received: string[];
}

const closers: Array<() => void> = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

/** What a server can learn from a request: the bearer token, basic-auth parts, impersonation values. */
function credentialsOf(req: http.IncomingMessage): string[] {
  const out: string[] = [];
  const auth = req.headers.authorization ?? "";
  const bearer = /^Bearer (.+)$/.exec(auth);
  if (bearer) out.push(bearer[1]!);
  const basic = /^Basic (.+)$/.exec(auth);
  if (basic) {
    const decoded = Buffer.from(basic[1]!, "base64").toString("utf8");
    out.push(basic[1]!, decoded, decoded.slice(decoded.indexOf(":") + 1));
  }
  for (const [name, value] of Object.entries(req.headers)) {
    if (name.startsWith("impersonate-extra-")) out.push(...String(value).split(/,\s*/));
  }
  return out;
}

async function hostile(options: HostileOptions): Promise<Hostile> {
  const received: string[] = [];
  let n = 0;
  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    n++;
    received.push(...credentialsOf(req));
    options.onRequest?.(req, n);
    req.resume();
    req.on("end", () => {
      const echoes = [...new Set([...received, ...(options.echo ?? [])])];
      const all = echoes.join(" ");
      const first = echoes[0] ?? "nothing";
      const warning = `299 - "you sent ${all.replace(/["\\]/g, "")}"`;
      if (options.plain) {
        res.writeHead(options.code, { "content-type": "text/plain", warning });
        res.end(`internal failure; credentials seen: ${all}`);
        return;
      }
      const status: Status = {
        kind: "Status",
        apiVersion: "v1",
        metadata: {},
        status: "Failure",
        code: options.code,
        reason: first,
        message: `denied for ${all}`,
        details: { name: first, kind: "pods", causes: [{ reason: "FieldValueInvalid", message: `bad ${all}`, field: first }] },
      };
      res.writeHead(options.code, { "content-type": "application/json", warning });
      res.end(JSON.stringify(status));
    });
  };
  const server = options.tls ? https.createServer({ key: tlsKey, cert: tlsCert }, handler) : http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  closers.push(() => {
    server.closeAllConnections();
    server.close();
  });
  const port = (server.address() as AddressInfo).port;
  return { url: `${options.tls ? "https" : "http"}://127.0.0.1:${port}`, port, received };
}

/** A loopback port nobody listens on (connections are refused). */
async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

// ---------------------------------------------------------------------------
// Loading configs and capturing output

/** Writes a one-context kubeconfig (JSON is YAML) and returns its path. */
function kubeconfig(cluster: Record<string, unknown>, user: Record<string, unknown>): string {
  const file = join(mkdtempSync(join(dir, "kc-")), "config");
  writeFileSync(
    file,
    JSON.stringify({
      apiVersion: "v1",
      kind: "Config",
      "current-context": "c",
      clusters: [{ name: "k", cluster }],
      users: [{ name: "u", user }],
      contexts: [{ name: "c", context: { cluster: "k", user: "u" } }],
    }),
  );
  return file;
}

/** Everything the runtime printed or handed to a handler while a test ran. */
interface Captured {
  warnings: string[];
  logs: string[];
}

function capture(config: RestConfig): { captured: Captured; stop: () => void } {
  const captured: Captured = { warnings: [], logs: [] };
  config.qps = -1;
  config.warningHandler = (w) => captured.warnings.push(`${w.code} ${w.agent} ${w.text}`);
  const onWarning = (w: Error): void => {
    captured.logs.push(inspect(w));
  };
  process.on("warning", onWarning);
  const record =
    (into: string[]) =>
    (...args: unknown[]): void => {
      into.push(args.map((a) => (typeof a === "string" ? a : inspect(a, { depth: 10 }))).join(" "));
    };
  const spies = [
    vi.spyOn(process.stderr, "write"),
    vi.spyOn(process.stdout, "write"),
    ...(["log", "info", "warn", "error", "debug"] as const).map((m) => vi.spyOn(console, m).mockImplementation(record(captured.logs))),
  ];
  return {
    captured,
    stop: () => {
      process.off("warning", onWarning);
      for (const s of spies.slice(0, 2)) for (const call of s.mock.calls) captured.logs.push(String(call[0]));
      for (const s of spies) s.mockRestore();
    },
  };
}

/** Every text an error shows: itself and each link of its cause chain, in every rendering. */
function surfaces(err: unknown): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  let cur: unknown = err;
  for (let i = 0; i < 16 && cur != null; i++) {
    const at = i === 0 ? "err" : `cause #${i}`;
    if (cur instanceof Error) out.push([`${at}.message`, cur.message], [`${at}.stack`, String(cur.stack)]);
    out.push([`String(${at})`, String(cur)], [`JSON.stringify(${at})`, JSON.stringify(cur) ?? ""]);
    out.push([`inspect(${at})`, inspect(cur, { depth: 10 })]);
    cur = typeof cur === "object" ? (cur as { cause?: unknown }).cause : undefined;
  }
  return out;
}

function expectNoCanary(canaries: readonly string[], err: unknown, captured?: Captured, opts: { warnings?: boolean } = {}): void {
  const texts = surfaces(err);
  for (const line of captured?.logs ?? []) texts.push(["log output", line]);
  if (opts.warnings !== false) for (const w of captured?.warnings ?? []) texts.push(["warning handler", w]);
  for (const [where, text] of texts) {
    for (const c of canaries) expect(text.includes(c), `${c} leaked through ${where}:\n${text}`).toBe(false);
  }
}

/** Runs a GET and returns what it rejected with (failing if it resolved). */
async function failure(config: RestConfig): Promise<unknown> {
  const rc = new RestClient(config);
  closers.push(() => rc.close());
  return rc.request({ version: "v1", namespace: "default", resource: "pods", verb: "get", name: "web" }, { maxRetries: 0 }).then(
    () => {
      throw new Error("the request unexpectedly succeeded");
    },
    (err: unknown) => err,
  );
}

/** A shell script exec plugin printing `credential` as its ExecCredential status. */
function execPlugin(status: Record<string, unknown>, extra = ""): string {
  const file = join(mkdtempSync(join(dir, "exec-")), "plugin.sh");
  const doc = JSON.stringify({ apiVersion: V1, kind: "ExecCredential", status });
  writeFileSync(file, `#!/bin/sh\n${extra}\ncat <<'EOF'\n${doc}\nEOF\n`);
  chmodSync(file, 0o755);
  return file;
}

// ---------------------------------------------------------------------------

describe("canaries: every source of a secret, every way out", () => {
  it("kubeconfig token, echoed by a 401 Status", TIMEOUT, async () => {
    const token = canary();
    const server = await hostile({ code: 401 });
    const config = await loadConfig({ kubeconfigPath: kubeconfig({ server: server.url }, { token }), env: {} });
    const { captured, stop } = capture(config);
    const err = await failure(config);
    stop();
    expect(err).toBeInstanceOf(ApiError);
    expect(server.received).toContain(token); // the server did see it, and echoed it
    expectNoCanary([token], err, captured, { warnings: false });
  });

  it("token file, each time it is re-read (a 401 makes the transport read a rotated token)", TIMEOUT, async () => {
    const first = canary();
    const rotated = canary();
    const tokenFile = join(mkdtempSync(join(dir, "tok-")), "token");
    writeFileSync(tokenFile, `${first}\n`);
    const server = await hostile({
      code: 401,
      onRequest: (_req, n) => {
        if (n === 1) writeFileSync(tokenFile, `${rotated}\n`); // rotated while the first request is answered
      },
    });
    const config = await loadConfig({ kubeconfigPath: kubeconfig({ server: server.url }, { tokenFile }), env: {} });
    const { captured, stop } = capture(config);
    const err = await failure(config);
    stop();
    expect(err).toBeInstanceOf(ApiError);
    expect(server.received).toEqual([first, rotated]);
    expectNoCanary([first, rotated], err, captured, { warnings: false });
  });

  it("in-cluster service-account token, over TLS, echoed by a 403 Status", TIMEOUT, async () => {
    const token = canary();
    const tokenPath = join(mkdtempSync(join(dir, "sa-")), "token");
    writeFileSync(tokenPath, token);
    const server = await hostile({ code: 403, tls: true });
    const config = inClusterConfig({
      env: { KUBERNETES_SERVICE_HOST: "127.0.0.1", KUBERNETES_SERVICE_PORT: String(server.port) },
      tokenPath,
      caPath: tlsCertFile,
      namespacePath: join(dir, "no-namespace-file"),
    });
    const { captured, stop } = capture(config);
    const err = await failure(config);
    stop();
    expect((err as ApiError).code).toBe(403);
    expect(server.received).toContain(token);
    expectNoCanary([token], err, captured, { warnings: false });
  });

  it("exec-issued token and client key, echoed by a 401 Status", TIMEOUT, async () => {
    const token = canary();
    const keyLine = canary();
    const command = execPlugin({
      token,
      clientCertificateData: tlsCert,
      clientKeyData: `${keyLine}\n${tlsKey}`,
    });
    const server = await hostile({ code: 401, echo: [keyLine] });
    const config = await loadConfig({
      kubeconfigPath: kubeconfig({ server: server.url }, { exec: { command, apiVersion: V1, interactiveMode: "Never" } }),
      env: {},
    });
    const { captured, stop } = capture(config);
    const err = await failure(config);
    stop();
    expect(err).toBeInstanceOf(ApiError);
    expect(server.received).toContain(token);
    expectNoCanary([token, keyLine], err, captured, { warnings: false });
  });

  it("basic-auth password, echoed in a plain-text 500 body", TIMEOUT, async () => {
    const password = canary();
    const server = await hostile({ code: 500, plain: true });
    const config = await loadConfig({
      kubeconfigPath: kubeconfig({ server: server.url }, { username: "kubernetes-admin", password }),
      env: {},
    });
    const { captured, stop } = capture(config);
    const err = await failure(config);
    stop();
    expect((err as ApiError).code).toBe(500);
    expect(server.received).toContain(password);
    const header = Buffer.from(`kubernetes-admin:${password}`).toString("base64");
    expectNoCanary([password, header], err, captured, { warnings: false });
    expect((err as ApiError).message).toContain("kubernetes-admin"); // the user name is not a secret
  });

  it("client key (PEM with the canary as explanatory text), echoed by a 500 Status over TLS", TIMEOUT, async () => {
    const keyLine = canary();
    const token = canary();
    const server = await hostile({ code: 500, tls: true, echo: [keyLine] });
    const b64 = (s: string): string => Buffer.from(s).toString("base64");
    const config = await loadConfig({
      kubeconfigPath: kubeconfig(
        { server: server.url, "certificate-authority-data": b64(tlsCert) },
        { token, "client-certificate-data": b64(tlsCert), "client-key-data": b64(`${keyLine}\n${tlsKey}`) },
      ),
      env: {},
    });
    const { captured, stop } = capture(config);
    const err = await failure(config);
    stop();
    expect((err as ApiError).code).toBe(500); // TLS with the client key worked; the server answered
    expectNoCanary([keyLine, token, b64(`${keyLine}\n${tlsKey}`)], err, captured, { warnings: false });
  });

  it("client key and token in a config whose TLS handshake fails (untrusted server certificate)", TIMEOUT, async () => {
    const keyLine = canary();
    const token = canary();
    const server = await hostile({ code: 200, tls: true });
    const b64 = (s: string): string => Buffer.from(s).toString("base64");
    const config = await loadConfig({
      kubeconfigPath: kubeconfig(
        { server: server.url }, // no CA: the self-signed certificate is not trusted
        { token, "client-certificate-data": b64(tlsCert), "client-key-data": b64(`${keyLine}\n${tlsKey}`) },
      ),
      env: {},
    });
    const { captured, stop } = capture(config);
    const err = await failure(config);
    stop();
    expect(isNetworkError(err)).toBe(true);
    expect(String(err)).toMatch(/certificate/);
    expectNoCanary([keyLine, token], err, captured);
  });

  it("URL userinfo in server: connection refused, and a server that echoes the password", TIMEOUT, async () => {
    const password = canary();
    const port = await closedPort();
    const refusedConfig = await loadConfig({
      kubeconfigPath: kubeconfig({ server: `http://admin:${password}@127.0.0.1:${port}` }, {}),
      env: {},
    });
    expect(refusedConfig.server).toContain(password); // the config keeps it; nothing shown may
    const refused = capture(refusedConfig);
    const refusedErr = await failure(refusedConfig);
    refused.stop();
    expect(isNetworkError(refusedErr)).toBe(true);
    expect((refusedErr as { code?: string }).code).toBe("ECONNREFUSED");
    expectNoCanary([password], refusedErr, refused.captured);

    const other = canary();
    const server = await hostile({ code: 403, echo: [other, encodeURIComponent(other)] });
    const withUser = server.url.replace("http://", `http://admin:${encodeURIComponent(other)}@`);
    const echoConfig = await loadConfig({ kubeconfigPath: kubeconfig({ server: withUser }, {}), env: {} });
    const echoed = capture(echoConfig);
    const echoErr = await failure(echoConfig);
    echoed.stop();
    expect((echoErr as ApiError).code).toBe(403);
    expect((echoErr as ApiError).url).not.toContain("admin");
    expectNoCanary([other], echoErr, echoed.captured, { warnings: false });
  });

  it("URL userinfo in proxy-url: the proxy refuses the connection", TIMEOUT, async () => {
    const password = canary();
    const port = await closedPort();
    const config = await loadConfig({
      kubeconfigPath: kubeconfig({ server: "https://127.0.0.1:6443", "proxy-url": `http://proxyuser:${password}@127.0.0.1:${port}` }, {}),
      env: {},
    });
    const { captured, stop } = capture(config);
    const err = await failure(config);
    stop();
    expect(isNetworkError(err)).toBe(true);
    expectNoCanary([password], err, captured);
  });

  it("a malformed server URL with a password: the ConfigError and its URL-error cause", TIMEOUT, async () => {
    const password = canary();
    const err = await loadConfig({
      kubeconfigPath: kubeconfig({ server: `https://admin:${password}@[not-a-host` }, {}),
      env: {},
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/is not a URL/);
    expectNoCanary([password], err);
  });

  it("impersonation extra values, echoed by a 403 Status", TIMEOUT, async () => {
    const scope = canary();
    const token = canary();
    const server = await hostile({ code: 403 });
    const config = await loadConfig({
      kubeconfigPath: kubeconfig({ server: server.url }, { token, as: "jane", "as-user-extra": { "acme.com/scope": [scope, "read"] } }),
      env: {},
    });
    const { captured, stop } = capture(config);
    const err = await failure(config);
    stop();
    expect((err as ApiError).code).toBe(403);
    expect(server.received).toContain(scope);
    expectNoCanary([scope, token], err, captured, { warnings: false });
  });

  it("a hand-built RestConfig (no loader) is registered by its transport", TIMEOUT, async () => {
    const token = canary();
    const server = await hostile({ code: 401 });
    const config: RestConfig = { server: server.url, namespace: "default", qps: -1, burst: 0, bearerToken: token };
    const { captured, stop } = capture(config);
    const err = await failure(config);
    stop();
    expectNoCanary([token], err, captured, { warnings: false });
  });

  it("a token set on a config after its client was built is registered when first used", TIMEOUT, async () => {
    const token = canary();
    const server = await hostile({ code: 401 });
    const config: RestConfig = { server: server.url, namespace: "default", qps: -1, burst: 0 };
    const rc = new RestClient(config);
    closers.push(() => rc.close());
    config.bearerToken = token;
    const { captured, stop } = capture(config);
    const err = await rc.request({ path: "/api" }, { maxRetries: 0 }).catch((e: unknown) => e);
    stop();
    expect(server.received).toContain(token);
    expectNoCanary([token], err, captured, { warnings: false });
  });

  it("a 2xx body that is not JSON and echoes the token: no fragment of it in the error or its cause", TIMEOUT, async () => {
    const token = randomBytes(16).toString("hex"); // random from its first character: fragments are recognisable
    const server = http.createServer((req, res) => {
      req.resume();
      const token = (req.headers.authorization ?? "").replace(/^Bearer /, ""); // bare, so no pattern can catch it
      res.writeHead(200, { "content-type": "application/json" }).end(`oops ${token} not json`);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    closers.push(() => server.close());
    const config: RestConfig = {
      server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      namespace: "default",
      qps: -1,
      burst: 0,
      bearerToken: token,
    };
    const { captured, stop } = capture(config);
    const err = await new RestClient(config).request({ path: "/api" }).catch((e: unknown) => e);
    stop();
    expect((err as Error).message).toMatch(/response is not JSON/);
    expect((err as Error).cause).toBeInstanceOf(SyntaxError);
    // JSON.parse would quote ten characters of the body: check every 8-character piece of the token
    const fragments = Array.from({ length: token.length - 7 }, (_, i) => token.slice(i, i + 8));
    expectNoCanary(fragments, err, captured);
  });
});

describe("exec plugin output stays out of errors", () => {
  it("stderr with credential-looking text is passed through, never copied into the error", TIMEOUT, async () => {
    const token = canary();
    const secretKey = canary();
    const apiKey = canary();
    const jwt = `eyJhbGciOiJSUzI1NiJ9.${Buffer.from(`{"sub":"${canary()}"}`).toString("base64url")}.c2ln`;
    const command = execPlugin(
      {},
      [`echo "token is ${token}" >&2`, `echo "${jwt}" >&2`, `echo "aws_secret_access_key = ${secretKey}" >&2`, `echo "X-Api-Key: ${apiKey}" >&2`, "exit 3"].join("\n"),
    );
    const sink = new PassThrough();
    const seen: Buffer[] = [];
    sink.on("data", (c: Buffer) => seen.push(c));
    const provider = new ExecCredentialProvider({ command, apiVersion: V1, interactiveMode: "Never" }, { stderr: sink, where: "test" });
    const err = await provider.get().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toContain("exited with code 3");
    expect(Buffer.concat(seen).toString()).toContain(`token is ${token}`); // passed through, as client-go does
    expectNoCanary([token, secretKey, apiKey, jwt], err);
  });

  it("an issued token and key are redacted from later errors of any config", TIMEOUT, async () => {
    const token = canary();
    const command = execPlugin({ token });
    const provider = new ExecCredentialProvider({ command, apiVersion: V1, interactiveMode: "Never" }, { stderr: new PassThrough() });
    expect((await provider.get()).token).toBe(token);
    const err = new ApiError({ kind: "Status", apiVersion: "v1", status: "Failure", code: 403, message: `you are ${token}` });
    expect(err.message).toBe("you are <redacted>");
  });
});

describe("ordinary text survives", () => {
  it("a Status and a Warning without secrets reach the caller unchanged", TIMEOUT, async () => {
    const token = canary();
    const sent: Status = {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      code: 404,
      reason: "NotFound",
      message: 'pods "web" not found',
      details: { name: "web", kind: "pods" },
    };
    const warning = "policy/v1beta1 PodDisruptionBudget is deprecated in v1.21+, unavailable in v1.25+; use policy/v1";
    const server = http.createServer((req, res) => {
      req.resume();
      res.writeHead(404, { "content-type": "application/json", warning: `299 - "${warning}"` }).end(JSON.stringify(sent));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    closers.push(() => server.close());
    const config = await loadConfig({
      kubeconfigPath: kubeconfig({ server: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }, { token }),
      env: {},
    });
    const { captured, stop } = capture(config);
    const err = (await failure(config)) as ApiError;
    stop();
    expect(err.message).toBe('pods "web" not found');
    expect(err.status).toEqual(sent);
    expect(err.reason).toBe("NotFound");
    expect(captured.warnings).toEqual([`299 - ${warning}`]);
    expect(JSON.parse(JSON.stringify(err))).toMatchObject({ message: 'pods "web" not found', status: sent });
  });
});

// The transport redacts warnings before any handler sees them, and ConfigError
// (a KubegenError) redacts the excerpts it quotes.
describe("warnings and configuration errors", () => {
  it("warning handler text is redacted", TIMEOUT, async () => {
    const token = canary();
    const server = await hostile({ code: 403 });
    const config = await loadConfig({ kubeconfigPath: kubeconfig({ server: server.url }, { token }), env: {} });
    const { captured, stop } = capture(config);
    const err = await failure(config);
    stop();
    expect(captured.warnings).toHaveLength(1);
    expectNoCanary([token], err, captured);
  });

  it("exec plugin excerpts in a ConfigError are redacted", TIMEOUT, async () => {
    const token = canary();
    // a broken plugin that echoes its own token in a field the error quotes
    const command = execPlugin({ token, expirationTimestamp: token });
    const provider = new ExecCredentialProvider({ command, apiVersion: V1, interactiveMode: "Never" }, { stderr: new PassThrough() });
    const err = await provider.get().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toContain("invalid expirationTimestamp");
    expectNoCanary([token], err);
  });
});
