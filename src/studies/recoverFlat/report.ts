/**
 * The flat recovery's tables and report (docs/flat-recovery.md, "Outputs"):
 * - `recovery_summary/summary_table.csv` as the original writes it: Parameter, Bias, RMSE,
 *   Coverage, CI Width; a row per scalar, then "beta (avg)", "delta (avg)", "upsilon (avg)";
 *   the values as strings (3 decimals; coverage as a percentage with one decimal, `90.0%`);
 * - `recovery_summary/report.md`: the configuration with the sampler settings used, the sampler
 *   health read from every diagnostics.txt, that table, every tracked scalar, the Monte Carlo
 *   band of the coverages, the failures and the plots; and the same tables for the terminal.
 */
import path from "node:path";
import { summaryTableRows, type FlatTrackedParameter } from "../../analysis/flatRecovery.js";
import type { RecoveryStatistics } from "../../analysis/recovery.js";
import { templateRenderer } from "../../report/templates.js";
import { markdownTable, pandasToString, pyFixed, type Column } from "../../report/text.js";
import { writeFileAtomic } from "../../util/atomicWrite.js";
import {
  coverageBand,
  diagnosticsView,
  failuresText,
  failureViews,
  plotViews,
  SAMPLER_HEALTH_PARTIAL,
  settingLines,
  settingsAndHealthText,
  statisticsTable,
  type DiagnosticsReading,
} from "../common/reportParts.js";

export interface FlatReportInput {
  /** The run's settings, in the order the report lists them. */
  settings: [string, unknown][];
  nIterations: number;
  tracked: FlatTrackedParameter[];
  diagnostics: Array<{ iteration: number; reading: DiagnosticsReading }>;
  /** Flat statistics by tracked key ({} when no iteration succeeded). */
  statistics: RecoveryStatistics;
  nSuccessful: number;
  failures: Array<{ iteration: number; reason: string }>;
  /** Plot links relative to recovery_summary/. */
  plots: string[];
}

const SUMMARY_HEADER = ["Parameter", "Bias", "RMSE", "Coverage", "CI Width"];

/** The summary table's rows as the original's strings. */
export function summaryTableCells(tracked: FlatTrackedParameter[], stats: RecoveryStatistics): string[][] {
  return summaryTableRows(tracked, stats).map((r) => [
    r.parameter,
    pyFixed(r.bias, 3),
    pyFixed(r.rmse, 3),
    `${pyFixed(100 * r.coverage, 1)}%`,
    pyFixed(r.ci_width, 3),
  ]);
}

/** summary_table.csv (no field needs quoting: names and numbers only). */
export function summaryTableCsv(tracked: FlatTrackedParameter[], stats: RecoveryStatistics): string {
  return [SUMMARY_HEADER, ...summaryTableCells(tracked, stats)].map((r) => r.join(",")).join("\n") + "\n";
}

function summaryTable(tracked: FlatTrackedParameter[], stats: RecoveryStatistics): { md: string; text: string } {
  const cells = summaryTableCells(tracked, stats);
  const cols: Column[] = SUMMARY_HEADER.map((header, j) => ({
    header,
    kind: "string",
    values: cells.map((r) => r[j]),
  }));
  return { md: markdownTable(cols), text: pandasToString(cols) };
}

const CAPTIONS: Record<string, string> = {
  "beta_combined_diagnostics.png":
    "Every beta[k,d]: true vs estimated, the error of the posterior mean, interval width against the truth, and coverage by decile of the true value.",
  "delta_all_coverage_intervals.png": "Each iteration's 90% interval of delta[k], in order of the true value.",
  "bias_vs_true_value.png": "Error of the posterior mean against the true value, per scalar and per group.",
};

function scalarCaptions(tracked: FlatTrackedParameter[]): Record<string, string> {
  const scalars = tracked.filter((t) => t.group === "scalar");
  return Object.fromEntries(
    scalars.map((t) => [
      `${t.key}_recovery.png`,
      `Recovery of ${t.variable}: each point is one iteration, with its 90% interval.`,
    ]),
  );
}

function buildView(input: FlatReportInput) {
  // upsilon[1] and upsilon[K] are 0 and 1 in every draw: always covered, never informative.
  const K = input.tracked.filter((t) => t.group === "upsilon").length;
  const banded = input.tracked.filter((t) => t.key !== "upsilon_1" && t.key !== `upsilon_${K}`);
  const succeeded = input.nSuccessful > 0;
  return {
    configLines: settingLines(input.settings),
    nIterations: input.nIterations,
    nSuccessful: input.nSuccessful,
    diag: diagnosticsView(input.diagnostics),
    summary: succeeded ? summaryTable(input.tracked, input.statistics) : null,
    details: succeeded ? statisticsTable(input.tracked, input.statistics) : null,
    band: succeeded ? coverageBand(banded, input.statistics, input.nSuccessful) : null,
    failures: failureViews(input.failures),
    plots: plotViews(input.plots, { ...scalarCaptions(input.tracked), ...CAPTIONS }),
  };
}

type FlatView = ReturnType<typeof buildView>;

const renderMarkdown = templateRenderer<FlatView>(import.meta.url, "report.md.hbs", SAMPLER_HEALTH_PARTIAL);

/** The report's tables as plain text, for the terminal: settings, sampler health, the summary table, failures. */
export function renderFlatTerminalTables(input: FlatReportInput): string {
  const vm = buildView(input);
  const out = [...settingsAndHealthText("Recovery configuration:", vm.configLines, vm.diag)];
  if (vm.summary && vm.band) {
    out.push(`Recovery over ${vm.nSuccessful} successful iterations (of ${vm.nIterations}):`, "", vm.summary.text, "");
    out.push(`Coverages outside 0.90 +- 2 Monte Carlo SE ${vm.band.mcseBand}: ${vm.band.outsideBand || "none"}.`);
  } else {
    out.push(`No successful iterations (of ${vm.nIterations}): no recovery statistics.`);
  }
  out.push(...failuresText(vm.failures));
  return out.join("\n") + "\n";
}

/** Writes `report.md` (markdown of the same view) into `reportDir` and returns its path. */
export async function writeFlatReport(reportDir: string, input: FlatReportInput): Promise<string> {
  const file = path.join(reportDir, "report.md");
  await writeFileAtomic(file, renderMarkdown(buildView(input)));
  return file;
}
