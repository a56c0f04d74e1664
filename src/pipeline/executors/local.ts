/**
 * The local executor: replicates run in this process, every chain of every replicate sharing
 * one core budget (cmdstan/scheduler.ts), so all cores stay busy while replicates start, fit
 * and are summarised side by side.
 */
import { CoreScheduler } from "../../cmdstan/scheduler.js";
import type { ExecutorHooks, ReplicateExecutor, ReplicateStudy } from "../replicates.js";

export const localExecutor: ReplicateExecutor = {
  async run(study: ReplicateStudy<unknown>, todo: number[], hooks: ExecutorHooks): Promise<void> {
    const { signal, progress } = hooks;
    const scheduler = new CoreScheduler(study.cores);
    hooks.log(
      `[${study.command}] ${todo.length} ${study.unit}(s) x ${study.chainsPerReplicate} chain(s) on ${study.cores} core(s) -> ${study.outputDir}`,
    );
    const env = {
      fingerprint: hooks.fingerprint,
      scheduler,
      signal,
      onChainProgress: progress.chain.bind(progress),
      onChainState: progress.chainState.bind(progress),
    };
    // Enough replicates in flight that chains of the next fill the cores while one is being
    // summarised; the scheduler, not this limit, bounds the processes running.
    const inFlight = Math.max(1, Math.min(todo.length, Math.ceil(study.cores / study.chainsPerReplicate) + 1));
    const queue = [...todo];
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        for (let i = queue.shift(); i !== undefined && !signal.aborted; i = queue.shift()) {
          hooks.onRecord(i, await study.runReplicate(i, env));
        }
      }),
    );
  },
};
