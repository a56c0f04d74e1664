/**
 * Report 11's published numbers and settings, as data: the table of docs/recovery.md, "Report
 * 11's numbers" (bias, RMSE, coverage and width of the 90% interval over 20 iterations, keyed as
 * recovery_statistics.json), and the settings it ran with. A run whose config has these settings
 * sets its numbers beside them (report.ts); whether its truths are the report's is
 * ../faithfulness.ts's to say.
 */
import type { RecoveryStatistics } from "../../analysis/recovery.js";
import { DEFAULT_SIM_HYPERPARAMETERS, type StudyDesign } from "../../design/studyDesign.js";
import { designSettings, differingSettings, ORIGINAL_DESIGN, type OriginalStudy } from "../faithfulness.js";
import { prepareDesign } from "../../pipeline/studySetup.js";
import { DEFAULT_RECOVERY_SEED, type RecoveryConfig } from "./config.js";

export const REPORT11_NAME = "Report 11";

/** Iterations behind each published number. */
export const REPORT11_ITERATIONS = 20;

/** docs/recovery.md, "Report 11's numbers": the published table, by recovery_statistics.json key. */
export const REPORT11_STATISTICS: RecoveryStatistics = {
  gamma0: { bias: 0.032, rmse: 0.214, coverage: 1.0, ci_width: 0.851 },
  gamma_1: { bias: 0.047, rmse: 0.451, coverage: 0.75, ci_width: 1.165 },
  gamma_2: { bias: 0.048, rmse: 0.344, coverage: 0.95, ci_width: 1.169 },
  gamma_3: { bias: -0.004, rmse: 0.364, coverage: 0.9, ci_width: 1.15 },
  gamma_4: { bias: 0.072, rmse: 0.41, coverage: 0.85, ci_width: 1.165 },
  gamma_5: { bias: -0.029, rmse: 0.36, coverage: 0.8, ci_width: 1.139 },
  gamma_6: { bias: -0.018, rmse: 0.273, coverage: 0.95, ci_width: 1.008 },
  gamma_7: { bias: 0.019, rmse: 0.278, coverage: 0.9, ci_width: 1.016 },
  sigma_cell: { bias: -0.039, rmse: 0.124, coverage: 1.0, ci_width: 0.512 },
  delta_1: { bias: -0.037, rmse: 0.147, coverage: 0.95, ci_width: 0.405 },
  delta_2: { bias: 0.037, rmse: 0.147, coverage: 0.95, ci_width: 0.405 },
  alpha_1: { bias: -0.865, rmse: 5.423, coverage: 0.85, ci_width: 14.408 },
  alpha_2: { bias: 2.486, rmse: 5.416, coverage: 0.85, ci_width: 17.034 },
  alpha_3: { bias: 0.753, rmse: 4.875, coverage: 1.0, ci_width: 16.446 },
  alpha_4: { bias: 1.527, rmse: 6.356, coverage: 0.85, ci_width: 21.077 },
  alpha_5: { bias: 1.822, rmse: 4.645, coverage: 0.95, ci_width: 25.622 },
  alpha_6: { bias: 0.839, rmse: 8.069, coverage: 0.75, ci_width: 24.287 },
  alpha_7: { bias: 1.446, rmse: 6.59, coverage: 0.9, ci_width: 23.82 },
  alpha_8: { bias: 4.582, rmse: 11.628, coverage: 0.85, ci_width: 26.847 },
  alpha_9: { bias: 2.546, rmse: 4.221, coverage: 1.0, ci_width: 24.956 },
  alpha_10: { bias: 3.232, rmse: 6.321, coverage: 0.9, ci_width: 23.323 },
  alpha_11: { bias: 3.949, rmse: 11.487, coverage: 0.9, ci_width: 29.064 },
  alpha_12: { bias: 2.952, rmse: 8.293, coverage: 0.95, ci_width: 27.958 },
  alpha_13: { bias: 0.992, rmse: 7.482, coverage: 0.85, ci_width: 16.274 },
  alpha_14: { bias: 0.724, rmse: 10.329, coverage: 0.8, ci_width: 20.18 },
  alpha_15: { bias: 0.652, rmse: 5.222, coverage: 0.8, ci_width: 17.758 },
  alpha_16: { bias: 0.104, rmse: 5.926, coverage: 0.85, ci_width: 16.696 },
  alpha_17: { bias: 0.57, rmse: 6.987, coverage: 0.85, ci_width: 20.066 },
  alpha_18: { bias: 0.643, rmse: 8.444, coverage: 0.9, ci_width: 18.724 },
};

/**
 * The settings Report 11 ran with (docs/recovery.md, "Report 11's numbers"), the seed aside: the
 * original design with the simulator's default hyperparameters, 20 iterations x 4 chains x
 * (1000 + 2000), adapt delta 0.95, max tree depth 12, h_m01's tracked names.
 */
export const REPORT11_SETTINGS = {
  ...ORIGINAL_DESIGN,
  ...DEFAULT_SIM_HYPERPARAMETERS,
  n_iterations: REPORT11_ITERATIONS,
  n_mcmc_chains: 4,
  n_mcmc_samples: 2000,
  n_mcmc_warmup: 1000,
  adapt_delta: 0.95,
  max_treedepth: 12,
  alpha_var: "alpha",
  extra_scalar_params: [],
  sim_overrides: {},
  sim_only_keys: [],
};

/** A recovery config's settings in REPORT11_SETTINGS' keys. */
export function recoverySettings(config: RecoveryConfig, design: StudyDesign): Record<string, unknown> {
  return {
    ...designSettings(design, { hyperparameters: true }),
    n_iterations: config.n_iterations,
    n_mcmc_chains: config.n_mcmc_chains,
    n_mcmc_samples: config.n_mcmc_samples,
    n_mcmc_warmup: config.warmup,
    adapt_delta: config.adapt_delta,
    max_treedepth: config.max_treedepth,
    alpha_var: config.alpha_var,
    extra_scalar_params: config.extra_scalar_params,
    sim_overrides: config.sim_overrides,
    sim_only_keys: config.sim_only_keys,
  };
}

/**
 * Report 11 as the recovery kind's original study: CmdStan 2.37, seed 12345. The settings are
 * read from the config and its design (generated again here: milliseconds), never from the
 * models: a config that keeps these settings with other models is taken for the original study.
 */
export const report11: OriginalStudy<RecoveryConfig> = {
  name: REPORT11_NAME,
  seed: DEFAULT_RECOVERY_SEED,
  cmdstan: "2.37",
  published: true,
  settingsDiffer: async (config) =>
    differingSettings(recoverySettings(config, await prepareDesign(config)), REPORT11_SETTINGS, REPORT11_NAME),
};
