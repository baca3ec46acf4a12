// Child-process bookkeeping for the test control plane: spawning each binary
// in its own process group with its output in a log file, stopping it with
// SIGTERM then SIGKILL, and a detached watchdog that kills everything and
// removes the temporary folder if the test runner dies without cleaning up.
// The test kubelet's pod processes run in process groups of their own; it keeps
// their ids in `<dir>/kubelet-pids` (exactly the live ones), which the watchdog
// and killRecordedGroups also kill.

import { spawn, type ChildProcess } from "node:child_process";
import { appendFileSync, openSync, closeSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** A running binary of the control plane. */
export interface ManagedProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly logFile: string;
  /** Resolves with the exit code (or signal name) once the process has ended. */
  readonly exited: Promise<number | string>;
  hasExited(): boolean;
}

/** Starts `binary args` in its own process group, logging to `<dir>/<name>.log`. */
export function startProcess(dir: string, name: string, binary: string, args: string[]): ManagedProcess {
  const logFile = join(dir, `${name}.log`);
  const fd = openSync(logFile, "a");
  const child = spawn(binary, args, { detached: true, stdio: ["ignore", fd, fd] });
  closeSync(fd);
  let done = false;
  const exited = new Promise<number | string>((resolve) => {
    child.once("exit", (code, signal) => {
      done = true;
      resolve(code ?? signal ?? "unknown");
    });
    child.once("error", (err) => {
      done = true;
      appendFileSync(logFile, `\nspawn failed: ${err.message}\n`);
      resolve("spawn-error");
    });
  });
  if (child.pid !== undefined) appendFileSync(join(dir, "pids"), `${child.pid}\n`);
  return { name, child, logFile, exited, hasExited: () => done };
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/** Sends SIGTERM to the process group, then SIGKILL after `graceMs`. */
export async function stopProcess(p: ManagedProcess, graceMs = 10_000): Promise<void> {
  if (p.hasExited()) {
    killGroup(p.child.pid, "SIGKILL"); // any grandchildren
    return;
  }
  killGroup(p.child.pid, "SIGTERM");
  const timer = setTimeout(() => killGroup(p.child.pid, "SIGKILL"), graceMs);
  await p.exited;
  clearTimeout(timer);
  killGroup(p.child.pid, "SIGKILL");
}

/** Kills at once, synchronously: for process exit hooks. */
export function killNow(p: ManagedProcess): void {
  killGroup(p.child.pid, "SIGKILL");
}

/** The file in which the test kubelet lists the process groups of the pods it runs. */
export const KUBELET_PIDS_FILE = "kubelet-pids";

/** SIGKILLs the process groups the test kubelet listed in `dir` (its pods' processes), if any. */
export function killRecordedGroups(dir: string): void {
  let text = "";
  try {
    text = readFileSync(join(dir, KUBELET_PIDS_FILE), "utf8");
  } catch {
    return; // no kubelet, or nothing running
  }
  for (const line of text.split("\n")) {
    const pid = Number(line);
    if (Number.isInteger(pid) && pid > 1) killGroup(pid, "SIGKILL");
  }
}

/** The last `lines` lines of a process's log, for error messages. */
export function logTail(p: ManagedProcess, lines = 25): string {
  try {
    return readFileSync(p.logFile, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

// The watchdog is a tiny detached Node process. It polls the parent PID; when
// the parent is gone it kills every process group listed in `<dir>/pids` (and
// `<dir>/kubelet-pids`) and removes `dir`. It exits by itself once `dir` has been removed by a normal stop.
const WATCHDOG = `
const fs = require("node:fs");
const [parent, dir] = process.argv.slice(1);
const alive = (pid) => { try { process.kill(pid, 0); return true; } catch { return false; } };
setInterval(() => {
  if (!fs.existsSync(dir)) process.exit(0);
  if (alive(Number(parent))) return;
  let pids = [];
  for (const f of ["/pids", "/kubelet-pids"]) {
    try { pids.push(...fs.readFileSync(dir + f, "utf8").split("\\n").filter(Boolean).map(Number)); } catch {}
  }
  for (const pid of pids) { try { process.kill(-pid, "SIGKILL"); } catch {} }
  setTimeout(() => { try { fs.rmSync(dir, { recursive: true, force: true }); } catch {} process.exit(0); }, 500);
}, 500);
`;

/** Starts the watchdog for `dir`; it outlives this process only to clean up after it. */
export function startWatchdog(dir: string): void {
  const child = spawn(process.execPath, ["-e", WATCHDOG, String(process.pid), dir], {
    detached: true,
    stdio: "ignore",
  });
  child.unref();
}
