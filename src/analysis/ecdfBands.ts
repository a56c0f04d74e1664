/**
 * Simultaneous confidence bands for the ECDF of SBC ranks (Säilynoja, Bürkner and Vehtari 2022,
 * "Graphical test for discrete uniformity and its applications in goodness-of-fit evaluation and
 * multiple sample comparison", Statistics and Computing 32:32), by their optimisation method, as
 * ArviZ 0.20 `ecdf_confidence_band(..., method="optimized")` and the R `SBC` package compute them.
 *
 * For N uniform ranks, the ECDF count at evaluation point i (ranks <= r_i) is Binomial(N, c_i),
 * c_i the CDF there. A pointwise band of level g takes the central binomial interval at each
 * point; the simultaneous band is the pointwise band whose level g makes the probability that
 * the whole ECDF stays inside equal to `prob` (0.95). That probability is exact: going from
 * point to point, the count grows by a Binomial(N - count, (c_i - c_{i-1}) / (1 - c_{i-1}))
 * increment, so a forward recursion over the counts inside the band gives it. g is found by
 * Brent's bounded minimisation of |P(inside | g) - prob| over g in [prob, 1].
 *
 * Evaluation points for ranks 0..L: K = min(L + 1, N) points (the R SBC package's default
 * count), at ranks r_i = round(i (L + 1) / K) - 1, i = 1..K, where the discrete uniform CDF is
 * exactly c_i = (r_i + 1) / (L + 1) (so no continuity approximation enters; r_K = L, c_K = 1).
 * With K = L + 1 every rank value is a point.
 */
import { binomialInterval } from "./distributions.js";
import { minimizeBounded } from "./minimize.js";

export interface EcdfEvaluationPoints {
  /** Rank thresholds r_i: the ECDF at point i counts ranks <= r_i. */
  ranks: number[];
  /** The discrete uniform CDF at r_i: (r_i + 1) / (L + 1). */
  cdf: number[];
}

export interface EcdfBand extends EcdfEvaluationPoints {
  /** Number of ranks (simulations) the band is for. */
  n: number;
  /** Simultaneous coverage asked for. */
  prob: number;
  /** The pointwise level g that gives it. */
  pointwiseLevel: number;
  /** The probability that uniform ranks stay inside this band (exact, by the recursion). */
  simultaneousCoverage: number;
  /** Band limits in counts (ranks <= r_i), inclusive. */
  lower: number[];
  upper: number[];
}

export function ecdfEvaluationPoints(maxRank: number, n: number): EcdfEvaluationPoints {
  const values = maxRank + 1;
  const K = Math.min(values, n);
  const ranks = Array.from({ length: K }, (_, i) => Math.round(((i + 1) * values) / K) - 1);
  return { ranks, cdf: ranks.map((r) => (r + 1) / values) };
}

/** log k! for k = 0..n. */
function logFactorials(n: number): Float64Array {
  const t = new Float64Array(n + 1);
  for (let k = 2; k <= n; k++) t[k] = t[k - 1] + Math.log(k);
  return t;
}

/**
 * Probability that the ECDF counts of n uniform draws stay within [lower_i, upper_i] at every
 * evaluation point with CDF values `cdf` (increasing).
 */
export function interiorProbability(
  n: number,
  cdf: readonly number[],
  lower: readonly number[],
  upper: readonly number[],
): number {
  const lf = logFactorials(n);
  let from = 0;
  let prob = Float64Array.of(1); // P(count at the previous point = from + j, inside so far)
  let previous = 0;
  for (let i = 0; i < cdf.length; i++) {
    const p = previous >= 1 ? 1 : (cdf[i] - previous) / (1 - previous);
    const lo = lower[i];
    const hi = upper[i];
    const next = new Float64Array(Math.max(0, hi - lo + 1));
    const logP = Math.log(p);
    const logQ = Math.log1p(-p);
    for (let j = 0; j < prob.length; j++) {
      const a = from + j; // count so far
      const weight = prob[j];
      if (weight === 0) continue;
      const m = n - a; // draws still above the previous point
      for (let b = Math.max(lo, a); b <= Math.min(hi, n); b++) {
        const k = b - a;
        let pmf: number;
        if (p >= 1) pmf = k === m ? 1 : 0;
        else if (p <= 0) pmf = k === 0 ? 1 : 0;
        else pmf = Math.exp(lf[m] - lf[k] - lf[m - k] + k * logP + (m - k) * logQ);
        next[b - lo] += weight * pmf;
      }
    }
    prob = next;
    from = lo;
    previous = cdf[i];
  }
  return prob.reduce((s, x) => s + x, 0);
}

/** The pointwise band of level g: central binomial intervals, in counts. */
export function pointwiseBand(level: number, n: number, cdf: readonly number[]): { lower: number[]; upper: number[] } {
  const lower: number[] = [];
  const upper: number[] = [];
  for (const c of cdf) {
    const [lo, hi] = binomialInterval(level, n, c);
    lower.push(lo);
    upper.push(hi);
  }
  return { lower, upper };
}

/** The simultaneous `prob` band for the ECDF of n ranks at the given evaluation points. */
export function simultaneousEcdfBand(n: number, points: EcdfEvaluationPoints, prob = 0.95): EcdfBand {
  if (!(prob > 0 && prob < 1)) throw new Error(`band probability must be in (0, 1), got ${prob}`);
  if (!Number.isInteger(n) || n < 1) throw new Error(`band: the number of ranks must be a positive integer, got ${n}`);
  const cdf = [...new Set(points.cdf)].sort((a, b) => a - b);
  const coverage = (g: number) => {
    const band = pointwiseBand(g, n, cdf);
    return interiorProbability(n, cdf, band.lower, band.upper);
  };
  const { x: level } = minimizeBounded((g) => Math.abs(coverage(g) - prob), prob, 1);
  const band = pointwiseBand(level, n, points.cdf);
  return { ...points, n, prob, pointwiseLevel: level, simultaneousCoverage: coverage(level), ...band };
}

/** ECDF counts of ranks at the evaluation points: how many ranks are <= r_i. */
export function ecdfCounts(ranks: readonly number[], points: EcdfEvaluationPoints): number[] {
  const sorted = [...ranks].sort((a, b) => a - b);
  let at = 0;
  return points.ranks.map((r) => {
    while (at < sorted.length && sorted[at] <= r) at += 1;
    return at;
  });
}

/** Evaluation points where the ECDF leaves the band (empty: inside everywhere). */
export function pointsOutsideBand(counts: readonly number[], band: Pick<EcdfBand, "lower" | "upper">): number[] {
  return counts.flatMap((c, i) => (c < band.lower[i] || c > band.upper[i] ? [i] : []));
}
