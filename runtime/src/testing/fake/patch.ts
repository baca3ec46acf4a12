// JSON merge patch (RFC 7386) and JSON patch (RFC 6902) over plain JSON
// values, for the fake clientset's `patch` verb. Pure functions: the input is
// never mutated. Errors are PatchError with `kind` telling a malformed patch
// document (the server answers 400) from one that does not apply (422).

/** A JSON value as the patch functions see it. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Why a patch failed: `malformed` (bad patch document) or `failed` (does not apply, or a `test` op failed). */
export class PatchError extends Error {
  override readonly name = "PatchError";
  constructor(
    readonly kind: "malformed" | "failed",
    message: string,
  ) {
    super(message);
  }
}

function isObject(v: unknown): v is { [key: string]: Json } {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

/**
 * Applies an RFC 7386 merge patch: objects merge recursively, `null` removes
 * a member, anything else (arrays included) replaces.
 */
export function applyMergePatch(target: unknown, patch: unknown): Json {
  if (!isObject(patch)) return clone(patch as Json);
  const out: { [key: string]: Json } = isObject(target) ? clone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = applyMergePatch(out[k], v);
  }
  return out;
}

/** One RFC 6902 operation. */
export interface JsonPatchOperation {
  op: "add" | "remove" | "replace" | "move" | "copy" | "test";
  path: string;
  from?: string;
  value?: unknown;
}

/** Splits a JSON pointer into unescaped tokens (`~1` is `/`, `~0` is `~`). */
export function parsePointer(pointer: string): string[] {
  if (pointer === "") return [];
  if (!pointer.startsWith("/")) throw new PatchError("malformed", `JSON pointer ${JSON.stringify(pointer)} must start with "/"`);
  return pointer
    .slice(1)
    .split("/")
    .map((t) => t.replace(/~1/g, "/").replace(/~0/g, "~"));
}

function arrayIndex(arr: Json[], token: string, pointer: string, forAdd: boolean): number {
  if (forAdd && token === "-") return arr.length;
  if (!/^(0|[1-9][0-9]*)$/.test(token)) throw new PatchError("failed", `invalid array index ${JSON.stringify(token)} in ${pointer}`);
  const i = Number(token);
  if (forAdd ? i > arr.length : i >= arr.length) throw new PatchError("failed", `array index ${i} out of bounds in ${pointer}`);
  return i;
}

/** The container and final token a pointer addresses; throws when a parent is missing. */
function locate(doc: Json, pointer: string): { parent: Json[] | { [key: string]: Json }; key: string } {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) throw new PatchError("failed", "the root cannot be the target of this operation");
  let cur: Json = doc;
  for (const t of tokens.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[arrayIndex(cur, t, pointer, false)]!;
    else if (isObject(cur) && Object.prototype.hasOwnProperty.call(cur, t)) cur = cur[t]!;
    else throw new PatchError("failed", `path ${pointer} does not exist: missing ${JSON.stringify(t)}`);
  }
  if (!Array.isArray(cur) && !isObject(cur)) throw new PatchError("failed", `path ${pointer} does not address a member of an object or array`);
  return { parent: cur, key: tokens[tokens.length - 1]! };
}

function getAt(doc: Json, pointer: string): Json {
  let cur: Json = doc;
  for (const t of parsePointer(pointer)) {
    if (Array.isArray(cur)) cur = cur[arrayIndex(cur, t, pointer, false)]!;
    else if (isObject(cur) && Object.prototype.hasOwnProperty.call(cur, t)) cur = cur[t]!;
    else throw new PatchError("failed", `path ${pointer} does not exist`);
  }
  return cur;
}

function addAt(doc: Json, pointer: string, value: Json): Json {
  if (pointer === "") return value;
  const { parent, key } = locate(doc, pointer);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, pointer, true), 0, value);
  else parent[key] = value;
  return doc;
}

function removeAt(doc: Json, pointer: string): Json {
  const { parent, key } = locate(doc, pointer);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, pointer, false), 1);
  else if (Object.prototype.hasOwnProperty.call(parent, key)) delete parent[key];
  else throw new PatchError("failed", `cannot remove ${pointer}: it does not exist`);
  return doc;
}

function replaceAt(doc: Json, pointer: string, value: Json): Json {
  if (pointer === "") return value;
  const { parent, key } = locate(doc, pointer);
  if (Array.isArray(parent)) parent[arrayIndex(parent, key, pointer, false)] = value;
  // kube-apiserver's JSON patch (evanphx/json-patch v4) replaces a missing object member as `add` would.
  else parent[key] = value;
  return doc;
}

/** Structural JSON equality (object member order ignored). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  if (isObject(a)) {
    if (!isObject(b)) return false;
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && jsonEqual(a[k], b[k]));
  }
  return false;
}

const OPS = new Set(["add", "remove", "replace", "move", "copy", "test"]);

/** Checks the shape of a JSON patch document; throws PatchError("malformed") naming the bad operation. */
export function validateJsonPatch(patch: unknown): JsonPatchOperation[] {
  if (!Array.isArray(patch)) throw new PatchError("malformed", "a JSON patch must be an array of operations");
  patch.forEach((op: unknown, i) => {
    if (!isObject(op)) throw new PatchError("malformed", `operation ${i} is not an object`);
    if (typeof op.op !== "string" || !OPS.has(op.op)) {
      throw new PatchError("malformed", `operation ${i}: unknown op ${JSON.stringify(op.op)}`);
    }
    if (typeof op.path !== "string") throw new PatchError("malformed", `operation ${i} (${op.op}): missing "path"`);
    if ((op.op === "move" || op.op === "copy") && typeof op.from !== "string") {
      throw new PatchError("malformed", `operation ${i} (${op.op}): missing "from"`);
    }
    if ((op.op === "add" || op.op === "replace" || op.op === "test") && !("value" in op)) {
      throw new PatchError("malformed", `operation ${i} (${op.op}): missing "value"`);
    }
  });
  return patch as JsonPatchOperation[];
}

/**
 * Applies an RFC 6902 JSON patch (add, remove, replace, move, copy, test;
 * `-` appends to an array). All or nothing: the input is never changed.
 */
export function applyJsonPatch(target: unknown, patch: unknown): Json {
  const ops = validateJsonPatch(patch);
  let doc = clone(target as Json);
  ops.forEach((op, i) => {
    const where = `operation ${i} (${op.op} ${op.path})`;
    try {
      switch (op.op) {
        case "add":
          doc = addAt(doc, op.path, clone(op.value as Json));
          break;
        case "remove":
          doc = removeAt(doc, op.path);
          break;
        case "replace":
          doc = replaceAt(doc, op.path, clone(op.value as Json));
          break;
        case "move": {
          if (op.path.startsWith(`${op.from!}/`)) throw new PatchError("failed", "cannot move a value into one of its own children");
          const v = getAt(doc, op.from!);
          doc = removeAt(doc, op.from!);
          doc = addAt(doc, op.path, v);
          break;
        }
        case "copy":
          doc = addAt(doc, op.path, clone(getAt(doc, op.from!)));
          break;
        case "test":
          if (!jsonEqual(getAt(doc, op.path), op.value)) throw new PatchError("failed", `test failed: the value at ${op.path} differs`);
          break;
      }
    } catch (err) {
      if (err instanceof PatchError) throw new PatchError(err.kind, `${where}: ${err.message}`);
      throw err;
    }
  });
  return doc;
}
