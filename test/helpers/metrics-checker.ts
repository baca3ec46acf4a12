// The metrics checker: test/metrics-checker, a Go program that parses a
// Prometheus text exposition with Prometheus' own parser (expfmt) and prints
// the families as JSON. `make envtest` builds it; go-checker.ts finds it
// (or KUBEGEN_METRICS_CHECKER names it). Tests skip without it, except under
// CI=true, where a missing checker is a failure.
import { spawn } from "node:child_process";
import { findGoChecker, type CheckerLookup } from "./go-checker.js";

export type { CheckerLookup } from "./go-checker.js";

/** Where the metrics checker binary is, or why it is not there. */
export function findMetricsChecker(env: NodeJS.ProcessEnv = process.env): CheckerLookup {
  return findGoChecker("metrics-checker", env);
}

/** One parsed family, as the checker prints it. */
export interface ParsedFamily {
  name: string;
  help: string;
  type: "COUNTER" | "GAUGE" | "HISTOGRAM" | "UNTYPED" | "SUMMARY";
  metrics: Array<{
    labels: Record<string, string>;
    value?: number;
    buckets?: Array<{ le: string; count: number }>;
    sum?: number;
    count?: number;
  }>;
}

/** The checker's verdict: the parsed families, or Prometheus' parse error. */
export type CheckerVerdict = { ok: true; families: ParsedFamily[] } | { ok: false; error: string };

/** Feeds `text` to the checker at `bin`. */
export function parseExposition(bin: string, text: string): Promise<CheckerVerdict> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, [], { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (err += c.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(out);
      } catch {
        return reject(new Error(`metrics-checker exited with ${code} and no JSON: ${out}${err}`));
      }
      if (code === 0 && Array.isArray(parsed)) resolve({ ok: true, families: parsed as ParsedFamily[] });
      else if (code !== 0 && parsed && typeof (parsed as { error?: unknown }).error === "string") resolve({ ok: false, error: (parsed as { error: string }).error });
      else reject(new Error(`metrics-checker: unexpected answer (exit ${code}): ${out}${err}`));
    });
    child.stdin.end(text);
  });
}

/** The family `name`, or a thrown error listing what was there. */
export function family(families: ParsedFamily[], name: string): ParsedFamily {
  const f = families.find((x) => x.name === name);
  if (!f) throw new Error(`no family ${name}; have ${families.map((x) => x.name).join(", ")}`);
  return f;
}

/** The sample of `f` whose labels include `labels`, or a thrown error. */
export function sample(f: ParsedFamily, labels: Record<string, string>): ParsedFamily["metrics"][number] {
  const m = f.metrics.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (!m) throw new Error(`${f.name}: no sample with ${JSON.stringify(labels)}; have ${JSON.stringify(f.metrics.map((s) => s.labels))}`);
  return m;
}
