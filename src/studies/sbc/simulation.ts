/**
 * One SBC simulation: a single NUTS run of the SBC model, whose transformed data draws the truth
 * from the prior and simulates the data (the seed decides both), then its ranks and health.
 *
 * Files in `simulation_i/`: result.json (the truth, the rank of every tracked scalar in 0..L,
 * L = kept draws, and the sampler health), for the first 10 simulations (as the original)
 * posterior_summary.csv (parameters and transformed parameters, as recovery writes it), and
 * simulation.json (the completion record, last); `fit/`
 * holds CmdStan's CSV (removed once read unless keep_csv) and the chains' stdout/stderr. A
 * failed fit writes error.txt and a "failed" record: it is counted in the report, never
 * silently dropped, and `--retry-failed` redoes it. An interruption writes nothing more.
 */
import { rm } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { rankFromIndicators, keptDrawCount, pooledDraws } from "../../analysis/sbcRanks.js";
import { samplerHealth, type SamplerHealth } from "../../analysis/samplerHealth.js";
import { formatSummaryCsv, summarizeFit, type QuantileRule } from "../../analysis/summary.js";
import type { TrackedParameter } from "../../analysis/trackedParameters.js";
import type { CompiledModel } from "../../cmdstan/compile.js";
import { sample } from "../../cmdstan/run.js";
import { readStanFit, type StanFit } from "../../cmdstan/stanCsv.js";
import type { ReplicateRecord } from "../../pipeline/records.js";
import { chainHooks, ReplicateFiles } from "../../pipeline/replicateFiles.js";
import type { ReplicateEnv } from "../../pipeline/replicates.js";
import { simulationSeed, type SbcConfig } from "./config.js";
import { SBC_OUTPUTS, type SbcModelInfo } from "./modelContract.js";

/** What every simulation of a study shares. */
export interface SimulationContext {
  config: SbcConfig;
  model: CompiledModel;
  modelInfo: SbcModelInfo;
  tracked: readonly TrackedParameter[];
  /** Stan JSON of the SBC data, shared by all simulations. */
  dataFile: string;
  /** The quantile rule of the CmdStan in use (its stansummary's), for the posterior summaries. */
  quantileRule: QuantileRule;
}

export const RECORD_FILE = "simulation.json";
export const RESULT_FILE = "result.json";
/** Simulations that also keep a posterior summary (the original keeps the first 10). */
const SUMMARIZED_SIMULATIONS = 10;

export function simulationDir(outputDir: string, i: number): string {
  return path.join(outputDir, `simulation_${i}`);
}

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
  tracked: readonly TrackedParameter[],
  thin: number,
): Pick<SimulationResult, "truth" | "ranks"> {
  for (const name of SBC_OUTPUTS) {
    const n = fit.variables.find((v) => v.name === name)?.columnNames.length ?? 0;
    if (n !== tracked.length)
      throw new Error(`${fit.files[0]}: ${name} has ${n} entries, expected ${tracked.length} (one per tracked scalar)`);
  }
  const truth: Record<string, number> = {};
  const ranks: Record<string, number> = {};
  tracked.forEach((t, k) => {
    const pars = pooledDraws(fit.chains.map((c) => c.draws[`pars_.${k + 1}`]));
    if (pars.some((x) => x !== pars[0]))
      throw new Error(
        `${fit.files[0]}: pars_[${k + 1}] (${t.variable}) changes between draws; the truth must be drawn in transformed data`,
      );
    truth[t.variable] = pars[0];
    ranks[t.variable] = rankFromIndicators(pooledDraws(fit.chains.map((c) => c.draws[`ranks_.${k + 1}`])), thin);
  });
  return { truth, ranks };
}

export async function runSimulation(ctx: SimulationContext, env: ReplicateEnv, i: number): Promise<ReplicateRecord> {
  const { config } = ctx;
  const seed = simulationSeed(config, i);
  const out = await ReplicateFiles.fresh(simulationDir(config.output_dir, i), i, { fit: seed }, env, RECORD_FILE);
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
      refresh: Math.max(1, Math.floor((config.iterWarmup + config.iterSampling) / 50)),
      signal,
      scheduler: env.scheduler,
      timeoutMs: config.chain_timeout_s ? config.chain_timeout_s * 1000 : undefined,
      ...chainHooks(env, i),
    });
    out.lap("sample");

    const fit = await readStanFit(run.csvFiles, { requireMethod: "sample" });
    const { rhatVariables } = ctx.modelInfo;
    const result: SimulationResult = {
      simulation: i,
      seed,
      max_rank: keptDrawCount(
        fit.chains.reduce((n, c) => n + c.numDraws, 0),
        config.thin,
      ),
      ...truthAndRanks(fit, ctx.tracked, config.thin),
      health: healthJson(samplerHealth(fit, config.maxTreedepthUsed, rhatVariables)),
    };
    await out.put(RESULT_FILE, `${JSON.stringify(result, null, 2)}\n`);
    if (i <= SUMMARIZED_SIMULATIONS) {
      const { quantileRule } = ctx;
      await out.put(
        "posterior_summary.csv",
        formatSummaryCsv(summarizeFit(fit, { variables: rhatVariables, quantileRule }), quantileRule),
      );
    }
    out.lap("summarize");
    if (!config.keep_csv) for (const f of run.csvFiles) await rm(f, { force: true });
    return await out.finish("ok");
  } catch (err) {
    if (signal.aborted) throw err;
    return out.fail(`simulation ${i}`, err);
  }
}
