/**
 * `cmdstan-recover recover --config FILE`: run (or resume) a parameter-recovery study.
 * Ctrl-C stops every CmdStan process and keeps the finished iterations; a second Ctrl-C
 * exits at once.
 */
import type { CommandModule } from "yargs";
import { loadStudyConfig } from "../pipeline/recovery/config.js";
import { runStudy } from "../pipeline/recovery/study.js";
import { executorOverrides, withExecutorOptions, type ExecutorArgs } from "./executorOptions.js";

interface RecoverArgs extends ExecutorArgs {
  config: string;
  output?: string;
  cores?: number;
  seed?: number;
  cmdstan?: string;
  retryFailed?: boolean;
}

export const recoverCommand: CommandModule<object, RecoverArgs> = {
  command: "recover",
  describe: "run or resume a parameter-recovery study",
  builder: (y) =>
    withExecutorOptions(y)
      .option("config", { type: "string", demandOption: true, describe: "study config (JSON)" })
      .option("output", { type: "string", describe: "output folder (overrides output_dir)" })
      .option("cores", { type: "number", describe: "cores shared by all chains (default: all)" })
      .option("seed", { type: "number", describe: "seed of the design, simulations and fits (overrides seed)" })
      .option("cmdstan", { type: "string", describe: "CmdStan installation (default: $CMDSTAN, then .cmdstan/)" })
      .option("retry-failed", { type: "boolean", describe: "redo iterations that failed in an earlier start" }),
  handler: async (argv) => {
    const config = await loadStudyConfig(argv.config, {
      output_dir: argv.output,
      cores: argv.cores,
      seed: argv.seed,
      cmdstan: argv.cmdstan,
      ...executorOverrides(argv),
    });
    const ac = new AbortController();
    let interrupts = 0;
    const onSignal = (sig: NodeJS.Signals) => {
      interrupts += 1;
      if (interrupts > 1) process.exit(130);
      const where = config.executor === "slurm" ? "cancelling the Slurm job" : "stopping CmdStan processes";
      process.stderr.write(`\n[recover] ${sig}: ${where}; finished iterations are kept (again to quit now)\n`);
      ac.abort(new Error(`interrupted by ${sig}`));
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    try {
      const result = await runStudy(config, { signal: ac.signal, retryFailed: argv.retryFailed });
      process.stdout.write(`\n${result.terminalTables}\n`);
      process.stdout.write(`Report: ${result.reportFile}\nOutputs: ${result.outputDir}\n`);
    } finally {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    }
  },
};
