/**
 * After the loop: read back every simulation's files and write `sbc_results/`:
 * - `sbc_summary.json`: the original's keys ({n_simulations, n_mcmc_samples, thin, chi2_tests:
 *   {name: {chi2_statistic, p_value}}, ks_tests: {name: {ks_statistic, p_value}}}) plus this
 *   tool's: the failures, the bins, the ECDF band and which parameters leave it, the original's
 *   chi-square for comparison, the sampler health totals;
 * - `ranks.csv` / `ranks.json`, `truths.csv` / `truths.json` (one row per fitted simulation),
 *   `sampler_health.csv` (one row per simulation, failed ones included);
 * - the plots per group and `report.md`.
 * Works from the files alone, so statistics can be recomputed without refitting.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { sbcStatistics, type SbcStatistics } from "../../analysis/sbc.js";
import { originalMaxRank } from "../../analysis/rankUniformity.js";
import type { SamplerHealth } from "../../analysis/samplerHealth.js";
import type { TrackedParameter } from "../../analysis/trackedParameters.js";
import { InputError } from "../../util/errors.js";
import type { CmdStanInstall } from "../../cmdstan/locate.js";
import type { StudyDesign } from "../../design/studyDesign.js";
import { plotLinks } from "../../report/text.js";
import { writeSbcPlots } from "./plots.js";
import { renderSbcTerminal, writeSbcReport, type SbcReportInput } from "./report.js";
import type { ReplicateRecord } from "../../pipeline/records.js";
import { writeFileAtomic, writeJsonAtomic } from "../../util/atomicWrite.js";
import { CMDSTAN_DEFAULT_ADAPT_DELTA, type SbcConfig } from "./config.js";
import { RESULT_FILE, simulationDir, simulationResultSchema, type SimulationResult } from "./simulation.js";
import type { TruthsRecord } from "../faithfulness.js";
import { REPORT12 } from "./report12.js";

export const RESULTS_DIR = "sbc_results";

export interface SbcSummary {
  statistics: SbcStatistics | null;
  nSuccessful: number;
  failures: { simulation: number; reason: string }[];
  reportFile: string;
  terminalTables: string;
}

async function readResult(dir: string, tracked: readonly TrackedParameter[]): Promise<SimulationResult> {
  const file = path.join(dir, RESULT_FILE);
  const parsed = simulationResultSchema.safeParse(JSON.parse(await readFile(file, "utf8")));
  if (!parsed.success)
    throw new InputError(`${file}: ${parsed.error.issues[0].path.join(".")}: ${parsed.error.issues[0].message}`);
  const missing = tracked.filter((t) => !(t.variable in parsed.data.ranks) || !(t.variable in parsed.data.truth));
  if (missing.length)
    throw new InputError(`${file}: no rank or truth for ${missing.map((t) => t.variable).join(", ")}`);
  return parsed.data;
}

function toHealth(h: SimulationResult["health"]): SamplerHealth {
  return {
    divergences: h.divergences,
    transitions: h.transitions,
    treedepthHits: h.treedepth_hits,
    maxTreedepth: h.max_treedepth,
    ebfmi: h.ebfmi.map((e) => e ?? NaN),
    maxRhat: h.max_rhat ?? NaN,
    maxRhatVariable: h.max_rhat_variable,
  };
}

function csv(header: string[], rows: (string | number | null)[][]): string {
  return [header, ...rows].map((r) => r.map((v) => (v === null ? "" : String(v))).join(",")).join("\n") + "\n";
}

/** ranks / truths as CSV (simulation, then one column per tracked scalar) and JSON (one object per simulation). */
async function writeTable(
  dir: string,
  name: string,
  names: string[],
  results: SimulationResult[],
  get: (r: SimulationResult) => Record<string, number>,
): Promise<void> {
  await writeFileAtomic(
    path.join(dir, `${name}.csv`),
    csv(
      ["simulation", ...names],
      results.map((r) => [r.simulation, ...names.map((n) => get(r)[n])]),
    ),
  );
  await writeJsonAtomic(
    path.join(dir, `${name}.json`),
    results.map((r) => ({ simulation: r.simulation, ...Object.fromEntries(names.map((n) => [n, get(r)[n]])) })),
  );
}

async function writeHealthCsv(
  dir: string,
  records: Map<number, ReplicateRecord>,
  results: Map<number, SimulationResult>,
): Promise<void> {
  const rows = [...records.keys()]
    .sort((a, b) => a - b)
    .map((i) => {
      const h = results.get(i)?.health;
      if (!h) return [i, "failed", null, null, null, null, null, null];
      const ebfmi = h.ebfmi.filter((e): e is number => e !== null);
      return [
        i,
        "ok",
        h.divergences,
        h.transitions,
        h.treedepth_hits,
        ebfmi.length ? Math.min(...ebfmi) : null,
        h.max_rhat,
        h.max_rhat_variable,
      ];
    });
  await writeFileAtomic(
    path.join(dir, "sampler_health.csv"),
    csv(
      [
        "simulation",
        "status",
        "divergences",
        "transitions",
        "treedepth_hits",
        "min_ebfmi",
        "max_rhat",
        "max_rhat_variable",
      ],
      rows,
    ),
  );
}

function summaryJson(
  config: SbcConfig,
  stats: SbcStatistics | null,
  failures: SbcSummary["failures"],
  health: SamplerHealth[],
) {
  const byName = <T>(f: (p: SbcStatistics["parameters"][number]) => T) =>
    Object.fromEntries((stats?.parameters ?? []).map((p) => [p.variable, f(p)]));
  return {
    // The original's keys.
    n_simulations: stats?.n ?? 0,
    n_mcmc_samples: config.n_mcmc_samples,
    thin: config.thin,
    chi2_tests: byName((p) => ({ chi2_statistic: p.chi2.statistic, p_value: p.chi2.pValue })),
    ks_tests: byName((p) => ({ ks_statistic: p.originalKs.statistic, p_value: p.originalKs.pValue })),
    // This tool's additions.
    n_simulations_requested: config.n_sbc_sims,
    n_failed: failures.length,
    failures,
    max_rank: stats?.maxRank ?? null,
    chi2_bins: stats
      ? stats.parameters[0].histogram.map((b) => ({ from: b.from, to: b.to, expected: b.expected }))
      : [],
    chi2_df: stats?.parameters[0]?.chi2.df ?? null,
    ecdf_band: stats
      ? {
          prob: stats.band.prob,
          pointwise_level: stats.band.pointwiseLevel,
          simultaneous_coverage: stats.band.simultaneousCoverage,
          eval_ranks: stats.band.ranks,
          eval_cdf: stats.band.cdf,
          lower_counts: stats.band.lower,
          upper_counts: stats.band.upper,
        }
      : null,
    ecdf_tests: byName((p) => ({
      max_deviation: p.maxEcdfDeviation,
      outside_band: p.pointsOutsideBand.length > 0,
      eval_points_outside: p.pointsOutsideBand,
    })),
    parameters_outside_band: stats?.outsideBand ?? [],
    original_max_rank: stats?.originalMaxRank ?? null,
    original_chi2_tests: byName((p) => ({
      chi2_statistic: p.originalChi2.statistic,
      p_value: p.originalChi2.pValue,
      dropped_ranks: p.originalChi2.dropped,
    })),
    sampler_health: {
      divergences: health.reduce((s, h) => s + h.divergences, 0),
      transitions: health.reduce((s, h) => s + h.transitions, 0),
      simulations_with_divergences: health.filter((h) => h.divergences > 0).length,
      treedepth_hits: health.reduce((s, h) => s + h.treedepthHits, 0),
    },
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
  const results = new Map<number, SimulationResult>();
  const failures: SbcSummary["failures"] = [];
  for (const i of [...records.keys()].sort((a, b) => a - b)) {
    const dir = simulationDir(config.output_dir, i);
    if (records.get(i)!.status === "failed")
      failures.push({ simulation: i, reason: (await readFile(path.join(dir, "error.txt"), "utf8")).trim() });
    else results.set(i, await readResult(dir, tracked));
  }
  const ok = [...results.values()];
  const names = tracked.map((t) => t.variable);
  const maxRanks = new Set(ok.map((r) => r.max_rank));
  if (maxRanks.size > 1)
    throw new InputError(
      `${config.output_dir}: simulations have different numbers of kept draws (${[...maxRanks].join(", ")})`,
    );
  const statistics = ok.length
    ? sbcStatistics(
        names,
        names.map((n) => ok.map((r) => r.ranks[n])),
        ok[0].max_rank,
        originalMaxRank(config.n_mcmc_samples, config.thin),
      )
    : null;

  const out = path.join(config.output_dir, RESULTS_DIR);
  const health = ok.map((r) => toHealth(r.health));
  await writeJsonAtomic(path.join(out, "sbc_summary.json"), summaryJson(config, statistics, failures, health));
  await writeTable(out, "ranks", names, ok, (r) => r.ranks);
  await writeTable(out, "truths", names, ok, (r) => r.truth);
  await writeHealthCsv(out, records, results);
  const plots = statistics ? plotLinks(out, await writeSbcPlots(out, tracked, statistics)) : [];

  const input: SbcReportInput = {
    model: path.basename(config.sbc_model_path),
    config: [
      ["sbc_model_path", config.sbc_model_path],
      ["design_name", design._metadata.design_name],
      ["n_sbc_sims", config.n_sbc_sims],
      ["n_mcmc_chains", config.n_mcmc_chains],
      ["n_mcmc_samples (all chains)", config.n_mcmc_samples],
      ["iter_warmup / iter_sampling per chain", `${config.iterWarmup} / ${config.iterSampling}`],
      ["thin", config.thin],
      ["adapt_delta", config.adapt_delta ?? `${CMDSTAN_DEFAULT_ADAPT_DELTA} (CmdStan's default)`],
      ["max_treedepth", config.max_treedepth ?? `${config.maxTreedepthUsed} (CmdStan's default)`],
      ["J, K, D, P, M_total", `${design.J}, ${design.K}, ${design.D}, ${design.P}, ${design.M_total}`],
      ["seed (simulation i: seed + i - 1)", config.seed],
      ["cmdstan_version", args.install.version],
    ],
    wallSeconds: args.wallSeconds,
    nRequested: config.n_sbc_sims,
    failures,
    health: ok.map((r, k) => ({ simulation: r.simulation, health: health[k] })),
    statistics,
    plots,
    truths: args.truths,
    // Report 12's tests beside ours only where the config is its study (../faithfulness.ts).
    comparison: args.truths.original_settings
      ? { published: REPORT12, cells: tracked.filter((t) => t.group === "cell").map((t) => t.variable) }
      : undefined,
  };
  const reportFile = await writeSbcReport(out, input);
  return { statistics, nSuccessful: ok.length, failures, reportFile, terminalTables: renderSbcTerminal(input) };
}
