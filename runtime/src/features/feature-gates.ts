// Client-side feature gates (client-go features/known_features.go and
// features/envvar.go). Known gates with their defaults at Kubernetes 1.36;
// `KUBE_FEATURE_<Name>` environment variables (Go ParseBool values) override
// defaults; values from code (RestConfig.featureGates or set()) override the
// environment. Unknown gate names are an error everywhere; locked gates
// ignore attempts to change them (an error from code, a warning from env).

/** Maturity of a gate. */
export type FeatureStage = "Alpha" | "Beta" | "GA" | "Deprecated";

/** A gate's definition. */
export interface FeatureSpec {
  default: boolean;
  stage: FeatureStage;
  /** Locked gates cannot be changed from their default. */
  lockToDefault?: boolean;
}

/** The gates client-go knows at 1.36 (see client-go-behaviour.md §2.20). */
export const KNOWN_FEATURES: Readonly<Record<string, FeatureSpec>> = {
  /** Reflectors use watch-list (streaming list) instead of list + watch. */
  WatchListClient: { default: true, stage: "Beta" },
  InformerResourceVersion: { default: true, stage: "GA" },
  InOrderInformers: { default: true, stage: "GA", lockToDefault: true },
  InOrderInformersBatchProcess: { default: true, stage: "Beta" },
  AtomicFIFO: { default: true, stage: "Beta" },
  UnlockWhileProcessingFIFO: { default: true, stage: "Beta" },
  ClientsAllowCBOR: { default: false, stage: "Alpha" },
  ClientsPreferCBOR: { default: false, stage: "Alpha" },
  ClientsAllowCARotation: { default: true, stage: "Beta" },
  ClientsAllowTLSCacheGC: { default: true, stage: "Beta" },
};

/** Names of the known gates. */
export type FeatureName = keyof typeof KNOWN_FEATURES & string;

/** Raised for an unknown gate or an attempt to change a locked one. */
export class FeatureGateError extends Error {
  override readonly name = "FeatureGateError";
}

const TRUE = new Set(["1", "t", "T", "TRUE", "true", "True"]);
const FALSE = new Set(["0", "f", "F", "FALSE", "false", "False"]);

/** Go strconv.ParseBool: undefined for anything else. */
export function parseGoBool(value: string): boolean | undefined {
  if (TRUE.has(value)) return true;
  if (FALSE.has(value)) return false;
  return undefined;
}

/** A set of feature gate values. */
export class FeatureGates {
  readonly #known: Readonly<Record<string, FeatureSpec>>;
  readonly #env: Record<string, string | undefined>;
  readonly #explicit = new Map<string, boolean>();
  #fromEnv: Map<string, boolean> | undefined;
  readonly #warn: (message: string) => void;

  /**
   * @param overrides values set from code (e.g. RestConfig.featureGates); unknown names throw.
   * @param options.env environment to read `KUBE_FEATURE_*` from (default process.env), read once on first use.
   */
  constructor(
    overrides: Record<string, boolean> = {},
    options: { env?: Record<string, string | undefined>; known?: Record<string, FeatureSpec>; warn?: (message: string) => void } = {},
  ) {
    this.#known = options.known ?? KNOWN_FEATURES;
    this.#env = options.env ?? process.env;
    this.#warn = options.warn ?? ((m) => process.emitWarning(m, { code: "KUBEGEN_FEATURE_GATE" }));
    for (const [name, value] of Object.entries(overrides)) this.set(name, value);
  }

  /** Whether `name` is enabled. @throws FeatureGateError for an unknown gate. */
  enabled(name: string): boolean {
    const spec = this.#spec(name);
    const env = this.#envValues().get(name);
    if (spec.lockToDefault) return spec.default;
    const explicit = this.#explicit.get(name);
    if (explicit !== undefined) return explicit;
    return env ?? spec.default;
  }

  /** Sets a gate from code (wins over the environment). @throws FeatureGateError for unknown or locked gates. */
  set(name: string, value: boolean): void {
    const spec = this.#spec(name);
    if (spec.lockToDefault && value !== spec.default) {
      throw new FeatureGateError(`feature gate ${name} is locked to ${spec.default}`);
    }
    this.#explicit.set(name, value);
  }

  /** Every known gate and its current value. */
  snapshot(): Record<string, boolean> {
    const out: Record<string, boolean> = {};
    for (const name of Object.keys(this.#known).sort()) out[name] = this.enabled(name);
    return out;
  }

  #spec(name: string): FeatureSpec {
    const spec = Object.prototype.hasOwnProperty.call(this.#known, name) ? this.#known[name] : undefined;
    if (!spec) {
      throw new FeatureGateError(
        `unknown feature gate ${JSON.stringify(name)}; known gates: ${Object.keys(this.#known).sort().join(", ")}`,
      );
    }
    return spec;
  }

  #envValues(): Map<string, boolean> {
    if (this.#fromEnv) return this.#fromEnv;
    const m = new Map<string, boolean>();
    for (const name of Object.keys(this.#known)) {
      const raw = this.#env[`KUBE_FEATURE_${name}`];
      if (raw === undefined) continue;
      const v = parseGoBool(raw);
      if (v === undefined) {
        this.#warn(`ignoring KUBE_FEATURE_${name}=${JSON.stringify(raw)}: not a boolean`);
        continue;
      }
      const spec = this.#known[name]!;
      if (spec.lockToDefault && v !== spec.default) {
        this.#warn(`ignoring KUBE_FEATURE_${name}=${raw}: the gate is locked to ${spec.default}`);
        continue;
      }
      m.set(name, v);
    }
    this.#fromEnv = m;
    return m;
  }
}

const perConfig = new WeakMap<object, FeatureGates>();

/**
 * The feature gates for a RestConfig-like object (its `featureGates` over the
 * environment), created once per object. @throws FeatureGateError for unknown names.
 */
export function featureGatesFor(config: { featureGates?: Record<string, boolean> }): FeatureGates {
  let g = perConfig.get(config);
  if (!g) {
    g = new FeatureGates(config.featureGates ?? {});
    perConfig.set(config, g);
  }
  return g;
}
