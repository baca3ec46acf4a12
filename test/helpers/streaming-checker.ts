// The streaming checker (test/streaming-checker): a Go program that runs exec, attach,
// port-forward and logs through the API server with client-go's own streaming clients and
// prints one JSON answer. And the test kubelet's lookup with a freshness check: the binary that
// test/envtest/build-kubelet.sh put in the envtest folder must be built from the current
// test/kubelet sources (the hash in its `.source-hash` stamp), so a test never runs an old build.
// `make envtest` builds both. Tests skip without them, except under CI=true, where a missing one
// is a failure.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { findControlPlaneAssets, type ControlPlaneAssets } from "@kubegen/runtime/testing";
import { findGoChecker, type CheckerLookup } from "./go-checker.js";

const kubeletSources = join(dirname(fileURLToPath(import.meta.url)), "..", "kubelet");

/** Where the streaming checker binary is, or why it is not there. */
export function findStreamingChecker(env: NodeJS.ProcessEnv = process.env): CheckerLookup {
  return findGoChecker("streaming-checker", env);
}

/** The hash build-kubelet.sh writes beside the binary: sorted file names and bytes of test/kubelet. */
export function kubeletSourceHash(): string {
  const files = readdirSync(kubeletSources)
    .filter((f) => f.endsWith(".go") || f === "go.mod" || f === "go.sum")
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const hash = createHash("sha256");
  for (const f of files) {
    hash.update(`${f}\0`);
    hash.update(readFileSync(join(kubeletSources, f)));
  }
  return hash.digest("hex").slice(0, 16);
}

/** Control-plane assets with a test kubelet built from the current sources, or why not. */
export function findAssetsWithKubelet(
  env: NodeJS.ProcessEnv = process.env,
): { found: true; assets: ControlPlaneAssets } | { found: false; reason: string } {
  const found = findControlPlaneAssets(env);
  if (!found.found) return found;
  const bin = found.assets.testKubelet;
  if (!bin && env.KUBEGEN_TEST_KUBELET) {
    return { found: false, reason: `KUBEGEN_TEST_KUBELET=${env.KUBEGEN_TEST_KUBELET} is missing or not executable` };
  }
  if (!bin)
    return {
      found: false,
      reason: `no test kubelet beside the binaries from ${found.assets.source}: run \`make envtest\``,
    };
  if (env.KUBEGEN_TEST_KUBELET) return found; // named explicitly: used as is
  let stamp = "";
  try {
    stamp = readFileSync(`${bin}.source-hash`, "utf8").trim();
  } catch {
    // reported below
  }
  const want = kubeletSourceHash();
  if (stamp !== want) {
    return {
      found: false,
      reason: `${bin} was built from other sources than test/kubelet (stamp ${stamp || "missing"}, sources ${want}): run \`make envtest\``,
    };
  }
  return found;
}

/** Runs the checker with `args` and parses its JSON answer; the process is killed after `timeoutMs`. */
export function runStreamingChecker<T = Record<string, unknown>>(
  bin: string,
  args: string[],
  timeoutMs = 40_000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    execFile(bin, args, { timeout: timeoutMs, encoding: "utf8", maxBuffer: 8 << 20 }, (err, stdout, stderr) => {
      try {
        resolve(JSON.parse(stdout) as T);
      } catch {
        reject(
          new Error(`streaming-checker ${args[0]} gave no JSON (${err?.message ?? "exit 0"}): ${stdout}${stderr}`),
        );
      }
    });
  });
}
