/**
 * The sample-size study (docs/sample-size.md): how recovery improves with the number of
 * problems M. A grid of cells M_<M> (grid.ts), one per size of M_grid; each cell is a flat
 * recovery (../recoverFlat/) on a design of its own: the base's alternatives w and a fresh set of
 * M problems. Its iterations are the flat recovery's (the same seeds in every cell, so every size
 * recovers the same truths), its data the design's and the choices (the original's intent: it
 * crashes before its first fit). Models with risky problems are refused (riskyData).
 */
import path from "node:path";
import { QUANTILE_RULE_LABELS, quantileRuleFor } from "../../analysis/summary.js";
import type { CmdStanInstall } from "../../cmdstan/locate.js";
import { readModelInfo } from "../../cmdstan/modelInfo.js";
import { toStanJson } from "../../cmdstan/stanJson.js";
import type { FlatDesign } from "../../design/flat/types.js";
import { flatDesignHash } from "../../pipeline/flatDesignSetup.js";
import { writeFileAtomic, writeJsonAtomic } from "../../util/atomicWrite.js";
import { InputError } from "../../util/errors.js";
import { unpublishedOriginal } from "../faithfulness.js";
import { flatRecoveryFingerprint, type FlatRecoveryConfig } from "../recoverFlat/config.js";
import { runFlatIteration, type FlatIterationContext } from "../recoverFlat/iteration.js";
import { checkFlatModelPair, type FlatModelPair } from "../recoverFlat/modelContract.js";
import { DEFAULT_RECOVERY_SEED, recoveryReplicates } from "../common/fitSteps.js";
import { prepareModelPair } from "../common/recoveryConfig.js";
import type { KindStudy, PrepareContext, StudyKind } from "../studyKind.js";
import { parseSampleSizeConfig, portableSampleSizeConfig, type SampleSizeConfig } from "./config.js";
import { sizeDesign, sizeDesignFile, writeDesignOnce } from "./design.js";
import { sampleSizeGrid } from "./grid.js";
import { summarizeCell, type SampleSizeCellSummary } from "./summarize.js";

export const sampleSizeKind: StudyKind<SampleSizeConfig, SampleSizeCellSummary> = {
  name: "sample-size",
  describe: "run or resume a sample-size study: flat recovery over a grid of numbers of problems (M_grid)",
  unit: "iteration",
  modelKey: "inference_model_path",
  parseConfig: parseSampleSizeConfig,
  portableConfig: portableSampleSizeConfig,
  original: unpublishedOriginal(DEFAULT_RECOVERY_SEED),
  prepare: prepareSize,
  grid: sampleSizeGrid,
};

/** The flat recovery's view of a cell: no simulator hyperparameters given (the original's defaults), tracked summaries. */
function asFlatRecovery(c: SampleSizeConfig): FlatRecoveryConfig {
  return {
    ...c,
    sim_hyperparams: {},
    summary_variables: "tracked",
    study_design_path: c.base_design_path,
    stanc_o1: false,
  };
}

/**
 * A model declaring the risky problems' data is refused before anything compiles: the designs
 * here have uncertain problems only (the original's base file loader drops x and J, so its
 * risky runs break too).
 */
async function refuseRiskyModels(install: CmdStanInstall, config: SampleSizeConfig): Promise<void> {
  for (const key of ["inference_model_path", "sim_model_path"] as const) {
    const info = await readModelInfo(install, config[key]);
    const risky = ["N", "S", "x", "J"].filter((k) => k in info.inputs);
    if (risky.length)
      throw new InputError(
        `${config.source}: ${key}: ${config[key]} declares the risky problems' data ${risky.join(", ")}; ` +
          `the sample-size study builds designs of uncertain problems only, so it runs models without risky ` +
          `problems (see docs/sample-size.md "Models"); nothing was run`,
      );
  }
}

/** One cell: its design, the model pair (checked, then compiled), and the flat recovery's iterations. */
async function prepareSize(config: SampleSizeConfig, prep: PrepareContext): Promise<KindStudy<SampleSizeCellSummary>> {
  const flat = asFlatRecovery(config);
  const M = config.M!;
  // The design first: a base file that disagrees with the config is refused before any stanc run.
  const design = await sizeDesign(config);
  await refuseRiskyModels(prep.install, config);
  const { models, inference, sim } = await prepareModelPair(flat, prep, async () => design, checkFlatModelPair);
  const out = config.output_dir;
  const ctx: FlatIterationContext = {
    config: flat,
    install: prep.install,
    inference,
    sim,
    design,
    models,
    simDataFile: path.join(out, "sim_data.json"),
  };
  const info = { ...configInfo(config, design, prep.install, models), truths: prep.truths };
  const hashes = { inference: inference.hash, sim: sim.hash };
  return {
    ...recoveryReplicates(config),
    fingerprint: { sample_size_M: M, ...flatRecoveryFingerprint(flat, hashes, models, flatDesignHash(design)) },
    writeSetup: async () => {
      await writeDesignOnce(path.join(out, sizeDesignFile(M)), design);
      await writeFileAtomic(ctx.simDataFile, toStanJson(models.simData, { ints: models.simInts }));
      await writeJsonAtomic(path.join(out, "config_info.json"), info);
    },
    runReplicate: (i, env) => runFlatIteration(ctx, env, i),
    summarize: (records, wallSeconds) =>
      summarizeCell({ config, design, scalars: models.scalars, records, wallSeconds }),
  };
}

/** config_info.json of a cell: its size, the run's settings, the hyperparameters used. */
function configInfo(config: SampleSizeConfig, design: FlatDesign, install: CmdStanInstall, models: FlatModelPair) {
  return {
    M: design.M,
    K: design.K,
    D: design.D,
    R: design.R,
    M_grid: config.M_grid,
    base_design_path: config.base_design_path ?? null,
    n_iterations: config.n_iterations,
    n_mcmc_samples: config.n_mcmc_samples,
    n_mcmc_chains: config.n_mcmc_chains,
    n_mcmc_warmup: config.warmup,
    adapt_delta: config.adapt_delta ?? null,
    max_treedepth: config.max_treedepth ?? null,
    sim_hyperparameters_used: models.simHyperparameters,
    fit_hyperparameters_used: models.fitHyperparameters,
    tracked_scalars: models.scalars,
    seed: config.seed,
    cmdstan_version: install.version,
    quantile_rule: QUANTILE_RULE_LABELS[quantileRuleFor(install.version)],
    inference_model_path: config.inference_model_path,
    sim_model_path: config.sim_model_path,
  };
}
