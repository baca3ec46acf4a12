// Time as a dependency. Runtime pieces that wait or measure (rate limiters,
// the workqueue, backoff, leader election, the reflector) take a Clock so
// tests can drive time by hand with FakeClock (@kubegen/runtime/testing).
//
// Timers and the process lifetime. Node exits when nothing holds its event
// loop, and a top-level `await` that is still pending then ends the process
// with exit code 13 and no output. So every timer says whether it is pending
// work or idle:
//   - a sleep is pending work: someone awaits it (a request backing off before
//     a retry, a rate-limited request, a watch reconnecting, an informer
//     retrying a list). Sleeps hold the event loop by default, as a goroutine
//     blocked in time.Sleep keeps a Go program's main waiting.
//   - setTimer is idle by default: watchdogs, deadlines, resync and metrics
//     ticks exist to be cancelled or to notice something, and must not keep an
//     otherwise finished program running.
// Either default can be flipped with `{ idle }`.

/** Cancels a timer set with {@link Clock.setTimer}. Safe to call twice. */
export type CancelTimer = () => void;

/** How a timer relates to the life of the Node process. */
export interface TimerOptions {
  /**
   * `true`: the timer does not keep the process alive (Node's `unref()`); the
   * program may end before it fires. `false`: the process stays alive until
   * it fires or is cancelled. Default: `true` for {@link Clock.setTimer},
   * `false` for {@link Clock.sleep} and {@link sleepOn}.
   */
  idle?: boolean;
}

/** A source of time and timers. */
export interface Clock {
  /** Milliseconds since the epoch (or any fixed origin); never goes backwards for a real clock. */
  now(): number;
  /**
   * Calls `fn` once after `ms` milliseconds. Idle unless `options.idle` is
   * false: a pending setTimer does not keep the process alive.
   */
  setTimer(ms: number, fn: () => void, options?: TimerOptions): CancelTimer;
  /**
   * Resolves after `ms` milliseconds; rejects with the signal's reason if it
   * aborts first. Holds the process alive while pending unless `options.idle`.
   */
  sleep(ms: number, signal?: AbortSignal, options?: TimerOptions): Promise<void>;
}

/**
 * Sleeps on any clock, honouring an AbortSignal. Like {@link Clock.sleep} it
 * holds the process alive while pending unless `options.idle` is true.
 */
export function sleepOn(clock: Clock, ms: number, signal?: AbortSignal, options?: TimerOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      cancel();
      reject(signal?.reason);
    };
    const cancel = clock.setTimer(
      ms,
      () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      },
      { idle: options?.idle ?? false },
    );
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * The wall clock, backed by Date.now and setTimeout. Sleeps keep the process
 * alive until they end; setTimer timers do not (unless `{ idle: false }`).
 */
export const realClock: Clock = {
  now: () => Date.now(),
  setTimer(ms, fn, options) {
    const t = setTimeout(fn, Math.max(0, ms));
    if (options?.idle ?? true) t.unref?.();
    return () => clearTimeout(t);
  },
  sleep(ms, signal, options) {
    return sleepOn(realClock, ms, signal, options);
  },
};
