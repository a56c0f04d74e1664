/**
 * The flat recovery's figures (docs/flat-recovery.md, "Plots"), in recovery_summary/, under the
 * original's file names:
 * - `<scalar>_recovery.png` (alpha; omega; kappa): posterior mean against the truth with the 90%
 *   intervals, the panel every recovery kind draws;
 * - `beta_combined_diagnostics.png`: 2 x 2 over every beta[k,d]: true vs estimated, a histogram
 *   of the error of the posterior mean, interval width against the truth, and coverage in 10
 *   quantile bins of the truth;
 * - `delta_all_coverage_intervals.png`: per delta[k], every iteration's interval in order of its
 *   true value, with the truth;
 * - `bias_vs_true_value.png`: the error of the posterior mean against the truth, per scalar and
 *   per group (beta, delta, upsilon).
 * The original's per-element files (beta_k_d_*.png, delta_k_*.png) and alpha's extra panels are
 * not drawn: the combined figures show the same points.
 */
import { mkdir } from "node:fs/promises";
import path from "node:path";
import type * as vl from "vega-lite";
import { groupAverage, type FlatGroup, type FlatTrackedParameter } from "../../analysis/flatRecovery.js";
import type { RecoveryRow, RecoveryStatistics } from "../../analysis/recovery.js";
import { panelFigure, renderPng } from "../../report/figures.js";
import { pyFixed } from "../../report/text.js";
import { writeFileAtomic } from "../../util/atomicWrite.js";
import {
  COVERAGE_COLOR,
  coverageStatus,
  figureSpec,
  intervalsByTruthPanel,
  PANEL_SIZE,
  panelSpec,
  rowsByKey,
} from "../common/recoveryPanels.js";

const DASHED = { color: "#555555", strokeDash: [5, 4], strokeWidth: 1 };
const q = (field: string, title: string, extra: object = {}) => ({ field, type: "quantitative", title, ...extra });

/** A dashed reference line at x = value or y = value. */
function refLine(axis: "x" | "y", value: number): object {
  return { data: { values: [{ v: value }] }, mark: { type: "rule", ...DASHED }, encoding: { [axis]: q("v", "") } };
}

/** Rows of one group (all its elements, every iteration). */
const groupRows = (rows: RecoveryRow[], tracked: FlatTrackedParameter[], group: FlatGroup) => {
  const keys = new Set(tracked.filter((t) => t.group === group).map((t) => t.key));
  return rows.filter((r) => keys.has(r.key));
};

/** Coverage in 10 bins of equal count along the true value (fewer when there are fewer rows). */
export function coverageByTruthDecile(rows: RecoveryRow[]): Array<{ bin: number; coverage: number; n: number }> {
  const sorted = [...rows].sort((a, b) => a.truth - b.truth);
  const bins = Math.min(10, sorted.length);
  return Array.from({ length: bins }, (_, b) => {
    const members = sorted.slice(Math.floor((b * sorted.length) / bins), Math.floor(((b + 1) * sorted.length) / bins));
    const covered = members.filter((r) => r.q5 <= r.truth && r.truth <= r.q95).length;
    return { bin: b + 1, coverage: covered / members.length, n: members.length };
  });
}

function betaPanels(rows: RecoveryRow[], tracked: FlatTrackedParameter[], stats: RecoveryStatistics): object[] {
  const beta = groupRows(rows, tracked, "beta");
  const avg = groupAverage(tracked, stats, "beta");
  const scatter = panelSpec({ key: "beta", variable: "beta[k,d]: true vs estimated" }, beta, { beta: avg });
  const size = { width: PANEL_SIZE, height: PANEL_SIZE };
  const errors = beta.map((r) => ({ err: r.mean - r.truth, truth: r.truth, width: r.q95 - r.q5 }));
  const histogram = {
    ...size,
    title: { text: "error of the posterior mean", subtitle: `mean (bias) ${pyFixed(avg.bias, 3)}` },
    data: { values: errors },
    layer: [
      {
        mark: { type: "bar", color: "#1f77b4", opacity: 0.8 },
        encoding: {
          x: q("err", "posterior mean - true value", { bin: { maxbins: 30 } }),
          y: q("n", "count", { aggregate: "count" }),
        },
      },
      refLine("x", 0),
    ],
  };
  const widths = {
    ...size,
    title: { text: "90% interval width vs true value", subtitle: `mean width ${pyFixed(avg.ci_width, 3)}` },
    data: { values: errors },
    mark: { type: "point", filled: true, size: 20, opacity: 0.6 },
    encoding: { x: q("truth", "true value", { scale: { zero: false } }), y: q("width", "q95 - q5") },
  };
  const deciles = {
    ...size,
    title: { text: "coverage by decile of the true value", subtitle: `overall ${pyFixed(avg.coverage, 2)}` },
    data: { values: coverageByTruthDecile(beta) },
    layer: [
      {
        mark: { type: "bar", color: "#1f77b4", opacity: 0.8 },
        encoding: {
          x: { field: "bin", type: "ordinal", title: "decile (1 = lowest true values)" },
          y: q("coverage", "coverage", { scale: { domain: [0, 1] } }),
        },
      },
      refLine("y", 0.9),
    ],
  };
  return [scatter, histogram, widths, deciles];
}

/** Per delta[k]: every iteration's interval, in order of the true value, with the truth (black). */
function deltaIntervalPanel(param: FlatTrackedParameter, rows: RecoveryRow[], stats: RecoveryStatistics): object {
  const subtitle = `coverage ${pyFixed(stats[param.key].coverage, 2)}`;
  return intervalsByTruthPanel({ text: param.variable, subtitle }, rows);
}

/** Error of the posterior mean against the true value, for one scalar or a group's elements. */
function biasPanel(title: string, rows: RecoveryRow[]): object {
  return {
    width: PANEL_SIZE,
    height: PANEL_SIZE,
    title,
    data: { values: rows.map((r) => ({ truth: r.truth, err: r.mean - r.truth, status: coverageStatus(r) })) },
    layer: [
      {
        mark: { type: "point", filled: true, size: 22, opacity: 0.7 },
        encoding: {
          x: q("truth", "true value", { scale: { zero: false } }),
          y: q("err", "posterior mean - true value"),
          color: COVERAGE_COLOR,
        },
      },
      refLine("y", 0),
    ],
  };
}

/** The specs by file name (exported for inspection and tests). */
export function flatRecoveryPlotSpecs(
  rows: RecoveryRow[],
  tracked: FlatTrackedParameter[],
  stats: RecoveryStatistics,
  nIterations: number,
): Record<string, vl.TopLevelSpec> {
  const byKey = rowsByKey(rows);
  const specs: Record<string, vl.TopLevelSpec> = {};
  const scalars = tracked.filter((t) => t.group === "scalar");
  for (const s of scalars)
    specs[`${s.key}_recovery.png`] = figureSpec(`Recovery of ${s.variable}`, [s], byKey, stats, 1, nIterations);
  const n = `one point per iteration and element (n = ${nIterations} iterations)`;
  specs["beta_combined_diagnostics.png"] = panelFigure(
    "Recovery of beta[k,d], all elements",
    [n],
    betaPanels(rows, tracked, stats),
    2,
  );
  const deltas = tracked.filter((t) => t.group === "delta");
  specs["delta_all_coverage_intervals.png"] = panelFigure(
    "90% intervals of delta[k], by true value",
    ["black: true value; tick: posterior mean; red: the interval misses the truth"],
    deltas.map((d) => deltaIntervalPanel(d, byKey.get(d.key) ?? [], stats)),
    Math.min(2, deltas.length),
  );
  const groups = (["beta", "delta", "upsilon"] as const).map((g) =>
    biasPanel(`${g} (all elements)`, groupRows(rows, tracked, g)),
  );
  const biasPanels = [...scalars.map((s) => biasPanel(s.variable, byKey.get(s.key) ?? [])), ...groups];
  specs["bias_vs_true_value.png"] = panelFigure("Error of the posterior mean vs true value", [n], biasPanels, 3);
  return specs;
}

/** Writes every figure into `outDir` (created if missing); returns their paths. */
export async function writeFlatRecoveryPlots(
  outDir: string,
  rows: RecoveryRow[],
  tracked: FlatTrackedParameter[],
  stats: RecoveryStatistics,
  nIterations: number,
): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const written: string[] = [];
  for (const [name, spec] of Object.entries(flatRecoveryPlotSpecs(rows, tracked, stats, nIterations))) {
    const file = path.join(outDir, name);
    await writeFileAtomic(file, await renderPng(spec));
    written.push(file);
  }
  return written;
}
