/**
 * What a flat recovery needs from its pair of models, learnt from `stanc --info` before anything
 * is compiled or sampled; a pair that cannot work is refused in one message naming the config,
 * the model file and every problem (docs/flat-recovery.md, "Models"):
 *
 * - the inference model outputs alpha (a scalar), beta (a K x D matrix), delta and upsilon
 *   (vectors), and maybe kappa and omega (scalars): those are tracked;
 * - the simulator outputs the same and the choices y (and z, for the fit of a risky model);
 * - the simulator's data are the design's plus its hyperparameters (the scalar data that are not
 *   design keys), valued from sim_hyperparams or the original's defaults; a sim_hyperparams key
 *   it does not declare is refused;
 * - the fit's data are the design's, the inference model's own hyperparameters (m_03's
 *   delta_concentration: from sim_hyperparams, else the default) and the choices; every data
 *   key a model declares must be there, and a risky model needs a design with risky problems.
 */
import { FLAT_SCALARS } from "../../analysis/flatRecovery.js";
import type { CmdStanInstall } from "../../cmdstan/locate.js";
import { readModelInfo, type ModelInfo } from "../../cmdstan/modelInfo.js";
import { hyperparameterNames } from "../../design/flat/hyperparameters.js";
import { flatStanData } from "../../design/flat/stanData.js";
import type { FlatDesign } from "../../design/flat/types.js";
import {
  dataProblems,
  intKeys,
  outputProblems,
  outputsOf,
  refuseModelProblems,
  simHyperparameterProblems,
  valuedHyperparameters,
  type WantedOutput,
} from "../common/flatModelChecks.js";
import type { FlatRecoveryConfig } from "./config.js";

export interface FlatModelPair {
  inference: ModelInfo;
  sim: ModelInfo;
  /** The tracked sensitivity scalars, in tracking order (alpha; kappa, omega where the model has them). */
  scalars: string[];
  /** The simulator's hyperparameters and the inference model's, with the values used. */
  simHyperparameters: Record<string, number>;
  fitHyperparameters: Record<string, number>;
  /** The simulator's data: the design's and its hyperparameters. */
  simData: Record<string, unknown>;
  /** The simulated choices the fit gets: y, and z when the inference model declares it. */
  choices: string[];
  simInts: string[];
  fitInts: string[];
  /** The simulator outputs read: the tracked variables and the choices. */
  simReads: string[];
  /** The inference model's parameters and tracked outputs: what a "tracked" summary covers. */
  summaryVariables: string[];
}

/** The tracked outputs: the scalars the inference model has, beta, delta, upsilon. */
function trackedOutputs(scalars: string[]): WantedOutput[] {
  return [
    ...scalars.map((s): WantedOutput => [s, 0, "a scalar"]),
    ["beta", 2, "a K x D matrix"],
    ["delta", 1, "a vector of K - 1"],
    ["upsilon", 1, "a vector of K"],
  ];
}

/** Why the design source lacks the risky problems' data, naming the config key. */
function noRiskyProblems(config: FlatRecoveryConfig): string {
  if (config.study_design_path) return `study_design_path: ${config.study_design_path} has no risky problems`;
  if (config.study_config_path) return `study_config_path: ${config.study_config_path} has no N`;
  return "study_design_config: no N (the number of risky problems)";
}

export async function checkFlatModelPair(
  install: CmdStanInstall,
  config: FlatRecoveryConfig,
  design: FlatDesign,
): Promise<FlatModelPair> {
  const [inference, sim] = await Promise.all([
    readModelInfo(install, config.inference_model_path),
    readModelInfo(install, config.sim_model_path),
  ]);
  const scalars = FLAT_SCALARS.filter((s) => s === "alpha" || outputsOf(inference)[s]?.dimensions === 0);
  const designData = flatStanData(design);
  const simProblems: string[] = [];
  const fitProblems: string[] = [];
  const simNames = hyperparameterNames(sim.inputs);
  const simHyperparameters = valuedHyperparameters(
    simNames,
    config.sim_hyperparams,
    config.sim_model_path,
    simProblems,
  );
  const fitNames = hyperparameterNames(inference.inputs);
  const fitHyperparameters = valuedHyperparameters(
    fitNames,
    config.sim_hyperparams,
    config.inference_model_path,
    fitProblems,
  );
  const choices = ["y", ...("z" in inference.inputs ? ["z"] : [])];
  const simData = { ...designData, ...simHyperparameters };
  const fitKeys = { ...designData, ...fitHyperparameters, ...Object.fromEntries(choices.map((c) => [c, []])) };
  const choiceOutputs = choices.map((c): WantedOutput => [c, 1, "an array of choices"]);
  fitProblems.push(
    ...outputProblems(inference, trackedOutputs(scalars)),
    ...dataProblems(inference.inputs, fitKeys, noRiskyProblems(config)),
  );
  simProblems.push(
    ...outputProblems(sim, [...trackedOutputs(scalars), ...choiceOutputs]),
    ...dataProblems(sim.inputs, simData, noRiskyProblems(config)),
    ...simHyperparameterProblems(sim, simNames, config.sim_hyperparams),
  );
  refuseModelProblems(config.source, [
    {
      key: "inference_model_path",
      what: "the inference model",
      file: config.inference_model_path,
      problems: fitProblems,
    },
    { key: "sim_model_path", what: "the simulator", file: config.sim_model_path, problems: simProblems },
  ]);
  return {
    inference,
    sim,
    scalars,
    simHyperparameters,
    fitHyperparameters,
    simData,
    choices,
    simInts: intKeys(sim.inputs),
    fitInts: intKeys(inference.inputs),
    simReads: [...trackedOutputs(scalars).map(([name]) => name), ...choices],
    summaryVariables: [...new Set([...Object.keys(inference.parameters), ...trackedOutputs(scalars).map(([n]) => n)])],
  };
}
