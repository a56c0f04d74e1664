/**
 * Tests of SBC rank uniformity: the chi-square test on a rank histogram whose bins are fair to
 * the discrete uniform, and, for comparison with the original tool (Report 12), its KS test and
 * its chi-square test as it computes them.
 *
 * Ranks take the L + 1 values 0..L. Bins: B = min(20, floor(n / 5), L + 1) (at least 2), so each
 * bin expects about 5 or more ranks; the L + 1 rank values are split into B runs of consecutive
 * values whose sizes differ by at most one (equal when B divides L + 1), and bin b expects
 * n x (values in b) / (L + 1) ranks, exactly the discrete uniform's count. Pearson's statistic
 * has B - 1 degrees of freedom.
 *
 * The original (docs/sbc.md "Statistics") used min(20, L' / 5) bins with edges linspace(0, L', bins + 1),
 * L' = floor(n_mcmc_samples / thin) (333 for 1000 draws at thin 3, one less than the largest
 * rank 334): the top rank falls outside its histogram and is dropped. Its KS test compares
 * rank / L' with the continuous uniform (scipy.stats.kstest, exact p-value).
 */
import { chiSquareSf, kolmogorovSf } from "./distributions.js";

export interface RankBin {
  /** First and last rank value in the bin (inclusive). */
  from: number;
  to: number;
  count: number;
  expected: number;
}

export interface ChiSquareResult {
  statistic: number;
  df: number;
  pValue: number;
}

export interface KsResult {
  statistic: number;
  pValue: number;
}

/** How many bins the histogram of n ranks in 0..maxRank uses. */
export function rankBinCount(n: number, maxRank: number): number {
  return Math.max(2, Math.min(20, Math.floor(n / 5), maxRank + 1));
}

/** The rank histogram: B runs of consecutive rank values, sizes differing by at most one. */
export function rankHistogram(
  ranks: readonly number[],
  maxRank: number,
  bins = rankBinCount(ranks.length, maxRank),
): RankBin[] {
  const values = maxRank + 1;
  if (bins < 1 || bins > values) throw new Error(`rank histogram: ${bins} bins for ${values} rank values`);
  const edges = Array.from({ length: bins + 1 }, (_, b) => Math.round((b * values) / bins));
  const out: RankBin[] = edges.slice(0, -1).map((from, b) => ({
    from,
    to: edges[b + 1] - 1,
    count: 0,
    expected: (ranks.length * (edges[b + 1] - from)) / values,
  }));
  for (const r of ranks) {
    if (!Number.isInteger(r) || r < 0 || r > maxRank) throw new Error(`rank ${r} is outside 0..${maxRank}`);
    // The bin whose run holds r (edges are increasing; runs are at least one value long).
    let b = Math.min(bins - 1, Math.floor((r * bins) / values));
    while (r < out[b].from) b -= 1;
    while (r > out[b].to) b += 1;
    out[b].count += 1;
  }
  return out;
}

/** Pearson's chi-square test of observed against expected counts (df = bins - 1). */
export function chiSquareTest(bins: readonly Pick<RankBin, "count" | "expected">[]): ChiSquareResult {
  const statistic = bins.reduce((s, b) => s + (b.count - b.expected) ** 2 / b.expected, 0);
  const df = bins.length - 1;
  return { statistic, df, pValue: chiSquareSf(statistic, df) };
}

/** The KS test of values against the continuous uniform on [0, 1], as scipy.stats.kstest(x, "uniform"). */
export function ksUniform(values: readonly number[]): KsResult {
  const n = values.length;
  const sorted = [...values].sort((a, b) => a - b);
  let d = 0;
  sorted.forEach((x, i) => {
    const cdf = Math.min(1, Math.max(0, x));
    d = Math.max(d, (i + 1) / n - cdf, cdf - i / n);
  });
  return { statistic: d, pValue: Math.min(1, Math.max(0, kolmogorovSf(n, d))) };
}

/** The original's L': floor(n_mcmc_samples / thin). */
export function originalMaxRank(nMcmcSamples: number, thin: number): number {
  return Math.floor(nMcmcSamples / thin);
}

/** The original's KS test: rank / L' against the continuous uniform. */
export function originalKsTest(ranks: readonly number[], originalL: number): KsResult {
  return ksUniform(ranks.map((r) => r / originalL));
}

/**
 * The original's chi-square test: min(20, floor(L' / 5)) bins with edges linspace(0, L', bins + 1)
 * as numpy.histogram counts them (the last bin closed; ranks above L' dropped), expected counts
 * equal to the mean bin count (scipy.stats.chisquare's default).
 */
export function originalChiSquareTest(
  ranks: readonly number[],
  originalL: number,
): ChiSquareResult & { dropped: number } {
  const bins = Math.max(1, Math.min(20, Math.floor(originalL / 5)));
  const step = originalL / bins;
  const edges = Array.from({ length: bins + 1 }, (_, b) => (b === bins ? originalL : b * step));
  const counts = new Array<number>(bins).fill(0);
  let dropped = 0;
  for (const r of ranks) {
    if (r < 0 || r > originalL) {
      dropped += 1;
      continue;
    }
    let b = Math.min(bins - 1, Math.floor(r / step));
    while (b > 0 && r < edges[b]) b -= 1;
    while (b < bins - 1 && r >= edges[b + 1]) b += 1;
    counts[b] += 1;
  }
  const expected = counts.reduce((s, c) => s + c, 0) / bins;
  return { ...chiSquareTest(counts.map((count) => ({ count, expected }))), dropped };
}
