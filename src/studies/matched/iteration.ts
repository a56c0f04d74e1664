/**
 * One iteration of the matched study (docs/matched.md, "Each iteration"): one simulation, then
 * the four conditions' fits of slices of it, side by side on the study's core budget. The steps
 * are the recovery kinds' (../common/fitSteps.ts); what is the matched study's own is the truth
 * (alpha, beta, delta), the four data slices and the files named by condition.
 *
 * Files in `iteration_i/`: true_parameters.json, data_<label>.json, summary_<label>.csv and
 * diagnostics_<label>.txt for a condition that finished, error_<label>.txt for one that failed
 * (the others still run), error.txt when the simulation failed, iteration.json last. An
 * iteration with a failed condition is a failed replicate: left out of the aggregate, counted in
 * the exit status, redone by --retry-failed.
 */
import path from "node:path";
import type { CompiledModel } from "../../cmdstan/compile.js";
import type { CmdStanInstall } from "../../cmdstan/locate.js";
import { toStanJson } from "../../cmdstan/stanJson.js";
import type { FlatDesign } from "../../design/flat/types.js";
import type { ReplicateRecord } from "../../pipeline/records.js";
import { ReplicateFiles } from "../../pipeline/replicateFiles.js";
import type { ReplicateEnv } from "../../pipeline/replicates.js";
import { fitAndSummarize, iterationDir, oneDraw, RECORD_FILE, simulate } from "../common/fitSteps.js";
import { flatCoreTruth } from "../common/flatTruth.js";
import { conditionData, matchedSeeds, type Choices, type MatchedCondition, type ModelRole } from "./conditions.js";
import type { MatchedConfig } from "./config.js";
import { MATCHED_TRACKED, type MatchedModels } from "./modelContract.js";

export interface MatchedIterationContext {
  config: MatchedConfig;
  install: CmdStanInstall;
  design: FlatDesign;
  models: MatchedModels;
  compiled: { sim: CompiledModel } & Record<ModelRole, CompiledModel>;
  conditions: MatchedCondition[];
  simDataFile: string;
}

/** A condition's files in the iteration folder. */
export const conditionFiles = (label: string) => ({
  data: `data_${label}.json`,
  summary: `summary_${label}.csv`,
  diagnostics: `diagnostics_${label}.txt`,
  error: `error_${label}.txt`,
  fitDir: `fit_${label}`,
});

/** Simulate; write the truth and every condition's data. */
async function simulateAndSlice(ctx: MatchedIterationContext, env: ReplicateEnv, out: ReplicateFiles, seed: number) {
  const { models } = ctx;
  const simRun = { ...ctx, sim: ctx.compiled.sim, simReads: models.simReads };
  const simCsv = await simulate(simRun, env, out, seed);
  await out.put("true_parameters.json", `${JSON.stringify(flatCoreTruth(simCsv), null, 2)}\n`);
  const choices: Choices = { y: oneDraw(simCsv, "y"), z: oneDraw(simCsv, "z") };
  for (const c of ctx.conditions) {
    const fit = models.fits[c.role];
    const data = conditionData(ctx.design, choices, c, fit.hyperparameters);
    await out.put(conditionFiles(c.label).data, toStanJson(data, { ints: fit.ints }));
  }
}

/** One condition's fit; its failure is kept in error_<label>.txt and reported as false. */
async function runCondition(
  ctx: MatchedIterationContext,
  c: MatchedCondition,
  env: ReplicateEnv,
  out: ReplicateFiles,
  i: number,
  seed: number,
): Promise<boolean> {
  const files = conditionFiles(c.label);
  const fit = ctx.models.fits[c.role];
  try {
    await fitAndSummarize(
      ctx,
      {
        model: ctx.compiled[c.role],
        tracked: MATCHED_TRACKED.map(([name]) => name),
        summaryVariables: ctx.config.summary_variables === "all" ? undefined : fit.summaryVariables,
        seed,
        dataFile: files.data,
        fitDir: files.fitDir,
        summaryFile: files.summary,
        diagnosticsFile: files.diagnostics,
        stepSuffix: `_${c.label}`,
        chainOffset: ctx.conditions.indexOf(c) * ctx.config.n_mcmc_chains,
      },
      env,
      out,
      i,
    );
    return true;
  } catch (err) {
    if (env.signal.aborted) throw err;
    const model = path.basename(ctx.compiled[c.role].stanFile);
    await out.put(
      files.error,
      `condition ${c.label} (${model}, seed ${seed}) failed: ${(err as Error)?.message ?? err}\n`,
    );
    return false;
  }
}

export async function runMatchedIteration(
  ctx: MatchedIterationContext,
  env: ReplicateEnv,
  i: number,
): Promise<ReplicateRecord> {
  const seeds = matchedSeeds(ctx.config.seed, i, ctx.conditions);
  const out = await ReplicateFiles.fresh(iterationDir(ctx.config.output_dir, i), i, seeds, env, RECORD_FILE);
  try {
    await simulateAndSlice(ctx, env, out, seeds.sim);
    out.lap("simulate");
  } catch (err) {
    if (env.signal.aborted) throw err;
    return out.fail(`iteration ${i}: the simulation`, err);
  }
  const settled = await Promise.allSettled(
    ctx.conditions.map((c) => runCondition(ctx, c, env, out, i, seeds[c.label])),
  );
  const aborted = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
  if (aborted) throw aborted.reason;
  return out.finish(settled.every((s) => s.status === "fulfilled" && s.value) ? "ok" : "failed");
}
