#!/usr/bin/env node
// The `kubegen` command: runs the compiled CLI (build with `make build`).
import("../dist/cli.js").catch((err) => {
  if (err && err.code === "ERR_MODULE_NOT_FOUND" && String(err.message).includes("dist/cli.js")) {
    process.stderr.write("kubegen: not built yet; run `make setup` (or `npm run build`) in the kubegen repository\n");
    process.exit(2);
  }
  throw err;
});
