/**
 * The SBC config (docs/sbc.md): the original tool's keys, accepted as they are, plus the keys
 * every study kind takes (src/pipeline/studyConfig.ts). Validated with zod; every error names the
 * config file and the key; keys beginning with "_" are notes.
 *
 * The original's keys: `sbc_model_path`, `study_design_path` (`null` = generate) or
 * `study_design_config`, `output_dir`, `n_sbc_sims`, `n_mcmc_samples` (post-warmup draws over
 * all chains), `n_mcmc_chains`, `thin`, and optional `iter_warmup`, `adapt_delta`,
 * `max_treedepth` (absent: not passed to CmdStan, whose defaults are 0.8 and 10), `alpha_var`,
 * `extra_params_after_gamma`. Absent counts take Report 12's values (100 simulations, 1000
 * draws, 1 chain, thin 3).
 *
 * Each chain samples iter_sampling = floor(n_mcmc_samples / n_mcmc_chains) draws after
 * iter_warmup = iter_warmup or floor(n_mcmc_samples / (2 chains)) warmup iterations.
 *
 * Seeds: one `seed` (default 123) drives the run. The design is generated from `seed`;
 * simulation i (1-based) samples with `seed + (i - 1)`, which at the default seed is the
 * original's 123 + i for the 0-based simulation i. That seed also draws the simulation's truth (the SBC
 * model draws it in transformed data).
 */
import { z } from "zod";
import {
  checkDesignSource,
  designStudyKeys,
  parseDesignStudyConfig,
  portableConfig,
  posInt,
  requireFiles,
  resolveAgainst,
  type BaseStudyConfig,
  type DesignSource,
} from "../../pipeline/studyConfig.js";
import { alphaVarKey, checkTrackedNames, extraScalars } from "../hierarchicalTracked.js";

export const DEFAULT_SBC_SEED = 123;
/** CmdStan's defaults, used when the config leaves the sampler settings out. */
export const CMDSTAN_DEFAULT_ADAPT_DELTA = 0.8;
export const CMDSTAN_DEFAULT_MAX_TREEDEPTH = 10;

export const sbcConfigSchema = z
  .object({
    ...designStudyKeys({ seed: DEFAULT_SBC_SEED, output_dir: "results/h_m01_sbc" }),
    sbc_model_path: z.string({ required_error: "is required (the SBC .stan file)" }).min(1),
    n_sbc_sims: posInt().default(100),
    n_mcmc_samples: posInt().default(1000),
    n_mcmc_chains: posInt().default(1),
    thin: posInt().default(3),
    iter_warmup: z.number({ invalid_type_error: "must be a non-negative integer" }).int().min(0).optional(),
    adapt_delta: z.number({ invalid_type_error: "must be a number in (0, 1)" }).gt(0).lt(1).optional(),
    max_treedepth: posInt().optional(),
    ...alphaVarKey,
    /** Scalars tracked after gamma (h_m01_size: ["gamma_size"]). */
    extra_params_after_gamma: extraScalars,
  })
  .strict()
  .superRefine((c, ctx) => {
    checkDesignSource(c, ctx);
    checkTrackedNames(c.alpha_var, c.extra_params_after_gamma, "extra_params_after_gamma", ctx);
    if (c.n_mcmc_samples < c.n_mcmc_chains) {
      ctx.addIssue({
        code: "custom",
        path: ["n_mcmc_samples"],
        message: `(${c.n_mcmc_samples}) must be at least n_mcmc_chains (${c.n_mcmc_chains}): it is the draws over all chains`,
      });
    }
  });

export type SbcConfigInput = z.input<typeof sbcConfigSchema>;

type Parsed = z.output<typeof sbcConfigSchema>;
export interface SbcConfig
  extends Omit<Parsed, keyof BaseStudyConfig | keyof DesignSource>, BaseStudyConfig, DesignSource {
  /** Draws per chain after warmup, and warmup iterations per chain. */
  iterSampling: number;
  iterWarmup: number;
  /** Max tree depth in force (the config's, else CmdStan's default 10), for counting hits. */
  maxTreedepthUsed: number;
}

/** Validate a parsed config object. Relative paths resolve against `baseDir`. */
export function parseSbcConfig(raw: unknown, source: string, baseDir: string): SbcConfig {
  const c = parseDesignStudyConfig(sbcConfigSchema, raw, source, baseDir);
  const resolved: SbcConfig = {
    ...c,
    sbc_model_path: resolveAgainst(baseDir, c.sbc_model_path),
    iterSampling: Math.floor(c.n_mcmc_samples / c.n_mcmc_chains),
    iterWarmup: c.iter_warmup ?? Math.floor(c.n_mcmc_samples / (2 * c.n_mcmc_chains)),
    maxTreedepthUsed: c.max_treedepth ?? CMDSTAN_DEFAULT_MAX_TREEDEPTH,
  };
  requireFiles(source, { sbc_model_path: resolved.sbc_model_path, study_design_path: resolved.study_design_path });
  return resolved;
}

/** The config a cluster task rebuilds this study from (see studyConfig.ts). */
export function portableSbcConfig(c: SbcConfig, cmdstanPath: string): Record<string, unknown> {
  return portableConfig(c, cmdstanPath, {
    drop: ["iterSampling", "iterWarmup", "maxTreedepthUsed"],
    put: { iter_warmup: c.iterWarmup },
  });
}

/** The sampler seed of simulation i (1-based); it also draws the truth. */
export function simulationSeed(config: Pick<SbcConfig, "seed">, i: number): number {
  return config.seed + (i - 1);
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

/** The sampler settings in force (null: CmdStan's default), as the fingerprint and config_info.json record them. */
export function sbcSampler(c: SbcConfig) {
  return {
    n_mcmc_samples: c.n_mcmc_samples,
    n_mcmc_chains: c.n_mcmc_chains,
    iter_warmup: c.iterWarmup,
    thin: c.thin,
    adapt_delta: c.adapt_delta ?? null,
    max_treedepth: c.max_treedepth ?? null,
  };
}
