/**
 * The three recovery figures (docs/recovery.md, "Outputs"), as PNG files:
 * - `regression_recovery.png`: one panel per regression parameter (gamma0, gamma[1..P], extra
 *   scalars, sigma_cell);
 * - `alpha_recovery.png`: one panel per cell, 4 per row;
 * - `delta_recovery.png`: one panel per delta component.
 * Panels are titled with the model's own names (`gamma[3]`, `alpha_cell[2]`, `gamma_size`).
 * Each panel plots the posterior mean against the true value (one point per iteration), with
 * the iteration's 90% interval as a vertical bar, the identity line, and bias / RMSE /
 * coverage in its title. Points whose interval missed the truth are drawn in red.
 *
 */
import { mkdir } from "node:fs/promises";
import path from "node:path";
import type * as vl from "vega-lite";
import { recoveryRows, type RecoveryIteration, type RecoveryStatistics } from "../../analysis/recovery.js";
import { groupParameters, type ParameterNames } from "../../analysis/trackedParameters.js";
import { writeFileAtomic } from "../../util/atomicWrite.js";
import { renderPng } from "../../report/figures.js";
import { figureSpec, rowsByKey as groupRows } from "../common/recoveryPanels.js";

export const PLOT_FILES = {
  regression: "regression_recovery.png",
  alpha: "alpha_recovery.png",
  delta: "delta_recovery.png",
} as const;

/** The three vega-lite specs (exported for inspection and tests). */
export function recoveryPlotSpecs(
  iterations: RecoveryIteration[],
  stats: RecoveryStatistics,
  names: ParameterNames,
): { regression: vl.TopLevelSpec; alpha: vl.TopLevelSpec; delta: vl.TopLevelSpec } {
  const { tracked, rows } = recoveryRows(iterations, names);
  const rowsByKey = groupRows(rows);
  const n = iterations.length;
  const regression = groupParameters(tracked, "regression");
  const cells = groupParameters(tracked, "cell");
  const utility = groupParameters(tracked, "utility");
  return {
    regression: figureSpec(
      "Recovery of the population-level regression parameters",
      regression,
      rowsByKey,
      stats,
      Math.min(4, Math.ceil(Math.sqrt(regression.length))),
      n,
    ),
    alpha: figureSpec(`Recovery of the cell-level sensitivities ${names.alphaVar}`, cells, rowsByKey, stats, 4, n),
    delta: figureSpec(
      "Recovery of the utility simplex delta",
      utility,
      rowsByKey,
      stats,
      Math.min(4, utility.length),
      n,
    ),
  };
}

/**
 * Writes regression_recovery.png, alpha_recovery.png and delta_recovery.png into `outDir`
 * (created if missing) and returns their paths in that order.
 */
export async function writeRecoveryPlots(
  outDir: string,
  iterations: RecoveryIteration[],
  stats: RecoveryStatistics,
  names: ParameterNames,
): Promise<string[]> {
  const specs = recoveryPlotSpecs(iterations, stats, names);
  await mkdir(outDir, { recursive: true });
  const written: string[] = [];
  for (const which of ["regression", "alpha", "delta"] as const) {
    const file = path.join(outDir, PLOT_FILES[which]);
    await writeFileAtomic(file, await renderPng(specs[which]));
    written.push(file);
  }
  return written;
}
