/**
 * Design-only configs (the users' study_config.json and m1_study_config.json): the flat design
 * keys at the top level, plus design_name, generate_on_load and sometimes `model`. Running one
 * generates the design and writes it as a flat design file, by default to
 * results/designs/<design_name>.json. See docs/flat-designs.md.
 */
import { join } from "node:path";
import { InputError } from "../../util/errors.js";
import { dropNoteKeys } from "../../util/noteKeys.js";
import { parseFlatDesignConfig, RISKY_PROBS_DEFAULTS } from "./config.js";
import { generateFlatDesign } from "./generate.js";
import type { FlatDesign } from "./types.js";

export const DESIGNS_DIR = join("results", "designs");

/** Where a design-only run writes the design named `designName` unless told otherwise. */
export function defaultDesignPath(designName: string): string {
  return join(DESIGNS_DIR, `${designName}.json`);
}

export interface DesignOnlyOptions {
  /** Names the config in errors. */
  source?: string;
  /** true for the risky design script (risky even without N, as its class defaults N 20, S 8). */
  risky?: boolean;
  /** Overrides the default output path. */
  out?: string;
}

export interface DesignOnlyResult {
  design: FlatDesign;
  /** Where to write it: `out`, else results/designs/<design_name>.json. */
  path: string;
}

/**
 * Validates a design-only config and generates its design with `seed`. Unknown keys are refused
 * by name. risky_probs defaults to "uniform" and design_name to "from_config" (or "m1_default"
 * for risky designs), as the original's from_config does.
 */
export function designFromDesignOnlyConfig(
  config: unknown,
  seed: number,
  opts: DesignOnlyOptions = {},
): DesignOnlyResult {
  const source = opts.source ?? "design-only config";
  if (config === null || typeof config !== "object" || Array.isArray(config)) {
    throw new InputError(`${source}: must be a JSON object`);
  }
  // generate_on_load only says when the original's object draws (it always does before
  // writing), and `model` is not read by the original's design scripts: both accepted and ignored.
  const { generate_on_load, model, ...designKeys } = dropNoteKeys(config) as Record<string, unknown>;
  if (generate_on_load !== undefined && typeof generate_on_load !== "boolean") {
    throw new InputError(`${source}: generate_on_load: must be true or false`);
  }
  if (model !== undefined && typeof model !== "string") {
    throw new InputError(`${source}: model: must be a string (it is not read; the design keys decide)`);
  }
  const parsed = parseFlatDesignConfig(
    designKeys,
    {
      riskyProbsDefault: RISKY_PROBS_DEFAULTS.designClass,
      risky: opts.risky,
      designName: opts.risky || designKeys.N !== undefined ? "m1_default" : "from_config",
    },
    source,
  );
  if (opts.out === undefined && /[/\\]|^\.\.?$/.test(parsed.design_name)) {
    throw new InputError(
      `${source}: design_name: ${JSON.stringify(parsed.design_name)} names the output file, so it cannot hold / or \\ or be . or ..`,
    );
  }
  return {
    design: generateFlatDesign(parsed, seed),
    path: opts.out ?? defaultDesignPath(parsed.design_name),
  };
}
