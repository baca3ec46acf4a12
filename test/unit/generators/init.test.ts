// `kubegen init controller` through the real CLI (run with tsx): usage and
// schema errors exit 2 and 1 and write nothing; --help documents the flags;
// and the scaffold of a cluster-scoped CRD whose status has observedGeneration
// and conditions takes the other template branches and type-checks (strict)
// against this checkout's runtime.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const repo = fileURLToPath(new URL("../../../", import.meta.url));
const fooCrd = join(repo, "examples/sample-controller/crd/foos.yaml");
const work = mkdtempSync(join(tmpdir(), "kubegen-init-unit-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function kubegen(...args: string[]): { code: number | null; stderr: string; stdout: string } {
  const tsx = pathToFileURL(join(repo, "node_modules/tsx/dist/loader.mjs")).href;
  const r = spawnSync(process.execPath, ["--import", tsx, join(repo, "generators/cli.ts"), ...args], { cwd: work, encoding: "utf8" });
  return { code: r.status, stderr: r.stderr, stdout: r.stdout };
}

function listing(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" }).sort();
}

describe("kubegen init controller: errors", () => {
  it("exits 1 naming the file and line for a malformed CRD, and writes nothing", () => {
    const bad = join(work, "broken.yaml");
    const text = readFileSync(fooCrd, "utf8");
    writeFileSync(bad, text.replace(/  names:\n(    .*\n)+/, ""));
    const out = join(work, "bad-out");
    const r = kubegen("init", "controller", "--crd", bad, "--out", out);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/broken\.yaml:\d+ at \/spec\/names/);
    expect(r.stderr).toMatch(/nothing was written/);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(work).filter((n) => n.includes("kubegen-init"))).toEqual([]);
  });

  it("exits 1 for invalid YAML, naming the file", () => {
    const bad = join(work, "truncated.yaml");
    writeFileSync(bad, 'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: "x\n');
    const r = kubegen("init", "controller", "--crd", bad, "--out", join(work, "t-out"));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/truncated\.yaml:\d+/);
    expect(existsSync(join(work, "t-out"))).toBe(false);
  });

  it("exits 2 for a non-empty --out and leaves it as it was", () => {
    const out = join(work, "busy");
    mkdirSync(out);
    writeFileSync(join(out, "notes.txt"), "mine\n");
    const r = kubegen("init", "controller", "--crd", fooCrd, "--out", out);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--out .*busy is not empty \(notes\.txt\).*--force/);
    expect(listing(out)).toEqual(["notes.txt"]);
    expect(readFileSync(join(out, "notes.txt"), "utf8")).toBe("mine\n");
    expect(readdirSync(work).filter((n) => n.includes("kubegen-init"))).toEqual([]);
  });

  it("exits 2 for a missing CRD file, a missing flag, a bad --name, or a folder as --crd", () => {
    const missing = kubegen("init", "controller", "--crd", "nope.yaml", "--out", "x");
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--crd nope\.yaml: no such file/);
    const noOut = kubegen("init", "controller", "--crd", fooCrd);
    expect(noOut.code).toBe(2);
    expect(noOut.stderr).toMatch(/--out is required/);
    expect(noOut.stderr).toMatch(/kubegen init controller --help/);
    const badName = kubegen("init", "controller", "--crd", fooCrd, "--out", "y", "--name", "Bad Name");
    expect(badName.code).toBe(2);
    expect(badName.stderr).toMatch(/not a valid npm package name/);
    const folder = kubegen("init", "controller", "--crd", join(repo, "examples/sample-controller/crd"), "--out", "z");
    expect(folder.code).toBe(2);
    expect(folder.stderr).toMatch(/one CRD file, not a folder/);
    const what = kubegen("init");
    expect(what.code).toBe(2);
    expect(what.stderr).toMatch(/kubegen init controller --help/);
    for (const d of ["x", "y", "z"]) expect(existsSync(join(work, d))).toBe(false);
  });

  it("--help documents the flags", () => {
    const r = kubegen("init", "controller", "--help");
    expect(r.code).toBe(0);
    for (const flag of ["--crd", "--out", "--name", "--force", "--quiet"]) expect(r.stdout).toContain(flag);
    expect(r.stdout).toMatch(/kubegen init controller --crd/);
    const top = kubegen("--help");
    expect(top.stdout).toMatch(/kubegen init\s+Scaffold a project/);
  });
});

// A cluster-scoped CRD: v1alpha1 not served, v1 served (the one used), status
// with observedGeneration and metav1.Condition-shaped conditions, a required
// enum and a minimum in spec.
const WIDGETS = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.demo.kubegen.dev
spec:
  group: demo.kubegen.dev
  scope: Cluster
  names: { kind: Widget, listKind: WidgetList, plural: widgets, singular: widget }
  versions:
    - name: v1alpha1
      served: false
      storage: false
      schema:
        openAPIV3Schema: { type: object, properties: { spec: { type: object, properties: { size: { type: integer } } } } }
    - name: v1
      served: true
      storage: true
      subresources: { status: {} }
      schema:
        openAPIV3Schema:
          type: object
          properties:
            apiVersion: { type: string }
            kind: { type: string }
            metadata: { type: object }
            spec:
              type: object
              required: [color, size]
              properties:
                color: { type: string, enum: [red, blue] }
                size: { type: integer, minimum: 3 }
            status:
              type: object
              properties:
                observedGeneration: { type: integer, format: int64 }
                phase: { type: string }
                conditions:
                  type: array
                  x-kubernetes-list-type: map
                  x-kubernetes-list-map-keys: [type]
                  items:
                    type: object
                    required: [lastTransitionTime, message, reason, status, type]
                    properties:
                      lastTransitionTime: { type: string, format: date-time }
                      message: { type: string, maxLength: 32768 }
                      observedGeneration: { type: integer, format: int64, minimum: 0 }
                      reason: { type: string, maxLength: 1024, minLength: 1 }
                      status: { type: string, enum: ["True", "False", Unknown] }
                      type: { type: string, maxLength: 316 }
`;

describe("kubegen init controller: a cluster-scoped CRD with observedGeneration and conditions", () => {
  // Inside the checkout, so the scaffold resolves @kubegen/runtime, vitest and yaml from its node_modules.
  const base = join(repo, ".tmp");
  mkdirSync(base, { recursive: true });
  const dir = mkdtempSync(join(base, "init-widgets-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const crd = join(dir, "widgets.yaml");
  const out = join(dir, "widget-controller");
  writeFileSync(crd, WIDGETS);

  it("scaffolds with --name and -q, printing nothing", () => {
    const r = kubegen("init", "controller", "--crd", crd, "--out", out, "--name", "@acme/widgets", "-q");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    expect(JSON.parse(readFileSync(join(out, "package.json"), "utf8")).name).toBe("@acme/widgets");
    expect(readFileSync(join(out, "crd/widgets.yaml"), "utf8")).toBe(WIDGETS);
  });

  it("uses the first served version, the cluster-scoped lister and client, and writes observedGeneration and a Ready condition", () => {
    const controller = readFileSync(join(out, "src/controller.ts"), "utf8");
    expect(controller).toContain('from "./generated/demo.kubegen.dev/v1/index.js"');
    expect(controller).toContain("options.factory.demoV1.widgets()");
    expect(controller).toContain("const obj = lister.get(name);");
    expect(controller).toContain("options.clientset.demoV1.widgets();");
    expect(controller).toContain("status.withObservedGeneration(generation);");
    expect(controller).toContain('.withType("Ready")');
    expect(controller).toContain("TODO: set the fields you observed (withPhase()).");
    expect(controller).toContain("await client.applyStatus(widget(name).withStatus(status)");
    const test = readFileSync(join(out, "test/controller.test.ts"), "utf8");
    expect(test).toContain('color: "red",');
    expect(test).toContain("size: 3");
    expect(test).toContain("expect(reconciled.status?.observedGeneration).toBe(created.metadata?.generation);");
  });

  it("type-checks under strict settings (src, test and vitest config)", () => {
    const tsc = join(repo, "node_modules/typescript/bin/tsc");
    const r = spawnSync(process.execPath, [tsc, "-p", join(out, "test")], { cwd: out, encoding: "utf8" });
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
  }, 60_000);

  it("refuses to scaffold over itself without --force, and with --force keeps the user's files", () => {
    const again = kubegen("init", "controller", "--crd", crd, "--out", out, "-q");
    expect(again.code).toBe(2);
    writeFileSync(join(out, "src/extra.ts"), "export const extra = 1;\n");
    writeFileSync(join(out, "src/controller.ts"), "// changed\n");
    const forced = kubegen("init", "controller", "--crd", crd, "--out", out, "--force", "-q");
    expect(forced.code, forced.stderr).toBe(0);
    expect(readFileSync(join(out, "src/extra.ts"), "utf8")).toBe("export const extra = 1;\n");
    expect(readFileSync(join(out, "src/controller.ts"), "utf8")).toContain("export function newWidgetController");
  });
});
