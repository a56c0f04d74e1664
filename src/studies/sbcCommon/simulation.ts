/**
 * One SBC simulation, for every model family: a single NUTS run of the SBC model, whose
 * transformed data draws the truth from the prior and simulates the data (the seed decides
 * both), then its ranks and health. The model outputs `pars_` (the truth) and `ranks_` (per
 * draw, 1 when the draw exceeds the truth) with one entry per tracked scalar, in the order of
 * the names the kind gives.
 *
 * Files in the simulation's folder (the kind says where): result.json (the truth, the rank of
 * every tracked scalar in 0..L, L = kept draws, and the sampler health), for the first 10
 * simulations (as the original) posterior_summary.csv (parameters and transformed parameters,
 * as recovery writes it) and any files the kind adds for them, and simulation.json (the
 * completion record, last); `fit/` holds CmdStan's CSV (removed once read unless keep_csv) and
 * the chains' stdout/stderr. A failed fit writes error.txt and a "failed" record: it is counted
 * in the report, never silently dropped, and `--retry-failed` redoes it. An interruption writes
 * nothing more.
 */
import { rm } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { rankFromIndicators, keptDrawCount, pooledDraws } from "../../analysis/sbcRanks.js";
import { samplerHealth, type SamplerHealth } from "../../analysis/samplerHealth.js";
import { formatSummaryCsv, quantileRuleFor, summarizeFit, type QuantileRule } from "../../analysis/summary.js";
import type { CompiledModel } from "../../cmdstan/compile.js";
import type { CmdStanInstall } from "../../cmdstan/locate.js";
import { sample } from "../../cmdstan/run.js";
import { readStanFit, type StanFit } from "../../cmdstan/stanCsv.js";
import type { ReplicateRecord } from "../../pipeline/records.js";
import { chainHooks, ReplicateFiles } from "../../pipeline/replicateFiles.js";
import type { ReplicateEnv } from "../../pipeline/replicates.js";
import { writeFileAtomic, writeJsonAtomic } from "../../util/atomicWrite.js";
import { compileStudyModels } from "../../pipeline/studySetup.js";
import type { KindStudy, PrepareContext } from "../studyKind.js";
import { SBC_OUTPUTS, type SbcModelInfo } from "./modelContract.js";
import { simulationSeed, type SbcRunSettings } from "./sampler.js";

/** What every simulation of a study shares. */
export interface SimulationContext {
  settings: SbcRunSettings;
  model: CompiledModel;
  /** Parameters and transformed parameters: the variables whose R-hat is checked and summarised. */
  rhatVariables: readonly string[];
  /** The tracked scalars by the model's names, in the order of pars_ and ranks_. */
  names: readonly string[];
  /** Stan JSON of the SBC data, shared by all simulations. */
  dataFile: string;
  /** The quantile rule of the CmdStan in use (its stansummary's), for the posterior summaries. */
  quantileRule: QuantileRule;
  /** The folder of simulation i. */
  dir(i: number): string;
  /** Files (name -> content) the first simulations keep besides posterior_summary.csv. */
  summaryFiles?(result: SimulationResult): Record<string, string>;
}

export const RECORD_FILE = "simulation.json";
/** The sampler's columns the health reads. */
const HEALTH_COLUMNS = ["divergent__", "treedepth__", "energy__"];
export const RESULT_FILE = "result.json";
/** Simulations that also keep a posterior summary (the original keeps the first 10). */
const SUMMARIZED_SIMULATIONS = 10;

const healthSchema = z.object({
  divergences: z.number().int().min(0),
  transitions: z.number().int().min(0),
  treedepth_hits: z.number().int().min(0),
  max_treedepth: z.number().int().min(1),
  ebfmi: z.array(z.number().nullable()),
  max_rhat: z.number().nullable(),
  max_rhat_variable: z.string().nullable(),
});

/** result.json: what the summary reads back (validated). */
export const simulationResultSchema = z.object({
  simulation: z.number().int().min(1),
  seed: z.number().int(),
  max_rank: z.number().int().min(1),
  /** Tracked scalars in order, by the model's names. */
  truth: z.record(z.number()),
  ranks: z.record(z.number().int().min(0)),
  health: healthSchema,
});
export type SimulationResult = z.infer<typeof simulationResultSchema>;

/** NaN is not JSON: written as null. */
const finiteOrNull = (x: number) => (Number.isFinite(x) ? x : null);

function healthJson(h: SamplerHealth): SimulationResult["health"] {
  return {
    divergences: h.divergences,
    transitions: h.transitions,
    treedepth_hits: h.treedepthHits,
    max_treedepth: h.maxTreedepth,
    ebfmi: h.ebfmi.map(finiteOrNull),
    max_rhat: finiteOrNull(h.maxRhat),
    max_rhat_variable: h.maxRhatVariable,
  };
}

/** The truth (pars_, constant over draws) and the ranks (from ranks_ after thinning), by tracked scalar. */
function truthAndRanks(
  fit: StanFit,
  names: readonly string[],
  thin: number,
): Pick<SimulationResult, "truth" | "ranks"> {
  for (const name of SBC_OUTPUTS) {
    const n = fit.variables.find((v) => v.name === name)?.columnNames.length ?? 0;
    if (n !== names.length)
      throw new Error(`${fit.files[0]}: ${name} has ${n} entries, expected ${names.length} (one per tracked scalar)`);
  }
  const truth: Record<string, number> = {};
  const ranks: Record<string, number> = {};
  names.forEach((name, k) => {
    const pars = pooledDraws(fit.chains.map((c) => c.draws[`pars_.${k + 1}`]));
    if (pars.some((x) => x !== pars[0]))
      throw new Error(
        `${fit.files[0]}: pars_[${k + 1}] (${name}) changes between draws; the truth must be drawn in transformed data`,
      );
    truth[name] = pars[0];
    ranks[name] = rankFromIndicators(pooledDraws(fit.chains.map((c) => c.draws[`ranks_.${k + 1}`])), thin);
  });
  return { truth, ranks };
}

export async function runSimulation(ctx: SimulationContext, env: ReplicateEnv, i: number): Promise<ReplicateRecord> {
  const config = ctx.settings;
  const seed = simulationSeed(config, i);
  const out = await ReplicateFiles.fresh(ctx.dir(i), i, { fit: seed }, env, RECORD_FILE);
  const { signal } = env;
  try {
    const run = await sample(ctx.model, {
      chains: config.n_mcmc_chains,
      numWarmup: config.iterWarmup,
      numSamples: config.iterSampling,
      adaptDelta: config.adapt_delta,
      maxTreedepth: config.max_treedepth,
      seed,
      dataFile: ctx.dataFile,
      outputDir: path.join(out.dir, "fit"),
      outputPrefix: "fit",
      refresh: Math.max(1, Math.floor((config.iterWarmup + config.iterSampling) / 10)),
      signal,
      scheduler: env.scheduler,
      timeoutMs: config.chain_timeout_s ? config.chain_timeout_s * 1000 : undefined,
      // Chains counted, their progress lines not followed: an SBC study is many short fits,
      // whose progress is the fits done, and following a chain's output costs the tool several ms
      // of CPU a fit (bench/flatSbcStudy.ts), so the chain writes its output files itself.
      onChainState: chainHooks(env, i).onChainState,
    });
    out.lap("sample");

    const rhatVariables = [...ctx.rhatVariables];
    // Only what the ranks, the health and the summary read: the SBC models' simulated data and
    // log-likelihoods (y_, log_lik: most columns of a large design) are checked but not stored.
    const variables = [...SBC_OUTPUTS, ...rhatVariables, ...HEALTH_COLUMNS];
    const fit = await readStanFit(run.csvFiles, { requireMethod: "sample", variables });
    const result: SimulationResult = {
      simulation: i,
      seed,
      max_rank: keptDrawCount(
        fit.chains.reduce((n, c) => n + c.numDraws, 0),
        config.thin,
      ),
      ...truthAndRanks(fit, ctx.names, config.thin),
      health: healthJson(samplerHealth(fit, config.maxTreedepthUsed, rhatVariables)),
    };
    await out.put(RESULT_FILE, `${JSON.stringify(result, null, 2)}\n`);
    if (i <= SUMMARIZED_SIMULATIONS) {
      const { quantileRule } = ctx;
      await out.put(
        "posterior_summary.csv",
        formatSummaryCsv(summarizeFit(fit, { variables: rhatVariables, quantileRule }), quantileRule),
      );
      for (const [name, content] of Object.entries(ctx.summaryFiles?.(result) ?? {})) await out.put(name, content);
    }
    out.lap("summarize");
    if (!config.keep_csv) for (const f of run.csvFiles) await rm(f, { force: true });
    return await out.finish("ok");
  } catch (err) {
    if (signal.aborted) throw err;
    return out.fail(`simulation ${i}`, err);
  }
}

/**
 * An SBC study's design and model: the design made or loaded, the model checked against it
 * (stanc only: cheap, so a model that cannot work is refused before compiling), then compiled (a
 * cluster task takes it from the cache instead).
 */
export async function sbcDesignAndModel<C extends { sbc_model_path: string }, D, I>(
  config: C,
  ctx: PrepareContext,
  makeDesign: (config: C) => Promise<D>,
  check: (install: CmdStanInstall, config: C, design: D) => Promise<I>,
): Promise<{ design: D; modelInfo: I; model: CompiledModel }> {
  const design = await makeDesign(config);
  const modelInfo = await check(ctx.install, config, design);
  const opts = { prefix: "sbc", log: ctx.log, cachedOnly: ctx.cachedModelsOnly };
  const [model] = await compileStudyModels(ctx.install, [config.sbc_model_path], opts);
  return { design, modelInfo, model };
}

/** The SBC data of every simulation of a study (Stan JSON), in the study folder. */
export const SBC_DATA_FILE = "sbc_data.json";

/**
 * The part of an SBC study the replicate loop needs, from what the kind prepared: the checked
 * and compiled model, the tracked names, the SBC data, the fingerprint, the kind's design file
 * and config_info.json (written with sbc_data.json once the folder is claimed), its summary.
 */
export function sbcKindStudy<S>(args: {
  settings: SbcRunSettings & { output_dir: string };
  install: CmdStanInstall;
  model: CompiledModel;
  modelInfo: SbcModelInfo;
  names: readonly string[];
  dataText: string;
  dir: (i: number) => string;
  summaryFiles?: SimulationContext["summaryFiles"];
  fingerprint: Record<string, unknown>;
  writeDesign: () => Promise<void>;
  configInfo: Record<string, unknown>;
  summarize: KindStudy<S>["summarize"];
}): KindStudy<S> {
  const c = args.settings;
  const dataFile = path.join(c.output_dir, SBC_DATA_FILE);
  const ctx: SimulationContext = {
    settings: c,
    model: args.model,
    rhatVariables: args.modelInfo.rhatVariables,
    names: args.names,
    dataFile,
    quantileRule: quantileRuleFor(args.install.version),
    dir: args.dir,
    summaryFiles: args.summaryFiles,
  };
  return {
    count: c.n_sbc_sims,
    chainsPerReplicate: c.n_mcmc_chains,
    workPerReplicate: c.n_mcmc_chains * (c.iterWarmup + c.iterSampling),
    fingerprint: args.fingerprint,
    replicateDir: args.dir,
    recordName: RECORD_FILE,
    writeSetup: async () => {
      await args.writeDesign();
      await writeFileAtomic(dataFile, args.dataText);
      await writeJsonAtomic(path.join(c.output_dir, "config_info.json"), args.configInfo);
    },
    runReplicate: (i, env) => runSimulation(ctx, env, i),
    summarize: args.summarize,
  };
}
