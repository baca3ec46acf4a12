// FakeClient: a RequestExecutor that answers from memory, for the generated
// FakeClientset (client-go testing/fake.go Fake + testing/fixture.go
// ObjectReaction). Every call is recorded as an action; reactors see it in
// order (prepended first) and the first that answers wins; the ObjectTracker
// is the final reactor. Unlike client-go's fake, list and watch honour field
// selectors, writes follow the server's metadata rules, and errors carry the
// server's Status. Writes without a fieldManager are attributed to the
// client's User-Agent product, and the server's warnings (pruned unknown
// fields) go to a warning handler, as a RestConfig's would.

import { Readable } from "node:stream";
import { parse as parseYaml } from "yaml";
import { ApiError } from "../../errors/api-error.js";
import { newBadRequest, newMethodNotSupported } from "../../errors/constructors.js";
import type { DeleteOptions, ListOptions, WatchOptions } from "../../meta/options.js";
import { PatchType } from "../../meta/options.js";
import type { KubernetesObject, Status } from "../../meta/types.js";
import type { RequestSpec } from "../../rest/build-request.js";
import type { RequestExecutor } from "../../rest/resource-client.js";
import type { WatchResponseHooks } from "../../rest/rest-client.js";
import { defaultUserAgent, type ApiWarning, type WarningHandler } from "../../config/rest-config.js";
import { realClock, type Clock } from "../../util/clock.js";
import type { WatchEvent } from "../../watch/decoder.js";
import { isBuiltInGroup } from "./field-selector.js";
import { fieldManagerFromUserAgent } from "./object-meta.js";
import { ObjectTracker, type TrackedObject } from "./object-tracker.js";
import { PatchError, applyJsonPatch, applyMergePatch } from "./patch.js";
import { bind, cutLog, evict, issueToken, scaleOf, updateScale } from "./subresources.js";
import type { FakeAction, FakeResource, Reactor, WatchReactor } from "./types.js";

/** Options of {@link FakeClient}. */
export interface FakeClientOptions {
  /** The resources served (the generator emits this table). */
  readonly resources: readonly FakeResource[];
  /** Seed objects (or `...List`s), located by apiVersion and kind. */
  readonly objects?: readonly KubernetesObject[];
  /** Clock for timestamps and watch timeouts (default: the wall clock). */
  readonly clock?: Clock;
  /** Watch events kept for resuming watches (default 10,000). */
  readonly historyLimit?: number;
  /** The User-Agent the fake's clients "send" (default: the runtime's {@link defaultUserAgent}). */
  readonly userAgent?: string;
  /** Receives the server's warnings, as `RestConfig.warningHandler` does (default: none; see {@link FakeClient.warnings}). */
  readonly warningHandler?: WarningHandler | null;
}

interface Registered<F> {
  readonly verb: string;
  readonly resource: string;
  readonly fn: F;
}

/** The message for server-side apply to a resource whose FakeResource has no `apply` schema. */
export const APPLY_NOT_SUPPORTED = "server-side apply needs the resource's apply schema (FakeResource.apply), which this resource table does not give";

/** An apply patch body: an object, or JSON/YAML text (400 "error decoding YAML" when it is neither). */
function parseApplyBody(body: unknown): unknown {
  if (typeof body === "string" || Buffer.isBuffer(body)) {
    const text = body.toString();
    try {
      return JSON.parse(text);
    } catch {
      try {
        return parseYaml(text) as unknown;
      } catch (err) {
        throw newBadRequest(`error decoding YAML: ${(err as Error).message}`);
      }
    }
  }
  return body === undefined ? undefined : JSON.parse(JSON.stringify(body));
}

function copy<T>(v: T): T {
  if (v === undefined) return v;
  if (Buffer.isBuffer(v)) return v.toString("utf8") as T;
  return JSON.parse(JSON.stringify(v)) as T;
}

function signalOf(spec: RequestSpec): AbortSignal | undefined {
  return spec.signal ?? spec.options?.signal;
}

/** Whether a reactor registered for `verb` and `resource` (`"*"`, `pods` or `pods/status`) handles an action (client-go Action.Matches). */
export function reactorMatches(verb: string, resource: string, action: FakeAction): boolean {
  if (verb !== "*" && verb.toLowerCase() !== action.verb.toLowerCase()) return false;
  if (resource === "*") return true;
  const slash = resource.indexOf("/");
  if (slash < 0) return resource.toLowerCase() === action.resource.toLowerCase();
  return (
    resource.slice(0, slash).toLowerCase() === action.resource.toLowerCase() &&
    resource.slice(slash + 1).toLowerCase() === action.subresource.toLowerCase()
  );
}

function notServed(what: string): ApiError {
  return new ApiError({
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message: `the server could not find the requested resource: the fake clientset does not serve ${what}`,
    reason: "NotFound",
    details: {},
    code: 404,
  });
}

function unsupportedMediaType(message: string): ApiError {
  return new ApiError({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason: "UnsupportedMediaType", code: 415 });
}

function parseBody(body: unknown): unknown {
  if (typeof body === "string" || Buffer.isBuffer(body)) {
    try {
      return JSON.parse(body.toString());
    } catch (err) {
      throw newBadRequest(`error decoding patch: ${(err as Error).message}`);
    }
  }
  return body;
}

/**
 * An in-memory {@link RequestExecutor}: typed clients over it behave like
 * clients of a real API server with no controllers running.
 */
export class FakeClient implements RequestExecutor {
  /** The store: seed, inspect or compact it directly. */
  readonly tracker: ObjectTracker;
  readonly #clock: Clock;
  #actions: FakeAction[] = [];
  #reactors: Registered<Reactor>[] = [];
  #watchReactors: Registered<WatchReactor>[] = [];
  readonly #logs = new Map<string, string>();
  #warnings: ApiWarning[] = [];
  /**
   * The User-Agent of the requests: a write without `fieldManager` is recorded under its product
   * (the text before the first `/`), as kube-apiserver does. Change it to act as another program.
   */
  userAgent: string;
  /** Receives each warning the server would send (`null` or undefined: recorded only). */
  warningHandler: WarningHandler | null | undefined;

  constructor(options: FakeClientOptions) {
    this.#clock = options.clock ?? realClock;
    this.userAgent = options.userAgent ?? defaultUserAgent();
    this.warningHandler = options.warningHandler;
    this.tracker = new ObjectTracker({
      resources: options.resources,
      clock: this.#clock,
      ...(options.historyLimit !== undefined ? { historyLimit: options.historyLimit } : {}),
    });
    for (const o of options.objects ?? []) this.tracker.add(o);
  }

  /** Every call so far, in order (copies). */
  actions(): FakeAction[] {
    return copy(this.#actions);
  }

  /** Forgets the recorded actions. */
  clearActions(): void {
    this.#actions = [];
  }

  /** Every warning the server would have sent so far, in order (copies). */
  warnings(): ApiWarning[] {
    return this.#warnings.map((w) => ({ ...w }));
  }

  /** Forgets the recorded warnings. */
  clearWarnings(): void {
    this.#warnings = [];
  }

  #warn(text: string): void {
    const w: ApiWarning = { code: 299, agent: "-", text };
    this.#warnings.push(w);
    this.warningHandler?.({ ...w });
  }

  /** Adds a reactor that runs before the ones already registered. `verb` and `resource` may be `"*"`; `resource` may name a subresource (`pods/status`). */
  prependReactor(verb: string, resource: string, fn: Reactor): void {
    this.#reactors.unshift({ verb, resource, fn });
  }

  /** Adds a reactor after the ones already registered (still before the tracker). */
  appendReactor(verb: string, resource: string, fn: Reactor): void {
    this.#reactors.push({ verb, resource, fn });
  }

  /** Adds a watch reactor that runs before the ones already registered. */
  prependWatchReactor(resource: string, fn: WatchReactor): void {
    this.#watchReactors.unshift({ verb: "watch", resource, fn });
  }

  /** Adds a watch reactor after the ones already registered (still before the tracker). */
  appendWatchReactor(resource: string, fn: WatchReactor): void {
    this.#watchReactors.push({ verb: "watch", resource, fn });
  }

  /** Sets the text a pod's `log` subresource streams (for one container, or the pod's default). */
  setLog(namespace: string, pod: string, text: string): void;
  setLog(namespace: string, pod: string, container: string, text: string): void;
  setLog(namespace: string, pod: string, a: string, b?: string): void {
    if (b === undefined) this.#logs.set(`${namespace}/${pod}/`, a);
    else this.#logs.set(`${namespace}/${pod}/${a}`, b);
  }

  #record(spec: RequestSpec): FakeAction {
    const { signal: _s, ...options } = (spec.options ?? {}) as Record<string, unknown>;
    const action: FakeAction = {
      verb: spec.verb ?? (spec.method ?? "GET").toUpperCase(),
      group: spec.group ?? "",
      version: spec.version ?? "",
      resource: spec.resource ?? "",
      namespace: spec.namespace ?? "",
      name: spec.name ?? "",
      subresource: spec.subresource ?? "",
      ...(spec.body !== undefined ? { body: copy(spec.body) } : {}),
      ...(spec.patchType ? { patchType: spec.patchType } : {}),
      options: copy(options),
      ...(spec.query ? { query: copy(spec.query) } : {}),
      ...(spec.path !== undefined ? { path: spec.path } : {}),
    };
    this.#actions.push(action);
    return action;
  }

  async #react(action: FakeAction): Promise<{ object: unknown } | undefined> {
    for (const r of [...this.#reactors]) {
      if (!reactorMatches(r.verb, r.resource, action)) continue;
      const res = await r.fn(copy(action));
      if (res !== undefined) return res;
    }
    return undefined;
  }

  /** Runs a request through the reactors, then the tracker; resolves with a copy of the answer. */
  async request<T = unknown>(spec: RequestSpec): Promise<T> {
    const action = this.#record(spec);
    const signal = signalOf(spec);
    if (signal?.aborted) throw signal.reason;
    const handled = await this.#react(action);
    if (handled) return copy(handled.object) as T;
    return this.#serve(spec) as T;
  }

  /**
   * Starts a watch: watch reactors first, then the tracker. The action is
   * recorded at once; `hooks.onResponse` runs when the watch is answered.
   */
  watch<T = unknown>(spec: RequestSpec, hooks?: WatchResponseHooks): AsyncGenerator<WatchEvent<T>, void, undefined> {
    const action = this.#record(spec);
    return this.#watch(spec, action, hooks) as AsyncGenerator<WatchEvent<T>, void, undefined>;
  }

  async *#watch(spec: RequestSpec, action: FakeAction, hooks?: WatchResponseHooks): AsyncGenerator<WatchEvent<unknown>, void, undefined> {
    const signal = signalOf(spec);
    if (signal?.aborted) return;
    for (const r of [...this.#watchReactors]) {
      if (!reactorMatches("watch", r.resource, action)) continue;
      const res = await r.fn(copy(action));
      if (res === undefined) continue;
      hooks?.onResponse?.();
      for await (const ev of res.events as AsyncIterable<WatchEvent<unknown>>) {
        if (signal?.aborted) return;
        yield copy(ev);
      }
      return;
    }
    const r = this.#resource(spec);
    const events = this.tracker.watch(r, this.#namespace(r, spec, true), (spec.options ?? {}) as WatchOptions, signal);
    hooks?.onResponse?.();
    yield* events;
  }

  /** Streams a subresource (pod `log`): reactors first (their object as text), then the tracker's log text. */
  async stream(spec: RequestSpec): Promise<Readable> {
    const action = this.#record(spec);
    const signal = signalOf(spec);
    if (signal?.aborted) throw signal.reason;
    const handled = await this.#react(action);
    let body: unknown;
    if (handled) {
      body = handled.object;
    } else {
      const r = this.#resource(spec);
      if (r.group === "" && r.resource === "pods" && spec.subresource === "log" && r.subresources.includes("log")) {
        const ns = this.#namespace(r, spec, false);
        const pod = this.tracker.get(r, ns, spec.name ?? "");
        const container = typeof spec.query?.container === "string" ? spec.query.container : "";
        const fallback = this.#logs.get(`${ns}/${pod.metadata.name!}/`) ?? "";
        const text = (container ? this.#logs.get(`${ns}/${pod.metadata.name!}/${container}`) : undefined) ?? fallback;
        body = cutLog(text, spec.query ?? {});
      } else {
        body = this.#serve(spec);
      }
    }
    const bytes =
      typeof body === "string" ? Buffer.from(body, "utf8") : body instanceof Uint8Array ? Buffer.from(body) : Buffer.from(JSON.stringify(body));
    return Readable.from(bytes.length ? [bytes] : []);
  }

  #resource(spec: RequestSpec): FakeResource {
    if (spec.path !== undefined) throw notServed(`raw paths such as ${JSON.stringify(spec.path)}`);
    const group = spec.group ?? "";
    const r = this.tracker.resourceFor(group, spec.version ?? "", spec.resource ?? "");
    if (!r) {
      throw notServed(
        `${group ? `${spec.resource ?? ""}.${group}` : (spec.resource ?? "")}/${spec.version ?? ""}: it is not in the FakeClient's resource table`,
      );
    }
    if (spec.subresource && !r.subresources.includes(spec.subresource)) {
      throw notServed(`the ${JSON.stringify(spec.subresource)} subresource of ${r.resource} (the resource table lists ${JSON.stringify(r.subresources)})`);
    }
    return r;
  }

  #namespace(r: FakeResource, spec: RequestSpec, collection: boolean): string {
    if (!r.namespaced) return "";
    const ns = spec.namespace ?? "";
    if (!ns && !collection) throw newBadRequest(`${r.resource} are namespaced: a ${spec.verb ?? "request"} needs a namespace`);
    return ns;
  }

  /** The tracker as the final reactor (client-go ObjectReaction). */
  #serve(spec: RequestSpec): unknown {
    const r = this.#resource(spec);
    const verb = spec.verb;
    const sub = spec.subresource ?? "";
    const name = spec.name ?? "";
    const options = (spec.options ?? {}) as Record<string, unknown>;
    const dryRun = options.dryRun === true || options.dryRun === "All";
    const fieldManager = typeof options.fieldManager === "string" ? options.fieldManager : undefined;
    const warn = (text: string): void => this.#warn(text);
    const write = { dryRun, fieldManager: fieldManager || fieldManagerFromUserAgent(this.userAgent), warn };
    const gr = { group: r.group, resource: sub ? `${r.resource}/${sub}` : r.resource };
    switch (verb) {
      case "get": {
        const ns = this.#namespace(r, spec, false);
        if (sub === "scale") return scaleOf(r, this.tracker.get(r, ns, name));
        if (sub === "" || sub === "status") return this.tracker.get(r, ns, name);
        throw newMethodNotSupported(gr, "get");
      }
      case "list":
        return this.tracker.list(r, this.#namespace(r, spec, true), options as ListOptions);
      case "create": {
        const ns = this.#namespace(r, spec, false);
        if (sub === "") return this.tracker.create(r, ns, spec.body, write);
        const core = r.group === "";
        if (core && r.resource === "pods" && sub === "eviction") return evict(this.tracker, r, ns, name, parseBody(spec.body));
        if (core && r.resource === "pods" && sub === "binding") return bind(this.tracker, r, ns, name, parseBody(spec.body));
        if (core && r.resource === "serviceaccounts" && sub === "token") {
          return issueToken(this.tracker, r, ns, name, parseBody(spec.body), this.#clock);
        }
        throw newMethodNotSupported(gr, "create");
      }
      case "update": {
        const ns = this.#namespace(r, spec, false);
        if (sub === "") return this.tracker.update(r, ns, name, spec.body, write);
        if (sub === "status") return this.tracker.update(r, ns, name, spec.body, { ...write, subresource: "status" });
        if (sub === "scale") return updateScale(this.tracker, r, ns, name, parseBody(spec.body), dryRun);
        throw newMethodNotSupported(gr, "update");
      }
      case "patch":
        return this.#patch(r, spec, dryRun, fieldManager, warn);
      case "apply":
        return this.#apply(r, spec, dryRun, fieldManager, warn);
      case "delete": {
        if (sub !== "") throw newMethodNotSupported(gr, "delete");
        return this.tracker.delete(r, this.#namespace(r, spec, false), name, options as DeleteOptions);
      }
      case "deletecollection":
        return this.tracker.deleteCollection(r, this.#namespace(r, spec, true), options as ListOptions & DeleteOptions);
      default:
        throw newMethodNotSupported(gr, (spec.method ?? "GET").toUpperCase());
    }
  }

  /** Server-side apply (verb `apply`, or a patch with PatchType.Apply): the tracker's apply. */
  #apply(r: FakeResource, spec: RequestSpec, dryRun: boolean, fieldManager: string | undefined, warn: (text: string) => void): unknown {
    const name = spec.name ?? "";
    const sub = spec.subresource ?? "";
    if (!r.apply || (sub !== "" && sub !== "status")) {
      throw unsupportedMediaType(
        `${sub && r.apply ? `server-side apply to the ${JSON.stringify(sub)} subresource is not supported by the fake clientset` : APPLY_NOT_SUPPORTED} (apply ${r.resource} ${JSON.stringify(name)}); use a reactor, update or a merge patch`,
      );
    }
    const ns = this.#namespace(r, spec, false);
    const options = (spec.options ?? {}) as Record<string, unknown>;
    const manager = fieldManager ?? (typeof spec.query?.fieldManager === "string" ? spec.query.fieldManager : undefined);
    const force = options.force === true || spec.query?.force === true || spec.query?.force === "true";
    return this.tracker.apply(r, ns, name, parseApplyBody(spec.body), {
      dryRun,
      force,
      warn,
      ...(manager ? { fieldManager: manager } : {}),
      ...(sub ? { subresource: sub } : {}),
    });
  }

  #patch(r: FakeResource, spec: RequestSpec, dryRun: boolean, fieldManager: string | undefined, warn: (text: string) => void): unknown {
    const ns = this.#namespace(r, spec, false);
    const name = spec.name ?? "";
    const sub = spec.subresource ?? "";
    if (sub !== "" && sub !== "status" && sub !== "scale") {
      throw newMethodNotSupported({ group: r.group, resource: `${r.resource}/${sub}` }, "patch");
    }
    const type = spec.patchType;
    if (type === PatchType.Apply) return this.#apply(r, spec, dryRun, fieldManager, warn);
    if (type === PatchType.StrategicMerge) {
      if (!isBuiltInGroup(r.group)) {
        // What the server says for custom resources, which have no strategic merge patch.
        throw unsupportedMediaType(
          "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml",
        );
      }
      throw unsupportedMediaType(
        `strategic merge patch is not supported by the fake clientset (patch ${r.resource} ${JSON.stringify(name)}); use a JSON merge patch or a JSON patch, or a reactor`,
      );
    }
    if (type !== PatchType.Merge && type !== PatchType.JSON) {
      throw unsupportedMediaType(
        `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, ${isBuiltInGroup(r.group) ? "application/strategic-merge-patch+json, " : ""}application/apply-patch+yaml`,
      );
    }
    const current = sub === "scale" ? scaleOf(r, this.tracker.get(r, ns, name)) : this.tracker.get(r, ns, name);
    const doc = parseBody(spec.body);
    let patched: unknown;
    if (type === PatchType.Merge) {
      if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
        throw newBadRequest("error decoding patch: a JSON merge patch must be a JSON object");
      }
      patched = applyMergePatch(current, doc);
    } else {
      try {
        patched = applyJsonPatch(current, doc);
      } catch (err) {
        if (!(err instanceof PatchError)) throw err;
        if (err.kind === "malformed") throw newBadRequest(`error decoding patch: ${err.message}`);
        // The server's answer (NewGenericServerResponse 422): the reason is in `cause`, not the message.
        throw new ApiError(
          {
            kind: "Status",
            apiVersion: "v1",
            metadata: {},
            status: "Failure",
            message: "the server rejected our request due to an error in our request",
            reason: "Invalid",
            details: {},
            code: 422,
          },
          {},
          { cause: err },
        );
      }
    }
    if (sub === "scale") return updateScale(this.tracker, r, ns, name, patched, dryRun);
    return this.tracker.updatePatched(r, ns, name, patched as TrackedObject, {
      dryRun,
      fieldManager: fieldManager || fieldManagerFromUserAgent(this.userAgent),
      warn,
      ...(sub ? { subresource: sub } : {}),
    });
  }
}

/** A Status is what delete answers for most resources; this tells it from an object. */
export function isSuccessStatus(v: unknown): v is Status {
  return typeof v === "object" && v !== null && (v as Status).kind === "Status" && (v as Status).status === "Success";
}
