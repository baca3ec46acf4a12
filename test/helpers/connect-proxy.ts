// An HTTP CONNECT proxy the test controls, for integration tests: clients reach the
// API server through it (`config.proxyUrl = proxy.url`), and `dropAll()` cuts every tunnel at
// once, as a proxy or load balancer that goes away does.
import http from "node:http";
import net from "node:net";
import type { AddressInfo } from "node:net";

export interface DroppingProxy {
  readonly url: string;
  /** The `host:port` of every CONNECT request, in order. */
  readonly targets: string[];
  /** Both ends of every tunnel opened so far. */
  readonly tunnels: Set<net.Socket>;
  dropAll(): void;
  close(): void;
}

export async function startDroppingProxy(): Promise<DroppingProxy> {
  const tunnels = new Set<net.Socket>();
  const targets: string[] = [];
  const server = http.createServer();
  server.on("connect", (req, socket: net.Socket, head) => {
    targets.push(req.url ?? "");
    const [host, port] = (req.url ?? "").split(":");
    const up = net.connect(Number(port), host, () => {
      socket.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      up.write(head);
      up.pipe(socket);
      socket.pipe(up);
    });
    tunnels.add(socket).add(up);
    up.on("error", () => socket.destroy());
    socket.on("error", () => up.destroy());
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    targets,
    tunnels,
    dropAll: () => {
      for (const t of tunnels) t.destroy();
    },
    close: () => {
      for (const t of tunnels) t.destroy();
      server.close();
    },
  };
}
