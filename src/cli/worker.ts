/**
 * `cmdstan-recover worker --study-dir DIR --replicates 3-5 --cores N`: run a batch of a prepared
 * study's replicates in this process. What a cluster task runs (see pipeline/worker.ts); not
 * meant to be typed by hand, except to rerun one task's batch while debugging.
 * SIGTERM (Slurm's time limit, scancel) and SIGINT stop it; finished replicates are kept.
 */
import type { CommandModule } from "yargs";
import { InputError } from "../util/errors.js";
import { parseReplicateList } from "../pipeline/executors/batches.js";
import { runWorker } from "../studies/worker.js";

interface WorkerArgs {
  "study-dir": string;
  replicates: string;
  cores: number;
}

export const workerCommand: CommandModule<object, WorkerArgs> = {
  command: "worker",
  describe: "run a batch of a prepared study's replicates (what a cluster task runs)",
  builder: (y) =>
    y
      .option("study-dir", {
        type: "string",
        demandOption: true,
        describe: "the study's output folder (holds study_config.json)",
      })
      .option("replicates", { type: "string", demandOption: true, describe: "replicates to run, e.g. 3-5,9" })
      .option("cores", { type: "number", default: 1, describe: "cores of this task (chains run at once)" }),
  handler: async (argv) => {
    const replicates = parseReplicateList(argv.replicates);
    if (!replicates?.length)
      throw new InputError(`--replicates: expected a list such as 3-5,9 (indices from 1), got "${argv.replicates}"`);
    if (!Number.isInteger(argv.cores) || argv.cores < 1)
      throw new InputError(`--cores: expected a positive integer, got ${argv.cores}`);
    const ac = new AbortController();
    const onSignal = (sig: NodeJS.Signals) => ac.abort(new Error(`${sig} received`));
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
    const log = (line: string) => process.stdout.write(`${line}\n`);
    try {
      const r = await runWorker({ studyDir: argv["study-dir"], replicates, cores: argv.cores, signal: ac.signal, log });
      log(`[worker] done: ${r.ok} ok, ${r.failed} failed`);
    } finally {
      process.off("SIGTERM", onSignal);
      process.off("SIGINT", onSignal);
    }
  },
};
