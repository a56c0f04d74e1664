/**
 * The power reports (docs/power.md "Reports"): a cell's `report.md` (its row of the original's
 * table, each fit's decisions, failures) and the table both share, one row per cell:
 * menus, rho, M_total, bias, rmse, CI width, coverage, power (interval excludes 0), ROPE power,
 * type-S rate, agreement, seconds per iteration (the fit's core-seconds over its chains: its wall
 * time with one core per chain, as the original ran fits) and, in a grid, actual / predicted.
 */
import path from "node:path";
import type { MeasuredFit } from "../../analysis/costModel.js";
import type { ReplicateRecord } from "../../pipeline/records.js";
import { templateRenderer } from "../../report/templates.js";
import { formatDuration, markdownTable, oneLine, pandasToString, pyFixed, type Column } from "../../report/text.js";
import { writeFileAtomic } from "../../util/atomicWrite.js";
import type { StudyOutcome } from "../studyKind.js";
import { pyFloat, type PowerConfig } from "./config.js";
import type { DecisionRecord } from "./iteration.js";
import { writeCellOutputs, type CellShape, type CellSummaryJson } from "./summarize.js";

export interface PowerCellOutcome extends StudyOutcome {
  summary: CellSummaryJson;
  decisions: DecisionRecord[];
  costs: MeasuredFit[];
  failures: { iteration: number; reason: string }[];
}

/** One row of the original's table. */
export interface TableRow {
  summary: CellSummaryJson;
  /** actual / predicted core-seconds per fit (grids only). */
  ratio?: number | null;
}

const fmt = (x: number | null | undefined, n: number) => (x === null || x === undefined ? "-" : pyFixed(x, n));

/** The original's table columns over `rows` (already in display order). */
export function powerTableColumns(rows: TableRow[], withRatio: boolean): Column[] {
  const s = (f: (r: CellSummaryJson) => number | null, n: number) => rows.map((r) => fmt(f(r.summary), n));
  const perChain = (r: CellSummaryJson) =>
    r.core_seconds_per_iteration === null ? null : r.core_seconds_per_iteration / r.sampler.chains;
  const columns: Column[] = [
    { header: "menus/cell", kind: "string", values: rows.map((r) => String(r.summary.menus_per_cell)) },
    { header: "rho", kind: "string", values: rows.map((r) => pyFloat(r.summary.rho_copy)) },
    { header: "M_total", kind: "string", values: rows.map((r) => String(r.summary.M_total)) },
    { header: "fits", kind: "string", values: rows.map((r) => String(r.summary.n_iterations)) },
    { header: "bias", kind: "string", values: s((r) => r.bias, 4) },
    { header: "rmse", kind: "string", values: s((r) => r.rmse, 4) },
    { header: "CI width", kind: "string", values: s((r) => r.mean_ci_width, 4) },
    { header: "coverage", kind: "string", values: s((r) => r.coverage, 2) },
    { header: "power", kind: "string", values: s((r) => r.power_excludes_zero, 2) },
    { header: "ROPE power", kind: "string", values: s((r) => r.power_outside_rope, 2) },
    { header: "type-S", kind: "string", values: s((r) => r.type_s_rate, 2) },
    { header: "agreement", kind: "string", values: s((r) => r.mean_agreement_rate, 3) },
    { header: "s/iter", kind: "string", values: s(perChain, 0) },
  ];
  if (withRatio) columns.push({ header: "actual/predicted", kind: "string", values: rows.map((r) => fmt(r.ratio, 2)) });
  return columns;
}

const renderCell = templateRenderer<object>(import.meta.url, "cell_report.md.hbs");

/** Write a cell's outputs and report.md; the outcome the CLI prints. */
export async function summarizeCell(
  config: PowerConfig,
  shape: CellShape,
  records: ReadonlyMap<number, ReplicateRecord>,
  wallSeconds: number,
): Promise<PowerCellOutcome> {
  const written = await writeCellOutputs(config, shape, records);
  const { summary, decisions, failures } = written;
  const row = powerTableColumns([{ summary }], false);
  const fitColumns: Column[] = [
    { header: "iteration", kind: "int", values: decisions.map((d) => d.iteration) },
    {
      header: `true ${config.target}`,
      kind: "string",
      values: decisions.map((d) => pyFixed(d[`true_${config.target}`] as number, 4)),
    },
    { header: "mean", kind: "string", values: decisions.map((d) => pyFixed(d.posterior_mean, 4)) },
    {
      header: "interval",
      kind: "string",
      values: decisions.map((d) => `[${pyFixed(d.ci_lower, 3)}, ${pyFixed(d.ci_upper, 3)}]`),
    },
    { header: "covered", kind: "bool", values: decisions.map((d) => d.covered) },
    { header: "excludes 0", kind: "bool", values: decisions.map((d) => d.excludes_zero) },
    { header: "outside ROPE", kind: "bool", values: decisions.map((d) => d.outside_rope) },
    { header: "agreement", kind: "string", values: decisions.map((d) => fmt(d.agreement_rate, 3)) },
    { header: "diagnose", kind: "string", values: decisions.map((d) => d.diagnose_problems.join(", ") || "ok") },
    { header: "seconds", kind: "string", values: decisions.map((d) => pyFixed(d.seconds, 0)) },
  ];
  const file = path.join(config.output_dir, "report.md");
  const text = renderCell({
    target: config.target,
    menus: summary.menus_per_cell,
    rho: summary.rho_copy,
    settings: [
      [
        "n_menus x num_presentations = M_total",
        `${summary.n_menus} x ${summary.num_presentations} = ${summary.M_total}`,
      ],
      ["fits (finished / failed)", `${decisions.length} / ${failures.length}`],
      [
        "sampler",
        `${config.n_mcmc_chains} chains x (${config.warmup} + ${config.n_mcmc_samples}), adapt_delta ${config.adapt_delta}`,
      ],
      ["interval, ROPE", `central ${config.ci_prob}; abs(${config.target}) <= ${pyFixed(config.rope, 4)}`],
      ["wall time", formatDuration(wallSeconds)],
    ].map(([key, value]) => ({ key, value })),
    rowMd: markdownTable(row),
    fitsMd: decisions.length ? markdownTable(fitColumns) : "",
    failures: failures.map((f) => ({ iteration: f.iteration, reason: oneLine(f.reason) })),
  });
  await writeFileAtomic(file, text);
  return { ...written, reportFile: file, terminalTables: `${pandasToString(row)}\n` };
}
