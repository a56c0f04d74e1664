/**
 * The files a replicate writes for one NUTS fit: `posterior_summary.csv` and `diagnostics.txt`
 * (CmdStan's bin/diagnose). Both read the same CSVs independently, so diagnose (a child process,
 * started first) and the summary (this process) run side by side: two cores instead of one
 * after the other, which shortens a study's tail, where the last fit's post-processing runs with
 * no chains left (bench/studyUtilisation.ts). Each step's own wall time is recorded (they
 * overlap); a summary error is reported before a diagnose error.
 */
import { runDiagnose } from "../cmdstan/diagnose.js";
import type { ReplicateFiles } from "./replicateFiles.js";

/** The value of `work` and the wall seconds it took. */
export async function timed<T>(work: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const t = Date.now();
  const value = await work();
  return { value, seconds: (Date.now() - t) / 1000 };
}

/**
 * bin/diagnose (started first) and `read` (this process's own reading of the CSVs) side by side;
 * both settled, with their wall seconds, so the caller reports `read`'s error first.
 */
export async function besideDiagnose<T>(
  cmdstanPath: string,
  csvFiles: string[],
  read: () => Promise<T>,
): Promise<{
  read: PromiseSettledResult<{ value: T; seconds: number }>;
  diagnose: PromiseSettledResult<{ value: string; seconds: number }>;
}> {
  const diagnosing = timed(() => runDiagnose(cmdstanPath, csvFiles));
  const reading = timed(read);
  const [r, d] = await Promise.allSettled([reading, diagnosing]);
  return { read: r, diagnose: d };
}

/** Where one fit's files go: the file names and the suffix of its steps in the record's timing. */
export interface FitFileNames {
  summaryFile: string;
  diagnosticsFile: string;
  /** "" for the one fit of a replicate; a replicate with several fits tells them apart. */
  stepSuffix: string;
}

const ONE_FIT: FitFileNames = {
  summaryFile: "posterior_summary.csv",
  diagnosticsFile: "diagnostics.txt",
  stepSuffix: "",
};

/** `summarize` returns the text of the posterior summary; `cmdstanPath` holds bin/diagnose. */
export async function summarizeAndDiagnose(
  out: ReplicateFiles,
  cmdstanPath: string,
  csvFiles: string[],
  summarize: () => Promise<string>,
  names: FitFileNames = ONE_FIT,
): Promise<void> {
  const { read: summary, diagnose: diagnosis } = await besideDiagnose(cmdstanPath, csvFiles, summarize);
  if (summary.status === "rejected") throw summary.reason;
  await out.put(names.summaryFile, summary.value.value);
  out.time(`summarize${names.stepSuffix}`, summary.value.seconds);
  if (diagnosis.status === "rejected") throw diagnosis.reason;
  await out.put(names.diagnosticsFile, diagnosis.value.value);
  out.time(`diagnose${names.stepSuffix}`, diagnosis.value.seconds);
}
