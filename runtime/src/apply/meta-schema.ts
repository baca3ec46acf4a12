// The server-side-apply schema of the types kubegen's runtime owns, by their bare RuntimeType
// names (`struct("ObjectMeta")`, what hand-written tables use) and, for the generated ones, by
// their qualified names too (`meta/v1.ObjectMeta`, what generated code's nodes carry). The
// structs apply sends (ObjectMeta and friends, core/v1 ObjectReference, autoscaling/v1 Scale)
// are generated from runtime/schema/runtime-types.json (apply/generated); the response types
// (Status, ListMeta and their parts) are written here, with the list/map semantics
// kube-apiserver v1.36 publishes for them. applySchemaOf and defineApplySchema merge this table
// in.

import { conditionApplySchema } from "./generated/meta/v1/applyconfigurations/condition.js";
import { labelSelectorApplySchema } from "./generated/meta/v1/applyconfigurations/label-selector.js";
import { labelSelectorRequirementApplySchema } from "./generated/meta/v1/applyconfigurations/label-selector-requirement.js";
import { managedFieldsEntryApplySchema } from "./generated/meta/v1/applyconfigurations/managed-fields-entry.js";
import { objectMetaApplySchema } from "./generated/meta/v1/applyconfigurations/object-meta.js";
import { ownerReferenceApplySchema } from "./generated/meta/v1/applyconfigurations/owner-reference.js";
import { objectReferenceApplySchema } from "./generated/core/v1/applyconfigurations/object-reference.js";
import { scaleApplySchema } from "./generated/autoscaling/v1/applyconfigurations/scale.js";
import { scaleSpecApplySchema } from "./generated/autoscaling/v1/applyconfigurations/scale-spec.js";
import { scaleStatusApplySchema } from "./generated/autoscaling/v1/applyconfigurations/scale-status.js";
import { SCALAR, struct, type ApplyNode, type ApplySchema, type ApplyStruct, type ApplyStructNode } from "./schema.js";

const atomicList = (items: ApplyNode): ApplyNode => ({ kind: "list", listType: "atomic", items });

/** The generated runtime structs, by bare name. */
const GENERATED: { readonly [name: string]: ApplyStructNode } = {
  ObjectMeta: objectMetaApplySchema,
  OwnerReference: ownerReferenceApplySchema,
  ManagedFieldsEntry: managedFieldsEntryApplySchema,
  LabelSelector: labelSelectorApplySchema,
  LabelSelectorRequirement: labelSelectorRequirementApplySchema,
  Condition: conditionApplySchema,
  ObjectReference: objectReferenceApplySchema,
  Scale: scaleApplySchema,
  ScaleSpec: scaleSpecApplySchema,
  ScaleStatus: scaleStatusApplySchema,
};

/** Each generated struct under its bare and its qualified name (one object for both). */
function generatedTable(): { [name: string]: ApplyStruct } {
  const table: { [name: string]: ApplyStruct } = {};
  for (const [name, node] of Object.entries(GENERATED)) table[name] = table[node.type] = node.define!();
  return table;
}

/** The runtime-owned structs by bare name (`ObjectMeta`, `LabelSelector`, `Scale`, ...). */
export const META_APPLY_TYPES: { readonly [name: string]: ApplyStruct } = Object.freeze({
  ...generatedTable(),
  Status: {
    fields: {
      apiVersion: SCALAR,
      kind: SCALAR,
      metadata: struct("ListMeta"),
      status: SCALAR,
      message: SCALAR,
      reason: SCALAR,
      details: struct("StatusDetails"),
      code: SCALAR,
    },
  },
  StatusDetails: {
    fields: {
      name: SCALAR,
      group: SCALAR,
      kind: SCALAR,
      uid: SCALAR,
      causes: atomicList(struct("StatusCause")),
      retryAfterSeconds: SCALAR,
    },
  },
  StatusCause: { fields: { reason: SCALAR, message: SCALAR, field: SCALAR } },
  ListMeta: {
    fields: {
      selfLink: SCALAR,
      resourceVersion: SCALAR,
      continue: SCALAR,
      remainingItemCount: SCALAR,
      shardInfo: struct("ShardInfo"),
    },
  },
  /** meta/v1 ShardInfo (new in v1.36 list responses). */
  ShardInfo: { fields: { selector: SCALAR } },
} satisfies { [name: string]: ApplyStruct });

/** The runtime-owned structs as a schema of their own (what every defineApplySchema merges in). */
export const metaApplySchema: ApplySchema = Object.freeze({ types: META_APPLY_TYPES });
