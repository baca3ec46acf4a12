// The metrics checker: test/metrics-checker, a Go program that parses a
// Prometheus text exposition with Prometheus' own parser (expfmt) and prints
// the families as JSON. `make envtest` builds it (test/metrics-checker/build.sh)
// into a cache folder named by a hash of its sources; this finds it the same
// way, or takes KUBEGEN_METRICS_CHECKER. Tests skip without it, except under
// CI=true, where a missing checker is a failure.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { accessSync, constants, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const source = join(dirname(fileURLToPath(import.meta.url)), "..", "metrics-checker");

export type CheckerLookup = { found: true; path: string } | { found: false; reason: string };

function executable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Where the metrics checker binary is, or why it is not there. */
export function findMetricsChecker(env = process.env): CheckerLookup {
  if (env.KUBEGEN_METRICS_CHECKER) {
    const p = env.KUBEGEN_METRICS_CHECKER;
    return executable(p) ? { found: true, path: p } : { found: false, reason: `KUBEGEN_METRICS_CHECKER=${p} is missing or not executable` };
  }
  const root = env.KUBEGEN_METRICS_CHECKER_DIR ?? join(homedir(), ".cache", "kubegen", "metrics-checker");
  const hash = createHash("sha256");
  for (const f of ["main.go", "go.mod", "go.sum"]) hash.update(readFileSync(join(source, f)));
  const path = join(root, hash.digest("hex").slice(0, 16), "metrics-checker");
  if (executable(path)) return { found: true, path };
  return { found: false, reason: `the metrics checker is not built for the current sources (${path}): run \`make envtest\`` };
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
