// EventRecorder: records events.k8s.io/v1 Events about objects, the way a
// controller reports what it did (`kubectl describe` / `kubectl events` show
// them). Mirrors client-go tools/events (event_broadcaster.go,
// event_recorder.go: the v1 Event shape, series instead of counts, the
// `<regarding name>.<unix nanos hex>` names, PATCH of `series` with a create
// when the Event is gone) and the limits of tools/record (events_cache.go
// spam filter: burst 25, one token per 300 s per source + object; at most
// 1000 queued events; a sink retries up to 12 times, 10 s apart).
//
// THE CONTRACT
// 1. event() never blocks and never throws: it validates, filters and queues,
//    and returns. Requests run later, one at a time, in call order. A full
//    queue (1000) drops the new event; every drop and failure is logged.
// 2. A repeat of the same (regarding, related, type, reason, action, note)
//    within 6 minutes of its last occurrence does not create a new Event: it
//    PATCHes the existing one's `series` (count, lastObservedTime). Repeats that
//    arrive while that patch still waits are folded into it.
// 3. Every call, repeat or not, spends a token of its object's spam bucket;
//    calls without a token are dropped (counted, logged once per object and
//    window).
// 4. Transient failures (network, 429, 5xx) are retried; other errors (403,
//    422...) are logged and the event is dropped. Secrets never reach a log:
//    errors are logged by message, and ApiError messages are the server's.

import { hostname } from "node:os";
import type { Logger } from "../controller/controller.js";
import { consoleLogger } from "../controller/controller.js";
import { ApiError, isNotFound } from "../errors/api-error.js";
import { isNetworkError } from "../errors/network-error.js";
import { formatMicroTime } from "../leaderelection/record.js";
import { PatchType } from "../meta/options.js";
import type { KubernetesList, KubernetesObject, MicroTime, ObjectMeta, ObjectReference } from "../meta/types.js";
import { ResourceClient, type RequestExecutor, type ResourceInfo } from "../rest/resource-client.js";
import { realClock, sleepOn, type Clock } from "../util/clock.js";
import { TokenBucket } from "../util/token-bucket.js";

/** The two event types the API accepts. */
export type EventType = "Normal" | "Warning";

/** How often an event repeated (events.k8s.io/v1 `EventSeries`). */
export interface EventSeries {
  /** Occurrences so far, the first included (>= 2). */
  count: number;
  /** When the latest occurrence was seen (MicroTime). */
  lastObservedTime: MicroTime;
}

/** An events.k8s.io/v1 Event (the fields this recorder writes and reads). */
export interface EventsV1Event extends KubernetesObject {
  /** Object metadata; the recorder names Events `<regarding name>.<hex nanoseconds>`. */
  metadata?: ObjectMeta;
  /** When the event first happened (MicroTime, required). */
  eventTime: MicroTime;
  /** Present once the event repeated. */
  series?: EventSeries;
  /** The controller that emitted it, e.g. `sample-controller` (required). */
  reportingController: string;
  /** The controller instance, e.g. `sample-controller-<hostname>` (required). */
  reportingInstance: string;
  /** What the controller did or failed to do, e.g. `Sync`, `Create` (required, <= 128). */
  action: string;
  /** Why, UpperCamelCase, e.g. `Synced`, `ErrResourceExists` (required, <= 128). */
  reason: string;
  /** The object the event is about. */
  regarding: ObjectReference;
  /** A second object involved, if any. */
  related?: ObjectReference;
  /** Human-readable description (<= 1 kB). */
  note?: string;
  /** `Normal` or `Warning`. */
  type: string;
}

/** The events.k8s.io/v1 `events` resource. */
export const EVENTS_V1_RESOURCE: ResourceInfo = {
  group: "events.k8s.io",
  version: "v1",
  resource: "events",
  kind: "Event",
  namespaced: true,
};

/** Default limits, from client-go (see the module comment). */
export const EVENT_RECORDER_DEFAULTS = {
  /** Events waiting to be written before new ones are dropped (tools/record maxQueuedEvents). */
  maxQueued: 1000,
  /** Spam filter bucket size per source + object (tools/record defaultSpamBurst). */
  spamBurst: 25,
  /** Spam filter refill, tokens per second: one per 300 s (tools/record defaultSpamQPS). */
  spamQps: 1 / 300,
  /** A repeat within this window of the last occurrence updates the series (tools/events finishTime). */
  seriesWindowMs: 6 * 60 * 1000,
  /** Tries per write (tools/record maxTriesPerEvent). */
  maxTries: 12,
  /** Pause between tries (tools/record sleepDuration). */
  retryDelayMs: 10_000,
  /** Objects whose series and spam buckets are remembered (tools/record maxLruCacheEntries). */
  cacheSize: 4096,
  /** The API's limit on `note` (bytes). */
  noteMaxBytes: 1024,
  /** The API's limit on `reason`, `action` and `reportingInstance`. */
  fieldMaxLength: 128,
} as const;

/** Options of an {@link EventRecorder}. */
export interface EventRecorderOptions {
  /** Where Events are written: a RestClient (or the fake clientset's FakeClient). */
  readonly client: RequestExecutor;
  /** `reportingController`, e.g. `sample-controller`. */
  readonly reportingController: string;
  /** `reportingInstance`; default `<reportingController>-<hostname>` (client-go's rule), cut to 128 characters. */
  readonly reportingInstance?: string;
  /** Time source of series windows, spam buckets, retry pauses and, unless it is the wall clock, of `eventTime`. */
  readonly clock?: Clock;
  /** Where dropped events and write failures are logged; default the console. */
  readonly logger?: Logger;
  /** Overrides of {@link EVENT_RECORDER_DEFAULTS}. */
  readonly maxQueued?: number;
  readonly spamBurst?: number;
  readonly spamQps?: number;
  readonly seriesWindowMs?: number;
  readonly maxTries?: number;
  readonly retryDelayMs?: number;
}

/** Counters of an {@link EventRecorder}, for tests and metrics. */
export interface EventRecorderStats {
  /** Calls accepted into the queue (a new Event or a series update). */
  accepted: number;
  /** Events created on the server. */
  created: number;
  /** Series patches sent. */
  patched: number;
  /** Calls dropped by the spam filter. */
  droppedSpam: number;
  /** Calls dropped because the queue was full. */
  droppedQueueFull: number;
  /** Calls dropped as invalid (bad type, empty or too long reason/action, no regarding name) or after shutdown. */
  droppedInvalid: number;
  /** Writes that failed for good (after retries when transient). */
  failed: number;
}

interface SeriesEntry {
  readonly namespace: string;
  readonly body: EventsV1Event;
  count: number;
  /** count the server has (after the create or the last patch). */
  sentCount: number;
  lastObservedMs: number;
  lastObservedTime: MicroTime;
  /** A patch job for this entry waits in the queue. */
  patchQueued: boolean;
}

type Job = { readonly kind: "create"; readonly entry: SeriesEntry } | { readonly kind: "patch"; readonly entry: SeriesEntry };

/**
 * Records events.k8s.io/v1 Events (client-go `events.EventRecorder`), with
 * client-side series deduplication and spam filtering. See the module
 * contract. Call {@link shutdown} before exiting to flush queued events.
 */
export class EventRecorder {
  /** The `reportingController` of every Event. */
  readonly reportingController: string;
  /** The `reportingInstance` of every Event. */
  readonly reportingInstance: string;
  readonly #client: RequestExecutor;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #limits: {
    maxQueued: number;
    spamBurst: number;
    spamQps: number;
    seriesWindowMs: number;
    maxTries: number;
    retryDelayMs: number;
  };
  readonly #series = new Map<string, SeriesEntry>();
  readonly #spam = new Map<string, { bucket: TokenBucket; warned: boolean }>();
  readonly #stats: EventRecorderStats = {
    accepted: 0,
    created: 0,
    patched: 0,
    droppedSpam: 0,
    droppedQueueFull: 0,
    droppedInvalid: 0,
    failed: 0,
  };
  #queue: Job[] = [];
  #pumping: Promise<void> | undefined;
  #stopping = false;
  #queueFullWarned = false;
  readonly #abort = new AbortController();
  #lastNanos = 0n;

  constructor(options: EventRecorderOptions) {
    if (!options.reportingController) throw new TypeError("EventRecorder needs a reportingController, e.g. \"sample-controller\"");
    this.reportingController = options.reportingController;
    this.reportingInstance = (options.reportingInstance ?? `${options.reportingController}-${hostname()}`).slice(
      0,
      EVENT_RECORDER_DEFAULTS.fieldMaxLength,
    );
    this.#client = options.client;
    this.#clock = options.clock ?? realClock;
    this.#logger = options.logger ?? consoleLogger(`event recorder ${options.reportingController}`);
    const d = EVENT_RECORDER_DEFAULTS;
    this.#limits = {
      maxQueued: options.maxQueued ?? d.maxQueued,
      spamBurst: options.spamBurst ?? d.spamBurst,
      spamQps: options.spamQps ?? d.spamQps,
      seriesWindowMs: options.seriesWindowMs ?? d.seriesWindowMs,
      maxTries: Math.max(1, options.maxTries ?? d.maxTries),
      retryDelayMs: options.retryDelayMs ?? d.retryDelayMs,
    };
  }

  /** A copy of the counters. */
  stats(): EventRecorderStats {
    return { ...this.#stats };
  }

  /** Events waiting to be written (not counting the one in flight). */
  get pending(): number {
    return this.#queue.length;
  }

  /**
   * Records an event about `regarding` (an object with metadata, or an
   * ObjectReference). Returns at once; the write happens in the background.
   * Objects from typed lists often lack `apiVersion`/`kind`: pass an
   * ObjectReference (or set them) so the Event names its object fully.
   */
  event(
    regarding: KubernetesObject | ObjectReference,
    type: EventType,
    reason: string,
    action: string,
    note: string,
    related?: KubernetesObject | ObjectReference,
  ): void {
    try {
      this.#record(regarding, type, reason, action, note, related);
    } catch (err) {
      // event() must never throw into its caller
      this.#stats.droppedInvalid++;
      this.#logger.error("event dropped: recording failed", { reason, error: err });
    }
  }

  /** Resolves once every queued event has been written or dropped. */
  async flush(): Promise<void> {
    while (this.#pumping) await this.#pumping;
  }

  /**
   * Stops accepting events and writes the queued ones. If `signal` aborts
   * first, the rest are abandoned (requests and retry pauses in flight are
   * aborted) and the promise resolves.
   */
  async shutdown(signal?: AbortSignal): Promise<void> {
    this.#stopping = true;
    if (signal) {
      if (signal.aborted) this.#abandon();
      else signal.addEventListener("abort", () => this.#abandon(), { once: true });
    }
    await this.flush();
  }

  #abandon(): void {
    const left = this.#queue.length;
    this.#queue = [];
    this.#abort.abort(new Error("event recorder shut down"));
    if (left > 0) this.#logger.error("event recorder shut down with events still queued; dropped", { dropped: left });
  }

  #record(
    regardingIn: KubernetesObject | ObjectReference,
    type: EventType,
    reasonIn: string,
    actionIn: string,
    noteIn: string,
    relatedIn: KubernetesObject | ObjectReference | undefined,
  ): void {
    const regarding = toReference(regardingIn);
    const related = relatedIn === undefined ? undefined : toReference(relatedIn);
    const reason = String(reasonIn);
    const action = String(actionIn);
    const max = EVENT_RECORDER_DEFAULTS.fieldMaxLength;
    const invalid =
      this.#stopping
        ? "the recorder is shut down"
        : type !== "Normal" && type !== "Warning"
          ? `type must be Normal or Warning, got ${JSON.stringify(type)}`
          : !regarding.name
            ? "the regarding object has no name"
            : !reason || reason.length > max
              ? `reason must have 1 to ${max} characters`
              : !action || action.length > max
                ? `action must have 1 to ${max} characters`
                : undefined;
    if (invalid) {
      this.#stats.droppedInvalid++;
      this.#logger.error(`event dropped: ${invalid}`, { reason, regarding: describeRef(regarding) });
      return;
    }
    const note = truncateUtf8(String(noteIn ?? ""), EVENT_RECORDER_DEFAULTS.noteMaxBytes);

    // 3. the spam filter: every call spends a token of its object's bucket
    const spamKey = JSON.stringify([this.reportingController, this.reportingInstance, refIdentity(regarding)]);
    let spam = lruGet(this.#spam, spamKey);
    if (!spam) {
      spam = { bucket: new TokenBucket(this.#limits.spamQps, this.#limits.spamBurst, this.#clock), warned: false };
      lruSet(this.#spam, spamKey, spam);
    }
    if (!spam.bucket.tryAccept()) {
      this.#stats.droppedSpam++;
      if (!spam.warned) {
        spam.warned = true;
        this.#logger.error("events dropped by the spam filter (too many events for one object)", {
          regarding: describeRef(regarding),
          burst: this.#limits.spamBurst,
        });
      }
      return;
    }
    spam.warned = false;

    // 2. a repeat within the window updates the series
    const now = this.#clock.now();
    const key = JSON.stringify([refIdentity(regarding), related ? refIdentity(related) : null, type, reason, action, note]);
    const existing = lruGet(this.#series, key);
    if (existing && now - existing.lastObservedMs <= this.#limits.seriesWindowMs) {
      if (existing.patchQueued) {
        existing.count++;
        existing.lastObservedMs = now;
        existing.lastObservedTime = this.#microNow();
        this.#stats.accepted++;
        return;
      }
      if (!this.#hasRoom(regarding)) return;
      existing.count++;
      existing.lastObservedMs = now;
      existing.lastObservedTime = this.#microNow();
      existing.patchQueued = true;
      this.#enqueue({ kind: "patch", entry: existing });
      return;
    }

    if (!this.#hasRoom(regarding)) return;
    const stampMs = this.#stampMs();
    const eventTime = formatMicroTime(stampMs);
    const namespace = regarding.namespace || "default";
    const body: EventsV1Event = {
      apiVersion: "events.k8s.io/v1",
      kind: "Event",
      metadata: { name: `${regarding.name}.${this.#uniqueNanos(stampMs).toString(16)}`, namespace },
      eventTime,
      reportingController: this.reportingController,
      reportingInstance: this.reportingInstance,
      action,
      reason,
      regarding,
      ...(related ? { related } : {}),
      note,
      type,
    };
    const entry: SeriesEntry = {
      namespace,
      body,
      count: 1,
      sentCount: 0,
      lastObservedMs: now,
      lastObservedTime: eventTime,
      patchQueued: false,
    };
    lruSet(this.#series, key, entry);
    this.#enqueue({ kind: "create", entry });
  }

  #hasRoom(regarding: ObjectReference): boolean {
    if (this.#queue.length < this.#limits.maxQueued) {
      this.#queueFullWarned = false;
      return true;
    }
    this.#stats.droppedQueueFull++;
    if (!this.#queueFullWarned) {
      this.#queueFullWarned = true;
      this.#logger.error("event queue full; dropping events", { max: this.#limits.maxQueued, regarding: describeRef(regarding) });
    }
    return false;
  }

  #enqueue(job: Job): void {
    this.#stats.accepted++;
    this.#queue.push(job);
    if (!this.#pumping) {
      this.#pumping = (async () => {
        await Promise.resolve(); // never write inside event()
        try {
          for (let next = this.#queue.shift(); next; next = this.#queue.shift()) await this.#run(next);
        } finally {
          this.#pumping = undefined;
        }
      })();
    }
  }

  async #run(job: Job): Promise<void> {
    const { entry } = job;
    const events = new ResourceClient<EventsV1Event, KubernetesList<EventsV1Event>>(this.#client, EVENTS_V1_RESOURCE, entry.namespace);
    const name = entry.body.metadata?.name ?? "";
    const signal = this.#abort.signal;
    try {
      if (job.kind === "create") {
        await this.#withRetries(job, () => events.create(entry.body, { signal }));
        entry.sentCount = Math.max(entry.sentCount, 1);
        this.#stats.created++;
        return;
      }
      entry.patchQueued = false;
      if (entry.count <= entry.sentCount) return;
      const count = entry.count;
      const series: EventSeries = { count, lastObservedTime: entry.lastObservedTime };
      try {
        await this.#withRetries(job, () => events.patch(name, PatchType.Merge, { series }, { signal }));
        this.#stats.patched++;
      } catch (err) {
        if (!isNotFound(err)) throw err;
        // the Event is gone (expired or never created): create it again, series and all
        await this.#withRetries(job, () => events.create({ ...entry.body, series }, { signal }));
        this.#stats.created++;
      }
      entry.sentCount = Math.max(entry.sentCount, count);
    } catch (err) {
      if (signal.aborted) return;
      this.#stats.failed++;
      this.#logger.error(`event not recorded: ${job.kind === "create" ? "create" : "series patch"} failed`, {
        event: `${entry.namespace}/${name}`,
        reason: entry.body.reason,
        regarding: describeRef(entry.body.regarding),
        error: err,
      });
    }
  }

  async #withRetries<R>(job: Job, write: () => Promise<R>): Promise<R> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await write();
      } catch (err) {
        if (attempt >= this.#limits.maxTries || !isTransient(err) || this.#abort.signal.aborted) throw err;
        if (attempt === 1) {
          this.#logger.info("event write failed; retrying", {
            kind: job.kind,
            reason: job.entry.body.reason,
            error: err,
            retryInMs: this.#limits.retryDelayMs,
          });
        }
        await sleepOn(this.#clock, this.#limits.retryDelayMs, this.#abort.signal);
      }
    }
  }

  /** The time stamped into eventTime/lastObservedTime: sub-millisecond on the wall clock. */
  #stampMs(): number {
    return this.#clock === realClock ? performance.timeOrigin + performance.now() : this.#clock.now();
  }

  #microNow(): MicroTime {
    return formatMicroTime(this.#stampMs());
  }

  /** Unix nanoseconds for Event names, strictly increasing within this recorder (no name collides). */
  #uniqueNanos(stampMs: number): bigint {
    let n = BigInt(Math.floor(stampMs * 1000)) * 1000n;
    if (n <= this.#lastNanos) n = this.#lastNanos + 1n;
    this.#lastNanos = n;
    return n;
  }
}

/** An ObjectReference to an object (apimachinery `reference.GetReference`, minus the scheme lookup). */
export function objectReferenceOf(obj: KubernetesObject | ObjectReference): ObjectReference {
  return toReference(obj);
}

function toReference(obj: KubernetesObject | ObjectReference): ObjectReference {
  if (!("metadata" in obj) || obj.metadata === undefined) {
    const r = obj as ObjectReference;
    return pick({
      apiVersion: r.apiVersion,
      kind: r.kind,
      namespace: r.namespace,
      name: r.name,
      uid: r.uid,
      resourceVersion: r.resourceVersion,
      fieldPath: r.fieldPath,
    });
  }
  const o = obj as KubernetesObject;
  return pick({
    apiVersion: o.apiVersion,
    kind: o.kind,
    namespace: o.metadata?.namespace,
    name: o.metadata?.name,
    uid: o.metadata?.uid,
    resourceVersion: o.metadata?.resourceVersion,
    fieldPath: undefined,
  });
}

function pick(r: Record<keyof ObjectReference, string | undefined>): ObjectReference {
  const out: ObjectReference = {};
  for (const [k, v] of Object.entries(r)) if (v) (out as Record<string, string>)[k] = v;
  return out;
}

/** What identifies an object for dedupe and spam (its resourceVersion changes, so it is left out). */
function refIdentity(r: ObjectReference): string[] {
  return [r.apiVersion ?? "", r.kind ?? "", r.namespace ?? "", r.name ?? "", r.uid ?? "", r.fieldPath ?? ""];
}

function describeRef(r: ObjectReference): string {
  return `${r.kind ?? "object"} ${r.namespace ? `${r.namespace}/` : ""}${r.name ?? "?"}`;
}

function isTransient(err: unknown): boolean {
  if (isNetworkError(err)) return true;
  return err instanceof ApiError && (err.code === 429 || err.code >= 500 || err.code === 408);
}

function truncateUtf8(s: string, maxBytes: number): string {
  if (Buffer.byteLength(s) <= maxBytes) return s;
  let out = "";
  let bytes = 0;
  for (const ch of s) {
    const b = Buffer.byteLength(ch);
    if (bytes + b > maxBytes) break;
    out += ch;
    bytes += b;
  }
  return out;
}

function lruGet<V>(map: Map<string, V>, key: string): V | undefined {
  const v = map.get(key);
  if (v !== undefined) {
    map.delete(key);
    map.set(key, v);
  }
  return v;
}

function lruSet<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > EVENT_RECORDER_DEFAULTS.cacheSize) {
    const oldest = map.keys().next();
    if (!oldest.done) map.delete(oldest.value);
  }
}
