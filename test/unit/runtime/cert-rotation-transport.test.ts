// Client certificate and CA rotation through the transport
// (transport/cert-rotation.ts; client-go transport/cert_rotation.go), against
// loopback HTTPS servers that require a client certificate
// (`requestCert: true`) and record, per TLS connection, the subject CN and
// serial of the certificate the client presented. Certificates come from
// `openssl` in a temporary folder: CA 1 signs the first server and the client
// certificates of users A and B; CA 2 signs a second server.
//
// The configs use tlsFileCheckMs: 0 (check the files before every request),
// so no test waits for time to pass; waits for the server to see a
// connection close are polls with a bounded number of attempts.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import type http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PeerCertificate, TLSSocket } from "node:tls";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, isNetworkError, newRestConfig, RestClient, type RestConfig } from "@kubegen/runtime";

const T = 30_000; // per-test limit: generous for a loaded 2-core machine

// ---- certificates ---------------------------------------------------------------

interface Pair {
  cert: string;
  key: string;
  serial: string;
}
interface Pki {
  dir: string;
  ca1: string;
  ca2: string;
  server1: Pair;
  server2: Pair;
  userA: Pair;
  userB: Pair;
}

function makePki(): Pki {
  const dir = mkdtempSync(join(tmpdir(), "kubegen-certrot-"));
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2"];
  const openssl = (args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
  for (const ca of ["ca1", "ca2"]) {
    openssl(["req", "-x509", ...ec, "-keyout", `${ca}.key`, "-out", `${ca}.crt`, "-subj", `/CN=kubegen-${ca}`,
      "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign,digitalSignature"]);
  }
  const issue = (name: string, ca: string, subject: string, ext: string[]): Pair => {
    openssl(["req", "-x509", ...ec, "-keyout", `${name}.key`, "-out", `${name}.crt`, "-subj", subject,
      "-CA", `${ca}.crt`, "-CAkey", `${ca}.key`, ...ext.flatMap((e) => ["-addext", e])]);
    const serial = execFileSync("openssl", ["x509", "-in", `${name}.crt`, "-noout", "-serial"], { cwd: dir, encoding: "utf8" });
    return { cert: read(`${name}.crt`), key: read(`${name}.key`), serial: serial.trim().replace(/^serial=/, "").toUpperCase() };
  };
  const read = (f: string) => readFileSync(join(dir, f), "utf8");
  const serverExt = ["subjectAltName=IP:127.0.0.1,DNS:localhost", "extendedKeyUsage=serverAuth"];
  const clientExt = ["extendedKeyUsage=clientAuth"];
  return {
    dir,
    ca1: read("ca1.crt"),
    ca2: read("ca2.crt"),
    server1: issue("server1", "ca1", "/CN=server-1", serverExt),
    server2: issue("server2", "ca2", "/CN=server-2", serverExt),
    userA: issue("user-a", "ca1", "/O=team/CN=user-a", clientExt),
    userB: issue("user-b", "ca1", "/O=team/CN=user-b", clientExt),
  };
}

// ---- servers --------------------------------------------------------------------

interface Connection {
  cn: string;
  serial: string;
  closed: boolean;
}
interface Server {
  url: string;
  connections: Connection[];
  /** Responses to /stream and /watch, in arrival order. */
  streams: http.ServerResponse[];
  close(): void;
}

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/**
 * An HTTPS server that requires a client certificate signed by `clientCa`.
 * `/whoami` answers who the connection is; `/stream` (a text line first) and
 * `/watch` (nothing yet) stay open for the test to write to.
 */
async function server(pair: Pair, clientCa: string): Promise<Server> {
  const connections: Connection[] = [];
  const streams: http.ServerResponse[] = [];
  const srv = https.createServer({ cert: pair.cert, key: pair.key, ca: clientCa, requestCert: true, rejectUnauthorized: true }, (req, res) => {
    const peer = (req.socket as TLSSocket).getPeerCertificate();
    req.resume();
    if (req.url?.startsWith("/watch")) {
      res.writeHead(200, { "content-type": "application/json" });
      res.flushHeaders();
      streams.push(res);
      return;
    }
    if (req.url?.startsWith("/stream")) {
      res.writeHead(200, { "content-type": "text/plain" });
      res.write(`tick 0 ${cnOf(peer)}\n`);
      streams.push(res);
      return;
    }
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ cn: cnOf(peer), serial: peer.serialNumber.toUpperCase() }));
  });
  srv.keepAliveTimeout = 120_000; // only the client closes idle connections in these tests
  const sockets = new Set<TLSSocket>();
  srv.on("secureConnection", (s: TLSSocket) => {
    const peer = s.getPeerCertificate();
    const c: Connection = { cn: cnOf(peer), serial: peer.serialNumber.toUpperCase(), closed: false };
    connections.push(c);
    sockets.add(s);
    s.on("close", () => {
      c.closed = true;
      sockets.delete(s);
    });
  });
  srv.on("tlsClientError", () => {}); // refused handshakes are part of some tests
  await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve));
  const close = () => {
    srv.close();
    for (const s of sockets) s.destroy();
  };
  cleanups.push(close);
  return { url: `https://127.0.0.1:${(srv.address() as AddressInfo).port}`, connections, streams, close };
}

const cnOf = (peer: PeerCertificate): string => String(peer.subject.CN);

/** Polls `cond` up to `attempts` times, 20 ms apart; fails with `what` if it never holds. */
async function until(what: string, cond: () => boolean, attempts = 500): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting until ${what}`);
}

// ---- tests ----------------------------------------------------------------------

let pki: Pki;
beforeAll(() => {
  pki = makePki();
});
afterAll(() => rmSync(pki.dir, { recursive: true, force: true }));

/** A folder with ca.crt, tls.crt and tls.key (user A, CA 1) and a config naming them. */
function filesConfig(srv: Server, extra: Partial<RestConfig> = {}): { dir: string; config: RestConfig; write: (f: string, text: string) => void } {
  const dir = mkdtempSync(join(pki.dir, "files-"));
  const write = (f: string, text: string) => writeFileSync(join(dir, f), text, { mode: 0o600 });
  write("ca.crt", pki.ca1);
  write("tls.crt", pki.userA.cert);
  write("tls.key", pki.userA.key);
  const config = newRestConfig(srv.url, {
    caFile: join(dir, "ca.crt"),
    certFile: join(dir, "tls.crt"),
    keyFile: join(dir, "tls.key"),
    tlsFileCheckMs: 0,
    qps: -1,
    warningHandler: null,
    ...extra,
  });
  return { dir, config, write };
}

const whoami = (rc: RestClient) => rc.request<{ cn: string; serial: string }>({ path: "/whoami" }, { maxRetries: 0 });

/** Collects the process warnings with code KUBEGEN_TLS_FILES while `fn` runs. */
async function tlsWarnings(fn: () => Promise<void>): Promise<string[]> {
  const seen: string[] = [];
  const on = (w: Error & { code?: string }) => {
    if (w.code === "KUBEGEN_TLS_FILES") seen.push(w.message);
  };
  process.on("warning", on);
  try {
    await fn();
    await new Promise((r) => setImmediate(r)); // warnings are emitted on the next tick
  } finally {
    process.off("warning", on);
  }
  return seen;
}

describe("client certificate rotation", () => {
  it(
    "new connections present the new certificate; a stream started before keeps running; idle connections close",
    async () => {
      const srv = await server(pki.server1, pki.ca1);
      const { config, write } = filesConfig(srv);
      const rc = new RestClient(config);
      try {
        const stream = await rc.stream({ path: "/stream" });
        const chunks = stream[Symbol.asyncIterator]();
        expect(String((await chunks.next()).value)).toBe("tick 0 user-a\n");
        expect(await whoami(rc)).toEqual({ cn: "user-a", serial: pki.userA.serial });
        expect(srv.connections.map((c) => c.cn)).toEqual(["user-a", "user-a"]); // the stream's, and /whoami's (now idle)

        write("tls.crt", pki.userB.cert);
        write("tls.key", pki.userB.key);
        expect(await whoami(rc)).toEqual({ cn: "user-b", serial: pki.userB.serial });
        expect(rc.transport.tlsFiles.generation).toBe(2);
        expect(srv.connections.map((c) => c.cn)).toEqual(["user-a", "user-a", "user-b"]);
        // the idle connection of the old certificate is closed by the client
        await until("the idle user-a connection is closed", () => srv.connections[1]!.closed);

        // the stream goes on, on its own connection, still as user A
        expect(srv.connections[0]!.closed).toBe(false);
        srv.streams[0]!.write("tick 1\n");
        expect(String((await chunks.next()).value)).toBe("tick 1\n");
        srv.streams[0]!.end("last\n");
        expect(String((await chunks.next()).value)).toBe("last\n");
        expect((await chunks.next()).done).toBe(true);
        // ...and its connection is not pooled for reuse once the response ended
        await until("the stream's user-a connection is closed", () => srv.connections[0]!.closed);

        // the new connection is reused: no further handshakes
        expect(await whoami(rc)).toMatchObject({ cn: "user-b" });
        expect(await whoami(rc)).toMatchObject({ cn: "user-b" });
        expect(srv.connections).toHaveLength(3);
      } finally {
        rc.close();
      }
    },
    T,
  );

  it(
    "a watch started before the rotation keeps receiving events on its connection",
    async () => {
      const srv = await server(pki.server1, pki.ca1);
      const { config, write } = filesConfig(srv);
      const rc = new RestClient(config);
      try {
        const events = rc.watch<{ n: number }>({ path: "/watch" });
        const first = events.next();
        await until("the watch reached the server", () => srv.streams.length === 1);
        const w = srv.streams[0]!;
        w.write(JSON.stringify({ type: "ADDED", object: { n: 1 } }) + "\n");
        expect((await first).value).toEqual({ type: "ADDED", object: { n: 1 } });

        write("tls.crt", pki.userB.cert);
        write("tls.key", pki.userB.key);
        expect(await whoami(rc)).toMatchObject({ cn: "user-b" });

        w.write(JSON.stringify({ type: "MODIFIED", object: { n: 2 } }) + "\n");
        expect((await events.next()).value).toEqual({ type: "MODIFIED", object: { n: 2 } });
        expect(srv.connections.map((c) => [c.cn, c.closed])).toEqual([
          ["user-a", false],
          ["user-b", false],
        ]);
        await events.return();
        await until("the watch's user-a connection is closed", () => srv.connections[0]!.closed);
      } finally {
        rc.close();
      }
    },
    T,
  );

  it(
    "a certificate that does not match its key is ignored (and reported once, without contents) until the pair is consistent",
    async () => {
      const srv = await server(pki.server1, pki.ca1);
      const { config, write } = filesConfig(srv);
      const rc = new RestClient(config);
      try {
        expect(await whoami(rc)).toMatchObject({ cn: "user-a" });
        const warnings = await tlsWarnings(async () => {
          write("tls.crt", pki.userB.cert); // half written: B's certificate, A's key
          expect(await whoami(rc)).toMatchObject({ cn: "user-a" });
          expect(await whoami(rc)).toMatchObject({ cn: "user-a" });
        });
        expect(warnings).toHaveLength(1);
        expect(warnings[0]).toContain(join("tls.crt"));
        expect(warnings[0]).toContain("does not match");
        for (const secret of [pki.userA.key, pki.userB.key, pki.userB.cert]) {
          const body = secret.split("\n")[1]!;
          expect(warnings[0]).not.toContain(body);
        }
        expect(rc.transport.tlsFiles.generation).toBe(1);
        expect(srv.connections).toHaveLength(1); // the pooled user-a connection stayed in use

        // a truncated key (mid-write) is ignored too
        write("tls.key", pki.userB.key.slice(0, 60));
        expect(await whoami(rc)).toMatchObject({ cn: "user-a" });
        write("tls.key", pki.userB.key);
        expect(await whoami(rc)).toMatchObject({ cn: "user-b" });
        expect(rc.transport.tlsFiles.generation).toBe(2);
      } finally {
        rc.close();
      }
    },
    T,
  );

  it(
    "an unchanged file causes no rebuild: touched or rewritten with the same bytes, the pooled connection stays",
    async () => {
      const srv = await server(pki.server1, pki.ca1);
      const { dir, config, write } = filesConfig(srv);
      const rc = new RestClient(config);
      try {
        expect(await whoami(rc)).toMatchObject({ cn: "user-a" });
        const reads = rc.transport.tlsFiles.reads;
        await whoami(rc);
        await whoami(rc);
        expect(rc.transport.tlsFiles.reads).toBe(reads); // stat unchanged: not even read

        const later = new Date(Date.now() + 60_000);
        utimesSync(join(dir, "tls.crt"), later, later);
        write("tls.key", pki.userA.key);
        expect(await whoami(rc)).toMatchObject({ cn: "user-a" });
        expect(rc.transport.tlsFiles.reads).toBe(reads + 1); // stat changed: read once, same contents
        await whoami(rc);
        expect(rc.transport.tlsFiles.reads).toBe(reads + 1);
        expect(rc.transport.tlsFiles.generation).toBe(1);
        expect(srv.connections).toHaveLength(1);
        expect(srv.connections[0]!.closed).toBe(false);
      } finally {
        rc.close();
      }
    },
    T,
  );

  it(
    "a file that cannot be read at first is a ConfigError naming it; a file removed later keeps the previous pair",
    async () => {
      const srv = await server(pki.server1, pki.ca1);
      const missing = filesConfig(srv, { keyFile: join(pki.dir, "no-such.key") });
      const rc0 = new RestClient(missing.config);
      const err = await whoami(rc0).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).message).toContain(`cannot read client key file ${join(pki.dir, "no-such.key")}`);
      rc0.close();

      const { dir, config } = filesConfig(srv);
      const rc = new RestClient(config);
      try {
        expect(await whoami(rc)).toMatchObject({ cn: "user-a" });
        rmSync(join(dir, "tls.key"));
        const warnings = await tlsWarnings(async () => {
          expect(await whoami(rc)).toMatchObject({ cn: "user-a" });
        });
        expect(warnings.join("\n")).toContain("cannot read client key file");
      } finally {
        rc.close();
      }
    },
    T,
  );
});

describe("CA rotation", () => {
  it(
    "when caFile gains a new CA, a server whose certificate it signed becomes reachable",
    async () => {
      const old = await server(pki.server1, pki.ca1);
      const next = await server(pki.server2, pki.ca1);
      const { config, write } = filesConfig(next);
      const rc = new RestClient(config);
      try {
        const refused = await whoami(rc).catch((e: unknown) => e);
        expect(isNetworkError(refused)).toBe(true);
        expect(next.connections).toHaveLength(0);

        write("ca.crt", pki.ca1.slice(0, pki.ca1.length - 40)); // a half-written bundle is ignored
        expect(isNetworkError(await whoami(rc).catch((e: unknown) => e))).toBe(true);

        write("ca.crt", pki.ca1 + pki.ca2);
        expect(await whoami(rc)).toMatchObject({ cn: "user-a" });
        expect(rc.transport.tlsFiles.generation).toBe(2);

        // the old server's CA is still in the bundle
        const rcOld = new RestClient({ ...config, server: old.url });
        expect(await whoami(rcOld)).toMatchObject({ cn: "user-a" });
        rcOld.close();
      } finally {
        rc.close();
      }
    },
    T,
  );

  it(
    "with the ClientsAllowCARotation gate off, caFile is read once",
    async () => {
      const next = await server(pki.server2, pki.ca1);
      const { config, write } = filesConfig(next, { featureGates: { ClientsAllowCARotation: false } });
      const rc = new RestClient(config);
      try {
        expect(isNetworkError(await whoami(rc).catch((e: unknown) => e))).toBe(true);
        write("ca.crt", pki.ca1 + pki.ca2);
        expect(isNetworkError(await whoami(rc).catch((e: unknown) => e))).toBe(true);
        expect(rc.transport.tlsFiles.generation).toBe(1);
        // the client certificate still rotates
        write("tls.crt", pki.userB.cert);
        write("tls.key", pki.userB.key);
        rc.transport.tlsFiles.current();
        expect(rc.transport.tlsFiles.generation).toBe(2);
      } finally {
        rc.close();
      }
    },
    T,
  );
});
