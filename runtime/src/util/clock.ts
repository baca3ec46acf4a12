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
//
// Two readings of time. now() is the wall clock: it is for stamps that other
// machines read (a Lease's renewTime, an Event's time) and it can jump either
// way when the system clock is stepped (NTP, an operator, a VM resume).
// monotonicMs() never goes backwards and does not follow clock steps, so it is
// the one to measure durations and deadlines with (Go's monotonic reading in
// time.Now, which client-go's leader election relies on). Timers (setTimeout)
// already run on the monotonic clock in Node.

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
  /**
   * Wall-clock milliseconds since the epoch. Use it only for timestamps that
   * leave the process; it jumps when the system clock is stepped, backwards
   * too, so never measure a duration or a deadline with it.
   */
  now(): number;
  /**
   * Milliseconds from an arbitrary fixed origin that never go backwards and do
   * not follow wall-clock steps (`performance.now()` for the real clock).
   * Measure durations and deadlines with this. Only differences are meaningful.
   */
  monotonicMs(): number;
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
 * The real clock: now() is Date.now, monotonicMs() is performance.now, timers
 * are setTimeout. Sleeps keep the process alive until they end; setTimer
 * timers do not (unless `{ idle: false }`).
 */
export const realClock: Clock = {
  now: () => Date.now(),
  monotonicMs: () => performance.now(),
  setTimer(ms, fn, options) {
    const t = setTimeout(fn, Math.max(0, ms));
    if (options?.idle ?? true) t.unref?.();
    return () => clearTimeout(t);
  },
  sleep(ms, signal, options) {
    return sleepOn(realClock, ms, signal, options);
  },
};
