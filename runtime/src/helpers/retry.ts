// Retrying a read-modify-write on conflicts. Mirrors client-go util/retry/util.go
// (DefaultRetry, DefaultBackoff, OnError, RetryOnConflict) over the step rule of
// apimachinery pkg/util/wait/backoff.go (Backoff.Step, ExponentialBackoff):
// `steps` is the number of attempts, and attempt n+1 waits
// `min(durationMs * factor^(n-1), capMs) * (1 + jitter * random())` after attempt n.
// When the attempts run out, the last retriable error is thrown (as client-go
// returns lastErr rather than wait's timeout error). Time comes from a Clock so
// tests can drive it.

import { isConflict } from "../errors/api-error.js";
import { realClock, type Clock } from "../util/clock.js";

/** A bounded exponential backoff (apimachinery `wait.Backoff`); durations in ms. */
export interface RetryBackoff {
  /** Number of attempts (at least 1 is always made). */
  readonly steps: number;
  /** Delay before the second attempt, in ms. */
  readonly durationMs: number;
  /** Multiplier of the delay after each attempt (1 = constant). */
  readonly factor: number;
  /** Random extra delay as a fraction of the delay (0.1 = up to +10 %). */
  readonly jitter: number;
  /**
   * Upper bound of a delay before jitter (ms). Default: none. Unlike
   * apimachinery, where reaching the cap also ends the attempts, here it only
   * clamps the delay and the attempts go on up to `steps`.
   */
  readonly capMs?: number;
}

/** client-go `retry.DefaultRetry`: 5 attempts, 10 ms apart (+10 % jitter). For conflicts between writers. */
export const DEFAULT_RETRY: RetryBackoff = Object.freeze({ steps: 5, durationMs: 10, factor: 1.0, jitter: 0.1 });

/** client-go `retry.DefaultBackoff`: 4 attempts, 10, 50, 250 ms apart (+10 % jitter). For slower conditions. */
export const DEFAULT_BACKOFF: RetryBackoff = Object.freeze({ steps: 4, durationMs: 10, factor: 5.0, jitter: 0.1 });

/** Options of {@link onError} and {@link retryOnConflict}. */
export interface RetryOptions {
  /** Stops retrying: the pending wait ends and the call rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Time source of the waits (default the wall clock); tests pass a FakeClock. */
  clock?: Clock;
  /** Random numbers in [0, 1) for the jitter (default Math.random). */
  random?: () => number;
}

/** What a retried function receives. */
export interface RetryAttempt {
  /** 1 for the first call, 2 for the first retry, ... */
  readonly attempt: number;
  /** The caller's signal, if any, to pass on to requests. */
  readonly signal: AbortSignal | undefined;
}

/**
 * The delays (ms, before jitter) between the attempts of `backoff`: one fewer
 * than `steps`. With {@link DEFAULT_BACKOFF}: `[10, 50, 250]`.
 */
export function backoffDelays(backoff: RetryBackoff): number[] {
  const delays: number[] = [];
  let duration = backoff.durationMs;
  const cap = backoff.capMs !== undefined && backoff.capMs > 0 ? backoff.capMs : Infinity;
  for (let step = 1; step < Math.floor(backoff.steps); step++) {
    delays.push(Math.min(duration, cap));
    if (backoff.factor !== 0) duration *= backoff.factor;
  }
  return delays;
}

/**
 * Calls `fn` until it succeeds, it throws an error `retriable` rejects, or
 * `backoff.steps` attempts have failed; then rethrows the last error
 * (client-go `retry.OnError`). Resolves with `fn`'s result.
 */
export async function onError<R>(
  backoff: RetryBackoff,
  retriable: (err: unknown) => boolean,
  fn: (attempt: RetryAttempt) => Promise<R> | R,
  options: RetryOptions = {},
): Promise<R> {
  const clock = options.clock ?? realClock;
  const random = options.random ?? Math.random;
  const signal = options.signal;
  const delays = backoffDelays(backoff);
  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted();
    try {
      return await fn({ attempt, signal });
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      if (!retriable(err) || attempt > delays.length) throw err;
    }
    const base = delays[attempt - 1]!;
    const delay = backoff.jitter > 0 ? base + base * backoff.jitter * random() : base;
    await clock.sleep(delay, signal);
  }
}

/**
 * Runs a read-modify-write `fn` again while it fails with 409 Conflict
 * (client-go `retry.RetryOnConflict`). `fn` must read the object afresh on
 * every attempt, or the retry repeats the conflict. Pass {@link DEFAULT_RETRY}
 * unless you have a reason not to.
 *
 * @example
 * await retryOnConflict(DEFAULT_RETRY, async () => {
 *   const cm = await cms.get("settings");
 *   await cms.update({ ...cm, data: { ...cm.data, mode: "on" } });
 * });
 */
export function retryOnConflict<R>(
  backoff: RetryBackoff,
  fn: (attempt: RetryAttempt) => Promise<R> | R,
  options: RetryOptions = {},
): Promise<R> {
  return onError(backoff, isConflict, fn, options);
}
