/**
 * Checking a parsed flat design file (the layout is described in file.ts) and building the
 * design from it. Every problem is reported with the file, the field and a 0-based index as in
 * the JSON, plus the 1-based problem or alternative number the models use.
 */
import { basename } from "node:path";
import { z } from "zod";
import { RISKY_PROBS } from "./config.js";
import { Issues } from "../../util/issues.js";
import { strictObjectErrors } from "./zodMessages.js";
import { flatDesignMetadata, indicatorSums } from "./metadata.js";
import type { FeatureDist, FeatureParams, FlatDesign, FlatDesignSettings, RiskyProblems } from "./types.js";
import { finite, intMin, integer, list } from "../../util/zodPieces.js";

const str = z.string({ invalid_type_error: "must be a string" });

// Only what is kept is checked; the statistics are recomputed (and extension_info of extended
// designs is accepted and dropped).
const metadataSchema = z
  .object(
    { timestamp: str.optional(), seed: intMin(0).optional(), rng: str.optional() },
    { invalid_type_error: "must be an object" },
  )
  .passthrough();

const configSchema = z
  .object(
    {
      model: str.optional(),
      uncertain_problems: intMin(1).optional(),
      risky_problems: intMin(1).optional(),
      consequences: intMin(2).optional(),
      feature_dimensions: intMin(1).optional(),
      uncertain_alternatives: intMin(2).optional(),
      risky_alternatives: intMin(2).optional(),
      feature_dist: z
        .enum(["normal", "uniform"], { errorMap: () => ({ message: 'must be "normal" or "uniform"' }) })
        .optional(),
      feature_params: z.record(finite, { invalid_type_error: "must be an object of numbers" }).optional(),
      risky_probs: z
        .enum(RISKY_PROBS, { errorMap: () => ({ message: `must be one of ${RISKY_PROBS.join(", ")}` }) })
        .optional(),
      design_name: str.optional(),
      min_alts_per_problem: intMin(1).optional(),
      max_alts_per_problem: intMin(1).optional(),
    },
    { errorMap: strictObjectErrors("an object") },
  )
  .strict();

/** The shape of a flat design file before the consistency checks. */
export const flatDesignFileSchema = z
  .object(
    {
      M: intMin(1),
      K: intMin(2),
      D: intMin(1),
      R: intMin(2),
      w: list(list(finite, "numbers"), "rows"),
      I: list(list(integer, "0/1 integers"), "rows"),
      alpha_mean: finite.optional(),
      alpha_sd: finite.optional(),
      beta_sd: finite.optional(),
      N: intMin(1).optional(),
      S: intMin(2).optional(),
      x: list(list(finite, "numbers"), "simplexes").optional(),
      J: list(list(integer, "0/1 integers"), "rows").optional(),
      metadata: metadataSchema.optional(),
      config: configSchema.optional(),
    },
    { errorMap: strictObjectErrors("a JSON object") },
  )
  .strict();

type FileData = z.infer<typeof flatDesignFileSchema>;
type FileConfig = z.infer<typeof configSchema>;

/** Stan's tolerance for a simplex's sum. */
const SIMPLEX_TOLERANCE = 1e-8;

function checkRows(rows: number[][], name: string, count: number, countName: string, issues: Issues): void {
  if (rows.length !== count) issues.add(name, `has ${rows.length} rows, expected ${countName} = ${count}`);
}

/** w is R rows of D numbers. */
function checkFeatures(d: FileData, issues: Issues): void {
  checkRows(d.w, "w", d.R, "R", issues);
  d.w.forEach((row, r) => {
    if (row.length !== d.D) {
      issues.add(`w[${r}]`, `(alternative ${r + 1}) has ${row.length} entries, expected D = ${d.D}`);
    }
  });
}

/** An indicator matrix: `count` rows of `width` 0/1 entries, each row with at least two 1s. */
function checkIndicators(
  rows: number[][],
  name: string,
  count: [string, number],
  width: [string, number],
  what: string,
  issues: Issues,
): void {
  checkRows(rows, name, count[1], count[0], issues);
  rows.forEach((row, m) => {
    const where = `(${what} ${m + 1})`;
    if (row.length !== width[1]) {
      issues.add(`${name}[${m}]`, `${where} has ${row.length} entries, expected ${width[0]} = ${width[1]}`);
    }
    const bad = row.findIndex((v) => v !== 0 && v !== 1);
    if (bad >= 0) issues.add(`${name}[${m}][${bad}]`, `${where} is ${row[bad]}, must be 0 or 1`);
    const n = row.filter((v) => v === 1).length;
    if (n < 2) {
      issues.add(`${name}[${m}]`, `${where} offers ${n} alternative${n === 1 ? "" : "s"}, the models need at least 2`);
    }
  });
}

/** x is S simplexes of length K. */
function checkSimplexes(x: number[][], S: number, K: number, issues: Issues): void {
  if (x.length !== S) issues.add("x", `has ${x.length} simplexes, expected S = ${S}`);
  x.forEach((p, s) => {
    const where = `(risky alternative ${s + 1})`;
    if (p.length !== K) {
      issues.add(`x[${s}]`, `${where} has ${p.length} entries, expected K = ${K}`);
      return;
    }
    const total = p.reduce((a, b) => a + b, 0);
    if (p.some((v) => v < 0) || !(Math.abs(total - 1) <= SIMPLEX_TOLERANCE)) {
      issues.add(`x[${s}]`, `${where} is not a simplex: entries must be >= 0 and sum to 1, got ${JSON.stringify(p)}`);
    }
  });
}

const RISKY_KEYS = ["N", "S", "x", "J"] as const;
const RISKY_CONFIG_KEYS = ["risky_problems", "risky_alternatives", "risky_probs"] as const;

/** The risky part: N, S, x and J together or not at all. */
function checkRisky(d: FileData, issues: Issues): boolean {
  const present = RISKY_KEYS.filter((k) => d[k] !== undefined);
  if (present.length === 0) {
    for (const k of RISKY_CONFIG_KEYS) {
      if (d.config?.[k] !== undefined) issues.add(`config.${k}`, "is only meaningful with risky problems (N, S, x, J)");
    }
    return false;
  }
  if (present.length < RISKY_KEYS.length) {
    const missing = RISKY_KEYS.filter((k) => d[k] === undefined);
    issues.add(missing[0], `is required with ${present.join(", ")} (a design with risky problems holds N, S, x and J)`);
    return false;
  }
  checkSimplexes(d.x!, d.S!, d.K, issues);
  checkIndicators(d.J!, "J", ["N", d.N!], ["S", d.S!], "risky problem", issues);
  return true;
}

/** The sizes the config repeats under the original's names must be the data's. */
function checkConfigSizes(d: FileData, issues: Issues): void {
  const pairs: [keyof FileConfig, string, number | undefined][] = [
    ["uncertain_problems", "M", d.M],
    ["risky_problems", "N", d.N],
    ["consequences", "K", d.K],
    ["feature_dimensions", "D", d.D],
    ["uncertain_alternatives", "R", d.R],
    ["risky_alternatives", "S", d.S],
  ];
  for (const [key, dataKey, value] of pairs) {
    const v = d.config?.[key];
    if (v !== undefined && value !== undefined && v !== value) {
      issues.add(`config.${key}`, `is ${String(v)} but ${dataKey} = ${value}`);
    }
  }
}

/** feature_params as the original keeps them, resolved for feature_dist. */
function resolveFeatureParams(dist: FeatureDist, fp: Record<string, number> | undefined, issues: Issues) {
  if (fp === undefined) return dist === "normal" ? { loc: 0, scale: 1 } : { low: -1, high: 1 };
  const keys = Object.keys(fp);
  if (dist === "normal" && keys.length === 2 && "loc" in fp && "scale" in fp && fp.scale >= 0) {
    return { loc: fp.loc, scale: fp.scale };
  }
  // A uniform design built without feature_params keeps the original's default {loc 0, scale 1},
  // which its uniform draws ignore.
  if (dist === "uniform" && keys.every((k) => ["low", "high", "loc", "scale"].includes(k))) {
    return { low: fp.low ?? -1, high: fp.high ?? 1 };
  }
  issues.add(
    "config.feature_params",
    `${JSON.stringify(fp)} does not fit feature_dist "${dist}" (expected ${dist === "normal" ? "{loc, scale}" : "{low, high}"})`,
  );
  return undefined;
}

/** The settings from `config`, else from the data (sizes) and the original's defaults. */
function settingsOf(d: FileData, source: string, issues: Issues): FlatDesignSettings | undefined {
  const c = d.config ?? {};
  const sizes = [...indicatorSums(d.I, d.R).sizes, ...(d.J ? indicatorSums(d.J, d.S!).sizes : [])];
  const lo = c.min_alts_per_problem ?? Math.min(...sizes);
  const hi = c.max_alts_per_problem ?? Math.max(...sizes);
  if (hi < lo) issues.add("config.max_alts_per_problem", `(${hi}) is below min_alts_per_problem (${lo})`);
  else {
    const outside = (rows: number[][], name: string) =>
      rows.forEach((row, m) => {
        const n = row.filter((v) => v === 1).length;
        if (n >= 2 && (n < lo || n > hi)) {
          issues.add(`${name}[${m}]`, `offers ${n} alternatives, outside config min/max_alts_per_problem ${lo}..${hi}`);
        }
      });
    outside(d.I, "I");
    if (d.J) outside(d.J, "J");
  }
  const dist = c.feature_dist ?? "normal";
  const feature_params: FeatureParams | undefined = resolveFeatureParams(dist, c.feature_params, issues);
  if (feature_params === undefined) return undefined;
  return {
    design_name: c.design_name ?? basename(source).replace(/\.json$/i, ""),
    min_alts_per_problem: lo,
    max_alts_per_problem: hi,
    feature_dist: dist,
    feature_params,
  };
}

/**
 * Checks a parsed flat design file and returns the design; throws InputError naming `source`
 * and each problem (up to 6). Checks: types and unknown keys; w is R x D; I is M x R of 0/1 with
 * at least two 1s per row; for risky designs N, S, x and J together, x is S simplexes of length K,
 * J is N x S like I; the sizes under config repeat the data's; every problem's size lies within
 * config's min/max_alts_per_problem; feature_params fit feature_dist.
 */
export function validateFlatDesign(raw: unknown, source: string): FlatDesign {
  const parsed = flatDesignFileSchema.safeParse(raw);
  const issues = new Issues();
  if (!parsed.success) {
    issues.addZod(parsed.error);
    throw issues.toError(source);
  }
  const d = parsed.data;
  checkFeatures(d, issues);
  checkIndicators(d.I, "I", ["M", d.M], ["R", d.R], "problem", issues);
  const isRisky = checkRisky(d, issues);
  checkConfigSizes(d, issues);
  issues.throwIfAny(source);
  const settings = settingsOf(d, source, issues);
  issues.throwIfAny(source);

  const risky: RiskyProblems | undefined = isRisky
    ? { N: d.N!, S: d.S!, x: d.x!, J: d.J!, ...(d.config?.risky_probs ? { risky_probs: d.config.risky_probs } : {}) }
    : undefined;
  const m = d.metadata;
  const metadata = flatDesignMetadata(
    { R: d.R, D: d.D, w: d.w, I: d.I, risky },
    { timestamp: m?.timestamp ?? "", seed: m?.seed, rng: m?.rng },
  );
  return { M: d.M, K: d.K, D: d.D, R: d.R, w: d.w, I: d.I, ...(risky ? { risky } : {}), settings: settings!, metadata };
}
