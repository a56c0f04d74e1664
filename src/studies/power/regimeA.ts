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
import { designSettings, differingSettings, ORIGINAL_DESIGN, type OriginalStudy } from "../faithfulness.js";
import { DEFAULT_POWER_SEED, samplerSettings, type PowerConfig } from "./config.js";

export const REGIME_A_NAME = "the regime (a) power run";

/** Its cells, menus per cell : rho_copy. */
export const REGIME_A_CELLS = ["30:0.0", "30:0.5", "20:0.9", "30:0.9", "60:0.9"];

/** Its settings, the seed and the cell aside. */
export const REGIME_A_SETTINGS = {
  // Report 11's design family, 3 x 2 with planned menu sizes over 12 alternatives (M_per_cell is the cell's).
  ...withoutMenusPerCell(ORIGINAL_DESIGN),
  factors: [3, 2],
  J: 6,
  P: 3,
  R: 12,
  max_alts_per_problem: 8,
  menu_sizes: [2, 4, 6, 8],
  ...DEFAULT_SIM_HYPERPARAMETERS,
  ...DEFAULT_MENU_SIZE_HYPERPARAMETERS,
  sampler: { iter_warmup: 1000, iter_sampling: 2000, chains: 4, adapt_delta: 0.95, max_treedepth: null },
  presentations: 2,
  sim_overrides: {},
  target: "gamma_size",
};

function withoutMenusPerCell<T extends { M_per_cell?: unknown }>(settings: T): Omit<T, "M_per_cell"> {
  const { M_per_cell: _m, ...rest } = settings;
  return rest;
}

/** Its published table (5 cells x 6 iterations, nominal 0.90), as the grid report sets it beside ours. */
export const REGIME_A_TABLE = [
  "| menus/cell | rho | M_total | bias | rmse | CI width | coverage | power | agreement | s/iter |",
  "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  "| 30 | 0.0 | 360 | -0.0166 | 0.0918 | 0.2556 | 0.83 | 0.83 | 0.486 | 1157 |",
  "| 30 | 0.5 | 360 | -0.1508 | 0.2591 | 0.3239 | 0.67 | 0.83 | 0.762 | 2226 |",
  "| 20 | 0.9 | 240 | -0.1433 | 0.1912 | 0.3809 | 0.50 | 1.00 | 0.964 | 1807 |",
  "| 30 | 0.9 | 360 | -0.0860 | 0.1715 | 0.3165 | 0.50 | 1.00 | 0.943 | 1817 |",
  "| 60 | 0.9 | 720 | -0.0286 | 0.0763 | 0.1905 | 0.83 | 1.00 | 0.952 | 4330 |",
].join("\n");

async function powerSettings(config: PowerConfig): Promise<Record<string, unknown>> {
  const design = await prepareDesign(config);
  const sc = design.sizeCovariate;
  return {
    ...withoutMenusPerCell(designSettings(design, { hyperparameters: true })),
    gamma_size_mean: sc?.gamma_size_mean ?? null,
    gamma_size_sd: sc?.gamma_size_sd ?? null,
    sampler: { ...samplerSettings(config), max_treedepth: config.max_treedepth ?? null },
    presentations: config.num_presentations,
    sim_overrides: config.sim_overrides,
    target: config.target,
  };
}

export const regimeA: OriginalStudy<PowerConfig> = {
  name: REGIME_A_NAME,
  seed: DEFAULT_POWER_SEED,
  cmdstan: "2.37",
  published: true,
  settingsDiffer: async (config) => {
    const differ = differingSettings(await powerSettings(config), REGIME_A_SETTINGS, REGIME_A_NAME);
    const menus = config.study_design_config?.M_per_cell;
    const cell = `${String(menus)}:${Number.isInteger(config.rho_copy) ? `${config.rho_copy}.0` : config.rho_copy}`;
    if (!REGIME_A_CELLS.includes(cell))
      differ.push(`cell ${cell} (${REGIME_A_NAME}: one of ${REGIME_A_CELLS.join(", ")})`);
    return differ;
  },
};
