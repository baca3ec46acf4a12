// The artifacts `kubegen generate` can emit and what each needs. `--only`
// names a subset; requirements are added (a fake clientset needs the
// clientset, which needs the types; informers need listers and clients), so
// any selection compiles (clients name the apply configurations in `apply`).

import { UsageError } from "../load/errors.js";

/** Everything kubegen can emit, in dependency order. */
export const ARTIFACTS = ["types", "applyconfigurations", "clients", "fakes", "listers", "informers"] as const;
export type Artifact = (typeof ARTIFACTS)[number];

const REQUIRES: Record<Artifact, readonly Artifact[]> = {
  types: [],
  applyconfigurations: ["types"],
  clients: ["types", "applyconfigurations"],
  fakes: ["clients"],
  listers: ["types"],
  informers: ["listers", "clients"],
};

/** The artifacts to emit for an `--only` list (all of them when it is empty or absent). */
export function resolveArtifacts(only: readonly string[] | undefined): ReadonlySet<Artifact> {
  if (!only || only.length === 0) return new Set(ARTIFACTS);
  const picked = new Set<Artifact>();
  const add = (a: Artifact): void => {
    if (picked.has(a)) return;
    picked.add(a);
    for (const r of REQUIRES[a]) add(r);
  };
  for (const name of only) {
    if (!(ARTIFACTS as readonly string[]).includes(name)) {
      throw new UsageError(`--only: unknown artifact "${name}"; choose from ${ARTIFACTS.join(", ")}`);
    }
    add(name as Artifact);
  }
  return new Set(ARTIFACTS.filter((a) => picked.has(a)));
}
