// Option types for the REST verbs (apimachinery pkg/apis/meta/v1/types.go:
// ListOptions, GetOptions, CreateOptions, UpdateOptions, PatchOptions,
// ApplyOptions, DeleteOptions). rest/build-request.ts turns them into query
// parameters or a DeleteOptions body; nothing here does I/O.

import type { LabelSelector } from "./types.js";

/** Per-call controls that every verb accepts. */
export interface RequestOptions {
  /** Aborts the request (and, for watches, ends the stream). */
  signal?: AbortSignal;
  /** Overrides the config's `timeoutMs` for this call (0 = no timeout). Not applied to watches. */
  timeoutMs?: number;
}

/** `dryRun`: set to `"All"` (or `true`) to have the server run every stage except persistence. */
export type DryRun = "All" | boolean;

/** How the server treats unknown or duplicate fields (`Ignore`, `Warn` or `Strict`). */
export type FieldValidation = "Ignore" | "Warn" | "Strict";

/** Options for `list` (client-go `metav1.ListOptions`). */
export interface ListOptions extends RequestOptions {
  /** A label selector string (`app=web,tier!=db`) or a structured {@link LabelSelector}. */
  labelSelector?: string | LabelSelector;
  /** A field selector string (`metadata.name=foo`) or a map of exact field matches. */
  fieldSelector?: string | Record<string, string>;
  /** `""` (most recent, quorum read), `"0"` (any cached) or a specific version. */
  resourceVersion?: string;
  /** How {@link resourceVersion} applies: `NotOlderThan` or `Exact`. */
  resourceVersionMatch?: "NotOlderThan" | "Exact";
  /** Maximum number of items per page. */
  limit?: number;
  /** Continue token from a previous page's `metadata.continue`. */
  continue?: string;
  /** Server-side timeout for the list or watch call, in seconds. */
  timeoutSeconds?: number;
}

/** Options for `watch` (client-go `metav1.ListOptions` with `watch=true`). */
export interface WatchOptions extends Omit<ListOptions, "limit" | "continue"> {
  /** Ask the server to send BOOKMARK progress events. */
  allowWatchBookmarks?: boolean;
  /** Watch-list (KEP-3157): start with synthetic ADDED events for the current state, then a bookmark. */
  sendInitialEvents?: boolean;
}

/** Options for `get` (client-go `metav1.GetOptions`). */
export interface GetOptions extends RequestOptions {
  /** `""` for the most recent version, `"0"` for any cached version. */
  resourceVersion?: string;
}

/** Options for `create` (client-go `metav1.CreateOptions`). */
export interface CreateOptions extends RequestOptions {
  dryRun?: DryRun;
  /** Name of the actor making the change, recorded in managedFields. */
  fieldManager?: string;
  fieldValidation?: FieldValidation;
}

/** Options for `update` and `updateStatus` (client-go `metav1.UpdateOptions`). */
export interface UpdateOptions extends CreateOptions {}

/** Options for `patch` (client-go `metav1.PatchOptions`). */
export interface PatchOptions extends CreateOptions {
  /** Force the change over conflicting field managers (apply patches only). */
  force?: boolean;
}

/** Options for server-side `apply` (client-go `metav1.ApplyOptions`); `fieldManager` is required. */
export interface ApplyOptions extends RequestOptions {
  /** Name of the actor that owns the applied fields. Required. */
  fieldManager: string;
  /** Take ownership of fields other managers own instead of failing with a conflict. */
  force?: boolean;
  dryRun?: DryRun;
  fieldValidation?: FieldValidation;
}

/** Preconditions a delete must satisfy (`metav1.Preconditions`). */
export interface Preconditions {
  uid?: string;
  resourceVersion?: string;
}

/** Options for `delete` (client-go `metav1.DeleteOptions`, sent as the request body). */
export interface DeleteOptions extends RequestOptions {
  /** Seconds before the object is deleted; 0 deletes immediately. */
  gracePeriodSeconds?: number;
  /** `Orphan`, `Background` or `Foreground` garbage collection of dependents. */
  propagationPolicy?: "Orphan" | "Background" | "Foreground";
  /** The delete fails with 409 Conflict unless these match. */
  preconditions?: Preconditions;
  dryRun?: DryRun;
}

/** Options for `deleteCollection`: delete options plus the list selection. */
export interface DeleteCollectionOptions extends DeleteOptions, Omit<ListOptions, keyof RequestOptions> {}

/** Patch content types (client-go `types.PatchType`). */
export const PatchType = {
  /** RFC 6902 JSON patch. */
  JSON: "application/json-patch+json",
  /** RFC 7386 JSON merge patch. */
  Merge: "application/merge-patch+json",
  /** Kubernetes strategic merge patch (built-in types only). */
  StrategicMerge: "application/strategic-merge-patch+json",
  /** Server-side apply. */
  Apply: "application/apply-patch+yaml",
} as const;
/** One of the {@link PatchType} content types. */
export type PatchType = (typeof PatchType)[keyof typeof PatchType];

/** Options for a pod's `log` stream (core/v1 PodLogOptions, sent as query parameters). */
export interface LogOptions extends RequestOptions {
  /** The container to read; required when the pod has more than one. */
  container?: string;
  /** Keep the stream open and follow new lines. */
  follow?: boolean;
  /** Read the previous, terminated instance of the container. */
  previous?: boolean;
  /** Only lines newer than this many seconds. */
  sinceSeconds?: number;
  /** Only lines newer than this RFC 3339 time. */
  sinceTime?: string;
  /** Prefix every line with an RFC 3339 timestamp. */
  timestamps?: boolean;
  /** Only the last this many lines. */
  tailLines?: number;
  /** Stop after this many bytes. */
  limitBytes?: number;
  /** `Stdout`, `Stderr` or `All` (needs the PodLogsQuerySplitStreams feature). */
  stream?: "Stdout" | "Stderr" | "All";
  /** Skip verifying the kubelet's serving certificate. */
  insecureSkipTLSVerifyBackend?: boolean;
}
