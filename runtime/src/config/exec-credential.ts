// Exec credential plugins (client-go plugin/pkg/client/auth/exec/exec.go,
// pkg/apis/clientauthentication/v1 and v1beta1). Runs the configured command
// with KUBERNETES_EXEC_INFO, parses the ExecCredential it prints, and caches
// the result until status.expirationTimestamp (forever when absent). After a
// 401 the plugin is re-run once, unless another request already rotated the
// credential. Concurrent callers share one run. kubegen never runs a plugin
// interactively: stdin is not connected, and interactiveMode Always is an error.
//
// Lifetime of a run (kubegen's own rules; client-go waits for the plugin with
// no limit of its own):
//   - each caller may pass an AbortSignal (the request's abort or timeout). A
//     caller whose signal aborts stops waiting at once; when every caller
//     waiting for a run has gone, the plugin is stopped.
//   - a run that takes longer than `timeoutMs` (DEFAULT_EXEC_PLUGIN_TIMEOUT_MS,
//     60 s) fails with an error saying the plugin did not answer in time, and
//     the plugin is stopped.
//   - stopping means SIGTERM, then SIGKILL if it is still running after
//     `killGraceMs` (DEFAULT_EXEC_PLUGIN_KILL_GRACE_MS, 2 s).
// The plugin's stderr is passed through to this process's stderr as it comes
// (client-go hands the plugin the terminal's stderr) and never copied into an
// error: plugins print diagnostics there that may include secrets. What a
// plugin issues (its token and client key) is registered with the redactor
// (errors/redact.ts) as soon as stdout is parsed, before anything about it is
// checked or reported.

import { spawn, type ChildProcess } from "node:child_process";
import { registerSecret } from "../errors/redact.js";
import { realClock, type Clock } from "../util/clock.js";
import { ConfigError, type ExecConfig } from "./rest-config.js";

/** What a plugin returned: a bearer token and/or a client certificate. */
export interface ExecCredential {
  token?: string;
  clientCertificateData?: string;
  clientKeyData?: string;
  /** Expiry on the provider's clock (ms), or undefined for no expiry. */
  expiresAt?: number;
}

/** How long one plugin run may take before it is stopped and fails (60 s). */
export const DEFAULT_EXEC_PLUGIN_TIMEOUT_MS = 60_000;

/** How long a plugin has to exit after SIGTERM before it gets SIGKILL (2 s). */
export const DEFAULT_EXEC_PLUGIN_KILL_GRACE_MS = 2_000;

/** setTimeout cannot wait longer than this; a longer cap means no cap. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Options of an {@link ExecCredentialProvider}. */
export interface ExecCredentialProviderOptions {
  /** Clock for credential expiry (default realClock). Run deadlines always use real time. */
  clock?: Clock;
  /** Names the kubeconfig file and user for error messages. */
  where?: string;
  /**
   * The most one plugin run may take, in ms (default
   * {@link DEFAULT_EXEC_PLUGIN_TIMEOUT_MS}); 0, a negative or a non-finite
   * value removes the cap.
   */
  timeoutMs?: number;
  /** Time between SIGTERM and SIGKILL when a plugin is stopped (default {@link DEFAULT_EXEC_PLUGIN_KILL_GRACE_MS}). */
  killGraceMs?: number;
  /** Where the plugin's stderr goes (default process.stderr). */
  stderr?: NodeJS.WritableStream;
}

/** One plugin run and the callers waiting for it. */
interface Run {
  promise: Promise<ExecCredential>;
  /** Stops the run (kills the plugin) with `reason`. */
  cancel(reason: unknown): void;
  /** Callers still waiting; a caller without a signal never leaves. */
  waiters: number;
}

/** How a plugin process ended. */
type Ended =
  | { kind: "exited"; stdout: string; code: number | null; signal: NodeJS.Signals | null }
  | { kind: "spawn-failed"; error: NodeJS.ErrnoException };

/** Runs and caches one exec plugin. */
export class ExecCredentialProvider {
  readonly config: ExecConfig;
  readonly #clock: Clock;
  readonly #where: string;
  readonly #timeoutMs: number;
  readonly #killGraceMs: number;
  readonly #stderr: NodeJS.WritableStream;
  #current: ExecCredential | undefined;
  #inflight: Run | undefined;
  /** How many times the plugin has been run (for diagnostics and tests). */
  runs = 0;

  constructor(config: ExecConfig, options: ExecCredentialProviderOptions = {}) {
    this.config = config;
    this.#clock = options.clock ?? realClock;
    this.#where = options.where ?? "exec plugin";
    const cap = options.timeoutMs ?? DEFAULT_EXEC_PLUGIN_TIMEOUT_MS;
    this.#timeoutMs = cap > 0 && cap <= MAX_TIMER_MS ? cap : 0;
    this.#killGraceMs = Math.min(Math.max(0, options.killGraceMs ?? DEFAULT_EXEC_PLUGIN_KILL_GRACE_MS), MAX_TIMER_MS);
    this.#stderr = options.stderr ?? process.stderr;
  }

  /**
   * The cached credential, or a fresh one when none is cached or it expired.
   * If `signal` aborts first, rejects with its reason (and stops the plugin
   * when no other caller waits for the same run).
   */
  get(signal?: AbortSignal): Promise<ExecCredential> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const cur = this.#current;
    if (cur && (cur.expiresAt === undefined || this.#clock.now() < cur.expiresAt)) return Promise.resolve(cur);
    return this.#join(signal);
  }

  /**
   * Called after a 401 with the credential the failed request used. Re-runs the
   * plugin unless the credential was already replaced; returns the credential
   * to retry with, or undefined when nothing changed. `signal` works as in {@link get}.
   */
  async refreshAfterUnauthorized(used: ExecCredential, signal?: AbortSignal): Promise<ExecCredential | undefined> {
    if (this.#current !== used) {
      const now = await this.get(signal);
      return sameCredential(now, used) ? undefined : now;
    }
    this.#current = undefined;
    const fresh = await this.#join(signal);
    return sameCredential(fresh, used) ? undefined : fresh;
  }

  /** Waits for the run in flight (starting one if none is), until it settles or `signal` aborts. */
  #join(signal: AbortSignal | undefined): Promise<ExecCredential> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const run = (this.#inflight ??= this.#start());
    run.waiters++;
    if (!signal) return run.promise;
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        reject(signal.reason);
        if (--run.waiters === 0) {
          // nobody wants this run any more: a later caller starts afresh
          if (this.#inflight === run) this.#inflight = undefined;
          run.cancel(signal.reason);
        }
      };
      signal.addEventListener("abort", onAbort, { once: true });
      run.promise.then(
        (cred) => {
          signal.removeEventListener("abort", onAbort);
          resolve(cred);
        },
        (err: unknown) => {
          signal.removeEventListener("abort", onAbort);
          reject(err);
        },
      );
    });
  }

  #start(): Run {
    const stop = new AbortController();
    const run: Run = {
      waiters: 0,
      cancel: (reason) => stop.abort(reason),
      promise: this.#exec(stop.signal)
        .then((cred) => {
          this.#current = cred;
          return cred;
        })
        .finally(() => {
          if (this.#inflight === run) this.#inflight = undefined;
        }),
    };
    // callers that left early no longer listen; the rejection is not unhandled
    run.promise.catch(() => {});
    return run;
  }

  /** A ConfigError about this plugin, prefixed with the kubeconfig file and user. */
  #error(msg: string, cause?: unknown): ConfigError {
    const message = `${this.#where}: exec plugin ${JSON.stringify(this.config.command)}: ${msg}`;
    return new ConfigError(message, cause === undefined ? undefined : { cause });
  }

  async #exec(stop: AbortSignal): Promise<ExecCredential> {
    const cfg = this.config;
    const fail = (msg: string, cause?: unknown): never => {
      throw this.#error(msg, cause);
    };
    if (cfg.interactiveMode === "Always") {
      fail("interactiveMode is Always, but kubegen runs credential plugins without a terminal");
    }
    const execInfo = {
      apiVersion: cfg.apiVersion,
      kind: "ExecCredential",
      spec: { interactive: false, ...(cfg.provideClusterInfo && cfg.cluster ? { cluster: cfg.cluster } : {}) },
    };
    const env: Record<string, string | undefined> = { ...process.env };
    for (const e of cfg.env ?? []) env[e.name] = e.value;
    env.KUBERNETES_EXEC_INFO = JSON.stringify(execInfo);
    this.runs++;
    const ended = await this.#spawn(env, stop);
    const hint = cfg.installHint ? `\n${cfg.installHint}` : "";
    if (ended.kind === "spawn-failed") {
      const error = ended.error;
      if (error.code === "ENOENT") fail(`executable not found${hint}`, error);
      return fail(`could not be run (${error.code ?? error.message})${hint}`, error);
    }
    const stderrNote = "(its stderr was passed through to this process's stderr)";
    if (ended.signal) fail(`was killed by ${ended.signal} ${stderrNote}${hint}`);
    if (ended.code !== 0) fail(`exited with code ${ended.code} ${stderrNote}${hint}`);
    const stdout = ended.stdout;
    if (stdout.trim() === "") {
      fail(`exited with code 0 but printed nothing on stdout (an ExecCredential JSON document was expected) ${stderrNote}`);
    }
    let parsed: {
      apiVersion?: string;
      kind?: string;
      status?: { token?: string; clientCertificateData?: string; clientKeyData?: string; expirationTimestamp?: string };
    };
    const notJson = "printed something that is not an ExecCredential JSON document";
    try {
      parsed = JSON.parse(stdout);
    } catch {
      // no cause: JSON.parse's message quotes the text, and stdout carries the credential
      return fail(notJson);
    }
    if (parsed === null || typeof parsed !== "object") return fail(notJson);
    if (typeof parsed.status === "object" && parsed.status !== null) {
      registerSecret(parsed.status.token);
      registerSecret(parsed.status.clientKeyData);
    }
    if (parsed.kind !== "ExecCredential") fail(`printed kind ${JSON.stringify(parsed.kind)}, expected ExecCredential`);
    if (parsed.apiVersion !== cfg.apiVersion) {
      fail(`printed apiVersion ${JSON.stringify(parsed.apiVersion)}, expected ${JSON.stringify(cfg.apiVersion)}`);
    }
    const status = parsed.status;
    if (!status) return fail("printed an ExecCredential without status");
    const hasCert = !!status.clientCertificateData;
    const hasKey = !!status.clientKeyData;
    if (hasCert !== hasKey) fail("returned only one of clientCertificateData and clientKeyData");
    if (!status.token && !hasCert) fail("returned neither a token nor a client certificate");
    const cred: ExecCredential = {};
    if (status.token) cred.token = status.token;
    if (hasCert) {
      cred.clientCertificateData = status.clientCertificateData!;
      cred.clientKeyData = status.clientKeyData!;
    }
    if (status.expirationTimestamp) {
      const t = Date.parse(status.expirationTimestamp);
      if (Number.isNaN(t)) fail(`returned an invalid expirationTimestamp ${JSON.stringify(status.expirationTimestamp)}`);
      cred.expiresAt = t;
    }
    return cred;
  }

  /**
   * Runs the plugin and resolves with how it ended. Rejects with `stop`'s
   * reason when it aborts, or with a ConfigError when the run outlives the
   * cap; in both cases the plugin is stopped in the background.
   */
  #spawn(env: Record<string, string | undefined>, stop: AbortSignal): Promise<Ended> {
    const cfg = this.config;
    return new Promise<Ended>((resolve, reject) => {
      if (stop.aborted) {
        reject(stop.reason);
        return;
      }
      let child: ChildProcess;
      try {
        child = spawn(cfg.command, cfg.args ?? [], { env, stdio: ["ignore", "pipe", "pipe"] });
      } catch (err) {
        resolve({ kind: "spawn-failed", error: err as NodeJS.ErrnoException });
        return;
      }
      let settled = false;
      let capTimer: NodeJS.Timeout | undefined;
      const settle = (then: () => void): void => {
        if (settled) return;
        settled = true;
        if (capTimer) clearTimeout(capTimer);
        stop.removeEventListener("abort", onAbort);
        then();
      };
      const terminate = (): void => {
        child.stdout?.destroy();
        child.stderr?.destroy();
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill("SIGTERM");
        // The child's own handle keeps the event loop running until it exits,
        // so this escalation needs no hold of its own.
        const escalate = setTimeout(() => {
          if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
        }, this.#killGraceMs);
        escalate.unref();
        child.once("exit", () => clearTimeout(escalate));
      };
      const onAbort = (): void => {
        settle(() => reject(stop.reason));
        terminate();
      };
      stop.addEventListener("abort", onAbort, { once: true });
      if (this.#timeoutMs > 0) {
        const ms = this.#timeoutMs;
        capTimer = setTimeout(() => {
          const how = `SIGTERM, then SIGKILL after ${formatSeconds(this.#killGraceMs)} s`;
          settle(() => reject(this.#error(`did not answer within ${formatSeconds(ms)} s; it was stopped (${how})`)));
          terminate();
        }, ms);
        capTimer.unref();
      }
      const out: Buffer[] = [];
      child.stdout!.on("data", (c: Buffer) => out.push(c));
      child.stderr!.on("data", (c: Buffer) => {
        try {
          this.#stderr.write(c);
        } catch {
          // a broken stderr must not fail the credential
        }
      });
      // stream errors after terminate() destroyed them are expected
      child.stdout!.on("error", () => {});
      child.stderr!.on("error", () => {});
      child.on("error", (error: NodeJS.ErrnoException) => settle(() => resolve({ kind: "spawn-failed", error })));
      child.on("close", (code, signal) =>
        settle(() => resolve({ kind: "exited", stdout: Buffer.concat(out).toString("utf8"), code, signal })),
      );
    });
  }
}

function formatSeconds(ms: number): string {
  return String(Math.round(ms) / 1000);
}

function sameCredential(a: ExecCredential, b: ExecCredential): boolean {
  return a.token === b.token && a.clientCertificateData === b.clientCertificateData && a.clientKeyData === b.clientKeyData;
}
