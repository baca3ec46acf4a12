// @kubegen/runtime/webhook: servers for admission (validating, mutating) and CRD conversion
// webhooks, typed by the generated kinds.

export { WebhookServer } from "./server.js";
export type { MutatingHandler, ValidatingHandler, WebhookServerOptions } from "./server.js";
export { allow, deny, admissionReview, conversionReview, readAdmissionReview, readConversionReview, ADMISSION_API_VERSION, CONVERSION_API_VERSION } from "./reviews.js";
export type { AdmissionRequest, AdmissionVerdict, ConversionRequest, UserInfo } from "./reviews.js";
export { storageConverter, settle } from "./conversion.js";
export type { Convert, StorageConverter } from "./conversion.js";
export { jsonPatch, jsonEqual, pointerToken } from "./json-patch.js";
export type { JsonPatchOperation } from "./json-patch.js";
