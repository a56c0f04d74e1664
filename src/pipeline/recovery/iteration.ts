/**
 * One simulate-and-fit iteration of a recovery study (SPEC section 4, steps 1-7).
 *
 * Files in `iteration_i/`: true_parameters.json, data.json (the inference data),
 * posterior_summary.csv, diagnostics.txt, and iteration.json (the completion record, last);
 * `sim/` and `fit/` hold CmdStan's CSVs and per-chain stdout/stderr (the fit CSVs are removed
 * after summarising unless keep_csv). A failure writes error.txt and a "failed" record; an
 * interruption (abort) writes nothing more, so the iteration is redone on resume.
 */
import { rm } from "node:fs/promises";
import path from "node:path";
import type { CompiledModel } from "../../cmdstan/compile.js";
import { runDiagnose } from "../../cmdstan/diagnose.js";
import type { CmdStanInstall } from "../../cmdstan/locate.js";
import { sample } from "../../cmdstan/run.js";
import { readStanCsv, readStanFit, type StanCsv } from "../../cmdstan/stanCsv.js";
import { toStanJson } from "../../cmdstan/stanJson.js";
import { formatSummaryCsv, quantileRuleFor, summarizeFit } from "../../analysis/summary.js";
import type { TrueParameters } from "../../analysis/recovery.js";
import { trackedVariables } from "../../analysis/trackedParameters.js";
import { fitData, type StudyDesign } from "../../design/studyDesign.js";
import type { ReplicateRecord } from "../files.js";
import { chainHooks, ReplicateFiles } from "../replicateRun.js";
import type { ReplicateEnv } from "../replicates.js";
import { iterationSeeds, type StudyConfig } from "./config.js";
import { parameterNames, type ModelPair } from "./modelContract.js";

/** What every iteration of a study shares. */
export interface IterationContext {
  config: StudyConfig;
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
function truthFromSimulation(csv: StanCsv, config: StudyConfig): TrueParameters {
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
  const { config } = ctx;
  const seeds = iterationSeeds(config, i);
  const out = await ReplicateFiles.fresh(iterationDir(config.output_dir, i), i, seeds, env, RECORD_FILE);
  const dir = out.dir;
  const { scheduler, signal } = env;
  const timeoutMs = config.chain_timeout_s ? config.chain_timeout_s * 1000 : undefined;

  try {
    // 1. Simulate: one fixed_param draw.
    const simRun = await sample(ctx.sim, {
      chains: 1,
      numSamples: 1,
      algorithm: "fixed_param",
      seed: seeds.sim,
      dataFile: ctx.simDataFile,
      outputDir: path.join(dir, "sim"),
      outputPrefix: "sim",
      refresh: 1,
      signal,
      scheduler,
      timeoutMs,
    });
    const simCsv = await readStanCsv(simRun.csvFiles[0], { variables: ctx.models.simReads });
    if (simCsv.numDraws !== 1)
      throw new Error(`the simulator wrote ${simCsv.numDraws} draws in ${simCsv.file}, expected 1`);

    // 2. True parameters.
    const truth = truthFromSimulation(simCsv, config);
    await out.put("true_parameters.json", `${JSON.stringify(truth, null, 2)}\n`);

    // 3. Inference data: the design without the simulator's hyperparameters and sim_only_keys, plus y.
    const y = oneDraw(simCsv, "y");
    const dataText = toStanJson(fitData(ctx.design, y, config.sim_only_keys), { ints: ctx.models.fitInts });
    await out.put("data.json", dataText);
    out.lap("simulate");

    // 4. Fit.
    const fitRun = await sample(ctx.inference, {
      chains: config.n_mcmc_chains,
      numWarmup: config.warmup,
      numSamples: config.n_mcmc_samples,
      adaptDelta: config.adapt_delta,
      maxTreedepth: config.max_treedepth,
      seed: seeds.fit,
      dataFile: path.join(dir, "data.json"),
      outputDir: path.join(dir, "fit"),
      outputPrefix: "fit",
      refresh: Math.max(1, Math.floor((config.warmup + config.n_mcmc_samples) / 50)),
      signal,
      scheduler,
      timeoutMs,
      ...chainHooks(env, i),
    });

    out.lap("sample");

    // 5 and 6 side by side: bin/diagnose (a child process, started first) and the posterior
    // summary (this process) read the same CSVs independently, so they take two cores instead
    // of one after the other. That shortens the study's tail, where the last fit's post-
    // processing runs with no chains left (bench/studyUtilisation.ts). `timing` keeps each
    // step's own wall time (they overlap); a summary error is reported before a diagnose error.
    const timed = async <T>(work: () => Promise<T>): Promise<{ value: T; seconds: number }> => {
      const t = Date.now();
      const value = await work();
      return { value, seconds: (Date.now() - t) / 1000 };
    };
    const diagnosing = timed(() => runDiagnose(ctx.install.path, fitRun.csvFiles));
    const summarizing = timed(async () => {
      // 5. Posterior summary over the pooled chains.
      const fit = await readStanFit(fitRun.csvFiles, { requireMethod: "sample" });
      const tracked = trackedVariables(parameterNames(config)).map((v) => v.name);
      const missing = tracked.filter((name) => !fit.variables.some((v) => v.name === name));
      if (missing.length)
        throw new Error(`the inference model's output lacks tracked parameter(s) ${missing.join(", ")}`);
      const quantileRule = quantileRuleFor(ctx.install.version); // as that CmdStan's stansummary
      return formatSummaryCsv(summarizeFit(fit, { quantileRule }), quantileRule);
    });
    const [summary, diagnosis] = await Promise.allSettled([summarizing, diagnosing]);
    if (summary.status === "rejected") throw summary.reason;
    await out.put("posterior_summary.csv", summary.value.value);
    out.time("summarize", summary.value.seconds);
    // 6. CmdStan's diagnose on the fit's CSV files.
    if (diagnosis.status === "rejected") throw diagnosis.reason;
    await out.put("diagnostics.txt", diagnosis.value.value);
    out.time("diagnose", diagnosis.value.seconds);

    if (!config.keep_csv) {
      for (const f of fitRun.csvFiles) await rm(f, { force: true });
    }
    return await out.finish("ok");
  } catch (err) {
    if (signal.aborted) throw err;
    // 7. A failed iteration: keep the reason, leave it out of the metrics, go on.
    return out.fail(`iteration ${i}`, err);
  }
}
