// One API from every source: real CRD sets from ../shared/crds are installed
// into the real control plane, then generated twice, from the files (--crd)
// and from the cluster (--from-cluster, which reads the CRD objects back
// through the API). Every module must export the same names both ways, and
// group-versions whose schemas the server hands back unchanged (property
// order included: the server sorts properties) must give byte-identical
// types/ and applyconfigurations/ files. A third run reads the whole cluster
// (built-in groups too) and must type those CRD group-versions the same.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import ts from "typescript";
import { parseAllDocuments } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamicClient, loadConfig } from "@kubegen/runtime";
import { buildModel, Diagnostics, loadInputs } from "../../../generators/index.js";
import { kubegenIn } from "../../helpers/cli.js";
import { controlPlane, rawRequest } from "../../helpers/cluster.js";
import { sharedData } from "../../helpers/shared-data.js";

/** A module's one-file-per-type files (types/ and applyconfigurations/), relative to the module's folder, sorted. */
function perTypeFiles(root: string, module: string): string[] {
  return ["types", "applyconfigurations"].flatMap((folder) => {
    const dir = join(root, module, folder);
    return existsSync(dir) ? readdirSync(dir).sort().map((f) => `${folder}/${f}`) : [];
  });
}

const cp = controlPlane();
const shared = sharedData();
/** Sets with shared nested types (cert-manager, gateway-api, prometheus-operator), unsorted properties (istio, prometheus-operator), unions and many versions. */
const SETS = ["argo-cd", "cert-manager", "gateway-api", "istio", "keda", "knative-serving", "prometheus-operator"];
const work = mkdtempSync(join(tmpdir(), "kubegen-one-api-"));

interface FileCrd {
  readonly file: string;
  readonly crd: Record<string, any>;
}

function readCrds(dir: string): FileCrd[] {
  const out: FileCrd[] = [];
  for (const f of readdirSync(dir).filter((x) => /\.ya?ml$/.test(x)).sort()) {
    for (const doc of parseAllDocuments(readFileSync(join(dir, f), "utf8"))) {
      const v = doc.toJS() as Record<string, any> | null;
      for (const c of v?.kind === "List" ? v.items : [v]) if (c?.kind === "CustomResourceDefinition") out.push({ file: join(dir, f), crd: c });
    }
  }
  return out;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

/** Every module's exported names (resolved by the TypeScript checker, so `export *` counts), by path relative to `root`. */
function exportedNames(root: string, files = tsFiles(root)): Map<string, string[]> {
  const program = ts.createProgram(files, {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    noLib: true,
    types: [],
    skipLibCheck: true,
  });
  const checker = program.getTypeChecker();
  const out = new Map<string, string[]>();
  for (const f of files) {
    const sf = program.getSourceFile(f);
    const sym = sf ? checker.getSymbolAtLocation(sf) : undefined;
    out.set(relative(root, f), sym ? checker.getExportsOfModule(sym).map((s) => s.name).sort() : []);
  }
  return out;
}

/** Differences between two exported-name maps, one line each (empty when they agree). */
function exportDiff(a: Map<string, string[]>, b: Map<string, string[]>, aName: string, bName: string): string[] {
  const diff: string[] = [];
  for (const m of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    const x = new Set(a.get(m));
    const y = new Set(b.get(m));
    if (!a.has(m) || !b.has(m)) diff.push(`${m}: only in ${a.has(m) ? aName : bName}`);
    for (const n of x) if (!y.has(n)) diff.push(`${m}: ${n} only in ${aName}`);
    for (const n of y) if (!x.has(n)) diff.push(`${m}: ${n} only in ${bName}`);
  }
  return diff;
}

function sortedJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(sortedJson).join(",")}]`;
  if (typeof v !== "object" || v === null) return JSON.stringify(v);
  return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${sortedJson((v as Record<string, unknown>)[k])}`).join(",")}}`;
}

/**
 * A schema as JSON with the order that can reach the output kept (properties,
 * and values such as defaults and enums, as given) and the order of keys
 * that is not read in order dropped (the server writes keywords in its own order).
 */
function schemaJson(s: unknown): string {
  if (Array.isArray(s)) return `[${s.map(schemaJson).join(",")}]`;
  if (typeof s !== "object" || s === null) return JSON.stringify(s);
  const o = s as Record<string, unknown>;
  const entry = (k: string): string => {
    const v = o[k];
    if (["properties", "patternProperties", "definitions"].includes(k) && typeof v === "object" && v !== null) {
      return `${JSON.stringify(k)}:{${Object.entries(v).map(([p, ps]) => `${JSON.stringify(p)}:${schemaJson(ps)}`).join(",")}}`;
    }
    if (["items", "additionalProperties", "not", "allOf", "anyOf", "oneOf"].includes(k)) return `${JSON.stringify(k)}:${schemaJson(v)}`;
    // Values (defaults, enums) are written out as given; anything else (CEL rule objects...) is read by key.
    return `${JSON.stringify(k)}:${["default", "enum", "example"].includes(k) ? JSON.stringify(v) : sortedJson(v)}`;
  };
  return `{${Object.keys(o).sort().map(entry).join(",")}}`;
}

describe.skipIf(!cp || !shared)("one API from CRD files and from the cluster", () => {
  const dirs = SETS.map((s) => join(shared!, "crds", s));
  const fileCrds = shared ? dirs.flatMap(readCrds) : [];
  let crds: ReturnType<DynamicClient["resource"]>;

  beforeAll(async () => {
    const config = await loadConfig({ kubeconfigPath: cp!.kubeconfigPath });
    crds = new DynamicClient(config).resource({ group: "apiextensions.k8s.io", version: "v1", resource: "customresourcedefinitions" });
    for (const { crd } of fileCrds) await crds.apply(crd.metadata.name, crd, { fieldManager: "kubegen-one-api-test", force: true });
    // Wait until every CRD is established (the server serves it), polling for up to two minutes.
    const pending = new Set(fileCrds.map((c) => c.crd.metadata.name as string));
    for (let i = 0; i < 600 && pending.size > 0; i++) {
      for (const name of [...pending]) {
        const got = await crds.get(name);
        const conditions = (got.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? [];
        if (conditions.some((c) => c.type === "Established" && c.status === "True")) pending.delete(name);
      }
      if (pending.size > 0) await new Promise((r) => setTimeout(r, 200));
    }
    if (pending.size > 0) throw new Error(`CRDs not established within two minutes: ${[...pending].join(", ")}`);
  }, 300_000);

  afterAll(async () => {
    if (crds) for (const { crd } of fileCrds) await crds.delete(crd.metadata.name).catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
  }, 300_000);

  /** Module path -> whether every CRD schema of that group-version came back from the server as written. */
  async function sameSchemas(): Promise<{ modules: Map<string, boolean>; groupVersions: string[] }> {
    const diags = new Diagnostics();
    const model = buildModel(await loadInputs({ crd: dirs }, diags), diags);
    const back = new Map<string, Record<string, any>>();
    for (const { crd } of fileCrds) {
      const res = await rawRequest(cp!, "cert", "GET", `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`);
      expect(res.status).toBe(200);
      back.set(crd.metadata.name, res.json());
    }
    const modules = new Map<string, boolean>();
    for (const gv of model.groupVersions) {
      const same = fileCrds
        .filter(({ crd }) => crd.spec.group === gv.group && crd.spec.versions.some((v: { name: string; served: boolean }) => v.name === gv.version && v.served))
        .every(({ crd }) => {
          const mine = crd.spec.versions.find((v: { name: string }) => v.name === gv.version);
          const theirs = back.get(crd.metadata.name)!.spec.versions.find((v: { name: string }) => v.name === gv.version);
          return schemaJson(mine?.schema?.openAPIV3Schema ?? null) === schemaJson(theirs?.schema?.openAPIV3Schema ?? null);
        });
      modules.set(gv.names.modulePath, same);
    }
    return { modules, groupVersions: model.groupVersions.map((gv) => gv.names.apiVersion) };
  }

  let schemas: { modules: Map<string, boolean>; groupVersions: string[] };
  const filesOut = join(work, "files");

  it(
    "--crd and --from-cluster --groups export the same names from every module; unchanged schemas give identical types and builders",
    async () => {
      schemas = await sameSchemas();
      const a = await kubegenIn(work, "generate", "--quiet", "--crd", dirs.join(","), "--out", "files");
      expect(a.stderr).toBe("");
      expect(a.code).toBe(0);
      const b = await kubegenIn(work, "generate", "--from-cluster", "--kubeconfig", cp!.kubeconfigPath, "--groups", schemas.groupVersions.join(","), "--out", "cluster");
      expect(b.code, b.stderr).toBe(0);
      expect(b.stderr).toContain(`read ${fileCrds.length} CustomResourceDefinitions`);
      expect(b.stderr).toContain("fetching 0 OpenAPI v3 documents");

      const fromFiles = exportedNames(filesOut);
      const fromCluster = exportedNames(join(work, "cluster"));
      expect(exportDiff(fromFiles, fromCluster, "--crd", "--from-cluster")).toEqual([]);
      const names = [...fromFiles.values()].reduce((n, x) => n + x.length, 0);
      expect(names).toBeGreaterThan(1000);

      const identical: string[] = [];
      const reordered: string[] = [];
      for (const [module, same] of schemas.modules) {
        const own = perTypeFiles(filesOut, module);
        expect(perTypeFiles(join(work, "cluster"), module), module).toEqual(own);
        for (const f of own) {
          const x = readFileSync(join(filesOut, module, f), "utf8");
          const y = readFileSync(join(work, "cluster", module, f), "utf8");
          if (same) expect(y, `${module}/${f}`).toBe(x);
        }
        (same ? identical : reordered).push(module);
      }
      // Most sets are written by controller-gen with sorted properties, so most group-versions come back unchanged.
      expect(identical.length).toBeGreaterThan(reordered.length);
      console.log(
        `one-api: ${fileCrds.length} CRDs from ${SETS.length} sets, ${schemas.modules.size} group-versions, ${fromFiles.size} modules, ` +
          `${names} exported names compared (difference: none); types/ and applyconfigurations/ byte-identical for ${identical.length} ` +
          `group-versions; ${reordered.length} came back changed by the server (names only): ${reordered.join(", ")}`,
      );
    },
    600_000,
  );

  it(
    "a --from-cluster run of the whole cluster (built-in groups too) types those CRD group-versions the same",
    async () => {
      schemas ??= await sameSchemas();
      if (!existsSync(filesOut)) expect((await kubegenIn(work, "generate", "--quiet", "--crd", dirs.join(","), "--out", "files")).code).toBe(0);
      const all = await kubegenIn(work, "generate", "--quiet", "--from-cluster", "--kubeconfig", cp!.kubeconfigPath, "--out", "cluster-all", "--only", "applyconfigurations");
      expect(all.code, all.stderr).toBe(0);
      const files = [...schemas.modules.keys()].flatMap((m) => perTypeFiles(filesOut, m).map((f) => join(m, f)));
      const a = exportedNames(filesOut, files.map((f) => join(filesOut, f)));
      const b = exportedNames(join(work, "cluster-all"), files.map((f) => join(work, "cluster-all", f)));
      expect(exportDiff(a, b, "--crd", "--from-cluster (whole cluster)")).toEqual([]);
      for (const [module, same] of schemas.modules) {
        if (!same) continue;
        for (const f of perTypeFiles(filesOut, module).filter((x) => x.startsWith("types/"))) {
          expect(readFileSync(join(work, "cluster-all", module, f), "utf8"), `${module}/${f}`).toBe(readFileSync(join(filesOut, module, f), "utf8"));
        }
      }
    },
    600_000,
  );
});
