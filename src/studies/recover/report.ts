/**
 * The recovery report (docs/recovery.md, "The report"): `recovery_summary/report.md`, rendered
 * from a handlebars template, and the same tables as plain text for the terminal.
 *
 * Numbers are formatted as Report 11 prints them: Python's `round(x, n)` (round half to even
 * on the exact binary value), then pandas' `DataFrame.to_string(index=False)` column layout
 * (each float column printed with the fewest decimals that show every rounded value, at least
 * one), `f"{x:.2f}"` for the alpha ranges and `f"{x:.4f}%"` for the divergence percentage.
 */
import path from "node:path";
import type { RecoveryStatistics } from "../../analysis/recovery.js";
import {
  groupParameters,
  trackedParameters,
  type ParameterNames,
  type TrackedParameter,
} from "../../analysis/trackedParameters.js";
import { templateRenderer } from "../../report/templates.js";
import { formatDuration, pyFixed } from "../../report/text.js";
import { writeFileAtomic } from "../../util/atomicWrite.js";
import { InputError } from "../../util/errors.js";
import {
  coverageBand,
  diagnosticsView,
  failuresText,
  failureViews,
  plotViews,
  SAMPLER_HEALTH_PARTIAL,
  settingLines,
  settingsAndHealthText,
  statisticsTable,
  type DiagnosticsReading,
  type DiagnosticsView,
  type FailureView,
} from "../common/reportParts.js";
import { truthsLines, type TruthsRecord } from "../faithfulness.js";
import { comparisonView, type ComparisonView, type PublishedRecovery } from "./reportComparison.js";

export type { DiagnosticsReading };

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
  /** Whether these truths are the original study's (../faithfulness.ts); absent: not said. */
  truths?: TruthsRecord;
  /** A published run to set beside ours (Report 11's), given only for a config with its settings. */
  comparison?: PublishedRecovery;
}

// ---------------------------------------------------------------------------------------------
// The view model shared by the markdown and the terminal renderings

function plotCaptions(regression: TrackedParameter[], alphaVar: string): Record<string, string> {
  const names = [...new Set(regression.map((p) => p.variable.replace(/\[\d+\]$/, "")))].join(", ");
  return {
    "regression_recovery.png": `Recovery of the population-level regression parameters (${names}). Each point is one iteration; the diagonal represents perfect recovery.`,
    "alpha_recovery.png": `Recovery of the cell-level sensitivities ${alphaVar}[j].`,
    "delta_recovery.png": "Recovery of the shared utility simplex delta.",
  };
}

interface TableText {
  md: string;
  text: string;
}

interface StatisticsView {
  population: TableText;
  delta: TableText;
  alpha: TableText;
  alphaRmseRange: string;
  alphaCoverageRange: string;
  mcse: string;
  mcseBand: string;
  outsideBand: string;
  nOutside: number;
  nTracked: number;
}

interface ViewModel {
  title: string;
  configLines: Array<{ key: string; value: string }>;
  nIterations: number;
  nSuccessful: number;
  diag: DiagnosticsView | null;
  alphaVar: string;
  stats: StatisticsView | null;
  failures: FailureView[];
  plots: Array<{ link: string; alt: string; caption: string }>;
  truths: { lines: string[]; original: boolean } | null;
  comparison: ComparisonView | null;
}

function buildViewModel(input: ReportInput): ViewModel {
  const c = input.config;
  checkDimensions(c);
  const tracked = trackedParameters(input.names, { P: c.P, J: c.J, K: c.K });
  const captions = plotCaptions(groupParameters(tracked, "regression"), input.names.alphaVar);
  return {
    title: input.title ?? "Hierarchical parameter recovery",
    configLines: configLines(c),
    nIterations: c.n_iterations,
    nSuccessful: input.nSuccessful,
    alphaVar: input.names.alphaVar,
    diag: diagnosticsView(input.diagnostics),
    stats: input.nSuccessful > 0 ? statisticsView(tracked, input.statistics, input.nSuccessful) : null,
    truths: input.truths ? { lines: truthsLines(input.truths), original: input.truths.original_truths } : null,
    comparison:
      input.comparison && input.nSuccessful > 0
        ? comparisonView(tracked, input.statistics, input.nSuccessful, input.comparison, input.truths)
        : null,
    failures: failureViews(input.failures),
    plots: plotViews(input.plots, captions),
  };
}

function checkDimensions(c: ReportConfig): void {
  const least = { P: 0, J: 1, K: 2 } as const;
  for (const name of ["P", "J", "K"] as const) {
    const v = c[name];
    if (!Number.isInteger(v) || v < least[name]) {
      throw new InputError(`report: config.${name} must be a valid dimension, got ${v}`);
    }
  }
}

function configLines(c: ReportConfig): ViewModel["configLines"] {
  return settingLines([
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
  ]);
}

/** The three tables, the alpha ranges and the coverages outside 0.90 +- 2 Monte Carlo SE. */
function statisticsView(tracked: TrackedParameter[], statistics: RecoveryStatistics, n: number): StatisticsView {
  const table = (params: TrackedParameter[]) => statisticsTable(params, statistics);
  // The tables first: they refuse statistics that lack a tracked parameter.
  const [population, delta, alpha] = (["regression", "utility", "cell"] as const).map((g) =>
    table(groupParameters(tracked, g)),
  );
  const cells = groupParameters(tracked, "cell");
  const rmses = cells.map((p) => statistics[p.key].rmse);
  const covs = cells.map((p) => statistics[p.key].coverage);
  return {
    population,
    delta,
    alpha,
    alphaRmseRange: `${pyFixed(Math.min(...rmses), 2)} – ${pyFixed(Math.max(...rmses), 2)}`,
    alphaCoverageRange: `${pyFixed(Math.min(...covs), 2)} – ${pyFixed(Math.max(...covs), 2)}`,
    ...coverageBand(tracked, statistics, n),
  };
}

// ---------------------------------------------------------------------------------------------
// Rendering

const renderMarkdown = templateRenderer<ViewModel>(import.meta.url, "report.md.hbs", SAMPLER_HEALTH_PARTIAL);

/** The markdown of `recovery_summary/report.md`. */
export function renderReport(input: ReportInput): string {
  return renderMarkdown(buildViewModel(input));
}

/** The report's tables as plain aligned text (as the .qmd prints them), for the terminal. */
export function renderTerminalTables(input: ReportInput): string {
  const vm = buildViewModel(input);
  const out = settingsAndHealthText("Recovery configuration:", vm.configLines, vm.diag, vm.truths?.lines ?? []);
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
    if (vm.comparison) out.push("", ...comparisonText(vm.comparison));
  } else {
    out.push(`No successful iterations (of ${vm.nIterations}): no recovery statistics.`);
  }
  out.push(...failuresText(vm.failures));
  return out.join("\n") + "\n";
}

/** The comparison with the published run as terminal lines. */
function comparisonText(c: ComparisonView): string[] {
  return [
    `Beside ${c.name} (ours over ${c.nOurs} iterations, ${c.name}'s over ${c.nPublished}; * larger than noise explains):`,
    "",
    c.tableText,
    "",
    `Monte Carlo SE of a coverage over ${c.nPublished} iterations: ${c.coverageSE}; of the difference of two at 0.90: ` +
      `${c.coverageDifferenceFormula.replace(/×/g, "x")} = ${c.coverageDifferenceSE}.`,
    `Larger than noise explains (|ours - ${c.name}| > 2 SE of the difference): ${c.nFlagged} of ${c.nComparisons}` +
      `${c.flagged ? `: ${c.flagged}` : ""}; about ${c.expectedByChance} by chance.`,
    ...(c.truthsNote ? [c.truthsNote] : []),
  ];
}

/** Writes `report.md` into `reportDir` (temp file + rename) and returns its path. */
export async function writeReport(reportDir: string, input: ReportInput): Promise<string> {
  const text = renderReport(input);
  const file = path.join(reportDir, "report.md");
  await writeFileAtomic(file, text);
  return file;
}
