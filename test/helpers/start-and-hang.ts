// Used by the lifecycle test: starts a control plane, prints its folder and
// PIDs, then waits to be killed without ever calling stop().
import { readFileSync } from "node:fs";
import { startControlPlane } from "../../runtime/src/testing/index.js";

const cp = await startControlPlane({ log: () => {} });
const pids = readFileSync(`${cp.dir}/pids`, "utf8").split("\n").filter(Boolean).map(Number);
process.stdout.write(`READY ${JSON.stringify({ dir: cp.dir, pids })}\n`);
setInterval(() => {}, 1 << 30);
