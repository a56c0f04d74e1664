/**
 * The SBC study kind (docs/sbc.md): check the SBC model against the config and the design,
 * compile it, make or load the design; a replicate is one simulation (../sbcCommon/simulation.ts:
 * a single fit whose truth comes from transformed data); the records reduce to the rank statistics,
 * plots and report (summarize.ts). The engine (src/pipeline/replicates.ts) runs, resumes and
 * times it on the same core budget as recovery: with one chain per fit, cores + 1 fits are in
 * flight.
 */
import { trackedParameters, type TrackedParameter } from "../../analysis/trackedParameters.js";
import type { CmdStanInstall } from "../../cmdstan/locate.js";
import { toStanJson } from "../../cmdstan/stanJson.js";
import type { StudyDesign } from "../../design/studyDesign.js";
import { designHash, prepareDesign, writeDesignFile } from "../../pipeline/studySetup.js";
import { sbcSampler } from "../sbcCommon/sampler.js";
import { sbcDesignAndModel, sbcKindStudy } from "../sbcCommon/simulation.js";
import type { KindStudy, PrepareContext, StudyKind } from "../studyKind.js";
import { parseSbcConfig, portableSbcConfig, sbcFingerprint, type SbcConfig } from "./config.js";
import { checkSbcModel, checkSbcOutputLengths, sbcData } from "./modelContract.js";
import { simulationDir, summarizeSbc, type SbcSummary } from "./summarize.js";
import { report12 } from "./report12.js";
import type { TruthsRecord } from "../faithfulness.js";

export const sbcKind: StudyKind<SbcConfig, SbcSummary> = {
  name: "sbc",
  describe: "run or resume a simulation-based calibration study",
  unit: "simulation",
  modelKey: "sbc_model_path",
  parseConfig: parseSbcConfig,
  portableConfig: portableSbcConfig,
  original: report12,
  prepare: prepareSbc,
};

/** Check, compile and design: the SBC study, ready for the replicate loop. */
async function prepareSbc(config: SbcConfig, ctx: PrepareContext): Promise<KindStudy<SbcSummary>> {
  const { install, log, truths } = ctx;
  const { design, modelInfo, model } = await sbcDesignAndModel(config, ctx, prepareDesign, checkSbcModel);
  const tracked = trackedParameters(
    { alphaVar: config.alpha_var, extraScalars: config.extra_params_after_gamma },
    design,
  );

  const out = config.output_dir;
  const dataText = toStanJson(sbcData(design), { ints: modelInfo.ints });
  await checkSbcOutputLengths(model, config, dataText, tracked);
  return sbcKindStudy({
    settings: config,
    install,
    model,
    modelInfo,
    names: tracked.map((t) => t.variable),
    dataText,
    dir: (i) => simulationDir(out, i),
    fingerprint: sbcFingerprint(config, model.hash, designHash(design)),
    writeDesign: () => writeDesignFile(out, design, log),
    configInfo: configInfo(config, design, install, tracked, truths),
    summarize: (records, wallSeconds) =>
      summarizeSbc({ config, install, design, tracked, truths, records, wallSeconds }),
  });
}

/**
 * config_info.json: the original's keys (n_sbc_sims, n_mcmc_samples, n_mcmc_chains, thin,
 * effective_sample_size, J, K, P, param_names: what the users' SBC report reads) and this tool's.
 */
function configInfo(
  config: SbcConfig,
  design: StudyDesign,
  install: CmdStanInstall,
  tracked: TrackedParameter[],
  truths: TruthsRecord,
) {
  return {
    n_sbc_sims: config.n_sbc_sims,
    ...sbcSampler(config),
    // As the original: the draws over all chains, thinned (its rank normaliser; ranks here run to max_rank).
    effective_sample_size: Math.floor(config.n_mcmc_samples / config.thin),
    iter_sampling: config.iterSampling,
    alpha_var: config.alpha_var,
    extra_params_after_gamma: config.extra_params_after_gamma,
    J: design.J,
    K: design.K,
    D: design.D,
    P: design.P,
    M_total: design.M_total,
    // The tracked scalars in the model's order and names (the original's key, and ours).
    param_names: tracked.map((t) => t.variable),
    tracked_parameters: tracked.map((t) => t.variable),
    seed: config.seed,
    cmdstan_version: install.version,
    sbc_model_path: config.sbc_model_path,
    // Whether these truths are the original study's, and why not (../faithfulness.ts).
    truths,
  };
}
