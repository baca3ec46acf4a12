// The watch stream decoder against arbitrary chunking.
import { describe, expect, it } from "vitest";
import { ApiError, decodeWatchEvents, isResourceExpired, JsonFramer, type WatchEvent } from "@kubegen/runtime";

const events = [
  { type: "ADDED", object: { metadata: { name: "a" }, data: { s: "brace } bracket ] quote \" backslash \\ newline \n" } } },
  { type: "MODIFIED", object: { metadata: { name: "ü-日本-🎉" }, data: { emoji: "🎉🎉", cjk: "日本語", mixed: "é\u00e9" } } },
  { type: "BOOKMARK", object: { metadata: { resourceVersion: "42" } } },
  { type: "DELETED", object: { metadata: { name: "a" }, list: [1, [2, { x: "]" }]] } },
];
const wire = Buffer.from(events.map((e) => JSON.stringify(e) + "\n").join(""), "utf8");

async function* chunks(buf: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

async function collect<T>(it: AsyncIterable<WatchEvent<T>>): Promise<WatchEvent<T>[]> {
  const out: WatchEvent<T>[] = [];
  for await (const e of it) out.push(e);
  return out;
}

describe("watch decoding", () => {
  it.each([1, 2, 3, 7, 64, wire.length])("decodes %i-byte chunks, including split multi-byte UTF-8", async (size) => {
    expect(await collect(decodeWatchEvents(chunks(wire, size)))).toEqual(events);
  });

  it("does not need newlines between events and ignores whitespace", () => {
    const f = new JsonFramer();
    expect(f.push('  {"a":1}{"b":"}"}\r\n\t[1]')).toEqual(['{"a":1}', '{"b":"}"}', "[1]"]);
    expect(f.push('{"c"')).toEqual([]);
    expect(f.pending).toBe(true);
    expect(f.push(":2}")).toEqual(['{"c":2}']);
  });

  it("turns an ERROR event into a thrown ApiError with the Status", async () => {
    const status = { kind: "Status", apiVersion: "v1", status: "Failure", code: 410, reason: "Expired", message: "too old resource version: 1 (2)" };
    const body = Buffer.from(JSON.stringify(events[0]) + "\n" + JSON.stringify({ type: "ERROR", object: status }) + "\n");
    const seen: unknown[] = [];
    const err = await (async () => {
      for await (const e of decodeWatchEvents(chunks(body, 1))) seen.push(e);
    })().catch((e: unknown) => e);
    expect(seen).toHaveLength(1);
    expect(err).toBeInstanceOf(ApiError);
    expect(isResourceExpired(err)).toBe(true);
    expect((err as ApiError).message).toBe("too old resource version: 1 (2)");
  });

  it("ends quietly on a truncated final event and fails on garbage or unknown types", async () => {
    const truncated = Buffer.concat([wire, Buffer.from('{"type":"ADDED","object":{"x"')]);
    expect(await collect(decodeWatchEvents(chunks(truncated, 5)))).toEqual(events);
    await expect(collect(decodeWatchEvents(chunks(Buffer.from("oops"), 1)))).rejects.toThrow(
      /unable to decode an event from the watch stream/,
    );
    await expect(collect(decodeWatchEvents(chunks(Buffer.from('{"type":"WAT","object":{}}'), 3)))).rejects.toThrow(
      /invalid watch event type "WAT"/,
    );
  });
});
