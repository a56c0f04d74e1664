/**
 * `cmdstan-recover design --config FILE [--seed N] [--out FILE]`: generates a study design and
 * writes it as study_design.json. The config is either a design config (docs/designs.md) or a
 * full study config whose `study_design_config` key holds one. The seed is --seed, else the
 * study config's integer `seed`, else DEFAULT_DESIGN_SEED.
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { ArgumentsCamelCase, Argv, CommandModule } from "yargs";
import { InputError, UserFacingError } from "../util/errors.js";
import { generateStudyDesign, parseDesignConfig, type StudyDesign } from "../design/studyDesign.js";
import { writeStudyDesign } from "../design/studyDesignFile.js";
import { parseJsonOf } from "../util/jsonFile.js";

export const DEFAULT_DESIGN_SEED = 12345;

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

export interface DesignArgs {
  config: string;
  seed?: number;
  out: string;
}

/** Reads a config file and returns the design config in it, with the study config's seed if any. */
export async function readDesignConfig(
  file: string,
): Promise<{ designConfig: unknown; source: string; seed?: number }> {
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
  const obj = raw as Record<string, unknown>;
  if (!STUDY_CONFIG_KEYS.some((k) => k in obj)) return { designConfig: obj, source: file };
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
  return { designConfig: obj.study_design_config, source: `${file}: study_design_config`, seed };
}

/** Generates and writes the design; returns it. Throws InputError on bad input. */
export async function runDesign(args: { config: string; seed?: number; out: string }): Promise<StudyDesign> {
  const { designConfig, source, seed: configSeed } = await readDesignConfig(args.config);
  const seed = args.seed ?? configSeed ?? DEFAULT_DESIGN_SEED;
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new InputError(`--seed: must be a non-negative integer, got ${seed}`);
  }
  // Validate first so that errors name the file (generateStudyDesign says "design config").
  const parsed = parseDesignConfig(designConfig, source);
  const design = generateStudyDesign(parsed, seed);
  await writeStudyDesign(args.out, design);
  return design;
}

export const designCommand: CommandModule<object, DesignArgs> = {
  command: "design",
  describe: "Generate the study design (study_design.json) from a config",
  builder: (y: Argv<object>) =>
    y
      .option("config", {
        type: "string",
        demandOption: true,
        describe: "Design config JSON, or a study config with a study_design_config key",
      })
      .option("seed", {
        type: "number",
        describe: `Seed of every draw (default: the study config's seed, else ${DEFAULT_DESIGN_SEED})`,
      })
      .option("out", {
        type: "string",
        default: "study_design.json",
        describe: "Where to write the design",
      }) as unknown as Argv<DesignArgs>,
  handler: async (argv: ArgumentsCamelCase<DesignArgs>) => {
    try {
      const out = resolve(argv.out);
      const design = await runDesign({ config: argv.config, seed: argv.seed, out });
      const m = design._metadata;
      console.log(`J = ${design.J}, P = ${design.P}, M_total = ${design.M_total}`);
      console.log(`column labels: ${m.column_labels.length ? m.column_labels.join(", ") : "(none)"}`);
      console.log(`wrote ${argv.out} (seed ${m.seed})`);
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
