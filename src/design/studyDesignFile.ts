/**
 * study_design.json: writer and loader.
 *
 * Layout (the original study's, so files go both ways): the Stan data keys J, K, D, R, P, w,
 * M_total, cell, I, M_per_cell, X, the five simulator hyperparameters, then `_metadata`
 * {design_name, timestamp, min_alts_per_problem, max_alts_per_problem, feature_dist,
 * feature_params, [factors, reference_indices, include_interactions], column_labels,
 * [cell_levels], seed, rng}. Files of the original tool lack seed/rng (and, for manual designs,
 * the factorial keys and column_labels); the loader fills what it can (see `validateStudyDesign`).
 *
 * The writer's output depends only on the design: fixed key order, one matrix row per line,
 * numbers in JavaScript's shortest round-trip form. Two designs from the same config and seed
 * give byte-identical files apart from `_metadata.timestamp`.
 */
import { basename } from "node:path";
import { z } from "zod";
import { InputError } from "../util/errors.js";
import { writeFileAtomic } from "../util/atomicWrite.js";
import { manualColumnLabels, treatmentDesign, validateFactorial } from "./factorial.js";
import {
  DEFAULT_MENU_SIZE_HYPERPARAMETERS,
  DEFAULT_SIM_HYPERPARAMETERS,
  SIM_HYPERPARAMETER_KEYS,
  SIZE_COVARIATE_DATA_KEYS,
  simulationData,
  sizeCovariateData,
  type FeatureParams,
  type StudyDesign,
  type StudyDesignMetadata,
} from "./studyDesign.js";
import { parseJsonOf, readJsonFile } from "../util/jsonFile.js";
import { Issues } from "../util/issues.js";
import { joinIssues, zodIssues } from "../util/zodText.js";
import { finite, intMin, integer, positive, list } from "../util/zodPieces.js";

// ---------------------------------------------------------------- writing

type Json = number | string | boolean | null | Json[] | { [k: string]: Json };

function isScalar(v: Json): v is number | string | boolean | null {
  return v === null || typeof v !== "object";
}

function scalar(v: Json): string {
  if (typeof v === "number" && !Number.isFinite(v)) {
    throw new InputError(`study design: non-finite number ${v} cannot be written to JSON`);
  }
  return JSON.stringify(v === 0 ? 0 : v);
}

/** Deterministic pretty-printing: arrays of scalars and objects of scalars on one line. */
function pretty(v: Json, indent: string): string {
  if (isScalar(v)) return scalar(v);
  const inner = indent + "  ";
  if (Array.isArray(v)) {
    if (v.every(isScalar)) return `[${v.map(scalar).join(", ")}]`;
    if (v.length === 0) return "[]";
    return `[\n${v.map((x) => inner + pretty(x, inner)).join(",\n")}\n${indent}]`;
  }
  const entries = Object.entries(v).filter(([, x]) => x !== undefined);
  if (entries.length === 0) return "{}";
  if (entries.every(([, x]) => isScalar(x))) {
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}: ${scalar(x)}`).join(", ")}}`;
  }
  return `{\n${entries.map(([k, x]) => `${inner}${JSON.stringify(k)}: ${pretty(x, inner)}`).join(",\n")}\n${indent}}`;
}

const METADATA_ORDER: (keyof StudyDesignMetadata)[] = [
  "design_name",
  "timestamp",
  "min_alts_per_problem",
  "max_alts_per_problem",
  "feature_dist",
  "feature_params",
  "factors",
  "reference_indices",
  "include_interactions",
  "column_labels",
  "cell_levels",
  "seed",
  "rng",
  "menu_sizes",
];

/** The file text for `design` (trailing newline). */
export function serializeStudyDesign(design: StudyDesign): string {
  const meta: Record<string, Json> = {};
  for (const k of METADATA_ORDER) {
    const v = design._metadata[k];
    if (v !== undefined) meta[k] = v as Json;
  }
  // The Stan data keys in the simulator's order (design data, then the hyperparameters).
  const doc = simulationData(design) as Record<string, Json>;
  doc._metadata = meta;
  return pretty(doc, "") + "\n";
}

/** Checks `design` (as the loader would) and writes it to `file` atomically. */
export async function writeStudyDesign(file: string, design: StudyDesign): Promise<void> {
  const text = serializeStudyDesign(design);
  parseStudyDesign(text, `study design for ${file}`);
  await writeFileAtomic(file, text);
}

// ---------------------------------------------------------------- loading

const metadataSchema = z.object(
  {
    design_name: z.string({ invalid_type_error: "must be a string" }).optional(),
    timestamp: z.string({ invalid_type_error: "must be a string" }).optional(),
    min_alts_per_problem: intMin(1).optional(),
    max_alts_per_problem: intMin(1).optional(),
    feature_dist: z
      .enum(["normal", "uniform"], { errorMap: () => ({ message: 'must be "normal" or "uniform"' }) })
      .optional(),
    feature_params: z.record(finite, { invalid_type_error: "must be an object of numbers" }).optional(),
    factors: list(intMin(2), "level counts").optional(),
    reference_indices: list(intMin(0), "levels").optional(),
    include_interactions: z.boolean({ invalid_type_error: "must be true or false" }).optional(),
    column_labels: list(z.string({ invalid_type_error: "must be a string" }), "strings").optional(),
    cell_levels: list(list(intMin(0), "levels"), "lists of levels").optional(),
    seed: intMin(0).optional(),
    rng: z.string({ invalid_type_error: "must be a string" }).optional(),
    menu_sizes: list(intMin(2), "menu sizes").optional(),
  },
  { invalid_type_error: "must be an object" },
);

/** The shape of study_design.json before the consistency checks. */
export const studyDesignFileSchema = z
  .object(
    {
      J: intMin(1),
      K: intMin(2),
      D: intMin(1),
      R: intMin(2),
      P: intMin(0),
      w: list(list(finite, "numbers"), "rows"),
      M_total: intMin(1),
      cell: list(integer, "integers"),
      I: list(list(integer, "0/1 integers"), "rows"),
      M_per_cell: list(intMin(0), "integers"),
      X: list(list(finite, "numbers"), "rows"),
      gamma0_mean: finite.optional(),
      gamma0_sd: positive.optional(),
      gamma_sd: positive.optional(),
      sigma_cell_sd: positive.optional(),
      beta_sd: positive.optional(),
      menu_size: list(integer, "integers").optional(),
      mean_menu_size: finite.optional(),
      s: list(finite, "numbers").optional(),
      gamma_size_mean: finite.optional(),
      gamma_size_sd: finite.min(0, "must be >= 0").optional(),
      _metadata: metadataSchema.optional(),
    },
    { invalid_type_error: "must be a JSON object" },
  )
  .strict();

type DesignFile = z.infer<typeof studyDesignFileSchema>;
type FileMetadata = NonNullable<DesignFile["_metadata"]>;

/**
 * Checks a parsed study_design.json value and returns the design. Throws InputError naming
 * `source`, the field and the (0-based, as in the JSON) index of every problem found (up to 6).
 * Checks: types; w is R x D; X is J x P; M_per_cell has J entries summing to M_total; cell and I
 * have M_total entries; 1 <= cell[m] <= J; I rows have R entries in {0,1} and at least two 1s;
 * the number of problems in each cell equals M_per_cell; hyperparameter sds > 0; and, when the
 * metadata describe a factorial, that X, column_labels and cell_levels are its treatment coding,
 * and that menu sizes lie within the metadata's min/max. Missing hyperparameters get the defaults;
 * missing metadata is filled from the data (menu sizes) or the original tool's defaults.
 */
export function validateStudyDesign(raw: unknown, source: string): StudyDesign {
  const parsed = studyDesignFileSchema.safeParse(raw);
  if (!parsed.success) throw new InputError(joinIssues(source, zodIssues(parsed.error)));
  const d = parsed.data;
  const meta = d._metadata ?? {};
  const issues = new Issues();
  checkShapes(d, issues);
  const sizes = checkMenus(d, issues);
  checkCellCounts(d, issues);
  const coding = checkFactorialMetadata(d, meta, issues);
  checkMenuBounds(d.R, meta, sizes, issues);
  const sizeCovariate = checkSizeCovariate(d, sizes, issues);
  const feature_params = featureParams(meta, issues);
  issues.throwIfAny(source);

  const hyper = { ...DEFAULT_SIM_HYPERPARAMETERS };
  for (const k of SIM_HYPERPARAMETER_KEYS) {
    const v = d[k];
    if (v !== undefined) hyper[k] = v;
  }
  const { J, K, D, R, P, M_total, w, cell, I, M_per_cell, X } = d;
  return {
    ...{ J, K, D, R, P, M_total, w, cell, I, M_per_cell, X },
    ...hyper,
    ...(sizeCovariate ? { sizeCovariate } : {}),
    _metadata: designMetadata(meta, { source, P, sizes, feature_params, coding }),
  };
}

/** w is R x D, X is J x P, M_per_cell has J entries summing to M_total, cell and I have M_total. */
function checkShapes(d: DesignFile, issues: Issues): void {
  const { J, R, D, P, M_total } = d;
  if (d.w.length !== R) issues.add("w", `has ${d.w.length} rows, expected R = ${R}`);
  d.w.forEach((row, r) => {
    if (row.length !== D) issues.add(`w[${r}]`, `has ${row.length} entries, expected D = ${D}`);
  });
  if (d.X.length !== J) issues.add("X", `has ${d.X.length} rows, expected J = ${J}`);
  d.X.forEach((row, j) => {
    if (row.length !== P) issues.add(`X[${j}]`, `has ${row.length} entries, expected P = ${P}`);
  });
  if (d.M_per_cell.length !== J) issues.add("M_per_cell", `has ${d.M_per_cell.length} entries, expected J = ${J}`);
  const sum = d.M_per_cell.reduce((a, b) => a + b, 0);
  if (sum !== M_total) issues.add("M_total", `is ${M_total} but M_per_cell sums to ${sum}`);
  if (d.cell.length !== M_total) issues.add("cell", `has ${d.cell.length} entries, expected M_total = ${M_total}`);
  if (d.I.length !== M_total) issues.add("I", `has ${d.I.length} rows, expected M_total = ${M_total}`);
}

/** Each I row has R entries in {0, 1} and a menu of at least 2; returns the menu sizes. */
function checkMenus(d: DesignFile, issues: Issues): number[] {
  return d.I.map((row, m) => {
    if (row.length !== d.R) issues.add(`I[${m}]`, `(problem ${m + 1}) has ${row.length} entries, expected R = ${d.R}`);
    let n = 0;
    row.forEach((v, r) => {
      if (v !== 0 && v !== 1) issues.add(`I[${m}][${r}]`, `is ${v}, must be 0 or 1`);
      else n += v;
    });
    if (n < 2) {
      const menu = `a menu of ${n} alternative${n === 1 ? "" : "s"}`;
      issues.add(`I[${m}]`, `(problem ${m + 1}) has ${menu}, at least 2 needed`);
    }
    return n;
  });
}

/** Every cell index lies in 1..J and each cell holds M_per_cell[j] problems. */
function checkCellCounts(d: DesignFile, issues: Issues): void {
  const { J } = d;
  const counts = new Array<number>(J).fill(0);
  d.cell.forEach((c, m) => {
    if (c < 1 || c > J) issues.add(`cell[${m}]`, `(problem ${m + 1}) is ${c}, outside 1..J = 1..${J}`);
    else counts[c - 1]++;
  });
  if (d.M_per_cell.length !== J || !d.cell.every((c) => c >= 1 && c <= J)) return;
  counts.forEach((n, j) => {
    if (n !== d.M_per_cell[j]) {
      const have = `${n} problem${n === 1 ? " has" : "s have"}`;
      issues.add("cell", `${have} cell = ${j + 1} but M_per_cell[${j}] = ${d.M_per_cell[j]}`);
    }
  });
}

/** The treatment coding the metadata describe, when it matches the data; else issues. */
interface Coding {
  labels?: string[];
  levels?: number[][];
}

/**
 * With `_metadata.factors`, X, column_labels and cell_levels must be the factorial's treatment
 * coding; without it, the factorial-only keys are refused. Returns the coding's labels and levels.
 */
function checkFactorialMetadata(d: DesignFile, meta: FileMetadata, issues: Issues): Coding {
  if (meta.column_labels !== undefined && meta.column_labels.length !== d.P) {
    issues.add("_metadata.column_labels", `has ${meta.column_labels.length} labels, expected P = ${d.P}`);
  }
  if (meta.factors === undefined) {
    for (const k of ["reference_indices", "include_interactions", "cell_levels"] as const) {
      if (meta[k] !== undefined) issues.add(`_metadata.${k}`, "is only meaningful with _metadata.factors");
    }
    return {};
  }
  let fd: ReturnType<typeof treatmentDesign>;
  try {
    validateFactorial(meta.factors, meta.reference_indices);
    const opts = { referenceIndices: meta.reference_indices, includeInteractions: meta.include_interactions ?? false };
    fd = treatmentDesign(meta.factors, opts);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    issues.add("_metadata", e.message);
    return {};
  }
  if (fd.J !== d.J) {
    issues.add("_metadata.factors", `${JSON.stringify(meta.factors)} give ${fd.J} cells but J = ${d.J}`);
  } else if (fd.P !== d.P) {
    issues.add("P", `is ${d.P} but the treatment coding of _metadata.factors gives P = ${fd.P}`);
  } else {
    checkCodingMatches(d, meta, fd, issues);
  }
  return { labels: fd.column_labels, levels: fd.cell_levels };
}

/** X, column_labels and cell_levels against the factorial's coding (up to 3 X entries named). */
function checkCodingMatches(
  d: DesignFile,
  meta: FileMetadata,
  fd: ReturnType<typeof treatmentDesign>,
  issues: Issues,
): void {
  const coding = "the treatment coding of _metadata.factors";
  if (d.X.length === d.J && d.X.every((row) => row.length === d.P)) {
    const wrong = d.X.flatMap((row, j) => row.map((x, p) => ({ j, p, x })).filter(({ p, x }) => x !== fd.X[j][p]));
    for (const { j, p, x } of wrong.slice(0, 3))
      issues.add(`X[${j}][${p}]`, `is ${x} but ${coding} gives ${fd.X[j][p]}`);
  }
  meta.column_labels?.forEach((l, p) => {
    const want = fd.column_labels[p];
    if (l !== want)
      issues.add(`_metadata.column_labels[${p}]`, `is ${JSON.stringify(l)}, expected ${JSON.stringify(want)}`);
  });
  if (meta.cell_levels === undefined) return;
  if (meta.cell_levels.length !== d.J) {
    issues.add("_metadata.cell_levels", `has ${meta.cell_levels.length} entries, expected J = ${d.J}`);
    return;
  }
  meta.cell_levels.forEach((lv, j) => {
    const want = JSON.stringify(fd.cell_levels[j]);
    if (JSON.stringify(lv) !== want)
      issues.add(`_metadata.cell_levels[${j}]`, `is ${JSON.stringify(lv)}, expected ${want}`);
  });
}

/** min <= max alternatives, and every menu within them (up to 3 menus named). */
function checkMenuBounds(R: number, meta: FileMetadata, sizes: number[], issues: Issues): void {
  const lo = meta.min_alts_per_problem;
  const hi = meta.max_alts_per_problem;
  if (lo !== undefined && hi !== undefined && hi < lo) {
    issues.add("_metadata.max_alts_per_problem", `(${hi}) is below min_alts_per_problem (${lo})`);
    return;
  }
  const low = Math.min(lo ?? 0, R);
  const high = Math.min(hi ?? Infinity, R);
  const outside = sizes.map((n, m) => ({ n, m })).filter(({ n }) => n >= 2 && (n < low || n > high));
  for (const { n, m } of outside.slice(0, 3)) {
    const bounds = `${lo ?? "-"}..${hi ?? "-"}`;
    issues.add(
      `I[${m}]`,
      `(problem ${m + 1}) has a menu of ${n} alternatives, outside _metadata min/max_alts_per_problem ${bounds}`,
    );
  }
}

/** The feature distribution's parameters: the metadata's when they fit it, else the defaults. */
function featureParams(meta: FileMetadata, issues: Issues): FeatureParams {
  const dist = meta.feature_dist ?? "normal";
  const fp = meta.feature_params;
  if (fp === undefined) return dist === "normal" ? { loc: 0, scale: 1 } : { low: -1, high: 1 };
  const keys = Object.keys(fp).sort().join(",");
  if (dist === "normal" && keys === "loc,scale" && fp.scale > 0) return { loc: fp.loc, scale: fp.scale };
  if (dist === "uniform" && keys === "high,low" && fp.low < fp.high) return { low: fp.low, high: fp.high };
  const expected = dist === "normal" ? "{loc, scale > 0}" : "{low < high}";
  issues.add(
    "_metadata.feature_params",
    `${JSON.stringify(fp)} does not fit feature_dist "${dist}" (expected ${expected})`,
  );
  return { loc: 0, scale: 1 };
}

/** The metadata of the loaded design: the file's, completed from the data and the defaults. */
function designMetadata(
  meta: FileMetadata,
  known: { source: string; P: number; sizes: number[]; feature_params: FeatureParams; coding: Coding },
): StudyDesignMetadata {
  const { sizes, coding } = known;
  return {
    design_name: meta.design_name ?? basename(known.source).replace(/\.json$/i, ""),
    timestamp: meta.timestamp ?? "",
    min_alts_per_problem: meta.min_alts_per_problem ?? sizes.reduce((a, b) => Math.min(a, b), Infinity),
    max_alts_per_problem: meta.max_alts_per_problem ?? sizes.reduce((a, b) => Math.max(a, b), 0),
    feature_dist: meta.feature_dist ?? "normal",
    feature_params: known.feature_params,
    ...(meta.factors !== undefined
      ? {
          factors: meta.factors,
          reference_indices: meta.reference_indices ?? meta.factors.map(() => 0),
          include_interactions: meta.include_interactions ?? false,
        }
      : {}),
    column_labels: meta.column_labels ?? coding.labels ?? manualColumnLabels(known.P),
    ...(coding.levels !== undefined ? { cell_levels: meta.cell_levels ?? coding.levels } : {}),
    ...(meta.seed !== undefined ? { seed: meta.seed } : {}),
    ...(meta.rng !== undefined ? { rng: meta.rng } : {}),
    ...(meta.menu_sizes !== undefined ? { menu_sizes: meta.menu_sizes } : {}),
  };
}

/**
 * A design with planned menu sizes holds menu_size, mean_menu_size and s together, and they
 * must be what the menus (I) say: N_m, its mean, and N_m minus the mean.
 */
function checkSizeCovariate(d: DesignFile, sizes: number[], issues: Issues): StudyDesign["sizeCovariate"] {
  const present = SIZE_COVARIATE_DATA_KEYS.filter((k) => d[k] !== undefined);
  if (present.length === 0) {
    for (const k of ["gamma_size_mean", "gamma_size_sd"] as const) {
      if (d[k] !== undefined) issues.add(k, "is only meaningful with menu_size, mean_menu_size and s");
    }
    return undefined;
  }
  if (present.length < SIZE_COVARIATE_DATA_KEYS.length) {
    const missing = SIZE_COVARIATE_DATA_KEYS.filter((k) => d[k] === undefined);
    issues.add(
      missing[0],
      `is required with ${present.join(", ")} (a design with menu sizes holds menu_size, mean_menu_size and s)`,
    );
    return undefined;
  }
  const want = sizeCovariateData(d.I, {
    gamma_size_mean: d.gamma_size_mean ?? DEFAULT_MENU_SIZE_HYPERPARAMETERS.gamma_size_mean,
    gamma_size_sd: d.gamma_size_sd ?? DEFAULT_MENU_SIZE_HYPERPARAMETERS.gamma_size_sd,
  });
  const first = (values: number[], expected: number[], tol: number) =>
    values.findIndex((v, m) => !(Math.abs(v - expected[m]) <= tol));
  if (d.menu_size!.length !== d.M_total)
    issues.add("menu_size", `has ${d.menu_size!.length} entries, expected M_total = ${d.M_total}`);
  else {
    const m = first(d.menu_size!, sizes, 0);
    if (m >= 0)
      issues.add(`menu_size[${m}]`, `is ${d.menu_size![m]} but menu ${m} (row I[${m}]) has ${sizes[m]} alternatives`);
  }
  if (!(Math.abs(d.mean_menu_size! - want.mean_menu_size) <= 1e-9)) {
    issues.add("mean_menu_size", `is ${d.mean_menu_size} but the menus' mean size is ${want.mean_menu_size}`);
  }
  if (d.s!.length !== d.M_total) issues.add("s", `has ${d.s!.length} entries, expected M_total = ${d.M_total}`);
  else {
    const m = first(d.s!, want.s, 1e-9);
    if (m >= 0) issues.add(`s[${m}]`, `is ${d.s![m]} but menu size minus mean size is ${want.s[m]}`);
  }
  return want;
}

/** Parses and checks the text of a study_design.json; `source` names it in errors. */
export function parseStudyDesign(text: string, source: string): StudyDesign {
  const raw = parseJsonOf(source, text);
  return validateStudyDesign(raw, source);
}

/** Reads, parses and checks a study_design.json. */
export async function loadStudyDesign(file: string): Promise<StudyDesign> {
  return validateStudyDesign(await readJsonFile(file, z.unknown(), "the study design file"), file);
}
