/**
 * `cmdstan-recover recover --config FILE`: run (or resume) a parameter-recovery study.
 * Ctrl-C stops every CmdStan process and keeps the finished iterations; a second Ctrl-C
 * exits at once.
 */
import type { CommandModule } from "yargs";
import { loadStudyConfig } from "../pipeline/recovery/config.js";
import { runStudy } from "../pipeline/recovery/study.js";
import { runStudyCommand, studyOverrides, withStudyOptions, type StudyArgs } from "./common.js";

export const recoverCommand: CommandModule<object, StudyArgs> = {
  command: "recover",
  describe: "run or resume a parameter-recovery study",
  builder: (y) => withStudyOptions(y, "study", "iteration"),
  handler: async (argv) => {
    const config = await loadStudyConfig(argv.config, studyOverrides(argv));
    await runStudyCommand({ command: "recover", unit: "iteration", executor: config.executor }, (signal) =>
      runStudy(config, { signal, retryFailed: argv.retryFailed }),
    );
  },
};
