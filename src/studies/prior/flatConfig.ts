/**
 * The flat family's prior predictive config, in both forms the users' repository holds
 * (docs/prior.md):
 *
 * - prior_analysis_config.json: `model_path`, `n_param_samples` (or `n_samples`), `n_choice_samples`,
 *   a design source, `output_dir`;
 * - m1/m2/m3_prior_analysis_config.json: `sim_model_path`, `n_simulations`, `parameter_priors`,
 *   `study_design_config`, `output_dir` (keys the original's script ignored; honoured here).
 *
 * The simulator is `model_path` or `sim_model_path` (default our stan/m_0_sim.stan); the number of
 * parameter sets is `n_param_samples`, `n_simulations` or `n_samples` (default 100; two that
 * differ are refused). The design comes from `study_design_path` (a flat design file),
 * `study_config_path` (a design-only config, generated with the study's seed) or
 * `study_design_config` (risky when it has N, risky_probs "fixed" by default, as the original's
 * drivers), as for the flat recovery (pipeline/flatDesignSetup.ts). `parameter_priors` values the simulator's hyperparameters by name (`alpha_mean: 3`),
 * or per parameter as `{mean, sd}` (`"alpha": {"mean": 3, "sd": 0.75}` is alpha_mean and
 * alpha_sd); which names exist is the simulator's to say (checked when the study is prepared).
 */
import { z } from "zod";
import { checkFlatDesignSource, flatDesignSourceKeys } from "../../pipeline/flatDesignSetup.js";
import {
  baseStudyKeys,
  portableConfig,
  posInt,
  requireFiles,
  resolveAgainst,
  resolveBaseKeys,
  type BaseStudyConfig,
} from "../../pipeline/studyConfig.js";
import { InputError } from "../../util/errors.js";
import { dropNoteKeys } from "../../util/noteKeys.js";
import { formatZodError } from "../../util/zodText.js";
import { DEFAULT_PRIOR_SEED, priorRunKeys, simulatorPath, type PriorRun } from "./config.js";

const finite = z.number({ invalid_type_error: "must be a number" }).finite("must be a finite number");
const priorValue = z.union([finite, z.object({ mean: finite, sd: finite }).strict()], {
  errorMap: () => ({ message: 'must be a number, or {"mean": number, "sd": number}' }),
});

const COUNT_KEYS = ["n_param_samples", "n_simulations", "n_samples"] as const;

export const flatPriorSchema = z
  .object({
    ...baseStudyKeys({ seed: DEFAULT_PRIOR_SEED, output_dir: "results/prior_analysis" }),
    model_path: z.string().min(1).optional(),
    sim_model_path: z.string().min(1).optional(),
    n_param_samples: posInt().optional(),
    n_simulations: posInt().optional(),
    n_samples: posInt().optional(),
    ...priorRunKeys,
    parameter_priors: z.record(priorValue, { invalid_type_error: "must be an object" }).default({}),
    ...flatDesignSourceKeys,
  })
  .strict()
  .superRefine((c, ctx) => {
    const issue = (key: string, message: string) => ctx.addIssue({ code: "custom", path: [key], message });
    if (c.model_path && c.sim_model_path && c.model_path !== c.sim_model_path) {
      issue("sim_model_path", `names another simulator than model_path (${c.model_path}); give one of them`);
    }
    const counts = COUNT_KEYS.filter((k) => c[k] !== undefined);
    if (new Set(counts.map((k) => c[k])).size > 1) {
      issue(counts[1], `(${c[counts[1]]}) differs from ${counts[0]} (${c[counts[0]]}); give one of them`);
    }
    checkFlatDesignSource(c, ctx);
  });

type Parsed = z.output<typeof flatPriorSchema>;

/** Keys the parsed config holds in another form (counts, simulator path, design source). */
type Reshaped = (typeof COUNT_KEYS)[number] | "model_path" | keyof typeof flatDesignSourceKeys;

export interface FlatPriorConfig extends Omit<Parsed, keyof BaseStudyConfig | Reshaped>, BaseStudyConfig, PriorRun {
  /** The simulator (model_path or sim_model_path, absolute). */
  sim_model_path: string;
  /** Which of the two keys the config named it with (for messages, and the portable config). */
  simulator_key: "model_path" | "sim_model_path";
  /** The design source: one of the three (paths absolute). */
  study_design_path?: string;
  study_config_path?: string;
  study_design_config?: Record<string, unknown>;
  /** parameter_priors as hyperparameter values by name ({mean, sd} entries spread into _mean, _sd). */
  priorValues: Record<string, number>;
}

function priorValues(priors: Parsed["parameter_priors"]): Record<string, number> {
  const values: Record<string, number> = {};
  for (const [k, v] of Object.entries(priors)) {
    if (typeof v === "number") values[k] = v;
    else Object.assign(values, { [`${k}_mean`]: v.mean, [`${k}_sd`]: v.sd });
  }
  return values;
}

export function parseFlatPriorConfig(raw: unknown, source: string, baseDir: string): FlatPriorConfig {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new InputError(`${source}: must be a JSON object of config keys`);
  }
  const r = flatPriorSchema.safeParse(dropNoteKeys(raw));
  if (!r.success) throw new InputError(formatZodError(r.error, source));
  const c = r.data;
  const resolve = (p: string | null | undefined) => (p ? resolveAgainst(baseDir, p) : undefined);
  // The counts, the simulator and the design source are kept in their resolved forms only.
  const { n_param_samples, n_simulations, n_samples, model_path, ...rest } = {
    ...c,
    ...resolveBaseKeys(c, source, baseDir),
  };
  const resolved: FlatPriorConfig = {
    ...rest,
    n_param_samples: n_param_samples ?? n_simulations ?? n_samples ?? 100,
    sim_model_path: simulatorPath(model_path ?? c.sim_model_path, baseDir, "m_0_sim.stan"),
    simulator_key: model_path ? "model_path" : "sim_model_path",
    study_design_path: resolve(c.study_design_path),
    study_config_path: resolve(c.study_config_path),
    study_design_config: c.study_design_config ?? undefined,
    priorValues: priorValues(c.parameter_priors),
  };
  requireFiles(source, {
    study_design_path: resolved.study_design_path,
    study_config_path: resolved.study_config_path,
    [resolved.simulator_key]: resolved.sim_model_path,
  });
  return resolved;
}

/** The config a cluster task rebuilds the study from: the original keys, paths absolute. */
export function portableFlatPriorConfig(c: FlatPriorConfig, cmdstanPath: string): Record<string, unknown> {
  return portableConfig(c, cmdstanPath, {
    drop: ["priorValues", "simulator_key", "sim_model_path"],
    put: { [c.simulator_key]: c.sim_model_path },
  });
}
