// The resource lock an elector competes for, and its Lease implementation.
// Mirrors client-go tools/leaderelection/resourcelock/interface.go
// (Interface) and leaselock.go (LeaseLock). The lock reaches the API server
// through the small LeaseClient interface, so it can sit on any client.

import { recordFingerprint, leaseSpecToRecord, recordToLeaseSpec, type Lease, type LeaderElectionRecord } from "./record.js";

/** Per-call options of a {@link LeaseClient}. */
export interface LeaseRequestOptions {
  /** Abort the request (the elector aborts at its deadlines). */
  readonly signal?: AbortSignal;
}

/**
 * Get, create and update of coordination.k8s.io/v1 Leases: all the API a
 * {@link LeaseLock} needs. Errors from the server are `ApiError`s (see
 * `isAlreadyExists`, `isConflict`), transport failures `NetworkError`s.
 */
export interface LeaseClient {
  /** The Lease, or undefined when it does not exist (HTTP 404). */
  get(namespace: string, name: string, options?: LeaseRequestOptions): Promise<Lease | undefined>;
  /** Creates the Lease; rejects with an AlreadyExists ApiError (409) when it exists. */
  create(namespace: string, lease: Lease, options?: LeaseRequestOptions): Promise<Lease>;
  /**
   * Replaces the Lease (PUT) under optimistic concurrency: `metadata.resourceVersion`
   * must be current, or it rejects with a Conflict ApiError (409).
   */
  update(namespace: string, lease: Lease, options?: LeaseRequestOptions): Promise<Lease>;
}

/** What {@link ResourceLock.get} returns: the record and its fingerprint (to notice changes). */
export interface ObservedRecord {
  readonly record: LeaderElectionRecord;
  readonly raw: string;
}

/** A lock leader electors compete for (client-go `resourcelock.Interface`). */
export interface ResourceLock {
  /** This candidate's identity, unique among candidates. */
  readonly identity: string;
  /** A human description of the lock, e.g. `ns/name`. */
  describe(): string;
  /** The current record, or undefined when the lock object does not exist. */
  get(signal?: AbortSignal): Promise<ObservedRecord | undefined>;
  /** Creates the lock object holding `record`. */
  create(record: LeaderElectionRecord, signal?: AbortSignal): Promise<void>;
  /** Writes `record` over the version last read or written (optimistic concurrency). */
  update(record: LeaderElectionRecord, signal?: AbortSignal): Promise<void>;
  /**
   * Optional: reads the current record like get() but leaves the version
   * that update() writes over alone (LeaderElector.confirmLeadership uses it,
   * so a confirmation racing a renewal cannot make the next renewal conflict).
   */
  read?(signal?: AbortSignal): Promise<ObservedRecord | undefined>;
}

/** Options of {@link LeaseLock}. */
export interface LeaseLockOptions {
  readonly client: LeaseClient;
  readonly namespace: string;
  readonly name: string;
  /** This candidate's identity (commonly the pod name, or hostname plus a random suffix). */
  readonly identity: string;
  /** Labels set on the Lease when it is created, and merged into it on every update. */
  readonly labels?: Readonly<Record<string, string>>;
}

/** A lock stored in a coordination.k8s.io/v1 Lease (client-go `LeaseLock`). */
export class LeaseLock implements ResourceLock {
  readonly identity: string;
  readonly namespace: string;
  readonly name: string;
  readonly #client: LeaseClient;
  readonly #labels: Readonly<Record<string, string>> | undefined;
  #lease: Lease | undefined;

  constructor(options: LeaseLockOptions) {
    if (!options.identity) throw new TypeError("LeaseLock needs a non-empty identity");
    if (!options.namespace || !options.name) throw new TypeError("LeaseLock needs a namespace and a name");
    this.#client = options.client;
    this.namespace = options.namespace;
    this.name = options.name;
    this.identity = options.identity;
    this.#labels = options.labels;
  }

  describe(): string {
    return `${this.namespace}/${this.name}`;
  }

  /** The Lease as last read or written, if any. */
  lease(): Lease | undefined {
    return this.#lease;
  }

  async get(signal?: AbortSignal): Promise<ObservedRecord | undefined> {
    const lease = await this.#client.get(this.namespace, this.name, signal ? { signal } : {});
    if (!lease) return undefined;
    this.#lease = lease;
    const record = leaseSpecToRecord(lease.spec);
    return { record, raw: recordFingerprint(record) };
  }

  async read(signal?: AbortSignal): Promise<ObservedRecord | undefined> {
    const lease = await this.#client.get(this.namespace, this.name, signal ? { signal } : {});
    if (!lease) return undefined;
    const record = leaseSpecToRecord(lease.spec);
    return { record, raw: recordFingerprint(record) };
  }

  async create(record: LeaderElectionRecord, signal?: AbortSignal): Promise<void> {
    const lease: Lease = {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: { name: this.name, namespace: this.namespace, ...(this.#labels ? { labels: { ...this.#labels } } : {}) },
      spec: recordToLeaseSpec(record),
    };
    this.#lease = await this.#client.create(this.namespace, lease, signal ? { signal } : {});
  }

  async update(record: LeaderElectionRecord, signal?: AbortSignal): Promise<void> {
    const current = this.#lease;
    if (!current) throw new Error(`lease ${this.describe()} not initialized: call get or create first`);
    const labels = this.#labels ? { ...current.metadata.labels, ...this.#labels } : current.metadata.labels;
    const next: Lease = {
      ...current,
      apiVersion: current.apiVersion ?? "coordination.k8s.io/v1",
      kind: current.kind ?? "Lease",
      metadata: { ...current.metadata, ...(labels ? { labels } : {}) },
      spec: recordToLeaseSpec(record),
    };
    this.#lease = await this.#client.update(this.namespace, next, signal ? { signal } : {});
  }
}
