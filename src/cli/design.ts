/**
 * `cmdstan-recover design --config FILE [--seed N] [--out FILE]`: generates a study design and
 * writes it. The family comes from the config's keys:
 *
 * - a flat design-only config (the users' study_config.json, m1_study_config.json: any of M, N,
 *   S, risky_probs, generate_on_load, model at the top level) writes a flat design file, by
 *   default to results/designs/<design_name>.json (docs/flat-designs.md, "Design-only configs");
 *   with N, S or risky_probs the design has risky problems, as the original's risky script
 *   always builds;
 * - a hierarchical design config (docs/designs.md), or a study config whose study_design_config
 *   holds one, writes study_design.json;
 * - a study config whose study_design_config holds flat keys writes that flat design to
 *   study_design.json, as the study would make it.
 *
 * The seed is --seed, else the study config's integer `seed`, else DEFAULT_DESIGN_SEED.
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { ArgumentsCamelCase, Argv, CommandModule } from "yargs";
import { parseFlatDesignConfig, RISKY_PROBS_DEFAULTS } from "../design/flat/config.js";
import { designFromDesignOnlyConfig } from "../design/flat/designOnly.js";
import { isFlatDesignConfig } from "../design/flat/family.js";
import { writeFlatDesign } from "../design/flat/file.js";
import { generateFlatDesign } from "../design/flat/generate.js";
import type { FlatDesign } from "../design/flat/types.js";
import { InputError, UserFacingError } from "../util/errors.js";
import { generateStudyDesign, parseDesignConfig, type StudyDesign } from "../design/studyDesign.js";
import { writeStudyDesign } from "../design/studyDesignFile.js";
import { parseJsonOf } from "../util/jsonFile.js";

export const DEFAULT_DESIGN_SEED = 12345;

/** Where a design goes without --out (a flat design-only config: results/designs/<design_name>.json). */
export const DEFAULT_DESIGN_OUT = "study_design.json";

/** Keys that mark a full study config (as opposed to a bare design config). */
const STUDY_CONFIG_KEYS = [
  "study_design_config",
  "study_design_path",
  "inference_model_path",
  "sim_model_path",
  "output_dir",
  "n_iterations",
  "n_mcmc_samples",
  "n_mcmc_chains",
];

/** Top-level keys that make a bare config a flat design-only config. */
export const FLAT_DESIGN_ONLY_KEYS: readonly string[] = ["M", "N", "S", "risky_probs", "generate_on_load", "model"];

/** Keys that make a design-only config's design risky. */
const RISKY_KEYS = ["N", "S", "risky_probs"];

export interface DesignArgs {
  config: string;
  seed?: number;
  out?: string;
}

/** What a config file asks the command to generate. */
export interface DesignRequest {
  family: "hierarchical" | "flat";
  /** A flat design-only config (its design keys at the top level). */
  designOnly: boolean;
  designConfig: unknown;
  source: string;
  /** A study config's seed. */
  seed?: number;
}

async function readConfigObject(file: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new InputError(`${file}: cannot read the config (${err.code ?? err.message})`);
  }
  const raw = parseJsonOf(file, text);
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new InputError(`${file}: must hold a JSON object`);
  }
  return raw as Record<string, unknown>;
}

/** Reads a config file: which family, the design config in it, and the study config's seed if any. */
export async function readDesignConfig(file: string): Promise<DesignRequest> {
  const obj = await readConfigObject(file);
  if (!STUDY_CONFIG_KEYS.some((k) => k in obj)) {
    const flat = FLAT_DESIGN_ONLY_KEYS.some((k) => k in obj);
    return { family: flat ? "flat" : "hierarchical", designOnly: flat, designConfig: obj, source: file };
  }
  let seed: number | undefined;
  if (obj.seed !== undefined) {
    if (typeof obj.seed !== "number" || !Number.isSafeInteger(obj.seed) || obj.seed < 0) {
      throw new InputError(`${file}: seed: must be a non-negative integer, got ${JSON.stringify(obj.seed)}`);
    }
    seed = obj.seed;
  }
  if (obj.study_design_config === undefined) {
    const hint =
      obj.study_design_path !== undefined
        ? ` (it points at an existing design, study_design_path = ${JSON.stringify(obj.study_design_path)}, so there is nothing to generate)`
        : "";
    throw new InputError(`${file}: study_design_config: is required to generate a design${hint}`);
  }
  const design = obj.study_design_config;
  return {
    family: isFlatDesignConfig(design) ? "flat" : "hierarchical",
    designOnly: false,
    designConfig: design,
    source: `${file}: study_design_config`,
    seed,
  };
}

function checkSeed(seed: number): number {
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new InputError(`--seed: must be a non-negative integer, got ${seed}`);
  }
  return seed;
}

/** Generates and writes a hierarchical design; returns it. Throws InputError on bad input. */
export async function runDesign(args: { config: string; seed?: number; out: string }): Promise<StudyDesign> {
  const request = await readDesignConfig(args.config);
  if (request.family === "flat")
    throw new InputError(`${args.config}: holds a flat design config, not a hierarchical one`);
  return writeHierarchical(request, args.seed, args.out);
}

async function writeHierarchical(request: DesignRequest, seed: number | undefined, out: string): Promise<StudyDesign> {
  const chosen = checkSeed(seed ?? request.seed ?? DEFAULT_DESIGN_SEED);
  // Validate first so that errors name the file (generateStudyDesign says "design config").
  const parsed = parseDesignConfig(request.designConfig, request.source);
  const design = generateStudyDesign(parsed, chosen);
  await writeStudyDesign(out, design);
  return design;
}

/**
 * Generates and writes a flat design: a design-only config's (risky when it has N, S or
 * risky_probs) to `out` or results/designs/<design_name>.json, a study config's as its study
 * would make it to `out` or study_design.json. Returns the design and the path written (as given).
 */
export async function runFlatDesign(
  request: DesignRequest,
  seed: number | undefined,
  out: string | undefined,
): Promise<{ design: FlatDesign; path: string }> {
  const chosen = checkSeed(seed ?? request.seed ?? DEFAULT_DESIGN_SEED);
  let made: { design: FlatDesign; path: string };
  if (request.designOnly) {
    const keys = request.designConfig as Record<string, unknown>;
    const risky = RISKY_KEYS.some((k) => k in keys) ? true : undefined;
    made = designFromDesignOnlyConfig(keys, chosen, { source: request.source, risky, out });
  } else {
    const options = { riskyProbsDefault: RISKY_PROBS_DEFAULTS.configDrivers };
    const config = parseFlatDesignConfig(request.designConfig, options, request.source);
    made = { design: generateFlatDesign(config, chosen), path: out ?? DEFAULT_DESIGN_OUT };
  }
  await writeFlatDesign(resolve(made.path), made.design);
  return made;
}

/** What the command prints for a flat design. */
function flatLines(design: FlatDesign, file: string): string[] {
  const r = design.risky;
  const sizes = `M = ${design.M}, K = ${design.K}, D = ${design.D}, R = ${design.R}`;
  const risky = r ? `; N = ${r.N}, S = ${r.S}, risky_probs ${r.risky_probs ?? "(not recorded)"}` : "";
  return [`${sizes}${risky}`, `wrote ${file} (seed ${design.metadata.seed})`];
}

async function handle(argv: ArgumentsCamelCase<DesignArgs>): Promise<string[]> {
  const request = await readDesignConfig(argv.config);
  if (request.family === "flat") {
    const { design, path } = await runFlatDesign(request, argv.seed, argv.out);
    return flatLines(design, path);
  }
  const out = argv.out ?? DEFAULT_DESIGN_OUT;
  const design = await writeHierarchical(request, argv.seed, resolve(out));
  const m = design._metadata;
  return [
    `J = ${design.J}, P = ${design.P}, M_total = ${design.M_total}`,
    `column labels: ${m.column_labels.length ? m.column_labels.join(", ") : "(none)"}`,
    `wrote ${out} (seed ${m.seed})`,
  ];
}

export const designCommand: CommandModule<object, DesignArgs> = {
  command: "design",
  describe:
    "Generate a study design from a config: a hierarchical design config or study config (study_design.json), " +
    "or the users' flat design-only configs (study_config.json, m1_study_config.json: results/designs/<design_name>.json)",
  builder: (y: Argv<object>) =>
    y
      .option("config", {
        type: "string",
        demandOption: true,
        describe: "A design config, a flat design-only config, or a study config with a study_design_config key",
      })
      .option("seed", {
        type: "number",
        describe: `Seed of every draw (default: the study config's seed, else ${DEFAULT_DESIGN_SEED})`,
      })
      .option("out", {
        type: "string",
        describe: `Where to write the design (default: ${DEFAULT_DESIGN_OUT}; a flat design-only config: results/designs/<design_name>.json)`,
      }) as unknown as Argv<DesignArgs>,
  handler: async (argv: ArgumentsCamelCase<DesignArgs>) => {
    try {
      for (const line of await handle(argv)) console.log(line);
    } catch (e) {
      if (e instanceof UserFacingError) {
        console.error(`error: ${e.message.replace(/\s*\n\s*/g, " ")}`);
        process.exitCode = 1;
        return;
      }
      throw e;
    }
  },
};
