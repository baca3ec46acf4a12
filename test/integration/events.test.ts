// EventRecorder (runtime/src/events) against the real kube-apiserver: the
// events.k8s.io/v1 Event it creates (fields, MicroTime with microseconds,
// Warning type, note), series dedupe (one Event, series.count 2 then 3, by
// PATCH), a new Event after the 6-minute window, a re-create when the Event
// was deleted, the spam filter (25 per object, then one per 300 s), a 403 that
// is logged and never thrown, and a full queue that drops instead of
// blocking. Time-based rules run on a FakeClock given to the recorder (the
// client's clock); every request goes to the real server.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig, RestClient, type RequestExecutor, type RequestSpec } from "@kubegen/runtime";
import { fakeApiError } from "../../runtime/src/cache/fake-lister-watcher.js";
import type { Logger } from "../../runtime/src/controller/index.js";
import { EventRecorder, type EventsV1Event } from "../../runtime/src/events/index.js";
import type { KubernetesObject } from "../../runtime/src/meta/types.js";
import { FakeClock } from "../../runtime/src/util/fake-clock.js";
import { controlPlane, rawRequest, useTestNamespace } from "../helpers/cluster.js";

const cp = controlPlane();
const MICRO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const push = (m: string, f?: Record<string, unknown>): void =>
    void lines.push(`${m} ${JSON.stringify(f ?? {}, (_k, v: unknown) => (v instanceof Error ? v.message : v))}`);
  return { lines, info: push, error: push };
}

describe.skipIf(!cp)("EventRecorder on a real API server", () => {
  const ns = useTestNamespace(cp, "ev");
  let rest: RestClient;
  let foo: KubernetesObject; // a real object to report on (a ConfigMap standing in for a Foo)

  /** The Events about one object, straight from the server. */
  async function eventsAbout(name: string): Promise<EventsV1Event[]> {
    const res = await rawRequest(
      cp!,
      "cert",
      "GET",
      `/apis/events.k8s.io/v1/namespaces/${ns()}/events?fieldSelector=${encodeURIComponent(`regarding.name=${name}`)}`,
    );
    expect(res.status).toBe(200);
    return res.json<{ items: EventsV1Event[] }>().items;
  }

  beforeAll(async () => {
    const config = await loadConfig({ kubeconfigPath: cp!.kubeconfigPath });
    config.qps = -1;
    rest = new RestClient(config);
    const res = await rawRequest(cp!, "cert", "POST", `/api/v1/namespaces/${ns()}/configmaps`, {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "example-foo" },
    });
    expect(res.status).toBe(201);
    foo = res.json<KubernetesObject>();
  });
  afterAll(() => rest?.close());

  it("creates an events.k8s.io/v1 Event with the reporting fields, a microsecond eventTime and the note", async () => {
    const logger = memoryLogger();
    const rec = new EventRecorder({ client: rest, reportingController: "sample-controller", logger });
    const ret: unknown = rec.event(foo, "Normal", "Synced", "Sync", "Foo synced successfully");
    expect(ret).toBeUndefined();
    expect(rec.pending).toBe(1); // queued, nothing sent inside event()
    await rec.flush();
    expect(rec.stats()).toMatchObject({ accepted: 1, created: 1, patched: 0, failed: 0 });
    const [ev, ...rest_] = await eventsAbout("example-foo");
    expect(rest_).toEqual([]);
    expect(ev).toMatchObject({
      type: "Normal",
      reason: "Synced",
      action: "Sync",
      note: "Foo synced successfully",
      reportingController: "sample-controller",
      reportingInstance: rec.reportingInstance,
      regarding: { apiVersion: "v1", kind: "ConfigMap", name: "example-foo", namespace: ns(), uid: foo.metadata!.uid },
    });
    expect(rec.reportingInstance).toMatch(/^sample-controller-./);
    expect(ev!.eventTime).toMatch(MICRO_TIME);
    expect(ev!.series).toBeUndefined();
    expect(ev!.metadata?.name).toMatch(/^example-foo\.[0-9a-f]+$/);
    expect(logger.lines).toEqual([]);
    await rawRequest(cp!, "cert", "DELETE", `/apis/events.k8s.io/v1/namespaces/${ns()}/events/${ev!.metadata!.name}`);
  });

  it("dedupes a repeat into one Event with series.count 2 (then 3), by PATCH; a different note is a new Event", async () => {
    const obj = { apiVersion: "v1", kind: "ConfigMap", namespace: ns(), name: "dedupe-foo", uid: "00000000-0000-0000-0000-000000000001" };
    const rec = new EventRecorder({ client: rest, reportingController: "sample-controller", logger: memoryLogger() });
    const note = 'Resource "web" already exists and is not managed by Foo';
    rec.event(obj, "Warning", "ErrResourceExists", "Sync", note);
    await rec.flush();
    rec.event(obj, "Warning", "ErrResourceExists", "Sync", note);
    await rec.flush();
    let events = await eventsAbout("dedupe-foo");
    expect(events).toHaveLength(1);
    const ev = events[0]!;
    expect(ev).toMatchObject({ type: "Warning", reason: "ErrResourceExists", note });
    expect(ev.series?.count).toBe(2);
    expect(ev.series?.lastObservedTime).toMatch(MICRO_TIME);
    expect(ev.series!.lastObservedTime >= ev.eventTime).toBe(true);
    // real microseconds, not milliseconds padded with zeros (both ending in 000 by chance: ~1 in 10^6)
    expect([ev.eventTime, ev.series!.lastObservedTime].some((t) => !t.endsWith("000Z"))).toBe(true);
    expect(rec.stats()).toMatchObject({ created: 1, patched: 1 });

    rec.event(obj, "Warning", "ErrResourceExists", "Sync", note);
    rec.event(obj, "Warning", "ErrResourceExists", "Sync", "another note");
    await rec.flush();
    events = await eventsAbout("dedupe-foo");
    expect(events).toHaveLength(2);
    expect(events.find((e) => e.note === note)?.series?.count).toBe(3);
    expect(events.find((e) => e.note === "another note")?.series).toBeUndefined();
  });

  it("folds repeats queued behind one another into a single PATCH with the final count", async () => {
    const obj = { apiVersion: "v1", kind: "ConfigMap", namespace: ns(), name: "burst-foo" };
    const rec = new EventRecorder({ client: rest, reportingController: "sample-controller", logger: memoryLogger() });
    for (let i = 0; i < 5; i++) rec.event(obj, "Normal", "Synced", "Sync", "Foo synced successfully");
    expect(rec.pending).toBe(2); // one create, one patch that the later repeats join
    await rec.flush();
    expect(rec.stats()).toMatchObject({ accepted: 5, created: 1, patched: 1 });
    const events = await eventsAbout("burst-foo");
    expect(events.map((e) => e.series?.count)).toEqual([5]);
  });

  it("starts a new Event once 6 minutes passed since the last occurrence (recorder clock)", async () => {
    const clock = new FakeClock(Date.now());
    const obj = { apiVersion: "v1", kind: "ConfigMap", namespace: ns(), name: "window-foo" };
    const rec = new EventRecorder({ client: rest, reportingController: "sample-controller", clock, logger: memoryLogger() });
    rec.event(obj, "Normal", "Synced", "Sync", "ok");
    await rec.flush();
    await clock.advance(6 * 60_000); // exactly 6 min: still the same series
    rec.event(obj, "Normal", "Synced", "Sync", "ok");
    await rec.flush();
    await clock.advance(6 * 60_000 + 1); // 6 min + 1 ms after the last occurrence: a new Event
    rec.event(obj, "Normal", "Synced", "Sync", "ok");
    await rec.flush();
    const events = (await eventsAbout("window-foo")).sort((a, b) => a.eventTime.localeCompare(b.eventTime));
    expect(events.map((e) => e.series?.count)).toEqual([2, undefined]);
    expect(events[0]!.eventTime).toMatch(MICRO_TIME);
  });

  it("re-creates the Event, series included, when the one it would patch was deleted", async () => {
    const obj = { apiVersion: "v1", kind: "ConfigMap", namespace: ns(), name: "deleted-foo" };
    const rec = new EventRecorder({ client: rest, reportingController: "sample-controller", logger: memoryLogger() });
    rec.event(obj, "Normal", "Synced", "Sync", "ok");
    await rec.flush();
    const [first] = await eventsAbout("deleted-foo");
    const del = await rawRequest(cp!, "cert", "DELETE", `/apis/events.k8s.io/v1/namespaces/${ns()}/events/${first!.metadata!.name}`);
    expect(del.status).toBe(200);
    rec.event(obj, "Normal", "Synced", "Sync", "ok");
    await rec.flush();
    const events = await eventsAbout("deleted-foo");
    expect(events).toHaveLength(1);
    expect(events[0]!.series?.count).toBe(2);
    expect(rec.stats()).toMatchObject({ created: 2, patched: 0, failed: 0 });
  });

  it("spam filter: 25 events per object, then one per 300 s; other objects are unaffected", async () => {
    const clock = new FakeClock(Date.now());
    const logger = memoryLogger();
    const rec = new EventRecorder({ client: rest, reportingController: "sample-controller", clock, logger });
    const obj = { apiVersion: "v1", kind: "ConfigMap", namespace: ns(), name: "spammy-foo" };
    for (let i = 0; i < 30; i++) rec.event(obj, "Normal", "Tick", "Sync", `tick ${i}`);
    rec.event({ ...obj, name: "quiet-foo" }, "Normal", "Tick", "Sync", "tick");
    expect(rec.stats()).toMatchObject({ accepted: 26, droppedSpam: 5 });
    expect(logger.lines.filter((l) => l.includes("spam filter"))).toHaveLength(1);
    await clock.advance(299_000);
    rec.event(obj, "Normal", "Tick", "Sync", "tick late");
    expect(rec.stats().droppedSpam).toBe(6);
    await clock.advance(1_000);
    rec.event(obj, "Normal", "Tick", "Sync", "tick later");
    expect(rec.stats().droppedSpam).toBe(6);
    await rec.flush();
    expect((await eventsAbout("spammy-foo")).map((e) => e.note).sort()).toEqual(
      [...Array.from({ length: 25 }, (_, i) => `tick ${i}`), "tick later"].sort(),
    );
    expect(await eventsAbout("quiet-foo")).toHaveLength(1);
  });

  it("logs a 403 without throwing or leaking the token, and drops on a full queue instead of blocking", async () => {
    const limitedConfig = await loadConfig({ kubeconfigPath: cp!.kubeconfigPath, context: "limited" });
    const limited = new RestClient(limitedConfig);
    const logger = memoryLogger();
    try {
      const rec = new EventRecorder({ client: limited, reportingController: "sample-controller", logger });
      expect(() => rec.event(foo, "Warning", "Denied", "Sync", "no RBAC")).not.toThrow();
      await rec.flush();
      expect(rec.stats()).toMatchObject({ accepted: 1, created: 0, failed: 1 });
      const line = logger.lines.find((l) => l.includes("event not recorded"));
      expect(line).toMatch(/forbidden/i);
      expect(logger.lines.join("\n")).not.toContain(cp!.limitedToken);

      // 1,005 distinct objects in one synchronous burst: 1,000 queue, 5 drop, event() returns every time
      const full = new EventRecorder({ client: limited, reportingController: "sample-controller", logger: memoryLogger() });
      for (let i = 0; i < 1005; i++) full.event({ kind: "ConfigMap", namespace: ns(), name: `o-${i}` }, "Normal", "R", "A", "n");
      expect(full.pending).toBe(1000);
      expect(full.stats()).toMatchObject({ accepted: 1000, droppedQueueFull: 5 });
      const ac = new AbortController();
      ac.abort();
      await full.shutdown(ac.signal); // abandons the queue
      expect(full.pending).toBe(0);
      full.event(foo, "Normal", "R", "A", "after shutdown");
      expect(full.stats().droppedInvalid).toBe(1);
    } finally {
      limited.close();
    }
  });

  it("retries a transient failure after 10 s on its clock, and gives up after 12 tries", async () => {
    const clock = new FakeClock(Date.now());
    let failuresLeft = 1;
    let calls = 0;
    const flaky: RequestExecutor = {
      request: <T>(spec: RequestSpec): Promise<T> => {
        calls++;
        if (failuresLeft-- > 0) return Promise.reject(fakeApiError(503, "ServiceUnavailable", "try again"));
        return rest.request<T>(spec);
      },
      watch: (spec) => rest.watch(spec),
      stream: (spec) => rest.stream(spec),
    };
    const logger = memoryLogger();
    const rec = new EventRecorder({ client: flaky, reportingController: "sample-controller", clock, logger });
    const obj = { apiVersion: "v1", kind: "ConfigMap", namespace: ns(), name: "flaky-foo" };
    rec.event(obj, "Normal", "Synced", "Sync", "ok");
    await clock.advance(9_999);
    expect(calls).toBe(1);
    expect(logger.lines.some((l) => l.includes("retrying"))).toBe(true);
    await clock.advance(1);
    await rec.flush();
    expect(calls).toBe(2);
    expect(await eventsAbout("flaky-foo")).toHaveLength(1);
    expect(rec.stats()).toMatchObject({ created: 1, failed: 0 });

    failuresLeft = 100;
    calls = 0;
    rec.event({ ...obj, name: "flaky-foo-2" }, "Normal", "Synced", "Sync", "ok");
    for (let i = 0; i < 12; i++) await clock.advance(10_000);
    await rec.flush();
    expect(calls).toBe(12);
    expect(rec.stats()).toMatchObject({ created: 1, failed: 1 });
  });

  it("rejects invalid calls by logging, not throwing", () => {
    const logger = memoryLogger();
    const rec = new EventRecorder({ client: rest, reportingController: "sample-controller", logger });
    rec.event(foo, "Error" as "Warning", "Synced", "Sync", "x");
    rec.event(foo, "Normal", "", "Sync", "x");
    rec.event(foo, "Normal", "Synced", "x".repeat(129), "x");
    rec.event({ kind: "ConfigMap" }, "Normal", "Synced", "Sync", "x");
    expect(rec.stats()).toMatchObject({ accepted: 0, droppedInvalid: 4 });
    expect(rec.pending).toBe(0);
    expect(logger.lines).toHaveLength(4);
  });
});
