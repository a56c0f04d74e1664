/**
 * The flat design config: the keys the users' configs hold for the m_0 ... m_3 family (as
 * `study_design_config`, or at the top level of a design-only config). See docs/flat-designs.md.
 *
 * Defaults are the original tool's: M 20, K 3, D 2, R 10, 2..5 alternatives per problem,
 * normal(0, 1) features; risky designs N 20, S 8. Two defaults depend on the entry point, so
 * the caller passes them (`FlatConfigOptions`): `risky_probs` and `design_name`.
 *
 * Stricter than the original where it would crash later or write a design the models reject:
 * unknown keys are refused by name, hierarchical keys with a note that this is a flat design,
 * fewer than 2 alternatives per problem, min > max, and more alternatives per problem than R
 * (or S) are refused naming the key and the bound.
 */
import { z } from "zod";
import { InputError } from "../../util/errors.js";
import { dropNoteKeys } from "../../util/noteKeys.js";
import { Issues } from "../../util/issues.js";
import { strictObjectErrors, unknownKeys } from "./zodMessages.js";
import type { FeatureParams, FlatDesignSettings, RiskyProbs } from "./types.js";

export const RISKY_PROBS = ["uniform", "fixed", "random"] as const satisfies readonly RiskyProbs[];

/**
 * The risky_probs default of each way the original builds a risky design: the class itself
 * (and its from_config, used by the design-only script) "uniform"; the recovery and SBC config
 * drivers, for a study_design_config with N, "fixed"; building risky problems on top of an
 * existing design (from_base_study) "random".
 */
export const RISKY_PROBS_DEFAULTS = Object.freeze({
  designClass: "uniform",
  configDrivers: "fixed",
  fromBaseStudy: "random",
} as const satisfies Record<string, RiskyProbs>);

/** The keys a flat design config may hold. */
export const FLAT_CONFIG_KEYS = [
  "M",
  "K",
  "D",
  "R",
  "min_alts_per_problem",
  "max_alts_per_problem",
  "feature_dist",
  "feature_params",
  "design_name",
  "N",
  "S",
  "risky_probs",
] as const;

/** Keys of the hierarchical design config: a flat config holding one is a mix-up, said as such. */
export const HIERARCHICAL_CONFIG_KEYS: readonly string[] = [
  "M_per_cell",
  "factors",
  "reference_indices",
  "include_interactions",
  "J",
  "P",
  "X",
  "menu_sizes",
  "cell",
  "M_total",
  "gamma0_mean",
  "gamma0_sd",
  "gamma_sd",
  "sigma_cell_sd",
  "gamma_size_mean",
  "gamma_size_sd",
];

export interface FlatConfigOptions {
  /** risky_probs when the config has none: see RISKY_PROBS_DEFAULTS (default: the class's "uniform"). */
  riskyProbsDefault?: RiskyProbs;
  /**
   * Whether the design has risky problems. Undefined (the config drivers' rule): exactly when the
   * config has N. true: always (N 20 and S 8 by default). false: N, S and risky_probs are refused.
   */
  risky?: boolean;
  /** design_name when the config has none (default "default", or "m1_default" for risky designs). */
  designName?: string;
}

/** A validated flat design config, defaults filled in. */
export interface FlatDesignConfig extends FlatDesignSettings {
  M: number;
  K: number;
  D: number;
  R: number;
  risky?: { N: number; S: number; risky_probs: RiskyProbs };
}

const int = (min: number, why = "") =>
  z
    .number({ invalid_type_error: `must be an integer >= ${min}${why}` })
    .int(`must be an integer >= ${min}${why}`)
    .min(min, `must be an integer >= ${min}${why}`);
const finite = z.number({ invalid_type_error: "must be a number" }).finite("must be finite");

const featureParamsSchema = z
  .object(
    { loc: finite.optional(), scale: finite.optional(), low: finite.optional(), high: finite.optional() },
    {
      errorMap: strictObjectErrors(
        "an object such as {loc, scale} (normal) or {low, high} (uniform)",
        (keys) => `${unknownKeys(keys)} (normal takes loc and scale, uniform takes low and high)`,
      ),
    },
  )
  .strict();

function describeUnknownKeys(keys: string[]): string {
  const hier = keys.filter((k) => HIERARCHICAL_CONFIG_KEYS.includes(k));
  const other = keys.filter((k) => !HIERARCHICAL_CONFIG_KEYS.includes(k));
  const parts: string[] = [];
  if (hier.length > 0) {
    parts.push(
      `${hier.map((k) => JSON.stringify(k)).join(", ")}: ${hier.length > 1 ? "keys" : "a key"} of the hierarchical ` +
        `designs, but this is a flat design (keys ${FLAT_CONFIG_KEYS.join(", ")})`,
    );
  }
  if (other.length > 0) parts.push(unknownKeys(other));
  return parts.join("; ");
}

const shape = {
  M: int(1).default(20),
  K: int(2).default(3),
  D: int(1).default(2),
  R: int(2).default(10),
  min_alts_per_problem: int(2, " (the models reject a problem with fewer than 2 alternatives)").default(2),
  max_alts_per_problem: int(2).default(5),
  feature_dist: z
    .enum(["normal", "uniform"], { errorMap: () => ({ message: 'must be "normal" or "uniform"' }) })
    .default("normal"),
  feature_params: featureParamsSchema.optional(),
  design_name: z.string({ invalid_type_error: "must be a string" }).min(1, "must not be empty").optional(),
  N: int(1).optional(),
  S: int(2).optional(),
  risky_probs: z
    .enum(RISKY_PROBS, {
      errorMap: () => ({ message: `must be one of ${RISKY_PROBS.map((p) => `"${p}"`).join(", ")}` }),
    })
    .optional(),
};

type Parsed = z.output<z.ZodObject<typeof shape>>;
type AddIssue = (path: (string | number)[], message: string) => void;

function checkFeatureParams(c: Parsed, issue: AddIssue): void {
  const fp = c.feature_params;
  if (fp === undefined) return;
  if (c.feature_dist === "normal") {
    // The original requires both (a missing one is a KeyError there).
    if (fp.low !== undefined || fp.high !== undefined || fp.loc === undefined || fp.scale === undefined) {
      issue(["feature_params"], `for feature_dist "normal" must be {"loc": number, "scale": number > 0}`);
    } else if (!(fp.scale > 0)) issue(["feature_params", "scale"], `must be > 0, got ${fp.scale}`);
  } else if (fp.loc !== undefined || fp.scale !== undefined) {
    issue(["feature_params"], `for feature_dist "uniform" must be {"low": number, "high": number} (default -1, 1)`);
  } else if (!((fp.low ?? -1) < (fp.high ?? 1))) {
    issue(["feature_params", "high"], `(${fp.high ?? 1}) must be greater than low (${fp.low ?? -1})`);
  }
}

function checkBounds(c: Parsed, isRisky: boolean, issue: AddIssue): void {
  const { min_alts_per_problem: lo, max_alts_per_problem: hi } = c;
  if (hi < lo) issue(["max_alts_per_problem"], `(${hi}) must be >= min_alts_per_problem (${lo})`);
  if (hi > c.R) {
    issue(["max_alts_per_problem"], `(${hi}) exceeds R = ${c.R}: a problem offers distinct alternatives out of R`);
  }
  const S = c.S ?? 8;
  if (isRisky && hi > S) {
    issue(["max_alts_per_problem"], `(${hi}) exceeds S = ${S}: a risky problem offers distinct alternatives out of S`);
  }
}

function checkRiskyKeys(c: Parsed, opts: FlatConfigOptions, issue: AddIssue): void {
  if (opts.risky === false) {
    for (const k of ["N", "S", "risky_probs"] as const) {
      if (c[k] !== undefined) issue([k], "is a key of designs with risky problems, and this one has none");
    }
  } else if (opts.risky === undefined && c.N === undefined) {
    for (const k of ["S", "risky_probs"] as const) {
      if (c[k] !== undefined) issue([k], "is only meaningful with N (the number of risky problems)");
    }
  }
}

function resolveFeatureParams(c: Parsed): FeatureParams {
  const fp = c.feature_params;
  if (c.feature_dist === "normal") return { loc: fp?.loc ?? 0, scale: fp?.scale ?? 1 };
  return { low: fp?.low ?? -1, high: fp?.high ?? 1 };
}

/** The flat design config schema for one entry point's defaults (see FlatConfigOptions). */
export function flatDesignConfigSchema(opts: FlatConfigOptions = {}) {
  return z
    .object(shape, { errorMap: strictObjectErrors("a JSON object", describeUnknownKeys) })
    .strict()
    .superRefine((c, ctx) => {
      const issue: AddIssue = (path, message) => ctx.addIssue({ code: z.ZodIssueCode.custom, path, message });
      const isRisky = opts.risky ?? c.N !== undefined;
      checkRiskyKeys(c, opts, issue);
      checkFeatureParams(c, issue);
      checkBounds(c, isRisky, issue);
    })
    .transform((c): FlatDesignConfig => {
      const isRisky = opts.risky ?? c.N !== undefined;
      return {
        M: c.M,
        K: c.K,
        D: c.D,
        R: c.R,
        design_name: c.design_name ?? opts.designName ?? (isRisky ? "m1_default" : "default"),
        min_alts_per_problem: c.min_alts_per_problem,
        max_alts_per_problem: c.max_alts_per_problem,
        feature_dist: c.feature_dist,
        feature_params: resolveFeatureParams(c),
        ...(isRisky
          ? { risky: { N: c.N ?? 20, S: c.S ?? 8, risky_probs: c.risky_probs ?? opts.riskyProbsDefault ?? "uniform" } }
          : {}),
      };
    });
}

/** A flat design config as written in JSON. */
export type FlatDesignConfigInput = z.input<ReturnType<typeof flatDesignConfigSchema>>;

/**
 * Validates a flat design config (keys beginning with "_" are notes and ignored) and fills the
 * defaults; throws InputError naming `source` and every bad key.
 */
export function parseFlatDesignConfig(
  config: unknown,
  opts: FlatConfigOptions = {},
  source = "flat design config",
): FlatDesignConfig {
  if (config === null || typeof config !== "object" || Array.isArray(config)) {
    throw new InputError(`${source}: must be a JSON object`);
  }
  const r = flatDesignConfigSchema(opts).safeParse(dropNoteKeys(config));
  if (r.success) return r.data;
  const issues = new Issues();
  issues.addZod(r.error);
  throw issues.toError(source);
}
