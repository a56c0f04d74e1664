/** Power decisions and cell statistics (src/analysis/power.ts), checked against hand computations and numpy's rules. */
import { describe, expect, it } from "vitest";
import { biasSlope, cellStatistics, decide, DEFAULT_ROPE, meanOf, type ScoredFit } from "../../src/analysis/power.js";

/** Draws 1..n (so quantiles are easy to compute by hand). */
const ramp = (n: number, shift = 0) => Array.from({ length: n }, (_, k) => k + 1 + shift);

describe("decide", () => {
  it("takes numpy's linear quantiles of the pooled draws and the mean", () => {
    // numpy.quantile(1..101, [0.05, 0.95]) = [6, 96]: index p * (n - 1).
    const d = decide(ramp(101), 50, { ciProb: 0.9, rope: 0.2 });
    expect(d.posterior_mean).toBeCloseTo(51, 12);
    expect(d.ci_lower).toBeCloseTo(6, 12);
    expect(d.ci_upper).toBeCloseTo(96, 12);
    expect(d.ci_width).toBeCloseTo(90, 12);
    // Between order statistics: numpy.quantile(1..10, 0.05) = 1.45.
    expect(decide(ramp(10), 5, { ciProb: 0.9, rope: 0 }).ci_lower).toBeCloseTo(1.45, 12);
  });

  it("covered, excludes zero, sign, type-S and ROPE as defined", () => {
    const draws = ramp(101, -200).map((x) => x / 100); // -1.99 .. -0.99
    const d = decide(draws, 0.5, { ciProb: 0.9, rope: DEFAULT_ROPE });
    expect(d).toMatchObject({
      covered: false,
      excludes_zero: true,
      correct_sign: false,
      type_s: true,
      outside_rope: true,
    });
    const right = decide(draws, -1.5, { ciProb: 0.9, rope: DEFAULT_ROPE });
    expect(right).toMatchObject({ covered: true, excludes_zero: true, correct_sign: true, type_s: false });
    // A truth of 0 has no sign: null, and never a type-S error.
    expect(decide(draws, 0, { ciProb: 0.9, rope: 0.1 })).toMatchObject({ correct_sign: null, type_s: false });
    // An interval across 0 neither excludes it nor leaves the ROPE; a wrong sign there is not type-S.
    const wide = decide(
      ramp(101, -51).map((x) => x / 10),
      1,
      { ciProb: 0.9, rope: 0.1 },
    );
    expect(wide).toMatchObject({ excludes_zero: false, outside_rope: false, type_s: false });
    expect(DEFAULT_ROPE).toBeCloseTo(Math.log(1.25), 15);
  });

  it("refuses no draws", () => {
    expect(() => decide([], 0, { ciProb: 0.9, rope: 0 })).toThrow(/no draws/);
  });
});

describe("cell statistics", () => {
  const fit = (over: Partial<ScoredFit>): ScoredFit => ({
    posterior_mean: 0,
    ci_lower: -1,
    ci_upper: 1,
    ci_width: 2,
    covered: true,
    excludes_zero: false,
    correct_sign: true,
    type_s: false,
    outside_rope: false,
    true_value: 0,
    agreement_rate: 0.5,
    ...over,
  });

  it("means over the fits, nulls left out; bias and rmse of the posterior mean", () => {
    const s = cellStatistics([
      fit({ posterior_mean: 0.3, true_value: 0.1, excludes_zero: true, correct_sign: null, agreement_rate: null }),
      fit({ posterior_mean: -0.2, true_value: 0.2, covered: false, correct_sign: false, ci_width: 4 }),
    ]);
    expect(s.power_excludes_zero).toBe(0.5);
    expect(s.correct_sign_rate).toBe(0); // the null is left out
    expect(s.coverage).toBe(0.5);
    expect(s.mean_ci_width).toBe(3);
    expect(s.bias).toBeCloseTo((0.2 - 0.4) / 2, 12);
    expect(s.rmse).toBeCloseTo(Math.sqrt((0.04 + 0.16) / 2), 12);
    expect(s.mean_agreement_rate).toBe(0.5);
    expect(meanOf([null, null])).toBeNull();
  });
});

describe("the decisive slope", () => {
  it("is the least-squares slope of log|bias| on log n_menus, read against -0.5 and -0.25", () => {
    // |bias| = 3 n^-1.5 exactly.
    const cells = [60, 90, 180].map((n) => ({ n_menus: n, bias: -3 * n ** -1.5 }));
    const s = biasSlope(cells)!;
    expect(s.slope).toBeCloseTo(-1.5, 10);
    expect(s.verdict).toBe("small-sample displacement");
    expect(biasSlope(cells.map((c) => ({ ...c, bias: 0.1 })))!.verdict).toBe("systematic");
    expect(biasSlope(cells.map((c) => ({ ...c, bias: c.n_menus ** -0.4 })))!.verdict).toBe("ambiguous");
    // The original's regime (a) at rho 0.9: -1.48 from its three cells.
    const original = biasSlope([
      { n_menus: 120, bias: -0.1433 },
      { n_menus: 180, bias: -0.086 },
      { n_menus: 360, bias: -0.0286 },
    ])!;
    expect(original.slope).toBeCloseTo(-1.48, 2);
  });

  it("is null without two menu counts with a non-zero bias", () => {
    expect(biasSlope([{ n_menus: 60, bias: 0.1 }])).toBeNull();
    expect(
      biasSlope([
        { n_menus: 60, bias: 0.1 },
        { n_menus: 90, bias: 0 },
      ]),
    ).toBeNull();
    expect(
      biasSlope([
        { n_menus: 60, bias: null },
        { n_menus: 90, bias: 0.2 },
      ]),
    ).toBeNull();
  });
});
