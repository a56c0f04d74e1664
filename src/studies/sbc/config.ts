/**
 * The SBC config (docs/sbc.md): the original tool's keys, accepted as they are, plus the keys
 * every study kind takes (src/pipeline/studyConfig.ts). Validated with zod; every error names the
 * config file and the key; keys beginning with "_" are notes.
 *
 * The original's keys: `sbc_model_path`, `study_design_path` (`null` = generate) or
 * `study_design_config`, `output_dir`, the SBC sampler keys (../sbcCommon/sampler.ts:
 * `n_sbc_sims`, `n_mcmc_samples` over all chains, `n_mcmc_chains`, `thin`, and optional
 * `iter_warmup`, `adapt_delta`, `max_treedepth`), `alpha_var`, `extra_params_after_gamma`.
 * Absent counts take Report 12's values (100 simulations, 1000 draws, 1 chain, thin 3).
 *
 * Seeds: one `seed` (default 123) drives the run. The design is generated from `seed`;
 * simulation i (1-based) samples, and draws its truth, with `seed + (i - 1)`.
 */
import { z } from "zod";
import {
  checkDesignSource,
  designStudyKeys,
  parseDesignStudyConfig,
  type BaseStudyConfig,
  type DesignSource,
} from "../../pipeline/studyConfig.js";
import { alphaVarKey, checkTrackedNames, extraScalars } from "../hierarchicalTracked.js";
import { refuseOtherFamilyKeys } from "../sbcCommon/family.js";
import {
  checkSbcDraws,
  DEFAULT_SBC_SEED,
  resolveSbcConfig,
  sbcSampler,
  sbcSamplerKeys,
  type SbcSamplerSettings,
} from "../sbcCommon/sampler.js";

export { portableSbcConfig, simulationSeed } from "../sbcCommon/sampler.js";

export const sbcConfigSchema = z
  .object({
    ...designStudyKeys({ seed: DEFAULT_SBC_SEED, output_dir: "results/h_m01_sbc" }),
    sbc_model_path: z.string({ required_error: "is required (the SBC .stan file)" }).min(1),
    ...sbcSamplerKeys({ n_mcmc_chains: 1, thin: 3 }),
    ...alphaVarKey,
    /** Scalars tracked after gamma (h_m01_size: ["gamma_size"]). */
    extra_params_after_gamma: extraScalars,
  })
  .strict()
  .superRefine((c, ctx) => {
    checkDesignSource(c, ctx);
    checkTrackedNames(c.alpha_var, c.extra_params_after_gamma, "extra_params_after_gamma", ctx);
    checkSbcDraws(c, ctx);
  });

export type SbcConfigInput = z.input<typeof sbcConfigSchema>;

type Parsed = z.output<typeof sbcConfigSchema>;
export interface SbcConfig
  extends Omit<Parsed, keyof BaseStudyConfig | keyof DesignSource>, BaseStudyConfig, DesignSource, SbcSamplerSettings {}

/** Validate a parsed config object. Relative paths resolve against `baseDir`. */
export function parseSbcConfig(raw: unknown, source: string, baseDir: string): SbcConfig {
  // A flat design's or flat SBC's key here is a mix-up of the two families: said so, by name.
  refuseOtherFamilyKeys(raw, source, "hierarchical");
  return resolveSbcConfig(parseDesignStudyConfig(sbcConfigSchema, raw, source, baseDir), source, baseDir);
}

/**
 * The part of the config that determines the results: a study folder records it, and resuming
 * with another is refused. `n_sbc_sims` is left out (simulation i depends only on i, so a study
 * can be extended), as are cores, output_dir and keep_csv.
 */
export function sbcFingerprint(c: SbcConfig, modelHash: string, designHash: string): Record<string, unknown> {
  // The key order is part of the hash the records carry: keep it, or every finished simulation is redone.
  return {
    ...sbcSampler(c),
    seed: c.seed,
    alpha_var: c.alpha_var,
    extra_params_after_gamma: c.extra_params_after_gamma,
    sbc_model: { path: c.sbc_model_path, hash: modelHash },
    design_hash: designHash,
  };
}
