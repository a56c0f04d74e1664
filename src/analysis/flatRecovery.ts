/**
 * Recovery of the flat model family (m_0 ... m_3, docs/flat-recovery.md): which scalars are
 * tracked, the true-parameter record, and the original's nested statistics and summary table.
 *
 * Tracked, in this order: the sensitivity scalars the inference model has (alpha; then kappa
 * and omega where present: m_2 omega, m_3 kappa then omega), beta[k,d] (k outer, d inner),
 * delta[k] (k = 1..K-1), upsilon[k] (k = 1..K). Keys are the original's: `alpha`, `beta_k_d`,
 * `delta_k`, `upsilon_k` (1-based); the model's names (`beta[1,2]`) match the summary.
 * upsilon[1] is 0 and upsilon[K] is 1 in every draw, so they add bias 0, width 0 and coverage 1
 * to "upsilon (avg)", as in the original.
 */
import { z } from "zod";
import { parseJsonAs } from "../util/jsonFile.js";
import type { ParameterRecovery, RecoveryStatistics } from "./recovery.js";

/** The sensitivity scalars a flat model may have, in tracking order. */
export const FLAT_SCALARS = ["alpha", "kappa", "omega"] as const;

export type FlatGroup = "scalar" | "beta" | "delta" | "upsilon";

export interface FlatTrackedParameter {
  /** Key in recovery_statistics.json's groups: alpha, beta_1_2, delta_1, upsilon_3. */
  key: string;
  /** The model's name: alpha, beta[1,2], delta[1], upsilon[3]. */
  variable: string;
  group: FlatGroup;
}

/** Every tracked scalar of a model with these sensitivity scalars, K consequences and D features. */
export function flatTrackedParameters(scalars: readonly string[], K: number, D: number): FlatTrackedParameter[] {
  const out: FlatTrackedParameter[] = scalars.map((s) => ({ key: s, variable: s, group: "scalar" }));
  for (let k = 1; k <= K; k++)
    for (let d = 1; d <= D; d++) out.push({ key: `beta_${k}_${d}`, variable: `beta[${k},${d}]`, group: "beta" });
  for (let k = 1; k < K; k++) out.push({ key: `delta_${k}`, variable: `delta[${k}]`, group: "delta" });
  for (let k = 1; k <= K; k++) out.push({ key: `upsilon_${k}`, variable: `upsilon[${k}]`, group: "upsilon" });
  return out;
}

const finite = z.number({ invalid_type_error: "must be a number" }).finite("must be finite");

/**
 * `iteration_i/true_parameters.json` of the flat family, in the original's key order: alpha,
 * beta (K rows of D), delta, upsilon, then the model's other scalars (omega; or kappa, omega).
 */
const coreTruthShape = {
  alpha: finite,
  beta: z.array(z.array(finite).min(1)).min(1),
  delta: z.array(finite).min(1),
};

export const flatTruthSchema = z.object({ ...coreTruthShape, upsilon: z.array(finite).min(2) }).catchall(finite);

/** The parameters every flat model has, as a truth records them (the matched study's truth). */
export interface FlatCoreTruth {
  alpha: number;
  /** K rows of D. */
  beta: number[][];
  delta: number[];
}

/** `true_parameters.json` of the matched study: alpha, beta, delta and nothing else. */
export const flatCoreTruthSchema = z.object(coreTruthShape).strict();

export function parseFlatCoreTruth(text: string, file: string): FlatCoreTruth {
  return parseJsonAs(file, text, flatCoreTruthSchema);
}

export interface FlatTruth {
  alpha: number;
  beta: number[][];
  delta: number[];
  upsilon: number[];
  /** omega; kappa (the other sensitivity scalars). */
  [scalar: string]: number | number[] | number[][];
}

export function parseFlatTruth(text: string, file: string): FlatTruth {
  return parseJsonAs(file, text, flatTruthSchema) as FlatTruth;
}

/**
 * The truth by tracked key (the scalars absent from the record are left out, and then refused by
 * trackedRows); a truth without upsilon (the matched study's) gives no upsilon keys.
 */
export function flattenFlatTruth(
  truth: FlatCoreTruth & { upsilon?: number[] },
  scalars: readonly string[],
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of scalars) {
    const v = (truth as unknown as Record<string, unknown>)[s];
    if (typeof v === "number") out[s] = v;
  }
  truth.beta.forEach((row, k) => row.forEach((v, d) => (out[`beta_${k + 1}_${d + 1}`] = v)));
  truth.delta.forEach((v, k) => (out[`delta_${k + 1}`] = v));
  truth.upsilon?.forEach((v, k) => (out[`upsilon_${k + 1}`] = v));
  return out;
}

/** recovery_statistics.json as the original nests it: the scalars, then {beta: {beta_k_d}, delta: {...}, upsilon: {...}}. */
export type NestedFlatStatistics = Record<string, ParameterRecovery | Record<string, ParameterRecovery>>;

export function nestFlatStatistics(tracked: FlatTrackedParameter[], stats: RecoveryStatistics): NestedFlatStatistics {
  const out: NestedFlatStatistics = {};
  for (const t of tracked) {
    if (t.group === "scalar") out[t.key] = stats[t.key];
    else ((out[t.group] ??= {}) as Record<string, ParameterRecovery>)[t.key] = stats[t.key];
  }
  return out;
}

/** The unweighted mean of each metric over a group's elements ("beta (avg)"). */
export function groupAverage(tracked: FlatTrackedParameter[], stats: RecoveryStatistics, group: FlatGroup) {
  const members = tracked.filter((t) => t.group === group).map((t) => stats[t.key]);
  const mean = (f: keyof ParameterRecovery) => members.reduce((a, s) => a + s[f], 0) / members.length;
  return { bias: mean("bias"), rmse: mean("rmse"), coverage: mean("coverage"), ci_width: mean("ci_width") };
}

/** The rows of summary_table.csv: each scalar, then "beta (avg)", "delta (avg)", "upsilon (avg)". */
export function summaryTableRows(
  tracked: FlatTrackedParameter[],
  stats: RecoveryStatistics,
): Array<{ parameter: string } & ParameterRecovery> {
  const scalars = tracked.filter((t) => t.group === "scalar").map((t) => ({ parameter: t.key, ...stats[t.key] }));
  const groups = (["beta", "delta", "upsilon"] as const)
    .filter((g) => tracked.some((t) => t.group === g))
    .map((g) => ({ parameter: `${g} (avg)`, ...groupAverage(tracked, stats, g) }));
  return [...scalars, ...groups];
}
