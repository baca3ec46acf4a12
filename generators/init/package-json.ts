// The scaffold's package.json, and where its two kubegen dependencies come
// from: registry ranges by default, or the tarballs `make pack` wrote (the
// --packages folder) by relative `file:` paths. The file is built as data and
// printed with JSON.stringify, so no value can change its shape.

import { readdir } from "node:fs/promises";
import { join, relative, resolve, sep } from "node:path";
import { UsageError } from "../load/errors.js";

/** Versions of the running generator and of the runtime it was built with. */
export interface ToolVersions {
  readonly generator: string;
  readonly runtime: string;
}

/** Dependency specs for `@kubegen/runtime` and `kubegen`. */
export interface KubegenDependencies {
  readonly runtime: string;
  readonly generator: string;
}

/** The file names `npm pack` gives the two packages. */
export function tarballNames(versions: ToolVersions): { runtime: string; generator: string } {
  return { runtime: `kubegen-runtime-${versions.runtime}.tgz`, generator: `kubegen-${versions.generator}.tgz` };
}

/** Registry ranges: right once the packages are published. */
export function registryDependencies(versions: ToolVersions): KubegenDependencies {
  return { runtime: `^${versions.runtime}`, generator: `^${versions.generator}` };
}

/**
 * `file:` specs for the tarballs in `packages` (relative to `cwd`), as seen from
 * the project folder `out`. A folder without both tarballs of these exact
 * versions is a UsageError naming what is missing.
 */
export async function packedDependencies(packages: string, cwd: string, out: string, versions: ToolVersions): Promise<KubegenDependencies> {
  const dir = resolve(cwd, packages);
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(
      code === "ENOENT" ? `--packages ${packages}: no such folder (make pack in the kubegen repository writes dist/packages)` : `--packages ${packages}: cannot read (${code})`,
      { cause: err },
    );
  }
  const want = tarballNames(versions);
  const missing = [want.runtime, want.generator].filter((name) => !entries.includes(name));
  if (missing.length > 0) {
    const found = entries.filter((e) => /^kubegen-.*\.tgz$/.test(e)).sort();
    throw new UsageError(
      `--packages ${packages}: ${missing.join(" and ")} ${missing.length === 1 ? "is" : "are"} missing ` +
        `(this kubegen is ${versions.generator}, built with @kubegen/runtime ${versions.runtime}; ` +
        `${found.length > 0 ? `found ${found.join(", ")}` : "found no kubegen tarballs"}); run \`make pack\` in the kubegen repository`,
    );
  }
  const spec = (name: string) => `file:${relative(out, join(dir, name)).split(sep).join("/")}`;
  return { runtime: spec(want.runtime), generator: spec(want.generator) };
}

/** What the package.json says beyond the dependencies. */
export interface PackageJsonView {
  readonly name: string;
  readonly kind: string;
  readonly apiVersion: string;
  /** The CRD's file name under crd/ (a validated, shell-safe name). */
  readonly crdFile: string;
}

/** The scaffold's package.json text. */
export function packageJson(view: PackageJsonView, deps: KubegenDependencies): string {
  const pkg = {
    name: view.name,
    version: "0.1.0",
    private: true,
    description: `A Kubernetes controller for ${view.kind} (${view.apiVersion}), scaffolded by kubegen init`,
    type: "module",
    engines: { node: ">=20.19" },
    scripts: {
      generate: `kubegen generate --crd crd/${view.crdFile} --out src/generated`,
      build: "tsc",
      typecheck: "tsc -p test",
      test: "vitest run",
      start: "node dist/main.js",
      dev: "tsx src/main.ts",
    },
    dependencies: { "@kubegen/runtime": deps.runtime },
    devDependencies: {
      "@types/node": "^20.19.0",
      kubegen: deps.generator,
      tsx: "^4.23.15",
      typescript: "~5.9.3",
      vitest: "^4.1.12",
      yaml: "^2.9.1",
    },
  };
  return `${JSON.stringify(pkg, null, 2)}\n`;
}
