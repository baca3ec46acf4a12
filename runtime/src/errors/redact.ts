// Redaction of secrets before text reaches an error message or a log line.
// Two layers: patterns that look like credentials (bearer tokens, PEM private
// keys, kubeconfig secret fields, basic-auth URLs), and an explicit list of
// secret values the caller knows about (the config's token, password, key).

const REDACTED = "<redacted>";

const PATTERNS: Array<[RegExp, string]> = [
  // Authorization: Bearer xyz / Basic xyz
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, `$1 ${REDACTED}`],
  // PEM private key blocks (RSA, EC, PKCS#8, encrypted)
  [/-----BEGIN ([A-Z ]*)PRIVATE KEY-----[\s\S]*?(-----END \1PRIVATE KEY-----|$)/g, `-----BEGIN $1PRIVATE KEY-----${REDACTED}`],
  // kubeconfig / JSON / header fields that carry secrets
  [
    /(["']?(?:token|password|client-key-data|clientKeyData|id-token|refresh-token|authorization|access-token|secret)["']?\s*[:=]\s*["']?)(?!Bearer\b|Basic\b|<redacted>)[^"'\s,}]+/gi,
    `$1${REDACTED}`,
  ],
  // user:password@ in URLs
  [/(\/\/[^/\s:@]+:)[^@/\s]+@/g, `$1${REDACTED}@`],
];

/**
 * Returns `text` with credentials replaced by `<redacted>`: anything that looks
 * like a bearer/basic credential, a private key, a secret-named field, a URL
 * password, and every string in `secrets` (values shorter than 4 characters are
 * ignored to avoid mangling ordinary text).
 */
export function redact(text: string, secrets: Iterable<string | undefined> = []): string {
  let out = text;
  for (const s of secrets) {
    if (s && s.length >= 4) out = out.split(s).join(REDACTED);
  }
  for (const [re, replacement] of PATTERNS) out = out.replace(re, replacement);
  return out;
}

const SECRET_HEADERS = new Set(["authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"]);

/** A copy of `headers` safe to log: Authorization and similar headers are replaced by `<redacted>`. */
export function redactHeaders(
  headers: Readonly<Record<string, string | string[] | number | undefined>>,
): Record<string, string | string[] | number | undefined> {
  const out: Record<string, string | string[] | number | undefined> = {};
  for (const [k, v] of Object.entries(headers)) out[k] = SECRET_HEADERS.has(k.toLowerCase()) ? REDACTED : v;
  return out;
}
