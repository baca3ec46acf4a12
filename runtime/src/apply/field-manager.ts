// Field ownership as kube-apiserver tracks it: managedFields entries decoded into per-manager
// field sets and encoded back (k8s.io/apiserver pkg/util/managedfields/internal managedfields.go),
// the Updater's apply and update algorithms (sigs.k8s.io/structured-merge-diff merge/update.go)
// and the layers the server wraps around them (internal/structuredmerge.go, stripmeta.go,
// managedfieldsupdater.go, skipnonapplied.go, capmanagers.go, buildmanagerinfo.go). Pure: the
// caller passes the time and stores the result; the fake clientset's ObjectTracker does.

import type { FieldsV1, JsonValue, ManagedFieldsEntry } from "../meta/types.js";
import { newApplyConflict, managerKey, type ApplyConflict, type ManagerId } from "./conflict.js";
import { FieldSet, type FieldPath } from "./field-set.js";
import { compareObjects, ensureNamedFieldsAreMembers, jsonEquals, mergeValues, removeItems, toFieldSet, type Typed } from "./merge.js";

type Json = JsonValue;
type JsonObject = { [key: string]: Json };

/** One manager's fields and bookkeeping. */
export interface ManagerFields extends ManagerId {
  readonly set: FieldSet;
  /** RFC 3339 time of the manager's last change, when known. */
  readonly time?: string;
}

/** Every manager's fields, keyed by {@link managerKey}. */
export type ManagedFields = Map<string, ManagerFields>;

/** The name of the manager the server invents for fields that existed before the first apply. */
export const BEFORE_FIRST_APPLY = "before-first-apply";
/** The manager older Update entries are merged into past {@link MAX_UPDATE_MANAGERS}. */
export const ANCIENT_CHANGES = "ancient-changes";
/** Update managers kept before the oldest are merged (DefaultMaxUpdateManagers). */
export const MAX_UPDATE_MANAGERS = 10;

/** Paths no manager ever owns (stripmeta.go). */
const STRIPPED: FieldSet = FieldSet.of(
  [{ field: "apiVersion" }],
  [{ field: "kind" }],
  [{ field: "metadata" }],
  [{ field: "metadata" }, { field: "name" }],
  [{ field: "metadata" }, { field: "namespace" }],
  [{ field: "metadata" }, { field: "creationTimestamp" }],
  [{ field: "metadata" }, { field: "selfLink" }],
  [{ field: "metadata" }, { field: "uid" }],
  [{ field: "metadata" }, { field: "clusterName" }],
  [{ field: "metadata" }, { field: "generation" }],
  [{ field: "metadata" }, { field: "managedFields" }],
  [{ field: "metadata" }, { field: "resourceVersion" }],
);

/**
 * Decodes managedFields entries (DecodeManagedFields). Entries that are not FieldsV1 are an
 * Error, like the server's "failed to decode managed fields".
 */
export function decodeManagedFields(entries: readonly ManagedFieldsEntry[] | undefined | null): ManagedFields {
  const out: ManagedFields = new Map();
  for (const e of entries ?? []) {
    if (e.fieldsType !== undefined && e.fieldsType !== "FieldsV1") throw new Error(`invalid fieldsType ${JSON.stringify(e.fieldsType)}: only FieldsV1 is supported`);
    const operation = e.operation === "Apply" ? "Apply" : "Update";
    const id: ManagerId = {
      manager: e.manager ?? "",
      operation,
      ...(e.apiVersion ? { apiVersion: e.apiVersion } : {}),
      ...(e.subresource ? { subresource: e.subresource } : {}),
    };
    out.set(managerKey(id), { ...id, set: FieldSet.fromFieldsV1((e.fieldsV1 ?? {}) as FieldsV1), ...(e.time ? { time: e.time } : {}) });
  }
  return out;
}

/**
 * Encodes managers as managedFields entries, sorted like the server (operation, time in
 * seconds, manager, apiVersion, subresource). Undefined when there are none.
 */
export function encodeManagedFields(managed: ManagedFields): ManagedFieldsEntry[] | undefined {
  if (managed.size === 0) return undefined;
  const entries = [...managed.values()].map((m) => {
    const e: ManagedFieldsEntry = {
      manager: m.manager,
      operation: m.operation,
      ...(m.apiVersion ? { apiVersion: m.apiVersion } : {}),
      ...(m.time ? { time: m.time } : {}),
      fieldsType: "FieldsV1",
      fieldsV1: m.set.toFieldsV1(),
      ...(m.subresource ? { subresource: m.subresource } : {}),
    };
    return e;
  });
  const seconds = (t?: string): number => (t ? Math.floor(Date.parse(t) / 1000) : 0);
  const cmp = (a = "", b = ""): number => (a < b ? -1 : a > b ? 1 : 0);
  return entries.sort(
    (p, q) =>
      cmp(p.operation, q.operation) ||
      seconds(p.time) - seconds(q.time) ||
      cmp(p.manager, q.manager) ||
      cmp(p.apiVersion, q.apiVersion) ||
      cmp(p.subresource, q.subresource),
  );
}

/**
 * Which top-level fields a request may own and change (the strategies' reset fields):
 * the main resource of a kind with a status subresource ignores `status`; the status
 * subresource ignores everything but `status`.
 */
export type ResetScope = "none" | "main" | "status";

/** The set without the fields a request of this scope ignores (the Updater's IgnoreFilter). */
export function filterReset(set: FieldSet, scope: ResetScope): FieldSet {
  if (scope === "none") return set;
  const status = FieldSet.of([{ field: "status" }]);
  if (scope === "main") return set.recursiveDifference(status);
  const statusOnly = new FieldSet();
  for (const p of set.paths()) if (p[0] && "field" in p[0] && p[0].field === "status") statusOnly.insert(p);
  return statusOnly;
}

function withoutManagedFields(obj: Json | undefined): Json | undefined {
  if (typeof obj !== "object" || obj === null || Array.isArray(obj)) return obj;
  const meta = obj.metadata;
  if (typeof meta !== "object" || meta === null || Array.isArray(meta) || !("managedFields" in meta)) return obj;
  const { managedFields: _m, ...rest } = meta;
  return { ...obj, metadata: rest };
}

/** What every ownership operation needs. */
export interface OwnershipContext {
  /** The schema and the kind's root node. */
  readonly typed: Typed;
  /** `group/version` (or `v1`) of the resource. */
  readonly apiVersion: string;
  /** The subresource written (`status`), or undefined for the main resource. */
  readonly subresource?: string;
  /** Which fields the request ignores. */
  readonly reset: ResetScope;
  /** RFC 3339 time to stamp on changed entries. */
  readonly now: string;
}

function filteredCompare(ctx: OwnershipContext, live: Json | undefined, next: Json | undefined): { added: FieldSet; modified: FieldSet; removed: FieldSet } {
  const c = compareObjects(ctx.typed, live, next);
  return { added: filterReset(c.added, ctx.reset), modified: filterReset(c.modified, ctx.reset), removed: filterReset(c.removed, ctx.reset) };
}

/**
 * The Updater's shared step (merge/update.go `update`): every other manager that owns a field the
 * change adds or modifies is in conflict; removed fields leave every other manager. Without
 * force, conflicts are returned; with force, the conflicting fields leave their owners.
 */
function takeOwnership(
  ctx: OwnershipContext,
  live: Json | undefined,
  next: Json | undefined,
  managed: ManagedFields,
  self: string,
  force: boolean,
): { managed: ManagedFields; conflicts: ApplyConflict[]; compare: { added: FieldSet; modified: FieldSet; removed: FieldSet } } {
  const compare = filteredCompare(ctx, live, next);
  const changed = compare.modified.union(compare.added);
  const conflicts: ApplyConflict[] = [];
  const out: ManagedFields = new Map();
  for (const [key, m] of managed) {
    if (key === self) {
      out.set(key, m);
      continue;
    }
    const conflict = m.set.intersection(changed);
    for (const path of conflict.paths()) conflicts.push({ manager: m, path });
    let set = m.set;
    if (force) set = set.difference(conflict);
    set = set.difference(compare.removed);
    if (!set.isEmpty()) out.set(key, { ...m, set });
  }
  if (!force && conflicts.length) return { managed, conflicts, compare };
  if (out.get(self)?.set.isEmpty()) out.delete(self);
  return { managed: out, conflicts: [], compare };
}

function stripMeta(managed: ManagedFields, key: string): void {
  const m = managed.get(key);
  if (!m) return;
  const set = m.set.difference(STRIPPED);
  if (set.isEmpty()) managed.delete(key);
  else managed.set(key, { ...m, set });
}

/** Merges the oldest Update managers into `ancient-changes` past the cap (capmanagers.go). */
function capUpdateManagers(managed: ManagedFields): void {
  const updaters = [...managed.entries()].filter(([, m]) => m.operation === "Update").map(([k]) => k);
  if (updaters.length <= MAX_UPDATE_MANAGERS) return;
  const seconds = (k: string): number => {
    const t = managed.get(k)?.time;
    return t ? Math.floor(Date.parse(t) / 1000) : 0;
  };
  updaters.sort((a, b) => seconds(a) - seconds(b) || (a < b ? -1 : a > b ? 1 : 0));
  const firstByVersion = new Map<string, string>();
  let length = updaters.length;
  for (let i = 0; i < updaters.length && length > MAX_UPDATE_MANAGERS; i++) {
    const key = updaters[i]!;
    const m = managed.get(key)!;
    const version = m.apiVersion ?? "";
    const bucketId: ManagerId = { manager: ANCIENT_CHANGES, operation: "Update", ...(version ? { apiVersion: version } : {}) };
    const bucket = managerKey(bucketId);
    const first = firstByVersion.get(version);
    if (first === undefined) {
      firstByVersion.set(version, key);
      continue;
    }
    if (!managed.has(bucket)) {
      const f = managed.get(first)!;
      managed.delete(first);
      managed.set(bucket, { ...bucketId, set: f.set, ...(f.time ? { time: f.time } : {}) });
    }
    const b = managed.get(bucket)!;
    managed.delete(key);
    managed.set(bucket, { ...bucketId, set: m.set.union(b.set), ...(m.time ? { time: m.time } : {}) });
    length--;
  }
}

/** The inner update (managedfieldsupdater.go + Updater.Update): the writer gains what it changed. */
function updateManaged(ctx: OwnershipContext, live: Json | undefined, next: Json | undefined, managed: ManagedFields, id: ManagerId): ManagedFields {
  const key = managerKey(id);
  const self = "\u0000current-operation";
  const { managed: out, compare } = takeOwnership(ctx, live, next, managed, self, true);
  let gained = compare.modified.union(compare.added);
  gained = gained.difference(STRIPPED);
  if (gained.isEmpty()) return out;
  const prev = out.get(key);
  out.set(key, { ...id, set: prev ? gained.union(prev.set) : gained, time: ctx.now });
  return out;
}

/** Options of {@link trackUpdate}. */
export interface TrackUpdateOptions {
  /** The manager's name (the server defaults it from the user agent). */
  readonly manager: string;
  /** managedFields the writer sent; used instead of the live ones when non-empty (main resource only). */
  readonly sentManagedFields?: readonly ManagedFieldsEntry[] | null;
}

/**
 * Ownership after a create, update or non-apply patch (FieldManager.Update): `live` is undefined
 * for a create. Returns the managedFields to store, or undefined for none. Like the server, an
 * existing object without managedFields stays untracked.
 */
export function trackUpdate(ctx: OwnershipContext, live: unknown, next: unknown, options: TrackUpdateOptions): ManagedFieldsEntry[] | undefined {
  let managed: ManagedFields | undefined;
  if (!ctx.subresource && options.sentManagedFields && options.sentManagedFields.length) {
    try {
      managed = decodeManagedFields(options.sentManagedFields);
    } catch {
      managed = undefined;
    }
  }
  const liveObj = live as JsonObject | undefined;
  if (!managed) managed = decodeManagedFields((liveObj?.metadata as { managedFields?: ManagedFieldsEntry[] } | undefined)?.managedFields);
  if (managed.size === 0 && live !== undefined) return undefined;
  const id: ManagerId = { manager: options.manager || "unknown", operation: "Update", apiVersion: ctx.apiVersion, ...(ctx.subresource ? { subresource: ctx.subresource } : {}) };
  const out = updateManaged(ctx, withoutManagedFields((live ?? {}) as Json), withoutManagedFields(next as Json), managed, id);
  capUpdateManagers(out);
  return encodeManagedFields(out);
}

/** Options of {@link applyConfig}. */
export interface ApplyConfigOptions {
  readonly manager: string;
  readonly force: boolean;
}

/** The outcome of {@link applyConfig}. */
export interface ApplyResult {
  /** The object to store (live with its managedFields replaced, or the merge). */
  readonly object: JsonObject;
  /** Whether anything but managedFields changed. */
  readonly changed: boolean;
}

/**
 * Server-side apply of `config` to `live` (undefined when the object does not exist yet), as the
 * server's field manager does it: fields that existed before the first apply go to
 * `before-first-apply`; the configuration merges into the live object; fields this manager
 * applied before and no longer applies are removed unless another manager owns them; other
 * managers' fields the apply changes are conflicts (a 409 {@link newApplyConflict} unless
 * `force`, which takes them over); removed fields leave every manager. The configuration must
 * already be validated and reduced to what the request may change.
 *
 * @throws ApiError 409 on conflicts without force.
 */
export function applyConfig(ctx: OwnershipContext, live: unknown, config: unknown, options: ApplyConfigOptions): ApplyResult {
  const liveObj = (live ?? {}) as JsonObject;
  let managed = decodeManagedFields((liveObj.metadata as { managedFields?: ManagedFieldsEntry[] } | undefined)?.managedFields);
  const liveValue = withoutManagedFields(liveObj) as JsonObject;
  if (managed.size === 0) {
    // skipnonapplied.go: whatever exists before the first apply belongs to an Update manager.
    const id: ManagerId = { manager: BEFORE_FIRST_APPLY, operation: "Update", apiVersion: ctx.apiVersion, ...(ctx.subresource ? { subresource: ctx.subresource } : {}) };
    managed = updateManaged(ctx, {}, liveValue, managed, id);
    capUpdateManagers(managed);
  }
  const id: ManagerId = { manager: options.manager, operation: "Apply", apiVersion: ctx.apiVersion, ...(ctx.subresource ? { subresource: ctx.subresource } : {}) };
  const key = managerKey(id);
  const t = ctx.typed;

  // Updater.Apply
  const merged = mergeValues(t, liveValue, config) ?? {};
  const lastSet = managed.get(key)?.set;
  const set = filterReset(toFieldSet(t, config), ctx.reset);
  const withNew: ManagedFields = new Map(managed);
  withNew.set(key, { ...id, set, ...(managed.get(key)?.time ? { time: managed.get(key)!.time! } : {}) });
  const pruned = prune(t, merged, withNew, lastSet);
  const { managed: after, conflicts } = takeOwnership(ctx, liveValue, pruned, withNew, key, options.force);
  if (conflicts.length) throw newApplyConflict(conflicts);
  const changed = !jsonEquals(liveValue, pruned);

  // stripmeta.go, then managedfieldsupdater.go: the applier's time changes only with the object.
  stripMeta(after, key);
  const mine = after.get(key);
  if (mine && changed) after.set(key, { ...mine, time: ctx.now });
  capUpdateManagers(after);

  const object = (changed ? pruned : liveValue) as JsonObject;
  const meta = { ...((object.metadata as JsonObject | undefined) ?? {}) };
  const entries = encodeManagedFields(after);
  if (entries) meta.managedFields = entries as unknown as Json;
  else delete meta.managedFields;
  return { object: { ...object, metadata: meta }, changed };
}

/**
 * Removes what the applier owned last time and no longer applies, unless someone (the applier's
 * new configuration included) owns it (Updater.prune, addBackOwnedItems, addBackDanglingItems).
 */
function prune(t: Typed, merged: Json, managed: ManagedFields, lastSet: FieldSet | undefined): Json {
  if (!lastSet || lastSet.isEmpty()) return merged;
  const named = (s: FieldSet): FieldSet => ensureNamedFieldsAreMembers(t, s);
  const last = named(lastSet);
  const pruned0 = removeItems(t, merged, last) ?? null;
  let owned = new FieldSet();
  for (const m of managed.values()) owned = owned.union(m.set);
  const mergedSet = named(toFieldSet(t, merged));
  const prunedSet0 = named(toFieldSet(t, pruned0));
  const pruned1 = removeItems(t, merged, mergedSet.difference(prunedSet0.union(named(owned)))) ?? null;
  const prunedSet1 = named(toFieldSet(t, pruned1));
  return removeItems(t, merged, mergedSet.difference(prunedSet1).intersection(last)) ?? {};
}

/** The paths of a set, for tests and messages. */
export function setPaths(set: FieldSet): FieldPath[] {
  return set.paths();
}
