/**
 * The power grid (docs/power.md "The grid"): cells menus_per_cell:rho_copy, each the config with
 * study_design_config.M_per_cell and rho_copy changed, in `<output_dir>/menus<m>_rho<r>`; priced
 * and held to its budget before anything runs (pricing.ts); summarised into grid_summary.json
 * (the original's keys, then the cost model's error and the decisive slope) and report.md with
 * its figures.
 */
import path from "node:path";
import { defaultCores } from "../../pipeline/studyConfig.js";
import { plotLinks } from "../../report/text.js";
import { writeJsonAtomic } from "../../util/atomicWrite.js";
import type { GridSupport } from "../studyKind.js";
import { cellName, type PowerCell, type PowerConfig } from "./config.js";
import { writeGridReport } from "./gridReport.js";
import { buildGridSummary, cellsWithPredictions, type Cells } from "./gridSummary.js";
import { writeGridPlots } from "./plots.js";
import { priceGrid } from "./pricing.js";
import { regimeA, REGIME_A_TABLE } from "./regimeA.js";
import type { PowerCellOutcome } from "./report.js";

export const powerGrid: GridSupport<PowerConfig, PowerCellOutcome> = {
  cells: (config) =>
    config.cells &&
    (config.measure ? measuredCells(config.cells) : config.cells).map((c) => ({
      name: cellName(c),
      set: {
        "study_design_config.M_per_cell": c.menus_per_cell,
        rho_copy: c.rho_copy,
        n_iterations: config.n_iterations,
      },
    })),
  preflight: async (cells, config, ctx) => {
    if (!config.measure) return priceGrid(cells, config, ctx);
    ctx.log(
      `[power] measuring: ${config.n_iterations} fit(s) of ${cells.map((c) => c.name).join(", ")} (kept by the grid)`,
    );
    return { proceed: true };
  },
  summarize: summarizeGrid,
};

/**
 * What --measure runs of a grid: its cheapest cell of each rho, since the gradients a fit takes
 * per iteration follow rho (the cost model carries them across sizes by a probe).
 */
export function measuredCells(cells: PowerCell[]): PowerCell[] {
  const byRho = new Map<number, PowerCell>();
  for (const c of cells) {
    const kept = byRho.get(c.rho_copy);
    if (!kept || c.menus_per_cell < kept.menus_per_cell) byRho.set(c.rho_copy, c);
  }
  return cells.filter((c) => byRho.get(c.rho_copy) === c);
}

async function summarizeGrid(cells: Cells, config: PowerConfig, wallSeconds: number) {
  const rows = (await cellsWithPredictions(cells, config)).sort(
    (a, b) => a.rho_copy - b.rho_copy || a.menus_per_cell - b.menus_per_cell,
  );
  const summary = buildGridSummary(rows, config, defaultCores(config.cores), wallSeconds);
  await writeJsonAtomic(path.join(config.output_dir, "grid_summary.json"), summary);
  const slope = summary.decisive_slope;
  const fit =
    slope && slope.slope !== null ? { rho: slope.rho, slope: slope.slope, intercept: slope.intercept! } : null;
  const plots = await writeGridPlots(config.output_dir, rows, fit);
  const original = (await regimeA.settingsDiffer(config)).length === 0 ? REGIME_A_TABLE : undefined;
  return writeGridReport(config, summary, plotLinks(config.output_dir, plots), { wallSeconds, original });
}
