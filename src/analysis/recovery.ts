/**
 * Recovery metrics (SPEC section 4): for each tracked parameter, over the successful
 * iterations, the bias, RMSE, 90% interval coverage and mean interval width of the posterior
 * against the true value drawn by the simulator.
 *
 * The per-iteration table of estimates against truths is a danfo DataFrame (one row per
 * iteration x parameter), grouped by parameter key. The inputs are already-parsed files:
 * `true_parameters.json` (validated with `trueParametersSchema`) and the rows of
 * `posterior_summary.csv` reduced to `{ name, mean, q5, q95 }`.
 */
import * as dfd from "danfojs-node";
import { z } from "zod";
import { InputError } from "../cmdstan/errors.js";

/** `iteration_i/true_parameters.json`, as written by the recovery loop. */
export const trueParametersSchema = z.object({
  gamma0: z.number().finite(),
  gamma: z.array(z.number().finite()),
  sigma_cell: z.number().finite().nonnegative(),
  alpha: z.array(z.number().finite()).min(1),
  delta: z.array(z.number().finite()).min(1),
  upsilon: z.array(z.number().finite()).min(2),
  extras: z.record(z.unknown()).default({}),
});

export type TrueParameters = z.infer<typeof trueParametersSchema>;

/** One row of a posterior summary, reduced to what the metrics use (bracket names: `gamma[1]`). */
export interface SummaryRow {
  name: string;
  mean: number;
  q5: number;
  q95: number;
}

/** The inputs of one successful iteration. */
export interface RecoveryIteration {
  iteration: number;
  truth: TrueParameters;
  summary: SummaryRow[];
}

export interface ParameterRecovery {
  bias: number;
  rmse: number;
  coverage: number;
  ci_width: number;
}

/** Keyed by tracked parameter key, in `trackedParameterKeys` order. */
export type RecoveryStatistics = Record<string, ParameterRecovery>;

/** One iteration x parameter row of the recovery table. */
export interface RecoveryRow {
  iteration: number;
  key: string;
  truth: number;
  mean: number;
  q5: number;
  q95: number;
}

/** Parse and validate the text of a `true_parameters.json`; errors name the file and field. */
export function parseTrueParameters(text: string, file: string): TrueParameters {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  const parsed = trueParametersSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue.path.length > 0 ? issue.path.join(".") : "(top level)";
    throw new InputError(`${file}: field ${where}: ${issue.message}`);
  }
  return parsed.data;
}

/** gamma0, gamma_1..gamma_P, sigma_cell, alpha_1..alpha_J, delta_1..delta_{K-1}. */
export function trackedParameterKeys(P: number, J: number, K: number): string[] {
  for (const [name, v, min] of [["P", P, 0], ["J", J, 1], ["K", K, 2]] as const) {
    if (!Number.isInteger(v) || v < min) {
      throw new InputError(`trackedParameterKeys: ${name} must be an integer >= ${min}, got ${v}`);
    }
  }
  const range = (n: number, base: string) => Array.from({ length: n }, (_, i) => `${base}_${i + 1}`);
  return ["gamma0", ...range(P, "gamma"), "sigma_cell", ...range(J, "alpha"), ...range(K - 1, "delta")];
}

/** The population-level (regression) keys: gamma0, gamma_1..gamma_P, sigma_cell. */
export function regressionParameterKeys(P: number): string[] {
  return ["gamma0", ...Array.from({ length: P }, (_, i) => `gamma_${i + 1}`), "sigma_cell"];
}

/** Tracked keys to true values (upsilon and extras are not tracked). */
export function flattenTrueParameters(tp: TrueParameters): Record<string, number> {
  const out: Record<string, number> = { gamma0: tp.gamma0 };
  tp.gamma.forEach((v, i) => (out[`gamma_${i + 1}`] = v));
  out.sigma_cell = tp.sigma_cell;
  tp.alpha.forEach((v, i) => (out[`alpha_${i + 1}`] = v));
  tp.delta.forEach((v, i) => (out[`delta_${i + 1}`] = v));
  return out;
}

/**
 * A summary's variable name to a parameter key: `gamma[1]` -> `gamma_1`, `beta[2,1]` ->
 * `beta_2_1`, scalars unchanged. CmdStan's CSV-header form `gamma.1` is accepted too.
 */
export function summaryNameToKey(name: string): string {
  const n = name.trim();
  const bracket = /^([A-Za-z][A-Za-z0-9_]*)\[\s*(\d+(?:\s*,\s*\d+)*)\s*\]$/.exec(n);
  if (bracket) return `${bracket[1]}_${bracket[2].split(",").map((s) => s.trim()).join("_")}`;
  const dotted = /^([A-Za-z][A-Za-z0-9_]*)((?:\.\d+)+)$/.exec(n);
  if (dotted) return `${dotted[1]}${dotted[2].replace(/\./g, "_")}`;
  return n;
}

/** The key back to the bracket name a summary uses (`gamma_1` -> `gamma[1]`), for messages. */
function keyToSummaryName(key: string): string {
  const m = /^(gamma|alpha|delta)_(\d+)$/.exec(key);
  return m ? `${m[1]}[${m[2]}]` : key;
}

/** Dimensions (P, J, K) implied by a true-parameter record. */
export function dimensionsOf(tp: TrueParameters): { P: number; J: number; K: number } {
  return { P: tp.gamma.length, J: tp.alpha.length, K: tp.delta.length + 1 };
}

/**
 * The long table: one row per successful iteration and tracked parameter. Throws InputError
 * when a summary lacks a tracked parameter (naming iteration and parameter), when a value is
 * not finite, or when iterations disagree on the dimensions.
 */
export function recoveryRows(iterations: RecoveryIteration[]): { keys: string[]; rows: RecoveryRow[] } {
  if (iterations.length === 0) {
    throw new InputError("recovery statistics: no successful iterations to summarise");
  }
  const dims = dimensionsOf(iterations[0].truth);
  const keys = trackedParameterKeys(dims.P, dims.J, dims.K);
  const rows: RecoveryRow[] = [];
  const seen = new Set<number>();
  for (const it of iterations) {
    if (seen.has(it.iteration)) {
      throw new InputError(`recovery statistics: iteration ${it.iteration} given twice`);
    }
    seen.add(it.iteration);
    const d = dimensionsOf(it.truth);
    if (d.P !== dims.P || d.J !== dims.J || d.K !== dims.K) {
      throw new InputError(
        `iteration ${it.iteration}: true_parameters.json has P=${d.P}, J=${d.J}, K=${d.K} ` +
          `but iteration ${iterations[0].iteration} has P=${dims.P}, J=${dims.J}, K=${dims.K}`,
      );
    }
    const truth = flattenTrueParameters(it.truth);
    const byKey = new Map<string, SummaryRow>();
    for (const r of it.summary) {
      const k = summaryNameToKey(r.name);
      if (byKey.has(k)) {
        throw new InputError(`iteration ${it.iteration}: posterior summary lists ${r.name} twice`);
      }
      byKey.set(k, r);
    }
    for (const key of keys) {
      const s = byKey.get(key);
      if (!s) {
        throw new InputError(
          `iteration ${it.iteration}: posterior summary has no row for parameter ${keyToSummaryName(key)} (${key})`,
        );
      }
      for (const field of ["mean", "q5", "q95"] as const) {
        if (!Number.isFinite(s[field])) {
          throw new InputError(
            `iteration ${it.iteration}: posterior summary ${field} of ${s.name} is ${s[field]}, expected a finite number`,
          );
        }
      }
      rows.push({ iteration: it.iteration, key, truth: truth[key], mean: s.mean, q5: s.q5, q95: s.q95 });
    }
  }
  return { keys, rows };
}

/** The long table as a danfo DataFrame, with the per-row error, coverage and width columns. */
export function recoveryFrame(rows: RecoveryRow[]): dfd.DataFrame {
  return new dfd.DataFrame({
    iteration: rows.map((r) => r.iteration),
    key: rows.map((r) => r.key),
    truth: rows.map((r) => r.truth),
    est: rows.map((r) => r.mean),
    q5: rows.map((r) => r.q5),
    q95: rows.map((r) => r.q95),
    err: rows.map((r) => r.mean - r.truth),
    sq_err: rows.map((r) => (r.mean - r.truth) ** 2),
    // Inclusive at both edges: q5 <= true <= q95 counts as covered.
    covered: rows.map((r) => (r.q5 <= r.truth && r.truth <= r.q95 ? 1 : 0)),
    width: rows.map((r) => r.q95 - r.q5),
  });
}

/**
 * SPEC section 4, over the given (successful) iterations:
 * bias = mean(post mean - true); rmse = sqrt(mean((post mean - true)^2));
 * coverage = share with q5 <= true <= q95; ci_width = mean(q95 - q5).
 */
export function computeRecoveryStatistics(iterations: RecoveryIteration[]): RecoveryStatistics {
  const { keys, rows } = recoveryRows(iterations);
  const grouped = recoveryFrame(rows)
    .groupby(["key"])
    .agg({ err: ["mean"], sq_err: ["mean"], covered: ["mean"], width: ["mean"] });
  const records = dfd.toJSON(grouped) as Array<{
    key: string;
    err_mean: number;
    sq_err_mean: number;
    covered_mean: number;
    width_mean: number;
  }>;
  const byKey = new Map(records.map((r) => [r.key, r]));
  const out: RecoveryStatistics = {};
  for (const key of keys) {
    const r = byKey.get(key);
    if (!r) throw new Error(`internal: no aggregate for ${key}`);
    out[key] = {
      bias: r.err_mean,
      rmse: Math.sqrt(r.sq_err_mean),
      coverage: r.covered_mean,
      ci_width: r.width_mean,
    };
  }
  return out;
}

/**
 * Monte Carlo standard error of a coverage estimate from n iterations when the true coverage
 * is `nominal`: sqrt(nominal (1 - nominal) / n); for the 90% intervals, sqrt(0.9 x 0.1 / n).
 */
export function coverageMonteCarloSE(n: number, nominal = 0.9): number {
  if (!(n > 0)) throw new InputError(`coverage Monte Carlo SE: need at least one iteration, got ${n}`);
  return Math.sqrt((nominal * (1 - nominal)) / n);
}
