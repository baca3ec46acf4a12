// Benchmark (never part of `make test`): what response compression
// (transport/compression.ts, `Accept-Encoding: gzip`) saves on a large LIST.
// One real control plane (startControlPlane) holds N (10,000) small
// ConfigMaps in one namespace; then one LIST of all of them (no limit) is
// timed BENCH_RUNS (5) times with compression (the default) and without
// (disableCompression: true), alternating, after one warm-up each. Printed,
// as medians:
//   wire      bytes the client's socket received for the LIST (TLS records:
//             the socket's bytesRead after the body minus before the request,
//             on a kept-alive connection, so no handshake is counted)
//   body      the response body as sent (compressed bytes when gzip) and
//             decoded (the JSON text)
//   time      from sending the request to the parsed object
//   cpu       this process's CPU time (user + system) for the same span:
//             inflating costs the client CPU that the network saves
// kube-apiserver compresses only large non-watch responses (APIResponseCompression,
// above 128 KiB); the Content-Encoding it chose is printed.
// Run: KUBEGEN_ENVTEST_ASSETS=... node --import tsx test/bench/compression.bench.ts
//      (make bench sets it; needs make envtest)
import type { Socket } from "node:net";
import { loadConfig, RestClient, type RestConfig } from "@kubegen/runtime";
import { startControlPlane } from "@kubegen/runtime/testing";

/** The transport's decoded gzip response (transport/compression.ts GunzipIncomingMessage), seen by shape: the package and its sources are separate copies. */
interface Decoded {
  compressedBytes: number;
  raw: { headers: Record<string, unknown> };
}
const decodedOf = (res: object): Decoded | undefined => ("compressedBytes" in res && "raw" in res ? (res as unknown as Decoded) : undefined);

const OBJECTS = Number(process.env.BENCH_OBJECTS ?? 10_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const NAMESPACE = "compression-bench";

interface Sample {
  wire: number;
  body: number;
  decoded: number;
  ms: number;
  cpuMs: number;
  encoding: string;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function pool(n: number, concurrency: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) await fn(next++);
    }),
  );
}

/** A LIST client that tracks its kept-alive connection's byte count between requests. */
class Lister {
  readonly rc: RestClient;
  #socket: Socket | undefined;
  #bytes = 0;

  constructor(config: RestConfig) {
    this.rc = new RestClient(config);
  }

  async list(): Promise<Sample> {
    const req = this.rc.build({ version: "v1", resource: "configmaps", namespace: NAMESPACE, verb: "list" });
    const before = this.#socket && !this.#socket.destroyed ? this.#bytes : undefined;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const res = await this.rc.transport.send(req);
    const socket = res.socket as Socket; // taken now: a kept-alive response lets go of its socket at the end
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    const parsed = JSON.parse(text) as { items: unknown[] };
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    if (res.statusCode !== 200) throw new Error(`LIST: HTTP ${res.statusCode}`);
    if (parsed.items.length !== OBJECTS) throw new Error(`LIST returned ${parsed.items.length} items, expected ${OBJECTS}`);
    if (socket !== this.#socket || before === undefined) throw new Error("the LIST did not reuse the warm connection; bytes would include a handshake");
    const wire = socket.bytesRead - before;
    this.#bytes = socket.bytesRead;
    const decoded = Buffer.byteLength(text);
    const gz = decodedOf(res);
    return {
      wire,
      body: gz ? gz.compressedBytes : decoded,
      decoded,
      ms,
      cpuMs: (cpu.user + cpu.system) / 1000,
      encoding: gz ? String(gz.raw.headers["content-encoding"]) : String(res.headers["content-encoding"] ?? "identity"),
    };
  }

  /** A small request that opens (or reuses) the connection and records its byte count. */
  async warm(): Promise<void> {
    const res = await this.rc.transport.send(this.rc.build({ version: "v1", resource: "namespaces", verb: "get", name: NAMESPACE }));
    const socket = res.socket as Socket; // taken now: a kept-alive response lets go of its socket at the end
    for await (const _ of res) void _;
    this.#socket = socket;
    this.#bytes = socket.bytesRead;
  }
}

const cp = await startControlPlane({ log: () => {} });
try {
  const base = { ...(await loadConfig({ kubeconfigPath: cp.kubeconfigPath })), qps: -1, burst: 0, warningHandler: null };
  const seeder = new RestClient(base);
  await seeder.request({ version: "v1", resource: "namespaces", verb: "create", body: { metadata: { name: NAMESPACE } } });
  const seedStart = performance.now();
  await pool(OBJECTS, 32, (i) =>
    seeder.request({
      version: "v1",
      resource: "configmaps",
      namespace: NAMESPACE,
      verb: "create",
      body: { metadata: { name: `cm-${String(i).padStart(5, "0")}`, labels: { app: "compression-bench" } }, data: { key: `value-${i}` } },
    }),
  );
  seeder.close();
  console.error(`seeded ${OBJECTS} ConfigMaps in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`);

  const gzip = new Lister(base);
  const plain = new Lister({ ...base, disableCompression: true });
  const samples = { gzip: [] as Sample[], plain: [] as Sample[] };
  for (const l of [gzip, plain]) {
    await l.warm();
    await l.list(); // warm-up LIST (JIT, server caches), not counted
  }
  for (let run = 0; run < RUNS; run++) {
    // alternate which goes first, so drift on a shared machine hits both alike
    const order: Array<"gzip" | "plain"> = run % 2 === 0 ? ["gzip", "plain"] : ["plain", "gzip"];
    for (const which of order) samples[which].push(await (which === "gzip" ? gzip : plain).list());
  }
  gzip.rc.close();
  plain.rc.close();

  const row = (s: Sample[]) => ({
    wire: median(s.map((x) => x.wire)),
    body: median(s.map((x) => x.body)),
    decoded: median(s.map((x) => x.decoded)),
    ms: median(s.map((x) => x.ms)),
    cpuMs: median(s.map((x) => x.cpuMs)),
    encoding: s[0]!.encoding,
  });
  const kb = (n: number) => `${(n / 1024).toFixed(0)} KiB`;
  const g = row(samples.gzip);
  const p = row(samples.plain);
  console.log(`compression benchmark: LIST of ${OBJECTS} small ConfigMaps, median of ${RUNS} runs each (${cp.version})`);
  console.log(`  ${"client".padEnd(22)} ${"encoding".padEnd(9)} ${"wire".padStart(10)} ${"body".padStart(10)} ${"decoded".padStart(10)} ${"time".padStart(9)} ${"cpu".padStart(9)}`);
  for (const [label, r] of [["gzip (default)", g], ["disableCompression", p]] as const) {
    console.log(
      `  ${label.padEnd(22)} ${r.encoding.padEnd(9)} ${kb(r.wire).padStart(10)} ${kb(r.body).padStart(10)} ${kb(r.decoded).padStart(10)}` +
        ` ${`${r.ms.toFixed(0)} ms`.padStart(9)} ${`${r.cpuMs.toFixed(0)} ms`.padStart(9)}`,
    );
  }
  console.log(
    `  gzip vs uncompressed: ${(p.wire / g.wire).toFixed(1)}x fewer bytes on the wire, time ${(g.ms / p.ms).toFixed(2)}x, client cpu ${(g.cpuMs / p.cpuMs).toFixed(2)}x` +
      (g.encoding === "identity" ? "  (the server did not compress: is APIResponseCompression off?)" : ""),
  );
  console.log("  loopback network: time mostly shows the server's gzip cost; on a real network the byte ratio is what counts");
} finally {
  await cp.stop();
}
