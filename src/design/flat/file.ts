/**
 * Flat design files in the original tool's layout, written and read back (both kinds: the
 * original cannot read its own risky files, we can). See docs/flat-designs.md.
 *
 * Uncertain-only: M, K, D, R, w, I, alpha_mean 0, alpha_sd 1, beta_sd 1, metadata, config
 * {feature_dist, feature_params, design_name, min_alts_per_problem, max_alts_per_problem}.
 * Risky: M, K, D, R, w, I, N, S, x, J, metadata, config {model "m_1", uncertain_problems,
 * risky_problems, consequences, feature_dimensions, uncertain_alternatives, risky_alternatives,
 * feature_dist, feature_params, risky_probs, design_name, min_alts_per_problem, max_alts_per_problem}.
 * Indentation 2 (as Python's json.dumps(indent=2)), except that each row of I (and of J) is on
 * one line.
 *
 * The three constants alpha_mean, alpha_sd and beta_sd are written because the original writes
 * them, and ignored on reading as it ignores them: the simulator's hyperparameters come from the
 * study. The statistics under `metadata` are recomputed from the data on reading; only its
 * timestamp, seed and rng are kept.
 */
import { readFile } from "node:fs/promises";
import { writeFileAtomic } from "../../util/atomicWrite.js";
import { InputError } from "../../util/errors.js";
import { parseJsonOf } from "../../util/jsonFile.js";
import type { FlatDesign } from "./types.js";
import { validateFlatDesign } from "./fileValidate.js";

export { validateFlatDesign };

/** What the original writes after I in an uncertain-only file; read back and ignored. */
export const ORIGINAL_CONSTANTS = Object.freeze({ alpha_mean: 0, alpha_sd: 1, beta_sd: 1 });

/** The `config` block of the file: the settings, and for risky designs the sizes under the original's names. */
function configBlock(design: FlatDesign): Record<string, unknown> {
  const s = design.settings;
  const common = { feature_dist: s.feature_dist, feature_params: s.feature_params };
  const bounds = {
    design_name: s.design_name,
    min_alts_per_problem: s.min_alts_per_problem,
    max_alts_per_problem: s.max_alts_per_problem,
  };
  const r = design.risky;
  if (!r) return { ...common, ...bounds };
  return {
    model: "m_1",
    uncertain_problems: design.M,
    risky_problems: r.N,
    consequences: design.K,
    feature_dimensions: design.D,
    uncertain_alternatives: design.R,
    risky_alternatives: r.S,
    ...common,
    ...(r.risky_probs !== undefined ? { risky_probs: r.risky_probs } : {}),
    ...bounds,
  };
}

function assertFinite(name: string, rows: readonly (readonly number[])[]): void {
  rows.forEach((row, i) =>
    row.forEach((v, j) => {
      if (!Number.isFinite(v)) throw new InputError(`flat design: ${name}[${i}][${j}] is ${v}, which JSON cannot hold`);
    }),
  );
}

/** `"key": value` at indentation 2; an indicator matrix with one row per line. */
function entry(key: string, value: unknown, rowPerLine: boolean): string {
  if (rowPerLine) {
    const rows = (value as number[][]).map((row) => `    [${row.join(", ")}]`);
    return `  ${JSON.stringify(key)}: [\n${rows.join(",\n")}\n  ]`;
  }
  return `  ${JSON.stringify(key)}: ${JSON.stringify(value, null, 2).replace(/\n/g, "\n  ")}`;
}

/** The file text for `design` (trailing newline); depends only on the design. */
export function serializeFlatDesign(design: FlatDesign): string {
  assertFinite("w", design.w);
  const entries: [string, unknown][] = [
    ["M", design.M],
    ["K", design.K],
    ["D", design.D],
    ["R", design.R],
    ["w", design.w],
    ["I", design.I],
  ];
  const r = design.risky;
  if (r) {
    assertFinite("x", r.x);
    entries.push(["N", r.N], ["S", r.S], ["x", r.x], ["J", r.J]);
  } else {
    entries.push(...Object.entries(ORIGINAL_CONSTANTS));
  }
  entries.push(["metadata", design.metadata], ["config", configBlock(design)]);
  const lines = entries.map(([k, v]) => entry(k, v, k === "I" || k === "J"));
  return `{\n${lines.join(",\n")}\n}\n`;
}

/** Checks `design` as the loader would, then writes it to `file` atomically. */
export async function writeFlatDesign(file: string, design: FlatDesign): Promise<void> {
  const text = serializeFlatDesign(design);
  parseFlatDesign(text, `flat design for ${file}`);
  await writeFileAtomic(file, text);
}

/** Parses and checks the text of a flat design file; `source` names it in errors. */
export function parseFlatDesign(text: string, source: string): FlatDesign {
  return validateFlatDesign(parseJsonOf(source, text), source);
}

/** Reads, parses and checks a flat design file (uncertain-only or risky). */
export async function loadFlatDesign(file: string): Promise<FlatDesign> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new InputError(`${file}: cannot read the flat design (${err.code ?? err.message})`);
  }
  return parseFlatDesign(text, file);
}
