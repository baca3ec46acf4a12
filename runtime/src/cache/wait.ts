// Waiting for several caches at once (client-go tools/cache/shared_informer.go
// WaitForCacheSync), without polling: each informer resolves or rejects its own
// wait, and the first rejection wins.

/** Anything that can be waited on for a synced cache. */
export interface SyncWaitable {
  waitForCacheSync(signal?: AbortSignal): Promise<void>;
}

/**
 * Resolves when every informer has synced. Rejects with the first cause one
 * of them reports (e.g. a 403 ApiError), or with the signal's reason on abort;
 * the others keep running either way.
 */
export async function waitForCacheSync(signal: AbortSignal | undefined, ...informers: SyncWaitable[]): Promise<void> {
  await Promise.all(informers.map((i) => i.waitForCacheSync(signal)));
}
