// A fake, local WebSocket server (the `ws` package's server on loopback HTTP) for the UNIT tier
// of the streaming clients (exec/attach, port-forward): each connection runs `script`; `accept`
// picks the subprotocol; `refuse` answers the upgrade request itself. Never used where a test
// claims to check what kube-apiserver does.
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { WebSocketServer, type WebSocket as ServerSocket } from "ws";

export type { ServerSocket };

export type Script = (ws: ServerSocket, req: http.IncomingMessage) => void;

export interface Fake {
  url: string;
  /** The script for the next connections. */
  script: Script;
  /** Protocols the server accepts (first offered that is in this list wins). */
  accept: string[];
  /** Answers the upgrade request itself instead (status and body), when set. */
  refuse: ((req: http.IncomingMessage) => { status: number; body: string } | "hang" | undefined) | undefined;
  requests: http.IncomingMessage[];
  sockets: Set<Socket>;
  close(): Promise<void>;
}

export async function fakeServer(accept: readonly string[]): Promise<Fake> {
  const server = http.createServer();
  const wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (offered) => fake.accept.find((p) => offered.has(p)) ?? false,
  });
  const fake: Fake = {
    url: "",
    script: () => {},
    accept: [...accept],
    refuse: undefined,
    requests: [],
    sockets: new Set(),
    close: async () => {
      for (const s of fake.sockets) s.destroy();
      wss.close();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  server.on("connection", (s: Socket) => {
    fake.sockets.add(s);
    s.on("close", () => fake.sockets.delete(s));
  });
  server.on("upgrade", (req, socket, head) => {
    fake.requests.push(req);
    const answer = fake.refuse?.(req);
    if (answer === "hang") {
      socket.on("end", () => socket.destroy()); // an upgrade socket is half-open by default: see the client's end
      return;
    }
    if (answer) {
      socket.end(
        `HTTP/1.1 ${answer.status} No\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(answer.body)}\r\nconnection: close\r\n\r\n${answer.body}`,
      );
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => fake.script(ws, req));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}

