// Watches against the real server: typed events, clean end when the server
// closes the stream, abort, bookmarks, and pod-log style streaming.
import { describe, expect, it } from "vitest";
import { loadConfig, RestClient, type WatchEvent } from "@kubegen/runtime";
import { controlPlane, useTestNamespace } from "../../helpers/cluster.js";

const cp = controlPlane();

interface ConfigMap {
  metadata: { name: string; resourceVersion: string; annotations?: Record<string, string> };
  data?: Record<string, string>;
}

describe.skipIf(!cp)("watch", () => {
  const ns = useTestNamespace(cp, "watch");
  const cms = () => ({ version: "v1", resource: "configmaps", namespace: ns() }) as const;
  const client = async () => new RestClient(await loadConfig({ kubeconfigPath: cp!.kubeconfigPath }));

  it("delivers ADDED, MODIFIED and DELETED in order from a resourceVersion", async () => {
    const rc = await client();
    const list = await rc.request<{ metadata: { resourceVersion: string } }>({ ...cms(), verb: "list" });
    const ac = new AbortController();
    const got: Array<[string, string, string | undefined]> = [];
    const done = (async () => {
      for await (const ev of rc.watch<ConfigMap>({ ...cms(), options: { resourceVersion: list.metadata.resourceVersion }, signal: ac.signal })) {
        got.push([ev.type, ev.object.metadata.name, ev.object.data?.v]);
        if (ev.type === "DELETED") ac.abort();
      }
    })();
    const created = await rc.request<ConfigMap>({ ...cms(), verb: "create", body: { metadata: { name: "w1" }, data: { v: "1" } } });
    await rc.request({ ...cms(), verb: "update", name: "w1", body: { ...created, data: { v: "2" } } });
    await rc.request({ ...cms(), verb: "delete", name: "w1" });
    await done; // abort ends the iteration cleanly
    expect(got).toEqual([
      ["ADDED", "w1", "1"],
      ["MODIFIED", "w1", "2"],
      ["DELETED", "w1", "2"],
    ]);
    rc.close();
  });

  it("ends cleanly when the server closes the stream (timeoutSeconds=1)", async () => {
    const rc = await client();
    const list = await rc.request<{ metadata: { resourceVersion: string } }>({ ...cms(), verb: "list" });
    const events: WatchEvent<ConfigMap>[] = [];
    for await (const ev of rc.watch<ConfigMap>({ ...cms(), options: { resourceVersion: list.metadata.resourceVersion, timeoutSeconds: 1 } })) {
      events.push(ev);
    }
    expect(events).toEqual([]); // and we got here: no hang
    rc.close();
  });

  it("starts with the current state from resourceVersion 0 and ends with a bookmark for sendInitialEvents", async () => {
    const rc = await client();
    await rc.request({ ...cms(), verb: "create", body: { metadata: { name: "init" }, data: { v: "x" } } });
    const got: WatchEvent<ConfigMap>[] = [];
    for await (const ev of rc.watch<ConfigMap>({
      ...cms(),
      options: { sendInitialEvents: true, allowWatchBookmarks: true, resourceVersionMatch: "NotOlderThan", timeoutSeconds: 2 },
    })) {
      got.push(ev);
      if (ev.type === "BOOKMARK") break; // breaking out closes the connection
    }
    expect(got.filter((e) => e.type === "ADDED").map((e) => e.object.metadata.name)).toContain("init");
    const bookmark = got.at(-1)!;
    expect(bookmark.type).toBe("BOOKMARK");
    expect(bookmark.object.metadata.annotations?.["k8s.io/initial-events-end"]).toBe("true");
    rc.close();
  });

  it("streams a raw response body with stream()", async () => {
    const rc = await client();
    const body = await rc.stream({ path: "/openapi/v2" });
    let bytes = 0;
    let chunks = 0;
    for await (const chunk of body) {
      bytes += (chunk as Buffer).length;
      chunks++;
    }
    expect(chunks).toBeGreaterThan(1);
    expect(bytes).toBeGreaterThan(100_000);
    await expect(rc.stream({ ...cms(), name: "missing", subresource: "nothing" })).rejects.toMatchObject({ code: 404 });
    rc.close();
  });
});
