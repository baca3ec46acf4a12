#!/usr/bin/env node
// The kubegen command line: flags -> options -> generate(). The only module
// that writes to the terminal's exit code.
import yargs from "yargs";
import { hideBin } from "yargs/helpers";

await yargs(hideBin(process.argv))
  .scriptName("kubegen")
  .strict()
  .demandCommand(1, "name a command, e.g. `kubegen generate --help`")
  .help()
  .parseAsync();
