// `kubegen init controller` through the CLI's run() in-process: usage and
// schema errors exit 2 and 1 and write nothing; --help documents the flags;
// --packages checks its folder; and the scaffold of a cluster-scoped CRD whose
// status has observedGeneration and conditions takes the other template
// branches. (test/integration/packages/ installs, type-checks and runs
// scaffolds from the packed tarballs.)
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { kubegenIn } from "../../helpers/cli.js";
import { toolVersions } from "../../../generators/init/init-controller.js";
import { typecheck } from "../../helpers/typecheck.js";
import { afterAll, describe, expect, it } from "vitest";

const repo = fileURLToPath(new URL("../../../", import.meta.url));
const fooCrd = join(repo, "examples/sample-controller/crd/foos.yaml");
const work = mkdtempSync(join(tmpdir(), "kubegen-init-unit-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const kubegen = (...args: string[]) => kubegenIn(work, ...args);

function listing(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" }).sort();
}

describe("kubegen init controller: errors", () => {
  it("exits 1 naming the file and line for a malformed CRD, and writes nothing", async () => {
    const bad = join(work, "broken.yaml");
    const text = readFileSync(fooCrd, "utf8");
    writeFileSync(bad, text.replace(/  names:\n(    .*\n)+/, ""));
    const out = join(work, "bad-out");
    const r = await kubegen("init", "controller", "--crd", bad, "--out", out);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/broken\.yaml:\d+ at \/spec\/names/);
    expect(r.stderr).toMatch(/nothing was written/);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(work).filter((n) => n.includes("kubegen-init"))).toEqual([]);
  });

  it("exits 1 for invalid YAML, naming the file", async () => {
    const bad = join(work, "truncated.yaml");
    writeFileSync(bad, 'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: "x\n');
    const r = await kubegen("init", "controller", "--crd", bad, "--out", join(work, "t-out"));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/truncated\.yaml:\d+/);
    expect(existsSync(join(work, "t-out"))).toBe(false);
  });

  it("exits 2 for a non-empty --out and leaves it as it was", async () => {
    const out = join(work, "busy");
    mkdirSync(out);
    writeFileSync(join(out, "notes.txt"), "mine\n");
    const r = await kubegen("init", "controller", "--crd", fooCrd, "--out", out);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--out .*busy is not empty \(notes\.txt\).*--force/);
    expect(listing(out)).toEqual(["notes.txt"]);
    expect(readFileSync(join(out, "notes.txt"), "utf8")).toBe("mine\n");
    expect(readdirSync(work).filter((n) => n.includes("kubegen-init"))).toEqual([]);
  });

  it("exits 2 for a missing CRD file, a missing flag, a bad --name, or a folder as --crd", async () => {
    const missing = await kubegen("init", "controller", "--crd", "nope.yaml", "--out", "x");
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--crd nope\.yaml: no such file/);
    const noOut = await kubegen("init", "controller", "--crd", fooCrd);
    expect(noOut.code).toBe(2);
    expect(noOut.stderr).toMatch(/--out is required/);
    expect(noOut.stderr).toMatch(/kubegen init controller --help/);
    const badName = await kubegen("init", "controller", "--crd", fooCrd, "--out", "y", "--name", "Bad Name");
    expect(badName.code).toBe(2);
    expect(badName.stderr).toMatch(/not a valid npm package name/);
    const folder = await kubegen("init", "controller", "--crd", join(repo, "examples/sample-controller/crd"), "--out", "z");
    expect(folder.code).toBe(2);
    expect(folder.stderr).toMatch(/one CRD file, not a folder/);
    const what = await kubegen("init");
    expect(what.code).toBe(2);
    expect(what.stderr).toMatch(/kubegen init controller --help/);
    for (const d of ["x", "y", "z"]) expect(existsSync(join(work, d))).toBe(false);
  });

  it("--packages: a folder without both tarballs of this version is exit 2 naming what is missing", async () => {
    const packages = join(work, "packages");
    mkdirSync(packages);
    writeFileSync(join(packages, "kubegen-0.0.1.tgz"), "");
    const r = await kubegen("init", "controller", "--crd", fooCrd, "--out", "p", "--packages", packages);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/kubegen-runtime-\d+\.\d+\.\d+\.tgz and kubegen-\d+\.\d+\.\d+\.tgz are missing/);
    expect(r.stderr).toContain("found kubegen-0.0.1.tgz");
    const none = await kubegen("init", "controller", "--crd", fooCrd, "--out", "p", "--packages", "no-such-folder");
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/--packages no-such-folder: no such folder/);
    expect(existsSync(join(work, "p"))).toBe(false);
  });

  it("--packages: the project depends on the tarballs by relative file: paths", async () => {
    const packages = join(work, "packed");
    mkdirSync(packages);
    const { generator, runtime } = toolVersions();
    writeFileSync(join(packages, `kubegen-${generator}.tgz`), "");
    writeFileSync(join(packages, `kubegen-runtime-${runtime}.tgz`), "");
    const r = await kubegen("init", "controller", "--crd", fooCrd, "--out", "projects/foo", "--packages", "packed", "-q");
    expect(r.code, r.stderr).toBe(0);
    const pkg = JSON.parse(readFileSync(join(work, "projects/foo/package.json"), "utf8"));
    expect(pkg.dependencies["@kubegen/runtime"]).toBe(`file:../../packed/kubegen-runtime-${runtime}.tgz`);
    expect(pkg.devDependencies.kubegen).toBe(`file:../../packed/kubegen-${generator}.tgz`);
    const plain = await kubegen("init", "controller", "--crd", fooCrd, "--out", "projects/plain", "-q");
    expect(plain.code, plain.stderr).toBe(0);
    const registry = JSON.parse(readFileSync(join(work, "projects/plain/package.json"), "utf8"));
    expect(registry.dependencies["@kubegen/runtime"]).toBe(`^${runtime}`);
    expect(registry.devDependencies.kubegen).toBe(`^${generator}`);
  });

  it("--help documents the flags", async () => {
    const r = await kubegen("init", "controller", "--help");
    expect(r.code).toBe(0);
    for (const flag of ["--crd", "--out", "--name", "--packages", "--force", "--quiet"]) expect(r.stdout).toContain(flag);
    expect(r.stdout).toMatch(/kubegen init controller --crd/);
    const top = await kubegen("--help");
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
  const dir = mkdtempSync(join(work, "init-widgets-"));
  const crd = join(dir, "widgets.yaml");
  const out = join(dir, "widget-controller");
  writeFileSync(crd, WIDGETS);

  it("scaffolds with --name and -q, printing nothing", async () => {
    const r = await kubegen("init", "controller", "--crd", crd, "--out", out, "--name", "@acme/widgets", "-q");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    expect(JSON.parse(readFileSync(join(out, "package.json"), "utf8")).name).toBe("@acme/widgets");
    expect(readFileSync(join(out, "crd/widgets.yaml"), "utf8")).toBe(WIDGETS);
  });

  it("uses the first served version, the cluster-scoped lister and client, and writes observedGeneration and a Ready condition", async () => {
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

  it("refuses to scaffold over itself without --force, and with --force keeps the user's files", async () => {
    const again = await kubegen("init", "controller", "--crd", crd, "--out", out, "-q");
    expect(again.code).toBe(2);
    writeFileSync(join(out, "src/extra.ts"), "export const extra = 1;\n");
    writeFileSync(join(out, "src/controller.ts"), "// changed\n");
    const forced = await kubegen("init", "controller", "--crd", crd, "--out", out, "--force", "-q");
    expect(forced.code, forced.stderr).toBe(0);
    expect(readFileSync(join(out, "src/extra.ts"), "utf8")).toBe("export const extra = 1;\n");
    expect(readFileSync(join(out, "src/controller.ts"), "utf8")).toContain("export function newWidgetController");
  });
});

describe("kubegen init controller: awkward but valid names", () => {
  it("a kind Foo-Bar in a file with an unusual name: file names come from validated names, and the source type-checks", async () => {
    const dir = mkdtempSync(join(work, "init-foobar-"));
    const text = WIDGETS.replaceAll("widgets.demo.kubegen.dev", "foo-bars.demo.kubegen.dev")
      .replace("kind: Widget, listKind: WidgetList, plural: widgets, singular: widget", "kind: Foo-Bar, listKind: Foo-BarList, plural: foo-bars, singular: foo-bar");
    writeFileSync(join(dir, "my CRD (v2)!.yaml"), text);
    const out = join(dir, "project");
    const r = await kubegen("init", "controller", "--crd", join(dir, "my CRD (v2)!.yaml"), "--out", out, "-q");
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(join(out, "crd"))).toEqual(["foo-bars.demo.kubegen.dev.yaml"]);
    const pkg = JSON.parse(readFileSync(join(out, "package.json"), "utf8"));
    expect(pkg.name).toBe("foo-bar-controller");
    expect(pkg.scripts.generate).toBe("kubegen generate --crd crd/foo-bars.demo.kubegen.dev.yaml --out src/generated");
    expect(readFileSync(join(out, "src/controller.ts"), "utf8")).toContain("export function newFooBarController(");
    expect(typecheck([join(out, "src")]).errors).toEqual([]);
  }, 120_000);
});

describe("kubegen init controller --force: the folder's own entries stay", () => {
  it("keeps links, empty folders, FIFOs, modes and the folder itself; replaces only scaffold files", async () => {
    const out = mkdtempSync(join(work, "force-"));
    chmodSync(out, 0o751);
    const inode = statSync(out).ino;
    writeFileSync(join(out, "notes.txt"), "mine\n");
    chmodSync(join(out, "notes.txt"), 0o600);
    symlinkSync("notes.txt", join(out, "link"));
    symlinkSync("/nonexistent/target", join(out, "dangling"));
    mkdirSync(join(out, "empty"));
    execFileSync("mkfifo", [join(out, "pipe")]);
    mkdirSync(join(out, "src"));
    writeFileSync(join(out, "src/controller.ts"), "// old\n");
    chmodSync(join(out, "src/controller.ts"), 0o640);
    const r = await kubegen("init", "controller", "--crd", fooCrd, "--out", out, "--force", "-q");
    expect(r.code, r.stderr).toBe(0);
    expect(statSync(out).ino).toBe(inode);
    expect(statSync(out).mode & 0o777).toBe(0o751);
    expect(readFileSync(join(out, "notes.txt"), "utf8")).toBe("mine\n");
    expect(statSync(join(out, "notes.txt")).mode & 0o777).toBe(0o600);
    expect(readlinkSync(join(out, "link"))).toBe("notes.txt");
    expect(readlinkSync(join(out, "dangling"))).toBe("/nonexistent/target");
    expect(readdirSync(join(out, "empty"))).toEqual([]);
    expect(lstatSync(join(out, "pipe")).isFIFO()).toBe(true);
    expect(readFileSync(join(out, "src/controller.ts"), "utf8")).toContain("export function newFooController");
    expect(statSync(join(out, "src/controller.ts")).mode & 0o777).toBe(0o640);
    expect(readdirSync(out).filter((n) => n.includes("kubegen-init"))).toEqual([]);
    expect(readdirSync(work).filter((n) => n.includes("kubegen-init"))).toEqual([]);
  });

  it("refuses, writing nothing, when a scaffold path is a symlink", async () => {
    const out = mkdtempSync(join(work, "force-link-"));
    writeFileSync(join(work, "outside.json"), "{}\n");
    symlinkSync(join(work, "outside.json"), join(out, "package.json"));
    const r = await kubegen("init", "controller", "--crd", fooCrd, "--out", out, "--force", "-q");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/would replace package\.json, which is not a plain file/);
    expect(readdirSync(out)).toEqual(["package.json"]);
    expect(readFileSync(join(work, "outside.json"), "utf8")).toBe("{}\n");
  });
});

