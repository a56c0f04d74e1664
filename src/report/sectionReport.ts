/**
 * Reports made of sections (the prior predictive and estimation reports): a title, a paragraph,
 * the run's settings, then sections of paragraphs, bullet points, one table and figures, rendered
 * as markdown (templates/sections.md.hbs) and, for the terminal, as plain text with the tables
 * aligned as pandas prints them.
 */
import path from "node:path";
import { writeFileAtomic } from "../util/atomicWrite.js";
import { templateRenderer } from "./templates.js";
import { markdownTable, pandasToString, type Column } from "./text.js";

export interface ReportFigure {
  /** The PNG file (absolute, or relative to the report's folder). */
  file: string;
  caption: string;
}

export interface ReportSection {
  heading: string;
  paragraphs?: string[];
  bullets?: string[];
  table?: Column[];
  figures?: ReportFigure[];
}

export interface SectionReport {
  title: string;
  intro: string;
  settings: [string, string | number | undefined][];
  sections: ReportSection[];
}

interface View {
  title: string;
  intro: string;
  settings: { key: string; value: string }[];
  sections: {
    heading: string;
    paragraphs: string[];
    bullets: string[];
    table: string;
    figures: { link: string; alt: string; caption: string }[];
  }[];
}

const render = templateRenderer<View>(import.meta.url, "sections.md.hbs");

function settingLines(r: SectionReport) {
  return r.settings.filter(([, v]) => v !== undefined).map(([key, value]) => ({ key, value: String(value) }));
}

/** The report's markdown; figure links relative to `reportDir`. */
export function renderSectionReport(r: SectionReport, reportDir: string): string {
  const link = (f: string) => path.relative(reportDir, path.resolve(reportDir, f)).split(path.sep).join("/");
  return render({
    title: r.title,
    intro: r.intro,
    settings: settingLines(r),
    sections: r.sections.map((s) => ({
      heading: s.heading,
      paragraphs: s.paragraphs ?? [],
      bullets: s.bullets ?? [],
      table: s.table ? markdownTable(s.table) : "",
      figures: (s.figures ?? []).map((f) => ({
        link: link(f.file),
        alt: path.basename(f.file, ".png").replace(/_/g, " "),
        caption: f.caption,
      })),
    })),
  });
}

/** The settings, bullets and tables as plain text, for the terminal at the end of a run. */
export function renderSectionText(r: SectionReport): string {
  const out = [`${r.title}:`, ...settingLines(r).map((l) => ` ${l.key}: ${l.value}`)];
  for (const s of r.sections) {
    if (!s.table && !s.bullets?.length) continue;
    out.push("", `${s.heading}:`);
    for (const b of s.bullets ?? []) out.push(` - ${b}`);
    if (s.table) out.push("", pandasToString(s.table));
  }
  return `${out.join("\n")}\n`;
}

/** Writes `report.md` into `reportDir` and returns its path. */
export async function writeSectionReport(r: SectionReport, reportDir: string): Promise<string> {
  const file = path.join(reportDir, "report.md");
  await writeFileAtomic(file, renderSectionReport(r, reportDir));
  return file;
}
