/**
 * After a recovery study's loop: read back every finished iteration's files (the same inputs as
 * the original's readers): the truth and the posterior summary of each successful iteration,
 * the reason of each failed one, and the reading of every diagnostics.txt there is. The truth's
 * shape is the family's, so its parser is given.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { parseSummaryCsv, type VariableSummaryRow } from "../../analysis/summary.js";
import { parseDiagnose, type DiagnoseReading } from "../../cmdstan/diagnose.js";
import type { ReplicateRecord } from "../../pipeline/records.js";
import { writeJsonAtomic } from "../../util/atomicWrite.js";
import { iterationDir } from "./fitSteps.js";

export interface IterationFiles<T> {
  /** The successful iterations, in order. */
  iterations: { iteration: number; truth: T; summary: VariableSummaryRow[] }[];
  /** Iterations that wrote error.txt, with its text. */
  failures: { iteration: number; reason: string }[];
  /** One reading per iteration whose diagnostics.txt exists (successful or not). */
  diagnostics: { iteration: number; reading: DiagnoseReading }[];
}

/**
 * The files of every iteration with a record. `defaultTransitions` (chains x draws) stands in
 * where diagnostics.txt does not state the number of transitions.
 */
export async function readIterationFiles<T>(
  outputDir: string,
  records: Map<number, ReplicateRecord>,
  defaultTransitions: number,
  parseTruth: (text: string, file: string) => T,
): Promise<IterationFiles<T>> {
  const found: IterationFiles<T> = { iterations: [], failures: [], diagnostics: [] };
  for (const i of [...records.keys()].sort((a, b) => a - b)) {
    const dir = iterationDir(outputDir, i);
    const diagFile = path.join(dir, "diagnostics.txt");
    if (existsSync(diagFile))
      found.diagnostics.push({
        iteration: i,
        reading: parseDiagnose(await readFile(diagFile, "utf8"), defaultTransitions),
      });
    if (records.get(i)!.status === "failed") {
      found.failures.push({ iteration: i, reason: (await readFile(path.join(dir, "error.txt"), "utf8")).trim() });
      continue;
    }
    const truthFile = path.join(dir, "true_parameters.json");
    const summaryFile = path.join(dir, "posterior_summary.csv");
    found.iterations.push({
      iteration: i,
      truth: parseTruth(await readFile(truthFile, "utf8"), truthFile),
      summary: parseSummaryCsv(await readFile(summaryFile, "utf8"), summaryFile),
    });
  }
  // The original's list of the successful iterations' truths.
  await writeJsonAtomic(
    path.join(outputDir, "all_true_parameters.json"),
    found.iterations.map((it) => it.truth),
  );
  return found;
}
