// Typed errors built from real kube-apiserver responses.
import { describe, expect, it } from "vitest";
import {
  ApiError,
  hasStatusCause,
  isAlreadyExists,
  isConflict,
  isForbidden,
  isGone,
  isInvalid,
  isNotFound,
  isResourceExpired,
  loadConfig,
  RestClient,
} from "@kubegen/runtime";
import { controlPlane, useTestNamespace } from "../../helpers/cluster.js";

const cp = controlPlane();

interface ConfigMap {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; resourceVersion?: string };
  data?: Record<string, string>;
}

describe.skipIf(!cp)("API errors from a real server", () => {
  const ns = useTestNamespace(cp, "err");
  const cms = (rc: RestClient) => ({ version: "v1", resource: "configmaps", namespace: ns() }) as const;
  let rc: RestClient;
  const admin = async () => (rc ??= new RestClient(await loadConfig({ kubeconfigPath: cp!.kubeconfigPath })));

  it("404 NotFound", async () => {
    const c = await admin();
    const err = (await c.request({ ...cms(c), verb: "get", name: "nope" }).catch((e: unknown) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(isNotFound(err)).toBe(true);
    expect([err.code, err.reason]).toEqual([404, "NotFound"]);
    expect(err.message).toBe('configmaps "nope" not found');
    expect(err.status.details).toMatchObject({ name: "nope", kind: "configmaps" });
  });

  it("409 AlreadyExists and 409 Conflict on a stale resourceVersion", async () => {
    const c = await admin();
    const created = await c.request<ConfigMap>({ ...cms(c), verb: "create", body: { metadata: { name: "dup" }, data: { a: "1" } } });
    const dup = await c.request({ ...cms(c), verb: "create", body: { metadata: { name: "dup" } } }).catch((e: unknown) => e);
    expect(isAlreadyExists(dup)).toBe(true);
    expect(isConflict(dup)).toBe(false);
    expect((dup as ApiError).code).toBe(409);

    await c.request({ ...cms(c), verb: "update", name: "dup", body: { ...created, data: { a: "2" } } });
    const stale = await c
      .request({ ...cms(c), verb: "update", name: "dup", body: { ...created, data: { a: "3" } } })
      .catch((e: unknown) => e);
    expect(isConflict(stale)).toBe(true);
    expect(isAlreadyExists(stale)).toBe(false);
    expect((stale as ApiError).message).toContain("the object has been modified");
  });

  it("422 Invalid with field causes", async () => {
    const c = await admin();
    const err = (await c
      .request({ ...cms(c), verb: "create", body: { metadata: { name: "Bad_Name" }, data: { "bad key!": "x" } } })
      .catch((e: unknown) => e)) as ApiError;
    expect(isInvalid(err)).toBe(true);
    expect(err.code).toBe(422);
    expect(err.causes.map((c) => c.field)).toEqual(expect.arrayContaining(["metadata.name", "data[bad key!]"]));
    expect(hasStatusCause(err, "FieldValueInvalid")).toBe(true);
    expect(err.message).toContain('ConfigMap "Bad_Name" is invalid');
  });

  it("403 Forbidden for the limited user, naming the user", async () => {
    const limited = new RestClient(await loadConfig({ kubeconfigPath: cp!.kubeconfigPath, context: "limited" }));
    const err = (await limited.request({ version: "v1", resource: "configmaps", namespace: ns(), verb: "list" }).catch((e: unknown) => e)) as ApiError;
    expect(isForbidden(err)).toBe(true);
    expect(err.message).toContain("kubegen-limited");
    expect(err.message).not.toContain(cp!.limitedToken);
    limited.close();
  });

  it("410 Expired when watching from a resourceVersion etcd has compacted", async () => {
    // core/v1 events have no watch cache by default, so the watch reaches etcd
    const c = await admin();
    const events = { version: "v1", resource: "events", namespace: ns() } as const;
    let ev = await c.request<{ metadata: { resourceVersion: string } }>({
      ...events,
      verb: "create",
      body: { metadata: { name: "e" }, involvedObject: { kind: "ConfigMap", name: "x", namespace: ns() }, reason: "R", message: "0" },
    });
    const oldRv = ev.metadata.resourceVersion;
    for (let i = 1; i <= 3; i++) {
      ev = await c.request({ ...events, verb: "update", name: "e", body: { ...ev, message: String(i) } });
    }
    // compact etcd at its current revision through the gRPC gateway
    const range = await fetch(`${cp!.etcdUrl}/v3/kv/range`, {
      method: "POST",
      body: JSON.stringify({ key: Buffer.from("/").toString("base64") }),
    });
    const revision = ((await range.json()) as { header: { revision: string } }).header.revision;
    expect(Number(revision)).toBeGreaterThan(Number(oldRv));
    const compact = await fetch(`${cp!.etcdUrl}/v3/kv/compaction`, {
      method: "POST",
      body: JSON.stringify({ revision, physical: true }),
    });
    expect(compact.status).toBe(200);

    const seen: unknown[] = [];
    const err = await (async () => {
      for await (const e of c.watch({ ...events, options: { resourceVersion: oldRv, timeoutSeconds: 5 } })) seen.push(e);
    })().catch((e: unknown) => e);
    expect(seen).toEqual([]);
    expect(isResourceExpired(err)).toBe(true);
    expect(isGone(err)).toBe(false); // Expired is a known reason distinct from Gone
    expect((err as ApiError).code).toBe(410);

    // a list from the current state still works, and a watch from its resourceVersion is fine
    const list = await c.request<{ metadata: { resourceVersion: string } }>({ ...events, verb: "list" });
    const ok: unknown[] = [];
    for await (const e of c.watch({ ...events, options: { resourceVersion: list.metadata.resourceVersion, timeoutSeconds: 1 } })) ok.push(e);
    expect(ok).toEqual([]);
  });
});
