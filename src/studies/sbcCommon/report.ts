/**
 * The SBC report of every SBC kind: `sbc_results/report.md` (templates/report.md.hbs) and the
 * same tables as plain text for the terminal: the configuration, how many simulations failed
 * (counted, never dropped silently), sampler health, the per-parameter table (chi-square on
 * fair bins, the original's KS test, the ECDF against its simultaneous band), the parameters
 * outside their bands, and the plots. The kind gives its settings, plots and their captions.
 */
import path from "node:path";
import type { SamplerHealth } from "../../analysis/samplerHealth.js";
import type { SbcStatistics } from "../../analysis/sbc.js";
import { templateRenderer } from "../../report/templates.js";
import {
  codeSpan,
  formatDuration,
  markdownTable,
  oneLine,
  pandasToString,
  pyFixed,
  type Column,
} from "../../report/text.js";
import { writeFileAtomic } from "../../util/atomicWrite.js";
import type { SbcOutcome, SbcRecords } from "./outputs.js";
import { CMDSTAN_DEFAULT_ADAPT_DELTA, type SbcSamplerSettings } from "./sampler.js";
import { truthsLines, type TruthsRecord } from "../faithfulness.js";
import { sbcComparisonView, type SbcComparisonInput, type SbcComparisonView } from "./reportComparison.js";

/** Thresholds a simulation's health is judged by. */
export const EBFMI_THRESHOLD = 0.3;
/** Vehtari et al. (2021)'s threshold, and the classic one that marks a simulation as a problem: a single chain's split R-hat over a few hundred draws exceeds 1.01 often by chance. */
export const RHAT_STRICT = 1.01;
export const RHAT_THRESHOLD = 1.05;
const SIGNIFICANCE = 0.05;

export interface SbcReportInput {
  model: string;
  /** Settings in display order. */
  config: Array<[string, string | number]>;
  wallSeconds: number;
  nRequested: number;
  failures: Array<{ simulation: number; reason: string }>;
  health: Array<{ simulation: number; health: SamplerHealth }>;
  /** Null when no simulation succeeded. */
  statistics: SbcStatistics | null;
  /** Plot files as links from the report's folder. */
  plots: string[];
  /** Whether these truths are the original study's (../faithfulness.ts); absent: not said. */
  truths?: TruthsRecord;
  /** A published run to set beside ours (Report 12's), given only for a config with its settings. */
  comparison?: SbcComparisonInput;
  /** A caption per plot file name (rank_histograms.png: "..."). */
  captions: Record<string, string>;
  /** The folder of simulation i, as a link from the report's folder (../simulation_3). */
  simulationLink: (i: number) => string;
}

interface HealthSummary {
  n: number;
  divergences: number;
  transitions: number;
  divergentSims: number;
  treedepthHits: number;
  treedepthSims: number;
  maxTreedepth: string;
  lowEbfmiSims: number;
  minEbfmi: string;
  strictRhatSims: number;
  highRhatSims: number;
  maxRhat: string;
  problemTable: { md: string; text: string } | null;
}

const fmt = (x: number, n: number) => (Number.isFinite(x) ? pyFixed(x, n) : "nan");
const minEbfmi = (h: SamplerHealth) => Math.min(...h.ebfmi.map((e) => (Number.isFinite(e) ? e : Infinity)));
const hasProblem = (h: SamplerHealth) =>
  h.divergences > 0 || h.treedepthHits > 0 || minEbfmi(h) < EBFMI_THRESHOLD || h.maxRhat > RHAT_THRESHOLD;

function healthSummary(rows: SbcReportInput["health"]): HealthSummary | null {
  if (rows.length === 0) return null;
  const hs = rows.map((r) => r.health);
  const problems = rows.filter((r) => hasProblem(r.health));
  const worstRhat = rows.reduce((w, r) => (r.health.maxRhat > (w?.health.maxRhat ?? -Infinity) ? r : w), rows[0]);
  const columns: Column[] = [
    { header: "simulation", kind: "int", values: problems.map((r) => r.simulation) },
    { header: "divergences", kind: "int", values: problems.map((r) => r.health.divergences) },
    { header: "treedepth hits", kind: "int", values: problems.map((r) => r.health.treedepthHits) },
    { header: "min E-BFMI", kind: "string", values: problems.map((r) => fmt(minEbfmi(r.health), 3)) },
    {
      header: "max R-hat",
      kind: "string",
      values: problems.map((r) => `${fmt(r.health.maxRhat, 4)} (${r.health.maxRhatVariable ?? "-"})`),
    },
  ];
  const totalDivergences = hs.reduce((s, h) => s + h.divergences, 0);
  const transitions = hs.reduce((s, h) => s + h.transitions, 0);
  return {
    n: rows.length,
    divergences: totalDivergences,
    transitions,
    divergentSims: hs.filter((h) => h.divergences > 0).length,
    treedepthHits: hs.reduce((s, h) => s + h.treedepthHits, 0),
    treedepthSims: hs.filter((h) => h.treedepthHits > 0).length,
    maxTreedepth: [...new Set(hs.map((h) => h.maxTreedepth))].join(", "),
    lowEbfmiSims: hs.filter((h) => minEbfmi(h) < EBFMI_THRESHOLD).length,
    minEbfmi: fmt(Math.min(...hs.map(minEbfmi)), 3),
    strictRhatSims: hs.filter((h) => h.maxRhat > RHAT_STRICT).length,
    highRhatSims: hs.filter((h) => h.maxRhat > RHAT_THRESHOLD).length,
    maxRhat: `${fmt(worstRhat.health.maxRhat, 4)} (simulation ${worstRhat.simulation}, ${worstRhat.health.maxRhatVariable ?? "-"})`,
    problemTable: problems.length ? { md: markdownTable(columns), text: pandasToString(columns) } : null,
  };
}

function parameterColumns(stats: SbcStatistics): Column[] {
  const ps = stats.parameters;
  return [
    { header: "param", kind: "string", values: ps.map((p) => p.variable) },
    { header: "chi2", kind: "string", values: ps.map((p) => fmt(p.chi2.statistic, 2)) },
    { header: "chi2 p", kind: "string", values: ps.map((p) => fmt(p.chi2.pValue, 3)) },
    { header: "KS D", kind: "string", values: ps.map((p) => fmt(p.originalKs.statistic, 3)) },
    { header: "KS p", kind: "string", values: ps.map((p) => fmt(p.originalKs.pValue, 3)) },
    { header: "max |ECDF - u|", kind: "string", values: ps.map((p) => fmt(p.maxEcdfDeviation, 3)) },
    { header: "in 95% band", kind: "string", values: ps.map((p) => (p.pointsOutsideBand.length ? "NO" : "yes")) },
  ];
}

function statisticsView(stats: SbcStatistics | null) {
  if (!stats) return null;
  const ps = stats.parameters;
  const below = (xs: number[]) => xs.filter((p) => p < SIGNIFICANCE).length;
  const cols = parameterColumns(stats);
  const listBelow = (get: (p: (typeof ps)[number]) => number) =>
    ps
      .filter((p) => get(p) < SIGNIFICANCE)
      .map((p) => `${p.variable} (p = ${fmt(get(p), 3)})`)
      .join(", ");
  return {
    n: stats.n,
    nParams: ps.length,
    maxRank: stats.maxRank,
    bins: ps[0].histogram.length,
    df: ps[0].chi2.df,
    tableMd: markdownTable(cols),
    tableText: pandasToString(cols),
    chi2Below: below(ps.map((p) => p.chi2.pValue)),
    chi2BelowList: listBelow((p) => p.chi2.pValue),
    ksBelow: below(ps.map((p) => p.originalKs.pValue)),
    ksBelowList: listBelow((p) => p.originalKs.pValue),
    expectedBelow: fmt(SIGNIFICANCE * ps.length, 2),
    originalMaxRank: stats.originalMaxRank,
    originalChi2Below: below(ps.map((p) => p.originalChi2.pValue)),
    originalDropped: ps.reduce((s, p) => s + p.originalChi2.dropped, 0),
    outsideBand: stats.outsideBand.join(", "),
    nOutside: stats.outsideBand.length,
    bandLevel: fmt(stats.band.pointwiseLevel, 5),
    bandCoverage: fmt(stats.band.simultaneousCoverage, 4),
    bandPoints: stats.band.cdf.length,
  };
}

function plotViews(plots: string[], captions: Record<string, string>) {
  return plots.map((link) => {
    const base = path.posix.basename(link);
    return { link, alt: base.replace(/\.png$/i, "").replace(/_/g, " "), caption: captions[base] ?? base };
  });
}

function buildView(input: SbcReportInput) {
  return {
    model: input.model,
    configLines: [...input.config, ["wall_time", formatDuration(input.wallSeconds)] as [string, string]].map(
      ([key, value]) => ({ key, value: String(value) }),
    ),
    nRequested: input.nRequested,
    nFitted: input.nRequested - input.failures.length,
    nFailed: input.failures.length,
    failures: [...input.failures]
      .sort((a, b) => a.simulation - b.simulation)
      .map((f) => ({
        simulation: f.simulation,
        errorLink: `${input.simulationLink(f.simulation)}/error.txt`,
        reasonText: oneLine(f.reason),
        reasonMd: codeSpan(oneLine(f.reason)),
      })),
    health: healthSummary(input.health),
    ebfmiThreshold: EBFMI_THRESHOLD,
    rhatThreshold: RHAT_THRESHOLD,
    rhatStrict: RHAT_STRICT,
    stats: statisticsView(input.statistics),
    plots: plotViews(input.plots, input.captions),
    truthsLines: input.truths ? truthsLines(input.truths) : null,
    comparison:
      input.comparison && input.statistics ? sbcComparisonView(input.statistics, input.comparison, input.truths) : null,
  };
}

const renderMarkdown = templateRenderer<ReturnType<typeof buildView>>(import.meta.url, "report.md.hbs");

/** The markdown of `sbc_results/report.md`. */
export function renderSbcReport(input: SbcReportInput): string {
  return renderMarkdown(buildView(input));
}

/** The report's numbers as plain text, for the terminal. */
export function renderSbcTerminal(input: SbcReportInput): string {
  const v = buildView(input);
  const out = ["SBC configuration:", ...v.configLines.map((l) => ` ${l.key}: ${l.value}`), ""];
  if (v.truthsLines) out.push(...v.truthsLines, "");
  out.push(`Simulations: ${v.nFitted} fitted, ${v.nFailed} failed (of ${v.nRequested}).`);
  for (const f of v.failures) out.push(` simulation ${f.simulation} failed: ${f.reasonText}`);
  if (v.health) {
    const h = v.health;
    out.push(
      `Sampler health: ${h.divergences} divergent of ${h.transitions} transitions in ${h.divergentSims} simulation(s); ` +
        `${h.treedepthHits} transitions at max tree depth in ${h.treedepthSims}; E-BFMI < ${EBFMI_THRESHOLD} in ${h.lowEbfmiSims}; ` +
        `max R-hat > ${RHAT_STRICT} in ${h.strictRhatSims}, > ${RHAT_THRESHOLD} in ${h.highRhatSims} (largest ${h.maxRhat}).`,
    );
  }
  out.push("");
  if (v.stats) {
    const s = v.stats;
    out.push(
      `Rank uniformity over ${s.n} simulations (ranks 0..${s.maxRank}; chi-square on ${s.bins} bins, df ${s.df}):`,
      "",
      s.tableText,
      "",
    );
    out.push(
      `chi-square p < 0.05: ${s.chi2Below} of ${s.nParams}${s.chi2BelowList ? ` (${s.chi2BelowList})` : ""}; KS p < 0.05: ${s.ksBelow} of ${s.nParams}${s.ksBelowList ? ` (${s.ksBelowList})` : ""}; about ${s.expectedBelow} each expected by chance.`,
    );
    out.push(`Outside the simultaneous 95% ECDF band: ${s.nOutside ? s.outsideBand : "none"}.`);
    if (v.comparison) out.push("", ...comparisonText(v.comparison));
  } else {
    out.push("No simulation succeeded: no rank statistics.");
  }
  return `${out.join("\n")}\n`;
}

/** The comparison with the published run as terminal lines. */
function comparisonText(c: SbcComparisonView): string[] {
  return [
    `Beside ${c.name} (the original's chi-square and KS; ours over ${c.nOurs} simulations, ${c.name}'s over ${c.nPublished}; * disagrees at 0.05):`,
    "",
    c.tableText,
    "",
    `One p-value below 0.05 and the other not: ${c.nDisagreements} of ${c.nParams} parameters${c.disagreements ? ` (${c.disagreements})` : ""}; ` +
      `for independent uniform p-values about ${c.expectedDisagreements} of ${c.nParams} parameters by chance.`,
    ...c.below.map(
      (b) => `p < 0.05, ${b.test}: ours ${b.ours}; ${c.name} ${b.published}; about ${c.expectedBelow} by chance.`,
    ),
    ...c.quantiles.map((q) => `p-value quantiles (${c.probs}), ${q.test}: ours ${q.ours}; ${c.name} ${q.published}.`),
    ...(c.truthsNote ? [c.truthsNote] : []),
  ];
}

/** The report's lines for the SBC settings (CmdStan's defaults said as such). */
function sbcSettingsLines(config: SbcSamplerSettings): Array<[string, string | number]> {
  return [
    ["n_sbc_sims", config.n_sbc_sims],
    ["n_mcmc_chains", config.n_mcmc_chains],
    ["n_mcmc_samples (all chains)", config.n_mcmc_samples],
    ["iter_warmup / iter_sampling per chain", `${config.iterWarmup} / ${config.iterSampling}`],
    ["thin", config.thin],
    ["adapt_delta", config.adapt_delta ?? `${CMDSTAN_DEFAULT_ADAPT_DELTA} (CmdStan's default)`],
    ["max_treedepth", config.max_treedepth ?? `${config.maxTreedepthUsed} (CmdStan's default)`],
  ];
}

/** What a kind gives its report besides the records. */
export interface SbcReportSettings {
  config: SbcSamplerSettings & { sbc_model_path: string; seed: number };
  designName: string;
  /** The design's sizes and any data beyond it, as the kind shows them. */
  designLines: Array<[string, string | number]>;
  cmdstanVersion: string;
  wallSeconds: number;
  plots: string[];
  captions: SbcReportInput["captions"];
  simulationLink: SbcReportInput["simulationLink"];
  truths?: TruthsRecord;
  comparison?: SbcComparisonInput;
}

/** Writes `report.md` into `dir` from the records; returns the study's outcome with it and the terminal's tables. */
export async function writeSbcReport(dir: string, read: SbcRecords, settings: SbcReportSettings): Promise<SbcOutcome> {
  const { config } = settings;
  const input: SbcReportInput = {
    model: path.basename(config.sbc_model_path),
    config: [
      ["sbc_model_path", config.sbc_model_path],
      ["design_name", settings.designName],
      ...sbcSettingsLines(config),
      ...settings.designLines,
      ["seed (simulation i: seed + i - 1)", config.seed],
      ["cmdstan_version", settings.cmdstanVersion],
    ],
    wallSeconds: settings.wallSeconds,
    nRequested: config.n_sbc_sims,
    plots: settings.plots,
    captions: settings.captions,
    simulationLink: settings.simulationLink,
    truths: settings.truths,
    comparison: settings.comparison,
    failures: read.failures,
    health: read.results.map((r, k) => ({ simulation: r.simulation, health: read.health[k] })),
    statistics: read.statistics,
  };
  const reportFile = path.join(dir, "report.md");
  await writeFileAtomic(reportFile, renderSbcReport(input));
  return {
    statistics: read.statistics,
    nSuccessful: read.results.length,
    failures: read.failures,
    reportFile,
    terminalTables: renderSbcTerminal(input),
  };
}
