/**
 * The grid's figures (docs/power.md "The grid report"), as PNG files beside its report:
 * - `power_by_menus.png`: power (interval excludes 0), coverage (with the nominal level) and
 *   mean CI width against menus per cell, one line per rho;
 * - `bias_loglog.png`: |bias| against n_menus on log-log axes, one line per rho, with the
 *   least-squares line at the largest rho whose slope the report reads.
 */
import path from "node:path";
import type * as vl from "vega-lite";
import { panelFigure, renderPng } from "../../report/figures.js";
import { pyFixed } from "../../report/text.js";
import { writeFileAtomic } from "../../util/atomicWrite.js";
import { pyFloat } from "./config.js";
import type { CellSummaryJson } from "./summarize.js";

export const GRID_PLOTS = { power: "power_by_menus.png", bias: "bias_loglog.png" } as const;

const SIZE = 230;

function linePanel(
  title: string,
  cells: CellSummaryJson[],
  value: (c: CellSummaryJson) => number | null,
  y: { title: string; domain?: number[] },
  reference?: number,
): object {
  const values = cells
    .filter((c) => value(c) !== null)
    .map((c) => ({ menus: c.menus_per_cell, rho: pyFloat(c.rho_copy), v: value(c) }));
  const encoding = {
    x: { field: "menus", type: "quantitative", title: "menus per cell", scale: { zero: false } },
    y: { field: "v", type: "quantitative", title: y.title, scale: y.domain ? { domain: y.domain } : { zero: false } },
    color: { field: "rho", type: "nominal", title: "rho" },
  };
  const layers: object[] = [{ data: { values }, mark: { type: "line", point: true }, encoding }];
  if (reference !== undefined) {
    layers.push({
      data: { values: [{ r: reference }] },
      mark: { type: "rule", strokeDash: [5, 4], color: "#555555" },
      encoding: { y: { field: "r", type: "quantitative" } },
    });
  }
  return { width: SIZE, height: SIZE, title, layer: layers };
}

/** The three panels against menus per cell. */
export function powerFigureSpec(cells: CellSummaryJson[]): vl.TopLevelSpec {
  const nominal = cells[0]?.nominal_coverage;
  return panelFigure(
    "Power, coverage and interval width against menus per cell",
    ["one line per rho_copy; dashed: the nominal coverage"],
    [
      linePanel("power (interval excludes 0)", cells, (c) => c.power_excludes_zero, { title: "power", domain: [0, 1] }),
      linePanel("coverage", cells, (c) => c.coverage, { title: "coverage", domain: [0, 1] }, nominal),
      linePanel("mean CI width", cells, (c) => c.mean_ci_width, { title: "CI width" }),
    ],
    3,
  );
}

/** |bias| against n_menus, log-log, with the fitted line at the largest rho. */
export function biasFigureSpec(
  cells: CellSummaryJson[],
  fit: { rho: number; slope: number; intercept: number } | null,
): vl.TopLevelSpec {
  const values = cells
    .filter((c) => c.bias !== null && c.bias !== 0)
    .map((c) => ({ n_menus: c.n_menus, abs_bias: Math.abs(c.bias!), rho: pyFloat(c.rho_copy) }));
  const log = { type: "log", nice: false };
  const layers: object[] = [
    {
      data: { values },
      mark: { type: "line", point: true },
      encoding: {
        x: { field: "n_menus", type: "quantitative", title: "n_menus (log)", scale: log },
        y: { field: "abs_bias", type: "quantitative", title: "|bias| (log)", scale: log },
        color: { field: "rho", type: "nominal", title: "rho" },
      },
    },
  ];
  if (fit) {
    const xs = values.filter((v) => v.rho === pyFloat(fit.rho)).map((v) => v.n_menus);
    const line = [Math.min(...xs), Math.max(...xs)].map((x) => ({
      n_menus: x,
      abs_bias: Math.exp(fit.intercept + fit.slope * Math.log(x)),
    }));
    layers.push({
      data: { values: line },
      mark: { type: "line", strokeDash: [6, 4], color: "#333333" },
      encoding: {
        x: { field: "n_menus", type: "quantitative", scale: log },
        y: { field: "abs_bias", type: "quantitative", scale: log },
      },
    });
  }
  const subtitle = fit
    ? [`dashed: least squares at rho ${fit.rho}, slope ${pyFixed(fit.slope, 2)}`]
    : ["no slope: fewer than two menu counts with a non-zero bias at the largest rho"];
  return panelFigure(
    "Bias against the number of menus",
    subtitle,
    [{ width: 2 * SIZE, height: SIZE, layer: layers }],
    1,
  );
}

/** Write both figures into `dir`; returns their paths. */
export async function writeGridPlots(
  dir: string,
  cells: CellSummaryJson[],
  fit: { rho: number; slope: number; intercept: number } | null,
): Promise<string[]> {
  const files = [path.join(dir, GRID_PLOTS.power), path.join(dir, GRID_PLOTS.bias)];
  await writeFileAtomic(files[0], await renderPng(powerFigureSpec(cells)));
  await writeFileAtomic(files[1], await renderPng(biasFigureSpec(cells, fit)));
  return files;
}
