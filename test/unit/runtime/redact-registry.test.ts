// Redaction without I/O: the patterns for secrets nobody registered, the
// process-wide registry of known values (and the forms they are echoed in),
// and what runtime errors show through message, toJSON() and util.inspect().
// Every secret is a fresh canary, so tests sharing the registry cannot
// influence each other.
import { randomBytes } from "node:crypto";
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { ApiError, NetworkError, type RestConfig, type Status } from "@kubegen/runtime";
import {
  KubegenError,
  MIN_SECRET_LENGTH,
  REDACTED,
  redact,
  redactCause,
  redactHeaders,
  redactUrl,
  redactValue,
  redactWarning,
  registerBasicAuth,
  registerConfigSecrets,
  registerEnvSecrets,
  registerSecret,
  registerUrlSecrets,
} from "../../../runtime/src/errors/redact.js";

const canary = (): string => `CANARY-${randomBytes(10).toString("hex")}`;

/** Every text an error shows, itself and each link of its cause chain. */
function surfaces(err: unknown): string[] {
  const out: string[] = [];
  let cur: unknown = err;
  for (let i = 0; i < 16 && cur != null; i++) {
    if (cur instanceof Error) out.push(cur.message, String(cur.stack));
    out.push(String(cur), JSON.stringify(cur) ?? "", inspect(cur, { depth: 10 }));
    cur = typeof cur === "object" ? (cur as { cause?: unknown }).cause : undefined;
  }
  return out;
}

function expectAbsent(secret: string, texts: readonly string[]): void {
  for (const t of texts) expect(t).not.toContain(secret);
}

describe("redact: patterns for unregistered secrets", () => {
  it.each<[string, string]>([
    ["sub eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJib2IifQ.c2lnbmF0dXJl end", `sub ${REDACTED} end`],
    ["unsigned eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0. end", `unsigned ${REDACTED} end`],
    ["aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", `aws_secret_access_key = ${REDACTED}`],
    ["AWS_SESSION_TOKEN=FwoGZXIvYXdzEBYaDH", `AWS_SESSION_TOKEN=${REDACTED}`],
    ["key id AKIAIOSFODNN7EXAMPLE leaked", `key id ${REDACTED} leaked`],
    ["X-Api-Key: 0123456789abcdef", `X-Api-Key: ${REDACTED}`],
    ["api_key=abc123def456&x=1", `api_key=${REDACTED}&x=1`],
    ["client_secret=s3cr3tvalue&scope=x", `client_secret=${REDACTED}&scope=x`],
    ["Authorization: Token abc def", `Authorization: ${REDACTED}`],
    ["Proxy-Authorization: Basic dXNlcjpwYXNz", `Proxy-Authorization: Basic ${REDACTED}`],
    ['{"authorization":["Bearer xyz"]}', `{"authorization":["Bearer ${REDACTED}"]}`],
    ['{"token":["abc"]}', `{"token":["${REDACTED}"]}`],
    ["Cookie: session=abc; theme=dark", `Cookie: ${REDACTED}; theme=dark`],
    ["proxy http://bob:pa55w0rd@proxy:3128 down", `proxy http://bob:${REDACTED}@proxy:3128 down`],
  ])("%j", (input, want) => {
    expect(redact(input)).toBe(want);
  });

  it("is idempotent: redacting a redacted text changes nothing (errors are redacted more than once)", () => {
    const texts = [
      "key -----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY----- and the text after it",
      "Authorization: Bearer abc.def-ghi, token=xyz, https://bob:pw@host/, eyJa.eyJb.c, Cookie: a=b",
      "AKIAIOSFODNN7EXAMPLE X-Api-Key: k Proxy-Authorization: Digest x",
    ];
    for (const t of texts) {
      const once = redact(t);
      expect(redact(once)).toBe(once);
    }
    expect(redact(texts[0]!)).toBe("key -----BEGIN RSA PRIVATE KEY-----<redacted> and the text after it");
  });

  it.each([
    'pods "web" not found',
    'deployments.apps "web" is forbidden: User "system:serviceaccount:default:builder" cannot patch resource "deployments" in API group "apps" in the namespace "default"',
    'secrets "db-password" is forbidden: User "alice" cannot get resource "secrets" in API group "" in the namespace "prod"',
    'Deployment.apps "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0',
    'Operation cannot be fulfilled on configmaps "cfg": the object has been modified; please apply your changes to the latest version and try again',
    "the server has asked for the client to provide credentials",
    "too old resource version: 5 (10)",
    "unable to decode an event from the watch stream: unexpected byte 0x7b between watch events",
    "GET https://10.0.0.1:6443/api/v1/namespaces/default/pods?limit=500: connect ECONNREFUSED 10.0.0.1:6443",
  ])("leaves ordinary text alone: %s", (text) => {
    expect(redact(text)).toBe(text);
  });
});

describe("redact: the registry of known values", () => {
  it("removes a registered value from any text, wherever it comes from", () => {
    const secret = canary();
    registerSecret(secret);
    expect(redact(`first ${secret} then ${secret}!`)).toBe(`first ${REDACTED} then ${REDACTED}!`);
    // a secret of one config is redacted in an error that has no config at all
    expect(new ApiError({ kind: "Status", apiVersion: "v1", status: "Failure", message: `x${secret}y` }).message).toBe(
      `x${REDACTED}y`,
    );
  });

  it(`ignores values shorter than ${MIN_SECRET_LENGTH} characters, and registers those of exactly ${MIN_SECRET_LENGTH}`, () => {
    const short = randomBytes(8).toString("hex").slice(0, MIN_SECRET_LENGTH - 1);
    const exact = randomBytes(8).toString("hex").slice(0, MIN_SECRET_LENGTH);
    registerSecret(short);
    registerSecret(exact);
    registerSecret("a");
    expect(redact(`${short} | ${exact} | a`)).toBe(`${short} | ${REDACTED} | a`);
    expect(redact(`xx ${short} yy`, [short])).toBe(`xx ${short} yy`); // the per-call list follows the same rule
  });

  it("ignores non-strings and the placeholder itself", () => {
    registerSecret(undefined);
    registerSecret(12345678901234);
    registerSecret(REDACTED);
    expect(redact(`${REDACTED} 12345678901234`)).toBe(`${REDACTED} 12345678901234`);
  });

  it("registers trimmed, percent-encoded and JSON-escaped forms", () => {
    const secret = `${canary()}/+="\\`;
    registerSecret(`  ${secret}\n`);
    expect(redact(`raw ${secret} end`)).toBe(`raw ${REDACTED} end`);
    expect(redact(`query ?t=${encodeURIComponent(secret)} end`)).toBe(`query ?t=${REDACTED} end`);
    expect(redact(`json {"x":${JSON.stringify(secret)}}`)).toBe(`json {"x":"${REDACTED}"}`);
  });

  it("registers each line of a multi-line value (a PEM key) and its joined base64 body, not the armour", () => {
    const a = randomBytes(48).toString("base64");
    const b = randomBytes(48).toString("base64");
    const pem = `-----BEGIN EC PRIVATE KEY-----\n${a}\n${b}\n-----END EC PRIVATE KEY-----\n`;
    registerSecret(pem);
    expect(redact(`line ${b} only`)).toBe(`line ${REDACTED} only`);
    expect(redact(`joined ${a}${b}`)).toBe(`joined ${REDACTED}`);
    expect(redact("-----END EC PRIVATE KEY----- is armour")).toBe("-----END EC PRIVATE KEY----- is armour");
  });

  it("registers basic auth as the password and the header's base64, not the user name", () => {
    const password = canary();
    registerBasicAuth("kubernetes-admin", password);
    const header = Buffer.from(`kubernetes-admin:${password}`).toString("base64");
    expect(redact(`p=${password} h=${header} u=kubernetes-admin`)).toBe(`p=${REDACTED} h=${REDACTED} u=kubernetes-admin`);
  });

  it("registers URL userinfo: the password raw and decoded, or a lone user (a token in the user part)", () => {
    const pw = `${canary()}@:/`;
    registerUrlSecrets(`https://someone:${encodeURIComponent(pw)}@example.com:6443/`);
    expect(redact(`decoded ${pw}`)).toBe(`decoded ${REDACTED}`);
    expect(redact(`encoded ${encodeURIComponent(pw)}`)).toBe(`encoded ${REDACTED}`);
    const tokenUser = canary();
    registerUrlSecrets(`https://${tokenUser}@example.com/`);
    expect(redact(`user ${tokenUser}`)).toBe(`user ${REDACTED}`);
    registerUrlSecrets("not a url at all");
    registerUrlSecrets(undefined);
  });

  it("registers every credential of a RestConfig", () => {
    const c = { token: canary(), password: canary(), key: canary(), server: canary(), proxy: canary(), extra: canary(), env: canary(), plainEnv: canary() };
    const config: RestConfig = {
      namespace: "default",
      qps: 5,
      burst: 10,
      bearerToken: c.token,
      username: "bob",
      password: c.password,
      keyData: `-----BEGIN PRIVATE KEY-----\n${c.key}\n-----END PRIVATE KEY-----`,
      server: `https://u:${c.server}@h`,
      proxyUrl: `http://p:${c.proxy}@proxy:3128`,
      impersonate: { user: "jane", extra: { scopes: [c.extra] } },
      exec: {
        command: "x",
        apiVersion: "client.authentication.k8s.io/v1",
        env: [
          { name: "VAULT_TOKEN", value: c.env },
          { name: "REGION", value: c.plainEnv },
        ],
      },
    };
    registerConfigSecrets(config);
    const text = Object.values(c).join(" ");
    const out = redact(text);
    for (const [name, v] of Object.entries(c)) {
      if (name === "plainEnv") expect(out).toContain(v);
      else expect(out).not.toContain(v);
    }
    registerEnvSecrets([null, { name: 3 }, { name: "API_KEY" }]); // malformed entries are skipped
  });

  it("registers the userinfo of proxy variables (proxyEnv), and not other variables", () => {
    const https = canary();
    const lower = canary();
    const bare = canary();
    const other = canary();
    registerConfigSecrets({
      proxyEnv: {
        HTTPS_PROXY: `http://u:${https}@proxy:3128`,
        http_proxy: `socks5://u:${lower}@proxy:1080`,
        ALL_PROXY: `u:${bare}@proxy:3128`, // no scheme
        NO_PROXY: "localhost,10.0.0.0/8",
        SOMETHING: `http://u:${other}@h`,
      },
    });
    expect(redact(`${https} ${lower} ${bare} ${other}`)).toBe(`${REDACTED} ${REDACTED} ${REDACTED} ${other}`);
  });

  it("still honours a per-call list of secrets", () => {
    const secret = canary();
    expect(redact(`a ${secret} b`, [secret, undefined])).toBe(`a ${REDACTED} b`);
  });
});

describe("redactValue, redactUrl, redactHeaders, redactWarning", () => {
  it("copies JSON-like data with strings redacted and secret-named keys replaced", () => {
    const secret = canary();
    registerSecret(secret);
    const input = { a: [`x ${secret}`, 1, null, { token: "unregistered-value", nested: { password: "pw-value-123" } }], ok: "plain" };
    const out = redactValue(input);
    expect(out).toEqual({ a: [`x ${REDACTED}`, 1, null, { token: REDACTED, nested: { password: REDACTED } }], ok: "plain" });
    expect(input.a[0]).toBe(`x ${secret}`); // a copy: the input is untouched
    const cyclic: Record<string, unknown> = { name: "c" };
    cyclic.self = cyclic;
    expect(redactValue(cyclic)).toEqual({ name: "c", self: "[Circular]" });
  });

  it("drops userinfo from URLs", () => {
    const pw = canary();
    expect(redactUrl(`https://user:${pw}@host:6443/api?x=1`)).toBe("https://host:6443/api?x=1");
    expect(redactUrl("/api/v1/pods")).toBe("/api/v1/pods");
  });

  it("redacts header values, not only the named secret headers", () => {
    const secret = canary();
    registerSecret(secret);
    expect(redactHeaders({ "X-Auth-Token": "abc", Accept: "a", "Impersonate-Extra-Scope": [secret, "b"] })).toEqual({
      "X-Auth-Token": REDACTED,
      Accept: "a",
      "Impersonate-Extra-Scope": [REDACTED, "b"],
    });
  });

  it("redacts a server warning's text and keeps ordinary warnings as they are", () => {
    const secret = canary();
    registerSecret(secret);
    expect(redactWarning({ code: 299, agent: "-", text: `you sent ${secret}` })).toEqual({ code: 299, agent: "-", text: `you sent ${REDACTED}` });
    const plain = { code: 299, agent: "-", text: "policy/v1beta1 PodDisruptionBudget is deprecated in v1.21+, unavailable in v1.25+" };
    expect(redactWarning(plain)).toEqual(plain);
  });
});

const status = (fields: Partial<Status>): Status => ({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", ...fields });

describe("runtime errors", () => {
  it("ApiError redacts every text field of its Status", () => {
    const secret = canary();
    registerSecret(secret);
    const err = new ApiError(
      status({
        code: 403,
        reason: secret,
        message: `denied: ${secret}`,
        details: { name: secret, kind: "pods", causes: [{ reason: "FieldValueInvalid", message: `bad ${secret}`, field: secret }] },
      }),
      { method: "GET", url: `https://u:${secret}@h/api` },
    );
    expect(err.message).toBe(`denied: ${REDACTED}`);
    expect(err.status.reason).toBe(REDACTED);
    expect(err.status.details?.name).toBe(REDACTED);
    expect(err.causes).toEqual([{ reason: "FieldValueInvalid", message: `bad ${REDACTED}`, field: REDACTED }]);
    expect(err.url).toBe("https://h/api");
    expectAbsent(secret, surfaces(err));
  });

  it("ApiError keeps a Status without secrets exactly, and shows it in toJSON() and util.inspect()", () => {
    const s = status({
      code: 404,
      reason: "NotFound",
      message: 'pods "web" not found',
      details: { name: "web", kind: "pods" },
    });
    const err = new ApiError(s, { method: "GET", url: "https://h/api/v1/namespaces/default/pods/web" });
    expect(err.message).toBe('pods "web" not found');
    expect(err.status).toEqual(s);
    const json = JSON.parse(JSON.stringify(err)) as Record<string, unknown>;
    expect(json).toEqual({
      name: "ApiError",
      message: 'pods "web" not found',
      code: 404,
      reason: "NotFound",
      status: s,
      method: "GET",
      url: "https://h/api/v1/namespaces/default/pods/web",
    });
    const shown = inspect(err, { depth: 10 });
    expect(shown.split("\n")[0]).toBe('ApiError: pods "web" not found');
    expect(shown).toContain("reason: 'NotFound'");
    expect(shown).toContain("kind: 'pods'");
    expect(inspect({ e: err }, { depth: 0 })).toBe(`{ e: [ApiError: pods "web" not found] }`);
  });

  it("NetworkError redacts its message and URL, and redacts the error it wraps in place", () => {
    const secret = canary();
    registerSecret(secret);
    const cause = Object.assign(new Error(`connect ECONNREFUSED for ${secret}`), { code: "ECONNREFUSED", input: `https://${secret}@h` });
    const err = new NetworkError(`GET https://h/api: failed with ${secret}`, {
      method: "GET",
      url: `https://u:${secret}@h/api`,
      code: "ECONNREFUSED",
      cause,
    });
    expect(err.cause).toBe(cause); // same object: instanceof and code checks keep working
    expect((err.cause as { code?: string }).code).toBe("ECONNREFUSED");
    expect(err.message).toBe(`GET https://h/api: failed with ${REDACTED}`);
    expect(err.url).toBe("https://h/api");
    expectAbsent(secret, surfaces(err));
    expect(JSON.parse(JSON.stringify(err))).toEqual({
      name: "NetworkError",
      message: `GET https://h/api: failed with ${REDACTED}`,
      code: "ECONNREFUSED",
      method: "GET",
      url: "https://h/api",
      cause: { name: "Error", message: `connect ECONNREFUSED for ${REDACTED}`, code: "ECONNREFUSED" },
    });
  });

  it("redactCause handles strings, plain objects, AggregateErrors, getters and nested causes", () => {
    const secret = canary();
    registerSecret(secret);
    expect(redactCause(`s ${secret}`)).toBe(`s ${REDACTED}`);
    expect(redactCause({ detail: secret })).toEqual({ detail: REDACTED });
    const agg = new AggregateError([new Error(`one ${secret}`), `two ${secret}`], `all ${secret}`);
    const deep = new Error("outer", { cause: new Error("middle", { cause: agg }) });
    redactCause(deep);
    expectAbsent(secret, surfaces(deep));
    expectAbsent(secret, [inspect(agg.errors, { depth: 5 })]);
    const dom = new DOMException(`aborted ${secret}`, "AbortError"); // message is a prototype getter
    redactCause(dom);
    expect(dom.message).toBe(`aborted ${REDACTED}`);
  });

  it("toJSON() and util.inspect() redact again, with what is known when they run", () => {
    const late = canary();
    const err = new ApiError(status({ code: 500, message: `echo ${late}` }));
    registerSecret(late); // learnt after the error was built
    expect(JSON.stringify(err)).not.toContain(late);
    expect(inspect(err, { depth: 10 })).not.toContain(late);
  });

  it("KubegenError is a base for other runtime errors: redacted message, cause, fields", () => {
    const secret = canary();
    registerSecret(secret);
    class FileError extends KubegenError {
      override readonly name = "FileError";
      constructor(
        message: string,
        readonly file: string,
        cause?: unknown,
      ) {
        super(message, { cause });
      }
      protected override describe(): Record<string, unknown> {
        return { file: this.file, note: `about ${secret}` };
      }
    }
    const err = new FileError(`cannot use ${secret}`, "/etc/kube/config", new Error(`inner ${secret}`));
    expect(err).toBeInstanceOf(Error);
    expect(String(err)).toBe(`FileError: cannot use ${REDACTED}`);
    expect(JSON.parse(JSON.stringify(err))).toEqual({
      name: "FileError",
      message: `cannot use ${REDACTED}`,
      file: "/etc/kube/config",
      note: `about ${REDACTED}`,
      cause: { name: "Error", message: `inner ${REDACTED}` },
    });
    expect(inspect(err)).toContain("file: '/etc/kube/config'");
    expectAbsent(secret, surfaces(err));
  });
});
