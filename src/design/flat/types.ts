/**
 * The flat design family (the m_0 ... m_3 models): R uncertain alternatives described by
 * features w, M problems each offering a subset of them (I), and for the risky models S
 * objective simplexes x offered in N risky problems (J). See docs/flat-designs.md.
 */
import type { FeatureParams } from "../studyDesign.js";

export type { FeatureParams };

export type FeatureDist = "normal" | "uniform";

/** How the risky simplexes x are made: all 1/K, the fixed table, or Dirichlet(1) draws. */
export type RiskyProbs = "uniform" | "fixed" | "random";

/** How a design was (or is to be) generated, besides its sizes. */
export interface FlatDesignSettings {
  design_name: string;
  /** Bounds on the number of alternatives per problem (uncertain and risky alike). */
  min_alts_per_problem: number;
  max_alts_per_problem: number;
  feature_dist: FeatureDist;
  /** Resolved: {loc, scale} for "normal", {low, high} for "uniform". */
  feature_params: FeatureParams;
}

/** The risky half of an m_1/m_2/m_3 design. */
export interface RiskyProblems {
  N: number;
  S: number;
  /** S simplexes of length K: the objective probabilities of the K consequences. */
  x: number[][];
  /** N rows of S indicators in {0, 1}: risky problem n offers {s : J[n][s] = 1}. */
  J: number[][];
  /** How x was made; undefined for a loaded file that does not say. */
  risky_probs?: RiskyProbs;
}

/** Descriptive statistics of a design (derived from the data, never read back as truth). */
export interface FlatDesignMetadata {
  /** Generation time, ISO 8601 ("" when a loaded file has none). */
  timestamp: string;
  n_alts_per_problem_min: number;
  n_alts_per_problem_max: number;
  n_alts_per_problem_mean: number;
  /** Column sums of I: in how many problems each alternative appears. */
  alt_frequency_min: number;
  alt_frequency_max: number;
  alt_frequency_mean: number;
  /** [min, max] per feature dimension. */
  feature_ranges: [number, number][];
  feature_means: number[];
  /** Population standard deviations. */
  feature_stds: number[];
  /** {"dim_i_dim_j": Pearson r} for 1 <= i < j <= D; only when D >= 2. null when a dimension is constant. */
  feature_correlations?: Record<string, number | null>;
  risky_n_alts_per_problem_min?: number;
  risky_n_alts_per_problem_max?: number;
  risky_n_alts_per_problem_mean?: number;
  risky_alt_frequency_min?: number;
  risky_alt_frequency_max?: number;
  risky_alt_frequency_mean?: number;
  /** Entropy H = -sum_k p_k ln(p_k + 1e-10) of each risky simplex: min, max, mean over S. */
  risky_prob_entropy_min?: number;
  risky_prob_entropy_max?: number;
  risky_prob_entropy_mean?: number;
  /** The seed the design was generated from (absent in files of the original tool). */
  seed?: number;
  /** The generator used (see RNG_NAME in studyDesign.ts). */
  rng?: string;
}

/** A flat design: uncertain problems, plus risky problems for the m_1 family. */
export interface FlatDesign {
  M: number;
  K: number;
  D: number;
  R: number;
  /** R rows of D features. */
  w: number[][];
  /** M rows of R indicators in {0, 1}: problem m offers {r : I[m][r] = 1}. */
  I: number[][];
  /** Present for designs with risky problems (m_1, m_2, m_3). */
  risky?: RiskyProblems;
  settings: FlatDesignSettings;
  metadata: FlatDesignMetadata;
}
