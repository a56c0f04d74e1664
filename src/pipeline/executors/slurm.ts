/**
 * The Slurm executor: a study's missing replicates go to a Slurm cluster as one job array whose
 * tasks each run a batch of replicates through the tool itself (`cmdstan-recover worker`), so a
 * fit on a node is the same code as a local fit. Models are compiled once by the driver, before
 * submitting; tasks run the cached executables. Every replicate writes its own atomic,
 * content-verified record, exactly as locally.
 *
 * The driver (this module) only submits, watches and verifies: progress comes from the records
 * on disk; squeue tells when tasks end (no sacct). A task that ended without the records of its
 * batch (cancelled, time limit, out of memory, node failure) leaves those replicates unfinished,
 * with the reason (Slurm's state and the tail of the task's log) in their error.txt: they are
 * redone by the next start. Ctrl-C cancels the array (scancel); finished fits stay.
 *
 * Assumes a filesystem every node shares at the same paths: the tool (dist/, .cache/models),
 * CmdStan and the study folder.
 */
import { existsSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import {
  arrayTaskStates,
  isActiveState,
  jobDetails,
  neverStarts,
  scancel,
  SlurmError,
  slurmVersion,
  type ArrayTaskState,
} from "../../slurm/commands.js";
import { writeFileAtomic } from "../../util/atomicWrite.js";
import { verifyReplicate, type ReplicateRecord } from "../records.js";
import type { ExecutorHooks, ReplicateExecutor, ReplicateStudy } from "../replicates.js";
import { writeStudyRecipe } from "../studyRecipe.js";
import { batchReplicates, chooseBatchSize, formatReplicateList } from "./batches.js";
import { slurmTimeMinutes, type SlurmOptions } from "./slurmOptions.js";
import { submitArray, taskLogFile, workerCommand, type ArrayJob } from "./slurmSubmit.js";

/** Records on disk are checked this often (cheap: one stat per outstanding replicate). */
const RECORD_POLL_MS = 1000;
/** A task squeue stops listing is taken as ended after this many polls. */
const UNLISTED_POLLS = 3;
/** How long a cancelled array may take to stop before the driver gives up waiting. */
const CANCEL_WAIT_MS = 120_000;
const LOG_TAIL_LINES = 15;

export function slurmExecutor(options: SlurmOptions): ReplicateExecutor {
  return { name: "slurm", run: (study, todo, hooks) => runOnSlurm(study, todo, hooks, options) };
}

async function runOnSlurm(
  study: ReplicateStudy<unknown>,
  todo: number[],
  hooks: ExecutorHooks,
  options: SlurmOptions,
): Promise<void> {
  if (!todo.length) return;
  const version = await slurmVersion();
  const worker = workerCommand();
  await writeStudyRecipe(study.outputDir, study.recipe, hooks.fingerprint);
  const measured = measuredSeconds(hooks.finishedBefore);
  const timeLimit = options.time ? slurmTimeMinutes(options.time) : undefined;
  warnIfLongerThanLimit(study, measured, timeLimit, hooks.log);
  const size = chooseBatchSize({
    todo: todo.length,
    requested: options.batch_size,
    measuredSeconds: measured,
    timeLimitMinutes: timeLimit,
  });
  const job = await submitArray(study, batchReplicates(todo, size, study.order !== undefined), options, worker);
  hooks.log(
    `[${study.command}] Slurm job ${job.jobId} (${version}): ${todo.length} ${study.unit}(s) in ${job.batches.length} array task(s) ` +
      `of up to ${size}, ${job.cpusPerTask} core(s) each -> ${study.outputDir} (task logs in ${job.logDir})`,
  );
  await new ArrayWatch(study, job, hooks, options).run();
}

/** Wall seconds of the replicates finished in earlier starts (to size batches). */
function measuredSeconds(finished: ReadonlyMap<number, ReplicateRecord>): number[] {
  return [...finished.values()].filter((r) => r.status === "ok").map((r) => r.seconds);
}

function warnIfLongerThanLimit(
  study: ReplicateStudy<unknown>,
  measured: number[],
  limitMinutes: number | undefined,
  log: (l: string) => void,
): void {
  const longest = Math.max(0, ...measured);
  if (limitMinutes !== undefined && longest > limitMinutes * 60) {
    log(
      `[${study.command}] warning: a finished ${study.unit} took ${Math.round(longest)} s, more than the task time limit (${limitMinutes} min): tasks may be killed by it`,
    );
  }
}

/** A replicate a task did not finish, and why. */
interface Unfinished {
  replicate: number;
  state: string;
}

/** Watches one submitted array until every replicate has a record or its task has ended. */
class ArrayWatch {
  private readonly outstanding: Set<number>;
  private readonly ended = new Set<number>();
  private readonly unlisted = new Map<number, number>();
  private readonly unfinished: Unfinished[] = [];
  private lastSqueue = 0;
  private squeueTrouble = false;

  constructor(
    private readonly study: ReplicateStudy<unknown>,
    private readonly job: ArrayJob,
    private readonly hooks: ExecutorHooks,
    private readonly options: SlurmOptions,
  ) {
    this.outstanding = new Set(job.batches.flat());
  }

  async run(): Promise<void> {
    const { signal } = this.hooks;
    const cancel = () => void this.cancel();
    signal.addEventListener("abort", cancel, { once: true });
    try {
      while (this.outstanding.size && !signal.aborted) {
        await this.collectRecords();
        if (this.outstanding.size && Date.now() - this.lastSqueue >= this.options.poll_seconds * 1000)
          await this.checkTasks();
        await sleep(RECORD_POLL_MS, undefined, { signal }).catch(() => {});
      }
      if (signal.aborted) await this.waitUntilStopped();
      await this.collectRecords();
      this.reportUnfinished();
    } finally {
      signal.removeEventListener("abort", cancel);
      // However the driver stops, it leaves no task of its array working on the folder.
      if (this.outstanding.size && !signal.aborted && this.ended.size < this.job.batches.length) await this.cancel();
    }
  }

  /** Records that appeared on disk since the last look. */
  private async collectRecords(): Promise<void> {
    for (const i of [...this.outstanding]) {
      const dir = this.study.replicateDir(i);
      if (!existsSync(path.join(dir, this.study.recordName))) continue;
      const expected = this.study.recordFingerprint?.(i) ?? this.hooks.fingerprint;
      const { record } = await verifyReplicate(dir, this.study.recordName, expected);
      if (!record) continue;
      this.outstanding.delete(i);
      this.hooks.onRecord(i, record);
    }
  }

  /** Ask squeue how the tasks are; a task that ended is settled. */
  private async checkTasks(): Promise<void> {
    this.lastSqueue = Date.now();
    let tasks: Map<number, ArrayTaskState> | undefined;
    try {
      tasks = await arrayTaskStates(this.job.jobId);
    } catch (err) {
      // A busy controller may not answer; the next poll asks again.
      if (!this.squeueTrouble)
        this.hooks.log(`\n[${this.study.command}] squeue did not answer (${(err as Error).message}); retrying`);
      this.squeueTrouble = true;
      return;
    }
    this.squeueTrouble = false;
    this.refuseWhatNeverStarts(tasks);
    for (let t = 0; t < this.job.batches.length; t++) {
      if (this.ended.has(t)) continue;
      const task = tasks?.get(t);
      if (task && isActiveState(task.state)) continue;
      if (!task) {
        const polls = (this.unlisted.get(t) ?? 0) + 1;
        this.unlisted.set(t, polls);
        if (tasks && polls < UNLISTED_POLLS) continue;
      }
      await this.settleTask(t, task?.state ?? "UNKNOWN (no longer listed by squeue)");
    }
    this.showTasks(tasks);
  }

  /** Tasks pending for a reason that waiting does not cure: the array is cancelled (by run()) and the study stops. */
  private refuseWhatNeverStarts(tasks: Map<number, ArrayTaskState> | undefined): void {
    const stuck = [...(tasks?.values() ?? [])].find(neverStarts);
    if (!stuck) return;
    throw new SlurmError(
      `Slurm job ${this.job.jobId} cannot start: its tasks wait with reason ${stuck.reason}, which waiting does not change. ` +
        `Each task asks for ${this.job.cpusPerTask} cores on one node (one per chain: n_mcmc_chains)` +
        `${this.options.mem_per_cpu ? `, ${this.options.mem_per_cpu} per core` : ""}${this.options.time ? ` and --time ${this.options.time}` : ""}; ` +
        `check them against the partition (sinfo -o "%P %c %m %l" lists cores, memory and time limit per node) and the account. The job is cancelled.`,
    );
  }

  private showTasks(tasks: Map<number, ArrayTaskState> | undefined): void {
    const all = [...(tasks?.values() ?? [])];
    const running = all.filter((t) => t.state === "RUNNING").length;
    const pending = all.filter((t) => t.state === "PENDING");
    const why = pending.length && pending[0].reason !== "None" ? ` (${pending[0].reason})` : "";
    this.hooks.progress.remote(
      running * this.job.cpusPerTask,
      `slurm job ${this.job.jobId}: ${running} task(s) running, ${pending.length} pending${why}`,
    );
  }

  /** A task ended: the replicates of its batch without a record are unfinished. */
  private async settleTask(t: number, state: string): Promise<void> {
    this.ended.add(t);
    await this.collectRecords();
    const missing = this.job.batches[t].filter((i) => this.outstanding.has(i));
    if (!missing.length) return;
    const reason = await this.describeEnd(t, state, missing);
    for (const i of missing) {
      const dir = this.study.replicateDir(i);
      await mkdir(dir, { recursive: true });
      // error.txt without a record: the report lists the reason, the next start redoes it.
      await writeFileAtomic(path.join(dir, "error.txt"), `${this.study.unit} ${i} was not finished: ${reason}\n`);
      this.outstanding.delete(i);
      this.unfinished.push({ replicate: i, state });
      this.hooks.onRecord(i, unfinishedRecord(i, this.hooks.fingerprint));
    }
    this.hooks.log(
      `\n[${this.study.command}] Slurm task ${this.job.jobId}_${t} ended ${state}: ${this.study.unit}(s) ${formatReplicateList(missing)} not finished`,
    );
  }

  /** Slurm's state and reason for a task, and the end of its log. */
  private async describeEnd(t: number, state: string, missing: number[]): Promise<string> {
    const id = `${this.job.jobId}_${t}`;
    const details = await jobDetails(id).catch(() => undefined);
    const facts = details
      ? [
          `reason ${details.Reason ?? "?"}`,
          `exit code ${details.ExitCode ?? "?"}`,
          `ran ${details.RunTime ?? "?"} of limit ${details.TimeLimit ?? "?"}`,
        ]
      : [];
    const log = taskLogFile(this.job, t);
    const tail = await logTail(log);
    return (
      `Slurm array task ${id} (${this.study.unit}s ${formatReplicateList(this.job.batches[t])}) ended ${state}` +
      `${facts.length ? ` (${facts.join(", ")})` : ""} before ${this.study.unit}(s) ${formatReplicateList(missing)} finished; ` +
      `it is redone when the same command runs again.\nLast lines of ${log}:\n${tail}`
    );
  }

  private reportUnfinished(): void {
    if (!this.unfinished.length) return;
    const byState = new Map<string, number>();
    for (const u of this.unfinished) byState.set(u.state, (byState.get(u.state) ?? 0) + 1);
    const states = [...byState].map(([s, n]) => `${s} ${n}`).join(", ");
    const hint = byState.has("TIMEOUT")
      ? " (raise --time, or lower --batch-size, for tasks that hit their time limit)"
      : "";
    this.hooks.log(
      `\n[${this.study.command}] ${this.unfinished.length} ${this.study.unit}(s) not finished on Slurm (${states}); ` +
        `run the same command again to redo them${hint}. Reasons in their error.txt.`,
    );
  }

  private async cancel(): Promise<void> {
    try {
      await scancel(this.job.jobId);
      this.hooks.log(
        `\n[${this.study.command}] cancelled Slurm job ${this.job.jobId} (scancel); finished ${this.study.unit}s are kept`,
      );
    } catch (err) {
      this.hooks.log(
        `\n[${this.study.command}] could not cancel Slurm job ${this.job.jobId}: ${(err as Error).message}; cancel it yourself: scancel ${this.job.jobId}`,
      );
    }
  }

  /** After scancel: wait until no task works on the folder any more, so what is on disk is final. */
  private async waitUntilStopped(): Promise<void> {
    const deadline = Date.now() + CANCEL_WAIT_MS;
    while (Date.now() < deadline) {
      const tasks = await arrayTaskStates(this.job.jobId).catch(() => new Map<number, ArrayTaskState>());
      if (![...(tasks?.values() ?? [])].some((t) => isActiveState(t.state))) return;
      await sleep(RECORD_POLL_MS);
    }
    this.hooks.log(
      `\n[${this.study.command}] Slurm job ${this.job.jobId} still has tasks stopping after ${CANCEL_WAIT_MS / 1000} s`,
    );
  }
}

/** The in-memory record of a replicate a task did not finish; nothing is written but error.txt. */
function unfinishedRecord(i: number, fingerprint: string): ReplicateRecord {
  return { index: i, status: "failed", files: {}, seeds: {}, seconds: 0, fingerprint };
}

async function logTail(file: string): Promise<string> {
  const text = await readFile(file, "utf8").catch(() => undefined);
  if (text === undefined)
    return "(no log here: the task may never have started, or its node does not share this filesystem)";
  return text.trimEnd().split("\n").slice(-LOG_TAIL_LINES).join("\n") || "(empty log)";
}
