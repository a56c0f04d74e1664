/**
 * The sample-size study's figures (docs/sample-size.md "Outputs"), under the original's names:
 * - per size, in M_<M>/: `<parameter>_coverage.png` (alpha, omega, kappa, beta_k_d, delta_k):
 *   every iteration's 90% interval in order of the true value, with the truth;
 * - at the top: `alpha_precision_vs_M.png` (the mean 90% width of alpha, bars +-1 sd) and
 *   `<metric>_vs_M_comparison.png` for ci_width, rmse, mae and coverage: one line per scalar and
 *   per group (beta, delta: the mean over their elements).
 */
import path from "node:path";
import type { FlatTrackedParameter } from "../../analysis/flatRecovery.js";
import type { RecoveryRow } from "../../analysis/recovery.js";
import type { SizeMetrics } from "../../analysis/sampleSize.js";
import { writeFigures, type FigureSpec } from "../../report/figures.js";
import { pyFixed } from "../../report/text.js";
import { intervalsByTruthPanel, PANEL_SIZE } from "../common/recoveryPanels.js";

const q = (field: string, title: string, extra: object = {}) => ({ field, type: "quantitative", title, ...extra });

/** Every iteration's interval of one parameter, by true value; blue covers the truth, red misses. */
function intervalPanel(param: FlatTrackedParameter, rows: RecoveryRow[], m: SizeMetrics): object {
  const subtitle = `coverage ${pyFixed(m.coverage, 2)}, mean width ${pyFixed(m.ci_width, 3)}`;
  return intervalsByTruthPanel(
    { text: param.variable, subtitle },
    rows.filter((r) => r.key === param.key),
  );
}

/** M_<M>/<key>_coverage.png for every tracked parameter; returns the files. */
export async function writeCoveragePlots(
  dir: string,
  rows: RecoveryRow[],
  tracked: FlatTrackedParameter[],
  metrics: Record<string, SizeMetrics>,
): Promise<string[]> {
  const specs: FigureSpec[] = tracked.map((t) => ({
    file: `${t.key}_coverage.png`,
    title: `90% intervals of ${t.variable}`,
    subtitle: ["black: true value; tick: posterior mean; red: the interval misses the truth"],
    panels: [intervalPanel(t, rows, metrics[t.key])],
    caption: t.variable,
  }));
  return (await writeFigures(dir, specs)).map((f) => f.file);
}

/** One size's numbers as the top-level figures read them. */
export interface SizePoint {
  M: number;
  /** By line (alpha, omega, kappa, "beta (avg)", "delta (avg)"): the metrics. */
  lines: Record<string, SizeMetrics>;
  /** alpha's 90% widths: mean and population sd. */
  alphaWidth?: { mean: number; std: number };
}

const METRICS = [
  ["ci_width", "ci_width_vs_M_comparison.png", "mean 90% interval width"],
  ["rmse", "rmse_vs_M_comparison.png", "RMSE of the posterior mean"],
  ["mae", "mae_vs_M_comparison.png", "MAE of the posterior mean"],
  ["coverage", "coverage_vs_M_comparison.png", "coverage of the 90% intervals"],
] as const;

function comparisonPanel(points: SizePoint[], metric: keyof SizeMetrics, title: string): object {
  const values = points.flatMap((p) => Object.entries(p.lines).map(([line, m]) => ({ M: p.M, line, v: m[metric] })));
  const layers: object[] = [
    {
      data: { values },
      mark: { type: "line", point: true },
      encoding: {
        x: q("M", "number of problems M", { scale: { zero: false }, axis: { format: "d", tickMinStep: 1 } }),
        y: q("v", title, metric === "coverage" ? { scale: { domain: [0, 1] } } : { scale: { zero: false } }),
        color: { field: "line", type: "nominal", title: "parameter", sort: null },
      },
    },
  ];
  if (metric === "coverage")
    layers.push({
      data: { values: [{ r: 0.9 }] },
      mark: { type: "rule", strokeDash: [5, 4], color: "#555555" },
      encoding: { y: { field: "r", type: "quantitative" } },
    });
  return { width: 2 * PANEL_SIZE, height: PANEL_SIZE * 1.3, layer: layers };
}

function precisionPanel(points: SizePoint[]): object {
  const values = points
    .filter((p) => p.alphaWidth)
    .map((p) => ({
      M: p.M,
      mean: p.alphaWidth!.mean,
      lo: p.alphaWidth!.mean - p.alphaWidth!.std,
      hi: p.alphaWidth!.mean + p.alphaWidth!.std,
    }));
  const x = q("M", "number of problems M", { scale: { zero: false }, axis: { format: "d", tickMinStep: 1 } });
  return {
    width: 2 * PANEL_SIZE,
    height: PANEL_SIZE * 1.3,
    data: { values },
    layer: [
      {
        mark: { type: "rule", strokeWidth: 1.5 },
        encoding: { x, y: q("lo", "90% interval width of alpha"), y2: { field: "hi" } },
      },
      { mark: { type: "line", point: true }, encoding: { x, y: q("mean", "90% interval width of alpha") } },
    ],
  };
}

/** The top-level figures in `dir`; returns them with their captions. */
export async function writeGridFigures(dir: string, points: SizePoint[]): Promise<{ file: string; caption: string }[]> {
  const n = "one point per size M, over its successful iterations";
  const specs: FigureSpec[] = [
    {
      file: "alpha_precision_vs_M.png",
      title: "Precision of alpha against M",
      subtitle: [`${n}; bars: +-1 sd of the widths`],
      panels: [precisionPanel(points)],
      caption: "The mean 90% interval width of alpha against M (bars: +-1 population sd)",
    },
    ...METRICS.map(([metric, file, title]) => ({
      file,
      title: `${title[0].toUpperCase()}${title.slice(1)} against M`,
      subtitle: [`${n}; beta and delta: the mean over their elements${metric === "coverage" ? "; dashed: 0.9" : ""}`],
      panels: [comparisonPanel(points, metric, title)],
      caption: `${title} against M`,
    })),
  ];
  const figures = await writeFigures(dir, specs);
  return figures.map((f) => ({ file: path.resolve(f.file), caption: f.caption }));
}
