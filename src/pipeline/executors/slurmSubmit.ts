/**
 * Submitting a study's missing replicates as one Slurm job array. Everything goes into the
 * study folder's `slurm/`: the script of submission k (`array_k.sbatch`, which lists the batch
 * of every array index, so the mapping is written down), the tasks' logs
 * (`logs/<job>_<index>.log`) and `jobs.json`, the study's submissions (checked before the next
 * one, so two arrays never work on one folder).
 */
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { sbatch, SlurmError } from "../../slurm/commands.js";
import { writeFileAtomic } from "../../util/atomicWrite.js";
import { InputError } from "../../util/errors.js";
import { projectRoot } from "../../util/projectRoot.js";
import type { ReplicateStudy } from "../replicates.js";
import { formatReplicateList } from "./batches.js";
import { readJobs, recordJob, slurmFolder } from "./slurmJobs.js";
import type { SlurmOptions } from "./slurmOptions.js";

export interface ArrayJob {
  jobId: string;
  /** Replicates of array index t: batches[t]. */
  batches: number[][];
  cpusPerTask: number;
  script: string;
  logDir: string;
}

/** The command a task runs: this very tool, so a task fits exactly as a local run does. */
export function workerCommand(): string[] {
  const cli = path.join(projectRoot(), "dist", "cli.js");
  if (!existsSync(cli))
    throw new InputError(`the Slurm executor runs tasks with ${cli}, which is missing: run \`make build\` first`);
  return [process.execPath, cli];
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export function renderTaskScript(args: {
  study: ReplicateStudy<unknown>;
  batches: number[][];
  cpusPerTask: number;
  worker: string[];
  sbatchArgs: string[];
}): string {
  const { study, batches } = args;
  const lines = batches.map((b, t) => `  ${quote(formatReplicateList(b))}  # array index ${t}`);
  return [
    "#!/bin/bash",
    `# cmdstan-recover: Slurm array task script for the study in ${study.outputDir}`,
    `# Array index t runs the ${study.unit}s in BATCHES[t], each writing its own record in its folder.`,
    `# Submitted as: sbatch ${args.sbatchArgs.join(" ")} <this script>`,
    "set -euo pipefail",
    "BATCHES=(",
    ...lines,
    ")",
    `exec ${args.worker.map(quote).join(" ")} worker --study-dir ${quote(study.outputDir)} --replicates "\${BATCHES[$SLURM_ARRAY_TASK_ID]}" --cores ${args.cpusPerTask}`,
    "",
  ].join("\n");
}

/** sbatch's arguments: the executor's own first, then the user's settings and extra arguments. */
export function sbatchArguments(args: {
  tasks: number;
  cpusPerTask: number;
  logPattern: string;
  chdir: string;
  jobName: string;
  options: SlurmOptions;
}): string[] {
  const { options: o } = args;
  const throttle = o.max_concurrent ? `%${o.max_concurrent}` : "";
  return [
    `--job-name=${args.jobName}`,
    `--array=0-${args.tasks - 1}${throttle}`,
    "--nodes=1",
    "--ntasks=1",
    `--cpus-per-task=${args.cpusPerTask}`,
    `--output=${args.logPattern}`,
    `--chdir=${args.chdir}`,
    ...(o.partition ? [`--partition=${o.partition}`] : []),
    ...(o.account ? [`--account=${o.account}`] : []),
    ...(o.time ? [`--time=${o.time}`] : []),
    ...(o.mem_per_cpu ? [`--mem-per-cpu=${o.mem_per_cpu}`] : []),
    ...o.sbatch_args,
  ];
}

/** Write the script, submit the array, record the submission. */
export async function submitArray(
  study: ReplicateStudy<unknown>,
  batches: number[][],
  options: SlurmOptions,
  worker: string[],
): Promise<ArrayJob> {
  const folder = slurmFolder(study.outputDir);
  const logDir = path.join(folder, "logs");
  await mkdir(logDir, { recursive: true });
  const jobs = await readJobs(study.outputDir);
  const script = path.join(folder, `array_${jobs.length + 1}.sbatch`);
  const cpusPerTask = study.chainsPerReplicate;
  const args = sbatchArguments({
    tasks: batches.length,
    cpusPerTask,
    // %A_%a: array job id and index; a literal % in the folder's path is written %%.
    logPattern: path.join(logDir.replace(/%/g, "%%"), "%A_%a.log"),
    chdir: study.outputDir,
    jobName: `${study.command}:${path.basename(study.outputDir)}`,
    options,
  });
  await writeFileAtomic(script, renderTaskScript({ study, batches, cpusPerTask, worker, sbatchArgs: args }));
  const jobId = await sbatch(script, args, study.outputDir).catch((err: Error) => {
    if (!/node configuration is not available/i.test(err.message)) throw err;
    throw new SlurmError(
      `${err.message}\nEach task asks for ${cpusPerTask} cores on one node (one per chain: n_mcmc_chains) and --mem-per-cpu for each; ` +
        `does the partition have nodes that large? (sinfo -o "%P %c %m" lists cores and memory per node.)`,
    );
  });
  const replicates = formatReplicateList(batches.flat());
  await recordJob(study.outputDir, jobs, {
    job_id: jobId,
    submitted: new Date().toISOString(),
    script,
    replicates,
    batches,
  });
  return { jobId, batches, cpusPerTask, script, logDir };
}

export function taskLogFile(job: ArrayJob, index: number): string {
  return path.join(job.logDir, `${job.jobId}_${index}.log`);
}
