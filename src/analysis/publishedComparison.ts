/**
 * A run's statistics beside a published run's (Report 11's recovery table, Report 12's SBC
 * tests; docs/recovery.md and docs/sbc.md), and which differences are larger than Monte Carlo
 * noise explains.
 *
 * Recovery (per parameter and metric):
 * - bias, RMSE, width: SE is our estimate's Monte Carlo standard error from our own iterations
 *   (recoveryStandardErrors); the published estimate, from as many iterations of the same study,
 *   is taken to have the same, so the difference has SE sqrt(2) SE and is flagged when
 *   |ours - published| > 2 sqrt(2) SE.
 * - coverage: two independent binomial proportions over n1 and n2 iterations; the difference
 *   has SE sqrt(p (1 - p) (1/n1 + 1/n2)) with p the two coverages pooled (the published value
 *   alone would give SE 0 at coverage 1.00); at the nominal 0.90 and 20 iterations each this is
 *   sqrt(2 x 0.9 x 0.1 / 20) = 0.095. Flagged when |ours - published| > 2 SE.
 * At these thresholds about 5% of comparisons are flagged by chance. A published value rounded to
 * d decimals may be off by half a unit of the last, which the threshold adds (with SE near 0, a
 * rounding is no difference).
 *
 * SBC (per parameter): a disagreement is one run's p-value below 0.05 where the other's is not.
 */
import type { ParameterRecovery, RecoveryStandardErrors, RecoveryStatistics } from "./recovery.js";
import { quantileBy } from "./summary.js";

export const RECOVERY_METRICS = ["bias", "rmse", "coverage", "ci_width"] as const;
export type RecoveryMetric = (typeof RECOVERY_METRICS)[number];

export interface MetricComparison {
  ours: number;
  published: number;
  /** Standard error of ours - published; NaN when it cannot be estimated (fewer than two iterations). */
  se: number;
  /** |ours - published| > 2 SE + half a unit of the published value's last decimal. */
  beyondNoise: boolean;
}

export interface ParameterComparison {
  key: string;
  metrics: Record<RecoveryMetric, MetricComparison>;
}

/** SE of the difference of two independent coverage estimates over n1 and n2 iterations. */
export function coverageDifferenceSE(p1: number, n1: number, p2: number, n2: number): number {
  const pooled = (p1 * n1 + p2 * n2) / (n1 + n2);
  return Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
}

function compareMetric(ours: number, published: number, se: number, decimals?: number): MetricComparison {
  const rounding = decimals === undefined ? 0 : 0.5 * 10 ** -decimals;
  return { ours, published, se, beyondNoise: Number.isFinite(se) && Math.abs(ours - published) > 2 * se + rounding };
}

/**
 * Every parameter of `published` that `ours` has, in ours' order, metric by metric; `nOurs` and
 * `nPublished` are the iterations behind each, `decimals` the published values' rounding.
 */
export function compareRecovery(
  ours: RecoveryStatistics,
  se: Record<string, RecoveryStandardErrors>,
  nOurs: number,
  published: RecoveryStatistics,
  nPublished: number,
  decimals: Partial<Record<RecoveryMetric, number>> = {},
): ParameterComparison[] {
  return Object.keys(ours)
    .filter((key) => key in published)
    .map((key) => {
      const o: ParameterRecovery = ours[key];
      const p: ParameterRecovery = published[key];
      const s = se[key] ?? { bias: NaN, rmse: NaN, ci_width: NaN };
      return {
        key,
        metrics: {
          bias: compareMetric(o.bias, p.bias, Math.SQRT2 * s.bias, decimals.bias),
          rmse: compareMetric(o.rmse, p.rmse, Math.SQRT2 * s.rmse, decimals.rmse),
          coverage: compareMetric(
            o.coverage,
            p.coverage,
            coverageDifferenceSE(o.coverage, nOurs, p.coverage, nPublished),
            decimals.coverage,
          ),
          ci_width: compareMetric(o.ci_width, p.ci_width, Math.SQRT2 * s.ci_width, decimals.ci_width),
        },
      };
    });
}

/** Two-sided significance level of the SBC tests, as the reports use it. */
export const SBC_LEVEL = 0.05;

/** Whether two p-values disagree at SBC_LEVEL: one below it, the other not. */
export function disagreeAtLevel(ours: number, published: number, level = SBC_LEVEL): boolean {
  return ours < level !== published < level;
}

/** Quantiles of p-values at `probs`, by linear interpolation (type 7, numpy's default) as the reports quote them. */
export function pValueQuantiles(ps: readonly number[], probs: readonly number[]): number[] {
  const sorted = Float64Array.from(ps).sort();
  return probs.map((p) => quantileBy("type-7", sorted, p));
}

/** The share of parameters whose two independent, uniform p-values disagree at `level` by chance: 2 level (1 - level). */
export function chanceDisagreement(level = SBC_LEVEL): number {
  return 2 * level * (1 - level);
}
