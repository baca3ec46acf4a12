// TlsFileSource alone (transport/cert-rotation.ts): when files are stat()ed
// and read, what counts as a change, which sets are rejected and what the
// reports say. Time is a FakeClock; certificates come from `openssl` in a
// temporary folder (a CA and two client pairs it signed).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeClock } from "@kubegen/runtime/testing";
import { ConfigError } from "../../../runtime/src/config/rest-config.js";
import {
  checkTlsMaterial,
  DEFAULT_TLS_FILE_CHECK_MS,
  DEFAULT_TLS_FILE_REREAD_MS,
  TlsFileSource,
  type TlsFileEvent,
} from "../../../runtime/src/transport/cert-rotation.js";

const T = 30_000;

let dir: string;
let ca: string;
let a: { cert: string; key: string };
let b: { cert: string; key: string };

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "kubegen-certsrc-"));
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2"];
  const openssl = (args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
  openssl(["req", "-x509", ...ec, "-keyout", "ca.key", "-out", "ca.pem", "-subj", "/CN=src-ca",
    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign,digitalSignature"]);
  for (const n of ["a", "b"]) {
    openssl(["req", "-x509", ...ec, "-keyout", `${n}.key`, "-out", `${n}.crt`, "-subj", `/CN=user-${n}`, "-CA", "ca.pem", "-CAkey", "ca.key"]);
  }
  const read = (f: string) => readFileSync(join(dir, f), "utf8");
  ca = read("ca.pem");
  a = { cert: read("a.crt"), key: read("a.key") };
  b = { cert: read("b.crt"), key: read("b.key") };
}, T);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A folder with ca.pem, tls.crt and tls.key (pair A) and a source over it. */
function setup(options: { checkMs?: number; rotateCa?: boolean } = {}) {
  const d = mkdtempSync(join(dir, "s-"));
  const write = (f: string, text: string) => writeFileSync(join(d, f), text, { mode: 0o600 });
  write("ca.pem", ca);
  write("tls.crt", a.cert);
  write("tls.key", a.key);
  const clock = new FakeClock(1_000_000);
  const events: TlsFileEvent[] = [];
  const source = new TlsFileSource(
    { caFile: join(d, "ca.pem"), certFile: join(d, "tls.crt"), keyFile: join(d, "tls.key"), origin: "kubeconfig test" },
    { clock, onEvent: (e) => events.push(e), ...options },
  );
  return { d, write, clock, events, source };
}

describe("TlsFileSource", () => {
  it("defaults: a stat check at most every second, a read at least every 5 minutes", () => {
    expect(DEFAULT_TLS_FILE_CHECK_MS).toBe(1_000);
    expect(DEFAULT_TLS_FILE_REREAD_MS).toBe(300_000);
  });

  it("checks the files at most every checkMs; a change is used from the first check after it", async () => {
    const { write, clock, events, source } = setup();
    expect(source.current()).toMatchObject({ cert: a.cert, key: a.key, ca, generation: 1 });
    write("tls.crt", b.cert);
    write("tls.key", b.key);
    await clock.advance(999);
    expect(source.current().generation).toBe(1); // not checked yet
    await clock.advance(1);
    expect(source.current()).toMatchObject({ cert: b.cert, key: b.key, generation: 2 });
    expect(events).toEqual([{ type: "rotated", generation: 2, files: [expect.stringMatching(/tls\.crt$/), expect.stringMatching(/tls\.key$/)] }]);
  });

  it("reads only when a stat changed, or after rereadMs", async () => {
    const { write, clock, source } = setup();
    source.current();
    const reads = source.reads;
    for (let i = 0; i < 5; i++) {
      await clock.advance(1_000);
      source.current();
    }
    expect(source.reads).toBe(reads);
    await clock.advance(DEFAULT_TLS_FILE_REREAD_MS);
    source.current();
    expect(source.reads).toBe(reads + 1);
    write("tls.key", a.key); // same bytes, new mtime
    await clock.advance(1_000);
    source.current();
    expect(source.reads).toBe(reads + 2);
    expect(source.generation).toBe(1);
  });

  it("a mismatched pair keeps the previous material, is reported once, and is read again at each check until fixed", async () => {
    const { write, clock, events, source } = setup({ checkMs: 0 });
    source.current();
    write("tls.crt", b.cert);
    expect(source.current().cert).toBe(a.cert);
    const reads = source.reads;
    await clock.advance(10);
    expect(source.current().cert).toBe(a.cert);
    expect(source.reads).toBe(reads + 1); // read again: the set may complete without a stat change
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: "rejected" });
    const reason = (events[0] as { reason: string }).reason;
    expect(reason).toMatch(/client certificate file .*tls\.crt does not match client key file .*tls\.key/);
    expect(reason).not.toContain(a.key.split("\n")[1]!);
    write("tls.key", b.key);
    expect(source.current()).toMatchObject({ cert: b.cert, key: b.key, generation: 2 });
  });

  it("follows a symlink swap (a Kubernetes secret volume's ..data)", () => {
    const d = mkdtempSync(join(dir, "vol-"));
    const put = (sub: string, pair: { cert: string; key: string }) => {
      const p = join(d, sub);
      execFileSync("mkdir", [p]);
      writeFileSync(join(p, "tls.crt"), pair.cert);
      writeFileSync(join(p, "tls.key"), pair.key);
    };
    put("..v1", a);
    symlinkSync("..v1", join(d, "..data"));
    symlinkSync("..data/tls.crt", join(d, "tls.crt"));
    symlinkSync("..data/tls.key", join(d, "tls.key"));
    const source = new TlsFileSource({ certFile: join(d, "tls.crt"), keyFile: join(d, "tls.key") }, { checkMs: 0 });
    expect(source.current().cert).toBe(a.cert);
    put("..v2", b);
    symlinkSync("..v2", join(d, "..data_tmp"));
    renameSync(join(d, "..data_tmp"), join(d, "..data")); // the atomic swap kubelet does
    expect(source.current()).toMatchObject({ cert: b.cert, key: b.key, generation: 2 });
  });

  it("with rotateCa false the CA is read once; the client pair still rotates", () => {
    const { write, source } = setup({ checkMs: 0, rotateCa: false });
    source.current();
    write("ca.pem", ca + ca);
    write("tls.crt", b.cert);
    write("tls.key", b.key);
    expect(source.current()).toMatchObject({ ca, cert: b.cert, generation: 2 });
  });

  it("inline data never changes and is not checked", () => {
    const source = new TlsFileSource({ caData: ca, certData: a.cert, keyData: a.key }, { checkMs: 0 });
    expect(source.rotating).toBe(false);
    expect(source.current()).toEqual({ ca, cert: a.cert, key: a.key, generation: 1 });
    expect(source.current().generation).toBe(1);
  });

  it("the first load fails with a ConfigError naming the file and the problem, never the contents", () => {
    const { write, source } = setup();
    write("tls.key", b.key);
    let err: unknown;
    try {
      source.current();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toMatch(/^kubeconfig test: client certificate file .*tls\.crt does not match/);
    expect((err as ConfigError).file).toMatch(/tls\.crt$/);
    expect((err as ConfigError).message).not.toContain(b.key.split("\n")[1]!);
    write("tls.key", a.key);
    expect(source.current().generation).toBe(1); // the next call loads again
  });
});

describe("checkTlsMaterial", () => {
  // `m` is a function: the certificates exist only once beforeAll ran
  const cases: Array<{ name: string; m: () => { ca?: string; cert?: string; key?: string }; want: RegExp | undefined }> = [
    { name: "a consistent set", m: () => ({ ca, ...a }), want: undefined },
    { name: "a CA bundle of two", m: () => ({ ca: ca + ca }), want: undefined },
    { name: "no certificate in the CA", m: () => ({ ca: "not pem" }), want: /caData holds no PEM certificate/ },
    { name: "an unterminated CA block", m: () => ({ ca: ca + ca.slice(0, 80) }), want: /unterminated PEM block/ },
    { name: "a garbled CA certificate", m: () => ({ ca: ca.replace(/\n[A-Za-z0-9+/]{20}/, "\nAAAAAAAAAAAAAAAAAAAA") }), want: /does not parse|cannot be loaded/ },
    { name: "a mismatched pair", m: () => ({ cert: a.cert, key: b.key }), want: /certData does not match keyData/ },
    { name: "a truncated key", m: () => ({ cert: a.cert, key: a.key.slice(0, 50) }), want: /keyData does not hold a usable private key/ },
    { name: "a key where the certificate goes", m: () => ({ cert: a.key, key: a.key }), want: /certData holds no PEM certificate/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const m = c.m();
      const got = checkTlsMaterial({ ca: m.ca, cert: m.cert, key: m.key });
      if (c.want === undefined) expect(got).toBeUndefined();
      else expect(got).toMatch(c.want);
    });
  }
});
