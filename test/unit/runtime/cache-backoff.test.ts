// Reflector backoff and watch-timeout jitter (client-go reflector.go numbers).
import { describe, expect, it } from "vitest";
import { Backoff, DEFAULT_REFLECTOR_BACKOFF, jitteredWatchTimeoutSeconds } from "../../../runtime/src/cache/index.js";
import { FakeClock } from "../../../runtime/src/util/fake-clock.js";

const seq = (b: Backoff, n: number) => Array.from({ length: n }, () => b.next());

describe("Backoff", () => {
  it("has client-go's reflector defaults", () => {
    expect(DEFAULT_REFLECTOR_BACKOFF).toEqual({ initialMs: 800, maxMs: 30_000, factor: 2, jitter: 1, resetAfterMs: 120_000 });
  });

  it("doubles from 800 ms and caps the base at 30 s (no jitter when random() = 0)", () => {
    const b = new Backoff({}, new FakeClock(), () => 0);
    expect(seq(b, 9)).toEqual([800, 1600, 3200, 6400, 12_800, 25_600, 30_000, 30_000, 30_000]);
    expect(b.failures).toBe(9);
  });

  it("jitter adds up to 100 % of the base: every delay is in [base, 2*base)", () => {
    const bases = [800, 1600, 3200, 6400, 12_800, 25_600, 30_000, 30_000];
    for (const r of [0, 0.25, 0.5, 0.999_999]) {
      const b = new Backoff({}, new FakeClock(), () => r);
      seq(b, bases.length).forEach((d, i) => {
        expect(d).toBeGreaterThanOrEqual(bases[i]!);
        expect(d).toBeLessThan(2 * bases[i]!);
        expect(d).toBeCloseTo(bases[i]! * (1 + r), 6);
      });
    }
    // Math.random: still within bounds
    const b = new Backoff();
    for (const [i, d] of seq(b, 50).entries()) {
      const base = Math.min(800 * 2 ** i, 30_000);
      expect(d).toBeGreaterThanOrEqual(base);
      expect(d).toBeLessThan(2 * base);
    }
  });

  it("resets to 800 ms after a retry stayed healthy for more than 2 minutes", async () => {
    const clock = new FakeClock();
    const b = new Backoff({}, clock, () => 0);
    expect(seq(b, 4)).toEqual([800, 1600, 3200, 6400]);
    // the 4th retry starts 6.4 s later; 2 min after that start is not yet "more than 2 min"
    await clock.advance(6400 + 120_000);
    expect(b.next()).toBe(12_800);
    await clock.advance(12_800 + 120_001);
    expect(b.next()).toBe(800);
    expect(b.failures).toBe(1);
    expect(b.next()).toBe(1600);
  });

  it("honours custom options", () => {
    const b = new Backoff({ initialMs: 100, maxMs: 250, factor: 3, jitter: 0 }, new FakeClock(), () => 0.9);
    expect(seq(b, 4)).toEqual([100, 250, 250, 250]);
  });
});

describe("watch timeout jitter", () => {
  it("is uniform in [5 min, 10 min) seconds by default range", () => {
    expect(jitteredWatchTimeoutSeconds(300_000, () => 0)).toBe(300);
    expect(jitteredWatchTimeoutSeconds(300_000, () => 0.5)).toBe(450);
    expect(jitteredWatchTimeoutSeconds(300_000, () => 0.999_999)).toBe(599);
    for (let i = 0; i < 200; i++) {
      const s = jitteredWatchTimeoutSeconds(300_000);
      expect(s).toBeGreaterThanOrEqual(300);
      expect(s).toBeLessThan(600);
    }
  });
});
