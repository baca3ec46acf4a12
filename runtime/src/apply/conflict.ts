// The 409 an apply answers when other managers own fields it changes (k8s.io/apiserver
// pkg/endpoints/handlers/fieldmanager NewConflictError, getConflictMessage, printManager):
// message, reason Conflict and one FieldManagerConflict cause per field, worded like
// kube-apiserver v1.36 (checked against the real server in test/integration/apply-fake-probe).

import { ApiError } from "../errors/api-error.js";
import { formatPath, type FieldPath } from "./field-set.js";

/** One field another manager owns and the apply would change. */
export interface ApplyConflict {
  /** The manager's identifier (see {@link ManagerId}). */
  readonly manager: ManagerId;
  readonly path: FieldPath;
}

/** What identifies a managedFields entry: manager name, operation, apiVersion (Update only), subresource. */
export interface ManagerId {
  readonly manager: string;
  readonly operation: "Apply" | "Update";
  readonly apiVersion?: string;
  readonly subresource?: string;
}

/** The JSON identifier the server keys managers by (BuildManagerIdentifier): sorts like the server's. */
export function managerKey(id: ManagerId): string {
  return JSON.stringify({
    manager: id.manager,
    operation: id.operation,
    ...(id.operation === "Update" && id.apiVersion ? { apiVersion: id.apiVersion } : {}),
    ...(id.subresource ? { subresource: id.subresource } : {}),
  });
}

/** A manager as conflict messages print it: `"m"`, `"m" with subresource "status"`, `"m" using apps/v1`. */
export function printManager(id: ManagerId): string {
  let s = JSON.stringify(id.manager);
  if (id.subresource) s += ` with subresource ${JSON.stringify(id.subresource)}`;
  if (id.operation === "Update") s += ` using ${id.apiVersion ?? ""}`;
  return s;
}

/**
 * The server's 409 for apply conflicts. Conflicts are listed by manager (sorted by identifier),
 * each manager's paths in field-set order.
 */
export function newApplyConflict(conflicts: readonly ApplyConflict[]): ApiError {
  const sorted = [...conflicts].sort((a, b) => {
    const ka = managerKey(a.manager);
    const kb = managerKey(b.manager);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
  let message: string;
  if (sorted.length === 1) {
    message = `Apply failed with 1 conflict: conflict with ${printManager(sorted[0]!.manager)}: ${formatPath(sorted[0]!.path)}`;
  } else {
    const lines: string[] = [];
    let last: string | undefined;
    for (const c of sorted) {
      const k = managerKey(c.manager);
      if (k !== last) lines.push(`conflicts with ${printManager(c.manager)}:`);
      last = k;
      lines.push(`- ${formatPath(c.path)}`);
    }
    message = `Apply failed with ${sorted.length} conflicts: ${lines.join("\n")}`;
  }
  return new ApiError({
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    reason: "Conflict",
    details: {
      causes: sorted.map((c) => ({ reason: "FieldManagerConflict", message: `conflict with ${printManager(c.manager)}`, field: formatPath(c.path) })),
    },
    code: 409,
  });
}
