/**
 * The one replicate of an estimation: the model's chains on the checked data (`stan_data.json`),
 * then the posterior summary and bin/diagnose side by side (pipeline/fitFiles.ts). Everything
 * lands in `fit/`: the chains' CSVs (always kept: they are the estimate; listed with their
 * checksums in the record, so a resume notices one deleted or cut short), CmdStan's stdout and
 * stderr, posterior_summary.csv, diagnostics.txt, and the record `fit.json`, last.
 */
import path from "node:path";
import { formatSummaryCsv, quantileRuleFor, summarizeFit } from "../../analysis/summary.js";
import type { CompiledModel } from "../../cmdstan/compile.js";
import type { CmdStanInstall } from "../../cmdstan/locate.js";
import { sample } from "../../cmdstan/run.js";
import { readStanFit } from "../../cmdstan/stanCsv.js";
import { summarizeAndDiagnose } from "../../pipeline/fitFiles.js";
import type { ReplicateRecord } from "../../pipeline/records.js";
import { chainHooks, ReplicateFiles } from "../../pipeline/replicateFiles.js";
import type { ReplicateEnv } from "../../pipeline/replicates.js";
import type { EstimateConfig } from "./config.js";

export const FIT_RECORD = "fit.json";
export const STAN_DATA_FILE = "stan_data.json";

export function fitDir(outputDir: string): string {
  return path.join(outputDir, "fit");
}

export interface FitContext {
  config: EstimateConfig;
  install: CmdStanInstall;
  model: CompiledModel;
}

/** The chains' CSV files of the fit in `dir`, in chain order. */
export function chainFiles(ctx: Pick<FitContext, "config" | "model">, dir: string): string[] {
  return Array.from({ length: ctx.config.n_mcmc_chains }, (_, c) => path.join(dir, `${ctx.model.name}-${c + 1}.csv`));
}

export async function runFit(ctx: FitContext, env: ReplicateEnv): Promise<ReplicateRecord> {
  const { config } = ctx;
  const out = await ReplicateFiles.fresh(fitDir(config.output_dir), 1, { fit: config.seed }, env, FIT_RECORD);
  try {
    const run = await sample(ctx.model, {
      chains: config.n_mcmc_chains,
      numWarmup: config.warmup,
      numSamples: config.n_mcmc_samples,
      adaptDelta: config.adapt_delta,
      maxTreedepth: config.max_treedepth,
      seed: config.seed,
      dataFile: path.join(config.output_dir, STAN_DATA_FILE),
      outputDir: out.dir,
      outputPrefix: ctx.model.name,
      refresh: Math.max(1, Math.floor((config.warmup + config.n_mcmc_samples) / 50)),
      signal: env.signal,
      scheduler: env.scheduler,
      timeoutMs: config.chain_timeout_s ? config.chain_timeout_s * 1000 : undefined,
      ...chainHooks(env, 1),
    });
    out.lap("sample");
    await summarizeAndDiagnose(out, ctx.install.path, run.csvFiles, async () => {
      const rule = quantileRuleFor(ctx.install.version);
      return formatSummaryCsv(
        summarizeFit(await readStanFit(run.csvFiles, { requireMethod: "sample" }), { quantileRule: rule }),
        rule,
      );
    });
    for (const f of run.csvFiles) await out.vouchFor(f);
    return await out.finish("ok");
  } catch (err) {
    if (env.signal.aborted) throw err;
    return out.fail("the fit", err);
  }
}
