/**
 * Reading a matched study's iteration files back (the same inputs as the original's aggregator):
 * each iteration's truth, each condition's posterior summary, reason of failure and sampler
 * diagnostics, the simulations that failed, and which iterations every condition finished.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { parseFlatCoreTruth, type FlatCoreTruth } from "../../analysis/flatRecovery.js";
import { parseSummaryCsv, type VariableSummaryRow } from "../../analysis/summary.js";
import { parseDiagnose, type DiagnoseReading } from "../../cmdstan/diagnose.js";
import type { ReplicateRecord } from "../../pipeline/records.js";
import { iterationDir } from "../common/fitSteps.js";
import type { MatchedCondition } from "./conditions.js";
import { conditionFiles } from "./iteration.js";

/** One condition's files across the iterations. */
export interface ConditionFiles {
  summaries: Map<number, VariableSummaryRow[]>;
  failures: { iteration: number; reason: string }[];
  diagnostics: { iteration: number; reading: DiagnoseReading }[];
}

export interface MatchedFiles {
  /** The truth of every iteration whose simulation ran, in order. */
  truths: Map<number, FlatCoreTruth>;
  /** Iterations whose simulation failed (error.txt). */
  simFailures: { iteration: number; reason: string }[];
  byCondition: Map<string, ConditionFiles>;
  /** Iterations where every condition finished: the aggregate's. */
  complete: number[];
}

const readText = (file: string) => readFile(file, "utf8");

/** One iteration's files of one condition, added to `into`. */
async function readCondition(dir: string, i: number, label: string, transitions: number, into: ConditionFiles) {
  const files = conditionFiles(label);
  const summaryFile = path.join(dir, files.summary);
  const diagnosticsFile = path.join(dir, files.diagnostics);
  const errorFile = path.join(dir, files.error);
  if (existsSync(summaryFile)) into.summaries.set(i, parseSummaryCsv(await readText(summaryFile), summaryFile));
  if (existsSync(diagnosticsFile))
    into.diagnostics.push({ iteration: i, reading: parseDiagnose(await readText(diagnosticsFile), transitions) });
  if (existsSync(errorFile)) into.failures.push({ iteration: i, reason: (await readText(errorFile)).trim() });
}

/** The files of every iteration with a record. `transitions` (chains x draws) stands in where a diagnose does not state it. */
export async function readMatchedFiles(
  outputDir: string,
  records: Map<number, ReplicateRecord>,
  conditions: MatchedCondition[],
  transitions: number,
): Promise<MatchedFiles> {
  const found: MatchedFiles = { truths: new Map(), simFailures: [], byCondition: new Map(), complete: [] };
  for (const c of conditions) found.byCondition.set(c.label, { summaries: new Map(), failures: [], diagnostics: [] });
  for (const i of [...records.keys()].sort((a, b) => a - b)) {
    const dir = iterationDir(outputDir, i);
    const simError = path.join(dir, "error.txt");
    if (existsSync(simError)) {
      found.simFailures.push({ iteration: i, reason: (await readText(simError)).trim() });
      continue;
    }
    const truthFile = path.join(dir, "true_parameters.json");
    found.truths.set(i, parseFlatCoreTruth(await readText(truthFile), truthFile));
    for (const c of conditions) await readCondition(dir, i, c.label, transitions, found.byCondition.get(c.label)!);
    if (conditions.every((c) => found.byCondition.get(c.label)!.summaries.has(i))) found.complete.push(i);
  }
  return found;
}
