/**
 * What both families' outputs share: figures written as PNG, histogram panels, the parameter
 * summary as a report table, the SEU-maximiser and failure sections of report.md, and the outcome
 * the CLI prints.
 */
import path from "node:path";
import { linearQuantile, type Described, type Spread } from "../../analysis/describe.js";
import {
  boxOf,
  extent,
  histogramBins,
  histogramPanel,
  type Box,
  type PanelText,
  type RuleLine,
} from "../../report/panels.js";
import type { BaseStudyConfig } from "../../pipeline/studyConfig.js";
import {
  renderSectionText,
  writeSectionReport,
  type ReportSection,
  type SectionReport,
} from "../../report/sectionReport.js";
import { codeSpan, oneLine, pyFixed, pyRound, type Column } from "../../report/text.js";
import type { StudyOutcome } from "../studyKind.js";
import type { PriorRun } from "./config.js";
import type { BlockFailure, PriorDrawsRead } from "./study.js";

export interface PriorOutcome extends StudyOutcome {
  /** Draws summarised (parameter sets x choice draws, failed blocks left out). */
  rows: number;
  failures: BlockFailure[];
}

/** A histogram panel of draws (40 bins over `range`, default their range), with reference lines. */
export function histogram(
  t: PanelText,
  values: ArrayLike<number>,
  opts: { range?: [number, number]; lines?: RuleLine[] } = {},
): object {
  return histogramPanel(
    { yTitle: "draws", ...t },
    [{ name: t.title, bins: histogramBins(values, 40, opts.range) }],
    opts.lines,
  );
}

/** Histogram of integer counts, one bar per value from the smallest to the largest seen. */
export function countHistogram(t: PanelText, values: readonly number[]): object {
  const [lo, hi] = extent(values);
  return histogramPanel(t, [{ name: t.title, bins: histogramBins(values, hi - lo + 1, [lo - 0.5, hi + 0.5]) }]);
}

export function boxes(label: string, values: ArrayLike<number>, group?: string): Box {
  return { ...boxOf(label, values, linearQuantile), ...(group !== undefined ? { group } : {}) };
}

/** The parameter summary as a report table (4 decimals). */
export function parameterTable(summary: Record<string, Described>): Column[] {
  const names = Object.keys(summary);
  const col = (header: keyof Described): Column => ({
    header,
    kind: "float",
    values: names.map((n) => pyRound(summary[n][header], 4)),
  });
  return [
    { header: "parameter", kind: "string", values: names },
    col("mean"),
    col("std"),
    col("median"),
    col("q05"),
    col("q95"),
  ];
}

/** Bullet points on the SEU-maximiser selection. */
export function seuBullets(label: string, problems: number, overall: number, totals: Spread): string[] {
  return [
    `${label}: the choice had the highest subjective expected utility in ${pyFixed(100 * overall, 1)}% of ` +
      `problem draws (mean over ${problems} problems of each problem's rate)`,
    `${label}: SEU-maximising choices per draw: mean ${pyFixed(totals.mean, 2)} of ${problems}, ` +
      `median ${pyFixed(totals.median, 1)}, range ${totals.min}-${totals.max}, quartiles ${pyFixed(totals.q25, 1)}-${pyFixed(totals.q75, 1)}`,
  ];
}

/** What the report says of the family: its title, its design in a few words, its design settings. */
export interface PriorReportHead {
  title: string;
  design: string;
  designSettings: SectionReport["settings"];
}

/**
 * report.md of a prior study: the family's head and sections (undefined: no draws), the run's
 * settings, and the failed blocks; returns what the CLI prints.
 */
export async function writePriorReport(
  head: PriorReportHead,
  sections: ReportSection[] | undefined,
  run: { config: BaseStudyConfig & PriorRun & { sim_model_path: string }; hyperparameters: Record<string, number> },
  read: PriorDrawsRead,
): Promise<PriorOutcome> {
  const { config } = run;
  const report: SectionReport = {
    title: head.title,
    intro:
      `What the priors imply before any data: ${read.draws.rows} joint draws of the parameters and the choices ` +
      `from ${config.sim_model_path}, on ${head.design}.`,
    settings: [
      ["sim_model_path", config.sim_model_path],
      ...head.designSettings,
      ["n_param_samples", config.n_param_samples],
      ["n_choice_samples", config.n_choice_samples],
      ["seeding", `${config.seeding} (seed ${config.seed})`],
      ["hyperparameters", JSON.stringify(run.hyperparameters)],
      ["wall_time_s", read.wallSeconds.toFixed(1)],
      ["draws", `${read.truths.sentence} (CmdStan ${read.truths.cmdstan_version})`],
    ],
    sections: [
      ...(sections ?? [{ heading: "No draws", paragraphs: ["Every block failed."] }]),
      failuresSection(read.failures),
    ],
  };
  const reportFile = await writeSectionReport(report, config.output_dir);
  return { rows: read.draws.rows, failures: read.failures, reportFile, terminalTables: renderSectionText(report) };
}

/** The failed blocks' section (their parameter sets are left out of every summary). */
function failuresSection(failures: BlockFailure[]): ReportSection {
  if (!failures.length) return { heading: "Failed blocks", paragraphs: ["None: every block of parameter sets ran."] };
  return {
    heading: "Failed blocks",
    paragraphs: [`${failures.length} block(es) failed; their parameter sets are left out of every summary above.`],
    bullets: failures.map(
      (f) =>
        `block ${f.block} (parameter sets ${f.sets}, [error.txt](${path.posix.join("blocks", `block_${f.block}`, "error.txt")})): ` +
        codeSpan(oneLine(f.reason)),
    ),
  };
}
