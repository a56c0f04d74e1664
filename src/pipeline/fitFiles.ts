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

/** `summarize` returns the text of posterior_summary.csv; `cmdstanPath` holds bin/diagnose. */
export async function summarizeAndDiagnose(
  out: ReplicateFiles,
  cmdstanPath: string,
  csvFiles: string[],
  summarize: () => Promise<string>,
): Promise<void> {
  const { read: summary, diagnose: diagnosis } = await besideDiagnose(cmdstanPath, csvFiles, summarize);
  if (summary.status === "rejected") throw summary.reason;
  await out.put("posterior_summary.csv", summary.value.value);
  out.time("summarize", summary.value.seconds);
  if (diagnosis.status === "rejected") throw diagnosis.reason;
  await out.put("diagnostics.txt", diagnosis.value.value);
  out.time("diagnose", diagnosis.value.seconds);
}
