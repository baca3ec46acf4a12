// Controller helpers without a server: retry schedules on a FakeClock,
// owner-reference rules (controller-runtime controllerutil cases), predicates
// and filterHandlers, and the finalizer helpers' requests over a scripted client.
import { describe, expect, it } from "vitest";
import {
  AlreadyOwnedError,
  AnnotationChangedPredicate,
  DEFAULT_BACKOFF,
  DEFAULT_RETRY,
  GenerationChangedPredicate,
  LabelChangedPredicate,
  ResourceVersionChangedPredicate,
  backoffDelays,
  ensureFinalizer,
  filterHandlers,
  getControllerOf,
  isControlledBy,
  newPredicateFuncs,
  notPredicate,
  onError,
  orPredicates,
  ownerReferencesOfKind,
  removeFinalizer,
  retryOnConflict,
  setControllerReference,
  setOwnerReference,
  type FinalizerClient,
} from "../../../runtime/src/helpers/index.js";
import { fakeApiError } from "../../../runtime/src/cache/fake-lister-watcher.js";
import { isConflict } from "../../../runtime/src/errors/api-error.js";
import type { KubernetesObject } from "../../../runtime/src/meta/types.js";
import { FakeClock } from "../../../runtime/src/util/fake-clock.js";
import { deepFreeze } from "../../../runtime/src/cache/freeze.js";

const conflict = () => fakeApiError(409, "Conflict", "the object has been modified; please apply your changes to the latest version and try again");

/** Runs `p` while advancing the fake clock until it settles (bounded), recording each sleep's length. */
async function drive<R>(clock: FakeClock, p: Promise<R>, sleeps: number[] = []): Promise<R> {
  let settled = false;
  const done = p.finally(() => (settled = true));
  done.catch(() => undefined);
  for (let i = 0; i < 100 && !settled; i++) {
    await new Promise<void>((r) => setImmediate(r));
    const due = clock.nextDue();
    if (due !== undefined && !settled) {
      sleeps.push(due - clock.now());
      await clock.advance(due - clock.now());
    }
  }
  return done;
}

describe("retry (client-go util/retry)", () => {
  it("has client-go's DefaultRetry and DefaultBackoff numbers", () => {
    expect(DEFAULT_RETRY).toEqual({ steps: 5, durationMs: 10, factor: 1.0, jitter: 0.1 });
    expect(DEFAULT_BACKOFF).toEqual({ steps: 4, durationMs: 10, factor: 5.0, jitter: 0.1 });
    expect(backoffDelays(DEFAULT_RETRY)).toEqual([10, 10, 10, 10]);
    expect(backoffDelays(DEFAULT_BACKOFF)).toEqual([10, 50, 250]);
    expect(backoffDelays({ steps: 5, durationMs: 10, factor: 10, jitter: 0, capMs: 500 })).toEqual([10, 100, 500, 500]);
    expect(backoffDelays({ steps: 1, durationMs: 10, factor: 2, jitter: 0 })).toEqual([]);
  });

  it("retries conflicts `steps` times with jittered waits, then rejects with the last error", async () => {
    const clock = new FakeClock();
    const errors: Error[] = [];
    let calls = 0;
    const sleeps: number[] = [];
    const p = retryOnConflict(
      DEFAULT_BACKOFF,
      ({ attempt }) => {
        calls++;
        expect(attempt).toBe(calls);
        const e = conflict();
        e.message = `conflict ${calls}`;
        errors.push(e);
        throw e;
      },
      { clock, random: () => 0.5 },
    );
    const err = await drive(clock, p, sleeps).catch((e: unknown) => e);
    expect(calls).toBe(4);
    expect(err).toBe(errors[3]); // the last error, not a timeout
    expect(sleeps).toEqual([10.5, 52.5, 262.5]); // 10, 50, 250 plus 10 % of 0.5 jitter
  });

  it("resolves with the result once an attempt succeeds", async () => {
    const clock = new FakeClock();
    let calls = 0;
    const p = retryOnConflict(DEFAULT_RETRY, async () => {
      if (++calls < 3) throw conflict();
      return "done";
    }, { clock, random: () => 0 });
    expect(await drive(clock, p)).toBe("done");
    expect(calls).toBe(3);
  });

  it("does not retry an error the predicate rejects", async () => {
    let calls = 0;
    const notFound = fakeApiError(404, "NotFound");
    const err = await retryOnConflict(DEFAULT_RETRY, () => {
      calls++;
      throw notFound;
    }).catch((e: unknown) => e);
    expect(err).toBe(notFound);
    expect(calls).toBe(1);
    const custom = await onError(DEFAULT_RETRY, (e) => e === notFound, () => {
      calls++;
      throw conflict();
    }).catch((e: unknown) => e);
    expect(isConflict(custom)).toBe(true);
    expect(calls).toBe(2);
  });

  it("an abort during a wait rejects with the signal's reason and makes no more attempts", async () => {
    const clock = new FakeClock();
    const ac = new AbortController();
    let calls = 0;
    const p = retryOnConflict(DEFAULT_RETRY, () => {
      calls++;
      throw conflict();
    }, { clock, signal: ac.signal });
    p.catch(() => undefined);
    for (let i = 0; i < 50 && clock.pendingTimers === 0; i++) await new Promise<void>((r) => setImmediate(r));
    expect(clock.pendingTimers).toBe(1);
    const reason = new Error("stop");
    ac.abort(reason);
    await expect(p).rejects.toBe(reason);
    await clock.advance(1000);
    expect(calls).toBe(1);
    await expect(retryOnConflict(DEFAULT_RETRY, () => calls++, { signal: ac.signal })).rejects.toBe(reason);
    expect(calls).toBe(1);
  });
});

const owner = (over: Partial<KubernetesObject["metadata"]> = {}, kind = "Foo"): KubernetesObject => ({
  apiVersion: "example.com/v1",
  kind,
  metadata: { name: "foo", namespace: "ns", uid: "uid-foo", ...over },
});
const dep = (meta: KubernetesObject["metadata"] = {}): KubernetesObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", namespace: "ns", ...meta },
});

describe("owner references (controller-runtime controllerutil, apimachinery controller_ref)", () => {
  it("sets a controller reference with controller and blockOwnerDeletion true, without mutating the input", () => {
    const input = deepFreeze(dep());
    const out = setControllerReference(owner(), input);
    expect(out.metadata?.ownerReferences).toEqual([
      { apiVersion: "example.com/v1", kind: "Foo", name: "foo", uid: "uid-foo", controller: true, blockOwnerDeletion: true },
    ]);
    expect(input.metadata?.ownerReferences).toBeUndefined();
    expect(getControllerOf(out)?.name).toBe("foo");
    expect(isControlledBy(out, owner())).toBe(true);
    expect(isControlledBy(out, owner({ uid: "other" }))).toBe(false);
    expect(setControllerReference(owner(), dep(), { blockOwnerDeletion: false }).metadata?.ownerReferences?.[0]?.blockOwnerDeletion).toBe(false);
  });

  it("replaces a reference to the same owner (even of another version) instead of adding one", () => {
    const first = setControllerReference({ ...owner(), apiVersion: "example.com/v1beta1" }, dep({ ownerReferences: [{ apiVersion: "v1", kind: "ConfigMap", name: "c", uid: "u" }] }));
    const again = setControllerReference(owner({ uid: "uid-foo-2" }), first);
    expect(again.metadata?.ownerReferences).toEqual([
      { apiVersion: "v1", kind: "ConfigMap", name: "c", uid: "u" },
      { apiVersion: "example.com/v1", kind: "Foo", name: "foo", uid: "uid-foo-2", controller: true, blockOwnerDeletion: true },
    ]);
  });

  it("refuses a second controller with AlreadyOwnedError", () => {
    const owned = setControllerReference(owner({ name: "other", uid: "uid-other" }), dep());
    let err: unknown;
    try {
      setControllerReference(owner(), owned);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AlreadyOwnedError);
    expect((err as AlreadyOwnedError).message).toBe("Object ns/web is already owned by another Foo controller other");
    expect((err as AlreadyOwnedError).owner.uid).toBe("uid-other");
    // a plain owner reference is still allowed next to the controller
    expect(setOwnerReference(owner(), owned).metadata?.ownerReferences?.map((r) => [r.name, r.controller ?? false])).toEqual([
      ["other", true],
      ["foo", false],
    ]);
  });

  it("enforces the namespace rules", () => {
    const clusterOwner = owner({ namespace: undefined }, "ClusterFoo");
    expect(setControllerReference(clusterOwner, dep()).metadata?.ownerReferences?.[0]?.kind).toBe("ClusterFoo");
    expect(() => setControllerReference(owner(), { kind: "Node", apiVersion: "v1", metadata: { name: "n" } })).toThrow(
      "cluster-scoped resource must not have a namespace-scoped owner, owner's namespace ns",
    );
    expect(() => setControllerReference(owner(), dep({ namespace: "elsewhere" }))).toThrow(
      "cross-namespace owner references are disallowed, owner's namespace ns, obj's namespace elsewhere",
    );
  });

  it("needs the owner's apiVersion, kind, name and uid", () => {
    const { apiVersion: _a, kind: _k, ...bare } = owner();
    expect(() => setControllerReference(bare, dep())).toThrow(/apiVersion\/kind/);
    expect(setControllerReference(bare, dep(), { apiVersion: "example.com/v1", kind: "Foo" }).metadata?.ownerReferences?.[0]?.kind).toBe("Foo");
    expect(() => setControllerReference(owner({ uid: undefined }), dep())).toThrow(/uid/);
  });

  it("looks up owner references by kind and group", () => {
    const obj = dep({
      ownerReferences: [
        { apiVersion: "example.com/v1", kind: "Foo", name: "a", uid: "1" },
        { apiVersion: "other.io/v1", kind: "Foo", name: "b", uid: "2", controller: true },
        { apiVersion: "v1", kind: "ConfigMap", name: "c", uid: "3" },
      ],
    });
    expect(ownerReferencesOfKind(obj, "Foo").map((r) => r.name)).toEqual(["a", "b"]);
    expect(ownerReferencesOfKind(obj, "Foo", "example.com").map((r) => r.name)).toEqual(["a"]);
    expect(ownerReferencesOfKind(obj, "ConfigMap", "").map((r) => r.name)).toEqual(["c"]);
    expect(getControllerOf(obj)?.name).toBe("b");
    expect(getControllerOf(dep())).toBeUndefined();
  });
});

const obj = (meta: KubernetesObject["metadata"]): KubernetesObject => ({ metadata: { name: "x", ...meta } });

describe("predicates (controller-runtime pkg/predicate)", () => {
  const cases: Array<[string, typeof GenerationChangedPredicate, KubernetesObject["metadata"], KubernetesObject["metadata"], boolean]> = [
    ["generation changed", GenerationChangedPredicate, { generation: 1 }, { generation: 2 }, true],
    ["generation same, status write", GenerationChangedPredicate, { generation: 1, resourceVersion: "1" }, { generation: 1, resourceVersion: "2" }, false],
    ["label added", LabelChangedPredicate, {}, { labels: { a: "1" } }, true],
    ["label value changed", LabelChangedPredicate, { labels: { a: "1" } }, { labels: { a: "2" } }, true],
    ["label key renamed", LabelChangedPredicate, { labels: { a: "1" } }, { labels: { b: "1" } }, true],
    ["labels same, other change", LabelChangedPredicate, { labels: { a: "1" }, generation: 1 }, { labels: { a: "1" }, generation: 2 }, false],
    ["absent vs empty labels", LabelChangedPredicate, {}, { labels: {} }, false],
    ["annotation changed", AnnotationChangedPredicate, { annotations: { a: "1" } }, { annotations: { a: "2" } }, true],
    ["annotations same", AnnotationChangedPredicate, { annotations: { a: "1" } }, { annotations: { a: "1" }, labels: { x: "y" } }, false],
    ["resourceVersion changed", ResourceVersionChangedPredicate, { resourceVersion: "1" }, { resourceVersion: "2" }, true],
    ["resourceVersion same (resync)", ResourceVersionChangedPredicate, { resourceVersion: "1" }, { resourceVersion: "1" }, false],
  ];
  it.each(cases)("%s", (_name, p, a, b, want) => {
    expect(p.update!(obj(a), obj(b))).toBe(want);
    expect(p.create?.(obj(b), false) ?? true).toBe(true);
    expect(p.delete?.(obj(b), false) ?? true).toBe(true);
  });

  it("filterHandlers passes only events the predicates accept, tombstones unwrapped for the predicate", async () => {
    const seen: string[] = [];
    const handler = filterHandlers<KubernetesObject>(
      {
        onAdd: (o, initial) => seen.push(`add ${o.metadata?.name} ${initial}`),
        onUpdate: async (_o, n) => {
          await Promise.resolve();
          seen.push(`update ${n.metadata?.generation}`);
        },
        onDelete: (o) => seen.push(`delete ${"tombstone" in o ? "tombstone" : "object"}`),
      },
      GenerationChangedPredicate,
      newPredicateFuncs((o) => o.metadata?.labels?.skip !== "true"),
    );
    handler.onAdd!(obj({ name: "a" }), true);
    handler.onAdd!(obj({ name: "b", labels: { skip: "true" } }), false);
    const same = obj({ generation: 1 });
    expect(handler.onUpdate!(same, same)).toBeUndefined(); // resync filtered
    await handler.onUpdate!(obj({ generation: 1 }), obj({ generation: 2 })); // async result returned and awaited
    handler.onDelete!({ tombstone: true, key: "ns/x", object: obj({ labels: { skip: "true" } }) });
    handler.onDelete!({ tombstone: true, key: "ns/x", object: obj({}) });
    expect(seen).toEqual(["add a true", "update 2", "delete tombstone"]);
    expect(filterHandlers({ onAdd: () => undefined }, GenerationChangedPredicate)).not.toHaveProperty("onUpdate");
  });

  it("combinators", () => {
    const either = orPredicates(GenerationChangedPredicate, LabelChangedPredicate);
    expect(either.update!(obj({ generation: 1 }), obj({ generation: 1, labels: { a: "b" } }))).toBe(true);
    expect(either.update!(obj({ generation: 1 }), obj({ generation: 1 }))).toBe(false);
    expect(notPredicate(GenerationChangedPredicate).update!(obj({ generation: 1 }), obj({ generation: 1 }))).toBe(true);
  });
});

/** A scripted client: an in-memory object with a resourceVersion, and hooks to simulate a concurrent writer. */
class ScriptedClient implements FinalizerClient<KubernetesObject> {
  current: KubernetesObject;
  readonly calls: string[] = [];
  readonly patches: unknown[] = [];
  beforePatch: (() => void) | undefined;
  constructor(finalizers?: string[]) {
    this.current = { metadata: { name: "x", namespace: "ns", resourceVersion: "1", ...(finalizers ? { finalizers } : {}) } };
  }
  /** Another writer changes the object (new resourceVersion). */
  concurrentWrite(finalizers: string[]): void {
    const rv = String(Number(this.current.metadata!.resourceVersion) + 1);
    this.current = { metadata: { ...this.current.metadata, resourceVersion: rv, finalizers } };
  }
  async get(name: string): Promise<KubernetesObject> {
    this.calls.push(`get ${name}`);
    return structuredClone(this.current);
  }
  async patch(name: string, patchType: string, patch: unknown): Promise<KubernetesObject> {
    this.calls.push(`patch ${name} ${patchType}`);
    this.patches.push(patch);
    const hook = this.beforePatch;
    this.beforePatch = undefined;
    hook?.();
    const p = patch as { metadata: { resourceVersion: string; finalizers: string[] } };
    if (p.metadata.resourceVersion !== this.current.metadata!.resourceVersion) throw conflict();
    this.concurrentWrite(p.metadata.finalizers);
    return structuredClone(this.current);
  }
}

describe("finalizers", () => {
  it("adds with a merge patch carrying the resourceVersion; no write when present", async () => {
    const c = new ScriptedClient(["other"]);
    const r = await ensureFinalizer(c, structuredClone(c.current), "example.com/f");
    expect(r.changed).toBe(true);
    expect(c.patches).toEqual([{ metadata: { resourceVersion: "1", finalizers: ["other", "example.com/f"] } }]);
    expect(c.calls).toEqual(["patch x application/merge-patch+json"]);
    expect(r.object.metadata?.finalizers).toEqual(["other", "example.com/f"]);
    const again = await ensureFinalizer(c, r.object, "example.com/f");
    expect(again).toEqual({ object: r.object, changed: false });
    expect(c.calls).toHaveLength(1);
  });

  it("on a conflict re-reads and keeps the other writer's finalizer", async () => {
    const c = new ScriptedClient([]);
    const stale = structuredClone(c.current);
    c.beforePatch = () => c.concurrentWrite(["theirs"]);
    const r = await ensureFinalizer(c, stale, "mine", { random: () => 0 });
    expect(r.changed).toBe(true);
    expect(c.calls).toEqual(["patch x application/merge-patch+json", "get x", "patch x application/merge-patch+json"]);
    expect(c.current.metadata?.finalizers).toEqual(["theirs", "mine"]);
  });

  it("a re-read that shows the work done makes no write", async () => {
    const c = new ScriptedClient(["mine"]);
    const stale = structuredClone(c.current);
    c.beforePatch = () => c.concurrentWrite([]); // someone else removed it first
    const r = await removeFinalizer(c, stale, "mine", { random: () => 0 });
    expect(r.changed).toBe(false);
    expect(c.calls).toEqual(["patch x application/merge-patch+json", "get x"]);
  });

  it("removes every copy; no write when absent", async () => {
    const c = new ScriptedClient(["a", "mine", "b", "mine"]);
    const r = await removeFinalizer(c, structuredClone(c.current), "mine");
    expect(r.changed).toBe(true);
    expect(c.current.metadata?.finalizers).toEqual(["a", "b"]);
    expect((await removeFinalizer(c, r.object, "mine")).changed).toBe(false);
    expect(c.calls).toHaveLength(1);
  });

  it("gives up with the conflict after the retries run out", async () => {
    const c = new ScriptedClient([]);
    let writes = 0;
    const always = (): void => {
      writes++;
      c.concurrentWrite([`w${writes}`]);
      c.beforePatch = always;
    };
    c.beforePatch = always;
    const err = await ensureFinalizer(c, structuredClone(c.current), "mine", { backoff: { steps: 3, durationMs: 1, factor: 1, jitter: 0 } }).catch((e: unknown) => e);
    expect(isConflict(err)).toBe(true);
    expect(c.calls.filter((x) => x.startsWith("patch"))).toHaveLength(3);
  });
});
