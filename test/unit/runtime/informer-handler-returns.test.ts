// What an informer event handler may return. The type half is checked by
// `npx tsc -p test/tsconfig.json --noEmit` (the assignments below fail to compile
// if the handler return types narrow back to `void | Promise<void>`); the
// runtime half checks that a rejected promise is caught and reported, and that
// any other returned value is ignored.
import { afterEach, describe, expect, expectTypeOf, it, vi } from "vitest";
import { FakeListerWatcher } from "../../../runtime/src/cache/fake-lister-watcher.js";
import { SharedIndexInformer, type ResourceEventHandler, type SharedIndexInformerOptions } from "../../../runtime/src/cache/index.js";
import type { ResourceEventHandler as PublicHandler } from "@kubegen/runtime";
import { FakeClock } from "../../../runtime/src/util/fake-clock.js";

interface CM {
  metadata: { name: string; namespace?: string; resourceVersion?: string };
  data?: Record<string, string>;
}
const cm = (name: string): CM => ({ metadata: { name, namespace: "ns" }, data: { v: "0" } });

// ---- type level -------------------------------------------------------------

const seen: CM[] = [];
// Array#push returns a number: accepted.
const pushing: ResourceEventHandler<CM> = {
  onAdd: (p) => seen.push(p),
  onUpdate: (_old, p) => seen.push(p),
  onDelete: (p) => seen.push(p as CM),
};
// Promises of any value, and plain values, are accepted too.
const mixed: PublicHandler<CM> = {
  onAdd: async (p) => p.metadata.name,
  onUpdate: () => Promise.resolve(42),
  onDelete: () => new Map<string, number>(),
};
const blockBodied: ResourceEventHandler<CM> = {
  onAdd(obj, initial) {
    if (initial) return;
    return obj;
  },
};
void [pushing, mixed, blockBodied];

// The parameters are still checked.
const wrongParam: ResourceEventHandler<CM> = {
  // @ts-expect-error a CM is not a number
  onAdd: (p: number) => p + 1,
};
void wrongParam;

describe("ResourceEventHandler types", () => {
  it("accept any return value and keep the parameter types", () => {
    expectTypeOf<ReturnType<NonNullable<ResourceEventHandler<CM>["onAdd"]>>>().toBeUnknown();
    expectTypeOf<ReturnType<NonNullable<ResourceEventHandler<CM>["onUpdate"]>>>().toBeUnknown();
    expectTypeOf<ReturnType<NonNullable<ResourceEventHandler<CM>["onDelete"]>>>().toBeUnknown();
    expectTypeOf<Parameters<NonNullable<ResourceEventHandler<CM>["onAdd"]>>>().toEqualTypeOf<[CM, boolean]>();
    expectTypeOf<PublicHandler<CM>>().toEqualTypeOf<ResourceEventHandler<CM>>();
  });
});

// ---- runtime ----------------------------------------------------------------

async function settle(rounds = 40): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setImmediate(r));
}

function setup(onHandlerError?: SharedIndexInformerOptions<CM>["onHandlerError"]) {
  const lw = new FakeListerWatcher<CM>({ serverSupportsWatchList: true });
  const informer = new SharedIndexInformer<CM>(lw, {
    name: "configmaps",
    clock: new FakeClock(1_000_000),
    random: () => 0.5,
    useWatchList: true,
    ...(onHandlerError ? { onHandlerError } : {}),
  });
  const ac = new AbortController();
  return { lw, informer, ac, run: () => informer.run(ac.signal) };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("handler return values at run time", () => {
  it("a rejected promise is caught, reported with its notification, and delivery goes on", async () => {
    const reported: Array<{ err: unknown; type: string }> = [];
    const t = setup((err, n) => reported.push({ err, type: n.type }));
    const informer = t.informer;
    t.lw.add(cm("a"));
    const names: string[] = [];
    informer.addEventHandler({
      onAdd: async (o) => {
        names.push(o.metadata.name);
        if (o.metadata.name === "b") throw new Error("async boom");
      },
      onUpdate: (_old, o) => Promise.reject(new Error(`update of ${o.metadata.name} rejected`)),
    });
    const done = t.run();
    await informer.waitForCacheSync();
    t.lw.add(cm("b"));
    t.lw.add(cm("c"));
    t.lw.modify({ ...cm("a"), data: { v: "1" } });
    await settle();
    expect(names).toEqual(["a", "b", "c"]);
    expect(reported.map((r) => [r.type, (r.err as Error).message])).toEqual([
      ["add", "async boom"],
      ["update", "update of a rejected"],
    ]);
    t.ac.abort();
    await done;
  });

  it("without onHandlerError, a rejection is logged with console.error instead of escaping", async () => {
    const logged: unknown[][] = [];
    vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => void logged.push(args));
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown): void => void unhandled.push(e);
    process.on("unhandledRejection", onUnhandled);
    try {
      const t = setup();
      t.informer.addEventHandler({ onAdd: () => Promise.reject(new Error("nobody listens")) });
      const done = t.run();
      await t.informer.waitForCacheSync();
      t.lw.add(cm("x"));
      await settle();
      expect(logged).toHaveLength(1);
      expect(String(logged[0]![0])).toContain("configmaps");
      expect((logged[0]![1] as Error).message).toBe("nobody listens");
      expect(unhandled).toEqual([]);
      t.ac.abort();
      await done;
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });

  it("a returned non-promise value is ignored: no error, and the next events arrive", async () => {
    const errors: unknown[] = [];
    const t = setup((e) => errors.push(e));
    const got: CM[] = [];
    const returned: unknown[] = [];
    t.informer.addEventHandler({
      onAdd: (p) => {
        const r = got.push(p); // a number
        returned.push(r);
        return r;
      },
      onUpdate: (_o, p) => ({ then: undefined, name: p.metadata.name }), // an object with a non-callable `then`
      onDelete: () => null,
    });
    const done = t.run();
    await t.informer.waitForCacheSync();
    t.lw.add(cm("a"));
    t.lw.add(cm("b"));
    t.lw.modify({ ...cm("a"), data: { v: "1" } });
    t.lw.delete("ns/b");
    t.lw.add(cm("c"));
    await settle();
    expect(got.map((o) => o.metadata.name)).toEqual(["a", "b", "c"]);
    expect(returned).toEqual([1, 2, 3]);
    expect(errors).toEqual([]);
    expect(t.informer.indexer.listKeys().sort()).toEqual(["ns/a", "ns/c"]);
    t.ac.abort();
    await done;
  });
});
