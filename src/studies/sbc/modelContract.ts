/**
 * What an SBC study needs from its model, checked before any simulation runs, so a model that
 * cannot work is refused in one message naming the model file and everything wrong:
 *
 * - `stanc --info`: it outputs `pars_` and `ranks_` as vectors in generated quantities, declares
 *   no data `y` (an SBC model simulates y itself, docs/sbc.md "The SBC model contract"), and every data key it
 *   declares is in the SBC data (the design's data without the simulator hyperparameters);
 * - one draw of the compiled model (fixed_param): `pars_` and `ranks_` hold one entry per
 *   tracked scalar (gamma0, gamma[1..P], the extras, sigma_cell, alpha_var[1..J],
 *   delta[1..K-1]); their lengths depend on the data, which stanc cannot know.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { TrackedParameter } from "../../analysis/trackedParameters.js";
import type { CompiledModel } from "../../cmdstan/compile.js";
import { CmdStanRunError, InputError } from "../../util/errors.js";
import type { CmdStanInstall } from "../../cmdstan/locate.js";
import { readModelInfo, type ModelInfo } from "../../cmdstan/modelInfo.js";
import { sample } from "../../cmdstan/run.js";
import { readStanCsv } from "../../cmdstan/stanCsv.js";
import {
  designDataRole,
  designDataWithoutHyperparameters,
  MENU_SIZES_ONLY,
  type StudyDesign,
} from "../../design/studyDesign.js";
import type { SbcConfig } from "./config.js";

/** The SBC outputs: the truth of each tracked scalar, and per draw whether the draw exceeds it. */
export const SBC_OUTPUTS = ["pars_", "ranks_"] as const;

export interface SbcModelInfo {
  info: ModelInfo;
  /** Data keys the model declares as int (for toStanJson's `ints`). */
  ints: string[];
  /** Parameters and transformed parameters: the variables whose R-hat is checked. */
  rhatVariables: string[];
}

/** The SBC model's data: the design's data without the simulator hyperparameters (and no y). */
export function sbcData(design: StudyDesign): Record<string, unknown> {
  return designDataWithoutHyperparameters(design);
}

function refuse(config: SbcConfig, problems: string[]): never {
  throw new InputError(
    `${config.source}: sbc_model_path: the SBC model ${config.sbc_model_path} does not fit this study:\n  - ${problems.join("\n  - ")}`,
  );
}

/** Check the model's declarations against the config and the design (stanc only). */
export async function checkSbcModel(
  install: CmdStanInstall,
  config: SbcConfig,
  design: StudyDesign,
): Promise<SbcModelInfo> {
  const info = await readModelInfo(install, config.sbc_model_path);
  const data = sbcData(design);
  const problems: string[] = [];
  for (const name of SBC_OUTPUTS) {
    const d = info.generatedQuantities[name];
    if (!d)
      problems.push(`it does not output ${name} in generated quantities (a vector with one entry per tracked scalar)`);
    else if (d.dimensions !== 1)
      problems.push(
        `its output ${name} has ${d.dimensions} dimension(s), expected a vector (one entry per tracked scalar)`,
      );
  }
  if (info.inputs.y)
    problems.push("it declares data y; an SBC model simulates y in transformed data from a truth drawn from the prior");
  for (const key of Object.keys(info.inputs).filter((k) => k !== "y" && !(k in data))) {
    const why = designDataRole(key) === "menu-size data" ? MENU_SIZES_ONLY : "the design does not provide it";
    problems.push(`it declares data ${key}, which the SBC data does not hold (${why})`);
  }
  if (problems.length) refuse(config, problems);
  return {
    info,
    ints: Object.keys(info.inputs).filter((k) => info.inputs[k].type === "int"),
    rhatVariables: [...Object.keys(info.parameters), ...Object.keys(info.transformedParameters)],
  };
}

/**
 * Run one fixed_param draw and check the lengths of pars_ and ranks_. A draw that fails (the
 * model rejects this seed's truth, say) is not a contract problem: that simulation will fail and
 * be reported, and the lengths are checked again in every simulation.
 */
export async function checkSbcOutputLengths(
  model: CompiledModel,
  config: SbcConfig,
  dataText: string,
  tracked: readonly TrackedParameter[],
): Promise<void> {
  // In a scratch folder: the study's folder is not claimed yet.
  const dir = await mkdtemp(path.join(os.tmpdir(), "cmdstan-recover-sbc-check-"));
  try {
    const dataFile = path.join(dir, "data.json");
    await writeFile(dataFile, dataText);
    const run = await sample(model, {
      chains: 1,
      numSamples: 1,
      algorithm: "fixed_param",
      seed: config.seed,
      dataFile,
      outputDir: dir,
      outputPrefix: "check",
      refresh: 1,
    });
    const csv = await readStanCsv(run.csvFiles[0], { variables: [...SBC_OUTPUTS] });
    const problems = SBC_OUTPUTS.flatMap((name) => {
      const n = csv.variables.find((v) => v.name === name)?.columnNames.length ?? 0;
      return n === tracked.length
        ? []
        : [
            `its output ${name} has ${n} entries on this design, expected ${tracked.length}: ${tracked.map((t) => t.variable).join(", ")}`,
          ];
    });
    if (problems.length) refuse(config, problems);
  } catch (err) {
    if (!(err instanceof CmdStanRunError)) throw err;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
