// defineApplySchema: how a generated group-version module declares its server-side-apply schema.
// Each module lists only its own structs and names the modules it refers to; the merged table
// (own + every module reachable through the dependencies + the runtime's meta table) is built on
// first access to `types` and memoised, so modules that import each other in a cycle are safe:
// nothing is read at import time, and the walk over dependencies visits each module once.

import { META_APPLY_TYPES } from "./meta-schema.js";
import type { ApplySchema, ApplyStruct } from "./schema.js";

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
