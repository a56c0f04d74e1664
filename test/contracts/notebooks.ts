/**
 * The contract with the users' own report notebooks: the files, JSON keys and figures their
 * Quarto cells read from a study's output folder. Stated here in our words (not their code), per
 * study kind, so a test fails when an output they read goes missing or changes shape.
 *
 * - Report 11 (recovery) prints config_info.json, scans iteration_i/diagnostics.txt, reads
 *   recovery_summary/recovery_statistics.json by the keys gamma0, gamma_1..gamma_P, sigma_cell,
 *   delta_1..delta_{K-1}, alpha_1..alpha_J (each {bias, rmse, coverage, ci_width}) and shows
 *   recovery_summary/{regression,alpha,delta}_recovery.png.
 * - Report 12 (SBC) reads config_info.json's n_sbc_sims, n_mcmc_samples, n_mcmc_chains, thin,
 *   effective_sample_size, J, K, P and param_names; sbc_results/sbc_summary.json's chi2_tests
 *   {name: {chi2_statistic, p_value}} and ks_tests {name: {ks_statistic, p_value}} for every
 *   name; and shows sbc_results/<group>_ranks.png and <group>_ecdf.png for the groups
 *   regression, alpha and delta.
 * - The power scripts (one cell, and the grid that aggregates cells) read a cell's summary.json
 *   (the counts and design, every rate, bias, rmse, agreement, timing, the sampler settings,
 *   provisional and frozen_at), iterations.json (one decision record per fit: the interval, the
 *   decisions, the truth, agreement, divergences, seconds) and timing.json (seconds per
 *   iteration and each fit's seconds, the sampler, the design's size, measured_not_estimated);
 *   a grid's grid_summary.json (every cell's summary with its predicted seconds per iteration
 *   and actual / predicted, the budget, predicted and measured hours, this process's wall
 *   clock, iterations per cell, provisional, frozen_at) and each cell's folder
 *   menus<m>_rho<rho with . as p> with the cell's files.
 * - A flat-family recovery notebook (m_0 ... m_3) reads all_true_parameters.json (a list of
 *   truths: alpha, beta as K rows of D, delta, upsilon, and omega / kappa where the model has
 *   them), each iteration_i/true_parameters.json (same keys) and posterior_summary.csv (columns
 *   Mean, 5%, 95%), recovery_summary/recovery_statistics.json nested as {alpha, [kappa], [omega]:
 *   {bias, rmse, coverage, ci_width}, beta: {beta_k_d}, delta: {delta_k}, upsilon: {upsilon_k}},
 *   recovery_summary/summary_table.csv (columns Parameter, Bias, RMSE, Coverage, CI Width; rows
 *   the scalars, "beta (avg)", "delta (avg)", "upsilon (avg)"), and shows <scalar>_recovery.png,
 *   beta_combined_diagnostics.png, delta_all_coverage_intervals.png and bias_vs_true_value.png.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

type Json = Record<string, unknown>;

/** Problems found in `dir` against a kind's contract; empty when the notebooks can read it. */
export type ContractCheck = (dir: string) => string[];

function readJson(dir: string, rel: string, problems: string[]): Json | undefined {
  const file = path.join(dir, rel);
  if (!existsSync(file)) {
    problems.push(`${rel} is missing`);
    return undefined;
  }
  try {
    return JSON.parse(readFileSync(file, "utf8")) as Json;
  } catch (err) {
    problems.push(`${rel} is not JSON (${(err as Error).message})`);
    return undefined;
  }
}

function requireKeys(obj: Json | undefined, rel: string, keys: string[], problems: string[], what = "a number"): void {
  if (!obj) return;
  for (const k of keys) {
    const v = obj[k];
    const ok = what === "a number" ? typeof v === "number" && Number.isFinite(v) : v !== undefined;
    if (!ok) problems.push(`${rel}: ${k} ${v === undefined ? "is missing" : `is not ${what} (${JSON.stringify(v)})`}`);
  }
}

function requirePngs(dir: string, rels: string[], problems: string[]): void {
  for (const rel of rels) {
    const file = path.join(dir, rel);
    if (!existsSync(file)) problems.push(`${rel} is missing`);
    else if (readFileSync(file).subarray(1, 4).toString() !== "PNG") problems.push(`${rel} is not a PNG`);
  }
}

const range = (n: number, name: string) => Array.from({ length: n }, (_, k) => `${name}_${k + 1}`);

/** Report 11's reading of a recovery folder. */
export const recoveryContract: ContractCheck = (dir) => {
  const problems: string[] = [];
  const info = readJson(dir, "config_info.json", problems);
  requireKeys(info, "config_info.json", ["n_iterations", "J", "K", "P"], problems);
  if (!info) return problems;
  const { n_iterations, J, K, P } = info as Record<string, number>;
  for (let i = 1; i <= n_iterations; i++) {
    const rel = path.join(`iteration_${i}`, "diagnostics.txt");
    const failed = existsSync(path.join(dir, `iteration_${i}`, "error.txt"));
    if (!failed && !existsSync(path.join(dir, rel))) problems.push(`${rel} is missing`);
  }
  const statsRel = "recovery_summary/recovery_statistics.json";
  const stats = readJson(dir, statsRel, problems);
  const keys = ["gamma0", ...range(P, "gamma"), "sigma_cell", ...range(K - 1, "delta"), ...range(J, "alpha")];
  for (const k of keys) {
    const entry = stats?.[k] as Json | undefined;
    if (stats && !entry) problems.push(`${statsRel}: ${k} is missing`);
    else requireKeys(entry, `${statsRel}: ${k}`, ["bias", "rmse", "coverage", "ci_width"], problems);
  }
  const figures = ["regression", "alpha", "delta"].map((g) => `recovery_summary/${g}_recovery.png`);
  requirePngs(dir, figures, problems);
  return problems;
};

/** Report 12's reading of an SBC folder. */
export const sbcContract: ContractCheck = (dir) => {
  const problems: string[] = [];
  const info = readJson(dir, "config_info.json", problems);
  const counts = ["n_sbc_sims", "n_mcmc_samples", "n_mcmc_chains", "thin", "effective_sample_size", "J", "K", "P"];
  requireKeys(info, "config_info.json", counts, problems);
  const names = info?.param_names;
  if (info && !(Array.isArray(names) && names.length > 0 && names.every((n) => typeof n === "string"))) {
    problems.push(`config_info.json: param_names is not a list of parameter names (${JSON.stringify(names)})`);
  }
  const summaryRel = "sbc_results/sbc_summary.json";
  const summary = readJson(dir, summaryRel, problems);
  for (const [table, stat] of [
    ["chi2_tests", "chi2_statistic"],
    ["ks_tests", "ks_statistic"],
  ] as const) {
    const tests = summary?.[table] as Record<string, Json> | undefined;
    if (summary && !tests) problems.push(`${summaryRel}: ${table} is missing`);
    for (const name of Array.isArray(names) ? (names as string[]) : []) {
      if (tests && !tests[name]) problems.push(`${summaryRel}: ${table}.${name} is missing`);
      else requireKeys(tests?.[name], `${summaryRel}: ${table}.${name}`, [stat, "p_value"], problems);
    }
  }
  const groups = ["regression", "alpha", "delta"];
  requirePngs(
    dir,
    groups.flatMap((g) => [`sbc_results/${g}_ranks.png`, `sbc_results/${g}_ecdf.png`]),
    problems,
  );
  return problems;
};

const METRICS = ["bias", "rmse", "coverage", "ci_width"];
const FLAT_SCALARS = ["alpha", "kappa", "omega"];

/** The keys of one flat truth record, and its beta's K x D. */
function flatTruthProblems(truth: Json | undefined, rel: string, problems: string[]): { K: number; D: number } {
  requireKeys(truth, rel, ["alpha"], problems);
  const beta = truth?.beta;
  const ok =
    Array.isArray(beta) && beta.length > 0 && beta.every((r) => Array.isArray(r) && r.length === beta[0].length);
  if (truth && !ok) problems.push(`${rel}: beta is not K rows of D numbers`);
  for (const k of ["delta", "upsilon"])
    if (truth && !Array.isArray(truth[k])) problems.push(`${rel}: ${k} is not a list`);
  return ok ? { K: (beta as unknown[][]).length, D: (beta as unknown[][])[0].length } : { K: 0, D: 0 };
}

/** The nested recovery_statistics.json of a flat study with these scalars and K x D. */
function flatStatisticsProblems(stats: Json | undefined, scalars: string[], K: number, D: number, problems: string[]) {
  const rel = "recovery_summary/recovery_statistics.json";
  if (!stats) return;
  const groups: Array<[string | null, string[]]> = [
    [null, scalars],
    ["beta", Array.from({ length: K * D }, (_, i) => `beta_${Math.floor(i / D) + 1}_${(i % D) + 1}`)],
    ["delta", range(K - 1, "delta")],
    ["upsilon", range(K, "upsilon")],
  ];
  for (const [group, keys] of groups) {
    const holder = group === null ? stats : (stats[group] as Json | undefined);
    if (group !== null && !holder) problems.push(`${rel}: ${group} is missing`);
    for (const k of holder ? keys : []) {
      const where = group === null ? k : `${group}.${k}`;
      if (!holder![k]) problems.push(`${rel}: ${where} is missing`);
      else requireKeys(holder![k] as Json, `${rel}: ${where}`, METRICS, problems);
    }
  }
}

/** summary_table.csv: the original's columns, and a row per scalar and per group average. */
function summaryTableProblems(dir: string, scalars: string[], problems: string[]): void {
  const rel = "recovery_summary/summary_table.csv";
  const file = path.join(dir, rel);
  if (!existsSync(file)) return void problems.push(`${rel} is missing`);
  const [header, ...rows] = readFileSync(file, "utf8").trim().split("\n");
  if (header !== "Parameter,Bias,RMSE,Coverage,CI Width") problems.push(`${rel}: header is ${header}`);
  const names = rows.map((r) => r.split(",")[0]);
  for (const want of [...scalars, "beta (avg)", "delta (avg)", "upsilon (avg)"])
    if (!names.includes(want)) problems.push(`${rel}: no row ${want}`);
}

/** A flat-family recovery notebook's reading of a flat recovery folder. */
export const flatRecoveryContract: ContractCheck = (dir) => {
  const problems: string[] = [];
  const all = readJson(dir, "all_true_parameters.json", problems) as unknown;
  if (all !== undefined && !(Array.isArray(all) && all.length > 0))
    problems.push("all_true_parameters.json is not a list of truths");
  const first = Array.isArray(all) ? (all[0] as Json) : undefined;
  const { K, D } = flatTruthProblems(first, "all_true_parameters.json[0]", problems);
  const scalars = FLAT_SCALARS.filter((s) => first && s in first);
  const truth = readJson(dir, "iteration_1/true_parameters.json", problems);
  flatTruthProblems(truth, "iteration_1/true_parameters.json", problems);
  const summaryRel = "iteration_1/posterior_summary.csv";
  if (!existsSync(path.join(dir, summaryRel))) problems.push(`${summaryRel} is missing`);
  else {
    const header = readFileSync(path.join(dir, summaryRel), "utf8").split("\n")[0].split(",");
    for (const c of ["Mean", "5%", "95%"]) if (!header.includes(c)) problems.push(`${summaryRel}: no column ${c}`);
  }
  const stats = readJson(dir, "recovery_summary/recovery_statistics.json", problems);
  flatStatisticsProblems(stats, scalars, K, D, problems);
  summaryTableProblems(dir, scalars, problems);
  const figures = ["beta_combined_diagnostics", "delta_all_coverage_intervals", "bias_vs_true_value"];
  requirePngs(
    dir,
    [...scalars.map((s) => `${s}_recovery`), ...figures].map((f) => `recovery_summary/${f}.png`),
    problems,
  );
  return problems;
};

/** A value that is a number, or null where the original writes None (a rate with nothing to average). */
function requireNumbersOrNull(obj: Json | undefined, rel: string, keys: string[], problems: string[]): void {
  for (const k of keys) {
    const v = obj?.[k];
    if (obj && !(v === null || (typeof v === "number" && Number.isFinite(v)))) {
      problems.push(
        `${rel}: ${k} ${v === undefined ? "is missing" : `is not a number or null (${JSON.stringify(v)})`}`,
      );
    }
  }
}

const SAMPLER_KEYS = ["iter_warmup", "iter_sampling", "chains", "adapt_delta"];
const CELL_COUNTS = ["n_iterations", "rho_copy", "num_presentations", "n_menus", "M_total", "J", "menus_per_cell"];
const CELL_RATES = [
  "power_excludes_zero",
  "power_outside_rope",
  "correct_sign_rate",
  "type_s_rate",
  "coverage",
  "nominal_coverage",
  "mean_ci_width",
  "bias",
  "rmse",
  "mean_agreement_rate",
  "seconds_per_iteration",
  "total_seconds",
];
const DECISION_KEYS = [
  "posterior_mean",
  "ci_lower",
  "ci_upper",
  "ci_width",
  "covered",
  "excludes_zero",
  "correct_sign",
  "type_s",
  "outside_rope",
  "true_gamma_size",
  "agreement_rate",
  "divergences",
  "seconds",
];

/** One cell's summary object (summary.json, or an entry of grid_summary.json's cells). */
function checkCellSummary(summary: Json | undefined, rel: string, problems: string[]): void {
  if (!summary) return;
  requireKeys(summary, rel, CELL_COUNTS, problems);
  requireNumbersOrNull(summary, rel, CELL_RATES, problems);
  requireKeys(summary, rel, ["regime", "provisional", "frozen_at"], problems, "present");
  requireKeys(summary.sampler as Json | undefined, `${rel}: sampler`, SAMPLER_KEYS, problems);
  if (!summary.sampler) problems.push(`${rel}: sampler is missing`);
}

/** The power scripts' reading of one cell's folder. */
export const powerCellContract: ContractCheck = (dir) => {
  const problems: string[] = [];
  checkCellSummary(readJson(dir, "summary.json", problems), "summary.json", problems);
  const iterations = readJson(dir, "iterations.json", problems) as unknown;
  if (iterations !== undefined && !Array.isArray(iterations)) problems.push("iterations.json is not a list of records");
  for (const [k, rec] of (Array.isArray(iterations) ? iterations : []).entries()) {
    requireKeys(rec as Json, `iterations.json[${k}]`, DECISION_KEYS, problems, "present");
  }
  const timing = readJson(dir, "timing.json", problems);
  requireKeys(timing, "timing.json", ["M_total", "n_menus", "J"], problems);
  requireNumbersOrNull(timing, "timing.json", ["seconds_per_iteration"], problems);
  requireKeys(timing, "timing.json", ["seconds", "sampler", "measured_not_estimated"], problems, "present");
  if (timing && !Array.isArray(timing.seconds)) problems.push("timing.json: seconds is not a list");
  return problems;
};

const GRID_KEYS = [
  "budget_hours",
  "predicted_total_hours",
  "measured_sampling_hours",
  "wall_clock_this_process_hours",
  "iterations_per_cell",
];

/** The power grid script's reading of a grid's folder, and of each cell's. */
export const powerGridContract: ContractCheck = (dir) => {
  const problems: string[] = [];
  const grid = readJson(dir, "grid_summary.json", problems);
  requireNumbersOrNull(grid, "grid_summary.json", GRID_KEYS, problems);
  requireKeys(grid, "grid_summary.json", ["provisional", "frozen_at"], problems, "present");
  const cells = grid?.cells;
  if (grid && !(Array.isArray(cells) && cells.length)) problems.push("grid_summary.json: cells is not a list of cells");
  for (const [k, cell] of (Array.isArray(cells) ? (cells as Json[]) : []).entries()) {
    const rel = `grid_summary.json: cells[${k}]`;
    checkCellSummary(cell, rel, problems);
    requireNumbersOrNull(cell, rel, ["predicted_seconds_per_iteration", "prediction_error_ratio"], problems);
    const rho = String(cell.rho_copy).includes(".") ? String(cell.rho_copy) : `${String(cell.rho_copy)}.0`;
    const folder = `menus${String(cell.menus_per_cell)}_rho${rho.replace(".", "p")}`;
    if (!existsSync(path.join(dir, folder))) problems.push(`${folder}/ (the cell's folder) is missing`);
    else problems.push(...powerCellContract(path.join(dir, folder)).map((p) => `${folder}/${p}`));
  }
  return problems;
};

/** The contracts by study kind; every kind whose outputs the users' notebooks read has one. */
export const NOTEBOOK_CONTRACTS: Record<string, ContractCheck> = {
  recover: recoveryContract,
  "recover-flat": flatRecoveryContract,
  sbc: sbcContract,
  power: powerCellContract,
};
