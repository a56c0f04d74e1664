/**
 * One simulate-and-fit iteration of a recovery study (docs/recovery.md, steps 1-7).
 *
 * Files in `iteration_i/`: true_parameters.json, data.json (the inference data),
 * posterior_summary.csv, diagnostics.txt, and iteration.json (the completion record, last);
 * `sim/` and `fit/` hold CmdStan's CSVs and per-chain stdout/stderr (the fit CSVs are removed
 * after summarising unless keep_csv; kept ones are listed in the record with their checksums, so
 * a resume notices one deleted or cut short). A failure writes error.txt and a "failed" record;
 * an interruption (abort) writes nothing more, so the iteration is redone on resume.
 */
import { rm } from "node:fs/promises";
import path from "node:path";
import type { CompiledModel } from "../../cmdstan/compile.js";
import type { CmdStanInstall } from "../../cmdstan/locate.js";
import { sample } from "../../cmdstan/run.js";
import { readStanCsv, readStanFit, type StanCsv } from "../../cmdstan/stanCsv.js";
import { toStanJson } from "../../cmdstan/stanJson.js";
import { formatSummaryCsv, quantileRuleFor, summarizeFit } from "../../analysis/summary.js";
import type { TrueParameters } from "../../analysis/recovery.js";
import { trackedVariables } from "../../analysis/trackedParameters.js";
import { fitData, type StudyDesign } from "../../design/studyDesign.js";
import { summarizeAndDiagnose } from "../../pipeline/fitFiles.js";
import type { ReplicateRecord } from "../../pipeline/records.js";
import { chainHooks, ReplicateFiles } from "../../pipeline/replicateFiles.js";
import type { ReplicateEnv } from "../../pipeline/replicates.js";
import { iterationSeeds, type RecoveryConfig } from "./config.js";
import { parameterNames, type ModelPair } from "./modelContract.js";

/** What every iteration of a study shares. */
export interface IterationContext {
  config: RecoveryConfig;
  install: CmdStanInstall;
  inference: CompiledModel;
  sim: CompiledModel;
  design: StudyDesign;
  /** What the models declare and read (modelContract.ts). */
  models: ModelPair;
  /** Stan JSON file of the simulator's data (design + hyperparameters), shared by all iterations. */
  simDataFile: string;
}

/** The completion record of an iteration folder, written last. */
export const RECORD_FILE = "iteration.json";

export function iterationDir(outputDir: string, i: number): string {
  return path.join(outputDir, `iteration_${i}`);
}

/** Values of one variable from the single draw of a fixed_param CSV, in index order. */
function oneDraw(csv: StanCsv, name: string): number[] {
  const v = csv.variables.find((x) => x.name === name);
  if (!v) throw new Error(`the simulator output ${csv.file} has no variable '${name}'`);
  return v.columnNames.map((c) => csv.draws[c][0]);
}

/**
 * The true parameters in the original's record shape: `alpha` holds alpha_var's values, `extras`
 * the extra scalars by name; upsilon is the simulator's, or cumulative_sum([0, delta]) when it
 * has none.
 */
function truthFromSimulation(csv: StanCsv, config: RecoveryConfig): TrueParameters {
  const delta = oneDraw(csv, "delta");
  const upsilon = csv.variables.some((v) => v.name === "upsilon")
    ? oneDraw(csv, "upsilon")
    : delta.reduce((acc, d) => [...acc, acc[acc.length - 1] + d], [0]);
  return {
    gamma0: oneDraw(csv, "gamma0")[0],
    gamma: oneDraw(csv, "gamma"),
    sigma_cell: oneDraw(csv, "sigma_cell")[0],
    alpha: oneDraw(csv, config.alpha_var),
    delta,
    upsilon,
    extras: Object.fromEntries(config.extra_scalar_params.map((name) => [name, oneDraw(csv, name)[0]])),
  };
}

export async function runIteration(ctx: IterationContext, env: ReplicateEnv, i: number): Promise<ReplicateRecord> {
  const seeds = iterationSeeds(ctx.config, i);
  const out = await ReplicateFiles.fresh(iterationDir(ctx.config.output_dir, i), i, seeds, env, RECORD_FILE);
  try {
    const simCsv = await simulate(ctx, env, out, seeds.sim);
    await writeTruthAndData(ctx, out, simCsv);
    out.lap("simulate");
    const csvFiles = await fit(ctx, env, out, i, seeds.fit);
    out.lap("sample");
    // 5 and 6: the posterior summary and bin/diagnose, side by side.
    await summarizeAndDiagnose(out, ctx.install.path, csvFiles, () => posteriorSummary(ctx, csvFiles));
    if (ctx.config.keep_csv) for (const f of csvFiles) await out.vouchFor(f);
    else for (const f of csvFiles) await rm(f, { force: true });
    return await out.finish("ok");
  } catch (err) {
    if (env.signal.aborted) throw err;
    // 7. A failed iteration: keep the reason, leave it out of the metrics, go on.
    return out.fail(`iteration ${i}`, err);
  }
}

const chainTimeoutMs = (config: RecoveryConfig) => (config.chain_timeout_s ? config.chain_timeout_s * 1000 : undefined);

/** 1. Simulate: one fixed_param draw of the simulator. */
async function simulate(ctx: IterationContext, env: ReplicateEnv, out: ReplicateFiles, seed: number): Promise<StanCsv> {
  const simRun = await sample(ctx.sim, {
    chains: 1,
    numSamples: 1,
    algorithm: "fixed_param",
    seed,
    dataFile: ctx.simDataFile,
    outputDir: path.join(out.dir, "sim"),
    outputPrefix: "sim",
    refresh: 1,
    signal: env.signal,
    scheduler: env.scheduler,
    timeoutMs: chainTimeoutMs(ctx.config),
  });
  const simCsv = await readStanCsv(simRun.csvFiles[0], { variables: ctx.models.simReads });
  if (simCsv.numDraws !== 1)
    throw new Error(`the simulator wrote ${simCsv.numDraws} draws in ${simCsv.file}, expected 1`);
  return simCsv;
}

/**
 * 2. True parameters; 3. inference data: the design without the simulator's hyperparameters and
 * sim_only_keys, plus y.
 */
async function writeTruthAndData(ctx: IterationContext, out: ReplicateFiles, simCsv: StanCsv): Promise<void> {
  const truth = truthFromSimulation(simCsv, ctx.config);
  await out.put("true_parameters.json", `${JSON.stringify(truth, null, 2)}\n`);
  const y = oneDraw(simCsv, "y");
  const dataText = toStanJson(fitData(ctx.design, y, ctx.config.sim_only_keys), { ints: ctx.models.fitInts });
  await out.put("data.json", dataText);
}

/** 4. Fit: the inference model's chains on the iteration's data; returns the CSV files. */
async function fit(ctx: IterationContext, env: ReplicateEnv, out: ReplicateFiles, i: number, seed: number) {
  const { config } = ctx;
  const run = await sample(ctx.inference, {
    chains: config.n_mcmc_chains,
    numWarmup: config.warmup,
    numSamples: config.n_mcmc_samples,
    adaptDelta: config.adapt_delta,
    maxTreedepth: config.max_treedepth,
    seed,
    dataFile: path.join(out.dir, "data.json"),
    outputDir: path.join(out.dir, "fit"),
    outputPrefix: "fit",
    refresh: Math.max(1, Math.floor((config.warmup + config.n_mcmc_samples) / 50)),
    signal: env.signal,
    scheduler: env.scheduler,
    timeoutMs: chainTimeoutMs(config),
    ...chainHooks(env, i),
  });
  return run.csvFiles;
}

/** 5. The posterior summary over the pooled chains, with the quantile rule of that CmdStan's stansummary. */
async function posteriorSummary(ctx: IterationContext, csvFiles: string[]): Promise<string> {
  const fit = await readStanFit(csvFiles, { requireMethod: "sample" });
  const tracked = trackedVariables(parameterNames(ctx.config)).map((v) => v.name);
  const missing = tracked.filter((name) => !fit.variables.some((v) => v.name === name));
  if (missing.length) throw new Error(`the inference model's output lacks tracked parameter(s) ${missing.join(", ")}`);
  const quantileRule = quantileRuleFor(ctx.install.version);
  return formatSummaryCsv(summarizeFit(fit, { quantileRule }), quantileRule);
}
