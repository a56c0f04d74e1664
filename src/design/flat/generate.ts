/**
 * Generating a flat design from a validated config and a seed (same seed, same design).
 *
 * Draws, each stage from its own child stream of `new Rng(seed)` (rng.ts), so adding risky
 * problems keeps w and I, and changing M keeps w:
 * - "flat/features": w[0][0], w[0][1], ..., w[R-1][D-1], each normal(loc, scale) or
 *   uniform(low, high);
 * - "flat/problems": for m = 1..M, n_m = int(min, max), then a uniform random n_m-subset of the
 *   R alternatives (sampleWithoutReplacement);
 * - "flat/risky-x": the S simplexes, only for risky_probs "random" (or "fixed" with K != 3);
 * - "flat/risky-problems": J, as I but over the S risky alternatives.
 * The original draws with numpy's global generator: our w, I, x and J follow the same
 * distributions, not the same numbers.
 */
import { InputError } from "../../util/errors.js";
import { Rng } from "../rng.js";
import { RNG_NAME } from "../studyDesign.js";
import type { FlatDesignConfig } from "./config.js";
import { flatDesignMetadata } from "./metadata.js";
import type { FeatureParams, FlatDesign, RiskyProblems, RiskyProbs } from "./types.js";

/**
 * The original's "fixed" simplexes for K = 3, used in order and repeated for S > 8: spread over
 * the simplex so that risky choices are informative about the utilities.
 */
export const FIXED_SIMPLEXES_K3: readonly (readonly number[])[] = Object.freeze([
  [0.25, 0.5, 0.25],
  [0.5, 0.25, 0.25],
  [0.25, 0.25, 0.5],
  [0.33, 0.33, 0.34],
  [0.2, 0.6, 0.2],
  [0.6, 0.2, 0.2],
  [0.2, 0.2, 0.6],
  [0.1, 0.8, 0.1],
]);

/** R feature vectors of D independent draws each. */
export function drawFeatures(rng: Rng, R: number, D: number, params: FeatureParams): number[][] {
  const draw =
    "loc" in params ? () => rng.normal(params.loc, params.scale) : () => rng.uniform(params.low, params.high);
  return Array.from({ length: R }, () => Array.from({ length: D }, draw));
}

/** `count` rows of `width` indicators, each with int(min, max) ones at uniformly random places. */
export function drawIndicators(rng: Rng, count: number, width: number, min: number, max: number): number[][] {
  const rows: number[][] = [];
  for (let m = 0; m < count; m++) {
    const n = rng.int(min, max);
    const row = new Array<number>(width).fill(0);
    for (const r of rng.sampleWithoutReplacement(width, n)) row[r] = 1;
    rows.push(row);
  }
  return rows;
}

/** One Dirichlet(1, ..., 1) draw of length K: normalised Exp(1) draws. */
export function drawFlatDirichlet(rng: Rng, K: number): number[] {
  for (;;) {
    // 1 - float() is in (0, 1], so each -ln is finite and >= 0.
    const e = Array.from({ length: K }, () => -Math.log(1 - rng.float()));
    const total = e.reduce((a, b) => a + b, 0);
    if (total > 0) return e.map((v) => v / total);
  }
}

/** The S risky simplexes of length K for `risky_probs` (no draws for "uniform" and for "fixed" with K = 3). */
export function riskySimplexes(rng: Rng, S: number, K: number, riskyProbs: RiskyProbs): number[][] {
  if (riskyProbs === "uniform") return Array.from({ length: S }, () => new Array<number>(K).fill(1 / K));
  // "fixed" has a table for K = 3 only; otherwise it draws, as "random" does.
  if (riskyProbs === "fixed" && K === 3) return Array.from({ length: S }, (_, s) => [...FIXED_SIMPLEXES_K3[s % 8]]);
  return Array.from({ length: S }, () => drawFlatDirichlet(rng, K));
}

/**
 * Generates the flat design of `config` (from parseFlatDesignConfig) with `seed`. Only
 * `metadata.timestamp` differs between two calls with the same config and seed.
 */
export function generateFlatDesign(config: FlatDesignConfig, seed: number): FlatDesign {
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new InputError(`seed: must be a non-negative integer, got ${seed}`);
  }
  const { M, K, D, R, min_alts_per_problem: lo, max_alts_per_problem: hi } = config;
  // parseFlatDesignConfig refuses these; a config built by hand could still hold them.
  const pool = Math.min(R, config.risky?.S ?? R);
  if (!(lo >= 2 && lo <= hi && hi <= pool)) {
    throw new InputError(
      `min_alts_per_problem, max_alts_per_problem: need 2 <= min <= max <= ${pool}, got ${lo} and ${hi}`,
    );
  }
  const root = new Rng(seed);
  const w = drawFeatures(root.child("flat/features"), R, D, config.feature_params);
  const I = drawIndicators(root.child("flat/problems"), M, R, lo, hi);
  let risky: RiskyProblems | undefined;
  if (config.risky) {
    const { N, S, risky_probs } = config.risky;
    const x = riskySimplexes(root.child("flat/risky-x"), S, K, risky_probs);
    const J = drawIndicators(root.child("flat/risky-problems"), N, S, lo, hi);
    risky = { N, S, x, J, risky_probs };
  }
  const settings = {
    design_name: config.design_name,
    min_alts_per_problem: lo,
    max_alts_per_problem: hi,
    feature_dist: config.feature_dist,
    feature_params: { ...config.feature_params },
  };
  const metadata = flatDesignMetadata(
    { R, D, w, I, risky },
    { timestamp: new Date().toISOString(), seed, rng: RNG_NAME },
  );
  return { M, K, D, R, w, I, ...(risky ? { risky } : {}), settings, metadata };
}
