/**
 * Many independent replicates: the engine every study kind runs on (recovery iterations, SBC
 * simulations, ...). A prepared study says what a replicate is (`ReplicateStudy`); this module
 * claims the output folder, keeps the replicates already finished (verified by content), hands
 * the rest to an executor (where fits run: this machine, or a cluster), shows progress, stops
 * cleanly on interrupt, reduces the records to the study's outputs and records where the time
 * went (`timing.json`).
 *
 * Replicate i depends only on the study's setup and i (its seeds included), never on which
 * replicates run together or where, so a resumed or distributed study gives the same results.
 */
import { readFile, rm } from "node:fs/promises";
import path from "node:path";
import type { ChainProgress } from "../cmdstan/run.js";
import type { CoreScheduler } from "../cmdstan/scheduler.js";
import { UserFacingError } from "../util/errors.js";
import { StudyProgress } from "./progress.js";
import { verifyReplicate, type ReplicateRecord } from "./records.js";
import { claimStudyFolder } from "./studyFolder.js";
import type { StudyRecipe } from "./studyRecipe.js";
import { clock, since, writeTiming } from "./timing.js";

/** What a replicate runs with: the study's fingerprint, the core budget, cancellation, progress. */
export interface ReplicateEnv {
  /** Hash of the study fingerprint; every record carries it. */
  fingerprint: string;
  scheduler: CoreScheduler;
  signal: AbortSignal;
  onChainProgress?: (replicate: number, p: ChainProgress) => void;
  onChainState?: (delta: 1 | -1) => void;
}

/** A study, prepared: everything the engine needs to run and resume it. */
export interface ReplicateStudy<S> {
  /** Log prefix ("recover", "sbc") and what one replicate is called ("iteration", "simulation"). */
  command: string;
  unit: string;
  outputDir: string;
  /** Replicates 1..count. */
  count: number;
  /** Chains one replicate runs (cores it can use at once). */
  chainsPerReplicate: number;
  /** Sampler iterations of one replicate (chains x (warmup + samples)), for the time estimate. */
  workPerReplicate: number;
  /** Cores for this machine's executor. */
  cores: number;
  /** Everything that decides the results; a folder made with another fingerprint is refused. */
  fingerprint: Record<string, unknown>;
  replicateDir(i: number): string;
  /** The record file inside a replicate's folder, written last. */
  recordName: string;
  /** Write (or check and mend) the setup files (design, data, config_info) once the folder is claimed. */
  writeSetup(): Promise<void>;
  /** Run replicate i; a failure inside it is a "failed" record, an abort throws. */
  runReplicate(i: number, env: ReplicateEnv): Promise<ReplicateRecord>;
  /** Reduce the records (finished and failed) to the study's outputs. */
  summarize(records: Map<number, ReplicateRecord>, wallSeconds: number): Promise<S>;
  /** How a worker process (a cluster task) rebuilds this study. */
  recipe: StudyRecipe;
  /** What the study says about itself in timing.json, by key; the engine copies it without reading it. */
  notes?: Record<string, unknown>;
}

/** Where replicates run: this process (executors/local.ts) or a cluster (executors/slurm.ts). */
export interface ReplicateExecutor {
  /** "local", "slurm": recorded in timing.json. */
  name: string;
  run(study: ReplicateStudy<unknown>, todo: number[], hooks: ExecutorHooks): Promise<void>;
}

export interface ExecutorHooks {
  fingerprint: string;
  signal: AbortSignal;
  progress: StudyProgress;
  log: (line: string) => void;
  /** The verified records of replicates finished in earlier starts (e.g. to time batches). */
  finishedBefore: ReadonlyMap<number, ReplicateRecord>;
  /** Called once per replicate that finished (ok or failed) in this start. */
  onRecord: (i: number, record: ReplicateRecord) => void;
}

export interface RunReplicatesOptions {
  /** Where the replicates run. */
  executor: ReplicateExecutor;
  signal?: AbortSignal;
  /** Redo replicates that failed in an earlier start (default: keep them as failed). */
  retryFailed?: boolean;
  /** Messages (default: stderr). */
  log?: (line: string) => void;
  progressStream?: NodeJS.WriteStream;
}

export interface ReplicatesResult<S> {
  summary: S;
  outputDir: string;
  wallSeconds: number;
  /** Replicates kept from an earlier start. */
  resumed: number;
  records: Map<number, ReplicateRecord>;
  /** Replicates that failed, and replicates with no record (a cluster task that ended early). */
  failed: number[];
  missing: number[];
}

/** The records of replicates finished before this start (and the ones still to run). */
async function finishedBefore<S>(study: ReplicateStudy<S>, fp: string, retryFailed: boolean) {
  const records = new Map<number, ReplicateRecord>();
  const todo: number[] = [];
  for (let i = 1; i <= study.count; i++) {
    const { record } = await verifyReplicate(study.replicateDir(i), study.recordName, fp);
    if (record && !(retryFailed && record.status === "failed")) records.set(i, record);
    else todo.push(i);
  }
  // A record on disk must belong to this start: the stale record of a replicate to redo (a
  // failed one, with retryFailed) goes now, so an executor that watches the disk for records
  // (Slurm's) cannot take it for the new one before the replicate's folder is cleared.
  await Promise.all(todo.map((i) => rm(path.join(study.replicateDir(i), study.recordName), { force: true })));
  return { records, todo };
}

/**
 * Prepare a study (`prepare` checks and compiles its models and makes its design: timed as the
 * setup phase), then run, resume and summarise it, holding its folder for this run alone.
 */
export async function runReplicates<S>(
  prepare: () => Promise<ReplicateStudy<S>>,
  opts: RunReplicatesOptions,
): Promise<ReplicatesResult<S>> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const t0 = clock();
  const study = await prepare();
  const claim = await claimStudyFolder(study.outputDir, study.fingerprint, study.replicateDir(1), {
    command: `cmdstan-recover ${study.command}`,
    log,
  });
  try {
    return await runClaimed(study, claim.fingerprintHash, { ...opts, log }, t0);
  } finally {
    await claim.release();
  }
}

async function runClaimed<S>(
  study: ReplicateStudy<S>,
  fp: string,
  opts: RunReplicatesOptions & { log: (line: string) => void },
  t0: ReturnType<typeof clock>,
): Promise<ReplicatesResult<S>> {
  const { log, executor } = opts;
  const signal = opts.signal ?? new AbortController().signal;
  await study.writeSetup();
  const { records, todo } = await finishedBefore(study, fp, opts.retryFailed ?? false);
  const out = study.outputDir;
  const progress = new StudyProgress(study, study.count, study.workPerReplicate, out, opts.progressStream);
  progress.markResumed(records.size);
  if (records.size) {
    log(`[${study.command}] resuming: ${records.size} finished ${study.unit}(s) kept, ${todo.length} to run`);
  }
  const setup = since(t0);
  const tLoop = clock();
  progress.start();
  try {
    await executor.run(study, todo, {
      fingerprint: fp,
      signal,
      progress,
      log,
      finishedBefore: new Map(records),
      onRecord: (i, record) => {
        records.set(i, record);
        progress.replicateFinished(i, record.status === "ok");
        if (record.status === "failed") {
          log(`\n[${study.command}] ${study.unit} ${i} failed; see ${path.join(study.replicateDir(i), "error.txt")}`);
        }
      },
    });
  } catch (err) {
    if (!signal.aborted) throw err;
  } finally {
    progress.stop();
  }
  if (signal.aborted) throw new InterruptedError(records.size, study);

  const loop = since(tLoop);
  const tFinish = clock();
  const summary = await study.summarize(records, Date.now() / 1000 - t0.wall);
  const phases = { setup, loop, finish: since(tFinish), total: since(t0) };
  const counts = { unit: study.unit, run: todo.length, kept: records.size - todo.length };
  await writeTiming(out, study.cores, executor.name, phases, counts, study.notes);
  const failed = [...records.keys()].filter((i) => records.get(i)!.status === "failed").sort((a, b) => a - b);
  if (failed.length === records.size) await refuseAllFailed(study, records.size, failed);
  const missing = Array.from({ length: study.count }, (_, k) => k + 1).filter((i) => !records.has(i));
  const resumed = progress.snapshot().resumed;
  return { summary, outputDir: out, wallSeconds: phases.total.wall, resumed, records, failed, missing };
}

/** An interrupted run: what is finished is kept, and the same command resumes. */
export class InterruptedError extends UserFacingError {
  constructor(finished: number, study: { count: number; unit: string; outputDir: string }) {
    super(
      `interrupted: ${finished} of ${study.count} ${study.unit}s are finished and kept in ${study.outputDir}; ` +
        `run the same command again to resume.`,
    );
  }
}

/** Every replicate failed: nothing to report on; say why the first one failed. */
async function refuseAllFailed(study: ReplicateStudy<unknown>, n: number, failed: number[]): Promise<never> {
  const first = failed.length
    ? (
        await readFile(path.join(study.replicateDir(failed[0]), "error.txt"), "utf8").catch(() => "(no error.txt)")
      ).trim()
    : "?";
  throw new UserFacingError(
    `every ${study.unit} failed (${n} of ${study.count}); the reasons are in ${study.outputDir}/*/error.txt. First: ${first}`,
  );
}
