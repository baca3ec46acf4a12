// The real kube-apiserver through real proxies on loopback: a small CONNECT
// proxy (node:http `connect`) and a small SOCKS5 server (node:net, RFC 1928
// with RFC 1929 username/password), both written here and counting tunnels
// and their targets. Through each: a typed list, a watch that receives an
// event, and a bearer-token request whose identity the server confirms with a
// SelfSubjectReview.
//
// The API server listens on 127.0.0.1, and environment proxies never apply to
// loopback (Go's httpproxy useProxy), so these tests set RestConfig.proxyUrl
// (the kubeconfig `proxy-url`). client-go honours an explicit proxy-url for
// every host, loopback included: clientcmd sets rest.Config.Proxy to
// http.ProxyURL(u), which returns u for every request without consulting
// NO_PROXY or the loopback rule. The last test shows the contrast: the same
// proxy given as HTTPS_PROXY is not used for the loopback server.
import http from "node:http";
import net from "node:net";
import type { AddressInfo } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig, ResourceClient, RestClient, type RestConfig } from "@kubegen/runtime";
import { TEST_USERS } from "@kubegen/runtime/testing";
import { controlPlane, useTestNamespace } from "../../helpers/cluster.js";

const cp = controlPlane();
const T = 60_000;
const USER = "proxy-user";
const PASS = "proxy-pass-4c1e";

const closers: Array<() => void> = [];
afterAll(() => closers.forEach((c) => c()));

/** Listens on loopback and registers the server (and every socket it accepted) for closing. */
async function listen(server: net.Server): Promise<number> {
  const sockets = new Set<net.Socket>();
  server.on("connection", (s: net.Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  closers.push(() => {
    server.close();
    for (const s of sockets) s.destroy();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return (server.address() as AddressInfo).port;
}

/** The proxies' own name resolution: `localhost` is 127.0.0.1; IP addresses are themselves. */
function proxyResolve(host: string): string | undefined {
  if (host === "localhost") return "127.0.0.1";
  return net.isIP(host) ? host : undefined;
}

interface Proxy {
  url: string;
  /** One entry per tunnel: the target host:port the client asked for. */
  targets: string[];
}

async function connectProxy(): Promise<Proxy> {
  const targets: string[] = [];
  const server = http.createServer((_req, res) => res.writeHead(405).end());
  server.on("connect", (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    socket.on("error", () => socket.destroy());
    const target = req.url ?? "";
    const colon = target.lastIndexOf(":");
    const ip = proxyResolve(target.slice(0, colon));
    if (!ip) return void socket.end("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n");
    targets.push(target);
    const up = net.connect(Number(target.slice(colon + 1)), ip, () => {
      socket.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      if (head.length) up.write(head);
      up.pipe(socket);
      socket.pipe(up);
    });
    up.on("error", () => socket.destroy());
    socket.on("close", () => up.destroy());
  });
  return { url: `http://127.0.0.1:${await listen(server)}`, targets };
}

/** A SOCKS5 server requiring USER/PASS; records `host:port` per CONNECT (the host as the client sent it). */
async function socksProxy(): Promise<{ port: number; targets: string[]; atyps: number[] }> {
  const targets: string[] = [];
  const atyps: number[] = [];
  const serve = async (sock: net.Socket) => {
    let buf = Buffer.alloc(0);
    let wake: (() => void) | undefined;
    let closed = false;
    const onData = (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      wake?.();
    };
    sock.on("data", onData);
    sock.on("close", () => {
      closed = true;
      wake?.();
    });
    const read = async (n: number): Promise<Buffer> => {
      while (buf.length < n) {
        if (closed) throw new Error("closed");
        await new Promise<void>((r) => (wake = r));
      }
      const out = buf.subarray(0, n);
      buf = buf.subarray(n);
      return out;
    };
    const [ver, n] = await read(2);
    if (ver !== 5) return sock.destroy();
    if (!(await read(n!)).includes(2)) return void sock.end(Buffer.from([5, 0xff]));
    sock.write(Buffer.from([5, 2]));
    const [, ulen] = await read(2);
    const user = (await read(ulen!)).toString();
    const pass = (await read((await read(1))[0]!)).toString();
    const ok = user === USER && pass === PASS;
    sock.write(Buffer.from([1, ok ? 0 : 1]));
    if (!ok) return void sock.end();
    const [, cmd, , atyp] = await read(4);
    let host: string;
    if (atyp === 1) host = [...(await read(4))].join(".");
    else if (atyp === 3) host = (await read((await read(1))[0]!)).toString();
    else return void sock.end(Buffer.from([5, 8, 0, 1, 0, 0, 0, 0, 0, 0]));
    const port = (await read(2)).readUInt16BE(0);
    const ip = proxyResolve(host);
    if (cmd !== 1 || !ip) return void sock.end(Buffer.from([5, cmd !== 1 ? 7 : 4, 0, 1, 0, 0, 0, 0, 0, 0]));
    targets.push(`${host}:${port}`);
    atyps.push(atyp);
    const up = net.connect(port, ip, () => {
      sock.write(Buffer.from([5, 0, 0, 1, 0, 0, 0, 0, 0, 0]));
      sock.off("data", onData);
      if (buf.length) up.write(buf);
      up.pipe(sock);
      sock.pipe(up);
    });
    up.on("error", () => sock.destroy());
    sock.on("close", () => up.destroy());
  };
  const server = net.createServer((sock) => {
    sock.on("error", () => sock.destroy());
    serve(sock).catch(() => sock.destroy());
  });
  return { port: await listen(server), targets, atyps };
}

interface ConfigMap {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string; resourceVersion?: string };
  data?: Record<string, string>;
}
const CM_INFO = { group: "", version: "v1", resource: "configmaps", kind: "ConfigMap", namespaced: true } as const;

describe.skipIf(!cp)("the API server through proxies (explicit proxy-url)", () => {
  const ns = useTestNamespace(cp, "proxy");
  const host = cp ? new URL(cp.server).host : "";
  const port = cp ? new URL(cp.server).port : "";

  /** proxy name -> (proxyUrl, server URL to use, what the proxy must have seen as target) */
  const kinds: Array<[string, () => Promise<{ proxyUrl: string; server: string; target: string; seen: () => string[] }>]> = [
    [
      "CONNECT (http://)",
      async () => {
        const p = await connectProxy();
        return { proxyUrl: p.url, server: cp!.server, target: host, seen: () => p.targets };
      },
    ],
    [
      "SOCKS5 with username/password (socks5://, address resolved by the client)",
      async () => {
        const s = await socksProxy();
        return { proxyUrl: `socks5://${USER}:${PASS}@127.0.0.1:${s.port}`, server: cp!.server, target: host, seen: () => s.targets };
      },
    ],
    [
      "SOCKS5 with username/password (socks5h://, `localhost` resolved by the proxy)",
      async () => {
        const s = await socksProxy();
        return {
          proxyUrl: `socks5h://${USER}:${PASS}@127.0.0.1:${s.port}`,
          // the serving certificate names localhost, so TLS verification still holds
          server: `https://localhost:${port}`,
          target: `localhost:${port}`,
          seen: () => s.targets,
        };
      },
    ],
  ];

  describe.each(kinds)("%s", (_name, make) => {
    async function clientFor(context?: string): Promise<{ rc: RestClient; seen: () => string[]; target: string }> {
      const p = await make();
      const config: RestConfig = await loadConfig({ kubeconfigPath: cp!.kubeconfigPath, ...(context ? { context } : {}), env: {} });
      config.server = p.server;
      config.proxyUrl = p.proxyUrl;
      const rc = new RestClient(config);
      closers.push(() => rc.close());
      return { rc, seen: p.seen, target: p.target };
    }

    it("lists with a typed client", async () => {
      const { rc, seen, target } = await clientFor();
      const cms = new ResourceClient<ConfigMap>(rc, CM_INFO, ns());
      const name = `list-${Math.random().toString(36).slice(2, 8)}`;
      await cms.create({ metadata: { name }, data: { via: "proxy" } });
      const list = await cms.list();
      expect(list.items?.find((c) => c.metadata.name === name)?.data).toEqual({ via: "proxy" });
      expect(seen().length).toBeGreaterThan(0);
      expect(new Set(seen())).toEqual(new Set([target]));
    }, T);

    it("watches and receives an event", async () => {
      const { rc, seen, target } = await clientFor();
      const cms = new ResourceClient<ConfigMap>(rc, CM_INFO, ns());
      const name = `watch-${Math.random().toString(36).slice(2, 8)}`;
      const rv = (await cms.list()).metadata?.resourceVersion;
      const ac = new AbortController();
      const got: Array<[string, string]> = [];
      let started!: () => void;
      const watching = new Promise<void>((r) => (started = r));
      const done = (async () => {
        const events = rc.watch<ConfigMap>(
          { version: "v1", resource: "configmaps", namespace: ns(), options: { resourceVersion: rv }, signal: ac.signal },
          { onResponse: () => started() },
        );
        for await (const ev of events) {
          got.push([ev.type, ev.object.metadata.name]);
          if (ev.object.metadata.name === name) ac.abort();
        }
      })();
      await Promise.race([watching, done]); // a failed watch ends the wait too
      await cms.create({ metadata: { name } });
      await done;
      expect(got).toContainEqual(["ADDED", name]);
      expect(new Set(seen())).toEqual(new Set([target]));
      expect(seen().length).toBeGreaterThanOrEqual(2); // the watch holds one tunnel, the create needs another
    }, T);

    it("authenticates with a bearer token (no exec plugin)", async () => {
      const { rc, seen, target } = await clientFor("token-admin");
      expect(rc.config.bearerToken).toBeTruthy();
      expect(rc.config.exec).toBeUndefined();
      const review = await rc.request<{ status: { userInfo: { username: string } } }>({
        group: "authentication.k8s.io",
        version: "v1",
        resource: "selfsubjectreviews",
        verb: "create",
        body: { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" },
      });
      expect(review.status.userInfo.username).toBe(TEST_USERS.tokenAdmin);
      expect(seen()).toEqual([target]);
    }, T);
  });

  it("does not use an environment proxy for the loopback server (only an explicit proxy-url applies there)", async () => {
    const p = await connectProxy();
    const config = await loadConfig({ kubeconfigPath: cp!.kubeconfigPath, env: { HTTPS_PROXY: p.url } });
    const rc = new RestClient(config);
    closers.push(() => rc.close());
    expect(rc.transport.proxy).toBeUndefined();
    await expect(rc.request({ version: "v1", resource: "namespaces", verb: "list" })).resolves.toMatchObject({
      kind: "NamespaceList",
    });
    expect(p.targets).toEqual([]);
  }, T);
});
