// Leader election: candidates compete for a coordination.k8s.io/v1 Lease; one
// leads at a time. Mirrors client-go tools/leaderelection (leaderelection.go,
// healthzadaptor.go's Check) and resourcelock (interface.go, leaselock.go).
// leader-term.ts owns one term of leadership and its synchronous deadline check.
export { LeaderElector, LeadershipLostError, JITTER_FACTOR, validateLeaderElectionConfig } from "./leader-elector.js";
export type { LeaderCallbacks, LeaderElectionConfig } from "./leader-elector.js";
export type { LeadershipToken } from "./leader-term.js";
export { LeaseLock } from "./lease-lock.js";
export { RestLeaseClient } from "./rest-lease-client.js";
export type { LeaseClient, LeaseLockOptions, LeaseRequestOptions, ObservedRecord, ResourceLock } from "./lease-lock.js";
export { formatMicroTime, leaseSpecToRecord, recordToLeaseSpec, recordFingerprint } from "./record.js";
export type { LeaderElectionRecord, Lease, LeaseSpec } from "./record.js";
