#!/usr/bin/env node
/**
 * cmdstan-recover command line. Each command lives in src/cli/<name>.ts, and every study kind
 * of src/studies/kinds.ts is a command of its own (src/cli/study.ts); this file wires them and
 * turns errors into one clear message (no stack trace) and an exit status (EXIT_STATUS).
 */
import yargs from "yargs";
import { hideBin } from "yargs/helpers";
import { EXIT_STATUS } from "./cli/common.js";
import { compileCommand } from "./cli/compile.js";
import { designCommand } from "./cli/design.js";
import { diagnoseCommand } from "./cli/diagnose.js";
import { infoCommand } from "./cli/info.js";
import { sampleCommand } from "./cli/sample.js";
import { studyCommand } from "./cli/study.js";
import { summaryCommand } from "./cli/summary.js";
import { workerCommand } from "./cli/worker.js";
import { InterruptedError } from "./pipeline/replicates.js";
import { studyCommands } from "./studies/kinds.js";
import { describeSystemError, UserFacingError } from "./util/errors.js";

function reportAndExit(err: unknown): never {
  const system = describeSystemError(err);
  if (err instanceof UserFacingError || system) {
    process.stderr.write(`cmdstan-recover: ${system ?? (err as Error).message}\n`);
  } else {
    const e = err as Error;
    process.stderr.write(`cmdstan-recover: internal error: ${e?.message ?? String(err)}\n`);
    if (process.env.DEBUG) process.stderr.write(`${e?.stack ?? ""}\n`);
  }
  process.exit(err instanceof InterruptedError ? EXIT_STATUS.interrupted : EXIT_STATUS.error);
}

const cli = yargs(hideBin(process.argv))
  .scriptName("cmdstan-recover")
  .command(infoCommand)
  .command(compileCommand)
  .command(designCommand)
  .command(sampleCommand);
for (const [command, kinds] of studyCommands()) cli.command(studyCommand(command, kinds));
await cli
  .command(summaryCommand)
  .command(diagnoseCommand)
  .command(workerCommand)
  .demandCommand(1, "Name a command; see --help.")
  .strict()
  .fail((msg, err, y) => {
    if (err) reportAndExit(err);
    process.stderr.write(`${y.help()}\n\ncmdstan-recover: ${msg}\n`);
    process.exit(EXIT_STATUS.usage);
  })
  .help()
  .parseAsync()
  .catch(reportAndExit);
