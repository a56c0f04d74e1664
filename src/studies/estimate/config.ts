/**
 * The estimation config (the users' model_estimation_config.json, docs/estimate.md): `data_path`
 * (a Stan JSON data file: the design's keys and the observed choices), `model_path`, `output_dir`,
 * `n_mcmc_samples` (2000 per chain), `n_mcmc_chains` (4); and, beyond the original's keys,
 * `n_mcmc_warmup` (default n_mcmc_samples / 2, as the original), `adapt_delta` and
 * `max_treedepth` (absent: CmdStan's own defaults, as the original passes none), and the keys
 * every study takes. The fit's seed is `seed` (default 12345, the original's).
 */
import path from "node:path";
import { z } from "zod";
import {
  baseStudyKeys,
  parseStudyConfig,
  portableWithWarmup,
  posInt,
  requireFiles,
  resolveAgainst,
  type BaseStudyConfig,
} from "../../pipeline/studyConfig.js";
import { differingSettings, type OriginalStudy } from "../faithfulness.js";

export const DEFAULT_ESTIMATE_SEED = 12345;

export const estimateConfigSchema = z
  .object({
    ...baseStudyKeys({ seed: DEFAULT_ESTIMATE_SEED, output_dir: "results/model_estimation" }),
    data_path: z.string({ required_error: "is required (the Stan JSON data file to fit)" }).min(1),
    model_path: z.string({ required_error: "is required (the .stan file to fit)" }).min(1),
    n_mcmc_samples: posInt().default(2000),
    n_mcmc_chains: posInt().default(4),
    n_mcmc_warmup: posInt().optional(),
    adapt_delta: z.number({ invalid_type_error: "must be a number in (0, 1)" }).gt(0).lt(1).optional(),
    max_treedepth: posInt().optional(),
  })
  .strict();

type Parsed = z.output<typeof estimateConfigSchema>;
export interface EstimateConfig extends Omit<Parsed, keyof BaseStudyConfig>, BaseStudyConfig {
  /** Warmup iterations per chain actually used. */
  warmup: number;
}

export function parseEstimateConfig(raw: unknown, source: string, baseDir: string): EstimateConfig {
  const c = parseStudyConfig(estimateConfigSchema, raw, source, baseDir);
  const resolved: EstimateConfig = {
    ...c,
    data_path: resolveAgainst(baseDir, c.data_path),
    model_path: resolveAgainst(baseDir, c.model_path),
    warmup: c.n_mcmc_warmup ?? Math.max(1, Math.floor(c.n_mcmc_samples / 2)),
  };
  requireFiles(source, { model_path: resolved.model_path, data_path: resolved.data_path });
  return resolved;
}

export function portableEstimateConfig(c: EstimateConfig, cmdstanPath: string): Record<string, unknown> {
  return portableWithWarmup(c, cmdstanPath);
}

/** The fit's settings, as the fingerprint and config_info.json record them (null: CmdStan's default). */
export function fitSettings(c: EstimateConfig) {
  return {
    n_mcmc_samples: c.n_mcmc_samples,
    n_mcmc_warmup: c.warmup,
    n_mcmc_chains: c.n_mcmc_chains,
    seed: c.seed,
    adapt_delta: c.adapt_delta ?? null,
    max_treedepth: c.max_treedepth ?? null,
  };
}

const ORIGINAL = "the users' model_estimation_config.json";

/**
 * The users' estimation as this kind's original study (../faithfulness.ts): m_0 fitted to their
 * GPT-4 data file, 4 chains x (1000 + 2000), CmdStan's sampler defaults, seed 12345, with the
 * CmdStan of their reports (2.37). A run with those settings and CmdStan >= 2.35 draws the same
 * chains on the same data; there are no published numbers to compare with.
 */
export const estimateOriginal: OriginalStudy<EstimateConfig> = {
  name: ORIGINAL,
  seed: DEFAULT_ESTIMATE_SEED,
  cmdstan: "2.37",
  published: false,
  settingsDiffer: async (c) => {
    const { seed: _s, ...settings } = fitSettings(c);
    const ours = { model: path.basename(c.model_path), data: path.basename(c.data_path), ...settings };
    const theirs = { model: "m_0.stan", data: "stan_data_GPT-4.json", ...ORIGINAL_FIT };
    return differingSettings(ours, theirs, ORIGINAL);
  },
};

const ORIGINAL_FIT = {
  n_mcmc_samples: 2000,
  n_mcmc_warmup: 1000,
  n_mcmc_chains: 4,
  adapt_delta: null,
  max_treedepth: null,
};
