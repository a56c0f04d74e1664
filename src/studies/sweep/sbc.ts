/**
 * The SBC sweep (docs/sweeps.md): a flat SBC config with `concentration_grid` runs one cell per
 * value, each with extra_data.delta_concentration set (m_03_sbc draws its truth and takes its
 * prior with it, docs/flat-sbc.md), on one design written to `<output_dir>/study_design.json`.
 * Summarised across the values from each cell's rank statistics: `sweep_summary.json` (each
 * cell's sbc_summary.json and the parameters it flags), `sweep_summary.csv`, the figure of the
 * chi-square p-values and the flagged count against the value, and report.md.
 */
import path from "node:path";
import { flatDesignHash, prepareFlatDesign, writeFlatDesignFile } from "../../pipeline/flatStudyDesign.js";
import { writeFigures, type FigureSpec } from "../../report/figures.js";
import { pyFixed, type Column } from "../../report/text.js";
import { writeFileAtomic, writeJsonAtomic } from "../../util/atomicWrite.js";
import type { FlatSbcConfig } from "../sbcFlat/config.js";
import { summaryJson, type FlatSbcSummary } from "../sbcFlat/summarize.js";
import type { GridSupport } from "../studyKind.js";
import { SWEPT_DATA, sweepCells } from "./config.js";
import { checkSharedDesign, csvText, linePanel, SWEEP_FILES, writeSweepReport } from "./outputs.js";

type Cells = Parameters<GridSupport<FlatSbcConfig, FlatSbcSummary>["summarize"]>[0];

/** The original's flag (summary.txt): a chi-square p-value below this. */
const SIGNIFICANCE = 0.05;

/** sweep_summary.json: per value, the cell's sbc_summary.json and the parameters flagged, by ascending p. */
function sweepJson(cells: Cells, config: FlatSbcConfig, designHash: string) {
  return {
    study: "sbc",
    swept: SWEPT_DATA,
    values: cells.map((c) => c.config.extra_data[SWEPT_DATA]),
    design_hash: designHash,
    seed: config.seed,
    significance: SIGNIFICANCE,
    cells: cells.map((c) => {
      const parameters = summaryJson(c.summary.statistics);
      const flagged = Object.entries(parameters)
        .filter(([, p]) => p.p_value < SIGNIFICANCE)
        .sort((a, b) => a[1].p_value - b[1].p_value)
        .map(([name]) => name);
      return {
        [SWEPT_DATA]: c.config.extra_data[SWEPT_DATA],
        folder: c.name,
        n_sbc_sims: c.config.n_sbc_sims,
        n_simulations: c.summary.statistics?.n ?? 0,
        n_failed: c.summary.failures.length,
        n_flagged: flagged.length,
        flagged,
        outside_ecdf_band: c.summary.statistics?.outsideBand ?? [],
        parameters,
      };
    }),
  };
}
type SweepJson = ReturnType<typeof sweepJson>;

/** sweep_summary.csv: a row per value and parameter. */
function sweepCsv(summary: SweepJson): string {
  const rows = summary.cells.flatMap((c) =>
    Object.entries(c.parameters).map(([name, p]) => [
      c[SWEPT_DATA],
      c.folder,
      name,
      p.chi2_statistic,
      p.p_value,
      p.ks_statistic,
      p.ks_p_value,
      p.p_value < SIGNIFICANCE ? 1 : 0,
    ]),
  );
  const header = [SWEPT_DATA, "folder", "parameter", "chi2_statistic", "p_value", "ks_statistic", "ks_p_value"];
  return csvText([...header, "flagged"], rows);
}

function sweepFigure(summary: SweepJson): FigureSpec {
  const pValues = summary.cells.flatMap((c) =>
    Object.entries(c.parameters).map(([series, p]) => ({ value: c[SWEPT_DATA], series, y: p.p_value })),
  );
  const flagged = summary.cells.map((c) => ({ value: c[SWEPT_DATA], series: "flagged", y: c.n_flagged }));
  return {
    file: "sweep_pvalues.png",
    title: `Calibration against ${SWEPT_DATA}`,
    subtitle: [`dashed: p = ${SIGNIFICANCE}`],
    panels: [
      linePanel("chi-square p-value per parameter", pValues, { title: "p-value", domain: [0, 1] }, SIGNIFICANCE),
      linePanel(`parameters with p < ${SIGNIFICANCE}`, flagged, {
        title: "parameters flagged",
        domain: [0, Math.max(1, ...summary.cells.map((c) => Object.keys(c.parameters).length))],
      }),
    ],
    columns: 2,
    caption: `Chi-square p-values of the rank histograms, and the number of parameters flagged, against ${SWEPT_DATA}.`,
  };
}

/** The report's tables: per value, the counts; then the p-values, a row per parameter and a column per value. */
function reportSections(summary: SweepJson) {
  const cells = summary.cells;
  const counts: Column[] = [
    { header: SWEPT_DATA, kind: "string", values: cells.map((c) => String(c[SWEPT_DATA])) },
    { header: "simulations", kind: "int", values: cells.map((c) => c.n_simulations) },
    { header: "failed", kind: "int", values: cells.map((c) => c.n_failed) },
    { header: `p < ${SIGNIFICANCE}`, kind: "int", values: cells.map((c) => c.n_flagged) },
    { header: "flagged", kind: "string", values: cells.map((c) => c.flagged.join(", ") || "-") },
  ];
  const names = Object.keys(cells.find((c) => Object.keys(c.parameters).length)?.parameters ?? {});
  const pTable: Column[] = [
    { header: "parameter", kind: "string", values: names },
    ...cells.map((c): Column => ({
      header: `p at ${c[SWEPT_DATA]}`,
      kind: "string",
      align: "right",
      values: names.map((n) => (c.parameters[n] ? pyFixed(c.parameters[n].p_value, 4) : "-")),
    })),
  ];
  return [
    { heading: "Across the values", columns: counts },
    { heading: "Chi-square p-values", columns: pTable, note: "Each cell's own tests are in its sbc_results/." },
  ];
}

async function summarizeSbcSweep(cells: Cells, config: FlatSbcConfig, wallSeconds: number) {
  const out = config.output_dir;
  const summary = sweepJson(cells, config, flatDesignHash(await prepareFlatDesign(config)));
  await writeJsonAtomic(path.join(out, SWEEP_FILES.json), summary);
  await writeFileAtomic(path.join(out, SWEEP_FILES.csv), sweepCsv(summary));
  const figures = summary.cells.some((c) => c.n_simulations) ? await writeFigures(out, [sweepFigure(summary)]) : [];
  return writeSweepReport(out, {
    title: `SBC across ${SWEPT_DATA}`,
    intro: [
      `Each value is a flat SBC of ${path.basename(config.sbc_model_path)} with ${SWEPT_DATA} set to the value ` +
        `for the truth and the prior, ${config.n_sbc_sims} simulations of ${config.n_mcmc_chains} chain(s), ` +
        `${config.n_mcmc_samples} draws, thin ${config.thin}.`,
    ],
    values: summary.values,
    designHash: summary.design_hash,
    wallSeconds,
    sections: reportSections(summary),
    cells: summary.cells.map((c) => ({
      folder: c.folder,
      link: `${c.folder}/sbc_results/report.md`,
      text: `${c.n_simulations} of ${c.n_sbc_sims} simulations fitted${c.n_failed ? `, ${c.n_failed} failed` : ""}`,
    })),
    figures,
  });
}

export const sbcSweep: GridSupport<FlatSbcConfig, FlatSbcSummary> = {
  cells: (config) => sweepCells(config.concentration_grid, "extra_data"),
  // The one design of every value, written before any fit (the cells each write the same).
  preflight: async (cells, config, ctx) => {
    const design = await prepareFlatDesign(config);
    checkSharedDesign(cells, flatDesignHash(design));
    await writeFlatDesignFile(config.output_dir, design, ctx.log);
    return { proceed: true };
  },
  summarize: summarizeSbcSweep,
};
