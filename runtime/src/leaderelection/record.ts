// The leader election record and its home in a coordination.k8s.io/v1 Lease.
// Mirrors client-go tools/leaderelection/resourcelock/interface.go
// (LeaderElectionRecord) and leaselock.go (LeaseSpecToLeaderElectionRecord,
// LeaderElectionRecordToLeaseSpec): the same fields, written the same way, so
// a Go elector and a kubegen elector can share one Lease.

import type { ObjectMeta } from "../meta/types.js";

/** `spec` of a coordination.k8s.io/v1 Lease (the fields leader election uses). */
export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  /** MicroTime, e.g. `2026-11-21T13:26:55.123456Z`. */
  acquireTime?: string;
  /** MicroTime. */
  renewTime?: string;
  leaseTransitions?: number;
  preferredHolder?: string;
  strategy?: string;
}

/** A coordination.k8s.io/v1 Lease. */
export interface Lease {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec?: LeaseSpec;
}

/** What a lock stores (client-go `LeaderElectionRecord`). Times are MicroTime strings, kept verbatim. */
export interface LeaderElectionRecord {
  /** The current holder; `""` when nobody holds the lock (e.g. after a release). */
  holderIdentity: string;
  leaseDurationSeconds: number;
  acquireTime?: string;
  renewTime?: string;
  /** Number of holder changes (the Lease's `leaseTransitions`). */
  leaderTransitions: number;
  preferredHolder?: string;
  strategy?: string;
}

/**
 * Formats epoch milliseconds as a Kubernetes MicroTime: UTC, six fractional
 * digits, `Z` (Go layout `2006-01-02T15:04:05.000000Z07:00`).
 */
export function formatMicroTime(epochMs: number): string {
  const whole = Math.floor(epochMs);
  const micros = Math.min(999, Math.floor((epochMs - whole) * 1000));
  const iso = new Date(whole).toISOString(); // 2026-11-21T13:26:55.123Z
  return `${iso.slice(0, 23)}${String(micros).padStart(3, "0")}Z`;
}

/** Reads a Lease spec as a record (client-go `LeaseSpecToLeaderElectionRecord`). */
export function leaseSpecToRecord(spec: LeaseSpec | undefined): LeaderElectionRecord {
  const s = spec ?? {};
  return {
    holderIdentity: s.holderIdentity ?? "",
    leaseDurationSeconds: s.leaseDurationSeconds ?? 0,
    ...(s.acquireTime ? { acquireTime: s.acquireTime } : {}),
    ...(s.renewTime ? { renewTime: s.renewTime } : {}),
    leaderTransitions: s.leaseTransitions ?? 0,
    ...(s.preferredHolder ? { preferredHolder: s.preferredHolder } : {}),
    ...(s.strategy ? { strategy: s.strategy } : {}),
  };
}

/**
 * Writes a record as a Lease spec (client-go `LeaderElectionRecordToLeaseSpec`):
 * holderIdentity, leaseDurationSeconds and leaseTransitions always (an empty
 * holder is written as `""`), times when set, preferredHolder and strategy
 * only when non-empty.
 */
export function recordToLeaseSpec(record: LeaderElectionRecord): LeaseSpec {
  return {
    holderIdentity: record.holderIdentity,
    leaseDurationSeconds: record.leaseDurationSeconds,
    ...(record.acquireTime ? { acquireTime: record.acquireTime } : {}),
    ...(record.renewTime ? { renewTime: record.renewTime } : {}),
    leaseTransitions: record.leaderTransitions,
    ...(record.preferredHolder ? { preferredHolder: record.preferredHolder } : {}),
    ...(record.strategy ? { strategy: record.strategy } : {}),
  };
}

/** A canonical serialisation of a record; electors compare it to notice changes (client-go compares raw JSON). */
export function recordFingerprint(record: LeaderElectionRecord): string {
  return JSON.stringify([
    record.holderIdentity,
    record.leaseDurationSeconds,
    record.acquireTime ?? null,
    record.renewTime ?? null,
    record.leaderTransitions,
    record.preferredHolder ?? null,
    record.strategy ?? null,
  ]);
}
