// A LeaseClient over the runtime's RestClient: GET, POST and PUT of
// coordination.k8s.io/v1 Leases. 404 on get becomes undefined; 409s surface
// as ApiErrors (isAlreadyExists / isConflict). The elector does its own
// retrying, so requests here are sent once (maxRetries 0).

import { isNotFound } from "../errors/api-error.js";
import type { RestClient } from "../rest/rest-client.js";
import type { RequestSpec } from "../rest/build-request.js";
import type { LeaseClient, LeaseRequestOptions } from "./lease-lock.js";
import type { Lease } from "./record.js";

const LEASES = { group: "coordination.k8s.io", version: "v1", resource: "leases" } as const;

/**
 * A {@link LeaseClient} backed by a {@link RestClient}. Give leader election a
 * RestClient of its own (client-go's NewFromKubeconfig does the same), so its
 * renewals never queue behind a controller's requests in the client-side QPS
 * limiter.
 */
export class RestLeaseClient implements LeaseClient {
  constructor(readonly rest: RestClient) {}

  async get(namespace: string, name: string, options: LeaseRequestOptions = {}): Promise<Lease | undefined> {
    try {
      return await this.rest.request<Lease>(this.#spec({ verb: "get", namespace, name }, options), { maxRetries: 0 });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  create(namespace: string, lease: Lease, options: LeaseRequestOptions = {}): Promise<Lease> {
    return this.rest.request<Lease>(this.#spec({ verb: "create", namespace, body: lease }, options), { maxRetries: 0 });
  }

  update(namespace: string, lease: Lease, options: LeaseRequestOptions = {}): Promise<Lease> {
    const name = lease.metadata.name;
    if (!name) return Promise.reject(new TypeError("updating a Lease needs metadata.name"));
    return this.rest.request<Lease>(this.#spec({ verb: "update", namespace, name, body: lease }, options), { maxRetries: 0 });
  }

  #spec(spec: RequestSpec, options: LeaseRequestOptions): RequestSpec {
    return { ...LEASES, ...spec, ...(options.signal ? { signal: options.signal } : {}) };
  }
}
