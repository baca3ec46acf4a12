// What the runtime's generated apply builders (apply/generated, made by `make generate-runtime`)
// import as `rt`: the same names generated users' code takes from the package, re-exported from
// their modules here, since the runtime cannot import its own index. builders.ts comes first:
// generated classes that extend its bases (Scale) are evaluated after it whichever module is
// loaded first.

export { MetadataApplyConfiguration, ObjectApplyConfiguration, setField, fieldOf } from "./builders.js";
export { SCALAR, UNTYPED, struct } from "./schema.js";
export type { ApplyNode, ApplyStruct, ApplyStructNode } from "./schema.js";
export type { FieldsV1, Time } from "../meta/types.js";
export { OwnerReferenceApplyConfiguration, ownerReferenceApplySchema } from "./generated/meta/v1/applyconfigurations/owner-reference.js";
export {
  ManagedFieldsEntryApplyConfiguration,
  managedFieldsEntryApplySchema,
} from "./generated/meta/v1/applyconfigurations/managed-fields-entry.js";
export {
  LabelSelectorRequirementApplyConfiguration,
  labelSelectorRequirementApplySchema,
} from "./generated/meta/v1/applyconfigurations/label-selector-requirement.js";
export { ObjectMetaApplyConfiguration, objectMetaApplySchema } from "./generated/meta/v1/applyconfigurations/object-meta.js";
