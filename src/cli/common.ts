/** Options and helpers shared by the CLI commands. */
import type { Argv } from "yargs";
import { locateCmdStan, type CmdStanInstall, type CmdStanPurpose } from "../cmdstan/locate.js";

export interface CmdStanArgs {
  cmdstan?: string;
}

export function withCmdStanOption<T>(y: Argv<T>): Argv<T & CmdStanArgs> {
  return y.option("cmdstan", {
    type: "string",
    describe: "path of a CmdStan installation (default: $CMDSTAN, ~/.cmdstan/cmdstan-<newest>, $CONDA_PREFIX/bin/cmdstan, then the copy provisioned by `make cmdstan`)",
  });
}

/** The CmdStan for a command: "compile" for commands that compile models, "tools" for the others. */
export function cmdstanFrom(argv: CmdStanArgs, purpose: CmdStanPurpose = "compile"): Promise<CmdStanInstall> {
  return locateCmdStan({ explicit: argv.cmdstan, purpose });
}

/**
 * Run a study so that Ctrl-C (or SIGTERM) stops every CmdStan process and keeps the finished
 * replicates (`unit`s); a second signal exits at once.
 */
export async function runInterruptibly<T>(command: string, unit: string, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ac = new AbortController();
  let interrupts = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    interrupts += 1;
    if (interrupts > 1) process.exit(130);
    process.stderr.write(`\n[${command}] ${sig}: stopping CmdStan processes; finished ${unit}s are kept (again to quit now)\n`);
    ac.abort(new Error(`interrupted by ${sig}`));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    return await run(ac.signal);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
