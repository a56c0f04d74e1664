/**
 * The users' regime (a) power run as the power kind's original study: CmdStan 2.37, seed 12345,
 * the design of configs/h_m01_size_power_regime_a_config.json, 4 chains x (1000 + 2000) at adapt
 * delta 0.95 and CmdStan's default tree depth, two presentations, and its five cells (menus per
 * cell : rho_copy). A cell with these settings draws the original's truths where the generator
 * is the original's (../faithfulness.ts); settings are read from the config and its design, never
 * from the models.
 */
import { DEFAULT_MENU_SIZE_HYPERPARAMETERS, DEFAULT_SIM_HYPERPARAMETERS } from "../../design/studyDesign.js";
import { prepareDesign } from "../../pipeline/studySetup.js";
import { designSettings, differingSettings, type OriginalStudy } from "../faithfulness.js";
import { DEFAULT_POWER_SEED, type PowerConfig } from "./config.js";

export const REGIME_A_NAME = "the regime (a) power run";

/** Its cells, menus per cell : rho_copy. */
export const REGIME_A_CELLS = ["30:0.0", "30:0.5", "20:0.9", "30:0.9", "60:0.9"];

/** Its settings, the seed and the cell aside. */
export const REGIME_A_SETTINGS = {
  factors: [3, 2],
  reference_indices: [0, 0],
  include_interactions: false,
  J: 6,
  P: 3,
  K: 3,
  D: 2,
  R: 12,
  min_alts_per_problem: 2,
  max_alts_per_problem: 8,
  menu_sizes: [2, 4, 6, 8],
  feature_dist: "normal",
  feature_params: { loc: 0, scale: 1 },
  ...DEFAULT_SIM_HYPERPARAMETERS,
  ...DEFAULT_MENU_SIZE_HYPERPARAMETERS,
  n_mcmc_chains: 4,
  n_mcmc_samples: 2000,
  n_mcmc_warmup: 1000,
  adapt_delta: 0.95,
  max_treedepth: null,
  num_presentations: 2,
  sim_overrides: {},
  target: "gamma_size",
};

async function powerSettings(config: PowerConfig): Promise<Record<string, unknown>> {
  const design = await prepareDesign(config);
  const { M_per_cell: _m, ...designPart } = designSettings(design, { hyperparameters: true });
  return {
    ...designPart,
    gamma_size_mean: design.sizeCovariate?.gamma_size_mean ?? null,
    gamma_size_sd: design.sizeCovariate?.gamma_size_sd ?? null,
    n_mcmc_chains: config.n_mcmc_chains,
    n_mcmc_samples: config.n_mcmc_samples,
    n_mcmc_warmup: config.warmup,
    adapt_delta: config.adapt_delta,
    max_treedepth: config.max_treedepth ?? null,
    num_presentations: config.num_presentations,
    sim_overrides: config.sim_overrides,
    target: config.target,
  };
}

export const regimeA: OriginalStudy<PowerConfig> = {
  name: REGIME_A_NAME,
  seed: DEFAULT_POWER_SEED,
  cmdstan: "2.37",
  settingsDiffer: async (config) => {
    const differ = differingSettings(await powerSettings(config), REGIME_A_SETTINGS, REGIME_A_NAME);
    const menus = config.study_design_config?.M_per_cell;
    const cell = `${String(menus)}:${Number.isInteger(config.rho_copy) ? `${config.rho_copy}.0` : config.rho_copy}`;
    if (!REGIME_A_CELLS.includes(cell))
      differ.push(`cell ${cell} (${REGIME_A_NAME}: one of ${REGIME_A_CELLS.join(", ")})`);
    return differ;
  },
};
