// Walking and rewriting the type references inside IR types, for renaming
// (hoisted CRD types) and dependency closure (--groups).

import type { TypeDef, TypeRef, TypeTarget } from "./types.js";

/** Returns `t` with every reference target passed through `f`. */
export function mapRefs(t: TypeRef, f: (target: TypeTarget) => TypeTarget): TypeRef {
  switch (t.kind) {
    case "ref":
      return { kind: "ref", target: f(t.target) };
    case "array":
      return { ...t, items: mapRefs(t.items, f) };
    case "map":
      return { ...t, values: mapRefs(t.values, f) };
    case "union":
      return { ...t, variants: t.variants.map((v) => mapRefs(v, f)) };
    default:
      return t;
  }
}

/** Returns `d` with every reference in its fields, alias and additional type passed through `f`. */
export function mapTypeDefRefs(d: TypeDef, f: (target: TypeTarget) => TypeTarget): TypeDef {
  return {
    ...d,
    fields: d.fields.map((field) => ({ ...field, type: mapRefs(field.type, f) })),
    ...(d.alias ? { alias: mapRefs(d.alias, f) } : {}),
    ...(d.additional ? { additional: mapRefs(d.additional, f) } : {}),
  };
}

/** Every reference target used by a type. */
export function targetsOf(d: TypeDef): TypeTarget[] {
  const out: TypeTarget[] = [];
  mapTypeDefRefs(d, (t) => {
    out.push(t);
    return t;
  });
  return out;
}
