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
 * - The hierarchical prior predictive report reads summary.json's hyperparameters (an object),
 *   J, P, K, D, R, M_total and parameter_summary {name: {mean, std, median, q05, q95}} for
 *   gamma0, sigma_cell, gamma[p], alpha[j], delta[k] and upsilon[k];
 *   seu_maximizer_selection/seu_maximizer_summary.json's total_problems, overall_prob_seu_max,
 *   prob_seu_max_by_problem (M_total entries), prob_seu_max_by_cell (J entries {mean, std}),
 *   total_seu_max_selected {mean, std, median, min, max, q25, q75} and seu_max_by_cell (J entries
 *   {M_j, mean, std, median, mean_prob}); and shows the figures of regression_parameters/,
 *   cell_alphas/, utilities/, betas/, choices/ and seu_maximizer_selection/.
 * - The flat prior predictive report reads parameters/parameter_summary.json (alpha and every
 *   beta, delta and upsilon entry, each {mean, std, median, q05, q95}), choices/choice_counts.json,
 *   seu_maximizer_selection/seu_maximizer_summary.json (total_problems, prob_seu_max_by_problem,
 *   overall_prob_seu_max, total_seu_max_selected) and prior_samples.csv, and shows the figures of
 *   parameters/, expected_utilities/, choice_probabilities/, choices/ and seu_maximizer_selection/.
 * - A flat-family recovery notebook (m_0 ... m_3) reads all_true_parameters.json (a list of
 *   truths: alpha, beta as K rows of D, delta, upsilon, and omega / kappa where the model has
 *   them), each iteration_i/true_parameters.json (same keys) and posterior_summary.csv (columns
 *   Mean, 5%, 95%), recovery_summary/recovery_statistics.json nested as {alpha, [kappa], [omega]:
 *   {bias, rmse, coverage, ci_width}, beta: {beta_k_d}, delta: {delta_k}, upsilon: {upsilon_k}},
 *   recovery_summary/summary_table.csv (columns Parameter, Bias, RMSE, Coverage, CI Width; rows
 *   the scalars, "beta (avg)", "delta (avg)", "upsilon (avg)"), and shows <scalar>_recovery.png,
 *   beta_combined_diagnostics.png, delta_all_coverage_intervals.png and bias_vs_true_value.png.
 * - The flat SBC analyses (the Ellsberg study's notebook reads a run's ranks.npy) read
 *   config_info.json's n_sbc_sims, n_mcmc_samples, n_mcmc_chains, thin and
 *   effective_sample_size; sbc_results/ranks.npy and true_params.npy (numpy.load: float64,
 *   n simulations x P parameters); sbc_results/sbc_summary.json ({name: {chi2_statistic,
 *   p_value, n_bins, n_simulations, ks_statistic, ks_p_value}}, the names in the columns' order);
 *   sbc_results/summary.txt; the figures rank_histograms.png, rank_ecdfs.png, sbc_pvalues.png;
 *   and simulations/sim_1/true_parameters.json ({name: value}) and posterior_summary.csv.
 * - The matched study's readers (the original's aggregator and the users' rerun analysis of the
 *   n100 run) read conditions.json (a list of {label, model, M, N, seed_offset}),
 *   aggregate_metrics.csv (columns condition, n_iter, alpha_rmse, alpha_ci, alpha_cov, beta_rmse,
 *   beta_ci, beta_cov, delta_rmse, delta_ci, delta_cov; a row per condition, in
 *   conditions.json's order), all_true_parameters.json (a list of {alpha, beta, delta}), and in
 *   each iteration_i/ true_parameters.json (alpha, beta as K rows of D, delta) and
 *   summary_<label>.csv per condition (columns Mean, 5%, 95%), or error_<label>.txt where that
 *   condition failed.
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

const DESCRIBED = ["mean", "std", "median", "q05", "q95"];
const SPREAD = ["mean", "std", "median", "min", "max", "q25", "q75"];

/** Each of `names` is an entry of `obj` (at `rel`) holding the numbers `keys`. */
function requireEntries(obj: Json | undefined, rel: string, names: string[], keys: string[], problems: string[]): void {
  for (const n of names) {
    const entry = obj?.[n] as Json | undefined;
    if (obj && !entry) problems.push(`${rel}: ${n} is missing`);
    else requireKeys(entry, `${rel}: ${n}`, keys, problems);
  }
}

const indexed = (n: number, name: string) => Array.from({ length: n }, (_, k) => `${name}[${k + 1}]`);
const SEU_REL = "seu_maximizer_selection/seu_maximizer_summary.json";

/** The hierarchical prior predictive report's reading of a `prior` folder. */
export const hierarchicalPriorContract: ContractCheck = (dir) => {
  const problems: string[] = [];
  const summary = readJson(dir, "summary.json", problems);
  requireKeys(summary, "summary.json", ["J", "P", "K", "D", "R", "M_total"], problems);
  if (summary && (typeof summary.hyperparameters !== "object" || summary.hyperparameters === null))
    problems.push("summary.json: hyperparameters is not an object");
  const { J, P, K, M_total } = (summary ?? {}) as Record<string, number>;
  const params = summary?.parameter_summary as Json | undefined;
  if (summary && !params) problems.push("summary.json: parameter_summary is missing");
  const alphaNames = Object.keys(params ?? {}).filter(
    (n) => /^\w+\[\d+\]$/.test(n) && !/^(gamma|delta|upsilon)\[/.test(n),
  );
  if (params && alphaNames.length !== J)
    problems.push(`summary.json: parameter_summary has ${alphaNames.length} cell sensitivities, expected J = ${J}`);
  const names = [
    "gamma0",
    "sigma_cell",
    ...indexed(P, "gamma"),
    ...indexed(K - 1, "delta"),
    ...indexed(K, "upsilon"),
    ...alphaNames,
  ];
  requireEntries(params, "summary.json: parameter_summary", names, DESCRIBED, problems);
  const seu = readJson(dir, SEU_REL, problems);
  requireKeys(seu, SEU_REL, ["total_problems", "overall_prob_seu_max"], problems);
  const count = (key: string, n: number) => {
    const v = seu?.[key] as Json | undefined;
    if (seu && (!v || Object.keys(v).length !== n)) problems.push(`${SEU_REL}: ${key} does not have ${n} entries`);
    return v;
  };
  count("prob_seu_max_by_problem", M_total);
  const cells = Array.from({ length: J }, (_, j) => String(j + 1));
  requireEntries(
    count("prob_seu_max_by_cell", J),
    `${SEU_REL}: prob_seu_max_by_cell`,
    cells,
    ["mean", "std"],
    problems,
  );
  requireKeys(seu?.total_seu_max_selected as Json | undefined, `${SEU_REL}: total_seu_max_selected`, SPREAD, problems);
  const byCell = count("seu_max_by_cell", J);
  requireEntries(byCell, `${SEU_REL}: seu_max_by_cell`, cells, ["M_j", "mean", "std", "median", "mean_prob"], problems);
  requirePngs(dir, HIERARCHICAL_PRIOR_FIGURES, problems);
  return problems;
};

export const HIERARCHICAL_PRIOR_FIGURES = [
  "regression_parameters/gamma0_dist.png",
  "regression_parameters/gamma_dist.png",
  "regression_parameters/sigma_cell_dist.png",
  "cell_alphas/alpha_by_cell.png",
  "cell_alphas/log_alpha_boxplot.png",
  "utilities/delta_dist.png",
  "utilities/upsilon_dist.png",
  "betas/beta_dist.png",
  "choices/choice_index_by_cell.png",
  "choices/chosen_alternative_dist.png",
  "seu_maximizer_selection/prob_seu_max_by_problem.png",
  "seu_maximizer_selection/prob_seu_max_by_cell.png",
  "seu_maximizer_selection/total_seu_max_distribution.png",
  "seu_maximizer_selection/total_seu_max_by_cell.png",
];

export const FLAT_PRIOR_FIGURES = [
  "parameters/alpha_dist.png",
  "parameters/beta_dist.png",
  "parameters/delta_dist.png",
  "parameters/utility_dist.png",
  "expected_utilities/expected_utilities.png",
  "choice_probabilities/choice_probabilities.png",
  "choices/choice_distribution.png",
  "seu_maximizer_selection/prob_seu_max_by_problem.png",
  "seu_maximizer_selection/total_seu_max_distribution.png",
];

/** The flat prior predictive report's reading of a `prior` folder. */
export const flatPriorContract: ContractCheck = (dir) => {
  const problems: string[] = [];
  const params = readJson(dir, "parameters/parameter_summary.json", problems);
  const names = Object.keys(params ?? {});
  if (params && !["alpha", "beta[", "delta[", "upsilon["].every((p) => names.some((n) => n === p || n.startsWith(p))))
    problems.push(`parameters/parameter_summary.json: lacks alpha, beta, delta or upsilon (has ${names.join(", ")})`);
  requireEntries(params, "parameters/parameter_summary.json", names, DESCRIBED, problems);
  const counts = readJson(dir, "choices/choice_counts.json", problems);
  if (counts && !Object.keys(counts).length) problems.push("choices/choice_counts.json has no problems");
  const seu = readJson(dir, SEU_REL, problems);
  requireKeys(seu, SEU_REL, ["total_problems", "overall_prob_seu_max"], problems);
  if (seu && typeof seu.prob_seu_max_by_problem !== "object")
    problems.push(`${SEU_REL}: prob_seu_max_by_problem is missing`);
  requireKeys(seu?.total_seu_max_selected as Json | undefined, `${SEU_REL}: total_seu_max_selected`, SPREAD, problems);
  if (!existsSync(path.join(dir, "prior_samples.csv"))) problems.push("prior_samples.csv is missing");
  requirePngs(dir, FLAT_PRIOR_FIGURES, problems);
  return problems;
};

const METRICS = ["bias", "rmse", "coverage", "ci_width"];
const FLAT_SCALARS = ["alpha", "kappa", "omega"];

/** The keys of one flat truth record, and its beta's K x D. */
function flatTruthProblems(
  truth: Json | undefined,
  rel: string,
  problems: string[],
  lists = ["delta", "upsilon"],
): { K: number; D: number } {
  requireKeys(truth, rel, ["alpha"], problems);
  const beta = truth?.beta;
  const ok =
    Array.isArray(beta) && beta.length > 0 && beta.every((r) => Array.isArray(r) && r.length === beta[0].length);
  if (truth && !ok) problems.push(`${rel}: beta is not K rows of D numbers`);
  for (const k of lists) if (truth && !Array.isArray(truth[k])) problems.push(`${rel}: ${k} is not a list`);
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
  summaryColumnsProblems(dir, "iteration_1/posterior_summary.csv", problems);
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

/** The shape numpy.load sees in an .npy file (version 1.0, '<f8', C order), or why it cannot read it. */
export function npyShape(file: string): number[] | string {
  const bytes = readFileSync(file);
  if (bytes.subarray(0, 6).toString("latin1") !== "\x93NUMPY") return "is not an .npy file (no magic)";
  if (bytes[6] !== 1 || bytes[7] !== 0) return `has .npy version ${bytes[6]}.${bytes[7]}, expected 1.0`;
  const headerLength = bytes.readUInt16LE(8);
  const header = bytes.subarray(10, 10 + headerLength).toString("latin1");
  if ((10 + headerLength) % 64 !== 0 || !header.endsWith("\n")) return "has a header not padded to 64 bytes";
  const m = /^\{'descr': '<f8', 'fortran_order': False, 'shape': \((\d+), (\d+)\), \} *\n$/.exec(header);
  if (!m) return `has the header ${JSON.stringify(header.trim())}, expected float64 ('<f8'), C order, 2 dimensions`;
  const shape = [Number(m[1]), Number(m[2])];
  if (bytes.length !== 10 + headerLength + shape[0] * shape[1] * 8)
    return `holds ${bytes.length} bytes, not ${shape.join(" x ")} doubles`;
  return shape;
}

const FLAT_SUMMARY_KEYS = ["chi2_statistic", "p_value", "n_bins", "n_simulations", "ks_statistic", "ks_p_value"];

/** The flat SBC analyses' reading of a flat SBC folder. */
export const flatSbcContract: ContractCheck = (dir) => {
  const problems: string[] = [];
  const info = readJson(dir, "config_info.json", problems);
  requireKeys(
    info,
    "config_info.json",
    ["n_sbc_sims", "n_mcmc_samples", "n_mcmc_chains", "thin", "effective_sample_size"],
    problems,
  );
  const summaryRel = "sbc_results/sbc_summary.json";
  const summary = readJson(dir, summaryRel, problems) as Record<string, Json> | undefined;
  const names = Object.keys(summary ?? {});
  if (summary && names.length === 0) problems.push(`${summaryRel} names no parameter`);
  for (const name of names) requireKeys(summary![name], `${summaryRel}: ${name}`, FLAT_SUMMARY_KEYS, problems);
  const n = summary?.[names[0]]?.n_simulations;
  for (const rel of ["sbc_results/ranks.npy", "sbc_results/true_params.npy"]) {
    if (!existsSync(path.join(dir, rel))) {
      problems.push(`${rel} is missing`);
      continue;
    }
    const shape = npyShape(path.join(dir, rel));
    if (typeof shape === "string") problems.push(`${rel} ${shape}`);
    else if (summary && (shape[0] !== n || shape[1] !== names.length))
      problems.push(`${rel} is ${shape.join(" x ")}, expected ${String(n)} simulations x ${names.length} parameters`);
  }
  const text = existsSync(path.join(dir, "sbc_results/summary.txt"))
    ? readFileSync(path.join(dir, "sbc_results/summary.txt"), "utf8")
    : undefined;
  if (text === undefined) problems.push("sbc_results/summary.txt is missing");
  else
    for (const line of ["Parameters with p < 0.05:", "Thinning factor:"])
      if (!text.includes(line)) problems.push(`sbc_results/summary.txt has no "${line}" line`);
  requirePngs(
    dir,
    ["rank_histograms", "rank_ecdfs", "sbc_pvalues"].map((f) => `sbc_results/${f}.png`),
    problems,
  );
  if (!existsSync(path.join(dir, "simulations/sim_1/error.txt"))) {
    const truth = readJson(dir, "simulations/sim_1/true_parameters.json", problems);
    if (truth && summary && JSON.stringify(Object.keys(truth)) !== JSON.stringify(names))
      problems.push(
        `simulations/sim_1/true_parameters.json names ${Object.keys(truth).join(", ")}, not the summary's parameters`,
      );
    if (!existsSync(path.join(dir, "simulations/sim_1/posterior_summary.csv")))
      problems.push("simulations/sim_1/posterior_summary.csv is missing");
  }
  return problems;
};

export const MATCHED_AGGREGATE_HEADER =
  "condition,n_iter,alpha_rmse,alpha_ci,alpha_cov,beta_rmse,beta_ci,beta_cov,delta_rmse,delta_ci,delta_cov";
const CONDITION_KEYS = ["label", "model", "M", "N", "seed_offset"];

/** A summary CSV with the columns a reader takes the posterior mean and the 90% interval from. */
function summaryColumnsProblems(dir: string, rel: string, problems: string[]): void {
  if (!existsSync(path.join(dir, rel))) return void problems.push(`${rel} is missing`);
  const header = readFileSync(path.join(dir, rel), "utf8").split("\n")[0].split(",");
  for (const c of ["Mean", "5%", "95%"]) if (!header.includes(c)) problems.push(`${rel}: no column ${c}`);
}

/** The keys of a matched truth: alpha, beta (K rows of D), delta, and nothing else. */
function matchedTruthProblems(truth: Json | undefined, rel: string, problems: string[]): void {
  if (!truth) return;
  if (JSON.stringify(Object.keys(truth)) !== JSON.stringify(["alpha", "beta", "delta"]))
    problems.push(`${rel}: keys are ${Object.keys(truth).join(", ")}, expected alpha, beta, delta`);
  flatTruthProblems(truth, rel, problems, ["delta"]);
}

/** conditions.json's labels, or [] (with the problems) when it cannot be read as the original writes it. */
function conditionLabels(dir: string, problems: string[]): string[] {
  const conditions = readJson(dir, "conditions.json", problems) as unknown;
  if (conditions === undefined) return [];
  if (!Array.isArray(conditions) || conditions.length === 0) {
    problems.push("conditions.json is not a list of conditions");
    return [];
  }
  conditions.forEach((c: Json, k) => {
    if (JSON.stringify(Object.keys(c)) !== JSON.stringify(CONDITION_KEYS))
      problems.push(
        `conditions.json[${k}]: keys are ${Object.keys(c).join(", ")}, expected ${CONDITION_KEYS.join(", ")}`,
      );
  });
  return conditions.map((c: Json) => String(c.label));
}

/** The matched study's readers' reading of a matched folder. */
export const matchedContract: ContractCheck = (dir) => {
  const problems: string[] = [];
  const labels = conditionLabels(dir, problems);
  const rel = "aggregate_metrics.csv";
  if (!existsSync(path.join(dir, rel))) problems.push(`${rel} is missing`);
  else {
    const [header, ...rows] = readFileSync(path.join(dir, rel), "utf8").trim().split("\n");
    if (header !== MATCHED_AGGREGATE_HEADER) problems.push(`${rel}: header is ${header}`);
    const names = rows.map((r) => r.split(",")[0]);
    if (JSON.stringify(names) !== JSON.stringify(labels))
      problems.push(`${rel}: rows ${names.join(", ")}, expected the conditions ${labels.join(", ")}`);
    for (const r of rows)
      if (!/^\d+$/.test(r.split(",")[1] ?? "")) problems.push(`${rel}: n_iter of ${r.split(",")[0]} is not a count`);
  }
  const all = readJson(dir, "all_true_parameters.json", problems) as unknown;
  if (all !== undefined && !(Array.isArray(all) && all.length > 0))
    problems.push("all_true_parameters.json is not a list of truths");
  else if (Array.isArray(all)) matchedTruthProblems(all[0] as Json, "all_true_parameters.json[0]", problems);
  if (existsSync(path.join(dir, "iteration_1", "error.txt"))) return problems;
  matchedTruthProblems(
    readJson(dir, "iteration_1/true_parameters.json", problems),
    "iteration_1/true_parameters.json",
    problems,
  );
  for (const label of labels)
    if (!existsSync(path.join(dir, "iteration_1", `error_${label}.txt`)))
      summaryColumnsProblems(dir, `iteration_1/summary_${label}.csv`, problems);
  return problems;
};

/** The contracts by study kind; every kind whose outputs the users' notebooks read has one. */
export const NOTEBOOK_CONTRACTS: Record<string, ContractCheck> = {
  recover: recoveryContract,
  "recover-flat": flatRecoveryContract,
  sbc: sbcContract,
  power: powerCellContract,
  "prior-hierarchical": hierarchicalPriorContract,
  "prior-flat": flatPriorContract,
  "sbc-flat": flatSbcContract,
  matched: matchedContract,
};
