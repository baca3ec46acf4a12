// The output writer (generators/write/output.ts) on real temporary folders: it
// replaces and removes only generated files, keeps every other entry (type,
// mode, inode, content, link target) and --out's own mode, writes through an
// --out symlink, refuses whatever is in the way before writing anything, holds
// a lock against live runs, cleans a killed run's temporary files, writes
// nothing under --check, reports partial failures truthfully, and refuses
// dangerous --out targets unless --force.
import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { UsageError } from "../../../generators/load/errors.js";
import { checkOutTarget, GENERATED_HEADER, LOCK_FILE, writeOutput, type RenderedFile } from "../../../generators/write/output.js";

const work = mkdtempSync(join(tmpdir(), "kubegen-output-writer-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let counter = 0;
/** A fresh folder under the test's temporary root. */
function fresh(name = "case"): string {
  const dir = join(work, `${name}-${++counter}`);
  mkdirSync(dir);
  return dir;
}

const gen = (body: string): string => `${GENERATED_HEADER}\n${body}\n`;
const file = (path: string, body: string): RenderedFile => ({ path, content: gen(body) });

/** Every entry under `root` by lstat, never following links; `.` is root itself. */
interface Entry {
  readonly type: string;
  readonly mode: number;
  readonly ino?: number;
  readonly mtimeMs?: number;
  readonly content?: string;
  readonly target?: string;
}

function snapshot(root: string): Record<string, Entry> {
  const out: Record<string, Entry> = {};
  const visit = (rel: string): void => {
    const full = rel === "." ? root : join(root, rel);
    const st = lstatSync(full);
    const mode = st.mode & 0o7777;
    if (st.isDirectory()) {
      // A folder's mtime changes when entries come and go (the lock file does), so it is not compared.
      out[rel] = { type: "folder", mode, ino: st.ino };
      for (const name of readdirSync(full).sort()) visit(rel === "." ? name : `${rel}/${name}`);
    } else if (st.isSymbolicLink()) out[rel] = { type: "symlink", mode, ino: st.ino, target: readlinkSync(full) };
    else if (st.isFIFO()) out[rel] = { type: "fifo", mode, ino: st.ino, mtimeMs: st.mtimeMs };
    else if (st.isFile()) out[rel] = { type: "file", mode, ino: st.ino, mtimeMs: st.mtimeMs, content: readFileSync(full, "utf8") };
    else out[rel] = { type: "other", mode, ino: st.ino };
  };
  visit(".");
  return out;
}

function without(snap: Record<string, Entry>, paths: readonly string[]): Record<string, Entry> {
  return Object.fromEntries(Object.entries(snap).filter(([p]) => !paths.includes(p)));
}

/** Writes a file with the given mode exactly (umask does not apply to chmod). */
function put(path: string, content: string, mode = 0o644): void {
  writeFileSync(path, content);
  chmodSync(path, mode);
}

/** A pid that is certainly dead: a child that has exited and been reaped. */
function deadPid(): number {
  const r = spawnSync("true");
  if (r.pid === undefined || r.pid <= 0) throw new Error("could not start `true`");
  return r.pid;
}

const children: ChildProcess[] = [];
/** A pid that is certainly alive for the rest of the test: a sleeping child. */
function livePid(): number {
  const child = spawn("sleep", ["1000"], { stdio: "ignore" });
  children.push(child);
  if (child.pid === undefined) throw new Error("could not start `sleep`");
  return child.pid;
}
afterEach(() => {
  for (const c of children.splice(0)) c.kill("SIGKILL");
});

/** Files that the writer's own machinery may have left: its lock and temporary files. */
function writerLeftovers(root: string): string[] {
  return readdirSync(root, { recursive: true, encoding: "utf8" }).filter((p) => p.endsWith(LOCK_FILE) || /\.kubegen-\d+-[0-9a-f]{12}\.tmp$/.test(p));
}

async function usageError(p: Promise<unknown>): Promise<UsageError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UsageError);
  return err as UsageError;
}

describe("writeOutput keeps what it does not own", () => {
  it("regenerates with changes and stale files, leaving every other entry and --out's mode exactly as they were", async () => {
    const out = fresh("out");
    chmodSync(out, 0o751);
    const outside = fresh("outside");
    put(join(outside, "gen.ts"), gen("outside, reached only through a link"));

    put(join(out, "notes.md"), "hand-written\n");
    put(join(out, "secret.txt"), "private\n", 0o600);
    symlinkSync("notes.md", join(out, "link-to-file"));
    mkdirSync(join(out, "hand"));
    put(join(out, "hand", "own.ts"), "export const mine = 1;\n");
    symlinkSync("hand", join(out, "link-to-folder"));
    symlinkSync(outside, join(out, "link-to-outside"));
    mkdirSync(join(out, "empty"));
    execFileSync("mkfifo", [join(out, "fifo")]);
    mkdirSync(join(out, "apps", "v1"), { recursive: true });
    put(join(out, "apps", "v1", "types.ts"), gen("old types"), 0o640);
    put(join(out, "apps", "v1", "old.ts"), gen("stale"), 0o644);
    put(join(out, "apps", "v1", "extra.ts"), "// hand-written beside generated code\n");
    mkdirSync(join(out, "apps", "v1", "empty-inside"));
    symlinkSync("apps/v1/old.ts", join(out, "link-to-generated"));
    mkdirSync(join(out, "node_modules", "dep"), { recursive: true });
    put(join(out, "node_modules", "dep", "gen.ts"), gen("not ours to judge"));
    mkdirSync(join(out, ".git"));
    put(join(out, ".git", "gen.ts"), gen("not ours either"));

    const generatedPaths = ["apps/v1/types.ts", "apps/v1/old.ts", "apps/v1/index.ts", "core", "core/v1", "core/v1/types.ts"];
    const before = without(snapshot(out), generatedPaths);
    const outsideBefore = snapshot(outside);

    const result = await writeOutput(out, [file("apps/v1/types.ts", "new types"), file("apps/v1/index.ts", "index"), file("core/v1/types.ts", "core")], {
      shown: "out",
    });

    expect(result).toEqual({ changed: ["apps/v1/index.ts", "apps/v1/types.ts", "core/v1/types.ts"], stale: ["apps/v1/old.ts"], written: true });
    expect(without(snapshot(out), generatedPaths)).toEqual(before);
    expect(statSync(out).mode & 0o7777).toBe(0o751);
    expect(snapshot(outside)).toEqual(outsideBefore);

    const types = lstatSync(join(out, "apps/v1/types.ts"));
    expect(types.mode & 0o7777).toBe(0o640);
    expect(readFileSync(join(out, "apps/v1/types.ts"), "utf8")).toBe(gen("new types"));
    expect(lstatSync(join(out, "apps/v1/index.ts")).mode & 0o7777).toBe(0o644);
    expect(lstatSync(join(out, "core/v1/types.ts")).mode & 0o7777).toBe(0o644);
    expect(readFileSync(join(out, "core/v1/types.ts"), "utf8")).toBe(gen("core"));
    expect(existsSync(join(out, "apps/v1/old.ts"))).toBe(false);
    expect(readlinkSync(join(out, "link-to-generated"))).toBe("apps/v1/old.ts");
    expect(writerLeftovers(out)).toEqual([]);
  });

  it("does not touch a file whose content is already identical", async () => {
    const out = fresh("out");
    const files = [file("a.ts", "a"), file("b/c.ts", "c")];
    expect((await writeOutput(out, files)).written).toBe(true);
    const old = new Date("2001-02-03T04:05:06Z");
    utimesSync(join(out, "a.ts"), old, old);
    utimesSync(join(out, "b/c.ts"), old, old);
    const before = snapshot(out);

    const result = await writeOutput(out, files);

    expect(result).toEqual({ changed: [], stale: [], written: false });
    expect(snapshot(out)).toEqual(before);
    expect(lstatSync(join(out, "a.ts")).mtime.toISOString()).toBe(old.toISOString());
  });

  it("removes only the folders that its own removals emptied, never an already empty one nor --out", async () => {
    const out = fresh("out");
    mkdirSync(join(out, "old", "v1"), { recursive: true });
    put(join(out, "old", "v1", "a.ts"), gen("stale a"));
    mkdirSync(join(out, "mixed", "empty"), { recursive: true });
    put(join(out, "mixed", "x.ts"), gen("stale x"));
    mkdirSync(join(out, "keep-empty"));
    put(join(out, "top.ts"), gen("stale top"));

    const result = await writeOutput(out, []);

    expect(result).toEqual({ changed: [], stale: ["mixed/x.ts", "old/v1/a.ts", "top.ts"], written: true });
    expect(readdirSync(out, { recursive: true, encoding: "utf8" }).sort()).toEqual(["keep-empty", "mixed", "mixed/empty"]);
    expect(statSync(out).isDirectory()).toBe(true);
  });

  it("keeps --out, with its mode, when every file in it was stale", async () => {
    const out = fresh("out");
    chmodSync(out, 0o711);
    mkdirSync(join(out, "a", "b"), { recursive: true });
    put(join(out, "a", "b", "c.ts"), gen("stale"));

    expect(await writeOutput(out, [])).toEqual({ changed: [], stale: ["a/b/c.ts"], written: true });
    expect(readdirSync(out)).toEqual([]);
    expect(statSync(out).mode & 0o7777).toBe(0o711);
  });

  it("writes through an --out symlink to a folder, which stays a link", async () => {
    const target = fresh("target");
    chmodSync(target, 0o750);
    const link = join(work, `out-link-${++counter}`);
    symlinkSync(target, link);

    const result = await writeOutput(link, [file("apps/v1/index.ts", "index")]);

    expect(result.written).toBe(true);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe(target);
    expect(readFileSync(join(target, "apps/v1/index.ts"), "utf8")).toBe(gen("index"));
    expect(statSync(target).mode & 0o7777).toBe(0o750);
    expect(writerLeftovers(target)).toEqual([]);
  });

  it("creates a missing --out, and refuses an --out that is a dangling link or a file", async () => {
    const out = join(fresh("parent"), "a", "b");
    await writeOutput(out, [file("x.ts", "x")]);
    expect(readFileSync(join(out, "x.ts"), "utf8")).toBe(gen("x"));

    const dangling = join(fresh("parent"), "out");
    symlinkSync(join(work, "does-not-exist"), dangling);
    expect((await usageError(writeOutput(dangling, [file("x.ts", "x")]))).message).toMatch(/symlink/);
    expect(existsSync(join(work, "does-not-exist"))).toBe(false);

    const plain = join(fresh("parent"), "out");
    put(plain, "a file\n");
    expect((await usageError(writeOutput(plain, [file("x.ts", "x")], { shown: "out" }))).message).toMatch(/out is a file, not a folder/);
    expect(readFileSync(plain, "utf8")).toBe("a file\n");
  });
});

describe("writeOutput refuses entries in the way before writing anything", () => {
  const cases: { name: string; at: string; setUp: (out: string, outside: string) => void; want: RegExp }[] = [
    { name: "a hand-written file", at: "apps/v1/types.ts", setUp: (o) => put(join(o, "apps/v1/types.ts"), "// mine\n"), want: /apps\/v1\/types\.ts \(a hand-written file\)/ },
    {
      name: "a symlink to a generated file",
      at: "apps/v1/types.ts",
      setUp: (o, x) => {
        put(join(x, "types.ts"), gen("elsewhere"));
        symlinkSync(join(x, "types.ts"), join(o, "apps/v1/types.ts"));
      },
      want: /apps\/v1\/types\.ts \(a symlink\)/,
    },
    { name: "a folder", at: "apps/v1/types.ts", setUp: (o) => mkdirSync(join(o, "apps/v1/types.ts")), want: /apps\/v1\/types\.ts \(a folder\)/ },
    { name: "a FIFO", at: "apps/v1/types.ts", setUp: (o) => execFileSync("mkfifo", [join(o, "apps/v1/types.ts")]), want: /apps\/v1\/types\.ts \(a FIFO\)/ },
    {
      name: "a symlink to a folder where a folder is needed",
      at: "core/v1/types.ts",
      setUp: (o, x) => symlinkSync(x, join(o, "core")),
      want: /core \(a symlink, where a folder is needed\)/,
    },
    { name: "a file where a folder is needed", at: "core/v1/types.ts", setUp: (o) => put(join(o, "core"), "// mine\n"), want: /core \(a file, where a folder is needed\)/ },
  ];

  it.each(cases)("refuses $name and changes nothing", async ({ at, setUp, want }) => {
    const out = fresh("out");
    const outside = fresh("outside");
    mkdirSync(join(out, "apps/v1"), { recursive: true });
    put(join(out, "apps/v1/index.ts"), gen("old index"), 0o640);
    put(join(out, "apps/v1/stale.ts"), gen("stale"));
    setUp(out, outside);
    const before = snapshot(out);
    const outsideBefore = snapshot(outside);
    const files = [file("apps/v1/index.ts", "new index"), file(at, "wanted"), file("zz/new.ts", "new")];

    const err = await usageError(writeOutput(out, files, { shown: "out" }));

    expect(err.message).toMatch(want);
    expect(err.message).toMatch(/nothing was written/);
    expect(snapshot(out)).toEqual(before);
    expect(snapshot(outside)).toEqual(outsideBefore);
    // --check reports the same conflict, and reads only.
    expect((await usageError(writeOutput(out, files, { check: true }))).message).toMatch(want);
    expect(snapshot(out)).toEqual(before);
  });
});

describe("writeOutput's lock", () => {
  it("refuses a folder whose lock is held by a live process, and changes nothing", async () => {
    const out = fresh("out");
    put(join(out, "a.ts"), gen("old"));
    const pid = livePid();
    put(join(out, LOCK_FILE), `${pid}\n`);
    const before = snapshot(out);

    const err = await usageError(writeOutput(out, [file("a.ts", "new")], { shown: "gen" }));

    expect(err.message).toContain(`another kubegen run (pid ${pid}) is writing gen`);
    expect(err.message).toContain(join("gen", LOCK_FILE));
    expect(snapshot(out)).toEqual(before);
  });

  it.each([
    { name: "a dead pid", text: () => `${deadPid()}\n` },
    { name: "this pid, left by an earlier process (pids repeat in containers)", text: () => `${process.pid}\n` },
  ])("takes over a lock naming $name, and removes it at the end", async ({ text }) => {
    const out = fresh("out");
    put(join(out, LOCK_FILE), text());

    const result = await writeOutput(out, [file("a.ts", "new")]);

    expect(result.written).toBe(true);
    expect(readFileSync(join(out, "a.ts"), "utf8")).toBe(gen("new"));
    expect(writerLeftovers(out)).toEqual([]);
  });

  it.each([
    { name: "is empty (its run may be starting)", text: "" },
    { name: "holds no pid", text: "not a pid\n" },
  ])("refuses a lock that $name, and changes nothing", async ({ text }) => {
    const out = fresh("out");
    put(join(out, LOCK_FILE), text);
    const before = snapshot(out);
    expect((await usageError(writeOutput(out, [file("a.ts", "new")], { shown: "gen" }))).message).toMatch(
      /the lock file gen\/\.kubegen\.lock names no pid.*remove the lock file/,
    );
    expect(snapshot(out)).toEqual(before);
  });

  it("removes its lock when a run fails", async () => {
    const out = fresh("out");
    put(join(out, "a.ts"), "// mine\n");
    await usageError(writeOutput(out, [file("a.ts", "new")]));
    expect(readdirSync(out)).toEqual(["a.ts"]);
  });

  it("refuses a lock path that is not a regular file, without removing it", async () => {
    const out = fresh("out");
    mkdirSync(join(out, LOCK_FILE));
    expect((await usageError(writeOutput(out, [file("a.ts", "new")]))).message).toMatch(/is a folder, not a lock/);
    expect(statSync(join(out, LOCK_FILE)).isDirectory()).toBe(true);
    expect(existsSync(join(out, "a.ts"))).toBe(false);
  });
});

describe("writeOutput after a killed run", () => {
  it("removes the killed run's temporary files (and only those), then repairs the state", async () => {
    const out = fresh("out");
    const dead = deadPid();
    const live = livePid();
    mkdirSync(join(out, "apps/v1"), { recursive: true });
    // What a run killed mid-way leaves: one file renamed (new), one still old, temporary files.
    put(join(out, "apps/v1/a.ts"), gen("new a"));
    put(join(out, "apps/v1/b.ts"), gen("old b"));
    const leftovers = [`apps/v1/.b.ts.kubegen-${dead}-0123456789ab.tmp`, `.index.ts.kubegen-${dead}-abcdefabcdef.tmp`];
    put(join(out, leftovers[0]!), gen("new b, half"));
    put(join(out, leftovers[1]!), GENERATED_HEADER.slice(0, 10));
    // Look-alikes that are not the writer's: kept as they are.
    const lookAlikes = [
      `.b.ts.kubegen-${dead}-0123456789AB.tmp`, // upper-case hex
      `.b.ts.kubegen-${dead}-0123456789a.tmp`, // 11 hex digits
      `b.ts.kubegen-${dead}-0123456789ab.tmp`, // no leading dot
      `.kubegen-${dead}-0123456789ab.tmp`, // no base name
      `.b.ts.kubegen-${dead}-0123456789ab.tmp.bak`, // another suffix
      `.b.ts.kubegen-${live}-0123456789ab.tmp`, // a live process's
    ];
    for (const name of lookAlikes) put(join(out, name), `// hand-written ${name}\n`);
    symlinkSync("apps", join(out, `.link.kubegen-${dead}-0123456789ab.tmp`));
    mkdirSync(join(out, `.dir.kubegen-${dead}-0123456789ab.tmp`));
    const keep = without(snapshot(out), ["apps/v1/a.ts", "apps/v1/b.ts", "index.ts", ...leftovers]);

    const result = await writeOutput(out, [file("apps/v1/a.ts", "new a"), file("apps/v1/b.ts", "new b"), file("index.ts", "index")]);

    expect(result).toEqual({ changed: ["apps/v1/b.ts", "index.ts"], stale: [], written: true });
    for (const p of leftovers) expect(existsSync(join(out, p))).toBe(false);
    expect(without(snapshot(out), ["apps/v1/a.ts", "apps/v1/b.ts", "index.ts"])).toEqual(keep);
    expect(readFileSync(join(out, "apps/v1/b.ts"), "utf8")).toBe(gen("new b"));
  });
});

describe("writeOutput with check", () => {
  it("writes nothing, takes no lock and cleans nothing, even with changes, stale files and leftovers", async () => {
    const out = fresh("out");
    put(join(out, "changed.ts"), gen("old"));
    put(join(out, "same.ts"), gen("same"));
    mkdirSync(join(out, "gone"));
    put(join(out, "gone/stale.ts"), gen("stale"));
    put(join(out, `.changed.ts.kubegen-${deadPid()}-0123456789ab.tmp`), gen("half"));
    put(join(out, LOCK_FILE), `${livePid()}\n`); // another run is writing: --check still only reads
    const before = snapshot(out);

    const result = await writeOutput(out, [file("changed.ts", "new"), file("same.ts", "same"), file("new/added.ts", "added")], { check: true });

    expect(result).toEqual({ changed: ["changed.ts", "new/added.ts"], stale: ["gone/stale.ts"], written: false });
    expect(snapshot(out)).toEqual(before);
  });

  it("does not create a missing --out", async () => {
    const out = join(fresh("parent"), "out");
    expect(await writeOutput(out, [file("b.ts", "b"), file("a.ts", "a")], { check: true })).toEqual({ changed: ["a.ts", "b.ts"], stale: [], written: false });
    expect(existsSync(out)).toBe(false);
  });
});

describe("writeOutput failure messages", () => {
  // A name too long for its temporary sibling fails to open (ENAMETOOLONG), whoever runs the test.
  const tooLong = `${"x".repeat(250)}.ts`;

  it("says how much was done when it fails after renaming some files", async () => {
    const out = fresh("out");
    put(join(out, "old.ts"), gen("stale"));
    const err = await usageError(writeOutput(out, [file("a.ts", "a"), file(`b/${tooLong}`, "b")], { shown: "out" }));
    expect(err.message).toMatch(/^cannot write the output folder out: ENAMETOOLONG/);
    expect(err.message).toMatch(/1 of 2 files were updated and 0 of 1 stale files were removed; run again to finish$/);
    expect(err.message).not.toMatch(/left as it was/);
    expect(readFileSync(join(out, "a.ts"), "utf8")).toBe(gen("a"));
    expect(writerLeftovers(out)).toEqual([]);
  });

  it("says nothing was changed when the first write fails", async () => {
    const out = fresh("out");
    const err = await usageError(writeOutput(out, [file(tooLong, "a"), file("z.ts", "z")]));
    expect(err.message).toMatch(/; nothing was changed$/);
    expect(readdirSync(out)).toEqual([]);
  });
});

describe("writeOutput validates rendered paths (a kubegen bug, not user input)", () => {
  it.each([
    "",
    "/abs.ts",
    "../up.ts",
    "a/../b.ts",
    "a//b.ts",
    "a/",
    "./a.ts",
    "a\\b.ts",
    "a\0b.ts",
    LOCK_FILE,
    "x/.a.ts.kubegen-1-0123456789ab.tmp",
  ])("throws a plain Error for %j and writes nothing", async (path) => {
    const parent = fresh("parent");
    const out = join(parent, "out");
    const err = await writeOutput(out, [file(path, "x")]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(UsageError);
    expect(existsSync(out)).toBe(false);
  });

  it("throws for a path rendered both as a file and as a folder, and for two different files at one path", async () => {
    const out = join(fresh("parent"), "out");
    await expect(writeOutput(out, [file("a", "x"), file("a/b.ts", "y")])).rejects.toThrow(/both as a file and as a folder/);
    await expect(writeOutput(out, [file("a.ts", "x"), file("a.ts", "y")])).rejects.toThrow(/two different files/);
    expect(existsSync(out)).toBe(false);
  });

  it("throws for two files or folders that differ only by case (one entry on a case-insensitive file system)", async () => {
    const out = join(fresh("parent"), "out");
    await expect(writeOutput(out, [file("v1/types/foo-bar.ts", "x"), file("v1/types/Foo-Bar.ts", "y")])).rejects.toThrow(/differ only by case/);
    await expect(writeOutput(out, [file("V1/a.ts", "x"), file("v1/b.ts", "y")])).rejects.toThrow(/V1 and v1 differ only by case/);
    expect(existsSync(out)).toBe(false);
  });
});

describe("checkOutTarget", () => {
  const home = fresh("home");
  const project = fresh("project");
  mkdirSync(join(project, ".git"));
  const npmPackage = fresh("package");
  put(join(npmPackage, "package.json"), "{}\n");
  const plain = fresh("plain");
  const homeLink = join(work, "home-link");
  symlinkSync(home, homeLink);

  const refused: { name: string; out: string; shown: string; why: RegExp }[] = [
    { name: "an empty --out", out: "", shown: "", why: /--out is empty/ },
    { name: "the filesystem root", out: "/", shown: "/", why: /filesystem root/ },
    { name: "the home folder", out: home, shown: "~", why: /home folder/ },
    { name: "a link to the home folder", out: homeLink, shown: "home-link", why: /home folder/ },
    { name: "a folder holding .git", out: project, shown: "project", why: /holds \.git/ },
    { name: "a folder holding package.json", out: npmPackage, shown: "package", why: /holds package\.json/ },
  ];

  it.each(refused)("refuses $name with a UsageError naming --force, unless forced", ({ out, shown, why }) => {
    let err: unknown;
    try {
      checkOutTarget(out, { force: false, shown, home });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(why);
    expect((err as Error).message).toMatch(/--force/);
    expect(() => checkOutTarget(out, { force: true, shown, home })).not.toThrow();
  });

  it("accepts an ordinary folder, existing or not", () => {
    expect(() => checkOutTarget(plain, { force: false, shown: "plain", home })).not.toThrow();
    expect(() => checkOutTarget(join(plain, "missing"), { force: false, shown: "missing", home })).not.toThrow();
    expect(() => checkOutTarget(join(project, "generated"), { force: false, shown: "generated", home })).not.toThrow();
  });
});
