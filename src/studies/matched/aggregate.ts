/**
 * aggregate_metrics.csv: a row per condition (condition, n_iter, then alpha, beta and delta's
 * rmse, ci and cov) over the iterations where all four conditions finished.
 */
import { matchedMetrics, MATCHED_METRIC_COLUMNS, type MatchedMetrics } from "../../analysis/matchedRecovery.js";
import { pyRepr } from "../../report/text.js";
import type { MatchedCondition } from "./conditions.js";
import type { MatchedFiles } from "./files.js";

/** A row of aggregate_metrics.csv; no metrics when no iteration is complete. */
export interface AggregateRow {
  condition: string;
  n_iter: number;
  metrics: MatchedMetrics | null;
}

/** The aggregate over the complete iterations, a row per condition in the table's order. */
export function aggregateRows(files: MatchedFiles, conditions: MatchedCondition[], K: number, D: number) {
  return conditions.map((c): AggregateRow => {
    const summaries = files.byCondition.get(c.label)!.summaries;
    const kept = files.complete.map((i) => ({ iteration: i, truth: files.truths.get(i)!, summary: summaries.get(i)! }));
    return { condition: c.label, n_iter: kept.length, metrics: kept.length ? matchedMetrics(kept, K, D) : null };
  });
}

/** aggregate_metrics.csv as pandas writes the aggregator's frame: floats in Python's repr, NaN as an empty field. */
export function aggregateMetricsCsv(rows: AggregateRow[]): string {
  const header = ["condition", "n_iter", ...MATCHED_METRIC_COLUMNS].join(",");
  const lines = rows.map((r) =>
    [r.condition, String(r.n_iter), ...MATCHED_METRIC_COLUMNS.map((k) => (r.metrics ? pyRepr(r.metrics[k]) : ""))].join(
      ",",
    ),
  );
  return [header, ...lines].join("\n") + "\n";
}
