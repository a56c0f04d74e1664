/**
 * After the loop: read back every simulation's files (../sbcCommon/outputs.ts) and write
 * `sbc_results/`:
 * - `sbc_summary.json`: the original's keys ({n_simulations, n_mcmc_samples, thin, chi2_tests:
 *   {name: {chi2_statistic, p_value}}, ks_tests: {name: {ks_statistic, p_value}}}) plus this
 *   tool's (sbcExtras): the failures, the bins, the ECDF band and which parameters leave it, the
 *   original's chi-square for comparison, the sampler health totals;
 * - the ranks, truths and sampler health tables, the plots per group and `report.md`.
 * Works from the files alone, so statistics can be recomputed without refitting.
 */
import path from "node:path";
import type { SbcStatistics } from "../../analysis/sbc.js";
import type { TrackedParameter } from "../../analysis/trackedParameters.js";
import type { CmdStanInstall } from "../../cmdstan/locate.js";
import type { StudyDesign } from "../../design/studyDesign.js";
import type { ReplicateRecord } from "../../pipeline/records.js";
import { plotLinks } from "../../report/text.js";
import { writeJsonAtomic } from "../../util/atomicWrite.js";
import {
  readSbcRecords,
  RESULTS_DIR,
  sbcExtras,
  writeSbcTables,
  type SbcOutcome,
  type SbcRecords,
} from "../sbcCommon/outputs.js";
import { writeSbcReport } from "../sbcCommon/report.js";
import type { SbcConfig } from "./config.js";
import { sbcPlotCaptions, writeSbcPlots } from "./plots.js";
import { REPORT12 } from "./report12.js";
import type { TruthsRecord } from "../faithfulness.js";

export type SbcSummary = SbcOutcome;

/** The folder of simulation i. */
export function simulationDir(outputDir: string, i: number): string {
  return path.join(outputDir, `simulation_${i}`);
}

function summaryJson(config: SbcConfig, read: SbcRecords) {
  const byName = <T>(f: (p: SbcStatistics["parameters"][number]) => T) =>
    Object.fromEntries((read.statistics?.parameters ?? []).map((p) => [p.variable, f(p)]));
  return {
    // The original's keys.
    n_simulations: read.statistics?.n ?? 0,
    n_mcmc_samples: config.n_mcmc_samples,
    thin: config.thin,
    chi2_tests: byName((p) => ({ chi2_statistic: p.chi2.statistic, p_value: p.chi2.pValue })),
    ks_tests: byName((p) => ({ ks_statistic: p.originalKs.statistic, p_value: p.originalKs.pValue })),
    // This tool's additions.
    ...sbcExtras(config.n_sbc_sims, read),
  };
}

export async function summarizeSbc(args: {
  config: SbcConfig;
  install: CmdStanInstall;
  design: StudyDesign;
  tracked: readonly TrackedParameter[];
  truths: TruthsRecord;
  records: Map<number, ReplicateRecord>;
  wallSeconds: number;
}): Promise<SbcSummary> {
  const { config, design, tracked, records } = args;
  const names = tracked.map((t) => t.variable);
  const read = await readSbcRecords(config, records, names, (i) => simulationDir(config.output_dir, i));
  const { statistics } = read;
  const out = path.join(config.output_dir, RESULTS_DIR);
  await writeJsonAtomic(path.join(out, "sbc_summary.json"), summaryJson(config, read));
  await writeSbcTables(out, records, read);
  const plots = statistics ? plotLinks(out, await writeSbcPlots(out, tracked, statistics)) : [];

  return writeSbcReport(out, read, {
    config,
    designName: design._metadata.design_name,
    designLines: [["J, K, D, P, M_total", `${design.J}, ${design.K}, ${design.D}, ${design.P}, ${design.M_total}`]],
    cmdstanVersion: args.install.version,
    wallSeconds: args.wallSeconds,
    plots,
    captions: sbcPlotCaptions(),
    simulationLink: (i) => `../simulation_${i}`,
    truths: args.truths,
    // Report 12's tests beside ours only where the config is its study (../faithfulness.ts).
    comparison: args.truths.original_settings
      ? { published: REPORT12, cells: tracked.filter((t) => t.group === "cell").map((t) => t.variable) }
      : undefined,
  });
}
