/**
 * The steps of one simulate-and-fit iteration that every recovery kind takes the same way,
 * whatever its model family (docs/recovery.md, "Each iteration"; docs/flat-recovery.md):
 *
 * 1. simulate: the simulator, fixed_param, 1 chain, 1 draw, seed `seed + i - 1`;
 * 2-3. the family's own step: true parameters and the inference data (`writeTruthAndData`);
 * 4. fit: the inference model's chains, seed `seed + 41976 + i - 1`;
 * 5-6. the posterior summary and bin/diagnose, side by side;
 * 7. the record, last (or error.txt and a "failed" record).
 *
 * Files in `iteration_i/`: true_parameters.json, data.json, posterior_summary.csv,
 * diagnostics.txt, iteration.json; `sim/` and `fit/` hold CmdStan's CSVs and per-chain
 * stdout/stderr (the fit CSVs are removed after summarising unless keep_csv; kept ones are listed
 * in the record with their checksums, so a resume notices one deleted or cut short). An
 * interruption (abort) writes nothing more, so the iteration is redone on resume.
 *
 * `simulate` and `fitAndSummarize` are the steps one by one, for a kind whose iteration fits
 * more than once (the matched study: four fits of one simulation, each under its own file names).
 */
import { rm } from "node:fs/promises";
import path from "node:path";
import { formatSummaryCsv, quantileRuleFor, summarizeFit } from "../../analysis/summary.js";
import type { CompiledModel } from "../../cmdstan/compile.js";
import { writeStanCsvSubset } from "../../cmdstan/csvSubset.js";
import type { CmdStanInstall } from "../../cmdstan/locate.js";
import { readStanFit, type StanCsv } from "../../cmdstan/stanCsv.js";
import { summarizeAndDiagnose, timed } from "../../pipeline/fitFiles.js";
import type { ReplicateRecord } from "../../pipeline/records.js";
import { ReplicateFiles } from "../../pipeline/replicateFiles.js";
import type { ReplicateEnv } from "../../pipeline/replicates.js";
import { fitChains, fitSampler, simulateOnce } from "./sampling.js";

/** The original's seeds: 12345 + i - 1 to simulate and 54321 + i - 1 to fit at the default seed. */
export const DEFAULT_RECOVERY_SEED = 12345;
/** Offset between the simulation and the fit seed of an iteration (54321 - 12345). */
export const FIT_SEED_OFFSET = 41976;

/** Seeds of iteration i (1-based). */
export function iterationSeeds(config: { seed: number }, i: number): { sim: number; fit: number } {
  return { sim: config.seed + (i - 1), fit: config.seed + FIT_SEED_OFFSET + (i - 1) };
}

/** The completion record of an iteration folder, written last. */
export const RECORD_FILE = "iteration.json";

export function iterationDir(outputDir: string, i: number): string {
  return path.join(outputDir, `iteration_${i}`);
}

/** The config keys that shape the replicate loop of a recovery study. */
export interface RecoveryLoopConfig {
  output_dir: string;
  n_iterations: number;
  n_mcmc_chains: number;
  n_mcmc_samples: number;
  /** Warmup per chain, as used. */
  warmup: number;
}

/** What the replicate loop needs to know of a recovery study's iterations (a part of KindStudy). */
export function recoveryReplicates(c: RecoveryLoopConfig) {
  return {
    count: c.n_iterations,
    chainsPerReplicate: c.n_mcmc_chains,
    workPerReplicate: c.n_mcmc_chains * (c.warmup + c.n_mcmc_samples),
    replicateDir: (i: number) => iterationDir(c.output_dir, i),
    recordName: RECORD_FILE,
  };
}

export { oneDraw } from "./sampling.js";

/** The sampler settings and file handling every fit of a recovery iteration shares. */
export interface FitSettings {
  install: CmdStanInstall;
  /** An absent adapt_delta or max_treedepth is not passed (CmdStan's default). */
  config: RecoveryLoopConfig & {
    seed: number;
    keep_csv: boolean;
    chain_timeout_s?: number;
    adapt_delta?: number;
    max_treedepth?: number;
  };
}

/** What simulating needs: the simulator, its data file, and the outputs read. */
export interface SimulationSpec extends FitSettings {
  sim: CompiledModel;
  /** Stan JSON of the simulator's data (design + hyperparameters), shared by all iterations. */
  simDataFile: string;
  /** The simulator outputs read (truth and choices). */
  simReads: string[];
}

/** One fit of an iteration and the names of its files in the iteration folder. */
export interface FitSpec {
  model: CompiledModel;
  /** Output variables the fit must have, checked before its summary is written. */
  tracked: string[];
  /**
   * The output variables the posterior summary and bin/diagnose cover (with the sampler's
   * columns); absent: every one. A subset is read from column-subset copies of the chains' CSVs
   * (<fitDir>/subset/, removed afterwards), so the outputs nobody reads cost nothing to read.
   */
  summaryVariables?: string[];
  seed: number;
  /** The fit's Stan data, a file of the iteration folder ("data.json"). */
  dataFile: string;
  /** CmdStan's output folder inside the iteration folder ("fit"). */
  fitDir: string;
  /** The posterior summary and diagnose files ("posterior_summary.csv", "diagnostics.txt"). */
  summaryFile: string;
  diagnosticsFile: string;
  /** Appended to the step names of the record's timing ("" for the one fit of an iteration). */
  stepSuffix: string;
  /** Added to the chain numbers this fit reports to the progress line (fits of one iteration side by side). */
  chainOffset: number;
}

/** One family's iterations: the models, the settings, and the family's own step. */
export interface SimulateAndFit extends SimulationSpec {
  inference: CompiledModel;
  /** Output variables the fit must have, checked before its summary is written. */
  tracked: string[];
  /** See FitSpec.summaryVariables. */
  summaryVariables?: string[];
  /** 2 and 3: write true_parameters.json and data.json (the fit's data) from the simulation. */
  writeTruthAndData(out: ReplicateFiles, simCsv: StanCsv): Promise<void>;
}

/** The one fit of a simulate-and-fit iteration, under the files' usual names. */
function singleFit(run: SimulateAndFit, seed: number): FitSpec {
  return {
    model: run.inference,
    tracked: run.tracked,
    summaryVariables: run.summaryVariables,
    seed,
    dataFile: "data.json",
    fitDir: "fit",
    summaryFile: "posterior_summary.csv",
    diagnosticsFile: "diagnostics.txt",
    stepSuffix: "",
    chainOffset: 0,
  };
}

export async function runRecoveryIteration(
  run: SimulateAndFit,
  env: ReplicateEnv,
  i: number,
): Promise<ReplicateRecord> {
  const seeds = iterationSeeds(run.config, i);
  const out = await ReplicateFiles.fresh(iterationDir(run.config.output_dir, i), i, seeds, env, RECORD_FILE);
  try {
    const simCsv = await simulate(run, env, out, seeds.sim);
    await run.writeTruthAndData(out, simCsv);
    out.lap("simulate");
    await fitAndSummarize(run, singleFit(run, seeds.fit), env, out, i);
    return await out.finish("ok");
  } catch (err) {
    if (env.signal.aborted) throw err;
    // 7. A failed iteration: keep the reason, leave it out of the metrics, go on.
    return out.fail(`iteration ${i}`, err);
  }
}

/** 1. Simulate: one fixed_param draw of the simulator (sampling.ts). */
export function simulate(run: SimulationSpec, env: ReplicateEnv, out: ReplicateFiles, seed: number): Promise<StanCsv> {
  const { simDataFile: dataFile, simReads: reads, config } = run;
  return simulateOnce(
    run.sim,
    { dataFile, replicateDir: out.dir, seed, reads, chainTimeoutS: config.chain_timeout_s },
    env,
  );
}

/**
 * 4 to 6 for one fit: sample, then the posterior summary and bin/diagnose; the chains' CSVs are
 * then removed, or kept and listed in the record (keep_csv).
 */
export async function fitAndSummarize(
  run: FitSettings,
  fitSpec: FitSpec,
  env: ReplicateEnv,
  out: ReplicateFiles,
  i: number,
): Promise<void> {
  // Timed on its own rather than as a lap: the fits of one iteration may run side by side.
  const sampled = await timed(() => fit(run, fitSpec, env, out, i));
  const csvFiles = sampled.value;
  out.time(`sample${fitSpec.stepSuffix}`, sampled.seconds);
  await summarizeAndDiagnoseFit(run, fitSpec, out, csvFiles);
  if (run.config.keep_csv) for (const f of csvFiles) await out.vouchFor(f);
  else for (const f of csvFiles) await rm(f, { force: true });
}

/** 4. Fit: the model's chains on the fit's data file (sampling.ts); returns the CSV files. */
async function fit(run: FitSettings, fitSpec: FitSpec, env: ReplicateEnv, out: ReplicateFiles, i: number) {
  const { config } = run;
  const fitRun = {
    replicateDir: out.dir,
    replicate: i,
    seed: fitSpec.seed,
    sampler: fitSampler(config),
    chainTimeoutS: config.chain_timeout_s,
    dataFile: fitSpec.dataFile,
    fitDir: fitSpec.fitDir,
    chainOffset: fitSpec.chainOffset,
  };
  return (await fitChains(fitSpec.model, fitRun, env)).csvFiles;
}

/**
 * 5 and 6 side by side (pipeline/fitFiles.ts), on column-subset copies of the chains when the fit
 * names the variables the summary needs.
 */
async function summarizeAndDiagnoseFit(
  run: FitSettings,
  fitSpec: FitSpec,
  out: ReplicateFiles,
  csvFiles: string[],
): Promise<void> {
  const subsetDir = path.join(out.dir, fitSpec.fitDir, "subset");
  const read = fitSpec.summaryVariables
    ? await timed(() => subsetCopies(csvFiles, subsetDir, fitSpec.summaryVariables!))
    : null;
  if (read) out.time(`subset${fitSpec.stepSuffix}`, read.seconds);
  const files = read?.value ?? csvFiles;
  try {
    await summarizeAndDiagnose(out, run.install.path, files, () => posteriorSummary(run, fitSpec, files), fitSpec);
  } finally {
    if (read) await rm(subsetDir, { recursive: true, force: true });
  }
}

/** Column-subset copies of the chains' CSVs in `dir`, under the same names. */
async function subsetCopies(csvFiles: string[], dir: string, variables: string[]): Promise<string[]> {
  const copies = csvFiles.map((f) => path.join(dir, path.basename(f)));
  await Promise.all(csvFiles.map((f, c) => writeStanCsvSubset(f, copies[c], variables)));
  return copies;
}

/** 5. The posterior summary over the pooled chains, with the quantile rule of that CmdStan's stansummary. */
async function posteriorSummary(run: FitSettings, fitSpec: FitSpec, csvFiles: string[]): Promise<string> {
  const fitCsv = await readStanFit(csvFiles, { requireMethod: "sample" });
  const missing = fitSpec.tracked.filter((name) => !fitCsv.variables.some((v) => v.name === name));
  if (missing.length) throw new Error(`the inference model's output lacks tracked parameter(s) ${missing.join(", ")}`);
  const quantileRule = quantileRuleFor(run.install.version);
  return formatSummaryCsv(summarizeFit(fitCsv, { quantileRule }), quantileRule);
}
