// The structural-schema table the fake clientset validates and prunes custom resources with
// (the generator emits one per CRD kind into `fake.ts`): named object types, each with its
// properties, required list and object constraints, and nodes for values with the
// OpenAPI v3 constraints the API server checks. Plain data, so generated code stays a table.

/** Bounds and shape facts of one value, as a CRD's openAPIV3Schema gives them. */
export interface ValidationNode {
  /** The JSON type; absent: any value (no schema, or an open `x-kubernetes-preserve-unknown-fields` value). */
  readonly type?: "string" | "integer" | "number" | "boolean" | "array" | "object" | "int-or-string";
  /** An object with named properties: the name of its {@link ValidationStruct}. */
  readonly ref?: string;
  /** Array element schema. */
  readonly items?: ValidationNode;
  /** Map value schema (`additionalProperties`). */
  readonly values?: ValidationNode;
  /** An object whose unknown fields are kept (`x-kubernetes-preserve-unknown-fields`). */
  readonly preserveUnknown?: boolean;
  readonly nullable?: boolean;
  readonly format?: string;
  readonly enum?: readonly unknown[];
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: boolean;
  readonly exclusiveMaximum?: boolean;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly uniqueItems?: boolean;
  readonly minProperties?: number;
  readonly maxProperties?: number;
}

/** A named object type: its properties and what the object as a whole must satisfy. */
export interface ValidationStruct {
  readonly properties: { readonly [name: string]: ValidationNode };
  readonly required?: readonly string[];
  /** Unknown fields are kept, not pruned. */
  readonly preserveUnknown?: boolean;
  /** Schema of the keys beyond `properties` (an object that is also a map). */
  readonly additional?: ValidationNode;
  readonly minProperties?: number;
  readonly maxProperties?: number;
}

/** Named object types by name; a FakeResource names its root type. */
export interface ValidationSchema {
  readonly types: { readonly [name: string]: ValidationStruct };
}
