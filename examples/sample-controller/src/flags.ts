// The sample-controller's command line: flags, their defaults, Go-style
// durations, and the --help text. Parsing does no I/O besides reading the
// pod's namespace file for the --leader-elect-namespace default.

import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { parseArgs } from "node:util";
import { CONTROLLER_NAME } from "./controller-name.js";
import { isLogLevel, LOG_LEVELS, type LogLevel } from "./log.js";

const SERVICE_ACCOUNT_NAMESPACE_PATH = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";

export const USAGE = `Usage: sample-controller [flags]

Reconciles Foos (samplecontroller.kubegen.dev/v1alpha1): each Foo owns a Deployment
named spec.deploymentName with spec.replicas nginx replicas, and mirrors its
status.availableReplicas. Logs are JSON lines on stderr.

Flags:
  --kubeconfig <path>                  kubeconfig file (default: KUBECONFIG, ~/.kube/config, then in-cluster)
  --context <name>                     kubeconfig context (default: the current context)
  --namespace <ns>                     watch only this namespace (default: all namespaces)
  --workers <n>                        concurrent reconciles (default 2)
  --resync-period <duration>           informer resync (default 30s; 0 turns it off)
  --leader-elect                       run only while holding a coordination.k8s.io/v1 Lease
  --leader-elect-namespace <ns>        namespace of the Lease (default: the pod's namespace in a cluster, else "default")
  --leader-elect-id <name>             name of the Lease (default "sample-controller")
  --leader-elect-identity <id>         this replica's identity (default <hostname>_<uuid>)
  --leader-elect-lease-duration <d>    how long standbys wait before taking an unrenewed lease (default 15s)
  --leader-elect-renew-deadline <d>    how long the leader retries renewing before it gives up (default 10s)
  --leader-elect-retry-period <d>      wait between tries (default 2s)
  --health-addr <[host]:port>          /healthz, /livez and /readyz (default :8081; "0" or "off" disables)
  --shutdown-timeout <duration>        how long a shutdown may take before exiting 1 (default 30s)
  --log-level <level>                  ${LOG_LEVELS.join(", ")} (default info)
  -h, --help                           print this help

Durations are Go-style: 500ms, 15s, 1m30s.
`;

/** Parsed command line. */
export interface Flags {
  readonly kubeconfig: string | undefined;
  readonly context: string | undefined;
  readonly namespace: string | undefined;
  readonly workers: number;
  readonly resyncPeriodMs: number;
  readonly leaderElect: boolean;
  readonly leaderElectNamespace: string;
  readonly leaderElectId: string;
  readonly leaderElectIdentity: string;
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
  readonly healthAddr: { host: string | undefined; port: number } | undefined;
  readonly shutdownTimeoutMs: number;
  readonly logLevel: LogLevel;
}

/** A bad command line: printed with the usage, exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A Go-style duration (`500ms`, `15s`, `1m30s`, `0`) in milliseconds. */
export function parseDuration(flag: string, text: string): number {
  if (text === "0") return 0;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/y;
  let total = 0;
  let pos = 0;
  while (pos < text.length) {
    re.lastIndex = pos;
    const m = re.exec(text);
    if (!m) throw new UsageError(`--${flag}: ${JSON.stringify(text)} is not a duration (e.g. 500ms, 15s, 1m30s)`);
    total += Number(m[1]) * DURATION_UNITS[m[2]!]!;
    pos = re.lastIndex;
  }
  if (pos === 0) throw new UsageError(`--${flag}: empty duration`);
  return Math.round(total);
}

function parseHealthAddr(text: string): Flags["healthAddr"] {
  if (text === "0" || text === "off") return undefined;
  const colon = text.lastIndexOf(":");
  const host = colon > 0 ? text.slice(0, colon).replace(/^\[(.*)\]$/, "$1") : undefined;
  const portText = colon >= 0 ? text.slice(colon + 1) : text;
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) throw new UsageError(`--health-addr: ${JSON.stringify(text)} is not [host]:port`);
  return { host, port };
}

function inClusterNamespace(): string | undefined {
  try {
    return readFileSync(SERVICE_ACCOUNT_NAMESPACE_PATH, "utf8").trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Parses the command line; undefined means `--help` was asked for. Throws {@link UsageError}. */
export function parseFlags(argv: readonly string[]): Flags | undefined {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        kubeconfig: { type: "string" },
        context: { type: "string" },
        namespace: { type: "string" },
        workers: { type: "string", default: "2" },
        "resync-period": { type: "string", default: "30s" },
        "leader-elect": { type: "boolean", default: false },
        "leader-elect-namespace": { type: "string" },
        "leader-elect-id": { type: "string", default: CONTROLLER_NAME },
        "leader-elect-identity": { type: "string" },
        "leader-elect-lease-duration": { type: "string", default: "15s" },
        "leader-elect-renew-deadline": { type: "string", default: "10s" },
        "leader-elect-retry-period": { type: "string", default: "2s" },
        "health-addr": { type: "string", default: ":8081" },
        "shutdown-timeout": { type: "string", default: "30s" },
        "log-level": { type: "string", default: "info" },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  if (values.help) return undefined;
  const workers = Number(values.workers);
  if (!Number.isInteger(workers) || workers < 1) throw new UsageError(`--workers: must be an integer >= 1, got ${JSON.stringify(values.workers)}`);
  const level = values["log-level"];
  if (!isLogLevel(level)) throw new UsageError(`--log-level: must be one of ${LOG_LEVELS.join(", ")}, got ${JSON.stringify(level)}`);
  return {
    kubeconfig: values.kubeconfig,
    context: values.context,
    namespace: values.namespace,
    workers,
    resyncPeriodMs: parseDuration("resync-period", values["resync-period"]),
    leaderElect: values["leader-elect"],
    leaderElectNamespace: values["leader-elect-namespace"] ?? inClusterNamespace() ?? "default",
    leaderElectId: values["leader-elect-id"],
    leaderElectIdentity: values["leader-elect-identity"] ?? `${hostname()}_${randomUUID()}`,
    leaseDurationMs: parseDuration("leader-elect-lease-duration", values["leader-elect-lease-duration"]),
    renewDeadlineMs: parseDuration("leader-elect-renew-deadline", values["leader-elect-renew-deadline"]),
    retryPeriodMs: parseDuration("leader-elect-retry-period", values["leader-elect-retry-period"]),
    healthAddr: parseHealthAddr(values["health-addr"]),
    shutdownTimeoutMs: parseDuration("shutdown-timeout", values["shutdown-timeout"]),
    logLevel: level,
  };
}

