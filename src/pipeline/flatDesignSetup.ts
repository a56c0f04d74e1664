/**
 * The flat design family's setup steps for a study (docs/flat-designs.md): the design from the
 * config's source, its fingerprint, and `study_design.json` in the study folder in the flat
 * file layout (written once, mended on resume as writeDesignFile does for the hierarchical one).
 *
 * The sources, as the original's config drivers read them (at most one is given):
 * - `study_design_path`: a flat design file (uncertain-only or risky);
 * - `study_config_path`: a design-only config file (the flat keys at its top level), generated;
 * - `study_design_config`: the flat keys inline, generated; with N the design has risky problems
 *   and risky_probs defaults to "fixed", as the drivers build it.
 */
import { readFile } from "node:fs/promises";
import { z } from "zod";
import { flatDesignConfigSchema, parseFlatDesignConfig, RISKY_PROBS_DEFAULTS } from "../design/flat/config.js";
import { designFromDesignOnlyConfig } from "../design/flat/designOnly.js";
import { loadFlatDesign, parseFlatDesign, serializeFlatDesign } from "../design/flat/file.js";
import { generateFlatDesign } from "../design/flat/generate.js";
import type { FlatDesign } from "../design/flat/types.js";
import { InputError } from "../util/errors.js";
import { parseJsonOf } from "../util/jsonFile.js";
import { dropNoteKeys } from "../util/noteKeys.js";
import { sha256 } from "./records.js";
import { writeDesignFileAs, type DesignFileFormat } from "./studySetup.js";

const DESIGN_SOURCES = ["study_design_path", "study_config_path", "study_design_config"] as const;

/** The config keys of a flat design source, for a study kind's schema. */
export const flatDesignSourceKeys = {
  study_design_path: z.string().min(1).nullish(),
  study_config_path: z.string().min(1).nullish(),
  study_design_config: z.record(z.unknown(), { invalid_type_error: "must be an object (the design config)" }).nullish(),
};

/** The flat design keys, checked where they stand (study_design_config.<key>). */
function checkDesignConfig(design: unknown, ctx: z.RefinementCtx): void {
  const r = flatDesignConfigSchema({ riskyProbsDefault: RISKY_PROBS_DEFAULTS.configDrivers }).safeParse(
    dropNoteKeys(design),
  );
  if (r.success) return;
  for (const issue of r.error.issues) {
    const message = issue.message === "Required" ? "is required" : issue.message;
    ctx.addIssue({ code: "custom", path: ["study_design_config", ...issue.path], message });
  }
}

/**
 * One design source (the original's drivers take the first present; we refuse an ambiguous
 * config), and an inline design config's keys checked: a schema's superRefine.
 */
export function checkFlatDesignSource(c: Record<string, unknown>, ctx: z.RefinementCtx): void {
  const given = DESIGN_SOURCES.filter((k) => c[k] !== undefined && c[k] !== null);
  if (given.length === 0)
    ctx.addIssue({
      code: "custom",
      path: ["study_design_config"],
      message: "is required when neither study_design_path nor study_config_path is given",
    });
  if (given.length > 1)
    ctx.addIssue({ code: "custom", path: [given[1]], message: `give one design source, not ${given.join(" and ")}` });
  if (c.study_design_config) checkDesignConfig(c.study_design_config, ctx);
}

export interface FlatDesignSource {
  study_design_path?: string;
  study_config_path?: string;
  study_design_config?: Record<string, unknown>;
  seed: number;
  /** The config file, for messages. */
  source: string;
}

/** The design of a study's flat design source (see the module comment). */
export async function prepareFlatDesign(src: FlatDesignSource): Promise<FlatDesign> {
  if (src.study_design_path) return loadFlatDesign(src.study_design_path);
  if (src.study_config_path) {
    const file = src.study_config_path;
    const text = await readFile(file, "utf8").catch((err: NodeJS.ErrnoException) => {
      throw new InputError(`${src.source}: study_config_path: cannot read ${file} (${err.code ?? err.message})`);
    });
    return designFromDesignOnlyConfig(parseJsonOf(file, text), src.seed, { source: file }).design;
  }
  if (!src.study_design_config) throw new InputError(`${src.source}: no design source (study_design_config)`);
  const config = parseFlatDesignConfig(
    src.study_design_config,
    { riskyProbsDefault: RISKY_PROBS_DEFAULTS.configDrivers },
    `${src.source}: study_design_config`,
  );
  return generateFlatDesign(config, src.seed);
}

const timeless = (d: FlatDesign): FlatDesign => ({ ...d, metadata: { ...d.metadata, timestamp: "" } });

/** The design's content, without its generation timestamp, for a study fingerprint. */
export function flatDesignHash(design: FlatDesign): string {
  return sha256(serializeFlatDesign(timeless(design)));
}

const FLAT_FORMAT: DesignFileFormat<FlatDesign> = {
  serialize: serializeFlatDesign,
  parse: parseFlatDesign,
  timeless,
};

/** `study_design.json` in the flat layout: written once, a damaged or foreign copy rewritten. */
export async function writeFlatDesignFile(outputDir: string, design: FlatDesign, log: (line: string) => void) {
  await writeDesignFileAs(outputDir, design, FLAT_FORMAT, log);
}
