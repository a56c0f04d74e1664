/**
 * A whole parameter-recovery study (SPEC section 4): check and compile the models, make or
 * load the design, run the iterations concurrently under one core budget, then compute the
 * recovery statistics, plots and report. Resumable: finished iterations (verified by content)
 * are kept, the rest are redone; a different configuration in the same folder is refused.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { QUANTILE_RULE_LABELS, quantileRuleFor } from "../analysis/summary.js";
import { compileModel, type CompiledModel } from "../cmdstan/compile.js";
import { InputError, UserFacingError } from "../cmdstan/errors.js";
import { locateCmdStan, type CmdStanInstall } from "../cmdstan/locate.js";
import { readModelInfo } from "../cmdstan/modelInfo.js";
import { CoreScheduler } from "../cmdstan/scheduler.js";
import { toStanJson } from "../cmdstan/stanJson.js";
import { STAN_INT_KEYS, generateStudyDesign, stanDataFromDesign, withSimHyperparameters, type StudyDesign } from "../design/studyDesign.js";
import { loadStudyDesign, serializeStudyDesign } from "../design/studyDesignFile.js";
import { resultFingerprint, type StudyConfig } from "./config.js";
import { sha256, verifyIteration, writeFileAtomic, writeJsonAtomic, type IterationRecord } from "./files.js";
import { iterationDir, runIteration, SIM_OUTPUTS, TRACKED_OUTPUTS } from "./iteration.js";
import { StudyProgress } from "./progress.js";
import { summarizeStudy, type StudySummary } from "./summarize.js";
import { clock, machineCpu, since, type PhaseClock } from "./timing.js";

export interface RunStudyOptions {
  signal?: AbortSignal;
  /** Redo iterations that failed in an earlier start (default: keep them as failed). */
  retryFailed?: boolean;
  /** Progress and messages (default: stderr). */
  log?: (line: string) => void;
  progressStream?: NodeJS.WriteStream;
}

export interface StudyResult extends StudySummary {
  outputDir: string;
  wallSeconds: number;
  resumed: number;
}

export const MANIFEST_FILE = "study_manifest.json";

/** Refuse a model that lacks what the study reads from it, before anything is compiled or sampled. */
async function checkModelOutputs(install: CmdStanInstall, file: string, needed: readonly string[], role: string, key: string, source: string) {
  const info = await readModelInfo(install, file);
  const missing = needed.filter((n) => !info.outputs.includes(n));
  if (missing.length) {
    throw new InputError(
      `${source}: ${key}: the ${role} model ${file} does not output ${missing.join(", ")} ` +
        `(it outputs: ${info.outputs.join(", ") || "nothing"}); the study needs ${needed.join(", ")}.`,
    );
  }
}

async function prepareDesign(config: StudyConfig): Promise<StudyDesign> {
  const base = config.study_design_path
    ? await loadStudyDesign(config.study_design_path)
    : generateStudyDesign(config.study_design_config as Parameters<typeof generateStudyDesign>[0], config.seed);
  return withSimHyperparameters(base, config.sim_overrides);
}

/** The design's content, without its generation timestamp, for the study fingerprint. */
function designHash(design: StudyDesign): string {
  const { _metadata, ...data } = design;
  const { timestamp: _t, ...meta } = _metadata;
  return sha256(JSON.stringify({ data, meta }));
}

async function claimFolder(config: StudyConfig, fingerprint: Record<string, unknown>): Promise<string> {
  const fp = sha256(JSON.stringify(fingerprint));
  const manifest = path.join(config.output_dir, MANIFEST_FILE);
  if (existsSync(manifest)) {
    const previous = JSON.parse(await readFile(manifest, "utf8")) as { fingerprint: Record<string, unknown> };
    const before = previous.fingerprint ?? {};
    const differing = Object.keys({ ...before, ...fingerprint }).filter(
      (k) => JSON.stringify(before[k]) !== JSON.stringify(fingerprint[k]),
    );
    if (differing.length) {
      throw new InputError(
        `${config.output_dir} holds a study made with another configuration (differs in: ${differing.join(", ")}). ` +
          `Resuming would mix results. Use another output_dir (or --output DIR), or delete that folder to start over.`,
      );
    }
  } else if (existsSync(config.output_dir) && existsSync(path.join(config.output_dir, "iteration_1"))) {
    throw new InputError(`${config.output_dir} holds iteration folders but no ${MANIFEST_FILE}; refusing to mix results. Use another output_dir.`);
  } else {
    await writeJsonAtomic(manifest, { tool: "cmdstan-recover", created: new Date().toISOString(), fingerprint });
  }
  return fp;
}

export async function runStudy(config: StudyConfig, opts: RunStudyOptions = {}): Promise<StudyResult> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const signal = opts.signal ?? new AbortController().signal;
  const started = Date.now();
  const t0 = clock();
  const install = await locateCmdStan({ explicit: config.cmdstan });
  log(`[recover] CmdStan ${install.version} at ${install.path}`);

  // Models: check outputs first (cheap, stanc only), then compile both at once.
  await checkModelOutputs(install, config.inference_model_path, TRACKED_OUTPUTS, "inference", "inference_model_path", config.source);
  await checkModelOutputs(install, config.sim_model_path, SIM_OUTPUTS, "simulation", "sim_model_path", config.source);
  log(`[recover] compiling ${path.basename(config.inference_model_path)} and ${path.basename(config.sim_model_path)} (cached when unchanged)`);
  // allSettled so that, when both fail, the error reported is always the inference model's.
  const compiled = await Promise.allSettled([
    compileModel(install, config.inference_model_path),
    compileModel(install, config.sim_model_path),
  ]);
  for (const r of compiled) if (r.status === "rejected") throw r.reason;
  const [inference, sim] = compiled.map((r) => (r as PromiseFulfilledResult<CompiledModel>).value);

  const design = await prepareDesign(config);
  const fingerprint = resultFingerprint(config, { inference: inference.hash, sim: sim.hash }, designHash(design));
  const fp = await claimFolder(config, fingerprint);
  const out = config.output_dir;
  const designFile = path.join(out, "study_design.json");
  if (!existsSync(designFile)) await writeFileAtomic(designFile, serializeStudyDesign(design));
  const simDataFile = path.join(out, "sim_data.json");
  await writeFileAtomic(simDataFile, toStanJson(stanDataFromDesign(design, { forInference: false }), { ints: [...STAN_INT_KEYS] }));
  await writeJsonAtomic(path.join(out, "config_info.json"), {
    n_iterations: config.n_iterations,
    n_mcmc_samples: config.n_mcmc_samples,
    n_mcmc_chains: config.n_mcmc_chains,
    sim_overrides: config.sim_overrides,
    J: design.J,
    K: design.K,
    D: design.D,
    P: design.P,
    M_total: design.M_total,
    n_mcmc_warmup: config.warmup,
    adapt_delta: config.adapt_delta,
    max_treedepth: config.max_treedepth,
    seed: config.seed,
    cmdstan_version: install.version,
    quantile_rule: QUANTILE_RULE_LABELS[quantileRuleFor(install.version)],
    inference_model_path: config.inference_model_path,
    sim_model_path: config.sim_model_path,
  });

  // Which iterations are already finished (verified by content)?
  const records = new Map<number, IterationRecord>();
  const todo: number[] = [];
  for (let i = 1; i <= config.n_iterations; i++) {
    const { record } = await verifyIteration(iterationDir(out, i), fp);
    if (record && !(opts.retryFailed && record.status === "failed")) records.set(i, record);
    else todo.push(i);
  }
  const cores = config.cores ?? os.availableParallelism();
  const scheduler = new CoreScheduler(cores);
  const progress = new StudyProgress(config.n_iterations, config.n_mcmc_chains * (config.warmup + config.n_mcmc_samples), out, opts.progressStream);
  progress.markResumed(records.size);
  if (records.size) log(`[recover] resuming: ${records.size} finished iteration(s) kept, ${todo.length} to run`);
  log(`[recover] ${todo.length} iteration(s) x ${config.n_mcmc_chains} chains x (${config.warmup} + ${config.n_mcmc_samples}) on ${cores} core(s) -> ${out}`);

  const setup = since(t0);
  const tLoop = clock();
  progress.start();
  const ctx = {
    config,
    install,
    inference,
    sim,
    design,
    simDataFile,
    scheduler,
    fingerprint: fp,
    signal,
    onChainProgress: (i: number, p: Parameters<StudyProgress["chain"]>[1]) => progress.chain(i, p),
    onChainState: (d: 1 | -1) => progress.chainState(d),
  };
  // Enough iterations in flight that chains of the next fit fill the cores while one fit is
  // being summarised; the scheduler, not this limit, bounds the processes running.
  const inFlight = Math.max(1, Math.min(todo.length, Math.ceil(cores / config.n_mcmc_chains) + 1));
  const queue = [...todo];
  try {
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        for (let i = queue.shift(); i !== undefined && !signal.aborted; i = queue.shift()) {
          const record = await runIteration(ctx, i);
          records.set(i, record);
          progress.iterationFinished(i, record.status === "ok");
          if (record.status === "failed") log(`\n[recover] iteration ${i} failed; see ${path.join(iterationDir(out, i), "error.txt")}`);
        }
      }),
    );
  } catch (err) {
    if (!signal.aborted) throw err;
  } finally {
    progress.stop();
  }
  if (signal.aborted) {
    const finished = [...records.values()].length;
    throw new UserFacingError(
      `interrupted: ${finished} of ${config.n_iterations} iterations are finished and kept in ${out}; ` +
        `run the same command again to resume.`,
    );
  }

  const loop = since(tLoop);
  const tFinish = clock();
  const summary = await summarizeStudy({ config, install, design, records, wallSeconds: (Date.now() - started) / 1000 });
  const finish = since(tFinish);
  const total = since(t0);
  await writeJsonAtomic(path.join(out, "timing.json"), {
    cores,
    iterations_run: todo.length,
    iterations_kept: records.size - todo.length,
    wall_seconds: total.wall,
    phases: { setup, loop, finish },
    // Core utilisation of the loop: CPU of CmdStan processes over the cores' capacity.
    loop_utilisation: loop.wall > 0 ? Math.round((loop.childrenCpu / (cores * loop.wall)) * 1000) / 1000 : null,
    whole_run_utilisation: total.wall > 0 ? Math.round((total.childrenCpu / (cores * total.wall)) * 1000) / 1000 : null,
    outside_loop_share: total.wall > 0 ? Math.round(((setup.wall + finish.wall) / total.wall) * 1000) / 1000 : null,
    // Share of the machine's CPUs that other processes used during the run: a utilisation
    // measured beside other work is lower than the tool's own.
    other_processes_share: otherProcessesShare(total),
  });
  if (summary.nSuccessful === 0) {
    throw new UserFacingError(`every iteration failed (${config.n_iterations}); the reasons are in ${out}/iteration_*/error.txt. First: ${summary.failures[0]?.reason ?? "?"}`);
  }
  return { ...summary, outputDir: out, wallSeconds: (Date.now() - started) / 1000, resumed: progress.snapshot().iterationsResumed };
}

function otherProcessesShare(total: PhaseClock): number | null {
  const cpus = machineCpu()?.cpus;
  if (total.otherCpu === undefined || !cpus || total.wall <= 0) return null;
  return Math.round((total.otherCpu / (cpus * total.wall)) * 1000) / 1000;
}
