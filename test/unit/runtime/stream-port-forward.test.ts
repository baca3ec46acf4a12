// UNIT tier: the port-forward protocol (runtime/src/stream/port-forward.ts) against a FAKE, local
// WebSocket server. It checks what the real server rarely produces on demand: a port header split
// over messages or followed by data in the same message, a header naming the wrong port, text on
// the error channel, a connection that drops without a close frame, a peer that stops answering
// pings, and the pure request and header functions. What kube-apiserver and the kubelet do is
// tested in test/integration/runtime/port-forward.test.ts.
import type { Socket } from "node:net";
import { once } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildPortForwardRequest, decodePortHeader, dialPort, isNetworkError, newRestConfig, PortForwardError, RequestBuildError } from "@kubegen/runtime";
import { fakeServer, type Fake, type ServerSocket } from "../../helpers/fake-websocket-server.js";

const T = 30_000;
const frame = (ch: number, data: string | Buffer | number[] = "") => Buffer.concat([Buffer.from([ch]), Buffer.from(data as Buffer)]);
const header = (port: number) => [port & 0xff, port >> 8];

describe("port-forward: pure functions", () => {
  it("builds the request: PodPortForwardOptions' `ports`, names checked and escaped", () => {
    expect(buildPortForwardRequest({ namespace: "ns-1", name: "web" }, [8080, 53])).toEqual({
      method: "GET",
      path: "/api/v1/namespaces/ns-1/pods/web/portforward",
      query: [
        ["ports", "8080"],
        ["ports", "53"],
      ],
    });
    expect(() => buildPortForwardRequest({ namespace: "a", name: "x/../y" }, [1])).toThrow(/invalid name "x\/..\/y"/);
    expect(buildPortForwardRequest({ namespace: "a", name: "x y" }, [1]).path).toBe("/api/v1/namespaces/a/pods/x%20y/portforward");
  });

  it.each([0, 65536, 1.5, -1, Number.NaN])("refuses port %s", (port) => {
    expect(() => buildPortForwardRequest({ namespace: "a", name: "b" }, [port])).toThrow(RequestBuildError);
  });

  it("refuses no ports, no namespace, no name", () => {
    expect(() => buildPortForwardRequest({ namespace: "a", name: "b" }, [])).toThrow(/at least one port/);
    expect(() => buildPortForwardRequest({ namespace: "", name: "b" }, [1])).toThrow(/namespace is required/);
    expect(() => buildPortForwardRequest({ namespace: "a", name: "" }, [1])).toThrow(/pod name/);
  });

  it("reads the port header little-endian", () => {
    expect(decodePortHeader(Uint8Array.from([0x90, 0x1f]))).toBe(8080);
    expect(decodePortHeader(Uint8Array.from([0xff, 0xff]))).toBe(65535);
  });
});

describe("port-forward connections against a fake WebSocket server (unit)", () => {
  let fake: Fake;
  const config = () => newRestConfig(fake.url, { bearerToken: "tok-unit-secret" });

  beforeAll(async () => {
    fake = await fakeServer(["v4.channel.k8s.io"]);
  });
  afterAll(async () => {
    await fake.close();
  });

  async function readAll(conn: NodeJS.ReadableStream): Promise<string> {
    let text = "";
    for await (const c of conn) text += (c as Buffer).toString();
    return text;
  }

  it("a header split over messages, data in the header's message, and data both ways", { timeout: T }, async () => {
    fake.script = (ws: ServerSocket) => {
      ws.send(frame(0, [header(8080)[0]!]));
      ws.send(frame(0, [header(8080)[1]!, ...Buffer.from("hel")]));
      ws.send(frame(1, header(8080)));
      ws.send(frame(0, "lo "));
      ws.on("message", (m: Buffer) => {
        expect(m[0]).toBe(0);
        ws.send(frame(0, `got ${m.subarray(1).toString()}`));
        ws.close(1000);
      });
    };
    const conn = await dialPort(config(), { namespace: "ns", name: "p", port: 8080 });
    conn.write("ping");
    expect(await readAll(conn)).toBe("hello got ping");
    const req = fake.requests.at(-1)!;
    expect(req.url).toBe("/api/v1/namespaces/ns/pods/p/portforward?ports=8080");
    expect(req.headers["sec-websocket-protocol"]).toBe("v4.channel.k8s.io");
  });

  it("text on the error channel: the Duplex is destroyed with a PortForwardError", { timeout: T }, async () => {
    fake.script = (ws: ServerSocket) => {
      ws.send(frame(0, header(81)));
      ws.send(frame(1, header(81)));
      ws.send(frame(1, "error forwarding port 81 to pod p, uid 1: connection refused"));
      ws.close(1000);
    };
    const conn = await dialPort(config(), { namespace: "ns", name: "p", port: 81 });
    const err = await readAll(conn).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PortForwardError);
    expect(err).toMatchObject({ namespace: "ns", pod: "p", port: 81, message: "error forwarding port 81 to pod p, uid 1: connection refused" });
  });

  it("a header naming another port is a protocol error", { timeout: T }, async () => {
    fake.script = (ws: ServerSocket) => void ws.send(frame(0, header(9999)));
    const conn = await dialPort(config(), { namespace: "ns", name: "p", port: 80 });
    const err = await readAll(conn).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isNetworkError(err)).toBe(true);
    expect((err as Error).message).toContain("opened port 9999 instead of 80");
  });

  it("a connection that ends without a close handshake (1006) is a NetworkError, not a clean end", { timeout: T }, async () => {
    fake.script = (ws: ServerSocket) => {
      ws.send(frame(0, header(80)));
      ws.send(frame(1, header(80)));
      ws.send(frame(0, "partial"));
      setTimeout(() => (ws as unknown as { _socket: Socket })._socket.destroy(), 20);
    };
    const conn = await dialPort(config(), { namespace: "ns", name: "p", port: 80 });
    let got = "";
    const err = await (async () => {
      for await (const c of conn) got += (c as Buffer).toString();
    })().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(got).toBe("partial");
    expect(isNetworkError(err)).toBe(true);
    expect((err as Error).message).toContain("WebSocket close code 1006");
  });

  it("keep-alive: pings are answered, so an idle connection stays; a peer that stops answering is dropped", { timeout: T }, async () => {
    let pings = 0;
    fake.script = (ws: ServerSocket) => {
      ws.on("ping", () => pings++);
      ws.send(frame(0, header(80)));
      ws.send(frame(1, header(80)));
    };
    const alive = await dialPort(config(), { namespace: "ns", name: "p", port: 80, pingIntervalMs: 10 });
    alive.resume();
    // more pings than the 12 a dead peer is allowed, however slowly this machine runs them
    while (pings < 20 && !alive.destroyed) await new Promise((r) => setTimeout(r, 10));
    expect(alive.destroyed).toBe(false);
    alive.destroy();

    fake.script = (ws: ServerSocket) => {
      ws.send(frame(0, header(80)));
      ws.send(frame(1, header(80)));
      (ws as unknown as { _socket: Socket })._socket.pause(); // reads nothing more, so answers no ping
    };
    const started = Date.now();
    const dead = await dialPort(config(), { namespace: "ns", name: "p", port: 80, pingIntervalMs: 10 });
    dead.resume();
    const [err] = (await once(dead, "error")) as [Error];
    expect(isNetworkError(err)).toBe(true);
    expect(err.message).toContain("no answer to 12 keep-alive pings");
    expect(Date.now() - started).toBeGreaterThanOrEqual(120);
    expect(err.message).not.toContain("tok-unit-secret");
  });
});
