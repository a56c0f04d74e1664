/**
 * The statistics of an SBC study, from the ranks of its successful simulations: per tracked
 * scalar, the rank histogram and its chi-square test (rankUniformity.ts), the original tool's
 * KS and chi-square tests for comparison, and the ECDF against the simultaneous 95% band
 * (ecdfBands.ts); and the scalars whose ECDF leaves its band.
 */
import {
  ecdfCounts,
  ecdfEvaluationPoints,
  pointsOutsideBand,
  simultaneousEcdfBand,
  type EcdfBand,
} from "./ecdfBands.js";
import {
  chiSquareTest,
  originalChiSquareTest,
  originalKsTest,
  rankHistogram,
  type ChiSquareResult,
  type KsResult,
  type RankBin,
} from "./rankUniformity.js";

export interface SbcParameterStatistics {
  /** The model's name of the scalar (gamma[3], alpha_cell[2]). */
  variable: string;
  histogram: RankBin[];
  chi2: ChiSquareResult;
  /** As the original computes them (Report 12), for comparison. */
  originalKs: KsResult;
  originalChi2: ChiSquareResult & { dropped: number };
  /** ECDF counts (ranks <= r_i) at the band's evaluation points. */
  ecdfCounts: number[];
  /** Largest |ECDF - CDF| over the evaluation points. */
  maxEcdfDeviation: number;
  /** Evaluation points (indices) where the ECDF leaves the band. */
  pointsOutsideBand: number[];
}

export interface SbcStatistics {
  /** Successful simulations (ranks per scalar). */
  n: number;
  /** Ranks run 0..maxRank (maxRank = kept draws per fit). */
  maxRank: number;
  /** The original's L' (floor(n_mcmc_samples / thin)). */
  originalMaxRank: number;
  band: EcdfBand;
  parameters: SbcParameterStatistics[];
  /** The scalars whose ECDF leaves the simultaneous band somewhere. */
  outsideBand: string[];
}

/** `ranks[k]` holds the ranks (one per successful simulation) of `variables[k]`. */
export function sbcStatistics(
  variables: readonly string[],
  ranks: readonly number[][],
  maxRank: number,
  originalMaxRank: number,
  prob = 0.95,
): SbcStatistics {
  const n = ranks[0]?.length ?? 0;
  if (n === 0) throw new Error("SBC statistics need at least one simulation's ranks");
  ranks.forEach((r, k) => {
    if (r.length !== n)
      throw new Error(`SBC statistics: ${variables[k]} has ${r.length} ranks, ${variables[0]} has ${n}`);
  });
  const band = simultaneousEcdfBand(n, ecdfEvaluationPoints(maxRank, n), prob);
  const parameters = variables.map((variable, k): SbcParameterStatistics => {
    const histogram = rankHistogram(ranks[k], maxRank);
    const counts = ecdfCounts(ranks[k], band);
    return {
      variable,
      histogram,
      chi2: chiSquareTest(histogram),
      originalKs: originalKsTest(ranks[k], originalMaxRank),
      originalChi2: originalChiSquareTest(ranks[k], originalMaxRank),
      ecdfCounts: counts,
      maxEcdfDeviation: Math.max(...counts.map((c, i) => Math.abs(c / n - band.cdf[i]))),
      pointsOutsideBand: pointsOutsideBand(counts, band),
    };
  });
  return {
    n,
    maxRank,
    originalMaxRank,
    band,
    parameters,
    outsideBand: parameters.filter((p) => p.pointsOutsideBand.length > 0).map((p) => p.variable),
  };
}
