// Name validation as the API server does it, so kubegen accepts exactly the
// names a cluster accepts and rejects the rest before they reach generated
// code or file paths. Mirrors k8s.io/apimachinery/pkg/util/validation
// (IsDNS1123Subdomain, IsDNS1123Label, IsDNS1035Label) and the CRD rules of
// k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/validation
// (ValidateCustomResourceDefinitionSpec and ...Names). Every check returns the
// problem as text, or undefined when the name is valid.
//
// Valid but awkward names are accepted here on purpose: a kind `Foo-Bar`
// (lower case `foo-bar` is a DNS-1035 label), plurals `constructor` or
// `executor`. Turning them into collision-free TypeScript is naming.ts's job.

const DNS1123_LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const DNS1123_SUBDOMAIN = new RegExp(`^${DNS1123_LABEL}(\\.${DNS1123_LABEL})*$`);
const DNS1123_LABEL_RE = new RegExp(`^${DNS1123_LABEL}$`);
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** apimachinery's DNS1123SubdomainMaxLength. */
export const DNS1123_SUBDOMAIN_MAX = 253;
/** apimachinery's DNS1123LabelMaxLength and DNS1035LabelMaxLength. */
export const DNS_LABEL_MAX = 63;

/** IsDNS1123Subdomain: lower case alphanumerics, '-' and '.', each label starting and ending alphanumeric, at most 253 characters. */
export function dns1123SubdomainError(value: string): string | undefined {
  if (value.length > DNS1123_SUBDOMAIN_MAX) return `must be no more than ${DNS1123_SUBDOMAIN_MAX} characters`;
  if (!DNS1123_SUBDOMAIN.test(value)) {
    return "must be a lowercase RFC 1123 subdomain: lower case alphanumeric characters, '-' or '.', starting and ending with an alphanumeric character (e.g. 'example.com')";
  }
  return undefined;
}

/** IsDNS1123Label: lower case alphanumerics and '-', starting and ending alphanumeric, at most 63 characters. */
export function dns1123LabelError(value: string): string | undefined {
  if (value.length > DNS_LABEL_MAX) return `must be no more than ${DNS_LABEL_MAX} characters`;
  if (!DNS1123_LABEL_RE.test(value)) {
    return "must be a lowercase RFC 1123 label: lower case alphanumeric characters or '-', starting and ending with an alphanumeric character (e.g. 'my-name' or '123-abc')";
  }
  return undefined;
}

/** IsDNS1035Label: a letter first, then lower case alphanumerics and '-', ending alphanumeric, at most 63 characters. */
export function dns1035LabelError(value: string): string | undefined {
  if (value.length > DNS_LABEL_MAX) return `must be no more than ${DNS_LABEL_MAX} characters`;
  if (!DNS1035_LABEL.test(value)) {
    return "must be a DNS-1035 label: lower case alphanumeric characters or '-', starting with a letter and ending with an alphanumeric character (e.g. 'my-name' or 'abc-123')";
  }
  return undefined;
}

/** A CRD's spec.group: a DNS-1123 subdomain with at least one dot (apiextensions requires the dot). */
export function crdGroupError(group: string): string | undefined {
  if (group === "") return "must not be empty";
  const e = dns1123SubdomainError(group);
  if (e) return e;
  if (!group.includes(".")) return "must be a domain with at least one dot (e.g. 'stable.example.com'), as the API server requires for CRD groups";
  return undefined;
}

/** The group of a GVK in OpenAPI: "" (the core group) or a DNS-1123 subdomain. */
export function apiGroupError(group: string): string | undefined {
  return group === "" ? undefined : dns1123SubdomainError(group);
}

/** An API version (`v1`, `v1beta2`): a DNS-1035 label. */
export function apiVersionError(version: string): string | undefined {
  if (version === "") return "must not be empty";
  return dns1035LabelError(version);
}

/**
 * A kind (or list kind): mixed case is allowed, but the lower case must be a
 * DNS-1035 label (`Foo-Bar` is valid; `Foo_Bar`, `Foo.Bar`, `1Foo` are not).
 */
export function kindError(kind: string): string | undefined {
  if (kind === "") return "must not be empty";
  const e = dns1035LabelError(kind.toLowerCase());
  return e ? `may have mixed case, but its lower case ${e}` : undefined;
}

/** A resource name (plural, singular, short name, category): a DNS-1035 label. */
export function resourceNameError(name: string): string | undefined {
  if (name === "") return "must not be empty";
  return dns1035LabelError(name);
}

const DEFINITION_SEGMENT = /^[A-Za-z0-9_-]+$/;

/**
 * An OpenAPI definition name (`io.k8s.api.apps.v1.Deployment`): dot-separated
 * segments of letters, digits, '_' and '-'. This is what kube-openapi writes
 * (Go package path reversed, then the type name); anything else cannot name a
 * package and a type, and is rejected.
 */
export function definitionNameError(name: string): string | undefined {
  if (name === "") return "a definition name must not be empty";
  if (name.length > 1024) return "a definition name must be no more than 1024 characters";
  const bad = name.split(".").findIndex((s) => !DEFINITION_SEGMENT.test(s));
  if (bad >= 0) {
    return "a definition name must be dot-separated segments of letters, digits, '_' and '-' (e.g. 'io.k8s.api.apps.v1.Deployment')";
  }
  return undefined;
}

/** A value shown inside a message: JSON-quoted (so control characters are escaped) and shortened. */
export function quoted(value: unknown): string {
  const s = typeof value === "string" ? value : String(value);
  return JSON.stringify(s.length > 80 ? `${s.slice(0, 77)}...` : s);
}
