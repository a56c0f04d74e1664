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
  flatRecoveryContract,
  powerCellContract,
  powerGridContract,
  recoveryContract,
  sbcContract,
} from "./notebooks.js";

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
