/**
 * The users' own prior predictive runs as the prior kinds' original studies (../faithfulness.ts):
 * whether a run draws their draws. Parameter set i of theirs is a fixed_param run with seed
 * 12345 + i, so a run draws the same parameters and choices when its CmdStan draws with theirs
 * (CmdStan >= 2.35, mixmax; they ran the CmdStan of their reports, 2.37), its seed is 12345, its
 * seeding is per_param_set and its config's settings are theirs. Those runs published no numbers
 * to compare with (published false). The settings are read from the config (and for the
 * hierarchical family its design, generated again: milliseconds).
 */
import { DEFAULT_SIM_HYPERPARAMETERS } from "../../design/studyDesign.js";
import { prepareDesign } from "../../pipeline/studySetup.js";
import { designSettings, differingSettings, ORIGINAL_DESIGN, type OriginalStudy } from "../faithfulness.js";
import { DEFAULT_PRIOR_SEED } from "./config.js";
import type { FlatPriorConfig } from "./flatConfig.js";
import { mergedHyperparameters, type HierarchicalPriorConfig } from "./hierarchicalConfig.js";

const CMDSTAN = "2.37";
const HIERARCHICAL = "the users' h_m01_prior_analysis_config.json";
const FLAT = "the users' prior_analysis_config.json";

/** h_m01_prior_analysis_config.json: the reports' design, default hyperparameters, 200 sets x 5 draws. */
const HIERARCHICAL_SETTINGS = {
  ...ORIGINAL_DESIGN,
  hyperparameters: DEFAULT_SIM_HYPERPARAMETERS,
  n_param_samples: 200,
  n_choice_samples: 5,
  seeding: "per_param_set",
  alpha_var: "alpha",
};

export const hierarchicalPriorOriginal: OriginalStudy<HierarchicalPriorConfig> = {
  name: HIERARCHICAL,
  seed: DEFAULT_PRIOR_SEED,
  cmdstan: CMDSTAN,
  published: false,
  settingsDiffer: async (c) => {
    const ours = {
      ...designSettings(await prepareDesign(c), { hyperparameters: false }),
      hyperparameters: mergedHyperparameters(c),
      n_param_samples: c.n_param_samples,
      n_choice_samples: c.n_choice_samples,
      seeding: c.seeding,
      alpha_var: c.alpha_var,
    };
    return differingSettings(ours, HIERARCHICAL_SETTINGS, HIERARCHICAL);
  },
};

/**
 * prior_analysis_config.json: m_0_sim's default hyperparameters, 1000 sets x 1 draw, on the
 * design file it loads (which only its own repository holds: a run on that file, or on a design of
 * the same K and D, draws its parameters; the choices depend on the design's problems too).
 */
const FLAT_SETTINGS = {
  n_param_samples: 1000,
  n_choice_samples: 1,
  seeding: "per_param_set",
  parameter_priors: {},
  design_source: "study_design_path",
};

export const flatPriorOriginal: OriginalStudy<FlatPriorConfig> = {
  name: FLAT,
  seed: DEFAULT_PRIOR_SEED,
  cmdstan: CMDSTAN,
  published: false,
  settingsDiffer: async (c) => {
    const ours = {
      n_param_samples: c.n_param_samples,
      n_choice_samples: c.n_choice_samples,
      seeding: c.seeding,
      parameter_priors: c.priorValues,
      design_source: c.study_design_path
        ? "study_design_path"
        : c.study_config_path
          ? "study_config_path"
          : "study_design_config",
    };
    return differingSettings(ours, FLAT_SETTINGS, FLAT);
  },
};
