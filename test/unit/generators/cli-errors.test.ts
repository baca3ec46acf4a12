// Bad input through the CLI's run() in-process: each case exits non-zero with one clear
// paragraph naming the file and the place, and leaves an existing output
// folder exactly as it was.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { kubegenIn } from "../../helpers/cli.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const repo = fileURLToPath(new URL("../../../", import.meta.url));
const fooCrd = join(repo, "examples/sample-controller/crd/foos.yaml");
const work = mkdtempSync(join(tmpdir(), "kubegen-cli-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const kubegen = (...args: string[]) => kubegenIn(work, ...args);

function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name), `${rel}${e.name}/`);
      else out[`${rel}${e.name}`] = readFileSync(join(d, e.name), "utf8");
    }
  };
  walk(dir, "");
  return out;
}

const out = join(work, "out");
let before: Record<string, string>;

beforeAll(async () => {
  const ok = await kubegen("generate", "--crd", fooCrd, "--out", out, "-q");
  expect(ok.code).toBe(0);
  writeFileSync(join(out, "hand-written.ts"), "export const mine = 1;\n");
  before = snapshot(out);
});

const foo = () => readFileSync(fooCrd, "utf8");

const cases: { name: string; file: string; content: () => string; flag: string; want: RegExp[] }[] = [
  {
    name: "truncated YAML",
    file: "truncated.yaml",
    content: () => foo().slice(0, foo().indexOf("description: Name of the Deployment") + 30).replace(/description: Name of the D.*$/s, 'description: "Name of the D'),
    flag: "--crd",
    want: [/truncated\.yaml:\d+/, /invalid YAML/],
  },
  {
    name: "CRD missing spec.names",
    file: "no-names.yaml",
    content: () => foo().replace(/  names:\n(    .*\n)+/, ""),
    flag: "--crd",
    want: [/no-names\.yaml:\d+ at \/spec\/names/, /spec\.names is missing/],
  },
  {
    name: "swagger with a dangling $ref",
    file: "dangling.json",
    content: () =>
      JSON.stringify({
        swagger: "2.0",
        info: { title: "t", version: "v1" },
        paths: {},
        definitions: {
          "io.k8s.api.demo.v1.Thing": { type: "object", properties: { spec: { $ref: "#/definitions/io.k8s.api.demo.v1.Missing" } } },
        },
      }),
    flag: "--openapi",
    want: [/dangling\.json at \/definitions\/io\.k8s\.api\.demo\.v1\.Thing\/properties\/spec\/\$ref/, /dangling \$ref/],
  },
  {
    name: "v1beta1 CRD",
    file: "old.yaml",
    content: () => foo().replace("apiextensions.k8s.io/v1", "apiextensions.k8s.io/v1beta1"),
    flag: "--crd",
    want: [/old\.yaml:\d+ at \/apiVersion/, /convert the CRD to apiextensions\.k8s\.io\/v1/],
  },
];

describe("kubegen generate: bad input", () => {
  it.each(cases)("$name: exit 1, file and place named, output untouched", async ({ file, content, flag, want }) => {
    writeFileSync(join(work, file), content());
    const r = await kubegen("generate", flag, file, "--out", out);
    expect(r.code).toBe(1);
    for (const w of want) expect(r.stderr).toMatch(w);
    expect(r.stderr).toContain("nothing was written");
    expect(snapshot(out)).toEqual(before);
  });

  it("a missing file: exit 2, names the file, output untouched", async () => {
    const r = await kubegen("generate", "--crd", "nope/missing.yaml", "--out", out);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("nope/missing.yaml: no such file or folder");
    expect(snapshot(out)).toEqual(before);
  });

  it("an unwritable --out (a parent is a file): exit 2, names the folder", async () => {
    writeFileSync(join(work, "blocker"), "not a folder");
    const r = await kubegen("generate", "--crd", fooCrd, "--out", "blocker/out");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot (read|write) the output folder blocker\/out: ENOTDIR/);
  });

  it("an unknown flag: exit 2 with usage help", async () => {
    const r = await kubegen("generate", "--crd", fooCrd, "--out", out, "--frobnicate");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Unknown argument: frobnicate/);
  });

  it("an unknown --only artifact: exit 2, lists the artifacts, output untouched", async () => {
    const r = await kubegen("generate", "--crd", fooCrd, "--out", out, "--only", "types,widgets");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--only: unknown artifact "widgets"; choose from types, applyconfigurations, clients, fakes, listers, informers$/m);
    expect(snapshot(out)).toEqual(before);
  });

  it("a usage error writes nothing: a misspelled flag, a missing --out, a flag without its value", async () => {
    const dir = join(work, "never");
    for (const args of [
      ["generate", "--crd", fooCrd, "--out", dir, "--grups", "apps/v1"],
      ["generate", "--crd", fooCrd, "--out", dir, "--chek"],
      ["generate", "--crd", fooCrd],
      ["generate", "--crd", fooCrd, "--out"],
    ]) {
      const r = await kubegen(...args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(existsSync(dir), args.join(" ")).toBe(false);
      expect(existsSync(join(work, "undefined")), args.join(" ")).toBe(false);
    }
  });

  it("no input at all: exit 2", async () => {
    const r = await kubegen("generate", "--out", out);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--crd, --openapi or --from-cluster/);
  });
});

describe("kubegen generate: artifacts", () => {
  const files = (dir: string) => Object.keys(snapshot(dir)).filter((f) => f !== "package.json").sort();

  it("everything by default: types, apply configurations, clients, the clientset, the fake, listers and informers", async () => {
    expect(files(out).filter((f) => f !== "hand-written.ts")).toEqual([
      "clientset.ts",
      "fake.ts",
      "index.ts",
      "informers.ts",
      "samplecontroller.kubegen.dev/v1alpha1/applyconfigurations/foo-spec.ts",
      "samplecontroller.kubegen.dev/v1alpha1/applyconfigurations/foo-status.ts",
      "samplecontroller.kubegen.dev/v1alpha1/applyconfigurations/foo.ts",
      "samplecontroller.kubegen.dev/v1alpha1/applyconfigurations/index.ts",
      "samplecontroller.kubegen.dev/v1alpha1/client.ts",
      "samplecontroller.kubegen.dev/v1alpha1/index.ts",
      "samplecontroller.kubegen.dev/v1alpha1/informers.ts",
      "samplecontroller.kubegen.dev/v1alpha1/lister.ts",
      "samplecontroller.kubegen.dev/v1alpha1/types/foo-list.ts",
      "samplecontroller.kubegen.dev/v1alpha1/types/foo-spec.ts",
      "samplecontroller.kubegen.dev/v1alpha1/types/foo-status.ts",
      "samplecontroller.kubegen.dev/v1alpha1/types/foo.ts",
      "samplecontroller.kubegen.dev/v1alpha1/types/index.ts",
    ]);
  });

  it("--only types leaves clients out, and the index files export types only", async () => {
    const dir = join(work, "types-only");
    expect((await kubegen("generate", "--crd", fooCrd, "--out", dir, "--only", "types", "-q")).code).toBe(0);
    expect(files(dir)).toEqual([
      "index.ts",
      "samplecontroller.kubegen.dev/v1alpha1/index.ts",
      "samplecontroller.kubegen.dev/v1alpha1/types/foo-list.ts",
      "samplecontroller.kubegen.dev/v1alpha1/types/foo-spec.ts",
      "samplecontroller.kubegen.dev/v1alpha1/types/foo-status.ts",
      "samplecontroller.kubegen.dev/v1alpha1/types/foo.ts",
      "samplecontroller.kubegen.dev/v1alpha1/types/index.ts",
    ]);
    expect(readFileSync(join(dir, "index.ts"), "utf8")).not.toContain("Clientset");
  });

  it("--only fakes adds what fakes need (clients, apply configurations and types)", async () => {
    const dir = join(work, "fakes-only");
    const r = await kubegen("generate", "--crd", fooCrd, "--out", dir, "--only", "fakes");
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("generated types, applyconfigurations, clients, fakes");
    expect(files(dir)).toContain("fake.ts");
    expect(files(dir)).toContain("clientset.ts");
  });

  it("--only listers needs types only: no client, no informers, and the module index exports the lister", async () => {
    const dir = join(work, "listers-only");
    const r = await kubegen("generate", "--crd", fooCrd, "--out", dir, "--only", "listers");
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("generated types, listers for");
    expect(files(dir)).toEqual([
      "index.ts",
      "samplecontroller.kubegen.dev/v1alpha1/index.ts",
      "samplecontroller.kubegen.dev/v1alpha1/lister.ts",
      "samplecontroller.kubegen.dev/v1alpha1/types/foo-list.ts",
      "samplecontroller.kubegen.dev/v1alpha1/types/foo-spec.ts",
      "samplecontroller.kubegen.dev/v1alpha1/types/foo-status.ts",
      "samplecontroller.kubegen.dev/v1alpha1/types/foo.ts",
      "samplecontroller.kubegen.dev/v1alpha1/types/index.ts",
    ]);
    expect(readFileSync(join(dir, "samplecontroller.kubegen.dev/v1alpha1/index.ts"), "utf8")).toContain('export * from "./lister.js";');
    expect(readFileSync(join(dir, "index.ts"), "utf8")).not.toContain("SharedInformerFactory");
  });

  it("--only informers adds what informers need (listers, clients, apply configurations and types) but not fakes", async () => {
    const dir = join(work, "informers-only");
    const r = await kubegen("generate", "--crd", fooCrd, "--out", dir, "--only", "informers");
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("generated types, applyconfigurations, clients, listers, informers for");
    expect(files(dir)).toEqual([
      "clientset.ts",
      "index.ts",
      "informers.ts",
      "samplecontroller.kubegen.dev/v1alpha1/applyconfigurations/foo-spec.ts",
      "samplecontroller.kubegen.dev/v1alpha1/applyconfigurations/foo-status.ts",
      "samplecontroller.kubegen.dev/v1alpha1/applyconfigurations/foo.ts",
      "samplecontroller.kubegen.dev/v1alpha1/applyconfigurations/index.ts",
      "samplecontroller.kubegen.dev/v1alpha1/client.ts",
      "samplecontroller.kubegen.dev/v1alpha1/index.ts",
      "samplecontroller.kubegen.dev/v1alpha1/informers.ts",
      "samplecontroller.kubegen.dev/v1alpha1/lister.ts",
      "samplecontroller.kubegen.dev/v1alpha1/types/foo-list.ts",
      "samplecontroller.kubegen.dev/v1alpha1/types/foo-spec.ts",
      "samplecontroller.kubegen.dev/v1alpha1/types/foo-status.ts",
      "samplecontroller.kubegen.dev/v1alpha1/types/foo.ts",
      "samplecontroller.kubegen.dev/v1alpha1/types/index.ts",
    ]);
    expect(readFileSync(join(dir, "index.ts"), "utf8")).toContain('export { SharedInformerFactory, type SharedInformerFactoryOptions } from "./informers.js";');
  });
});

describe("kubegen generate: writing", () => {
  it("regenerating unchanged input is byte-identical and writes nothing", async () => {
    const r = await kubegen("generate", "--crd", fooCrd, "--out", out);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("already up to date");
    expect(snapshot(out)).toEqual(before);
  });

  it("--check passes when fresh and fails (exit 1) when stale, writing nothing", async () => {
    expect((await kubegen("generate", "--crd", fooCrd, "--out", out, "--check")).code).toBe(0);
    const stale = join(work, "stale");
    cpSync(out, stale, { recursive: true });
    writeFileSync(join(stale, "index.ts"), readFileSync(join(stale, "index.ts"), "utf8") + "// edited\n");
    const snap = snapshot(stale);
    const r = await kubegen("generate", "--crd", fooCrd, "--out", stale, "--check");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("index.ts");
    expect(snapshot(stale)).toEqual(snap);
  });

  it("removes stale generated files but keeps hand-written ones", async () => {
    const dir = join(work, "mixed");
    cpSync(out, dir, { recursive: true });
    mkdirSync(join(dir, "old/v1"), { recursive: true });
    writeFileSync(join(dir, "old/v1/types.ts"), "// Code generated by kubegen. DO NOT EDIT.\nexport type Gone = 1;\n");
    writeFileSync(join(dir, "old/v1/notes.ts"), "// mine\n");
    const r = await kubegen("generate", "--crd", fooCrd, "--out", dir);
    expect(r.code).toBe(0);
    const after = snapshot(dir);
    expect(after["old/v1/types.ts"]).toBeUndefined();
    expect(after["old/v1/notes.ts"]).toBe("// mine\n");
    expect(after["hand-written.ts"]).toBe("export const mine = 1;\n");
  });

  it("refuses to overwrite a hand-written file at a generated path", async () => {
    const dir = join(work, "blocked");
    cpSync(out, dir, { recursive: true });
    writeFileSync(join(dir, "index.ts"), "// my own index\n");
    const r = await kubegen("generate", "--crd", fooCrd, "--out", dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/refusing to replace entries in .*blocked that kubegen did not generate.*index\.ts \(a hand-written file\)/);
    expect(readFileSync(join(dir, "index.ts"), "utf8")).toBe("// my own index\n");
  });

  it("refuses --out \"\" and a project root (exit 2, nothing written) unless --force", async () => {
    const empty = await kubegen("generate", "--crd", fooCrd, "--out", "");
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/--out is empty/);
    const root = join(work, "project-root");
    mkdirSync(root);
    writeFileSync(join(root, "package.json"), "{}\n");
    const refused = await kubegen("generate", "--crd", fooCrd, "--out", root);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/holds package\.json at its top.*--force/);
    expect(readdirSync(root)).toEqual(["package.json"]);
    const forced = await kubegen("generate", "--crd", fooCrd, "--out", root, "--force", "-q");
    expect(forced.code, forced.stderr).toBe(0);
    expect(readdirSync(root)).toContain("index.ts");
  });

  it("reads options from --config with paths relative to the file", async () => {
    const cfgDir = join(work, "cfg");
    mkdirSync(cfgDir, { recursive: true });
    cpSync(fooCrd, join(cfgDir, "foo.yaml"));
    writeFileSync(join(cfgDir, "kubegen.config.yaml"), "crd: [foo.yaml]\nout: generated\n");
    const r = await kubegen("generate", "--config", join(cfgDir, "kubegen.config.yaml"), "-q");
    expect(r.code).toBe(0);
    expect(Object.keys(snapshot(join(cfgDir, "generated")))).toContain("samplecontroller.kubegen.dev/v1alpha1/types/index.ts");
  });
});
