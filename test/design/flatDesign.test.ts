import { describe, expect, it } from "vitest";
import { chiSquareSf } from "../../src/analysis/distributions.js";
import { toStanJson } from "../../src/cmdstan/stanJson.js";
import {
  flatDesignConfigSchema,
  parseFlatDesignConfig,
  RISKY_PROBS_DEFAULTS,
  type FlatConfigOptions,
} from "../../src/design/flat/config.js";
import { FIXED_SIMPLEXES_K3, generateFlatDesign } from "../../src/design/flat/generate.js";
import { flatDesignMetadata, simplexEntropy } from "../../src/design/flat/metadata.js";
import { FLAT_STAN_INT_KEYS, flatStanData } from "../../src/design/flat/stanData.js";
import type { FlatDesign } from "../../src/design/flat/types.js";
import { inputErrorMessage } from "../helpers/errors.js";

// Every statistical check below fails for a correct generator with probability <= 1e-7 (a
// chi-square p-value threshold, or 6 standard errors of a mean), so the file as a whole cannot
// fail by chance more often than about once in a million runs whatever the seed.
const P_MIN = 1e-7;
const Z = 6;

const design = (config: unknown, seed: number, opts?: FlatConfigOptions) =>
  generateFlatDesign(parseFlatDesignConfig(config, opts), seed);

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const popSd = (xs: number[]) => {
  const m = mean(xs);
  return Math.sqrt(mean(xs.map((v) => (v - m) ** 2)));
};
const rowSums = (rows: number[][]) => rows.map((r) => r.reduce((a, b) => a + b, 0));
const colSums = (rows: number[][]) => rows[0].map((_, j) => rows.reduce((a, r) => a + r[j], 0));

/** Pearson chi-square p-value of counts against equal expected counts. */
function uniformCountsP(counts: number[]): number {
  const e = mean(counts);
  return chiSquareSf(
    counts.reduce((s, c) => s + (c - e) ** 2 / e, 0),
    counts.length - 1,
  );
}

/** The message a config's refusal gives. */
const refusal = (config: unknown, opts?: FlatConfigOptions) =>
  inputErrorMessage(() => parseFlatDesignConfig(config, opts));

describe("flat design config: defaults", () => {
  it("fills the original's defaults for an uncertain-only design", () => {
    expect(parseFlatDesignConfig({})).toEqual({
      M: 20,
      K: 3,
      D: 2,
      R: 10,
      min_alts_per_problem: 2,
      max_alts_per_problem: 5,
      feature_dist: "normal",
      feature_params: { loc: 0, scale: 1 },
      design_name: "default",
    });
  });

  it("makes a design risky exactly when it has N (the config drivers' rule), with S 8", () => {
    const c = parseFlatDesignConfig({ N: 12 }, { riskyProbsDefault: RISKY_PROBS_DEFAULTS.configDrivers });
    expect(c.risky).toEqual({ N: 12, S: 8, risky_probs: "fixed" });
    expect(c.design_name).toBe("m1_default");
    expect(parseFlatDesignConfig({ M: 4 }).risky).toBeUndefined();
  });

  it("asked for a risky design, defaults N 20, S 8 and the class's risky_probs", () => {
    expect(parseFlatDesignConfig({}, { risky: true }).risky).toEqual({ N: 20, S: 8, risky_probs: "uniform" });
  });

  it("takes risky_probs' default from the caller, each entry point its own", () => {
    expect(RISKY_PROBS_DEFAULTS).toEqual({ designClass: "uniform", configDrivers: "fixed", fromBaseStudy: "random" });
    for (const d of ["uniform", "fixed", "random"] as const) {
      expect(parseFlatDesignConfig({ N: 2 }, { riskyProbsDefault: d }).risky?.risky_probs).toBe(d);
    }
    expect(parseFlatDesignConfig({ N: 2, risky_probs: "random" }, { riskyProbsDefault: "fixed" }).risky).toEqual({
      N: 2,
      S: 8,
      risky_probs: "random",
    });
  });

  it("defaults uniform features to low -1, high 1, and keeps a given design name", () => {
    const c = parseFlatDesignConfig({ feature_dist: "uniform", design_name: "mine" }, { designName: "other" });
    expect(c.feature_params).toEqual({ low: -1, high: 1 });
    expect(c.design_name).toBe("mine");
    expect(parseFlatDesignConfig({ feature_dist: "uniform", feature_params: { low: 0 } }).feature_params).toEqual({
      low: 0,
      high: 1,
    });
    expect(parseFlatDesignConfig({}, { designName: "other" }).design_name).toBe("other");
  });

  it("ignores note keys and exports the schema for callers", () => {
    expect(parseFlatDesignConfig({ _comment: "a note", M: 3 }).M).toBe(3);
    const r = flatDesignConfigSchema({ riskyProbsDefault: "random" }).safeParse({ N: 3 });
    expect(r.success && r.data.risky?.risky_probs).toBe("random");
  });
});

describe("flat design config: refusals name the key", () => {
  it("refuses unknown keys by name", () => {
    expect(refusal({ M: 3, Mm: 4 })).toBe('flat design config: unknown key "Mm"');
  });

  it("refuses hierarchical keys saying this is a flat design", () => {
    for (const key of ["M_per_cell", "factors", "J", "P", "X", "menu_sizes", "reference_indices"]) {
      const msg = refusal({ [key]: 1 });
      expect(msg).toContain(`"${key}": a key of the hierarchical designs, but this is a flat design`);
    }
    expect(refusal({ M_per_cell: 3, factors: [2], foo: 1 })).toMatch(
      /"M_per_cell", "factors": keys of the hierarchical designs, but this is a flat design .*; unknown key "foo"/,
    );
  });

  it("refuses fewer than 2 alternatives per problem, saying the models reject them", () => {
    expect(refusal({ min_alts_per_problem: 1 })).toBe(
      "flat design config: min_alts_per_problem: must be an integer >= 2 (the models reject a problem with fewer than 2 alternatives)",
    );
  });

  it("refuses min > max", () => {
    expect(refusal({ min_alts_per_problem: 4, max_alts_per_problem: 3 })).toBe(
      "flat design config: max_alts_per_problem: (3) must be >= min_alts_per_problem (4)",
    );
  });

  it("refuses more alternatives per problem than R, and than S for risky designs", () => {
    expect(refusal({ R: 6, max_alts_per_problem: 7 })).toMatch(/max_alts_per_problem: \(7\) exceeds R = 6/);
    expect(refusal({ R: 4 })).toMatch(/max_alts_per_problem: \(5\) exceeds R = 4/);
    expect(refusal({ N: 3, S: 4, max_alts_per_problem: 5 })).toMatch(/max_alts_per_problem: \(5\) exceeds S = 4/);
    expect(refusal({ S: 4 }, { risky: true })).toMatch(/max_alts_per_problem: \(5\) exceeds S = 4/);
  });

  it("refuses feature_params that do not fit feature_dist", () => {
    expect(refusal({ feature_params: { loc: 1 } })).toMatch(/feature_params: for feature_dist "normal" must be/);
    expect(refusal({ feature_params: { loc: 1, scale: 0 } })).toMatch(/feature_params\.scale: must be > 0/);
    expect(refusal({ feature_dist: "uniform", feature_params: { loc: 0, scale: 1 } })).toMatch(
      /feature_params: for feature_dist "uniform" must be/,
    );
    expect(refusal({ feature_dist: "uniform", feature_params: { low: 2, high: 1 } })).toMatch(
      /feature_params\.high: \(1\) must be greater than low \(2\)/,
    );
    expect(refusal({ feature_params: { mu: 0 } })).toMatch(/feature_params: unknown key "mu"/);
    expect(refusal({ feature_dist: "lognormal" })).toMatch(/feature_dist: must be "normal" or "uniform"/);
  });

  it("refuses risky keys without N, or on a design that has no risky problems", () => {
    expect(refusal({ S: 4 })).toMatch(/S: is only meaningful with N/);
    expect(refusal({ risky_probs: "fixed" })).toMatch(/risky_probs: is only meaningful with N/);
    expect(refusal({ N: 4 }, { risky: false })).toMatch(/N: is a key of designs with risky problems/);
    expect(refusal({ N: 4, risky_probs: "mixed" })).toMatch(/risky_probs: must be one of "uniform", "fixed", "random"/);
  });

  it("refuses wrong types and sizes naming the key", () => {
    expect(refusal({ M: "20" })).toMatch(/M: must be an integer >= 1/);
    expect(refusal({ K: 1 })).toMatch(/K: must be an integer >= 2/);
    expect(refusal({ D: 1.5 })).toMatch(/D: must be an integer >= 1/);
    expect(refusal({ N: 0 })).toMatch(/N: must be an integer >= 1/);
    expect(refusal({ design_name: "" })).toMatch(/design_name: must not be empty/);
    expect(inputErrorMessage(() => parseFlatDesignConfig([1]))).toBe("flat design config: must be a JSON object");
  });
});

describe("flat design generation: shapes and seeds", () => {
  const withoutTimestamp = (d: FlatDesign) => ({ ...d, metadata: { ...d.metadata, timestamp: "" } });

  it("gives the default design's shapes: w R x D, I M x R with 2..5 alternatives per problem", () => {
    const d = design({}, 1);
    expect([d.M, d.K, d.D, d.R]).toEqual([20, 3, 2, 10]);
    expect(d.w.length).toBe(10);
    expect(d.w.every((row) => row.length === 2 && row.every(Number.isFinite))).toBe(true);
    expect(d.I.length).toBe(20);
    expect(d.I.every((row) => row.length === 10 && row.every((v) => v === 0 || v === 1))).toBe(true);
    expect(rowSums(d.I).every((n) => n >= 2 && n <= 5)).toBe(true);
    expect(d.risky).toBeUndefined();
    expect(d.metadata.seed).toBe(1);
    expect(Number.isNaN(Date.parse(d.metadata.timestamp))).toBe(false);
  });

  it("reproduces the design from the same seed, and not from another", () => {
    const a = design({ N: 5 }, 42, { riskyProbsDefault: "random" });
    const b = design({ N: 5 }, 42, { riskyProbsDefault: "random" });
    expect(withoutTimestamp(a)).toEqual(withoutTimestamp(b));
    const c = design({ N: 5 }, 43, { riskyProbsDefault: "random" });
    expect(c.w).not.toEqual(a.w);
    expect(c.risky!.x).not.toEqual(a.risky!.x);
  });

  it("keeps w and I when risky problems are added, and w when M changes (separate streams)", () => {
    const flat = design({ M: 30 }, 7);
    const risky = design({ M: 30, N: 10 }, 7);
    expect(risky.w).toEqual(flat.w);
    expect(risky.I).toEqual(flat.I);
    expect(design({ M: 31 }, 7).w).toEqual(flat.w);
  });

  it("gives risky designs x (S simplexes of K) and J (N x S, 2..max per problem)", () => {
    const d = design({ M: 5, N: 30, S: 6, K: 4, max_alts_per_problem: 4 }, 3, { riskyProbsDefault: "random" });
    const r = d.risky!;
    expect([r.N, r.S, r.risky_probs]).toEqual([30, 6, "random"]);
    expect(r.x.length).toBe(6);
    for (const p of r.x) {
      expect(p.length).toBe(4);
      expect(p.every((v) => v >= 0)).toBe(true);
      expect(Math.abs(p.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-12);
    }
    expect(r.J.length).toBe(30);
    expect(r.J.every((row) => row.length === 6)).toBe(true);
    expect(rowSums(r.J).every((n) => n >= 2 && n <= 4)).toBe(true);
  });

  it("refuses a bad seed", () => {
    const c = parseFlatDesignConfig({});
    expect(inputErrorMessage(() => generateFlatDesign(c, -1))).toMatch(/seed: must be a non-negative integer/);
    expect(inputErrorMessage(() => generateFlatDesign(c, 1.5))).toMatch(/seed/);
  });
});

describe("flat design generation: risky simplexes", () => {
  it("uses the eight fixed simplexes in order for K = 3, repeating for S > 8, whatever the seed", () => {
    const a = design({ N: 3, S: 10 }, 1, { riskyProbsDefault: "fixed" }).risky!;
    const b = design({ N: 3, S: 10 }, 2, { riskyProbsDefault: "fixed" }).risky!;
    expect(FIXED_SIMPLEXES_K3).toEqual([
      [0.25, 0.5, 0.25],
      [0.5, 0.25, 0.25],
      [0.25, 0.25, 0.5],
      [0.33, 0.33, 0.34],
      [0.2, 0.6, 0.2],
      [0.6, 0.2, 0.2],
      [0.2, 0.2, 0.6],
      [0.1, 0.8, 0.1],
    ]);
    expect(a.x).toEqual([...FIXED_SIMPLEXES_K3, FIXED_SIMPLEXES_K3[0], FIXED_SIMPLEXES_K3[1]]);
    expect(b.x).toEqual(a.x);
  });

  it('gives every simplex 1/K under "uniform"', () => {
    const r = design({ N: 2, S: 5, K: 4 }, 1, { riskyProbsDefault: "uniform" }).risky!;
    expect(r.x).toEqual(new Array(5).fill([0.25, 0.25, 0.25, 0.25]));
  });

  it('draws Dirichlet(1) simplexes under "random", and under "fixed" when K != 3', () => {
    const S = 30000;
    const cases = [
      { K: 3, probs: "random" },
      { K: 4, probs: "fixed" },
      { K: 2, probs: "fixed" },
    ] as const;
    for (const { K, probs } of cases) {
      const x = design({ N: 1, S, K, R: 5 }, 11, { riskyProbsDefault: probs }).risky!.x;
      // Each component is Beta(1, K - 1): mean 1/K, variance (K - 1) / (K^2 (K + 1)).
      const se = Math.sqrt((K - 1) / (K * K * (K + 1)) / S);
      for (let k = 0; k < K; k++) expect(Math.abs(mean(x.map((p) => p[k])) - 1 / K)).toBeLessThan(Z * se);
      // P(x_1 < 1/2) = 1 - (1/2)^(K - 1) under the flat Dirichlet.
      const q = 1 - 0.5 ** (K - 1);
      const frac = x.filter((p) => p[0] < 0.5).length / S;
      expect(Math.abs(frac - q)).toBeLessThan(Z * Math.sqrt((q * (1 - q)) / S));
    }
  });
});

describe("flat design generation: distributions", () => {
  const M = 30000;
  const big = design({ M, R: 10, N: M, S: 8, min_alts_per_problem: 2, max_alts_per_problem: 5 }, 2024);

  it("draws the number of alternatives uniformly on [min, max], for I and J", () => {
    for (const rows of [big.I, big.risky!.J]) {
      const sizes = rowSums(rows);
      const counts = [2, 3, 4, 5].map((n) => sizes.filter((s) => s === n).length);
      expect(counts.reduce((a, b) => a + b, 0)).toBe(M);
      expect(uniformCountsP(counts)).toBeGreaterThan(P_MIN);
    }
  });

  it("offers each alternative equally often over many problems", () => {
    for (const [rows, width] of [
      [big.I, 10],
      [big.risky!.J, 8],
    ] as const) {
      // Given the sizes n_m, the column sums have covariance c (I - 11'/width) times their
      // expectation, c = mean-weighted (1 - p_m) * width / (width - 1) with p_m = n_m / width: the
      // Pearson statistic divided by c is chi-square with width - 1 degrees of freedom.
      const p = rowSums(rows as number[][]).map((n) => n / width);
      const c = (p.reduce((a, pm) => a + pm * (1 - pm), 0) / p.reduce((a, b) => a + b, 0)) * (width / (width - 1));
      const cols = colSums(rows as number[][]);
      const e = mean(cols);
      const stat = cols.reduce((s, o) => s + (o - e) ** 2 / e, 0) / c;
      expect(chiSquareSf(stat, width - 1)).toBeGreaterThan(P_MIN);
    }
  });

  it("draws each subset of a given size equally often", () => {
    const d = design({ M: 20000, R: 5, min_alts_per_problem: 2, max_alts_per_problem: 2 }, 5);
    const counts = new Map<string, number>();
    for (const row of d.I) counts.set(row.join(""), (counts.get(row.join("")) ?? 0) + 1);
    expect(counts.size).toBe(10);
    expect(uniformCountsP([...counts.values()])).toBeGreaterThan(P_MIN);
  });

  it("draws normal features with the given loc and scale, independent across dimensions", () => {
    const R = 20000;
    const d = design({ M: 1, R, D: 2, feature_params: { loc: 2, scale: 3 } }, 8);
    const all = d.w.flat();
    const n = all.length;
    expect(Math.abs(mean(all) - 2)).toBeLessThan((Z * 3) / Math.sqrt(n));
    // The sample sd of n normals has standard error about sigma / sqrt(2n).
    expect(Math.abs(popSd(all) - 3)).toBeLessThan((Z * 3) / Math.sqrt(2 * n));
    const r = d.metadata.feature_correlations!.dim_1_dim_2!;
    expect(Math.abs(r)).toBeLessThan(Z / Math.sqrt(R));
  });

  it("draws uniform features on [low, high)", () => {
    const d = design({ M: 1, R: 20000, D: 2, feature_dist: "uniform", feature_params: { low: -2, high: 4 } }, 9);
    const all = d.w.flat();
    const n = all.length;
    const sigma = 6 / Math.sqrt(12);
    expect(all.every((v) => v >= -2 && v < 4)).toBe(true);
    expect(Math.abs(mean(all) - 1)).toBeLessThan((Z * sigma) / Math.sqrt(n));
    // For the uniform, the sample sd's standard error is about sqrt(0.2) sigma / sqrt(n).
    expect(Math.abs(popSd(all) - sigma)).toBeLessThan((Z * 0.45 * sigma) / Math.sqrt(n));
  });
});

describe("flat design metadata", () => {
  it("summarises sizes, frequencies and features as the original does", () => {
    const w = [
      [0, 1, 5],
      [2, 3, 5],
      [4, 2, 5],
    ];
    const I = [
      [1, 1, 0],
      [1, 1, 1],
    ];
    const m = flatDesignMetadata({ R: 3, D: 3, w, I }, { timestamp: "t" });
    expect(m).toEqual({
      timestamp: "t",
      n_alts_per_problem_min: 2,
      n_alts_per_problem_max: 3,
      n_alts_per_problem_mean: 2.5,
      alt_frequency_min: 1,
      alt_frequency_max: 2,
      alt_frequency_mean: 5 / 3,
      feature_ranges: [
        [0, 4],
        [1, 3],
        [5, 5],
      ],
      feature_means: [2, 2, 5],
      feature_stds: [Math.sqrt(8 / 3), Math.sqrt(2 / 3), 0],
      // Pearson r of (0, 2, 4) and (1, 3, 2): cov 2/3 (population), sds sqrt(8/3), sqrt(2/3).
      feature_correlations: { dim_1_dim_2: expect.closeTo(0.5, 12), dim_1_dim_3: null, dim_2_dim_3: null },
    });
  });

  it("has no correlations for D = 1, and the risky statistics for risky designs", () => {
    const d = design({ D: 1, N: 4, S: 3, max_alts_per_problem: 3 }, 1, { riskyProbsDefault: "uniform" });
    expect(d.metadata.feature_correlations).toBeUndefined();
    expect(d.metadata.risky_prob_entropy_min).toBeCloseTo(Math.log(3), 8);
    expect(d.metadata.risky_prob_entropy_max).toBeCloseTo(Math.log(3), 8);
    expect(d.metadata.risky_n_alts_per_problem_mean).toBe(mean(rowSums(d.risky!.J)));
    expect(d.metadata.risky_alt_frequency_max).toBe(Math.max(...colSums(d.risky!.J)));
    expect(simplexEntropy([1, 0, 0])).toBeCloseTo(0, 8);
  });
});

describe("flat design Stan data", () => {
  it("holds M, K, D, R, w, I, and N, S, x, J for risky designs, written as Stan JSON", () => {
    const flat = design({ M: 3, R: 4, max_alts_per_problem: 3 }, 1);
    expect(Object.keys(flatStanData(flat))).toEqual(["M", "K", "D", "R", "w", "I"]);
    const risky = design({ M: 3, R: 4, N: 2, S: 3, max_alts_per_problem: 3 }, 1, { riskyProbsDefault: "fixed" });
    const data = flatStanData(risky);
    expect(Object.keys(data)).toEqual(["M", "K", "D", "R", "w", "I", "N", "S", "x", "J"]);
    expect(data.x).toBe(risky.risky!.x);
    const text = toStanJson(data, { ints: FLAT_STAN_INT_KEYS });
    expect(JSON.parse(text)).toEqual(data);
    expect(text).toContain(`"J": ${JSON.stringify(risky.risky!.J)}`);
  });
});
