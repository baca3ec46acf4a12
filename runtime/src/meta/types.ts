// Hand-written types from k8s.io/apimachinery (meta/v1, api/resource,
// util/intstr) that every generated module shares. The generator maps the
// matching OpenAPI definitions, and CRD sub-schemas of the same shape, to
// these instead of declaring them again. Field names and docs follow
// apimachinery's pkg/apis/meta/v1/types.go.

/** Any JSON value: what an open or unknown schema degrades to. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** An RFC 3339 timestamp with second precision, as the API server writes it (`2006-01-02T15:04:05Z`). */
export type Time = string;

/** An RFC 3339 timestamp with microsecond precision (`2006-01-02T15:04:05.000000Z`). */
export type MicroTime = string;

/**
 * A resource quantity as objects carry it on the wire, such as `"500m"`, `"1Gi"`
 * or `"2"`. The server returns strings; it also accepts plain numbers on input.
 * CRD fields that declare the quantity pattern are typed this way too. To read,
 * compare or add quantities, parse them: `parseQuantity("1.5Gi")` gives a
 * `ResourceQuantity` (exact, with `cmp`, `add`, `toString()` = `"1536Mi"`).
 */
export type Quantity = string | number;

/** A value that is either an integer or a string (apimachinery's `intstr.IntOrString`), e.g. a port number or `"50%"`. */
export type IntOrString = number | string;

/** FieldsV1: the set of fields a manager owns, as a JSON trie of `f:`/`k:`/`v:`/`i:` keys. */
export type FieldsV1 = { [key: string]: FieldsV1 };

/** apiVersion and kind, present on every top-level object. */
export interface TypeMeta {
  /** The versioned schema of this object, e.g. `apps/v1`. */
  apiVersion?: string;
  /** The REST resource kind, e.g. `Deployment`. */
  kind?: string;
}

/** Who controls or depends on an object (garbage collection and adoption). */
export interface OwnerReference {
  /** API version of the owner. */
  apiVersion: string;
  /** Kind of the owner. */
  kind: string;
  /** Name of the owner. */
  name: string;
  /** UID of the owner. */
  uid: string;
  /** True if the owner is the managing controller. At most one owner reference may set it. */
  controller?: boolean;
  /** If true, the owner cannot be deleted from storage until this reference is removed (foreground deletion). */
  blockOwnerDeletion?: boolean;
}

/** One field manager's ownership record in `metadata.managedFields`. */
export interface ManagedFieldsEntry {
  /** The workflow (field manager) that manages these fields. */
  manager?: string;
  /** `Apply` or `Update`: the kind of operation that last changed these fields. */
  operation?: "Apply" | "Update" | (string & {});
  /** The API version of the object the fields refer to. */
  apiVersion?: string;
  /** When these fields were last changed. */
  time?: Time;
  /** The format of {@link fieldsV1}; always `FieldsV1` today. */
  fieldsType?: string;
  /** The fields owned, as a FieldsV1 trie. */
  fieldsV1?: FieldsV1;
  /** The subresource the changes were made through (e.g. `status`); empty for the main resource. */
  subresource?: string;
}

/** Metadata that every persisted object has. */
export interface ObjectMeta {
  /** Name, unique within a namespace. Required when creating, unless {@link generateName} is set. */
  name?: string;
  /** Prefix the server uses to generate a unique name when {@link name} is empty. */
  generateName?: string;
  /** Namespace of a namespaced object; empty for cluster-scoped ones. */
  namespace?: string;
  /** Deprecated and always empty. */
  selfLink?: string;
  /** Unique id for the lifetime of the object, set by the server. */
  uid?: string;
  /** Opaque version for optimistic concurrency and watches, set by the server. */
  resourceVersion?: string;
  /** Sequence number of spec changes, set by the server. */
  generation?: number;
  /** When the object was created, set by the server. */
  creationTimestamp?: Time;
  /** When graceful deletion will complete, set by the server when deletion was requested. */
  deletionTimestamp?: Time;
  /** Seconds allowed for graceful termination when deletion was requested. */
  deletionGracePeriodSeconds?: number;
  /** Key/value pairs for selection. */
  labels?: { [key: string]: string };
  /** Arbitrary non-identifying metadata. */
  annotations?: { [key: string]: string };
  /** Objects this one depends on. */
  ownerReferences?: OwnerReference[];
  /** Must be empty before the object is removed from storage. */
  finalizers?: string[];
  /** Field ownership records maintained by server-side apply. */
  managedFields?: ManagedFieldsEntry[];
}

/** Metadata of a list response. */
export interface ListMeta {
  /** Deprecated and always empty. */
  selfLink?: string;
  /** Version of the list, to start a watch from. */
  resourceVersion?: string;
  /** Token for the next page when the list was limited. */
  continue?: string;
  /** Number of items left after this page (an estimate, may be absent). */
  remainingItemCount?: number;
}

/** A label selector requirement: `key operator values`. */
export interface LabelSelectorRequirement {
  /** The label key. */
  key: string;
  /** `In`, `NotIn`, `Exists` or `DoesNotExist`. */
  operator: "In" | "NotIn" | "Exists" | "DoesNotExist" | (string & {});
  /** Values for `In`/`NotIn`; must be empty for `Exists`/`DoesNotExist`. */
  values?: string[];
}

/** A label query over a set of objects. An empty selector matches everything; a null one matches nothing. */
export interface LabelSelector {
  /** Labels that must match exactly (ANDed). */
  matchLabels?: { [key: string]: string };
  /** Requirements that must all hold (ANDed). */
  matchExpressions?: LabelSelectorRequirement[];
}

/** The standard status condition (`metav1.Condition`). */
export interface Condition {
  /** Type of condition, in CamelCase or `foo.example.com/CamelCase`. */
  type: string;
  /** `True`, `False` or `Unknown`. */
  status: "True" | "False" | "Unknown" | (string & {});
  /** The `.metadata.generation` the condition was set for. */
  observedGeneration?: number;
  /** When the condition last changed status. */
  lastTransitionTime: Time;
  /** A programmatic CamelCase reason for the last transition. */
  reason: string;
  /** A human-readable message about the transition. */
  message: string;
}

/** A reference to an object (core/v1 `ObjectReference`). */
export interface ObjectReference {
  /** API version of the referent. */
  apiVersion?: string;
  /** A path inside the object, e.g. `spec.containers{name}`. */
  fieldPath?: string;
  /** Kind of the referent. */
  kind?: string;
  /** Name of the referent. */
  name?: string;
  /** Namespace of the referent. */
  namespace?: string;
  /** The referent's resourceVersion. */
  resourceVersion?: string;
  /** UID of the referent. */
  uid?: string;
}

/** One cause of a Status failure, usually a field that failed validation. */
export interface StatusCause {
  /** Machine-readable cause, e.g. `FieldValueInvalid`. */
  reason?: string;
  /** Human-readable description of the cause. */
  message?: string;
  /** The field at fault, e.g. `spec.replicas`. */
  field?: string;
}

/** Extra data attached to a Status. */
export interface StatusDetails {
  /** Name of the resource the status is about. */
  name?: string;
  /** Group of the resource. */
  group?: string;
  /** Kind (resource) of the resource. */
  kind?: string;
  /** UID of the resource. */
  uid?: string;
  /** Individual causes, e.g. one per invalid field. */
  causes?: StatusCause[];
  /** Seconds the client should wait before retrying. */
  retryAfterSeconds?: number;
}

/** The result of an operation that does not return an object, and every API error body. */
export interface Status extends TypeMeta {
  /** Standard list metadata. */
  metadata?: ListMeta;
  /** `Success` or `Failure`. */
  status?: "Success" | "Failure" | (string & {});
  /** Human-readable description. */
  message?: string;
  /** Machine-readable reason, e.g. `NotFound`, `AlreadyExists`, `Conflict`. */
  reason?: string;
  /** Extra data depending on the reason. */
  details?: StatusDetails;
  /** The HTTP status code. */
  code?: number;
}

/** Only the metadata of an object (`meta.k8s.io/v1` PartialObjectMetadata). */
export interface PartialObjectMetadata extends TypeMeta {
  /** The object's metadata. */
  metadata?: ObjectMeta;
}

/** A Kubernetes object with a known kind but an unknown body. */
export interface KubernetesObject extends TypeMeta {
  /** The object's metadata. */
  metadata?: ObjectMeta;
}

/** A list of objects of type T. */
export interface KubernetesList<T> extends TypeMeta {
  /** List metadata: resourceVersion and continue token. */
  metadata?: ListMeta;
  /** The objects. */
  items: T[];
}

/** An embedded object of any kind (`runtime.RawExtension`): whatever JSON object the field holds. */
export type RawExtension = { [key: string]: unknown };

/** autoscaling/v1 Scale: the `scale` subresource's body, for built-in kinds and CRDs alike. */
export interface Scale extends TypeMeta {
  /** Standard object metadata. */
  metadata?: ObjectMeta;
  /** The desired number of replicas. */
  spec?: { replicas?: number };
  /** The observed number of replicas and the label selector of the pods, in string form. */
  status?: { replicas: number; selector?: string };
}
