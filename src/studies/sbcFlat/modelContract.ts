/**
 * What a flat SBC study needs from its model, besides every SBC model's contract
 * (../sbcCommon/modelContract.ts), checked before any simulation runs:
 *
 * - its data are the design's (M, K, D, R, w, I; N, S, x, J with risky problems) plus scalar
 *   data beyond the design (m_03_sbc's delta_concentration), valued from the config's
 *   `extra_data` or the original's defaults; a risky model given a design without risky problems
 *   is refused, and so is an `extra_data` key the model does not declare;
 * - the tracked scalars are learnt from the model, never from its file name: its parameters in
 *   declaration order, vectors by index and matrices row by row (alpha, [omega | kappa],
 *   beta[1,1], beta[1,2], ..., delta[K-1]: the layout of pars_ in docs/flat-models.md), read
 *   from one fixed_param draw on this design, which also shows that pars_ and ranks_ have one
 *   entry per tracked scalar.
 */
import type { CompiledModel } from "../../cmdstan/compile.js";
import type { CmdStanInstall } from "../../cmdstan/locate.js";
import { readModelInfo } from "../../cmdstan/modelInfo.js";
import { bracketName } from "../../cmdstan/stanCsv.js";
import {
  hyperparameterNames,
  hyperparameterValues,
  undeclaredHyperparameters,
} from "../../design/flat/hyperparameters.js";
import { flatStanData } from "../../design/flat/stanData.js";
import type { FlatDesign } from "../../design/flat/types.js";
import { InputError } from "../../util/errors.js";
import {
  checkDraw,
  outputLengthProblems,
  refuseSbcModel,
  sbcDeclarationProblems,
  sbcModelInfo,
  type SbcModelInfo,
} from "../sbcCommon/modelContract.js";
import type { FlatSbcConfig } from "./config.js";

const RISKY_DATA = ["N", "S", "x", "J"];

export interface FlatSbcModel extends SbcModelInfo {
  /** The model's data beyond the design, with the values in use. */
  hyperparameters: Record<string, number>;
  /** The SBC data: the design's and the hyperparameters. */
  data: Record<string, unknown>;
}

function whyMissing(key: string): string {
  return RISKY_DATA.includes(key)
    ? "the design has no risky problems; a study_design_config with N, or a design file with N, S, x and J, has them"
    : "the design does not provide it";
}

/** Check the model's declarations against the config and the design (stanc only); its SBC data. */
export async function checkFlatSbcModel(
  install: CmdStanInstall,
  config: FlatSbcConfig,
  design: FlatDesign,
): Promise<FlatSbcModel> {
  const info = await readModelInfo(install, config.sbc_model_path);
  const names = hyperparameterNames(info.inputs);
  const undeclared = undeclaredHyperparameters(config.extra_data, names);
  if (undeclared.length)
    throw new InputError(
      `${config.source}: extra_data: ${undeclared.join(", ")} ${undeclared.length > 1 ? "are" : "is"} not data of ` +
        `the SBC model ${config.sbc_model_path} (its data beyond the design: ${names.join(", ") || "none"})`,
    );
  const hyperparameters = hyperparameterValues(names, config.extra_data, {
    model: config.sbc_model_path,
    key: `${config.source}: extra_data`,
  });
  const data = { ...flatStanData(design), ...hyperparameters };
  const problems = sbcDeclarationProblems(info, data, whyMissing);
  if (problems.length) refuseSbcModel(config, problems);
  return { ...sbcModelInfo(info), hyperparameters, data };
}

/** Seeds a check draw tries (the first simulations'), since a model may reject some truths. */
const CHECK_SEEDS = 5;

/**
 * The tracked scalars, from one fixed_param draw of the compiled model on the SBC data: its
 * parameters' columns in declaration order, each container row by row (`beta[1,2]`). A draw
 * whose truth the model rejects is tried with the next simulation's seed (the names do not
 * depend on the truth); the model is refused when every try fails (the first error said) or
 * pars_ and ranks_ do not hold one entry per tracked scalar.
 */
export async function flatTrackedNames(
  model: CompiledModel,
  config: FlatSbcConfig,
  dataText: string,
  modelInfo: SbcModelInfo,
): Promise<string[]> {
  let draw = await checkDraw(model, config.seed, dataText);
  for (let k = 1; k < CHECK_SEEDS && "error" in draw; k++) {
    const next = await checkDraw(model, config.seed + k, dataText);
    if ("csv" in next) draw = next;
  }
  if ("error" in draw)
    refuseSbcModel(config, [
      `a fixed_param draw on this design, which names the tracked parameters, failed with seeds ${config.seed}..${config.seed + CHECK_SEEDS - 1}; the first: ${draw.error.message}`,
    ]);
  const parameters = draw.csv.variables.filter((v) => v.name in modelInfo.info.parameters);
  const names = parameters.flatMap((v) => v.columnNames.map(bracketName));
  const problems = outputLengthProblems(draw.csv, names);
  if (problems.length) refuseSbcModel(config, problems);
  return names;
}
