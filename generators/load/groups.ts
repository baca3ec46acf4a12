// `--groups`: which group-versions a run keeps. Used when loading (a cluster's
// /openapi/v3 documents of other groups are not fetched) and when building the IR.

/**
 * True when `group`/`version` is one of `wanted` (`apps/v1`, `apps` for every
 * version, `core/v1`, `v1` or `core` for the legacy group); everything matches
 * when `wanted` is empty or absent.
 */
export function matchesGroups(group: string, version: string, wanted: readonly string[] | undefined): boolean {
  if (!wanted || wanted.length === 0) return true;
  const forms = group === "" ? [`${version}`, `core/${version}`, `/${version}`] : [`${group}/${version}`];
  return wanted.some((w) => forms.includes(w) || w === group || (group === "" && w === "core"));
}

/** The group and version of an /openapi/v3 index path (`api/v1`, `apis/apps/v1`), or undefined for other paths. */
export function groupVersionOfV3Path(path: string): { group: string; version: string } | undefined {
  const parts = path.split("/");
  if (parts.length === 2 && parts[0] === "api") return { group: "", version: parts[1]! };
  if (parts.length === 3 && parts[0] === "apis") return { group: parts[1]!, version: parts[2]! };
  return undefined;
}
