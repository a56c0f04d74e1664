/**
 * Setup steps every study kind takes before its replicates: make or load the design, fingerprint
 * it, write it into the study folder (mending a damaged copy), and compile models (cached by
 * content) with the first failure reported in a fixed order.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { compileModel, stancSupportsO1, type CompiledModel, type CompileOptions } from "../cmdstan/compile.js";
import type { CmdStanInstall } from "../cmdstan/locate.js";
import { generateStudyDesign, type DesignConfig, type StudyDesign } from "../design/studyDesign.js";
import { loadStudyDesign, parseStudyDesign, serializeStudyDesign } from "../design/studyDesignFile.js";
import { writeFileAtomic } from "../util/atomicWrite.js";
import { sha256 } from "./records.js";

export const DESIGN_FILE = "study_design.json";

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

/** How a design family writes and reads its design file, and its design with the generation time blanked. */
export interface DesignFileFormat<D> {
  serialize(design: D): string;
  parse(text: string, file: string): D;
  timeless(design: D): D;
}

const HIERARCHICAL_FORMAT: DesignFileFormat<StudyDesign> = {
  serialize: serializeStudyDesign,
  parse: parseStudyDesign,
  timeless: (d) => ({ ...d, _metadata: { ...d._metadata, timestamp: "" } }),
};

/**
 * `study_design.json` in the study folder: written once (its generation time stays that of the
 * first start), and on a resume checked against the design: a copy that is damaged or holds
 * another design is rewritten, and said so, since the folder's results belong to this design.
 */
export async function writeDesignFile(outputDir: string, design: StudyDesign, log: (line: string) => void) {
  await writeDesignFileAs(outputDir, design, HIERARCHICAL_FORMAT, log);
}

/** writeDesignFile for a design of any family, in its `format`. */
export async function writeDesignFileAs<D>(
  outputDir: string,
  design: D,
  format: DesignFileFormat<D>,
  log: (line: string) => void,
): Promise<void> {
  const file = path.join(outputDir, DESIGN_FILE);
  if (existsSync(file)) {
    const problem = await designFileProblem(file, design, format);
    if (!problem) return;
    log(`[study] ${file} ${problem}; rewritten from the study's design`);
  }
  await writeFileAtomic(file, format.serialize(design));
}

async function designFileProblem<D>(file: string, design: D, format: DesignFileFormat<D>): Promise<string | undefined> {
  try {
    const kept = format.parse(await readFile(file, "utf8"), file);
    const timeless = (d: D) => format.serialize(format.timeless(d));
    return timeless(kept) === timeless(design) ? undefined : "holds another design than this study's";
  } catch (err) {
    return `is damaged (${(err as Error).message.split("\n")[0]})`;
  }
}

/**
 * Compile a study's models (or, for a cluster task, take them from the cache: `cachedOnly`),
 * saying which; `prefix` is the log prefix ("recover"). The files in `optimise` (inference
 * models whose config sets stanc_o1) get stanc's --O1 where this CmdStan's stanc has it
 * (docs/performance.md "--O1"); where it has not, the log says they are compiled without it.
 * Simulators never get it: their draws must come in the documented order.
 */
export async function compileStudyModels(
  install: CmdStanInstall,
  stanFiles: string[],
  opts: { prefix: string; log: (line: string) => void; cachedOnly: boolean; optimise?: readonly string[] },
): Promise<CompiledModel[]> {
  const names = stanFiles.map((f) => path.basename(f)).join(" and ");
  const optimise = opts.optimise ?? [];
  const o1 = optimise.length > 0 && (await stancSupportsO1(install));
  const optimised = optimise.map((f) => path.basename(f)).join(", ");
  opts.log(
    (opts.cachedOnly
      ? `[${opts.prefix}] using the compiled ${names}`
      : `[${opts.prefix}] compiling ${names} (cached when unchanged)`) +
      (o1 ? `; ${optimised} with stanc --O1` : "") +
      (optimise.length && !o1
        ? `; stanc_o1: CmdStan ${install.version}'s stanc has no --O1, so ${optimised} without it`
        : ""),
  );
  const stancFlagsFor = (f: string) => (o1 && optimise.includes(f) ? ["--O1"] : []);
  return compileAll(install, stanFiles, { cachedOnly: opts.cachedOnly, stancFlagsFor });
}

/**
 * Compile the models at once; when several fail, the error reported is the first one's in the
 * order given (not whichever compile failed soonest).
 */
export async function compileAll(
  install: CmdStanInstall,
  stanFiles: string[],
  opts: CompileOptions & { stancFlagsFor?: (file: string) => string[] } = {},
): Promise<CompiledModel[]> {
  const { stancFlagsFor, ...common } = opts;
  const compiled = await Promise.allSettled(
    stanFiles.map((f) =>
      compileModel(install, f, stancFlagsFor ? { ...common, stancFlags: stancFlagsFor(f) } : common),
    ),
  );
  for (const r of compiled) if (r.status === "rejected") throw r.reason;
  return compiled.map((r) => (r as PromiseFulfilledResult<CompiledModel>).value);
}
