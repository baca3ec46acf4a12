// The intermediate representation: everything emitters need, and nothing
// about where it came from beyond a source location for messages. Readonly
// and JSON-serialisable (no classes, no Maps, no functions), so it can be
// dumped, diffed and snapshot-tested. Built by ir/build-*.ts from raw schemas;
// every name in it comes from ir/naming.ts.

/** A JSON value, as found in `default` and `enum`. */
export type Json = string | number | boolean | null | readonly Json[] | { readonly [key: string]: Json };

/** Where something came from: a file and a JSON pointer into it. */
export interface SourceRef {
  readonly file: string;
  readonly pointer: string;
}

/** The whole API surface of one generator run. */
export interface ApiModel {
  /** Group-versions, sorted by module path. */
  readonly groupVersions: readonly GroupVersion[];
}

/** One API group-version: one emitted module. */
export interface GroupVersion {
  /** API group; "" for the core (legacy) group. */
  readonly group: string;
  readonly version: string;
  /** Names derived by naming.ts. */
  readonly names: GroupVersionNames;
  /** Top-level resources served in this group-version, sorted by kind then plural. */
  readonly resources: readonly Resource[];
  /** Every named type declared in this module, sorted by name. */
  readonly types: readonly TypeDef[];
}

export interface GroupVersionNames {
  /** Module folder relative to the output root, e.g. `apps/v1`, `samplecontroller.kubegen.dev/v1alpha1`. */
  readonly modulePath: string;
  /** camelCase accessor and import alias, e.g. `appsV1`, `coreV1`. */
  readonly accessor: string;
  /** PascalCase prefix for group-level types, e.g. `AppsV1`. */
  readonly typePrefix: string;
  /** The `apiVersion` string: `v1` for core, else `group/version`. */
  readonly apiVersion: string;
}

/** A REST resource (something with a URL and verbs). */
export interface Resource {
  readonly kind: string;
  /** Name of the TypeDef for the kind in this module. */
  readonly typeName: string;
  /** The list kind (e.g. `DeploymentList`) and its TypeDef name, when the spec has one. */
  readonly listKind: string;
  readonly plural: string;
  readonly singular: string;
  readonly shortNames: readonly string[];
  readonly categories: readonly string[];
  readonly namespaced: boolean;
  /** Verbs in client-go's order (create, update, delete, deletecollection, get, list, watch, patch). */
  readonly verbs: readonly Verb[];
  readonly subresources: readonly Subresource[];
  /**
   * Connect subresources (`x-kubernetes-action: connect`: pods/exec, pods/attach, pods/portforward,
   * pods/proxy, services/proxy, nodes/proxy), sorted by name; omitted when there are none.
   */
  readonly connect?: readonly ConnectSubresource[];
  /** CRD version facts; undefined for built-in APIs. */
  readonly crd?: CrdVersionInfo;
  readonly source: SourceRef;
}

export type Verb = "create" | "update" | "delete" | "deletecollection" | "get" | "list" | "watch" | "patch";

export interface Subresource {
  /** e.g. `status`, `scale`, `eviction`, `log`, `token`, `binding`, `ephemeralcontainers`, `resize`. */
  readonly name: string;
  readonly verbs: readonly Verb[];
  /** The request/response kind when it is not the parent kind (e.g. autoscaling/v1 Scale). */
  readonly kind?: TypeTarget;
  /** True when the response is a byte stream rather than an object (pod `log`). */
  readonly stream: boolean;
  /** For `scale` on CRDs: where the replicas live. */
  readonly scale?: {
    readonly specReplicasPath: string;
    readonly statusReplicasPath: string;
    readonly labelSelectorPath?: string;
  };
}

/** A subresource served by `connect` (a raw HTTP or upgraded stream, not an object verb). */
export interface ConnectSubresource {
  /** e.g. `exec`, `attach`, `portforward`, `proxy`. */
  readonly name: string;
  /** The HTTP methods the spec lists for it, upper case, in CONNECT_METHOD_ORDER. */
  readonly methods: readonly ConnectMethod[];
  /** True when the spec also has the `{name}/<sub>/{path}` variant (proxies: any path below). */
  readonly path: boolean;
}

/** An HTTP method of a connect operation. */
export type ConnectMethod = "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS";

export interface CrdVersionInfo {
  /** The CRD's `metadata.name`, e.g. `foos.samplecontroller.kubegen.dev`. */
  readonly crdName: string;
  readonly served: boolean;
  readonly storage: boolean;
  readonly deprecated: boolean;
  readonly deprecationWarning?: string;
  /** All versions of the CRD, in the CRD's order. */
  readonly allVersions: readonly string[];
  /** Fields usable in field selectors (`selectableFields`), as JSON paths. */
  readonly selectableFields: readonly string[];
}

/** A reference to a named type: in a generated module, or one of the runtime's hand-written ones. */
export type TypeTarget =
  | { readonly module: string; readonly name: string } // module = GroupVersionNames.modulePath
  | { readonly runtime: RuntimeType };

/** Hand-written types in @kubegen/runtime that generated code reuses. */
export type RuntimeType =
  | "ObjectMeta"
  | "ListMeta"
  | "Status"
  | "StatusCause"
  | "StatusDetails"
  | "Condition"
  | "OwnerReference"
  | "ManagedFieldsEntry"
  | "LabelSelector"
  | "LabelSelectorRequirement"
  | "ObjectReference"
  | "Time"
  | "MicroTime"
  | "FieldsV1"
  | "Quantity"
  | "IntOrString"
  | "RawExtension"
  | "JsonValue"
  | "Scale";

/** The shape of a value. */
export type TypeRef =
  | { readonly kind: "string"; readonly format?: string; readonly enum?: readonly Json[] }
  | { readonly kind: "integer"; readonly format?: string; readonly enum?: readonly Json[] }
  | { readonly kind: "number"; readonly format?: string; readonly enum?: readonly Json[] }
  | { readonly kind: "boolean"; readonly enum?: readonly Json[] }
  | { readonly kind: "intOrString" }
  | { readonly kind: "array"; readonly items: TypeRef; readonly list: ListSemantics }
  | { readonly kind: "map"; readonly values: TypeRef; readonly mapType: MapType }
  | { readonly kind: "ref"; readonly target: TypeTarget }
  | { readonly kind: "union"; readonly variants: readonly TypeRef[] }
  /** An open shape: preserve-unknown-fields without properties, or no schema at all. */
  | { readonly kind: "unknown"; readonly json: "any" | "object" };

/** `x-kubernetes-list-type` and friends: what server-side apply merges by. */
export interface ListSemantics {
  /** `atomic` (the default for lists without the marker), `set` or `map`. */
  readonly type: "atomic" | "set" | "map";
  /** Explicitly marked in the schema (false when defaulted). */
  readonly explicit: boolean;
  readonly mapKeys: readonly string[];
  /** Legacy strategic-merge markers from built-in APIs. */
  readonly patchStrategy?: string;
  readonly patchMergeKey?: string;
}

export type MapType = "granular" | "atomic";

/** A CEL validation rule, kept as documentation. */
export interface ValidationRule {
  readonly rule: string;
  readonly message?: string;
  readonly fieldPath?: string;
  readonly reason?: string;
}

/** Facts about a value shared by fields and named types. */
export interface Docs {
  readonly description?: string;
  readonly default?: Json;
  readonly validations: readonly ValidationRule[];
  readonly deprecated?: boolean;
  /** Numeric and string constraints, kept for docs: minimum, maximum, pattern, maxLength... */
  readonly constraints?: { readonly [key: string]: Json };
  /** "exactly one of"/"any of" groups from structural oneOf/anyOf, kept as docs. */
  readonly oneOfGroups?: readonly (readonly string[])[];
}

/** A property of an object type. */
export interface Field extends Docs {
  /** Name on the wire (and as the TypeScript property). */
  readonly name: string;
  readonly type: TypeRef;
  readonly required: boolean;
  readonly nullable: boolean;
  readonly source: SourceRef;
}

/** A named object type. */
export interface TypeDef extends Docs {
  readonly name: string;
  /** Set for definitions that are not objects (e.g. a string type): the type is this alias. */
  readonly alias?: TypeRef;
  readonly fields: readonly Field[];
  /** Extra keys allowed beyond the fields (preserve-unknown-fields, or a map with fixed fields). */
  readonly additional?: TypeRef;
  readonly preserveUnknownFields: boolean;
  readonly embeddedResource: boolean;
  /** `x-kubernetes-map-type` on a struct: atomic structs are replaced whole by apply. */
  readonly mapType: MapType;
  /** Set on the types of top-level kinds and their lists: the literal apiVersion and kind. */
  readonly gvk?: { readonly apiVersion: string; readonly kind: string };
  /** For list kinds: the TypeDef name of the items. */
  readonly listOf?: string;
  readonly source: SourceRef;
}

/** A problem found in the input. Errors stop the run; warnings are reported. */
export interface Diagnostic {
  readonly severity: "error" | "warning";
  readonly file: string;
  /** JSON pointer into the file's document (and, for YAML, a line when known). */
  readonly pointer: string;
  readonly line?: number;
  readonly message: string;
}
