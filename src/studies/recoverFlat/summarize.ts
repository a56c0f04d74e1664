/**
 * After the loop: read back every finished iteration's files and write the flat recovery's
 * outputs in the original's layout: all_true_parameters.json, recovery_summary/
 * recovery_statistics.json (nested: the scalars, then beta, delta, upsilon by element),
 * summary_table.csv, the plots and report.md. Works from the files alone.
 */
import path from "node:path";
import {
  flatTrackedParameters,
  flattenFlatTruth,
  nestFlatStatistics,
  parseFlatTruth,
  type FlatTrackedParameter,
  type FlatTruth,
  type NestedFlatStatistics,
} from "../../analysis/flatRecovery.js";
import {
  aggregateRecovery,
  trackedRows,
  type RecoveryRow,
  type RecoveryStatistics,
  type SummaryRow,
} from "../../analysis/recovery.js";
import type { ReplicateRecord } from "../../pipeline/records.js";
import { plotLinks } from "../../report/text.js";
import { writeFileAtomic, writeJsonAtomic } from "../../util/atomicWrite.js";
import { readIterationFiles } from "../common/iterationFiles.js";
import { writeFlatRecoveryPlots } from "./plots.js";
import { renderFlatTerminalTables, summaryTableCsv, writeFlatReport } from "./report.js";

export interface FlatRecoverySummary {
  /** recovery_statistics.json's content. */
  statistics: NestedFlatStatistics;
  nSuccessful: number;
  failures: { iteration: number; reason: string }[];
  reportFile: string;
  terminalTables: string;
}

export interface FlatSummaryInput {
  outputDir: string;
  nIterations: number;
  /** chains x draws: the transitions of a fit whose diagnostics.txt does not state them. */
  transitions: number;
  /** The tracked sensitivity scalars (alpha; kappa, omega) and the design's K and D. */
  scalars: string[];
  K: number;
  D: number;
  /** The run's settings for the report. */
  settings: (wallSeconds: number) => [string, unknown][];
  records: Map<number, ReplicateRecord>;
  wallSeconds: number;
}

/** The long table of every successful iteration and tracked scalar, and the metrics by key. */
function statisticsOf(
  iterations: Array<{ iteration: number; truth: FlatTruth; summary: SummaryRow[] }>,
  tracked: FlatTrackedParameter[],
  scalars: string[],
): { rows: RecoveryRow[]; flat: RecoveryStatistics } {
  const withKeys = iterations.map((it) => ({ ...it, truth: flattenFlatTruth(it.truth, scalars) }));
  const rows = trackedRows(withKeys, tracked);
  return {
    rows,
    flat: aggregateRecovery(
      rows,
      tracked.map((t) => t.key),
    ),
  };
}

export async function summarizeFlatRecovery(args: FlatSummaryInput): Promise<FlatRecoverySummary> {
  const { outputDir, scalars } = args;
  const { iterations, failures, diagnostics } = await readIterationFiles(
    outputDir,
    args.records,
    args.transitions,
    parseFlatTruth,
  );
  const tracked = flatTrackedParameters(scalars, args.K, args.D);
  const summaryDir = path.join(outputDir, "recovery_summary");
  let flat: RecoveryStatistics = {};
  let plots: string[] = [];
  if (iterations.length) {
    const computed = statisticsOf(iterations, tracked, scalars);
    flat = computed.flat;
    await writeFileAtomic(path.join(summaryDir, "summary_table.csv"), summaryTableCsv(tracked, flat));
    const files = await writeFlatRecoveryPlots(summaryDir, computed.rows, tracked, flat, iterations.length);
    plots = plotLinks(summaryDir, files);
  }
  const statistics = iterations.length ? nestFlatStatistics(tracked, flat) : {};
  await writeJsonAtomic(path.join(summaryDir, "recovery_statistics.json"), statistics);
  const input = {
    settings: args.settings(args.wallSeconds),
    nIterations: args.nIterations,
    tracked,
    diagnostics,
    statistics: flat,
    nSuccessful: iterations.length,
    failures,
    plots,
  };
  return {
    statistics,
    nSuccessful: iterations.length,
    failures,
    reportFile: await writeFlatReport(summaryDir, input),
    terminalTables: renderFlatTerminalTables(input),
  };
}
