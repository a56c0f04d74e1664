/**
 * The recovery report (SPEC section 5): `recovery_summary/report.md`, rendered from a
 * handlebars template, and the same tables as plain text for the terminal.
 *
 * Numbers are formatted as Report 11 prints them: Python's `round(x, n)` (round half to even
 * on the exact binary value), then pandas' `DataFrame.to_string(index=False)` column layout
 * (each float column printed with the fewest decimals that show every rounded value, at least
 * one), `f"{x:.2f}"` for the alpha ranges and `f"{x:.4f}%"` for the divergence percentage.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Handlebars from "handlebars";
import { coverageMonteCarloSE, type ParameterRecovery, type RecoveryStatistics } from "../analysis/recovery.js";
import {
  groupParameters,
  trackedParameters,
  type ParameterNames,
  type TrackedParameter,
} from "../analysis/trackedParameters.js";
import { InputError } from "../util/errors.js";
import { writeFileAtomic } from "../util/atomicWrite.js";

/** What parseDiagnose (src/cmdstan/diagnose.ts) returns for one iteration's diagnostics.txt. */
export interface DiagnosticsReading {
  divergences: number;
  /** Already defaulted to chains x draws by the parser where its regex did not match. */
  transitions: number;
  ebfmiOk: boolean;
  treedepthMentioned: boolean;
}

/** The run's settings as the report prints them. */
export interface ReportConfig {
  n_iterations: number;
  n_mcmc_chains: number;
  /** Post-warmup draws per chain. */
  n_mcmc_samples: number;
  n_warmup: number;
  adapt_delta: number;
  max_treedepth: number;
  J: number;
  K: number;
  D: number;
  P: number;
  M_total: number;
  cmdstan_version: string;
  /** How the 5/50/95% quantiles were computed (that CmdStan's stansummary rule), when known. */
  quantile_rule?: string;
  /** The inference model's .stan file. */
  model_path: string;
  /** The simulator's .stan file, when known. */
  sim_model_path?: string;
  design_name?: string;
  /** Wall-clock time of the whole run, in seconds. */
  wall_time_seconds: number;
}

/** Everything the pipeline passes to the report. */
export interface ReportInput {
  /** Defaults to "Hierarchical parameter recovery". */
  title?: string;
  config: ReportConfig;
  /** The config's names of the tracked outputs: tables and captions use the model's own names. */
  names: ParameterNames;
  /** One reading per iteration whose diagnostics.txt exists (successful or not), any order. */
  diagnostics: Array<{ iteration: number; reading: DiagnosticsReading }>;
  /** computeRecoveryStatistics over the successful iterations ({} when none succeeded). */
  statistics: RecoveryStatistics;
  /** Number of successful iterations the statistics are computed from. */
  nSuccessful: number;
  /** Iterations that wrote error.txt, with the reason (its text). */
  failures: Array<{ iteration: number; reason: string }>;
  /**
   * The plot files as links from the report's directory (recovery_summary/), e.g.
   * "regression_recovery.png"; `plotLinks(reportDir, await writeRecoveryPlots(...))` makes them.
   */
  plots: string[];
}

// ---------------------------------------------------------------------------------------------
// Python-compatible number formatting

/** x * 10^n rounded half-to-even on the exact binary value of x; null when x is not finite. */
function scaledRoundHalfEven(x: number, n: number): { neg: boolean; q: bigint } | null {
  if (!Number.isFinite(x)) return null;
  const neg = x < 0 || Object.is(x, -0);
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, Math.abs(x));
  const bits = buf.getBigUint64(0);
  const expBits = Number((bits >> 52n) & 0x7ffn);
  const frac = bits & ((1n << 52n) - 1n);
  // |x| = mant * 2^exp exactly.
  const mant = expBits === 0 ? frac : frac | (1n << 52n);
  const exp = (expBits === 0 ? 1 : expBits) - 1075;
  const scaled = mant * 10n ** BigInt(n);
  if (exp >= 0) return { neg, q: scaled << BigInt(exp) };
  const k = BigInt(-exp);
  let q = scaled >> k;
  const r = scaled - (q << k);
  const half = 1n << (k - 1n);
  if (r > half || (r === half && (q & 1n) === 1n)) q += 1n;
  return { neg, q };
}

/** Python's `round(x, n)` for n >= 0 (round half to even, exact). */
export function pyRound(x: number, n: number): number {
  const s = scaledRoundHalfEven(x, n);
  if (!s) return x;
  const v = Number(s.q) / 10 ** n;
  return s.neg ? -v : v;
}

/** Python's `f"{x:.{n}f}"` (round half to even on the exact value; keeps the sign of -0). */
export function pyFixed(x: number, n: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  const s = scaledRoundHalfEven(x, n)!;
  const digits = s.q.toString().padStart(n + 1, "0");
  const body = n === 0 ? digits : `${digits.slice(0, digits.length - n)}.${digits.slice(digits.length - n)}`;
  return (s.neg ? "-" : "") + body;
}

/** Python's `f"{x:.{n}e}"`. */
function pyExp(x: number, n: number): string {
  if (!Number.isFinite(x)) return pyFixed(x, n);
  const [m, e] = x.toExponential(n).split("e");
  const sign = e.startsWith("-") ? "-" : "+";
  return `${m}e${sign}${e.replace(/^[+-]/, "").padStart(2, "0")}`;
}

/** pandas' float column formatting in `to_string` (display.precision 6, shared trailing zeros trimmed). */
export function pandasFloatColumn(values: number[]): string[] {
  const digits = 6;
  const isDecimal = (c: string) => /^\s*[+-]?[0-9]+\.[0-9]*$/.test(c);
  const shouldTrim = (cs: string[]) => {
    const nums = cs.filter(isDecimal);
    return nums.length > 0 && nums.every((c) => c.endsWith("0"));
  };
  let cells = values.map((v) => (Number.isNaN(v) ? "NaN" : pyFixed(v, digits)));
  while (shouldTrim(cells)) cells = cells.map((c) => (isDecimal(c) ? c.slice(0, -1) : c));
  cells = cells.map((c) => (isDecimal(c) && c.endsWith(".") ? `${c}0` : c));
  // pandas switches to scientific notation for tiny values, or for large ones that print long.
  const finite = values.filter((v) => Number.isFinite(v)).map(Math.abs);
  const tooLong = cells.length > 0 && Math.max(...cells.map((c) => c.length)) > digits + 6;
  const hasLarge = finite.some((v) => v > 1e6);
  const hasSmall = finite.some((v) => v > 0 && v < 10 ** -digits);
  if (hasSmall || (tooLong && hasLarge)) {
    return values.map((v) => (Number.isNaN(v) ? "NaN" : pyExp(v, digits)));
  }
  return cells;
}

type Cell = string | number | boolean;
export interface Column {
  header: string;
  kind: "string" | "int" | "float" | "bool";
  values: Cell[];
}

function formatColumn(col: Column): string[] {
  switch (col.kind) {
    case "float":
      return pandasFloatColumn(col.values as number[]);
    case "int":
      return col.values.map((v) => String(v));
    case "bool":
      return col.values.map((v) => (v ? "True" : "False"));
    default:
      return col.values.map((v) => String(v));
  }
}

/** pandas' `DataFrame.to_string(index=False)` layout. */
export function pandasToString(columns: Column[]): string {
  const formatted = columns.map((c) => {
    const header = (c.kind === "string" ? "" : " ") + c.header;
    const cells = formatColumn(c);
    const width = Math.max(header.length, ...cells.map((s) => s.length));
    return [header, ...cells].map((s) => s.padStart(width));
  });
  const nLines = formatted[0]?.length ?? 0;
  const lines: string[] = [];
  for (let i = 0; i < nLines; i++) lines.push(formatted.map((col) => col[i]).join(" "));
  return lines.join("\n");
}

/** The same columns as a GitHub-flavoured markdown table (numbers right-aligned). */
export function markdownTable(columns: Column[]): string {
  const cells = columns.map(formatColumn);
  const escape = (s: string) => s.replace(/\|/g, "\\|");
  const header = `| ${columns.map((c) => escape(c.header)).join(" | ")} |`;
  const rule = `|${columns.map((c) => (c.kind === "string" ? ":---" : "---:")).join("|")}|`;
  const n = columns[0]?.values.length ?? 0;
  const rows: string[] = [];
  for (let i = 0; i < n; i++) rows.push(`| ${cells.map((col) => escape(col[i].trim())).join(" | ")} |`);
  return [header, rule, ...rows].join("\n");
}

// ---------------------------------------------------------------------------------------------
// The view model shared by the markdown and the terminal renderings

const NOMINAL = 0.9;

/** Report 11's table columns; the param column shows the model's own names (gamma[3], alpha_cell[2]). */
function statsColumns(params: TrackedParameter[], stats: RecoveryStatistics): Column[] {
  const get = ({ key }: TrackedParameter): ParameterRecovery => {
    const s = stats[key];
    if (!s) throw new InputError(`report: recovery statistics have no entry for ${key}`);
    return s;
  };
  return [
    { header: "param", kind: "string", values: params.map((p) => p.variable) },
    { header: "bias", kind: "float", values: params.map((p) => pyRound(get(p).bias, 3)) },
    { header: "rmse", kind: "float", values: params.map((p) => pyRound(get(p).rmse, 3)) },
    { header: "coverage", kind: "float", values: params.map((p) => pyRound(get(p).coverage, 2)) },
    { header: "ci_width", kind: "float", values: params.map((p) => pyRound(get(p).ci_width, 3)) },
  ];
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return String(seconds);
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  const hms = h > 0 ? `${h} h ${m} min ${rest} s` : m > 0 ? `${m} min ${rest} s` : `${rest} s`;
  return `${pyFixed(seconds, 1)} s (${hms})`;
}

function plotCaptions(regression: TrackedParameter[], alphaVar: string): Record<string, string> {
  const names = [...new Set(regression.map((p) => p.variable.replace(/\[\d+\]$/, "")))].join(", ");
  return {
    "regression_recovery.png": `Recovery of the population-level regression parameters (${names}). Each point is one iteration; the diagonal represents perfect recovery.`,
    "alpha_recovery.png": `Recovery of the cell-level sensitivities ${alphaVar}[j].`,
    "delta_recovery.png": "Recovery of the shared utility simplex delta.",
  };
}

/** Links from `reportDir` to the given plot files (posix separators, for markdown). */
export function plotLinks(reportDir: string, files: string[]): string[] {
  return files.map((f) => path.relative(reportDir, path.resolve(f)).split(path.sep).join("/"));
}

/** A failure reason on one line, at most `max` characters. */
export function oneLine(text: string, max = 400): string {
  let t = text.replace(/\s+/g, " ").trim();
  if (t.length > max) t = `${t.slice(0, max - 1)}…`;
  return t === "" ? "(no reason recorded)" : t;
}

/** Text as a markdown code span (fenced by more backticks than it contains). */
export function codeSpan(t: string): string {
  const longestRun = Math.max(0, ...(t.match(/`+/g) ?? []).map((r) => r.length));
  const fence = "`".repeat(longestRun + 1);
  const pad = t.startsWith("`") || t.endsWith("`") ? " " : "";
  return `${fence}${pad}${t}${pad}${fence}`;
}

interface ViewModel {
  title: string;
  configLines: Array<{ key: string; value: string }>;
  nIterations: number;
  nSuccessful: number;
  diag: null | {
    nRows: number;
    tableMd: string;
    tableText: string;
    totalDivergences: number;
    totalTransitions: number;
    percent: string;
    ebfmiAll: string;
    ebfmiFailed: string;
    divergentIterations: number;
    treedepthMentioned: number;
  };
  alphaVar: string;
  stats: null | {
    population: { md: string; text: string };
    delta: { md: string; text: string };
    alpha: { md: string; text: string };
    alphaRmseRange: string;
    alphaCoverageRange: string;
    mcse: string;
    mcseBand: string;
    outsideBand: string;
    nOutside: number;
    nTracked: number;
  };
  failures: Array<{ iteration: number; reasonText: string; reasonMd: string; errorLink: string }>;
  plots: Array<{ link: string; alt: string; caption: string }>;
}

function buildViewModel(input: ReportInput): ViewModel {
  const c = input.config;
  for (const [name, v] of [
    ["P", c.P],
    ["J", c.J],
    ["K", c.K],
  ] as const) {
    if (!Number.isInteger(v) || v < (name === "P" ? 0 : name === "J" ? 1 : 2)) {
      throw new InputError(`report: config.${name} must be a valid dimension, got ${v}`);
    }
  }
  const configLines = [
    ["design_name", c.design_name],
    ["n_iterations", c.n_iterations],
    ["n_mcmc_chains", c.n_mcmc_chains],
    ["n_mcmc_samples", c.n_mcmc_samples],
    ["n_warmup", c.n_warmup],
    ["adapt_delta", c.adapt_delta],
    ["max_treedepth", c.max_treedepth],
    ["J", c.J],
    ["K", c.K],
    ["D", c.D],
    ["P", c.P],
    ["M_total", c.M_total],
    ["cmdstan_version", c.cmdstan_version],
    ["quantile_rule", c.quantile_rule],
    ["model_path", c.model_path],
    ["sim_model_path", c.sim_model_path],
    ["wall_time", formatDuration(c.wall_time_seconds)],
  ]
    .filter(([, v]) => v !== undefined)
    .map(([key, value]) => ({ key: String(key), value: String(value) }));

  // Sampler health, in the report's table form.
  const rows = [...input.diagnostics].sort((a, b) => a.iteration - b.iteration);
  let diag: ViewModel["diag"] = null;
  if (rows.length > 0) {
    const columns: Column[] = [
      { header: "iter", kind: "int", values: rows.map((r) => r.iteration) },
      { header: "divergences", kind: "int", values: rows.map((r) => r.reading.divergences) },
      { header: "transitions", kind: "int", values: rows.map((r) => r.reading.transitions) },
      { header: "E-BFMI ok", kind: "bool", values: rows.map((r) => r.reading.ebfmiOk) },
    ];
    const totalDivergences = rows.reduce((a, r) => a + r.reading.divergences, 0);
    const totalTransitions = rows.reduce((a, r) => a + r.reading.transitions, 0);
    diag = {
      nRows: rows.length,
      tableMd: markdownTable(columns),
      tableText: pandasToString(columns),
      totalDivergences,
      totalTransitions,
      percent: totalTransitions > 0 ? `${pyFixed((100 * totalDivergences) / totalTransitions, 4)}%` : "n/a",
      ebfmiAll: rows.every((r) => r.reading.ebfmiOk) ? "True" : "False",
      ebfmiFailed: rows
        .filter((r) => !r.reading.ebfmiOk)
        .map((r) => r.iteration)
        .join(", "),
      divergentIterations: rows.filter((r) => r.reading.divergences > 0).length,
      treedepthMentioned: rows.filter((r) => r.reading.treedepthMentioned).length,
    };
  }

  const tracked = trackedParameters(input.names, { P: c.P, J: c.J, K: c.K });
  const regression = groupParameters(tracked, "regression");
  let stats: ViewModel["stats"] = null;
  if (input.nSuccessful > 0) {
    const cells = groupParameters(tracked, "cell");
    const table = (params: TrackedParameter[]) => {
      const cols = statsColumns(params, input.statistics);
      return { md: markdownTable(cols), text: pandasToString(cols) };
    };
    const population = table(regression);
    const delta = table(groupParameters(tracked, "utility"));
    const alpha = table(cells);
    const rmses = cells.map((p) => input.statistics[p.key].rmse);
    const covs = cells.map((p) => input.statistics[p.key].coverage);
    const se = coverageMonteCarloSE(input.nSuccessful, NOMINAL);
    const lo = Math.max(0, NOMINAL - 2 * se);
    const hi = Math.min(1, NOMINAL + 2 * se);
    const outside = tracked.filter(({ key }) => {
      const cov = input.statistics[key].coverage;
      return cov < lo || cov > hi;
    });
    stats = {
      population,
      delta,
      alpha,
      alphaRmseRange: `${pyFixed(Math.min(...rmses), 2)} – ${pyFixed(Math.max(...rmses), 2)}`,
      alphaCoverageRange: `${pyFixed(Math.min(...covs), 2)} – ${pyFixed(Math.max(...covs), 2)}`,
      mcse: pyFixed(se, 3),
      mcseBand: `[${pyFixed(lo, 2)}, ${pyFixed(hi, 2)}]`,
      outsideBand: outside
        .map((p) => `${p.variable} (${pyFixed(pyRound(input.statistics[p.key].coverage, 2), 2)})`)
        .join(", "),
      nOutside: outside.length,
      nTracked: tracked.length,
    };
  }

  const failures = [...input.failures]
    .sort((a, b) => a.iteration - b.iteration)
    .map((f) => ({
      iteration: f.iteration,
      reasonText: oneLine(f.reason),
      reasonMd: codeSpan(oneLine(f.reason)),
      errorLink: `../iteration_${f.iteration}/error.txt`,
    }));

  const captions = plotCaptions(regression, input.names.alphaVar);
  const plots = input.plots.map((link) => {
    const base = path.posix.basename(link);
    return { link, alt: base.replace(/\.png$/i, "").replace(/_/g, " "), caption: captions[base] ?? base };
  });

  return {
    title: input.title ?? "Hierarchical parameter recovery",
    configLines,
    nIterations: c.n_iterations,
    nSuccessful: input.nSuccessful,
    alphaVar: input.names.alphaVar,
    diag,
    stats,
    failures,
    plots,
  };
}

// ---------------------------------------------------------------------------------------------
// Rendering

const TEMPLATE_NAME = "report.md.hbs";

/** A template beside this module (src/report/templates), or from dist/report back to src. */
function templatePath(name: string): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [
    path.join(here, "templates", name),
    path.resolve(here, "..", "..", "src", "report", "templates", name),
  ];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`report template ${name} not found; looked in ${candidates.join(", ")}`);
  return found;
}

/** A handlebars template of src/report/templates, compiled strict and without HTML escaping. */
export function loadTemplate<T>(name: string): Handlebars.TemplateDelegate<T> {
  return Handlebars.create().compile<T>(readFileSync(templatePath(name), "utf8"), { noEscape: true, strict: true });
}

let compiled: Handlebars.TemplateDelegate<ViewModel> | undefined;

function template(): Handlebars.TemplateDelegate<ViewModel> {
  compiled ??= loadTemplate<ViewModel>(TEMPLATE_NAME);
  return compiled;
}

/** The markdown of `recovery_summary/report.md`. */
export function renderReport(input: ReportInput): string {
  return template()(buildViewModel(input));
}

/** The report's tables as plain aligned text (as the .qmd prints them), for the terminal. */
export function renderTerminalTables(input: ReportInput): string {
  const vm = buildViewModel(input);
  const out: string[] = ["Recovery configuration:"];
  for (const l of vm.configLines) out.push(` ${l.key}: ${l.value}`);
  out.push("");
  if (vm.diag) {
    const d = vm.diag;
    out.push(d.tableText, "");
    out.push(
      `Total divergences across ${d.nRows} iterations: ${d.totalDivergences} out of ${d.totalTransitions} transitions (${d.percent}).`,
    );
    out.push(`E-BFMI satisfied in all ${d.nRows} iterations: ${d.ebfmiAll}.`);
    out.push(`"treedepth" mentioned in the diagnostics of ${d.treedepthMentioned} of ${d.nRows} iterations.`);
  } else {
    out.push("No diagnostics.txt was read: no sampler-health table.");
  }
  out.push("");
  if (vm.stats) {
    const s = vm.stats;
    out.push(`Recovery statistics over ${vm.nSuccessful} successful iterations (of ${vm.nIterations}).`, "");
    out.push("Population-level parameters:", "", s.population.text, "");
    out.push("Utility simplex:", "", s.delta.text, "");
    out.push(`Cell-level sensitivities (${vm.alphaVar}):`, "", s.alpha.text, "");
    out.push(`Alpha RMSE range: ${s.alphaRmseRange}`);
    out.push(`Alpha coverage range: ${s.alphaCoverageRange}`);
    out.push(
      `Monte Carlo SE of a 90% coverage estimate: sqrt(0.9 x 0.1 / ${vm.nSuccessful}) = ${s.mcse}; ` +
        `0.90 +- 2 SE = ${s.mcseBand}.`,
    );
    out.push(`Coverages outside that band: ${s.outsideBand === "" ? "none" : s.outsideBand}.`);
  } else {
    out.push(`No successful iterations (of ${vm.nIterations}): no recovery statistics.`);
  }
  if (vm.failures.length > 0) {
    out.push("", `Failed iterations (${vm.failures.length}):`);
    for (const f of vm.failures) out.push(` ${f.iteration}: ${f.reasonText}`);
  }
  return out.join("\n") + "\n";
}

/** Writes `report.md` into `reportDir` (temp file + rename) and returns its path. */
export async function writeReport(reportDir: string, input: ReportInput): Promise<string> {
  const text = renderReport(input);
  const file = path.join(reportDir, "report.md");
  await writeFileAtomic(file, text);
  return file;
}
