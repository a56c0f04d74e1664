/**
 * The sample-size grid (docs/sample-size.md "The grid"): a cell M_<M> per size of M_grid, each
 * the config with M set (its folder `<output_dir>/M_<M>`); before anything runs, the generated
 * base design is saved as base_design.json; after, the sizes' summaries become the original's
 * alpha_interval_widths.csv and recovery_summary_vs_M.csv, the figures against M and report.md.
 */
import path from "node:path";
import { writeFileAtomic } from "../../util/atomicWrite.js";
import type { GridSupport } from "../studyKind.js";
import { cellName, type SampleSizeConfig } from "./config.js";
import { writeBaseDesign } from "./design.js";
import { writeGridFigures, type SizePoint } from "./plots.js";
import { writeGridReport } from "./report.js";
import type { SampleSizeCellSummary } from "./summarize.js";

export const sampleSizeGrid: GridSupport<SampleSizeConfig, SampleSizeCellSummary> = {
  // A config with M is one cell (the grid made it, or the user asked for one size).
  cells: (config) =>
    config.M === undefined ? config.M_grid.map((M) => ({ name: cellName(M), set: { M } })) : undefined,
  preflight: async (_cells, config) => {
    await writeBaseDesign(config);
    return { proceed: true };
  },
  summarize: async (cells, config, wallSeconds) => {
    const sizes = cells.map((c) => c.summary);
    const out = config.output_dir;
    await writeFileAtomic(path.join(out, "alpha_interval_widths.csv"), intervalWidthsCsv(sizes));
    await writeFileAtomic(path.join(out, "recovery_summary_vs_M.csv"), recoverySummaryCsv(sizes));
    const figures = await writeGridFigures(out, sizes.filter((s) => s.nSuccessful).map(sizePoint));
    return writeGridReport(config, sizes, figures, wallSeconds);
  },
};

/** The scalars in the columns' order: alpha, omega, kappa (those the model has). */
const SCALAR_COLUMNS = ["alpha", "omega", "kappa"];
const scalarsOf = (s: SampleSizeCellSummary) =>
  SCALAR_COLUMNS.filter((k) => s.tracked.some((t) => t.group === "scalar" && t.key === k));

/** A CSV of the header and rows; a size without successful iterations has empty fields. */
function csv(header: string[], rows: (number | undefined)[][]): string {
  return `${[header.join(","), ...rows.map((r) => r.map((v) => (v === undefined ? "" : String(v))).join(","))].join("\n")}\n`;
}

/** M, mean_interval_width, std_interval_width (alpha; population sd), then omega_ / kappa_ mean and std widths. */
export function intervalWidthsCsv(sizes: SampleSizeCellSummary[]): string {
  const others = scalarsOf(sizes[0]).filter((s) => s !== "alpha");
  const header = [
    "M",
    "mean_interval_width",
    "std_interval_width",
    ...others.flatMap((s) => [`${s}_mean_width`, `${s}_std_width`]),
  ];
  const rows = sizes.map((s) => [
    s.M,
    s.widths.alpha?.mean,
    s.widths.alpha?.std,
    ...others.flatMap((o) => [s.widths[o]?.mean, s.widths[o]?.std]),
  ]);
  return csv(header, rows);
}

const METRIC_COLUMNS = ["ci_width", "rmse", "mae", "coverage"] as const;

/** M, then per scalar, beta_k_d and delta_k: ci_width, rmse, mae, coverage. */
export function recoverySummaryCsv(sizes: SampleSizeCellSummary[]): string {
  const first = sizes[0];
  const scalars = scalarsOf(first);
  const keys = [...scalars, ...first.tracked.filter((t) => t.group !== "scalar").map((t) => t.key)];
  const header = ["M", ...keys.flatMap((k) => METRIC_COLUMNS.map((m) => `${k}_${m}`))];
  const rows = sizes.map((s) => [s.M, ...keys.flatMap((k) => METRIC_COLUMNS.map((m) => s.metrics[k]?.[m]))]);
  return csv(header, rows);
}

/** A size's lines for the figures: each scalar, and beta and delta averaged over their elements. */
function sizePoint(s: SampleSizeCellSummary): SizePoint {
  const lines: SizePoint["lines"] = {};
  for (const k of scalarsOf(s)) lines[k] = s.metrics[k];
  for (const g of ["beta", "delta"] as const) {
    const members = s.tracked.filter((t) => t.group === g).map((t) => s.metrics[t.key]);
    const mean = (f: keyof (typeof members)[0]) => members.reduce((a, m) => a + m[f], 0) / members.length;
    lines[`${g} (avg)`] = {
      ci_width: mean("ci_width"),
      rmse: mean("rmse"),
      mae: mean("mae"),
      coverage: mean("coverage"),
      bias: mean("bias"),
    };
  }
  return { M: s.M, lines, alphaWidth: s.widths.alpha };
}
