// Label selector parse/match/format and field selector formatting.
import { describe, expect, it } from "vitest";
import { formatFieldSelector, formatLabelSelector, matchesLabelSelector, parseLabelSelector } from "@kubegen/runtime";

describe("label selectors", () => {
  it("parses every operator", () => {
    expect(parseLabelSelector("a=b, c==d,e!=f,g in (y, x),h notin (z),i,!j,k>5,l<-1,m=")).toEqual([
      { key: "a", operator: "=", values: ["b"] },
      { key: "c", operator: "=", values: ["d"] },
      { key: "e", operator: "!=", values: ["f"] },
      { key: "g", operator: "in", values: ["x", "y"] },
      { key: "h", operator: "notin", values: ["z"] },
      { key: "i", operator: "exists", values: [] },
      { key: "j", operator: "!", values: [] },
      { key: "k", operator: "gt", values: ["5"] },
      { key: "l", operator: "lt", values: ["-1"] },
      { key: "m", operator: "=", values: [""] },
    ]);
    expect(parseLabelSelector("")).toEqual([]);
    expect(parseLabelSelector("example.com/app=web")[0]!.key).toBe("example.com/app");
  });

  it.each([["a in b"], ["a in (b"], ["=b"], ["a=b,"], ["a>x"], ["a b"], ["-bad=x"], ["a=b c"], ["a=-x"]])(
    "rejects %j",
    (s) => {
      expect(() => parseLabelSelector(s)).toThrow(/selector/);
    },
  );

  const labels = { app: "web", tier: "front", n: "7" };
  it.each<[string, boolean]>([
    ["", true],
    ["app=web", true],
    ["app=db", false],
    ["app!=db", true],
    ["missing!=x", true],
    ["app in (web,db)", true],
    ["app notin (web)", false],
    ["missing notin (web)", true],
    ["tier", true],
    ["!tier", false],
    ["!missing", true],
    ["n>6", true],
    ["n<7", false],
    ["app>1", false],
    ["app=web,tier=back", false],
  ])("%j matches: %s", (sel, want) => {
    expect(matchesLabelSelector(sel, labels)).toBe(want);
  });

  it("matches and formats structured selectors", () => {
    const sel = {
      matchLabels: { tier: "front" },
      matchExpressions: [
        { key: "app", operator: "In", values: ["web", "api"] },
        { key: "legacy", operator: "DoesNotExist" },
      ],
    };
    expect(matchesLabelSelector(sel, labels)).toBe(true);
    expect(matchesLabelSelector({ matchExpressions: [{ key: "app", operator: "NotIn", values: ["web"] }] }, labels)).toBe(false);
    expect(matchesLabelSelector({}, undefined)).toBe(true);
    expect(formatLabelSelector(sel)).toBe("app in (api,web),!legacy,tier=front");
    expect(matchesLabelSelector(formatLabelSelector(sel), labels)).toBe(true);
  });
});

describe("field selectors", () => {
  it("formats maps and terms with escaping", () => {
    expect(formatFieldSelector({ "metadata.name": "a,b=c\\d", "status.phase": "Running" })).toBe(
      "metadata.name=a\\,b\\=c\\\\d,status.phase=Running",
    );
    expect(formatFieldSelector([{ field: "spec.nodeName", operator: "!=", value: "" }])).toBe("spec.nodeName!=");
    expect(formatFieldSelector("a=b")).toBe("a=b");
  });
});
