/**
 * Parameter recovery of the flat model family, m_0 ... m_3 (docs/flat-recovery.md): the
 * `recover` command's kind for configs of that family (`accepts`: flat design keys,
 * sim_hyperparams, study_config_path, or a flat design file). Make or load the flat design,
 * check the model pair with stanc and learn the hyperparameters and tracked scalars from it,
 * compile both models; a replicate is one simulate-and-fit iteration (iteration.ts); the records
 * reduce to the original's outputs (summarize.ts). A config with `concentration_grid` is a sweep
 * of such studies (../sweep/).
 */
import path from "node:path";
import { QUANTILE_RULE_LABELS, quantileRuleFor } from "../../analysis/summary.js";
import type { CmdStanInstall } from "../../cmdstan/locate.js";
import { toStanJson } from "../../cmdstan/stanJson.js";
import type { FlatDesign } from "../../design/flat/types.js";
import { flatDesignHash, prepareFlatDesign, writeFlatDesignFile } from "../../pipeline/flatDesignSetup.js";
import { formatDuration } from "../../report/text.js";
import { writeFileAtomic, writeJsonAtomic } from "../../util/atomicWrite.js";
import { isFlatRecoveryConfig } from "../common/familyKeys.js";
import { recoveryReplicates } from "../common/fitSteps.js";
import type { KindStudy, PrepareContext, StudyKind } from "../studyKind.js";
import { unpublishedOriginal } from "../faithfulness.js";
import { DEFAULT_RECOVERY_SEED } from "../common/fitSteps.js";
import { prepareModelPair, flatRunInfo } from "../common/recoveryConfig.js";
import {
  flatRecoveryFingerprint,
  parseFlatRecoveryConfig,
  portableFlatRecoveryConfig,
  type FlatRecoveryConfig,
} from "./config.js";
import { runFlatIteration, type FlatIterationContext } from "./iteration.js";
import { checkFlatModelPair, type FlatModelPair } from "./modelContract.js";
import { summarizeFlatRecovery, type FlatRecoverySummary } from "./summarize.js";
import { recoverySweep } from "../sweep/recovery.js";

export const recoverFlatKind: StudyKind<FlatRecoveryConfig, FlatRecoverySummary> = {
  name: "recover-flat",
  command: "recover",
  accepts: isFlatRecoveryConfig,
  describe: "run or resume a parameter-recovery study (hierarchical or flat model family)",
  unit: "iteration",
  modelKey: "inference_model_path",
  parseConfig: parseFlatRecoveryConfig,
  portableConfig: portableFlatRecoveryConfig,
  original: unpublishedOriginal(DEFAULT_RECOVERY_SEED),
  prepare: prepareFlatRecovery,
  // concentration_grid: one cell per value (docs/sweeps.md).
  grid: recoverySweep,
};

/** Design, models (checked, then compiled) and the iterations' context: the study for the replicate loop. */
async function prepareFlatRecovery(
  config: FlatRecoveryConfig,
  prep: PrepareContext,
): Promise<KindStudy<FlatRecoverySummary>> {
  const { install, log } = prep;
  const { design, models, inference, sim } = await prepareModelPair(
    config,
    prep,
    prepareFlatDesign,
    checkFlatModelPair,
  );
  const out = config.output_dir;
  const ctx: FlatIterationContext = {
    config,
    install,
    inference,
    sim,
    design,
    models,
    simDataFile: path.join(out, "sim_data.json"),
  };
  // With whether these truths are the original pipeline's (../faithfulness.ts).
  const info = { ...configInfo(config, design, install, models), truths: prep.truths };
  return {
    ...recoveryReplicates(config),
    fingerprint: flatRecoveryFingerprint(
      config,
      { inference: inference.hash, sim: sim.hash },
      models,
      flatDesignHash(design),
    ),
    writeSetup: async () => {
      await writeFlatDesignFile(out, design, log);
      await writeFileAtomic(ctx.simDataFile, toStanJson(models.simData, { ints: models.simInts }));
      await writeJsonAtomic(path.join(out, "config_info.json"), info);
    },
    runReplicate: (i, env) => runFlatIteration(ctx, env, i),
    summarize: (records, wallSeconds) =>
      summarizeFlatRecovery({
        outputDir: out,
        nIterations: config.n_iterations,
        transitions: config.n_mcmc_chains * config.n_mcmc_samples,
        scalars: models.scalars,
        K: design.K,
        D: design.D,
        settings: (wall) => [...Object.entries(reportSettings(info)), ["wall_time", formatDuration(wall)]],
        records,
        wallSeconds,
      }),
  };
}

/** config_info.json: the run's settings, the hyperparameters and sampler settings used, the design's sizes. */
function configInfo(config: FlatRecoveryConfig, design: FlatDesign, install: CmdStanInstall, models: FlatModelPair) {
  return {
    ...flatRunInfo(config),
    sim_hyperparameters_used: models.simHyperparameters,
    fit_hyperparameters_used: models.fitHyperparameters,
    tracked_scalars: models.scalars,
    design_name: design.settings.design_name,
    M: design.M,
    K: design.K,
    D: design.D,
    R: design.R,
    ...(design.risky ? { N: design.risky.N, S: design.risky.S, risky_probs: design.risky.risky_probs ?? null } : {}),
    seed: config.seed,
    cmdstan_version: install.version,
    quantile_rule: QUANTILE_RULE_LABELS[quantileRuleFor(install.version)],
    inference_model_path: config.inference_model_path,
    sim_model_path: config.sim_model_path,
  };
}

/** config_info.json's settings as the report lists them (hyperparameters as name=value). */
function reportSettings(info: ReturnType<typeof configInfo>): Record<string, unknown> {
  const pairs = (o: Record<string, number>) =>
    Object.entries(o)
      .map(([k, v]) => `${k}=${v}`)
      .join(", ") || "none";
  const source = (what: "adapt_delta" | "max_treedepth") =>
    `${info[what]}${info.sampler_settings_from[what] === "config" ? "" : " (CmdStan default, not passed)"}`;
  return {
    design_name: info.design_name,
    n_iterations: info.n_iterations,
    n_mcmc_chains: info.n_mcmc_chains,
    n_mcmc_samples: info.n_mcmc_samples,
    n_warmup: info.n_mcmc_warmup,
    adapt_delta: source("adapt_delta"),
    max_treedepth: source("max_treedepth"),
    summary_variables: info.summary_variables,
    M: info.M,
    K: info.K,
    D: info.D,
    R: info.R,
    N: "N" in info ? info.N : undefined,
    S: "S" in info ? info.S : undefined,
    simulator_hyperparameters: pairs(info.sim_hyperparameters_used),
    fit_hyperparameters: pairs(info.fit_hyperparameters_used),
    tracked_scalars: info.tracked_scalars.join(", "),
    seed: info.seed,
    cmdstan_version: info.cmdstan_version,
    quantile_rule: info.quantile_rule,
    model_path: info.inference_model_path,
    sim_model_path: info.sim_model_path,
  };
}
