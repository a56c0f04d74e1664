/**
 * The grid's report.md (docs/power.md "The grid report"): the original's table, one row per cell
 * sorted by (rho, menus), with actual / predicted cost; the nominal coverage; the decisive slope
 * of log|bias| on log n_menus at the largest rho and its reading; what the grid cost against its
 * price (the cost model's error beside the linear-in-M_total model's); and the figures.
 */
import path from "node:path";
import { templateRenderer } from "../../report/templates.js";
import { formatDuration, markdownTable, pandasToString, pyFixed } from "../../report/text.js";
import { writeFileAtomic } from "../../util/atomicWrite.js";
import type { StudyOutcome } from "../studyKind.js";
import type { PowerConfig } from "./config.js";
import type { GridSummaryJson } from "./gridSummary.js";
import { powerTableColumns } from "./report.js";

const render = templateRenderer<object>(import.meta.url, "grid_report.md.hbs");

const f = (x: number | null | undefined, n: number) => (x === null || x === undefined ? "-" : pyFixed(x, n));

function slopeText(s: GridSummaryJson["decisive_slope"]): string {
  if (!s) return "No cell finished: no slope.";
  if (s.slope === null) {
    return `At the largest rho (${s.rho}) fewer than two cells of different menu counts have a non-zero bias: no slope.`;
  }
  return (
    `At the largest rho (${s.rho}), log|bias| ~ ${pyFixed(s.slope, 2)} log(n_menus) over ${s.points} cells: ` +
    `**${s.verdict}** (below -0.5: small-sample displacement, more menus fix it; above -0.25: systematic, ` +
    `more menus narrow the intervals around a displaced centre; between: ambiguous).`
  );
}

function costText(summary: GridSummaryJson): string[] {
  const e = summary.cost_model_error;
  const l = summary.linear_model_error;
  const ratios = (r: number[]) => r.map((x) => pyFixed(x, 2)).join(", ");
  return [
    `Measured: ${f(summary.measured_core_hours, 2)} core-hours of fits; ${f(summary.measured_sampling_hours, 2)} h summed over fits' wall times; this process ${f(summary.wall_clock_this_process_hours, 2)} h.`,
    `Predicted before running: ${f(summary.predicted_total_hours, 2)} h on the run's cores (budget ${summary.budget_hours ?? "none"} h).`,
    e.ratios.length
      ? `Cost model, actual / predicted per cell: ${ratios(e.ratios)} (largest |log ratio| ${f(e.max_abs_log_ratio, 3)}).`
      : "No cell was priced before it ran (no grid_pricing.json): no prediction error to report.",
    l.ratios.length
      ? `The original's model (linear in M_total), same fits: ${ratios(l.ratios)} (largest |log ratio| ${f(l.max_abs_log_ratio, 3)}).`
      : "",
  ].filter((x) => x);
}

export async function writeGridReport(
  config: PowerConfig,
  summary: GridSummaryJson,
  plots: string[],
  run: { wallSeconds: number; original?: string },
): Promise<StudyOutcome> {
  const rows = summary.cells.map((c) => ({ summary: c, ratio: c.prediction_error_ratio }));
  const columns = powerTableColumns(rows, true);
  const file = path.join(config.output_dir, "report.md");
  await writeFileAtomic(
    file,
    render({
      target: config.target,
      nominal: config.ci_prob,
      iterations: config.n_iterations,
      wall: formatDuration(run.wallSeconds),
      original: run.original ?? "",
      tableMd: markdownTable(columns),
      slope: slopeText(summary.decisive_slope),
      cost: costText(summary),
      plots: plots.map((link) => ({ link, alt: path.posix.basename(link, ".png").replace(/_/g, " ") })),
    }),
  );
  const terminal = [
    pandasToString(columns),
    "",
    slopeText(summary.decisive_slope).replace(/\*\*/g, ""),
    ...costText(summary),
  ];
  return { reportFile: file, terminalTables: `${terminal.join("\n")}\n` };
}
