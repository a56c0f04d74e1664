/**
 * The study design (docs/designs.md): the shared pool of R alternatives (features w), the
 * stacked choice problems (cell, I) and the cell-level design matrix X, plus the five simulator
 * hyperparameters. Generated once per run from a design config and a seed.
 *
 * Draws (see rng.ts for the generator): the features come from the child stream
 * "design/features" of `new Rng(seed)` (w[0][0], w[0][1], ..., w[R-1][D-1]); the problems from
 * the child stream "design/problems": for each cell j in order, M_per_cell[j] times:
 * n = min(int(min_alts, max_alts), R), then sampleWithoutReplacement(R, n).
 * Features and problems use separate streams, so changing M_per_cell keeps w.
 *
 * With `menu_sizes` (the h_m01_size family, docs/designs.md "Menu sizes") the menu sizes are planned instead
 * of drawn: within each cell the sizes are spread over its M menus as evenly as possible (each
 * size M div n times, the first M mod n sizes in list order once more), shuffled with the
 * problems stream, and each menu then draws that many alternatives. The design then also holds
 * `menu_size` (N_m), `mean_menu_size`, `s` (N_m centred on the mean) and the hyperparameters
 * `gamma_size_mean` / `gamma_size_sd` of the simulator.
 *
 * Config defaults are those of the original study's scripts (K 3, D 2, R 10, M_per_cell 20,
 * menus of 2-4, normal(0, 1) features; manual mode J 6, P 2, X[j][p] = bit p of j), so its
 * configs can be reused as they are. Keys beginning with "_" are notes and are ignored.
 */
import { z } from "zod";
import { InputError } from "../util/errors.js";
import { manualColumnLabels, MAX_CELLS, treatmentDesign, validateFactorial } from "./factorial.js";
import { Rng } from "./rng.js";
import { dropNoteKeys } from "../util/noteKeys.js";
import { formatZodError } from "../util/zodText.js";

export interface SimHyperparameters {
  gamma0_mean: number;
  gamma0_sd: number;
  gamma_sd: number;
  sigma_cell_sd: number;
  beta_sd: number;
}

export const DEFAULT_SIM_HYPERPARAMETERS: Readonly<SimHyperparameters> = Object.freeze({
  gamma0_mean: 2.5,
  gamma0_sd: 0.5,
  gamma_sd: 0.5,
  sigma_cell_sd: 0.3,
  beta_sd: 1.0,
});

export const SIM_HYPERPARAMETER_KEYS = [
  "gamma0_mean",
  "gamma0_sd",
  "gamma_sd",
  "sigma_cell_sd",
  "beta_sd",
] as const satisfies readonly (keyof SimHyperparameters)[];

/** Simulator hyperparameters a design with `menu_sizes` adds (docs/designs.md "Menu sizes"), with their defaults. */
export const DEFAULT_MENU_SIZE_HYPERPARAMETERS = Object.freeze({ gamma_size_mean: 0.0, gamma_size_sd: 0.5 });
export const MENU_SIZE_HYPERPARAMETER_KEYS = ["gamma_size_mean", "gamma_size_sd"] as const;
/** The data a design with `menu_sizes` adds besides those hyperparameters. */
export const SIZE_COVARIATE_DATA_KEYS = ["menu_size", "mean_menu_size", "s"] as const;

/** Stan data keys of the design (and y) that hold integers. */
export const STAN_INT_KEYS: readonly string[] = [
  "J",
  "K",
  "D",
  "R",
  "P",
  "M_total",
  "cell",
  "I",
  "M_per_cell",
  "menu_size",
  "y",
];

export type FeatureParams = { loc: number; scale: number } | { low: number; high: number };

export interface StudyDesignMetadata {
  design_name: string;
  /** Generation time, ISO 8601 (the original study's files call this key `timestamp`). */
  timestamp: string;
  min_alts_per_problem: number;
  max_alts_per_problem: number;
  feature_dist: "normal" | "uniform";
  feature_params: FeatureParams;
  /** Factorial designs only. */
  factors?: number[];
  reference_indices?: number[];
  include_interactions?: boolean;
  /** One label per column of X (manual designs: x1..xP). */
  column_labels: string[];
  /** Factorial designs only: cell_levels[j][f], 0-based. */
  cell_levels?: number[][];
  /** The seed the design was generated from (absent in files from the original study). */
  seed?: number;
  /** The generator used, see RNG_NAME. */
  rng?: string;
  /** Designs with planned menu sizes only: the sizes spread over each cell's menus. */
  menu_sizes?: number[];
}

/** What a design with `menu_sizes` adds to the Stan data (docs/designs.md "Menu sizes"). */
export interface SizeCovariateData {
  /** N_m, the number of alternatives on menu m. */
  menu_size: number[];
  /** Mean of N_m over all M_total problems. */
  mean_menu_size: number;
  /** N_m - mean_menu_size. */
  s: number[];
  gamma_size_mean: number;
  gamma_size_sd: number;
}

export interface StudyDesign extends SimHyperparameters {
  J: number;
  K: number;
  D: number;
  R: number;
  P: number;
  M_total: number;
  /** R rows of D features. */
  w: number[][];
  /** M_total cells, 1-based. */
  cell: number[];
  /** M_total rows of R indicators in {0, 1}. */
  I: number[][];
  /** J counts. */
  M_per_cell: number[];
  /** J rows of P predictors. */
  X: number[][];
  /** Present when the design plans menu sizes (`menu_sizes`). */
  sizeCovariate?: SizeCovariateData;
  _metadata: StudyDesignMetadata;
}

export const RNG_NAME = "xoshiro256** seeded by splitmix64, v1";

// ---------------------------------------------------------------- config schema

const num = (what = "a number") =>
  z.number({ invalid_type_error: `must be ${what}`, required_error: `is required` }).finite(`must be finite`);
const int = (min: number) =>
  z
    .number({ invalid_type_error: `must be an integer >= ${min}` })
    .int(`must be an integer >= ${min}`)
    .min(min, `must be an integer >= ${min}`);
const positive = () => num("a positive number").gt(0, "must be > 0");

const featureParamsSchema = z
  .object({
    loc: num().optional(),
    scale: positive().optional(),
    low: num().optional(),
    high: num().optional(),
  })
  .strict();

/**
 * The design config (docs/designs.md "Design config"). Factorial mode: `factors` (+ `reference_indices`,
 * `include_interactions`). Manual mode: `J`, `P` and `X`. Unknown keys are rejected.
 */
const designConfigBase = z
  .object({
    factors: z
      .array(int(2), { invalid_type_error: "must be a list of level counts, e.g. [6, 3]" })
      .min(1, "must not be empty")
      .optional(),
    reference_indices: z.array(int(0), { invalid_type_error: "must be a list of 0-based levels" }).optional(),
    include_interactions: z.boolean({ invalid_type_error: "must be true or false" }).default(false),
    J: int(1).optional(),
    P: int(0).optional(),
    X: z
      .array(z.array(num(), { invalid_type_error: "must be a list of P numbers" }), {
        invalid_type_error: "must be a list of J rows",
      })
      .optional(),
    K: int(2).default(3),
    D: int(1).default(2),
    R: int(2).default(10),
    M_per_cell: z
      .union([int(0), z.array(int(0))], {
        errorMap: () => ({ message: "must be an integer >= 0 or a list of them (one per cell)" }),
      })
      .default(20),
    min_alts_per_problem: int(2).default(2),
    max_alts_per_problem: int(2).default(4),
    menu_sizes: z
      .array(int(2), { invalid_type_error: "must be a list of menu sizes, e.g. [2, 4, 6, 8]" })
      .min(1, "must not be empty")
      .optional(),
    feature_dist: z
      .enum(["normal", "uniform"], { errorMap: () => ({ message: 'must be "normal" or "uniform"' }) })
      .default("normal"),
    feature_params: featureParamsSchema.optional(),
    design_name: z
      .string({ invalid_type_error: "must be a string" })
      .min(1, "must not be empty")
      .default("h_m01_parameter_recovery"),
    gamma0_mean: num().optional(),
    gamma0_sd: positive().optional(),
    gamma_sd: positive().optional(),
    sigma_cell_sd: positive().optional(),
    beta_sd: positive().optional(),
    gamma_size_mean: num().optional(),
    gamma_size_sd: num().min(0, "must be >= 0").optional(),
  })
  .strict();

export const designConfigSchema = designConfigBase.superRefine((c, ctx) => {
  const issue: IssueAt = (path, message) => ctx.addIssue({ code: z.ZodIssueCode.custom, path, message });
  const J = c.factors !== undefined ? checkFactorial(c, issue) : checkManual(c, issue);
  checkProblemCounts(c, J, issue);
  checkMenuSizes(c, issue);
  checkFeatureParams(c, issue);
});

type IssueAt = (path: (string | number)[], message: string) => void;
type ConfigShape = z.output<typeof designConfigBase>;

/** Factorial mode: the factors give J (and P); J or P given besides must agree. Returns J. */
function checkFactorial(c: ConfigShape, issue: IssueAt): number | undefined {
  const factors = c.factors!;
  if (c.X !== undefined) issue(["X"], "give either factors (factorial mode) or X (manual mode), not both");
  try {
    validateFactorial(factors, c.reference_indices);
    const fd = treatmentDesign(factors, {
      referenceIndices: c.reference_indices,
      includeInteractions: c.include_interactions,
    });
    if (c.J !== undefined && c.J !== fd.J)
      issue(["J"], `is ${c.J} but factors ${JSON.stringify(factors)} give J = ${fd.J}`);
    if (c.P !== undefined && c.P !== fd.P) issue(["P"], `is ${c.P} but the factorial coding gives P = ${fd.P}`);
    return fd.J;
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    const m = /^([A-Za-z_]+)(?:\[(\d+)\])?: (.*)$/.exec(e.message);
    if (m) issue(m[2] === undefined ? [m[1]] : [m[1], Number(m[2])], m[3]);
    else issue(["factors"], e.message);
    return undefined;
  }
}

/** Manual mode: J, P and X agree; the factorial-only keys are refused. Returns J. */
function checkManual(c: ConfigShape, issue: IssueAt): number {
  if (c.reference_indices !== undefined) issue(["reference_indices"], "is only meaningful with factors");
  if (c.include_interactions) issue(["include_interactions"], "is only meaningful with factors");
  const { J, P } = manualShape(c);
  if (J > MAX_CELLS) issue(["J"], `must be at most ${MAX_CELLS}`);
  if (c.X !== undefined) {
    if (c.X.length !== J) issue(["X"], `has ${c.X.length} rows, expected J = ${J}`);
    c.X.forEach((row, j) => {
      if (row.length !== P) issue(["X", j], `has ${row.length} entries, expected P = ${P}`);
    });
  }
  return J;
}

/** M_per_cell: one count per cell (or one for all), at least one problem in total. */
function checkProblemCounts(c: ConfigShape, J: number | undefined, issue: IssueAt): void {
  if (!Array.isArray(c.M_per_cell)) {
    if (c.M_per_cell < 1) issue(["M_per_cell"], "must be >= 1 (no problems at all)");
    return;
  }
  if (J !== undefined && c.M_per_cell.length !== J) {
    issue(["M_per_cell"], `has ${c.M_per_cell.length} entries, expected one per cell (J = ${J})`);
  }
  if (c.M_per_cell.reduce((a, b) => a + b, 0) < 1) issue(["M_per_cell"], "must give at least one problem in total");
}

/** Planned menu sizes fit in the pool; without them, min <= max and no gamma_size keys. */
function checkMenuSizes(c: ConfigShape, issue: IssueAt): void {
  if (c.menu_sizes !== undefined) {
    // Planned sizes replace min/max_alts_per_problem.
    c.menu_sizes.forEach((n, i) => {
      if (n > c.R) issue(["menu_sizes", i], `(${n}) exceeds the pool of R = ${c.R} alternatives`);
    });
    return;
  }
  for (const k of MENU_SIZE_HYPERPARAMETER_KEYS)
    if (c[k] !== undefined) issue([k], "is only meaningful with menu_sizes");
  if (c.max_alts_per_problem < c.min_alts_per_problem) {
    const bound = `must be >= min_alts_per_problem (${c.min_alts_per_problem})`;
    issue(["max_alts_per_problem"], `(${c.max_alts_per_problem}) ${bound}`);
  }
}

/** feature_params hold exactly the keys of feature_dist ({loc, scale} or {low < high}). */
function checkFeatureParams(c: ConfigShape, issue: IssueAt): void {
  const fp = c.feature_params;
  if (fp === undefined) return;
  const keys = Object.keys(fp);
  const [a, b] = c.feature_dist === "normal" ? (["loc", "scale"] as const) : (["low", "high"] as const);
  if (keys.some((k) => k !== a && k !== b) || fp[a] === undefined || fp[b] === undefined) {
    const shape =
      c.feature_dist === "normal" ? '{"loc": number, "scale": number > 0}' : '{"low": number, "high": number}';
    issue(["feature_params"], `for feature_dist "${c.feature_dist}" must be ${shape}, got ${JSON.stringify(fp)}`);
  } else if (c.feature_dist === "uniform" && !(fp.low! < fp.high!)) {
    issue(["feature_params", "high"], `(${fp.high}) must be greater than low (${fp.low})`);
  }
}

/** A design config as written in JSON (before defaults). */
export type DesignConfig = z.input<typeof designConfigSchema>;
/** A design config after validation and defaults. */
export type ParsedDesignConfig = z.output<typeof designConfigSchema>;

/** Manual mode's J and P: as given, else X's shape, else the original's defaults 6 and 2. */
function manualShape(c: Pick<ParsedDesignConfig, "J" | "P" | "X">): { J: number; P: number } {
  const J = c.J ?? c.X?.length ?? 6;
  const P = c.P ?? (c.X !== undefined && c.X.length > 0 ? c.X[0].length : 2);
  return { J, P };
}

/** The original tool's X for a manual design given without one: X[j][p] = bit p of j (0-based). */
export function defaultManualX(J: number, P: number): number[][] {
  return Array.from({ length: J }, (_, j) => Array.from({ length: P }, (_, p) => Math.floor(j / 2 ** p) % 2));
}

/**
 * The menu sizes of one cell's M problems: each size M div n times and the first M mod n sizes
 * once more (in list order), then shuffled.
 */
export function planMenuSizes(sizes: readonly number[], M: number, rng: Rng): number[] {
  const n = sizes.length;
  const plan: number[] = [];
  sizes.forEach((size, i) => {
    const times = Math.floor(M / n) + (i < M % n ? 1 : 0);
    for (let t = 0; t < times; t++) plan.push(size);
  });
  return rng.shuffle(plan);
}

/** menu_size, mean_menu_size and s of the given menus (I rows), with the simulator's gamma_size hyperparameters. */
export function sizeCovariateData(
  I: readonly (readonly number[])[],
  hyper: { gamma_size_mean: number; gamma_size_sd: number },
): SizeCovariateData {
  const menu_size = I.map((row) => row.reduce((a, b) => a + b, 0));
  const mean_menu_size = menu_size.reduce((a, b) => a + b, 0) / menu_size.length;
  return { menu_size, mean_menu_size, s: menu_size.map((n) => n - mean_menu_size), ...hyper };
}

/** Validates a design config; throws InputError naming `source` and each bad key. */
export function parseDesignConfig(config: unknown, source = "design config"): ParsedDesignConfig {
  if (config === null || typeof config !== "object" || Array.isArray(config)) {
    throw new InputError(`${source}: must be a JSON object`);
  }
  const r = designConfigSchema.safeParse(dropNoteKeys(config));
  if (!r.success) throw new InputError(formatZodError(r.error, source));
  return r.data;
}

function resolveFeatureParams(c: ParsedDesignConfig): FeatureParams {
  const fp = c.feature_params;
  if (c.feature_dist === "normal") return { loc: fp?.loc ?? 0, scale: fp?.scale ?? 1 };
  return { low: fp?.low ?? -1, high: fp?.high ?? 1 };
}

// ---------------------------------------------------------------- generation

/**
 * Generates the study design from a design config and a seed (see the file comment for the
 * exact draws). Throws InputError if the config is invalid. `_metadata.timestamp` is the only
 * part that differs between two calls with the same config and seed.
 */
export function generateStudyDesign(config: DesignConfig, seed: number): StudyDesign {
  const c = parseDesignConfig(config);
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new InputError(`seed: must be a non-negative integer, got ${seed}`);
  }
  const cells = cellCoding(c);
  const { J, P, X } = cells;
  const { K, D, R } = c;
  const M_per_cell = Array.isArray(c.M_per_cell) ? [...c.M_per_cell] : new Array<number>(J).fill(c.M_per_cell);
  const M_total = M_per_cell.reduce((a, b) => a + b, 0);
  const feature_params = resolveFeatureParams(c);
  const root = new Rng(seed);
  const w = drawFeatures(root.child("design/features"), R, D, feature_params);
  const { cell, I } = drawProblems(root.child("design/problems"), c, M_per_cell);
  const hyper: SimHyperparameters = { ...DEFAULT_SIM_HYPERPARAMETERS };
  for (const k of SIM_HYPERPARAMETER_KEYS) {
    const v = c[k];
    if (v !== undefined) hyper[k] = v;
  }
  const sizeCovariate = c.menu_sizes
    ? sizeCovariateData(I, {
        gamma_size_mean: c.gamma_size_mean ?? DEFAULT_MENU_SIZE_HYPERPARAMETERS.gamma_size_mean,
        gamma_size_sd: c.gamma_size_sd ?? DEFAULT_MENU_SIZE_HYPERPARAMETERS.gamma_size_sd,
      })
    : undefined;
  // The key order is part of the design's hash (the study fingerprint): keep it.
  return {
    ...{ J, K, D, R, P, w, M_total, cell, I, M_per_cell, X },
    ...hyper,
    ...(sizeCovariate ? { sizeCovariate } : {}),
    _metadata: generatedMetadata(c, cells, feature_params, seed),
  };
}

interface CellCoding {
  J: number;
  P: number;
  X: number[][];
  column_labels: string[];
  cell_levels?: number[][];
  factorialMeta: Pick<StudyDesignMetadata, "factors" | "reference_indices" | "include_interactions">;
}

/** The cells and their design matrix: the factorial's treatment coding, or manual J, P, X. */
function cellCoding(c: ParsedDesignConfig): CellCoding {
  if (c.factors === undefined) {
    const { J, P } = manualShape(c);
    const X = c.X !== undefined ? c.X.map((row) => [...row]) : defaultManualX(J, P);
    return { J, P, X, column_labels: manualColumnLabels(P), factorialMeta: {} };
  }
  const fd = treatmentDesign(c.factors, {
    referenceIndices: c.reference_indices,
    includeInteractions: c.include_interactions,
  });
  const { J, P, X, column_labels, cell_levels } = fd;
  const factorialMeta = {
    factors: fd.factors,
    reference_indices: fd.reference_indices,
    include_interactions: fd.include_interactions,
  };
  return { J, P, X, column_labels, cell_levels, factorialMeta };
}

/** R feature vectors of D draws each, row by row. */
function drawFeatures(rng: Rng, R: number, D: number, fp: FeatureParams): number[][] {
  const draw = () => ("loc" in fp ? rng.normal(fp.loc, fp.scale) : rng.uniform(fp.low, fp.high));
  return Array.from({ length: R }, () => Array.from({ length: D }, draw));
}

/** Each cell's problems in turn: a menu size (planned, or uniform in min..max capped at R), then that many alternatives. */
function drawProblems(rng: Rng, c: ParsedDesignConfig, M_per_cell: number[]): { cell: number[]; I: number[][] } {
  const cell: number[] = [];
  const I: number[][] = [];
  M_per_cell.forEach((M, j) => {
    const planned = c.menu_sizes ? planMenuSizes(c.menu_sizes, M, rng) : undefined;
    for (let m = 0; m < M; m++) {
      const n = planned ? planned[m] : Math.min(rng.int(c.min_alts_per_problem, c.max_alts_per_problem), c.R);
      const row = new Array<number>(c.R).fill(0);
      for (const r of rng.sampleWithoutReplacement(c.R, n)) row[r] = 1;
      I.push(row);
      cell.push(j + 1);
    }
  });
  return { cell, I };
}

function generatedMetadata(
  c: ParsedDesignConfig,
  cells: CellCoding,
  feature_params: FeatureParams,
  seed: number,
): StudyDesignMetadata {
  return {
    design_name: c.design_name,
    timestamp: new Date().toISOString(),
    // With planned sizes, the smallest and largest planned (what the loader checks menus against).
    min_alts_per_problem: c.menu_sizes ? Math.min(...c.menu_sizes) : c.min_alts_per_problem,
    max_alts_per_problem: c.menu_sizes ? Math.max(...c.menu_sizes) : c.max_alts_per_problem,
    feature_dist: c.feature_dist,
    feature_params,
    ...cells.factorialMeta,
    column_labels: cells.column_labels,
    ...(cells.cell_levels ? { cell_levels: cells.cell_levels } : {}),
    seed,
    rng: RNG_NAME,
    ...(c.menu_sizes ? { menu_sizes: [...c.menu_sizes] } : {}),
  };
}

/** Menu sizes N_m = sum_r I[m][r]. */
export function menuSizes(design: Pick<StudyDesign, "I">): number[] {
  return design.I.map((row) => row.reduce((a, b) => a + b, 0));
}

/**
 * The design's Stan data as the simulator reads it: J, K, D, R, P, w, M_total, cell, I,
 * M_per_cell, X, then (with planned menu sizes) menu_size, mean_menu_size, s, then the
 * simulator hyperparameters (the five of h_m01, then gamma_size_mean and gamma_size_sd).
 * Arrays are shared with `design`, not copied. Pass STAN_INT_KEYS as `ints` to toStanJson.
 */
export function simulationData(design: StudyDesign): Record<string, unknown> {
  const data: Record<string, unknown> = {
    J: design.J,
    K: design.K,
    D: design.D,
    R: design.R,
    P: design.P,
    w: design.w,
    M_total: design.M_total,
    cell: design.cell,
    I: design.I,
    M_per_cell: design.M_per_cell,
    X: design.X,
  };
  const sc = design.sizeCovariate;
  if (sc) Object.assign(data, { menu_size: sc.menu_size, mean_menu_size: sc.mean_menu_size, s: sc.s });
  for (const k of SIM_HYPERPARAMETER_KEYS) data[k] = design[k];
  if (sc) for (const k of MENU_SIZE_HYPERPARAMETER_KEYS) data[k] = sc[k];
  return data;
}

/** The design's data without any simulator hyperparameter (the five, and gamma_size_mean/_sd): what an SBC model reads. */
export function designDataWithoutHyperparameters(design: StudyDesign): Record<string, unknown> {
  const hyper = new Set<string>([...SIM_HYPERPARAMETER_KEYS, ...MENU_SIZE_HYPERPARAMETER_KEYS]);
  return Object.fromEntries(Object.entries(simulationData(design)).filter(([k]) => !hyper.has(k)));
}

/**
 * What a data key is to the design: one of the simulator's hyperparameters (the five, or
 * gamma_size_mean/_sd), one of the data a design with `menu_sizes` makes (menu_size,
 * mean_menu_size, s), or neither. Model checks say from it why a declared key is missing.
 */
export function designDataRole(key: string): "hyperparameter" | "menu-size data" | undefined {
  if ([...SIM_HYPERPARAMETER_KEYS, ...MENU_SIZE_HYPERPARAMETER_KEYS].some((k) => k === key)) return "hyperparameter";
  if (SIZE_COVARIATE_DATA_KEYS.some((k) => k === key)) return "menu-size data";
  return undefined;
}

/** Why a model's data lack a key the design makes only with `menu_sizes`. */
export const MENU_SIZES_ONLY = "the design makes it only when study_design_config.menu_sizes is given";

/**
 * The data handed to the fit, as the original tool builds it: the design data without the five
 * simulator hyperparameters and without `simOnlyKeys` (the config's sim_only_keys), plus the
 * simulated `y` (checked: M_total integers with 1 <= y[m] <= N_m).
 */
export function fitData(
  design: StudyDesign,
  y: readonly number[],
  simOnlyKeys: readonly string[] = [],
): Record<string, unknown> {
  if (!Array.isArray(y) || y.length !== design.M_total) {
    throw new InputError(`y: has ${Array.isArray(y) ? y.length : "no"} entries, expected M_total = ${design.M_total}`);
  }
  const sizes = menuSizes(design);
  y.forEach((v, m) => {
    if (!Number.isInteger(v) || v < 1 || v > sizes[m]) {
      throw new InputError(
        `y[${m}] (problem ${m + 1}): must be an integer in 1..${sizes[m]} (the menu size), got ${v}`,
      );
    }
  });
  const removed = new Set<string>([...SIM_HYPERPARAMETER_KEYS, ...simOnlyKeys]);
  const data = Object.fromEntries(Object.entries(simulationData(design)).filter(([k]) => !removed.has(k)));
  data.y = y;
  return data;
}
