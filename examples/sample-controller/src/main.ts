// The sample-controller command: flags, config, clients, informers, leader
// election, health endpoints, JSON logs and a clean shutdown around
// controller.ts. Mirrors sample-controller main.go (kubeconfig flag, two
// informer factories with a 30 s resync, 2 workers) plus what a production
// controller adds (kube-controller-manager's --leader-elect* flags, /healthz
// and /readyz).
//
// Shutdown on SIGTERM or SIGINT, in this order: stop taking keys, let the
// reconciles in flight finish, flush queued events, release the Lease (so a
// standby takes over at once), stop informers, close the health server, exit
// 0. A second signal exits 1 at once. Losing the lease drains the same way
// and exits 1 (a lost leader never campaigns again, as in client-go).

import {
  EventRecorder,
  LeaderElector,
  LeaseLock,
  RestClient,
  RestLeaseClient,
  loadConfig,
  startHealthServer,
  type HealthServer,
} from "@kubegen/runtime";
import { CONTROLLER_NAME, SampleController } from "./controller.js";
import { Clientset as KubeClientset, SharedInformerFactory as KubeInformerFactory } from "./k8s/index.js";
import { Clientset as SampleClientset, SharedInformerFactory as SampleInformerFactory } from "./generated/index.js";
import { parseFlags, USAGE, type Flags } from "./flags.js";
import { jsonLogger, type JsonLogger } from "./log.js";

/** Runs the controller until a signal (or a lost lease); resolves with the exit code. */
export async function run(flags: Flags, log: JsonLogger): Promise<number> {
  const config = await loadConfig({
    ...(flags.kubeconfig ? { kubeconfigPath: flags.kubeconfig } : {}),
    ...(flags.context ? { context: flags.context } : {}),
  });
  config.userAgent = `${CONTROLLER_NAME}/0.1.0`;
  const rest = new RestClient(config);
  const leaseRest = new RestClient(config); // renewals never wait behind controller traffic
  const kube = new KubeClientset(rest);
  const sample = new SampleClientset(rest);
  const factoryOptions = { resyncPeriodMs: flags.resyncPeriodMs, ...(flags.namespace ? { namespace: flags.namespace } : {}) };
  const kubeInformers = new KubeInformerFactory(kube, factoryOptions);
  const sampleInformers = new SampleInformerFactory(sample, factoryOptions);
  const identity = flags.leaderElectIdentity;
  const recorder = new EventRecorder({
    client: rest,
    reportingController: CONTROLLER_NAME,
    reportingInstance: `${CONTROLLER_NAME}-${identity}`,
    logger: log.with({ component: "events" }),
  });
  const controller = new SampleController({
    kube,
    sample,
    kubeInformers,
    sampleInformers,
    recorder,
    logger: log.with({ component: "controller" }),
    workers: flags.workers,
  });

  // stop: no more keys (signal, lost lease, failure). Its reason says why.
  const stop = new AbortController();
  const stopped = new Promise<void>((resolve) => stop.signal.addEventListener("abort", () => resolve(), { once: true }));
  let exitCode = 0;
  let signals = 0;
  const onSignal = (name: NodeJS.Signals): void => {
    signals++;
    if (signals > 1) {
      log.error("second signal; exiting without a clean shutdown", { signal: name });
      process.exit(1);
    }
    log.info("signal received; shutting down", { signal: name });
    stop.abort(new Error(`${name} received`));
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);

  let workDone: Promise<void> = Promise.resolve();
  const startWork = (signal: AbortSignal): Promise<void> => {
    kubeInformers.start(signal);
    sampleInformers.start(signal);
    workDone = controller.run(signal).catch((err: unknown) => {
      log.error("controller failed", { error: err });
      exitCode = 1;
      stop.abort(err);
    });
    return workDone;
  };

  let elector: LeaderElector | undefined;
  let health: HealthServer | undefined;
  if (flags.healthAddr) {
    health = await startHealthServer({
      port: flags.healthAddr.port,
      ...(flags.healthAddr.host ? { host: flags.healthAddr.host } : {}),
      // client-go's leader election health adaptor allows 20 s past the lease.
      checks: { "leader-election": () => elector?.check(20_000) === undefined },
      readyChecks: { controller: () => (elector && !elector.isLeader() ? true : controller.healthy()) },
      logger: log.with({ component: "health" }),
    });
    log.info("health server listening", { url: health.url, port: health.port });
  }

  const deadline = (): AbortSignal => AbortSignal.timeout(flags.shutdownTimeoutMs);
  if (flags.leaderElect) {
    const lock = new LeaseLock({
      client: new RestLeaseClient(leaseRest),
      namespace: flags.leaderElectNamespace,
      name: flags.leaderElectId,
      identity,
    });
    const electorAbort = new AbortController();
    elector = new LeaderElector({
      lock,
      leaseDurationMs: flags.leaseDurationMs,
      renewDeadlineMs: flags.renewDeadlineMs,
      retryPeriodMs: flags.retryPeriodMs,
      releaseOnCancel: true,
      callbacks: {
        onStartedLeading: (leading) => {
          log.info("started leading", { identity, lease: `${flags.leaderElectNamespace}/${flags.leaderElectId}` });
          return startWork(AbortSignal.any([leading, stop.signal]));
        },
        onStoppedLeading: () => log.info("stopped leading", { identity }),
        onNewLeader: (leader) => log.info("new leader observed", { leader, self: leader === identity }),
      },
      onError: (err, during) => log.warn("leader election error", { during, error: err }),
    });
    log.info("campaigning for leadership", { identity, lease: `${flags.leaderElectNamespace}/${flags.leaderElectId}` });
    const electorDone = elector.run(electorAbort.signal);
    await Promise.race([stopped, electorDone]);
    if (!stop.signal.aborted) {
      log.error("leader election lost; stopping", { identity });
      exitCode = 1;
      stop.abort(new Error("leader election lost"));
    }
    const timeout = deadline();
    await raceTimeout(workDone, timeout, log, "draining reconciles");
    await recorder.shutdown(AbortSignal.any([timeout, AbortSignal.timeout(5_000)]));
    electorAbort.abort(stop.signal.reason);
    await raceTimeout(electorDone, timeout, log, "releasing the lease");
    if (timeout.aborted) exitCode = 1;
  } else {
    void startWork(stop.signal);
    await stopped;
    const timeout = deadline();
    await raceTimeout(workDone, timeout, log, "draining reconciles");
    await recorder.shutdown(AbortSignal.any([timeout, AbortSignal.timeout(5_000)]));
    if (timeout.aborted) exitCode = 1;
  }

  await Promise.all([kubeInformers.shutdown(), sampleInformers.shutdown()]);
  await health?.close();
  rest.close();
  leaseRest.close();
  log.info("shut down", { exitCode });
  return exitCode;
}

async function raceTimeout(p: Promise<unknown>, timeout: AbortSignal, log: JsonLogger, what: string): Promise<void> {
  if (timeout.aborted) return;
  await new Promise<void>((resolve) => {
    const onTimeout = (): void => {
      log.error("shutdown timed out", { while: what });
      resolve();
    };
    timeout.addEventListener("abort", onTimeout, { once: true });
    p.then(
      () => {
        timeout.removeEventListener("abort", onTimeout);
        resolve();
      },
      () => {
        timeout.removeEventListener("abort", onTimeout);
        resolve();
      },
    );
  });
}

async function main(): Promise<void> {
  let flags: Flags | undefined;
  try {
    flags = parseFlags(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`sample-controller: ${err instanceof Error ? err.message : String(err)}\n\n${USAGE}`);
    process.exit(2);
  }
  if (!flags) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const log = jsonLogger(flags.logLevel);
  process.on("unhandledRejection", (reason) => {
    log.error("unhandled rejection", { error: reason });
    process.exit(1);
  });
  try {
    process.exit(await run(flags, log));
  } catch (err) {
    log.error("sample-controller failed", { error: err });
    process.exit(1);
  }
}

await main();
