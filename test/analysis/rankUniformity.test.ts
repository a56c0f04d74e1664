/**
 * Rank uniformity tests: bins fair to the discrete uniform (the top rank counted), Pearson's
 * chi-square, and the original tool's KS and chi-square (its histogram drops the top rank),
 * each against scipy / numpy on the same ranks.
 */
import { beforeAll, describe, expect, it } from "vitest";
import {
  chiSquareTest,
  ksUniform,
  originalChiSquareTest,
  originalKsTest,
  originalMaxRank,
  rankBinCount,
  rankHistogram,
} from "../../src/analysis/rankUniformity.js";
import { Rng } from "../../src/design/rng.js";
import { sbcReference, type SbcReferenceAnswer } from "../helpers/sbcReference.js";

const L = 334; // Report 12: 1000 draws at thin 3
const rng = new Rng(2024);
const uniformRanks = Array.from({ length: 100 }, () => rng.int(0, L));
const topHeavy = [...uniformRanks.slice(0, 90), ...Array.from({ length: 10 }, () => L)];
const humped = Array.from({ length: 100 }, () => Math.min(L, Math.max(0, Math.round(L / 2 + rng.normal() * 40))));

describe("rank histogram and chi-square", () => {
  it("splits the L + 1 rank values into bins whose sizes differ by at most one", () => {
    expect(rankBinCount(100, L)).toBe(20);
    expect(rankBinCount(20, L)).toBe(4);
    expect(rankBinCount(7, L)).toBe(2);
    expect(rankBinCount(100, 9)).toBe(10);
    const bins = rankHistogram(uniformRanks, L);
    expect(bins).toHaveLength(20);
    expect(bins[0].from).toBe(0);
    expect(bins[19].to).toBe(L);
    bins.slice(1).forEach((b, i) => expect(b.from).toBe(bins[i].to + 1));
    const sizes = bins.map((b) => b.to - b.from + 1);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBe(1); // 335 = 15 x 17 + 5 x 16
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(L + 1);
    // Expected counts are the discrete uniform's: n x (values in the bin) / (L + 1).
    bins.forEach((b) => expect(b.expected).toBeCloseTo((100 * (b.to - b.from + 1)) / (L + 1), 12));
    expect(bins.reduce((a, b) => a + b.count, 0)).toBe(100);
  });

  it("counts the top rank L (the original's histogram drops it)", () => {
    const bins = rankHistogram(topHeavy, L);
    expect(bins.reduce((a, b) => a + b.count, 0)).toBe(100);
    expect(bins[19].count).toBeGreaterThanOrEqual(10);
    const original = originalChiSquareTest(topHeavy, originalMaxRank(1000, 3));
    expect(originalMaxRank(1000, 3)).toBe(333);
    expect(original.dropped).toBe(10);
  });

  it("equal bins when their number divides L + 1", () => {
    const bins = rankHistogram([0, 99, 50], 99, 10);
    expect(bins.map((b) => b.to - b.from + 1)).toEqual(new Array(10).fill(10));
    expect(() => rankHistogram([335], L)).toThrow(/outside 0\.\.334/);
  });

  describe("against scipy and numpy", () => {
    let ref: SbcReferenceAnswer;
    const samples = [uniformRanks, topHeavy, humped];
    beforeAll(async () => {
      ref = await sbcReference({
        chisquare: [
          ...samples.map((r): [number[], number[]] => {
            const bins = rankHistogram(r, L);
            return [bins.map((b) => b.count), bins.map((b) => b.expected)];
          }),
        ],
        kstest: samples.map((r) => r.map((x) => x / 333)),
        histogram: samples.map((r): [number[], number, number, number] => [r, 20, 0, 333]),
      });
    });

    it("Pearson's chi-square equals scipy.stats.chisquare(observed, expected)", () => {
      samples.forEach((r, i) => {
        const t = chiSquareTest(rankHistogram(r, L));
        expect(t.df).toBe(19);
        expect(t.statistic).toBeCloseTo(ref.chisquare[i][0], 10);
        expect(Math.abs(t.pValue - ref.chisquare[i][1])).toBeLessThan(1e-12 + 1e-10 * ref.chisquare[i][1]);
      });
      expect(chiSquareTest(rankHistogram(humped, L)).pValue).toBeLessThan(1e-6);
    });

    it("the original's KS is scipy.stats.kstest(rank / 333, 'uniform')", () => {
      samples.forEach((r, i) => {
        const t = originalKsTest(r, 333);
        expect(t.statistic).toBeCloseTo(ref.kstest[i][0], 12);
        expect(Math.abs(t.pValue - ref.kstest[i][1])).toBeLessThan(1e-10 + 1e-8 * ref.kstest[i][1]);
      });
      expect(ksUniform([0.5]).statistic).toBe(0.5);
    });

    it("the original's chi-square bins as numpy.histogram(ranks, linspace(0, 333, 21)), tested as scipy.stats.chisquare(counts)", () => {
      samples.forEach((r, i) => {
        const t = originalChiSquareTest(r, 333);
        const [statistic, pValue] = ref.histogram_chisquare[i];
        expect(t.dropped).toBe(r.length - ref.histogram[i].reduce((a, b) => a + b, 0));
        expect(t.statistic).toBeCloseTo(statistic, 10);
        expect(Math.abs(t.pValue - pValue)).toBeLessThan(1e-12 + 1e-10 * pValue);
      });
    });
  });
});
