import { describe, expect, it } from "vitest";
import {
  computeRecoveryStatistics,
  coverageMonteCarloSE,
  flattenTrueParameters,
  parseTrueParameters,
  recoveryRows,
  trueParametersSchema,
  type RecoveryIteration,
  type SummaryRow,
  type TrueParameters,
} from "../../src/analysis/recovery.js";
import {
  canonicalVariableName,
  groupParameters,
  trackedParameters,
  type ParameterNames,
} from "../../src/analysis/trackedParameters.js";
import { InputError } from "../../src/util/errors.js";

const H_M01: ParameterNames = { alphaVar: "alpha", extraScalars: [] };
const SIZE: ParameterNames = { alphaVar: "alpha_cell", extraScalars: ["gamma_size"] };
const trackedKeys = (names: ParameterNames, P: number, J: number, K: number) =>
  trackedParameters(names, { P, J, K }).map((t) => t.key);

// P = 1, J = 2, K = 2: tracked keys gamma0, gamma_1, sigma_cell, alpha_1, alpha_2, delta_1.
function truth(over: Partial<TrueParameters> = {}): TrueParameters {
  return {
    gamma0: 2.5,
    gamma: [0.1],
    sigma_cell: 0.2,
    alpha: [10, 12],
    delta: [1],
    upsilon: [0, 1],
    extras: {},
    ...over,
  };
}

/** Every tracked parameter gets mean = truth + 0.5, interval truth +- 1, unless overridden. */
function summary(tp: TrueParameters, over: Record<string, Partial<SummaryRow>> = {}): SummaryRow[] {
  const names: Record<string, string> = {
    gamma0: "gamma0",
    gamma_1: "gamma[1]",
    sigma_cell: "sigma_cell",
    alpha_1: "alpha[1]",
    alpha_2: "alpha[2]",
    delta_1: "delta[1]",
  };
  const flat = flattenTrueParameters(tp, H_M01);
  const rows: SummaryRow[] = Object.entries(names).map(([key, name]) => ({
    name,
    mean: flat[key] + 0.5,
    q5: flat[key] - 1,
    q95: flat[key] + 1,
    ...over[key],
  }));
  // Untracked outputs are ignored.
  rows.push({ name: "upsilon[2]", mean: 1, q5: 1, q95: 1 }, { name: "lp__", mean: -100, q5: -110, q95: -90 });
  return rows;
}

describe("tracked parameters", () => {
  it("lists gamma0, gamma_1..P, sigma_cell, alpha_1..J, delta_1..K-1 in order", () => {
    expect(trackedKeys(H_M01, 2, 3, 3)).toEqual([
      "gamma0",
      "gamma_1",
      "gamma_2",
      "sigma_cell",
      "alpha_1",
      "alpha_2",
      "alpha_3",
      "delta_1",
      "delta_2",
    ]);
    const report = trackedKeys(H_M01, 7, 18, 3);
    expect(report).toHaveLength(1 + 7 + 1 + 18 + 2);
    expect(report[8]).toBe("sigma_cell");
    expect(report.at(-1)).toBe("delta_2");
  });

  it("follows the config's names: extras after gamma, alpha_var's values keyed alpha_j", () => {
    const tracked = trackedParameters(SIZE, { P: 2, J: 2, K: 3 });
    expect(tracked.map((t) => t.key)).toEqual([
      "gamma0",
      "gamma_1",
      "gamma_2",
      "gamma_size",
      "sigma_cell",
      "alpha_1",
      "alpha_2",
      "delta_1",
      "delta_2",
    ]);
    expect(tracked.map((t) => t.variable)).toEqual([
      "gamma0",
      "gamma[1]",
      "gamma[2]",
      "gamma_size",
      "sigma_cell",
      "alpha_cell[1]",
      "alpha_cell[2]",
      "delta[1]",
      "delta[2]",
    ]);
    expect(groupParameters(tracked, "regression").map((t) => t.key)).toEqual([
      "gamma0",
      "gamma_1",
      "gamma_2",
      "gamma_size",
      "sigma_cell",
    ]);
    expect(groupParameters(tracked, "cell").map((t) => t.variable)).toEqual(["alpha_cell[1]", "alpha_cell[2]"]);
  });

  it("rejects K < 2", () => {
    expect(() => trackedKeys(H_M01, 1, 2, 1)).toThrow(InputError);
  });
});

describe("names", () => {
  it("puts summary and CSV names in bracket form", () => {
    expect(canonicalVariableName("gamma[1]")).toBe("gamma[1]");
    expect(canonicalVariableName("alpha_cell.18")).toBe("alpha_cell[18]");
    expect(canonicalVariableName(" gamma[ 2 ] ")).toBe("gamma[2]");
    expect(canonicalVariableName("gamma0")).toBe("gamma0");
    expect(canonicalVariableName("beta.2.1")).toBe("beta[2,1]");
    expect(canonicalVariableName("beta[2, 1]")).toBe("beta[2,1]");
  });

  it("flattens true parameters without upsilon, with the extras by name", () => {
    const tp = truth({ gamma: [0.1, -0.2], alpha: [3, 4, 5], delta: [0.3, 0.7], upsilon: [0, 0.3, 1] });
    const flat = flattenTrueParameters(tp, H_M01);
    expect(flat).toEqual({
      gamma0: 2.5,
      gamma_1: 0.1,
      gamma_2: -0.2,
      sigma_cell: 0.2,
      alpha_1: 3,
      alpha_2: 4,
      alpha_3: 5,
      delta_1: 0.3,
      delta_2: 0.7,
    });
    expect(Object.keys(flat)).toEqual(trackedKeys(H_M01, 2, 3, 3));
    const sized = flattenTrueParameters({ ...tp, extras: { gamma_size: -0.4 } }, SIZE);
    expect(Object.keys(sized)).toEqual(trackedKeys(SIZE, 2, 3, 3));
    expect(sized.gamma_size).toBe(-0.4);
    expect(() => flattenTrueParameters(tp, SIZE, "iteration_2/true_parameters.json")).toThrow(
      /iteration_2\/true_parameters\.json: extras\.gamma_size: expected the true value/,
    );
  });
});

describe("computeRecoveryStatistics", () => {
  // Three iterations, hand-computed for gamma0 (truths 2, 3, 1):
  //   iter 1: mean 2.5, interval [1.0, 3.0]  -> err +0.5, covered, width 2.0
  //   iter 2: mean 2.0, interval [2.0, 3.0]  -> err -1.0, true 3 == q95: covered (edge), width 1.0
  //   iter 3: mean 1.5, interval [1.2, 2.0]  -> err +0.5, true 1 < q5: not covered, width 0.8
  // bias = (0.5 - 1 + 0.5)/3 = 0; rmse = sqrt((0.25 + 1 + 0.25)/3) = sqrt(0.5);
  // coverage = 2/3; ci_width = 3.8/3.
  // alpha_2 (truths 12, 12, 12): means 14, 11, 12; intervals [12, 20] (edge q5), [11.5, 13], [13, 14]
  //   err 2, -1, 0 -> bias 1/3, rmse sqrt(5/3); covered 1, 1, 0 -> 2/3; widths 8, 1.5, 1 -> 3.5.
  const iterations: RecoveryIteration[] = [
    {
      iteration: 1,
      truth: truth({ gamma0: 2 }),
      summary: summary(truth({ gamma0: 2 }), {
        gamma0: { mean: 2.5, q5: 1, q95: 3 },
        alpha_2: { mean: 14, q5: 12, q95: 20 },
      }),
    },
    {
      iteration: 2,
      truth: truth({ gamma0: 3 }),
      summary: summary(truth({ gamma0: 3 }), {
        gamma0: { mean: 2, q5: 2, q95: 3 },
        alpha_2: { mean: 11, q5: 11.5, q95: 13 },
      }),
    },
    {
      iteration: 4,
      truth: truth({ gamma0: 1 }),
      summary: summary(truth({ gamma0: 1 }), {
        gamma0: { mean: 1.5, q5: 1.2, q95: 2 },
        alpha_2: { mean: 12, q5: 13, q95: 14 },
      }),
    },
  ];

  it("matches hand-computed bias, rmse, coverage (edges inclusive) and width", () => {
    const stats = computeRecoveryStatistics(iterations, H_M01);
    expect(Object.keys(stats)).toEqual(trackedKeys(H_M01, 1, 2, 2));
    expect(stats.gamma0.bias).toBeCloseTo(0, 12);
    expect(stats.gamma0.rmse).toBeCloseTo(Math.sqrt(0.5), 12);
    expect(stats.gamma0.coverage).toBeCloseTo(2 / 3, 12);
    expect(stats.gamma0.ci_width).toBeCloseTo(3.8 / 3, 12);

    expect(stats.alpha_2.bias).toBeCloseTo(1 / 3, 12);
    expect(stats.alpha_2.rmse).toBeCloseTo(Math.sqrt(5 / 3), 12);
    expect(stats.alpha_2.coverage).toBeCloseTo(2 / 3, 12);
    expect(stats.alpha_2.ci_width).toBeCloseTo(3.5, 12);

    // The default rows: err +0.5 always, interval +-1 around the truth.
    for (const k of ["gamma_1", "sigma_cell", "alpha_1", "delta_1"]) {
      expect(stats[k].bias).toBeCloseTo(0.5, 12);
      expect(stats[k].rmse).toBeCloseTo(0.5, 12);
      expect(stats[k].coverage).toBe(1);
      expect(stats[k].ci_width).toBeCloseTo(2, 12);
    }
  });

  it("counts a truth exactly at either interval edge as covered", () => {
    const tp = truth();
    const stats = computeRecoveryStatistics(
      [
        { iteration: 1, truth: tp, summary: summary(tp, { gamma_1: { q5: 0.1, q95: 0.5 } }) },
        { iteration: 2, truth: tp, summary: summary(tp, { gamma_1: { q5: -0.3, q95: 0.1 } }) },
        { iteration: 3, truth: tp, summary: summary(tp, { gamma_1: { q5: 0.1000001, q95: 0.5 } }) },
        { iteration: 4, truth: tp, summary: summary(tp, { gamma_1: { q5: 0.1, q95: 0.1 } }) },
      ],
      H_M01,
    );
    expect(stats.gamma_1.coverage).toBe(0.75);
  });

  it("names iteration and parameter when a summary lacks a tracked parameter", () => {
    const tp = truth();
    const rows = summary(tp).filter((r) => r.name !== "alpha[2]");
    const run = () =>
      computeRecoveryStatistics(
        [
          { iteration: 1, truth: tp, summary: summary(tp) },
          { iteration: 7, truth: tp, summary: rows },
        ],
        H_M01,
      );
    expect(run).toThrow(InputError);
    expect(run).toThrow(/iteration 7.*alpha\[2\]/);
  });

  it("rejects non-finite summary values, mismatched dimensions and an empty list", () => {
    const tp = truth();
    expect(() =>
      computeRecoveryStatistics([{ iteration: 3, truth: tp, summary: summary(tp, { delta_1: { q95: NaN } }) }], H_M01),
    ).toThrow(/iteration 3.*q95 of delta\[1\]/);
    const wide = truth({ alpha: [1, 2, 3] });
    expect(() =>
      computeRecoveryStatistics(
        [
          { iteration: 1, truth: tp, summary: summary(tp) },
          { iteration: 2, truth: wide, summary: summary(wide) },
        ],
        H_M01,
      ),
    ).toThrow(/iteration 2.*J=3/);
    expect(() => computeRecoveryStatistics([], H_M01)).toThrow(InputError);
  });

  it("builds one row per iteration and tracked parameter", () => {
    const { tracked, rows } = recoveryRows(iterations, H_M01);
    expect(rows).toHaveLength(3 * tracked.length);
    expect(rows.find((r) => r.iteration === 4 && r.key === "gamma0")).toEqual({
      iteration: 4,
      key: "gamma0",
      truth: 1,
      mean: 1.5,
      q5: 1.2,
      q95: 2,
    });
  });
});

describe("a model with other names (h_m01_size's alpha_cell and gamma_size)", () => {
  it("matches summary rows by the model's names and keys them as the original", () => {
    const tp = truth({ extras: { gamma_size: 0.3 } });
    const rows: SummaryRow[] = [
      ["gamma0", 2.5],
      ["gamma.1", 0.1],
      ["gamma_size", 0.3],
      ["sigma_cell", 0.2],
      ["alpha_cell[1]", 10],
      ["alpha_cell[2]", 12],
      ["delta[1]", 1],
      ["alpha[1]", 999], // an untracked output of the same family: ignored
    ].map(([name, t]) => ({
      name: name as string,
      mean: (t as number) + 0.25,
      q5: (t as number) - 1,
      q95: (t as number) + 1,
    }));
    const stats = computeRecoveryStatistics([{ iteration: 1, truth: tp, summary: rows }], SIZE);
    expect(Object.keys(stats)).toEqual(trackedKeys(SIZE, 1, 2, 2));
    for (const s of Object.values(stats)) expect(s.bias).toBeCloseTo(0.25, 12);
    const missing = rows.filter((r) => r.name !== "gamma_size");
    expect(() => computeRecoveryStatistics([{ iteration: 5, truth: tp, summary: missing }], SIZE)).toThrow(
      /iteration 5: posterior summary has no row for parameter gamma_size/,
    );
  });
});

describe("true_parameters.json schema", () => {
  it("accepts the loop's format and defaults extras", () => {
    const text = JSON.stringify({
      gamma0: 2.4,
      gamma: [0.1, -0.3],
      sigma_cell: 0.21,
      alpha: [11, 12],
      delta: [0.4, 0.6],
      upsilon: [0, 0.4, 1],
    });
    const tp = parseTrueParameters(text, "iteration_1/true_parameters.json");
    expect(tp.extras).toEqual({});
    expect(trueParametersSchema.safeParse(tp).success).toBe(true);
  });

  it("names the file and field at fault", () => {
    const text = JSON.stringify({
      gamma0: 2.4,
      gamma: [0.1, "x"],
      sigma_cell: 0.2,
      alpha: [1],
      delta: [1],
      upsilon: [0, 1],
    });
    expect(() => parseTrueParameters(text, "iteration_3/true_parameters.json")).toThrow(
      /iteration_3\/true_parameters\.json: field gamma\.1/,
    );
    expect(() => parseTrueParameters("{", "f.json")).toThrow(/f\.json: not valid JSON/);
  });
});

describe("coverageMonteCarloSE", () => {
  it("is sqrt(0.9 * 0.1 / n)", () => {
    expect(coverageMonteCarloSE(20)).toBeCloseTo(0.0670820393, 9);
    expect(coverageMonteCarloSE(100)).toBeCloseTo(0.03, 12);
    expect(() => coverageMonteCarloSE(0)).toThrow(InputError);
  });
});
