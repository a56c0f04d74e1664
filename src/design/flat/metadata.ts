/**
 * The descriptive statistics a flat design file carries under `metadata`: problem sizes,
 * how often each alternative is offered, feature summaries and, for risky designs, the same
 * for J plus the entropy of each simplex. Computed from the data only, so the loader recomputes
 * them instead of trusting a copy that may have gone stale.
 */
import type { FlatDesign, FlatDesignMetadata } from "./types.js";

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
const mean = (xs: readonly number[]) => sum(xs) / xs.length;

/** {min, max, mean} of a non-empty list. */
function summary(xs: readonly number[]): { min: number; max: number; mean: number } {
  return {
    min: xs.reduce((a, b) => Math.min(a, b), Infinity),
    max: xs.reduce((a, b) => Math.max(a, b), -Infinity),
    mean: mean(xs),
  };
}

/** Row sums (problem sizes) and column sums (how many problems offer each alternative) of an indicator matrix. */
export function indicatorSums(
  rows: readonly (readonly number[])[],
  width: number,
): { sizes: number[]; freq: number[] } {
  const freq = new Array<number>(width).fill(0);
  const sizes = rows.map((row) => {
    row.forEach((v, r) => (freq[r] += v));
    return sum(row);
  });
  return { sizes, freq };
}

/** Pearson correlation of two columns; null when one is constant (numpy would give NaN). */
function correlation(a: readonly number[], b: readonly number[]): number | null {
  const ma = mean(a);
  const mb = mean(b);
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < a.length; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : null;
}

function featureStats(w: readonly (readonly number[])[], D: number) {
  const cols = Array.from({ length: D }, (_, d) => w.map((row) => row[d]));
  const means = cols.map(mean);
  const stds = cols.map((c, d) => Math.sqrt(mean(c.map((v) => (v - means[d]) ** 2))));
  const ranges = cols.map((c): [number, number] => {
    const s = summary(c);
    return [s.min, s.max];
  });
  let correlations: Record<string, number | null> | undefined;
  if (D >= 2) {
    correlations = {};
    for (let i = 0; i < D; i++) {
      for (let j = i + 1; j < D; j++) correlations[`dim_${i + 1}_dim_${j + 1}`] = correlation(cols[i], cols[j]);
    }
  }
  return { ranges, means, stds, correlations };
}

/** Entropy -sum p ln(p + 1e-10) of a simplex (the offset keeps p = 0 finite, as the original does). */
export function simplexEntropy(p: readonly number[]): number {
  return -p.reduce((h, pk) => h + pk * Math.log(pk + 1e-10), 0);
}

/** The metadata of a design's data, with the given timestamp and (optional) seed and generator name. */
export function flatDesignMetadata(
  d: Pick<FlatDesign, "R" | "D" | "w" | "I" | "risky">,
  provenance: { timestamp: string; seed?: number; rng?: string },
): FlatDesignMetadata {
  const unc = indicatorSums(d.I, d.R);
  const sizes = summary(unc.sizes);
  const freq = summary(unc.freq);
  const f = featureStats(d.w, d.D);
  const meta: FlatDesignMetadata = {
    timestamp: provenance.timestamp,
    n_alts_per_problem_min: sizes.min,
    n_alts_per_problem_max: sizes.max,
    n_alts_per_problem_mean: sizes.mean,
    alt_frequency_min: freq.min,
    alt_frequency_max: freq.max,
    alt_frequency_mean: freq.mean,
    feature_ranges: f.ranges,
    feature_means: f.means,
    feature_stds: f.stds,
    ...(f.correlations ? { feature_correlations: f.correlations } : {}),
  };
  if (d.risky) {
    const risky = indicatorSums(d.risky.J, d.risky.S);
    const rs = summary(risky.sizes);
    const rf = summary(risky.freq);
    const h = summary(d.risky.x.map(simplexEntropy));
    Object.assign(meta, {
      risky_n_alts_per_problem_min: rs.min,
      risky_n_alts_per_problem_max: rs.max,
      risky_n_alts_per_problem_mean: rs.mean,
      risky_alt_frequency_min: rf.min,
      risky_alt_frequency_max: rf.max,
      risky_alt_frequency_mean: rf.mean,
      risky_prob_entropy_min: h.min,
      risky_prob_entropy_max: h.max,
      risky_prob_entropy_mean: h.mean,
    });
  }
  if (provenance.seed !== undefined) meta.seed = provenance.seed;
  if (provenance.rng !== undefined) meta.rng = provenance.rng;
  return meta;
}
