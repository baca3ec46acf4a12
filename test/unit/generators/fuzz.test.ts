// Property-based fuzzing of the generator with untrusted input (DESIGN.md
// "Safety rules"): random mutations of the real CRDs in ../shared/crds,
// random schemas wrapped in CRDs, and random swagger v2 / OpenAPI v3
// documents. Every case must either fail with a SchemaError (each diagnostic
// naming the input file, a JSON pointer and a message; nothing written) or
// generate code; a sample of the generated outputs is type-checked under
// strict in one compiler program, and every output is loaded in one child
// process, where no payload may run (the canary file stays absent).
//
// `make test` runs a few hundred cases with a fixed seed. `make fuzz` runs
// thousands with a random seed; a failure prints the seed and the path, and
// KUBEGEN_FUZZ_SEED=<seed> KUBEGEN_FUZZ_PATH=<path> replays the case (see
// test/helpers/fuzz/harness.ts for every variable).
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { crdArb, fuzzNames, fuzzText, openApiArb, schemaArb, type Json } from "../../helpers/fuzz/arbitraries.js";
import { FuzzRun, fuzzConfig, runsFor } from "../../helpers/fuzz/harness.js";
import {
  applyMutations,
  crdMutationCaseArb,
  hasCrdDocument,
  mutationArb,
  parseDocuments,
  serialiseDocuments,
} from "../../helpers/fuzz/mutations.js";
import { crdFiles, sharedData } from "../../helpers/shared-data.js";

const repo = fileURLToPath(new URL("../../../", import.meta.url));
const config = fuzzConfig();
mkdirSync(join(repo, ".tmp"), { recursive: true });
// Inside the checkout, so generated code resolves @kubegen/runtime from the workspace.
const work = mkdtempSync(join(repo, ".tmp", "fuzz-"));
const canary = join(work, "canary");
let keepWork = config.keep;
afterAll(() => {
  if (keepWork) console.log(`fuzz: work folder kept: ${work}`);
  else rmSync(work, { recursive: true, force: true });
});

const WEIGHTS = { mutations: 35, schemas: 40, openapi: 25 };
const TOTAL = WEIGHTS.mutations + WEIGHTS.schemas + WEIGHTS.openapi;
const runs = {
  mutations: runsFor(config, WEIGHTS.mutations, TOTAL),
  schemas: runsFor(config, WEIGHTS.schemas, TOTAL),
  openapi: runsFor(config, WEIGHTS.openapi, TOTAL),
};
/** Several minutes, more for long `make fuzz` runs (the per-case guard is 30 s). */
const timeoutFor = (n: number): number => 300_000 + n * 2_000;

console.log(
  `fuzz: seed ${config.seed}, ${config.runs} cases (${runs.mutations} CRD mutations, ${runs.schemas} random CRD schemas, ${runs.openapi} OpenAPI documents)` +
    `${config.path !== undefined ? `, replaying path ${config.path}` : ""}; set KUBEGEN_FUZZ_SEED and KUBEGEN_FUZZ_RUNS to change`,
);

const text = fuzzText(canary);
/** Hostile names (valid, awkward, invalid) and valid ones (awkward included). */
const names = { hostile: fuzzNames(text, true), valid: fuzzNames(text, false) };
/** Half the cases are valid documents with hostile text (they reach the emitters), half are hostile throughout. */
const eitherWay = <T>(make: (hostile: boolean) => fc.Arbitrary<T>): fc.Arbitrary<T> => fc.oneof(make(false), make(true));

/** Runs one property and prints its summary; keeps the work folder when it fails. */
async function property<T>(name: string, label: string, arb: fc.Arbitrary<T>, toInput: (v: T) => Parameters<FuzzRun["case"]>[0], n: number): Promise<void> {
  const run = new FuzzRun(config, label, work, canary);
  try {
    const summary = await run.check(name, arb, (v) => run.case(toInput(v)), n);
    console.log(`fuzz: ${summary}`);
  } catch (e) {
    keepWork = true;
    // The failure can be long; KUBEGEN_FUZZ_DUMP=<file> also appends it to a file.
    if (process.env.KUBEGEN_FUZZ_DUMP) appendFileSync(process.env.KUBEGEN_FUZZ_DUMP, `${String((e as Error).stack)}\n\n`);
    throw e;
  }
  expect(run.stats.cases).toBeGreaterThanOrEqual(config.path !== undefined ? 1 : n);
}

describe("fuzz: the generator keeps its contract for untrusted input", () => {
  let shared: string | undefined;
  let sharedError: unknown;
  try {
    shared = sharedData();
  } catch (e) {
    sharedError = e;
  }
  if (!shared && !sharedError) console.warn("fuzz: skipping the CRD mutations: ../shared/crds is not present");

  const MUTATIONS_NAME = "mutations of the real CRDs";
  it.skipIf(!shared && !sharedError)(
    MUTATIONS_NAME,
    async () => {
      if (sharedError) throw sharedError;
      const files = crdFiles(shared!);
      expect(files.length).toBeGreaterThan(0);
      // Parsed documents, a few files at a time (the largest file is 1.4 MB of YAML).
      const cache = new Map<number, Json[]>();
      const documents = (i: number): Json[] => {
        let docs = cache.get(i);
        if (!docs) {
          docs = parseDocuments(readFileSync(files[i]!, "utf8"));
          if (cache.size >= 8) cache.delete(cache.keys().next().value!);
          cache.set(i, docs);
        }
        return docs;
      };
      // Most cases mutate one of the files under 100 kB (three in four of them), the rest any file:
      // the largest take seconds to generate and to compile.
      const small = files.flatMap((f, i) => (statSync(f).size < 100_000 ? [i] : []));
      const file = small.length > 0 ? fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...small) }, { weight: 1, arbitrary: fc.nat(files.length - 1) }) : fc.nat(files.length - 1);
      const arb = eitherWay((hostile) =>
        crdMutationCaseArb(mutationArb(text, hostile ? names.hostile : names.valid, schemaArb(text, { maxDepth: 3, hostile }), hostile), file, 6),
      );
      await property(
        MUTATIONS_NAME,
        "mutations",
        arb,
        (c) => {
          const docs = applyMutations(documents(c.file), c);
          return { flag: "crd", name: "input.yaml", text: serialiseDocuments(docs, c.format), mayDefineNothing: !hasCrdDocument(docs) };
        },
        runs.mutations,
      );
    },
    timeoutFor(runs.mutations),
  );

  const SCHEMAS_NAME = "random schemas in CRDs";
  it(
    SCHEMAS_NAME,
    async () => {
      const arb = eitherWay((hostile) =>
        fc.record({
          crds: fc.array(crdArb(text, hostile ? names.hostile : names.valid, schemaArb(text, { maxDepth: 4, hostile }), hostile), { minLength: 1, maxLength: 2 }),
          format: fc.constantFrom("yaml" as const, "json" as const),
        }),
      );
      await property(
        SCHEMAS_NAME,
        "schemas",
        arb,
        (c) => ({ flag: "crd", name: "input.yaml", text: serialiseDocuments(c.crds, c.format), mayDefineNothing: false }),
        runs.schemas,
      );
    },
    timeoutFor(runs.schemas),
  );

  const OPENAPI_NAME = "random swagger v2 and OpenAPI v3 documents";
  it(
    OPENAPI_NAME,
    async () => {
      await property(
        OPENAPI_NAME,
        "openapi",
        eitherWay((hostile) => openApiArb(text, hostile ? names.hostile : names.valid, 3, hostile)),
        (c) => ({ flag: "openapi", name: c.v3 ? "openapi-v3.json" : "swagger.json", text: JSON.stringify(c.doc, null, 1), mayDefineNothing: false }),
        runs.openapi,
      );
    },
    timeoutFor(runs.openapi),
  );
});
