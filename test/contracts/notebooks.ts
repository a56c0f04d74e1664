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

/** The contracts by study kind; every kind whose outputs the users' notebooks read has one. */
export const NOTEBOOK_CONTRACTS: Record<string, ContractCheck> = {
  recover: recoveryContract,
  sbc: sbcContract,
};
