/**
 * The matched study's config (docs/matched.md): the users' keys as they are (`output_dir`,
 * `n_iterations`, `n_mcmc_samples` per chain, `n_mcmc_chains`, `study_design_config` with the flat
 * design keys and N), plus:
 *
 * - the three models, which the original hard-codes: `sim_model_path` (default stan/m_1_sim.stan),
 *   `uncertain_model_path` (stan/m_0.stan) and `risky_model_path` (stan/m_1.stan). A path the
 *   config gives resolves as other kinds' model paths do; a default resolves the same way and,
 *   when no such file is there, against this tool's own folder (its stan/ models);
 * - `study_design_path` (a flat design file with risky problems) instead of study_design_config;
 * - the flat family's optional keys: n_mcmc_warmup (n_mcmc_samples // 2), adapt_delta and
 *   max_treedepth (absent: CmdStan's defaults, as the original ran), summary_variables,
 *   sim_hyperparams; and the keys every study kind takes (src/pipeline/studyConfig.ts).
 *
 * The design must halve into the conditions: M and N even and equal (the original requires
 * M = N = 50); a study_design_config that cannot is refused here, naming the key, a design file
 * when it is loaded.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { parseFlatStudyConfig, type FlatDesignSource } from "../../pipeline/flatStudyDesign.js";
import {
  checkDesignSource,
  designStudyKeys,
  portableConfig,
  requireFiles,
  resolveAgainst,
  type BaseStudyConfig,
} from "../../pipeline/studyConfig.js";
import { InputError } from "../../util/errors.js";
import { projectRoot } from "../../util/projectRoot.js";
import { DEFAULT_RECOVERY_SEED } from "../common/fitSteps.js";
import { flatSamplerKeys, recoveryCountKeys, samplerFingerprint } from "../common/recoveryConfig.js";
import { matchedSizeProblems, type ModelRole } from "./conditions.js";

/** The models the original's script hard-codes, by config key. */
export const DEFAULT_MODEL_PATHS = {
  sim_model_path: "stan/m_1_sim.stan",
  uncertain_model_path: "stan/m_0.stan",
  risky_model_path: "stan/m_1.stan",
} as const;

type ModelKey = keyof typeof DEFAULT_MODEL_PATHS;

/** The config key of each inference model's role. */
export const ROLE_KEYS: Record<ModelRole, ModelKey> = {
  uncertain: "uncertain_model_path",
  risky: "risky_model_path",
};

const modelPath = (what: string) =>
  z.string({ invalid_type_error: `must be the path of ${what} (a .stan file)` }).min(1, "must not be empty");

export const matchedConfigSchema = z
  .object({
    ...designStudyKeys({ seed: DEFAULT_RECOVERY_SEED, output_dir: "results/parameter_recovery/m1_matched_comparison" }),
    sim_model_path: modelPath("the simulator").optional(),
    uncertain_model_path: modelPath("the model of conditions A and B").optional(),
    risky_model_path: modelPath("the model of conditions C and D").optional(),
    ...recoveryCountKeys,
    ...flatSamplerKeys,
  })
  .strict()
  .superRefine((c, ctx) => checkDesignSource(c, ctx));

type Parsed = z.output<typeof matchedConfigSchema>;

export interface MatchedConfig
  extends Omit<Parsed, keyof BaseStudyConfig | keyof FlatDesignSource | ModelKey>, BaseStudyConfig, FlatDesignSource {
  /** The model files, absolute. */
  sim_model_path: string;
  uncertain_model_path: string;
  risky_model_path: string;
  /** Warmup actually used. */
  warmup: number;
}

/** A model key's file: as given (against baseDir), else the default, found in baseDir or this tool's folder. */
function modelFile(given: string | undefined, key: ModelKey, baseDir: string): string {
  if (given) return resolveAgainst(baseDir, given);
  const inBase = resolveAgainst(baseDir, DEFAULT_MODEL_PATHS[key]);
  return existsSync(inBase) ? inBase : path.join(projectRoot(), DEFAULT_MODEL_PATHS[key]);
}

/** Validate a parsed config object (note keys dropped). Relative paths resolve against `baseDir`. */
export function parseMatchedConfig(raw: unknown, source: string, baseDir: string): MatchedConfig {
  const c = parseFlatStudyConfig(matchedConfigSchema, raw, source, baseDir);
  const models = {
    sim_model_path: modelFile(c.sim_model_path, "sim_model_path", baseDir),
    uncertain_model_path: modelFile(c.uncertain_model_path, "uncertain_model_path", baseDir),
    risky_model_path: modelFile(c.risky_model_path, "risky_model_path", baseDir),
  };
  requireFiles(source, { ...models, study_design_path: c.study_design_path });
  if (c.designConfig) {
    const { M, risky } = c.designConfig;
    const problems = matchedSizeProblems({ M, N: risky?.N }, (size) => `study_design_config.${size}`);
    if (problems.length) throw new InputError(`${source}: ${problems.join("; ")}`);
  }
  return { ...c, ...models, warmup: c.n_mcmc_warmup ?? Math.max(1, Math.floor(c.n_mcmc_samples / 2)) };
}

/** The config a cluster task rebuilds the study from (model paths absolute, the warmup used as n_mcmc_warmup). */
export function portableMatchedConfig(c: MatchedConfig, cmdstanPath: string): Record<string, unknown> {
  return portableConfig(c, cmdstanPath, { drop: ["warmup", "designConfig"], put: { n_mcmc_warmup: c.warmup } });
}

/**
 * What decides the results (resuming with another is refused); n_iterations, cores, output_dir
 * and keep_csv change no finished iteration. The key order is part of the records' hash: keep it.
 */
export function matchedFingerprint(
  c: MatchedConfig,
  models: Record<"sim" | ModelRole, { path: string; hash: string }>,
  hyperparameters: { sim: Record<string, number>; fit: Record<ModelRole, Record<string, number>> },
  designHash: string,
): Record<string, unknown> {
  return {
    ...samplerFingerprint(c),
    summary_variables: c.summary_variables,
    sim_hyperparameters: hyperparameters.sim,
    fit_hyperparameters: hyperparameters.fit,
    models,
    design_hash: designHash,
  };
}
