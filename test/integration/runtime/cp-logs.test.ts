// Pod logs (streamPodLogs) and cp (copyToPod / copyFromPod, tar over exec) with kubegen's own
// client through a real kube-apiserver v1.36 and the test kubelet (startControlPlane({ kubelet:
// true }); one control plane for this file).
//
// How `tar` is controlled: the test kubelet resolves a command's argv[0] with its own PATH (Go's
// exec.Command looks it up in the kubelet process, not in the container's `env`), so a pod's
// env PATH cannot hide tar. This file starts the control plane with PATH set to a folder of
// links to every host tool except `tar`, plus a `tar` link the tests switch: the host's tar
// (normal copies), nothing (a missing tar), or a script that prints a crafted archive (hostile
// archives).
//
// Covered: logs plain, tailLines, limitBytes, timestamps, previous, follow that streams lines as
// the container prints them and ends when it exits, abort mid-follow (its stream released), 404 and
// 400; cp round trip of a folder (a name with spaces, a symlink, a 0755 file, 32 MiB of random
// bytes; hashes compared, RSS growth measured), a single file, a missing tar (typed error both
// ways), a missing path in the container (CopyError with tar's stderr), and hostile archives
// (`../`, an absolute name, a symlink out, a write through a symlink, a link that escapes only
// through another link): refused, with nothing written outside dest.
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import v8 from "node:v8";
import vm from "node:vm";
import { join } from "node:path";
import tar from "tar-stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ApiError,
  copyFromPod,
  copyToPod,
  CopyError,
  execCapture,
  isNotFound,
  newRestConfig,
  RestClient,
  streamPodLogs,
  TarNotFoundError,
  UnsafeArchiveEntryError,
  type RestConfig,
} from "@kubegen/runtime";
import { startControlPlane, type ControlPlane } from "@kubegen/runtime/testing";
import { transportOf } from "../../../runtime/src/stream/exec.js";
import { eventually } from "../../helpers/eventually.js";
import { createTestPod, tcpHandles } from "../../helpers/test-pods.js";
import { findAssetsWithKubelet } from "../../helpers/streaming-checker.js";

const assets = findAssetsWithKubelet();
const ci = process.env.CI === "true";
if (!assets.found && !ci) console.warn(`skipping the cp/logs integration test: ${assets.reason}`);

const T = 120_000; // per test: generous, for a 2-core machine that is busy elsewhere too



async function readAll(stream: AsyncIterable<unknown>): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c as Buffer);
  return Buffer.concat(parts).toString("utf8");
}

function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash("sha256");
    createReadStream(path)
      .on("data", (c) => h.update(c))
      .on("end", () => resolve(h.digest("hex")))
      .on("error", reject);
  });
}

/** A tar archive built in memory (small, test-only). */
async function archive(entries: { name: string; type?: "file" | "directory" | "symlink"; linkname?: string; body?: string }[]): Promise<Buffer> {
  const pack = tar.pack();
  for (const e of entries) {
    const header = { name: e.name, type: e.type ?? "file", mode: e.type === "directory" ? 0o755 : 0o644, ...(e.linkname ? { linkname: e.linkname } : {}) };
    const done = (res: () => void, rej: (e: Error) => void) => (err?: Error | null) => (err ? rej(err) : res());
    await new Promise<void>((res, rej) => {
      if (header.type === "file") pack.entry(header, e.body ?? "", done(res, rej));
      else pack.entry(header, done(res, rej));
    });
  }
  pack.finalize();
  const parts: Buffer[] = [];
  for await (const c of pack) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

describe.skipIf(!assets.found && !ci)("pod logs and cp through kube-apiserver and the test kubelet", () => {
  let cp: ControlPlane;
  let rc: RestClient;
  let podDir = "";
  const ns = `cplogs-${randomBytes(4).toString("hex")}`;
  const pod = "main";
  const work = mkdtempSync(join(tmpdir(), "kubegen-cp-logs-"));
  const tools = join(work, "tools");
  const tarLink = join(tools, "tar");
  const craftedTar = join(work, "crafted.tar");
  const fileStart = Date.now();
  const fresh = (): RestConfig => newRestConfig(cp.server, { caData: cp.caPem, bearerToken: cp.adminToken, warningHandler: null });
  const useTar = (kind: "host" | "none" | "crafted"): void => {
    rmSync(tarLink, { force: true });
    if (kind === "host") symlinkSync("/usr/bin/tar", tarLink);
    if (kind === "crafted") {
      writeFileSync(tarLink, `#!/bin/sh\nexec /usr/bin/cat '${craftedTar}'\n`);
      chmodSync(tarLink, 0o755);
    }
  };

  const createPod = (name: string, container: Record<string, unknown>, spec: Record<string, unknown> = {}, wait: "Running" | "none" = "Running"): Promise<void> =>
    createTestPod({ rc, namespace: ns, nodeName: cp.kubelet!.nodeName }, name, container, spec, wait);

  const sh = async (name: string, script: string): Promise<string> => {
    const r = await execCapture(rc, { namespace: ns, name, command: ["sh", "-c", script] });
    if (r.exitCode !== 0) throw new Error(`sh -c ${script}: exit ${r.exitCode}: ${r.stderr}`);
    return r.stdout;
  };

  beforeAll(async () => {
    if (!assets.found) {
      throw new Error(`the cp/logs integration test needs (CI=true, so this is a failure): ${assets.reason}`);
    }
    // every host tool but tar, for the kubelet's PATH (see the note at the top)
    mkdirSync(tools);
    for (const name of readdirSync("/usr/bin")) if (name !== "tar") symlinkSync(join("/usr/bin", name), join(tools, name));
    useTar("host");
    const savedPath = process.env.PATH;
    process.env.PATH = tools;
    try {
      cp = await startControlPlane({ assets: assets.assets, kubelet: true, readyTimeoutMs: 90_000, log: () => {} });
    } finally {
      process.env.PATH = savedPath;
    }
    rc = new RestClient(fresh());
    await rc.request({ version: "v1", resource: "namespaces", verb: "create", body: { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } } });
    await createPod(pod, { command: ["sh", "-c", "echo started; while true; do echo tick; sleep 0.2; done"] });
    podDir = (await sh(pod, "pwd")).trim();
    console.log(`cp/logs test: control plane with kubelet and a running pod in ${Date.now() - fileStart} ms (pod folder ${podDir})`);
  }, 180_000);

  afterAll(async () => {
    rc?.close();
    await cp?.stop();
    rmSync(work, { recursive: true, force: true });
    console.log(`cp/logs test: whole file ${Date.now() - fileStart} ms`);
  }, 60_000);

  // ---- logs ----

  it("follow streams lines as the container prints them and ends when it exits; then plain, tailLines, limitBytes, timestamps", { timeout: T }, async () => {
    // the loop waits for a file in its folder, so the stream is open before the first line
    await createPod("printer", { command: ["sh", "-c", "while [ ! -e go ]; do sleep 0.1; done; for i in 1 2 3; do echo line$i; sleep 0.3; done"] }, { restartPolicy: "Never" });
    const logs = await streamPodLogs(rc, { namespace: ns, name: "printer", follow: true });
    const arrivals: { at: number; text: string }[] = [];
    const ended = new Promise<number>((resolve, reject) => {
      logs.on("data", (c: Buffer) => arrivals.push({ at: Date.now(), text: c.toString() }));
      logs.on("end", () => resolve(Date.now()));
      logs.on("error", reject);
    });
    await sh("printer", "touch go");
    const endAt = await ended;
    const text = arrivals.map((a) => a.text).join("");
    expect(text).toBe("line1\nline2\nline3\n");
    const at = (line: string): number => arrivals.find((a) => a.text.includes(line))!.at;
    // line1 arrived while the container was still printing: ≥ 0.6 s before line3 (two sleeps of 0.3 s)
    expect(at("line3") - at("line1")).toBeGreaterThanOrEqual(450);
    expect(endAt).toBeGreaterThanOrEqual(at("line3"));
    console.log(`cp/logs test: follow got ${arrivals.length} chunks; line1→line3 ${at("line3") - at("line1")} ms; end ${endAt - at("line3")} ms after line3`);
    await eventually("printer terminated", 30_000, async () => {
      const p = await rc.request<any>({ version: "v1", resource: "pods", namespace: ns, name: "printer", verb: "get" });
      return p.status?.containerStatuses?.[0]?.state?.terminated ? p : undefined;
    });

    const target = { namespace: ns, name: "printer" };
    expect(await readAll(await streamPodLogs(rc, target))).toBe("line1\nline2\nline3\n");
    expect(await readAll(await streamPodLogs(rc, { ...target, tailLines: 1 }))).toBe("line3\n");
    expect(await readAll(await streamPodLogs(rc, { ...target, tailLines: 0 }))).toBe("");
    expect(await readAll(await streamPodLogs(rc, { ...target, limitBytes: 8 }))).toBe("line1\nli");
    const stamped = await readAll(await streamPodLogs(rc, { ...target, timestamps: true, container: "c" }));
    expect(stamped).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z line1\n\S+ line2\n\S+ line3\n$/);
    // sinceTime in the future: nothing
    expect(await readAll(await streamPodLogs(rc, { ...target, sinceTime: new Date(Date.now() + 3_600_000) }))).toBe("");
    // follow on a finished container ends at once with the whole log
    expect(await readAll(await streamPodLogs(rc, { ...target, follow: true }))).toBe("line1\nline2\nline3\n");
  });

  it("previous: the terminated attempt's log after a restart", { timeout: T }, async () => {
    // attempt 1 prints and exits 1; attempt 2 (restartPolicy Always) prints and stays
    await createPod("restarter", {
      command: ["sh", "-c", 'n=$(cat count 2>/dev/null || echo 0); n=$((n+1)); echo $n > count; echo attempt$n; [ $n -ge 2 ] && exec sleep 600; exit 1'],
    }, {}, "none");
    await eventually("restarter restarted and running", 60_000, async () => {
      const p = await rc.request<any>({ version: "v1", resource: "pods", namespace: ns, name: "restarter", verb: "get" });
      const s = p.status?.containerStatuses?.[0];
      return s?.restartCount >= 1 && s?.state?.running ? p : undefined;
    });
    const target = { namespace: ns, name: "restarter" };
    expect(await readAll(await streamPodLogs(rc, { ...target, previous: true }))).toBe("attempt1\n");
    expect(await readAll(await streamPodLogs(rc, target))).toBe("attempt2\n");
    // previous on a container that never restarted: the server's 400
    const err = await streamPodLogs(rc, { namespace: ns, name: pod, previous: true }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe(400);
  });

  it("abort mid-follow: the stream ends quietly and its stream is released; 404 and 400 are ApiErrors", { timeout: T }, async () => {
    const config = fresh(); // its own transport, so the socket count is ours
    const before = tcpHandles();
    const ac = new AbortController();
    const logs = await streamPodLogs(config, { namespace: ns, name: pod, follow: true, tailLines: 1, signal: ac.signal });
    let seen = "";
    await new Promise<void>((resolve) => {
      const onData = (c: Buffer): void => {
        seen += c.toString();
        if ((seen.match(/tick/g) ?? []).length >= 3) {
          logs.off("data", onData);
          resolve();
        }
      };
      logs.on("data", onData);
    });
    // this transport holds the stream's connection (a count of the process's sockets could hide
    // it: another test's idle socket may close meanwhile)
    const open = transportOf(config).connections;
    expect(open.http1 + open.http2Streams).toBe(1);
    const ended = new Promise<string>((resolve) => {
      logs.once("end", () => resolve("end"));
      logs.once("error", (e) => resolve(`error ${String(e)}`));
    });
    logs.resume();
    ac.abort();
    expect(await ended).toBe("end");
    // its stream is released; over HTTP/2 the connection itself stays pooled (idle) for the next request
    await eventually("the stream released", 15_000, async () => {
      const c = transportOf(config).connections;
      return c.http2Streams === 0 && c.http1 === 0 && tcpHandles() <= before + c.http2 ? true : undefined;
    });
    // aborted before the request: the abort reason, nothing dialled
    const early = await streamPodLogs(config, { namespace: ns, name: pod, signal: AbortSignal.abort() }).then(() => undefined, (e: unknown) => e);
    expect((early as Error).name).toBe("AbortError");

    const missing = await streamPodLogs(rc, { namespace: ns, name: "no-such-pod" }).then(() => undefined, (e: unknown) => e);
    expect(isNotFound(missing)).toBe(true);
    const badContainer = await streamPodLogs(rc, { namespace: ns, name: pod, container: "nope" }).then(() => undefined, (e: unknown) => e);
    expect(badContainer).toBeInstanceOf(ApiError);
    expect((badContainer as ApiError).code).toBe(400);
    expect((badContainer as ApiError).message).toMatch(/nope/);
  });

  // ---- cp ----

  it("cp round trip of a folder: spaces, a symlink, a 0755 file and 32 MiB, streamed (hashes, modes, RSS)", { timeout: 240_000 }, async () => {
    const src = join(work, "src tree");
    mkdirSync(join(src, "sub dir"), { recursive: true });
    writeFileSync(join(src, "a file with spaces.txt"), "hello, spaces\n");
    writeFileSync(join(src, "sub dir", "run.sh"), "#!/bin/sh\necho ran\n");
    chmodSync(join(src, "sub dir", "run.sh"), 0o755);
    writeFileSync(join(src, "private"), "secret-ish\n");
    chmodSync(join(src, "private"), 0o600);
    symlinkSync("a file with spaces.txt", join(src, "link to file"));
    writeFileSync(join(src, "empty"), "");
    const big = join(src, "big.bin");
    writeFileSync(big, randomBytes(32 * 1024 * 1024));
    const bigHash = await sha256File(big);

    // Live memory: a full GC before each sample (gc exposed at run time), so garbage the
    // collector has not reached yet does not count; RSS is sampled too, as it is.
    v8.setFlagsFromString("--expose-gc");
    const gc = vm.runInNewContext("gc") as () => void;
    gc();
    const base = process.memoryUsage();
    let peakRss = base.rss;
    let peakBuffers = base.arrayBuffers;
    let samples = 0;
    const sampler = setInterval(() => {
      gc();
      samples++;
      const m = process.memoryUsage();
      peakRss = Math.max(peakRss, m.rss);
      peakBuffers = Math.max(peakBuffers, m.arrayBuffers);
    }, 100);
    const inPod = `${podDir}/copied in`;
    const out = join(work, "out tree");
    let toMs = 0;
    let fromMs = 0;
    try {
      let t0 = Date.now();
      const sent = await copyToPod(rc, { namespace: ns, name: pod, src, dest: inPod });
      toMs = Date.now() - t0;
      const fileBytes = ["a file with spaces.txt", "sub dir/run.sh", "private", "empty", "big.bin"].reduce((n, f) => n + statSync(join(src, f)).size, 0);
      expect(sent.bytes).toBe(fileBytes);
      expect(sent.entries).toBe(8); // the folder, sub dir, five files, the link
      t0 = Date.now();
      const got = await copyFromPod(rc, { namespace: ns, name: pod, src: inPod, dest: out });
      fromMs = Date.now() - t0;
      expect(got.bytes).toBe(sent.bytes);
      expect(got.entries).toBe(sent.entries);
    } finally {
      clearInterval(sampler);
    }
    const mb = (n: number): string => (n / 1024 / 1024).toFixed(1);
    console.log(
      `cp/logs test: 32 MiB folder to the pod in ${toMs} ms, back in ${fromMs} ms; peak RSS growth ${mb(peakRss - base.rss)} MiB, ` +
        `peak live ArrayBuffer growth ${mb(peakBuffers - base.arrayBuffers)} MiB (RSS before ${mb(base.rss)} MiB, ${samples} samples)`,
    );
    expect(samples).toBeGreaterThan(3);
    // Streamed means never the 32 MiB file at once. In flight at a time: the socket's and tar's
    // buffers and a few WebSocket messages (9.4 MiB was seen on a loaded machine), so half the file.
    expect(peakBuffers - base.arrayBuffers).toBeLessThan(16 * 1024 * 1024);

    // in the pod (checked with the container's own tools)
    const podView = await sh(pod, `cd '${inPod}' && sha256sum big.bin && stat -c '%a %n' 'sub dir/run.sh' private && readlink 'link to file' && cat 'a file with spaces.txt'`);
    expect(podView).toBe(`${bigHash}  big.bin\n755 sub dir/run.sh\n600 private\na file with spaces.txt\nhello, spaces\n`);
    // and back here
    expect(await sha256File(join(out, "big.bin"))).toBe(bigHash);
    expect(statSync(join(out, "sub dir", "run.sh")).mode & 0o777).toBe(0o755);
    expect(statSync(join(out, "private")).mode & 0o777).toBe(0o600);
    expect(lstatSync(join(out, "link to file")).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(out, "link to file"))).toBe("a file with spaces.txt");
    expect(readFileSync(join(out, "link to file"), "utf8")).toBe("hello, spaces\n");
    expect(readFileSync(join(out, "empty"), "utf8")).toBe("");
    expect(readdirSync(out).sort()).toEqual(["a file with spaces.txt", "big.bin", "empty", "link to file", "private", "sub dir"]);

    // a single file, to a new name, both ways; a name that starts with "-" is not an option
    const one = join(work, "-dash file.txt");
    writeFileSync(one, "one file\n");
    await copyToPod(rc, { namespace: ns, name: pod, src: one, dest: `${podDir}/-renamed.txt` });
    expect(await sh(pod, "cat ./-renamed.txt")).toBe("one file\n");
    await copyFromPod(rc, { namespace: ns, name: pod, src: `${podDir}/-renamed.txt`, dest: join(work, "back.txt") });
    expect(readFileSync(join(work, "back.txt"), "utf8")).toBe("one file\n");
  });

  it("a missing path in the container: CopyError with tar's stderr", { timeout: T }, async () => {
    const err = await copyFromPod(rc, { namespace: ns, name: pod, src: `${podDir}/does not exist`, dest: join(work, "never") }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(CopyError);
    expect((err as CopyError).stderr).toMatch(/does not exist/);
    expect((err as CopyError).message).toMatch(/exited with code 2/);
    const err2 = await copyToPod(rc, { namespace: ns, name: pod, src: join(work, "src tree", "private"), dest: `${podDir}/no/such/dir/x` }).then(() => undefined, (e: unknown) => e);
    expect(err2).toBeInstanceOf(CopyError);
    expect((err2 as CopyError).stderr).toMatch(/no\/such\/dir/);
    // a missing local source fails before any exec
    await expect(copyToPod(rc, { namespace: ns, name: pod, src: join(work, "nothing here"), dest: `${podDir}/x` })).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("a container without tar: TarNotFoundError both ways", { timeout: T }, async () => {
    useTar("none");
    try {
      const e1 = await copyFromPod(rc, { namespace: ns, name: pod, container: "c", src: podDir, dest: join(work, "no-tar") }).then(() => undefined, (e: unknown) => e);
      expect(e1).toBeInstanceOf(TarNotFoundError);
      expect((e1 as Error).message).toBe(`tar is not available in container c of pod ${ns}/${pod}`);
      expect(((e1 as Error).cause as ApiError).message).toMatch(/executable file not found/);
      expect(existsSync(join(work, "no-tar"))).toBe(false);
      const file = join(work, "small");
      writeFileSync(file, "x");
      const e2 = await copyToPod(rc, { namespace: ns, name: pod, src: file, dest: `${podDir}/small` }).then(() => undefined, (e: unknown) => e);
      expect(e2).toBeInstanceOf(TarNotFoundError);
    } finally {
      useTar("host");
    }
  });

  it("hostile archives from the container are refused and nothing lands outside dest", { timeout: T }, async () => {
    const outsideName = `kubegen-outside-${randomBytes(4).toString("hex")}`;
    const absTarget = join(tmpdir(), `kubegen-abs-${randomBytes(4).toString("hex")}`);
    const cases: { what: string; entries: Parameters<typeof archive>[0]; reason: RegExp }[] = [
      { what: "../ in a name", entries: [{ name: "./x/ok.txt", body: "ok" }, { name: `./x/../../${outsideName}`, body: "pwned" }], reason: /'\.\.'/ },
      { what: "an absolute name", entries: [{ name: absTarget, body: "pwned" }], reason: /absolute/ },
      { what: "a symlink pointing out", entries: [{ name: "./x", type: "directory" }, { name: "./x/out", type: "symlink", linkname: `../../${outsideName}` }], reason: /leads out/ },
      { what: "an absolute symlink", entries: [{ name: "./x", type: "directory" }, { name: "./x/etc", type: "symlink", linkname: "/etc" }], reason: /absolute path/ },
      {
        what: "a write through a symlink",
        entries: [{ name: "./x", type: "directory" }, { name: "./x/here", type: "symlink", linkname: "." }, { name: "./x/here/f", body: "via link" }],
        reason: /through the symlink "here"/,
      },
      {
        what: "a link that escapes only through another link",
        entries: [
          { name: "./x", type: "directory" },
          { name: "./x/d", type: "directory" },
          { name: "./x/d/up", type: "symlink", linkname: ".." },
          { name: "./x/L", type: "symlink", linkname: "d/up/.." },
        ],
        reason: /through other links/,
      },
    ];
    useTar("crafted");
    try {
      for (const [i, c] of cases.entries()) {
        writeFileSync(craftedTar, await archive(c.entries));
        const box = join(work, `box-${i}`);
        mkdirSync(box);
        const dest = join(box, "dest");
        const err = await copyFromPod(rc, { namespace: ns, name: pod, src: "/anything", dest }).then(() => undefined, (e: unknown) => e);
        expect(err, c.what).toBeInstanceOf(UnsafeArchiveEntryError);
        expect((err as UnsafeArchiveEntryError).reason, c.what).toMatch(c.reason);
        expect(readdirSync(box), c.what).toEqual(existsSync(dest) ? ["dest"] : []);
        expect(existsSync(join(work, outsideName)) || existsSync(join(box, outsideName)) || existsSync(absTarget), c.what).toBe(false);
        if (c.what.startsWith("a write")) expect(existsSync(join(dest, "f")), c.what).toBe(false);
        if (c.what.startsWith("a link that")) {
          expect(() => lstatSync(join(dest, "L")), "the escaping link was removed").toThrow();
          expect(lstatSync(join(dest, "d", "up")).isSymbolicLink()).toBe(true); // lexically and really inside
        }
      }
      // the well-formed part of the first archive was written, inside dest
      expect(readFileSync(join(work, "box-0", "dest", "ok.txt"), "utf8")).toBe("ok");
    } finally {
      useTar("host");
    }
  });
});
