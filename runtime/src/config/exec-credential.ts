// Exec credential plugins (client-go plugin/pkg/client/auth/exec/exec.go,
// pkg/apis/clientauthentication/v1 and v1beta1). Runs the configured command
// with KUBERNETES_EXEC_INFO, parses the ExecCredential it prints, and caches
// the result until status.expirationTimestamp (forever when absent). After a
// 401 the plugin is re-run once, unless another request already rotated the
// credential. Concurrent callers share one run. kubegen never runs a plugin
// interactively: stdin is not connected, and interactiveMode Always is an error.

import { spawn } from "node:child_process";
import { redact } from "../errors/redact.js";
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

/** Runs and caches one exec plugin. */
export class ExecCredentialProvider {
  readonly config: ExecConfig;
  readonly #clock: Clock;
  readonly #where: string;
  #current: ExecCredential | undefined;
  #inflight: Promise<ExecCredential> | undefined;
  /** How many times the plugin has been run (for diagnostics and tests). */
  runs = 0;

  /**
   * @param where names the kubeconfig file and user for error messages.
   */
  constructor(config: ExecConfig, options: { clock?: Clock; where?: string } = {}) {
    this.config = config;
    this.#clock = options.clock ?? realClock;
    this.#where = options.where ?? "exec plugin";
  }

  /** The cached credential, or a fresh one when none is cached or it expired. */
  get(): Promise<ExecCredential> {
    const cur = this.#current;
    if (cur && (cur.expiresAt === undefined || this.#clock.now() < cur.expiresAt)) return Promise.resolve(cur);
    return this.#run();
  }

  /**
   * Called after a 401 with the credential the failed request used. Re-runs the
   * plugin unless the credential was already replaced; returns the credential
   * to retry with, or undefined when nothing changed.
   */
  async refreshAfterUnauthorized(used: ExecCredential): Promise<ExecCredential | undefined> {
    if (this.#current !== used) {
      const now = await this.get();
      return sameCredential(now, used) ? undefined : now;
    }
    this.#current = undefined;
    const fresh = await this.#run();
    return sameCredential(fresh, used) ? undefined : fresh;
  }

  #run(): Promise<ExecCredential> {
    this.#inflight ??= this.#exec()
      .then((cred) => {
        this.#current = cred;
        return cred;
      })
      .finally(() => {
        this.#inflight = undefined;
      });
    return this.#inflight;
  }

  async #exec(): Promise<ExecCredential> {
    const cfg = this.config;
    const fail = (msg: string, cause?: unknown): never => {
      throw new ConfigError(`${this.#where}: exec plugin ${JSON.stringify(cfg.command)}: ${msg}`, { cause });
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
    const { stdout, stderr, code, error } = await new Promise<{
      stdout: string;
      stderr: string;
      code: number | null;
      error?: NodeJS.ErrnoException;
    }>((resolve) => {
      const child = spawn(cfg.command, cfg.args ?? [], { env, stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      let err = "";
      child.stdout.setEncoding("utf8").on("data", (c: string) => (out += c));
      child.stderr.setEncoding("utf8").on("data", (c: string) => (err += c));
      child.on("error", (e: NodeJS.ErrnoException) => resolve({ stdout: out, stderr: err, code: null, error: e }));
      child.on("close", (c) => resolve({ stdout: out, stderr: err, code: c }));
    });
    const hint = cfg.installHint ? `\n${cfg.installHint}` : "";
    if (error) {
      if (error.code === "ENOENT") fail(`executable not found${hint}`, error);
      fail(`could not be run (${error.code ?? error.message})${hint}`, error);
    }
    if (code !== 0) {
      const tail = redact(stderr.trim().slice(-512));
      fail(`exited with code ${code}${tail ? `: ${tail}` : ""}${hint}`);
    }
    let parsed: {
      apiVersion?: string;
      kind?: string;
      status?: { token?: string; clientCertificateData?: string; clientKeyData?: string; expirationTimestamp?: string };
    };
    try {
      parsed = JSON.parse(stdout);
    } catch (e) {
      return fail("printed something that is not an ExecCredential JSON document", e);
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
}

function sameCredential(a: ExecCredential, b: ExecCredential): boolean {
  return a.token === b.token && a.clientCertificateData === b.clientCertificateData && a.clientKeyData === b.clientKeyData;
}
