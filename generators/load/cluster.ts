// --from-cluster: reads a live cluster's API through the user's kubeconfig
// (the runtime's loadConfig, so auth works as in client-go; like kubectl, the
// CLI enables the legacy oidc auth-provider, which library users opt into):
// - group-versions served by CustomResourceDefinitions come from the CRD
//   objects themselves (listed through apiextensions.k8s.io/v1), so they go
//   through the same CRD path as `--crd` files and give the same API (the
//   OpenAPI the server publishes for them drops markers and shapes);
// - every other group-version from /openapi/v3 (the index, then each
//   document by its hash URL; one removed between the two reads is skipped
//   with a warning), or /openapi/v2 when the server has no v3.
// With --groups only the CRDs and documents of those groups are read. When
// the CRDs cannot be listed (RBAC), their OpenAPI is used, with a warning.

import { enableOidcAuthProvider, isForbidden, isNotFound, loadConfig, RestClient } from "@kubegen/runtime";
import type { Diagnostics } from "./errors.js";
import { UsageError } from "./errors.js";
import { groupVersionOfV3Path, matchesGroups } from "./groups.js";
import { isV3Index, parseJson, toOpenApiInput } from "./openapi.js";
import type { CrdInput, LoadedInput, OpenApiInput } from "./schema.js";

export interface ClusterSource {
  /** kubeconfig file (default: KUBECONFIG, then ~/.kube/config, then in-cluster). */
  readonly kubeconfig?: string;
  readonly context?: string;
}

const CRDS_PATH = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";
/** CRDs per list request (the API server's pages; `continue` fetches the next). */
const CRD_PAGE = 250;

const isRecord = (v: unknown): v is Record<string, any> => typeof v === "object" && v !== null && !Array.isArray(v);

/** The served group-versions of an established CRD object (`group/version`), empty for one the server does not serve yet. */
export function servedGroupVersions(crd: unknown): string[] {
  if (!isRecord(crd) || !isRecord(crd.spec) || typeof crd.spec.group !== "string" || !Array.isArray(crd.spec.versions)) return [];
  const conditions: unknown[] = isRecord(crd.status) && Array.isArray(crd.status.conditions) ? crd.status.conditions : [];
  if (!conditions.some((c) => isRecord(c) && c.type === "Established" && c.status === "True")) return [];
  return crd.spec.versions.filter((v: unknown) => isRecord(v) && v.served === true && typeof v.name === "string").map((v: { name: string }) => `${crd.spec.group}/${v.name}`);
}

/** `text` parsed as JSON, or undefined when it is not JSON (a document cut short). */
function jsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Loads the CRDs and OpenAPI documents of the cluster the kubeconfig points at. */
export async function loadFromCluster(
  source: ClusterSource,
  diags: Diagnostics,
  progress?: (line: string) => void,
  groups?: readonly string[],
): Promise<LoadedInput[]> {
  let client: RestClient;
  try {
    enableOidcAuthProvider();
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
  /** What is being read, for the error message. */
  let reading = "OpenAPI";
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
      reading = "CustomResourceDefinitions";
      const crds = Object.hasOwn(index.paths, "apis/apiextensions.k8s.io/v1") ? await listCrds(get, server, diags) : undefined;
      reading = "OpenAPI";
      // Group-versions served by CRDs are read from the CRD objects, not from their OpenAPI.
      const crdServed = new Set<string>();
      const out: LoadedInput[] = [];
      for (const crd of crds ?? []) {
        const served = servedGroupVersions(crd.crd);
        for (const gv of served) crdServed.add(gv);
        const keep = served.some((gv) => {
          const slash = gv.lastIndexOf("/");
          return matchesGroups(gv.slice(0, slash), gv.slice(slash + 1), groups);
        });
        if (keep) out.push(crd);
      }
      if (crds) progress?.(`read ${out.length} CustomResourceDefinitions from ${server}${crds.length !== out.length ? ` (of ${crds.length})` : ""}`);
      const entries = Object.entries(index.paths)
        .filter(([path]) => wanted(path))
        .filter(([path]) => {
          const gv = groupVersionOfV3Path(path);
          return gv === undefined || !crdServed.has(`${gv.group}/${gv.version}`);
        })
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      /** Whether the server still serves an index path's group-version: its discovery document (`/apis/<group>/<version>`) answers. */
      const stillServed = async (path: string): Promise<boolean> => {
        try {
          await get(`/${path}`);
          return true;
        } catch (err) {
          if (isNotFound(err)) return false;
          throw err;
        }
      };
      progress?.(`fetching ${entries.length} OpenAPI v3 documents from ${server}`);
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
        // A group-version being removed (a CRD deleted meanwhile) can answer with an empty or cut
        // body while the index still lists it: ask discovery whether it is still served, and if
        // it is, read the document again (up to 3 times, 1 s apart, while the server catches up).
        let doc = jsonOrUndefined(text);
        for (let attempt = 1; doc === undefined && attempt <= 3 && (await stillServed(gv)); attempt++) {
          if (attempt > 1) await new Promise((r) => setTimeout(r, 1_000));
          const again = await get(serverRelativeURL).catch((err: unknown) => (isNotFound(err) ? undefined : Promise.reject(err)));
          if (again === undefined) break;
          text = again;
          doc = jsonOrUndefined(text);
        }
        if (doc === undefined && !(await stillServed(gv))) {
          diags.warn(name, "", "listed in /openapi/v3 but removed while it was read; skipped");
          continue;
        }
        doc ??= parseJson({ name, text }, diags); // records why it is not JSON
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
    throw new UsageError(`--from-cluster: reading ${reading} from ${server} failed: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Every established CRD object of the cluster, page by page, as CRD inputs
 * named by their URL. Undefined (with a warning) when the caller may not list
 * them or the server has no such resource: their OpenAPI is used instead.
 */
async function listCrds(get: (relative: string) => Promise<string>, server: string, diags: Diagnostics): Promise<CrdInput[] | undefined> {
  const where = `${server}${CRDS_PATH}`;
  const out: CrdInput[] = [];
  let token = "";
  do {
    let text: string;
    try {
      text = await get(`${CRDS_PATH}?limit=${CRD_PAGE}${token ? `&continue=${encodeURIComponent(token)}` : ""}`);
    } catch (err) {
      if (!isForbidden(err) && !isNotFound(err)) throw err;
      diags.warn(
        where,
        "",
        `cannot list CustomResourceDefinitions (${isForbidden(err) ? "forbidden" : "not found"}): CRD-served group-versions are read from their OpenAPI, ` +
          "whose names and shapes can differ from what --crd gives for the same CRDs",
      );
      return undefined;
    }
    const list = parseJson({ name: where, text }, diags);
    if (!isRecord(list) || !Array.isArray(list.items)) throw new UsageError(`${where} did not return a list of CustomResourceDefinitions`);
    for (const item of list.items as unknown[]) {
      if (!isRecord(item) || !isRecord(item.metadata) || typeof item.metadata.name !== "string") continue;
      const name = item.metadata.name;
      if (servedGroupVersions(item).length === 0) {
        diags.warn(`${where}/${name}`, "", "not established (or no version served) yet, so the cluster serves nothing for it: skipped");
        continue;
      }
      // List items may carry no apiVersion and kind of their own.
      const crd = { ...item, apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition" };
      out.push({ kind: "crd", file: `${where}/${name}`, documentIndex: 0, pointerPrefix: "", crd, lineOf: () => undefined });
    }
    token = isRecord(list.metadata) && typeof list.metadata.continue === "string" ? list.metadata.continue : "";
  } while (token);
  return out.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}
