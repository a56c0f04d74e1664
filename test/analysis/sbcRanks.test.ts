/** SBC ranks on hand-made draws: thinning from draw 0, ties, the top and bottom ranks, indicators = draws. */
import { describe, expect, it } from "vitest";
import { keptDrawCount, pooledDraws, rankFromIndicators, rankOfTruth } from "../../src/analysis/sbcRanks.js";
import { Rng } from "../../src/design/rng.js";

const indicators = (draws: ArrayLike<number>, truth: number) => Array.from(draws, (d) => (d > truth ? 1 : 0));

describe("SBC ranks", () => {
  it("thinning keeps draws 0, thin, 2 thin, ...: 1000 draws at thin 3 keep 334", () => {
    expect(keptDrawCount(1000, 3)).toBe(334);
    expect(keptDrawCount(1000, 1)).toBe(1000);
    expect(keptDrawCount(999, 3)).toBe(333);
    expect(keptDrawCount(10, 4)).toBe(3); // draws 0, 4, 8
    expect(() => keptDrawCount(10, 0)).toThrow(/thin/);
  });

  it("counts the kept draws <= truth; a draw equal to the truth counts as <=", () => {
    //              kept: x     .     .     x     .     .     x     .     .     x
    const draws = [0.5, 9.0, 9.0, 1.0, 9.0, 9.0, 2.0, -9, -9, 3.0];
    expect(rankOfTruth(draws, 1.0, 3)).toBe(2); // 0.5 and the tie 1.0; not 2.0, 3.0
    expect(rankFromIndicators(indicators(draws, 1.0), 3)).toBe(2);
    expect(rankOfTruth(draws, 0.99, 3)).toBe(1);
    // Unthinned, the -9 draws count.
    expect(rankOfTruth(draws, 1.0, 1)).toBe(4);
    expect(rankFromIndicators(indicators(draws, 1.0), 1)).toBe(4);
  });

  it("a truth above every kept draw has the top rank L, below every one rank 0", () => {
    const draws = Array.from({ length: 1000 }, (_, i) => Math.sin(i));
    expect(rankFromIndicators(indicators(draws, 2), 3)).toBe(334);
    expect(rankOfTruth(draws, 2, 3)).toBe(334);
    expect(rankFromIndicators(indicators(draws, -2), 3)).toBe(0);
    // Equal to the largest kept draw: every kept draw is <= truth.
    const maxKept = Math.max(...draws.filter((_, i) => i % 3 === 0));
    expect(rankFromIndicators(indicators(draws, maxKept), 3)).toBe(334);
  });

  it("ranks from indicators equal ranks from the draws on random draws with ties", () => {
    const rng = new Rng(7);
    for (let rep = 0; rep < 200; rep++) {
      // Draws on a coarse grid, so ties with the truth happen often.
      const draws = Array.from({ length: 1 + rng.int(0, 300) }, () => Math.round(rng.normal() * 4) / 4);
      const truth = Math.round(rng.normal() * 4) / 4;
      const thin = 1 + rng.int(0, 4);
      expect(rankFromIndicators(indicators(draws, truth), thin)).toBe(rankOfTruth(draws, truth, thin));
    }
  });

  it("pools chains in chain order before thinning", () => {
    const pooled = pooledDraws([Float64Array.of(1, 2, 3), Float64Array.of(4, 5)]);
    expect(Array.from(pooled)).toEqual([1, 2, 3, 4, 5]);
    expect(rankOfTruth(pooled, 4.5, 2)).toBe(2); // draws 1, 3 (5 excluded)
  });

  it("refuses indicators that are not 0 or 1", () => {
    expect(() => rankFromIndicators([0, 1, 2], 1)).toThrow(/draw 2: .* 0 or 1, got 2/);
  });
});
