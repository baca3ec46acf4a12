// Leader election you can rely on, against the real kube-apiserver, with
// candidates in child processes (lease 2 s, renew deadline 1.5 s, retry 0.3 s):
//   (a) a leader SIGSTOPped for longer than its lease and then SIGCONTed does
//       no leader work after it resumes: its work loop writes a marker
//       ConfigMap only when checkLeadership() is true, stamped with the time
//       of that check; no marker is stamped after the new leader's takeover;
//   (b) Date.now stepped ±30 s inside the children (a --import preload that
//       offsets Date.now on SIGUSR1/SIGUSR2): the leader does not flap, and a
//       follower stepped −30 s takes over in the normal time;
//   (d) fencing, as the README proposes it: a leader stalled (a synchronous
//       busy loop) between reading a state ConfigMap and writing it back
//       cannot overwrite the state a later leader wrote, because the write
//       carries the resourceVersion it read and the state carries the term;
//       the same stale leader's unconditional write elsewhere is accepted
//       (leader election alone is not fencing);
//   (c) 100 forced failovers (SIGTERM: the leader steps down with
//       releaseOnCancel, then campaigns again) across 3 processes; every
//       leading interval, stamped by each child on the host's monotonic
//       timeline (performance.timeOrigin + performance.now(), untouched by the
//       Date.now shift), is disjoint from every other.
// Children report `<WHAT> <host ms>` lines on stdout. Set
// KUBEGEN_LE_RUNTIME_URL to run the children on another runtime build (e.g.
// the previous one, to see these tests fail).
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { RestClient, type LeaseSpec, type RestConfig } from "@kubegen/runtime";
import { controlPlane, useTestNamespace, type AvailableControlPlane } from "../../helpers/cluster.js";

const cp = controlPlane();
const LEASE_MS = 2_000;
const RENEW_MS = 1_500;
const RETRY_MS = 300;
const STEP_MS = 30_000;
const FAILOVERS = 100;
const figures: Record<string, number | string> = {};
const tmp = mkdtempSync(join(tmpdir(), "kubegen-le-"));
const runtimeUrl =
  process.env.KUBEGEN_LE_RUNTIME_URL ?? pathToFileURL(fileURLToPath(new URL("../../../runtime/src/index.ts", import.meta.url))).href;

function restConfig(cp: AvailableControlPlane, namespace: string): RestConfig {
  return { server: cp.server, namespace, qps: -1, burst: 0, caData: cp.caPem, certData: cp.clientCert, keyData: cp.clientKey };
}

function microToMs(t: string | undefined): number {
  const m = /^(.*T\d\d:\d\d:\d\d)\.(\d{6})Z$/.exec(t ?? "");
  if (!m) throw new Error(`not a MicroTime: ${t}`);
  return Date.parse(`${m[1]}Z`) + Number(m[2]) / 1000;
}

/** Host time on the monotonic timeline every process shares (the parent's own stamps). */
const hostNow = (): number => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs: number, context?: () => string): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined && v !== false) return v;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${context ? `; ${context()}` : ""}`);
    await sleep(5);
  }
}

/** Offsets Date.now by +STEP on SIGUSR1 and −STEP on SIGUSR2, then prints `STEPPED <host ms> <offset>`. */
const CLOCK_STEP_PRELOAD = `
const realNow = Date.now.bind(Date);
let offset = 0;
Date.now = () => realNow() + offset;
const step = (d) => () => {
  offset += d;
  process.stdout.write("STEPPED " + (performance.timeOrigin + performance.now()) + " " + offset + "\\n");
};
process.on("SIGUSR1", step(${STEP_MS}));
process.on("SIGUSR2", step(-${STEP_MS}));
`;

/**
 * A candidate. `work`: while leading, every 20 ms, if checkLeadership() is
 * true, create a marker ConfigMap stamped with the time of the check.
 * `fence`: on becoming leader, a fenced write of ConfigMap "state"; on
 * SIGUSR2, the same write with a synchronous stall between its read and its
 * write (until `resumeFile` exists, at most `stallMs`), then an
 * unconditional write of ConfigMap "unfenced".
 * `rejoin`: SIGTERM makes it step down (releaseOnCancel) and campaign again
 * after `rejoinMs`; otherwise SIGTERM ends it.
 */
const CHILD_SOURCE = `
const cfg = JSON.parse(process.env.KUBEGEN_LE_CHILD);
const rt = await import(cfg.runtimeUrl);
const [leaseDurationMs, renewDeadlineMs, retryPeriodMs] = cfg.timings;
const host = () => performance.timeOrigin + performance.now();
const say = (what, extra = "") => process.stdout.write(what + " " + host() + extra + "\\n");
const rest = new rt.RestClient({ server: cfg.server, namespace: cfg.namespace, qps: -1, burst: 0, caData: cfg.ca, certData: cfg.cert, keyData: cfg.key });
const lock = new rt.LeaseLock({ client: new rt.RestLeaseClient(rest), namespace: cfg.namespace, name: cfg.lease, identity: cfg.id });
let ac = new AbortController();
let stopping = false;
process.on("SIGTERM", () => { if (!cfg.rejoin) stopping = true; ac.abort(); });
const nap = (ms) => new Promise((r) => setTimeout(r, ms));
let seq = 0;
let elector;
const leading = () => (elector.checkLeadership ? elector.checkLeadership() : elector.isLeader());
async function work(signal) {
  for (;;) {
    await nap(20);
    if (!leading()) return;
    const at = host();
    const name = "marker-" + cfg.id + "-" + ++seq;
    await rest.request({ group: "", version: "v1", resource: "configmaps", namespace: cfg.namespace, verb: "create",
      body: { apiVersion: "v1", kind: "ConfigMap", metadata: { name, labels: { "le-marker": cfg.id } }, data: { at: String(at) } } })
      .then(() => say("WROTE", " " + at), (e) => say("WRITEFAILED", " " + JSON.stringify(String(e.message))));
  }
}
const TERM = "kubegen.dev/leader-term";
const cmRef = (name) => ({ group: "", version: "v1", resource: "configmaps", namespace: cfg.namespace, name });
async function fencedWrite(stallMs) {
  const token = elector.fencingToken();
  if (!token) return "not-leader";
  const cm = await rest.request({ ...cmRef("state"), verb: "get" });
  if (Number(cm.metadata.annotations?.[TERM] ?? -1) > token.term) return "refused-term";
  if (stallMs) {
    // a long synchronous stall: until the parent says a later leader has written (at most stallMs)
    const { existsSync } = await import("node:fs");
    const end = performance.now() + stallMs;
    while (performance.now() < end && !existsSync(cfg.resumeFile)) {}
  }
  cm.metadata.annotations = { ...cm.metadata.annotations, [TERM]: String(token.term) };
  cm.data = { holder: cfg.id, term: String(token.term) };
  try {
    await rest.request({ ...cmRef("state"), verb: "update", body: cm });
    return "wrote:" + token.term;
  } catch (e) {
    if (rt.isConflict(e)) return "refused-conflict";
    throw e;
  }
}
let stalled = Promise.resolve();
if (cfg.fence) process.on("SIGUSR2", () => {
  stalled = (async () => {
    say("STALLFENCE", " " + (await fencedWrite(cfg.stallMs).catch((e) => "error:" + e.message)));
    const body = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "unfenced" }, data: { holder: cfg.id } };
    say("UNFENCED", " " + (await rest.request({ ...cmRef("unfenced"), verb: "update", body }).then(() => "wrote", (e) => "error:" + e.message)));
  })();
});
elector = new rt.LeaderElector({
  lock, leaseDurationMs, renewDeadlineMs, retryPeriodMs, releaseOnCancel: !!cfg.rejoin,
  callbacks: {
    onStartedLeading(signal) {
      say("LEADING");
      signal.addEventListener("abort", () => say("ENDED"));
      if (cfg.work) void work(signal);
      if (cfg.fence) void fencedWrite(0).then((r) => say("FENCE", " " + r), (e) => say("FENCE", " error:" + e.message));
    },
    onStoppedLeading() { say("STOPPED"); },
  },
  onError: () => {},
});
for (;;) {
  await elector.run(ac.signal);
  if (!cfg.rejoin || stopping) break;
  await nap(cfg.rejoinMs);
  ac = new AbortController();
}
await stalled;
rest.close();
process.exit(0);
`;

interface ChildEvent {
  id: string;
  what: string;
  at: number;
  extra: string[];
}

describe.skipIf(!cp)("leader election under pauses, clock steps and many failovers (real API server)", () => {
  const ns = useTestNamespace(cp, "lep");
  let counter = 0;
  const children: ChildProcess[] = [];
  const rests: RestClient[] = [];

  function rest(): RestClient {
    const r = new RestClient(restConfig(cp!, ns()));
    rests.push(r);
    return r;
  }

  function spawnChild(
    id: string,
    lease: string,
    events: ChildEvent[],
    opts: { work?: boolean; rejoin?: boolean; clockStep?: boolean; fence?: boolean },
  ): ChildProcess {
    const cfg = {
      runtimeUrl,
      id,
      lease,
      namespace: ns(),
      server: cp!.server,
      ca: cp!.caPem,
      cert: cp!.clientCert,
      key: cp!.clientKey,
      timings: [LEASE_MS, RENEW_MS, RETRY_MS],
      work: !!opts.work,
      rejoin: !!opts.rejoin,
      rejoinMs: 4 * RETRY_MS,
      fence: !!opts.fence,
      stallMs: 30_000,
      resumeFile: join(tmp, `resume-${lease}`),
    };
    const preload = opts.clockStep ? ["--import", `data:text/javascript,${encodeURIComponent(CLOCK_STEP_PRELOAD)}`] : [];
    const child = spawn(process.execPath, [...preload, "--import", "tsx", "--input-type=module", "-e", CHILD_SOURCE], {
      env: { ...process.env, KUBEGEN_LE_CHILD: JSON.stringify(cfg) },
      stdio: ["ignore", "pipe", "inherit"],
    });
    child.on("exit", (code, sig) => events.push({ id, what: "EXIT", at: hostNow(), extra: [String(code ?? sig)] }));
    let buf = "";
    child.stdout!.setEncoding("utf8");
    child.stdout!.on("data", (chunk: string) => {
      buf += chunk;
      let nl;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const [what, at, ...extra] = buf.slice(0, nl).split(" ");
        buf = buf.slice(nl + 1);
        events.push({ id, what: what!, at: Number(at), extra });
      }
    });
    children.push(child);
    return child;
  }

  async function getLease(r: RestClient, name: string): Promise<LeaseSpec> {
    const l = await r.request<{ spec: LeaseSpec }>({ group: "coordination.k8s.io", version: "v1", resource: "leases", namespace: ns(), name, verb: "get" });
    return l.spec;
  }

  const show = (events: ChildEvent[]) => () => `children reported ${JSON.stringify(events.filter((e) => e.what !== "WROTE"))}`;

  afterEach(() => {
    for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    for (const r of rests.splice(0)) r.close();
  });

  afterAll(() => {
    rmSync(tmp, { recursive: true, force: true });
    if (Object.keys(figures).length > 0) console.log(`leader election (pause/clock/failover) figures: ${JSON.stringify(figures)}`);
  });

  it("a leader SIGSTOPped for longer than its lease does no leader work after SIGCONT", async () => {
    const lease = `pause-${++counter}`;
    const events: ChildEvent[] = [];
    const procs = new Map(["s1", "s2", "s3"].map((id) => [id, spawnChild(id, lease, events, { work: true })]));
    const first = await waitFor("a child to lead", () => events.find((e) => e.what === "LEADING"), 60_000, show(events));
    await waitFor("the leader to write markers", () => events.filter((e) => e.id === first.id && e.what === "WROTE").length >= 5, 20_000, show(events));

    const stoppedAt = hostNow();
    procs.get(first.id)!.kill("SIGSTOP");
    const second = await waitFor(
      "another child to take over",
      () => events.find((e) => e.what === "LEADING" && e.id !== first.id),
      30_000,
      show(events),
    );
    // keep it stopped for 2 × lease in all, then resume it
    while (hostNow() < stoppedAt + 2 * LEASE_MS) await sleep(20);
    const resumedAt = hostNow();
    procs.get(first.id)!.kill("SIGCONT");
    await waitFor("the resumed leader to stop", () => events.find((e) => e.id === first.id && e.what === "EXIT"), 20_000, show(events));

    const r = rest();
    const spec = await getLease(r, lease);
    expect(spec.holderIdentity).toBe(second.id);
    const takeover = microToMs(spec.acquireTime); // the new holder's stamp, taken before its acquiring write
    const markers = await r.request<{ items: Array<{ data: { at: string } }> }>({
      group: "",
      version: "v1",
      resource: "configmaps",
      namespace: ns(),
      verb: "list",
      options: { labelSelector: `le-marker=${first.id}` },
    });
    const ats = markers.items.map((m) => Number(m.data.at));
    const late = ats.filter((at) => at >= takeover);
    figures["SIGSTOP: markers by the stopped leader"] = ats.length;
    figures["SIGSTOP: markers stamped after takeover"] = late.length;
    figures["SIGSTOP -> takeover ms"] = Math.round(second.at - stoppedAt);
    figures["SIGCONT -> resumed leader's ENDED ms"] = Math.round((events.find((e) => e.id === first.id && e.what === "ENDED")?.at ?? Number.NaN) - resumedAt);
    expect(ats.length).toBeGreaterThanOrEqual(5);
    expect(late, `marker writes stamped after the takeover at ${takeover}`).toEqual([]);
    // and nothing it wrote after it resumed, by its own report
    expect(events.filter((e) => e.id === first.id && e.what === "WROTE" && Number(e.extra[0]) >= resumedAt)).toEqual([]);
    expect(events.filter((e) => e.id === first.id && e.what === "LEADING")).toHaveLength(1);
  }, 120_000);

  it("Date.now stepped ±30 s in the children: the leader does not flap and a follower stepped back takes over in the normal time", async () => {
    const lease = `clock-${++counter}`;
    const events: ChildEvent[] = [];
    const procs = new Map(["c1", "c2", "c3"].map((id) => [id, spawnChild(id, lease, events, { clockStep: true })]));
    const leader = await waitFor("a child to lead", () => events.find((e) => e.what === "LEADING"), 60_000, show(events));
    const [back, fwd] = [...procs.keys()].filter((id) => id !== leader.id) as [string, string];
    const stepped = (id: string, offset: number) => () => events.some((e) => e.id === id && e.what === "STEPPED" && Number(e.extra[0]) === offset);
    const r = rest();
    const noFlap = async (phase: string) => {
      const from = hostNow();
      while (hostNow() < from + 3 * LEASE_MS) await sleep(50); // an observation window, not an assertion
      const spec = await getLease(r, lease);
      expect(events.filter((e) => e.what === "LEADING" || e.what === "ENDED").map((e) => `${e.what}:${e.id}`), phase).toEqual([
        `LEADING:${leader.id}`,
      ]);
      expect(spec, phase).toMatchObject({ holderIdentity: leader.id, leaseTransitions: 0 });
    };

    // 1. leader +30 s, one follower −30 s, the other +30 s
    procs.get(leader.id)!.kill("SIGUSR1");
    procs.get(back)!.kill("SIGUSR2");
    procs.get(fwd)!.kill("SIGUSR1");
    await waitFor("the steps", () => stepped(leader.id, STEP_MS)() && stepped(back, -STEP_MS)() && stepped(fwd, STEP_MS)(), 10_000, show(events));
    const before = microToMs((await getLease(r, lease)).renewTime);
    await noFlap("after stepping the leader +30 s");
    // the renewTime stamps follow the leader's stepped wall clock (a jump of about +30 s)
    figures["renewTime jump after the leader's +30 s step, s"] = Math.round((microToMs((await getLease(r, lease)).renewTime) - before) / 1000);

    // 2. leader back by 60 s (net −30 s)
    procs.get(leader.id)!.kill("SIGUSR2");
    await waitFor("the leader's step to 0", stepped(leader.id, 0), 10_000, show(events));
    procs.get(leader.id)!.kill("SIGUSR2");
    await waitFor("the leader's step to −30 s", stepped(leader.id, -STEP_MS), 10_000, show(events));
    await noFlap("after stepping the leader −60 s");

    // 3. only the follower stepped back remains as a candidate; the leader dies
    procs.get(fwd)!.kill("SIGKILL");
    await waitFor("the +30 s follower to exit", () => events.find((e) => e.id === fwd && e.what === "EXIT"), 10_000);
    const killedAt = hostNow();
    procs.get(leader.id)!.kill("SIGKILL");
    const next = await waitFor("the −30 s follower to take over", () => events.find((e) => e.what === "LEADING" && e.id === back), 20_000, show(events));
    const takeover = next.at - killedAt;
    figures["SIGKILL -> takeover by a follower stepped −30 s, ms"] = Math.round(takeover);
    // normal: at most lease + one jittered retry (0.3 × 2.2) after the last observed renewal, plus slack for load
    expect(takeover).toBeLessThan(LEASE_MS + 2.2 * RETRY_MS + 2_000);
    expect(takeover).toBeGreaterThan(LEASE_MS - 2.2 * RETRY_MS - RENEW_MS);
  }, 120_000);

  it("fencing: a leader stalled between its read and its write cannot overwrite a later leader's state", async () => {
    const lease = `fence-${++counter}`;
    const r = rest();
    for (const name of ["state", "unfenced"]) {
      await r.request({ group: "", version: "v1", resource: "configmaps", namespace: ns(), verb: "create", body: { apiVersion: "v1", kind: "ConfigMap", metadata: { name } } });
    }
    const events: ChildEvent[] = [];
    const procs = new Map(["g1", "g2"].map((id) => [id, spawnChild(id, lease, events, { fence: true })]));
    const first = await waitFor("a child to lead", () => events.find((e) => e.what === "LEADING"), 60_000, show(events));
    const firstWrite = await waitFor("its fenced write", () => events.find((e) => e.id === first.id && e.what === "FENCE"), 20_000, show(events));
    expect(firstWrite.extra).toEqual(["wrote:0"]);
    procs.get(first.id)!.kill("SIGUSR2"); // read state, stall, write state back, then write "unfenced"
    const second = await waitFor("the other child to lead", () => events.find((e) => e.what === "LEADING" && e.id !== first.id), 30_000, show(events));
    const secondWrite = await waitFor("its fenced write", () => events.find((e) => e.id === second.id && e.what === "FENCE"), 20_000, show(events));
    expect(secondWrite.extra).toEqual(["wrote:1"]);
    writeFileSync(join(tmp, `resume-${lease}`), ""); // end the stall: the later leader has written
    const stale = await waitFor("the stalled leader's write", () => events.find((e) => e.id === first.id && e.what === "STALLFENCE"), 20_000, show(events));
    const unfenced = await waitFor("its unfenced write", () => events.find((e) => e.id === first.id && e.what === "UNFENCED"), 20_000, show(events));
    figures["fencing: stalled leader's fenced write"] = stale.extra.join(" ");
    figures["fencing: stalled leader's unfenced write"] = unfenced.extra.join(" ");
    expect(stale.extra).toEqual(["refused-conflict"]); // it read before the new leader wrote: the PUT's resourceVersion is stale
    const state = await r.request<{ metadata: { annotations?: Record<string, string> }; data?: Record<string, string> }>({
      group: "",
      version: "v1",
      resource: "configmaps",
      namespace: ns(),
      name: "state",
      verb: "get",
    });
    expect(state.data).toEqual({ holder: second.id, term: "1" });
    expect(state.metadata.annotations?.["kubegen.dev/leader-term"]).toBe("1");
    // Leader election alone is not fencing: the same stale process's unconditional write went through.
    expect(unfenced.extra).toEqual(["wrote"]);
  }, 120_000);

  it(`${FAILOVERS} forced failovers across 3 processes: no two leading intervals overlap`, async () => {
    const lease = `failover-${++counter}`;
    const events: ChildEvent[] = [];
    const procs = new Map(["f1", "f2", "f3"].map((id) => [id, spawnChild(id, lease, events, { rejoin: true })]));
    const leadings = () => events.filter((e) => e.what === "LEADING");
    let failovers = 0;
    let seen = 0;
    let current = await waitFor("a child to lead", () => leadings()[0], 60_000, show(events));
    seen = 1;
    const handoverMs: number[] = [];
    const started = hostNow();
    for (let round = 0; failovers < FAILOVERS; round++) {
      expect(round, "rounds needed for the failovers (a stepped-down leader may win again)").toBeLessThan(3 * FAILOVERS);
      const termAt = hostNow();
      procs.get(current.id)!.kill("SIGTERM");
      const next = await waitFor(`leader #${seen + 1}`, () => leadings()[seen], 20_000, show(events));
      seen++;
      if (next.id !== current.id) {
        failovers++;
        handoverMs.push(next.at - termAt);
      }
      current = next;
    }
    figures["failovers"] = failovers;
    figures["failover loop s"] = Math.round((hostNow() - started) / 100) / 10;
    handoverMs.sort((a, b) => a - b);
    figures["handover ms p50/max"] = `${Math.round(handoverMs[handoverMs.length >> 1]!)}/${Math.round(handoverMs.at(-1)!)}`;
    // the last leader ends too, so every interval is closed
    for (const p of procs.values()) p.kill("SIGKILL");
    await waitFor("the children to exit", () => events.filter((e) => e.what === "EXIT").length === 3, 10_000);

    // Intervals [LEADING, ENDED] per child, in host monotonic time; the last one may lack its ENDED.
    const intervals: Array<{ id: string; from: number; to: number }> = [];
    for (const id of procs.keys()) {
      let open: number | undefined;
      for (const e of events.filter((x) => x.id === id)) {
        if (e.what === "LEADING") {
          expect(open, `${id} started leading twice without ending`).toBeUndefined();
          open = e.at;
        } else if (e.what === "ENDED" && open !== undefined) {
          intervals.push({ id, from: open, to: e.at });
          open = undefined;
        }
      }
      if (open !== undefined) intervals.push({ id, from: open, to: Number.POSITIVE_INFINITY });
    }
    intervals.sort((a, b) => a.from - b.from);
    expect(intervals).toHaveLength(seen);
    const overlaps: string[] = [];
    let minGap = Number.POSITIVE_INFINITY;
    for (let i = 1; i < intervals.length; i++) {
      const prev = intervals[i - 1]!;
      const next = intervals[i]!;
      minGap = Math.min(minGap, next.from - prev.to);
      if (next.from <= prev.to) overlaps.push(`${prev.id}[${prev.from},${prev.to}] and ${next.id}[${next.from},${next.to}]`);
    }
    figures["leading intervals"] = intervals.length;
    figures["overlaps"] = overlaps.length;
    figures["min gap between intervals ms"] = Math.round(minGap * 10) / 10;
    expect(overlaps).toEqual([]);
    const spec = await getLease(rest(), lease);
    expect(spec.leaseTransitions).toBe(seen - 1); // a release keeps the count; every new taker adds one
  }, 240_000);
});
