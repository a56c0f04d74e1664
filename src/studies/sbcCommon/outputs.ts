/**
 * After the loop, for every SBC kind: read back each simulation's files (result.json, or the
 * failure's error.txt), compute the rank statistics over the fitted ones (src/analysis/sbc.ts),
 * and write the tables every kind writes into `sbc_results/`: `ranks.csv` / `ranks.json`,
 * `truths.csv` / `truths.json` (one row per fitted simulation) and `sampler_health.csv` (one row
 * per simulation, failed ones included). Works from the files alone, so statistics can be
 * recomputed without refitting. Each kind writes its summary in its original's keys, adding
 * `sbcExtras` (this tool's numbers), and its plots and report.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { originalMaxRank } from "../../analysis/rankUniformity.js";
import type { SamplerHealth } from "../../analysis/samplerHealth.js";
import { csvField } from "../../analysis/summary.js";
import { sbcStatistics, type SbcStatistics } from "../../analysis/sbc.js";
import type { ReplicateRecord } from "../../pipeline/records.js";
import { writeFileAtomic, writeJsonAtomic } from "../../util/atomicWrite.js";
import { InputError } from "../../util/errors.js";
import { RESULT_FILE, simulationResultSchema, type SimulationResult } from "./simulation.js";

export const RESULTS_DIR = "sbc_results";

export type SbcFailure = { simulation: number; reason: string };

/** What an SBC kind's summarize returns: the statistics, the failures, the report. */
export interface SbcOutcome {
  statistics: SbcStatistics | null;
  nSuccessful: number;
  failures: SbcFailure[];
  reportFile: string;
  terminalTables: string;
}

/** What the records of an SBC study say, read back from the simulations' files. */
export interface SbcRecords {
  /** The tracked scalars, in the model's order and names. */
  names: readonly string[];
  /** Fitted simulations, in order. */
  results: SimulationResult[];
  failures: SbcFailure[];
  /** Sampler health of each fitted simulation, as `results`. */
  health: SamplerHealth[];
  /** Null when no simulation was fitted. */
  statistics: SbcStatistics | null;
}

async function readResult(dir: string, names: readonly string[]): Promise<SimulationResult> {
  const file = path.join(dir, RESULT_FILE);
  const parsed = simulationResultSchema.safeParse(JSON.parse(await readFile(file, "utf8")));
  if (!parsed.success)
    throw new InputError(`${file}: ${parsed.error.issues[0].path.join(".")}: ${parsed.error.issues[0].message}`);
  const missing = names.filter((n) => !(n in parsed.data.ranks) || !(n in parsed.data.truth));
  if (missing.length) throw new InputError(`${file}: no rank or truth for ${missing.join(", ")}`);
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

/**
 * Read every record's files (simulation i's in `dir(i)`) and compute the rank statistics (the
 * original's L' from the config's draws and thin).
 */
export async function readSbcRecords(
  config: { output_dir: string; n_mcmc_samples: number; thin: number },
  records: Map<number, ReplicateRecord>,
  names: readonly string[],
  simulationDir: (i: number) => string,
): Promise<SbcRecords> {
  const results: SimulationResult[] = [];
  const failures: SbcFailure[] = [];
  for (const i of [...records.keys()].sort((a, b) => a - b)) {
    const dir = simulationDir(i);
    if (records.get(i)!.status === "failed")
      failures.push({ simulation: i, reason: (await readFile(path.join(dir, "error.txt"), "utf8")).trim() });
    else results.push(await readResult(dir, names));
  }
  const maxRanks = new Set(results.map((r) => r.max_rank));
  if (maxRanks.size > 1)
    throw new InputError(
      `${config.output_dir}: simulations have different numbers of kept draws (${[...maxRanks].join(", ")})`,
    );
  const statistics = results.length
    ? sbcStatistics(
        names,
        names.map((n) => results.map((r) => r.ranks[n])),
        results[0].max_rank,
        originalMaxRank(config.n_mcmc_samples, config.thin),
      )
    : null;
  return { names, results, failures, health: results.map((r) => toHealth(r.health)), statistics };
}

/** CSV text; names with commas (beta[1,2]) quoted. */
function csv(header: string[], rows: (string | number | null)[][]): string {
  return (
    [header, ...rows].map((r) => r.map((v) => (v === null ? "" : csvField(String(v)))).join(",")).join("\n") + "\n"
  );
}

/** ranks / truths as CSV (simulation, then one column per tracked scalar) and JSON (one object per simulation). */
async function writeTable(
  dir: string,
  name: string,
  read: SbcRecords,
  get: (r: SimulationResult) => Record<string, number>,
): Promise<void> {
  const { names, results } = read;
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

async function writeHealthCsv(dir: string, records: Map<number, ReplicateRecord>, read: SbcRecords): Promise<void> {
  const bySimulation = new Map(read.results.map((r) => [r.simulation, r.health]));
  const rows = [...records.keys()]
    .sort((a, b) => a - b)
    .map((i) => {
      const h = bySimulation.get(i);
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

/** ranks.csv/.json, truths.csv/.json and sampler_health.csv into `dir`. */
export async function writeSbcTables(
  dir: string,
  records: Map<number, ReplicateRecord>,
  read: SbcRecords,
): Promise<void> {
  await writeTable(dir, "ranks", read, (r) => r.ranks);
  await writeTable(dir, "truths", read, (r) => r.truth);
  await writeHealthCsv(dir, records, read);
}

/**
 * This tool's numbers beside the original's summary: the failures, the bins, the ECDF band and
 * which parameters leave it, the original's chi-square for comparison, the sampler health totals.
 */
export function sbcExtras(nRequested: number, read: SbcRecords) {
  const { statistics: stats, failures, health } = read;
  const byName = <T>(f: (p: SbcStatistics["parameters"][number]) => T) =>
    Object.fromEntries((stats?.parameters ?? []).map((p) => [p.variable, f(p)]));
  return {
    n_simulations_requested: nRequested,
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
