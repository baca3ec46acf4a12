// Per group-version modules, checked by bundling: a program importing one
// group-version's client pulls in no other group-version module (types are
// erased, apply configurations are named as types only), the root clientset
// pulls in client modules only, and neither reaches the runtime's testing code.
import { join, relative } from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateFresh, removeGenerated, repoRoot } from "../../helpers/generated.js";
import { sharedData } from "../../helpers/shared-data.js";

const shared = sharedData();
let out = "";
afterAll(() => out && removeGenerated(out));

/** Bundles `source` (resolved from the output folder) and returns the bundled input files, relative to the repo. */
async function bundledInputs(source: string, external: string[] = ["yaml"], withBytesOnly = false): Promise<string[]> {
  const result = await build({
    stdin: { contents: source, resolveDir: out, loader: "ts" },
    bundle: true,
    platform: "node",
    format: "esm",
    write: false,
    metafile: true,
    logLevel: "silent",
    alias: { "@kubegen/runtime": join(repoRoot, "runtime/src/index.ts") },
    external,
  });
  // esbuild reads every module an index re-exports; with `withBytesOnly`, only those left in the output count.
  const inputs = withBytesOnly
    ? Object.values(result.metafile.outputs).flatMap((o) => Object.entries(o.inputs).filter(([, i]) => i.bytesInOutput > 0).map(([p]) => p))
    : Object.keys(result.metafile.inputs);
  return inputs.map((p) => relative(repoRoot, join(repoRoot, p)));
}

describe.skipIf(!shared)("bundles of the v1.36 clientset", () => {
  beforeAll(async () => {
    out = await generateFresh("bundle-k8s", { openapi: [join(shared!, "openapi/kubernetes-v1.36.swagger.json.gz")] });
  }, 60_000);

  const generated = (inputs: string[]) => inputs.filter((p) => p.startsWith(relative(repoRoot, out)));

  it("importing core/v1's client loads no other group-version", async () => {
    const inputs = await bundledInputs(
      `import { CoreV1Client } from "./core/v1/client.js";\nconsole.log(await CoreV1Client.forConfig({ server: "https://x", qps: 5, burst: 10 }).pods("default").list());`,
    );
    expect(generated(inputs).map((p) => relative(relative(repoRoot, out), p))).toEqual(["core/v1/client.ts"]);
    expect(inputs.some((p) => p.includes("runtime/src/testing"))).toBe(false);
  });

  it("importing core/v1's informers loads no other group-version (only its client, lister and informers)", async () => {
    const inputs = await bundledInputs(
      [
        `import { InformerFactory, RestClient } from "@kubegen/runtime";`,
        `import { CoreV1Client } from "./core/v1/client.js";`,
        `import { CoreV1Informers } from "./core/v1/informers.js";`,
        `const executor = new RestClient({ server: "https://x", qps: 5, burst: 10 });`,
        `const pods = new CoreV1Informers(new InformerFactory({ executor }), new CoreV1Client(executor)).pods();`,
        `console.log(pods.lister.pods("default").list(), pods.informer.hasSynced());`,
      ].join("\n"),
    );
    expect(generated(inputs).map((p) => relative(relative(repoRoot, out), p)).sort()).toEqual([
      "core/v1/client.ts",
      "core/v1/informers.ts",
      "core/v1/lister.ts",
    ]);
    expect(inputs.some((p) => p.includes("runtime/src/testing"))).toBe(false);
  });

  it("the root SharedInformerFactory loads informers, listers and clients, no types or apply-configuration module and no testing code", async () => {
    const inputs = await bundledInputs(`import { SharedInformerFactory } from "./informers.js";\nconsole.log(SharedInformerFactory);`);
    const files = generated(inputs).map((p) => relative(relative(repoRoot, out), p));
    expect(files.filter((f) => f.includes("/types/") || f.includes("/applyconfigurations/"))).toEqual([]);
    expect(files).toContain("apps/v1/informers.ts");
    expect(files).toContain("apps/v1/lister.ts");
    expect(files.filter((f) => f.endsWith("/informers.ts")).length).toBeGreaterThan(30);
    expect(inputs.some((p) => p.includes("runtime/src/testing"))).toBe(false);
  });

  it("listing pods from a kubeconfig carries no OIDC client, kubeconfig writer, yaml or ws package, or OpenTelemetry glue", async () => {
    const program = [
      `import { loadConfig } from "@kubegen/runtime";`,
      `import { Clientset } from "./index.js";`,
      `const cs = Clientset.forConfig(await loadConfig());`,
      `console.log((await cs.coreV1.pods("default").list()).items.length);`,
    ];
    const optional = (inputs: string[]) =>
      inputs.filter((p) => /runtime\/src\/(config\/oidc|config\/kubeconfig-persister|tracing\/otel)\.ts$|node_modules\/(yaml|ws)\//.test(p));
    const plain = await bundledInputs(program.join("\n"), [], true);
    expect(optional(plain)).toEqual([]);
    expect(plain).toContain("runtime/src/config/yaml.ts");
    // The same program with OIDC enabled carries the provider and the writer (which uses the yaml package).
    const oidc = await bundledInputs([`import { enableOidcAuthProvider } from "@kubegen/runtime";`, "enableOidcAuthProvider();", ...program].join("\n"), [], true);
    expect(optional(oidc).map((p) => p.replace(/.*node_modules\/(yaml|ws)\/.*/, "node_modules/$1")).filter((p, i, all) => all.indexOf(p) === i).sort()).toEqual([
      "node_modules/yaml",
      "runtime/src/config/kubeconfig-persister.ts",
      "runtime/src/config/oidc.ts",
    ]);
  });

  it("the root clientset loads every client module and no types or apply-configuration module", async () => {
    const inputs = await bundledInputs(`import { Clientset } from "./index.js";\nconsole.log(Clientset);`);
    const files = generated(inputs).map((p) => relative(relative(repoRoot, out), p));
    expect(files.filter((f) => f.includes("/types/") || f.includes("/applyconfigurations/"))).toEqual([]);
    expect(files.filter((f) => f.endsWith("/client.ts")).length).toBeGreaterThan(30);
    expect(inputs.some((p) => p.includes("runtime/src/testing"))).toBe(false);
  });
});
