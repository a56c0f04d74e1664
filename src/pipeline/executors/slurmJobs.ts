/**
 * `slurm/jobs.json`: the Slurm job arrays submitted for a study folder, and the check that none
 * of them still has tasks running or waiting. A study folder is worked on by one run at a time:
 * the folder's claim (../studyFolder.ts) refuses a start, local or on Slurm, while an array
 * submitted by an earlier driver (say one that was killed) is still in flight.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { arrayTaskStates, isActiveState, SlurmError } from "../../slurm/commands.js";
import { writeJsonAtomic } from "../../util/atomicWrite.js";
import { InputError } from "../../util/errors.js";
import { readJsonFile } from "../../util/jsonFile.js";

const jobsFileSchema = z.array(
  z.object({
    job_id: z.string().regex(/^\d+$/),
    submitted: z.string(),
    script: z.string(),
    replicates: z.string(),
    batches: z.array(z.array(z.number().int().min(1))),
  }),
);
export type SubmittedJob = z.infer<typeof jobsFileSchema>[number];

export function slurmFolder(outputDir: string): string {
  return path.join(outputDir, "slurm");
}

function jobsFile(outputDir: string): string {
  return path.join(slurmFolder(outputDir), "jobs.json");
}

/** The arrays submitted for this study folder, oldest first (none when it never ran on Slurm). */
export async function readJobs(outputDir: string): Promise<SubmittedJob[]> {
  const file = jobsFile(outputDir);
  return existsSync(file) ? readJsonFile(file, jobsFileSchema) : [];
}

export async function recordJob(outputDir: string, jobs: SubmittedJob[], job: SubmittedJob): Promise<void> {
  await writeJsonAtomic(jobsFile(outputDir), [...jobs, job]);
}

/**
 * Refuse while an array of this study still runs or waits (e.g. its driver was killed). Where
 * the Slurm commands are missing (the folder was moved off the cluster), say so and go on.
 */
export async function refuseWhileArraysInFlight(outputDir: string, log: (line: string) => void): Promise<void> {
  for (const job of await readJobs(outputDir)) {
    let tasks: Awaited<ReturnType<typeof arrayTaskStates>>;
    try {
      tasks = await arrayTaskStates(job.job_id);
    } catch (err) {
      if (!(err instanceof SlurmError) || !/not found on PATH/.test(err.message)) throw err;
      log(
        `[study] ${jobsFile(outputDir)} lists Slurm job ${job.job_id}, but squeue is not here to ask whether it still runs`,
      );
      return;
    }
    const active = [...(tasks?.values() ?? [])].filter((t) => isActiveState(t.state));
    if (active.length) {
      const states = [...new Set(active.map((t) => t.state.toLowerCase()))].join("/");
      throw new InputError(
        `Slurm job ${job.job_id} of the study in ${outputDir} (submitted ${job.submitted}) still has ${active.length} task(s) ` +
          `${states}: wait until it ends, or cancel it (scancel ${job.job_id}), ` +
          `then run the command again; it runs only what is missing.`,
      );
    }
  }
}
