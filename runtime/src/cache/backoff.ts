// Jittered exponential backoff with a reset after a healthy period. Mirrors the
// reflector's backoff in client-go tools/cache/reflector.go (NewReflectorWithOptions:
// initial 800 ms, cap 30 s, factor 2.0, jitter 1.0, reset after 2 min) and the
// step rule of apimachinery pkg/util/wait/backoff.go (Backoff.Step: the cap
// limits the base delay, jitter is added on top: delay in [d, d*(1+jitter))).

import { realClock, type Clock } from "../util/clock.js";

/** Backoff tuning; every field has client-go's reflector default. */
export interface BackoffOptions {
  /** First delay in ms (800). */
  initialMs?: number;
  /** Cap of the base delay in ms (30 000); jitter can add up to `jitter` times this on top. */
  maxMs?: number;
  /** Growth factor per failure (2). */
  factor?: number;
  /** Random extra delay as a fraction of the base delay (1.0 => up to double). 0 disables. */
  jitter?: number;
  /** A retry that stays healthy this long (ms, 120 000) resets the delay to `initialMs`. */
  resetAfterMs?: number;
}

/** The reflector's default backoff (client-go numbers). */
export const DEFAULT_REFLECTOR_BACKOFF: Readonly<Required<BackoffOptions>> = Object.freeze({
  initialMs: 800,
  maxMs: 30_000,
  factor: 2,
  jitter: 1,
  resetAfterMs: 120_000,
});

/**
 * Computes retry delays: the n-th consecutive failure waits
 * `min(initialMs * factor^(n-1), maxMs) * (1 + jitter * random())`. If more
 * than `resetAfterMs` passed between the end of the previous delay and this
 * failure, the sequence starts over.
 */
export class Backoff {
  readonly options: Readonly<Required<BackoffOptions>>;
  readonly #clock: Clock;
  readonly #random: () => number;
  #base: number;
  #retryStartedAt: number | undefined;
  #failures = 0;

  constructor(options: BackoffOptions = {}, clock: Clock = realClock, random: () => number = Math.random) {
    this.options = Object.freeze({ ...DEFAULT_REFLECTOR_BACKOFF, ...options });
    this.#clock = clock;
    this.#random = random;
    this.#base = this.options.initialMs;
  }

  /** Consecutive failures counted since the last reset. */
  get failures(): number {
    return this.#failures;
  }

  /** The delay (ms) to wait after a failure that happens now. */
  next(): number {
    const now = this.#clock.now();
    if (this.#retryStartedAt !== undefined && now - this.#retryStartedAt > this.options.resetAfterMs) this.reset();
    const base = Math.min(this.#base, this.options.maxMs);
    this.#base = Math.min(this.#base * this.options.factor, this.options.maxMs);
    this.#failures++;
    const delay = this.options.jitter > 0 ? base + base * this.options.jitter * this.#random() : base;
    this.#retryStartedAt = now + delay;
    return delay;
  }

  /** Starts the sequence over at `initialMs`. */
  reset(): void {
    this.#base = this.options.initialMs;
    this.#failures = 0;
    this.#retryStartedAt = undefined;
  }
}

/** A watch timeout in whole seconds, uniform in [min, 2*min) (client-go: 5 to 10 minutes). */
export function jitteredWatchTimeoutSeconds(minWatchTimeoutMs: number, random: () => number = Math.random): number {
  const min = Math.max(1, Math.floor(minWatchTimeoutMs / 1000));
  return Math.floor(min * (1 + random()));
}
