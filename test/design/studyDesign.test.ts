import { describe, expect, it } from "vitest";
import { toStanJson } from "../../src/cmdstan/stanJson.js";
import { treatmentDesign } from "../../src/design/factorial.js";
import { Rng } from "../../src/design/rng.js";
import {
  DEFAULT_SIM_HYPERPARAMETERS,
  designConfigSchema,
  generateStudyDesign,
  menuSizes,
  parseDesignConfig,
  SIM_HYPERPARAMETER_KEYS,
  fitData,
  planMenuSizes,
  simulationData,
  STAN_INT_KEYS,
  type DesignConfig,
  type StudyDesign,
} from "../../src/design/studyDesign.js";
import { REPORT_DESIGN_CONFIG } from "../helpers/designs.js";
import { inputErrorMessage } from "../helpers/errors.js";

/** The design of the report (docs/recovery.md "Report 11's numbers"). */
const REPORT_CONFIG = REPORT_DESIGN_CONFIG;

function chiSquare(counts: number[], expected: number): number {
  return counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
}

describe("the report's design (factors [6, 3], 20 problems per cell)", () => {
  const d = generateStudyDesign(REPORT_CONFIG, 20260423);

  it("has J = 18, P = 7, M_total = 360 and the treatment-coded X", () => {
    expect(d.J).toBe(18);
    expect(d.P).toBe(7);
    expect(d.K).toBe(3);
    expect(d.D).toBe(2);
    expect(d.R).toBe(10);
    expect(d.M_total).toBe(360);
    expect(d.M_per_cell).toEqual(new Array(18).fill(20));
    expect(d.X).toEqual(treatmentDesign([6, 3]).X);
    expect(d._metadata.column_labels).toEqual(["f0_lv1", "f0_lv2", "f0_lv3", "f0_lv4", "f0_lv5", "f1_lv1", "f1_lv2"]);
    expect(d._metadata.cell_levels?.[17]).toEqual([5, 2]);
    expect(d._metadata.factors).toEqual([6, 3]);
    expect(d._metadata.reference_indices).toEqual([0, 0]);
    expect(d._metadata.include_interactions).toBe(false);
    expect(d._metadata.design_name).toBe("h_m01_recovery");
    expect(d._metadata.seed).toBe(20260423);
    expect(Number.isNaN(Date.parse(d._metadata.timestamp))).toBe(false);
  });

  it("stacks 20 problems per cell, cell by cell, with 1-based cells", () => {
    expect(d.cell.length).toBe(360);
    const expected = Array.from({ length: 360 }, (_, m) => Math.floor(m / 20) + 1);
    expect(d.cell).toEqual(expected);
    for (let j = 1; j <= 18; j++) expect(d.cell.filter((c) => c === j).length).toBe(20);
  });

  it("gives every menu 2 to 4 distinct alternatives out of R = 10", () => {
    expect(d.I.length).toBe(360);
    for (const row of d.I) {
      expect(row.length).toBe(10);
      expect(row.every((v) => v === 0 || v === 1)).toBe(true);
    }
    const sizes = menuSizes(d);
    expect(Math.min(...sizes)).toBe(2);
    expect(Math.max(...sizes)).toBe(4);
    // n uniform on {2, 3, 4}: 120 each expected; 2 df, P(X > 20) = 4.5e-5
    const counts = [2, 3, 4].map((n) => sizes.filter((s) => s === n).length);
    expect(chiSquare(counts, 120)).toBeLessThan(20);
  });

  it("draws R feature vectors of D standard normal values", () => {
    expect(d.w.length).toBe(10);
    expect(d.w.every((row) => row.length === 2 && row.every(Number.isFinite))).toBe(true);
    expect(new Set(d.w.flat()).size).toBe(20);
  });

  it("carries the default simulator hyperparameters", () => {
    expect(d.gamma0_mean).toBe(2.5);
    expect(d.gamma0_sd).toBe(0.5);
    expect(d.gamma_sd).toBe(0.5);
    expect(d.sigma_cell_sd).toBe(0.3);
    expect(d.beta_sd).toBe(1.0);
  });
});

describe("generation draws", () => {
  it("reproduces the design from the seed and changes it with another seed", () => {
    const a = generateStudyDesign(REPORT_CONFIG, 7);
    const b = generateStudyDesign(REPORT_CONFIG, 7);
    const c = generateStudyDesign(REPORT_CONFIG, 8);
    const strip = (x: StudyDesign) => ({ ...x, _metadata: { ...x._metadata, timestamp: "" } });
    expect(strip(a)).toEqual(strip(b));
    expect(c.w).not.toEqual(a.w);
    expect(c.I).not.toEqual(a.I);
  });

  it("keeps the features when only the problems change", () => {
    const a = generateStudyDesign(REPORT_CONFIG, 7);
    const b = generateStudyDesign({ ...REPORT_CONFIG, M_per_cell: 5 }, 7);
    expect(b.w).toEqual(a.w);
    expect(b.M_total).toBe(90);
  });

  it("chooses alternatives uniformly (each in about E[n]/R of the menus)", () => {
    const d = generateStudyDesign({ ...REPORT_CONFIG, M_per_cell: 200 }, 11);
    const M = d.M_total;
    expect(M).toBe(3600);
    const p = 3 / 10; // E[n] = 3 of R = 10
    for (let r = 0; r < 10; r++) {
      const share = d.I.filter((row) => row[r] === 1).length / M;
      // n varies, so the per-menu variance is at most 0.25
      expect(Math.abs(share - p)).toBeLessThan(5 * Math.sqrt(0.25 / M));
    }
  });

  it("draws normal features with the given loc and scale", () => {
    const d = generateStudyDesign(
      { ...REPORT_CONFIG, R: 2000, D: 5, M_per_cell: 1, feature_params: { loc: 5, scale: 2 } },
      3,
    );
    const xs = d.w.flat();
    const n = xs.length;
    const mean = xs.reduce((a, b) => a + b, 0) / n;
    const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
    expect(Math.abs(mean - 5)).toBeLessThan(5 * (2 / Math.sqrt(n)));
    expect(Math.abs(sd - 2)).toBeLessThan(0.1);
  });

  it("draws uniform features within [low, high)", () => {
    const d = generateStudyDesign(
      {
        ...REPORT_CONFIG,
        R: 2000,
        D: 5,
        M_per_cell: 1,
        feature_dist: "uniform",
        feature_params: { low: -3, high: -1 },
      },
      3,
    );
    const xs = d.w.flat();
    expect(xs.every((x) => x >= -3 && x < -1)).toBe(true);
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(Math.abs(mean + 2)).toBeLessThan(5 * Math.sqrt(4 / 12 / xs.length));
    expect(d._metadata.feature_params).toEqual({ low: -3, high: -1 });
  });

  it("uses uniform(-1, 1) / normal(0, 1) when feature_params is absent", () => {
    const u = generateStudyDesign({ ...REPORT_CONFIG, feature_dist: "uniform", feature_params: undefined }, 1);
    expect(u._metadata.feature_params).toEqual({ low: -1, high: 1 });
    expect(u.w.flat().every((x) => x >= -1 && x < 1)).toBe(true);
    const n = generateStudyDesign({ factors: [2, 2] }, 1);
    expect(n._metadata.feature_params).toEqual({ loc: 0, scale: 1 });
  });

  it("caps menu sizes at R", () => {
    const d = generateStudyDesign({ ...REPORT_CONFIG, R: 3, min_alts_per_problem: 2, max_alts_per_problem: 6 }, 5);
    const sizes = menuSizes(d);
    expect(sizes.every((n) => n === 2 || n === 3)).toBe(true);
    // P(n >= 3) = 4/5, so both sizes occur among 360 menus
    expect(sizes.filter((n) => n === 3).length).toBeGreaterThan(250);
    expect(sizes.filter((n) => n === 2).length).toBeGreaterThan(30);
  });

  it("takes per-cell problem counts", () => {
    const M_per_cell = [1, 0, 3, 2];
    const d = generateStudyDesign({ factors: [2, 2], M_per_cell }, 9);
    expect(d.M_total).toBe(6);
    expect(d.cell).toEqual([1, 3, 3, 3, 4, 4]);
    expect(d.M_per_cell).toEqual(M_per_cell);
  });

  it("builds a manual design from J, P and X", () => {
    const X = [
      [0, 0],
      [1, 0],
      [0, 1],
      [1, 1],
    ];
    const d = generateStudyDesign({ J: 4, P: 2, X, K: 3, D: 2, R: 6, M_per_cell: 10 }, 1);
    expect(d.J).toBe(4);
    expect(d.P).toBe(2);
    expect(d.X).toEqual(X);
    expect(d.M_total).toBe(40);
    expect(d._metadata.column_labels).toEqual(["x1", "x2"]);
    expect(d._metadata.factors).toBeUndefined();
    expect(d._metadata.cell_levels).toBeUndefined();
  });

  it("applies interactions and reference levels from the config", () => {
    const d = generateStudyDesign(
      { factors: [2, 3], reference_indices: [1, 2], include_interactions: true, M_per_cell: 1 },
      1,
    );
    expect(d._metadata.column_labels).toEqual(["f0_lv0", "f1_lv0", "f1_lv1", "f0_lv0:f1_lv0", "f0_lv0:f1_lv1"]);
    expect(d.P).toBe(5);
    expect(d.X[0]).toEqual([1, 1, 0, 1, 0]); // cell (0, 0)
    expect(d.X[5]).toEqual([0, 0, 0, 0, 0]); // cell (1, 2): the reference cell
  });

  it("takes simulator hyperparameter overrides from the config", () => {
    const d = generateStudyDesign({ ...REPORT_CONFIG, beta_sd: 2, gamma0_mean: 1 }, 1);
    expect(d.beta_sd).toBe(2);
    expect(d.gamma0_mean).toBe(1);
    expect(d.gamma_sd).toBe(DEFAULT_SIM_HYPERPARAMETERS.gamma_sd);
  });
});

describe("the original tool's config shapes", () => {
  it("ignores note keys (_comment, any key beginning with _)", () => {
    const plain = generateStudyDesign(REPORT_CONFIG, 5);
    const noted = generateStudyDesign({ ...REPORT_CONFIG, _comment: ["a", "b"], _why: 1 } as DesignConfig, 5);
    expect(noted.X).toEqual(plain.X);
    expect(noted.I).toEqual(plain.I);
  });

  it("manual mode without X: J 6, P 2 and X[j][p] = bit p of j, as the original", () => {
    const d = generateStudyDesign({ K: 3 }, 1);
    expect([d.J, d.P]).toEqual([6, 2]);
    expect(d.X).toEqual([
      [0, 0],
      [1, 0],
      [0, 1],
      [1, 1],
      [0, 0],
      [1, 0],
    ]);
    // The original smoke config: J 6, P 3, no X.
    const smoke = generateStudyDesign({ J: 6, P: 3 }, 1);
    expect(smoke.X).toEqual([
      [0, 0, 0],
      [1, 0, 0],
      [0, 1, 0],
      [1, 1, 0],
      [0, 0, 1],
      [1, 0, 1],
    ]);
    expect(smoke._metadata.column_labels).toEqual(["x1", "x2", "x3"]);
    // J and P from X's shape when only X is given.
    const fromX = generateStudyDesign({ X: [[1], [2], [3]] }, 1);
    expect([fromX.J, fromX.P]).toEqual([3, 1]);
  });
});

describe("planned menu sizes (h_m01_size, docs/designs.md: Menu sizes)", () => {
  it("spreads the sizes over a cell's menus as evenly as possible, first sizes first", () => {
    const count = (plan: number[], v: number) => plan.filter((x) => x === v).length;
    const plan = planMenuSizes([2, 4, 6, 8], 10, new Rng(3));
    expect(plan).toHaveLength(10);
    expect([2, 4, 6, 8].map((v) => count(plan, v))).toEqual([3, 3, 2, 2]);
    expect([2, 4, 6, 8].map((v) => count(planMenuSizes([2, 4, 6, 8], 60, new Rng(3)), v))).toEqual([15, 15, 15, 15]);
    // Shuffled: not in list order for some seed (a plan of 60 in order has probability ~0).
    expect(planMenuSizes([2, 4, 6, 8], 60, new Rng(3))).not.toEqual([...plan].sort());
  });

  it("builds menus of the planned sizes and the centred covariate s", () => {
    const d = generateStudyDesign({ factors: [3, 2], R: 12, M_per_cell: 60, menu_sizes: [2, 4, 6, 8] }, 12345);
    const sizes = menuSizes(d);
    for (let j = 0; j < d.J; j++) {
      const cell = sizes.slice(60 * j, 60 * (j + 1));
      expect([2, 4, 6, 8].map((v) => cell.filter((x) => x === v).length)).toEqual([15, 15, 15, 15]);
    }
    const sc = d.sizeCovariate!;
    expect(sc.menu_size).toEqual(sizes);
    expect(sc.mean_menu_size).toBe(5);
    expect(sc.s).toEqual(sizes.map((n) => n - 5));
    expect([sc.gamma_size_mean, sc.gamma_size_sd]).toEqual([0, 0.5]);
    expect(d._metadata.menu_sizes).toEqual([2, 4, 6, 8]);
    expect([d._metadata.min_alts_per_problem, d._metadata.max_alts_per_problem]).toEqual([2, 8]);
    const sim = simulationData(d);
    expect(Object.keys(sim).slice(11)).toEqual([
      "menu_size",
      "mean_menu_size",
      "s",
      ...SIM_HYPERPARAMETER_KEYS,
      "gamma_size_mean",
      "gamma_size_sd",
    ]);
    // A design without menu_sizes has none of these keys.
    expect(simulationData(generateStudyDesign(REPORT_CONFIG, 1))).not.toHaveProperty("s");
  });

  it("rejects sizes larger than the pool and size hyperparameters without sizes", () => {
    expect(inputErrorMessage(() => generateStudyDesign({ factors: [2], R: 6, menu_sizes: [2, 8] }, 1))).toMatch(
      /menu_sizes\[1\]: \(8\) exceeds the pool of R = 6/,
    );
    expect(inputErrorMessage(() => generateStudyDesign({ factors: [2], menu_sizes: [1, 2] }, 1))).toMatch(
      /menu_sizes\[0\]: must be an integer >= 2/,
    );
    expect(inputErrorMessage(() => generateStudyDesign({ factors: [2], gamma_size_sd: 1 }, 1))).toMatch(
      /gamma_size_sd: is only meaningful with menu_sizes/,
    );
  });
});

describe("design config validation names the key at fault", () => {
  const bad: [string, Record<string, unknown>, RegExp][] = [
    ["unknown key", { ...REPORT_CONFIG, M_per_cel: 20 }, /^design config: unknown key "M_per_cel"$/],
    ["K < 2", { ...REPORT_CONFIG, K: 1 }, /^design config: K: must be an integer >= 2$/],
    ["R not an integer", { ...REPORT_CONFIG, R: 2.5 }, /R: must be an integer >= 2/],
    ["string D", { ...REPORT_CONFIG, D: "2" }, /D: must be an integer >= 1/],
    ["factor with one level", { ...REPORT_CONFIG, factors: [6, 1] }, /factors\[1\]: must be an integer >= 2/],
    [
      "reference out of range",
      { ...REPORT_CONFIG, reference_indices: [0, 3] },
      /reference_indices\[1\]: must be an integer in 0\.\.2/,
    ],
    [
      "reference of wrong length",
      { ...REPORT_CONFIG, reference_indices: [0] },
      /reference_indices: must have one entry per factor/,
    ],
    [
      "factors and X",
      { ...REPORT_CONFIG, X: [[0]] },
      /X: give either factors \(factorial mode\) or X \(manual mode\), not both/,
    ],
    ["J disagreeing with factors", { ...REPORT_CONFIG, J: 12 }, /J: is 12 but factors \[6,3\] give J = 18/],
    ["P disagreeing with factors", { ...REPORT_CONFIG, P: 3 }, /P: is 3 but the factorial coding gives P = 7/],
    ["manual X with wrong row count", { J: 3, P: 1, X: [[0], [1]] }, /X: has 2 rows, expected J = 3/],
    ["manual X with a short row", { J: 2, P: 2, X: [[0, 1], [1]] }, /X\[1\]: has 1 entries, expected P = 2/],
    ["manual X with a string", { J: 2, P: 1, X: [[0], ["1"]] }, /X\[1\]\[0\]: must be a number/],
    [
      "reference_indices without factors",
      { J: 1, P: 0, X: [[]], reference_indices: [0] },
      /reference_indices: is only meaningful with factors/,
    ],
    [
      "M_per_cell list of wrong length",
      { ...REPORT_CONFIG, M_per_cell: [1, 2, 3] },
      /M_per_cell: has 3 entries, expected one per cell \(J = 18\)/,
    ],
    ["M_per_cell fractional", { ...REPORT_CONFIG, M_per_cell: 2.5 }, /M_per_cell: must be an integer >= 0/],
    [
      "M_per_cell list with a negative entry",
      { ...REPORT_CONFIG, M_per_cell: new Array(18).fill(1).fill(-1, 4, 5) },
      /M_per_cell\[4\]: must be an integer >= 0/,
    ],
    [
      "M_per_cell a string",
      { ...REPORT_CONFIG, M_per_cell: "20" },
      /M_per_cell: must be an integer >= 0 or a list of them \(one per cell\)/,
    ],
    ["M_per_cell zero", { ...REPORT_CONFIG, M_per_cell: 0 }, /M_per_cell: must be >= 1/],
    ["min_alts 1", { ...REPORT_CONFIG, min_alts_per_problem: 1 }, /min_alts_per_problem: must be an integer >= 2/],
    [
      "max < min",
      { ...REPORT_CONFIG, min_alts_per_problem: 4, max_alts_per_problem: 3 },
      /max_alts_per_problem: \(3\) must be >= min_alts_per_problem \(4\)/,
    ],
    [
      "unknown distribution",
      { ...REPORT_CONFIG, feature_dist: "gamma" },
      /feature_dist: must be "normal" or "uniform"/,
    ],
    [
      "params of the wrong distribution",
      { ...REPORT_CONFIG, feature_dist: "uniform" },
      /feature_params: for feature_dist "uniform" must be \{"low": number, "high": number\}/,
    ],
    [
      "missing scale",
      { ...REPORT_CONFIG, feature_params: { loc: 0 } },
      /feature_params: for feature_dist "normal" must be/,
    ],
    [
      "negative scale",
      { ...REPORT_CONFIG, feature_params: { loc: 0, scale: -1 } },
      /feature_params\.scale: must be > 0/,
    ],
    [
      "low >= high",
      { ...REPORT_CONFIG, feature_dist: "uniform", feature_params: { low: 1, high: 1 } },
      /feature_params\.high: \(1\) must be greater than low \(1\)/,
    ],
    [
      "unknown feature param",
      { ...REPORT_CONFIG, feature_params: { loc: 0, scale: 1, shape: 2 } },
      /feature_params: unknown key "shape"/,
    ],
    ["zero sd hyperparameter", { ...REPORT_CONFIG, gamma0_sd: 0 }, /gamma0_sd: must be > 0/],
    ["design_name not a string", { ...REPORT_CONFIG, design_name: 3 }, /design_name: must be a string/],
    [
      "include_interactions not boolean",
      { ...REPORT_CONFIG, include_interactions: "yes" },
      /include_interactions: must be true or false/,
    ],
  ];
  for (const [what, config, re] of bad) {
    it(`rejects ${what}`, () => {
      const msg = inputErrorMessage(() => generateStudyDesign(config as DesignConfig, 1));
      expect(msg).toMatch(re);
      expect(msg).not.toContain("\n");
    });
  }

  it("names the source given to parseDesignConfig and rejects non-objects", () => {
    expect(inputErrorMessage(() => parseDesignConfig({ K: 1, factors: [2] }, "cfg.json: study_design_config"))).toMatch(
      /^cfg\.json: study_design_config: K: must be an integer >= 2$/,
    );
    expect(inputErrorMessage(() => parseDesignConfig([1, 2]))).toBe("design config: must be a JSON object");
    expect(inputErrorMessage(() => generateStudyDesign(REPORT_CONFIG, -1))).toMatch(
      /^seed: must be a non-negative integer/,
    );
  });

  it("fills the original tool's defaults", () => {
    const c = designConfigSchema.parse({ factors: [2, 2] });
    expect(c).toMatchObject({
      K: 3,
      D: 2,
      R: 10,
      M_per_cell: 20,
      min_alts_per_problem: 2,
      max_alts_per_problem: 4,
      feature_dist: "normal",
      include_interactions: false,
    });
  });
});

describe("Stan data from the design", () => {
  const d = generateStudyDesign({ factors: [2, 2], M_per_cell: 3, R: 5 }, 4);

  it("gives the simulator the design data and the five hyperparameters, without y or metadata", () => {
    const sim = simulationData(d);
    expect(Object.keys(sim)).toEqual([
      "J",
      "K",
      "D",
      "R",
      "P",
      "w",
      "M_total",
      "cell",
      "I",
      "M_per_cell",
      "X",
      ...SIM_HYPERPARAMETER_KEYS,
    ]);
    expect(sim.I).toBe(d.I);
    expect(() => toStanJson(sim, { ints: STAN_INT_KEYS })).not.toThrow();
  });

  it("gives the fit the design data without hyperparameters and sim_only_keys, plus y", () => {
    const sized = generateStudyDesign({ factors: [2, 2], M_per_cell: 4, R: 8, menu_sizes: [2, 6] }, 4);
    const y = menuSizes(sized).map(() => 2);
    const keys = Object.keys(fitData(sized, y, ["gamma_size_mean", "gamma_size_sd", "menu_size", "mean_menu_size"]));
    expect(keys).toEqual(["J", "K", "D", "R", "P", "w", "M_total", "cell", "I", "M_per_cell", "X", "s", "y"]);
    // Without sim_only_keys, only the five hyperparameters go (as the original).
    expect(Object.keys(fitData(sized, y))).toContain("gamma_size_sd");
  });

  it("gives inference the design data without hyperparameters, plus y", () => {
    const y = menuSizes(d); // the last alternative of every menu: valid
    const inf = fitData(d, y);
    expect(Object.keys(inf)).toEqual(["J", "K", "D", "R", "P", "w", "M_total", "cell", "I", "M_per_cell", "X", "y"]);
    for (const k of SIM_HYPERPARAMETER_KEYS) expect(inf).not.toHaveProperty(k);
    expect(inf.y).toEqual(y);
    const json = JSON.parse(toStanJson(inf, { ints: STAN_INT_KEYS }));
    expect(json.y).toEqual(y);
    expect(json.I).toEqual(d.I);
  });

  it("checks y against the menus", () => {
    expect(inputErrorMessage(() => fitData(d, [1, 1]))).toBe(`y: has 2 entries, expected M_total = ${d.M_total}`);
    const y = menuSizes(d);
    y[3] += 1;
    expect(inputErrorMessage(() => fitData(d, y))).toBe(
      `y[3] (problem 4): must be an integer in 1..${y[3] - 1} (the menu size), got ${y[3]}`,
    );
    const z = menuSizes(d).map(() => 1);
    z[0] = 0;
    expect(inputErrorMessage(() => fitData(d, z))).toMatch(/^y\[0\] \(problem 1\)/);
  });
});
