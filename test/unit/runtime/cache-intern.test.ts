// String interning in the informer's freeze pass (cache/freeze.ts): the table hands back its
// first copy of each short string, stays within its bound, and leaves long strings and object
// keys alone; deepFreeze with a table interns every string value of the unfrozen part (array
// items included) and still freezes all of it; an informer interns by default and not with
// `internStrings: false` or `freeze: false`.
import { describe, expect, it } from "vitest";
import { FakeListerWatcher } from "../../../runtime/src/cache/fake-lister-watcher.js";
import { SharedIndexInformer, StringTable, deepFreeze } from "../../../runtime/src/cache/index.js";
import { FakeClock } from "../../../runtime/src/util/fake-clock.js";

describe("StringTable", () => {
  it("returns its first copy of a string, and passes long strings through", () => {
    const t = new StringTable();
    expect(t.intern("app")).toBe("app");
    t.intern(["a", "p", "p"].join(""));
    expect(t.size).toBe(1);
    t.intern("x".repeat(129));
    expect(t.size).toBe(1);
  });

  it("starts again once full, so it never holds more than its bound", () => {
    const t = new StringTable(100);
    for (let i = 0; i < 1_000; i++) t.intern(`s${i}`);
    expect(t.size).toBeLessThanOrEqual(100);
    expect(t.size).toBeGreaterThan(0);
  });
});

describe("deepFreeze with a table", () => {
  it("interns every string value, array items included, and freezes everything", () => {
    const t = new StringTable();
    const parse = () => JSON.parse('{"metadata":{"labels":{"app":"web","tier":"web"}},"spec":{"args":["web","--port","8080"],"n":3}}');
    const a = deepFreeze(parse(), t);
    const b = deepFreeze(parse(), t);
    expect(b).toEqual(a);
    // distinct values: web, --port, 8080 (keys are not interned)
    expect(t.size).toBe(3);
    expect(Object.isFrozen(b.metadata.labels) && Object.isFrozen(b.spec.args)).toBe(true);
  });

  it("shares one frozen {} for every empty plain object, and leaves other empty things alone", () => {
    const t = new StringTable();
    const when = new Date(0);
    const a = deepFreeze(JSON.parse('{"f:spec":{"f:replicas":{},"f:template":{"f:metadata":{}}},"list":[{}, []]}'), t);
    expect(a["f:spec"]["f:replicas"]).toBe(a["f:spec"]["f:template"]["f:metadata"]);
    expect(a.list[0]).toBe(a["f:spec"]["f:replicas"]);
    expect(a.list[1]).toEqual([]);
    const b = deepFreeze({ when, nothing: Object.create(null) as object }, t);
    expect(b.when).toBe(when);
    expect(Object.getPrototypeOf(b.nothing)).toBe(null);
    const plain = deepFreeze(JSON.parse('{"x":{},"y":{}}'));
    expect(plain.x).not.toBe(plain.y);
  });

  it("leaves an already frozen sub-tree as it is", () => {
    const t = new StringTable();
    const shared = Object.freeze({ note: "kept" });
    deepFreeze({ shared, other: "taken" }, t);
    expect(t.size).toBe(1);
  });
});

describe("SharedIndexInformer: interning", () => {
  async function cached(options: { internStrings?: boolean; freeze?: boolean }): Promise<number> {
    const lw = new FakeListerWatcher<{ metadata: { name: string; namespace: string; labels: Record<string, string> } }>();
    for (let i = 0; i < 50; i++) lw.add({ metadata: { name: `o${i}`, namespace: "ns", labels: { app: "web" } } });
    const informer = new SharedIndexInformer(lw, { clock: new FakeClock(), useWatchList: false, ...options });
    let seen = 0;
    const intern = StringTable.prototype.intern;
    StringTable.prototype.intern = function (s: string) {
      seen++;
      return intern.call(this, s);
    };
    try {
      const ac = new AbortController();
      const run = informer.run(ac.signal);
      await informer.waitForCacheSync();
      ac.abort();
      await run;
    } finally {
      StringTable.prototype.intern = intern;
    }
    return seen;
  }

  it("interns by default, and not with internStrings: false or freeze: false", async () => {
    expect(await cached({})).toBeGreaterThanOrEqual(150); // name, namespace and label of each object
    expect(await cached({ internStrings: false })).toBe(0);
    expect(await cached({ freeze: false })).toBe(0);
  });
});
