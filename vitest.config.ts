// One Vitest run, several tiers (see DESIGN.md "Tests, in tiers"):
//   unit         pure functions and runtime pieces with fakes and injected clocks
//   integration  against the real kube-apiserver + etcd started once per run
// Workspace packages resolve to their TypeScript sources, so no build is needed.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const src = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const alias = {
  "@kubegen/runtime/testing": src("./runtime/src/testing/index.ts"),
  "@kubegen/runtime/webhook": src("./runtime/src/webhook/index.ts"),
  "@kubegen/runtime": src("./runtime/src/index.ts"),
};

export default defineConfig({
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts", "test/golden/**/*.test.ts", "test/corpus/**/*.test.ts"],
          // Explicit limits, well above what a loaded 2-core machine needs; tests
          // that spawn compilers or servers set their own.
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        resolve: { alias },
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          globalSetup: ["test/helpers/control-plane-setup.ts", "test/helpers/packages-setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
