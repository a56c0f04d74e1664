/**
 * After the loop: read back every finished iteration's files and write the matched study's
 * outputs (docs/matched.md, "Outputs"): all_true_parameters.json (the truth of every iteration
 * whose simulation ran), aggregate_metrics.csv (a row per condition over the iterations where all
 * four conditions finished, as the original's aggregator writes it) and report.md. Works from the
 * files alone.
 */
import path from "node:path";
import type { ReplicateRecord } from "../../pipeline/records.js";
import { writeFileAtomic, writeJsonAtomic } from "../../util/atomicWrite.js";
import { aggregateMetricsCsv, aggregateRows, type AggregateRow } from "./aggregate.js";
import type { MatchedCondition } from "./conditions.js";
import { readMatchedFiles } from "./files.js";
import { renderMatchedTerminalTables, writeMatchedReport, type MatchedReportInput } from "./report.js";

export interface MatchedSummary {
  rows: AggregateRow[];
  complete: number[];
  reportFile: string;
  terminalTables: string;
}

export interface MatchedSummaryInput {
  outputDir: string;
  nIterations: number;
  conditions: MatchedCondition[];
  /** The model file of each condition, by label. */
  modelOf: Record<string, string>;
  K: number;
  D: number;
  /** chains x draws of one fit. */
  transitions: number;
  settings: (wallSeconds: number) => [string, unknown][];
  records: Map<number, ReplicateRecord>;
  wallSeconds: number;
}

export async function summarizeMatched(args: MatchedSummaryInput): Promise<MatchedSummary> {
  const { outputDir, conditions } = args;
  const files = await readMatchedFiles(outputDir, args.records, conditions, args.transitions);
  await writeJsonAtomic(path.join(outputDir, "all_true_parameters.json"), [...files.truths.values()]);
  const rows = aggregateRows(files, conditions, args.K, args.D);
  await writeFileAtomic(path.join(outputDir, "aggregate_metrics.csv"), aggregateMetricsCsv(rows));
  const input: MatchedReportInput = {
    settings: args.settings(args.wallSeconds),
    nIterations: args.nIterations,
    conditions,
    modelOf: args.modelOf,
    rows,
    files,
  };
  return {
    rows,
    complete: files.complete,
    reportFile: await writeMatchedReport(outputDir, input),
    terminalTables: renderMatchedTerminalTables(input),
  };
}
