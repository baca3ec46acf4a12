// The fuzz harness: configuration from the environment, one guarded
// generate() per case with the untrusted-input contract checked, and batches
// of resolved outputs that are type-checked (a sample, in one compiler
// program) and loaded (all, in one child process).
//
// The contract (DESIGN.md "Safety rules"): every input either fails with a
// SchemaError whose diagnostics each name the input file, a JSON pointer and
// a message, and nothing is written; or it produces output that type-checks
// under strict and loads without side effects. Anything else (another error
// class, a hang, a crash of the loader) is a failure.
//
// Environment:
//   KUBEGEN_FUZZ_SEED       fast-check seed (an integer; default a fixed one, so `make test` is deterministic)
//   KUBEGEN_FUZZ_RUNS       cases in all, shared out among the properties by weight (default 300)
//   KUBEGEN_FUZZ_PATH       replay one case: the path a failure printed (use with -t to pick the property)
//   KUBEGEN_FUZZ_TYPECHECK  outputs type-checked per batch (default 20; all of them when replaying)
//   KUBEGEN_FUZZ_KEEP=1     keep the work folder (inputs and outputs) even when everything passed
//   KUBEGEN_FUZZ_DEBUG=1    print how often each diagnostic was seen (to tune the arbitraries)
//   KUBEGEN_FUZZ_DUMP=<file>  also append each property's failure to this file (the test runner's output can be long)
//   KUBEGEN_FUZZ_ALLOW_KNOWN=1  count the KNOWN_ISSUES below instead of failing on them, so a long run can find others
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative, resolve, sep } from "node:path";
import fc from "fast-check";
import { generate, SchemaError, UsageError } from "../../../generators/index.js";
import { filesUnder, loadModules } from "./load-modules.js";
import { typecheckOutputs } from "./typecheck-outputs.js";

export const DEFAULT_SEED = 1_802_855_013;
export const DEFAULT_RUNS = 300;
/** Shrinking budget after a failure: candidates, and time. */
const SHRINK_ATTEMPTS = 300;
const SHRINK_MS = 120_000;

function intFromEnv(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < min) throw new Error(`${name}=${JSON.stringify(raw)} is not an integer >= ${min}`);
  return n;
}

/**
 * Contract breaches found by this fuzzer and reported, not yet fixed. They fail
 * the property like any other breach, unless KUBEGEN_FUZZ_ALLOW_KNOWN=1, which
 * counts them instead (so a long run can look for new ones). Remove an entry
 * when its bug is fixed.
 */
export interface KnownIssue {
  readonly id: string;
  readonly summary: string;
  /** The error generate() rejects with in this issue. */
  readonly matches?: (e: unknown) => boolean;
  /** An output folder this issue breaks (it fails to type-check or load), given the problems found in it. */
  readonly breaksOutput?: (out: string, problems: readonly string[]) => boolean;
}

/** The version folders of an output (`<out>/<group>/<version>`). */
function versionFolders(out: string): string[] {
  return readdirSync(out, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .flatMap((g) => readdirSync(join(out, g.name), { withFileTypes: true }).filter((v) => v.isDirectory()).map((v) => v.name));
}

export const KNOWN_ISSUES: readonly KnownIssue[] = [];

/** What this run does, read once from the environment. */
export interface FuzzConfig {
  readonly seed: number;
  readonly runs: number;
  readonly path?: string;
  readonly typecheckPerBatch: number;
  /** Resolved outputs per batch (type-check sample and load), so disk use stays bounded on long runs. */
  readonly batchSize: number;
  /** A case that has not settled after this long fails. */
  readonly caseTimeoutMs: number;
  readonly keep: boolean;
  readonly debug: boolean;
  readonly allowKnown: boolean;
}

export function fuzzConfig(): FuzzConfig {
  const path = process.env.KUBEGEN_FUZZ_PATH?.trim();
  if (path && !/^\d+(:\d+)*$/.test(path)) throw new Error(`KUBEGEN_FUZZ_PATH=${JSON.stringify(path)} is not a fast-check path (e.g. 12 or 12:0:3)`);
  return {
    seed: intFromEnv("KUBEGEN_FUZZ_SEED", DEFAULT_SEED, -(2 ** 31)) | 0,
    runs: intFromEnv("KUBEGEN_FUZZ_RUNS", DEFAULT_RUNS, 1),
    ...(path ? { path } : {}),
    typecheckPerBatch: intFromEnv("KUBEGEN_FUZZ_TYPECHECK", 20, 0),
    batchSize: 200,
    caseTimeoutMs: 30_000,
    keep: process.env.KUBEGEN_FUZZ_KEEP === "1",
    debug: process.env.KUBEGEN_FUZZ_DEBUG === "1",
    allowKnown: process.env.KUBEGEN_FUZZ_ALLOW_KNOWN === "1",
  };
}

/** This property's share of the runs (at least 1). */
export function runsFor(config: FuzzConfig, weight: number, totalWeight: number): number {
  return Math.max(1, Math.round((config.runs * weight) / totalWeight));
}

/** How to replay a case of a property. */
export function reproduce(config: FuzzConfig, testName: string, path: string | number): string {
  return `KUBEGEN_FUZZ_SEED=${config.seed} KUBEGEN_FUZZ_PATH=${path} npx vitest run --project unit test/unit/generators/fuzz.test.ts -t ${JSON.stringify(testName)}`;
}

/** One fuzz input: a file for --crd or --openapi. */
export interface FuzzInput {
  readonly flag: "crd" | "openapi";
  /** File name inside the case folder (what diagnostics must name). */
  readonly name: string;
  readonly text: string;
  /** True when the input may legitimately define no types (a UsageError "defines no types"): no document is a CRD. */
  readonly mayDefineNothing: boolean;
}

interface Output {
  readonly path: string;
  readonly dir: string;
  readonly out: string;
}

/** A problem found after the property ran (type-checking or loading), tied to the case it came from. */
export interface BatchFailure {
  readonly path: string;
  readonly dir: string;
  readonly problem: string;
}

function describeError(e: unknown): string {
  if (e instanceof Error) return `${e.constructor.name}: ${e.message}\n${e.stack ?? ""}`;
  return `a non-Error value ${JSON.stringify(e)}`;
}

/** A small deterministic PRNG (mulberry32) for choosing the type-check sample. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function sample<T>(items: readonly T[], n: number, random: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy.slice(0, n);
}

/**
 * One property's run: its cases' folders, the batch of resolved outputs, the
 * failures found in batches, and counts for the summary.
 */
export class FuzzRun {
  readonly stats = { cases: 0, rejected: 0, resolved: 0, definedNothing: 0, typechecked: 0, loaded: 0, modules: 0, slowestMs: 0, generateMs: 0, typecheckMs: 0, loadMs: 0 };
  readonly failures: BatchFailure[] = [];
  /** KUBEGEN_FUZZ_DEBUG=1: how often each diagnostic (values masked) was seen, to tune the arbitraries. */
  readonly reasons = new Map<string, number>();
  /** KUBEGEN_FUZZ_ALLOW_KNOWN=1: cases that hit each known issue. */
  readonly known = new Map<string, number>();
  /** Case folders kept for a report (failing cases). */
  readonly kept: string[] = [];
  #pending: Output[] = [];
  #batches = 0;

  constructor(
    readonly config: FuzzConfig,
    readonly label: string,
    readonly work: string,
    readonly canary: string,
  ) {
    mkdirSync(join(work, label), { recursive: true });
  }

  /** The fast-check path of the n-th case run (n counts from 0; only meaningful while nothing has failed, i.e. before shrinking). */
  #pathOf(n: number): string {
    return this.config.path ?? String(n);
  }

  /** Runs generate() on one input and checks the contract; throws (failing the property) when it is broken. */
  async case(input: FuzzInput): Promise<void> {
    const n = this.stats.cases++;
    const dir = join(this.work, this.label, String(n));
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, input.name), input.text);
    const out = join(dir, "out");
    const fail = (what: string): never => {
      this.kept.push(dir);
      throw new Error(`${what}\n  input: ${join(dir, input.name)}`);
    };
    let timer: NodeJS.Timeout | undefined;
    const started = performance.now();
    const settled = await Promise.race([
      generate({ [input.flag]: [input.name], out: "out", cwd: dir }).then(
        () => ({ ok: true as const }),
        (error: unknown) => ({ ok: false as const, error }),
      ),
      new Promise<"timeout">((r) => {
        timer = setTimeout(() => r("timeout"), this.config.caseTimeoutMs);
      }),
    ]);
    clearTimeout(timer);
    const ms = performance.now() - started;
    this.stats.generateMs += ms;
    this.stats.slowestMs = Math.max(this.stats.slowestMs, ms);
    if (settled === "timeout") return fail(`generate() did not settle within ${this.config.caseTimeoutMs / 1000} s`);
    // A synchronous loop blocks the timer too; a case that took longer than the guard fails all the same.
    if (ms > this.config.caseTimeoutMs) return fail(`generate() took ${(ms / 1000).toFixed(1)} s (the guard is ${this.config.caseTimeoutMs / 1000} s)`);
    if (existsSync(this.canary)) return fail("the canary file exists: a payload ran during generate()");
    if (!settled.ok) {
      const e = settled.error;
      const known = this.config.allowKnown ? KNOWN_ISSUES.find((k) => k.matches?.(e)) : undefined;
      if (e instanceof UsageError && input.mayDefineNothing && /defines no types/.test(e.message)) {
        this.stats.definedNothing++;
      } else if (known) {
        this.known.set(known.id, (this.known.get(known.id) ?? 0) + 1);
      } else if (e instanceof SchemaError) {
        this.#checkSchemaError(e, input, dir, fail);
        this.stats.rejected++;
        if (this.config.debug) {
          for (const d of new Set(e.diagnostics.map((d) => d.message.replace(/"(?:[^"\\]|\\.)*"/g, "Q").replace(/\d+/g, "N").slice(0, 90)))) {
            this.reasons.set(d, (this.reasons.get(d) ?? 0) + 1);
          }
        }
      } else {
        return fail(`generate() rejected with ${describeError(e)}\n(expected a SchemaError, or success)`);
      }
      const left = readdirSync(dir).filter((f) => f !== input.name);
      if (left.length > 0) return fail(`generate() failed but left ${JSON.stringify(left)} in the case folder (the output folder must not be created)`);
      rmSync(dir, { recursive: true, force: true });
      return;
    }
    if (!existsSync(out)) return fail("generate() resolved but wrote no output folder");
    this.stats.resolved++;
    this.#pending.push({ path: this.#pathOf(n), dir, out });
    if (this.#pending.length >= this.config.batchSize) this.flush();
  }

  #checkSchemaError(e: SchemaError, input: FuzzInput, dir: string, fail: (what: string) => never): void {
    const ds: unknown = e.diagnostics;
    if (!Array.isArray(ds) || ds.length === 0) fail(`SchemaError without diagnostics: ${e.message}`);
    for (const d of ds as unknown[]) {
      const bad = (why: string): never => fail(`SchemaError diagnostic ${JSON.stringify(d)}: ${why}\n${e.message}`);
      if (typeof d !== "object" || d === null) bad("not an object");
      const { file, pointer, message, severity } = d as Record<string, unknown>;
      if (typeof file !== "string" || file === "") bad("no file");
      if (file !== input.name && resolve(dir, file as string) !== resolve(dir, input.name)) bad(`the file does not name the input ${JSON.stringify(input.name)}`);
      if (typeof pointer !== "string") bad("the pointer is not a string");
      if (pointer !== "" && !(pointer as string).startsWith("/")) bad("the pointer is not a JSON pointer (empty or starting with /)");
      if (typeof message !== "string" || message.trim() === "") bad("no message");
      if (severity !== "error") bad(`severity ${JSON.stringify(severity)} in a SchemaError`);
    }
  }

  /** Type-checks a sample of the pending outputs in one program and loads all of them in one child process. Records failures. */
  flush(): void {
    const batch = this.#pending;
    this.#pending = [];
    if (batch.length === 0) return;
    const random = prng(this.config.seed ^ (this.#batches++ * 0x9e3779b1));
    const checked = this.config.path !== undefined ? batch : sample(batch, this.config.typecheckPerBatch, random);
    const problems = new Map<Output, string[]>();
    /** Each type error and load failure alone, for KNOWN_ISSUES to recognise. */
    const raw = new Map<Output, string[]>();
    const record = (o: Output, problem: string, details: readonly string[] = [problem]): void => {
      problems.set(o, [...(problems.get(o) ?? []), problem]);
      raw.set(o, [...(raw.get(o) ?? []), ...details]);
    };
    const owner = (file: string): Output | undefined => batch.find((o) => file.startsWith(o.out + sep));
    const t0 = performance.now();
    if (checked.length > 0) {
      const { errors } = typecheckOutputs(checked.map((o) => o.out));
      this.stats.typechecked += checked.length;
      const byCase = new Map<Output, string[]>();
      for (const e of errors) {
        const o = owner(e) ?? checked[0]!;
        byCase.set(o, [...(byCase.get(o) ?? []), e.startsWith(o.out) ? relative(o.out, e) : e]);
      }
      for (const [o, es] of byCase) record(o, `${es.length} type errors under strict:\n    ${es.slice(0, 8).join("\n    ")}`, es);
    }
    const t1 = performance.now();
    this.stats.typecheckMs += t1 - t0;
    const r = loadModules(batch.map((o) => o.out), this.work, this.canary);
    this.stats.loadMs += performance.now() - t1;
    this.stats.loaded += batch.length;
    this.stats.modules += r.modules;
    for (const f of r.failures) {
      const o = owner(f.module);
      if (o) record(o, `loading ${relative(o.out, f.module)} failed: ${f.error.split("\n").slice(0, 6).join("\n      ")}`);
    }
    for (const f of r.newFiles) {
      const o = owner(f);
      if (o) record(o, `loading wrote ${relative(o.out, f)}`);
    }
    if (r.canary) {
      // The child ran every batch's modules: name them all (the canary says a payload ran, not which).
      for (const o of batch) record(o, "the canary file exists after loading: a payload ran");
      rmSync(this.canary, { force: true });
    }
    if (r.code !== 0 && r.failures.length === 0) {
      for (const o of batch) record(o, `the loader exited with ${r.code}: ${r.output.slice(-2000)}`);
    }
    for (const o of batch) {
      const ps = problems.get(o);
      const known = ps && this.config.allowKnown ? KNOWN_ISSUES.find((k) => k.breaksOutput?.(o.out, raw.get(o) ?? [])) : undefined;
      if (known) this.known.set(known.id, (this.known.get(known.id) ?? 0) + 1);
      else if (ps) this.failures.push({ path: o.path, dir: o.dir, problem: [...ps.slice(0, 4), ...(ps.length > 4 ? [`(${ps.length - 4} more)`] : [])].join("\n  ") });
      if (ps && !known) this.kept.push(o.dir);
      else if (!this.config.keep) rmSync(o.dir, { recursive: true, force: true });
    }
  }

  /**
   * Runs the property with fc.check (fixed seed, the configured count or
   * replay path), flushes the last batch, and throws one error naming the seed,
   * the path and how to replay, for a property failure or for batch failures.
   */
  async check<T>(testName: string, arb: fc.Arbitrary<T>, runCase: (value: T) => Promise<void>, numRuns: number): Promise<string> {
    // Shrinking re-runs generate() for every candidate; after a failure it gets a bounded budget
    // (candidates past it pass at once, so fast-check settles on the smallest failure found so far).
    let failedAt: number | undefined;
    let shrinks = 0;
    const details = await fc.check(
      fc.asyncProperty(arb, async (v) => {
        if (failedAt !== undefined && (++shrinks > SHRINK_ATTEMPTS || performance.now() - failedAt > SHRINK_MS)) return;
        try {
          await runCase(v);
        } catch (e) {
          failedAt ??= performance.now();
          throw e;
        }
      }),
      // Replaying a path runs that one case (fast-check would go on with the runs after it).
      { seed: this.config.seed, ...(this.config.path !== undefined ? { path: this.config.path, numRuns: 1 } : { numRuns }) },
    );
    if (details.failed) {
      this.#pending = []; // outputs of cases run while shrinking: not of interest
      const report = fc.defaultReportMessage(details) ?? "the property failed";
      throw new Error(
        `fuzz property ${JSON.stringify(testName)} failed (seed ${details.seed}, path ${JSON.stringify(details.counterexamplePath)}).\n` +
          `Replay: ${reproduce(this.config, testName, details.counterexamplePath ?? "")}\n` +
          `Case folders kept: ${this.kept.slice(-3).join(", ")}\n\n${report}\n\nThe failure of the counterexample:\n${describeError(details.errorInstance)}`,
      );
    }
    this.flush();
    const s = this.stats;
    const summary =
      `${this.label}: seed ${this.config.seed}, ${s.cases} cases: ${s.rejected} SchemaErrors, ${s.resolved} generated, ${s.definedNothing} defined nothing; ` +
      `${s.typechecked} type-checked, ${s.loaded} loaded (${s.modules} modules); slowest case ${(s.slowestMs / 1000).toFixed(2)} s; ` +
      `seconds generating ${(s.generateMs / 1000).toFixed(1)}, type-checking ${(s.typecheckMs / 1000).toFixed(1)}, loading ${(s.loadMs / 1000).toFixed(1)}` +
      (this.known.size > 0 ? `; known issues hit: ${[...this.known].map(([id, n]) => `${id} ${n}`).join(", ")}` : "");
    if (this.config.debug) {
      const top = [...this.reasons].sort((a, b) => b[1] - a[1]).slice(0, 25);
      console.log(`${this.label}: diagnostics seen (cases):\n${top.map(([m, n]) => `  ${n}  ${m}`).join("\n")}`);
    }
    if (this.failures.length > 0) {
      const lines = this.failures.slice(0, 20).map((f) => `- path ${f.path} (${f.dir})\n  replay: ${reproduce(this.config, testName, f.path)}\n  ${f.problem}`);
      throw new Error(`fuzz property ${JSON.stringify(testName)}: ${this.failures.length} problems in generated output (seed ${this.config.seed}).\n${lines.join("\n")}\n\n${summary}`);
    }
    return summary;
  }
}
