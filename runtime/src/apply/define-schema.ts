// How generated modules declare their server-side-apply schema. Generated code defines one struct
// at a time (defineApplyStruct, below) and asks for the merged table of what a root reaches
// (applySchemaOf). defineApplySchema is the table-at-once form (hand-written schemas, tests):
// each module lists only its own structs and names the modules it refers to; the merged table
// (own + every module reachable through the dependencies + the runtime's meta table) is built on
// first access to `types` and memoised, so modules that import each other in a cycle are safe:
// nothing is read at import time, and the walk over dependencies visits each module once.

import { META_APPLY_TYPES } from "./meta-schema.js";
import type { ApplyNode, ApplySchema, ApplyStruct } from "./schema.js";

type StructTable = { readonly [name: string]: ApplyStruct };

interface Definition {
  readonly own: StructTable;
  readonly deps: () => readonly ApplySchema[];
}

/** The own table and dependencies of each schema made by defineApplySchema. */
const definitions = new WeakMap<ApplySchema, Definition>();

/**
 * A group-version's apply schema: `own` structs by qualified name, plus those of `deps()` (the
 * schemas of the modules it refers to, followed recursively) and the runtime's meta types
 * (`ObjectMeta`, `LabelSelector`, ...). `deps` is called on first access to `types`, never at
 * definition time. On a name clash the module's own struct wins over a dependency's, and a
 * dependency's over the meta table.
 */
export function defineApplySchema(own: StructTable, deps: () => readonly ApplySchema[] = () => []): ApplySchema {
  let merged: StructTable | undefined;
  const schema: ApplySchema = {
    get types(): StructTable {
      return (merged ??= mergeReachable(schema));
    },
  };
  definitions.set(schema, { own, deps });
  return schema;
}

function mergeReachable(root: ApplySchema): StructTable {
  // Depth-first over the dependency graph, collecting tables; the root's own table goes last.
  const seen = new Set<ApplySchema>();
  const tables: StructTable[] = [];
  const visit = (schema: ApplySchema): void => {
    if (seen.has(schema)) return;
    seen.add(schema);
    const def = definitions.get(schema);
    if (!def) {
      tables.push(schema.types); // a plain { types } schema: already complete
      return;
    }
    for (const dep of def.deps()) visit(dep);
    tables.push(def.own);
  };
  visit(root);
  return Object.freeze(Object.assign({}, META_APPLY_TYPES, ...tables) as StructTable);
}

// Per-struct definitions: what generated code declares, one struct per apply-configuration file.
// A struct is a plain node (`{ kind: "struct", type, define }`, which merge, extraction and the
// fake read like any other struct node) whose `define` thunk is called on first use of a schema
// that reaches it. Fields name other structs by the imported node itself, so a renamed or missing
// target is a compile error, and modules that import each other in a cycle are safe: nothing is
// read at import time. Being an object literal, an unused node is dropped by bundlers.

/** The schema of each single root, so extraction builds it once. */
const rootSchemas = new WeakMap<ApplyNode, ApplySchema>();

/**
 * The merged schema of `roots`: every struct reachable from them through fields, list items, map
 * values and `rest` (each {@link ApplyStructNode}'s `define` called once), plus the runtime's
 * meta types, by qualified name. Built on first access to `types` and memoised; a single root's
 * schema is the same object on every call, so extraction can ask for it per call. A struct node
 * without `define` (`struct("Status")`) names a meta type.
 */
export function applySchemaOf(...roots: readonly ApplyNode[]): ApplySchema {
  const single = roots.length === 1 ? roots[0]! : undefined;
  const cached = single && rootSchemas.get(single);
  if (cached) return cached;
  let merged: StructTable | undefined;
  const schema: ApplySchema = {
    get types(): StructTable {
      return (merged ??= collectReachable(roots));
    },
  };
  if (single) rootSchemas.set(single, schema);
  return schema;
}

function collectReachable(roots: readonly ApplyNode[]): StructTable {
  const table: { [name: string]: ApplyStruct } = Object.assign({}, META_APPLY_TYPES);
  const seen = new Set<ApplyNode>();
  const todo: ApplyNode[] = [...roots];
  while (todo.length > 0) {
    const node = todo.pop()!;
    if (seen.has(node)) continue;
    seen.add(node);
    if (node.kind === "list") todo.push(node.items);
    else if (node.kind === "map") todo.push(node.values);
    // The runtime's own structs (objectMetaApplySchema, ...) are in the table already, fields and all.
    else if (node.kind === "struct" && node.define && !Object.hasOwn(META_APPLY_TYPES, node.type)) {
      const st = node.define();
      table[node.type] = st;
      todo.push(...Object.values(st.fields));
      if (st.rest) todo.push(st.rest);
    }
  }
  return Object.freeze(table);
}
