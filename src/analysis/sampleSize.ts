/**
 * The numbers of one size of a sample-size study (docs/sample-size.md "Metrics"), over its
 * successful iterations, per tracked parameter with posterior mean mu, 5% and 95% quantiles l
 * and u, and true value theta:
 * ci_width = mean(u - l); rmse = sqrt(mean((mu - theta)^2)); mae = mean|mu - theta|;
 * coverage = share with l <= theta <= u; bias = mean(mu - theta).
 * For the sensitivity scalars also the spread of the 90% widths: their mean and population
 * standard deviation (ddof 0, as numpy's std).
 */
import type { RecoveryRow } from "./recovery.js";

export interface SizeMetrics {
  ci_width: number;
  rmse: number;
  mae: number;
  coverage: number;
  bias: number;
}

export interface WidthSpread {
  mean: number;
  /** Population standard deviation. */
  std: number;
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Mean and population sd of a non-empty list. */
export function widthSpread(widths: readonly number[]): WidthSpread {
  const m = mean(widths);
  return { mean: m, std: Math.sqrt(mean(widths.map((w) => (w - m) ** 2))) };
}

/** The metrics of each of `keys` (in that order) over the long table's rows; a key without rows is refused. */
export function sizeMetrics(rows: readonly RecoveryRow[], keys: readonly string[]): Record<string, SizeMetrics> {
  const out: Record<string, SizeMetrics> = {};
  for (const key of keys) {
    const own = rows.filter((r) => r.key === key);
    if (!own.length) throw new Error(`internal: no rows of ${key}`);
    const err = own.map((r) => r.mean - r.truth);
    out[key] = {
      ci_width: mean(own.map((r) => r.q95 - r.q5)),
      rmse: Math.sqrt(mean(err.map((e) => e * e))),
      mae: mean(err.map(Math.abs)),
      // Inclusive at both edges, as every recovery kind counts it.
      coverage: mean(own.map((r) => (r.q5 <= r.truth && r.truth <= r.q95 ? 1 : 0))),
      bias: mean(err),
    };
  }
  return out;
}

/** The 90% widths' spread of each of `keys`. */
export function widthSpreads(rows: readonly RecoveryRow[], keys: readonly string[]): Record<string, WidthSpread> {
  return Object.fromEntries(
    keys.map((k) => [k, widthSpread(rows.filter((r) => r.key === k).map((r) => r.q95 - r.q5))]),
  );
}
