// The JSON Patch (RFC 6902) a mutating webhook answers with, computed from the object it was
// sent and the object its handler returned. Objects are compared key by key (add, remove,
// replace per member); arrays and other values that differ are replaced whole, which the API
// server applies exactly and which never depends on list indexes shifting under each other.
// Paths are JSON Pointers (RFC 6901): `~` and `/` in keys are escaped as `~0` and `~1`.

/** One operation of a JSON Patch. */
export type JsonPatchOperation =
  | { readonly op: "add"; readonly path: string; readonly value: unknown }
  | { readonly op: "replace"; readonly path: string; readonly value: unknown }
  | { readonly op: "remove"; readonly path: string };

/** A JSON Pointer reference token for `key` (RFC 6901 section 3). */
export function pointerToken(key: string): string {
  return key.replace(/~/g, "~0").replace(/\//g, "~1");
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Deep equality of JSON values (key order does not matter). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]));
  }
  return false;
}

/** The operations that turn `from` into `to` (both JSON values); empty when they are equal. */
export function jsonPatch(from: unknown, to: unknown, path = ""): JsonPatchOperation[] {
  if (jsonEqual(from, to)) return [];
  if (!isObject(from) || !isObject(to)) return [{ op: "replace", path, value: to }];
  const ops: JsonPatchOperation[] = [];
  for (const key of Object.keys(from)) {
    if (!Object.hasOwn(to, key) || to[key] === undefined) ops.push({ op: "remove", path: `${path}/${pointerToken(key)}` });
  }
  for (const [key, value] of Object.entries(to)) {
    if (value === undefined) continue;
    const at = `${path}/${pointerToken(key)}`;
    if (!Object.hasOwn(from, key)) ops.push({ op: "add", path: at, value });
    else ops.push(...jsonPatch(from[key], value, at));
  }
  return ops;
}
