/**
 * Figures of every report: a titled figure of panels (vega-lite), rendered to PNG without a
 * browser: vega-lite spec -> vega (headless, `renderer: "none"`) -> SVG -> @resvg/resvg-js -> PNG.
 */
import path from "node:path";
import type * as vl from "vega-lite";
import { writeFileAtomic } from "../util/atomicWrite.js";

const PNG_ZOOM = 2;
export const FONT = "DejaVu Sans";

/** A titled figure of panels, `columns` per row, each with its own scales . */
export function panelFigure(title: string, subtitle: string[], panels: object[], columns: number): vl.TopLevelSpec {
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    background: "white",
    padding: 12,
    title: { text: title, subtitle, fontSize: 16, subtitleFontSize: 12, anchor: "start", offset: 14 },
    columns,
    concat: panels,
    spacing: { row: 22, column: 22 },
    resolve: { scale: { x: "independent", y: "independent" } },
    config: {
      font: FONT,
      title: { fontSize: 13, subtitleFontSize: 11, subtitleColor: "#333333", anchor: "middle" },
      axis: { labelFontSize: 10, titleFontSize: 11, titleFontWeight: "normal", grid: true, gridColor: "#eeeeee" },
      view: { stroke: "#cccccc" },
    },
  } as vl.TopLevelSpec;
}

/**
 * vega-lite -> vega -> SVG -> PNG bytes. The three libraries load on the first figure (about
 * 0.4 s of CPU), not with every command and every process a study starts.
 */
export async function renderPng(spec: vl.TopLevelSpec): Promise<Buffer> {
  const [vega, vegaLite, { Resvg }] = await Promise.all([
    import("vega"),
    import("vega-lite"),
    import("@resvg/resvg-js"),
  ]);
  const compiled = vegaLite.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none" });
  try {
    const svg = await view.toSVG();
    const resvg = new Resvg(svg, {
      background: "white",
      fitTo: { mode: "zoom", value: PNG_ZOOM },
      font: { loadSystemFonts: true, defaultFontFamily: FONT, sansSerifFamily: FONT },
    });
    return resvg.render().asPng();
  } finally {
    view.finalize();
  }
}

/** A figure to draw: where (relative to the study folder), its panels, and its caption in the report. */
export interface FigureSpec {
  file: string;
  title: string;
  subtitle?: string[];
  panels: object[];
  columns?: number;
  caption: string;
}

/** Render each figure to its PNG file; returns them as the report's captioned figures. */
export async function writeFigures(
  outputDir: string,
  specs: FigureSpec[],
): Promise<{ file: string; caption: string }[]> {
  const figures: { file: string; caption: string }[] = [];
  for (const f of specs) {
    const file = path.join(outputDir, f.file);
    const spec = panelFigure(f.title, f.subtitle ?? [], f.panels, Math.max(1, f.columns ?? 1));
    await writeFileAtomic(file, await renderPng(spec));
    figures.push({ file, caption: f.caption });
  }
  return figures;
}
