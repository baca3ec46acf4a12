// A loopback HTTPS OIDC issuer for tests of the oidc auth-provider: a CA and a
// serving certificate for 127.0.0.1 from openssl, RS256 id-tokens signed with
// a key made here, the discovery document, the JWKS and a refresh_token grant
// whose behaviour a test can change (rotation, a missing id_token, where the
// client credentials go, a gate that holds the answer).
import { execFileSync } from "node:child_process";
import { generateKeyPairSync, randomBytes, sign as cryptoSign, verify as cryptoVerify } from "node:crypto";
import { readFileSync } from "node:fs";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";

export const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
export const nowS = () => Math.floor(Date.now() / 1000);
export const secret = (what: string) => `${what}-${randomBytes(12).toString("hex")}`;

/** A CA and a serving certificate for 127.0.0.1 signed by it, made with openssl in `dir`. */
function issuerCertificates(dir: string): { caFile: string; caPem: string; cert: string; key: string } {
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2"];
  const ca = join(dir, "issuer-ca.crt");
  const caKey = join(dir, "issuer-ca.key");
  execFileSync("openssl", ["req", "-x509", ...ec, "-keyout", caKey, "-out", ca, "-subj", "/CN=oidc-test-ca",
    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign,digitalSignature"], { stdio: "pipe" });
  const cert = join(dir, "issuer.crt");
  const key = join(dir, "issuer.key");
  execFileSync("openssl", ["req", "-x509", ...ec, "-keyout", key, "-out", cert, "-subj", "/CN=oidc-test-issuer",
    "-CA", ca, "-CAkey", caKey, "-addext", "subjectAltName=IP:127.0.0.1",
    "-addext", "extendedKeyUsage=serverAuth", "-addext", "keyUsage=critical,digitalSignature"], { stdio: "pipe" });
  return { caFile: ca, caPem: readFileSync(ca, "utf8"), cert: readFileSync(cert, "utf8"), key: readFileSync(key, "utf8") };
}

export interface TokenCall {
  authorization: string | undefined;
  form: URLSearchParams;
}

/** A loopback OIDC issuer: discovery, JWKS and a refresh_token grant. */
export interface Issuer {
  url: string;
  caFile: string;
  caPem: string;
  counts: { discovery: number; keys: number; token: number };
  tokenCalls: TokenCall[];
  /** Refresh tokens the token endpoint accepts (each is single-use when `rotate` is on). */
  refreshTokens: Set<string>;
  /** `clientAuth`: where the token endpoint wants the client credentials (HTTP Basic, or in the form). */
  behaviour: { rotate: boolean; omitIdToken: boolean; gate: Promise<void> | undefined; clientAuth: "header" | "form" };
  clientId: string;
  clientSecret: string;
  idToken(sub: string, expInS: number): string;
  verify(token: string): { sub: string } | undefined;
  close(): Promise<void>;
}

/** Starts an issuer in `dir`; the token endpoint's id-tokens are for `subject`. */
export async function startIssuer(dir: string, subject = "alice"): Promise<Issuer> {
  const certs = issuerCertificates(dir);
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const kid = "test-key";
  let url = "";
  const issuer: Issuer = {
    url: "",
    caFile: certs.caFile,
    caPem: certs.caPem,
    counts: { discovery: 0, keys: 0, token: 0 },
    tokenCalls: [],
    refreshTokens: new Set(),
    behaviour: { rotate: true, omitIdToken: false, gate: undefined, clientAuth: "header" },
    clientId: "kubegen",
    clientSecret: secret("client-secret"),
    idToken(sub, expInS) {
      const head = `${b64url({ alg: "RS256", typ: "JWT", kid })}.${b64url({
        iss: url, aud: "kubegen", sub, iat: nowS() - 5, exp: nowS() + expInS, jti: randomBytes(6).toString("hex"),
      })}`;
      return `${head}.${cryptoSign("sha256", Buffer.from(head), privateKey).toString("base64url")}`;
    },
    verify(token) {
      const [h, p, s] = token.split(".");
      if (!h || !p || !s || !cryptoVerify("sha256", Buffer.from(`${h}.${p}`), publicKey, Buffer.from(s, "base64url"))) return undefined;
      const claims = JSON.parse(Buffer.from(p, "base64url").toString("utf8")) as { sub: string; exp: number; iss: string };
      return claims.exp > nowS() && claims.iss === url ? { sub: claims.sub } : undefined;
    },
    close: async () => {},
  };
  const server = https.createServer({ cert: certs.cert, key: certs.key }, (req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => (body += c));
    req.on("end", async () => {
      const json = (status: number, v: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(v));
      };
      if (req.method === "GET" && req.url === "/.well-known/openid-configuration") {
        issuer.counts.discovery++;
        return json(200, {
          issuer: url, jwks_uri: `${url}/keys`, token_endpoint: `${url}/token`, authorization_endpoint: `${url}/auth`,
          response_types_supported: ["id_token"], subject_types_supported: ["public"], id_token_signing_alg_values_supported: ["RS256"],
        });
      }
      if (req.method === "GET" && req.url === "/keys") {
        issuer.counts.keys++;
        return json(200, { keys: [{ ...publicKey.export({ format: "jwk" }), kid, alg: "RS256", use: "sig" }] });
      }
      if (req.method === "POST" && req.url === "/token") {
        issuer.counts.token++;
        const form = new URLSearchParams(body);
        issuer.tokenCalls.push({ authorization: req.headers.authorization, form });
        if (issuer.behaviour.gate) await issuer.behaviour.gate;
        const basic = `Basic ${Buffer.from(`${issuer.clientId}:${issuer.clientSecret}`).toString("base64")}`;
        const clientOk =
          issuer.behaviour.clientAuth === "header"
            ? req.headers.authorization === basic
            : form.get("client_id") === issuer.clientId && form.get("client_secret") === issuer.clientSecret;
        if (!clientOk) return json(401, { error: "invalid_client" });
        const rt = form.get("refresh_token") ?? "";
        if (form.get("grant_type") !== "refresh_token" || !issuer.refreshTokens.has(rt)) {
          return json(400, { error: "invalid_grant", error_description: `refresh token ${rt} is invalid or expired` });
        }
        const answer: Record<string, unknown> = { access_token: secret("access"), token_type: "Bearer", expires_in: 3600 };
        if (!issuer.behaviour.omitIdToken) answer.id_token = issuer.idToken(subject, 3600);
        if (issuer.behaviour.rotate) {
          issuer.refreshTokens.delete(rt);
          const next = secret("refresh");
          issuer.refreshTokens.add(next);
          answer.refresh_token = next;
        }
        return json(200, answer);
      }
      json(404, { error: "not found" });
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  issuer.url = url;
  issuer.close = () =>
    new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return issuer;
}
