/**
 * The prior predictive quantities over draws (docs/prior.md "What is computed"): per-problem
 * rates of choosing the alternative of highest subjective expected utility, their totals per
 * draw, and how often each choice (or alternative) is made. Each input is one array of values
 * over the draws per problem, as the simulator outputs them.
 */
import { describe, mean, std, type Described } from "./describe.js";

/** Each named series described (mean, std, median, q05, q95), in the given order. */
export function describeAll(series: [string, ArrayLike<number>][]): Record<string, Described> {
  return Object.fromEntries(series.map(([name, values]) => [name, describe(values)]));
}

export interface SeuSelection {
  /** Per problem: the share of draws whose choice had the highest expected utility. */
  byProblem: number[];
  /** The mean of byProblem (each problem weighs the same). */
  overall: number;
  /** Per draw: how many problems' choices had the highest expected utility. */
  totals: number[];
}

/** From the 0/1 indicators `selected[m][draw]` of every problem. */
export function seuSelection(selected: readonly (readonly number[])[]): SeuSelection {
  const byProblem = selected.map((s) => mean(s));
  const rows = selected[0]?.length ?? 0;
  const totals = new Array<number>(rows).fill(0);
  for (const s of selected) for (let r = 0; r < rows; r++) totals[r] += s[r];
  return { byProblem, overall: mean(byProblem), totals };
}

/** The per-draw sums of the indicators of the problems in `members`. */
export function totalsOver(selected: readonly (readonly number[])[], members: readonly number[]): number[] {
  const rows = selected[0]?.length ?? 0;
  const totals = new Array<number>(rows).fill(0);
  for (const m of members) for (let r = 0; r < rows; r++) totals[r] += selected[m][r];
  return totals;
}

/** {mean, std (ddof 0)} of some values (a cell's per-problem rates). */
export function meanStd(values: readonly number[]): { mean: number; std: number } {
  return { mean: mean(values), std: std(values) };
}

/** How often each value occurs (keys in ascending order). */
export function countValues(values: Iterable<number>): Map<number, number> {
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return new Map([...counts.entries()].sort((a, b) => a[0] - b[0]));
}

/** Utilities upsilon[1..K] per draw from the increments delta[1..K-1]: 0, then cumulative sums. */
export function cumulativeUtilities(delta: readonly (readonly number[])[]): number[][] {
  const rows = delta[0]?.length ?? 0;
  const acc = new Array<number>(rows).fill(0);
  return [acc.slice(), ...delta.map((d) => d.map((v, r) => (acc[r] += v)))];
}

/** The alternatives a problem offers, in ascending order (1-based), from its 0/1 indicator row. */
export function offered(row: readonly number[]): number[] {
  return row.flatMap((v, r) => (v === 1 ? [r + 1] : []));
}

export type { Described };
