/**
 * The flat SBC config (docs/flat-sbc.md): the keys the users' flat SBC configs hold, read as the
 * original's SBC driver reads them, plus the keys every study kind takes (src/pipeline/studyConfig.ts).
 * Validated with zod; every error names the config file and the key; keys beginning with "_"
 * are notes.
 *
 * The original's keys: `sbc_model_path`, `output_dir`, the design source (`study_design_path`, a
 * flat design file, or `study_design_config`, the flat design keys; risky problems exactly when
 * it has N, with risky_probs "fixed" by default, as the driver builds them), and the SBC keys
 * (../sbcCommon/sampler.ts) with the driver's defaults: 100 simulations, 1000 draws over all
 * chains, 4 chains, thin 1. Optional `iter_warmup`, `adapt_delta`, `max_treedepth` (absent: not
 * passed to CmdStan).
 *
 * This tool's `extra_data`: values for the scalar data an SBC model declares beyond the design
 * (m_03_sbc's delta_concentration), as the original's `extra_data` argument, which its driver
 * never passes; absent ones take the original's defaults (delta_concentration 1.0).
 *
 * `concentration_grid` makes the study a sweep of delta_concentration (../sweep/, docs/sweeps.md).
 *
 * Seeds: simulation i (1-based) samples, and draws its truth, with `seed + (i - 1)` (default
 * seed 123: the original's 123 + i for its 0-based i). A generated design comes from `seed`.
 */
import { z } from "zod";
import type { FlatDesignSource } from "../../pipeline/flatStudyDesign.js";
import { parseFlatStudyConfig } from "../../pipeline/flatStudyDesign.js";
import { checkDesignSource, designStudyKeys, type BaseStudyConfig } from "../../pipeline/studyConfig.js";
import { refuseOtherFamilyKeys } from "../sbcCommon/family.js";
import {
  checkSbcDraws,
  DEFAULT_SBC_SEED,
  resolveSbcConfig,
  sbcSampler,
  sbcSamplerKeys,
  type SbcSamplerSettings,
} from "../sbcCommon/sampler.js";
import { checkSweepAgainst, sweepKeys } from "../sweep/config.js";

const dataValue = z.number({ invalid_type_error: "must be a number" }).finite("must be finite");

export const flatSbcConfigSchema = z
  .object({
    ...designStudyKeys({ seed: DEFAULT_SBC_SEED, output_dir: "results/sbc" }),
    sbc_model_path: z.string({ required_error: "is required (the SBC .stan file)" }).min(1),
    // The original's driver: 4 chains, every draw kept (the users' configs set 1 chain and thin 3).
    ...sbcSamplerKeys({ n_mcmc_chains: 4, thin: 1 }),
    extra_data: z
      .record(dataValue, { invalid_type_error: "must be an object of data values, e.g. {delta_concentration: 2}" })
      .default({}),
    ...sweepKeys,
  })
  .strict()
  .superRefine((c, ctx) => {
    checkDesignSource(c, ctx);
    checkSbcDraws(c, ctx);
    checkSweepAgainst(c, "extra_data", ctx);
  });

export type FlatSbcConfigInput = z.input<typeof flatSbcConfigSchema>;

type Parsed = z.output<typeof flatSbcConfigSchema>;
export interface FlatSbcConfig
  extends
    Omit<Parsed, keyof BaseStudyConfig | keyof FlatDesignSource>,
    BaseStudyConfig,
    FlatDesignSource,
    SbcSamplerSettings {}

/** Validate a parsed config object. Relative paths resolve against `baseDir`. */
export function parseFlatSbcConfig(raw: unknown, source: string, baseDir: string): FlatSbcConfig {
  // A hierarchical SBC key here is a mix-up of the two families: said so, by name.
  refuseOtherFamilyKeys(raw, source, "flat");
  return resolveSbcConfig(parseFlatStudyConfig(flatSbcConfigSchema, raw, source, baseDir), source, baseDir);
}

/**
 * What determines the results (a study folder records it, and resuming with another is
 * refused): the sampler, the seed, the model, the design and the data values beyond it.
 * `n_sbc_sims` is left out (simulation i depends only on i), as are cores, output_dir, keep_csv.
 */
export function flatSbcFingerprint(
  c: FlatSbcConfig,
  modelHash: string,
  designHash: string,
  hyperparameters: Record<string, number>,
): Record<string, unknown> {
  return {
    ...sbcSampler(c),
    seed: c.seed,
    hyperparameters,
    sbc_model: { path: c.sbc_model_path, hash: modelHash },
    design_hash: designHash,
  };
}
