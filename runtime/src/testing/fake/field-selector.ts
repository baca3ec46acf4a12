// Field selectors for the fake clientset: parsing the string form
// (apimachinery pkg/fields/selector.go: `a=b,c!=d`, `==` as `=`, values
// escaped with `\`), the field labels each resource supports (the server's
// field label conversion functions: metadata.name and metadata.namespace
// everywhere, a few more for pods, events, secrets...), and the server's
// 400 message for an unsupported label, which differs by resource.

import { newBadRequest } from "../../errors/constructors.js";
import type { ApiError } from "../../errors/api-error.js";

/** One parsed field selector term. */
export interface FieldTerm {
  readonly field: string;
  readonly operator: "=" | "!=";
  readonly value: string;
}

/** Parses a field selector string; throws a 400 ApiError for a malformed one. */
export function parseFieldSelector(selector: string): FieldTerm[] {
  if (selector.trim() === "") return [];
  const terms: FieldTerm[] = [];
  // Split on commas that are not escaped.
  const parts: string[] = [];
  let cur = "";
  for (let i = 0; i < selector.length; i++) {
    const c = selector[i]!;
    if (c === "\\" && i + 1 < selector.length) {
      cur += c + selector[i + 1]!;
      i++;
    } else if (c === ",") {
      parts.push(cur);
      cur = "";
    } else {
      cur += c;
    }
  }
  parts.push(cur);
  for (const part of parts) {
    let found: { at: number; op: "=" | "!="; len: number } | undefined;
    for (let i = 0; i < part.length && !found; i++) {
      if (part[i] === "\\") {
        i++;
        continue;
      }
      if (part.startsWith("!=", i)) found = { at: i, op: "!=", len: 2 };
      else if (part.startsWith("==", i)) found = { at: i, op: "=", len: 2 };
      else if (part[i] === "=") found = { at: i, op: "=", len: 1 };
    }
    if (!found) throw newBadRequest(`invalid selector: '${selector}'; can't understand '${part}'`);
    const field = part.slice(0, found.at).trim();
    const raw = part.slice(found.at + found.len);
    terms.push({ field, operator: found.op, value: unescapeValue(raw, selector) });
  }
  return terms;
}

function unescapeValue(raw: string, selector: string): string {
  let out = "";
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === "\\") {
      const n = raw[i + 1];
      if (n !== "\\" && n !== "," && n !== "=") {
        throw newBadRequest(`invalid field selector: invalid escape sequence in ${JSON.stringify(selector)}`);
      }
      out += n;
      i++;
    } else if (c === "," || c === "=") {
      throw newBadRequest(`invalid field selector: unescaped ${JSON.stringify(c)} in ${JSON.stringify(selector)}`);
    } else {
      out += c;
    }
  }
  return out;
}

/** The terms of a `fieldSelector` option: a string, or a map of exact matches. */
export function fieldTerms(selector: string | Readonly<Record<string, string>> | undefined): FieldTerm[] {
  if (selector === undefined) return [];
  if (typeof selector === "string") return parseFieldSelector(selector);
  return Object.entries(selector).map(([field, value]) => ({ field, operator: "=" as const, value }));
}

/**
 * Extra field labels the real server accepts per resource (`group/resource`,
 * core group as `/resource`), mapped to the object path they read. From the
 * field label conversion functions of Kubernetes' pkg/apis/<group>/v1.
 */
const EXTRA_FIELDS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  "/pods": {
    "spec.nodeName": "spec.nodeName",
    "spec.restartPolicy": "spec.restartPolicy",
    "spec.schedulerName": "spec.schedulerName",
    "spec.serviceAccountName": "spec.serviceAccountName",
    "spec.hostNetwork": "spec.hostNetwork",
    "status.phase": "status.phase",
    "status.podIP": "status.podIP",
    "status.nominatedNodeName": "status.nominatedNodeName",
  },
  "/events": {
    "involvedObject.kind": "involvedObject.kind",
    "involvedObject.namespace": "involvedObject.namespace",
    "involvedObject.name": "involvedObject.name",
    "involvedObject.uid": "involvedObject.uid",
    "involvedObject.apiVersion": "involvedObject.apiVersion",
    "involvedObject.resourceVersion": "involvedObject.resourceVersion",
    "involvedObject.fieldPath": "involvedObject.fieldPath",
    reason: "reason",
    reportingComponent: "reportingComponent",
    source: "source.component",
    type: "type",
  },
  "/namespaces": { "status.phase": "status.phase" },
  "/nodes": { "spec.unschedulable": "spec.unschedulable" },
  "/secrets": { type: "type" },
  "/services": { "spec.clusterIP": "spec.clusterIP", "spec.type": "spec.type" },
  "/replicationcontrollers": { "status.replicas": "status.replicas" },
  "batch/jobs": { "status.successful": "status.successful" },
  "certificates.k8s.io/certificatesigningrequests": { "spec.signerName": "spec.signerName" },
};

/** Resources whose server-side conversion says `field label not supported: X` (others use the default wording). */
const NOT_SUPPORTED_WORDING = new Set([
  "/pods",
  "/events",
  "/namespaces",
  "/nodes",
  "/secrets",
  "/services",
  "/replicationcontrollers",
  "certificates.k8s.io/certificatesigningrequests",
  "events.k8s.io/events",
]);

/** Whether a group is one of Kubernetes' own (so its resources are built-ins, not custom resources). */
export function isBuiltInGroup(group: string): boolean {
  return (
    group === "" ||
    group === "apps" ||
    group === "batch" ||
    group === "autoscaling" ||
    group === "policy" ||
    group === "extensions" ||
    group.endsWith(".k8s.io")
  );
}

/** What {@link fieldPathFor} needs to know about a resource. */
export interface FieldSelectable {
  readonly group: string;
  readonly resource: string;
  readonly kind: string;
  /** CRD `selectableFields` JSON paths, e.g. `.spec.color`. */
  readonly selectableFields?: readonly string[];
}

/** Values the server's field sets report for absent fields (Go zero values of non-pointer fields). */
const ZERO_VALUES: Readonly<Record<string, string>> = {
  "spec.hostNetwork": "false",
  "spec.unschedulable": "false",
  "status.replicas": "0",
  "status.successful": "0",
};

/** The object path a field label reads on this resource, or undefined when the server would not accept it. */
export function fieldPathFor(r: FieldSelectable, field: string): string | undefined {
  if (field === "metadata.name" || field === "metadata.namespace") return field;
  const extra = EXTRA_FIELDS[`${r.group}/${r.resource}`]?.[field];
  if (extra) return extra;
  for (const p of r.selectableFields ?? []) {
    const label = p.startsWith(".") ? p.slice(1) : p;
    if (label === field) return label;
  }
  return undefined;
}

/** The 400 the server sends for a field label this resource does not support. */
export function unsupportedFieldError(r: FieldSelectable, field: string): ApiError {
  const key = `${r.group}/${r.resource}`;
  if (key === "batch/jobs") return newBadRequest(`field label ${JSON.stringify(field)} not supported for ${r.kind}`);
  if (NOT_SUPPORTED_WORDING.has(key) || !isBuiltInGroup(r.group)) return newBadRequest(`field label not supported: ${field}`);
  return newBadRequest(`${JSON.stringify(field)} is not a known field selector: only "metadata.name", "metadata.namespace"`);
}

/** The string value of a dotted path on an object (`""` when absent), as field selectors compare it. */
export function fieldValue(obj: unknown, path: string): string {
  let cur: unknown = obj;
  for (const part of path.split(".")) {
    if (typeof cur !== "object" || cur === null) return "";
    cur = (cur as Record<string, unknown>)[part];
  }
  if (cur === undefined || cur === null) return "";
  return typeof cur === "object" ? JSON.stringify(cur) : String(cur);
}

/** A compiled field selector: checks terms once, then matches objects. */
export function compileFieldSelector(
  r: FieldSelectable,
  selector: string | Readonly<Record<string, string>> | undefined,
): (obj: unknown) => boolean {
  const terms = fieldTerms(selector).map((t) => {
    const path = fieldPathFor(r, t.field);
    if (path === undefined) throw unsupportedFieldError(r, t.field);
    return { ...t, path };
  });
  if (terms.length === 0) return () => true;
  return (obj) =>
    terms.every((t) => {
      const v = fieldValue(obj, t.path);
      const actual = v === "" && isBuiltInGroup(r.group) ? (ZERO_VALUES[t.path] ?? "") : v;
      return (actual === t.value) === (t.operator === "=");
    });
}
