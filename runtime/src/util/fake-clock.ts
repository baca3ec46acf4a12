// FakeClock: a Clock whose time only moves when a test calls advance(). Timers
// fire in due order (ties in the order they were set), each seeing now() equal
// to its due time, like client-go's testing clock (k8s.io/utils/clock/testing).
// It also remembers whether each timer would hold a real process alive (see
// TimerOptions in clock.ts), so tests can check which waits count as pending work.

import { sleepOn, type CancelTimer, type Clock, type TimerOptions } from "./clock.js";

interface Timer {
  readonly due: number;
  readonly seq: number;
  readonly fn: () => void;
  /** Whether a real clock would leave this timer unreferenced. */
  readonly idle: boolean;
}

/** A manually driven {@link Clock} for tests. */
export class FakeClock implements Clock {
  #now: number;
  #seq = 0;
  #timers: Timer[] = [];

  /** @param start the initial value of now() (default 0). */
  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  /** The same reading as now(): a FakeClock's time only moves forward, by advance(). */
  monotonicMs(): number {
    return this.#now;
  }

  setTimer(ms: number, fn: () => void, options?: TimerOptions): CancelTimer {
    const timer: Timer = { due: this.#now + Math.max(0, ms), seq: this.#seq++, fn, idle: options?.idle ?? true };
    this.#timers.push(timer);
    return () => {
      this.#timers = this.#timers.filter((t) => t !== timer);
    };
  }

  sleep(ms: number, signal?: AbortSignal, options?: TimerOptions): Promise<void> {
    return sleepOn(this, ms, signal, options);
  }

  /** Number of timers that have not fired yet. */
  get pendingTimers(): number {
    return this.#timers.length;
  }

  /** Number of pending timers that would keep a real process alive (sleeps, and timers set with `idle: false`). */
  get heldTimers(): number {
    return this.#timers.filter((t) => !t.idle).length;
  }

  /** The due time of the earliest pending timer, or undefined when none is set. */
  nextDue(): number | undefined {
    let min: number | undefined;
    for (const t of this.#timers) if (min === undefined || t.due < min) min = t.due;
    return min;
  }

  /**
   * Moves time forward by `ms`, firing every timer that falls due on the way
   * (including timers those timers set). Microtasks run between timers, so
   * promise chains woken by one timer can settle before the next fires.
   */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    for (;;) {
      await flushMicrotasks();
      const next = this.#earliest();
      if (!next || next.due > target) break;
      this.#timers = this.#timers.filter((t) => t !== next);
      this.#now = Math.max(this.#now, next.due);
      next.fn();
    }
    this.#now = target;
    await flushMicrotasks();
  }

  #earliest(): Timer | undefined {
    let best: Timer | undefined;
    for (const t of this.#timers) {
      if (!best || t.due < best.due || (t.due === best.due && t.seq < best.seq)) best = t;
    }
    return best;
  }
}

/** Lets pending promise callbacks run (a few macrotask-free turns of the microtask queue). */
export async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}
