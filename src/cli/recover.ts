/**
 * `cmdstan-recover recover --config FILE`: run (or resume) a parameter-recovery study.
 * Ctrl-C stops every CmdStan process and keeps the finished iterations; a second Ctrl-C
 * exits at once.
 */
import type { CommandModule } from "yargs";
import { loadStudyConfig } from "../pipeline/recovery/config.js";
import { runStudy } from "../pipeline/recovery/study.js";
import { runInterruptibly } from "./common.js";

interface RecoverArgs {
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
    y
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
    });
    await runInterruptibly("recover", "iteration", async (signal) => {
      const result = await runStudy(config, { signal, retryFailed: argv.retryFailed });
      process.stdout.write(`\n${result.terminalTables}\n`);
      process.stdout.write(`Report: ${result.reportFile}\nOutputs: ${result.outputDir}\n`);
    });
  },
};
