// eventually(): polls a probe until it returns a value, with an explicit
// deadline, for integration tests that wait on a real server (never on a
// default timeout). The probe's last error is kept for the failure message.

/** Calls `probe` every 200 ms until it returns something other than undefined; fails after `timeoutMs`. */
export async function eventually<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what}: not within ${timeoutMs} ms${last ? ` (last error: ${(last as Error).message})` : ""}`);
}
