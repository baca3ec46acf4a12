// Client-side feature gates: defaults, env, overrides, unknown and locked gates.
import { describe, expect, it } from "vitest";
import { FeatureGateError, FeatureGates, featureGatesFor, parseGoBool } from "@kubegen/runtime";

describe("feature gates", () => {
  it("has WatchListClient on by default and CBOR off", () => {
    const g = new FeatureGates({}, { env: {} });
    expect(g.enabled("WatchListClient")).toBe(true);
    expect(g.enabled("ClientsAllowCBOR")).toBe(false);
  });

  it("reads KUBE_FEATURE_<Name> with Go ParseBool and ignores invalid values with a warning", () => {
    const warnings: string[] = [];
    const g = new FeatureGates(
      {},
      { env: { KUBE_FEATURE_WatchListClient: "f", KUBE_FEATURE_ClientsAllowCBOR: "yes", KUBE_FEATURE_AtomicFIFO: "0" }, warn: (m) => warnings.push(m) },
    );
    expect(g.enabled("WatchListClient")).toBe(false);
    expect(g.enabled("ClientsAllowCBOR")).toBe(false);
    expect(g.enabled("AtomicFIFO")).toBe(false);
    expect(warnings).toEqual(['ignoring KUBE_FEATURE_ClientsAllowCBOR="yes": not a boolean']);
    expect([parseGoBool("TRUE"), parseGoBool("t"), parseGoBool("1"), parseGoBool("on")]).toEqual([true, true, true, undefined]);
  });

  it("lets code override the environment", () => {
    const g = new FeatureGates({ WatchListClient: true }, { env: { KUBE_FEATURE_WatchListClient: "false" } });
    expect(g.enabled("WatchListClient")).toBe(true);
    g.set("WatchListClient", false);
    expect(g.enabled("WatchListClient")).toBe(false);
  });

  it("rejects unknown gates and changes to locked ones", () => {
    expect(() => new FeatureGates({ NoSuchGate: true }, { env: {} })).toThrow(FeatureGateError);
    expect(() => new FeatureGates({}, { env: {} }).enabled("NoSuchGate")).toThrow(/unknown feature gate "NoSuchGate"; known gates: AtomicFIFO/);
    expect(() => new FeatureGates({ InOrderInformers: false }, { env: {} })).toThrow(/locked to true/);
    const warnings: string[] = [];
    const g = new FeatureGates({}, { env: { KUBE_FEATURE_InOrderInformers: "false" }, warn: (m) => warnings.push(m) });
    expect(g.enabled("InOrderInformers")).toBe(true);
    expect(warnings).toHaveLength(1);
  });

  it("builds one gate set per config from config.featureGates", () => {
    const config = { featureGates: { WatchListClient: false } };
    expect(featureGatesFor(config).enabled("WatchListClient")).toBe(false);
    expect(featureGatesFor(config)).toBe(featureGatesFor(config));
    expect(() => featureGatesFor({ featureGates: { Bogus: true } })).toThrow(FeatureGateError);
  });
});
