// `--emit js`: the generated TypeScript, compiled in memory to `.js` + `.d.ts`
// and handed to the output writer. Each emitted file carries the generated
// header (so the writer owns it), no `.ts` source remains, a consumer program
// type-checks against the declarations under strict (and fails where the types
// say it must) and runs on plain node. Switching between `ts` and `js` removes
// the other mode's files as stale and never touches hand-written files.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { afterAll, describe, expect, it } from "vitest";
import { run } from "../../../generators/cli.js";
import { generate } from "../../../generators/index.js";
import { compileToJs } from "../../../generators/write/compile.js";
import { GENERATED_HEADER } from "../../../generators/write/output.js";
import { strictOptions } from "../../helpers/typecheck.js";

const repo = fileURLToPath(new URL("../../../", import.meta.url));
const crd = join(repo, "test/golden/int64/input/counters.yaml");
mkdirSync(join(repo, ".tmp"), { recursive: true });
// Inside the checkout, so node resolves @kubegen/runtime from the workspace.
const work = mkdtempSync(join(repo, ".tmp", "emit-js-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Every file under `dir`, relative and sorted. */
function files(dir: string, rel = ""): string[] {
  return readdirSync(join(dir, rel), { withFileTypes: true })
    .flatMap((e) => {
      const p = rel ? `${rel}/${e.name}` : e.name;
      return e.isDirectory() ? files(dir, p) : [p];
    })
    .sort();
}

const isSource = (p: string): boolean => p.endsWith(".ts") && !p.endsWith(".d.ts");

const CONSUMER = `import { FakeClientset } from "./gen/fake.js";
import { counter, counterSpec } from "./gen/golden.kubegen.dev/v1/index.js";

const cs = new FakeClientset();
await cs.goldenV1.counters("ns").apply(counter("c1", "ns").withSpec(counterSpec().withTotal(7).withIds(1, 2)), { fieldManager: "t" });
const got = await cs.goldenV1.counters("ns").get("c1");
const total: number | undefined = got.spec?.total;
console.log(JSON.stringify({ name: got.metadata?.name, total, ids: got.spec?.ids }));
`;

/** Strict type-check of one program (the declarations too: skipLibCheck off). */
function check(folder: string, file: string, text: string): string[] {
  writeFileSync(join(folder, file), text);
  const program = ts.createProgram([join(folder, file)], { ...strictOptions(), skipLibCheck: false });
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, " "));
}

describe("--emit js", () => {
  const project = join(work, "consumer");
  const gen = join(project, "gen");

  it("writes .js and .d.ts, each with the header, and no .ts", async () => {
    mkdirSync(project, { recursive: true });
    writeFileSync(join(project, "package.json"), '{ "type": "module" }\n');
    const result = await generate({ crd: [crd], out: gen, emit: "js" });
    const all = files(gen);
    expect(all.filter(isSource)).toEqual([]);
    const js = all.filter((p) => p.endsWith(".js"));
    const dts = all.filter((p) => p.endsWith(".d.ts"));
    expect(js.length).toBeGreaterThan(5);
    expect(dts.map((p) => p.replace(/\.d\.ts$/, ".js"))).toEqual(js);
    expect(result.files).toBe(js.length + dts.length);
    for (const p of [...js, ...dts]) expect(readFileSync(join(gen, p), "utf8").split("\n")[0], p).toBe(GENERATED_HEADER);
    // Declarations, not bodies; JavaScript, not types.
    const acFolder = join(gen, "golden.kubegen.dev/v1/applyconfigurations");
    const acFiles = (ext: string) =>
      readdirSync(acFolder)
        .filter((f) => f.endsWith(ext) && (ext === ".d.ts" || !f.endsWith(".d.ts")))
        .map((f) => readFileSync(join(acFolder, f), "utf8"))
        .join("\n");
    expect(acFiles(".d.ts")).toMatch(/withTotal\(value: number\): this;/);
    expect(acFiles(".js")).not.toMatch(/: number|import type/);
  });

  it("passes files of types only through uncompiled: the source is the declaration file, the module is empty", async () => {
    const ts = await generate({ crd: [crd], out: join(work, "as-ts"), emit: "ts" });
    expect(ts.files).toBeGreaterThan(0);
    const typesFolder = "golden.kubegen.dev/v1/types";
    const typeFiles = files(join(work, "as-ts", typesFolder)).filter((p) => p !== "index.ts");
    expect(typeFiles.length).toBeGreaterThan(1);
    for (const p of typeFiles) {
      const source = readFileSync(join(work, "as-ts", typesFolder, p), "utf8");
      const stem = p.replace(/\.ts$/, "");
      expect(readFileSync(join(gen, typesFolder, `${stem}.d.ts`), "utf8"), p).toBe(source);
      expect(readFileSync(join(gen, typesFolder, `${stem}.js`), "utf8"), p).toBe(`${GENERATED_HEADER}\nexport {};\n`);
    }
    // A file with code still goes through the compiler.
    expect(readFileSync(join(gen, "golden.kubegen.dev/v1/client.js"), "utf8")).not.toMatch(/import type|: string/);
  });

  it("type-checks a consumer under strict, and rejects a wrong one", () => {
    expect(check(project, "main.ts", CONSUMER)).toEqual([]);
    // The declarations carry the types: a wrong use is an error, not `any`.
    const wrong = check(project, "wrong.ts", CONSUMER.replace("const total: number | undefined", "const total: string | undefined"));
    expect(wrong.join("\n")).toMatch(/not assignable to type 'string'/);
    rmSync(join(project, "wrong.ts"));
  });

  it("runs on plain node", () => {
    writeFileSync(join(project, "main.mjs"), CONSUMER.replace(": number | undefined", ""));
    const child = spawnSync(process.execPath, [join(project, "main.mjs")], { cwd: project, encoding: "utf8" });
    expect(child.stderr).toBe("");
    expect(JSON.parse(child.stdout)).toEqual({ name: "c1", total: 7, ids: [1, 2] });
  });

  it("keeps output identical on a second run, and --check agrees", async () => {
    const again = await generate({ crd: [crd], out: gen, emit: "js" });
    expect(again.changed).toEqual([]);
    expect(again.written).toBe(false);
    const checked = await generate({ crd: [crd], out: gen, emit: "js", check: true });
    expect([...checked.changed, ...checked.stale]).toEqual([]);
    // The same folder is stale for the other mode.
    const other = await generate({ crd: [crd], out: gen, check: true });
    expect(other.stale.length).toBeGreaterThan(0);
  });
});

describe("switching between ts and js", () => {
  it("removes the other mode's files and never touches hand-written ones", async () => {
    const out = join(work, "switch");
    mkdirSync(join(out, "golden.kubegen.dev/v1"), { recursive: true });
    const user: Record<string, string> = {
      "extra.ts": "export const mine = 1;\n",
      "helper.js": "export const helper = 2;\n",
      "golden.kubegen.dev/v1/custom.d.ts": "export declare const custom: number;\n",
      "golden.kubegen.dev/v1/notes.ts": "// my notes, no header\n",
    };
    for (const [p, text] of Object.entries(user)) writeFileSync(join(out, p), text);
    const userFiles = Object.keys(user).sort();
    const generated = (): string[] => files(out).filter((p) => !userFiles.includes(p));

    await generate({ crd: [crd], out, emit: "ts" });
    const tsFiles = generated();
    expect(tsFiles.length).toBeGreaterThan(5);
    expect(tsFiles.every(isSource)).toBe(true);

    const toJs = await generate({ crd: [crd], out, emit: "js" });
    const jsFiles = generated();
    expect(jsFiles.some(isSource)).toBe(false);
    expect(toJs.stale).toEqual(tsFiles);
    expect(jsFiles).toEqual(tsFiles.flatMap((p) => [p.replace(/\.ts$/, ".d.ts"), p.replace(/\.ts$/, ".js")]).sort());

    const toTs = await generate({ crd: [crd], out, emit: "ts" });
    expect(generated()).toEqual(tsFiles);
    expect(toTs.stale).toEqual(jsFiles);

    for (const [p, text] of Object.entries(user)) expect(readFileSync(join(out, p), "utf8"), p).toBe(text);
  });
});

describe("the command line", () => {
  function io(cwd: string) {
    const out: string[] = [];
    const err: string[] = [];
    return { io: { stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t), cwd, columns: 100 }, out, err };
  }

  it("describes --emit in --help", async () => {
    const h = io(work);
    expect(await run(["generate", "--help"], h.io)).toBe(0);
    expect(h.out.join("")).toMatch(/--emit[\s\S]*\.d\.ts/);
  });

  it("takes --emit and the emit key of --config, and rejects an unknown mode", async () => {
    const dir = join(work, "cli");
    mkdirSync(dir, { recursive: true });
    const config = join(dir, "kubegen.config.yaml");
    writeFileSync(config, `crd: ${JSON.stringify(crd)}\nout: gen\nemit: js\n`);
    expect(await run(["generate", "-q", "--config", config], io(dir).io)).toBe(0);
    expect(files(join(dir, "gen")).some(isSource)).toBe(false);
    expect(files(join(dir, "gen")).some((p) => p.endsWith(".d.ts"))).toBe(true);
    expect(await run(["generate", "-q", "--config", config, "--emit", "ts"], io(dir).io)).toBe(0);
    expect(files(join(dir, "gen")).every(isSource)).toBe(true);
    const bad = io(dir);
    expect(await run(["generate", "-q", "--crd", crd, "--out", "gen", "--emit", "py"], bad.io)).toBe(2);
    expect(bad.err.join("")).toMatch(/emit/);
    expect(files(join(dir, "gen")).every(isSource)).toBe(true);
  });
});

describe("compileToJs", () => {
  it("falls back to the type checker when a declaration needs inference", async () => {
    const src = [
      { path: "a.ts", content: `${GENERATED_HEADER}\nexport function twice(n: number) {\n  return [n, n];\n}\n` },
      { path: "b.ts", content: `${GENERATED_HEADER}\nimport { twice } from "./a.js";\nexport const x: number[] = twice(2);\n` },
    ];
    const result = await compileToJs(src, join(work, "fallback"));
    expect(result.how).toBe("program");
    expect(result.files.map((f) => f.path)).toEqual(["a.js", "a.d.ts", "b.js", "b.d.ts"]);
    expect(result.files[1]!.content).toBe(`${GENERATED_HEADER}\nexport declare function twice(n: number): number[];\n`);
    for (const f of result.files) expect(f.content.startsWith(`${GENERATED_HEADER}\n`)).toBe(true);
  });

  it("compiles file by file when every export is annotated", async () => {
    const src = [{ path: "a.ts", content: `${GENERATED_HEADER}\nexport function twice(n: number): number[] {\n  return [n, n];\n}\n` }];
    const result = await compileToJs(src, join(work, "isolated"));
    expect(result.how).toBe("isolated");
    expect(result.files[0]!.content).toBe(`${GENERATED_HEADER}\nexport function twice(n) {\n    return [n, n];\n}\n`);
  });
});
