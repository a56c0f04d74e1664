/**
 * The recovery-study config: the original study's keys, accepted as they are, plus this
 * tool's own (seed, sampler settings, cores, keep_csv). Validated with zod; every error
 * names the config file and the key.
 *
 * The original's keys keep their meaning: `study_design_path: null` means "generate the design";
 * keys beginning with "_" (`_comment`) are notes and are ignored; `alpha_var`,
 * `extra_scalar_params` and `sim_only_keys` say which outputs are tracked and which data the fit
 * does not get; `sim_overrides` may set any scalar the simulator declares as data (checked
 * against the simulator in pipeline/modelContract.ts, which needs stanc).
 *
 * Seeds: one `seed` (default 12345) drives the run. The design is generated from `seed`;
 * iteration i simulates with `seed + (i - 1)` and fits with `seed + 41976 + (i - 1)`, which at
 * the default seed are SPEC's 12345 + (i - 1) and 54321 + (i - 1).
 */
import { z } from "zod";
import {
  checkDesignSource,
  checkTrackedNames,
  designSourceKeys,
  parseConfigObject,
  portableConfig,
  posInt,
  readConfigFile,
  requireFiles,
  resolveAgainst,
  resolveCommonKeys,
  stanName,
  type ResolvedConfigCommon,
} from "../configFile.js";
import { executorConfigFields } from "../executors/slurmOptions.js";

export const DEFAULT_SEED = 12345;
/** Offset between the simulation and the fit seed of an iteration (54321 - 12345). */
export const FIT_SEED_OFFSET = 41976;

/** Simulator data to replace, by name; which names exist is the simulator's to say. */
const simOverridesSchema = z.record(
  z.number({ invalid_type_error: "must be a number" }).finite("must be a finite number"),
  { invalid_type_error: 'must be an object of numbers, e.g. {"gamma_size_sd": 0}' },
);

export const studyConfigSchema = z
  .object({
    inference_model_path: z.string({ required_error: "is required (the .stan file to fit)" }).min(1),
    sim_model_path: z.string({ required_error: "is required (the simulator .stan file)" }).min(1),
    /** `study_design_path: null` (as the original configs write it) means: generate the design from study_design_config. */
    ...designSourceKeys,
    output_dir: z.string().min(1).default("results/h_m01_parameter_recovery"),
    n_mcmc_samples: posInt("a positive integer").default(2000),
    /** Warmup iterations; default n_mcmc_samples / 2 as in the original study. */
    n_mcmc_warmup: posInt("a positive integer").optional(),
    n_mcmc_chains: posInt("a positive integer").default(4),
    n_iterations: posInt("a positive integer").default(20),
    seed: z.number({ invalid_type_error: "must be a non-negative integer" }).int().min(0).default(DEFAULT_SEED),
    adapt_delta: z.number({ invalid_type_error: "must be a number in (0, 1)" }).gt(0).lt(1).default(0.95),
    max_treedepth: posInt("a positive integer").default(12),
    /** Cores shared by all chains; default: all cores of the machine. */
    cores: posInt("a positive integer").optional(),
    /** Keep every chain's Stan CSV (about 60 MB per h_m01 fit); default: delete after summarising. */
    keep_csv: z.boolean({ invalid_type_error: "must be true or false" }).default(false),
    sim_overrides: simOverridesSchema.default({}),
    /** The inference model's per-cell sensitivity vector (h_m01: alpha; h_m01_size: alpha_cell). */
    alpha_var: stanName.default("alpha"),
    /** Scalar parameters tracked after gamma in the regression group (h_m01_size: ["gamma_size"]). */
    extra_scalar_params: z.array(stanName, { invalid_type_error: "must be a list of Stan variable names" }).default([]),
    /** Design data keys only the simulator gets (removed from the fit's data, as the original does). */
    sim_only_keys: z.array(z.string().min(1), { invalid_type_error: "must be a list of data keys" }).default([]),
    /** Per-chain wall-time limit in seconds (a stuck chain fails its iteration, not the run). */
    chain_timeout_s: posInt("a positive integer").optional(),
    /** Optional CmdStan path; otherwise $CMDSTAN, then the provisioned copy. */
    cmdstan: z.string().min(1).optional(),
    /** Free text carried into the report. */
    description: z.string().optional(),
    /** Where fits run ("local" or "slurm") and the Slurm settings; results do not depend on them. */
    ...executorConfigFields,
  })
  .strict()
  .superRefine((c, ctx) => {
    checkDesignSource(c, ctx);
    checkTrackedNames(c.alpha_var, c.extra_scalar_params, "extra_scalar_params", ctx);
  });

export type StudyConfigInput = z.input<typeof studyConfigSchema>;

export interface StudyConfig
  extends Omit<z.output<typeof studyConfigSchema>, keyof ResolvedConfigCommon>, ResolvedConfigCommon {
  /** Warmup actually used. */
  warmup: number;
}

/** Validate a parsed config object. Relative paths resolve against `baseDir`. */
export function parseStudyConfig(raw: unknown, source: string, baseDir: string): StudyConfig {
  const c = parseConfigObject(studyConfigSchema, raw, source);
  const resolved: StudyConfig = {
    ...c,
    ...resolveCommonKeys(c, source, baseDir),
    inference_model_path: resolveAgainst(baseDir, c.inference_model_path),
    sim_model_path: resolveAgainst(baseDir, c.sim_model_path),
    warmup: c.n_mcmc_warmup ?? Math.max(1, Math.floor(c.n_mcmc_samples / 2)),
  };
  requireFiles(source, {
    inference_model_path: resolved.inference_model_path,
    sim_model_path: resolved.sim_model_path,
    study_design_path: resolved.study_design_path,
  });
  return resolved;
}

/**
 * Read a config file. Paths inside it resolve against the current directory when they exist
 * there (the original study's configs hold repo-relative paths), else against the config's folder.
 */
export async function loadStudyConfig(file: string, overrides: Partial<StudyConfigInput> = {}): Promise<StudyConfig> {
  const { raw, source, baseDir } = await readConfigFile(file, overrides, "inference_model_path");
  return parseStudyConfig(raw, source, baseDir);
}

/** The config a cluster task rebuilds this study from (see configFile.ts). */
export function portableStudyConfig(c: StudyConfig, cmdstanPath: string): Record<string, unknown> {
  return portableConfig(c, cmdstanPath, { drop: ["warmup"], put: { n_mcmc_warmup: c.warmup } });
}

/** Seeds of iteration i (1-based). */
export function iterationSeeds(config: Pick<StudyConfig, "seed">, i: number): { sim: number; fit: number } {
  return { sim: config.seed + (i - 1), fit: config.seed + FIT_SEED_OFFSET + (i - 1) };
}

/**
 * The part of the config that determines the results. A study folder records it; resuming
 * with a different fingerprint is refused. `cores`, `output_dir`, `keep_csv` and `n_iterations`
 * do not change any finished iteration's numbers, so they may differ between starts.
 */
export function resultFingerprint(
  c: StudyConfig,
  modelHashes: { inference: string; sim: string },
  designHash: string,
): Record<string, unknown> {
  // n_iterations is left out: iteration i depends only on i, so a study can be extended.
  return {
    n_mcmc_samples: c.n_mcmc_samples,
    warmup: c.warmup,
    n_mcmc_chains: c.n_mcmc_chains,
    seed: c.seed,
    adapt_delta: c.adapt_delta,
    max_treedepth: c.max_treedepth,
    sim_overrides: c.sim_overrides,
    alpha_var: c.alpha_var,
    extra_scalar_params: c.extra_scalar_params,
    sim_only_keys: c.sim_only_keys,
    inference_model: { path: c.inference_model_path, hash: modelHashes.inference },
    sim_model: { path: c.sim_model_path, hash: modelHashes.sim },
    design_hash: designHash,
  };
}
