// Runtime apply-configuration builders: the wire body is exactly the setters called (no undefined
// own properties), lists append, maps merge, scalars/structs are replaced; the promoted ObjectMeta
// setters allocate metadata on demand; defineApplySchema and applySchemaOf merge lazily and survive cycles.
import { describe, expect, it } from "vitest";
import {
  ConditionApplyConfiguration,
  MetadataApplyConfiguration,
  ObjectApplyConfiguration,
  ObjectMetaApplyConfiguration,
  ScaleApplyConfiguration,
  condition,
  labelSelector,
  labelSelectorRequirement,
  objectMeta,
  objectReference,
  ownerReference,
  ownerReferenceApplySchema,
  scale,
  scaleSpec,
  scaleSpecApplySchema,
} from "../../../runtime/src/index.js";
import { applySchemaOf, defineApplySchema } from "../../../runtime/src/apply/define-schema.js";
import { META_APPLY_TYPES, metaApplySchema } from "../../../runtime/src/apply/meta-schema.js";
import { SCALAR, struct, type ApplyNode, type ApplySchema, type ApplyStruct, type ApplyStructNode } from "../../../runtime/src/apply/schema.js";

/** A struct name of the tests' own (qualified, and not one of the runtime's). */
const isOwn = (k: string): boolean => k.includes("/") && !Object.hasOwn(META_APPLY_TYPES, k);

class WidgetApplyConfiguration extends ObjectApplyConfiguration {
  declare spec?: { size?: number };
}

describe("apply builders", () => {
  it("a fresh builder has no own properties, so it serialises to {}", () => {
    for (const b of [new WidgetApplyConfiguration(), objectMeta(), ownerReference(), labelSelector(), condition(), objectReference()]) {
      expect(Object.keys(b)).toEqual([]);
      expect(JSON.stringify(b)).toBe("{}");
    }
  });

  it("a kind's builder serialises to exactly the apply body, in call order", () => {
    const w = new WidgetApplyConfiguration()
      .withApiVersion("example.com/v1")
      .withKind("Widget")
      .withName("w")
      .withNamespace("ns")
      .withLabels({ a: "1" })
      .withLabels({ b: "2", a: "3" })
      .withAnnotations({ note: "x" })
      .withFinalizers("f1")
      .withFinalizers("f2", "f3")
      .withOwnerReferences(ownerReference().withApiVersion("v1").withKind("ConfigMap").withName("o").withUid("u1").withController(true))
      .withOwnerReferences(ownerReference().withUid("u2").withBlockOwnerDeletion(false));
    expect(JSON.parse(JSON.stringify(w))).toEqual({
      apiVersion: "example.com/v1",
      kind: "Widget",
      metadata: {
        name: "w",
        namespace: "ns",
        labels: { a: "3", b: "2" },
        annotations: { note: "x" },
        finalizers: ["f1", "f2", "f3"],
        ownerReferences: [
          { apiVersion: "v1", kind: "ConfigMap", name: "o", uid: "u1", controller: true },
          { uid: "u2", blockOwnerDeletion: false },
        ],
      },
    });
    expect(Object.keys(w)).toEqual(["apiVersion", "kind", "metadata"]);
    expect(w.metadata).toBeInstanceOf(ObjectMetaApplyConfiguration);
    expect(w.getName()).toBe("w");
    expect(w.getNamespace()).toBe("ns");
  });

  it("every promoted ObjectMeta setter writes metadata, allocated on first use; the last scalar wins", () => {
    const m = new MetadataApplyConfiguration();
    expect(m.metadata).toBeUndefined();
    expect(m.getName()).toBeUndefined();
    expect(m.getNamespace()).toBeUndefined();
    m.withGenerateName("g-")
      .withUid("uid")
      .withResourceVersion("7")
      .withGeneration(3)
      .withCreationTimestamp("2024-01-01T00:00:00Z")
      .withDeletionTimestamp("2024-01-02T00:00:00Z")
      .withDeletionGracePeriodSeconds(30)
      .withName("first")
      .withName("second");
    expect({ ...m.metadata }).toEqual({
      generateName: "g-",
      uid: "uid",
      resourceVersion: "7",
      generation: 3,
      creationTimestamp: "2024-01-01T00:00:00Z",
      deletionTimestamp: "2024-01-02T00:00:00Z",
      deletionGracePeriodSeconds: 30,
      name: "second",
    });
  });

  it("label selectors, requirements, conditions and object references", () => {
    const sel = labelSelector()
      .withMatchLabels({ app: "web" })
      .withMatchExpressions(labelSelectorRequirement().withKey("tier").withOperator("In").withValues("a").withValues("b"));
    expect(JSON.parse(JSON.stringify(sel))).toEqual({
      matchLabels: { app: "web" },
      matchExpressions: [{ key: "tier", operator: "In", values: ["a", "b"] }],
    });
    const c = condition().withType("Ready").withStatus("True").withObservedGeneration(2).withLastTransitionTime("t").withReason("R").withMessage("m");
    expect(c).toBeInstanceOf(ConditionApplyConfiguration);
    expect(Object.keys(c)).toEqual(["type", "status", "observedGeneration", "lastTransitionTime", "reason", "message"]);
    const r = objectReference().withApiVersion("v1").withKind("Pod").withName("p").withNamespace("ns").withUid("u").withResourceVersion("1").withFieldPath("spec.containers{c}");
    expect(Object.keys(r).sort()).toEqual(["apiVersion", "fieldPath", "kind", "name", "namespace", "resourceVersion", "uid"]);
  });

  it("ObjectMeta has no setters for the fields the server keeps (selfLink, managedFields), as client-go's", () => {
    const m = objectMeta() as unknown as Record<string, unknown>;
    expect(m.withSelfLink).toBeUndefined();
    expect(m.withManagedFields).toBeUndefined();
    expect(typeof m.withFinalizers).toBe("function");
  });

  it("scale(name, namespace) names the object and sets the kind; the generated Scale builder keeps the ObjectMeta setters", () => {
    const s = scale("web", "ns").withSpec(scaleSpec().withReplicas(3));
    expect(s).toBeInstanceOf(ScaleApplyConfiguration);
    expect(s).toBeInstanceOf(ObjectApplyConfiguration);
    expect(JSON.parse(JSON.stringify(s))).toEqual({
      apiVersion: "autoscaling/v1",
      kind: "Scale",
      metadata: { name: "web", namespace: "ns" },
      spec: { replicas: 3 },
    });
    expect(JSON.stringify(scale("c"))).toBe('{"apiVersion":"autoscaling/v1","kind":"Scale","metadata":{"name":"c"}}');
  });
});

describe("the meta apply schema", () => {
  it("has the v1.36 list and map semantics and the runtime builders", () => {
    const om = META_APPLY_TYPES.ObjectMeta!;
    expect(om.builder).toBe(ObjectMetaApplyConfiguration);
    expect(om.fields.ownerReferences).toEqual({ kind: "list", listType: "map", keys: ["uid"], items: ownerReferenceApplySchema });
    expect(om.fields.finalizers).toMatchObject({ kind: "list", listType: "set" });
    expect(om.fields.labels).toMatchObject({ kind: "map", mapType: "granular" });
    expect(om.fields.annotations).toMatchObject({ kind: "map", mapType: "granular" });
    expect(om.fields.managedFields).toMatchObject({ kind: "list", listType: "atomic" });
    expect(META_APPLY_TYPES.OwnerReference!.atomic).toBe(true);
    expect(META_APPLY_TYPES.LabelSelector!.atomic).toBe(true);
    expect(META_APPLY_TYPES.ObjectReference!.atomic).toBe(true);
    expect(META_APPLY_TYPES.Condition!.atomic).toBeUndefined();
    expect(META_APPLY_TYPES.Scale!.fields.spec).toBe(scaleSpecApplySchema);
    // A generated struct is one object under its bare and its qualified name.
    expect(META_APPLY_TYPES["meta/v1.ObjectMeta"]).toBe(om);
    expect(Object.keys(om.fields)).toContain("selfLink");
    // Every struct reference in the table resolves inside it.
    const names = (n: ApplyNode): string[] =>
      n.kind === "struct" ? [n.type] : n.kind === "list" ? names(n.items) : n.kind === "map" ? names(n.values) : [];
    const refs = Object.values(META_APPLY_TYPES).flatMap((s) => Object.values(s.fields)).flatMap(names);
    for (const r of refs) expect(metaApplySchema.types[r], r).toBeDefined();
  });
});

describe("defineApplySchema", () => {
  it("merges own, dependencies (recursively, cycles included) and the meta table on first access only", () => {
    let depsCalls = 0;
    // a -> b -> c -> a: the cycle that two generated modules importing each other produce.
    const a: ApplySchema = defineApplySchema({ "a/v1.A": { fields: { b: struct("b/v1.B") } } }, () => {
      depsCalls++;
      return [b];
    });
    const b: ApplySchema = defineApplySchema({ "b/v1.B": { fields: { c: struct("c/v1.C") } } }, () => [c]);
    const c: ApplySchema = defineApplySchema({ "c/v1.C": { fields: { x: SCALAR } } }, () => [a]);
    expect(depsCalls).toBe(0);
    expect(Object.keys(a.types).filter((k) => isOwn(k)).sort()).toEqual(["a/v1.A", "b/v1.B", "c/v1.C"]);
    expect(a.types.ObjectMeta).toBe(META_APPLY_TYPES.ObjectMeta);
    expect(a.types).toBe(a.types); // memoised
    expect(depsCalls).toBe(1);
    expect(Object.keys(c.types).filter((k) => isOwn(k)).sort()).toEqual(["a/v1.A", "b/v1.B", "c/v1.C"]);
  });

  it("a module's own struct wins over a dependency's, which wins over the meta table", () => {
    const dep = defineApplySchema({ Condition: { fields: { dep: SCALAR } }, "x/v1.X": { fields: { dep: SCALAR } } }, () => []);
    const plain: ApplySchema = { types: { "p/v1.P": { fields: {} } } };
    const own = defineApplySchema({ "x/v1.X": { fields: { own: SCALAR } } }, () => [dep, plain]);
    expect(Object.keys(own.types["x/v1.X"]!.fields)).toEqual(["own"]);
    expect(Object.keys(own.types.Condition!.fields)).toEqual(["dep"]);
    expect(own.types["p/v1.P"]).toBeDefined();
    expect(defineApplySchema({}).types.LabelSelector).toBe(META_APPLY_TYPES.LabelSelector);
  });
});

describe("applySchemaOf (generated structs, one node per type)", () => {
  /** A struct node as generated code declares it, counting the calls of its definition. */
  function node(type: string, fields: () => ApplyStruct["fields"], calls: Map<string, number>): ApplyStructNode {
    return {
      kind: "struct",
      type,
      define: () => {
        calls.set(type, (calls.get(type) ?? 0) + 1);
        return { fields: fields() };
      },
    };
  }

  it("collects what the roots reach (fields, list items, map values, rest; cycles included) once, on first access, plus the meta table", () => {
    const calls = new Map<string, number>();
    // a (module a/v1) -> b (module b/v1) -> a: the cycle of two generated modules that import each other.
    const a: ApplyStructNode = node("a/v1.A", () => ({ b, items: { kind: "list", listType: "map", keys: ["k"], items: c }, meta: struct("ObjectMeta") }), calls);
    const b: ApplyStructNode = node("b/v1.B", () => ({ back: a, byName: { kind: "map", mapType: "granular", values: d } }), calls);
    const c: ApplyStructNode = node("c/v1.C", () => ({ k: SCALAR }), calls);
    const d: ApplyStructNode = { kind: "struct", type: "d/v1.D", define: () => ({ fields: {}, rest: e }) };
    const e: ApplyStructNode = node("e/v1.E", () => ({}), calls);
    const unreached: ApplyStructNode = node("u/v1.U", () => ({}), calls);
    const schema = applySchemaOf(a);
    expect(calls.size).toBe(0); // nothing is read before `types`
    expect(Object.keys(schema.types).filter((k) => isOwn(k)).sort()).toEqual(["a/v1.A", "b/v1.B", "c/v1.C", "d/v1.D", "e/v1.E"]);
    expect(schema.types).toBe(schema.types); // memoised
    expect([...calls.values()].every((n) => n === 1)).toBe(true);
    expect(schema.types.ObjectMeta).toBe(META_APPLY_TYPES.ObjectMeta);
    expect(schema.types["a/v1.A"]!.fields.b).toBe(b); // the node itself: merge and extraction read its kind and type
    expect(applySchemaOf(a)).toBe(schema); // one schema per single root
    expect(applySchemaOf(unreached, c).types["u/v1.U"]).toBeDefined();
    expect(Object.keys(applySchemaOf(b).types).filter((k) => isOwn(k)).sort()).toEqual(["a/v1.A", "b/v1.B", "c/v1.C", "d/v1.D", "e/v1.E"]);
  });
});
