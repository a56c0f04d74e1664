/**
 * The recovery panel every recovery kind draws, one per tracked scalar: the posterior mean
 * against the true value (one point per iteration), the iteration's 90% interval as a vertical
 * bar, the identity line, and bias / RMSE / coverage in its title; points whose interval missed
 * the truth are drawn in red. Panels are titled with the model's own names (`gamma[3]`,
 * `beta[1,2]`).
 */
import type * as vl from "vega-lite";
import type { RecoveryRow, RecoveryStatistics } from "../../analysis/recovery.js";
import type { TrackedParameter } from "../../analysis/trackedParameters.js";
import { panelFigure } from "../../report/figures.js";
import { pyFixed } from "../../report/text.js";

/** The rows of the long table by tracked key. */
export function rowsByKey(rows: RecoveryRow[]): Map<string, RecoveryRow[]> {
  const byKey = new Map<string, RecoveryRow[]>();
  for (const r of rows) {
    const list = byKey.get(r.key);
    if (list) list.push(r);
    else byKey.set(r.key, [r]);
  }
  return byKey;
}

export const PANEL_SIZE = 190;
const COVERED = "interval covers truth";
const MISSED = "interval misses truth";

/** Whether a row's 90% interval covers its truth, as the panels colour it (blue covers, red misses). */
export const coverageStatus = (r: RecoveryRow) => (r.q5 <= r.truth && r.truth <= r.q95 ? COVERED : MISSED);
export const COVERAGE_COLOR = {
  field: "status",
  type: "nominal",
  scale: { domain: [COVERED, MISSED], range: ["#1f77b4", "#d62728"] },
  legend: null,
};

const quantitative = (field: string, title: string, extra: object = {}) => ({
  field,
  type: "quantitative",
  title,
  ...extra,
});

/**
 * Every iteration's 90% interval of one parameter, in order of its true value, with the posterior
 * mean (tick) and the truth (black); blue covers the truth, red misses.
 */
export function intervalsByTruthPanel(title: { text: string; subtitle: string }, rows: RecoveryRow[]): object {
  const values = [...rows]
    .sort((a, b) => a.truth - b.truth)
    .map((r, i) => ({ order: i + 1, truth: r.truth, mean: r.mean, q5: r.q5, q95: r.q95, status: coverageStatus(r) }));
  const x = quantitative("order", "iterations, by true value", {
    scale: { domain: [0.5, values.length + 0.5], nice: false },
    axis: { tickMinStep: 1, format: "d" },
  });
  const y = (field: string) => quantitative(field, "value");
  return {
    width: PANEL_SIZE * 1.6,
    height: PANEL_SIZE,
    title,
    data: { values },
    layer: [
      {
        mark: { type: "rule", strokeWidth: 2, opacity: 0.7 },
        encoding: { x, y: y("q5"), y2: { field: "q95" }, color: COVERAGE_COLOR },
      },
      { mark: { type: "tick", color: "#1f77b4", thickness: 1.5 }, encoding: { x, y: y("mean") } },
      { mark: { type: "point", filled: true, size: 18, color: "black" }, encoding: { x, y: y("truth") } },
    ],
  };
}

/** A tracked scalar as a panel names it. */
export type PanelParameter = Pick<TrackedParameter, "key" | "variable">;

interface PanelDatum {
  iteration: number;
  truth: number;
  mean: number;
  q5: number;
  q95: number;
  status: string;
}

export function panelSpec(param: PanelParameter, rows: RecoveryRow[], stats: RecoveryStatistics): object {
  const s = stats[param.key];
  if (!s) throw new Error(`plots: no recovery statistics for ${param.key}`);
  const values: PanelDatum[] = rows.map((r) => ({
    iteration: r.iteration,
    truth: r.truth,
    mean: r.mean,
    q5: r.q5,
    q95: r.q95,
    status: coverageStatus(r),
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
  const color = COVERAGE_COLOR;
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

export function figureSpec(
  title: string,
  params: PanelParameter[],
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
