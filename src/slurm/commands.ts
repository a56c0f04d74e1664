/**
 * The Slurm commands the tool uses, as functions: sbatch (submit), squeue (array task states),
 * scontrol (one task's details), scancel. They work without accounting storage: `sacct` is
 * never used, since many clusters (and a private test cluster) have no slurmdbd. squeue and
 * scontrol know a finished task until the cluster's MinJobAge (300 s by default), which is why
 * callers poll while tasks run.
 *
 * Each command's output is parsed and validated (zod) here; a missing command or a refusal is a
 * SlurmError naming the command and Slurm's own message.
 */
import { execa } from "execa";
import { z } from "zod";
import { UserFacingError } from "../util/errors.js";

export class SlurmError extends UserFacingError {}

/** States in which a task still holds (or waits for) resources. Anything else is final. */
const ACTIVE_STATES = new Set([
  "PENDING",
  "CONFIGURING",
  "RUNNING",
  "COMPLETING",
  "SUSPENDED",
  "REQUEUED",
  "REQUEUE_FED",
  "REQUEUE_HOLD",
  "RESIZING",
  "SIGNALING",
  "STAGE_OUT",
  "STOPPED",
  "SPECIAL_EXIT",
  "RESV_DEL_HOLD",
]);

export function isActiveState(state: string): boolean {
  return ACTIVE_STATES.has(state);
}

/**
 * Reasons a pending job gives that do not go away by waiting: the request exceeds what the
 * partition, account or QOS allows (clusters that do not refuse such jobs at submission keep
 * them pending for ever).
 */
const NEVER_STARTS = new Set([
  "BadConstraints",
  "PartitionConfig",
  "PartitionNodeLimit",
  "PartitionTimeLimit",
  "InvalidAccount",
  "InvalidQOS",
  "AccountNotAllowed",
  "QOSNotAllowed",
  "DependencyNeverSatisfied",
]);

export function neverStarts(task: { state: string; reason: string }): boolean {
  return task.state === "PENDING" && NEVER_STARTS.has(task.reason);
}

const COMMAND_TIMEOUT_MS = 60_000;

async function slurm(command: string, args: string[], cwd?: string): Promise<string> {
  const r = await execa(command, args, { reject: false, timeout: COMMAND_TIMEOUT_MS, cwd });
  if ((r as { code?: string }).code === "ENOENT") {
    throw new SlurmError(
      `${command} not found on PATH: the Slurm executor needs the Slurm client commands (sbatch, squeue, scontrol, scancel); ` +
        `run on a login node of the cluster, or start a private one with scripts/slurm-cluster.sh (see the README).`,
    );
  }
  if (r.exitCode !== 0) {
    const said =
      `${r.stderr}\n${r.stdout}`.trim() || (r.timedOut ? `no answer in ${COMMAND_TIMEOUT_MS / 1000} s` : r.message);
    throw new SlurmError(`${command} ${args.join(" ")} failed (exit ${r.exitCode ?? "?"}): ${said}`);
  }
  return r.stdout;
}

/** "slurm-wlm 22.05.8" or "slurm 23.11.4"; throws a SlurmError when Slurm is not reachable. */
export async function slurmVersion(): Promise<string> {
  return (await slurm("sbatch", ["--version"])).trim();
}

/** Submit a batch script; returns the job id (with `--array`, the array's job id). */
export async function sbatch(scriptFile: string, args: string[], cwd: string): Promise<string> {
  const out = (await slurm("sbatch", ["--parsable", ...args, scriptFile], cwd)).trim();
  // --parsable prints "jobid" or "jobid;cluster".
  const id = out.split(";")[0];
  if (!/^\d+$/.test(id)) throw new SlurmError(`sbatch printed "${out}", not a job id`);
  return id;
}

const taskLineSchema = z.object({
  arrayJobId: z.string().regex(/^\d+$/),
  taskIndex: z.coerce.number().int().nonnegative(),
  state: z.string().min(1),
  reason: z.string(),
});
export type ArrayTaskState = z.infer<typeof taskLineSchema>;

/**
 * The state of every task of an array job, by array index, as squeue lists them (also finished
 * ones, until MinJobAge). `undefined` when Slurm no longer knows the job at all.
 */
export async function arrayTaskStates(arrayJobId: string): Promise<Map<number, ArrayTaskState> | undefined> {
  let out: string;
  try {
    out = await slurm("squeue", [
      "--jobs",
      arrayJobId,
      "--array",
      "--states",
      "all",
      "--noheader",
      "--format",
      "%i|%T|%r",
    ]);
  } catch (err) {
    if (err instanceof SlurmError && /Invalid job id/i.test(err.message)) return undefined;
    throw err;
  }
  const tasks = new Map<number, ArrayTaskState>();
  for (const line of out.split("\n").filter((l) => l.trim())) {
    const [id, state, reason] = line.trim().split("|");
    const m = /^(\d+)_(\d+)$/.exec(id ?? "");
    // A pending range ("123_[4-9]") is only printed without --array; skip anything else.
    if (!m) continue;
    tasks.set(Number(m[2]), taskLineSchema.parse({ arrayJobId: m[1], taskIndex: m[2], state, reason }));
  }
  return tasks;
}

/** `scontrol show job` of one job or array task ("123_4") as key -> value; undefined when unknown. */
export async function jobDetails(jobId: string): Promise<Record<string, string> | undefined> {
  let out: string;
  try {
    out = await slurm("scontrol", ["show", "job", "--oneliner", jobId]);
  } catch (err) {
    if (err instanceof SlurmError && /Invalid job id/i.test(err.message)) return undefined;
    throw err;
  }
  const details: Record<string, string> = {};
  // "Key=Value Key=Value ..."; values have no spaces except a few free-text fields we do not read.
  for (const m of out.matchAll(/(?:^|\s)([A-Za-z:/]+)=(\S*)/g)) details[m[1]] ??= m[2];
  return z.record(z.string()).parse(details);
}

/** Cancel a job, an array (its job id) or one array task ("123_4"). */
export async function scancel(jobId: string): Promise<void> {
  await slurm("scancel", [jobId]);
}
