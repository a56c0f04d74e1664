/**
 * The distribution functions the SBC statistics rest on, against scipy 1.17 in the test venv:
 * chi-square upper tail, the exact Kolmogorov-Smirnov distribution (scipy's kstwo, whose sf is
 * kstest's p-value) and its one-sided part, the binomial central interval, and Brent's bounded
 * minimiser (scipy's minimize_scalar(method="bounded"), whose path the ECDF band depends on).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { binomialInterval, chiSquareSf, kolmogorovSf, smirnovSf } from "../../src/analysis/distributions.js";
import { minimizeBounded } from "../../src/analysis/minimize.js";
import { sbcReference, type SbcReferenceAnswer } from "../helpers/sbcReference.js";

const CHI2: [number, number][] = [
  [0.5, 1],
  [3, 4],
  [19, 19],
  [30, 19],
  [60, 19],
  [200, 19],
  [1e-3, 2],
  [5, 10.5],
  [25.3, 3],
  [0.2, 33],
];
// n = 100 is Report 12's simulation count; 20 and 140 bracket scipy's exact regimes; d covers
// the closed forms (n d <= 1, n d >= n - 1, d >= 0.5), Durbin's matrix and the far tail.
const KS: [number, number][] = [5, 20, 100, 140].flatMap((n) =>
  [0.004, 0.009, 0.011, 0.03, 0.05, 0.08, 0.1, 0.13, 0.17, 0.2, 0.25, 0.3, 0.45, 0.5, 0.6, 0.9, 0.99].map(
    (d): [number, number] => [n, d],
  ),
);
const KS_LARGE: [number, number][] = [500, 1000].flatMap((n) =>
  [0.01, 0.03, 0.05, 0.08, 0.12].map((d): [number, number] => [n, d]),
);
const BINOM: [number, number, number][] = [
  [0.95, 100, 0.5],
  [0.99, 100, 0.03],
  [0.9958, 100, 0.2985],
  [0.95, 20, 0.97],
  [0.95, 100, 1],
  [0.95, 100, 0],
  [0.5, 7, 0.5],
];
const MINIMIZE: [string, number, number][] = [
  ["parabola", -1, 2],
  ["abs", 0, 1],
  ["steps", 0.95, 1],
  ["steps", 0, 1],
  ["cosine", 0, 2],
];
const TEST_FUNCTIONS: Record<string, (x: number) => number> = {
  parabola: (x) => (x - 0.3) ** 2,
  abs: (x) => Math.abs(x - 0.71),
  steps: (x) => Math.abs(Math.floor(x * 37) / 37 - 0.5),
  cosine: (x) => Math.cos(3 * x),
};

describe("distributions against scipy", () => {
  let ref: SbcReferenceAnswer;
  beforeAll(async () => {
    ref = await sbcReference({
      chi2_sf: CHI2,
      kstwo_sf: [...KS, ...KS_LARGE],
      smirnov: KS,
      binom_interval: BINOM,
      minimize_bounded: MINIMIZE,
    });
  });

  it("chi-square upper tail to 1e-13 relative", () => {
    CHI2.forEach(([x, df], i) => {
      const want = ref.chi2_sf[i];
      expect(Math.abs(chiSquareSf(x, df) - want) / want, `chi2.sf(${x}, ${df})`).toBeLessThan(1e-13);
    });
    expect(chiSquareSf(0, 3)).toBe(1);
  });

  it("the two-sided Kolmogorov-Smirnov p-value equals scipy's kstwo.sf for n <= 140 (1e-10)", () => {
    KS.forEach(([n, d], i) => {
      const want = ref.kstwo_sf[i];
      const got = kolmogorovSf(n, d);
      expect(Math.abs(got - want), `kstwo.sf(${d}, ${n}) = ${want}, got ${got}`).toBeLessThanOrEqual(
        1e-10 * Math.max(want, 1e-6),
      );
    });
  });

  it("for n > 140 it is exact where scipy approximates (Pelz-Good): within 1e-5", () => {
    KS_LARGE.forEach(([n, d], i) => {
      const want = ref.kstwo_sf[KS.length + i];
      expect(Math.abs(kolmogorovSf(n, d) - want), `kstwo.sf(${d}, ${n})`).toBeLessThan(1e-5);
    });
  });

  it("the one-sided tail equals scipy.special.smirnov", () => {
    KS.forEach(([n, d], i) => {
      const want = ref.smirnov[i];
      expect(Math.abs(smirnovSf(n, d) - want), `smirnov(${n}, ${d})`).toBeLessThanOrEqual(1e-12 + 1e-10 * want);
    });
  });

  it("the binomial central interval equals scipy's binom.interval", () => {
    BINOM.forEach(([level, n, p], i) =>
      expect(binomialInterval(level, n, p), `binom.interval(${level}, ${n}, ${p})`).toEqual(ref.binom_interval[i]),
    );
  });

  it("Brent's bounded minimiser stops where scipy's does, also on a step function", () => {
    MINIMIZE.forEach(([name, lo, hi], i) => {
      const { x } = minimizeBounded(TEST_FUNCTIONS[name], lo, hi);
      expect(
        Math.abs(x - ref.minimize_bounded[i]),
        `${name} on [${lo}, ${hi}]: scipy ${ref.minimize_bounded[i]}, ours ${x}`,
      ).toBeLessThan(1e-12);
    });
  });
});
