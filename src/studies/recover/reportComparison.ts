/**
 * The recovery report's comparison with a published run (Report 11's table, report11.ts): our
 * bias, RMSE, coverage and width beside the published ones, parameter by parameter, with the
 * differences larger than Monte Carlo noise explains flagged (src/analysis/publishedComparison.ts
 * says how), and what to expect when the truths are not the original study's
 * (docs/recovery.md, "Report 11's numbers").
 */
import {
  compareRecovery,
  RECOVERY_METRICS,
  type ParameterComparison,
  type RecoveryMetric,
} from "../../analysis/publishedComparison.js";
import { coverageMonteCarloSE, type RecoveryStandardErrors, type RecoveryStatistics } from "../../analysis/recovery.js";
import type { TrackedParameter } from "../../analysis/trackedParameters.js";
import { markdownTable, pandasToString, pyFixed, type Column } from "../../report/text.js";
import type { TruthsRecord } from "../faithfulness.js";

/** A published run to set beside ours: its name, iterations and table, and our own Monte Carlo SEs. */
export interface PublishedRecovery {
  name: string;
  iterations: number;
  published: RecoveryStatistics;
  /** recoveryStandardErrors over our successful iterations. */
  standardErrors: Record<string, RecoveryStandardErrors>;
}

export interface ComparisonView {
  name: string;
  tableMd: string;
  tableText: string;
  nOurs: number;
  nPublished: number;
  /** SE of one coverage over the published run's iterations, and of the difference of ours and theirs, at 0.90. */
  coverageSE: string;
  coverageDifferenceSE: string;
  coverageDifferenceFormula: string;
  nComparisons: number;
  nFlagged: number;
  flagged: string;
  expectedByChance: string;
  /** What differences to expect, given the truths. */
  truthsNote: string;
}

const NOMINAL = 0.9;
const DECIMALS: Record<RecoveryMetric, number> = { bias: 3, rmse: 3, coverage: 2, ci_width: 3 };

function flaggedText(c: ParameterComparison): string {
  return RECOVERY_METRICS.filter((m) => c.metrics[m].beyondNoise)
    .map((m) => {
      const { ours, published, se } = c.metrics[m];
      const d = DECIMALS[m];
      return `${m} ${ours - published >= 0 ? "+" : ""}${pyFixed(ours - published, d)} > 2 SE ${pyFixed(2 * se, d)}`;
    })
    .join("; ");
}

/** The side-by-side table: ours (flagged ones marked) and the published value per metric. */
function columns(rows: ParameterComparison[], variables: Map<string, string>, name: string, md: boolean): Column[] {
  const mark = (s: string) => (md ? `**${s}**` : `${s}*`);
  const cols: Column[] = [{ header: "param", kind: "string", values: rows.map((r) => variables.get(r.key) ?? r.key) }];
  for (const m of RECOVERY_METRICS) {
    const ours = rows.map((r) => {
      const s = pyFixed(r.metrics[m].ours, DECIMALS[m]);
      return r.metrics[m].beyondNoise ? mark(s) : s;
    });
    cols.push({ header: m, kind: "string", align: "right", values: ours });
    cols.push({
      header: name,
      kind: "string",
      align: "right",
      values: rows.map((r) => pyFixed(r.metrics[m].published, DECIMALS[m])),
    });
  }
  cols.push({ header: "larger than noise", kind: "string", values: rows.map((r) => flaggedText(r) || "-") });
  return cols;
}

function truthsNote(truths: TruthsRecord | undefined): string {
  if (!truths) return "";
  if (!truths.original_truths)
    return (
      `These truths are not the original study's (${truths.sentence}). Statistics that depend on the truths ` +
      `(bias and RMSE, alpha's above all: alpha is log-normal, and over 20 iterations one large truth dominates its RMSE) ` +
      `are expected to differ from the published ones, beyond the bands above too, and that is not a defect; ` +
      `coverage and interval width depend on the truths less.`
    );
  return (
    `The truths are the original study's (${truths.sentence}); the design's choice problems and the MCMC draws are ` +
    `this run's own (the original's design was not seeded), so the numbers agree within Monte Carlo error, not digit ` +
    `for digit. The bands treat the two runs as independent, which with the same truths makes them wide.`
  );
}

/** The comparison, in the tracked parameters' order. */
export function comparisonView(
  tracked: TrackedParameter[],
  statistics: RecoveryStatistics,
  nOurs: number,
  published: PublishedRecovery,
  truths: TruthsRecord | undefined,
): ComparisonView {
  // Report 11 prints as many decimals as this report (DECIMALS): its rounding is no difference.
  const rows = compareRecovery(
    statistics,
    published.standardErrors,
    nOurs,
    published.published,
    published.iterations,
    DECIMALS,
  );
  const variables = new Map(tracked.map((t) => [t.key, t.variable]));
  const flagged = rows.filter((r) => flaggedText(r) !== "");
  const nComparisons = rows.length * RECOVERY_METRICS.length;
  const nFlagged = rows.reduce((a, r) => a + RECOVERY_METRICS.filter((m) => r.metrics[m].beyondNoise).length, 0);
  const nP = published.iterations;
  const diffSE = Math.sqrt(NOMINAL * (1 - NOMINAL) * (1 / nOurs + 1 / nP));
  return {
    name: published.name,
    tableMd: markdownTable(columns(rows, variables, published.name, true)),
    tableText: pandasToString(columns(rows, variables, published.name, false)),
    nOurs,
    nPublished: nP,
    coverageSE: pyFixed(coverageMonteCarloSE(nP, NOMINAL), 3),
    coverageDifferenceSE: pyFixed(diffSE, 3),
    coverageDifferenceFormula:
      nOurs === nP ? `sqrt(2 × 0.9 × 0.1 / ${nP})` : `sqrt(0.9 × 0.1 × (1/${nOurs} + 1/${nP}))`,
    nComparisons,
    nFlagged,
    flagged: flagged.map((r) => `${variables.get(r.key) ?? r.key} (${flaggedText(r)})`).join(", "),
    expectedByChance: pyFixed(0.05 * nComparisons, 1),
    truthsNote: truthsNote(truths),
  };
}
