/**
 * `cmdstan-recover sbc --config FILE`: run (or resume) a simulation-based calibration study.
 * Ctrl-C stops every CmdStan process and keeps the finished simulations; a second Ctrl-C exits
 * at once.
 */
import type { CommandModule } from "yargs";
import { loadSbcConfig } from "../pipeline/sbc/config.js";
import { runSbc } from "../pipeline/sbc/study.js";
import { runInterruptibly } from "./common.js";

interface SbcArgs {
  config: string;
  output?: string;
  cores?: number;
  seed?: number;
  cmdstan?: string;
  retryFailed?: boolean;
}

export const sbcCommand: CommandModule<object, SbcArgs> = {
  command: "sbc",
  describe: "run or resume a simulation-based calibration study",
  builder: (y) =>
    y
      .option("config", { type: "string", demandOption: true, describe: "SBC config (JSON)" })
      .option("output", { type: "string", describe: "output folder (overrides output_dir)" })
      .option("cores", { type: "number", describe: "cores shared by all fits (default: all)" })
      .option("seed", { type: "number", describe: "seed of the design and the simulations (overrides seed)" })
      .option("cmdstan", { type: "string", describe: "CmdStan installation (default: $CMDSTAN, then .cmdstan/)" })
      .option("retry-failed", { type: "boolean", describe: "redo simulations whose fit failed in an earlier start" }),
  handler: async (argv) => {
    const config = await loadSbcConfig(argv.config, { output_dir: argv.output, cores: argv.cores, seed: argv.seed, cmdstan: argv.cmdstan });
    await runInterruptibly("sbc", "simulation", async (signal) => {
      const result = await runSbc(config, { signal, retryFailed: argv.retryFailed });
      process.stdout.write(`\n${result.terminalTables}\n`);
      process.stdout.write(`Report: ${result.reportFile}\nOutputs: ${result.outputDir}\n`);
    });
  },
};
