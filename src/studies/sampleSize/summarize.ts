/**
 * One size's outputs (docs/sample-size.md "Outputs"), from the cell's iteration files alone:
 * all_true_parameters.json (the successful iterations' truths, appended as the original
 * intended), cell_summary.json (the metrics of every tracked parameter and the spread of the
 * scalars' 90% widths), the per-parameter coverage figures and a short report.md.
 */
import path from "node:path";
import {
  flatTrackedParameters,
  flattenFlatTruth,
  parseFlatTruth,
  type FlatTrackedParameter,
} from "../../analysis/flatRecovery.js";
import { trackedRows } from "../../analysis/recovery.js";
import { sizeMetrics, widthSpreads, type SizeMetrics, type WidthSpread } from "../../analysis/sampleSize.js";
import type { FlatDesign } from "../../design/flat/types.js";
import type { ReplicateRecord } from "../../pipeline/records.js";
import { formatDuration, markdownTable, oneLine, plotLinks } from "../../report/text.js";
import { writeFileAtomic, writeJsonAtomic } from "../../util/atomicWrite.js";
import { readIterationFiles } from "../common/iterationFiles.js";
import type { StudyOutcome } from "../studyKind.js";
import type { SampleSizeConfig } from "./config.js";
import { writeCoveragePlots } from "./plots.js";

export const CELL_SUMMARY_FILE = "cell_summary.json";

export interface SampleSizeCellSummary extends StudyOutcome {
  M: number;
  nSuccessful: number;
  failures: { iteration: number; reason: string }[];
  /** The tracked parameters: the sensitivity scalars, beta[k,d], delta[k]. */
  tracked: FlatTrackedParameter[];
  /** By tracked key; empty when no iteration succeeded. */
  metrics: Record<string, SizeMetrics>;
  /** The sensitivity scalars' 90% widths: mean and population sd. */
  widths: Record<string, WidthSpread>;
}

export interface CellInput {
  config: SampleSizeConfig;
  design: FlatDesign;
  scalars: string[];
  records: Map<number, ReplicateRecord>;
  wallSeconds: number;
}

/** What a size reports: the scalars, beta and delta (upsilon is delta's running sum). */
export function sizeTracked(scalars: readonly string[], K: number, D: number): FlatTrackedParameter[] {
  return flatTrackedParameters(scalars, K, D).filter((t) => t.group !== "upsilon");
}

export async function summarizeCell(input: CellInput): Promise<SampleSizeCellSummary> {
  const { config, design, scalars } = input;
  const out = config.output_dir;
  const transitions = config.n_mcmc_chains * config.n_mcmc_samples;
  const files = await readIterationFiles(out, input.records, transitions, parseFlatTruth);
  const tracked = sizeTracked(scalars, design.K, design.D);
  let metrics: Record<string, SizeMetrics> = {};
  let widths: Record<string, WidthSpread> = {};
  let plots: string[] = [];
  if (files.iterations.length) {
    const withKeys = files.iterations.map((it) => ({ ...it, truth: flattenFlatTruth(it.truth, scalars) }));
    const rows = trackedRows(withKeys, tracked);
    metrics = sizeMetrics(
      rows,
      tracked.map((t) => t.key),
    );
    widths = widthSpreads(rows, scalars);
    plots = plotLinks(out, await writeCoveragePlots(out, rows, tracked, metrics));
  }
  const summary = { M: design.M, nSuccessful: files.iterations.length, failures: files.failures, tracked };
  await writeJsonAtomic(path.join(out, CELL_SUMMARY_FILE), {
    M: design.M,
    n_iterations: config.n_iterations,
    n_successful: summary.nSuccessful,
    failures: summary.failures,
    metrics,
    interval_widths: widths,
  });
  const table = cellTable(tracked, metrics);
  const reportFile = path.join(out, "report.md");
  await writeFileAtomic(reportFile, cellReport(config, summary, table, plots, input.wallSeconds));
  return { ...summary, metrics, widths, terminalTables: table, reportFile };
}

function cellTable(tracked: FlatTrackedParameter[], metrics: Record<string, SizeMetrics>): string {
  const known = tracked.filter((t) => metrics[t.key]);
  const col = (header: string, f: keyof SizeMetrics) => ({
    header,
    kind: "float" as const,
    values: known.map((t) => metrics[t.key][f]),
  });
  return markdownTable([
    { header: "parameter", kind: "string", values: known.map((t) => t.variable) },
    col("90% CI width", "ci_width"),
    col("RMSE", "rmse"),
    col("MAE", "mae"),
    col("coverage", "coverage"),
    col("bias", "bias"),
  ]);
}

function cellReport(
  config: SampleSizeConfig,
  s: { M: number; nSuccessful: number; failures: { iteration: number; reason: string }[] },
  table: string,
  plots: string[],
  wallSeconds: number,
): string {
  const lines = [
    `# Sample-size study: M = ${s.M}`,
    "",
    `${s.nSuccessful} of ${config.n_iterations} iteration(s) succeeded; design: design_M${s.M}.json; ` +
      `wall time ${formatDuration(wallSeconds)}. The grid's report (../report.md) compares the sizes.`,
    "",
    s.nSuccessful ? table : "No iteration succeeded: no metrics.",
    "",
    ...s.failures.map((f) => `- iteration ${f.iteration} failed: ${oneLine(f.reason)}`),
    ...(s.failures.length ? [""] : []),
    ...plots.map((p) => `![${p}](${p})`),
  ];
  return `${lines.join("\n")}\n`;
}
