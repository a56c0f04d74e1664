/**
 * The sampler settings every SBC kind takes, in the original's keys: `n_sbc_sims`,
 * `n_mcmc_samples` (post-warmup draws over all chains), `n_mcmc_chains`, `thin`, and optional
 * `iter_warmup`, `adapt_delta`, `max_treedepth` (absent: not passed to CmdStan, whose defaults are
 * 0.8 and 10). The model families differ only in the defaults of chains and thin.
 *
 * Each chain samples iter_sampling = floor(n_mcmc_samples / n_mcmc_chains) draws after
 * iter_warmup = iter_warmup or floor(n_mcmc_samples / (2 chains)) warmup iterations.
 *
 * Seeds: simulation i (1-based) samples with `seed + (i - 1)`, which at the default seed 123 is
 * the original's 123 + i for its 0-based simulation i. That seed also draws the simulation's
 * truth (the SBC model draws it in transformed data).
 */
import { z } from "zod";
import {
  portableConfig,
  posInt,
  requireFiles,
  resolveAgainst,
  type BaseStudyConfig,
} from "../../pipeline/studyConfig.js";

export const DEFAULT_SBC_SEED = 123;
/** CmdStan's defaults, used when the config leaves the sampler settings out. */
export const CMDSTAN_DEFAULT_ADAPT_DELTA = 0.8;
export const CMDSTAN_DEFAULT_MAX_TREEDEPTH = 10;

/** The SBC keys of a config schema; `defaults` are the family's chains and thin. */
export function sbcSamplerKeys(defaults: { n_mcmc_chains: number; thin: number }) {
  return {
    n_sbc_sims: posInt().default(100),
    n_mcmc_samples: posInt().default(1000),
    n_mcmc_chains: posInt().default(defaults.n_mcmc_chains),
    thin: posInt().default(defaults.thin),
    iter_warmup: z.number({ invalid_type_error: "must be a non-negative integer" }).int().min(0).optional(),
    adapt_delta: z.number({ invalid_type_error: "must be a number in (0, 1)" }).gt(0).lt(1).optional(),
    max_treedepth: posInt().optional(),
  };
}

/** n_mcmc_samples counts the draws over all chains, so it must give every chain one. */
export function checkSbcDraws(c: { n_mcmc_samples: number; n_mcmc_chains: number }, ctx: z.RefinementCtx): void {
  if (c.n_mcmc_samples < c.n_mcmc_chains) {
    ctx.addIssue({
      code: "custom",
      path: ["n_mcmc_samples"],
      message: `(${c.n_mcmc_samples}) must be at least n_mcmc_chains (${c.n_mcmc_chains}): it is the draws over all chains`,
    });
  }
}

/** The validated SBC keys. */
export interface SbcSamplerKeys {
  n_sbc_sims: number;
  n_mcmc_samples: number;
  n_mcmc_chains: number;
  thin: number;
  iter_warmup?: number;
  adapt_delta?: number;
  max_treedepth?: number;
}

/** What the SBC keys resolve to. */
export interface SbcSamplerSettings extends SbcSamplerKeys {
  /** Draws per chain after warmup, and warmup iterations per chain. */
  iterSampling: number;
  iterWarmup: number;
  /** Max tree depth in force (the config's, else CmdStan's default 10), for counting hits. */
  maxTreedepthUsed: number;
}

/** What one simulation's run needs of a config. */
export type SbcRunSettings = SbcSamplerSettings & Pick<BaseStudyConfig, "seed" | "keep_csv" | "chain_timeout_s">;

export function resolveSbcSampler(c: SbcSamplerKeys): Omit<SbcSamplerSettings, keyof SbcSamplerKeys> {
  return {
    iterSampling: Math.floor(c.n_mcmc_samples / c.n_mcmc_chains),
    iterWarmup: c.iter_warmup ?? Math.floor(c.n_mcmc_samples / (2 * c.n_mcmc_chains)),
    maxTreedepthUsed: c.max_treedepth ?? CMDSTAN_DEFAULT_MAX_TREEDEPTH,
  };
}

/**
 * A validated SBC config, resolved: the model's path against `baseDir`, the sampler settings
 * derived; the model and the design file must exist.
 */
export function resolveSbcConfig<
  C extends SbcSamplerKeys & { sbc_model_path: string; study_design_path: string | undefined },
>(c: C, source: string, baseDir: string): C & SbcSamplerSettings {
  const resolved = { ...c, sbc_model_path: resolveAgainst(baseDir, c.sbc_model_path), ...resolveSbcSampler(c) };
  requireFiles(source, { sbc_model_path: resolved.sbc_model_path, study_design_path: resolved.study_design_path });
  return resolved;
}

/**
 * The config a cluster task rebuilds an SBC study from (the derived settings as the keys they
 * came from); `derived` names the kind's own derived keys, left out.
 */
export function portableSbcConfig<C extends BaseStudyConfig & SbcSamplerSettings>(
  c: C,
  cmdstanPath: string,
  derived: readonly (keyof C)[] = [],
): Record<string, unknown> {
  return portableConfig(c, cmdstanPath, {
    drop: ["iterSampling", "iterWarmup", "maxTreedepthUsed", ...derived],
    put: { iter_warmup: c.iterWarmup },
  });
}

/** The sampler seed of simulation i (1-based); it also draws the truth. */
export function simulationSeed(config: Pick<BaseStudyConfig, "seed">, i: number): number {
  return config.seed + (i - 1);
}

/** The sampler settings in force (null: CmdStan's default), as the fingerprints and config_info.json record them. */
export function sbcSampler(c: SbcSamplerSettings) {
  return {
    n_mcmc_samples: c.n_mcmc_samples,
    n_mcmc_chains: c.n_mcmc_chains,
    iter_warmup: c.iterWarmup,
    thin: c.thin,
    adapt_delta: c.adapt_delta ?? null,
    max_treedepth: c.max_treedepth ?? null,
  };
}
