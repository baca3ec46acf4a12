// Server warnings (client-go rest/warnings.go): the API server sends
// `Warning: 299 - "text"` headers (RFC 7234 §5.5) for deprecated APIs and
// questionable input. parseWarningHeaders() decodes them; the default handler
// prints each distinct text once to stderr.

import type { ApiWarning, WarningHandler } from "../config/rest-config.js";

/** Parses Warning header values (each may hold several comma-separated warnings). Malformed entries are skipped. */
export function parseWarningHeaders(values: string | string[] | undefined): ApiWarning[] {
  const out: ApiWarning[] = [];
  for (const value of values === undefined ? [] : Array.isArray(values) ? values : [values]) {
    let i = 0;
    const s = value;
    const skipSpace = (): void => {
      while (i < s.length && (s[i] === " " || s[i] === "\t")) i++;
    };
    const token = (): string => {
      const start = i;
      while (i < s.length && s[i] !== " " && s[i] !== "\t" && s[i] !== ",") i++;
      return s.slice(start, i);
    };
    const quoted = (): string | undefined => {
      if (s[i] !== '"') return undefined;
      i++;
      let text = "";
      while (i < s.length && s[i] !== '"') {
        if (s[i] === "\\" && i + 1 < s.length) i++;
        text += s[i];
        i++;
      }
      if (s[i] !== '"') return undefined;
      i++;
      return text;
    };
    while (i < s.length) {
      skipSpace();
      const code = token();
      skipSpace();
      const agent = token();
      skipSpace();
      const text = quoted();
      skipSpace();
      if (s[i] === '"') quoted(); // optional warn-date
      skipSpace();
      if (/^\d{3}$/.test(code) && agent && text !== undefined) out.push({ code: Number(code), agent, text });
      // skip to the next comma outside quotes
      while (i < s.length && s[i] !== ",") {
        if (s[i] === '"') quoted();
        else i++;
      }
      i++;
    }
  }
  return out;
}

/** Wraps a handler so each distinct warning text reaches it only once. */
export function dedupeWarnings(handler: WarningHandler): WarningHandler {
  const seen = new Set<string>();
  return (w) => {
    if (seen.has(w.text)) return;
    seen.add(w.text);
    handler(w);
  };
}

/** The default handler: `Warning: <text>` on stderr, each distinct text once per process. */
export const defaultWarningHandler: WarningHandler = dedupeWarnings((w) => {
  process.stderr.write(`Warning: ${w.text}\n`);
});
