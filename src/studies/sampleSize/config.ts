/**
 * The sample-size config (docs/sample-size.md "Config"): the original's keys, read as they are
 * (K, D, R and M_grid required; base_design_path; n_iterations 10; n_mcmc_samples 1000 per
 * chain; n_mcmc_chains 4; output_dir; inference_model_path and sim_model_path, m_0 and its
 * simulator by default; N and S, which the original reads for risky models only), plus the keys
 * every study kind takes (src/pipeline/studyConfig.ts) and the optional sampler settings of the
 * flat recovery (n_mcmc_warmup, default n_mcmc_samples // 2; adapt_delta; max_treedepth).
 *
 * `M` is one size of M_grid: the grid sets it in each cell's config (its folder M_<M>); a config
 * with M runs that size alone.
 */
import { z } from "zod";
import {
  baseStudyKeys,
  parseConfigObject,
  portableWithWarmup,
  posInt,
  resolveAgainst,
  resolveBaseKeys,
  type BaseStudyConfig,
} from "../../pipeline/studyConfig.js";
import { InputError } from "../../util/errors.js";
import { DEFAULT_RECOVERY_SEED } from "../common/fitSteps.js";
import { resolveRecoveryKeys } from "../common/recoveryConfig.js";

const required = (what: string) => ({ required_error: `is required (${what})` });
const count = (min: number, what: string) =>
  z
    .number({ ...required(what), invalid_type_error: `must be an integer >= ${min}` })
    .int(`must be an integer >= ${min}`)
    .min(min, `must be an integer >= ${min}`);

const mGrid = z
  .array(posInt("a positive integer (a number of problems)"), {
    ...required("the numbers of problems M to run, e.g. [10, 15, 20, 25, 30]"),
    invalid_type_error: "must be a list of positive integers, e.g. [10, 15, 20, 25, 30]",
  })
  .nonempty("must list at least one number of problems")
  .superRefine((ms, ctx) => {
    const twice = ms.filter((m, i) => ms.indexOf(m) !== i);
    if (twice.length) ctx.addIssue({ code: "custom", message: `lists ${[...new Set(twice)].join(", ")} twice` });
  });

export const sampleSizeConfigSchema = z
  .object({
    ...baseStudyKeys({ seed: DEFAULT_RECOVERY_SEED, output_dir: "results/sample_size_estimation" }),
    K: count(2, "the number of consequences"),
    D: count(1, "the number of feature dimensions"),
    R: count(2, "the number of alternatives"),
    M_grid: mGrid,
    base_design_path: z.string().min(1).nullish(),
    n_iterations: posInt().default(10),
    n_mcmc_samples: posInt().default(1000),
    n_mcmc_warmup: posInt().optional(),
    n_mcmc_chains: posInt().default(4),
    adapt_delta: z.number({ invalid_type_error: "must be a number in (0, 1)" }).gt(0).lt(1).optional(),
    max_treedepth: posInt().optional(),
    inference_model_path: z.string().min(1).default("models/m_0.stan"),
    sim_model_path: z.string().min(1).default("models/m_0_sim.stan"),
    /** The original's risky problems' sizes (for risky models, which this kind refuses). */
    N: posInt().optional(),
    S: posInt().optional(),
    /** One size of M_grid: a cell of the grid. */
    M: posInt("a positive integer (one size of M_grid)").optional(),
  })
  .strict();

type Parsed = z.output<typeof sampleSizeConfigSchema>;
export type SampleSizeConfigInput = z.input<typeof sampleSizeConfigSchema>;

export interface SampleSizeConfig extends Omit<Parsed, keyof BaseStudyConfig | "base_design_path">, BaseStudyConfig {
  base_design_path?: string;
  /** Warmup actually used. */
  warmup: number;
}

/** Validate a parsed config object (note keys dropped). Relative paths resolve against `baseDir`. */
export function parseSampleSizeConfig(raw: unknown, source: string, baseDir: string): SampleSizeConfig {
  const c = parseConfigObject(sampleSizeConfigSchema, raw, source);
  if (c.M !== undefined && !c.M_grid.includes(c.M))
    throw new InputError(`${source}: M: ${c.M} is not one of M_grid (${c.M_grid.join(", ")})`);
  const base_design_path = c.base_design_path ? resolveAgainst(baseDir, c.base_design_path) : undefined;
  return {
    ...c,
    ...resolveBaseKeys(c, source, baseDir),
    base_design_path,
    ...resolveRecoveryKeys(c, source, baseDir, { base_design_path }),
  };
}

/** The config a cluster task (or a cell of the grid) rebuilds this study from. */
export function portableSampleSizeConfig(c: SampleSizeConfig, cmdstanPath: string): Record<string, unknown> {
  return portableWithWarmup(c, cmdstanPath);
}

/** A cell's folder, as the original names it: M_10. */
export const cellName = (M: number): string => `M_${M}`;
