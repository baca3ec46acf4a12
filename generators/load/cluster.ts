// --from-cluster: reads a live cluster's OpenAPI through the user's
// kubeconfig (the runtime's loadConfig, so auth works as in client-go):
// /openapi/v3 first (the index, then every group-version document by its
// hash URL; only those --groups names; one removed between the two reads is
// skipped with a warning),
// and /openapi/v2 when the server has no v3.

import { isNotFound, loadConfig, RestClient } from "@kubegen/runtime";
import type { Diagnostics } from "./errors.js";
import { UsageError } from "./errors.js";
import { groupVersionOfV3Path, matchesGroups } from "./groups.js";
import { isV3Index, parseJson, toOpenApiInput } from "./openapi.js";
import type { OpenApiInput } from "./schema.js";

export interface ClusterSource {
  /** kubeconfig file (default: KUBECONFIG, then ~/.kube/config, then in-cluster). */
  readonly kubeconfig?: string;
  readonly context?: string;
}

/** Loads OpenAPI documents from the cluster the kubeconfig points at. */
export async function loadFromCluster(
  source: ClusterSource,
  diags: Diagnostics,
  progress?: (line: string) => void,
  groups?: readonly string[],
): Promise<OpenApiInput[]> {
  let client: RestClient;
  try {
    const config = await loadConfig({ ...(source.kubeconfig ? { kubeconfigPath: source.kubeconfig } : {}), ...(source.context ? { context: source.context } : {}) });
    // Dozens of documents in a burst: use kubectl's discovery limits, not client-go's default 5 QPS.
    config.qps = 50;
    config.burst = 300;
    client = new RestClient(config);
  } catch (err) {
    throw new UsageError(`--from-cluster: ${(err as Error).message}`, { cause: err });
  }
  const server = client.config.server;
  const get = async (relative: string): Promise<string> => {
    const u = new URL(relative, "http://server");
    const raw = await client.requestRaw({ path: u.pathname, query: Object.fromEntries(u.searchParams) });
    return raw.body.toString("utf8");
  };
  try {
    let indexText: string | undefined;
    try {
      indexText = await get("/openapi/v3");
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    if (indexText !== undefined) {
      const index = parseJson({ name: `${server}/openapi/v3`, text: indexText }, diags);
      if (!isV3Index(index)) throw new UsageError(`${server}/openapi/v3 did not return an OpenAPI v3 index`);
      // With --groups, only those documents (each v3 document carries every schema it refers to).
      const wanted = (path: string): boolean => {
        if (!groups?.length) return true;
        const gv = groupVersionOfV3Path(path);
        return gv !== undefined && matchesGroups(gv.group, gv.version, groups);
      };
      const entries = Object.entries(index.paths)
        .filter(([path]) => wanted(path))
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      progress?.(`fetching ${entries.length} OpenAPI v3 documents from ${server}`);
      const out: OpenApiInput[] = [];
      for (const [gv, { serverRelativeURL }] of entries) {
        const name = `${server}/openapi/v3/${gv}`;
        let text: string;
        try {
          text = await get(serverRelativeURL);
        } catch (err) {
          // Listed a moment ago and gone now (a CRD deleted meanwhile): what the cluster serves has no such group-version.
          if (!isNotFound(err)) throw err;
          diags.warn(name, "", "listed in /openapi/v3 but gone when fetched (removed meanwhile); skipped");
          continue;
        }
        const doc = parseJson({ name, text }, diags);
        const input = doc === undefined ? undefined : toOpenApiInput({ name, text: "" }, doc, diags);
        if (input) out.push(input);
      }
      return out;
    }
    progress?.(`${server} has no /openapi/v3; reading /openapi/v2`);
    const name = `${server}/openapi/v2`;
    const doc = parseJson({ name, text: await get("/openapi/v2") }, diags);
    const input = doc === undefined ? undefined : toOpenApiInput({ name, text: "" }, doc, diags);
    return input ? [input] : [];
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`--from-cluster: reading OpenAPI from ${server} failed: ${(err as Error).message}`, { cause: err });
  }
}
