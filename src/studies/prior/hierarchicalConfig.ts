/**
 * The hierarchical prior predictive config (the users' h_m01_prior_analysis_config.json):
 * `sim_model_path` (default our stan/h_m01_sim.stan), `output_dir`, `n_param_samples` (100),
 * `n_choice_samples` (5), `hyperparameters` (merged over the original's defaults, then over the
 * design's values: what the simulator gets), the design source (`study_design_path` or
 * `study_design_config`, hierarchical), `alpha_var` (the simulator's per-cell sensitivity,
 * default alpha), and the keys every study takes. See docs/prior.md.
 */
import { z } from "zod";
import { DEFAULT_SIM_HYPERPARAMETERS } from "../../design/studyDesign.js";
import {
  checkDesignSource,
  designStudyKeys,
  numbersByName,
  parseDesignStudyConfig,
  posInt,
  requireFiles,
  type BaseStudyConfig,
  type DesignSource,
} from "../../pipeline/studyConfig.js";
import { alphaVarKey } from "../hierarchicalTracked.js";
import { DEFAULT_PRIOR_SEED, priorRunKeys, simulatorPath, type PriorRun } from "./config.js";

export const hierarchicalPriorSchema = z
  .object({
    ...designStudyKeys({ seed: DEFAULT_PRIOR_SEED, output_dir: "results/h_m01_prior_analysis" }),
    sim_model_path: z.string().min(1).optional(),
    n_param_samples: posInt().default(100),
    ...priorRunKeys,
    hyperparameters: numbersByName('{"gamma0_mean": 2.5}').default({}),
    ...alphaVarKey,
  })
  .strict()
  .superRefine(checkDesignSource);

type Parsed = z.output<typeof hierarchicalPriorSchema>;
export interface HierarchicalPriorConfig
  extends Omit<Parsed, keyof BaseStudyConfig | keyof DesignSource>, BaseStudyConfig, DesignSource, PriorRun {
  sim_model_path: string;
}

export function parseHierarchicalPriorConfig(raw: unknown, source: string, baseDir: string): HierarchicalPriorConfig {
  const c = parseDesignStudyConfig(hierarchicalPriorSchema, raw, source, baseDir);
  const resolved = { ...c, sim_model_path: simulatorPath(c.sim_model_path, baseDir, "h_m01_sim.stan") };
  requireFiles(source, { sim_model_path: resolved.sim_model_path, study_design_path: resolved.study_design_path });
  return resolved;
}

/** The hyperparameters the simulator gets: the config's over the original's defaults. */
export function mergedHyperparameters(c: Pick<HierarchicalPriorConfig, "hyperparameters">): Record<string, number> {
  return { ...DEFAULT_SIM_HYPERPARAMETERS, ...c.hyperparameters };
}
