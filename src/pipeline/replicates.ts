/**
 * Many independent replicates: the machinery every study type shares (recovery iterations,
 * SBC simulations). A study type says what a replicate is (`ReplicateStudy`); this module
 * claims the output folder, keeps the replicates already finished (verified by content), hands
 * the rest to an executor (where fits run: this machine, or a cluster), shows progress, stops
 * cleanly on interrupt, reduces the records to the study's outputs and records where the time
 * went (`timing.json`).
 *
 * Replicate i depends only on the study's setup and i (its seeds included), never on which
 * replicates run together or where, so a resumed or distributed study gives the same results.
 */
import { readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { UserFacingError } from "../util/errors.js";
import type { ChainProgress } from "../cmdstan/run.js";
import type { CoreScheduler } from "../cmdstan/scheduler.js";
import { localExecutor } from "./executors/local.js";
import { verifyReplicate, writeJsonAtomic, type ReplicateRecord } from "./files.js";
import { StudyProgress } from "./progress.js";
import { claimStudyFolder } from "./studyFolder.js";
import { clock, machineCpu, since, type PhaseClock } from "./timing.js";

/** What a replicate runs with: the study's fingerprint, the core budget, cancellation, progress. */
export interface ReplicateEnv {
  /** Hash of the study fingerprint; every record carries it. */
  fingerprint: string;
  scheduler: CoreScheduler;
  signal: AbortSignal;
  onChainProgress?: (replicate: number, p: ChainProgress) => void;
  onChainState?: (delta: 1 | -1) => void;
}

/** A study type, prepared: everything the shared loop needs to run and resume it. */
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
  /** Write the setup files (design, data, config_info) once the folder is claimed. */
  writeSetup(): Promise<void>;
  /** Run replicate i; a failure inside it is a "failed" record, an abort throws. */
  runReplicate(i: number, env: ReplicateEnv): Promise<ReplicateRecord>;
  /** Reduce the records (finished and failed) to the study's outputs. */
  summarize(records: Map<number, ReplicateRecord>, wallSeconds: number): Promise<S>;
  /** How a worker process (a cluster task) rebuilds this study: see StudyKind. */
  recipe: StudyRecipe;
}

/** A study type's name in the registry (studyKinds.ts) and its fully resolved config, as JSON. */
export interface StudyRecipe {
  kind: string;
  config: Record<string, unknown>;
}

/**
 * A study type as a worker sees it: rebuild the prepared study from the recipe's config, on the
 * cores a task was given, with the models the driver compiled (a worker never compiles).
 */
export interface StudyKind {
  rebuild(
    config: unknown,
    source: string,
    opts: { cores: number; log: (line: string) => void },
  ): Promise<ReplicateStudy<unknown>>;
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
  signal?: AbortSignal;
  /** Redo replicates that failed in an earlier start (default: keep them as failed). */
  retryFailed?: boolean;
  /** Messages (default: stderr). */
  log?: (line: string) => void;
  progressStream?: NodeJS.WriteStream;
  executor?: ReplicateExecutor;
}

export interface ReplicatesResult<S> {
  summary: S;
  outputDir: string;
  wallSeconds: number;
  /** Replicates kept from an earlier start. */
  resumed: number;
  records: Map<number, ReplicateRecord>;
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
 * setup phase), then run, resume and summarise it.
 */
export async function runReplicates<S>(
  prepare: () => Promise<ReplicateStudy<S>>,
  opts: RunReplicatesOptions = {},
): Promise<ReplicatesResult<S>> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const signal = opts.signal ?? new AbortController().signal;
  const started = Date.now();
  const t0 = clock();
  const study = await prepare();
  const fp = await claimStudyFolder(study.outputDir, study.fingerprint, study.replicateDir(1));
  await study.writeSetup();

  const { records, todo } = await finishedBefore(study, fp, opts.retryFailed ?? false);
  const out = study.outputDir;
  const progress = new StudyProgress(
    { command: study.command, unit: study.unit },
    study.count,
    study.workPerReplicate,
    out,
    opts.progressStream,
  );
  progress.markResumed(records.size);
  if (records.size)
    log(`[${study.command}] resuming: ${records.size} finished ${study.unit}(s) kept, ${todo.length} to run`);

  const setup = since(t0);
  const tLoop = clock();
  progress.start();
  const executor = opts.executor ?? localExecutor;
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
        if (record.status === "failed")
          log(`\n[${study.command}] ${study.unit} ${i} failed; see ${path.join(study.replicateDir(i), "error.txt")}`);
      },
    });
  } catch (err) {
    if (!signal.aborted) throw err;
  } finally {
    progress.stop();
  }
  if (signal.aborted) {
    throw new UserFacingError(
      `interrupted: ${records.size} of ${study.count} ${study.unit}s are finished and kept in ${out}; ` +
        `run the same command again to resume.`,
    );
  }

  const loop = since(tLoop);
  const tFinish = clock();
  const summary = await study.summarize(records, (Date.now() - started) / 1000);
  const finish = since(tFinish);
  await writeTiming(
    out,
    study.cores,
    executor.name,
    { setup, loop, finish, total: since(t0) },
    { unit: study.unit, run: todo.length, kept: records.size - todo.length },
  );
  const ok = [...records.values()].filter((r) => r.status === "ok").length;
  if (ok === 0) {
    throw new UserFacingError(
      `every ${study.unit} failed (${study.count}); the reasons are in ${out}/*/error.txt. ` +
        `First: ${(await firstFailure(study, records)) ?? "?"}`,
    );
  }
  return {
    summary,
    outputDir: out,
    wallSeconds: (Date.now() - started) / 1000,
    resumed: progress.snapshot().resumed,
    records,
  };
}

/** The reason the first failed replicate gave (its error.txt). */
async function firstFailure(
  study: ReplicateStudy<unknown>,
  records: Map<number, ReplicateRecord>,
): Promise<string | undefined> {
  const i = [...records.keys()].sort((a, b) => a - b).find((k) => records.get(k)!.status === "failed");
  if (i === undefined) return undefined;
  return (await readFile(path.join(study.replicateDir(i), "error.txt"), "utf8").catch(() => "(no error.txt)")).trim();
}

/** timing.json: wall and CPU time per phase as the OS measured them, and the core utilisation. */
async function writeTiming(
  out: string,
  cores: number,
  executor: string,
  phases: { setup: PhaseClock; loop: PhaseClock; finish: PhaseClock; total: PhaseClock },
  counts: { unit: string; run: number; kept: number },
): Promise<void> {
  const { setup, loop, finish, total } = phases;
  const ratio = (num: number, den: number) => (den > 0 ? Math.round((num / den) * 1000) / 1000 : null);
  const cpus = machineCpu()?.cpus;
  // Elsewhere (a cluster) the chains are not this process's children: no utilisation to measure here.
  const utilisation = (num: number, den: number) => (executor === "local" ? ratio(num, den) : null);
  await writeJsonAtomic(path.join(out, "timing.json"), {
    executor,
    cores,
    // Named by the study's unit (iterations_run, simulations_run): run in this start, and
    // finished in an earlier start and kept.
    [`${counts.unit}s_run`]: counts.run,
    [`${counts.unit}s_kept`]: counts.kept,
    wall_seconds: total.wall,
    phases: { setup, loop, finish },
    // Core utilisation of the loop: CPU of CmdStan processes over the cores' capacity.
    loop_utilisation: utilisation(loop.childrenCpu, cores * loop.wall),
    whole_run_utilisation: utilisation(total.childrenCpu, cores * total.wall),
    outside_loop_share: ratio(setup.wall + finish.wall, total.wall),
    // Share of the machine's CPUs that other processes used during the run: a utilisation
    // measured beside other work is lower than the tool's own.
    other_processes_share: total.otherCpu === undefined || !cpus ? null : ratio(total.otherCpu, cpus * total.wall),
  });
}

/** All cores of this machine, unless the config says otherwise. */
export function defaultCores(configured?: number): number {
  return configured ?? os.availableParallelism();
}
