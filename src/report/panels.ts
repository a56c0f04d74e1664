/**
 * Panels for figures.ts's panelFigure: the plot types the prior predictive and estimation
 * reports draw (histograms, box plots, bars, scatter plots, heat maps, lines), as vega-lite
 * layers over data summarised here (bins, quartiles), so a figure of thousands of draws stays a
 * small spec. Every panel takes a title and optional subtitle; sizes are PANEL_WIDTH x
 * PANEL_HEIGHT unless given.
 */
import { FONT } from "./figures.js";

export const PANEL_WIDTH = 210;
export const PANEL_HEIGHT = 150;
const BLUE = "#1f77b4";
const RED = "#d62728";
export const PALETTE = [BLUE, "#ff7f0e", "#2ca02c", RED, "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"];

export interface PanelText {
  title: string;
  subtitle?: string;
  xTitle?: string;
  yTitle?: string;
  width?: number;
  height?: number;
}

/** A vertical reference line (a prior's mean, an observed statistic, y = x...). */
export interface RuleLine {
  value: number;
  color?: string;
  dash?: boolean;
}

function frame(t: PanelText) {
  return {
    width: t.width ?? PANEL_WIDTH,
    height: t.height ?? PANEL_HEIGHT,
    title: t.subtitle ? { text: t.title, subtitle: t.subtitle, font: FONT } : { text: t.title, font: FONT },
  };
}

/** Colour by group (a cell), legend in the order the groups first appear; else one colour. */
function groupColour(items: { group?: string }[]): object {
  const groups = [...new Set(items.flatMap((i) => (i.group !== undefined ? [i.group] : [])))];
  if (!groups.length) return { value: "#4c72b0" };
  return { field: "group", type: "nominal", title: "cell", scale: { domain: groups, range: PALETTE } };
}

/** An ordinal x axis in the given order; with many labels only every k-th is written. */
function ordinalX(labels: string[], title: string | undefined): object {
  const every = Math.ceil(labels.length / 40);
  const axis = { labelAngle: -45, ...(every > 1 ? { values: labels.filter((_, i) => i % every === 0) } : {}) };
  return { field: "label", type: "ordinal", title: title ?? "", sort: null, axis };
}

function finite(values: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) out.push(values[i]);
  return out;
}

/** [min, max] of the finite values (a loop: spreading a long array into Math.min overflows the stack). */
export function extent(values: ArrayLike<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

export interface Bin {
  x0: number;
  x1: number;
  count: number;
}

/** `bins` equal bins over `range` (default: the finite values' range); values outside are left out. */
export function histogramBins(values: ArrayLike<number>, bins = 30, range?: [number, number]): Bin[] {
  const xs = finite(values);
  let [lo, hi] = range ?? extent(xs);
  if (!xs.length) return [];
  if (!(hi > lo)) [lo, hi] = [lo - 0.5, hi + 0.5];
  const width = (hi - lo) / bins;
  const counts = new Array<number>(bins).fill(0);
  for (const x of xs) {
    if (x < lo || x > hi) continue;
    counts[Math.min(bins - 1, Math.floor((x - lo) / width))]++;
  }
  return counts.map((count, b) => ({ x0: lo + b * width, x1: lo + (b + 1) * width, count }));
}

function rules(lines: RuleLine[] = []): object[] {
  return lines.map((r) => ({
    mark: { type: "rule", color: r.color ?? RED, strokeWidth: 1.5, ...(r.dash ? { strokeDash: [4, 3] } : {}) },
    data: { values: [{ v: r.value }] },
    encoding: { x: { field: "v", type: "quantitative" } },
  }));
}

/** One or more histograms on one axis (several series overlaid, translucent, with a legend). */
export function histogramPanel(t: PanelText, series: { name: string; bins: Bin[] }[], lines: RuleLine[] = []): object {
  const values = series.flatMap((s) => s.bins.map((b) => ({ ...b, series: s.name })));
  const color =
    series.length > 1
      ? { field: "series", type: "nominal", title: null, scale: { range: PALETTE } }
      : { value: "#4c72b0" };
  return {
    ...frame(t),
    layer: [
      {
        data: { values },
        mark: { type: "rect", opacity: series.length > 1 ? 0.55 : 0.85, stroke: "white", strokeWidth: 0.3 },
        encoding: {
          x: { field: "x0", type: "quantitative", title: t.xTitle ?? "", scale: { zero: false } },
          x2: { field: "x1" },
          y: { field: "count", type: "quantitative", title: t.yTitle ?? "draws" },
          y2: { datum: 0 },
          color,
        },
      },
      ...rules(lines),
    ],
  };
}

/** A box of a box plot: quartiles and whiskers at the furthest values within 1.5 IQR. */
export interface Box {
  label: string;
  q1: number;
  median: number;
  q3: number;
  lo: number;
  hi: number;
  /** Colours boxes by group (a cell); absent: one colour. */
  group?: string;
}

/** Box-plot figures of `values` (numpy's linear quartiles, matplotlib's 1.5 IQR whiskers). */
export function boxOf(label: string, values: ArrayLike<number>, quantile: (s: Float64Array, p: number) => number): Box {
  const s = Float64Array.from(finite(values)).sort();
  const q1 = quantile(s, 0.25);
  const q3 = quantile(s, 0.75);
  const iqr = q3 - q1;
  const lo = s.find((x) => x >= q1 - 1.5 * iqr) ?? q1;
  const hi = [...s].reverse().find((x) => x <= q3 + 1.5 * iqr) ?? q3;
  return { label, q1, median: quantile(s, 0.5), q3, lo, hi };
}

export function boxplotPanel(t: PanelText, boxes: Box[]): object {
  const x = ordinalX(
    boxes.map((b) => b.label),
    t.xTitle,
  );
  const color = groupColour(boxes);
  const y = { type: "quantitative", title: t.yTitle ?? "", scale: { zero: false } };
  return {
    ...frame(t),
    data: { values: boxes },
    layer: [
      { mark: { type: "rule", color: "#333333" }, encoding: { x, y: { ...y, field: "lo" }, y2: { field: "hi" } } },
      {
        mark: { type: "bar", size: 12, opacity: 0.8 },
        encoding: { x, y: { ...y, field: "q1" }, y2: { field: "q3" }, color },
      },
      { mark: { type: "tick", color: "white", size: 12 }, encoding: { x, y: { ...y, field: "median" } } },
    ],
  };
}

export interface Bar {
  label: string;
  value: number;
  /** A ± error bar (a standard deviation). */
  err?: number;
  group?: string;
}

/** Bars in the given order, optional ± error bars and a horizontal line (a mean). */
export function barPanel(t: PanelText, bars: Bar[], hline?: number): object {
  const x = ordinalX(
    bars.map((b) => b.label),
    t.xTitle,
  );
  const color = groupColour(bars);
  const values = bars.map((b) => ({ ...b, lo: b.value - (b.err ?? 0), hi: b.value + (b.err ?? 0) }));
  const layers: object[] = [
    {
      mark: { type: "bar" },
      encoding: { x, y: { field: "value", type: "quantitative", title: t.yTitle ?? "" }, color },
    },
  ];
  if (bars.some((b) => b.err !== undefined)) {
    layers.push({
      mark: { type: "rule", color: "#333333" },
      encoding: { x, y: { field: "lo", type: "quantitative" }, y2: { field: "hi" } },
    });
  }
  if (hline !== undefined) {
    layers.push({
      mark: { type: "rule", color: RED, strokeDash: [4, 3] },
      data: { values: [{ h: hline }] },
      encoding: { y: { field: "h", type: "quantitative" } },
    });
  }
  return { ...frame(t), data: { values }, layer: layers };
}

/** Points (x, y), optionally with the identity line y = x. */
export function scatterPanel(t: PanelText, points: { x: number; y: number }[], identity = false): object {
  const xs = points.map((p) => p.x);
  const layers: object[] = [
    {
      data: { values: points },
      mark: { type: "circle", size: 8, opacity: 0.35, color: BLUE },
      encoding: {
        x: { field: "x", type: "quantitative", title: t.xTitle ?? "", scale: { zero: false } },
        y: { field: "y", type: "quantitative", title: t.yTitle ?? "", scale: { zero: false } },
      },
    },
  ];
  if (identity && xs.length) {
    const [lo, hi] = extent(xs);
    layers.push({
      data: {
        values: [
          { x: lo, y: lo },
          { x: hi, y: hi },
        ],
      },
      mark: { type: "line", color: RED, strokeDash: [4, 3] },
      encoding: { x: { field: "x", type: "quantitative" }, y: { field: "y", type: "quantitative" } },
    });
  }
  return { ...frame(t), layer: layers };
}

/** A heat map of `cells` (row and column labels in the given order). */
export function heatmapPanel(t: PanelText, cells: { row: string; col: string; value: number }[]): object {
  return {
    ...frame(t),
    data: { values: cells },
    mark: "rect",
    encoding: {
      x: { field: "col", type: "ordinal", title: t.xTitle ?? "", sort: null },
      y: { field: "row", type: "ordinal", title: t.yTitle ?? "", sort: null },
      color: { field: "value", type: "quantitative", title: null, scale: { scheme: "redblue", domainMid: 0 } },
    },
  };
}

/** Lines (one per series) over x: trace plots. */
export function linePanel(t: PanelText, series: { name: string; y: ArrayLike<number> }[]): object {
  const values = series.flatMap((s) => Array.from(s.y, (y, x) => ({ x: x + 1, y, series: s.name })));
  return {
    ...frame(t),
    data: { values },
    mark: { type: "line", strokeWidth: 0.6, opacity: 0.8 },
    encoding: {
      x: { field: "x", type: "quantitative", title: t.xTitle ?? "draw" },
      y: { field: "y", type: "quantitative", title: t.yTitle ?? "", scale: { zero: false } },
      color: { field: "series", type: "nominal", title: null, scale: { range: PALETTE } },
    },
  };
}
