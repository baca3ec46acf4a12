// Errors the generator reports to users. A SchemaError is a problem in the
// input (exit code 1); a UsageError is a problem with how kubegen was called
// (exit code 2). Both carry enough to print one clear paragraph.

import type { Diagnostic } from "../ir/types.js";

/** One or more problems in the input schemas, each with a file and a JSON pointer. */
export class SchemaError extends Error {
  readonly diagnostics: readonly Diagnostic[];

  constructor(diagnostics: readonly Diagnostic[]) {
    super(diagnostics.map(formatDiagnostic).join("\n"));
    this.name = "SchemaError";
    this.diagnostics = diagnostics;
  }

  /** A single-diagnostic error. */
  static at(file: string, pointer: string, message: string, line?: number): SchemaError {
    return new SchemaError([{ severity: "error", file, pointer, message, ...(line ? { line } : {}) }]);
  }
}

/** A bad flag, a missing input, an output that cannot be written. */
export class UsageError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "UsageError";
  }
}

/**
 * Text from the input made safe for a terminal: control characters (line
 * breaks, escape sequences, bidirectional overrides) are written as `\uXXXX`,
 * so a hostile key or name cannot forge lines or recolour the output.
 */
export function printable(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** `file:line (pointer): message`, the one-line form used everywhere. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.line ? `${d.file}:${d.line}` : d.file;
  const pointer = d.pointer ? ` at ${d.pointer || "/"}` : "";
  return printable(`${d.severity}: ${where}${pointer}: ${d.message}`);
}

/** Collects diagnostics over a whole run, so every problem is reported at once. */
export class Diagnostics {
  readonly #items: Diagnostic[] = [];

  error(file: string, pointer: string, message: string, line?: number): void {
    this.#items.push({ severity: "error", file, pointer, message, ...(line ? { line } : {}) });
  }

  warn(file: string, pointer: string, message: string, line?: number): void {
    this.#items.push({ severity: "warning", file, pointer, message, ...(line ? { line } : {}) });
  }

  get errors(): Diagnostic[] {
    return this.#items.filter((d) => d.severity === "error");
  }

  get warnings(): Diagnostic[] {
    return this.#items.filter((d) => d.severity === "warning");
  }

  /** Throws a SchemaError holding every error collected so far, if any. */
  throwIfErrors(): void {
    const errors = this.errors;
    if (errors.length > 0) throw new SchemaError(errors);
  }
}
