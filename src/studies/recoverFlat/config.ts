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
 */
import { z } from "zod";
import { flatDesignConfigSchema, RISKY_PROBS_DEFAULTS } from "../../design/flat/config.js";
import {
  baseStudyKeys,
  parseConfigObject,
  resolveAgainst,
  resolveBaseKeys,
  type BaseStudyConfig,
} from "../../pipeline/studyConfig.js";
import { dropNoteKeys } from "../../util/noteKeys.js";
import { refuseOtherFamilyKeys } from "../shared/familyKeys.js";
import { DEFAULT_RECOVERY_SEED } from "../shared/fitSteps.js";
import {
  flatSamplerKeys,
  portableRecovery,
  recoveryKeys,
  resolveRecoveryKeys,
  samplerFingerprint,
  modelsFingerprint,
} from "../shared/recoveryConfig.js";

const DESIGN_SOURCES = ["study_design_path", "study_config_path", "study_design_config"] as const;

/** The flat design keys, checked where they stand (study_design_config.<key>). */
function checkDesignConfig(design: unknown, ctx: z.RefinementCtx): void {
  const r = flatDesignConfigSchema({ riskyProbsDefault: RISKY_PROBS_DEFAULTS.configDrivers }).safeParse(
    dropNoteKeys(design),
  );
  if (r.success) return;
  for (const issue of r.error.issues) {
    const message = issue.message === "Required" ? "is required" : issue.message;
    ctx.addIssue({ code: "custom", path: ["study_design_config", ...issue.path], message });
  }
}

/** One design source, as the original's drivers take the first present (we refuse an ambiguous config). */
function checkDesignSources(c: Record<string, unknown>, ctx: z.RefinementCtx): void {
  const given = DESIGN_SOURCES.filter((k) => c[k] !== undefined && c[k] !== null);
  if (given.length === 0)
    ctx.addIssue({
      code: "custom",
      path: ["study_design_config"],
      message: "is required when neither study_design_path nor study_config_path is given",
    });
  if (given.length > 1)
    ctx.addIssue({ code: "custom", path: [given[1]], message: `give one design source, not ${given.join(" and ")}` });
}

export const flatRecoveryConfigSchema = z
  .object({
    ...baseStudyKeys({ seed: DEFAULT_RECOVERY_SEED, output_dir: "results/parameter_recovery" }),
    ...recoveryKeys,
    /** adapt_delta, max_treedepth, summary_variables (what posterior_summary.csv and diagnostics.txt cover), sim_hyperparams. */
    ...flatSamplerKeys,
    study_design_path: z.string().min(1).nullish(),
    study_config_path: z.string().min(1).nullish(),
    study_design_config: z
      .record(z.unknown(), { invalid_type_error: "must be an object (the design config)" })
      .nullish(),
  })
  .strict()
  .superRefine((c, ctx) => {
    checkDesignSources(c, ctx);
    if (c.study_design_config) checkDesignConfig(c.study_design_config, ctx);
  });

type Parsed = z.output<typeof flatRecoveryConfigSchema>;

export interface FlatRecoveryConfig
  extends Omit<Parsed, keyof BaseStudyConfig | (typeof DESIGN_SOURCES)[number]>, BaseStudyConfig {
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

/** The config a cluster task rebuilds this study from (see studyConfig.ts). */
export function portableFlatRecoveryConfig(c: FlatRecoveryConfig, cmdstanPath: string): Record<string, unknown> {
  return portableRecovery(c, cmdstanPath);
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
