/**
 * The matched study's report (`report.md` in the output folder) and the tables printed at the end
 * (docs/matched.md, "Outputs"): the configuration, the four conditions, aggregate_metrics.csv as
 * a table, each condition's sampler health over its fits, and the failures (each linked to its
 * error file).
 */
import path from "node:path";
import type { DiagnoseReading } from "../../cmdstan/diagnose.js";
import { templateRenderer } from "../../report/templates.js";
import { codeSpan, markdownTable, oneLine, pandasToString, pyRound, type Column } from "../../report/text.js";
import { writeFileAtomic } from "../../util/atomicWrite.js";
import { diagnosticsView, settingLines } from "../common/reportParts.js";
import type { AggregateRow } from "./aggregate.js";
import type { MatchedCondition } from "./conditions.js";
import type { MatchedFiles } from "./files.js";
import { MATCHED_METRIC_COLUMNS } from "../../analysis/matchedRecovery.js";

export interface MatchedReportInput {
  /** The run's settings, in the order the report lists them. */
  settings: [string, unknown][];
  nIterations: number;
  conditions: MatchedCondition[];
  /** The model file of each condition, by label. */
  modelOf: Record<string, string>;
  rows: AggregateRow[];
  files: MatchedFiles;
}

/** Two tables as markdown and as aligned text. */
const both = (cols: Column[]) => ({ md: markdownTable(cols), text: pandasToString(cols) });

function conditionsTable(input: MatchedReportInput) {
  const cs = input.conditions;
  return both([
    { header: "condition", kind: "string", values: cs.map((c) => c.label) },
    { header: "model", kind: "string", values: cs.map((c) => input.modelOf[c.label]) },
    { header: "M", kind: "int", values: cs.map((c) => c.M) },
    { header: "N", kind: "int", values: cs.map((c) => c.N) },
    { header: "seed_offset", kind: "int", values: cs.map((c) => c.seedOffset) },
  ]);
}

/** aggregate_metrics.csv rounded to 3 decimals; null when no iteration is complete. */
function aggregateTable(rows: AggregateRow[]) {
  if (!rows.every((r) => r.metrics)) return null;
  return both([
    { header: "condition", kind: "string", values: rows.map((r) => r.condition) },
    { header: "n_iter", kind: "int", values: rows.map((r) => r.n_iter) },
    ...MATCHED_METRIC_COLUMNS.map((k): Column => ({
      header: k,
      kind: "float",
      values: rows.map((r) => pyRound(r.metrics![k], 3)),
    })),
  ]);
}

/** Per condition: fits read, divergent transitions, fits with any, E-BFMI. */
function healthTable(input: MatchedReportInput) {
  const views = input.conditions.map((c) => {
    const readings: { iteration: number; reading: DiagnoseReading }[] = input.files.byCondition.get(
      c.label,
    )!.diagnostics;
    return { label: c.label, view: diagnosticsView(readings) };
  });
  if (views.every((v) => !v.view)) return null;
  const get = <T>(f: (v: NonNullable<ReturnType<typeof diagnosticsView>>) => T, none: T) =>
    views.map((v) => (v.view ? f(v.view) : none));
  return both([
    { header: "condition", kind: "string", values: views.map((v) => v.label) },
    { header: "fits", kind: "int", values: get((v) => v.nRows, 0) },
    { header: "divergences", kind: "int", values: get((v) => v.totalDivergences, 0) },
    { header: "transitions", kind: "int", values: get((v) => v.totalTransitions, 0) },
    { header: "divergent %", kind: "string", values: get((v) => v.percent, "n/a") },
    { header: "fits with divergences", kind: "int", values: get((v) => v.divergentIterations, 0) },
    { header: "E-BFMI ok in all", kind: "string", values: get((v) => v.ebfmiAll, "n/a") },
  ]);
}

/** Every failure: a simulation's (error.txt) or a condition's (error_<label>.txt), in iteration order. */
function failureList(input: MatchedReportInput) {
  const { files } = input;
  const all = [
    ...files.simFailures.map((f) => ({ ...f, what: "simulation", file: "error.txt" })),
    ...input.conditions.flatMap((c) =>
      files.byCondition.get(c.label)!.failures.map((f) => ({ ...f, what: c.label, file: `error_${c.label}.txt` })),
    ),
  ].sort((a, b) => a.iteration - b.iteration);
  return all.map((f) => ({
    iteration: f.iteration,
    what: f.what,
    link: path.posix.join(`iteration_${f.iteration}`, f.file),
    reasonText: oneLine(f.reason),
    reasonMd: codeSpan(oneLine(f.reason)),
  }));
}

function buildView(input: MatchedReportInput) {
  const complete = input.files.complete;
  const ran = [...input.files.truths.keys(), ...input.files.simFailures.map((f) => f.iteration)];
  return {
    configLines: settingLines(input.settings),
    nIterations: input.nIterations,
    nRan: ran.length,
    nComplete: complete.length,
    conditions: conditionsTable(input),
    aggregate: aggregateTable(input.rows),
    health: healthTable(input),
    failures: failureList(input),
  };
}

type MatchedView = ReturnType<typeof buildView>;

const renderMarkdown = templateRenderer<MatchedView>(import.meta.url, "report.md.hbs");

/** The report's tables as plain text, for the terminal. */
export function renderMatchedTerminalTables(input: MatchedReportInput): string {
  const vm = buildView(input);
  const out = ["Matched recovery configuration:", ...vm.configLines.map((l) => ` ${l.key}: ${l.value}`), ""];
  out.push(vm.conditions.text, "");
  if (vm.health) out.push("Sampler health by condition:", "", vm.health.text, "");
  if (vm.aggregate) {
    out.push(`aggregate_metrics.csv over the ${vm.nComplete} iterations where all four conditions finished:`, "");
    out.push(vm.aggregate.text);
  } else out.push(`No iteration of ${vm.nRan} finished all four conditions: no aggregate metrics.`);
  if (vm.failures.length)
    out.push(
      "",
      `Failures (${vm.failures.length}):`,
      ...vm.failures.map((f) => ` ${f.iteration} ${f.what}: ${f.reasonText}`),
    );
  return out.join("\n") + "\n";
}

/** Writes `report.md` into `dir` and returns its path. */
export async function writeMatchedReport(dir: string, input: MatchedReportInput): Promise<string> {
  const file = path.join(dir, "report.md");
  await writeFileAtomic(file, renderMarkdown(buildView(input)));
  return file;
}
