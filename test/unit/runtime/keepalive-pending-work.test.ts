// Pending work keeps the Node process alive; idle timers do not. Each case runs
// a tiny script in a child `node` (TypeScript sources through tsx) and checks how
// it ends: a script awaiting a request that backs off after connection resets
// must print the rejection and exit 1, not die silently with code 13 ("unsettled
// top-level await") because the backoff timer was unreferenced. The FakeClock
// cases check which runtime timers are declared as holding the process.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { newRestConfig, RestClient, sleepOn } from "@kubegen/runtime";
import { FakeClock } from "@kubegen/runtime/testing";

const repo = fileURLToPath(new URL("../../../", import.meta.url));
const tsxLoader = pathToFileURL(join(repo, "node_modules/tsx/dist/loader.mjs")).href;
const runtimeIndex = pathToFileURL(join(repo, "runtime/src/index.ts")).href;
const CHILD_TIMEOUT_MS = 60_000;

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `body` as an ES module in a child node with the tsx loader; kills it after CHILD_TIMEOUT_MS. */
function runChild(body: string, env: Record<string, string> = {}): Promise<ChildResult> {
  const dir = mkdtempSync(join(tmpdir(), "kubegen-keepalive-"));
  dirs.push(dir);
  const script = join(dir, "script.mjs");
  writeFileSync(script, `import * as runtime from ${JSON.stringify(runtimeIndex)};\n${body}\n`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", tsxLoader, script], {
      cwd: repo,
      env: { ...process.env, ...env, NODE_NO_WARNINGS: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`child did not exit within ${CHILD_TIMEOUT_MS} ms; stdout: ${stdout}; stderr: ${stderr}`));
    }, CHILD_TIMEOUT_MS);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** A loopback TCP server that accepts and immediately destroys every connection. */
async function resettingServer(): Promise<{ url: string; connections: () => number; close: () => Promise<void> }> {
  let n = 0;
  const server = net.createServer((socket) => {
    n++;
    socket.destroy();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as net.AddressInfo;
  return { url: `http://127.0.0.1:${port}`, connections: () => n, close: () => new Promise((r) => server.close(() => r())) };
}

describe("pending work holds the process (child node processes)", () => {
  it(
    "a script awaiting a GET that retries after connection resets prints the rejection and exits 1",
    async () => {
      const srv = await resettingServer();
      try {
        const r = await runChild(
          `const rc = new runtime.RestClient(runtime.newRestConfig(process.env.SERVER_URL, { warningHandler: null }));
try {
  await rc.request({ path: "/version" }, { maxRetries: 2 });
  console.log("RESOLVED");
} catch (err) {
  console.log("REJECTED " + err.name + " " + err.code + ": " + err.message);
  process.exitCode = 1;
}`,
          { SERVER_URL: srv.url },
        );
        expect(r.signal).toBeNull();
        expect({ code: r.code, stdout: r.stdout }).toMatchObject({
          code: 1,
          stdout: expect.stringContaining("REJECTED NetworkError ECONNRESET"),
        });
        // the first try and both retries reached the server: the backoff sleeps ran to the end
        expect(srv.connections()).toBe(3);
      } finally {
        await srv.close();
      }
    },
    CHILD_TIMEOUT_MS + 10_000,
  );

  it(
    "a bare realClock.sleep keeps an otherwise empty script alive until it ends",
    async () => {
      const r = await runChild(`await runtime.realClock.sleep(200);\nconsole.log("SLEPT");`);
      expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 0, stdout: "SLEPT\n" });
    },
    CHILD_TIMEOUT_MS + 10_000,
  );

  it(
    "idle timers still let the process exit: setTimer and sleep with { idle: true }",
    async () => {
      // were either timer held, the child would live 10 minutes and trip the 60 s kill
      const r = await runChild(`runtime.realClock.setTimer(600_000, () => console.log("FIRED"));
void runtime.realClock.sleep(600_000, undefined, { idle: true }).then(() => console.log("WOKE"));
console.log("DONE");`);
      expect({ code: r.code, signal: r.signal, stdout: r.stdout }).toEqual({ code: 0, signal: null, stdout: "DONE\n" });
    },
    CHILD_TIMEOUT_MS + 10_000,
  );
});

describe("which timers hold the process (FakeClock bookkeeping)", () => {
  it("sleep and sleepOn hold by default; setTimer and { idle: true } do not", async () => {
    const clock = new FakeClock(0);
    const sleeps = [clock.sleep(10), sleepOn(clock, 10)];
    expect([clock.pendingTimers, clock.heldTimers]).toEqual([2, 2]);
    const cancel = clock.setTimer(10, () => {});
    const idle = clock.sleep(10, undefined, { idle: true });
    const held = clock.setTimer(10, () => {}, { idle: false });
    expect([clock.pendingTimers, clock.heldTimers]).toEqual([5, 3]);
    cancel();
    held();
    await clock.advance(10);
    await Promise.all([...sleeps, idle]);
    expect([clock.pendingTimers, clock.heldTimers]).toEqual([0, 0]);
  });

  it("an aborted sleep releases its hold", async () => {
    const clock = new FakeClock(0);
    const ac = new AbortController();
    const p = clock.sleep(1000, ac.signal);
    expect(clock.heldTimers).toBe(1);
    ac.abort(new Error("stop"));
    await expect(p).rejects.toThrow("stop");
    expect(clock.heldTimers).toBe(0);
  });

  it(
    "the transport's retry backoff after a connection reset is a held sleep",
    async () => {
      const srv = await resettingServer();
      const clock = new FakeClock(0);
      const rc = new RestClient(newRestConfig(srv.url, { clock, warningHandler: null }));
      try {
        const p = rc.request({ path: "/version" }, { maxRetries: 1 });
        p.catch(() => {});
        for (let i = 0; i < 20_000 && clock.pendingTimers === 0; i++) await new Promise((r) => setTimeout(r, 1));
        expect([clock.pendingTimers, clock.heldTimers]).toEqual([1, 1]);
        await clock.advance(1000);
        await expect(p).rejects.toMatchObject({ name: "NetworkError", code: "ECONNRESET" });
        expect(srv.connections()).toBe(2);
      } finally {
        rc.transport.close();
        await srv.close();
      }
    },
    30_000,
  );
});
