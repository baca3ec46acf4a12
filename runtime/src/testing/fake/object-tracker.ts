// ObjectTracker: the fake clientset's in-memory API server storage (client-go
// testing/fixture.go ObjectTracker, made to behave like kube-apiserver where
// client-go's does not). It owns the objects of every resource in the table,
// one resourceVersion counter (like etcd's revision), the server's metadata
// rules for create/update/delete (uid, creationTimestamp, generation,
// generateName, optimistic concurrency, finalizers, the status subresource),
// list selection and paging, and watch with a bounded event history.
//
// Guarantees:
// - Objects are deep-copied in and out: callers never share memory with the store.
// - Every write gets the next resourceVersion; a write that changes nothing
//   (no-op update) gets none and emits no event, as on the server.
// - A watch from a resourceVersion replays every kept event after it, then
//   live events, in write order; one older than the history is 410 Expired.
// - Watchers are registered only while a watch is being iterated; ending the
//   iteration (return, abort, timeout) removes them.
// - Resources with an apply schema (FakeResource.apply) get the server's field
//   ownership: create/update/patch record an Update manager in managedFields,
//   and `apply` is server-side apply (apply/field-manager.ts) with its
//   conflicts, pruning and creation of missing objects.
// - Resources with a structural schema (FakeResource.validation, CRDs) are
//   decoded and validated as the server does custom resources
//   (schema-validation.ts): unknown fields are pruned with the server's
//   warnings, invalid objects are a 422, names must be DNS subdomains and a
//   PUT must carry metadata.resourceVersion.
// - uid preconditions as on the server: a PUT naming another uid is a 409, a
//   patch or apply changing it a 422 (immutable), an apply naming a uid for a
//   missing object a 409. Empty metadata maps and lists are dropped.

import { randomUUID } from "node:crypto";
import { ApiError } from "../../errors/api-error.js";
import {
  fieldInvalid,
  fieldRequired,
  newAlreadyExists,
  newBadRequest,
  newConflict,
  newInvalid,
  newNotFound,
  newResourceExpired,
} from "../../errors/constructors.js";
import type { DeleteOptions, ListOptions, WatchOptions } from "../../meta/options.js";
import {
  SelectorParseError,
  labelSelectorRequirements,
  matchesLabelSelector,
  parseLabelSelector,
  type LabelRequirement,
} from "../../meta/selectors.js";
import type { KubernetesObject, ObjectMeta, Status } from "../../meta/types.js";
import { realClock, type Clock } from "../../util/clock.js";
import type { WatchEvent } from "../../watch/decoder.js";
import { applyConfig, trackUpdate, type OwnershipContext } from "../../apply/field-manager.js";
import { SchemaValueError, validateValue } from "../../apply/merge.js";
import { struct } from "../../apply/schema.js";
import { compileFieldSelector, isBuiltInGroup } from "./field-selector.js";
import { dnsSubdomainNameErrors, dropEmptyMaps, dropEmptyMetadata } from "./object-meta.js";
import { jsonEqual } from "./patch.js";
import { pruneObject, validateObject } from "./schema-validation.js";
import type { FakeResource } from "./types.js";

/** A stored object: any JSON object with metadata. */
export interface TrackedObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

/** A list as the tracker returns it. */
export interface TrackedList {
  apiVersion: string;
  kind: string;
  metadata: { resourceVersion: string; continue?: string; remainingItemCount?: number };
  items: TrackedObject[];
}

/** Options of {@link ObjectTracker}. */
export interface ObjectTrackerOptions {
  /** The resources served. */
  readonly resources: readonly FakeResource[];
  /** Source of creationTimestamp and deletionTimestamp (default: the wall clock). */
  readonly clock?: Clock;
  /** Watch events kept for watches that resume from a resourceVersion (default 10,000). */
  readonly historyLimit?: number;
}

/** Options of a tracker write. */
export interface WriteOptions {
  /** Validate and compute the result without storing it (`dryRun: "All"`). */
  readonly dryRun?: boolean;
  /**
   * The writer's name in managedFields (resources with an apply schema only). The server
   * defaults it from the User-Agent; the fake uses {@link DEFAULT_FIELD_MANAGER}.
   */
  readonly fieldManager?: string;
  /** Receives the server's warnings for the write (e.g. `unknown field "spec.x"` for pruned fields). */
  readonly warn?: (text: string) => void;
}

/** How an update reached the tracker: a PUT (the body's uid is a precondition), or a patch or apply (the uid is immutable). */
type UpdateMode = "put" | "patch";

/** Options of {@link ObjectTracker.apply}. */
export interface ApplyWriteOptions {
  /** The applier's name; required (a 422 like the server's without it). */
  readonly fieldManager?: string;
  /** Take over fields other managers own instead of failing with a 409. */
  readonly force?: boolean;
  /** Compute the result without storing it. */
  readonly dryRun?: boolean;
  /** `status` to apply to the status subresource. */
  readonly subresource?: string;
  /** Receives the server's warnings for the write. */
  readonly warn?: (text: string) => void;
}

/** The manager of writes that name none (the server uses the User-Agent's product, e.g. `kubectl`). */
export const DEFAULT_FIELD_MANAGER = "kubegen-fake";

type EventType = "ADDED" | "MODIFIED" | "DELETED";

interface HistoryEvent {
  readonly rv: number;
  readonly key: string;
  readonly namespace: string;
  readonly type: EventType;
  readonly object: TrackedObject;
  /** The object before a MODIFIED event (for selector transitions). */
  readonly prev?: TrackedObject;
}

/** The characters apiserver's generateName suffix uses (k8s.io/apimachinery util/rand: no vowels, no 0, 1, 3). */
const NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

/** The default number of watch events kept. */
export const DEFAULT_HISTORY_LIMIT = 10_000;

/** Resources whose DELETE returns the deleted object instead of a Status (registry ReturnDeletedObject). */
const RETURNS_DELETED_OBJECT = new Set(["/pods"]);

function clone<T>(v: T): T {
  return structuredClone(v);
}

/** JSON round trip: what the server would have decoded from the request. */
function decode(body: unknown, what: string): TrackedObject {
  let v: unknown = body;
  if (typeof body === "string" || Buffer.isBuffer(body)) {
    try {
      v = JSON.parse(body.toString());
    } catch (err) {
      throw newBadRequest(`${what}: the body is not valid JSON: ${(err as Error).message}`);
    }
  } else {
    v = body === undefined ? undefined : JSON.parse(JSON.stringify(body));
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw newBadRequest(`${what}: the body must be a JSON object`);
  const obj = v as TrackedObject;
  if (obj.metadata === undefined || obj.metadata === null) obj.metadata = {};
  if (typeof obj.metadata !== "object") throw newBadRequest(`${what}: metadata must be an object`);
  return obj;
}

/** RFC 3339 with seconds, as metav1.Time serialises. */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** `apps/v1` -> ["apps", "v1"], `v1` -> ["", "v1"], `` -> ["", ""] (schema.ParseGroupVersion). */
function splitApiVersion(apiVersion: string): [string, string] {
  const slash = apiVersion.indexOf("/");
  return slash < 0 ? ["", apiVersion] : [apiVersion.slice(0, slash), apiVersion.slice(slash + 1)];
}

/** `v1` for the core group, else `group/version`. */
export function apiVersionOf(r: FakeResource): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}

/** `group/version/resource`, the key of a resource's storage. */
export function resourceKey(r: Pick<FakeResource, "group" | "version" | "resource">): string {
  return `${r.group}/${r.version}/${r.resource}`;
}

/** Where etcd keeps an object: `/registry/<group>/<resource>/...` for custom resources, `/registry/<resource>/...` for built-ins. */
function storageKey(r: FakeResource, ns: string, name: string): string {
  const prefix = r.validation ? `/registry/${r.group}/${r.resource}` : `/registry/${r.resource}`;
  return `${prefix}/${ns ? `${ns}/` : ""}${name}`;
}

function hasStatusSubresource(r: FakeResource): boolean {
  return r.subresources.includes("status");
}

/** What generation tracks: everything but metadata, status and type meta. */
function specOf(o: TrackedObject): Record<string, unknown> {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = o;
  return rest;
}

function withTypeMeta(r: FakeResource, o: TrackedObject): TrackedObject {
  const { apiVersion: _a, kind: _k, ...rest } = o;
  return { apiVersion: apiVersionOf(r), kind: r.kind, ...rest };
}

function compileLabelSelector(selector: ListOptions["labelSelector"]): readonly LabelRequirement[] {
  if (selector === undefined) return [];
  try {
    return typeof selector === "string" ? parseLabelSelector(selector) : labelSelectorRequirements(selector);
  } catch (err) {
    if (err instanceof SelectorParseError) throw newBadRequest(`unable to parse requirement: ${err.message}`);
    throw err;
  }
}

interface ContinueToken {
  v: 1;
  r: string;
  k: string;
  rv: number;
}

/** The in-memory store behind a FakeClient. */
export class ObjectTracker {
  readonly #resources: readonly FakeResource[];
  readonly #clock: Clock;
  readonly #historyLimit: number;
  /** resourceKey -> (namespace/name -> object). */
  readonly #store = new Map<string, Map<string, TrackedObject>>();
  #rv = 0;
  #history: HistoryEvent[] = [];
  /** The newest resourceVersion no longer in the history (0: nothing dropped). */
  #compactedThrough = 0;
  readonly #watchers = new Set<(e: HistoryEvent) => void>();

  constructor(options: ObjectTrackerOptions) {
    this.#resources = options.resources;
    this.#clock = options.clock ?? realClock;
    this.#historyLimit = Math.max(1, options.historyLimit ?? DEFAULT_HISTORY_LIMIT);
  }

  /** The resources served. */
  get resources(): readonly FakeResource[] {
    return this.#resources;
  }

  /** The current resourceVersion (the last write's), as a string. */
  get resourceVersion(): string {
    return String(this.#rv);
  }

  /** Number of watches being iterated (for leak checks). */
  get watcherCount(): number {
    return this.#watchers.size;
  }

  /** The resource with this group, version and plural name, or undefined. */
  resourceFor(group: string, version: string, resource: string): FakeResource | undefined {
    return this.#resources.find((r) => r.group === group && r.version === version && r.resource === resource);
  }

  /** The resource serving objects of this apiVersion and kind, or undefined. */
  resourceForKind(apiVersion: string, kind: string): FakeResource | undefined {
    return this.#resources.find((r) => apiVersionOf(r) === apiVersion && r.kind === kind);
  }

  /** {@link resourceForKind} that throws a clear Error naming the apiVersion and kind. */
  resourceForKindOrThrow(apiVersion: string | undefined, kind: string | undefined): FakeResource {
    const r = apiVersion && kind ? this.resourceForKind(apiVersion, kind) : undefined;
    if (!r) {
      throw new Error(
        `the fake clientset serves no resource for apiVersion ${JSON.stringify(apiVersion)} kind ${JSON.stringify(kind)}` +
          " (objects need apiVersion and kind, and the kind must be in the FakeClient's resource table)",
      );
    }
    return r;
  }

  /**
   * Adds a seed object (or every item of a `...List`), located by apiVersion
   * and kind. Seeds get create's defaults (uid, creationTimestamp,
   * generation 1, a resourceVersion) but keep the values they have, status
   * included. An object that already exists is replaced.
   */
  add(obj: KubernetesObject): TrackedObject[] {
    const items = (obj as { items?: unknown }).items;
    if (obj.kind?.endsWith("List") && Array.isArray(items)) {
      const kind = obj.kind.slice(0, -"List".length);
      return items.flatMap((item: KubernetesObject) => this.add({ apiVersion: obj.apiVersion, kind, ...item } as KubernetesObject));
    }
    const r = this.resourceForKindOrThrow(obj.apiVersion, obj.kind);
    const o = decode(obj, `seed ${obj.kind}`);
    const ns = r.namespaced ? (o.metadata.namespace ?? "") : "";
    if (r.namespaced && !ns) {
      throw new Error(`seed ${obj.kind} ${JSON.stringify(o.metadata.name ?? "")} has no metadata.namespace (${r.resource} are namespaced)`);
    }
    if (!o.metadata.name) throw new Error(`seed ${obj.kind} has no metadata.name`);
    const existing = this.#objects(r).get(`${ns}/${o.metadata.name}`);
    if (existing) {
      delete o.metadata.resourceVersion;
      for (const k of ["uid", "creationTimestamp", "generation"] as const) {
        if (o.metadata[k] === undefined && existing.metadata[k] !== undefined) (o.metadata as Record<string, unknown>)[k] = existing.metadata[k];
      }
      return [this.#commit(r, ns, withTypeMeta(r, o), existing)];
    }
    delete o.metadata.resourceVersion;
    return [this.#create(r, ns, o, { seed: true })];
  }

  #objects(r: FakeResource): Map<string, TrackedObject> {
    const key = resourceKey(r);
    let m = this.#store.get(key);
    if (!m) {
      m = new Map();
      this.#store.set(key, m);
    }
    return m;
  }

  #gr(r: FakeResource): { group: string; resource: string } {
    return { group: r.group, resource: r.resource };
  }

  /** The object, or undefined (a copy). */
  find(r: FakeResource, namespace: string, name: string): TrackedObject | undefined {
    const o = this.#objects(r).get(`${r.namespaced ? namespace : ""}/${name}`);
    return o ? clone(o) : undefined;
  }

  /** The object, or a 404 NotFound ApiError like the server's. */
  get(r: FakeResource, namespace: string, name: string): TrackedObject {
    const o = this.find(r, namespace, name);
    if (!o) throw newNotFound(this.#gr(r), name);
    return o;
  }

  #checkNamespace(r: FakeResource, namespace: string, o: TrackedObject): string {
    if (!r.namespaced) {
      delete o.metadata.namespace;
      return "";
    }
    if (o.metadata.namespace && namespace && o.metadata.namespace !== namespace) {
      throw newBadRequest("the namespace of the provided object does not match the namespace sent on the request");
    }
    const ns = namespace || o.metadata.namespace || "";
    if (!ns) throw newBadRequest(`${r.resource} are namespaced: the request needs a namespace`);
    o.metadata.namespace = ns;
    return ns;
  }

  /** POST: stores a new object with the server's metadata defaults. */
  create(r: FakeResource, namespace: string, body: unknown, options: WriteOptions = {}): TrackedObject {
    const o = decode(body, `create ${r.resource}`);
    if (o.metadata.resourceVersion) {
      throw new ApiError({
        kind: "Status",
        apiVersion: "v1",
        metadata: {},
        status: "Failure",
        message: "resourceVersion should not be set on objects to be created",
        code: 500,
      });
    }
    const ns = this.#checkNamespace(r, namespace, o);
    this.#prune(r, o, options.warn);
    return this.#create(r, ns, o, { dryRun: !!options.dryRun, track: true, fieldManager: options.fieldManager });
  }

  /** Decoding as the server does: fields the structural schema does not declare are dropped, each with a warning. */
  #prune(r: FakeResource, o: TrackedObject, warn: ((text: string) => void) | undefined): void {
    if (!r.validation) return;
    for (const w of pruneObject(r.validation.schema, r.validation.type, o)) warn?.(w);
  }

  /** The server's validation of a custom resource (names, then the schema): a 422 Invalid listing every error. */
  #validate(r: FakeResource, o: TrackedObject, scope: "object" | "status"): void {
    if (!r.validation) return;
    const errors = [
      ...(scope === "object" && o.metadata.name ? dnsSubdomainNameErrors(o.metadata.name) : []),
      ...validateObject(r.validation.schema, r.validation.type, o, scope === "status" ? "status" : undefined),
    ];
    if (errors.length) throw newInvalid({ group: r.group, kind: r.kind }, o.metadata.name ?? "", errors);
  }

  /** What the server's encoding leaves out: empty metadata maps and lists, and empty maps of built-in types. */
  #normalise(r: FakeResource, o: TrackedObject): void {
    dropEmptyMetadata(o.metadata);
    if (r.apply && !r.validation && isBuiltInGroup(r.group)) dropEmptyMaps(r.apply.schema, r.apply.type, o);
  }

  /** How field ownership works for writes to `r` (undefined: the resource has no apply schema). */
  #ownership(r: FakeResource, subresource: string | undefined): OwnershipContext | undefined {
    if (!r.apply) return undefined;
    return {
      typed: { schema: r.apply.schema, node: struct(r.apply.type) },
      apiVersion: apiVersionOf(r),
      ...(subresource ? { subresource } : {}),
      reset: subresource === "status" ? "status" : hasStatusSubresource(r) ? "main" : "none",
      now: rfc3339(this.#clock.now()),
    };
  }

  #create(
    r: FakeResource,
    ns: string,
    o: TrackedObject,
    how: { seed?: boolean; dryRun?: boolean; track?: boolean; fieldManager?: string | undefined },
  ): TrackedObject {
    const objects = this.#objects(r);
    const m = o.metadata;
    if (r.namespaced) m.namespace = ns;
    if (!m.name) {
      if (!m.generateName) {
        throw newInvalid({ group: r.group, kind: r.kind }, "", [fieldRequired("metadata.name", "name or generateName is required")]);
      }
      // The server retries a few times when a generated name is taken.
      for (let attempt = 0; attempt < 8; attempt++) {
        let suffix = "";
        for (let i = 0; i < 5; i++) suffix += NAME_ALPHABET[Math.floor(Math.random() * NAME_ALPHABET.length)];
        m.name = m.generateName + suffix;
        if (!objects.has(`${ns}/${m.name}`)) break;
      }
    }
    if (!how.seed) {
      if (hasStatusSubresource(r)) delete o.status;
      this.#validate(r, o, "object");
    }
    if (objects.has(`${ns}/${m.name!}`)) throw newAlreadyExists(this.#gr(r), m.name!);
    if (!how.seed || !m.uid) m.uid = randomUUID();
    if (!how.seed || !m.creationTimestamp) m.creationTimestamp = rfc3339(this.#clock.now());
    if (r.generation === false) {
      if (!how.seed) delete m.generation;
    } else if (!how.seed || m.generation === undefined) m.generation = 1;
    if (!how.seed) {
      delete m.deletionTimestamp;
      delete m.deletionGracePeriodSeconds;
      // With a status subresource, create ignores the status it is sent (like the server's strategies).
      if (hasStatusSubresource(r)) delete o.status;
    }
    const obj = withTypeMeta(r, o);
    if (!how.seed) this.#normalise(r, obj);
    const ctx = how.track ? this.#ownership(r, undefined) : undefined;
    if (ctx) {
      const mf = trackUpdate(ctx, undefined, obj, { manager: how.fieldManager || DEFAULT_FIELD_MANAGER, sentManagedFields: obj.metadata.managedFields ?? null });
      if (mf) obj.metadata.managedFields = mf;
      else delete obj.metadata.managedFields;
    }
    if (how.dryRun) return clone(obj);
    return this.#commit(r, ns, obj, undefined);
  }

  /** Stores `next` (replacing `prev` if given) under a new resourceVersion and emits the event. */
  #commit(r: FakeResource, ns: string, next: TrackedObject, prev: TrackedObject | undefined, type?: EventType): TrackedObject {
    const objects = this.#objects(r);
    const key = `${ns}/${next.metadata.name!}`;
    const rv = ++this.#rv;
    next.metadata.resourceVersion = String(rv);
    const stored = clone(next);
    const eventType = type ?? (prev ? "MODIFIED" : "ADDED");
    if (eventType === "DELETED") objects.delete(key);
    else objects.set(key, stored);
    this.#record({ rv, key: resourceKey(r), namespace: ns, type: eventType, object: stored, ...(prev ? { prev } : {}) });
    return clone(stored);
  }

  #record(e: HistoryEvent): void {
    this.#history.push(e);
    const excess = this.#history.length - this.#historyLimit;
    if (excess > 0) {
      this.#compactedThrough = this.#history[excess - 1]!.rv;
      this.#history = this.#history.slice(excess);
    }
    for (const w of [...this.#watchers]) w(e);
  }

  /** Drops the whole event history, like an etcd compaction at the current revision: older watches get 410. */
  compact(): void {
    if (this.#history.length) this.#compactedThrough = this.#history[this.#history.length - 1]!.rv;
    this.#history = [];
  }

  /**
   * PUT: replaces an object. A `metadata.resourceVersion` that is not the
   * stored one is a 409 Conflict. With a status subresource, the main
   * resource keeps the stored status and `subresource: "status"` changes
   * only the status. generation grows when anything but metadata and status
   * changes. Removing the last finalizer of a deleting object deletes it.
   */
  update(
    r: FakeResource,
    namespace: string,
    name: string,
    body: unknown,
    options: WriteOptions & { subresource?: string } = {},
  ): TrackedObject {
    return this.#update(r, namespace, name, body, options, true, "put");
  }

  /**
   * PATCH (merge or JSON patch) after the patch is applied to the stored object: like
   * {@link update}, but the patched object's uid is immutable (a 422) instead of a precondition.
   */
  updatePatched(
    r: FakeResource,
    namespace: string,
    name: string,
    patched: unknown,
    options: WriteOptions & { subresource?: string } = {},
  ): TrackedObject {
    return this.#update(r, namespace, name, patched, options, true, "patch");
  }

  #update(
    r: FakeResource,
    namespace: string,
    name: string,
    body: unknown,
    options: WriteOptions & { subresource?: string },
    track: boolean,
    mode: UpdateMode,
  ): TrackedObject {
    const o = decode(body, `update ${r.resource}`);
    if (o.metadata.name !== undefined && o.metadata.name !== name) {
      throw newBadRequest(`the name of the object (${o.metadata.name}) does not match the name on the URL (${name})`);
    }
    o.metadata.name = name;
    const ns = this.#checkNamespace(r, namespace, o);
    const stored = this.#objects(r).get(`${ns}/${name}`);
    if (!stored) throw newNotFound(this.#gr(r), name);
    this.#prune(r, o, options.warn);
    const uid = o.metadata.uid;
    if (uid && uid !== stored.metadata.uid) {
      if (mode === "put") {
        // The body's uid is a storage precondition (apiserver registry/rest/update.go, storage.Preconditions.Check).
        throw newConflict(
          this.#gr(r),
          name,
          `StorageError: invalid object, Code: 4, Key: ${storageKey(r, ns, name)}, ResourceVersion: 0, AdditionalErrorMsg: Precondition failed: UID in precondition: ${uid}, UID in object meta: ${stored.metadata.uid ?? ""}`,
        );
      }
      // A patch that changes it fails ValidateObjectMetaUpdate, which the server runs twice.
      const immutable = fieldInvalid("metadata.uid", uid, "field is immutable");
      throw newInvalid({ group: r.group, kind: r.kind }, name, [immutable, immutable]);
    }
    if (!o.metadata.resourceVersion && mode === "put" && r.validation) {
      // Custom resources do not allow unconditional updates (registry/generic/registry/store.go).
      throw newInvalid({ group: r.group, kind: r.resource }, name, [fieldInvalid("metadata.resourceVersion", 0, "must be specified for an update")]);
    }
    if (o.metadata.resourceVersion && o.metadata.resourceVersion !== stored.metadata.resourceVersion) {
      throw newConflict(this.#gr(r), name);
    }
    let next: TrackedObject;
    if (options.subresource === "status") {
      next = clone(stored);
      if (o.status === undefined) delete next.status;
      else next.status = o.status;
    } else {
      const m = o.metadata;
      const sm = stored.metadata;
      for (const k of ["uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation"] as const) {
        if (sm[k] === undefined) delete m[k];
        else (m as Record<string, unknown>)[k] = sm[k];
      }
      next = withTypeMeta(r, o);
      if (hasStatusSubresource(r)) {
        if (stored.status === undefined) delete next.status;
        else next.status = clone(stored.status);
      }
      if (r.generation !== false && !jsonEqual(specOf(next), specOf(stored))) next.metadata.generation = (sm.generation ?? 0) + 1;
    }
    next.metadata.resourceVersion = stored.metadata.resourceVersion;
    this.#validate(r, next, options.subresource === "status" ? "status" : "object");
    this.#normalise(r, next);
    if (!track) {
      // An apply computed managedFields already.
      if (o.metadata.managedFields === undefined) delete next.metadata.managedFields;
      else next.metadata.managedFields = o.metadata.managedFields;
    } else {
      const ctx = this.#ownership(r, options.subresource);
      if (ctx) {
        const mf = trackUpdate(ctx, stored, next, {
          manager: options.fieldManager || DEFAULT_FIELD_MANAGER,
          sentManagedFields: o.metadata.managedFields ?? null,
        });
        if (mf) next.metadata.managedFields = mf;
        else delete next.metadata.managedFields;
      }
    }
    if (jsonEqual(next, stored)) return clone(stored); // a no-op write: no new resourceVersion, no event
    if (options.dryRun) return clone(next);
    if (next.metadata.deletionTimestamp && !(next.metadata.finalizers ?? []).length) {
      // The server answers with the object as written, at the resourceVersion it had.
      this.#commit(r, ns, clone(next), stored, "DELETED");
      return next;
    }
    return this.#commit(r, ns, next, stored);
  }

  /**
   * Server-side apply (PATCH with `application/apply-patch+yaml`) for resources with an apply
   * schema: merges `body` (the configuration) into the object, or creates it when it does not
   * exist, with the server's ownership rules, errors and messages (400 for a configuration of
   * another kind, without a name on create, with managedFields, or naming another object; 422
   * without a fieldManager; 500 for a field the schema does not declare; 409 for conflicts
   * without `force`). The main resource of a kind with a status subresource ignores `status`;
   * the `status` subresource ignores everything else. An apply that changes nothing stores
   * nothing (no new resourceVersion, no event), unless ownership changed.
   */
  apply(r: FakeResource, namespace: string, name: string, body: unknown, options: ApplyWriteOptions = {}): TrackedObject {
    if (!r.apply) throw new Error(`the fake clientset has no apply schema for ${r.resource}`);
    if (!options.fieldManager) {
      throw newInvalid({ group: "meta.k8s.io", kind: "PatchOptions" }, "", [fieldRequired("fieldManager", "is required for apply patch")]);
    }
    const sub = options.subresource ?? "";
    if (sub !== "" && sub !== "status") throw newBadRequest(`the fake clientset applies only to the main resource and its status, not ${JSON.stringify(sub)}`);
    if (body === undefined || body === null) throw newBadRequest("error decoding YAML: the apply patch is empty");
    const config = decode(body, `apply ${r.resource}`) as TrackedObject;
    const [group, version] = splitApiVersion(typeof config.apiVersion === "string" ? config.apiVersion : "");
    const kind = typeof config.kind === "string" ? config.kind : "";
    if (group !== r.group || version !== r.version || kind !== r.kind) {
      throw newBadRequest(`invalid object type: ${group}/${version}, Kind=${kind}`);
    }
    if (config.metadata.managedFields !== undefined && config.metadata.managedFields !== null) {
      throw newBadRequest("metadata.managedFields must be nil");
    }
    const gvk = `${r.group}/${r.version}, Kind=${r.kind}`;
    const typed = { schema: r.apply.schema, node: struct(r.apply.type) };
    try {
      validateValue(typed, config);
    } catch (err) {
      if (!(err instanceof SchemaValueError)) throw err;
      throw new ApiError(
        {
          kind: "Status",
          apiVersion: "v1",
          metadata: {},
          status: "Failure",
          message: `failed to create typed patch object (${config.metadata.namespace ?? ""}/${config.metadata.name ?? ""}; ${gvk}): ${err.message}`,
          code: 500,
        },
        {},
        { cause: err },
      );
    }
    const ns = r.namespaced ? namespace || config.metadata.namespace || "" : "";
    if (r.namespaced && !ns) throw newBadRequest(`${r.resource} are namespaced: the request needs a namespace`);
    if (r.namespaced && config.metadata.namespace && config.metadata.namespace !== ns) {
      throw newBadRequest("the namespace of the provided object does not match the namespace sent on the request");
    }
    const stored = this.#objects(r).get(`${ns}/${name}`);
    if (!stored && sub) throw newNotFound(this.#gr(r), name);
    if (!stored && config.metadata.uid) {
      throw newConflict(this.#gr(r), name, `uid mismatch: the provided object specified uid ${config.metadata.uid}, and no existing object was found`);
    }
    // What the request may change: the status subresource takes only status (and the object's
    // identity); the main resource of a kind with a status subresource ignores status.
    let effective: TrackedObject = config;
    if (sub === "status") {
      const m = config.metadata;
      effective = {
        apiVersion: config.apiVersion!,
        kind: config.kind!,
        metadata: { ...(m.name !== undefined ? { name: m.name } : {}), ...(m.namespace !== undefined ? { namespace: m.namespace } : {}) },
        ...(config.status !== undefined ? { status: config.status } : {}),
      };
    } else if (hasStatusSubresource(r) && "status" in config) {
      const { status: _s, ...rest } = config;
      effective = rest as TrackedObject;
    }
    const ctx = this.#ownership(r, sub || undefined)!;
    const result = applyConfig(ctx, stored ? clone(stored) : undefined, effective, { manager: options.fieldManager, force: !!options.force });
    const next = result.object as unknown as TrackedObject;
    const objName = next.metadata?.name;
    if (!stored) {
      if (!config.metadata.name) throw newBadRequest(`the name of the object (${name} based on URL) was undeterminable: name must be provided`);
      if (objName !== name) throw newBadRequest(`the name of the object (${objName ?? ""}) does not match the name on the URL (${name})`);
      next.metadata.namespace = r.namespaced ? ns : undefined;
      if (!r.namespaced) delete next.metadata.namespace;
      delete next.metadata.uid;
      return this.#create(r, ns, next, { dryRun: !!options.dryRun });
    }
    if (objName !== name) throw newBadRequest(`the name of the object (${objName ?? ""}) does not match the name on the URL (${name})`);
    return this.#update(r, ns, name, next, { dryRun: !!options.dryRun, ...(sub ? { subresource: sub } : {}), ...(options.warn ? { warn: options.warn } : {}) }, false, "patch");
  }

  /**
   * DELETE: removes an object, or marks it (deletionTimestamp) while it has
   * finalizers. Preconditions that do not hold are a 409 Conflict worded
   * like the server's. Resolves with a Success Status (the deleted pod for
   * pods, the still-present object while finalizers run), as the server does.
   */
  delete(r: FakeResource, namespace: string, name: string, options: DeleteOptions = {}): TrackedObject | Status {
    return this.#delete(r, namespace, name, options).result;
  }

  #delete(
    r: FakeResource,
    namespace: string,
    name: string,
    options: DeleteOptions,
  ): { result: TrackedObject | Status; object: TrackedObject } {
    const ns = r.namespaced ? namespace : "";
    const stored = this.#objects(r).get(`${ns}/${name}`);
    if (!stored) throw newNotFound(this.#gr(r), name);
    const pre = options.preconditions;
    // The server words precondition failures with the kind, not the resource.
    const byKind = { group: r.group, resource: r.kind };
    if (pre?.uid !== undefined && pre.uid !== stored.metadata.uid) {
      throw newConflict(
        byKind,
        name,
        `the UID in the precondition (${pre.uid}) does not match the UID in record (${stored.metadata.uid ?? ""}). The object might have been deleted and then recreated`,
      );
    }
    if (pre?.resourceVersion !== undefined && pre.resourceVersion !== stored.metadata.resourceVersion) {
      throw newConflict(
        byKind,
        name,
        `the ResourceVersion in the precondition (${pre.resourceVersion}) does not match the ResourceVersion in record (${stored.metadata.resourceVersion ?? ""}). The object might have been modified`,
      );
    }
    const dryRun = options.dryRun === true || options.dryRun === "All";
    if ((stored.metadata.finalizers ?? []).length) {
      if (stored.metadata.deletionTimestamp) {
        const o = clone(stored);
        return { result: o, object: clone(o) };
      }
      const next = clone(stored);
      next.metadata.deletionTimestamp = rfc3339(this.#clock.now());
      next.metadata.deletionGracePeriodSeconds = 0;
      // Graceful deletion bumps the generation (registry/rest/delete.go BeforeDelete).
      if (next.metadata.generation) next.metadata.generation += 1;
      const marked = dryRun ? next : this.#commit(r, ns, next, stored);
      return { result: marked, object: clone(marked) };
    }
    const deleted = dryRun ? clone(stored) : this.#commit(r, ns, clone(stored), stored, "DELETED");
    if (RETURNS_DELETED_OBJECT.has(`${r.group}/${r.resource}`)) return { result: deleted, object: clone(deleted) };
    // deleteCollection lists what it removed as it was stored (the resourceVersion before the delete).
    const status: Status = {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Success",
      details: { name, ...(r.group ? { group: r.group } : {}), kind: r.resource, ...(stored.metadata.uid ? { uid: stored.metadata.uid } : {}) },
    };
    return { result: status, object: clone(stored) };
  }

  /** DELETE on the collection: deletes every selected object; resolves with the list of what was deleted. */
  deleteCollection(r: FakeResource, namespace: string, options: ListOptions & DeleteOptions = {}): TrackedList {
    const match = this.#matcher(r, namespace, options);
    const selected = this.#sorted(r).filter(match);
    const items = selected.map((o) => this.#delete(r, o.metadata.namespace ?? "", o.metadata.name!, { ...(options.dryRun !== undefined ? { dryRun: options.dryRun } : {}) }).object);
    return { apiVersion: apiVersionOf(r), kind: r.listKind, metadata: { resourceVersion: this.resourceVersion }, items };
  }

  #sorted(r: FakeResource): TrackedObject[] {
    return [...this.#objects(r).entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, o]) => o);
  }

  /** namespace + label selector + field selector, compiled once; throws 400 for a bad selector. */
  #matcher(r: FakeResource, namespace: string, options: ListOptions | WatchOptions): (o: TrackedObject) => boolean {
    const labels = compileLabelSelector(options.labelSelector);
    const fields = compileFieldSelector(r, options.fieldSelector);
    const ns = r.namespaced ? namespace : "";
    return (o) =>
      (!ns || o.metadata.namespace === ns) && (labels.length === 0 || matchesLabelSelector(labels, o.metadata.labels)) && fields(o);
  }

  /**
   * LIST: the selected objects sorted by namespace and name (etcd key order),
   * with the current resourceVersion. `limit` pages with an opaque
   * `continue` token; later pages read the current state (not a snapshot).
   */
  list(r: FakeResource, namespace: string, options: ListOptions = {}): TrackedList {
    const match = this.#matcher(r, namespace, options);
    const rk = resourceKey(r);
    let after: string | undefined;
    if (options.continue) {
      let token: ContinueToken | undefined;
      try {
        token = JSON.parse(Buffer.from(options.continue, "base64url").toString("utf8")) as ContinueToken;
      } catch {
        token = undefined;
      }
      if (!token || token.v !== 1 || typeof token.k !== "string" || token.r !== rk) {
        throw newBadRequest("invalid continue token: it was not issued by this fake clientset for this resource");
      }
      after = token.k;
    }
    const entries = [...this.#objects(r).entries()]
      .filter(([k, o]) => (after === undefined || k > after) && match(o))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const limit = options.limit !== undefined && options.limit > 0 ? Math.floor(options.limit) : 0;
    const page = limit ? entries.slice(0, limit) : entries;
    const metadata: TrackedList["metadata"] = { resourceVersion: this.resourceVersion };
    if (limit && entries.length > limit) {
      const token: ContinueToken = { v: 1, r: rk, k: page[page.length - 1]![0], rv: this.#rv };
      metadata.continue = Buffer.from(JSON.stringify(token), "utf8").toString("base64url");
      if (options.labelSelector === undefined && options.fieldSelector === undefined) {
        metadata.remainingItemCount = entries.length - limit;
      }
    }
    return { apiVersion: apiVersionOf(r), kind: r.listKind, metadata, items: page.map(([, o]) => clone(o)) };
  }

  /**
   * WATCH: from resourceVersion `""`, `"0"` or none, synthetic ADDED events
   * for the current selection first; from a specific one, every kept event
   * after it (410 Expired if it is older than the history). Then live events.
   * Selectors filter events, and an object that moves into or out of the
   * selection is seen as ADDED or DELETED (like the watch cache).
   * `sendInitialEvents` adds the `k8s.io/initial-events-end` BOOKMARK after
   * the initial events. Ends when `signal` aborts, after `timeoutSeconds`
   * (on the tracker's clock), or when the consumer stops iterating.
   */
  async *watch(
    r: FakeResource,
    namespace: string,
    options: WatchOptions = {},
    signal?: AbortSignal,
  ): AsyncGenerator<WatchEvent<TrackedObject>, void, undefined> {
    const match = this.#matcher(r, namespace, options);
    const rk = resourceKey(r);
    const ns = r.namespaced ? namespace : "";
    const translate = (e: HistoryEvent): WatchEvent<TrackedObject> | undefined => {
      if (e.key !== rk || (ns && e.namespace !== ns)) return undefined;
      const now = match(e.object);
      if (e.type !== "MODIFIED") return now ? { type: e.type, object: e.object } : undefined;
      const before = e.prev ? match(e.prev) : false;
      if (now) return { type: before ? "MODIFIED" : "ADDED", object: e.object };
      return before ? { type: "DELETED", object: e.object } : undefined;
    };

    const queue: WatchEvent<TrackedObject>[] = [];
    const rvOption = options.resourceVersion;
    if (options.sendInitialEvents || rvOption === undefined || rvOption === "" || rvOption === "0") {
      for (const o of this.#sorted(r)) if (match(o)) queue.push({ type: "ADDED", object: o });
      if (options.sendInitialEvents) {
        queue.push({
          type: "BOOKMARK",
          object: {
            apiVersion: apiVersionOf(r),
            kind: r.kind,
            metadata: { resourceVersion: this.resourceVersion, annotations: { "k8s.io/initial-events-end": "true" } },
          },
        });
      }
    } else {
      if (!/^[0-9]+$/.test(rvOption)) {
        throw new ApiError({
          kind: "Status",
          apiVersion: "v1",
          metadata: {},
          status: "Failure",
          message: `resourceVersion: Invalid value: ${JSON.stringify(rvOption)}: invalid resource version`,
          code: 500,
        });
      }
      const from = Number(rvOption);
      if (from < this.#compactedThrough) {
        throw newResourceExpired(`too old resource version: ${from} (${this.#compactedThrough})`);
      }
      for (const e of this.#history) {
        if (e.rv <= from) continue;
        const ev = translate(e);
        if (ev) queue.push(ev);
      }
    }

    let ended = signal?.aborted ?? false;
    let wake: (() => void) | undefined;
    const poke = (): void => {
      const w = wake;
      wake = undefined;
      w?.();
    };
    const listener = (e: HistoryEvent): void => {
      const ev = translate(e);
      if (!ev) return;
      queue.push(ev);
      poke();
    };
    const onAbort = (): void => {
      ended = true;
      poke();
    };
    this.#watchers.add(listener);
    signal?.addEventListener("abort", onAbort, { once: true });
    const cancelTimer =
      options.timeoutSeconds !== undefined && options.timeoutSeconds > 0
        ? this.#clock.setTimer(options.timeoutSeconds * 1000, onAbort)
        : undefined;
    try {
      while (!ended) {
        const ev = queue.shift();
        if (ev) {
          yield { type: ev.type, object: clone(ev.object) };
          continue;
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
    } finally {
      this.#watchers.delete(listener);
      signal?.removeEventListener("abort", onAbort);
      cancelTimer?.();
    }
  }
}
