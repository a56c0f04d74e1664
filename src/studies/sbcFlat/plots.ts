/**
 * The flat SBC figures, under the original's names, every tracked scalar in one figure each:
 * - `rank_histograms.png`: the rank histograms (../sbcCommon/plots.ts);
 * - `rank_ecdfs.png`: the ECDF of the ranks minus the uniform CDF, with the simultaneous 95% band
 *   (the original drew the ECDFs without a band);
 * - `sbc_pvalues.png`: the chi-square p-value of each scalar as a horizontal bar, with a line at
 *   0.05 (bars below it in red).
 */
import { mkdir } from "node:fs/promises";
import path from "node:path";
import type * as vl from "vega-lite";
import type { SbcStatistics } from "../../analysis/sbc.js";
import { FONT, renderPng } from "../../report/figures.js";
import { writeFileAtomic } from "../../util/atomicWrite.js";
import { INSIDE, OUTSIDE, sbcGroupSpecs } from "../sbcCommon/plots.js";

export const FLAT_PLOT_FILES = {
  ranks: "rank_histograms.png",
  ecdf: "rank_ecdfs.png",
  pValues: "sbc_pvalues.png",
} as const;

export const FLAT_PLOT_CAPTIONS: Record<string, string> = {
  [FLAT_PLOT_FILES.ranks]: "Rank histograms of every tracked parameter.",
  [FLAT_PLOT_FILES.ecdf]: "ECDF difference with the simultaneous 95% band, every tracked parameter.",
  [FLAT_PLOT_FILES.pValues]: "Chi-square p-values of rank uniformity, with the 0.05 line.",
};

const SIGNIFICANCE = 0.05;
const BAR_HEIGHT = 14;

/** Panels a row: 4 for a few scalars, about a square grid for many (m_02: 132 scalars, 12 a row). */
function columnsFor(n: number): number {
  return Math.min(n, Math.max(4, Math.ceil(Math.sqrt(n))));
}

/** The p-value bars, one per scalar in the model's order. */
export function pValueSpec(stats: SbcStatistics): vl.TopLevelSpec {
  const values = stats.parameters.map((p, k) => ({ name: p.variable, order: k, p: p.chi2.pValue }));
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    background: "white",
    padding: 12,
    title: {
      text: "SBC chi-square p-values",
      subtitle: `${stats.n} simulations; red: p < ${SIGNIFICANCE}`,
      anchor: "start",
    },
    width: 420,
    height: Math.max(60, BAR_HEIGHT * values.length),
    data: { values },
    layer: [
      {
        mark: { type: "bar" },
        encoding: {
          y: { field: "name", type: "nominal", sort: { field: "order" }, title: null },
          x: { field: "p", type: "quantitative", title: "chi-square p-value", scale: { domain: [0, 1] } },
          color: {
            condition: { test: `datum.p < ${SIGNIFICANCE}`, value: OUTSIDE },
            value: INSIDE,
          },
        },
      },
      {
        mark: { type: "rule", color: "#333333", strokeDash: [4, 3] },
        data: { values: [{ x: SIGNIFICANCE }] },
        encoding: { x: { field: "x", type: "quantitative" } },
      },
    ],
    config: { font: FONT, axis: { labelFontSize: 10, titleFontSize: 11, grid: true, gridColor: "#eeeeee" } },
  } as vl.TopLevelSpec;
}

/** Writes the three figures into `outDir`; returns the files in order. */
export async function writeFlatSbcPlots(outDir: string, stats: SbcStatistics): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const names = stats.parameters.map((p) => p.variable);
  const specs = sbcGroupSpecs(names, stats, "every tracked parameter", columnsFor(names.length));
  const figures: [string, vl.TopLevelSpec][] = [
    [FLAT_PLOT_FILES.ranks, specs.ranks],
    [FLAT_PLOT_FILES.ecdf, specs.ecdf],
    [FLAT_PLOT_FILES.pValues, pValueSpec(stats)],
  ];
  const written: string[] = [];
  for (const [name, spec] of figures) {
    const file = path.join(outDir, name);
    await writeFileAtomic(file, await renderPng(spec));
    written.push(file);
  }
  return written;
}
