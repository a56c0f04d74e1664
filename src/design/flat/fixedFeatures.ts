/**
 * Flat designs that share their alternatives (docs/sample-size.md "Designs"): a base design
 * fixes the features w, and each number of problems M gets a design of its own with those w and
 * a fresh indicator I, drawn from a stream of the seed and M alone, so the designs of two sizes
 * are not nested (the smaller is not the first rows of the larger), as the original draws them.
 *
 * The generated base, as the original makes it when no base file is given: one problem, features
 * uniform(-2, 2), 2 .. min(R, 6) alternatives per problem. Each size's problems offer
 * 2 .. min(R, 6) alternatives whatever the base's own bounds.
 */
import { Rng } from "../rng.js";
import { RNG_NAME } from "../studyDesign.js";
import { drawIndicators, generateFlatDesign } from "./generate.js";
import { flatDesignMetadata } from "./metadata.js";
import type { FlatDesign } from "./types.js";

/** The most alternatives a problem of a size's design offers: min(R, 6). */
export const maxAlternatives = (R: number): number => Math.min(R, 6);

/** The base design generated when the config names no base file (its w is what the sizes share). */
export function generatedBaseDesign(sizes: { K: number; D: number; R: number }, seed: number): FlatDesign {
  return generateFlatDesign(
    {
      M: 1,
      ...sizes,
      design_name: "sample_size_base",
      min_alts_per_problem: 2,
      max_alts_per_problem: maxAlternatives(sizes.R),
      feature_dist: "uniform",
      feature_params: { low: -2, high: 2 },
    },
    seed,
  );
}

/**
 * The design of M problems on the base's alternatives: its w, a fresh I from the stream
 * "sample-size/M<M>" of `seed` (the same M and seed give the same I; another M an independent
 * one). Risky problems of a base are not carried over.
 */
export function designWithFixedFeatures(base: FlatDesign, M: number, seed: number): FlatDesign {
  const { K, D, R } = base;
  const hi = maxAlternatives(R);
  const w = base.w.map((row) => [...row]);
  const I = drawIndicators(new Rng(seed).child(`sample-size/M${M}`), M, R, 2, hi);
  const settings = { ...base.settings, design_name: `design_M${M}`, min_alts_per_problem: 2, max_alts_per_problem: hi };
  const metadata = flatDesignMetadata({ R, D, w, I }, { timestamp: new Date().toISOString(), seed, rng: RNG_NAME });
  return { M, K, D, R, w, I, settings, metadata };
}
