/**
 * The recovery config: the original study's keys, accepted as they are, plus the keys every study
 * kind takes (src/pipeline/studyConfig.ts). Validated with zod; every error names the config file
 * and the key.
 *
 * The original's keys keep their meaning: `study_design_path: null` means "generate the design";
 * keys beginning with "_" (`_comment`) are notes and are ignored; `alpha_var`,
 * `extra_scalar_params` and `sim_only_keys` say which outputs are tracked and which data the fit
 * does not get; `sim_overrides` may set any scalar the simulator declares as data (checked
 * against the simulator in modelContract.ts, which needs stanc).
 *
 * Seeds: one `seed` (default 12345) drives the run. The design is generated from `seed`;
 * iteration i simulates with `seed + (i - 1)` and fits with `seed + 41976 + (i - 1)`, which at
 * the default seed are the original's 12345 + (i - 1) and 54321 + (i - 1) (docs/recovery.md).
 */
import { z } from "zod";
import {
  checkDesignSource,
  designStudyKeys,
  parseDesignStudyConfig,
  posInt,
  type BaseStudyConfig,
  type DesignSource,
  portableWithWarmup,
} from "../../pipeline/studyConfig.js";
import { alphaVarKey, checkTrackedNames, extraScalars } from "../hierarchicalTracked.js";
import { refuseOtherFamilyKeys } from "../common/familyKeys.js";
import { DEFAULT_RECOVERY_SEED } from "../common/fitSteps.js";
import {
  recoveryKeys,
  resolveRecoveryKeys,
  samplerFingerprint,
  modelsFingerprint,
  simulatorKeys,
} from "../common/recoveryConfig.js";

export { DEFAULT_RECOVERY_SEED, FIT_SEED_OFFSET, iterationSeeds } from "../common/fitSteps.js";

export const recoveryConfigSchema = z
  .object({
    ...designStudyKeys({ seed: DEFAULT_RECOVERY_SEED, output_dir: "results/h_m01_parameter_recovery" }),
    ...recoveryKeys,
    ...simulatorKeys,
    max_treedepth: posInt().default(12),
    ...alphaVarKey,
    /** Scalar parameters tracked after gamma in the regression group (h_m01_size: ["gamma_size"]). */
    extra_scalar_params: extraScalars,
  })
  .strict()
  .superRefine((c, ctx) => {
    checkDesignSource(c, ctx);
    checkTrackedNames(c.alpha_var, c.extra_scalar_params, "extra_scalar_params", ctx);
  });

export type RecoveryConfigInput = z.input<typeof recoveryConfigSchema>;

type Parsed = z.output<typeof recoveryConfigSchema>;
export interface RecoveryConfig
  extends Omit<Parsed, keyof BaseStudyConfig | keyof DesignSource>, BaseStudyConfig, DesignSource {
  /** Warmup actually used. */
  warmup: number;
}

/** Validate a parsed config object. Relative paths resolve against `baseDir`. */
export function parseRecoveryConfig(raw: unknown, source: string, baseDir: string): RecoveryConfig {
  refuseOtherFamilyKeys(raw, source, "hierarchical");
  const c = parseDesignStudyConfig(recoveryConfigSchema, raw, source, baseDir);
  return { ...c, ...resolveRecoveryKeys(c, source, baseDir, { study_design_path: c.study_design_path }) };
}

/** The config a cluster task rebuilds this study from (see studyConfig.ts). */
export function portableRecoveryConfig(c: RecoveryConfig, cmdstanPath: string): Record<string, unknown> {
  return portableWithWarmup(c, cmdstanPath);
}

/**
 * The part of the config that determines the results. A study folder records it; resuming
 * with a different fingerprint is refused. `cores`, `output_dir`, `keep_csv` and `n_iterations`
 * do not change any finished iteration's numbers, so they may differ between starts.
 */
export function recoveryFingerprint(
  c: RecoveryConfig,
  modelHashes: { inference: string; sim: string },
  designHash: string,
): Record<string, unknown> {
  // n_iterations is left out: iteration i depends only on i, so a study can be extended. The key
  // order is part of the hash the records carry: keep it, or every finished iteration is redone.
  return {
    ...samplerFingerprint(c),
    sim_overrides: c.sim_overrides,
    alpha_var: c.alpha_var,
    extra_scalar_params: c.extra_scalar_params,
    sim_only_keys: c.sim_only_keys,
    ...modelsFingerprint(c, modelHashes, designHash),
  };
}
