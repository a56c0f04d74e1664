/**
 * The flat SBC study kind (docs/flat-sbc.md): `cmdstan-recover sbc` for the flat model family
 * (m_0 ... m_3). It takes the configs whose design is flat (src/pipeline/flatStudyDesign.ts);
 * the hierarchical SBC kind (../sbc/) takes the rest. Check the SBC model against the config and
 * the design, compile it, learn the tracked parameters from one draw, make or load the design; a
 * replicate is one simulation (../sbcCommon/simulation.ts) in `simulations/sim_i/`, the
 * original's folder, which for the first 10 also holds the original's true_parameters.json; the
 * records reduce to the original's outputs and this tool's (summarize.ts). A config with
 * `concentration_grid` is a sweep of such studies (../sweep/).
 */
import path from "node:path";
import type { CmdStanInstall } from "../../cmdstan/locate.js";
import { toStanJson } from "../../cmdstan/stanJson.js";
import type { FlatDesign } from "../../design/flat/types.js";
import {
  flatDesignHash,
  isFlatStudyConfig,
  prepareFlatDesign,
  writeFlatDesignFile,
} from "../../pipeline/flatStudyDesign.js";
import { portableSbcConfig, sbcSampler } from "../sbcCommon/sampler.js";
import { sbcDesignAndModel, sbcKindStudy } from "../sbcCommon/simulation.js";
import type { KindStudy, PrepareContext, StudyKind } from "../studyKind.js";
import { flatSbcFingerprint, parseFlatSbcConfig, type FlatSbcConfig } from "./config.js";
import { checkFlatSbcModel, flatTrackedNames } from "./modelContract.js";
import { flatSimulationDir, summarizeFlatSbc, type FlatSbcSummary } from "./summarize.js";
import { unpublishedOriginal } from "../faithfulness.js";
import { DEFAULT_SBC_SEED } from "../sbcCommon/sampler.js";
import { sbcSweep } from "../sweep/sbc.js";

export const sbcFlatKind: StudyKind<FlatSbcConfig, FlatSbcSummary> = {
  name: "sbc-flat",
  command: "sbc",
  accepts: isFlatStudyConfig,
  describe: "run or resume a simulation-based calibration study (hierarchical h_m01 or flat m_0 ... m_3 models)",
  unit: "simulation",
  modelKey: "sbc_model_path",
  parseConfig: parseFlatSbcConfig,
  // The validated design config is derived from study_design_config, which the task reads again; a
  // sweep's cells are the config with their value set, so its grid key is left out (the recipe lists them).
  portableConfig: (config, cmdstanPath) =>
    portableSbcConfig(config, cmdstanPath, ["designConfig", "concentration_grid"]),
  original: unpublishedOriginal(DEFAULT_SBC_SEED),
  prepare: prepareFlatSbc,
  // concentration_grid: one cell per value (docs/sweeps.md).
  grid: sbcSweep,
};

/** Check, compile and design: the flat SBC study, ready for the replicate loop. */
async function prepareFlatSbc(config: FlatSbcConfig, ctx: PrepareContext): Promise<KindStudy<FlatSbcSummary>> {
  const { design, modelInfo, model } = await sbcDesignAndModel(config, ctx, prepareFlatDesign, checkFlatSbcModel);
  const { install, log } = ctx;
  const dataText = toStanJson(modelInfo.data, { ints: modelInfo.ints });
  const names = await flatTrackedNames(model, config, dataText, modelInfo);
  const out = config.output_dir;
  const { hyperparameters } = modelInfo;
  return sbcKindStudy({
    settings: config,
    install,
    model,
    modelInfo,
    names,
    dataText,
    dir: (i) => flatSimulationDir(out, i),
    // The original's true_parameters.json beside the posterior summary: {name: value}.
    summaryFiles: (result) => ({ "true_parameters.json": `${JSON.stringify(result.truth, null, 2)}\n` }),
    fingerprint: flatSbcFingerprint(config, model.hash, flatDesignHash(design), hyperparameters),
    writeDesign: () => writeFlatDesignFile(out, design, log),
    // With whether these truths are the original pipeline's (../faithfulness.ts).
    configInfo: { ...configInfo(config, design, install, names, hyperparameters), truths: ctx.truths },
    summarize: (records, wallSeconds) =>
      summarizeFlatSbc({ config, install, design, names, hyperparameters, truths: ctx.truths, records, wallSeconds }),
  });
}

/**
 * config_info.json: the original's keys (n_sbc_sims, n_mcmc_samples, n_mcmc_chains, thin,
 * effective_sample_size = n_mcmc_samples // thin, its rank normaliser), then this tool's.
 */
function configInfo(
  config: FlatSbcConfig,
  design: FlatDesign,
  install: CmdStanInstall,
  names: string[],
  hyperparameters: Record<string, number>,
) {
  const { n_mcmc_samples, n_mcmc_chains, thin, iter_warmup, adapt_delta, max_treedepth } = sbcSampler(config);
  return {
    n_sbc_sims: config.n_sbc_sims,
    n_mcmc_samples,
    n_mcmc_chains,
    thin,
    effective_sample_size: Math.floor(n_mcmc_samples / thin),
    iter_warmup,
    iter_sampling: config.iterSampling,
    adapt_delta,
    max_treedepth,
    param_names: names,
    M: design.M,
    K: design.K,
    D: design.D,
    R: design.R,
    ...(design.risky ? { N: design.risky.N, S: design.risky.S } : {}),
    design_name: design.settings.design_name,
    hyperparameters,
    seed: config.seed,
    cmdstan_version: install.version,
    sbc_model_path: path.resolve(config.sbc_model_path),
  };
}
