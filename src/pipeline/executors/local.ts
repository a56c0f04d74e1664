/**
 * The local executor: replicates run in this process, every chain of every replicate sharing
 * one core budget (cmdstan/scheduler.ts), so all cores stay busy while replicates start, fit
 * and are summarised side by side. A cluster task's worker runs its batch with the same loop
 * (`runHere`), on the cores the task was given.
 */
import { rm } from "node:fs/promises";
import path from "node:path";
import type { ChainProgress } from "../../cmdstan/run.js";
import { CoreScheduler } from "../../cmdstan/scheduler.js";
import type { ReplicateRecord } from "../records.js";
import type { ExecutorHooks, ReplicateExecutor, ReplicateStudy } from "../replicates.js";

export interface RunHereOptions {
  fingerprint: string;
  signal: AbortSignal;
  cores: number;
  onRecord: (i: number, record: ReplicateRecord) => void;
  onChainProgress?: (replicate: number, p: ChainProgress) => void;
  onChainState?: (delta: 1 | -1) => void;
}

/** Run `todo` in this process on `opts.cores` cores. */
export async function runHere(study: ReplicateStudy<unknown>, todo: number[], opts: RunHereOptions): Promise<void> {
  const { signal } = opts;
  const env = {
    fingerprint: opts.fingerprint,
    scheduler: new CoreScheduler(opts.cores),
    signal,
    onChainProgress: opts.onChainProgress,
    onChainState: opts.onChainState,
  };
  // Enough replicates in flight that chains of the next fill the cores while one is being
  // summarised; the scheduler, not this limit, bounds the processes running.
  const inFlight = Math.max(1, Math.min(todo.length, Math.ceil(opts.cores / study.chainsPerReplicate) + 1));
  const queue = [...todo];
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      for (let i = queue.shift(); i !== undefined && !signal.aborted; i = queue.shift()) {
        const record = await study.runReplicate(i, env);
        if (signal.aborted && record.status === "failed") {
          // A stop (Ctrl-C, or Slurm ending the task) also kills the replicate's CmdStan
          // processes, which can fail it before the abort is seen: it was interrupted, not
          // failed, so its record is withdrawn and the replicate is redone on resume.
          await rm(path.join(study.replicateDir(i), study.recordName), { force: true });
          continue;
        }
        opts.onRecord(i, record);
      }
    }),
  );
}

export const localExecutor: ReplicateExecutor = {
  name: "local",
  async run(study: ReplicateStudy<unknown>, todo: number[], hooks: ExecutorHooks): Promise<void> {
    const { progress } = hooks;
    hooks.log(
      `[${study.command}] ${todo.length} ${study.unit}(s) x ${study.chainsPerReplicate} chain(s) on ${study.cores} core(s) -> ${study.outputDir}`,
    );
    await runHere(study, todo, {
      fingerprint: hooks.fingerprint,
      signal: hooks.signal,
      cores: study.cores,
      onRecord: hooks.onRecord,
      onChainProgress: progress.chain.bind(progress),
      onChainState: progress.chainState.bind(progress),
    });
  },
};
