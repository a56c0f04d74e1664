/**
 * grid_summary.json (docs/power.md "The grid's outputs"): every cell's summary with the price it
 * was given before it ran and the actual / predicted ratio (core-seconds per fit), the original's
 * grid keys, then the cost model's error beside the linear-in-M_total model's, and the decisive
 * slope of log|bias| on log n_menus at the largest rho.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { predictionError } from "../../analysis/costModel.js";
import { biasSlope } from "../../analysis/power.js";
import { readJsonFile } from "../../util/jsonFile.js";
import type { GridSupport } from "../studyKind.js";
import type { PowerConfig } from "./config.js";
import { pricingFileSchema, PRICING_FILE } from "./pricing.js";
import type { PowerCellOutcome } from "./report.js";

export type Cells = Parameters<GridSupport<PowerConfig, PowerCellOutcome>["summarize"]>[0];

/** Each cell's summary with its first prediction and the actual / predicted ratio (core-seconds per fit). */
export async function cellsWithPredictions(cells: Cells, config: PowerConfig) {
  const file = path.join(config.output_dir, PRICING_FILE);
  const pricing = existsSync(file) ? await readJsonFile(file, pricingFileSchema) : undefined;
  return cells.map(({ name, summary: s }) => {
    const priced = pricing?.cells[name];
    const actual = s.summary.core_seconds_per_iteration;
    const ratio = (predicted: number | undefined) => (actual !== null && predicted ? actual / predicted : null);
    return {
      name,
      ...s.summary,
      predicted_seconds_per_iteration: priced?.predicted_core_seconds_per_iteration ?? null,
      prediction_error_ratio: ratio(priced?.predicted_core_seconds_per_iteration),
      prediction_basis: priced?.basis ?? null,
      linear_model_predicted_seconds_per_iteration: priced?.linear_core_seconds_per_iteration ?? null,
      linear_model_error_ratio: ratio(priced?.linear_core_seconds_per_iteration),
    };
  });
}

export type GridCellRow = Awaited<ReturnType<typeof cellsWithPredictions>>[number];

/** The decisive question: the slope of log|bias| on log n_menus at the largest rho. */
export function decisiveSlope(rows: GridCellRow[]) {
  const rhos = rows.map((r) => r.rho_copy);
  if (!rhos.length) return null;
  const rho = Math.max(...rhos);
  const fit = biasSlope(rows.filter((r) => r.rho_copy === rho));
  return fit ? { rho, ...fit } : { rho, slope: null, intercept: null, verdict: null, points: 0 };
}

/** grid_summary.json: the original's keys, then the cost model's error and the decisive slope. */
export function buildGridSummary(rows: GridCellRow[], config: PowerConfig, cores: number, wallSeconds: number) {
  const priced = rows.filter((r) => r.predicted_seconds_per_iteration !== null);
  const pairs = (key: "predicted_seconds_per_iteration" | "linear_model_predicted_seconds_per_iteration") =>
    priced.map((r) => ({ actual: r.core_seconds_per_iteration ?? 0, predicted: r[key] ?? 0 }));
  const predictedCoreSeconds = priced.reduce((a, r) => a + r.predicted_seconds_per_iteration! * r.n_iterations, 0);
  return {
    cells: rows,
    budget_hours: config.budget_hours ?? null,
    predicted_total_hours: priced.length ? predictedCoreSeconds / cores / 3600 : null,
    measured_sampling_hours: rows.reduce((a, r) => a + r.total_seconds, 0) / 3600,
    wall_clock_this_process_hours: wallSeconds / 3600,
    iterations_per_cell: config.n_iterations,
    provisional: true,
    frozen_at: null,
    seconds_unit: "core-seconds per fit: its chains' CmdStan time and its post-fit work",
    measured_core_hours: rows.reduce((a, r) => a + (r.core_seconds_per_iteration ?? 0) * r.n_iterations, 0) / 3600,
    cost_model_error: errorSummary(pairs("predicted_seconds_per_iteration")),
    linear_model_error: errorSummary(pairs("linear_model_predicted_seconds_per_iteration")),
    decisive_slope: decisiveSlope(rows),
  };
}

export type GridSummaryJson = ReturnType<typeof buildGridSummary>;

function errorSummary(pairs: { actual: number; predicted: number }[]) {
  const e = predictionError(pairs);
  return { max_abs_log_ratio: e.max_abs_log_ratio, geometric_mean_ratio: e.geometric_mean_ratio, ratios: e.ratios };
}
