// Structured JSON logs for the sample-controller: one line per message on
// stderr, `{"ts":"<RFC 3339>","level":"info","msg":"...", ...fields}` (the
// shape klog's and zap's JSON output use: fields sit beside ts/level/msg). It
// implements the runtime's Logger, so the Controller, the EventRecorder and the
// health server log through it too. Errors are logged by message only; the
// runtime keeps secrets out of its error messages, and nothing here logs a
// config, a header or a token.

import type { Logger } from "@kubegen/runtime";

/** Levels, most verbose first. */
export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
/** A log level. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The runtime's Logger plus the levels the controller itself uses. */
export interface JsonLogger extends Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  /** A logger that adds `fields` to every line. */
  with(fields: Record<string, unknown>): JsonLogger;
}

/** Whether `value` names a level. */
export function isLogLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

const RESERVED = new Set(["ts", "level", "msg"]);

/** A value as it should appear in a log line (Errors become their message). */
function loggable(value: unknown): unknown {
  if (value instanceof Error) return value.message;
  return value;
}

/**
 * A JSON logger writing lines at `level` and above to `write` (default:
 * stderr). Field names that clash with ts/level/msg get a `field.` prefix.
 */
export function jsonLogger(level: LogLevel = "info", write: (line: string) => void = (l) => process.stderr.write(l), base: Record<string, unknown> = {}): JsonLogger {
  const min = LOG_LEVELS.indexOf(level);
  const emit = (lvl: LogLevel, msg: string, fields?: Record<string, unknown>): void => {
    if (LOG_LEVELS.indexOf(lvl) < min) return;
    const line: Record<string, unknown> = { ts: new Date().toISOString(), level: lvl, msg };
    for (const [k, v] of Object.entries({ ...base, ...fields })) line[RESERVED.has(k) ? `field.${k}` : k] = loggable(v);
    let text: string;
    try {
      text = JSON.stringify(line);
    } catch {
      text = JSON.stringify({ ts: line.ts, level: lvl, msg, note: "fields could not be serialised" });
    }
    write(`${text}\n`);
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
    with: (fields) => jsonLogger(level, write, { ...base, ...fields }),
  };
}
