/**
 * After the loop: read back every simulation's files (../sbcCommon/outputs.ts) and write
 * `sbc_results/` in the original's layout and this tool's:
 * - the original's: `ranks.npy` and `true_params.npy` (n x P float64, one row per fitted
 *   simulation in order, columns in the model's pars_ order), `sbc_summary.json` ({name:
 *   {chi2_statistic, p_value, n_bins, n_simulations, ks_statistic, ks_p_value}}), `summary.txt`,
 *   `rank_histograms.png`, `rank_ecdfs.png` (here the ECDF difference with its simultaneous 95%
 *   band) and `sbc_pvalues.png`;
 * - this tool's: `sbc_statistics.json` (the failures, bins, ECDF band and who leaves it, the
 *   original's chi-square, sampler health totals), the ranks, truths and sampler health tables,
 *   `report.md`.
 * The chi-square is on bins fair to the discrete uniform over 0..L (L the kept draws); the KS
 * test is the original's, rank / L' with L' = n_mcmc_samples // thin.
 */
import path from "node:path";
import type { SbcStatistics } from "../../analysis/sbc.js";
import type { CmdStanInstall } from "../../cmdstan/locate.js";
import type { FlatDesign } from "../../design/flat/types.js";
import type { ReplicateRecord } from "../../pipeline/records.js";
import { plotLinks } from "../../report/text.js";
import { writeFileAtomic, writeJsonAtomic } from "../../util/atomicWrite.js";
import { encodeNpyFloat64 } from "../../util/npy.js";
import {
  readSbcRecords,
  RESULTS_DIR,
  sbcExtras,
  writeSbcTables,
  type SbcOutcome,
  type SbcRecords,
} from "../sbcCommon/outputs.js";
import { writeSbcReport } from "../sbcCommon/report.js";
import type { TruthsRecord } from "../faithfulness.js";
import type { FlatSbcConfig } from "./config.js";
import { FLAT_PLOT_CAPTIONS, writeFlatSbcPlots } from "./plots.js";

export type FlatSbcSummary = SbcOutcome;

const SIGNIFICANCE = 0.05;

/** The folder of simulation i: the original's `simulations/sim_{i}`. */
export function flatSimulationDir(outputDir: string, i: number): string {
  return path.join(outputDir, "simulations", `sim_${i}`);
}

/** sbc_summary.json in the original's keys: one entry per tracked scalar. */
export function summaryJson(stats: SbcStatistics | null) {
  return Object.fromEntries(
    (stats?.parameters ?? []).map((p) => [
      p.variable,
      {
        chi2_statistic: p.chi2.statistic,
        p_value: p.chi2.pValue,
        n_bins: p.histogram.length,
        n_simulations: stats!.n,
        ks_statistic: p.originalKs.statistic,
        ks_p_value: p.originalKs.pValue,
      },
    ]),
  );
}

/** summary.txt as the original writes it: totals, the flagged parameters by ascending chi-square p. */
export function summaryText(read: SbcRecords, thin: number, nRequested: number): string {
  const stats = read.statistics;
  const flagged = (stats?.parameters ?? [])
    .filter((p) => p.chi2.pValue < SIGNIFICANCE)
    .sort((a, b) => a.chi2.pValue - b.chi2.pValue);
  const lines = [
    "SBC Summary",
    "===========",
    "",
    `Total parameters: ${read.names.length}`,
    `Total simulations: ${stats?.n ?? 0}`,
    ...(read.failures.length ? [`Failed simulations: ${read.failures.length} (of ${nRequested})`] : []),
    `Parameters with p < ${SIGNIFICANCE}: ${flagged.length}`,
    `Thinning factor: ${thin}`,
    "",
  ];
  if (!stats) lines.push("No simulation was fitted: no rank statistics.");
  else if (flagged.length === 0) lines.push("No calibration issues detected (all chi-square p-values >= 0.05).");
  else
    lines.push(
      "Parameters with potential calibration issues:",
      ...flagged.map((p) => `- ${p.variable}: p = ${p.chi2.pValue.toFixed(4)}`),
    );
  return `${lines.join("\n")}\n`;
}

/** The original's arrays and summaries, and this tool's statistics file. */
async function writeOriginalFiles(out: string, config: FlatSbcConfig, read: SbcRecords): Promise<void> {
  const { names, results } = read;
  const rows = (get: (r: (typeof results)[number]) => Record<string, number>) =>
    results.map((r) => names.map((n) => get(r)[n]));
  await writeFileAtomic(
    path.join(out, "ranks.npy"),
    encodeNpyFloat64(
      rows((r) => r.ranks),
      names.length,
    ),
  );
  await writeFileAtomic(
    path.join(out, "true_params.npy"),
    encodeNpyFloat64(
      rows((r) => r.truth),
      names.length,
    ),
  );
  await writeJsonAtomic(path.join(out, "sbc_summary.json"), summaryJson(read.statistics));
  await writeFileAtomic(path.join(out, "summary.txt"), summaryText(read, config.thin, config.n_sbc_sims));
  await writeJsonAtomic(path.join(out, "sbc_statistics.json"), {
    n_simulations: read.statistics?.n ?? 0,
    n_mcmc_samples: config.n_mcmc_samples,
    thin: config.thin,
    ...sbcExtras(config.n_sbc_sims, read),
  });
}

export async function summarizeFlatSbc(args: {
  config: FlatSbcConfig;
  install: CmdStanInstall;
  design: FlatDesign;
  names: readonly string[];
  hyperparameters: Record<string, number>;
  truths: TruthsRecord;
  records: Map<number, ReplicateRecord>;
  wallSeconds: number;
}): Promise<FlatSbcSummary> {
  const { config, design, records } = args;
  const read = await readSbcRecords(config, records, args.names, (i) => flatSimulationDir(config.output_dir, i));
  const { statistics } = read;
  const out = path.join(config.output_dir, RESULTS_DIR);
  await writeOriginalFiles(out, config, read);
  await writeSbcTables(out, records, read);
  const plots = statistics ? plotLinks(out, await writeFlatSbcPlots(out, statistics)) : [];
  const risky = design.risky ? `, N ${design.risky.N}, S ${design.risky.S}` : ", no risky problems";
  const hyper = Object.entries(args.hyperparameters).map(([k, v]) => `${k} ${v}`);
  return writeSbcReport(out, read, {
    config,
    designName: design.settings.design_name,
    designLines: [
      ["design", `M ${design.M}, K ${design.K}, D ${design.D}, R ${design.R}${risky}`],
      ["data beyond the design", hyper.length ? hyper.join(", ") : "none"],
    ],
    cmdstanVersion: args.install.version,
    wallSeconds: args.wallSeconds,
    plots,
    captions: FLAT_PLOT_CAPTIONS,
    simulationLink: (i) => `../simulations/sim_${i}`,
    truths: args.truths,
  });
}
