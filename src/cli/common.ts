/** Options and helpers shared by the CLI commands, and the exit statuses. */
import type { Argv } from "yargs";
import { locateCmdStan, type CmdStanInstall, type CmdStanPurpose } from "../cmdstan/locate.js";
import { executorOverrides, withExecutorOptions, type ExecutorArgs } from "./executorOptions.js";

/**
 * How a command exits: 0 done (for a study: every replicate finished); 1 an error (nothing run,
 * or every replicate failed); 2 a command line that does not parse; 3 a study that ran to the end
 * with replicates that failed or did not finish (its outputs use the others); 130 interrupted
 * (finished replicates are kept; the same command resumes).
 */
export const EXIT_STATUS = { ok: 0, error: 1, usage: 2, incomplete: 3, interrupted: 130 } as const;

export interface CmdStanArgs {
  cmdstan?: string;
}

export function withCmdStanOption<T>(y: Argv<T>): Argv<T & CmdStanArgs> {
  return y.option("cmdstan", {
    type: "string",
    describe:
      "path of a CmdStan installation (default: $CMDSTAN, ~/.cmdstan/cmdstan-<newest>, $CONDA_PREFIX/bin/cmdstan, then the copy provisioned by `make cmdstan`)",
  });
}

/** The positional CSV files of a command that reads the chains of one fit (summary, diagnose). */
export function withChainFiles<T>(y: Argv<T>): Argv<T & CmdStanArgs & { csv: string[] }> {
  return withCmdStanOption(y).positional("csv", {
    type: "string",
    array: true,
    demandOption: true,
    describe: "the Stan CSV files, one per chain",
  }) as unknown as Argv<T & CmdStanArgs & { csv: string[] }>;
}

/** The CmdStan for a command: "compile" for commands that compile models, "tools" for the others. */
export function cmdstanFrom(argv: CmdStanArgs, purpose: CmdStanPurpose = "compile"): Promise<CmdStanInstall> {
  return locateCmdStan({ explicit: argv.cmdstan, purpose });
}

/** The options of every study command (recover, sbc), including where its fits run. */
export interface StudyArgs extends ExecutorArgs {
  config: string;
  output?: string;
  cores?: number;
  seed?: number;
  cmdstan?: string;
  retryFailed?: boolean;
}

/** Adds the study options; `what` names the config ("study", "SBC") and `unit` a replicate ("iteration"). */
export function withStudyOptions<T>(y: Argv<T>, what: string, unit: string): Argv<T & StudyArgs> {
  return withCmdStanOption(withExecutorOptions(y))
    .option("config", { type: "string", demandOption: true, describe: `${what} config (JSON)` })
    .option("output", { type: "string", describe: "output folder (overrides output_dir)" })
    .option("cores", { type: "number", describe: "cores shared by all chains (default: all)" })
    .option("seed", { type: "number", describe: "seed of the design, simulations and fits (overrides seed)" })
    .option("retry-failed", {
      type: "boolean",
      describe: `redo ${unit}s that failed in an earlier start`,
    }) as unknown as Argv<T & StudyArgs>;
}

/** The config keys the study options override (undefined: keep the config's). */
export function studyOverrides(argv: StudyArgs) {
  return {
    output_dir: argv.output,
    cores: argv.cores,
    seed: argv.seed,
    cmdstan: argv.cmdstan,
    ...executorOverrides(argv),
  };
}

/** Who runs a study's fits, for the message an interrupt prints. */
export interface StudyPlace {
  command: string;
  unit: string;
  executor: string;
}

/**
 * Run a study so that Ctrl-C (or SIGTERM) stops every CmdStan process (or cancels the Slurm
 * job) and keeps the finished replicates (`unit`s); a second signal exits at once.
 */
export async function runInterruptibly<T>(
  { command, unit, executor }: StudyPlace,
  run: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const ac = new AbortController();
  let interrupts = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    interrupts += 1;
    if (interrupts > 1) process.exit(130);
    const stopping = executor === "slurm" ? "cancelling the Slurm job" : "stopping CmdStan processes";
    process.stderr.write(`\n[${command}] ${sig}: ${stopping}; finished ${unit}s are kept (again to quit now)\n`);
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
