/** The executor a study's `executor` setting names, with its settings. */
import type { ReplicateExecutor } from "../replicates.js";
import { localExecutor } from "./local.js";
import { slurmExecutor } from "./slurm.js";
import { slurmOptionsSchema, type ExecutorName, type SlurmOptionsInput } from "./slurmOptions.js";

export function selectExecutor(name: ExecutorName, slurm: SlurmOptionsInput = {}): ReplicateExecutor {
  return name === "slurm" ? slurmExecutor(slurmOptionsSchema.parse(slurm)) : localExecutor;
}
