// Indexer (client-go thread_safe_store/index), keys, tombstones, freezing, listers.
import { describe, expect, it } from "vitest";
import {
  deepFreeze,
  Indexer,
  isTombstone,
  metaNamespaceIndexFunc,
  metaNamespaceKey,
  NAMESPACE_INDEX,
  objectOf,
  ResourceLister,
  splitMetaNamespaceKey,
} from "../../../runtime/src/cache/index.js";
import { ApiError, isNotFound } from "../../../runtime/src/errors/api-error.js";

interface Pod {
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; resourceVersion?: string };
  spec?: { nodeName?: string };
}
const pod = (ns: string | undefined, name: string, node?: string, labels?: Record<string, string>): Pod => ({
  metadata: { name, ...(ns ? { namespace: ns } : {}), ...(labels ? { labels } : {}) },
  ...(node ? { spec: { nodeName: node } } : {}),
});
const byNode = (p: Pod) => (p.spec?.nodeName ? [p.spec.nodeName] : []);

describe("keys", () => {
  it("namespace/name, name for cluster-scoped, split back", () => {
    expect(metaNamespaceKey(pod("a", "x"))).toBe("a/x");
    expect(metaNamespaceKey(pod(undefined, "n1"))).toBe("n1");
    expect(splitMetaNamespaceKey("a/x")).toEqual({ namespace: "a", name: "x" });
    expect(splitMetaNamespaceKey("n1")).toEqual({ namespace: undefined, name: "n1" });
    expect(() => splitMetaNamespaceKey("a/b/c")).toThrow(/unexpected cache key/);
    expect(() => metaNamespaceKey({ metadata: {} })).toThrow(/no metadata.name/);
  });

  it("tombstones are recognised and unwrapped", () => {
    const p = pod("a", "x");
    const t = { tombstone: true as const, key: "a/x", object: p };
    expect(isTombstone(t)).toBe(true);
    expect(isTombstone(p)).toBe(false);
    expect(objectOf(t)).toBe(p);
    expect(objectOf(p)).toBe(p);
  });
});

describe("Indexer", () => {
  const make = () => new Indexer<Pod>({ [NAMESPACE_INDEX]: metaNamespaceIndexFunc, byNode });

  it("stores by key and maintains indexes on set, update and delete", () => {
    const ix = make();
    ix.set(pod("a", "p1", "n1"));
    ix.set(pod("a", "p2", "n2"));
    ix.set(pod("b", "p3", "n1"));
    expect(ix.size).toBe(3);
    expect(ix.listKeys().sort()).toEqual(["a/p1", "a/p2", "b/p3"]);
    expect(ix.byIndex(NAMESPACE_INDEX, "a").map((p) => p.metadata.name).sort()).toEqual(["p1", "p2"]);
    expect(ix.indexKeys("byNode", "n1").sort()).toEqual(["a/p1", "b/p3"]);
    expect(ix.listIndexFuncValues("byNode").sort()).toEqual(["n1", "n2"]);
    expect(ix.index("byNode", pod("z", "q", "n2")).map((p) => p.metadata.name)).toEqual(["p2"]);

    const prev = ix.set(pod("a", "p1", "n2")); // moves node
    expect(prev?.spec?.nodeName).toBe("n1");
    expect(ix.indexKeys("byNode", "n1")).toEqual(["b/p3"]);
    expect(ix.indexKeys("byNode", "n2").sort()).toEqual(["a/p1", "a/p2"]);

    expect(ix.delete("b/p3")?.metadata.name).toBe("p3");
    expect(ix.delete("b/p3")).toBeUndefined();
    expect(ix.listIndexFuncValues("byNode")).toEqual(["n2"]); // empty values disappear
    expect(ix.listIndexFuncValues(NAMESPACE_INDEX)).toEqual(["a"]);
    expect(ix.get("a/p1")?.spec?.nodeName).toBe("n2");
    expect(ix.get("nope")).toBeUndefined();
    expect(() => ix.getOrThrow("nope")).toThrow(/no object/);
    expect(() => ix.byIndex("unknown", "x")).toThrow(/does not exist/);
  });

  it("replace swaps content and indexes at once and returns the old content", () => {
    const ix = make();
    ix.set(pod("a", "p1", "n1"));
    ix.set(pod("a", "p2", "n1"));
    const keptList = ix.list();
    const old = ix.replace([pod("a", "p2", "n3"), pod("c", "p9", "n1")]);
    expect([...old.keys()].sort()).toEqual(["a/p1", "a/p2"]);
    expect(ix.listKeys().sort()).toEqual(["a/p2", "c/p9"]);
    expect(ix.indexKeys("byNode", "n1")).toEqual(["c/p9"]);
    expect(ix.indexKeys("byNode", "n3")).toEqual(["a/p2"]);
    expect(ix.byIndex(NAMESPACE_INDEX, "a").map((p) => p.metadata.name)).toEqual(["p2"]);
    expect(keptList).toHaveLength(2); // earlier list() results are independent arrays
  });

  it("addIndexers back-fills and refuses a name in use", () => {
    const ix = new Indexer<Pod>();
    ix.set(pod("a", "p1", "n1"));
    ix.addIndexers({ byNode });
    expect(ix.indexKeys("byNode", "n1")).toEqual(["a/p1"]);
    expect(() => ix.addIndexers({ byNode })).toThrow(/indexer conflict: byNode/);
    expect(ix.indexNames()).toEqual(["byNode"]);
  });
});

describe("deepFreeze", () => {
  it("freezes nested objects and arrays", () => {
    const o = deepFreeze({ metadata: { labels: { a: "1" } }, list: [{ x: 1 }] });
    expect(Object.isFrozen(o.metadata.labels)).toBe(true);
    expect(Object.isFrozen(o.list[0])).toBe(true);
    expect(() => {
      (o.metadata.labels as Record<string, string>).a = "2";
    }).toThrow(TypeError);
  });
});

describe("ResourceLister", () => {
  it("lists by namespace and selector, gets by name, NotFound as an ApiError", () => {
    const ix = new Indexer<Pod>({ [NAMESPACE_INDEX]: metaNamespaceIndexFunc });
    ix.set(pod("a", "web", undefined, { app: "web" }));
    ix.set(pod("a", "db", undefined, { app: "db" }));
    ix.set(pod("b", "web", undefined, { app: "web" }));
    const lister = new ResourceLister(ix, { group: "", resource: "pods" });
    expect(lister.list("app=web").map(metaNamespaceKey).sort()).toEqual(["a/web", "b/web"]);
    expect(lister.list({ matchLabels: { app: "db" } }).map(metaNamespaceKey)).toEqual(["a/db"]);
    expect(lister.list()).toHaveLength(3);
    expect(lister.namespace("a").list().map(metaNamespaceKey).sort()).toEqual(["a/db", "a/web"]);
    expect(lister.namespace("a").list("app in (web)").map(metaNamespaceKey)).toEqual(["a/web"]);
    expect(lister.namespace("b").get("web")?.metadata.namespace).toBe("b");
    expect(lister.namespace("b").get("db")).toBeUndefined();
    let err: unknown;
    try {
      lister.namespace("b").getOrThrow("db");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ApiError);
    expect(isNotFound(err)).toBe(true);
    expect((err as ApiError).message).toBe('pods "db" not found');
  });
});
