// Exit codes of run() that need a broken generator to reach: an internal error
// (a bug) exits 3 with one line and a request to report it; the stack trace is
// printed only with --verbose. generate() is replaced by one that throws.
import { describe, expect, it, vi } from "vitest";
import { kubegenIn } from "../../helpers/cli.js";

vi.mock("../../../generators/generate.js", () => ({
  generate: async () => {
    const e = new TypeError("cannot read properties of undefined (reading 'kind')\nsecond line");
    e.stack = `${e.name}: ${e.message}\n    at emitSomething (generators/emit/somewhere.ts:1:1)`;
    throw e;
  },
}));

const args = ["generate", "--crd", "foo.yaml", "--out", "out"];

describe("kubegen: internal errors", () => {
  it("exit 3 with one line naming the failure, no stack trace", async () => {
    const r = await kubegenIn("/nonexistent", ...args);
    expect(r.code).toBe(3);
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines[0]).toBe("kubegen: internal error (a bug in kubegen): TypeError: cannot read properties of undefined (reading 'kind')");
    expect(lines[1]).toMatch(/please report it .*--verbose prints the stack trace/);
    expect(lines).toHaveLength(2);
    expect(r.stderr).not.toContain("emitSomething");
  });

  it("--verbose adds the stack trace", async () => {
    const r = await kubegenIn("/nonexistent", ...args, "--verbose");
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("at emitSomething (generators/emit/somewhere.ts:1:1)");
  });
});
