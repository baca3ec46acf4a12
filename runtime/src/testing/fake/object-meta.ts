// What the API server does to every object's metadata and request identity, for the fake
// clientset: empty metadata maps and lists disappear (metav1.ObjectMeta's `omitempty` fields
// after the server's round trip), as do empty maps of built-in types (Go maps are
// `omitempty` in the Kubernetes API), names are checked as DNS subdomains (apimachinery
// pkg/api/validation NameIsDNSSubdomain), and a write that names no field manager is
// attributed to the User-Agent's product (apiserver pkg/endpoints/handlers/rest.go
// managerOrUserAgent / prefixFromUserAgent).

import { fieldInvalid, type FieldError } from "../../errors/constructors.js";
import type { ObjectMeta } from "../../meta/types.js";
import type { ApplyNode, ApplySchema } from "../../apply/schema.js";

/** apimachinery's FieldManagerMaxLength. */
const FIELD_MANAGER_MAX_LENGTH = 128;

/** Drops `labels: {}`, `annotations: {}`, `finalizers: []`, `ownerReferences: []` and `managedFields: []`, as the server's encoding does. */
export function dropEmptyMetadata(m: ObjectMeta): void {
  const rec = m as Record<string, unknown>;
  for (const k of ["labels", "annotations"]) {
    const v = rec[k];
    if (v === null || (typeof v === "object" && !Array.isArray(v) && Object.keys(v as object).length === 0)) delete rec[k];
  }
  for (const k of ["finalizers", "ownerReferences", "managedFields"]) {
    const v = rec[k];
    if (v === null || (Array.isArray(v) && v.length === 0)) delete rec[k];
  }
}

/**
 * Drops empty maps (`data: {}`) from the struct fields of a built-in object, in place, as encoding
 * a Go struct with `omitempty` maps does. Lists are left alone: not every Go slice is `omitempty`.
 */
export function dropEmptyMaps(schema: ApplySchema, type: string, value: Record<string, unknown>): void {
  const s = schema.types[type];
  if (!s) return;
  for (const [k, node] of Object.entries(s.fields)) {
    if (k === "metadata" || !Object.prototype.hasOwnProperty.call(value, k)) continue;
    const v = value[k];
    if (typeof v !== "object" || v === null || Array.isArray(v)) continue;
    dropEmpty(schema, node, value, k, v as Record<string, unknown>);
  }
}

function dropEmpty(schema: ApplySchema, node: ApplyNode, parent: Record<string, unknown>, key: string, v: Record<string, unknown>): void {
  if (node.kind === "map" && Object.keys(v).length === 0) delete parent[key];
  else if (node.kind === "struct") dropEmptyMaps(schema, node.type, v);
}

const DNS1123_LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const DNS1123_SUBDOMAIN = new RegExp(`^${DNS1123_LABEL}(\\.${DNS1123_LABEL})*$`);
const DNS1123_SUBDOMAIN_MESSAGE =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

/** The errors of `metadata.name` as a DNS subdomain (IsDNS1123Subdomain): too long, then malformed. */
export function dnsSubdomainNameErrors(name: string): FieldError[] {
  const errors: FieldError[] = [];
  if (name.length > 253) errors.push(fieldInvalid("metadata.name", name, "must be no more than 253 characters"));
  if (!DNS1123_SUBDOMAIN.test(name)) errors.push(fieldInvalid("metadata.name", name, DNS1123_SUBDOMAIN_MESSAGE));
  return errors;
}

/**
 * The field manager the server records for a write without `fieldManager`: the User-Agent up to
 * its first `/`, without unprintable characters, cut to 128 bytes; `unknown` when that leaves
 * nothing (what kube-apiserver v1.36 records for a User-Agent such as `/x`).
 */
export function fieldManagerFromUserAgent(userAgent: string): string {
  const product = userAgent.split("/")[0] ?? "";
  let out = "";
  let bytes = 0;
  for (const ch of product) {
    if (/[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}]/u.test(ch) || (/\s/u.test(ch) && ch !== " ")) continue;
    const size = Buffer.byteLength(ch, "utf8");
    if (bytes + size > FIELD_MANAGER_MAX_LENGTH) break;
    out += ch;
    bytes += size;
  }
  return out || "unknown";
}
