// The fake clientset's subresources beyond status: scale (autoscaling/v1
// Scale over built-in or CRD replica paths), pod eviction and binding,
// service account tokens and pod logs. Each mirrors what kube-apiserver's
// registry does for it (pkg/registry/apps/deployment/storage ScaleREST,
// core/pod/storage EvictionREST and BindingREST, core/serviceaccount/storage
// TokenREST, apiextensions-apiserver's CRD scale), minus admission
// (PodDisruptionBudgets are not evaluated: inject a 429 with a reactor).

import { fieldInvalid, newBadRequest, newConflict, newInvalid } from "../../errors/constructors.js";
import { formatLabelSelector } from "../../meta/selectors.js";
import type { DeleteOptions } from "../../meta/options.js";
import type { LabelSelector, Scale, Status } from "../../meta/types.js";
import type { Clock } from "../../util/clock.js";
import { rfc3339, type ObjectTracker, type TrackedObject } from "./object-tracker.js";
import type { FakeResource } from "./types.js";

/** The Success Status the server answers eviction and binding with. */
export function createdStatus(): Status {
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 };
}

function pathParts(path: string): string[] {
  return path.replace(/^\./, "").split(".").filter(Boolean);
}

function readPath(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const p of pathParts(path)) {
    if (typeof cur !== "object" || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

function writePath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const parts = pathParts(path);
  let cur = obj;
  for (const p of parts.slice(0, -1)) {
    const next = cur[p];
    if (typeof next !== "object" || next === null || Array.isArray(next)) cur[p] = {};
    cur = cur[p] as Record<string, unknown>;
  }
  cur[parts[parts.length - 1]!] = value;
}

function isStringMap(v: unknown): v is Record<string, string> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === "string");
}

/** The label selector a built-in's scale reports: `spec.selector` (a LabelSelector, or a map for ReplicationControllers). */
function builtInSelector(obj: TrackedObject): string | undefined {
  const sel = readPath(obj, ".spec.selector");
  if (typeof sel !== "object" || sel === null) return undefined;
  const ls = sel as LabelSelector;
  if (ls.matchLabels !== undefined || ls.matchExpressions !== undefined) return formatLabelSelector(ls);
  return isStringMap(sel) ? formatLabelSelector({ matchLabels: sel }) : undefined;
}

function paths(r: FakeResource): { spec: string; status: string; selector?: string } {
  return r.scale
    ? { spec: r.scale.specReplicasPath, status: r.scale.statusReplicasPath, ...(r.scale.labelSelectorPath ? { selector: r.scale.labelSelectorPath } : {}) }
    : { spec: ".spec.replicas", status: ".status.replicas" };
}

/** The autoscaling/v1 Scale of an object. */
export function scaleOf(r: FakeResource, obj: TrackedObject): Scale {
  const p = paths(r);
  const specReplicas = readPath(obj, p.spec);
  const statusReplicas = readPath(obj, p.status);
  let selector: string | undefined;
  if (r.scale) {
    const s = p.selector ? readPath(obj, p.selector) : undefined;
    selector = typeof s === "string" ? s : undefined;
  } else {
    selector = builtInSelector(obj);
  }
  const m = obj.metadata;
  return {
    kind: "Scale",
    apiVersion: "autoscaling/v1",
    metadata: {
      name: m.name!,
      ...(m.namespace ? { namespace: m.namespace } : {}),
      ...(m.uid ? { uid: m.uid } : {}),
      ...(m.resourceVersion ? { resourceVersion: m.resourceVersion } : {}),
      ...(m.creationTimestamp ? { creationTimestamp: m.creationTimestamp } : {}),
    },
    spec: { replicas: typeof specReplicas === "number" ? specReplicas : 0 },
    status: { replicas: typeof statusReplicas === "number" ? statusReplicas : 0, ...(selector ? { selector } : {}) },
  };
}

/** PUT .../scale: writes `spec.replicas` of the Scale to the object (409 on a stale resourceVersion). */
export function updateScale(
  tracker: ObjectTracker,
  r: FakeResource,
  namespace: string,
  name: string,
  body: unknown,
  dryRun: boolean,
): Scale {
  const scale = (typeof body === "object" && body !== null ? body : {}) as Scale;
  if (scale.metadata?.name !== undefined && scale.metadata.name !== name) {
    throw newBadRequest(`the name of the object (${scale.metadata.name}) does not match the name on the URL (${name})`);
  }
  const stored = tracker.get(r, namespace, name);
  const rv = scale.metadata?.resourceVersion;
  if (rv && rv !== stored.metadata.resourceVersion) throw newConflict({ group: r.group, resource: r.resource }, name);
  const replicas = scale.spec?.replicas ?? 0;
  if (!Number.isInteger(replicas) || replicas < 0) {
    throw newInvalid({ group: "autoscaling", kind: "Scale" }, name, [
      fieldInvalid("spec.replicas", replicas, "must be greater than or equal to 0"),
    ]);
  }
  writePath(stored, paths(r).spec, replicas);
  const updated = tracker.update(r, namespace, name, stored, { dryRun });
  return scaleOf(r, updated);
}

/** POST pods/x/eviction: deletes the pod (honouring the Eviction's deleteOptions) and answers 201 Success. */
export function evict(tracker: ObjectTracker, r: FakeResource, namespace: string, name: string, body: unknown): Status {
  const eviction = (typeof body === "object" && body !== null ? body : {}) as {
    metadata?: { name?: string };
    deleteOptions?: DeleteOptions;
  };
  if (eviction.metadata?.name !== undefined && eviction.metadata.name !== name) {
    throw newBadRequest("name in URL does not match name in Eviction object");
  }
  tracker.delete(r, namespace, name, eviction.deleteOptions ?? {});
  return createdStatus();
}

/** POST pods/x/binding: sets `spec.nodeName` (409 when the pod is already bound) and answers 201 Success. */
export function bind(tracker: ObjectTracker, r: FakeResource, namespace: string, name: string, body: unknown): Status {
  const binding = (typeof body === "object" && body !== null ? body : {}) as { target?: { name?: string } };
  const node = binding.target?.name;
  if (!node) {
    throw newInvalid({ group: "", kind: "Binding" }, name, [{ type: "FieldValueRequired", field: "target.name" }]);
  }
  const pod = tracker.get(r, namespace, name);
  const spec = (pod.spec ?? {}) as Record<string, unknown>;
  if (typeof spec.nodeName === "string" && spec.nodeName) {
    throw newConflict({ group: "", resource: "pods/binding" }, name, `pod ${name} is already assigned to node ${JSON.stringify(spec.nodeName)}`);
  }
  pod.spec = { ...spec, nodeName: node };
  tracker.update(r, namespace, name, pod);
  return createdStatus();
}

let tokenSerial = 0;

/**
 * POST serviceaccounts/x/token: a TokenRequest with a fake, unsigned
 * JWT-shaped token (its claims name the service account and audiences) and
 * the expiration the request asked for (default 3600 s).
 */
export function issueToken(
  tracker: ObjectTracker,
  r: FakeResource,
  namespace: string,
  name: string,
  body: unknown,
  clock: Clock,
): Record<string, unknown> {
  const sa = tracker.get(r, namespace, name);
  const req = (typeof body === "object" && body !== null ? body : {}) as {
    spec?: { audiences?: string[]; expirationSeconds?: number; boundObjectRef?: unknown };
  };
  const expirationSeconds = req.spec?.expirationSeconds ?? 3600;
  const audiences = req.spec?.audiences ?? [];
  const now = clock.now();
  const iat = Math.floor(now / 1000);
  const enc = (v: unknown): string => Buffer.from(JSON.stringify(v), "utf8").toString("base64url");
  const token = [
    enc({ alg: "none", typ: "JWT" }),
    enc({
      aud: audiences,
      exp: iat + expirationSeconds,
      iat,
      iss: "https://kubernetes.default.svc.cluster.local",
      jti: `fake-${++tokenSerial}`,
      sub: `system:serviceaccount:${namespace}:${name}`,
      "kubernetes.io": { namespace, serviceaccount: { name, uid: sa.metadata.uid } },
    }),
    "fake-signature",
  ].join(".");
  return {
    kind: "TokenRequest",
    apiVersion: "authentication.k8s.io/v1",
    metadata: {
      name,
      namespace,
      ...(sa.metadata.uid ? { uid: sa.metadata.uid } : {}),
      creationTimestamp: rfc3339(now),
    },
    spec: { audiences, expirationSeconds, boundObjectRef: req.spec?.boundObjectRef ?? null },
    status: { token, expirationTimestamp: rfc3339(now + expirationSeconds * 1000) },
  };
}

/** Pod log text after `tailLines` and `limitBytes`, as the kubelet would cut it. */
export function cutLog(text: string, query: Readonly<Record<string, unknown>>): string {
  let out = text;
  const tail = query.tailLines === undefined ? undefined : Number(query.tailLines);
  if (tail !== undefined && Number.isFinite(tail) && tail >= 0) {
    const lines = out.split(/(?<=\n)/);
    out = tail === 0 ? "" : lines.slice(-tail).join("");
  }
  const limit = query.limitBytes === undefined ? undefined : Number(query.limitBytes);
  if (limit !== undefined && Number.isFinite(limit) && limit > 0) {
    out = Buffer.from(out, "utf8").subarray(0, limit).toString("utf8");
  }
  return out;
}

