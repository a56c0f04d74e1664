/**
 * Simultaneous ECDF bands (Säilynoja et al. 2022) against ArviZ 0.20's
 * ecdf_confidence_band(..., method="optimized") on the same inputs, and by simulation: uniform
 * ranks leave the band at about the nominal 5%, and miscalibrated ranks leave it.
 */
import { beforeAll, describe, expect, it } from "vitest";
import {
  ecdfCounts,
  ecdfEvaluationPoints,
  interiorProbability,
  pointsOutsideBand,
  simultaneousEcdfBand,
  type EcdfBand,
} from "../../src/analysis/ecdfBands.js";
import { Rng } from "../../src/design/rng.js";
import { sbcReference, type SbcReferenceAnswer } from "../helpers/sbcReference.js";

// (max rank L, simulations n): Report 12's 334 and 100, fewer simulations, every rank a point
// (L + 1 <= n), and more simulations than ArviZ's count truncation leaves alone.
const CASES: [number, number][] = [
  [334, 100],
  [334, 20],
  [99, 50],
  [9, 30],
  [50, 500],
  [199, 100],
  [334, 200],
];

describe("simultaneous ECDF bands", () => {
  let ours: EcdfBand[];
  let arviz: SbcReferenceAnswer["ecdf_band"];
  let arvizExact: SbcReferenceAnswer["ecdf_band"];
  beforeAll(async () => {
    ours = CASES.map(([L, n]) => simultaneousEcdfBand(n, ecdfEvaluationPoints(L, n)));
    const req = (exact: boolean) =>
      ours.map((b) => ({ n: b.n, eval_points: b.ranks, cdf: b.cdf, exact_counts: exact }));
    [arviz, arvizExact] = await Promise.all([
      sbcReference({ ecdf_band: req(false) }).then((r) => r.ecdf_band),
      sbcReference({ ecdf_band: req(true) }).then((r) => r.ecdf_band),
    ]);
  });

  it("evaluation points: min(L + 1, n) ranks where the discrete uniform CDF is exact", () => {
    const p = ecdfEvaluationPoints(334, 100);
    expect(p.ranks).toHaveLength(100);
    expect(p.ranks[99]).toBe(334);
    expect(p.cdf[99]).toBe(1);
    p.ranks.forEach((r, i) => expect(p.cdf[i]).toBe((r + 1) / 335));
    expect(new Set(p.ranks).size).toBe(100);
    expect(ecdfEvaluationPoints(9, 30).ranks).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it("equal ArviZ's bands, count for count, when ArviZ's objective counts exactly", () => {
    CASES.forEach(([L, n], i) => {
      expect(ours[i].lower, `L ${L}, n ${n}`).toEqual(arvizExact[i].lower);
      expect(ours[i].upper, `L ${L}, n ${n}`).toEqual(arvizExact[i].upper);
      expect(Math.abs(ours[i].pointwiseLevel - arvizExact[i].level), `L ${L}, n ${n}`).toBeLessThan(1e-9);
    });
  });

  it("differ from ArviZ as shipped at most by one count at one point (its (k / n) * n truncation), and not at Report 12's size", () => {
    expect(ours[0].lower).toEqual(arviz[0].lower);
    expect(ours[0].upper).toEqual(arviz[0].upper);
    CASES.forEach(([L, n], i) => {
      const diffs = [
        ...ours[i].lower.map((c, k) => c - arviz[i].lower[k]),
        ...ours[i].upper.map((c, k) => c - arviz[i].upper[k]),
      ].filter((d) => d !== 0);
      expect(diffs.length, `L ${L}, n ${n}`).toBeLessThanOrEqual(2);
      diffs.forEach((d) => expect(Math.abs(d)).toBe(1));
    });
  });

  it("hold uniform ranks with the probability asked for (exact recursion)", () => {
    for (const b of ours) {
      expect(b.simultaneousCoverage).toBeGreaterThan(0.94);
      expect(b.simultaneousCoverage).toBeLessThan(0.97);
      expect(b.pointwiseLevel).toBeGreaterThan(0.95);
      expect(interiorProbability(b.n, b.cdf, b.lower, b.upper)).toBeCloseTo(b.simultaneousCoverage, 12);
    }
  });

  it("uniform ranks leave the band at about the nominal 5% (simulation, 4000 data sets)", () => {
    const band = ours[0]; // L 334, n 100
    const rng = new Rng(20220301);
    const reps = 4000;
    let outside = 0;
    for (let r = 0; r < reps; r++) {
      const ranks = Array.from({ length: band.n }, () => rng.int(0, 334));
      if (pointsOutsideBand(ecdfCounts(ranks, band), band).length > 0) outside += 1;
    }
    const rate = outside / reps;
    const expected = 1 - band.simultaneousCoverage;
    const se = Math.sqrt((expected * (1 - expected)) / reps);
    expect(Math.abs(rate - expected), `rate ${rate}, expected ${expected}`).toBeLessThan(4 * se);
    expect(rate).toBeGreaterThan(0.035);
    expect(rate).toBeLessThan(0.065);
  });

  it("ranks piled in the middle (an overdispersed posterior) leave it almost always", () => {
    const band = ours[0];
    const rng = new Rng(11);
    let outside = 0;
    for (let r = 0; r < 200; r++) {
      const ranks = Array.from({ length: band.n }, () =>
        Math.min(334, Math.max(0, Math.round(167 + rng.normal() * 60))),
      );
      if (pointsOutsideBand(ecdfCounts(ranks, band), band).length > 0) outside += 1;
    }
    expect(outside).toBeGreaterThan(190);
  });

  it("ECDF counts count ranks <= each evaluation rank", () => {
    const p = ecdfEvaluationPoints(9, 30);
    expect(ecdfCounts([0, 0, 3, 9, 5], p)).toEqual([2, 2, 2, 3, 3, 4, 4, 4, 4, 5]);
  });
});
