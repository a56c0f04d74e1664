/**
 * What both sweeps (recovery and SBC, docs/sweeps.md) write the same way: the shared design
 * checked against every cell, `sweep_summary.csv`, the line panels of the figures against the
 * swept value, and `report.md`.
 */
import path from "node:path";
import { templateRenderer } from "../../report/templates.js";
import { formatDuration, markdownTable, pandasToString, plotLinks, type Column } from "../../report/text.js";
import { writeFileAtomic } from "../../util/atomicWrite.js";
import type { StudyOutcome } from "../studyKind.js";
import { SWEPT_DATA } from "./config.js";

export const SWEEP_FILES = { json: "sweep_summary.json", csv: "sweep_summary.csv", report: "report.md" } as const;

/**
 * Every cell must run on the grid's design (written once to `<output_dir>/study_design.json`):
 * the cells are the same config and seed, so a cell whose fingerprint holds another design is
 * a bug, stopped before any fit.
 */
export function checkSharedDesign(cells: { name: string; study: { fingerprint: object } }[], designHash: string) {
  for (const c of cells) {
    const hash = (c.study.fingerprint as { design_hash?: unknown }).design_hash;
    if (hash !== designHash)
      throw new Error(`sweep cell ${c.name}: design ${String(hash)}, not the grid's ${designHash}`);
  }
}

/** A CSV of names and numbers (no field needs quoting); numbers as JavaScript prints them, in full. */
export function csvText(header: string[], rows: (string | number)[][]): string {
  return [header, ...rows].map((r) => r.map((v) => String(v)).join(",")).join("\n") + "\n";
}

/**
 * One panel: `y` against the swept value (log axis: the users' grids span decades), a line per
 * series; `reference` a dashed horizontal line.
 */
export function linePanel(
  title: string,
  values: { value: number; series: string; y: number }[],
  y: { title: string; domain?: number[] },
  reference?: number,
): object {
  const encoding = {
    x: { field: "value", type: "quantitative", title: `${SWEPT_DATA} (log)`, scale: { type: "log", nice: false } },
    y: { field: "y", type: "quantitative", title: y.title, scale: y.domain ? { domain: y.domain } : { zero: false } },
    color: { field: "series", type: "nominal", title: null, sort: null },
  };
  const layers: object[] = [{ data: { values }, mark: { type: "line", point: true }, encoding }];
  if (reference !== undefined)
    layers.push({
      data: { values: [{ r: reference }] },
      mark: { type: "rule", strokeDash: [5, 4], color: "#555555" },
      encoding: { y: { field: "r", type: "quantitative" } },
    });
  return { width: 320, height: 230, title, layer: layers };
}

const render = templateRenderer<object>(import.meta.url, "sweep_report.md.hbs");

export interface SweepReport {
  title: string;
  intro: string[];
  values: readonly number[];
  designHash: string;
  wallSeconds: number;
  /** Tables: the first is also printed on the terminal. */
  sections: { heading: string; columns: Column[]; note?: string }[];
  cells: { folder: string; link: string; text: string }[];
  figures: { file: string; caption: string }[];
}

/** report.md in the grid's folder, and the terminal's table. */
export async function writeSweepReport(outputDir: string, r: SweepReport): Promise<StudyOutcome> {
  const file = path.join(outputDir, SWEEP_FILES.report);
  const links = plotLinks(
    outputDir,
    r.figures.map((f) => f.file),
  );
  await writeFileAtomic(
    file,
    render({
      title: r.title,
      intro: r.intro,
      values: r.values.join(", "),
      designHash: r.designHash.slice(0, 12),
      wall: formatDuration(r.wallSeconds),
      sections: r.sections.map((s) => ({ heading: s.heading, table: markdownTable(s.columns), note: s.note ?? "" })),
      cells: r.cells,
      figures: r.figures.map((f, k) => ({ caption: f.caption, link: links[k] })),
    }),
  );
  const first = r.sections[0];
  return { reportFile: file, terminalTables: first ? `${pandasToString(first.columns)}\n` : "" };
}
