/**
 * `cmdstan-recover sbc --config FILE`: run (or resume) a simulation-based calibration study.
 * Ctrl-C stops every CmdStan process and keeps the finished simulations; a second Ctrl-C exits
 * at once.
 */
import type { CommandModule } from "yargs";
import { loadSbcConfig } from "../pipeline/sbc/config.js";
import { runSbc } from "../pipeline/sbc/study.js";
import { runStudyCommand, studyOverrides, withStudyOptions, type StudyArgs } from "./common.js";

export const sbcCommand: CommandModule<object, StudyArgs> = {
  command: "sbc",
  describe: "run or resume a simulation-based calibration study",
  builder: (y) => withStudyOptions(y, "SBC", "simulation"),
  handler: async (argv) => {
    const config = await loadSbcConfig(argv.config, studyOverrides(argv));
    await runStudyCommand({ command: "sbc", unit: "simulation", executor: config.executor }, (signal) =>
      runSbc(config, { signal, retryFailed: argv.retryFailed }),
    );
  },
};
