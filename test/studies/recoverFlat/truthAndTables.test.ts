/**
 * The flat recovery's own pieces without CmdStan: the truth read from a simulator's draw (in the
 * original's key order, beta nested k outer), the tracked scalars and their keys, the nested
 * statistics, and summary_table.csv's rows and strings, computed here by hand.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  flatTrackedParameters,
  flattenFlatTruth,
  nestFlatStatistics,
  parseFlatTruth,
} from "../../../src/analysis/flatRecovery.js";
import type { RecoveryStatistics } from "../../../src/analysis/recovery.js";
import { parseStanCsvText } from "../../../src/cmdstan/stanCsv.js";
import { flatTruthFromSimulation } from "../../../src/studies/common/flatTruth.js";
import { summaryTableCsv } from "../../../src/studies/recoverFlat/report.js";
import { InputError } from "../../../src/util/errors.js";
import { CSV_FIXTURES } from "../../helpers/cmdstan.js";

/**
 * A fixed_param draw as m_3_sim writes it (K 3, D 2): alpha, kappa, omega, beta column-major,
 * delta, upsilon, y; under the comment header of a real CmdStan 2.27 fixed_param file.
 */
const FIXED_PARAM_HEADER = readFileSync(path.join(CSV_FIXTURES, "fixed_param_sample.csv"), "utf8")
  .split("\n")
  .filter((l) => l.startsWith("#"))
  .slice(0, 42)
  .map((l) => l.replace("num_samples = 100", "num_samples = 1"));
const M3_SIM_CSV = [
  ...FIXED_PARAM_HEADER,
  "lp__,accept_stat__,alpha,kappa,omega,beta.1.1,beta.2.1,beta.3.1,beta.1.2,beta.2.2,beta.3.2,delta.1,delta.2,upsilon.1,upsilon.2,upsilon.3,y.1,y.2",
  "0,0,1.5,0.5,0.75,11,21,31,12,22,32,0.25,0.75,0,0.25,1,2,1",
  "",
].join("\n");

describe("the truth of a simulation", () => {
  it("keeps the original's key order (alpha, beta, delta, upsilon, then kappa, omega) and nests beta k outer", () => {
    const csv = parseStanCsvText(M3_SIM_CSV, "sim-1.csv");
    const truth = flatTruthFromSimulation(csv, ["alpha", "kappa", "omega"]);
    expect(Object.keys(truth)).toEqual(["alpha", "beta", "delta", "upsilon", "kappa", "omega"]);
    expect(truth.beta).toEqual([
      [11, 12],
      [21, 22],
      [31, 32],
    ]);
    expect(truth).toMatchObject({ alpha: 1.5, kappa: 0.5, omega: 0.75, delta: [0.25, 0.75], upsilon: [0, 0.25, 1] });
    const back = parseFlatTruth(JSON.stringify(truth), "true_parameters.json");
    expect(flattenFlatTruth(back, ["alpha", "kappa", "omega"])).toMatchObject({
      alpha: 1.5,
      kappa: 0.5,
      omega: 0.75,
      beta_3_1: 31,
      beta_1_2: 12,
      delta_2: 0.75,
      upsilon_3: 1,
    });
  });

  it("refuses a truth file that is not the flat family's, naming the file and the field", () => {
    expect(() => parseFlatTruth(JSON.stringify({ alpha: 1, beta: [[1]], delta: [1] }), "t.json")).toThrow(
      /t\.json: upsilon: is required/,
    );
    expect(() =>
      parseFlatTruth(JSON.stringify({ alpha: "1", beta: [[1]], delta: [1], upsilon: [0, 1] }), "t.json"),
    ).toThrow(InputError);
  });
});

describe("tracked scalars and the original's tables", () => {
  const tracked = flatTrackedParameters(["alpha", "omega"], 2, 2);

  it("tracks the scalars, beta k outer, delta, upsilon, with the original's keys and the model's names", () => {
    expect(tracked.map((t) => t.key)).toEqual([
      "alpha",
      "omega",
      "beta_1_1",
      "beta_1_2",
      "beta_2_1",
      "beta_2_2",
      "delta_1",
      "upsilon_1",
      "upsilon_2",
    ]);
    expect(tracked.find((t) => t.key === "beta_2_1")?.variable).toBe("beta[2,1]");
  });

  const s = (bias: number, rmse: number, coverage: number, ci_width: number) => ({ bias, rmse, coverage, ci_width });
  const stats: RecoveryStatistics = {
    alpha: s(0.0125, 0.5, 0.9, 2.25),
    omega: s(-0.0004, 0.25, 0.875, 1.5),
    beta_1_1: s(0.1, 1, 1, 3),
    beta_1_2: s(0.2, 1, 0.5, 3),
    beta_2_1: s(-0.1, 1, 0.75, 3),
    beta_2_2: s(0, 1, 0.85, 3.001),
    delta_1: s(0, 0, 1, 0),
    upsilon_1: s(0, 0, 1, 0),
    upsilon_2: s(0, 0, 1, 0),
  };

  it("nests recovery_statistics.json as the original: scalars, then beta, delta, upsilon by element", () => {
    const nested = nestFlatStatistics(tracked, stats);
    expect(Object.keys(nested)).toEqual(["alpha", "omega", "beta", "delta", "upsilon"]);
    expect(nested.alpha).toEqual(stats.alpha);
    expect(Object.keys(nested.beta)).toEqual(["beta_1_1", "beta_1_2", "beta_2_1", "beta_2_2"]);
    expect((nested.beta as Record<string, unknown>).beta_2_1).toEqual(stats.beta_2_1);
  });

  it("writes summary_table.csv with the scalars, the group averages and the original's strings", () => {
    // beta (avg): bias (0.1 + 0.2 - 0.1 + 0) / 4 = 0.05; coverage (1 + 0.5 + 0.75 + 0.85) / 4 = 0.775;
    // width (3 + 3 + 3 + 3.001) / 4 = 3.00025.
    expect(summaryTableCsv(tracked, stats)).toBe(
      [
        "Parameter,Bias,RMSE,Coverage,CI Width",
        "alpha,0.013,0.500,90.0%,2.250",
        "omega,-0.000,0.250,87.5%,1.500",
        "beta (avg),0.050,1.000,77.5%,3.000",
        "delta (avg),0.000,0.000,100.0%,0.000",
        "upsilon (avg),0.000,0.000,100.0%,0.000",
        "",
      ].join("\n"),
    );
  });
});
