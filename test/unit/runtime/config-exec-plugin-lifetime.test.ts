// Exec credential plugins under deadlines: a request's timeout or abort signal
// stops waiting for the plugin and kills it (SIGTERM, then SIGKILL), a plugin
// that never answers hits the provider's cap, and failures say what happened
// without repeating the plugin's stderr (which goes to our stderr, as client-go
// passes it to the terminal). Plugins are small /bin/sh scripts in a temp folder
// that record their pid, so the tests can check the process is really gone.
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { inspect } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError, ExecCredentialProvider, NetworkError, newRestConfig, RestClient } from "@kubegen/runtime";
import {
  DEFAULT_EXEC_PLUGIN_KILL_GRACE_MS,
  DEFAULT_EXEC_PLUGIN_TIMEOUT_MS,
} from "../../../runtime/src/config/exec-credential.js";

const V1BETA1 = "client.authentication.k8s.io/v1beta1";
const CREDENTIAL = `{"apiVersion":"${V1BETA1}","kind":"ExecCredential","status":{"token":"plugin-token"}}`;

/** A RestClient whose user is the exec plugin `command`. */
function execClient(url: string, command: string): RestClient {
  return new RestClient(newRestConfig(url, { warningHandler: null, exec: { command, apiVersion: V1BETA1 } }));
}

/** Runs `command` once as a plugin with default options; resolves with what it threw. */
async function failureOf(command: string): Promise<Error> {
  const exec = new ExecCredentialProvider({ command, apiVersion: V1BETA1 });
  return (await exec.get().catch((e: unknown) => e)) as Error;
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) {
    // a plugin that outlived a failed assertion must not outlive the run
    const pid = pidIn(d);
    if (pid !== undefined && alive(pid)) process.kill(pid, "SIGKILL");
    rmSync(d, { recursive: true, force: true });
  }
});

/** Writes `body` as a /bin/sh plugin that first records its pid in `<dir>/pid`. */
/** A plugin script that writes its pid, then runs `body`; `setup` runs before the pid appears (a signal trap must be in place by then). */
function plugin(body: string, setup = ""): { dir: string; command: string } {
  const dir = mkdtempSync(join(tmpdir(), "kubegen-exec-life-"));
  dirs.push(dir);
  const command = join(dir, "plugin.sh");
  writeFileSync(command, `#!/bin/sh\n${setup ? `${setup}\n` : ""}echo $$ > "${dir}/pid.tmp" && mv "${dir}/pid.tmp" "${dir}/pid"\n${body}\n`);
  chmodSync(command, 0o755);
  return { dir, command };
}

function pidIn(dir: string): number | undefined {
  const f = join(dir, "pid");
  return existsSync(f) ? Number(readFileSync(f, "utf8").trim()) : undefined;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function until(cond: () => boolean, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Waits for the plugin to have started (its pid file), returning the pid. */
async function started(dir: string): Promise<number> {
  await until(() => pidIn(dir) !== undefined, "the plugin started");
  return pidIn(dir)!;
}

/**
 * Asserts the plugin process is gone. When the deadline fell before the plugin
 * even wrote its pid (a very slow machine), it was killed before that point:
 * then there is no pid to check, and none may appear later.
 */
async function expectGone(dir: string): Promise<void> {
  const end = Date.now() + 2_000;
  while (pidIn(dir) === undefined && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  const pid = pidIn(dir);
  if (pid === undefined) return;
  await until(() => !alive(pid), `plugin pid ${pid} is gone`, 10_000);
}

function sink(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = "";
  stream.setEncoding("utf8").on("data", (c: string) => (text += c));
  return { stream, text: () => text };
}

async function countingServer(): Promise<{ url: string; requests: () => number; close: () => Promise<void> }> {
  let n = 0;
  const server = http.createServer((req, res) => {
    n++;
    req.resume();
    res.writeHead(200, { "content-type": "application/json" });
    res.end("{}");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: () => n,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

describe("exec plugin deadlines, through RestClient", () => {
  it(
    "a plugin that sleeps 30 s fails a request with timeoutMs 2000 after about 2 s, and is killed",
    async () => {
      const p = plugin(`sleep 30\necho '${CREDENTIAL}'`);
      const srv = await countingServer();
      const rc = execClient(srv.url, p.command);
      try {
        const t0 = Date.now();
        const req = rc.request({ path: "/version", options: { timeoutMs: 2000 } });
        const err = (await req.catch((e: unknown) => e)) as NetworkError;
        const elapsed = Date.now() - t0;
        expect(err).toBeInstanceOf(NetworkError);
        expect(err.code).toBe("ETIMEDOUT");
        expect(err.message).toContain("timed out after 2000 ms");
        expect(elapsed).toBeGreaterThanOrEqual(1_900);
        expect(elapsed).toBeLessThan(20_000); // not the plugin's 30 s
        expect(srv.requests()).toBe(0);
        await expectGone(p.dir);
      } finally {
        rc.transport.close();
        await srv.close();
      }
    },
    60_000,
  );

  it(
    "aborting the request's signal while the plugin runs rejects with the signal's reason and kills the plugin",
    async () => {
      const p = plugin(`exec sleep 1000`);
      const srv = await countingServer();
      const rc = execClient(srv.url, p.command);
      try {
        const ac = new AbortController();
        const req = rc.request({ path: "/version", signal: ac.signal });
        req.catch(() => {});
        const pid = await started(p.dir);
        expect(alive(pid)).toBe(true);
        const reason = new Error("caller gave up");
        ac.abort(reason);
        await expect(req).rejects.toBe(reason);
        await until(() => !alive(pid), `plugin pid ${pid} is gone`, 10_000);
        expect(srv.requests()).toBe(0);
      } finally {
        rc.transport.close();
        await srv.close();
      }
    },
    60_000,
  );
});

describe("ExecCredentialProvider run limits", () => {
  it("caps a run at 60 s by default, escalating to SIGKILL 2 s after SIGTERM", () => {
    expect(DEFAULT_EXEC_PLUGIN_TIMEOUT_MS).toBe(60_000);
    expect(DEFAULT_EXEC_PLUGIN_KILL_GRACE_MS).toBe(2_000);
  });

  it(
    "a plugin that never exits hits the cap: a ConfigError saying it did not answer within N s, and it is killed",
    async () => {
      const p = plugin(`exec sleep 1000`);
      const exec = new ExecCredentialProvider(
        { command: p.command, apiVersion: V1BETA1 },
        { timeoutMs: 1500, where: 'kubeconfig /k, user "u"' },
      );
      const err = (await exec.get().catch((e: unknown) => e)) as ConfigError;
      expect(err).toBeInstanceOf(ConfigError);
      const prefix = `kubeconfig /k, user "u": exec plugin ${JSON.stringify(p.command)}`;
      expect(err.message).toContain(`${prefix}: did not answer within 1.5 s`);
      await expectGone(p.dir);
    },
    60_000,
  );

  it(
    "an already aborted signal runs nothing",
    async () => {
      const p = plugin(`echo '${CREDENTIAL}'`);
      const exec = new ExecCredentialProvider({ command: p.command, apiVersion: V1BETA1 });
      const reason = new Error("already gone");
      await expect(exec.get(AbortSignal.abort(reason))).rejects.toBe(reason);
      expect(exec.runs).toBe(0);
    },
    30_000,
  );

  it(
    "a plugin that ignores SIGTERM gets SIGKILL after the grace period",
    async () => {
      const p = plugin(`while :; do sleep 0.1; done`, `trap 'echo TERM >> "$(dirname "$0")/signals"' TERM`);
      const exec = new ExecCredentialProvider({ command: p.command, apiVersion: V1BETA1 }, { killGraceMs: 3_000 });
      const ac = new AbortController();
      const run = exec.get(ac.signal);
      run.catch(() => {});
      const pid = await started(p.dir);
      ac.abort(new Error("stop"));
      await expect(run).rejects.toThrow("stop");
      await until(() => !alive(pid), `plugin pid ${pid} is gone`, 30_000);
      // it saw the polite signal first
      expect(readFileSync(join(p.dir, "signals"), "utf8")).toContain("TERM");
    },
    60_000,
  );

  it(
    "a run shared by two callers survives one caller aborting, and is killed when every caller has left",
    async () => {
      const slow = plugin(`sleep 0.5\necho '${CREDENTIAL}'`);
      const exec = new ExecCredentialProvider({ command: slow.command, apiVersion: V1BETA1 });
      const a = new AbortController();
      const first = exec.get(a.signal);
      const second = exec.get();
      a.abort(new Error("a left"));
      await expect(first).rejects.toThrow("a left");
      await expect(second).resolves.toMatchObject({ token: "plugin-token" });
      expect(exec.runs).toBe(1);

      const stuck = plugin(`exec sleep 1000`);
      const exec2 = new ExecCredentialProvider({ command: stuck.command, apiVersion: V1BETA1 });
      const c1 = new AbortController();
      const c2 = new AbortController();
      const r1 = exec2.get(c1.signal);
      const r2 = exec2.get(c2.signal);
      r1.catch(() => {});
      r2.catch(() => {});
      const pid = await started(stuck.dir);
      c1.abort(new Error("c1 left"));
      await expect(r1).rejects.toThrow("c1 left");
      expect(alive(pid)).toBe(true); // c2 still waits for it
      c2.abort(new Error("c2 left"));
      await expect(r2).rejects.toThrow("c2 left");
      await until(() => !alive(pid), `plugin pid ${pid} is gone`, 10_000);
      expect(exec2.runs).toBe(1);
    },
    60_000,
  );
});

describe("ExecCredentialProvider failure messages", () => {
  it(
    "a plugin that exits 0 printing nothing: the error says it printed nothing on stdout",
    async () => {
      const p = plugin(`exit 0`);
      const err = await failureOf(p.command);
      expect(err).toBeInstanceOf(ConfigError);
      expect(err.message).toContain("printed nothing on stdout");
    },
    30_000,
  );

  it(
    "a failing plugin's stderr goes to our stderr, never into the error",
    async () => {
      const secret = "sk-live-0123456789abcdef";
      const p = plugin(`echo "login failed for token ${secret}" >&2\nexit 1`);
      const stderr = sink();
      const exec = new ExecCredentialProvider({ command: p.command, apiVersion: V1BETA1 }, { stderr: stderr.stream });
      const err = (await exec.get().catch((e: unknown) => e)) as ConfigError;
      expect(err).toBeInstanceOf(ConfigError);
      expect(err.message).toContain("exited with code 1");
      expect(err.message).toContain("stderr");
      for (const text of [err.message, err.stack ?? "", JSON.stringify(err), inspect(err, { depth: 8, showHidden: true })]) {
        expect(text).not.toContain(secret);
      }
      await until(() => stderr.text().includes(secret), "the plugin's stderr was passed through", 10_000);
    },
    30_000,
  );

  it(
    "a plugin killed by a signal of its own says so",
    async () => {
      const p = plugin(`kill -9 $$`);
      const err = await failureOf(p.command);
      expect(err).toBeInstanceOf(ConfigError);
      expect(err.message).toContain("was killed by SIGKILL");
    },
    30_000,
  );
});
