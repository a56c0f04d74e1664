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
import {
  recoveryRows,
  type RecoveryIteration,
  type RecoveryRow,
  type RecoveryStatistics,
} from "../../analysis/recovery.js";
import { groupParameters, type ParameterNames, type TrackedParameter } from "../../analysis/trackedParameters.js";
import { writeFileAtomic } from "../../util/atomicWrite.js";
import { panelFigure, renderPng } from "../../report/figures.js";
import { pyFixed } from "../../report/text.js";

export const PLOT_FILES = {
  regression: "regression_recovery.png",
  alpha: "alpha_recovery.png",
  delta: "delta_recovery.png",
} as const;

const PANEL_SIZE = 190;
const COVERED = "interval covers truth";
const MISSED = "interval misses truth";

interface PanelDatum {
  iteration: number;
  truth: number;
  mean: number;
  q5: number;
  q95: number;
  status: string;
}

function panelSpec(param: TrackedParameter, rows: RecoveryRow[], stats: RecoveryStatistics): object {
  const s = stats[param.key];
  if (!s) throw new Error(`plots: no recovery statistics for ${param.key}`);
  const values: PanelDatum[] = rows.map((r) => ({
    iteration: r.iteration,
    truth: r.truth,
    mean: r.mean,
    q5: r.q5,
    q95: r.q95,
    status: r.q5 <= r.truth && r.truth <= r.q95 ? COVERED : MISSED,
  }));
  // One domain for both axes, so the identity line is the panel's diagonal.
  const all = values.flatMap((v) => [v.truth, v.mean, v.q5, v.q95]);
  let lo = Math.min(...all);
  let hi = Math.max(...all);
  if (!(hi > lo)) {
    lo -= 1;
    hi += 1;
  }
  const pad = 0.04 * (hi - lo);
  const domain = [lo - pad, hi + pad];
  const scale = { domain, nice: false, zero: false };
  const x = { field: "truth", type: "quantitative", title: "true value", scale, axis: { tickCount: 5 } };
  const color = {
    field: "status",
    type: "nominal",
    scale: { domain: [COVERED, MISSED], range: ["#1f77b4", "#d62728"] },
    legend: null,
  };
  return {
    width: PANEL_SIZE,
    height: PANEL_SIZE,
    title: {
      text: param.variable,
      subtitle: `bias ${pyFixed(s.bias, 3)}  RMSE ${pyFixed(s.rmse, 3)}  cov ${pyFixed(s.coverage, 2)}`,
    },
    data: { values },
    layer: [
      {
        data: { values: [{ v: domain[0] }, { v: domain[1] }] },
        mark: { type: "line", color: "#555555", strokeDash: [5, 4], strokeWidth: 1, clip: true },
        encoding: {
          x: { field: "v", type: "quantitative", scale, title: "true value" },
          y: { field: "v", type: "quantitative", scale, title: "posterior mean" },
        },
      },
      {
        mark: { type: "rule", opacity: 0.45, strokeWidth: 1.5, clip: true },
        encoding: { x, y: { field: "q5", type: "quantitative", scale }, y2: { field: "q95" }, color },
      },
      {
        mark: { type: "point", filled: true, size: 36, opacity: 0.9, clip: true },
        encoding: {
          x,
          y: { field: "mean", type: "quantitative", title: "posterior mean", scale, axis: { tickCount: 5 } },
          color,
        },
      },
    ],
  };
}

function figureSpec(
  title: string,
  params: TrackedParameter[],
  rowsByKey: Map<string, RecoveryRow[]>,
  stats: RecoveryStatistics,
  columns: number,
  nIterations: number,
): vl.TopLevelSpec {
  return panelFigure(
    title,
    [
      `posterior mean vs true value, one point per iteration (n = ${nIterations})`,
      "bars: 90% intervals (red: the interval misses the truth); dashed: identity line",
    ],
    params.map((p) => panelSpec(p, rowsByKey.get(p.key) ?? [], stats)),
    columns,
  );
}

/** The three vega-lite specs (exported for inspection and tests). */
export function recoveryPlotSpecs(
  iterations: RecoveryIteration[],
  stats: RecoveryStatistics,
  names: ParameterNames,
): { regression: vl.TopLevelSpec; alpha: vl.TopLevelSpec; delta: vl.TopLevelSpec } {
  const { tracked, rows } = recoveryRows(iterations, names);
  const rowsByKey = new Map<string, RecoveryRow[]>();
  for (const r of rows) {
    const list = rowsByKey.get(r.key);
    if (list) list.push(r);
    else rowsByKey.set(r.key, [r]);
  }
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
