/**
 * The recovery sweep (docs/sweeps.md): a flat recovery config with `concentration_grid` runs one
 * cell per value, each with sim_hyperparams.delta_concentration set (the simulator's and the
 * fitted model's: flat recovery gives the fit the simulator's hyperparameters,
 * docs/flat-recovery.md), on one design written to `<output_dir>/study_design.json`. Summarised
 * across the values from each cell's recovery_statistics.json: `sweep_summary.json`,
 * `sweep_summary.csv`, the figures of bias, coverage and interval width against the value, and
 * report.md.
 */
import path from "node:path";
import {
  summaryTableRows,
  type FlatGroup,
  type FlatTrackedParameter,
  type NestedFlatStatistics,
} from "../../analysis/flatRecovery.js";
import type { ParameterRecovery, RecoveryStatistics } from "../../analysis/recovery.js";
import { flatDesignHash, prepareFlatDesign, writeFlatDesignFile } from "../../pipeline/flatDesignSetup.js";
import { writeFigures, type FigureSpec } from "../../report/figures.js";
import { pyFixed } from "../../report/text.js";
import { writeFileAtomic, writeJsonAtomic } from "../../util/atomicWrite.js";
import type { FlatRecoveryConfig } from "../recoverFlat/config.js";
import type { FlatRecoverySummary } from "../recoverFlat/summarize.js";
import type { GridSupport } from "../studyKind.js";
import { SWEPT_DATA, sweepCells } from "./config.js";
import { checkSharedDesign, csvText, linePanel, SWEEP_FILES, writeSweepReport } from "./outputs.js";

type Cells = Parameters<GridSupport<FlatRecoveryConfig, FlatRecoverySummary>["summarize"]>[0];

const isMetrics = (v: object): v is ParameterRecovery => "bias" in v;

/** summary_table.csv's rows of a cell (each scalar, then the groups' unweighted means) from its nested statistics. */
export function sweepSummaryRows(nested: NestedFlatStatistics) {
  const tracked: FlatTrackedParameter[] = [];
  const flat: RecoveryStatistics = {};
  for (const [key, v] of Object.entries(nested)) {
    const members: [string, ParameterRecovery, FlatGroup][] = isMetrics(v)
      ? [[key, v, "scalar"]]
      : Object.entries(v).map(([k, m]) => [k, m, key as FlatGroup]);
    for (const [k, m, group] of members) {
      tracked.push({ key: k, variable: k, group });
      flat[k] = m;
    }
  }
  return summaryTableRows(tracked, flat);
}

/** sweep_summary.json: per value, the summary rows and the cell's own recovery_statistics.json. */
function sweepJson(cells: Cells, config: FlatRecoveryConfig, designHash: string) {
  return {
    study: "recovery",
    swept: SWEPT_DATA,
    values: cells.map((c) => c.config.sim_hyperparams[SWEPT_DATA]),
    design_hash: designHash,
    seed: config.seed,
    cells: cells.map((c) => ({
      [SWEPT_DATA]: c.config.sim_hyperparams[SWEPT_DATA],
      folder: c.name,
      n_iterations: c.config.n_iterations,
      n_successful: c.summary.nSuccessful,
      n_failed: c.summary.failures.length,
      summary: Object.fromEntries(
        sweepSummaryRows(c.summary.statistics).map(({ parameter, ...m }) => [parameter, m] as const),
      ),
      statistics: c.summary.statistics,
    })),
  };
}
type SweepJson = ReturnType<typeof sweepJson>;

/** sweep_summary.csv: a row per value and parameter: scalars, group means ("beta (avg)"), then every element. */
function sweepCsv(summary: SweepJson): string {
  const rows: (string | number)[][] = [];
  const metrics = (m: ParameterRecovery) => [m.bias, m.rmse, m.coverage, m.ci_width];
  for (const c of summary.cells) {
    const head = [c[SWEPT_DATA], c.folder];
    for (const [p, m] of Object.entries(c.summary))
      rows.push([...head, p, p.endsWith("(avg)") ? "mean" : "scalar", ...metrics(m)]);
    for (const [group, v] of Object.entries(c.statistics))
      if (!isMetrics(v)) for (const [p, m] of Object.entries(v)) rows.push([...head, p, group, ...metrics(m)]);
  }
  return csvText([SWEPT_DATA, "folder", "parameter", "level", "bias", "rmse", "coverage", "ci_width"], rows);
}

/** The three figures against the value: a line per scalar and per group mean. */
function sweepFigures(summary: SweepJson, nominal: number): FigureSpec[] {
  const points = (f: keyof ParameterRecovery) =>
    summary.cells.flatMap((c) =>
      Object.entries(c.summary).map(([series, m]) => ({ value: c[SWEPT_DATA], series, y: m[f] })),
    );
  const figure = (file: string, what: string, panel: object): FigureSpec => ({
    file,
    title: `${what} against ${SWEPT_DATA}`,
    subtitle: ["one line per scalar and per group mean (as summary_table.csv)"],
    panels: [panel],
    caption: `${what} of each tracked scalar and group mean against ${SWEPT_DATA}.`,
  });
  return [
    figure("sweep_bias.png", "Bias", linePanel("bias", points("bias"), { title: "bias" }, 0)),
    figure(
      "sweep_coverage.png",
      "Coverage of the 90% interval",
      linePanel("coverage", points("coverage"), { title: "coverage", domain: [0, 1] }, nominal),
    ),
    figure("sweep_width.png", "Mean 90% interval width", linePanel("width", points("ci_width"), { title: "CI width" })),
  ];
}

/** The report's table: per value, each scalar and group mean. */
function reportColumns(summary: SweepJson) {
  const rows = summary.cells.flatMap((c) => Object.entries(c.summary).map(([p, m]) => ({ c, p, m })));
  return [
    { header: SWEPT_DATA, kind: "string" as const, values: rows.map((r) => String(r.c[SWEPT_DATA])) },
    { header: "parameter", kind: "string" as const, values: rows.map((r) => r.p) },
    { header: "bias", kind: "string" as const, values: rows.map((r) => pyFixed(r.m.bias, 3)), align: "right" as const },
    { header: "RMSE", kind: "string" as const, values: rows.map((r) => pyFixed(r.m.rmse, 3)), align: "right" as const },
    {
      header: "coverage",
      kind: "string" as const,
      values: rows.map((r) => `${pyFixed(100 * r.m.coverage, 1)}%`),
      align: "right" as const,
    },
    {
      header: "CI width",
      kind: "string" as const,
      values: rows.map((r) => pyFixed(r.m.ci_width, 3)),
      align: "right" as const,
    },
  ];
}

async function summarizeRecoverySweep(cells: Cells, config: FlatRecoveryConfig, wallSeconds: number) {
  const out = config.output_dir;
  const summary = sweepJson(cells, config, flatDesignHash(await prepareFlatDesign(config)));
  await writeJsonAtomic(path.join(out, SWEEP_FILES.json), summary);
  await writeFileAtomic(path.join(out, SWEEP_FILES.csv), sweepCsv(summary));
  const figures = summary.cells.some((c) => c.n_successful) ? await writeFigures(out, sweepFigures(summary, 0.9)) : [];
  return writeSweepReport(out, {
    title: `Recovery across ${SWEPT_DATA}`,
    intro: [
      `Each value is a flat recovery of ${path.basename(config.inference_model_path)} on data from ` +
        `${path.basename(config.sim_model_path)}, both with ${SWEPT_DATA} set to the value (a matched prior), ` +
        `${config.n_iterations} iterations of ${config.n_mcmc_chains} chains x ${config.n_mcmc_samples} draws.`,
    ],
    values: summary.values,
    designHash: summary.design_hash,
    wallSeconds,
    sections: [
      {
        heading: "Across the values",
        columns: reportColumns(summary),
        note: "Bias and RMSE of the posterior mean, coverage and mean width of the 90% interval; a group's row is the unweighted mean over its elements (upsilon[1] = 0 and upsilon[K] = 1 included, as the original's table). Every element is in sweep_summary.csv.",
      },
    ],
    cells: summary.cells.map((c) => ({
      folder: c.folder,
      link: `${c.folder}/recovery_summary/report.md`,
      text: `${c.n_successful} of ${c.n_iterations} iterations${c.n_failed ? `, ${c.n_failed} failed` : ""}`,
    })),
    figures,
  });
}

export const recoverySweep: GridSupport<FlatRecoveryConfig, FlatRecoverySummary> = {
  cells: (config) => sweepCells(config.concentration_grid, "sim_hyperparams"),
  // The one design of every value, written before any fit (the cells each write the same).
  preflight: async (cells, config, ctx) => {
    const design = await prepareFlatDesign(config);
    checkSharedDesign(cells, flatDesignHash(design));
    await writeFlatDesignFile(config.output_dir, design, ctx.log);
    return { proceed: true };
  },
  summarize: summarizeRecoverySweep,
};
