/**
 * A run's recovery statistics beside published ones: the Monte Carlo SEs from our own
 * iterations (bias, width, RMSE by the delta method), the SE of a coverage difference, which
 * differences are flagged, and the SBC helpers (disagreement at 0.05, p-value quantiles).
 */
import { describe, expect, it } from "vitest";
import {
  chanceDisagreement,
  compareRecovery,
  coverageDifferenceSE,
  disagreeAtLevel,
  pValueQuantiles,
} from "../../src/analysis/publishedComparison.js";
import {
  computeRecoveryStatistics,
  recoveryStandardErrors,
  type RecoveryIteration,
} from "../../src/analysis/recovery.js";

const names = { alphaVar: "alpha", extraScalars: [] };

/** Iteration i: every truth 0 except alpha (1, 2); posterior mean = errors[i], interval mean +- widths[i] / 2. */
function iteration(i: number, error: number, width: number): RecoveryIteration {
  const truth = { gamma0: 0, gamma: [0], sigma_cell: 0, alpha: [1, 2], delta: [0.5], upsilon: [0, 0.5], extras: {} };
  const row = (name: string, t: number) => ({
    name,
    mean: t + error,
    q5: t + error - width / 2,
    q95: t + error + width / 2,
  });
  return {
    iteration: i,
    truth,
    summary: [
      row("gamma0", 0),
      row("gamma[1]", 0),
      row("sigma_cell", 0),
      row("alpha[1]", 1),
      row("alpha[2]", 2),
      row("delta[1]", 0.5),
    ],
  };
}

const errors = [0.1, -0.3, 0.4, 0.2];
const widths = [1, 1.5, 2, 0.5];
const iterations = errors.map((e, k) => iteration(k + 1, e, widths[k]));

const sd = (xs: number[]) => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
};

describe("recoveryStandardErrors", () => {
  it("bias: sd of the errors / sqrt(n); width: sd of the widths / sqrt(n); RMSE: delta method on the MSE", () => {
    const se = recoveryStandardErrors(iterations, names);
    const stats = computeRecoveryStatistics(iterations, names);
    expect(se.gamma0.bias).toBeCloseTo(sd(errors) / 2, 12);
    expect(se.gamma0.ci_width).toBeCloseTo(sd(widths) / 2, 12);
    const sq = errors.map((e) => e * e);
    expect(se.gamma0.rmse).toBeCloseTo(sd(sq) / 2 / (2 * stats.gamma0.rmse), 12);
    expect(Object.keys(se)).toEqual(Object.keys(stats));
  });

  it("is NaN with one iteration (no spread to estimate it from)", () => {
    const se = recoveryStandardErrors(iterations.slice(0, 1), names);
    expect(se.gamma0.bias).toBeNaN();
    expect(se.gamma0.ci_width).toBeNaN();
  });
});

describe("compareRecovery", () => {
  it("the SE of two coverages over 20 iterations at 0.90 is sqrt(2 x 0.9 x 0.1 / 20) = 0.095; pooled otherwise", () => {
    expect(coverageDifferenceSE(0.9, 20, 0.9, 20)).toBeCloseTo(Math.sqrt((2 * 0.9 * 0.1) / 20), 12);
    expect(coverageDifferenceSE(0.9, 20, 0.9, 20)).toBeCloseTo(0.0949, 4);
    expect(coverageDifferenceSE(1, 20, 0.8, 20)).toBeCloseTo(Math.sqrt(0.9 * 0.1 * 0.1), 12);
    expect(coverageDifferenceSE(1, 20, 1, 20)).toBe(0);
  });

  it("flags |ours - published| > 2 sqrt(2) SE for bias, RMSE and width, > 2 SE of the difference for coverage", () => {
    const ours = { a: { bias: 0.5, rmse: 1, coverage: 0.95, ci_width: 2 } };
    const se = { a: { bias: 0.1, rmse: 0.2, ci_width: 0.05 } };
    const limit = 2 * Math.SQRT2;
    const published = {
      a: { bias: 0.5 - limit * 0.1 - 0.001, rmse: 1 - limit * 0.2 + 0.001, coverage: 0.7, ci_width: 2 },
    };
    const [c] = compareRecovery(ours, se, 20, published, 20);
    expect(c.key).toBe("a");
    expect(c.metrics.bias.beyondNoise).toBe(true);
    expect(c.metrics.rmse.beyondNoise).toBe(false);
    expect(c.metrics.ci_width.beyondNoise).toBe(false);
    // 0.95 vs 0.70: pooled 0.825, SE sqrt(0.825 x 0.175 x 0.1) = 0.120, 2 SE = 0.240 < 0.25.
    expect(c.metrics.coverage.se).toBeCloseTo(Math.sqrt(0.825 * 0.175 * 0.1), 12);
    expect(c.metrics.coverage.beyondNoise).toBe(true);
    expect(
      compareRecovery(ours, se, 20, { a: { ...published.a, coverage: 0.75 } }, 20)[0].metrics.coverage.beyondNoise,
    ).toBe(false);
  });

  it("a published value's rounding is no difference: half a unit of its last decimal is added to the threshold", () => {
    const ours = { a: { bias: 0.0324, rmse: 0.2136, coverage: 1, ci_width: 0.8514 } };
    const zero = { a: { bias: 0, rmse: 0, ci_width: 0 } };
    const published = { a: { bias: 0.032, rmse: 0.214, coverage: 1, ci_width: 0.851 } };
    const rounded = compareRecovery(ours, zero, 20, published, 20, { bias: 3, rmse: 3, coverage: 2, ci_width: 3 })[0];
    expect(Object.values(rounded.metrics).map((m) => m.beyondNoise)).toEqual([false, false, false, false]);
    const exact = compareRecovery(ours, zero, 20, published, 20)[0];
    expect(exact.metrics.ci_width.beyondNoise).toBe(true);
  });

  it("never flags what it cannot estimate, and keeps ours' order and only the shared parameters", () => {
    const ours = {
      b: { bias: 9, rmse: 9, coverage: 1, ci_width: 9 },
      a: { bias: 0, rmse: 0, coverage: 1, ci_width: 0 },
    };
    const nan = { bias: NaN, rmse: NaN, ci_width: NaN };
    const published = { a: { bias: 1, rmse: 1, coverage: 1, ci_width: 1 }, b: ours.b, c: ours.b };
    const rows = compareRecovery(ours, { a: nan, b: nan }, 1, published, 20);
    expect(rows.map((r) => r.key)).toEqual(["b", "a"]);
    expect(rows[1].metrics.bias.beyondNoise).toBe(false);
  });
});

describe("SBC comparison helpers", () => {
  it("disagree at 0.05 when exactly one p-value is below it", () => {
    expect(disagreeAtLevel(0.03, 0.4)).toBe(true);
    expect(disagreeAtLevel(0.4, 0.0263)).toBe(true);
    expect(disagreeAtLevel(0.01, 0.04)).toBe(false);
    expect(disagreeAtLevel(0.05, 0.5)).toBe(false);
    expect(chanceDisagreement()).toBeCloseTo(0.095, 12);
  });

  it("p-value quantiles interpolate linearly (numpy's default)", () => {
    expect(pValueQuantiles([0.4, 0.1, 0.3, 0.2], [0, 0.25, 0.5, 1])).toEqual(
      [0.1, 0.175, 0.25, 0.4].map((x) => expect.closeTo(x, 12)),
    );
  });
});
