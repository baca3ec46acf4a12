// The mutable workspace the IR builders fill in, one module per
// group-version, frozen into the readonly ApiModel at the end (sorted, so the
// result does not depend on input order beyond collision suffixes).

import { groupVersionNames, uniqueName } from "./naming.js";
import type { ApiModel, GroupVersion, GroupVersionNames, Resource, TypeDef } from "./types.js";

/** A module being built. */
export interface ModuleDraft {
  readonly group: string;
  readonly version: string;
  readonly names: GroupVersionNames;
  readonly types: Map<string, TypeDef>;
  /** Names reserved or used in this module. */
  readonly taken: Set<string>;
  readonly resources: Resource[];
}

const byString = <T>(key: (t: T) => string) => (a: T, b: T): number => {
  const x = key(a);
  const y = key(b);
  return x < y ? -1 : x > y ? 1 : 0;
};

export class ModelBuilder {
  readonly #allGroups: ReadonlySet<string>;
  readonly #modules = new Map<string, ModuleDraft>();

  /** @param allGroups every API group of the run, so names can avoid collisions. */
  constructor(allGroups: Iterable<string>) {
    this.#allGroups = new Set(allGroups);
  }

  /** The module for a group-version, created on first use. */
  module(group: string, version: string): ModuleDraft {
    const key = `${group}/${version}`;
    let m = this.#modules.get(key);
    if (!m) {
      m = { group, version, names: groupVersionNames(group, version, this.#allGroups), types: new Map(), taken: new Set(), resources: [] };
      this.#modules.set(key, m);
    }
    return m;
  }

  /** Reserves a unique type name in a module. */
  reserve(m: ModuleDraft, base: string): string {
    return uniqueName(base, m.taken);
  }

  /** The readonly, sorted model. Modules with no types and no resources are dropped. */
  finish(): ApiModel {
    const groupVersions: GroupVersion[] = [...this.#modules.values()]
      .filter((m) => m.types.size > 0 || m.resources.length > 0)
      .map((m) => ({
        group: m.group,
        version: m.version,
        names: m.names,
        resources: [...m.resources].sort(byString((r) => `${r.kind}\u0000${r.plural}`)),
        types: [...m.types.values()].sort(byString((t) => t.name)),
      }))
      .sort(byString((g) => g.names.modulePath));
    return { groupVersions };
  }
}
