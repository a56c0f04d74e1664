/**
 * What the hierarchical SBC study needs from its model, besides every SBC model's contract
 * (../sbcCommon/modelContract.ts): the data it declares are the design's data without the
 * simulator hyperparameters, and `pars_` and `ranks_` hold one entry per tracked scalar
 * (gamma0, gamma[1..P], the extras, sigma_cell, alpha_var[1..J], delta[1..K-1]), checked on one
 * fixed_param draw since their lengths depend on the data.
 */
import type { TrackedParameter } from "../../analysis/trackedParameters.js";
import type { CompiledModel } from "../../cmdstan/compile.js";
import type { CmdStanInstall } from "../../cmdstan/locate.js";
import {
  designDataRole,
  designDataWithoutHyperparameters,
  MENU_SIZES_ONLY,
  type StudyDesign,
} from "../../design/studyDesign.js";
import {
  checkDraw,
  checkSbcDeclarations,
  outputLengthProblems,
  refuseSbcModel,
  type SbcModelInfo,
} from "../sbcCommon/modelContract.js";
import type { SbcConfig } from "./config.js";

/** The SBC model's data: the design's data without the simulator hyperparameters (and no y). */
export function sbcData(design: StudyDesign): Record<string, unknown> {
  return designDataWithoutHyperparameters(design);
}

/** Check the model's declarations against the config and the design (stanc only). */
export async function checkSbcModel(
  install: CmdStanInstall,
  config: SbcConfig,
  design: StudyDesign,
): Promise<SbcModelInfo> {
  return checkSbcDeclarations(install, config, sbcData(design), (key) =>
    designDataRole(key) === "menu-size data" ? MENU_SIZES_ONLY : "the design does not provide it",
  );
}

/**
 * Run one fixed_param draw and check the lengths of pars_ and ranks_. A draw that fails is not a
 * contract problem: that simulation will fail and be reported, and the lengths are checked again
 * in every simulation.
 */
export async function checkSbcOutputLengths(
  model: CompiledModel,
  config: SbcConfig,
  dataText: string,
  tracked: readonly TrackedParameter[],
): Promise<void> {
  const draw = await checkDraw(model, config.seed, dataText);
  const problems =
    "csv" in draw
      ? outputLengthProblems(
          draw.csv,
          tracked.map((t) => t.variable),
        )
      : [];
  if (problems.length) refuseSbcModel(config, problems);
}
