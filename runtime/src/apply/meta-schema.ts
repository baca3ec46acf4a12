// The server-side-apply schema of the types kubegen's runtime owns (meta/v1 ObjectMeta and
// friends, core/v1 ObjectReference, autoscaling/v1 Scale), by their bare RuntimeType names, with
// the list/map semantics kube-apiserver v1.36 publishes for them (`x-kubernetes-list-type`,
// `x-kubernetes-list-map-keys`, `x-kubernetes-map-type` in its OpenAPI). Generated schema tables
// refer to these names (`struct("ObjectMeta")`), and applySchemaOf and defineApplySchema merge
// this table in.

import {
  ConditionApplyConfiguration,
  LabelSelectorApplyConfiguration,
  LabelSelectorRequirementApplyConfiguration,
  ObjectMetaApplyConfiguration,
  ObjectReferenceApplyConfiguration,
  OwnerReferenceApplyConfiguration,
} from "./builders.js";
import { SCALAR, UNTYPED, struct, type ApplyNode, type ApplySchema, type ApplyStruct } from "./schema.js";

const atomicList = (items: ApplyNode): ApplyNode => ({ kind: "list", listType: "atomic", items });
const stringMap: ApplyNode = { kind: "map", mapType: "granular", values: SCALAR };

/** The runtime-owned structs by bare name (`ObjectMeta`, `LabelSelector`, `Scale`, ...). */
export const META_APPLY_TYPES: { readonly [name: string]: ApplyStruct } = Object.freeze({
  ObjectMeta: {
    builder: ObjectMetaApplyConfiguration,
    fields: {
      name: SCALAR,
      generateName: SCALAR,
      namespace: SCALAR,
      selfLink: SCALAR,
      uid: SCALAR,
      resourceVersion: SCALAR,
      generation: SCALAR,
      creationTimestamp: SCALAR,
      deletionTimestamp: SCALAR,
      deletionGracePeriodSeconds: SCALAR,
      labels: stringMap,
      annotations: stringMap,
      ownerReferences: { kind: "list", listType: "map", keys: ["uid"], items: struct("OwnerReference") },
      finalizers: { kind: "list", listType: "set", items: SCALAR },
      managedFields: atomicList(struct("ManagedFieldsEntry")),
    },
  },
  OwnerReference: {
    builder: OwnerReferenceApplyConfiguration,
    atomic: true,
    fields: {
      apiVersion: SCALAR,
      kind: SCALAR,
      name: SCALAR,
      uid: SCALAR,
      controller: SCALAR,
      blockOwnerDeletion: SCALAR,
    },
  },
  ManagedFieldsEntry: {
    fields: {
      manager: SCALAR,
      operation: SCALAR,
      apiVersion: SCALAR,
      time: SCALAR,
      fieldsType: SCALAR,
      fieldsV1: UNTYPED,
      subresource: SCALAR,
    },
  },
  LabelSelector: {
    builder: LabelSelectorApplyConfiguration,
    atomic: true,
    fields: {
      matchLabels: stringMap,
      matchExpressions: atomicList(struct("LabelSelectorRequirement")),
    },
  },
  LabelSelectorRequirement: {
    builder: LabelSelectorRequirementApplyConfiguration,
    fields: { key: SCALAR, operator: SCALAR, values: atomicList(SCALAR) },
  },
  Condition: {
    builder: ConditionApplyConfiguration,
    fields: {
      type: SCALAR,
      status: SCALAR,
      observedGeneration: SCALAR,
      lastTransitionTime: SCALAR,
      reason: SCALAR,
      message: SCALAR,
    },
  },
  ObjectReference: {
    builder: ObjectReferenceApplyConfiguration,
    atomic: true,
    fields: {
      apiVersion: SCALAR,
      fieldPath: SCALAR,
      kind: SCALAR,
      name: SCALAR,
      namespace: SCALAR,
      resourceVersion: SCALAR,
      uid: SCALAR,
    },
  },
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
  Scale: {
    fields: {
      apiVersion: SCALAR,
      kind: SCALAR,
      metadata: struct("ObjectMeta"),
      spec: struct("ScaleSpec"),
      status: struct("ScaleStatus"),
    },
  },
  /** autoscaling/v1 ScaleSpec. */
  ScaleSpec: { fields: { replicas: SCALAR } },
  /** autoscaling/v1 ScaleStatus. */
  ScaleStatus: { fields: { replicas: SCALAR, selector: SCALAR } },
} satisfies { [name: string]: ApplyStruct });

/** The runtime-owned structs as a schema of their own (what every defineApplySchema merges in). */
export const metaApplySchema: ApplySchema = Object.freeze({ types: META_APPLY_TYPES });
