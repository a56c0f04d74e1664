/**
 * The matched study's metrics (docs/matched.md, "aggregate_metrics.csv"): for one condition, over
 * the iterations kept, the recovery metrics of src/analysis/recovery.ts for alpha, every
 * beta[k,d] and every delta[k], then
 *
 * - alpha_rmse, alpha_ci, alpha_cov: alpha's RMSE, mean 90% interval width and coverage;
 * - beta_*: the unweighted mean of those over the K x D elements of beta;
 * - delta_*: the same over the K - 1 elements of delta.
 *
 * K and D are the design's (the original's aggregator fixed them at 3 and 5).
 */
import { flatTrackedParameters, flattenFlatTruth, groupAverage, type FlatCoreTruth } from "./flatRecovery.js";
import { aggregateRecovery, trackedRows, type SummaryRow } from "./recovery.js";

/** The metric columns of aggregate_metrics.csv, in order (after condition and n_iter). */
export const MATCHED_METRIC_COLUMNS = [
  "alpha_rmse",
  "alpha_ci",
  "alpha_cov",
  "beta_rmse",
  "beta_ci",
  "beta_cov",
  "delta_rmse",
  "delta_ci",
  "delta_cov",
] as const;

export type MatchedMetrics = Record<(typeof MATCHED_METRIC_COLUMNS)[number], number>;

/** One kept iteration of one condition: the truth and that condition's posterior summary. */
export interface MatchedIteration {
  iteration: number;
  truth: FlatCoreTruth;
  summary: SummaryRow[];
}

/** The metrics of one condition over `iterations` (at least one) of a design with K consequences and D features. */
export function matchedMetrics(iterations: MatchedIteration[], K: number, D: number): MatchedMetrics {
  const tracked = flatTrackedParameters(["alpha"], K, D).filter((t) => t.group !== "upsilon");
  const withKeys = iterations.map((it) => ({ ...it, truth: flattenFlatTruth(it.truth, ["alpha"]) }));
  const stats = aggregateRecovery(
    trackedRows(withKeys, tracked),
    tracked.map((t) => t.key),
  );
  const beta = groupAverage(tracked, stats, "beta");
  const delta = groupAverage(tracked, stats, "delta");
  return {
    alpha_rmse: stats.alpha.rmse,
    alpha_ci: stats.alpha.ci_width,
    alpha_cov: stats.alpha.coverage,
    beta_rmse: beta.rmse,
    beta_ci: beta.ci_width,
    beta_cov: beta.coverage,
    delta_rmse: delta.rmse,
    delta_ci: delta.ci_width,
    delta_cov: delta.coverage,
  };
}
