// Readiness from informers: whether their caches can be trusted right now.
// A cache is ready once it synced, while it is neither stopped nor stale (no
// event, bookmark or watch answer for staleAfterMs; see reflector.ts). This is
// what a controller's /readyz should say about its caches: a pod whose watch
// went silent (a stopped API server, a blackholed connection) should leave the
// Service's endpoints until its informers hear from the server again.

import type { InformerHealth } from "./shared-informer.js";

/** Anything with an informer's health(): a SharedIndexInformer, or a test double. */
export interface HasInformerHealth {
  /** Used in {@link unreadyInformers}. */
  readonly name?: string;
  health(): InformerHealth;
}

/** Whether one informer's cache is ready: synced, not stopped, not stale. */
export function isInformerReady(health: InformerHealth): boolean {
  return health.synced && !health.stopped && !health.stale;
}

/** Whether every informer given is ready ({@link isInformerReady}); true for none. */
export function informersReady(...informers: readonly HasInformerHealth[]): boolean {
  return informers.every((i) => isInformerReady(i.health()));
}

/** The names (or positions) of the informers that are not ready, with why: `configmaps (stale)`. */
export function unreadyInformers(...informers: readonly HasInformerHealth[]): string[] {
  const out: string[] = [];
  informers.forEach((informer, i) => {
    const h = informer.health();
    if (isInformerReady(h)) return;
    const why = h.stopped ? "stopped" : !h.synced ? "not synced" : "stale";
    out.push(`${informer.name ?? `#${i}`} (${why})`);
  });
  return out;
}

/** A health check (for `startHealthServer`'s `readyChecks`) that passes while every informer is ready. */
export function informersReadyCheck(...informers: readonly HasInformerHealth[]): () => boolean {
  return () => informersReady(...informers);
}
