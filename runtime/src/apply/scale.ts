// The apply configuration of autoscaling/v1 Scale, the body of `applyScale`
// on resources with a scale subresource (client-go
// applyconfigurations/autoscaling/v1 ScaleApplyConfiguration). Scale is a
// runtime-owned type, so its builder lives here rather than in generated code.

import { ObjectApplyConfiguration } from "./builders.js";

/** The desired replicas of a Scale. */
export class ScaleSpecApplyConfiguration {
  declare replicas?: number;

  /** Sets `replicas`. */
  withReplicas(value: number): this {
    this.replicas = value;
    return this;
  }
}

/** Apply configuration of autoscaling/v1 Scale: only `spec.replicas` is writable. */
export class ScaleApplyConfiguration extends ObjectApplyConfiguration {
  declare spec?: ScaleSpecApplyConfiguration;

  /** Sets `spec`. */
  withSpec(value: ScaleSpecApplyConfiguration): this {
    this.spec = value;
    return this;
  }
}

/** A new Scale apply configuration for the named object (`applyScale(name, scale(name, ns).withSpec(...))`). */
export function scale(name: string, namespace?: string): ScaleApplyConfiguration {
  const s = new ScaleApplyConfiguration().withApiVersion("autoscaling/v1").withKind("Scale").withName(name);
  return namespace === undefined ? s : s.withNamespace(namespace);
}

/** A new, empty ScaleSpec apply configuration. */
export function scaleSpec(): ScaleSpecApplyConfiguration {
  return new ScaleSpecApplyConfiguration();
}
