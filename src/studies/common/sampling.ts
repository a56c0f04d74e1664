/**
 * The CmdStan steps every simulate-and-fit replicate takes the same way, whatever it scores
 * (recovery's posterior summary, power's decision record):
 *
 * - simulate: the simulator, fixed_param, 1 chain, 1 draw, into `<replicate>/sim/`;
 * - fit: the inference model's chains on the replicate's data.json, into `<replicate>/fit/`,
 *   with CmdStan's defaults for the adapt delta and tree depth a study does not set.
 *
 * Both run under the study's core budget, stop on its signal, and feed its progress line. What
 * follows a fit (bin/diagnose beside the kind's own reading) is pipeline/fitFiles.ts's.
 */
import path from "node:path";
import type { CompiledModel } from "../../cmdstan/compile.js";
import { sample, type SampleResult } from "../../cmdstan/run.js";
import { readStanCsv, type StanCsv } from "../../cmdstan/stanCsv.js";
import { chainHooks } from "../../pipeline/replicateFiles.js";
import type { ReplicateEnv } from "../../pipeline/replicates.js";

const timeoutMs = (chainTimeoutS?: number) => (chainTimeoutS ? chainTimeoutS * 1000 : undefined);

/** One fixed_param draw of `sim` on `dataFile`, read for the variables `reads`. */
export async function simulateOnce(
  sim: CompiledModel,
  run: { dataFile: string; replicateDir: string; seed: number; reads: string[]; chainTimeoutS?: number },
  env: ReplicateEnv,
): Promise<StanCsv> {
  const result = await sample(sim, {
    chains: 1,
    numSamples: 1,
    algorithm: "fixed_param",
    seed: run.seed,
    dataFile: run.dataFile,
    outputDir: path.join(run.replicateDir, "sim"),
    outputPrefix: "sim",
    refresh: 1,
    signal: env.signal,
    scheduler: env.scheduler,
    timeoutMs: timeoutMs(run.chainTimeoutS),
  });
  const csv = await readStanCsv(result.csvFiles[0], { variables: run.reads });
  if (csv.numDraws !== 1) throw new Error(`the simulator wrote ${csv.numDraws} draws in ${csv.file}, expected 1`);
  return csv;
}

/** Values of one variable from the single draw of a fixed_param CSV, in index order. */
export function oneDraw(csv: StanCsv, name: string): number[] {
  const v = csv.variables.find((x) => x.name === name);
  if (!v) throw new Error(`the simulator output ${csv.file} has no variable '${name}'`);
  return v.columnNames.map((c) => csv.draws[c][0]);
}

/** A fit's sampler settings; an absent adapt delta or tree depth is CmdStan's default. */
export interface FitSampler {
  chains: number;
  warmup: number;
  samples: number;
  adaptDelta?: number;
  maxTreedepth?: number;
}

/** What a study's config says about its fits. */
export interface FitSettings {
  n_mcmc_chains: number;
  warmup: number;
  n_mcmc_samples: number;
  adapt_delta?: number;
  max_treedepth?: number;
}

/** The sampler every fit of a study runs with (an absent adapt delta or tree depth: CmdStan's default). */
export function fitSampler(c: FitSettings): FitSampler {
  return {
    chains: c.n_mcmc_chains,
    warmup: c.warmup,
    samples: c.n_mcmc_samples,
    adaptDelta: c.adapt_delta,
    maxTreedepth: c.max_treedepth,
  };
}

/** One fit of a replicate: its seed and sampler, and (for a replicate with several fits) its files. */
export interface FitRun {
  replicateDir: string;
  replicate: number;
  seed: number;
  sampler: FitSampler;
  chainTimeoutS?: number;
  /** The Stan data file in the replicate folder (default data.json). */
  dataFile?: string;
  /** CmdStan's output folder in the replicate folder (default fit). */
  fitDir?: string;
  /** Added to the chain numbers reported to the progress line (fits of one replicate side by side). */
  chainOffset?: number;
}

/** The model's chains on `<replicateDir>/<dataFile>`: their CSV files (and CPU seconds). */
export async function fitChains(model: CompiledModel, run: FitRun, env: ReplicateEnv): Promise<SampleResult> {
  const { sampler } = run;
  const hooks = chainHooks(env, run.replicate);
  const chainOffset = run.chainOffset ?? 0;
  const result = await sample(model, {
    chains: sampler.chains,
    numWarmup: sampler.warmup,
    numSamples: sampler.samples,
    adaptDelta: sampler.adaptDelta,
    maxTreedepth: sampler.maxTreedepth,
    seed: run.seed,
    dataFile: path.join(run.replicateDir, run.dataFile ?? "data.json"),
    outputDir: path.join(run.replicateDir, run.fitDir ?? "fit"),
    outputPrefix: "fit",
    refresh: Math.max(1, Math.floor((sampler.warmup + sampler.samples) / 50)),
    signal: env.signal,
    scheduler: env.scheduler,
    timeoutMs: timeoutMs(run.chainTimeoutS),
    onChainState: hooks.onChainState,
    onProgress: (p) => hooks.onProgress({ ...p, chain: p.chain + chainOffset }),
  });
  return result;
}
