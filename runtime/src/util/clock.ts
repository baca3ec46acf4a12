// Time as a dependency. Runtime pieces that wait or measure (rate limiters,
// the workqueue, backoff, leader election, the reflector) take a Clock so
// tests can drive time by hand with FakeClock (@kubegen/runtime/testing).

/** Cancels a timer set with {@link Clock.setTimer}. Safe to call twice. */
export type CancelTimer = () => void;

/** A source of time and timers. */
export interface Clock {
  /** Milliseconds since the epoch (or any fixed origin); never goes backwards for a real clock. */
  now(): number;
  /** Calls `fn` once after `ms` milliseconds. */
  setTimer(ms: number, fn: () => void): CancelTimer;
  /** Resolves after `ms` milliseconds; rejects with the signal's reason if it aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** Sleeps on any clock, honouring an AbortSignal. */
export function sleepOn(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      cancel();
      reject(signal?.reason);
    };
    const cancel = clock.setTimer(ms, () => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    });
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** The wall clock, backed by Date.now and setTimeout. Timers do not keep the process alive. */
export const realClock: Clock = {
  now: () => Date.now(),
  setTimer(ms, fn) {
    const t = setTimeout(fn, Math.max(0, ms));
    t.unref?.();
    return () => clearTimeout(t);
  },
  sleep(ms, signal) {
    return sleepOn(realClock, ms, signal);
  },
};
