// cp and logs without a cluster: the archive path checks (tables of given/want), the pod log
// query (built without I/O), and copyFromPod's extraction fed crafted archives (tar-stream) in a
// temporary folder. The integration side is test/integration/runtime/cp-logs.test.ts.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import tar from "tar-stream";
import { afterAll, describe, expect, it } from "vitest";
import { checkArchivePath, checkLinkTarget, podLogQuery, podLogRequest, RequestBuildError, UnsafeArchiveEntryError } from "@kubegen/runtime";
import { extractUntrustedTar, stripFirstSegment } from "../../../runtime/src/stream/cp.js";

describe("checkArchivePath", () => {
  const cases: [given: string, want: string | { refused: RegExp }][] = [
    ["base", "base"],
    ["./base", "base"],
    ["base/", "base"],
    ["./base/a b/c.txt", "base/a b/c.txt"],
    ["base//x/./y", "base/x/y"],
    [".", ""],
    ["./", ""],
    ["-rf", "-rf"],
    ["base/..hidden", "base/..hidden"],
    ["base/...", "base/..."],
    ["base\\..\\x", "base\\..\\x"], // a backslash is an ordinary name character on POSIX
    ["", { refused: /empty/ }],
    ["/etc/passwd", { refused: /absolute/ }],
    ["//x", { refused: /absolute/ }],
    ["../escape", { refused: /'\.\.'/ }],
    ["base/../../escape", { refused: /'\.\.'/ }],
    ["base/sub/..", { refused: /'\.\.'/ }],
    ["base/a/../b", { refused: /'\.\.'/ }], // stays inside lexically, still refused (links)
    ["..", { refused: /'\.\.'/ }],
    ["base/x\0y", { refused: /NUL/ }],
  ];
  it.each(cases)("%j -> %j", (given, want) => {
    const got = checkArchivePath(given);
    if (typeof want === "string") expect(got).toEqual({ ok: true, path: want });
    else {
      expect(got.ok).toBe(false);
      expect(!got.ok && got.reason).toMatch(want.refused);
    }
  });
});

describe("checkLinkTarget (entry path is relative to dest)", () => {
  const cases: [entry: string, target: string, want: string | { refused: RegExp }][] = [
    ["link", "file", "file"],
    ["link", "./file", "file"],
    ["sub/link", "../file", "file"],
    ["a/b/link", "../../c/d", "c/d"],
    ["a/link", "b/../c", "a/c"],
    ["link", "..", { refused: /leads out/ }],
    ["link", "../outside", { refused: /leads out/ }],
    ["sub/link", "../../outside", { refused: /leads out/ }],
    ["a/link", "b/../../../x", { refused: /leads out/ }],
    ["link", "/etc/passwd", { refused: /absolute/ }],
    ["link", "", { refused: /empty/ }],
    ["link", "a\0b", { refused: /NUL/ }],
    ["", "anything", { refused: /destination itself/ }],
  ];
  it.each(cases)("%j -> %j gives %j", (entry, target, want) => {
    const got = checkLinkTarget(entry, target);
    if (typeof want === "string") expect(got).toEqual({ ok: true, path: want });
    else {
      expect(got.ok).toBe(false);
      expect(!got.ok && got.reason).toMatch(want.refused);
    }
  });
});

describe("stripFirstSegment", () => {
  it.each([
    ["base", ""],
    ["base/a", "a"],
    ["base/a/b c", "a/b c"],
  ])("%j -> %j", (given, want) => expect(stripFirstSegment(given)).toBe(want));
});

describe("pod log request", () => {
  it("puts every option in the query with the PodLogOptions names", () => {
    expect(
      podLogQuery({
        container: "c 1",
        follow: true,
        previous: true,
        timestamps: true,
        tailLines: 0,
        limitBytes: 10,
        sinceTime: new Date("2026-01-02T03:04:05.678Z"),
      }),
    ).toEqual({
      container: "c 1",
      follow: "true",
      previous: "true",
      timestamps: "true",
      tailLines: "0",
      limitBytes: "10",
      sinceTime: "2026-01-02T03:04:05Z",
    });
    expect(podLogQuery({ follow: false, sinceSeconds: 30 })).toEqual({ sinceSeconds: "30" });
  });
  it.each([
    [{ tailLines: -1 }, /tailLines/],
    [{ limitBytes: 0 }, /limitBytes/],
    [{ sinceSeconds: 1.5 }, /sinceSeconds/],
    [{ sinceSeconds: 5, sinceTime: "2026-01-01T00:00:00Z" }, /mutually exclusive/],
    [{ sinceTime: "yesterday" }, /not a valid time/],
    [{ container: "" }, /container/],
  ])("refuses %j before any I/O", (opts, msg) => {
    expect(() => podLogQuery(opts)).toThrow(RequestBuildError);
    expect(() => podLogQuery(opts)).toThrow(msg);
  });
  it("addresses pods/{name}/log in the namespace; names go through the path-segment checks", () => {
    const spec = podLogRequest({ namespace: "ns", name: "web", follow: true });
    expect(spec).toMatchObject({ verb: "get", version: "v1", resource: "pods", namespace: "ns", name: "web", subresource: "log", query: { follow: "true" } });
  });
});

describe("extractUntrustedTar (copyFromPod's extraction, no cluster)", () => {
  const work = mkdtempSync(join(tmpdir(), "kubegen-extract-"));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  const where = { namespace: "ns", name: "pod" };
  type E = { name: string; type?: "file" | "directory" | "symlink" | "link" | "fifo"; linkname?: string; body?: string; mode?: number };

  async function archive(entries: E[]): Promise<Readable> {
    const pack = tar.pack();
    for (const e of entries) {
      const type = e.type ?? "file";
      const header = { name: e.name, type, mode: e.mode ?? (type === "directory" ? 0o755 : 0o644), ...(e.linkname ? { linkname: e.linkname } : {}) };
      await new Promise<void>((res, rej) => {
        const cb = (err?: Error | null): void => (err ? rej(err) : res());
        if (type === "file") pack.entry(header, e.body ?? "", cb);
        else pack.entry(header, cb);
      });
    }
    pack.finalize();
    return Readable.from(pack as AsyncIterable<Buffer>, { objectMode: false });
  }

  let n = 0;
  const box = (): { box: string; dest: string } => {
    const b = join(work, `box-${n++}`);
    mkdirSync(b);
    return { box: b, dest: join(b, "dest") };
  };

  it("writes files, folders, modes, symlinks and hard links inside dest; skips a FIFO with a warning", async () => {
    const { dest } = box();
    const warnings: string[] = [];
    const r = await extractUntrustedTar(
      await archive([
        { name: "./src", type: "directory", mode: 0o750 },
        { name: "./src/a b.txt", body: "spaces" },
        { name: "./src/run.sh", body: "#!/bin/sh\n", mode: 0o4755 },
        { name: "./src/sub", type: "directory" },
        { name: "./src/sub/link", type: "symlink", linkname: "../a b.txt" },
        { name: "./src/hard", type: "link", linkname: "./src/a b.txt" },
        { name: "./src/pipe", type: "fifo" },
      ]),
      dest,
      where,
      (m) => warnings.push(m),
    );
    expect(r).toEqual({ entries: 6, bytes: 16 });
    expect(readFileSync(join(dest, "a b.txt"), "utf8")).toBe("spaces");
    expect(statSync(join(dest, "run.sh")).mode & 0o7777).toBe(0o755); // set-id bits dropped
    expect(statSync(dest).mode & 0o777).toBe(0o750);
    expect(readlinkSync(join(dest, "sub", "link"))).toBe("../a b.txt");
    expect(statSync(join(dest, "hard")).ino).toBe(statSync(join(dest, "a b.txt")).ino);
    expect(warnings).toEqual(['skipping "./src/pipe": a fifo entry']);
  });

  const hostile: [what: string, entries: E[], reason: RegExp][] = [
    ["../ in a name", [{ name: "./src/../../outside", body: "x" }], /'\.\.'/],
    ["an absolute name", [{ name: "/tmp/kubegen-should-not-exist", body: "x" }], /absolute/],
    ["a symlink out", [{ name: "./src/l", type: "symlink", linkname: "../../outside" }], /leads out/],
    ["an absolute symlink", [{ name: "./src/l", type: "symlink", linkname: "/etc" }], /absolute path/],
    ["a write through a symlink", [{ name: "./src/l", type: "symlink", linkname: "." }, { name: "./src/l/f", body: "x" }], /through the symlink "l"/],
    ["a hard link out", [{ name: "./src/h", type: "link", linkname: "../../etc/passwd" }], /hard link: .*'\.\.'/],
    ["a hard link to a symlink", [{ name: "./src/l", type: "symlink", linkname: "x" }, { name: "./src/h", type: "link", linkname: "./src/l" }], /not a file/],
    [
      "a link that escapes only through another link",
      [{ name: "./src/d", type: "directory" }, { name: "./src/d/up", type: "symlink", linkname: ".." }, { name: "./src/L", type: "symlink", linkname: "d/up/.." }],
      /through other links/,
    ],
  ];
  it.each(hostile)("refuses %s, nothing written outside dest", async (_what, entries, reason) => {
    const { box: b, dest } = box();
    const err = await extractUntrustedTar(await archive(entries), dest, where).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(UnsafeArchiveEntryError);
    expect((err as UnsafeArchiveEntryError).reason).toMatch(reason);
    expect((err as UnsafeArchiveEntryError).message).toMatch(/^refusing archive entry ".*" from pod ns\/pod: /);
    expect(readdirSync(b).filter((f) => f !== "dest")).toEqual([]);
    expect(existsSync(join(work, "outside"))).toBe(false);
    expect(existsSync("/tmp/kubegen-should-not-exist")).toBe(false);
  });
});
