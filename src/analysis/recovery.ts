/**
 * Recovery metrics (docs/recovery.md "Metrics"): for each tracked parameter, over the successful
 * iterations, the bias, RMSE, 90% interval coverage and mean interval width of the posterior
 * against the true value drawn by the simulator.
 *
 * Which parameters are tracked comes from the config's names (trackedParameters.ts). The
 * per-iteration table of estimates against truths is a danfo DataFrame (one row per
 * iteration x parameter), grouped by parameter key. The inputs are already-parsed files:
 * `true_parameters.json` (validated with `trueParametersSchema`) and the rows of
 * `posterior_summary.csv` reduced to `{ name, mean, q5, q95 }`.
 */
import { createRequire } from "node:module";
import type * as Danfo from "danfojs-node";
import { z } from "zod";
import { InputError } from "../util/errors.js";
import {
  canonicalVariableName,
  trackedParameters,
  type ParameterNames,
  type TrackedParameter,
} from "./trackedParameters.js";
import { parseJsonOf } from "../util/jsonFile.js";

/**
 * `iteration_i/true_parameters.json`, as written by the recovery loop: `alpha` holds the values
 * of the config's alpha_var whatever its name, `extras` the extra scalars by name.
 */
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

/** One row of a posterior summary, reduced to what the metrics use (bracket names `gamma[1]`, or CSV names `gamma.1`). */
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

/** Keyed by tracked parameter key, in tracking order. */
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
  const raw = parseJsonOf(file, text);
  const parsed = trueParametersSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue.path.length > 0 ? issue.path.join(".") : "(top level)";
    throw new InputError(`${file}: field ${where}: ${issue.message}`);
  }
  return parsed.data;
}

/**
 * Tracked keys to true values: gamma0, gamma_p, each extra by its name, sigma_cell, alpha_j,
 * delta_k (upsilon is not tracked). `file` names the record in errors.
 */
export function flattenTrueParameters(
  tp: TrueParameters,
  names: ParameterNames,
  file = "true_parameters.json",
): Record<string, number> {
  const out: Record<string, number> = { gamma0: tp.gamma0 };
  tp.gamma.forEach((v, i) => (out[`gamma_${i + 1}`] = v));
  for (const name of names.extraScalars) {
    const v = tp.extras[name];
    if (typeof v !== "number" || !Number.isFinite(v)) {
      throw new InputError(
        `${file}: extras.${name}: expected the true value of the tracked scalar ${name} (a finite number), got ${JSON.stringify(v)}`,
      );
    }
    out[name] = v;
  }
  out.sigma_cell = tp.sigma_cell;
  tp.alpha.forEach((v, i) => (out[`alpha_${i + 1}`] = v));
  tp.delta.forEach((v, i) => (out[`delta_${i + 1}`] = v));
  return out;
}

/** Dimensions (P, J, K) implied by a true-parameter record. */
export function dimensionsOf(tp: TrueParameters): { P: number; J: number; K: number } {
  return { P: tp.gamma.length, J: tp.alpha.length, K: tp.delta.length + 1 };
}

/** One successful iteration with its truths by tracked key (any model family). */
export interface TrackedIteration {
  iteration: number;
  truth: Record<string, number>;
  summary: SummaryRow[];
}

/**
 * The long table: one row per successful iteration and tracked parameter. Throws InputError
 * when a summary lacks a tracked parameter (naming iteration and parameter), when a value is
 * not finite, or when iterations disagree on the dimensions.
 */
export function recoveryRows(
  iterations: RecoveryIteration[],
  names: ParameterNames,
): { tracked: TrackedParameter[]; rows: RecoveryRow[] } {
  if (iterations.length === 0) {
    throw new InputError("recovery statistics: no successful iterations to summarise");
  }
  const dims = dimensionsOf(iterations[0].truth);
  const tracked = trackedParameters(names, dims);
  for (const it of iterations) {
    const d = dimensionsOf(it.truth);
    if (d.P !== dims.P || d.J !== dims.J || d.K !== dims.K) {
      throw new InputError(
        `iteration ${it.iteration}: true_parameters.json has P=${d.P}, J=${d.J}, K=${d.K} ` +
          `but iteration ${iterations[0].iteration} has P=${dims.P}, J=${dims.J}, K=${dims.K}`,
      );
    }
  }
  const flat = iterations.map((it) => ({
    ...it,
    truth: flattenTrueParameters(it.truth, names, `iteration ${it.iteration}: true_parameters.json`),
  }));
  return { tracked, rows: trackedRows(flat, tracked) };
}

/**
 * The long table of any model family: one row per iteration and tracked scalar, matched to the
 * summary by the scalar's model name (`variable`). Throws InputError naming the iteration and
 * the parameter when a summary or a truth lacks it, when a value is not finite, or when an
 * iteration is given twice.
 */
export function trackedRows(
  iterations: TrackedIteration[],
  tracked: readonly Pick<TrackedParameter, "key" | "variable">[],
): RecoveryRow[] {
  if (iterations.length === 0) {
    throw new InputError("recovery statistics: no successful iterations to summarise");
  }
  const rows: RecoveryRow[] = [];
  const seen = new Set<number>();
  for (const it of iterations) {
    if (seen.has(it.iteration)) {
      throw new InputError(`recovery statistics: iteration ${it.iteration} given twice`);
    }
    seen.add(it.iteration);
    const byVariable = summaryByVariable(it);
    for (const { key, variable } of tracked) {
      const s = byVariable.get(variable);
      if (!s) {
        throw new InputError(
          `iteration ${it.iteration}: posterior summary has no row for parameter ${variable} (${key})`,
        );
      }
      for (const field of ["mean", "q5", "q95"] as const) {
        if (!Number.isFinite(s[field])) {
          throw new InputError(
            `iteration ${it.iteration}: posterior summary ${field} of ${s.name} is ${s[field]}, expected a finite number`,
          );
        }
      }
      const truth = it.truth[key];
      if (!Number.isFinite(truth)) {
        throw new InputError(`iteration ${it.iteration}: true_parameters.json has no finite true value of ${variable}`);
      }
      rows.push({ iteration: it.iteration, key, truth, mean: s.mean, q5: s.q5, q95: s.q95 });
    }
  }
  return rows;
}

function summaryByVariable(it: TrackedIteration): Map<string, SummaryRow> {
  const byVariable = new Map<string, SummaryRow>();
  for (const r of it.summary) {
    const v = canonicalVariableName(r.name);
    if (byVariable.has(v)) {
      throw new InputError(`iteration ${it.iteration}: posterior summary lists ${r.name} twice`);
    }
    byVariable.set(v, r);
  }
  return byVariable;
}

/**
 * danfo (with TensorFlow.js) on first use: loading it takes a second or two of CPU and 70 MB,
 * which every command, and every process it starts, would otherwise pay (an SBC study never uses it).
 */
let danfo: typeof Danfo | undefined;
const dfd = (): typeof Danfo => (danfo ??= createRequire(import.meta.url)("danfojs-node") as typeof Danfo);

/** The long table as a danfo DataFrame, with the per-row error, coverage and width columns. */
export function recoveryFrame(rows: RecoveryRow[]): Danfo.DataFrame {
  return new (dfd().DataFrame)({
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
 * docs/recovery.md "Metrics", over the given (successful) iterations:
 * bias = mean(post mean - true); rmse = sqrt(mean((post mean - true)^2));
 * coverage = share with q5 <= true <= q95; ci_width = mean(q95 - q5).
 */
export function computeRecoveryStatistics(iterations: RecoveryIteration[], names: ParameterNames): RecoveryStatistics {
  const { tracked, rows } = recoveryRows(iterations, names);
  return aggregateRecovery(
    rows,
    tracked.map((t) => t.key),
  );
}

/** The metrics of each of `keys` (in that order) over the long table's rows. */
export function aggregateRecovery(rows: RecoveryRow[], keys: readonly string[]): RecoveryStatistics {
  const grouped = recoveryFrame(rows)
    .groupby(["key"])
    .agg({ err: ["mean"], sq_err: ["mean"], covered: ["mean"], width: ["mean"] });
  const records = dfd().toJSON(grouped) as Array<{
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

/** Monte Carlo standard errors of one parameter's recovery statistics (NaN below two iterations). */
export interface RecoveryStandardErrors {
  bias: number;
  rmse: number;
  ci_width: number;
}

/** Sample standard deviation (n - 1); NaN below two values. */
function sampleSd(xs: number[]): number {
  const n = xs.length;
  if (n < 2) return NaN;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  return Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1));
}

/**
 * The Monte Carlo standard errors of the recovery statistics, from the same iterations
 * (docs/recovery.md, "Report 11's numbers"): bias, sd(mean - truth) / sqrt(n); width,
 * sd(q95 - q5) / sqrt(n); RMSE, by the delta method on the mean squared error,
 * (sd((mean - truth)^2) / sqrt(n)) / (2 RMSE).
 */
export function recoveryStandardErrors(
  iterations: RecoveryIteration[],
  names: ParameterNames,
): Record<string, RecoveryStandardErrors> {
  const { tracked, rows } = recoveryRows(iterations, names);
  const out: Record<string, RecoveryStandardErrors> = {};
  for (const { key } of tracked) {
    const mine = rows.filter((r) => r.key === key);
    const root = Math.sqrt(mine.length);
    const err = mine.map((r) => r.mean - r.truth);
    const sq = err.map((e) => e * e);
    const rmse = Math.sqrt(sq.reduce((a, b) => a + b, 0) / mine.length);
    out[key] = {
      bias: sampleSd(err) / root,
      rmse: rmse > 0 ? sampleSd(sq) / root / (2 * rmse) : NaN,
      ci_width: sampleSd(mine.map((r) => r.q95 - r.q5)) / root,
    };
  }
  return out;
}
