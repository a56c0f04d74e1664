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
import { readStanFit, type StanCsv } from "../../cmdstan/stanCsv.js";
import { toStanJson } from "../../cmdstan/stanJson.js";
import { formatSummaryCsv, quantileRuleFor, summarizeFit } from "../../analysis/summary.js";
import type { TrueParameters } from "../../analysis/recovery.js";
import { trackedVariables } from "../../analysis/trackedParameters.js";
import { fitData, type StudyDesign } from "../../design/studyDesign.js";
import type { ReplicateRecord } from "../../pipeline/records.js";
import { ReplicateFiles } from "../../pipeline/replicateFiles.js";
import type { ReplicateEnv } from "../../pipeline/replicates.js";
import { fitSampler } from "../shared/fitConfig.js";
import { besideDiagnose, fitChains, oneDraw, simulateOnce } from "../shared/sampling.js";
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
    await summarizeAndDiagnose(ctx, out, csvFiles);
    if (ctx.config.keep_csv) for (const f of csvFiles) await out.vouchFor(f);
    else for (const f of csvFiles) await rm(f, { force: true });
    return await out.finish("ok");
  } catch (err) {
    if (env.signal.aborted) throw err;
    // 7. A failed iteration: keep the reason, leave it out of the metrics, go on.
    return out.fail(`iteration ${i}`, err);
  }
}

/** 1. Simulate: one fixed_param draw of the simulator. */
function simulate(ctx: IterationContext, env: ReplicateEnv, out: ReplicateFiles, seed: number): Promise<StanCsv> {
  const { simDataFile: dataFile, models, config } = ctx;
  const run = { dataFile, replicateDir: out.dir, seed, reads: models.simReads, chainTimeoutS: config.chain_timeout_s };
  return simulateOnce(ctx.sim, run, env);
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
  const sampler = fitSampler(config);
  const run = { replicateDir: out.dir, replicate: i, seed, sampler, chainTimeoutS: config.chain_timeout_s };
  return (await fitChains(ctx.inference, run, env)).csvFiles;
}

/** 5 and 6 side by side: the posterior summary and bin/diagnose (besideDiagnose). */
async function summarizeAndDiagnose(ctx: IterationContext, out: ReplicateFiles, csvFiles: string[]): Promise<void> {
  const r = await besideDiagnose(ctx.install.path, csvFiles, () => posteriorSummary(ctx, csvFiles));
  await out.put("posterior_summary.csv", r.value);
  out.time("summarize", r.seconds);
  await out.put("diagnostics.txt", r.diagnostics);
  out.time("diagnose", r.diagnoseSeconds);
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
