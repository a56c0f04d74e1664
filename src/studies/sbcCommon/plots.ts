/**
 * The SBC figures of every SBC kind, for a list of tracked scalars (a kind draws one pair per
 * group, or one for all):
 * - rank histograms: one per scalar, bins of (nearly) equal numbers of rank values, the discrete
 *   uniform's expected count per bin (line) and its central 95% binomial interval (shaded), as
 *   in Talts et al. (2018);
 * - ECDF differences: one per scalar (ECDF of the ranks minus the uniform CDF, over the
 *   fractional rank) with the simultaneous 95% band (Säilynoja et al. 2022); a scalar whose ECDF
 *   leaves its band is drawn in red.
 * Panels carry the model's names (gamma[3], beta[2,1]) and their chi-square p-values.
 */
import type * as vl from "vega-lite";
import { binomialInterval } from "../../analysis/distributions.js";
import type { SbcParameterStatistics, SbcStatistics } from "../../analysis/sbc.js";
import { panelFigure } from "../../report/figures.js";
import { pyFixed } from "../../report/text.js";

const PANEL_WIDTH = 200;
const PANEL_HEIGHT = 150;
export const INSIDE = "#1f77b4";
export const OUTSIDE = "#d62728";
const BAND = "#9ecae1";

export const pLabel = (p: number) => (p < 0.001 ? "< 0.001" : pyFixed(p, 3));

function histogramPanel(s: SbcParameterStatistics, n: number, maxRank: number): object {
  const values = s.histogram.map((b) => {
    const [lo, hi] = binomialInterval(0.95, n, (b.to - b.from + 1) / (maxRank + 1));
    return { from: b.from, to: b.to + 1, count: b.count, expected: b.expected, lo, hi };
  });
  const x = { field: "from", type: "quantitative", title: "rank", scale: { domain: [0, maxRank + 1], nice: false } };
  return {
    width: PANEL_WIDTH,
    height: PANEL_HEIGHT,
    title: {
      text: s.variable,
      subtitle: `chi2 p ${pLabel(s.chi2.pValue)}`,
      color: s.pointsOutsideBand.length ? OUTSIDE : "black",
    },
    data: { values },
    layer: [
      {
        mark: { type: "rect", color: BAND, opacity: 0.5 },
        encoding: { x, x2: { field: "to" }, y: { field: "lo", type: "quantitative" }, y2: { field: "hi" } },
      },
      {
        mark: { type: "rect", color: "#808080", stroke: "black", strokeWidth: 0.5 },
        encoding: {
          x,
          x2: { field: "to" },
          y: { field: "count", type: "quantitative", title: "simulations", scale: { zero: true } },
          y2: { datum: 0 },
        },
      },
      {
        mark: { type: "rule", color: "#333333" },
        encoding: { x, x2: { field: "to" }, y: { field: "expected", type: "quantitative" } },
      },
    ],
  };
}

function ecdfPanel(s: SbcParameterStatistics, stats: SbcStatistics): object {
  const { band, n } = stats;
  const values = [
    { u: 0, diff: 0, lo: 0, hi: 0 },
    ...band.cdf.map((c, i) => ({
      u: c,
      diff: s.ecdfCounts[i] / n - c,
      lo: band.lower[i] / n - c,
      hi: band.upper[i] / n - c,
    })),
  ];
  const x = { field: "u", type: "quantitative", title: "fractional rank", scale: { domain: [0, 1], nice: false } };
  const colour = s.pointsOutsideBand.length ? OUTSIDE : INSIDE;
  return {
    width: PANEL_WIDTH,
    height: PANEL_HEIGHT,
    title: {
      text: s.variable,
      subtitle: s.pointsOutsideBand.length
        ? "outside the 95% band"
        : `max |ECDF - u| ${pyFixed(s.maxEcdfDeviation, 3)}`,
      color: s.pointsOutsideBand.length ? OUTSIDE : "black",
    },
    data: { values },
    layer: [
      {
        mark: { type: "area", color: BAND, opacity: 0.6, interpolate: "step-after" },
        encoding: { x, y: { field: "lo", type: "quantitative", title: "ECDF - uniform CDF" }, y2: { field: "hi" } },
      },
      {
        mark: { type: "rule", color: "#555555", strokeDash: [4, 3] },
        data: { values: [{ y: 0 }] },
        encoding: { y: { field: "y", type: "quantitative" } },
      },
      {
        mark: { type: "line", color: colour, strokeWidth: 1.5, interpolate: "step-after" },
        encoding: { x, y: { field: "diff", type: "quantitative" } },
      },
    ],
  };
}

/** The two vega-lite specs (rank histograms, ECDF differences) of the scalars `names`, `columns` panels a row. */
export function sbcGroupSpecs(
  names: readonly string[],
  stats: SbcStatistics,
  groupTitle: string,
  columns = Math.min(4, names.length),
): { ranks: vl.TopLevelSpec; ecdf: vl.TopLevelSpec } {
  const byName = new Map(stats.parameters.map((p) => [p.variable, p]));
  const selected = names.map((name) => {
    const s = byName.get(name);
    if (!s) throw new Error(`SBC plots: no statistics for ${name}`);
    return s;
  });
  const bins = selected[0]?.histogram.length ?? 0;
  return {
    ranks: panelFigure(
      `SBC rank histograms: ${groupTitle}`,
      [
        `ranks of the truth among ${stats.maxRank} kept posterior draws (0..${stats.maxRank}), ${stats.n} simulations, ${bins} bins`,
        "line: expected count under uniformity; shaded: its central 95% binomial interval per bin",
      ],
      selected.map((s) => histogramPanel(s, stats.n, stats.maxRank)),
      columns,
    ),
    ecdf: panelFigure(
      `SBC ECDF difference: ${groupTitle}`,
      [
        `ECDF of the fractional ranks minus the uniform CDF, ${stats.n} simulations`,
        `shaded: simultaneous ${Math.round(stats.band.prob * 100)}% band (Säilynoja et al. 2022); red: leaves the band`,
      ],
      selected.map((s) => ecdfPanel(s, stats)),
      columns,
    ),
  };
}
