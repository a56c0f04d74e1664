/**
 * The parts of a recovery report that do not depend on the model family: the run's settings as
 * key/value lines, the sampler health read from every diagnostics.txt (the table of divergences,
 * transitions and E-BFMI per iteration, and their totals), the failed iterations, and the plot
 * links with captions. The markdown of the sampler-health section is the partial
 * templates/samplerHealth.md.hbs (`{{> samplerHealth}}` in a kind's report template).
 */
import path from "node:path";
import type { DiagnoseReading } from "../../cmdstan/diagnose.js";
import { coverageMonteCarloSE, type ParameterRecovery, type RecoveryStatistics } from "../../analysis/recovery.js";
import { codeSpan, markdownTable, oneLine, pandasToString, pyFixed, pyRound, type Column } from "../../report/text.js";
import { InputError } from "../../util/errors.js";

/** The partial a kind's report template includes for its sampler-health section. */
export const SAMPLER_HEALTH_PARTIAL = { samplerHealth: { moduleUrl: import.meta.url, name: "samplerHealth.md.hbs" } };

/** What parseDiagnose (src/cmdstan/diagnose.ts) returns for one iteration's diagnostics.txt. */
export type DiagnosticsReading = DiagnoseReading;

export interface DiagnosticsView {
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
}

export interface FailureView {
  iteration: number;
  reasonText: string;
  reasonMd: string;
  errorLink: string;
}

/** Settings as report lines, in the order given; undefined values are left out. */
export function settingLines(pairs: [string, unknown][]): Array<{ key: string; value: string }> {
  return pairs.filter(([, v]) => v !== undefined).map(([key, value]) => ({ key, value: String(value) }));
}

/** Sampler health, in the report's table form; null when no diagnostics.txt was read. */
export function diagnosticsView(
  diagnostics: Array<{ iteration: number; reading: DiagnosticsReading }>,
): DiagnosticsView | null {
  const rows = [...diagnostics].sort((a, b) => a.iteration - b.iteration);
  if (rows.length === 0) return null;
  const columns: Column[] = [
    { header: "iter", kind: "int", values: rows.map((r) => r.iteration) },
    { header: "divergences", kind: "int", values: rows.map((r) => r.reading.divergences) },
    { header: "transitions", kind: "int", values: rows.map((r) => r.reading.transitions) },
    { header: "E-BFMI ok", kind: "bool", values: rows.map((r) => r.reading.ebfmiOk) },
  ];
  const totalDivergences = rows.reduce((a, r) => a + r.reading.divergences, 0);
  const totalTransitions = rows.reduce((a, r) => a + r.reading.transitions, 0);
  return {
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

/** The failed iterations in order, each with its reason on one line and a link to its error.txt. */
export function failureViews(failures: Array<{ iteration: number; reason: string }>): FailureView[] {
  return [...failures]
    .sort((a, b) => a.iteration - b.iteration)
    .map((f) => ({
      iteration: f.iteration,
      reasonText: oneLine(f.reason),
      reasonMd: codeSpan(oneLine(f.reason)),
      errorLink: `../iteration_${f.iteration}/error.txt`,
    }));
}

/** Plot links (relative to the report) with alt text and the caption `captions` gives (else the file name). */
export function plotViews(links: string[], captions: Record<string, string>) {
  return links.map((link) => {
    const base = path.posix.basename(link);
    return { link, alt: base.replace(/\.png$/i, "").replace(/_/g, " "), caption: captions[base] ?? base };
  });
}

/** The terminal's lines for the settings and the sampler health. */
export function settingsAndHealthText(
  title: string,
  lines: Array<{ key: string; value: string }>,
  d: DiagnosticsView | null,
  afterSettings: string[] = [],
): string[] {
  const out: string[] = [title];
  for (const l of lines) out.push(` ${l.key}: ${l.value}`);
  out.push("");
  if (afterSettings.length) out.push(...afterSettings, "");
  if (d) {
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
  return out;
}

/** The terminal's lines for the failed iterations (none when every iteration succeeded). */
export function failuresText(failures: FailureView[]): string[] {
  if (failures.length === 0) return [];
  return ["", `Failed iterations (${failures.length}):`, ...failures.map((f) => ` ${f.iteration}: ${f.reasonText}`)];
}

const NOMINAL = 0.9;

/** A tracked scalar as a report table names it: its key in the statistics, its model name. */
export type ReportParameter = { key: string; variable: string };

/**
 * Report 11's statistics table (param, bias, rmse, coverage, ci_width; rounded to 3, 3, 2, 3
 * decimals) for `params`, as markdown and as aligned text; the param column shows the model's
 * own names (gamma[3], beta[1,2]).
 */
export function statisticsTable(params: ReportParameter[], stats: RecoveryStatistics): { md: string; text: string } {
  const get = ({ key }: ReportParameter): ParameterRecovery => {
    const s = stats[key];
    if (!s) throw new InputError(`report: recovery statistics have no entry for ${key}`);
    return s;
  };
  const cols: Column[] = [
    { header: "param", kind: "string", values: params.map((p) => p.variable) },
    { header: "bias", kind: "float", values: params.map((p) => pyRound(get(p).bias, 3)) },
    { header: "rmse", kind: "float", values: params.map((p) => pyRound(get(p).rmse, 3)) },
    { header: "coverage", kind: "float", values: params.map((p) => pyRound(get(p).coverage, 2)) },
    { header: "ci_width", kind: "float", values: params.map((p) => pyRound(get(p).ci_width, 3)) },
  ];
  return { md: markdownTable(cols), text: pandasToString(cols) };
}

/** The Monte Carlo SE of a 90% coverage from n iterations, its 2-SE band, and which of `params` fall outside. */
export function coverageBand(params: ReportParameter[], stats: RecoveryStatistics, n: number) {
  const se = coverageMonteCarloSE(n, NOMINAL);
  const lo = Math.max(0, NOMINAL - 2 * se);
  const hi = Math.min(1, NOMINAL + 2 * se);
  const outside = params.filter(({ key }) => stats[key].coverage < lo || stats[key].coverage > hi);
  return {
    mcse: pyFixed(se, 3),
    mcseBand: `[${pyFixed(lo, 2)}, ${pyFixed(hi, 2)}]`,
    outsideBand: outside.map((p) => `${p.variable} (${pyFixed(pyRound(stats[p.key].coverage, 2), 2)})`).join(", "),
    nOutside: outside.length,
    nTracked: params.length,
  };
}
