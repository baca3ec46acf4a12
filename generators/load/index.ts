// Loading: turns the user's --crd and --openapi inputs into raw schema
// documents, collecting every problem in one Diagnostics. Nothing is
// interpreted here beyond recognising the document kind.

import { loadFromCluster, type ClusterSource } from "./cluster.js";
import { parseCrdText } from "./crd.js";
import { UsageError, type Diagnostics } from "./errors.js";
import { isV3Index, parseJson, toOpenApiInput } from "./openapi.js";
import { quoted } from "./names.js";
import { pointerJoin, type LoadedInput } from "./schema.js";
import { isUrl, readInput, type SourceText } from "./sources.js";

export interface LoadRequest {
  /** CRD YAML files, folders or URLs. */
  readonly crd?: readonly string[];
  /** OpenAPI v2 swagger.json or v3 documents: files, folders or URLs (a URL may be a server's /openapi/v3 index). */
  readonly openapi?: readonly string[];
  /** Base folder for relative paths. */
  readonly cwd?: string;
  /** Read OpenAPI from a live cluster through a kubeconfig. */
  readonly fromCluster?: ClusterSource;
  /** `--groups`: from a cluster, fetch only these group-versions' documents. */
  readonly groups?: readonly string[];
  /** Called with a short progress line for long loads. */
  readonly progress?: (line: string) => void;
}

/** Reads every input. Unreadable inputs throw UsageError; schema problems go to `diags`. */
export async function loadInputs(req: LoadRequest, diags: Diagnostics): Promise<LoadedInput[]> {
  const out: LoadedInput[] = [];
  for (const input of req.crd ?? []) {
    const texts = await readInput(input, req.cwd);
    for (const t of texts) out.push(...parseCrdText(t, diags));
  }
  for (const input of req.openapi ?? []) {
    const texts = await readInput(input, req.cwd);
    for (const t of texts) out.push(...(await openApiFrom(input, t, diags, req.progress)));
  }
  if (req.fromCluster) out.push(...(await loadFromCluster(req.fromCluster, diags, req.progress, req.groups)));
  return out;
}

async function openApiFrom(
  input: string,
  source: SourceText,
  diags: Diagnostics,
  progress?: (line: string) => void,
  followIndex = true,
): Promise<LoadedInput[]> {
  const doc = parseJson(source, diags);
  if (doc === undefined) return [];
  if (isV3Index(doc)) {
    if (!isUrl(input)) {
      throw new UsageError(
        `${source.name} is an /openapi/v3 index; pass the server URL, use --from-cluster, or save the group-version documents into a folder`,
      );
    }
    if (!followIndex) {
      // An index links to documents, not to further indexes (a server answering every path with its index would loop).
      diags.error(source.name, "", "an /openapi/v3 index links here, but this is another index, not an OpenAPI document");
      return [];
    }
    const origin = new URL(input).origin;
    const entries = Object.entries(doc.paths).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    progress?.(`fetching ${entries.length} OpenAPI v3 documents from ${origin}`);
    const results: LoadedInput[] = [];
    for (const [gv, { serverRelativeURL }] of entries) {
      const at = pointerJoin("/paths", gv, "serverRelativeURL");
      let resolved: URL;
      try {
        resolved = new URL(serverRelativeURL, input);
      } catch {
        diags.error(source.name, at, `not a URL: ${quoted(serverRelativeURL)}`);
        continue;
      }
      if (resolved.origin !== origin) {
        // The index names documents on its own server; a link elsewhere is not followed.
        diags.error(source.name, at, `links to another server (${quoted(resolved.origin)}); only documents on ${origin} are read`);
        continue;
      }
      const url = resolved.toString();
      const [text] = await readInput(url);
      if (!text) continue;
      results.push(...(await openApiFrom(url, text, diags, undefined, false)));
    }
    return results;
  }
  const parsed = toOpenApiInput(source, doc, diags);
  return parsed ? [parsed] : [];
}
