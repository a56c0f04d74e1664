/**
 * Descriptive statistics of a sample of draws, as the users' prior predictive summaries state
 * them: numpy's conventions (quantiles by linear interpolation between order statistics, R's
 * type 7; standard deviations with ddof 0 unless said otherwise).
 */
import { quantileBy } from "./summary.js";

/** A parameter's prior draws in short: {mean, std (ddof 0), median, q05, q95}. */
export interface Described {
  mean: number;
  std: number;
  median: number;
  q05: number;
  q95: number;
}

/** A count's distribution: {mean, std, median, min, max, q25, q75}. */
export interface Spread {
  mean: number;
  std: number;
  median: number;
  min: number;
  max: number;
  q25: number;
  q75: number;
}

export function mean(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return values.length ? s / values.length : NaN;
}

/** Standard deviation with `ddof` (numpy's np.std: 0; pandas' Series.std: 1). */
export function std(values: ArrayLike<number>, ddof: 0 | 1 = 0): number {
  const n = values.length;
  if (n - ddof <= 0) return NaN;
  const m = mean(values);
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (values[i] - m) ** 2;
  return Math.sqrt(ss / (n - ddof));
}

export function sortedCopy(values: ArrayLike<number>): Float64Array {
  return Float64Array.from(values).sort();
}

/** numpy's default ("linear") quantile of sorted values. */
export function linearQuantile(sorted: Float64Array, p: number): number {
  return quantileBy("type-7", sorted, p);
}

export function describe(values: ArrayLike<number>): Described {
  const s = sortedCopy(values);
  return {
    mean: mean(values),
    std: std(values),
    median: linearQuantile(s, 0.5),
    q05: linearQuantile(s, 0.05),
    q95: linearQuantile(s, 0.95),
  };
}

export function spread(values: ArrayLike<number>, ddof: 0 | 1): Spread {
  const s = sortedCopy(values);
  return {
    mean: mean(values),
    std: std(values, ddof),
    median: linearQuantile(s, 0.5),
    min: s.length ? s[0] : NaN,
    max: s.length ? s[s.length - 1] : NaN,
    q25: linearQuantile(s, 0.25),
    q75: linearQuantile(s, 0.75),
  };
}
