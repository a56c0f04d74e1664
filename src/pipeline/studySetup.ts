/**
 * Setup steps every study type takes before its replicates: make or load the design, fingerprint
 * it, and compile models (cached by content) with the first failure reported in a fixed order.
 */
import { compileModel, type CompiledModel, type CompileOptions } from "../cmdstan/compile.js";
import type { CmdStanInstall } from "../cmdstan/locate.js";
import { generateStudyDesign, type DesignConfig, type StudyDesign } from "../design/studyDesign.js";
import { loadStudyDesign } from "../design/studyDesignFile.js";
import { sha256 } from "./files.js";

/** The design from `study_design_path`, else generated from `study_design_config` and the seed. */
export async function prepareDesign(source: {
  study_design_path?: string;
  study_design_config?: Record<string, unknown>;
  seed: number;
}): Promise<StudyDesign> {
  return source.study_design_path
    ? loadStudyDesign(source.study_design_path)
    : generateStudyDesign(source.study_design_config as DesignConfig, source.seed);
}

/** The design's content, without its generation timestamp, for a study fingerprint. */
export function designHash(design: StudyDesign): string {
  const { _metadata, ...data } = design;
  const { timestamp: _t, ...meta } = _metadata;
  return sha256(JSON.stringify({ data, meta }));
}

/**
 * Compile the models at once; when several fail, the error reported is the first one's in the
 * order given (not whichever compile failed soonest).
 */
export async function compileAll(
  install: CmdStanInstall,
  stanFiles: string[],
  opts: CompileOptions = {},
): Promise<CompiledModel[]> {
  const compiled = await Promise.allSettled(stanFiles.map((f) => compileModel(install, f, opts)));
  for (const r of compiled) if (r.status === "rejected") throw r.reason;
  return compiled.map((r) => (r as PromiseFulfilledResult<CompiledModel>).value);
}
