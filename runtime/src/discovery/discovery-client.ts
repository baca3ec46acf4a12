// DiscoveryClient: which groups, versions and resources a server offers
// (client-go discovery/discovery_client.go, discovery/cached/memory and
// discovery/cached/disk, restmapper). It asks /api and /apis for aggregated
// discovery v2 (two requests for everything) and falls back to the legacy
// documents (/api, /apis, then one request per group version, in parallel)
// when the server does not answer with v2. Results are normalised into one
// snapshot, cached in memory until invalidate(), and optionally on disk for a
// TTL. resourceFor() maps a kind to its resource (a minimal REST mapper).

import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { RestConfig } from "../config/rest-config.js";
import { RestClient } from "../rest/rest-client.js";
import { realClock, type Clock } from "../util/clock.js";

/** Accept header for aggregated discovery v2 with legacy JSON as the fallback (client-go AcceptV2 + AcceptV1). */
export const AGGREGATED_DISCOVERY_ACCEPT =
  "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json";

/** One resource at one group version. */
export interface ApiResource {
  /** `""` for core. */
  group: string;
  version: string;
  /** Plural name used in URLs. */
  resource: string;
  kind: string;
  singular: string;
  namespaced: boolean;
  verbs: string[];
  shortNames: string[];
  categories: string[];
  /** Subresource names, e.g. `status`, `scale`. */
  subresources: string[];
}

/** A group and its versions, preferred first. */
export interface ApiGroupInfo {
  /** `""` for core. */
  name: string;
  versions: string[];
  preferredVersion: string;
}

/** Everything discovery found at one moment. */
export interface DiscoverySnapshot {
  groups: ApiGroupInfo[];
  resources: ApiResource[];
  /** When it was fetched, on the client's clock (ms). */
  fetchedAt: number;
  /** `aggregated` (v2) or `legacy`. */
  mode: "aggregated" | "legacy";
  /** Legacy mode: group versions whose document could not be fetched (`group/version` -> message). */
  failed: Record<string, string>;
}

/** Options for {@link DiscoveryClient}. */
export interface DiscoveryOptions {
  /** Skip aggregated discovery and use the legacy per-group-version documents (client-go WithLegacy()). */
  legacy?: boolean;
  /** Folder for a disk cache shared between processes (client-go discovery/cached/disk). */
  cacheDir?: string;
  /** How long a disk-cached snapshot stays valid (default 10 minutes, as kubectl). */
  ttlMs?: number;
  /** Clock for cache ages (default: the config's clock, else the wall clock). */
  clock?: Clock;
}

/** Identifies a kind to map to a resource. */
export interface KindRef {
  /** `""` for core. */
  group: string;
  /** Omit to use the group's preferred version (or any version that serves the kind). */
  version?: string;
  kind: string;
}

/** Server version information (`/version`). */
export interface ServerVersion {
  major: string;
  minor: string;
  gitVersion: string;
  gitCommit?: string;
  platform?: string;
  [field: string]: unknown;
}

interface AggregatedResource {
  resource: string;
  responseKind?: { group?: string; version?: string; kind?: string };
  scope?: string;
  singularResource?: string;
  verbs?: string[];
  shortNames?: string[];
  categories?: string[];
  subresources?: Array<{ subresource: string }>;
}
interface AggregatedList {
  kind?: string;
  items?: Array<{ metadata?: { name?: string }; versions?: Array<{ version: string; resources?: AggregatedResource[] }> }>;
}
interface LegacyResourceList {
  groupVersion?: string;
  resources?: Array<{
    name: string;
    singularName?: string;
    namespaced?: boolean;
    kind: string;
    verbs?: string[];
    shortNames?: string[];
    categories?: string[];
  }>;
}

/** Discovers the API surface of a server, with caching. */
export class DiscoveryClient {
  readonly rest: RestClient;
  readonly #options: DiscoveryOptions;
  readonly #clock: Clock;
  #snapshot: Promise<DiscoverySnapshot> | undefined;

  /**
   * @param source a RestConfig or a RestClient to share. From a RestConfig, the
   * client gets discovery's own defaults (client-go discovery_client.go): burst
   * at least 300, so legacy mode's parallel per-group requests are not
   * throttled, and a 32 s timeout when the config sets none.
   */
  constructor(source: RestConfig | RestClient, options: DiscoveryOptions = {}) {
    this.rest =
      source instanceof RestClient
        ? source
        : new RestClient({ ...source, burst: Math.max(source.burst, 300), timeoutMs: source.timeoutMs || 32_000 });
    this.#options = options;
    this.#clock = options.clock ?? this.rest.config.clock ?? realClock;
  }

  /** The cached snapshot, fetching (or reading the disk cache) when there is none. Failed fetches are not cached. */
  snapshot(): Promise<DiscoverySnapshot> {
    if (!this.#snapshot) {
      const p = this.#load();
      this.#snapshot = p;
      p.then(
        (s) => {
          if (Object.keys(s.failed).length > 0 && this.#snapshot === p) this.#snapshot = undefined;
        },
        () => {
          if (this.#snapshot === p) this.#snapshot = undefined;
        },
      );
    }
    return this.#snapshot;
  }

  /** Drops the memory and disk caches; the next call fetches again. */
  async invalidate(): Promise<void> {
    this.#snapshot = undefined;
    const file = this.#cacheFile();
    if (file) await rm(file, { force: true });
  }

  /** All groups (core first, as the server orders them). */
  async serverGroups(): Promise<ApiGroupInfo[]> {
    return (await this.snapshot()).groups;
  }

  /** Every resource at every version. */
  async serverResources(): Promise<ApiResource[]> {
    return (await this.snapshot()).resources;
  }

  /** Resources of one group version (`v1`, `apps/v1`). */
  async serverResourcesForGroupVersion(groupVersion: string): Promise<ApiResource[]> {
    const [group, version] = splitGroupVersion(groupVersion);
    return (await this.snapshot()).resources.filter((r) => r.group === group && r.version === version);
  }

  /** Each resource once, at its group's preferred version (or the first version serving it). */
  async serverPreferredResources(): Promise<ApiResource[]> {
    const snap = await this.snapshot();
    const out = new Map<string, ApiResource>();
    const rank = new Map(snap.groups.map((g) => [g.name, g.versions] as const));
    for (const r of snap.resources) {
      const key = `${r.group}/${r.resource}`;
      const prev = out.get(key);
      const order = rank.get(r.group) ?? [];
      if (!prev || order.indexOf(r.version) < order.indexOf(prev.version)) out.set(key, r);
    }
    return [...out.values()];
  }

  /** The resource serving `kind`, or undefined when the server has none. */
  async resourceFor(ref: KindRef): Promise<ApiResource | undefined> {
    const snap = await this.snapshot();
    const candidates = snap.resources.filter(
      (r) => r.group === ref.group && r.kind === ref.kind && (ref.version === undefined || r.version === ref.version),
    );
    if (candidates.length <= 1) return candidates[0];
    const versions = snap.groups.find((g) => g.name === ref.group)?.versions ?? [];
    return [...candidates].sort((a, b) => rankOf(versions, a.version) - rankOf(versions, b.version))[0];
  }

  /** Like {@link resourceFor}, but throws when the kind is not served. */
  async resourceForOrThrow(ref: KindRef): Promise<ApiResource> {
    const r = await this.resourceFor(ref);
    if (!r) {
      const gv = ref.group ? `${ref.group}${ref.version ? `/${ref.version}` : ""}` : (ref.version ?? "core");
      throw new Error(`no resource for kind ${ref.kind} in ${gv} on ${this.rest.config.server}`);
    }
    return r;
  }

  /** The server's `/version`. Not cached. */
  serverVersion(): Promise<ServerVersion> {
    return this.rest.request<ServerVersion>({ path: "/version" });
  }

  async #load(): Promise<DiscoverySnapshot> {
    const cached = await this.#readDisk();
    if (cached) return cached;
    const snap = this.#options.legacy ? await this.#legacy() : ((await this.#aggregated()) ?? (await this.#legacy()));
    if (Object.keys(snap.failed).length === 0) await this.#writeDisk(snap);
    return snap;
  }

  async #aggregated(): Promise<DiscoverySnapshot | undefined> {
    const [core, groups] = await Promise.all(
      ["/api", "/apis"].map((path) => this.rest.request<AggregatedList>({ path, accept: AGGREGATED_DISCOVERY_ACCEPT })),
    );
    if (core?.kind !== "APIGroupDiscoveryList" || groups?.kind !== "APIGroupDiscoveryList") return undefined;
    const snap: DiscoverySnapshot = { groups: [], resources: [], fetchedAt: this.#clock.now(), mode: "aggregated", failed: {} };
    for (const item of [...(core.items ?? []), ...(groups.items ?? [])]) {
      const name = item.metadata?.name ?? "";
      const versions = (item.versions ?? []).map((v) => v.version);
      if (versions.length === 0) continue;
      snap.groups.push({ name, versions, preferredVersion: versions[0]! });
      for (const v of item.versions ?? []) {
        for (const r of v.resources ?? []) {
          snap.resources.push({
            group: name,
            version: v.version,
            resource: r.resource,
            kind: r.responseKind?.kind ?? "",
            singular: r.singularResource ?? "",
            namespaced: r.scope === "Namespaced",
            verbs: r.verbs ?? [],
            shortNames: r.shortNames ?? [],
            categories: r.categories ?? [],
            subresources: (r.subresources ?? []).map((s) => s.subresource),
          });
        }
      }
    }
    return snap;
  }

  async #legacy(): Promise<DiscoverySnapshot> {
    const [core, apis] = await Promise.all([
      this.rest.request<{ versions?: string[] }>({ path: "/api" }),
      this.rest.request<{
        groups?: Array<{ name: string; versions?: Array<{ version: string }>; preferredVersion?: { version: string } }>;
      }>({ path: "/apis" }),
    ]);
    const groups: ApiGroupInfo[] = [];
    const coreVersions = core?.versions ?? [];
    if (coreVersions.length) groups.push({ name: "", versions: coreVersions, preferredVersion: coreVersions[0]! });
    for (const g of apis?.groups ?? []) {
      const versions = (g.versions ?? []).map((v) => v.version);
      const preferred = g.preferredVersion?.version ?? versions[0] ?? "";
      // preferred first, then the server's order
      groups.push({ name: g.name, versions: [preferred, ...versions.filter((v) => v !== preferred)], preferredVersion: preferred });
    }
    const snap: DiscoverySnapshot = { groups, resources: [], fetchedAt: this.#clock.now(), mode: "legacy", failed: {} };
    const jobs = groups.flatMap((g) => g.versions.map((v) => ({ group: g.name, version: v })));
    const results = await Promise.allSettled(
      jobs.map((j) => this.rest.request<LegacyResourceList>({ path: j.group ? `/apis/${j.group}/${j.version}` : `/api/${j.version}` })),
    );
    results.forEach((res, i) => {
      const { group, version } = jobs[i]!;
      if (res.status === "rejected") {
        snap.failed[group ? `${group}/${version}` : version] = (res.reason as Error)?.message ?? String(res.reason);
        return;
      }
      const list = res.value?.resources ?? [];
      const subs = new Map<string, string[]>();
      for (const r of list) {
        const slash = r.name.indexOf("/");
        if (slash > 0) {
          const parent = r.name.slice(0, slash);
          subs.set(parent, [...(subs.get(parent) ?? []), r.name.slice(slash + 1)]);
        }
      }
      for (const r of list) {
        if (r.name.includes("/")) continue;
        snap.resources.push({
          group,
          version,
          resource: r.name,
          kind: r.kind,
          singular: r.singularName || r.kind.toLowerCase(),
          namespaced: !!r.namespaced,
          verbs: r.verbs ?? [],
          shortNames: r.shortNames ?? [],
          categories: r.categories ?? [],
          subresources: subs.get(r.name) ?? [],
        });
      }
    });
    return snap;
  }

  #cacheFile(): string | undefined {
    const dir = this.#options.cacheDir;
    if (!dir) return undefined;
    const host = new URL(this.rest.config.server.includes("://") ? this.rest.config.server : `https://${this.rest.config.server}`)
      .host.replace(/[^A-Za-z0-9.-]/g, "_");
    return join(dir, host, this.#options.legacy ? "discovery-legacy.json" : "discovery.json");
  }

  async #readDisk(): Promise<DiscoverySnapshot | undefined> {
    const file = this.#cacheFile();
    if (!file) return undefined;
    try {
      const snap = JSON.parse(await readFile(file, "utf8")) as DiscoverySnapshot;
      const ttl = this.#options.ttlMs ?? 10 * 60_000;
      const age = this.#clock.now() - snap.fetchedAt;
      if (age < 0 || age >= ttl || !Array.isArray(snap.resources) || !Array.isArray(snap.groups)) return undefined;
      return snap;
    } catch {
      return undefined; // missing or corrupt: fetch again
    }
  }

  async #writeDisk(snap: DiscoverySnapshot): Promise<void> {
    const file = this.#cacheFile();
    if (!file) return;
    const dir = join(file, "..");
    await mkdir(dir, { recursive: true, mode: 0o750 });
    const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    await writeFile(tmp, JSON.stringify(snap), { mode: 0o660 });
    await rename(tmp, file); // atomic: readers never see half a file
  }
}

function splitGroupVersion(gv: string): [string, string] {
  const i = gv.indexOf("/");
  return i < 0 ? ["", gv] : [gv.slice(0, i), gv.slice(i + 1)];
}

function rankOf(versions: string[], v: string): number {
  const i = versions.indexOf(v);
  return i < 0 ? Number.MAX_SAFE_INTEGER : i;
}
