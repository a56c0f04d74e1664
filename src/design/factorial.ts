/**
 * Cell-level design matrices X (J x P, no intercept) for h_m01.
 *
 * Factorial mode, treatment coding (docs/designs.md "Treatment coding"):
 * - J = product of `factors`; cells are enumerated row-major (the last factor varies fastest),
 *   so for [6, 3] cell 0 = (0,0), cell 1 = (0,1), cell 3 = (1,0), cell 17 = (5,2).
 * - For each factor f in order, for each level lv != reference_indices[f] in increasing order,
 *   one column equal to 1 where the cell's level of f is lv, labelled `f{f}_lv{lv}`.
 * - With interactions: for every pair of main-effect columns a < b (in column order) that belong
 *   to different factors, the column a*b, labelled `{label a}:{label b}`, after all main effects.
 *
 * Manual mode: an explicit J x P matrix, validated for shape and finiteness.
 */
import { InputError } from "../util/errors.js";

export interface DesignMatrix {
  J: number;
  P: number;
  /** J rows of P numbers. */
  X: number[][];
  /** One label per column of X. */
  column_labels: string[];
}

export interface FactorialDesign extends DesignMatrix {
  factors: number[];
  reference_indices: number[];
  include_interactions: boolean;
  /** cell_levels[j][f]: the level (0-based) of factor f in cell j (0-based). */
  cell_levels: number[][];
}

export interface FactorialOptions {
  /** Reference level of each factor (0-based); default all 0. */
  referenceIndices?: readonly number[];
  /** Add pairwise interactions between main-effect columns of different factors; default false. */
  includeInteractions?: boolean;
}

/** Largest number of cells accepted (a guard against typos such as factors [600, 300]). */
export const MAX_CELLS = 100_000;

/** Levels of every cell, row-major: cellLevels([2, 3])[4] = [1, 1]. */
export function cellLevels(factors: readonly number[]): number[][] {
  const J = factors.reduce((a, b) => a * b, 1);
  const out: number[][] = [];
  for (let j = 0; j < J; j++) {
    const levels = new Array<number>(factors.length);
    let rem = j;
    for (let f = factors.length - 1; f >= 0; f--) {
      levels[f] = rem % factors[f];
      rem = Math.floor(rem / factors[f]);
    }
    out.push(levels);
  }
  return out;
}

/** 0-based index of the cell with the given levels (inverse of `cellLevels`). */
export function cellIndex(factors: readonly number[], levels: readonly number[]): number {
  let j = 0;
  for (let f = 0; f < factors.length; f++) j = j * factors[f] + levels[f];
  return j;
}

/** Checks factors / reference indices; throws InputError naming the offending entry. */
export function validateFactorial(factors: readonly number[], referenceIndices?: readonly number[]): void {
  if (!Array.isArray(factors) || factors.length === 0) {
    throw new InputError("factors: must be a non-empty list of level counts, e.g. [6, 3]");
  }
  factors.forEach((k, f) => {
    if (!Number.isInteger(k) || k < 2) {
      throw new InputError(`factors[${f}]: must be an integer >= 2 (a factor needs two levels), got ${k}`);
    }
  });
  const J = factors.reduce((a, b) => a * b, 1);
  if (J > MAX_CELLS) {
    throw new InputError(`factors: ${JSON.stringify(factors)} gives ${J} cells, more than ${MAX_CELLS}`);
  }
  if (referenceIndices !== undefined) {
    if (!Array.isArray(referenceIndices) || referenceIndices.length !== factors.length) {
      throw new InputError(
        `reference_indices: must have one entry per factor (${factors.length}), got ${JSON.stringify(referenceIndices)}`,
      );
    }
    referenceIndices.forEach((ref, f) => {
      if (!Number.isInteger(ref) || ref < 0 || ref >= factors[f]) {
        throw new InputError(
          `reference_indices[${f}]: must be an integer in 0..${factors[f] - 1} (factor ${f} has ${factors[f]} levels), got ${ref}`,
        );
      }
    });
  }
}

/** The treatment-coded design of a full factorial (see the file comment). */
export function treatmentDesign(factors: readonly number[], opts: FactorialOptions = {}): FactorialDesign {
  validateFactorial(factors, opts.referenceIndices);
  const refs = opts.referenceIndices ? [...opts.referenceIndices] : factors.map(() => 0);
  const interactions = opts.includeInteractions ?? false;
  const levels = cellLevels(factors);
  const J = levels.length;

  const mainCols: number[][] = [];
  const mainLabels: string[] = [];
  const mainFactor: number[] = [];
  factors.forEach((k, f) => {
    for (let lv = 0; lv < k; lv++) {
      if (lv === refs[f]) continue;
      mainCols.push(levels.map((cl) => (cl[f] === lv ? 1 : 0)));
      mainLabels.push(`f${f}_lv${lv}`);
      mainFactor.push(f);
    }
  });

  const cols = [...mainCols];
  const labels = [...mainLabels];
  if (interactions) {
    for (let a = 0; a < mainCols.length; a++) {
      for (let b = a + 1; b < mainCols.length; b++) {
        if (mainFactor[a] === mainFactor[b]) continue;
        cols.push(mainCols[a].map((v, j) => v * mainCols[b][j]));
        labels.push(`${mainLabels[a]}:${mainLabels[b]}`);
      }
    }
  }

  const P = cols.length;
  const X = levels.map((_, j) => cols.map((c) => c[j]));
  return {
    J,
    P,
    X,
    column_labels: labels,
    factors: [...factors],
    reference_indices: refs,
    include_interactions: interactions,
    cell_levels: levels,
  };
}

/** Default labels of manual-mode columns: x1..xP. */
export function manualColumnLabels(P: number): string[] {
  return Array.from({ length: P }, (_, p) => `x${p + 1}`);
}
