/**
 * Report 12's published numbers and settings, as data: the table of docs/sbc.md, "Report 12's
 * numbers" (the original's chi-square on its bins and its KS test, with p-values, per parameter;
 * alpha[1..18] as ranges), the quantiles of its p-values, and the settings it ran with. A run
 * whose config has these settings sets its tests beside them (report.ts); whether its truths are
 * the report's is ../faithfulness.ts's to say.
 */
import type { StudyDesign } from "../../design/studyDesign.js";
import { prepareDesign } from "../../pipeline/studySetup.js";
import { designSettings, differingSettings, ORIGINAL_DESIGN, type OriginalStudy } from "../faithfulness.js";
import { CMDSTAN_DEFAULT_ADAPT_DELTA, CMDSTAN_DEFAULT_MAX_TREEDEPTH, DEFAULT_SBC_SEED } from "../sbcCommon/sampler.js";
import type { SbcConfig } from "./config.js";
import type { PublishedSbc } from "../sbcCommon/reportComparison.js";

export const REPORT12_NAME = "Report 12";

/** docs/sbc.md, "Report 12's numbers". */
export const REPORT12: PublishedSbc = {
  name: REPORT12_NAME,
  simulations: 100,
  tests: {
    gamma0: { chi2: 24.4, chi2_p: 0.1813, ks: 0.093, ks_p: 0.3379 },
    "gamma[1]": { chi2: 21.6, chi2_p: 0.3046, ks: 0.145, ks_p: 0.0263 },
    "gamma[2]": { chi2: 21.61, chi2_p: 0.3043, ks: 0.11, ks_p: 0.163 },
    "gamma[3]": { chi2: 16.0, chi2_p: 0.6573, ks: 0.077, ks_p: 0.5621 },
    "gamma[4]": { chi2: 10.4, chi2_p: 0.9424, ks: 0.071, ks_p: 0.6634 },
    "gamma[5]": { chi2: 14.0, chi2_p: 0.7837, ks: 0.064, ks_p: 0.7841 },
    "gamma[6]": { chi2: 22.41, chi2_p: 0.2641, ks: 0.116, ks_p: 0.123 },
    "gamma[7]": { chi2: 12.0, chi2_p: 0.8856, ks: 0.076, ks_p: 0.5785 },
    sigma_cell: { chi2: 25.2, chi2_p: 0.1541, ks: 0.102, ks_p: 0.2371 },
    "delta[1]": { chi2: 10.29, chi2_p: 0.9453, ks: 0.111, ks_p: 0.1604 },
    "delta[2]": { chi2: 12.0, chi2_p: 0.8856, ks: 0.108, ks_p: 0.1832 },
  },
  cellRanges: {
    label: "alpha[1..18] (range)",
    count: 18,
    chi2: [8.0, 26.8],
    chi2_p: [0.1094, 0.9867],
    ks: [0.041, 0.133],
    ks_p: [0.0518, 0.9928],
  },
  pValueQuantiles: {
    probs: [0.1, 0.25, 0.5, 0.75, 0.9],
    chi2: [0.152, 0.264, 0.549, 0.784, 0.913],
    ks: [0.109, 0.163, 0.337, 0.579, 0.788],
  },
};

/**
 * The settings Report 12 ran with (docs/sbc.md), the seed aside: the original design (the SBC
 * model draws its truths from its own priors: no simulator hyperparameters), 100 simulations of
 * 1 chain x (500 + 1000) thinned by 3, CmdStan's default adapt delta and tree depth, h_m01's
 * tracked names.
 */
export const REPORT12_SETTINGS = {
  ...ORIGINAL_DESIGN,
  n_sbc_sims: REPORT12.simulations,
  n_mcmc_chains: 1,
  n_mcmc_samples: 1000,
  thin: 3,
  iter_warmup: 500,
  adapt_delta: CMDSTAN_DEFAULT_ADAPT_DELTA,
  max_treedepth: CMDSTAN_DEFAULT_MAX_TREEDEPTH,
  alpha_var: "alpha",
  extra_params_after_gamma: [],
};

/** An SBC config's settings in REPORT12_SETTINGS' keys (sampler settings as in force). */
export function sbcSettings(config: SbcConfig, design: StudyDesign): Record<string, unknown> {
  return {
    ...designSettings(design, { hyperparameters: false }),
    n_sbc_sims: config.n_sbc_sims,
    n_mcmc_chains: config.n_mcmc_chains,
    n_mcmc_samples: config.n_mcmc_samples,
    thin: config.thin,
    iter_warmup: config.iterWarmup,
    adapt_delta: config.adapt_delta ?? CMDSTAN_DEFAULT_ADAPT_DELTA,
    max_treedepth: config.maxTreedepthUsed,
    alpha_var: config.alpha_var,
    extra_params_after_gamma: config.extra_params_after_gamma,
  };
}

/**
 * Report 12 as the SBC kind's original study: CmdStan 2.37, seed 123. The settings are read from
 * the config and its design (generated again here: milliseconds), never from the model.
 */
export const report12: OriginalStudy<SbcConfig> = {
  name: REPORT12_NAME,
  seed: DEFAULT_SBC_SEED,
  cmdstan: "2.37",
  published: true,
  settingsDiffer: async (config) =>
    differingSettings(sbcSettings(config, await prepareDesign(config)), REPORT12_SETTINGS, REPORT12_NAME),
};
