/**
 * The notebook contracts (notebooks.ts) themselves: a folder with every file, key and figure the
 * users' reports read passes; taking any one away fails, naming it. The real study folders are
 * checked against the same contracts by the end-to-end tests (test/studies/).
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  FLAT_PRIOR_FIGURES,
  flatPriorContract,
  flatRecoveryContract,
  flatSbcContract,
  HIERARCHICAL_PRIOR_FIGURES,
  hierarchicalPriorContract,
  MATCHED_AGGREGATE_HEADER,
  matchedContract,
  powerCellContract,
  powerGridContract,
  recoveryContract,
  sbcContract,
} from "./notebooks.js";
import { encodeNpyFloat64 } from "../../src/util/npy.js";

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const stat = { bias: 0.1, rmse: 0.2, coverage: 0.9, ci_width: 1 };

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "cr-contract-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function put(rel: string, content: unknown): Promise<void> {
  await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
  await writeFile(path.join(dir, rel), Buffer.isBuffer(content) ? content : JSON.stringify(content));
}

async function recoveryFolder(drop?: { file?: string; statKey?: string }): Promise<void> {
  await put("config_info.json", { n_iterations: 2, J: 2, K: 3, P: 1 });
  for (const i of [1, 2]) await put(`iteration_${i}/diagnostics.txt`, "Processing complete");
  const keys = ["gamma0", "gamma_1", "sigma_cell", "delta_1", "delta_2", "alpha_1", "alpha_2"];
  await put(
    "recovery_summary/recovery_statistics.json",
    Object.fromEntries(keys.filter((k) => k !== drop?.statKey).map((k) => [k, stat])),
  );
  for (const g of ["regression", "alpha", "delta"]) await put(`recovery_summary/${g}_recovery.png`, PNG);
  if (drop?.file) await rm(path.join(dir, drop.file));
}

async function sbcFolder(drop?: { file?: string; infoKey?: string; test?: string }): Promise<void> {
  const names = ["gamma0", "gamma[1]", "alpha[1]", "delta[1]"];
  const info: Record<string, unknown> = {
    n_sbc_sims: 20,
    n_mcmc_samples: 100,
    n_mcmc_chains: 1,
    thin: 3,
    effective_sample_size: 33,
    J: 1,
    K: 2,
    P: 1,
    param_names: names,
  };
  if (drop?.infoKey) delete info[drop.infoKey];
  await put("config_info.json", info);
  const tests = (stat: string) =>
    Object.fromEntries(names.filter((n) => n !== drop?.test).map((n) => [n, { [stat]: 1.5, p_value: 0.5 }]));
  await put("sbc_results/sbc_summary.json", { chi2_tests: tests("chi2_statistic"), ks_tests: tests("ks_statistic") });
  for (const g of ["regression", "alpha", "delta"]) {
    await put(`sbc_results/${g}_ranks.png`, PNG);
    await put(`sbc_results/${g}_ecdf.png`, PNG);
  }
  if (drop?.file) await rm(path.join(dir, drop.file));
}

describe("Report 11's contract (recovery)", () => {
  it("passes a folder with everything the report reads", async () => {
    await recoveryFolder();
    expect(recoveryContract(dir)).toEqual([]);
  });
  it("fails, naming it, when a statistic, a figure or a diagnostics file is missing", async () => {
    await recoveryFolder({ statKey: "alpha_2" });
    expect(recoveryContract(dir)).toEqual(["recovery_summary/recovery_statistics.json: alpha_2 is missing"]);
    await recoveryFolder({ file: "recovery_summary/delta_recovery.png" });
    expect(recoveryContract(dir)).toEqual(["recovery_summary/delta_recovery.png is missing"]);
    await recoveryFolder({ file: "iteration_2/diagnostics.txt" });
    expect(recoveryContract(dir)).toEqual(["iteration_2/diagnostics.txt is missing"]);
  });
});

describe("Report 12's contract (SBC)", () => {
  it("passes a folder with everything the report reads", async () => {
    await sbcFolder();
    expect(sbcContract(dir)).toEqual([]);
  });
  it("fails, naming it, when a config_info key, a test or a figure is missing", async () => {
    await sbcFolder({ infoKey: "effective_sample_size" });
    expect(sbcContract(dir)).toEqual(["config_info.json: effective_sample_size is missing"]);
    await sbcFolder({ infoKey: "param_names" });
    expect(sbcContract(dir)).toEqual(["config_info.json: param_names is not a list of parameter names (undefined)"]);
    await sbcFolder({ test: "delta[1]" });
    expect(sbcContract(dir)).toEqual([
      "sbc_results/sbc_summary.json: chi2_tests.delta[1] is missing",
      "sbc_results/sbc_summary.json: ks_tests.delta[1] is missing",
    ]);
    await sbcFolder({ file: "sbc_results/alpha_ecdf.png" });
    expect(sbcContract(dir)).toEqual(["sbc_results/alpha_ecdf.png is missing"]);
  });
});

const described = { mean: 1, std: 0.5, median: 1, q05: 0.2, q95: 1.8 };
const spreadOf = { mean: 3, std: 1, median: 3, min: 1, max: 5, q25: 2, q75: 4 };

/** A hierarchical prior folder of J 2 cells, P 1, K 3, M_total 4 problems. */
async function hierarchicalPriorFolder(drop?: { file?: string; param?: string; seuKey?: string }): Promise<void> {
  const names = ["gamma0", "sigma_cell", "gamma[1]", "alpha[1]", "alpha[2]", "delta[1]", "delta[2]"];
  names.push("upsilon[1]", "upsilon[2]", "upsilon[3]");
  const parameter_summary = Object.fromEntries(names.filter((n) => n !== drop?.param).map((n) => [n, described]));
  await put("summary.json", {
    J: 2,
    P: 1,
    K: 3,
    D: 2,
    R: 5,
    M_total: 4,
    hyperparameters: { gamma0_mean: 2.5 },
    parameter_summary,
  });
  const seu: Record<string, unknown> = {
    total_problems: 4,
    overall_prob_seu_max: 0.7,
    prob_seu_max_by_problem: { 1: 0.5, 2: 0.6, 3: 0.8, 4: 0.9 },
    prob_seu_max_by_cell: { 1: { mean: 0.55, std: 0.05 }, 2: { mean: 0.85, std: 0.05 } },
    total_seu_max_selected: spreadOf,
    seu_max_by_cell: {
      1: { M_j: 2, mean: 1.1, std: 0.5, median: 1, mean_prob: 0.55 },
      2: { M_j: 2, mean: 1.7, std: 0.5, median: 2, mean_prob: 0.85 },
    },
  };
  if (drop?.seuKey) delete seu[drop.seuKey];
  await put("seu_maximizer_selection/seu_maximizer_summary.json", seu);
  for (const f of HIERARCHICAL_PRIOR_FIGURES) await put(f, PNG);
  if (drop?.file) await rm(path.join(dir, drop.file));
}

async function flatPriorFolder(drop?: { file?: string }): Promise<void> {
  const names = ["alpha", "beta[1,1]", "delta[1]", "upsilon[1]"];
  await put("parameters/parameter_summary.json", Object.fromEntries(names.map((n) => [n, described])));
  await put("choices/choice_counts.json", { 1: { 1: 3, 2: 2 } });
  await put("seu_maximizer_selection/seu_maximizer_summary.json", {
    total_problems: 1,
    prob_seu_max_by_problem: { 1: 0.6 },
    overall_prob_seu_max: 0.6,
    total_seu_max_selected: spreadOf,
  });
  await put("prior_samples.csv", Buffer.from(",alpha,param_set\n0,1.5,0\n"));
  for (const f of FLAT_PRIOR_FIGURES) await put(f, PNG);
  if (drop?.file) await rm(path.join(dir, drop.file));
}

describe("the hierarchical prior predictive report's contract", () => {
  it("passes a folder with everything the report reads", async () => {
    await hierarchicalPriorFolder();
    expect(hierarchicalPriorContract(dir)).toEqual([]);
  });
  it("fails, naming it, when a parameter, a key of the SEU summary or a figure is missing", async () => {
    await hierarchicalPriorFolder({ param: "upsilon[3]" });
    expect(hierarchicalPriorContract(dir)).toEqual(["summary.json: parameter_summary: upsilon[3] is missing"]);
    await hierarchicalPriorFolder({ param: "alpha[2]" });
    expect(hierarchicalPriorContract(dir)).toEqual([
      "summary.json: parameter_summary has 1 cell sensitivities, expected J = 2",
    ]);
    await hierarchicalPriorFolder({ seuKey: "seu_max_by_cell" });
    expect(hierarchicalPriorContract(dir)).toEqual([
      "seu_maximizer_selection/seu_maximizer_summary.json: seu_max_by_cell does not have 2 entries",
    ]);
    await hierarchicalPriorFolder({ file: "cell_alphas/log_alpha_boxplot.png" });
    expect(hierarchicalPriorContract(dir)).toEqual(["cell_alphas/log_alpha_boxplot.png is missing"]);
  });
});

describe("the flat prior predictive report's contract", () => {
  it("passes a folder with everything the report reads", async () => {
    await flatPriorFolder();
    expect(flatPriorContract(dir)).toEqual([]);
  });
  it("fails, naming it, when a file or a figure is missing", async () => {
    await flatPriorFolder({ file: "choices/choice_counts.json" });
    expect(flatPriorContract(dir)).toEqual(["choices/choice_counts.json is missing"]);
    await flatPriorFolder({ file: "expected_utilities/expected_utilities.png" });
    expect(flatPriorContract(dir)).toEqual(["expected_utilities/expected_utilities.png is missing"]);
  });
});

/** A flat recovery folder (m_2: alpha and omega; K 2, D 2), with `drop` taken away. */
async function flatFolder(drop?: { file?: string; group?: string; key?: string; row?: string }): Promise<void> {
  const truth = {
    alpha: 1,
    beta: [
      [0.1, 0.2],
      [0.3, 0.4],
    ],
    delta: [1],
    upsilon: [0, 1],
    omega: 2,
  };
  await put("all_true_parameters.json", [truth, truth]);
  await put("iteration_1/true_parameters.json", truth);
  await put("iteration_1/posterior_summary.csv", Buffer.from(",Mean,MCSE,StdDev,5%,50%,95%,ESS_bulk,ESS_tail,R_hat\n"));
  const group = (keys: string[]) => Object.fromEntries(keys.filter((k) => k !== drop?.key).map((k) => [k, stat]));
  const stats: Record<string, unknown> = {
    alpha: stat,
    omega: stat,
    beta: group(["beta_1_1", "beta_1_2", "beta_2_1", "beta_2_2"]),
    delta: group(["delta_1"]),
    upsilon: group(["upsilon_1", "upsilon_2"]),
  };
  if (drop?.group) delete stats[drop.group];
  await put("recovery_summary/recovery_statistics.json", stats);
  const rows = ["alpha", "omega", "beta (avg)", "delta (avg)", "upsilon (avg)"].filter((r) => r !== drop?.row);
  const table = ["Parameter,Bias,RMSE,Coverage,CI Width", ...rows.map((r) => `${r},0.100,0.200,90.0%,1.000`)];
  await put("recovery_summary/summary_table.csv", Buffer.from(table.join("\n") + "\n"));
  for (const f of [
    "alpha_recovery",
    "omega_recovery",
    "beta_combined_diagnostics",
    "delta_all_coverage_intervals",
    "bias_vs_true_value",
  ])
    await put(`recovery_summary/${f}.png`, PNG);
  if (drop?.file) await rm(path.join(dir, drop.file));
}

describe("a flat-family recovery notebook's contract", () => {
  it("passes a folder with everything the notebook reads", async () => {
    await flatFolder();
    expect(flatRecoveryContract(dir)).toEqual([]);
  });
  it("fails, naming it, when a statistic, a group, a table row, a figure or a truth file is missing", async () => {
    await flatFolder({ key: "beta_2_1" });
    expect(flatRecoveryContract(dir)).toEqual(["recovery_summary/recovery_statistics.json: beta.beta_2_1 is missing"]);
    await flatFolder({ group: "upsilon" });
    expect(flatRecoveryContract(dir)).toEqual(["recovery_summary/recovery_statistics.json: upsilon is missing"]);
    await flatFolder({ group: "omega" });
    expect(flatRecoveryContract(dir)).toEqual(["recovery_summary/recovery_statistics.json: omega is missing"]);
    await flatFolder({ row: "beta (avg)" });
    expect(flatRecoveryContract(dir)).toEqual(["recovery_summary/summary_table.csv: no row beta (avg)"]);
    await flatFolder({ file: "recovery_summary/omega_recovery.png" });
    expect(flatRecoveryContract(dir)).toEqual(["recovery_summary/omega_recovery.png is missing"]);
    await flatFolder({ file: "iteration_1/true_parameters.json" });
    expect(flatRecoveryContract(dir)).toEqual(["iteration_1/true_parameters.json is missing"]);
  });
});

const SUMMARY = {
  n_iterations: 2,
  regime: "a_pseudo_replication",
  rho_copy: 0.9,
  num_presentations: 2,
  n_menus: 24,
  M_total: 48,
  J: 6,
  menus_per_cell: 4,
  power_excludes_zero: 1,
  power_outside_rope: 0.5,
  correct_sign_rate: null,
  type_s_rate: 0,
  coverage: 1,
  nominal_coverage: 0.9,
  mean_ci_width: 0.6,
  bias: 0.01,
  rmse: 0.04,
  mean_agreement_rate: 0.9,
  seconds_per_iteration: 3,
  total_seconds: 6,
  sampler: { iter_warmup: 100, iter_sampling: 100, chains: 2, adapt_delta: 0.9 },
  provisional: true,
  frozen_at: null,
};
const DECISION = {
  posterior_mean: 0.1,
  ci_lower: -0.1,
  ci_upper: 0.3,
  ci_width: 0.4,
  covered: true,
  excludes_zero: false,
  correct_sign: true,
  type_s: false,
  outside_rope: false,
  true_gamma_size: 0.2,
  agreement_rate: 0.9,
  divergences: false,
  seconds: 3,
};

async function powerCell(rel: string, drop?: { summaryKey?: string; decisionKey?: string }): Promise<void> {
  const summary: Record<string, unknown> = { ...SUMMARY };
  if (drop?.summaryKey) delete summary[drop.summaryKey];
  const decision: Record<string, unknown> = { ...DECISION };
  if (drop?.decisionKey) delete decision[drop.decisionKey];
  await put(`${rel}summary.json`, summary);
  await put(`${rel}iterations.json`, [DECISION, decision]);
  await put(`${rel}timing.json`, {
    seconds_per_iteration: 3,
    seconds: [3, 3],
    sampler: SUMMARY.sampler,
    M_total: 48,
    n_menus: 24,
    J: 6,
    measured_not_estimated: true,
  });
}

describe("the power scripts' contract", () => {
  it("passes a cell with everything the scripts read, and a grid of such cells", async () => {
    await powerCell("");
    expect(powerCellContract(dir)).toEqual([]);
    await powerCell("menus4_rho0p9/");
    const cell = { ...SUMMARY, predicted_seconds_per_iteration: 3.5, prediction_error_ratio: 0.86 };
    const grid = {
      cells: [cell],
      budget_hours: 1,
      predicted_total_hours: 0.1,
      measured_sampling_hours: 0.09,
      wall_clock_this_process_hours: 0.05,
      iterations_per_cell: 2,
      provisional: true,
      frozen_at: null,
    };
    await put("grid_summary.json", grid);
    expect(powerGridContract(dir)).toEqual([]);
  });

  it("fails, naming it, when a summary key, a decision key or a cell's folder is missing", async () => {
    await powerCell("", { summaryKey: "power_outside_rope" });
    expect(powerCellContract(dir)).toEqual(["summary.json: power_outside_rope is missing"]);
    await powerCell("", { decisionKey: "true_gamma_size" });
    expect(powerCellContract(dir)).toEqual(["iterations.json[1]: true_gamma_size is missing"]);
    await put("grid_summary.json", {
      cells: [{ ...SUMMARY, rho_copy: 0, predicted_seconds_per_iteration: null, prediction_error_ratio: null }],
      budget_hours: 1,
      predicted_total_hours: null,
      measured_sampling_hours: 0.09,
      wall_clock_this_process_hours: 0.05,
      iterations_per_cell: 2,
      provisional: true,
      frozen_at: null,
    });
    expect(powerGridContract(dir)).toEqual(["menus4_rho0p0/ (the cell's folder) is missing"]);
  });
});

async function flatSbcFolder(drop?: { file?: string; infoKey?: string; key?: string; rows?: number }): Promise<void> {
  const names = ["alpha", "beta[1,1]", "delta[1]"];
  const info: Record<string, unknown> = {
    n_sbc_sims: 4,
    n_mcmc_samples: 100,
    n_mcmc_chains: 1,
    thin: 3,
    effective_sample_size: 33,
  };
  if (drop?.infoKey) delete info[drop.infoKey];
  await put("config_info.json", info);
  const entry = { chi2_statistic: 1.5, p_value: 0.5, n_bins: 2, n_simulations: 4, ks_statistic: 0.2, ks_p_value: 0.9 };
  if (drop?.key) delete (entry as Record<string, number>)[drop.key];
  await put("sbc_results/sbc_summary.json", Object.fromEntries(names.map((n) => [n, entry])));
  const rows = Array.from({ length: drop?.rows ?? 4 }, (_, i) => names.map((_, k) => i + k));
  await put("sbc_results/ranks.npy", encodeNpyFloat64(rows, names.length));
  await put("sbc_results/true_params.npy", encodeNpyFloat64(rows, names.length));
  await put("sbc_results/summary.txt", Buffer.from("Parameters with p < 0.05: 0\nThinning factor: 3\n"));
  for (const f of ["rank_histograms", "rank_ecdfs", "sbc_pvalues"]) await put(`sbc_results/${f}.png`, PNG);
  await put("simulations/sim_1/true_parameters.json", Object.fromEntries(names.map((n) => [n, 0.5])));
  await put("simulations/sim_1/posterior_summary.csv", Buffer.from("name,Mean\n"));
  if (drop?.file) await rm(path.join(dir, drop.file));
}

describe("the flat SBC analyses' contract", () => {
  it("passes a folder with everything they read", async () => {
    await flatSbcFolder();
    expect(flatSbcContract(dir)).toEqual([]);
  });
  it("fails, naming it, when a key, an array's shape, the summary text or a figure is wrong", async () => {
    await flatSbcFolder({ infoKey: "thin" });
    expect(flatSbcContract(dir)).toEqual(["config_info.json: thin is missing"]);
    await flatSbcFolder({ key: "ks_p_value" });
    expect(flatSbcContract(dir)).toEqual([
      "sbc_results/sbc_summary.json: alpha: ks_p_value is missing",
      "sbc_results/sbc_summary.json: beta[1,1]: ks_p_value is missing",
      "sbc_results/sbc_summary.json: delta[1]: ks_p_value is missing",
    ]);
    await flatSbcFolder({ rows: 3 });
    expect(flatSbcContract(dir)).toEqual([
      "sbc_results/ranks.npy is 3 x 3, expected 4 simulations x 3 parameters",
      "sbc_results/true_params.npy is 3 x 3, expected 4 simulations x 3 parameters",
    ]);
    await flatSbcFolder();
    await writeFile(path.join(dir, "sbc_results/ranks.npy"), "[[1, 2, 3]]");
    expect(flatSbcContract(dir)).toEqual(["sbc_results/ranks.npy is not an .npy file (no magic)"]);
    await flatSbcFolder({ file: "sbc_results/sbc_pvalues.png" });
    expect(flatSbcContract(dir)).toEqual(["sbc_results/sbc_pvalues.png is missing"]);
    await flatSbcFolder({ file: "simulations/sim_1/true_parameters.json" });
    expect(flatSbcContract(dir)).toEqual(["simulations/sim_1/true_parameters.json is missing"]);
  });
});

const LABELS = ["A_m0_M25", "B_m0_M50", "C_m1_M25N25", "D_m1_M50N50"];

/** A matched folder (K 2, D 1), with `drop` taken away or `failed` conditions of iteration 1. */
async function matchedFolder(drop?: { file?: string; row?: string; key?: string; failed?: string }): Promise<void> {
  const conditions = LABELS.map((label, k) => ({ label, model: k < 2 ? "m_0" : "m_1", M: 25, N: 0, seed_offset: 100 }));
  if (drop?.key) delete (conditions[1] as Record<string, unknown>)[drop.key];
  await put("conditions.json", conditions);
  const rows = LABELS.filter((l) => l !== drop?.row).map((l) => `${l},3,0.1,0.2,0.9,0.1,0.2,0.9,0.1,0.2,0.9`);
  await put("aggregate_metrics.csv", Buffer.from([MATCHED_AGGREGATE_HEADER, ...rows].join("\n") + "\n"));
  const truth = { alpha: 1, beta: [[0.1], [0.2]], delta: [1] };
  await put("all_true_parameters.json", [truth, truth, truth]);
  await put("iteration_1/true_parameters.json", truth);
  for (const label of LABELS) {
    if (label === drop?.failed) await put(`iteration_1/error_${label}.txt`, Buffer.from("failed\n"));
    else
      await put(
        `iteration_1/summary_${label}.csv`,
        Buffer.from(",Mean,MCSE,StdDev,5%,50%,95%,ESS_bulk,ESS_tail,R_hat\n"),
      );
  }
  if (drop?.file) await rm(path.join(dir, drop.file));
}

describe("the matched study's readers' contract", () => {
  it("passes a folder with everything they read, and one whose failed condition has its error file", async () => {
    await matchedFolder();
    expect(matchedContract(dir)).toEqual([]);
    await rm(dir, { recursive: true, force: true });
    await matchedFolder({ failed: "C_m1_M25N25" });
    expect(matchedContract(dir)).toEqual([]);
  });
  it("fails, naming it, when a row, a condition key, a summary or the truths are missing", async () => {
    await matchedFolder({ row: "B_m0_M50" });
    expect(matchedContract(dir)).toEqual([
      "aggregate_metrics.csv: rows A_m0_M25, C_m1_M25N25, D_m1_M50N50, expected the conditions A_m0_M25, B_m0_M50, C_m1_M25N25, D_m1_M50N50",
    ]);
    await matchedFolder({ key: "seed_offset" });
    expect(matchedContract(dir)).toEqual([
      "conditions.json[1]: keys are label, model, M, N, expected label, model, M, N, seed_offset",
    ]);
    await matchedFolder({ file: "iteration_1/summary_D_m1_M50N50.csv" });
    expect(matchedContract(dir)).toEqual(["iteration_1/summary_D_m1_M50N50.csv is missing"]);
    await matchedFolder({ file: "all_true_parameters.json" });
    expect(matchedContract(dir)).toEqual(["all_true_parameters.json is missing"]);
  });
});
