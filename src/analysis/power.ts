/**
 * Power analysis of one target scalar (docs/power.md "The decision record"): each fit is scored on
 * the decisions its posterior supports about the target, and a cell (many fits of one design)
 * reports how often each decision is made and how often it is right.
 *
 * Per fit, with the pooled draws of the target, the central interval [lo, hi] at probability q
 * (numpy's linear quantiles at (1 - q) / 2 and 1 - (1 - q) / 2), the posterior mean m and the
 * truth t:
 *   covered      lo <= t <= hi
 *   excludes_zero  lo > 0 or hi < 0
 *   correct_sign sign(m) = sign(t), null when t = 0
 *   type_s       excludes_zero, t != 0 and sign(m) != sign(t): a confident wrong sign
 *   outside_rope lo > r or hi < -r (r: the half-width of the region of practical equivalence)
 */
import { quantileBy } from "./summary.js";

/** The original's region of practical equivalence on the log-alpha scale: |gamma_size| <= log 1.25. */
export const DEFAULT_ROPE = Math.log(1.25);
export const DEFAULT_CI_PROB = 0.9;

export interface Decision {
  posterior_mean: number;
  ci_lower: number;
  ci_upper: number;
  ci_width: number;
  covered: boolean;
  excludes_zero: boolean;
  correct_sign: boolean | null;
  type_s: boolean;
  outside_rope: boolean;
}

/** The decisions one fit supports about a target with true value `truth`. */
export function decide(draws: ArrayLike<number>, truth: number, opts: { ciProb: number; rope: number }): Decision {
  if (draws.length === 0) throw new Error("decide: no draws of the target");
  const sorted = Float64Array.from(draws).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  const m = sum / sorted.length;
  const lo = quantileBy("type-7", sorted, (1 - opts.ciProb) / 2);
  const hi = quantileBy("type-7", sorted, 1 - (1 - opts.ciProb) / 2);
  const excludesZero = lo > 0 || hi < 0;
  const wrongSign = truth !== 0 && Math.sign(m) !== Math.sign(truth);
  return {
    posterior_mean: m,
    ci_lower: lo,
    ci_upper: hi,
    ci_width: hi - lo,
    covered: lo <= truth && truth <= hi,
    excludes_zero: excludesZero,
    correct_sign: truth === 0 ? null : Math.sign(m) === Math.sign(truth),
    type_s: excludesZero && wrongSign,
    outside_rope: lo > opts.rope || hi < -opts.rope,
  };
}

/** What a cell's summary needs of each fit. */
export interface ScoredFit extends Decision {
  true_value: number;
  agreement_rate: number | null;
}

/** Mean of the values that are not null (null when there are none). */
export function meanOf(values: readonly (number | boolean | null)[]): number | null {
  const kept = values.filter((v): v is number | boolean => v !== null && !Number.isNaN(Number(v)));
  return kept.length ? kept.reduce((a: number, v) => a + Number(v), 0) / kept.length : null;
}

export interface CellStatistics {
  power_excludes_zero: number | null;
  power_outside_rope: number | null;
  correct_sign_rate: number | null;
  type_s_rate: number | null;
  coverage: number | null;
  mean_ci_width: number | null;
  bias: number | null;
  rmse: number | null;
  mean_agreement_rate: number | null;
}

/** The cell's rates (each the mean of its field over the fits, nulls left out), bias and RMSE. */
export function cellStatistics(fits: readonly ScoredFit[]): CellStatistics {
  const errors = fits.map((f) => f.posterior_mean - f.true_value);
  const mse = meanOf(errors.map((e) => e * e));
  return {
    power_excludes_zero: meanOf(fits.map((f) => f.excludes_zero)),
    power_outside_rope: meanOf(fits.map((f) => f.outside_rope)),
    correct_sign_rate: meanOf(fits.map((f) => f.correct_sign)),
    type_s_rate: meanOf(fits.map((f) => f.type_s)),
    coverage: meanOf(fits.map((f) => f.covered)),
    mean_ci_width: meanOf(fits.map((f) => f.ci_width)),
    bias: meanOf(errors),
    rmse: mse === null ? null : Math.sqrt(mse),
    mean_agreement_rate: meanOf(fits.map((f) => f.agreement_rate)),
  };
}

export type BiasVerdict = "small-sample displacement" | "systematic" | "ambiguous";

/**
 * The decisive question of a grid at one rho: does |bias| shrink with more menus? The
 * least-squares slope of log|bias| on log n_menus; below -0.5 the displacement is a small-sample
 * one (more menus fix it), above -0.25 it is systematic (more menus narrow intervals around a
 * displaced centre), else ambiguous. Null with fewer than two cells of distinct n_menus and
 * non-zero bias.
 */
export function biasSlope(
  cells: readonly { n_menus: number; bias: number | null }[],
): { slope: number; intercept: number; verdict: BiasVerdict; points: number } | null {
  const pts = cells
    .filter((c) => c.bias !== null && c.bias !== 0 && Number.isFinite(c.bias) && c.n_menus > 0)
    .map((c) => [Math.log(c.n_menus), Math.log(Math.abs(c.bias!))] as const);
  if (new Set(pts.map(([x]) => x)).size < 2) return null;
  const mx = pts.reduce((a, [x]) => a + x, 0) / pts.length;
  const my = pts.reduce((a, [, y]) => a + y, 0) / pts.length;
  const sxy = pts.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0);
  const sxx = pts.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  const slope = sxy / sxx;
  const verdict: BiasVerdict = slope < -0.5 ? "small-sample displacement" : slope > -0.25 ? "systematic" : "ambiguous";
  return { slope, intercept: my - slope * mx, verdict, points: pts.length };
}
