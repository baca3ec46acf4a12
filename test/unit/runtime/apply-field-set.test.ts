import { describe, expect, it } from "vitest";
import { FieldSet, formatPath, keyElement, parseElementToken, type FieldPath } from "../../../runtime/src/apply/field-set.js";

const f = (field: string) => ({ field });

describe("FieldSet", () => {
  it("encodes FieldsV1 like the server: sorted keys, '.' for owned nodes with children, sorted key fields", () => {
    const item = [f("spec"), f("ports"), keyElement([["protocol", "TCP"], ["containerPort", 80]])];
    const s = FieldSet.of([f("spec"), f("replicas")], item, [...item, f("containerPort")], [f("metadata"), f("labels"), f("b")], [f("metadata"), f("labels"), f("a")], [f("spec"), f("finalizers"), { value: "x" }]);
    const json = JSON.stringify(s.toFieldsV1());
    expect(json).toBe(
      '{"f:metadata":{"f:labels":{"f:a":{},"f:b":{}}},"f:spec":{"f:finalizers":{"v:\\"x\\"":{}},"f:ports":{"k:{\\"containerPort\\":80,\\"protocol\\":\\"TCP\\"}":{".":{},"f:containerPort":{}}},"f:replicas":{}}}',
    );
    expect(FieldSet.fromFieldsV1(s.toFieldsV1()).equals(s)).toBe(true);
  });

  it("orders elements fields < keys < values < indexes, values numbers < strings < booleans, strings by UTF-8 bytes", () => {
    const s = FieldSet.of([{ index: 0 }], [{ value: true }], [{ value: "b" }], [{ value: 2 }], [keyElement([["k", "v"]])], [f("z")], [f("\u{1F600}")], [f("\uFFFF")]);
    expect(Object.keys(s.toFieldsV1())).toEqual(["f:z", "f:\uFFFF", "f:\u{1F600}", 'k:{"k":"v"}', "v:2", 'v:"b"', "v:true", "i:0"]);
  });

  it("escapes HTML characters in keys like Go's encoding/json", () => {
    expect(Object.keys(FieldSet.of([{ value: "<a&b>" }]).toFieldsV1())).toEqual(['v:"\\u003ca\\u0026b\\u003e"']);
  });

  it("union, intersection, difference and recursiveDifference", () => {
    const a = FieldSet.of([f("a"), f("x")], [f("a"), f("y")], [f("b")]);
    const b = FieldSet.of([f("a"), f("y")], [f("c")]);
    const str = (s: FieldSet) => s.paths().map(formatPath);
    expect(str(a.union(b))).toEqual([".b", ".c", ".a.x", ".a.y"]);
    expect(str(a.intersection(b))).toEqual([".a.y"]);
    expect(str(a.difference(b))).toEqual([".b", ".a.x"]);
    expect(str(a.recursiveDifference(FieldSet.of([f("a")])))).toEqual([".b"]);
    expect(a.has([f("a"), f("x")])).toBe(true);
    expect(a.has([f("a")])).toBe(false);
  });

  it("formats paths like the server's conflict messages", () => {
    const p: FieldPath = [f("spec"), f("containers"), keyElement([["name", "a"]]), f("ports"), keyElement([["protocol", "TCP"], ["containerPort", 80]]), f("x")];
    expect(formatPath(p)).toBe('.spec.containers[name="a"].ports[containerPort=80,protocol="TCP"].x');
    expect(formatPath([f("finalizers"), { value: "a" }])).toBe('.finalizers[="a"]');
  });

  it("rejects malformed FieldsV1 keys", () => {
    expect(() => parseElementToken("x:1")).toThrow(/malformed FieldsV1 key "x:1"/);
    expect(() => parseElementToken("k:[1]")).toThrow(/malformed/);
  });
});
