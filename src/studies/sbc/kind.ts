/**
 * The SBC study kind (docs/sbc.md): check the SBC model against the config and the design,
 * compile it, make or load the design; a replicate is one simulation (simulation.ts: a single
 * fit whose truth comes from transformed data); the records reduce to the rank statistics,
 * plots and report (summarize.ts). The engine (src/pipeline/replicates.ts) runs, resumes and
 * times it on the same core budget as recovery: with one chain per fit, cores + 1 fits are in
 * flight.
 */
import path from "node:path";
import { quantileRuleFor } from "../../analysis/summary.js";
import { trackedParameters, type TrackedParameter } from "../../analysis/trackedParameters.js";
import type { CmdStanInstall } from "../../cmdstan/locate.js";
import { toStanJson } from "../../cmdstan/stanJson.js";
import type { StudyDesign } from "../../design/studyDesign.js";
import { compileStudyModels, designHash, prepareDesign, writeDesignFile } from "../../pipeline/studySetup.js";
import { writeFileAtomic, writeJsonAtomic } from "../../util/atomicWrite.js";
import type { KindStudy, StudyKind } from "../studyKind.js";
import { parseSbcConfig, portableSbcConfig, sbcFingerprint, sbcSampler, type SbcConfig } from "./config.js";
import { checkSbcModel, checkSbcOutputLengths, sbcData } from "./modelContract.js";
import { RECORD_FILE, runSimulation, simulationDir, type SimulationContext } from "./simulation.js";
import { report12 } from "./report12.js";
import { summarizeSbc, type SbcSummary } from "./summarize.js";
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
async function prepareSbc(
  config: SbcConfig,
  { install, log, cachedModelsOnly, truths }: Parameters<typeof sbcKind.prepare>[1],
): Promise<KindStudy<SbcSummary>> {
  const design = await prepareDesign(config);
  const modelInfo = await checkSbcModel(install, config, design);
  const compile = { prefix: "sbc", log, cachedOnly: cachedModelsOnly };
  const [model] = await compileStudyModels(install, [config.sbc_model_path], compile);
  const tracked = trackedParameters(
    { alphaVar: config.alpha_var, extraScalars: config.extra_params_after_gamma },
    design,
  );

  const out = config.output_dir;
  const dataFile = path.join(out, "sbc_data.json");
  const dataText = toStanJson(sbcData(design), { ints: modelInfo.ints });
  await checkSbcOutputLengths(model, config, dataText, tracked);

  const quantileRule = quantileRuleFor(install.version);
  const ctx: SimulationContext = { config, model, modelInfo, tracked, dataFile, quantileRule };
  return {
    count: config.n_sbc_sims,
    chainsPerReplicate: config.n_mcmc_chains,
    workPerReplicate: config.n_mcmc_chains * (config.iterWarmup + config.iterSampling),
    fingerprint: sbcFingerprint(config, model.hash, designHash(design)),
    replicateDir: (i) => simulationDir(out, i),
    recordName: RECORD_FILE,
    writeSetup: async () => {
      await writeDesignFile(out, design, log);
      await writeFileAtomic(dataFile, dataText);
      await writeJsonAtomic(path.join(out, "config_info.json"), configInfo(config, design, install, tracked, truths));
    },
    runReplicate: (i, env) => runSimulation(ctx, env, i),
    summarize: (records, wallSeconds) =>
      summarizeSbc({ config, install, design, tracked, truths, records, wallSeconds }),
  };
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
