/**
 * The design of a study of the flat family (m_0 ... m_3; docs/flat-designs.md), for every flat
 * study kind: whether a config is of the flat family (its `study_design_config` holds flat keys,
 * or its `study_design_path` is a flat design file), the design config validated as the
 * original's config drivers read it (risky problems exactly when it has N, risky_probs
 * "fixed" by default), the design generated from the seed or loaded, its fingerprint, and
 * `study_design.json` in the study folder (written once, mended on resume).
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { parseFlatDesignConfig, RISKY_PROBS_DEFAULTS, type FlatDesignConfig } from "../design/flat/config.js";
import { isFlatDesignConfig, isFlatDesignFile } from "../design/flat/family.js";
import { loadFlatDesign, parseFlatDesign, serializeFlatDesign } from "../design/flat/file.js";
import { generateFlatDesign } from "../design/flat/generate.js";
import type { FlatDesign } from "../design/flat/types.js";
import { writeFileAtomic } from "../util/atomicWrite.js";
import { sha256 } from "./records.js";
import { DESIGN_FILE } from "./studySetup.js";
import { parseConfigObject, resolveAgainst, resolveBaseKeys, resolveDesignSource } from "./studyConfig.js";

/** Whether a raw config (paths against `baseDir`) is of the flat family; unreadable design files are not. */
export async function isFlatStudyConfig(raw: Record<string, unknown>, baseDir: string): Promise<boolean> {
  if (raw.study_design_config) return isFlatDesignConfig(raw.study_design_config);
  if (typeof raw.study_design_path !== "string" || raw.study_design_path === "") return false;
  const file = resolveAgainst(baseDir, raw.study_design_path);
  try {
    return isFlatDesignFile(JSON.parse(await readFile(file, "utf8")));
  } catch {
    return false;
  }
}

/** A flat study's design source: a design file, or the validated design config. */
export interface FlatDesignSource {
  study_design_path: string | undefined;
  /** As written in the config (what a cluster task rebuilds the study from). */
  study_design_config: Record<string, unknown> | undefined;
  /** The design config validated, defaults filled in. */
  designConfig: FlatDesignConfig | undefined;
}

/**
 * Validate a flat study's config with `schema` (note keys dropped, errors naming `source` and the
 * key), resolve its shared keys and design source against `baseDir`, and validate its design
 * config as a flat design.
 */
export function parseFlatStudyConfig<T extends z.ZodTypeAny>(schema: T, raw: unknown, source: string, baseDir: string) {
  const c = parseConfigObject(schema, raw, source);
  const design = resolveDesignSource(c, baseDir);
  const designConfig = design.study_design_config
    ? parseFlatDesignConfig(
        design.study_design_config,
        { riskyProbsDefault: RISKY_PROBS_DEFAULTS.configDrivers },
        `${source}: study_design_config`,
      )
    : undefined;
  const source_: FlatDesignSource = { ...design, designConfig };
  return { ...c, ...resolveBaseKeys(c, source, baseDir), ...source_ };
}

/** The design from `study_design_path`, else generated from the design config and the seed. */
export async function prepareFlatDesign(source: FlatDesignSource & { seed: number }): Promise<FlatDesign> {
  if (source.study_design_path) return loadFlatDesign(source.study_design_path);
  return generateFlatDesign(source.designConfig!, source.seed);
}

/** The design file's text without its generation time: what decides a study's results. */
function timeless(design: FlatDesign): string {
  return serializeFlatDesign({ ...design, metadata: { ...design.metadata, timestamp: "" } });
}

/** The design's content, without its generation timestamp, for a study fingerprint. */
export function flatDesignHash(design: FlatDesign): string {
  return sha256(timeless(design));
}

/**
 * `study_design.json` in the study folder, in the original's layout: written once, and on a
 * resume checked against the design; a copy that is damaged or holds another design is rewritten,
 * and said so.
 */
export async function writeFlatDesignFile(outputDir: string, design: FlatDesign, log: (line: string) => void) {
  const file = path.join(outputDir, DESIGN_FILE);
  if (existsSync(file)) {
    let problem: string | undefined;
    try {
      const kept = parseFlatDesign(await readFile(file, "utf8"), file);
      problem = timeless(kept) === timeless(design) ? undefined : "holds another design than this study's";
    } catch (err) {
      problem = `is damaged (${(err as Error).message.split("\n")[0]})`;
    }
    if (!problem) return;
    log(`[study] ${file} ${problem}; rewritten from the study's design`);
  }
  await writeFileAtomic(file, serializeFlatDesign(design));
}
