/**
 * The flat family's recovery config (docs/flat-recovery.md): the original's keys, accepted as
 * they are (`inference_model_path`, `sim_model_path`, `output_dir`, `n_mcmc_samples` per chain,
 * `n_mcmc_chains`, `n_iterations`, `sim_hyperparams`, and the design source
 * `study_design_path` / `study_config_path` / `study_design_config`), plus the keys every study
 * kind takes (src/pipeline/studyConfig.ts) and the optional sampler settings `n_mcmc_warmup`
 * (default n_mcmc_samples // 2), `adapt_delta` and `max_treedepth` (absent: not passed, so
 * CmdStan's 0.8 and 10, as the original's flat recovery ran).
 *
 * Which hyperparameters exist is the models' to say (modelContract.ts, with stanc); here the
 * values are only checked to be numbers. Keys of the hierarchical recovery are refused by name.
 * `concentration_grid` makes the study a sweep of delta_concentration (../sweep/, docs/sweeps.md).
 */
import { z } from "zod";
import { checkFlatDesignSource, flatDesignSourceKeys } from "../../pipeline/flatDesignSetup.js";
import {
  baseStudyKeys,
  parseConfigObject,
  resolveAgainst,
  resolveBaseKeys,
  type BaseStudyConfig,
  portableWithWarmup,
} from "../../pipeline/studyConfig.js";
import { refuseOtherFamilyKeys } from "../common/familyKeys.js";
import { DEFAULT_RECOVERY_SEED } from "../common/fitSteps.js";
import {
  flatSamplerKeys,
  recoveryKeys,
  resolveRecoveryKeys,
  samplerFingerprint,
  modelsFingerprint,
} from "../common/recoveryConfig.js";
import { checkSweepAgainst, sweepKeys, SWEEP_KEY } from "../sweep/config.js";

export const flatRecoveryConfigSchema = z
  .object({
    ...baseStudyKeys({ seed: DEFAULT_RECOVERY_SEED, output_dir: "results/parameter_recovery" }),
    ...recoveryKeys,
    /** adapt_delta, max_treedepth, summary_variables (what posterior_summary.csv and diagnostics.txt cover), sim_hyperparams. */
    ...flatSamplerKeys,
    ...flatDesignSourceKeys,
    ...sweepKeys,
  })
  .strict()
  .superRefine((c, ctx) => {
    checkFlatDesignSource(c, ctx);
    checkSweepAgainst(c, "sim_hyperparams", ctx);
  });

type Parsed = z.output<typeof flatRecoveryConfigSchema>;

export interface FlatRecoveryConfig
  extends Omit<Parsed, keyof BaseStudyConfig | keyof typeof flatDesignSourceKeys>, BaseStudyConfig {
  study_design_path?: string;
  study_config_path?: string;
  study_design_config?: Record<string, unknown>;
  /** Warmup actually used. */
  warmup: number;
}

/** Validate a parsed config object (note keys dropped). Relative paths resolve against `baseDir`. */
export function parseFlatRecoveryConfig(raw: unknown, source: string, baseDir: string): FlatRecoveryConfig {
  refuseOtherFamilyKeys(raw, source, "flat");
  const c = parseConfigObject(flatRecoveryConfigSchema, raw, source);
  const resolve = (p: string | null | undefined) => (p ? resolveAgainst(baseDir, p) : undefined);
  const designFiles = {
    study_design_path: resolve(c.study_design_path),
    study_config_path: resolve(c.study_config_path),
  };
  return {
    ...c,
    ...resolveBaseKeys(c, source, baseDir),
    ...designFiles,
    study_design_config: c.study_design_config ?? undefined,
    ...resolveRecoveryKeys(c, source, baseDir, designFiles),
  };
}

/**
 * The config a cluster task rebuilds this study from (see studyConfig.ts). A sweep's cells are
 * this config with their value set, so the grid key is left out (a grid's recipe lists its cells).
 */
export function portableFlatRecoveryConfig(c: FlatRecoveryConfig, cmdstanPath: string): Record<string, unknown> {
  const { [SWEEP_KEY]: _grid, ...study } = portableWithWarmup(c, cmdstanPath);
  return study;
}

/**
 * The part of the config that determines the results (a study folder records it; resuming with
 * another is refused). n_iterations, cores, output_dir and keep_csv change no finished iteration.
 * The key order is part of the hash the records carry: keep it.
 */
export function flatRecoveryFingerprint(
  c: FlatRecoveryConfig,
  models: { inference: string; sim: string },
  data: { simHyperparameters: Record<string, number>; fitHyperparameters: Record<string, number> },
  designHash: string,
): Record<string, unknown> {
  return {
    ...samplerFingerprint(c),
    summary_variables: c.summary_variables,
    sim_hyperparameters: data.simHyperparameters,
    fit_hyperparameters: data.fitHyperparameters,
    ...modelsFingerprint(c, models, designHash),
  };
}
