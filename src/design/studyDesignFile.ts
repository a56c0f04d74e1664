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
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { z } from "zod";
import { InputError } from "../util/errors.js";
import { writeFileAtomic } from "../util/atomicWrite.js";
import { manualColumnLabels, treatmentDesign, validateFactorial } from "./factorial.js";
import {
  DEFAULT_MENU_SIZE_HYPERPARAMETERS,
  DEFAULT_SIM_HYPERPARAMETERS,
  formatPath,
  SIM_HYPERPARAMETER_KEYS,
  SIZE_COVARIATE_DATA_KEYS,
  simulationData,
  sizeCovariateData,
  type FeatureParams,
  type StudyDesign,
  type StudyDesignMetadata,
} from "./studyDesign.js";
import { parseJsonOf } from "../util/jsonText.js";

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

const finite = z
  .number({ invalid_type_error: "must be a number", required_error: "is required" })
  .finite("must be finite");
const intMin = (min: number) =>
  z
    .number({ invalid_type_error: `must be an integer >= ${min}`, required_error: "is required" })
    .int(`must be an integer >= ${min}`)
    .min(min, `must be an integer >= ${min}`);
const integer = z.number({ invalid_type_error: "must be an integer" }).int("must be an integer");
const positive = finite.gt(0, "must be > 0");
const list = <T extends z.ZodTypeAny>(t: T, what: string) =>
  z.array(t, { invalid_type_error: `must be a list of ${what}`, required_error: "is required" });

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

const MAX_REPORTED = 6;

class Issues {
  readonly list: string[] = [];
  add(path: string, message: string): void {
    this.list.push(`${path}: ${message}`);
  }
  throwIfAny(source: string): void {
    if (this.list.length === 0) return;
    const shown = this.list.slice(0, MAX_REPORTED).join("; ");
    const more = this.list.length > MAX_REPORTED ? `; (and ${this.list.length - MAX_REPORTED} more)` : "";
    throw new InputError(`${source}: ${shown}${more}`);
  }
}

function zodIssues(err: z.ZodError): string[] {
  return err.issues.map((i) => {
    if (i.code === z.ZodIssueCode.unrecognized_keys) {
      const where = i.path.length ? formatPath(i.path) : "(top level)";
      return `${where}: unknown key${i.keys.length > 1 ? "s" : ""} ${i.keys.map((k) => JSON.stringify(k)).join(", ")}`;
    }
    return `${formatPath(i.path)}: ${i.message === "Required" ? "is required" : i.message}`;
  });
}

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
  const issues = new Issues();
  if (!parsed.success) {
    for (const m of zodIssues(parsed.error)) issues.list.push(m);
    issues.throwIfAny(source);
  }
  const d = parsed.data!;
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

  const counts = new Array<number>(J).fill(0);
  d.cell.forEach((c, m) => {
    if (c < 1 || c > J) issues.add(`cell[${m}]`, `(problem ${m + 1}) is ${c}, outside 1..J = 1..${J}`);
    else counts[c - 1]++;
  });
  const sizes: number[] = [];
  d.I.forEach((row, m) => {
    if (row.length !== R) issues.add(`I[${m}]`, `(problem ${m + 1}) has ${row.length} entries, expected R = ${R}`);
    let n = 0;
    row.forEach((v, r) => {
      if (v !== 0 && v !== 1) issues.add(`I[${m}][${r}]`, `is ${v}, must be 0 or 1`);
      else n += v;
    });
    sizes.push(n);
    if (n < 2)
      issues.add(
        `I[${m}]`,
        `(problem ${m + 1}) has a menu of ${n} alternative${n === 1 ? "" : "s"}, at least 2 needed`,
      );
  });
  if (d.M_per_cell.length === J && d.cell.every((c) => c >= 1 && c <= J)) {
    counts.forEach((n, j) => {
      if (n !== d.M_per_cell[j]) {
        issues.add(
          "cell",
          `${n} problem${n === 1 ? " has" : "s have"} cell = ${j + 1} but M_per_cell[${j}] = ${d.M_per_cell[j]}`,
        );
      }
    });
  }

  // Metadata.
  const meta = d._metadata ?? {};
  let labels: string[] | undefined;
  let levels: number[][] | undefined;
  if (meta.factors !== undefined) {
    let fd: ReturnType<typeof treatmentDesign> | undefined;
    try {
      validateFactorial(meta.factors, meta.reference_indices);
      fd = treatmentDesign(meta.factors, {
        referenceIndices: meta.reference_indices,
        includeInteractions: meta.include_interactions ?? false,
      });
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      issues.add("_metadata", e.message);
    }
    if (fd) {
      labels = fd.column_labels;
      levels = fd.cell_levels;
      if (fd.J !== J)
        issues.add("_metadata.factors", `${JSON.stringify(meta.factors)} give ${fd.J} cells but J = ${J}`);
      else if (fd.P !== P) issues.add("P", `is ${P} but the treatment coding of _metadata.factors gives P = ${fd.P}`);
      else if (d.X.length === J && d.X.every((row) => row.length === P)) {
        let reported = 0;
        for (let j = 0; j < J && reported < 3; j++) {
          for (let p = 0; p < P && reported < 3; p++) {
            if (d.X[j][p] !== fd.X[j][p]) {
              issues.add(
                `X[${j}][${p}]`,
                `is ${d.X[j][p]} but the treatment coding of _metadata.factors gives ${fd.X[j][p]}`,
              );
              reported++;
            }
          }
        }
      }
      if (meta.column_labels !== undefined && fd.J === J && fd.P === P) {
        meta.column_labels.forEach((l, p) => {
          if (l !== fd!.column_labels[p])
            issues.add(
              `_metadata.column_labels[${p}]`,
              `is ${JSON.stringify(l)}, expected ${JSON.stringify(fd!.column_labels[p])}`,
            );
        });
      }
      if (meta.cell_levels !== undefined && fd.J === J) {
        if (meta.cell_levels.length !== J)
          issues.add("_metadata.cell_levels", `has ${meta.cell_levels.length} entries, expected J = ${J}`);
        else
          meta.cell_levels.forEach((lv, j) => {
            if (JSON.stringify(lv) !== JSON.stringify(fd!.cell_levels[j])) {
              issues.add(
                `_metadata.cell_levels[${j}]`,
                `is ${JSON.stringify(lv)}, expected ${JSON.stringify(fd!.cell_levels[j])}`,
              );
            }
          });
      }
    }
  } else {
    for (const k of ["reference_indices", "include_interactions", "cell_levels"] as const) {
      if (meta[k] !== undefined) issues.add(`_metadata.${k}`, "is only meaningful with _metadata.factors");
    }
  }
  if (meta.column_labels !== undefined && meta.column_labels.length !== P) {
    issues.add("_metadata.column_labels", `has ${meta.column_labels.length} labels, expected P = ${P}`);
  }
  const lo = meta.min_alts_per_problem;
  const hi = meta.max_alts_per_problem;
  if (lo !== undefined && hi !== undefined && hi < lo) {
    issues.add("_metadata.max_alts_per_problem", `(${hi}) is below min_alts_per_problem (${lo})`);
  } else {
    const low = Math.min(lo ?? 0, R);
    const high = Math.min(hi ?? Infinity, R);
    let reported = 0;
    sizes.forEach((n, m) => {
      if (n >= 2 && (n < low || n > high) && reported++ < 3) {
        issues.add(
          `I[${m}]`,
          `(problem ${m + 1}) has a menu of ${n} alternatives, outside _metadata min/max_alts_per_problem ${lo ?? "-"}..${hi ?? "-"}`,
        );
      }
    });
  }
  const sizeCovariate = checkSizeCovariate(d, sizes, issues);
  const dist = meta.feature_dist ?? "normal";
  let feature_params: FeatureParams = dist === "normal" ? { loc: 0, scale: 1 } : { low: -1, high: 1 };
  if (meta.feature_params !== undefined) {
    const fp = meta.feature_params;
    const keys = Object.keys(fp).sort().join(",");
    if (dist === "normal" && keys === "loc,scale" && fp.scale > 0) feature_params = { loc: fp.loc, scale: fp.scale };
    else if (dist === "uniform" && keys === "high,low" && fp.low < fp.high)
      feature_params = { low: fp.low, high: fp.high };
    else {
      issues.add(
        "_metadata.feature_params",
        `${JSON.stringify(fp)} does not fit feature_dist "${dist}" (expected ${dist === "normal" ? "{loc, scale > 0}" : "{low < high}"})`,
      );
    }
  }
  issues.throwIfAny(source);

  const menuMin = sizes.reduce((a, b) => Math.min(a, b), Infinity);
  const menuMax = sizes.reduce((a, b) => Math.max(a, b), 0);
  const _metadata: StudyDesignMetadata = {
    design_name: meta.design_name ?? basename(source).replace(/\.json$/i, ""),
    timestamp: meta.timestamp ?? "",
    min_alts_per_problem: lo ?? menuMin,
    max_alts_per_problem: hi ?? menuMax,
    feature_dist: dist,
    feature_params,
    ...(meta.factors !== undefined
      ? {
          factors: meta.factors,
          reference_indices: meta.reference_indices ?? meta.factors.map(() => 0),
          include_interactions: meta.include_interactions ?? false,
        }
      : {}),
    column_labels: meta.column_labels ?? labels ?? manualColumnLabels(P),
    ...(levels !== undefined ? { cell_levels: meta.cell_levels ?? levels } : {}),
    ...(meta.seed !== undefined ? { seed: meta.seed } : {}),
    ...(meta.rng !== undefined ? { rng: meta.rng } : {}),
    ...(meta.menu_sizes !== undefined ? { menu_sizes: meta.menu_sizes } : {}),
  };
  const hyper = { ...DEFAULT_SIM_HYPERPARAMETERS };
  for (const k of SIM_HYPERPARAMETER_KEYS) {
    const v = d[k];
    if (v !== undefined) hyper[k] = v;
  }
  return {
    J,
    K: d.K,
    D,
    R,
    P,
    M_total,
    w: d.w,
    cell: d.cell,
    I: d.I,
    M_per_cell: d.M_per_cell,
    X: d.X,
    ...hyper,
    ...(sizeCovariate ? { sizeCovariate } : {}),
    _metadata,
  };
}

/**
 * A design with planned menu sizes holds menu_size, mean_menu_size and s together, and they
 * must be what the menus (I) say: N_m, its mean, and N_m minus the mean.
 */
function checkSizeCovariate(
  d: z.infer<typeof studyDesignFileSchema>,
  sizes: number[],
  issues: Issues,
): StudyDesign["sizeCovariate"] {
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
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new InputError(`${file}: cannot read the study design (${err.code ?? err.message})`);
  }
  return parseStudyDesign(text, file);
}
