/**
 * The grid's report.md (docs/sample-size.md "The report"): the settings, a table per size of
 * alpha's precision and the groups' averages, the failed iterations, the figures, and what
 * differs from the original; the same tables are printed when the run ends.
 */
import path from "node:path";
import type { SizeMetrics } from "../../analysis/sampleSize.js";
import { codeSpan, formatDuration, markdownTable, oneLine, plotLinks, type Column } from "../../report/text.js";
import { writeFileAtomic } from "../../util/atomicWrite.js";
import type { StudyOutcome } from "../studyKind.js";
import type { SampleSizeConfig } from "./config.js";
import type { SampleSizeCellSummary } from "./summarize.js";

/** The mean of a metric over a group's elements in one size (undefined without metrics). */
function groupMean(s: SampleSizeCellSummary, group: "beta" | "delta", f: keyof SizeMetrics): number | undefined {
  const members = s.tracked.filter((t) => t.group === group).map((t) => s.metrics[t.key]);
  if (!members.length || members.some((m) => !m)) return undefined;
  return members.reduce((a, m) => a + m[f], 0) / members.length;
}

const floats = (header: string, values: (number | undefined)[]): Column => ({
  header,
  kind: "string",
  align: "right",
  values: values.map((v) => (v === undefined ? "-" : v.toFixed(3))),
});

/** One row per size: successes, alpha's width (mean, sd), RMSE, MAE, coverage, and beta's and delta's averages. */
export function sizesTable(sizes: SampleSizeCellSummary[]): string {
  return markdownTable([
    { header: "M", kind: "int", values: sizes.map((s) => s.M) },
    { header: "iterations ok", kind: "int", values: sizes.map((s) => s.nSuccessful) },
    floats(
      "alpha width",
      sizes.map((s) => s.widths.alpha?.mean),
    ),
    floats(
      "alpha width sd",
      sizes.map((s) => s.widths.alpha?.std),
    ),
    floats(
      "alpha RMSE",
      sizes.map((s) => s.metrics.alpha?.rmse),
    ),
    floats(
      "alpha MAE",
      sizes.map((s) => s.metrics.alpha?.mae),
    ),
    floats(
      "alpha coverage",
      sizes.map((s) => s.metrics.alpha?.coverage),
    ),
    floats(
      "beta width (avg)",
      sizes.map((s) => groupMean(s, "beta", "ci_width")),
    ),
    floats(
      "beta RMSE (avg)",
      sizes.map((s) => groupMean(s, "beta", "rmse")),
    ),
    floats(
      "delta width (avg)",
      sizes.map((s) => groupMean(s, "delta", "ci_width")),
    ),
    floats(
      "delta RMSE (avg)",
      sizes.map((s) => groupMean(s, "delta", "rmse")),
    ),
  ]);
}

function settings(config: SampleSizeConfig, wallSeconds: number): string {
  const rows: [string, unknown][] = [
    ["K, D, R", `${config.K}, ${config.D}, ${config.R}`],
    ["M_grid", config.M_grid.join(", ")],
    ["base design", config.base_design_path ?? "generated from the seed (base_design.json)"],
    ["n_iterations", config.n_iterations],
    [
      "n_mcmc_chains x n_mcmc_samples (warmup)",
      `${config.n_mcmc_chains} x ${config.n_mcmc_samples} (${config.warmup})`,
    ],
    ["inference model", config.inference_model_path],
    ["simulator", config.sim_model_path],
    ["seed", `${config.seed} (iteration i simulates with seed + i - 1 in every size)`],
    ["wall time", formatDuration(wallSeconds)],
  ];
  return rows.map(([k, v]) => `- ${k}: ${codeSpan(String(v))}`).join("\n");
}

export async function writeGridReport(
  config: SampleSizeConfig,
  sizes: SampleSizeCellSummary[],
  figures: { file: string; caption: string }[],
  wallSeconds: number,
): Promise<StudyOutcome> {
  const out = config.output_dir;
  const table = sizesTable(sizes);
  const failures = sizes.flatMap((s) =>
    s.failures.map((f) => `- M = ${s.M}, iteration ${f.iteration}: ${oneLine(f.reason)}`),
  );
  const links = plotLinks(
    out,
    figures.map((f) => f.file),
  );
  const text = [
    "# Sample-size study",
    "",
    ...(config.description ? [config.description, ""] : []),
    settings(config, wallSeconds),
    "",
    "## Recovery against the number of problems",
    "",
    "Widths are of the 90% intervals (5% to 95% quantiles); the sd is the population sd over the iterations.",
    "Every size recovers the same truths (the same seeds), on its own design (the same alternatives, fresh problems).",
    "Per parameter: recovery_summary_vs_M.csv; alpha's widths: alpha_interval_widths.csv; each size: M_<M>/report.md.",
    "",
    table,
    "",
    ...(failures.length ? ["## Failed iterations", "", ...failures, ""] : []),
    "## Figures",
    "",
    ...figures.flatMap((f, i) => [`![${f.caption}](${links[i]})`, "", f.caption, ""]),
    "## What differs from the original",
    "",
    "The original stops at its first iteration (its fit data are never made); this study runs what it meant to:",
    "the fit gets the design's data and the simulated choices, and the truths are kept. Designs are seeded.",
    "See docs/sample-size.md.",
    "",
  ].join("\n");
  const reportFile = path.join(out, "report.md");
  await writeFileAtomic(reportFile, text);
  return { terminalTables: table, reportFile };
}
