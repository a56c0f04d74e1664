#!/usr/bin/env node
/**
 * cmdstan-recover command line. Each command lives in src/cli/<name>.ts; this file wires
 * them and turns user-facing errors into one clear message (no stack trace).
 */
import yargs from "yargs";
import { hideBin } from "yargs/helpers";
import { UserFacingError } from "./util/errors.js";
import { compileCommand } from "./cli/compile.js";
import { designCommand } from "./cli/design.js";
import { diagnoseCommand } from "./cli/diagnose.js";
import { infoCommand } from "./cli/info.js";
import { recoverCommand } from "./cli/recover.js";
import { sampleCommand } from "./cli/sample.js";
import { sbcCommand } from "./cli/sbc.js";
import { summaryCommand } from "./cli/summary.js";
import { workerCommand } from "./cli/worker.js";

function reportAndExit(err: unknown): never {
  if (err instanceof UserFacingError) {
    process.stderr.write(`cmdstan-recover: ${err.message}\n`);
  } else {
    const e = err as Error;
    process.stderr.write(`cmdstan-recover: internal error: ${e?.message ?? String(err)}\n`);
    if (process.env.DEBUG) process.stderr.write(`${e?.stack ?? ""}\n`);
  }
  process.exit(1);
}

await yargs(hideBin(process.argv))
  .scriptName("cmdstan-recover")
  .command(infoCommand)
  .command(compileCommand)
  .command(designCommand)
  .command(sampleCommand)
  .command(recoverCommand)
  .command(sbcCommand)
  .command(summaryCommand)
  .command(diagnoseCommand)
  .command(workerCommand)
  .demandCommand(1, "Name a command; see --help.")
  .strict()
  .fail((msg, err, y) => {
    if (err) reportAndExit(err);
    process.stderr.write(`${y.help()}\n\ncmdstan-recover: ${msg}\n`);
    process.exit(2);
  })
  .help()
  .parseAsync()
  .catch(reportAndExit);
