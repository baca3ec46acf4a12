// The factory of the body of `applyScale` on resources with a scale subresource. The Scale
// builders themselves are generated (apply/generated/autoscaling/v1); this factory names the
// object, as client-go's callers of applyconfigurations/autoscaling/v1 Scale() do by hand.

import { ScaleApplyConfiguration } from "./generated/autoscaling/v1/applyconfigurations/scale.js";

/** A new Scale apply configuration for the named object (`applyScale(name, scale(name, ns).withSpec(...))`). */
export function scale(name: string, namespace?: string): ScaleApplyConfiguration {
  const s = new ScaleApplyConfiguration().withApiVersion("autoscaling/v1").withKind("Scale").withName(name);
  return namespace === undefined ? s : s.withNamespace(namespace);
}
