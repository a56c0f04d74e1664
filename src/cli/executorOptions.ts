/**
 * `--executor local|slurm` and the Slurm options, for every command that runs a study. Values
 * given here override the config's `executor` and `slurm` keys; each is checked with the
 * config's own rules, and an error names the option.
 */
import type { Argv } from "yargs";
import { InputError } from "../util/errors.js";
import {
  EXECUTORS,
  slurmFieldSchemas,
  type ExecutorName,
  type SlurmOptionsInput,
} from "../pipeline/executors/slurmOptions.js";

export interface ExecutorArgs {
  executor?: string;
  partition?: string;
  account?: string;
  time?: string;
  memPerCpu?: string;
  maxConcurrent?: number;
  batchSize?: number;
  sbatchArg?: string[];
}

export function withExecutorOptions<T>(y: Argv<T>): Argv<T & ExecutorArgs> {
  const slurm = "Slurm";
  return y
    .option("executor", {
      type: "string",
      choices: [...EXECUTORS],
      describe: "where fits run (default: the config's executor, else local)",
    })
    .option("partition", { type: "string", group: slurm, describe: "partition for the array tasks" })
    .option("account", { type: "string", group: slurm, describe: "account to charge" })
    .option("time", {
      type: "string",
      group: slurm,
      describe: "time limit of one task (a batch of fits), e.g. 30 or 2:00:00",
    })
    .option("mem-per-cpu", { type: "string", group: slurm, describe: "memory per core, e.g. 2G" })
    .option("max-concurrent", {
      type: "number",
      group: slurm,
      describe: "at most this many tasks at once (array throttle)",
    })
    .option("batch-size", {
      type: "number",
      group: slurm,
      describe: "fits per task (default: sized so a task lasts minutes)",
    })
    .option("sbatch-arg", {
      type: "string",
      array: true,
      group: slurm,
      describe: "extra sbatch argument (repeatable), e.g. --sbatch-arg=--qos=short",
    }) as Argv<T & ExecutorArgs>;
}

const OPTION_FIELDS = [
  ["partition", "partition", "--partition"],
  ["account", "account", "--account"],
  ["time", "time", "--time"],
  ["memPerCpu", "mem_per_cpu", "--mem-per-cpu"],
  ["maxConcurrent", "max_concurrent", "--max-concurrent"],
  ["batchSize", "batch_size", "--batch-size"],
  ["sbatchArg", "sbatch_args", "--sbatch-arg"],
] as const;

/** The config overrides the options make: `executor` and the Slurm settings given. */
export function executorOverrides(argv: ExecutorArgs): { executor?: ExecutorName; slurm?: SlurmOptionsInput } {
  const slurm: Record<string, unknown> = {};
  for (const [arg, key, option] of OPTION_FIELDS) {
    const value = argv[arg];
    if (value === undefined) continue;
    const r = slurmFieldSchemas[key].safeParse(value);
    if (!r.success) throw new InputError(`${option}: ${r.error.issues[0].message}`);
    slurm[key] = r.data;
  }
  const given = OPTION_FIELDS.filter(([arg]) => argv[arg] !== undefined).map(([, , option]) => option);
  if (given.length && argv.executor === "local")
    throw new InputError(`${given.join(", ")}: Slurm option(s) given with --executor local`);
  return { executor: argv.executor as ExecutorName | undefined, slurm: given.length ? slurm : undefined };
}
