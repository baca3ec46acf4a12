// The fake clientset machinery (@kubegen/runtime/testing): FakeClient, the
// ObjectTracker behind it, the resource table and reactor types, the
// structural-schema validation of custom resources, and the patch helpers. Generated `fake.ts` files build a FakeClientset on these.

export { FakeClient, APPLY_NOT_SUPPORTED, reactorMatches, isSuccessStatus } from "./fake-client.js";
export type { FakeClientOptions } from "./fake-client.js";
export { ObjectTracker, DEFAULT_HISTORY_LIMIT, DEFAULT_FIELD_MANAGER, apiVersionOf, resourceKey } from "./object-tracker.js";
export type { ApplyWriteOptions, ObjectTrackerOptions, TrackedObject, TrackedList, WriteOptions } from "./object-tracker.js";
export type { FakeResource, FakeAction, FakeVerb, Reactor, ReactorResult, WatchReactor, WatchReactorResult } from "./types.js";
export { applyMergePatch, applyJsonPatch, PatchError } from "./patch.js";
export type { JsonPatchOperation } from "./patch.js";
export { parseFieldSelector } from "./field-selector.js";
export type { ValidationNode, ValidationSchema, ValidationStruct } from "./validation-schema.js";
export { pruneObject, validateObject } from "./schema-validation.js";
export { dnsSubdomainNameErrors, dropEmptyMetadata, fieldManagerFromUserAgent } from "./object-meta.js";
export type { FieldTerm } from "./field-selector.js";
